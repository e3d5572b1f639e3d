//! Where a command writes: `-o FILE` or standard output, through a writer
//! whose errors name it.

use std::io::{self, Write};
use std::path::Path;

use anyhow::{Context, Result};

use crate::text::escape_control;

/// A writer whose errors name it, so a full disk reads
/// `-o report.html: No space left on device`, not a bare OS error.
pub struct Named<W> {
    name: String,
    inner: W,
}

impl<W: Write> Named<W> {
    pub fn new(name: impl Into<String>, inner: W) -> Named<W> {
        Named {
            name: name.into(),
            inner,
        }
    }

    fn tag(&self, e: io::Error) -> io::Error {
        let text = e.to_string();
        // "No space left on device (os error 28)": the OS's words only.
        let text = match text.rfind(" (os error ") {
            Some(p) if text.ends_with(')') => text[..p].to_string(),
            _ => text,
        };
        io::Error::new(e.kind(), format!("{}: {text}", self.name))
    }
}

impl<W: Write> Write for Named<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf).map_err(|e| self.tag(e))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush().map_err(|e| self.tag(e))
    }
}

/// `-o FILE` (created, buffered) or the standard output given.
pub enum Output<'a> {
    File(Named<io::BufWriter<std::fs::File>>),
    Stdout(&'a mut dyn Write),
}

impl<'a> Output<'a> {
    /// Creates `path` (named `-o PATH` in errors), or writes to `stdout`.
    pub fn open(path: Option<&Path>, stdout: &'a mut dyn Write) -> Result<Output<'a>> {
        Ok(match path {
            Some(p) => Output::File(Named::new(
                format!("-o {}", escape_control(&p.display().to_string())),
                io::BufWriter::new(
                    std::fs::File::create(p)
                        .with_context(|| format!("creating {}", p.display()))?,
                ),
            )),
            None => Output::Stdout(stdout),
        })
    }

    /// Whether this writes to a file (no colour, no terminal width).
    pub fn is_file(&self) -> bool {
        matches!(self, Output::File(_))
    }
}

impl Write for Output<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::File(f) => f.write(buf),
            Output::Stdout(o) => o.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::File(f) => f.flush(),
            Output::Stdout(o) => o.flush(),
        }
    }
}

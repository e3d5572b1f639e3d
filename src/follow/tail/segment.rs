//! One open file of a followed log and how far it has been read: the
//! line cutting (a partial line held to its cap), and the bytes kept to
//! recognise the file again (its first ones and those before the offset).

use std::fs::{File, Metadata};
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::Path;
use std::time::{Instant, SystemTime};

use super::PRINT;
use crate::input::lines::MAX_LINE;

/// Holds the start of a line not yet ended, at most [`MAX_LINE`] bytes of
/// it (the rest is dropped, as the batch reader cuts it), so a line that
/// never ends cannot take memory without bound.
fn hold(partial: &mut Vec<u8>, bytes: &[u8]) {
    let room = MAX_LINE.saturating_sub(partial.len());
    partial.extend_from_slice(&bytes[..bytes.len().min(room)]);
}

/// Hands out the complete lines of `chunk`, joined to a held partial line.
pub(super) fn feed(
    chunk: &[u8],
    partial: &mut Vec<u8>,
    line_no: &mut u64,
    out: &mut dyn FnMut(&[u8], u64),
) {
    let mut start = 0;
    for nl in memchr::memchr_iter(b'\n', chunk) {
        *line_no += 1;
        if partial.is_empty() {
            out(&chunk[start..nl], *line_no);
        } else {
            hold(partial, &chunk[start..nl]);
            out(partial, *line_no);
            partial.clear();
        }
        start = nl + 1;
    }
    hold(partial, &chunk[start..]);
}

/// A held partial line whose file is finished is a line after all.
pub(super) fn flush(partial: &mut Vec<u8>, line_no: &mut u64, out: &mut dyn FnMut(&[u8], u64)) {
    if !partial.is_empty() {
        *line_no += 1;
        out(partial, *line_no);
        partial.clear();
    }
}

pub(super) fn id_of(m: &Metadata) -> (u64, u64) {
    (m.dev(), m.ino())
}

/// One open file and how far it has been read.
pub(super) struct Segment {
    pub(super) file: File,
    /// (device, inode).
    pub(super) id: (u64, u64),
    pub(super) offset: u64,
    pub(super) partial: Vec<u8>,
    /// The last bytes before `offset`, as read.
    pub(super) print: Vec<u8>,
    /// The first bytes of the file, as read.
    pub(super) head: Vec<u8>,
    /// Lines handed out from this file (for line numbers).
    pub(super) line_no: u64,
    /// When it last grew (for the rotate wait).
    pub(super) last_data: Instant,
    /// The modification time when [`Segment::rewritten`] last found the
    /// file as read: unchanged with nothing new, no need to read it again
    /// (5,000 files followed cost 5 system calls each per wake-up).
    pub(super) checked: Option<SystemTime>,
}

impl Segment {
    /// The file now at `path`, from its start; `None` when there is none.
    pub(super) fn open(path: &Path) -> io::Result<Option<Segment>> {
        match File::open(path) {
            Ok(file) => {
                let id = id_of(&file.metadata()?);
                Ok(Some(Segment {
                    file,
                    id,
                    offset: 0,
                    partial: Vec::new(),
                    print: Vec::new(),
                    head: Vec::new(),
                    line_no: 0,
                    last_data: Instant::now(),
                    checked: None,
                }))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Positions at `at`, which must be a line start (or the end), and
    /// remembers the bytes before it and the file's first bytes.
    pub(super) fn seek_to(&mut self, at: u64) -> io::Result<()> {
        self.file.seek(SeekFrom::Start(at))?;
        self.offset = at;
        let from = at.saturating_sub(PRINT as u64);
        let mut print = vec![0; (at - from) as usize];
        self.file.read_exact_at(&mut print, from)?;
        self.print = print;
        let mut head = vec![0; at.min(PRINT as u64) as usize];
        self.file.read_exact_at(&mut head, 0)?;
        self.head = head;
        Ok(())
    }

    /// Reads the file to its end, or until `budget` bytes are read
    /// (lowered by what was read), handing out complete lines; true when
    /// it reached the end.
    pub(super) fn drain(
        &mut self,
        buf: &mut [u8],
        budget: &mut usize,
        out: &mut dyn FnMut(&[u8], u64),
    ) -> io::Result<bool> {
        let mut any = false;
        let at_end = loop {
            if *budget == 0 {
                break false;
            }
            let want = buf.len().min(*budget);
            let n = self.file.read(&mut buf[..want])?;
            if n == 0 {
                break true;
            }
            any = true;
            *budget -= n;
            let chunk = &buf[..n];
            if self.offset < PRINT as u64 {
                let take = (PRINT - self.offset as usize).min(n);
                self.head.extend_from_slice(&chunk[..take]);
            }
            self.offset += n as u64;
            remember(&mut self.print, chunk);
            feed(chunk, &mut self.partial, &mut self.line_no, out);
        };
        if any {
            self.last_data = Instant::now();
        }
        Ok(at_end)
    }

    /// True when the bytes before our offset are no longer what we read
    /// (judged on the open file, whatever its name is now).
    pub(super) fn rewritten(&mut self) -> bool {
        let Ok(m) = self.file.metadata() else {
            return false;
        };
        if m.len() < self.offset {
            return true;
        }
        let modified = m.modified().ok();
        if m.len() == self.offset && modified.is_some() && modified == self.checked {
            return false;
        }
        // The last bytes read, and the first ones: log lines often end
        // alike, but start with their own stamp and id.
        let mut now = vec![0; self.print.len()];
        let mut head = vec![0; self.head.len()];
        let rewritten = self
            .file
            .read_exact_at(&mut now, self.offset - self.print.len() as u64)
            .is_err()
            || now != self.print
            || self.file.read_exact_at(&mut head, 0).is_err()
            || head != self.head;
        self.checked = if rewritten { None } else { modified };
        rewritten
    }

    /// Starts the (truncated) file again from 0.
    pub(super) fn restart(&mut self) -> io::Result<()> {
        self.file.seek(SeekFrom::Start(0))?;
        self.offset = 0;
        self.print.clear();
        self.head.clear();
        self.partial.clear();
        self.line_no = 0;
        self.checked = None;
        Ok(())
    }
}

/// Keeps the last [`PRINT`] bytes of everything read.
fn remember(print: &mut Vec<u8>, chunk: &[u8]) {
    if chunk.len() >= PRINT {
        print.clear();
        print.extend_from_slice(&chunk[chunk.len() - PRINT..]);
    } else {
        print.extend_from_slice(chunk);
        let extra = print.len().saturating_sub(PRINT);
        print.drain(..extra);
    }
}

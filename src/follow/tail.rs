//! Following one log file by path, the way `tail -F` does, without losing
//! or repeating a line when it is rotated:
//!
//! - **rename + create** (logrotate's default): the file we hold is drained
//!   to its end, then the new file at the path is read from its start;
//! - **copytruncate**: the file shrinks under us (or is rewritten past our
//!   offset: the bytes before our offset no longer match what we read). The
//!   lines written after our last read are in the copy (`NAME.1`,
//!   `NAME-DATE`), so they are read from there before we restart at 0;
//! - **delete, then recreated later**: we keep draining the deleted file
//!   until a new one appears;
//! - **missing at start**: we wait for it, then read it from its start;
//! - **compressed after rotation**: we hold the old file open, so its
//!   compression does not disturb us.
//!
//! A last line without its newline is held until the newline arrives.

use std::fs::{File, Metadata};
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};

use crate::input::lines::MAX_LINE;

/// Bytes of the file just before our offset kept to recognise the file.
const PRINT: usize = 64;
const BUF: usize = 64 * 1024;

/// What happened to the file, for a note on stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    Waiting,
    Opened,
    Rotated,
    Truncated { recovered_from: Option<PathBuf> },
    Removed,
}

/// Where to start reading a file that exists when following begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    End,
    Beginning,
    /// A byte offset (found by the caller, e.g. by time).
    At(u64),
}

/// Holds the start of a line not yet ended, at most [`MAX_LINE`] bytes of
/// it (the rest is dropped, as the batch reader cuts it), so a line that
/// never ends cannot take memory without bound.
fn hold(partial: &mut Vec<u8>, bytes: &[u8]) {
    let room = MAX_LINE.saturating_sub(partial.len());
    partial.extend_from_slice(&bytes[..bytes.len().min(room)]);
}

pub struct Tail {
    path: PathBuf,
    file: Option<File>,
    /// (device, inode) of the file we hold.
    id: Option<(u64, u64)>,
    offset: u64,
    partial: Vec<u8>,
    /// The last bytes before `offset`, as read.
    print: Vec<u8>,
    /// The path no longer names the file we hold.
    detached: bool,
    buf: Vec<u8>,
    /// Lines handed out from the current file (for line numbers).
    line_no: u64,
}

fn id_of(m: &Metadata) -> (u64, u64) {
    (m.dev(), m.ino())
}

impl Tail {
    /// Starts following `path`; a missing file is waited for.
    pub fn new(path: &Path, start: Start) -> (Tail, Note) {
        let mut t = Tail {
            path: path.to_path_buf(),
            file: None,
            id: None,
            offset: 0,
            partial: Vec::new(),
            print: Vec::new(),
            detached: false,
            buf: vec![0; BUF],
            line_no: 0,
        };
        let note = match t.attach() {
            Ok(true) => {
                let len = t
                    .file
                    .as_ref()
                    .and_then(|f| f.metadata().ok())
                    .map_or(0, |m| m.len());
                let at = match start {
                    Start::End => len,
                    Start::Beginning => 0,
                    Start::At(o) => o.min(len),
                };
                if t.seek_to(at).is_err() {
                    t.file = None;
                }
                Note::Opened
            }
            _ => Note::Waiting,
        };
        (t, note)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens the file now at the path, from its start.
    fn attach(&mut self) -> io::Result<bool> {
        match File::open(&self.path) {
            Ok(f) => {
                let m = f.metadata()?;
                self.id = Some(id_of(&m));
                self.file = Some(f);
                self.offset = 0;
                self.print.clear();
                self.partial.clear();
                self.detached = false;
                self.line_no = 0;
                Ok(true)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Positions at `at`, which must be a line start (or the end), and
    /// remembers the bytes before it.
    fn seek_to(&mut self, at: u64) -> io::Result<()> {
        let Some(f) = self.file.as_mut() else {
            return Ok(());
        };
        f.seek(SeekFrom::Start(at))?;
        self.offset = at;
        let from = at.saturating_sub(PRINT as u64);
        let mut print = vec![0; (at - from) as usize];
        f.read_exact_at(&mut print, from)?;
        self.print = print;
        Ok(())
    }

    /// Reads the held file to its end, handing out complete lines.
    fn drain(&mut self, out: &mut dyn FnMut(&[u8], u64)) -> io::Result<()> {
        let Some(f) = self.file.as_mut() else {
            return Ok(());
        };
        loop {
            let n = f.read(&mut self.buf)?;
            if n == 0 {
                return Ok(());
            }
            self.offset += n as u64;
            let chunk = &self.buf[..n];
            remember(&mut self.print, chunk);
            let mut start = 0;
            for nl in memchr::memchr_iter(b'\n', chunk) {
                self.line_no += 1;
                if self.partial.is_empty() {
                    out(&chunk[start..nl], self.line_no);
                } else {
                    hold(&mut self.partial, &chunk[start..nl]);
                    out(&self.partial, self.line_no);
                    self.partial.clear();
                }
                start = nl + 1;
            }
            hold(&mut self.partial, &chunk[start..]);
        }
    }

    /// A held partial line whose file is finished is a line after all.
    fn flush_partial(&mut self, out: &mut dyn FnMut(&[u8], u64)) {
        if !self.partial.is_empty() {
            self.line_no += 1;
            out(&self.partial, self.line_no);
            self.partial.clear();
        }
    }

    /// True when the bytes before our offset are no longer what we read.
    fn rewritten(&self, m: &Metadata) -> bool {
        if m.len() < self.offset {
            return true;
        }
        let Some(f) = self.file.as_ref() else {
            return false;
        };
        let mut now = vec![0; self.print.len()];
        f.read_exact_at(&mut now, self.offset - self.print.len() as u64)
            .is_err()
            || now != self.print
    }

    /// Reads what is new, follows rotation, and says what happened.
    pub fn poll(&mut self, out: &mut dyn FnMut(&[u8], u64)) -> io::Result<Option<Note>> {
        if self.file.is_none() {
            return Ok(if self.attach()? {
                self.drain(out)?;
                Some(Note::Opened)
            } else {
                None
            });
        }
        let now = match std::fs::metadata(&self.path) {
            Ok(m) => Some(m),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        match now {
            None => {
                // Renamed or deleted: keep draining until a new file appears.
                self.drain(out)?;
                let first = !self.detached;
                self.detached = true;
                Ok(first.then_some(Note::Removed))
            }
            Some(m) if Some(id_of(&m)) != self.id => {
                // A new file at the path: finish the old one, then switch.
                self.drain(out)?;
                self.flush_partial(out);
                self.attach()?;
                self.drain(out)?;
                Ok(Some(Note::Rotated))
            }
            Some(m) if !self.detached && self.rewritten(&m) => {
                let copy = self.recover_from_copy(out)?;
                self.flush_partial(out);
                self.attach()?;
                self.drain(out)?;
                Ok(Some(Note::Truncated {
                    recovered_from: copy,
                }))
            }
            Some(_) => {
                self.drain(out)?;
                Ok(None)
            }
        }
    }

    /// After a copytruncate: the copy beside the file whose bytes before
    /// our offset match what we read holds the lines we missed.
    fn recover_from_copy(
        &mut self,
        out: &mut dyn FnMut(&[u8], u64),
    ) -> io::Result<Option<PathBuf>> {
        let Some(copy) = self.find_copy() else {
            return Ok(None);
        };
        let mut f = File::open(&copy)?;
        f.seek(SeekFrom::Start(self.offset))?;
        self.file = Some(f);
        self.drain(out)?;
        Ok(Some(copy))
    }

    fn find_copy(&self) -> Option<PathBuf> {
        let dir = self.path.parent().filter(|d| !d.as_os_str().is_empty());
        let dir = dir.unwrap_or(Path::new("."));
        let name = self.path.file_name()?.to_string_lossy().into_owned();
        let mut best: Option<(std::time::SystemTime, PathBuf)> = None;
        for entry in std::fs::read_dir(dir).ok()?.flatten() {
            let n = entry.file_name().to_string_lossy().into_owned();
            let sibling = n.len() > name.len()
                && n.starts_with(&name)
                && matches!(n.as_bytes()[name.len()], b'.' | b'-' | b'_');
            if !sibling {
                continue;
            }
            let p = entry.path();
            let Ok(m) = entry.metadata() else { continue };
            if !m.is_file() || m.len() < self.offset {
                continue;
            }
            let Ok(f) = File::open(&p) else { continue };
            let mut head = [0u8; 2];
            if f.read_exact_at(&mut head, 0).is_ok() && head == [0x1f, 0x8b] {
                continue;
            }
            let mut at = vec![0; self.print.len()];
            let from = self.offset - self.print.len() as u64;
            if f.read_exact_at(&mut at, from).is_err() || at != self.print {
                continue;
            }
            let modified = m.modified().unwrap_or(std::time::UNIX_EPOCH);
            if best.as_ref().is_none_or(|(t, _)| modified > *t) {
                best = Some((modified, p));
            }
        }
        best.map(|(_, p)| p)
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn lines(t: &mut Tail) -> (Vec<String>, Option<Note>) {
        let mut v = Vec::new();
        let note = t
            .poll(&mut |l, _| v.push(String::from_utf8_lossy(l).into_owned()))
            .unwrap();
        (v, note)
    }

    fn append(p: &Path, s: &str) {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(p)
            .unwrap();
        f.write_all(s.as_bytes()).unwrap();
    }

    #[test]
    fn starts_at_the_end_and_holds_a_partial_line() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("mainlog");
        append(&p, "old 1\nold 2\n");
        let (mut t, note) = Tail::new(&p, Start::End);
        assert_eq!(note, Note::Opened);
        append(&p, "new 1\nnew ");
        assert_eq!(lines(&mut t).0, ["new 1"]);
        append(&p, "2\n");
        assert_eq!(lines(&mut t).0, ["new 2"]);
    }

    #[test]
    fn a_line_that_never_ends_is_held_to_its_cap() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("mainlog");
        append(&p, "");
        let (mut t, _) = Tail::new(&p, Start::Beginning);
        let block = "y".repeat(1 << 20);
        for _ in 0..5 {
            append(&p, &block);
            assert_eq!(lines(&mut t).0, Vec::<String>::new());
            assert!(t.partial.len() <= MAX_LINE, "{}", t.partial.len());
        }
        append(&p, "\nnext\n");
        let got = lines(&mut t).0;
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].len(), MAX_LINE);
        assert_eq!(got[1], "next");
    }

    #[test]
    fn rename_and_create() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("mainlog");
        append(&p, "a\n");
        let (mut t, _) = Tail::new(&p, Start::Beginning);
        assert_eq!(lines(&mut t).0, ["a"]);
        append(&p, "b\n");
        std::fs::rename(&p, d.path().join("mainlog.1")).unwrap();
        append(&d.path().join("mainlog.1"), "c\n");
        append(&p, "d\n");
        let (got, note) = lines(&mut t);
        assert_eq!(got, ["b", "c", "d"]);
        assert_eq!(note, Some(Note::Rotated));
    }

    #[test]
    fn copytruncate_reads_the_missed_lines_from_the_copy() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("maillog");
        append(&p, "a\n");
        let (mut t, _) = Tail::new(&p, Start::Beginning);
        assert_eq!(lines(&mut t).0, ["a"]);
        append(&p, "b\nc\n");
        std::fs::copy(&p, d.path().join("maillog-20261123")).unwrap();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&p)
            .unwrap()
            .set_len(0)
            .unwrap();
        // Rewritten past our offset before we look: still noticed.
        append(&p, "new line 1\n");
        let (got, note) = lines(&mut t);
        assert_eq!(got, ["b", "c", "new line 1"]);
        assert!(matches!(
            note,
            Some(Note::Truncated {
                recovered_from: Some(_)
            })
        ));
    }

    #[test]
    fn rotated_file_compressed_before_we_look() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("maillog");
        append(&p, "a\n");
        let (mut t, _) = Tail::new(&p, Start::Beginning);
        assert_eq!(lines(&mut t).0, ["a"]);
        append(&p, "b\n");
        let old = d.path().join("maillog-20261123");
        std::fs::rename(&p, &old).unwrap();
        append(&p, "c\n");
        // logrotate's compress: a .gz is written and the rotated file removed.
        std::fs::write(d.path().join("maillog-20261123.gz"), [0x1f, 0x8b, 8, 0]).unwrap();
        std::fs::remove_file(&old).unwrap();
        let (got, note) = lines(&mut t);
        assert_eq!(got, ["b", "c"]);
        assert_eq!(note, Some(Note::Rotated));
    }

    #[test]
    fn deleted_then_recreated_and_missing_at_start() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("mail.log");
        let (mut t, note) = Tail::new(&p, Start::End);
        assert_eq!(note, Note::Waiting);
        assert_eq!(lines(&mut t), (vec![], None));
        append(&p, "first\n");
        assert_eq!(
            lines(&mut t),
            (vec!["first".to_string()], Some(Note::Opened))
        );
        std::fs::remove_file(&p).unwrap();
        assert_eq!(lines(&mut t), (vec![], Some(Note::Removed)));
        assert_eq!(lines(&mut t), (vec![], None));
        append(&p, "second\n");
        assert_eq!(
            lines(&mut t),
            (vec!["second".to_string()], Some(Note::Rotated))
        );
    }
}

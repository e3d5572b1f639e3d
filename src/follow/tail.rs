//! Following one log file by path, the way `tail -F` does, without losing
//! or repeating a line when it is rotated, in the order logrotate really
//! rotates:
//!
//! - **rename + create** (logrotate's default): logrotate renames the file,
//!   creates a new one and only then signals the daemon, which until then
//!   keeps appending to the renamed file. We switch to the new file at the
//!   path but keep reading the old one until it has been quiet for the
//!   rotate wait (`--rotate-wait`; Fluent Bit's `Rotate_Wait`); each poll
//!   reads the old files before the new one, so lines keep their order;
//! - **copytruncate**: the file we hold shrinks (or is rewritten past our
//!   offset: the bytes before our offset no longer match what we read).
//!   The lines written after our last read are in the copy (`NAME.1`,
//!   `NAME-DATE`, or the same compressed, `NAME.1.gz`), found by the bytes
//!   just before our offset, and read from there before we restart at 0;
//! - **copytruncate more than once before we look**: after the copy we were
//!   in, the copies made since (newer, and not a file we know by its first
//!   bytes) are read whole, oldest first. When no copy fits, the note says
//!   so, with the count of such truncations so far;
//! - **delete, then recreated later**: we keep draining the deleted file
//!   until a new one appears;
//! - **missing at start**: we wait for it, then read it from its start;
//! - **unreadable** (permissions): said once; read once it can be;
//! - **compressed after rotation**: we hold the old file open, so its
//!   compression does not disturb us.
//!
//! A last line without its newline is held until the newline arrives.

use std::collections::VecDeque;
use std::fs::{File, Metadata};
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::input::lines::MAX_LINE;

/// Bytes kept to recognise a file: its first ones, and those just before
/// our offset.
const PRINT: usize = 64;
const BUF: usize = 64 * 1024;
/// First bytes of the files already read or already there at the start,
/// kept so that a copy of one is never read as a new rotation.
const KNOWN: usize = 1024;

/// What happened to the file, for a note on stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    Waiting,
    /// The file exists but cannot be opened (the error).
    Unreadable(String),
    Opened,
    Rotated,
    Truncated {
        /// The copies the missed lines were read from, in order.
        recovered_from: Vec<PathBuf>,
        /// When no copy held the lines written before this truncation:
        /// how many truncations so far had lines that could not be found.
        lost: Option<u64>,
    },
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

/// Hands out the complete lines of `chunk`, joined to a held partial line.
fn feed(chunk: &[u8], partial: &mut Vec<u8>, line_no: &mut u64, out: &mut dyn FnMut(&[u8], u64)) {
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
fn flush(partial: &mut Vec<u8>, line_no: &mut u64, out: &mut dyn FnMut(&[u8], u64)) {
    if !partial.is_empty() {
        *line_no += 1;
        out(partial, *line_no);
        partial.clear();
    }
}

fn id_of(m: &Metadata) -> (u64, u64) {
    (m.dev(), m.ino())
}

/// One open file and how far it has been read.
struct Segment {
    file: File,
    /// (device, inode).
    id: (u64, u64),
    offset: u64,
    partial: Vec<u8>,
    /// The last bytes before `offset`, as read.
    print: Vec<u8>,
    /// The first bytes of the file, as read.
    head: Vec<u8>,
    /// Lines handed out from this file (for line numbers).
    line_no: u64,
    /// When it last grew (for the rotate wait).
    last_data: Instant,
    /// The modification time when [`Segment::rewritten`] last found the
    /// file as read: unchanged with nothing new, no need to read it again
    /// (5,000 files followed cost 5 system calls each per wake-up).
    checked: Option<SystemTime>,
}

impl Segment {
    /// The file now at `path`, from its start; `None` when there is none.
    fn open(path: &Path) -> io::Result<Option<Segment>> {
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
    fn seek_to(&mut self, at: u64) -> io::Result<()> {
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

    /// Reads the file to its end, handing out complete lines; true when
    /// anything was read.
    fn drain(&mut self, buf: &mut [u8], out: &mut dyn FnMut(&[u8], u64)) -> io::Result<bool> {
        let mut any = false;
        loop {
            let n = self.file.read(buf)?;
            if n == 0 {
                if any {
                    self.last_data = Instant::now();
                }
                return Ok(any);
            }
            any = true;
            let chunk = &buf[..n];
            if self.offset < PRINT as u64 {
                let take = (PRINT - self.offset as usize).min(n);
                self.head.extend_from_slice(&chunk[..take]);
            }
            self.offset += n as u64;
            remember(&mut self.print, chunk);
            feed(chunk, &mut self.partial, &mut self.line_no, out);
        }
    }

    /// True when the bytes before our offset are no longer what we read
    /// (judged on the open file, whatever its name is now).
    fn rewritten(&mut self) -> bool {
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
    fn restart(&mut self) -> io::Result<()> {
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

pub struct Tail {
    path: PathBuf,
    /// The file at the path (or the last one there, when it is gone).
    cur: Option<Segment>,
    /// Rotated files still read until quiet for `rotate_wait`, oldest first.
    olds: Vec<Segment>,
    /// The path no longer names the file we hold.
    detached: bool,
    rotate_wait: Duration,
    /// First bytes of files read or there at the start, newest last.
    known: VecDeque<Vec<u8>>,
    /// Truncations whose missed lines could not be found.
    lost: u64,
    /// The read buffer, lent by [`SHARED_BUF`] for one poll: 5,000 files
    /// followed held 64 KiB each (320 MiB) before.
    buf: Vec<u8>,
}

/// The names in each directory listed while starting to follow files.
#[derive(Default)]
pub struct Listed(std::collections::HashMap<PathBuf, Vec<std::ffi::OsString>>);

thread_local! {
    /// One read buffer for every [`Tail`] polled on this thread.
    static SHARED_BUF: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

impl Tail {
    /// Starts following `path`; a missing file is waited for. Rotated files
    /// are read until quiet for [`Tail::rotate_wait`] (0 by default).
    pub fn new(path: &Path, start: Start) -> (Tail, Note) {
        Tail::new_in(path, start, &mut Listed::default())
    }

    /// [`Tail::new`], with the directories listed for the files started
    /// before: 5,000 files of one directory listed it 5,000 times.
    pub fn new_in(path: &Path, start: Start, listed: &mut Listed) -> (Tail, Note) {
        let mut t = Tail {
            path: path.to_path_buf(),
            cur: None,
            olds: Vec::new(),
            detached: false,
            rotate_wait: Duration::ZERO,
            known: VecDeque::new(),
            lost: 0,
            buf: Vec::new(),
        };
        for p in t.siblings_in(listed) {
            if let Some(h) = head_of(&p) {
                t.know(h);
            }
        }
        let note = match Segment::open(path) {
            Ok(Some(mut s)) => {
                let len = s.file.metadata().map_or(0, |m| m.len());
                let at = match start {
                    Start::End => len,
                    Start::Beginning => 0,
                    Start::At(o) => o.min(len),
                };
                if s.seek_to(at).is_ok() {
                    t.cur = Some(s);
                }
                Note::Opened
            }
            Ok(None) => Note::Waiting,
            Err(e) => Note::Unreadable(e.to_string()),
        };
        (t, note)
    }

    /// How long a rotated file is still read after it last grew.
    pub fn rotate_wait(mut self, wait: Duration) -> Tail {
        self.rotate_wait = wait;
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn know(&mut self, head: Vec<u8>) {
        if head.is_empty() || self.is_known(&head) {
            return;
        }
        if self.known.len() == KNOWN {
            self.known.pop_front();
        }
        self.known.push_back(head);
    }

    fn is_known(&self, head: &[u8]) -> bool {
        self.known
            .iter()
            .any(|k| k.starts_with(head) || head.starts_with(k))
    }

    /// Reads the rotated files still held, and lets go of the quiet ones.
    fn drain_olds(&mut self, out: &mut dyn FnMut(&[u8], u64)) {
        let wait = self.rotate_wait;
        let buf = &mut self.buf;
        self.olds.retain_mut(|s| {
            let read = s.drain(buf, out);
            if read.is_err() || s.last_data.elapsed() >= wait {
                flush(&mut s.partial, &mut s.line_no, out);
                return false;
            }
            true
        });
    }

    /// Reads what is new, follows rotation, and says what happened.
    pub fn poll(&mut self, out: &mut dyn FnMut(&[u8], u64)) -> io::Result<Option<Note>> {
        let mut buf = SHARED_BUF.take();
        if buf.len() < BUF {
            buf = vec![0; BUF];
        }
        self.buf = buf;
        let polled = self.poll_with_buf(out);
        SHARED_BUF.set(std::mem::take(&mut self.buf));
        polled
    }

    fn poll_with_buf(&mut self, out: &mut dyn FnMut(&[u8], u64)) -> io::Result<Option<Note>> {
        // Rotated files first: their lines came before the new file's.
        self.drain_olds(out);
        let Some(cur) = self.cur.as_mut() else {
            return Ok(match Segment::open(&self.path)? {
                Some(mut s) => {
                    self.detached = false;
                    s.drain(&mut self.buf, out)?;
                    self.cur = Some(s);
                    Some(Note::Opened)
                }
                None => None,
            });
        };
        let mut note = None;
        if cur.rewritten() {
            note = Some(self.recover(out)?);
        }
        let cur = self.cur.as_mut().expect("held");
        if self.olds.is_empty() {
            cur.drain(&mut self.buf, out)?;
        } else {
            // A daemon writes its last lines to the old file, then reopens
            // and writes to the new one: old lines that arrive while the new
            // file is read were written before its lines, so they go first.
            let (mut text, mut ends) = (Vec::new(), Vec::new());
            cur.drain(&mut self.buf, &mut |l, no| {
                text.extend_from_slice(l);
                ends.push((text.len(), no));
            })?;
            self.drain_olds(out);
            let mut start = 0;
            for (end, no) in ends {
                out(&text[start..end], no);
                start = end;
            }
        }
        let cur = self.cur.as_mut().expect("held");
        let held = cur.id;
        let now = match std::fs::metadata(&self.path) {
            Ok(m) => Some(m),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        match now {
            None => {
                // Renamed or deleted: keep draining until a new file appears.
                if !self.detached {
                    self.detached = true;
                    note = note.or(Some(Note::Removed));
                }
            }
            Some(m) if id_of(&m) != held => {
                // A new file at the path: the daemon may still write to the
                // old one until it reopens, so keep it until it is quiet.
                let mut old = self.cur.take().expect("held");
                old.last_data = Instant::now();
                self.know(old.head.clone());
                self.olds.push(old);
                self.detached = false;
                if let Some(mut s) = Segment::open(&self.path)? {
                    s.drain(&mut self.buf, out)?;
                    self.cur = Some(s);
                }
                note = Some(Note::Rotated);
            }
            Some(_) => {}
        }
        Ok(note)
    }

    /// After a copytruncate: reads the missed lines from the copy whose
    /// bytes before our offset match what we read, then the copies made
    /// since, and starts the file again at 0.
    fn recover(&mut self, out: &mut dyn FnMut(&[u8], u64)) -> io::Result<Note> {
        let mut cur = self.cur.take().expect("held");
        let mut from = Vec::new();
        let mut complete = false;
        if let Some((copy, _)) = self.find_copy(&cur) {
            complete = read_copy(
                &copy,
                cur.offset,
                &mut self.buf,
                &mut cur.partial,
                &mut cur.line_no,
                out,
            );
            flush(&mut cur.partial, &mut cur.line_no, out);
            self.know(cur.head.clone());
            from.push(copy);
            // Rotated again before we looked: the copies we do not know by
            // their first bytes (every file there at the start, or read
            // since, is known) came after, oldest first. Not by time alone:
            // delaycompress makes an older copy's .gz newer.
            let mut later: Vec<(PathBuf, SystemTime)> = self
                .siblings()
                .into_iter()
                .filter(|(p, _)| !from.contains(p))
                .collect();
            later.sort_by_key(|(_, t)| *t);
            for (p, _) in later {
                let Some(h) = head_of(&p) else { continue };
                if h.is_empty() || self.is_known(&h) {
                    continue;
                }
                let (mut partial, mut line_no) = (Vec::new(), 0);
                complete &= read_copy(&p, 0, &mut self.buf, &mut partial, &mut line_no, out);
                flush(&mut partial, &mut line_no, out);
                self.know(h);
                from.push(p);
            }
        }
        let lost = (!complete).then(|| {
            self.lost += 1;
            self.lost
        });
        cur.restart()?;
        self.cur = Some(cur);
        Ok(Note::Truncated {
            recovered_from: from,
            lost,
        })
    }

    /// Files beside ours named after it, from the listing of its directory
    /// made for an earlier file if there was one.
    fn siblings_in(&self, listed: &mut Listed) -> Vec<PathBuf> {
        let dir = self.path.parent().filter(|d| !d.as_os_str().is_empty());
        let dir = dir.unwrap_or(Path::new("."));
        let Some(name) = self.path.file_name() else {
            return Vec::new();
        };
        let name = name.as_encoded_bytes();
        let names = listed.0.entry(dir.to_path_buf()).or_insert_with(|| {
            std::fs::read_dir(dir)
                .map(|entries| entries.flatten().map(|e| e.file_name()).collect())
                .unwrap_or_default()
        });
        names
            .iter()
            .filter(|n| {
                let n = n.as_encoded_bytes();
                n.len() > name.len()
                    && n.starts_with(name)
                    && matches!(n[name.len()], b'.' | b'-' | b'_')
            })
            .map(|n| dir.join(n))
            .filter(|p| std::fs::symlink_metadata(p).is_ok_and(|m| m.is_file()))
            .collect()
    }

    /// Files beside ours named after it (`NAME.1`, `NAME-20261123`,
    /// `NAME.2.gz`), with their modification times.
    fn siblings(&self) -> Vec<(PathBuf, SystemTime)> {
        let dir = self.path.parent().filter(|d| !d.as_os_str().is_empty());
        let dir = dir.unwrap_or(Path::new("."));
        let Some(name) = self.path.file_name() else {
            return Vec::new();
        };
        let name = name.as_encoded_bytes();
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter(|e| {
                let n = e.file_name();
                let n = n.as_encoded_bytes();
                n.len() > name.len()
                    && n.starts_with(name)
                    && matches!(n[name.len()], b'.' | b'-' | b'_')
            })
            .filter_map(|e| {
                let m = e.metadata().ok().filter(|m| m.is_file())?;
                Some((e.path(), m.modified().unwrap_or(UNIX_EPOCH)))
            })
            .collect()
    }

    /// The newest copy (plain or gzip) that starts as our file did and
    /// holds, just before our offset, the bytes we read last.
    fn find_copy(&self, cur: &Segment) -> Option<(PathBuf, SystemTime)> {
        let mut all = self.siblings();
        all.sort_by_key(|(_, t)| std::cmp::Reverse(*t));
        all.into_iter().find(|(p, _)| fits(p, cur))
    }
}

/// Opens a file, inflating it when it is gzip.
fn open_any(path: &Path) -> Option<(Box<dyn Read>, bool)> {
    let f = File::open(path).ok()?;
    let mut magic = [0u8; 2];
    let gz = f.read_exact_at(&mut magic, 0).is_ok() && magic == [0x1f, 0x8b];
    let r: Box<dyn Read> = if gz {
        Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(f)))
    } else {
        Box::new(f)
    };
    Some((r, gz))
}

/// Up to [`PRINT`] first bytes of a file (inflated when gzip).
fn head_of(path: &Path) -> Option<Vec<u8>> {
    let (r, _) = open_any(path)?;
    let mut head = Vec::with_capacity(PRINT);
    r.take(PRINT as u64).read_to_end(&mut head).ok()?;
    Some(head)
}

/// True when the copy at `path` starts with the first bytes of `cur` and
/// has, just before `cur`'s offset, the bytes read last.
fn fits(path: &Path, cur: &Segment) -> bool {
    let Ok(f) = File::open(path) else {
        return false;
    };
    let Ok(m) = f.metadata() else { return false };
    let mut magic = [0u8; 2];
    let gz = f.read_exact_at(&mut magic, 0).is_ok() && magic == [0x1f, 0x8b];
    if gz {
        // The trailer has the inflated size (mod 2^32) of the last member:
        // a cheap first test for single-member files under 4 GiB.
        let mut size = [0u8; 4];
        if cur.offset < 1 << 32
            && m.len() >= 18
            && f.read_exact_at(&mut size, m.len() - 4).is_ok()
            && u64::from(u32::from_le_bytes(size)) < cur.offset
        {
            return false;
        }
    } else if m.len() < cur.offset {
        return false;
    }
    let Some((mut r, _)) = open_any(path) else {
        return false;
    };
    let mut head = vec![0; cur.head.len()];
    if r.read_exact(&mut head).is_err() || head != cur.head {
        return false;
    }
    // The head holds the first min(PRINT, offset) bytes; the print the
    // last ones before the offset, which may overlap the head.
    let held = head.len() as u64;
    let from = cur.offset - cur.print.len() as u64;
    let mut at = if from >= held {
        let skip = from - held;
        if io::copy(&mut r.by_ref().take(skip), &mut io::sink()).ok() != Some(skip) {
            return false;
        }
        vec![0; cur.print.len()]
    } else {
        vec![0; (cur.offset - held) as usize]
    };
    if r.read_exact(&mut at).is_err() {
        return false;
    }
    if from < held {
        head.extend_from_slice(&at);
        at = head.split_off(from as usize);
    }
    at == cur.print
}

/// Reads a copy from `offset` to its end; false when it could not be read
/// to its end (gone, or compressed data cut short).
fn read_copy(
    path: &Path,
    offset: u64,
    buf: &mut [u8],
    partial: &mut Vec<u8>,
    line_no: &mut u64,
    out: &mut dyn FnMut(&[u8], u64),
) -> bool {
    let Some((mut r, _)) = open_any(path) else {
        return false;
    };
    if io::copy(&mut r.by_ref().take(offset), &mut io::sink()).ok() != Some(offset) {
        return false;
    }
    loop {
        match r.read(buf) {
            Ok(0) => return true,
            Ok(n) => feed(&buf[..n], partial, line_no, out),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
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
            let held = t.cur.as_ref().unwrap().partial.len();
            assert!(held <= MAX_LINE, "{held}");
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
        assert_eq!(
            note,
            Some(Note::Truncated {
                recovered_from: vec![d.path().join("maillog-20261123")],
                lost: None
            })
        );
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

    fn gzip(p: &Path, to: &Path) {
        let data = std::fs::read(p).unwrap();
        let mut gz =
            flate2::write::GzEncoder::new(File::create(to).unwrap(), flate2::Compression::fast());
        gz.write_all(&data).unwrap();
        gz.finish().unwrap();
    }

    fn truncate(p: &Path) {
        std::fs::OpenOptions::new()
            .write(true)
            .open(p)
            .unwrap()
            .set_len(0)
            .unwrap();
    }

    #[test]
    fn late_writes_to_the_renamed_file_are_read_until_it_is_quiet() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("mainlog");
        let old = d.path().join("mainlog.1");
        append(&p, "a\n");
        let (t, _) = Tail::new(&p, Start::Beginning);
        let mut t = t.rotate_wait(Duration::from_millis(300));
        assert_eq!(lines(&mut t).0, ["a"]);
        // logrotate: rename, create; the daemon has not reopened yet.
        std::fs::rename(&p, &old).unwrap();
        append(&p, "");
        append(&old, "b\n");
        assert_eq!(lines(&mut t), (vec!["b".to_string()], Some(Note::Rotated)));
        append(&old, "c\nd");
        assert_eq!(lines(&mut t).0, ["c"]);
        // Reopened: new lines go to the new file, the old one is finished.
        append(&old, "\n");
        append(&p, "e\n");
        assert_eq!(lines(&mut t).0, ["d", "e"]);
        // Quiet for the rotate wait: the old file is let go.
        let deadline = Instant::now() + Duration::from_secs(10);
        while !t.olds.is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
            assert_eq!(lines(&mut t).0, Vec::<String>::new());
        }
        assert!(t.olds.is_empty());
        append(&old, "too late\n");
        append(&p, "f\n");
        assert_eq!(lines(&mut t).0, ["f"]);
    }

    #[test]
    fn copytruncate_then_compress_reads_the_gzip_copy() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("maillog");
        // An older rotation there from before: never read as new.
        let older = d.path().join("maillog.2.gz");
        append(&d.path().join("x"), "older 1\nolder 2\n");
        gzip(&d.path().join("x"), &older);
        append(&p, "a\n");
        let (mut t, _) = Tail::new(&p, Start::Beginning);
        assert_eq!(lines(&mut t).0, ["a"]);
        append(&p, "b\nc\n");
        // copytruncate, then compress (no delaycompress) before we look.
        let copy = d.path().join("maillog.1");
        std::fs::copy(&p, &copy).unwrap();
        truncate(&p);
        gzip(&copy, &d.path().join("maillog.1.gz"));
        std::fs::remove_file(&copy).unwrap();
        append(&p, "d\n");
        let (got, note) = lines(&mut t);
        assert_eq!(got, ["b", "c", "d"]);
        assert_eq!(
            note,
            Some(Note::Truncated {
                recovered_from: vec![d.path().join("maillog.1.gz")],
                lost: None
            })
        );
    }

    #[test]
    fn copytruncate_twice_before_we_look_reads_both_copies() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("maillog");
        append(&p, "a\n");
        let (mut t, _) = Tail::new(&p, Start::Beginning);
        assert_eq!(lines(&mut t).0, ["a"]);
        append(&p, "b\n");
        std::fs::copy(&p, d.path().join("maillog.1")).unwrap();
        truncate(&p);
        append(&p, "c\nd\n");
        std::thread::sleep(Duration::from_millis(20));
        // The second rotation: maillog.1 -> maillog.2.gz (compressed
        // later, so newer), a new copy in maillog.1.
        std::fs::rename(d.path().join("maillog.1"), d.path().join("maillog.2")).unwrap();
        std::fs::copy(&p, d.path().join("maillog.1")).unwrap();
        truncate(&p);
        gzip(&d.path().join("maillog.2"), &d.path().join("maillog.2.gz"));
        std::fs::remove_file(d.path().join("maillog.2")).unwrap();
        append(&p, "e\n");
        let (got, note) = lines(&mut t);
        assert_eq!(got, ["b", "c", "d", "e"]);
        let Some(Note::Truncated {
            recovered_from,
            lost,
        }) = note
        else {
            panic!("{note:?}")
        };
        assert_eq!(lost, None);
        assert_eq!(
            recovered_from,
            [d.path().join("maillog.2.gz"), d.path().join("maillog.1")]
        );
    }

    #[test]
    fn truncation_without_a_copy_is_counted() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("maillog");
        append(&p, "a\n");
        let (mut t, _) = Tail::new(&p, Start::Beginning);
        assert_eq!(lines(&mut t).0, ["a"]);
        for (i, expect) in [(1u64, "x1"), (2, "x2")] {
            append(&p, "lost\n");
            truncate(&p);
            append(&p, &format!("{expect}\n"));
            let (got, note) = lines(&mut t);
            assert_eq!(got, [expect]);
            assert_eq!(
                note,
                Some(Note::Truncated {
                    recovered_from: vec![],
                    lost: Some(i)
                })
            );
        }
    }
}

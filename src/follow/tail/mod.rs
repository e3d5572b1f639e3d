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
//! A last line without its newline is held until the newline arrives. One
//! poll reads at most [`POLL_BYTES`] (the caller polls again while
//! [`Tail::has_more`]); which tails a wake-up polls is [`Changes`]' to say.

mod copy;
mod segment;
mod wake;

use std::collections::VecDeque;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use copy::{fits, head_of, read_copy};
use segment::{Segment, flush, id_of};
pub use wake::{Changes, link_target};

/// Bytes kept to recognise a file: its first ones, and those just before
/// our offset.
const PRINT: usize = 64;
const BUF: usize = 64 * 1024;
/// The most bytes read from one file in one poll (its rotated files
/// included): `follow --from-start` on a 10 GiB file reads it in steps of
/// this, so what a poll hands out (and the caller may gather) stays small.
pub const POLL_BYTES: usize = 4 << 20;
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
    /// What this poll may still read ([`POLL_BYTES`] at its start).
    budget: usize,
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
            // Not polled yet: nothing is known to be waiting.
            budget: POLL_BYTES,
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

    /// Reads the rotated files still held, and lets go of the quiet ones
    /// (read to their end).
    fn drain_olds(&mut self, out: &mut dyn FnMut(&[u8], u64)) {
        let wait = self.rotate_wait;
        let (buf, budget) = (&mut self.buf, &mut self.budget);
        self.olds.retain_mut(|s| match s.drain(buf, budget, out) {
            Ok(true) if s.last_data.elapsed() < wait => true,
            Ok(false) => true,
            _ => {
                flush(&mut s.partial, &mut s.line_no, out);
                false
            }
        });
    }

    /// Reads what is new (at most `POLL_BYTES`, 4 MiB: [`Tail::has_more`] says
    /// when there is more to read now), follows rotation, and says what
    /// happened.
    pub fn poll(&mut self, out: &mut dyn FnMut(&[u8], u64)) -> io::Result<Option<Note>> {
        let mut buf = SHARED_BUF.take();
        if buf.len() < BUF {
            buf = vec![0; BUF];
        }
        self.buf = buf;
        self.budget = POLL_BYTES;
        let polled = self.poll_with_buf(out);
        SHARED_BUF.set(std::mem::take(&mut self.buf));
        polled
    }

    /// True when the last poll stopped at `POLL_BYTES` with more to read:
    /// poll again (after handling what it handed out).
    pub fn has_more(&self) -> bool {
        self.budget == 0
    }

    /// True while rotated files are still read (their late writes may come
    /// under any name, so they are read at every wake-up).
    pub fn has_rotated(&self) -> bool {
        !self.olds.is_empty()
    }

    fn poll_with_buf(&mut self, out: &mut dyn FnMut(&[u8], u64)) -> io::Result<Option<Note>> {
        // Rotated files first: their lines came before the new file's.
        self.drain_olds(out);
        let Some(cur) = self.cur.as_mut() else {
            return Ok(match Segment::open(&self.path)? {
                Some(mut s) => {
                    self.detached = false;
                    s.drain(&mut self.buf, &mut self.budget, out)?;
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
            cur.drain(&mut self.buf, &mut self.budget, out)?;
        } else {
            // A daemon writes its last lines to the old file, then reopens
            // and writes to the new one: old lines that arrive while the new
            // file is read were written before its lines, so they go first.
            let (mut text, mut ends) = (Vec::new(), Vec::new());
            cur.drain(&mut self.buf, &mut self.budget, &mut |l, no| {
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
                    s.drain(&mut self.buf, &mut self.budget, out)?;
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
            .filter(|n| is_named_after(n.as_encoded_bytes(), name))
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
            .filter(|e| is_named_after(e.file_name().as_encoded_bytes(), name))
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

/// True when `n` is a file name made from `name` as rotation names it:
/// `NAME.1`, `NAME-20261123`, `NAME_old`, `NAME.2.gz`.
fn is_named_after(n: &[u8], name: &[u8]) -> bool {
    n.len() > name.len() && n.starts_with(name) && is_rotation_separator(n[name.len()])
}

/// The bytes that end a file's name in the names of its rotations.
fn is_rotation_separator(b: u8) -> bool {
    matches!(b, b'.' | b'-' | b'_')
}

#[cfg(test)]
mod tests;

//! One journal entry of `journalctl -o export` ([`Entry`]) turned back into
//! a syslog line, and [`JournalReader`], the stream of those lines.

use std::io::{self, BufRead, Read};

use super::Journalctl;

/// The fields of one entry, in buffers reused from entry to entry.
#[derive(Debug, Default)]
pub struct Entry {
    /// `__REALTIME_TIMESTAMP`, microseconds since the epoch.
    pub usec: Option<u64>,
    pub host: Vec<u8>,
    pub ident: Vec<u8>,
    pub comm: Vec<u8>,
    pub syslog_pid: Vec<u8>,
    pub pid: Vec<u8>,
    pub message: Vec<u8>,
    line: Vec<u8>,
}

impl Entry {
    fn clear(&mut self) {
        self.usec = None;
        for b in [
            &mut self.host,
            &mut self.ident,
            &mut self.comm,
            &mut self.syslog_pid,
            &mut self.pid,
            &mut self.message,
        ] {
            b.clear();
        }
    }

    fn field(&mut self, name: &[u8]) -> Option<&mut Vec<u8>> {
        Some(match name {
            b"_HOSTNAME" => &mut self.host,
            b"SYSLOG_IDENTIFIER" => &mut self.ident,
            b"_COMM" => &mut self.comm,
            b"SYSLOG_PID" => &mut self.syslog_pid,
            b"_PID" => &mut self.pid,
            b"MESSAGE" => &mut self.message,
            _ => return None,
        })
    }

    /// Reads one entry of export format: `NAME=value` lines, or `NAME`, a
    /// 64-bit little-endian length, the bytes and a newline (binary
    /// fields), ended by an empty line. False at the end of input.
    pub fn read_from<R: BufRead>(&mut self, r: &mut R) -> io::Result<bool> {
        self.clear();
        let mut any = false;
        loop {
            self.line.clear();
            if r.read_until(b'\n', &mut self.line)? == 0 {
                return Ok(any);
            }
            if self.line == b"\n" {
                if any {
                    return Ok(true);
                }
                continue;
            }
            any = true;
            let line = std::mem::take(&mut self.line);
            let body = line.strip_suffix(b"\n").unwrap_or(&line);
            match memchr::memchr(b'=', body) {
                Some(eq) => {
                    let (name, value) = (&body[..eq], &body[eq + 1..]);
                    if name == b"__REALTIME_TIMESTAMP" {
                        self.usec = std::str::from_utf8(value).ok().and_then(|s| s.parse().ok());
                    } else if let Some(buf) = self.field(name) {
                        buf.extend_from_slice(value);
                    }
                }
                None => {
                    let mut len = [0u8; 8];
                    r.read_exact(&mut len)?;
                    let len = u64::from_le_bytes(len);
                    // A field longer than the line reader keeps is cut
                    // the same way; the rest is read and dropped.
                    let keep = len.min(crate::input::lines::MAX_LINE as u64) as usize;
                    let mut scratch = Vec::new();
                    let buf = match self.field(body) {
                        Some(b) => b,
                        None => &mut scratch,
                    };
                    let at = buf.len();
                    buf.resize(at + keep, 0);
                    r.read_exact(&mut buf[at..])?;
                    io::copy(&mut r.by_ref().take(len - keep as u64), &mut io::sink())?;
                    let mut nl = [0u8; 1];
                    r.read_exact(&mut nl)?;
                }
            }
            self.line = line;
        }
    }

    /// Appends the entry as one syslog line (with its newline):
    /// `STAMP HOST PROGRAM[PID]: MESSAGE`. Newlines inside the message
    /// become spaces, so one entry stays one line.
    pub fn write_line(&self, out: &mut Vec<u8>) {
        write_stamp(self.usec.unwrap_or(0), out);
        out.push(b' ');
        push_token(
            if self.host.is_empty() {
                b"localhost"
            } else {
                &self.host
            },
            out,
        );
        out.push(b' ');
        let ident: &[u8] = match (&self.ident, &self.comm) {
            (i, _) if !i.is_empty() => i,
            (_, c) if !c.is_empty() => c,
            _ => b"unknown",
        };
        push_token(ident, out);
        let pid = if self.syslog_pid.is_empty() {
            &self.pid
        } else {
            &self.syslog_pid
        };
        if !pid.is_empty() && pid.iter().all(u8::is_ascii_digit) {
            out.push(b'[');
            out.extend_from_slice(pid);
            out.push(b']');
        }
        out.extend_from_slice(b": ");
        let mut msg = &self.message[..];
        if ident == b"exim" || ident == b"exim4" {
            msg = exim_message(msg);
        }
        let at = out.len();
        out.extend_from_slice(msg);
        for b in &mut out[at..] {
            if *b == b'\n' || *b == b'\r' {
                *b = b' ';
            }
        }
        out.push(b'\n');
    }
}

/// A host or program name as one space-free token.
fn push_token(t: &[u8], out: &mut Vec<u8>) {
    let at = out.len();
    out.extend_from_slice(t);
    for b in &mut out[at..] {
        if b.is_ascii_whitespace() || *b == b'[' || *b == b':' {
            *b = b'_';
        }
    }
}

/// An Exim syslog message without the numbering of a multi-line entry's
/// pieces (`[1\3] `, the last `[3/3] `) and without the mainlog stamp.
pub(super) fn exim_message(msg: &[u8]) -> &[u8] {
    let mut m = msg;
    if m.first() == Some(&b'[')
        && let Some(close) = memchr::memchr(b']', &m[..m.len().min(24)])
        && m[1..close]
            .iter()
            .all(|b| b.is_ascii_digit() || *b == b'\\' || *b == b'/')
        && m.get(close + 1) == Some(&b' ')
    {
        m = &m[close + 2..];
    }
    if let Ok((rest, _)) = crate::parse::time::exim_stamp(m) {
        m = rest.strip_prefix(b" ").unwrap_or(rest);
    }
    m
}

/// `2026-11-23T11:16:15.182221+00:00` for microseconds since the epoch.
pub(super) fn write_stamp(usec: u64, out: &mut Vec<u8>) {
    let secs = (usec / 1_000_000) as i64;
    let micros = (usec % 1_000_000) as u32;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    let two = |v: u32, sep: u8, out: &mut Vec<u8>| {
        out.push(b'0' + (v / 10) as u8);
        out.push(b'0' + (v % 10) as u8);
        out.push(sep);
    };
    let y = y.clamp(0, 9999) as u32;
    for div in [1000, 100, 10, 1] {
        out.push(b'0' + (y / div % 10) as u8);
    }
    out.push(b'-');
    two(m, b'-', out);
    two(d, b'T', out);
    two((rem / 3600) as u32, b':', out);
    two((rem % 3600 / 60) as u32, b':', out);
    two((rem % 60) as u32, b'.', out);
    for div in [100_000, 10_000, 1000, 100, 10, 1] {
        out.push(b'0' + (micros / div % 10) as u8);
    }
    out.extend_from_slice(b"+00:00");
}

/// Year, month, day of a day count since 1970-01-01 (H. Hinnant's
/// `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The journal's mail entries as a byte stream of syslog lines, for the
/// scan pipeline. Entries are rebuilt into one reused buffer.
pub struct JournalReader {
    child: Journalctl,
    name: String,
    entry: Entry,
    out: Vec<u8>,
    at: usize,
    ended: bool,
}

impl JournalReader {
    pub(super) fn new(child: Journalctl, name: String) -> JournalReader {
        JournalReader {
            child,
            name,
            entry: Entry::default(),
            out: Vec::with_capacity(128 * 1024),
            at: 0,
            ended: false,
        }
    }
}

impl Read for JournalReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at == self.out.len() {
            if self.ended {
                return Ok(0);
            }
            self.out.clear();
            self.at = 0;
            while self.out.len() < 64 * 1024 {
                if !self.child.next_entry(&mut self.entry)? {
                    self.ended = true;
                    self.child.finish(&self.name)?;
                    break;
                }
                if !self.entry.message.is_empty() || self.entry.usec.is_some() {
                    self.entry.write_line(&mut self.out);
                }
            }
        }
        let n = buf.len().min(self.out.len() - self.at);
        buf[..n].copy_from_slice(&self.out[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

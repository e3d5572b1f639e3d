//! The systemd journal as an input: `journalctl -o export` run as a child
//! process, its mail entries turned back into the syslog lines the parsers
//! read (`2026-11-23T11:16:15.182221+00:00 mx1 postfix/smtp[31124]: ...`).
//!
//! Why `journalctl` and not libsystemd: `journalctl`'s export format is the
//! interface systemd documents as stable (systemd.io/JOURNAL_EXPORT_FORMATS);
//! it reads every journal version and compression (zstd, lz4, xz) the
//! installed systemd writes, applies the matches and `--since`/`--until`
//! inside the journal's own indexes, and needs no C library at build or run
//! time (a static binary still works on a host without libsystemd, and says
//! so when `journalctl` is missing). Export rather than JSON: fields are
//! bytes (a MESSAGE that is not UTF-8 comes as a length-prefixed binary
//! field, not as a JSON array of numbers), so nothing is decoded or
//! allocated per entry.
//!
//! Each entry's time is its `__REALTIME_TIMESTAMP` (microseconds, UTC), so
//! no year is guessed; the host is `_HOSTNAME`, the program
//! `SYSLOG_IDENTIFIER` (else `_COMM`), the pid `SYSLOG_PID` (else `_PID`).
//! Exim's syslog messages lose what Exim adds for syslog: the numbering
//! `[2\3] ` of a multi-line entry's pieces and the mainlog stamp
//! (`syslog_timestamp`, on by default).

use std::ffi::OsString;
use std::io::{self, BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// The mail units: Debian's `postfix@-.service` (the instance that runs),
/// `postfix.service` elsewhere, Exim's `exim4.service` (Debian) and
/// `exim.service` (RHEL, Arch).
pub const UNITS: [&str; 4] = [
    "postfix@-.service",
    "postfix.service",
    "exim4.service",
    "exim.service",
];

/// `SYSLOG_IDENTIFIER`s of Postfix's programs and Exim, for entries that
/// come from no mail unit (a container's journal, `postsuper` run from a
/// login shell). journalctl matches are exact (no `postfix/*`), so the
/// daemons are listed; entries with the mail syslog facility are read too,
/// which covers other names (`postfix-out/smtp`, `syslog_name` overrides).
pub const IDENTIFIERS: &[&str] = &[
    "postfix/anvil",
    "postfix/bounce",
    "postfix/cleanup",
    "postfix/discard",
    "postfix/dnsblog",
    "postfix/error",
    "postfix/flush",
    "postfix/lmtp",
    "postfix/local",
    "postfix/master",
    "postfix/nqmgr",
    "postfix/oqmgr",
    "postfix/pickup",
    "postfix/pipe",
    "postfix/postdrop",
    "postfix/postfix-script",
    "postfix/postlogd",
    "postfix/postmap",
    "postfix/postqueue",
    "postfix/postscreen",
    "postfix/postsuper",
    "postfix/proxymap",
    "postfix/qmgr",
    "postfix/qmqpd",
    "postfix/relay/smtp",
    "postfix/scache",
    "postfix/sendmail",
    "postfix/showq",
    "postfix/smtp",
    "postfix/smtpd",
    "postfix/smtps/smtpd",
    "postfix/submission/smtpd",
    "postfix/spawn",
    "postfix/tlsmgr",
    "postfix/tlsproxy",
    "postfix/trivial-rewrite",
    "postfix/verify",
    "postfix/virtual",
    "postfix",
    "exim",
    "exim4",
];

/// Which journal: the system's, copied files, or a copied directory.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JournalQuery {
    /// `journalctl --file` (repeatable).
    pub files: Vec<PathBuf>,
    /// `journalctl --directory`.
    pub dir: Option<PathBuf>,
    /// Entries at or after (Unix seconds).
    pub since: Option<i64>,
    /// Entries before (Unix seconds).
    pub until: Option<i64>,
}

/// Where reading starts when following.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowFrom {
    /// New entries only.
    End,
    /// Every entry in the journal.
    Beginning,
    /// Entries at or after this time (Unix seconds).
    Since(i64),
}

/// Why the journal cannot be read; each is a clear message and exit 2.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error(
        "journalctl not found in PATH: the journal is read through systemd's journalctl; \
         install systemd (or run where it is), or name a log file"
    )]
    Missing,
    #[error("cannot run journalctl: {0}")]
    Spawn(io::Error),
    #[error("journalctl {what} failed ({status}): {stderr}")]
    Failed {
        what: String,
        status: String,
        stderr: String,
    },
    #[error(
        "{what} has no mail entries readable by this user: only your own entries are visible; \
         users in group systemd-journal or adm (or root) can read the system's{hint}"
    )]
    NotPermitted { what: String, hint: String },
    #[error(
        "{what} holds no mail entries (units {units}, Postfix and Exim syslog identifiers, \
         mail facility)"
    )]
    Empty { what: String, units: String },
}

impl JournalQuery {
    /// How the journal is named in messages and in the report's inputs.
    pub fn display(&self) -> String {
        if let Some(d) = &self.dir {
            format!("journal {}", d.display())
        } else if !self.files.is_empty() {
            let names: Vec<String> = self.files.iter().map(|f| f.display().to_string()).collect();
            format!("journal {}", names.join(","))
        } else {
            "journal".to_string()
        }
    }

    /// The journalctl arguments selecting the journal (files or directory).
    fn journal_args(&self) -> Vec<OsString> {
        let mut a = Vec::new();
        for f in &self.files {
            // journalctl 252 cannot follow a bare relative name (`x.journal`:
            // "Failed to get journal fd"); an absolute path it can.
            let f = std::path::absolute(f).unwrap_or_else(|_| f.clone());
            a.push(OsString::from("--file"));
            a.push(f.into_os_string());
        }
        if let Some(d) = &self.dir {
            a.push(OsString::from("--directory"));
            a.push(d.clone().into_os_string());
        }
        a
    }

    /// The full command: journal, time range, output, then the matches
    /// (fields repeated are ORed; `+` ORs the groups).
    fn command(&self, follow: Option<FollowFrom>, probe: bool) -> Command {
        let mut c = Command::new("journalctl");
        c.arg("--no-pager").args(self.journal_args());
        match follow {
            Some(FollowFrom::End) => {
                c.args(["--follow", "--lines=0"]);
            }
            Some(FollowFrom::Beginning) => {
                c.args(["--follow", "--lines=all"]);
            }
            Some(FollowFrom::Since(t)) => {
                c.args(["--follow", "--lines=all"])
                    .arg(format!("--since=@{t}"));
            }
            None if probe => {
                c.arg("--lines=1");
            }
            None => {
                if let Some(s) = self.since {
                    c.arg(format!("--since=@{s}"));
                }
                if let Some(u) = self.until {
                    c.arg(format!("--until=@{u}"));
                }
            }
        }
        c.args([
            "--output=export",
            "--output-fields=MESSAGE,_HOSTNAME,SYSLOG_IDENTIFIER,SYSLOG_PID,_PID,_COMM",
        ]);
        for u in UNITS {
            c.arg(format!("_SYSTEMD_UNIT={u}"));
        }
        c.args(["+", "SYSLOG_FACILITY=2", "+"]);
        for i in IDENTIFIERS {
            c.arg(format!("SYSLOG_IDENTIFIER={i}"));
        }
        c.env("SYSTEMD_COLORS", "0").env("SYSTEMD_PAGER", "cat");
        c
    }

    /// Whether the journal holds a mail entry (the latest one is looked up,
    /// with no time range: a range without entries is a quiet period, not
    /// an error). Errors say why not.
    pub fn probe(&self) -> Result<(), JournalError> {
        let out = self
            .command(None, true)
            .stdin(Stdio::null())
            .output()
            .map_err(spawn_error)?;
        let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
        if !out.status.success() {
            return Err(JournalError::Failed {
                what: format!("reading the {}", self.display()),
                status: out.status.to_string(),
                stderr,
            });
        }
        if memchr::memmem::find(&out.stdout, b"__REALTIME_TIMESTAMP=").is_some() {
            return Ok(());
        }
        let what = self.display();
        if stderr.contains("not seeing messages") || stderr.contains("insufficient permissions") {
            let hint = stderr.lines().next().unwrap_or("").trim().to_string();
            return Err(JournalError::NotPermitted {
                what,
                hint: if hint.is_empty() {
                    String::new()
                } else {
                    format!(" (journalctl: {hint})")
                },
            });
        }
        Err(JournalError::Empty {
            what,
            units: UNITS.join(", "),
        })
    }

    /// Starts journalctl over the selection and time range.
    pub fn open(&self) -> Result<JournalReader, JournalError> {
        let child = Journalctl::spawn(self.command(None, false), false)?;
        Ok(JournalReader::new(child, self.display()))
    }

    /// Starts `journalctl --follow` (in its own process group, so a Ctrl-C
    /// meant for us does not end it before we do).
    pub fn follow(&self, from: FollowFrom) -> Result<Journalctl, JournalError> {
        Journalctl::spawn(self.command(Some(from), false), true)
    }
}

fn spawn_error(e: io::Error) -> JournalError {
    if e.kind() == io::ErrorKind::NotFound {
        JournalError::Missing
    } else {
        JournalError::Spawn(e)
    }
}

/// A running journalctl: its stdout as entries, its stderr collected on a
/// thread (so a chatty stderr cannot block it), killed and reaped on drop.
pub struct Journalctl {
    child: Arc<Mutex<Child>>,
    stdout: BufReader<ChildStdout>,
    stderr: Option<JoinHandle<Vec<u8>>>,
    done: bool,
}

/// The most of journalctl's stderr kept for a message.
const STDERR_MAX: usize = 4096;

impl Journalctl {
    fn spawn(mut cmd: Command, own_group: bool) -> Result<Journalctl, JournalError> {
        if own_group {
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(spawn_error)?;
        let stdout = child.stdout.take().expect("piped stdout");
        let mut err = child.stderr.take().expect("piped stderr");
        let stderr = std::thread::spawn(move || {
            let mut kept = Vec::new();
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let room = STDERR_MAX.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
            kept
        });
        Ok(Journalctl {
            child: Arc::new(Mutex::new(child)),
            stdout: BufReader::with_capacity(256 * 1024, stdout),
            stderr: Some(stderr),
            done: false,
        })
    }

    /// Reads the next entry into `e`; false at the end of the output.
    pub fn next_entry(&mut self, e: &mut Entry) -> io::Result<bool> {
        e.read_from(&mut self.stdout)
    }

    /// Whether a line is already buffered (reading one would not block).
    pub fn has_buffered(&self) -> bool {
        !self.stdout.buffer().is_empty()
    }

    /// Waits for the end of the process; an error (with its stderr) when it
    /// failed, else what it said on stderr.
    pub fn finish(&mut self, name: &str) -> io::Result<String> {
        if self.done {
            return Ok(String::new());
        }
        self.done = true;
        let status = lock(&self.child).wait()?;
        let stderr = self
            .stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&stderr).trim().replace('\n', "; ");
        if status.success() {
            return Ok(text);
        }
        Err(io::Error::other(format!(
            "journalctl reading the {name} ended with {status}{}{}",
            if text.is_empty() { "" } else { ": " },
            text
        )))
    }

    /// A handle that ends the process when dropped, for the thread that
    /// owns the reading end.
    pub fn killer(&self) -> Killer {
        Killer(Arc::clone(&self.child))
    }
}

fn lock(m: &Mutex<Child>) -> std::sync::MutexGuard<'_, Child> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Drop for Journalctl {
    fn drop(&mut self) {
        if !self.done {
            let mut c = lock(&self.child);
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Kills (and reaps) a journalctl when dropped.
pub struct Killer(Arc<Mutex<Child>>);

impl Drop for Killer {
    fn drop(&mut self) {
        let mut c = lock(&self.0);
        if matches!(c.try_wait(), Ok(None)) {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

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
                    let keep = len.min(super::lines::MAX_LINE as u64) as usize;
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
fn exim_message(msg: &[u8]) -> &[u8] {
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
fn write_stamp(usec: u64, out: &mut Vec<u8>) {
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
    fn new(child: Journalctl, name: String) -> JournalReader {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(export: &[u8]) -> Vec<String> {
        let mut r = io::Cursor::new(export);
        let mut e = Entry::default();
        let mut out = Vec::new();
        while e.read_from(&mut r).unwrap() {
            e.write_line(&mut out);
        }
        String::from_utf8_lossy(&out)
            .lines()
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn text_and_binary_fields() {
        let mut x = Vec::new();
        x.extend_from_slice(
            b"__CURSOR=s=1\n__REALTIME_TIMESTAMP=1795432575182221\n_HOSTNAME=mx1\n\
              SYSLOG_IDENTIFIER=postfix/smtp\n_PID=31124\nMESSAGE=2C488BEB94: to=<a@b.example>\n\n",
        );
        x.extend_from_slice(b"__REALTIME_TIMESTAMP=1795432575000001\n_COMM=smtpd\nMESSAGE\n");
        let msg = b"line one\nSubject: caf\xe9";
        x.extend_from_slice(&(msg.len() as u64).to_le_bytes());
        x.extend_from_slice(msg);
        x.extend_from_slice(b"\n_PID=7\n\n");
        let got = lines(&x);
        assert_eq!(
            got,
            [
                "2026-11-23T11:16:15.182221+00:00 mx1 postfix/smtp[31124]: 2C488BEB94: to=<a@b.example>",
                "2026-11-23T11:16:15.000001+00:00 localhost smtpd[7]: line one Subject: caf\u{fffd}",
            ]
        );
    }

    #[test]
    fn exim_pieces_lose_numbering_and_stamp() {
        assert_eq!(
            exim_message(b"2026-11-23 11:05:05 1xVRr7-0003zl-0W <= ceo@src.test"),
            b"1xVRr7-0003zl-0W <= ceo@src.test"
        );
        assert_eq!(exim_message(b"[2\\3] 421-4.7.28 x"), b"421-4.7.28 x");
        assert_eq!(
            exim_message(b"[1\\3] 2026-11-23 11:05:05 1xV == a"),
            b"1xV == a"
        );
        assert_eq!(exim_message(b"[x] y"), b"[x] y");
    }

    #[test]
    fn stamps() {
        let mut out = Vec::new();
        write_stamp(0, &mut out);
        assert_eq!(out, b"1970-01-01T00:00:00.000000+00:00");
        out.clear();
        // 2024-02-29T23:59:59.999999Z
        write_stamp(1_709_251_199_999_999, &mut out);
        assert_eq!(out, b"2024-02-29T23:59:59.999999+00:00");
    }
}

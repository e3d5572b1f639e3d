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
use std::io::{self, BufReader, Read};
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

mod entry;
pub use entry::{Entry, JournalReader};

#[cfg(test)]
mod tests;

//! `follow` within bounds (issue 16 §3): reading a big file from its start
//! takes at most a poll's worth of bytes at a time (memory stays flat), and
//! on many files a write wakes only the file it was made to (the files its
//! notification names), without losing a line across a rotation.

use std::collections::BTreeSet;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

mod common;

/// Generous: the debug build on a loaded 2-core machine.
const PATIENCE: Duration = Duration::from_secs(180);

struct Follow {
    child: Child,
    out: mpsc::Receiver<String>,
    err: mpsc::Receiver<String>,
}

impl Follow {
    fn start(args: &[&str]) -> Follow {
        let mut child = Command::new(env!("CARGO_BIN_EXE_maillog421"))
            .args(["follow", "--format", "json", "--every", "0", "--tz", "utc"])
            .args(["--input-format", "exim"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("follow starts");
        let out = common::line_channel(child.stdout.take().unwrap());
        let err = common::line_channel(child.stderr.take().unwrap());
        Follow { child, out, err }
    }

    /// Waits for `n` lines on stderr containing `what`.
    fn wait_stderr(&self, what: &str, n: usize) {
        let deadline = Instant::now() + PATIENCE;
        let mut seen = 0;
        while seen < n && Instant::now() < deadline {
            if let Ok(l) = self.err.recv_timeout(Duration::from_millis(100)) {
                assert!(!l.contains("panicked"), "{l}");
                seen += usize::from(l.contains(what));
            }
        }
        assert_eq!(seen, n, "`{what}` on stderr");
    }

    /// The recipients of the events printed until `want` are all in (or
    /// the patience runs out), each once.
    fn recipients(&self, want: &BTreeSet<String>) -> BTreeSet<String> {
        let deadline = Instant::now() + PATIENCE;
        let mut got = BTreeSet::new();
        while !want.is_subset(&got) && Instant::now() < deadline {
            let Ok(l) = self.out.recv_timeout(Duration::from_millis(100)) else {
                continue;
            };
            let v: serde_json::Value = serde_json::from_str(&l).unwrap();
            if let Some(r) = v.get("recipient").and_then(|r| r.as_str()) {
                assert!(got.insert(r.to_string()), "{r} printed twice");
            }
        }
        got
    }

    /// A field of /proc/PID/status, in its unit (kB for memory).
    fn status(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or_else(|| panic!("no {field} in {status}"))
    }
}

impl Drop for Follow {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Line `i` of a test log (Exim): every 50th a 421 deferral of the unique
/// recipient `u{i}@gmail.com`, the rest deliveries.
fn line(i: usize, out: &mut Vec<u8>) {
    let (m, s) = ((i / 60) % 60, i % 60);
    if i.is_multiple_of(50) {
        writeln!(
            out,
            "2026-11-23 12:{m:02}:{s:02} 1vT{:03}-{i:06}-AB == u{i}@gmail.com R=dnslookup T=remote_smtp defer (-44) H=gmail-smtp-in.l.google.com [192.0.2.27]: SMTP error from remote mail server after RCPT TO:<u{i}@gmail.com>: 421-4.7.28 Gmail has detected an unusual rate of unsolicited mail originating from your IP address. - gsmtp",
            i % 1000
        )
    } else {
        writeln!(
            out,
            "2026-11-23 12:{m:02}:{s:02} 1vT{:03}-{i:06}-AB => r{i}@example.net R=dnslookup T=remote_smtp H=mx.example.net [198.51.100.4] C=\"250 OK id=421\"",
            i % 1000
        )
    }
    .unwrap();
}

fn append(path: &Path, lines: std::ops::Range<usize>) -> BTreeSet<String> {
    let mut buf = Vec::new();
    for i in lines.clone() {
        line(i, &mut buf);
    }
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    f.write_all(&buf).unwrap();
    lines
        .filter(|i| i.is_multiple_of(50))
        .map(|i| format!("u{i}@gmail.com"))
        .collect()
}

#[test]
fn from_start_on_64_mib_keeps_memory_flat_and_prints_every_event() {
    let d = tempfile::tempdir().unwrap();
    let log = d.path().join("mainlog");
    // ~150 bytes a line: 450,000 lines make 64 MiB and 9,000 events.
    let (mut want, mut i) = (BTreeSet::new(), 0);
    while std::fs::metadata(&log).map_or(0, |m| m.len()) < 64 << 20 {
        want.extend(append(&log, i..i + 50_000));
        i += 50_000;
    }
    let f = Follow::start(&["--from-start", log.to_str().unwrap()]);
    let got = f.recipients(&want);
    assert_eq!(got.len(), want.len());
    assert_eq!(got, want);
    // Each poll hands out at most 4 MiB of lines (gathered once more as
    // lines to print): the peak is the program's own (~10-20 MB in the
    // debug build) plus a few such polls, far from the file's 64 MiB.
    let peak = f.status("VmHWM");
    eprintln!("follow --from-start on 64 MiB: VmHWM {peak} kB");
    assert!(peak < 48 * 1024, "VmHWM {peak} kB");
}

#[test]
fn many_files_a_write_and_a_rotation_are_read_from_the_files_named() {
    let d = tempfile::tempdir().unwrap();
    let logs: Vec<_> = (0..300)
        .map(|k| d.path().join(format!("mainlog{k}")))
        .collect();
    for l in &logs {
        append(l, 0..0);
    }
    let mut args: Vec<&str> = vec!["--rotate-wait", "2"];
    args.extend(logs.iter().map(|l| l.to_str().unwrap()));
    let f = Follow::start(&args);
    f.wait_stderr(": opened", logs.len());
    // A write to one file.
    let want = append(&logs[150], 0..500);
    assert_eq!(f.recipients(&want), want);
    // logrotate on another: rename, create, a late write to the renamed
    // file, then the new one.
    let renamed = d.path().join("mainlog7.1");
    std::fs::rename(&logs[7], &renamed).unwrap();
    append(&logs[7], 0..0);
    let mut want = append(&renamed, 500..1000);
    want.extend(append(&logs[7], 1000..1500));
    want.extend(append(&logs[299], 1500..2000));
    assert_eq!(f.recipients(&want), want);
    f.wait_stderr("mainlog7: was rotated", 1);
}

/// Catching up with a big file goes a poll (4 MiB) per pass, and between
/// passes `follow` sees to Ctrl-C: SIGINT in the middle of a 64 MiB
/// `--from-start` ends it with its summary long before the file's end
/// (it used to read the whole file first).
#[test]
fn ctrl_c_while_catching_up_stops_before_the_end_of_the_file() {
    let d = tempfile::tempdir().unwrap();
    let log = d.path().join("mainlog");
    let mut lines = 0;
    while std::fs::metadata(&log).map_or(0, |m| m.len()) < 64 << 20 {
        append(&log, lines..lines + 50_000);
        lines += 50_000;
    }
    let f = Follow::start(&["--from-start", log.to_str().unwrap()]);
    let first = f.out.recv_timeout(PATIENCE).expect("a first event");
    assert!(first.contains("\"recipient\""), "{first}");
    let killed = Command::new("kill")
        .args(["-INT", &f.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + PATIENCE;
    let summary = loop {
        assert!(Instant::now() < deadline, "no summary after SIGINT");
        let Ok(l) = f.out.recv_timeout(Duration::from_millis(100)) else {
            continue;
        };
        let v: serde_json::Value = serde_json::from_str(&l).unwrap();
        if v["type"] == "summary" {
            break v;
        }
    };
    let read = summary["lines"].as_u64().unwrap();
    assert!(
        read > 0 && read < lines as u64,
        "{read} of {lines} lines read"
    );
}

//! Issue 16 §4: exit codes that always mean what the README says. A failed
//! write to stderr or stdout is exit 2 (never a panic's 101), and the error
//! names the output; a named pipe with no writer says that it waits for one
//! (on a terminal) and the run completes once a writer comes; line and
//! paragraph separators and zero-width characters are escaped in every
//! output.

mod common;

use common::{cmd, fixture, path_str, root};
use std::fs::File;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const LOG: &str = "real/postfix/maillog-classic";

/// `maillog421 ARGS` as a plain `std::process::Command` (its streams can
/// be any file), set up as `common::cmd` sets it up.
fn std_cmd(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_maillog421"));
    c.current_dir(root())
        .env("TZ", "UTC")
        .env("NO_COLOR", "1")
        .args(args);
    c
}

fn dev_full() -> File {
    File::options().write(true).open("/dev/full").unwrap()
}

/// Runs `maillog421 ARGS` with stdout or stderr on /dev/full (the other
/// piped); returns the exit code and what the piped stream got.
fn with_full(args: &[&str], full_stdout: bool) -> (Option<i32>, String) {
    let mut c = std_cmd(args);
    let o = if full_stdout {
        c.stdout(dev_full()).output().unwrap()
    } else {
        c.stderr(dev_full()).output().unwrap()
    };
    let seen = if full_stdout { o.stderr } else { o.stdout };
    (o.status.code(), String::from_utf8_lossy(&seen).into_owned())
}

#[test]
fn stderr_on_a_full_disk_is_exit_2_not_a_panic() {
    let log = path_str(&fixture(LOG));
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.log");
    std::fs::write(&bad, "not a mail log line\n").unwrap();
    let bad = path_str(&bad);
    // A run whose only stderr output is a note: exit 0 when stderr works...
    let noted = ["report", "--year", "2026", "--verbose", &log, &bad];
    let o = cmd(&noted).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("not understood"),
        "the run writes to stderr"
    );
    // ...and 2 when it cannot be written. The report itself is complete.
    let (code, stdout) = with_full(&noted, false);
    assert_eq!(code, Some(2), "stderr on /dev/full");
    assert!(stdout.contains("greylist.test"), "{stdout}");
    // Error messages (a missing input, a bad flag, explain without text)
    // that cannot be written: 2 as well.
    for args in [
        &["report", "/nonexistent/maillog"][..],
        &["report", "--no-such-flag"],
        &["events", "--year", "2026", &bad, "/nonexistent/maillog"],
        &["summary", "--day", "not-a-day", &log],
    ] {
        let (code, _) = with_full(args, false);
        assert_eq!(code, Some(2), "{args:?}");
    }
}

#[test]
fn output_file_on_a_full_disk_is_named_and_exit_2() {
    let log = path_str(&fixture(LOG));
    for fmt in ["table", "csv", "json", "html"] {
        let args = [
            "report",
            "--year",
            "2026",
            "--format",
            fmt,
            "-o",
            "/dev/full",
            &log,
        ];
        let o = cmd(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{fmt}: {stderr}");
        assert!(
            stderr.contains("-o /dev/full: No space left on device"),
            "{fmt}: {stderr}"
        );
        assert!(!stderr.contains("os error"), "{fmt}: the OS's words only");
    }
    let o = cmd(&[
        "summary",
        "--day",
        "2026-11-23",
        "--tz",
        "utc",
        "-o",
        "/dev/full",
        &log,
    ])
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "summary -o: {stderr}");
    assert!(
        stderr.contains("-o /dev/full: No space left on device"),
        "{stderr}"
    );
}

#[test]
fn stdout_on_a_full_disk_is_named_and_exit_2() {
    let log = path_str(&fixture(LOG));
    let runs: [&[&str]; 6] = [
        &["report", "--year", "2026", &log],
        &["report", "--year", "2026", "--format", "html", &log],
        &["report", "--year", "2026", "--format", "csv", &log],
        &["events", "--year", "2026", &log],
        &["summary", "--day", "2026-11-23", "--tz", "utc", &log],
        &["explain", "421 4.7.0 Too many connections"],
    ];
    for args in runs {
        let (code, stderr) = with_full(args, true);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("standard output: No space left on device"),
            "{args:?}: {stderr}"
        );
    }
}

/// Lines of `r` on a channel, as they come.
fn chunks(mut r: impl Read + Send + 'static) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = r.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    rx
}

/// Collects from `rx` into `seen` until `done(seen)` or the deadline.
fn until(
    rx: &mpsc::Receiver<Vec<u8>>,
    seen: &mut String,
    within: Duration,
    done: impl Fn(&str) -> bool,
) -> bool {
    let end = Instant::now() + within;
    while !done(seen) {
        let left = end.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(b) => seen.push_str(&String::from_utf8_lossy(&b)),
            Err(_) => return done(seen),
        }
    }
    true
}

const WAITING: &str = "is a named pipe (FIFO) with no writer yet; waiting for one";

/// `maillog421 ARGS FIFO` on a terminal (`script` gives it one): it says it
/// waits for a writer; then a writer sends the log and the run ends with
/// what the log holds.
fn fifo_on_a_terminal(args: &str, want: &str) {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("mail.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let line = format!(r#""$BIN" {args} --year 2026 --tz utc '{}'"#, fifo.display());
    // script's stdin stays open (a pipe) so that it does not end the
    // session; what the terminal showed comes back on script's stdout.
    let mut child = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env("BIN", env!("CARGO_BIN_EXE_maillog421"))
        .env("TZ", "UTC")
        .env("NO_COLOR", "1")
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let rx = chunks(child.stdout.take().unwrap());
    let mut seen = String::new();
    let said = until(&rx, &mut seen, Duration::from_secs(60), |s| {
        s.contains(WAITING)
    });
    if !said {
        let _ = child.kill();
        panic!("{args}: no word about the writer: {seen:?}");
    }
    assert!(!seen.contains(want), "{args}: nothing read yet: {seen:?}");
    // The writer comes: the whole log, then the pipe closes.
    let mut w = File::options().write(true).open(&fifo).unwrap();
    w.write_all(&std::fs::read(fixture(LOG)).unwrap()).unwrap();
    drop(w);
    let ended = until(&rx, &mut seen, Duration::from_secs(120), |s| {
        s.contains(want)
    });
    drop(child.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    until(&rx, &mut seen, Duration::from_secs(5), |_| false);
    assert!(ended, "{args}: the run went on with the writer: {seen:?}");
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(0),
        "{args}: ends by itself at the writer's end: {seen:?}"
    );
    assert_eq!(seen.matches(WAITING).count(), 1, "{args}: said once");
}

#[test]
fn fifo_with_no_writer_says_so_on_a_terminal_then_reads_the_writer() {
    // report's totals; an events line; follow's closing session summary
    // with the 142 deferrals of this log (expected-events.tsv, 'deferred').
    fifo_on_a_terminal("report", "deferred (any reason)");
    fifo_on_a_terminal("events", "\"domain\":\"greylist.test\"");
    fifo_on_a_terminal("follow --from-start", "421: 142 deferrals");
    // summary reads its inputs twice: the pipe is read once (copied).
    fifo_on_a_terminal("summary --day 2026-11-23", "142 deferrals with 421 on");
}

#[test]
fn fifo_with_no_writer_in_a_pipe_stays_quiet_and_reads_the_writer() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("mail.fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let child = std_cmd(&["events", "--year", "2026", &path_str(&fifo)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut w = File::options().write(true).open(&fifo).unwrap();
    w.write_all(&std::fs::read(fixture(LOG)).unwrap()).unwrap();
    drop(w);
    let o = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(
        !stderr.contains("waiting"),
        "no terminal, no notice: {stderr}"
    );
    let want = std::fs::read_to_string(fixture("real/expected-events.tsv"))
        .unwrap()
        .lines()
        .filter(|l| l.starts_with(&format!("{LOG}\t")))
        .count();
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), want);
}

/// Line and paragraph separators, zero-width space, non-joiner and joiner,
/// word joiner and byte-order mark, each followed by a digit so that none
/// is folded into a space.
const INVISIBLE: [char; 7] = [
    '\u{2028}', '\u{2029}', '\u{200b}', '\u{200c}', '\u{200d}', '\u{2060}', '\u{feff}',
];

fn invisible_log() -> (tempfile::TempDir, String) {
    let inv: String = INVISIBLE
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c}{i}"))
        .collect();
    // A real Postfix deferral line (fixtures/real) with the characters in
    // the domain and in the reply; then a line not understood, with them.
    let text = format!(
        "Nov 23 11:12:27 mx1 postfix/smtp[30108]: D7FFFBEB93: to=<mallory@g{inv}.test>, relay=127.0.0.1[127.0.0.1]:2610, delay=0.05, delays=0.02/0.01/0/0.01, dsn=4.7.0, status=deferred (host 127.0.0.1[127.0.0.1] said: 421 4.7.0 Grey{inv}listed, please try again in 5 minutes (in reply to RCPT TO command))\n\
         Nov 23 11:12:28 {inv} not a mail line\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("maillog");
    std::fs::write(&p, text).unwrap();
    (dir, path_str(&p))
}

fn assert_escaped(out: &str, what: &str, json: bool) {
    for c in INVISIBLE {
        assert!(!out.contains(c), "{what}: raw {c:?}");
        let esc = if json {
            format!("\\u{:04x}", c as u32)
        } else {
            format!("\\u{{{:04x}}}", c as u32)
        };
        assert!(out.contains(&esc), "{what}: no {esc} in {out}");
    }
}

#[test]
fn separators_and_zero_width_characters_are_escaped_everywhere() {
    let (_dir, log) = invisible_log();
    for fmt in ["table", "csv", "json", "html"] {
        let o = cmd(&[
            "report",
            "--year",
            "2026",
            "--verbose",
            "--format",
            fmt,
            &log,
        ])
        .output()
        .unwrap();
        assert_eq!(o.status.code(), Some(0));
        let stdout = String::from_utf8(o.stdout).unwrap();
        assert!(stdout.contains("listed"), "{fmt}: the event is there");
        assert_escaped(&stdout, fmt, fmt == "json");
        let stderr = String::from_utf8(o.stderr).unwrap();
        assert!(stderr.contains("not understood"), "{stderr}");
        assert_escaped(&stderr, "stderr", false);
        if fmt == "json" {
            // Escaped, and still the text: the JSON decodes to the raw characters.
            let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            let domain = v["by_domain"][0]["domain"].as_str().unwrap();
            assert!(domain.contains('\u{2028}') && domain.contains('\u{feff}'));
        }
    }
    let o = cmd(&["events", "--year", "2026", &log]).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1);
    assert_escaped(&stdout, "events", true);
}

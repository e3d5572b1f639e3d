//! Regressions found by reading the merged follow, events and summary code
//! (issues 16 and 17): each asserts what a user sees.

mod common;

use common::*;
use std::io::Write;
use std::process::{Command, Stdio};

/// `follow -` with a line over the 1 MiB cap: its first MiB is one line,
/// the rest of it is skipped, not read as more lines (as for files).
#[test]
fn issue_16_follow_stdin_counts_an_overlong_line_once() {
    let real = std::fs::read(fixture("real/postfix/maillog-classic")).unwrap();
    let first: Vec<u8> = real.split(|b| *b == b'\n').next().unwrap().to_vec();
    let mut input = first.clone();
    input.push(b'\n');
    input.extend(std::iter::repeat_n(b'x', 3 << 20));
    input.push(b'\n');
    input.extend_from_slice(&first);
    input.push(b'\n');
    let mut child = Command::new(env!("CARGO_BIN_EXE_maillog421"))
        .args(["follow", "--tz", "utc", "--year", "2026", "-"])
        .env("TZ", "UTC")
        .env("NO_COLOR", "1")
        .env("COLUMNS", "200")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let o = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains(" 3 lines (1 not understood)"), "{out}");
}

/// `follow --rotate-wait nan` is a usage error (exit 2), not a panic.
#[test]
fn issue_16_follow_refuses_nan_seconds() {
    for flag in ["--rotate-wait", "--poll-interval"] {
        let o = run(&["follow", flag, "nan", "fixtures/exim/mainlog"]);
        assert_eq!(o.code, 2, "{flag}: {}", o.stderr);
        assert!(o.stderr.contains("not a number of seconds"), "{}", o.stderr);
    }
}

/// `follow DIR` says it follows files by name and names the logs there,
/// instead of waiting on a directory forever.
#[test]
fn issue_17_follow_names_the_logs_of_a_directory() {
    let o = run(&["follow", "fixtures/real/exim"]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr
            .contains("fixtures/real/exim is a directory: follow follows log files by name"),
        "{}",
        o.stderr
    );
}

/// `summary` on the journal for a day without mail entries: the journal
/// is read for that day only and holds mail otherwise, so it is a quiet
/// day (exit 0), not useless input (exit 2).
#[test]
fn issue_17_summary_on_a_quiet_journal_day() {
    let journal = path_str(&fixture("journal/postfix.journal"));
    let o = run(&[
        "summary",
        "--tz",
        "utc",
        "--day",
        "2026-11-20",
        "--host",
        "mx1",
        "--journal-file",
        &journal,
    ]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("No 421"), "{}", o.stdout);
}

/// `events --since 1h` counts back from the last line of the logs, as
/// `report` does (the real Postfix log spans 11:12 to 11:16, so the last
/// hour holds all of its 421 deferrals).
#[test]
fn issue_19_events_relative_since_counts_from_the_last_line() {
    let log = path_str(&fixture("real/postfix/maillog-classic"));
    let all = run(&["events", "--tz", "utc", "--year", "2026", &log]);
    let hour = run(&[
        "events", "--tz", "utc", "--year", "2026", "--since", "1h", &log,
    ]);
    assert_eq!(hour.code, 0, "{}", hour.stderr);
    assert!(!all.stdout.is_empty());
    assert_eq!(hour.stdout, all.stdout);
}

/// `summary` reads its inputs twice (the day, then the week before): the
/// note naming what a directory holds goes to cron mail once.
#[test]
fn issue_17_summary_names_a_directory_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("real/exim/mainlog-default"),
        dir.path().join("mainlog"),
    )
    .unwrap();
    let d = path_str(dir.path());
    let o = run(&[
        "summary",
        "--tz",
        "utc",
        "--day",
        "2026-11-23",
        "--host",
        "mx1",
        &d,
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.stderr.matches(": reading ").count(), 1, "{}", o.stderr);
}

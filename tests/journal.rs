//! `--journal-file`/`--journal-dir` against real journal files: the
//! fixtures/journal/*.journal files were written by systemd-journal-remote
//! from the real-daemon logs (fixtures/journal/make.sh) and are read here by
//! the real journalctl. The same log read as a plain file is the reference:
//! it is checked against the daemons' own truth in tests/real.rs.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{cmd, events, fixture, json, path_str, run};
use serde_json::Value;

const POSTFIX_LOG: &str = "fixtures/real/postfix/maillog-rfc3339";
const POSTFIX_JOURNAL: &str = "fixtures/journal/postfix.journal";
const EXIM_LOG: &str = "fixtures/real/exim/mainlog-default";
const EXIM_JOURNAL: &str = "fixtures/journal/exim.journal";

/// A report without its `inputs` (which name the input read).
fn without_inputs(mut v: Value) -> Value {
    v.as_object_mut().unwrap().remove("inputs");
    v
}

/// An event without where it was read (file name and line).
fn without_place(mut v: Value) -> Value {
    let o = v.as_object_mut().unwrap();
    o.remove("file");
    o.remove("line");
    v
}

#[test]
fn journal_report_equals_the_plain_file_report() {
    for (log, journal) in [(POSTFIX_LOG, POSTFIX_JOURNAL), (EXIM_LOG, EXIM_JOURNAL)] {
        let file = json(&["report", "--tz", "utc", "--format", "json", log]);
        let jour = json(&[
            "report",
            "--tz",
            "utc",
            "--format",
            "json",
            "--journal-file",
            journal,
        ]);
        assert!(file["totals"]["deferrals_421"].as_u64().unwrap() > 50);
        // Every mail entry, and none of the noise entries of other units.
        assert_eq!(jour["inputs"][0]["lines"], file["inputs"][0]["lines"]);
        assert_eq!(jour["inputs"][0]["unparsed_lines"], 0);
        assert_eq!(without_inputs(jour), without_inputs(file), "{journal}");
    }
}

#[test]
fn journal_events_equal_the_plain_file_events() {
    for (log, journal) in [(POSTFIX_LOG, POSTFIX_JOURNAL), (EXIM_LOG, EXIM_JOURNAL)] {
        let file: Vec<Value> = events(&["events", "--tz", "utc", log])
            .into_iter()
            .map(without_place)
            .collect();
        let jour: Vec<Value> = events(&["events", "--tz", "utc", "--journal-file", journal])
            .into_iter()
            .map(without_place)
            .collect();
        assert!(file.len() > 100, "{log}: {} events", file.len());
        assert_eq!(jour, file, "{journal}");
    }
}

#[test]
fn since_and_until_select_inside_the_journal() {
    let range = [
        "--since",
        "2026-11-23T11:17:00Z",
        "--until",
        "2026-11-23T11:18:30Z",
    ];
    let mut file_args = vec!["events", "--tz", "utc", POSTFIX_LOG];
    file_args.extend(range);
    let mut jour_args = vec!["events", "--tz", "utc", "--journal-file", POSTFIX_JOURNAL];
    jour_args.extend(range);
    let file: Vec<Value> = events(&file_args).into_iter().map(without_place).collect();
    let jour: Vec<Value> = events(&jour_args).into_iter().map(without_place).collect();
    let all = events(&["events", "--tz", "utc", POSTFIX_LOG]);
    assert!(!file.is_empty() && file.len() < all.len());
    for e in &jour {
        let t = e["time"].as_str().unwrap();
        assert!(
            ("2026-11-23T11:17:00Z".."2026-11-23T11:18:30Z").contains(&t),
            "{t}"
        );
    }
    assert_eq!(jour, file);
    // The range is applied by journalctl: only the entries in it are read.
    let mut rep = vec!["report", "--tz", "utc", "--format", "json"];
    rep.extend(range);
    rep.extend(["--journal-file", POSTFIX_JOURNAL]);
    let r = json(&rep);
    let read = r["inputs"][0]["lines"].as_u64().unwrap();
    assert!(read > 0 && read < 1669 / 2, "{read} lines read");
}

#[test]
fn summary_of_a_day_from_the_journal() {
    let file = run(&["summary", "--tz", "utc", "--day", "2026-11-23", POSTFIX_LOG]);
    let jour = run(&[
        "summary",
        "--tz",
        "utc",
        "--day",
        "2026-11-23",
        "--journal-file",
        POSTFIX_JOURNAL,
    ]);
    assert_eq!(file.code, 0, "{}", file.stderr);
    assert_eq!(jour.code, 0, "{}", jour.stderr);
    assert!(jour.stdout.contains("421"), "{}", jour.stdout);
    assert_eq!(jour.stdout, file.stdout);
}

#[test]
fn journal_dir_reads_the_files_in_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("journal/exim.journal"),
        dir.path().join("a.journal"),
    )
    .unwrap();
    std::fs::copy(
        fixture("journal/postfix.journal"),
        dir.path().join("b.journal"),
    )
    .unwrap();
    let both = json(&[
        "report",
        "--tz",
        "utc",
        "--format",
        "json",
        "--journal-dir",
        &path_str(dir.path()),
    ]);
    let p = json(&["report", "--tz", "utc", "--format", "json", POSTFIX_LOG]);
    let e = json(&["report", "--tz", "utc", "--format", "json", EXIM_LOG]);
    for k in ["deferrals_421", "delivery_attempts", "lines"] {
        assert_eq!(
            both["totals"][k].as_u64().unwrap(),
            p["totals"][k].as_u64().unwrap() + e["totals"][k].as_u64().unwrap(),
            "{k}"
        );
    }
}

#[test]
fn missing_journalctl_is_a_clear_error() {
    let o = cmd(&["report", "--journal-file", POSTFIX_JOURNAL])
        .env("PATH", "")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("journalctl not found in PATH"), "{err}");
    assert!(o.stdout.is_empty());
}

#[test]
fn a_journal_without_mail_entries_is_an_error() {
    // The noise entries only: made from the fixture by journalctl itself.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("noise.journal");
    remote_from(
        POSTFIX_JOURNAL,
        &["_SYSTEMD_UNIT=cron.service", "_SYSTEMD_UNIT=ssh.service"],
        &out,
    );
    for sub in ["report", "events", "summary"] {
        let o = run(&[sub, "--journal-file", &path_str(&out)]);
        assert_eq!(o.code, 2, "{sub}: {}", o.stderr);
        assert!(o.stderr.contains("holds no mail entries"), "{}", o.stderr);
        assert!(o.stdout.is_empty());
    }
    // A journal file that is not there: journalctl's own words.
    let o = run(&["report", "--journal-file", "/nonexistent/x.journal"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("No such file or directory"),
        "{}",
        o.stderr
    );
}

#[test]
fn with_no_path_and_no_mail_log_the_journal_is_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("journal/postfix.journal"),
        dir.path().join("p.journal"),
    )
    .unwrap();
    let missing = dir.path().join("no-such-mainlog");
    let o = cmd(&["report", "--tz", "utc", "--format", "json"])
        .env("MAILLOG421_DEFAULT_PATHS", &missing)
        .env("MAILLOG421_DEFAULT_JOURNAL_DIR", dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("reading the mail entries of the systemd journal"),
        "{err}"
    );
    let got: Value = serde_json::from_slice(&o.stdout).unwrap();
    let want = json(&["report", "--tz", "utc", "--format", "json", POSTFIX_LOG]);
    assert_eq!(without_inputs(got), without_inputs(want));

    // An empty journal: the error lists every place tried.
    let empty = tempfile::tempdir().unwrap();
    let o = cmd(&["events"])
        .env("MAILLOG421_DEFAULT_PATHS", &missing)
        .env("MAILLOG421_DEFAULT_JOURNAL_DIR", empty.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(&path_str(&missing)), "{err}");
    assert!(err.contains("systemd journal"), "{err}");
    assert!(err.contains("holds no mail entries"), "{err}");
}

/// Writes the entries of `journal` matching `matches` (and `range`
/// journalctl arguments) to a new journal file `out`, through journalctl
/// -o export and systemd-journal-remote (appending when `out` exists).
fn remote_from_range(journal: &str, matches: &[&str], range: &[String], out: &Path) {
    let export = Command::new("journalctl")
        .current_dir(common::root())
        .args(["--file", journal, "-o", "export"])
        .args(range)
        .args(matches)
        .output()
        .expect("journalctl runs");
    assert!(export.status.success());
    assert!(!export.stdout.is_empty());
    let remote = ["/lib/systemd", "/usr/lib/systemd"]
        .iter()
        .map(|d| Path::new(d).join("systemd-journal-remote"))
        .find(|p| p.exists())
        .expect("systemd-journal-remote is installed (Debian: systemd-journal-remote)");
    let mut child = Command::new(remote)
        .arg("-o")
        .arg(out)
        .arg("-")
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&export.stdout)
        .unwrap();
    assert!(child.wait().unwrap().success());
}

fn remote_from(journal: &str, matches: &[&str], out: &Path) {
    remote_from_range(journal, matches, &[], out);
}

#[test]
fn follow_journal_dir_prints_entries_as_they_are_written() {
    // The first part of the log is in the journal when follow starts (and
    // is not printed: follow starts at the end); the rest is appended by
    // systemd-journal-remote while it runs.
    let cut = "2026-11-23T11:18:00Z";
    let cut_secs = 1_795_432_680;
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("mail.journal");
    remote_from_range(
        POSTFIX_JOURNAL,
        &[],
        &[format!("--until=@{cut_secs}")],
        &live,
    );
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_maillog421"))
        .args(["follow", "--tz", "utc", "--format", "json", "--every", "0"])
        .arg("--journal-dir")
        .arg(dir.path())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for l in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    assert!(first.contains("following the mail entries"), "{first}");
    std::thread::sleep(Duration::from_millis(500));
    remote_from_range(
        POSTFIX_JOURNAL,
        &[],
        &[format!("--since=@{cut_secs}")],
        &live,
    );
    let want: Vec<Value> = events(&["events", "--tz", "utc", "--since", cut, POSTFIX_LOG])
        .into_iter()
        .map(without_place)
        .collect();
    assert!(want.len() > 20);
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while got.len() < want.len() && Instant::now() < deadline {
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(100)) {
            let v: Value = serde_json::from_str(&l).unwrap();
            if v.get("type").is_none() {
                got.push(without_place(v));
            }
        }
    }
    let ok = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let code = child.wait().unwrap().code();
    // Entries before the cut were in the journal already: not printed.
    let before: Vec<Value> = got
        .iter()
        .filter(|e| e["time"].as_str().unwrap() < cut)
        .cloned()
        .collect();
    assert_eq!(before, Vec::<Value>::new());
    assert_eq!(got, want);
    assert_eq!(code, Some(0));
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert!(!rest.contains("ended"), "{rest}");
}

#[test]
fn follow_with_lookback_reads_back_in_the_journal() {
    // --lookback is counted back from now; the fixture is dated 2026-11-23,
    // so a lookback reaching before it reads it all, then follows.
    let now = chrono::Utc::now().timestamp();
    let days = (now - 1_795_400_000) / 86_400 + 2;
    let lookback = format!("{}d", days.max(1));
    let (tx, rx) = mpsc::channel();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_maillog421"))
        .args(["follow", "--tz", "utc", "--format", "json", "--every", "0"])
        .args(["--lookback", &lookback, "--journal-dir"])
        .arg(fixture("journal"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for l in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    let want = events(&["events", "--tz", "utc", POSTFIX_LOG]).len()
        + events(&["events", "--tz", "utc", EXIM_LOG]).len();
    let mut got = 0;
    let deadline = Instant::now() + Duration::from_secs(30);
    while got < want && Instant::now() < deadline {
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(100)) {
            got += usize::from(!l.contains("\"type\""));
        }
    }
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap();
    assert_eq!(got, want);
}

#[test]
fn follow_says_so_when_journalctl_ends() {
    // The journalctl that follow runs dies (killed here, as an OOM killer or
    // an admin might): follow must say so and exit 2, not sit there. Every
    // wait is a condition with a generous deadline (a loaded machine runs
    // the debug build slowly), and follow is killed if the test fails.
    const PATIENCE: Duration = Duration::from_secs(120);
    struct KillOnDrop(std::process::Child);
    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            if matches!(self.0.try_wait(), Ok(None)) {
                let _ = self.0.kill();
                let _ = self.0.wait();
            }
        }
    }
    let mut child = KillOnDrop(
        std::process::Command::new(env!("CARGO_BIN_EXE_maillog421"))
            .args([
                "follow",
                "--format",
                "json",
                "--every",
                "0",
                "--journal-file",
            ])
            .arg(fixture("journal/postfix.journal"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let (tx, err) = mpsc::channel();
    let stderr = child.0.stderr.take().unwrap();
    std::thread::spawn(move || {
        for l in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    let first = err.recv_timeout(PATIENCE).expect("a first line on stderr");
    assert!(first.contains("following the mail entries"), "{first}");
    // The running `journalctl --follow` among follow's children (any
    // thread's), by its name and arguments.
    let pid = child.0.id();
    let deadline = Instant::now() + PATIENCE;
    let journalctl = loop {
        let mut found = None;
        for task in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap() {
            let kids =
                std::fs::read_to_string(task.unwrap().path().join("children")).unwrap_or_default();
            for k in kids.split_whitespace() {
                let comm = std::fs::read_to_string(format!("/proc/{k}/comm")).unwrap_or_default();
                let args = std::fs::read(format!("/proc/{k}/cmdline")).unwrap_or_default();
                if comm.trim() == "journalctl" && args.split(|b| *b == 0).any(|a| a == b"--follow")
                {
                    found = Some(k.to_string());
                }
            }
        }
        if let Some(k) = found {
            break k;
        }
        assert!(
            Instant::now() < deadline,
            "no journalctl --follow under follow"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        Command::new("kill")
            .args(["-KILL", &journalctl])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + PATIENCE;
    let status = loop {
        if let Some(s) = child.0.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "follow did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    // The reader thread ends with stderr; collect what it got.
    let mut err_text = String::new();
    while let Ok(l) = err.recv_timeout(PATIENCE) {
        err_text.push_str(&l);
        err_text.push('\n');
    }
    assert_eq!(status.code(), Some(2), "{err_text}");
    assert!(
        err_text.contains("journalctl reading the journal"),
        "{err_text}"
    );
    assert!(err_text.contains("signal: 9"), "{err_text}");
}

#[test]
fn follow_journal_file_that_grows() {
    // systemd-journal-remote appends to an existing journal file.
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("mail.journal");
    remote_from_range(EXIM_JOURNAL, &[], &["--until=@1795431960".into()], &live);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_maillog421"))
        .args(["follow", "--tz", "utc", "--format", "json", "--every", "0"])
        .arg("--journal-file")
        .arg(&live)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for l in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    assert!(first.contains("following the mail entries"), "{first}");
    std::thread::sleep(Duration::from_millis(500));
    remote_from_range(EXIM_JOURNAL, &[], &["--since=@1795431960".into()], &live);
    let want: Vec<Value> = events(&[
        "events",
        "--tz",
        "utc",
        "--since",
        "2026-11-23T11:06:00Z",
        EXIM_LOG,
    ])
    .into_iter()
    .map(without_place)
    .collect();
    assert!(want.len() > 20);
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while got.len() < want.len() && Instant::now() < deadline {
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(100)) {
            let v: Value = serde_json::from_str(&l).unwrap();
            if v.get("type").is_none() {
                got.push(without_place(v));
            }
        }
    }
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
    assert_eq!(got, want);
}

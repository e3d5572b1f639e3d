//! Issue 17 §2-3: logs as other tools hand them over. Every `journalctl -o`
//! text output (made by the real journalctl from a real journal file, see
//! fixtures/journalctl/make.py), container and grep prefixes in the formats
//! Docker and Kubernetes document, syslog stamp variants, a directory as
//! input, and pipes read live. Each gives the same events and totals as the
//! same real-daemon log read as a plain file.

mod common;

use common::{cmd, fixture, path_str, run};
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Events with the input's name left out (stdin, a wrapped copy and the
/// bare file differ only there).
fn events_of(args: &[&str], stdin: Option<&Path>) -> Vec<Value> {
    let mut c = cmd(args);
    if let Some(p) = stdin {
        c.pipe_stdin(p).unwrap();
    }
    let o = c.output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            v.as_object_mut().unwrap().remove("file");
            v
        })
        .collect()
}

fn totals_of(args: &[&str], stdin: Option<&Path>) -> Value {
    let mut c = cmd(args);
    if let Some(p) = stdin {
        c.pipe_stdin(p).unwrap();
    }
    let o = c.output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    r["totals"].clone()
}

/// `path` (read from stdin when `piped`) gives what `bare` gives as a file.
fn same_as_bare(path: &Path, bare: &Path, piped: bool) -> usize {
    let (p, b) = (path_str(path), path_str(bare));
    let events = |file: &str, pipe: bool| {
        if pipe {
            events_of(&["events", "--year", "2026", "-"], Some(Path::new(file)))
        } else {
            events_of(&["events", "--year", "2026", file], None)
        }
    };
    let totals = |file: &str, pipe: bool| {
        let args = ["report", "--format", "json", "--year", "2026"];
        if pipe {
            totals_of(&[&args[..], &["-"]].concat(), Some(Path::new(file)))
        } else {
            totals_of(&[&args[..], &[file]].concat(), None)
        }
    };
    let want = events(&b, false);
    assert!(!want.is_empty(), "{b} has events");
    assert_eq!(events(&p, piped), want, "{p}: events");
    let (got, want_totals) = (totals(&p, piped), totals(&b, false));
    assert_eq!(got, want_totals, "{p}: totals");
    assert_eq!(got["unparsed_lines"], 0, "{p}");
    want.len()
}

const JOURNALCTL_OUTPUTS: [&str; 8] = [
    "short",
    "short-iso",
    "short-iso-precise",
    "short-precise",
    "short-full",
    "short-unix",
    "with-unit",
    "json",
];

#[test]
fn issue_17_every_journalctl_output_on_stdin_reads_like_the_plain_log() {
    let plain = fixture("journalctl/plain.log");
    // Independent count: the Postfix lines deferred by a 421.
    let text = std::fs::read_to_string(&plain).unwrap();
    let deferred_421 = text
        .lines()
        .filter(|l| l.contains("status=deferred") && l.contains(" 421 "))
        .count();
    assert!(deferred_421 > 10);
    for fmt in JOURNALCTL_OUTPUTS {
        let n = same_as_bare(&fixture(&format!("journalctl/{fmt}.txt")), &plain, true);
        assert_eq!(n, deferred_421, "{fmt}");
    }
}

#[test]
fn issue_17_journalctl_cat_is_refused_naming_the_outputs_that_work() {
    let o = cmd(&["report", "-"])
        .pipe_stdin(fixture("journalctl/cat.txt"))
        .unwrap()
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no time and no host"), "{stderr}");
    for fmt in JOURNALCTL_OUTPUTS {
        assert!(stderr.contains(fmt), "{fmt} named: {stderr}");
    }
}

#[test]
fn issue_17_committed_layout_excerpts_read_like_their_bare_lines() {
    let dir = fixture("layouts");
    let mut seen = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".bare") || name.ends_with(".py") {
            continue;
        }
        let bare = dir.join(format!("{name}.bare"));
        same_as_bare(&p, &bare, false);
        same_as_bare(&p, &bare, true);
        seen += 1;
    }
    assert_eq!(seen, 10);
}

/// Wraps line `i` (0-based) given its Docker-style stamp.
type Wrap = fn(usize, &str, &str) -> String;

/// Whole real logs wrapped here, line by line, as the tools write them.
fn wrapped(src: &str, wrap: impl Fn(usize, &str, &str) -> String) -> tempfile::NamedTempFile {
    let text = std::fs::read_to_string(fixture(src)).unwrap();
    let mut f = tempfile::NamedTempFile::new().unwrap();
    let mut last = String::new();
    for (i, l) in text.lines().enumerate() {
        // The line's time as Docker prints it (UTC, 9 fraction digits);
        // an Exim continuation line keeps its entry's.
        if l.len() > 19 && l.as_bytes()[4] == b'-' {
            let t = &l[..19];
            last = format!("{}T{}.000000000Z", &t[..10], &t[11..]);
        }
        writeln!(f, "{}", wrap(i, &last, l)).unwrap();
    }
    f
}

#[test]
fn issue_17_whole_real_logs_under_container_and_grep_prefixes() {
    let cases: [(&str, Wrap); 6] = [
        ("real/postfix/maillog-rfc3339", |_, t, l| format!("{t} {l}")),
        ("real/exim/mainlog-rich", |_, t, l| format!("{t} {l}")),
        ("real/postfix/maillog-classic", |_, _, l| {
            format!("postfix-1      | {l}")
        }),
        ("real/exim/mainlog-default", |_, t, l| {
            format!("mail-exim-1  | {t} {l}")
        }),
        ("real/postfix/maillog-classic", |_, _, l| {
            format!("/var/log/mail.log.2.gz:{l}")
        }),
        ("real/exim/mainlog-default", |i, _, l| {
            format!("/var/log/exim4/mainlog:{}:{l}", i + 1)
        }),
    ];
    for (src, wrap) in cases {
        let f = wrapped(src, wrap);
        same_as_bare(f.path(), &fixture(src), false);
    }
}

#[test]
fn issue_17_docker_stamp_serves_daemon_lines_without_one() {
    // Postfix logging to stdout in a container: `postfix/smtp[1]: ...`,
    // stamped by `docker logs -t` only.
    let src = "real/postfix/maillog-rfc3339";
    let f = wrapped(src, |_, _, l| {
        let (stamp, rest) = l.split_once(' ').unwrap();
        let (_host, msg) = rest.split_once(' ').unwrap();
        // 2026-11-23T11:16:13.048791+00:00 -> 2026-11-23T11:16:13.048791000Z
        format!("{}000Z {msg}", stamp.strip_suffix("+00:00").unwrap())
    });
    same_as_bare(f.path(), &fixture(src), false);
}

#[test]
fn issue_17_postfix_maillog_file_plain_and_under_docker_logs_t() {
    // Written by a real Postfix 3.7 through postlogd (`maillog_file`, no
    // syslog daemon; fixtures/real/generate.sh maillog-file). Its own stamp:
    // `Dec 07 04:14:27 mx1 postfix/smtp[17267]: ` (day zero-padded).
    let src = "real/postfix/maillog-file";
    let text = std::fs::read_to_string(fixture(src)).unwrap();
    for l in text.lines() {
        let b = l.as_bytes();
        assert!(
            b.len() > 20
                && b[3] == b' '
                && b[4..6].iter().all(u8::is_ascii_digit)
                && &l[6..7] == " "
                && &l[9..10] == ":"
                && l[16..].starts_with("mx1 postfix/"),
            "a postlogd line: {l}"
        );
    }
    // The truth's events of this log (derive_truth.py, from the server).
    let truth = std::fs::read_to_string(fixture("real/expected-events.tsv"))
        .unwrap()
        .lines()
        .filter(|l| l.starts_with(&format!("{src}\t")))
        .count();
    assert!(truth > 100, "{truth}");
    // As `docker logs -t` shows a container whose Postfix writes
    // `maillog_file = /dev/stdout`: Docker's receive time (RFC 3339, 9
    // fraction digits, UTC) before the line; the line's own stamp wins.
    let month = |m: &str| {
        1 + [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ]
        .iter()
        .position(|x| *x == m)
        .unwrap()
    };
    let mut f = tempfile::NamedTempFile::new().unwrap();
    for (i, l) in text.lines().enumerate() {
        let stamp = format!(
            "2026-{:02}-{}T{}.{:09}Z",
            month(&l[..3]),
            &l[4..6],
            &l[7..15],
            (i * 7919) % 1_000_000_000
        );
        writeln!(f, "{stamp} {l}").unwrap();
    }
    // The plain file gives the truth's events; the wrapped copy, as a file
    // and on stdin, gives the same events and totals.
    assert_eq!(same_as_bare(&fixture(src), &fixture(src), false), truth);
    assert_eq!(same_as_bare(f.path(), &fixture(src), false), truth);
    assert_eq!(same_as_bare(f.path(), &fixture(src), true), truth);
}

#[test]
fn issue_17_a_directory_reads_its_mail_logs_oldest_first() {
    let text = std::fs::read_to_string(fixture("real/postfix/maillog-rfc3339")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let half = lines.len() / 2;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("mail.log.1"),
        lines[..half].join("\n") + "\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("mail.log"), lines[half..].join("\n") + "\n").unwrap();
    std::fs::write(dir.path().join("mail.err"), lines[..5].join("\n") + "\n").unwrap();
    std::fs::write(dir.path().join("syslog"), "not mail\n").unwrap();
    let d = path_str(dir.path());
    let args = ["report", "--format", "json", "--year", "2026"];
    let got = totals_of(&[&args[..], &[&d]].concat(), None);
    let whole = path_str(&fixture("real/postfix/maillog-rfc3339"));
    assert_eq!(got, totals_of(&[&args[..], &[&whole]].concat(), None));
    let o = run(&["report", "--year", "2026", &d]);
    let named = format!(
        "{d}: reading {}, {}",
        path_str(&dir.path().join("mail.log.1")),
        path_str(&dir.path().join("mail.log"))
    );
    assert!(o.stderr.contains(&named), "{}", o.stderr);

    let empty = tempfile::tempdir().unwrap();
    let o = run(&["report", &path_str(empty.path())]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains(&format!(
            "{}: is a directory with no mail log in it (looked for mainlog, exim_mainlog, maillog, mail.log",
            path_str(empty.path())
        )),
        "{}",
        o.stderr
    );
}

/// The lines of a child's stdout, as they come.
fn lines_of(r: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for l in BufReader::new(r).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    rx
}

/// The real journalctl lines up to and including the first 421 deferral.
fn up_to_first_421(fmt: &str) -> (Vec<u8>, Vec<u8>) {
    let text = std::fs::read_to_string(fixture(&format!("journalctl/{fmt}.txt"))).unwrap();
    let at = text
        .lines()
        .position(|l| l.contains("status=deferred") && l.contains(" 421 "))
        .unwrap();
    let lines: Vec<&str> = text.lines().collect();
    (
        (lines[..=at].join("\n") + "\n").into_bytes(),
        (lines[at + 1..].join("\n") + "\n").into_bytes(),
    )
}

fn spawn(args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_maillog421"))
        .args(args)
        .env("TZ", "UTC")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn issue_17_events_stdin_writes_each_event_while_the_pipe_is_open() {
    let (head, tail) = up_to_first_421("short-iso");
    let mut child = spawn(&["events", "--year", "2026", "-"]);
    let mut stdin = child.stdin.take().unwrap();
    let rx = lines_of(child.stdout.take().unwrap());
    stdin.write_all(&head).unwrap();
    stdin.flush().unwrap();
    // The pipe stays open: the event must come out now, not at its end.
    let first = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the event is written while stdin is still open");
    let v: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(
        (v["code"].as_u64(), v["kind"].as_str()),
        (Some(421), Some("deferred"))
    );
    stdin.write_all(&tail).unwrap();
    drop(stdin);
    assert!(child.wait().unwrap().success());
    let rest: Vec<String> = rx.iter().collect();
    let all = events_of(
        &[
            "events",
            "--year",
            "2026",
            &path_str(&fixture("journalctl/plain.log")),
        ],
        None,
    );
    assert_eq!(rest.len() + 1, all.len());
}

#[test]
fn issue_17_follow_stdin_is_live_and_ends_with_its_summary() {
    let (head, tail) = up_to_first_421("json");
    let mut child = spawn(&["follow", "--format", "json", "--year", "2026", "-"]);
    let mut stdin = child.stdin.take().unwrap();
    let rx = lines_of(child.stdout.take().unwrap());
    stdin.write_all(&head).unwrap();
    stdin.flush().unwrap();
    let first = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("follow - prints the event while stdin is open");
    let v: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(v["code"].as_u64(), Some(421));
    stdin.write_all(&tail).unwrap();
    drop(stdin);
    let status = child.wait().unwrap();
    assert!(status.success());
    let rest: Vec<Value> = rx
        .iter()
        .map(|l| serde_json::from_str(&l).unwrap())
        .collect();
    let summary = rest.last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["span"], "session");
    let plain = totals_of(
        &[
            "report",
            "--format",
            "json",
            "--year",
            "2026",
            &path_str(&fixture("journalctl/plain.log")),
        ],
        None,
    );
    assert_eq!(summary["lines"], plain["lines"]);
    assert_eq!(summary["deferrals_421"], plain["deferrals_421"]);
    assert_eq!(summary["delivery_attempts"], plain["delivery_attempts"]);
    assert_eq!(
        rest.len(),
        plain["deferrals_421"].as_u64().unwrap() as usize
    );
}

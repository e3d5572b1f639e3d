//! Bad input never panics and never disappears: each broken input gets a
//! message naming it (and the line or offset where that helps), everything
//! readable before and after is still counted, exit 2 where input was lost,
//! 0 where it was only odd. Every case runs the built binary on real-format
//! lines from the fixtures.

mod common;

use common::{fixture, is_root, open_tempdir, path_str, root, run};
use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::Value;
use std::io::Write;
use std::path::Path;

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn report_json(paths: &[&str]) -> (i32, Value, String) {
    let mut args = vec![
        "report", "--format", "json", "--tz", "utc", "--year", "2026",
    ];
    args.extend_from_slice(paths);
    let o = run(&args);
    let r = serde_json::from_str(&o.stdout)
        .unwrap_or_else(|e| panic!("no JSON report ({e}); stderr: {}", o.stderr));
    (o.code, r, o.stderr)
}

fn exim() -> Vec<u8> {
    std::fs::read(fixture("exim/mainlog")).unwrap()
}

fn postfix() -> Vec<u8> {
    std::fs::read(fixture("postfix/maillog")).unwrap()
}

/// The text split after line `n`.
fn split_at_line(text: &[u8], n: usize) -> (&[u8], &[u8]) {
    let cut = text
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(n - 1)
        .map(|(i, _)| i + 1)
        .unwrap();
    text.split_at(cut)
}

fn lines_of(text: &[u8]) -> u64 {
    text.iter().filter(|b| **b == b'\n').count() as u64
}

fn write(dir: &Path, name: &str, data: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    path_str(&p)
}

/// Events of a report run, as (time, recipient, text) triples.
fn event_keys(path: &str) -> Vec<(String, String, String)> {
    let o = run(&["events", "--tz", "utc", "--year", "2026", path]);
    o.stdout
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("valid JSON line");
            let s = |k: &str| v[k].as_str().unwrap().to_string();
            (s("time"), s("recipient"), s("text"))
        })
        .collect()
}

#[test]
fn truncated_gzip_keeps_what_was_read_and_the_other_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let whole = gz(&exim());
    let cut = write(dir.path(), "mainlog.1.gz", &whole[..whole.len() * 2 / 3]);
    let good = path_str(&fixture("postfix/maillog"));
    let (code, r, stderr) = report_json(&[&cut, &good]);
    assert_eq!(code, 2, "input was lost");
    let msg = stderr.lines().find(|l| l.contains(&cut)).expect(&stderr);
    assert!(
        msg.contains("truncated: compressed data ends early at compressed byte")
            && msg.contains("nothing readable after it"),
        "{msg}"
    );
    let read = r["inputs"][0]["lines"].as_u64().unwrap();
    assert!(read > 100, "the lines before the cut count: {read}");
    // The line cut in two by the truncation is read (and counted) too.
    assert!(msg.contains(&format!("(after line {})", read - 1)), "{msg}");
    assert_eq!(r["inputs"][1]["lines"].as_u64(), Some(lines_of(&postfix())));
    assert!(
        r["inputs"][0]["error"]
            .as_str()
            .unwrap()
            .contains("truncated")
    );
}

#[test]
fn corrupt_gzip_member_is_skipped_and_the_next_member_read() {
    let dir = tempfile::tempdir().unwrap();
    let text = exim();
    let (head, second) = split_at_line(&text, 120);
    // A first member of ~250 KiB of log, damaged in its middle: the text
    // before the damage is read but for at most one inflate step (64 KiB).
    let first = head.repeat(10);
    let mut first_gz = gz(&first);
    let mid = first_gz.len() / 2;
    for b in &mut first_gz[mid..mid + 40] {
        *b ^= 0xa5;
    }
    let mut data = first_gz.clone();
    data.extend(gz(second));
    let bad = write(dir.path(), "mainlog.2.gz", &data);
    let rest = write(dir.path(), "second-half", second);
    let (code, r, stderr) = report_json(&[&bad]);
    assert_eq!(code, 2, "input was lost");
    assert!(
        stderr.contains(&format!("{bad}: corrupt compressed data"))
            && stderr.contains(&format!(
                "read on from the gzip member at byte {}",
                first_gz.len()
            )),
        "{stderr}"
    );
    let lines = r["inputs"][0]["lines"].as_u64().unwrap();
    let before = lines_of(&first) / 2;
    assert!(
        lines > lines_of(second) + before - 64 * 1024 / 150,
        "text before the damage and the whole next member count: {lines}"
    );
    // Every 421 of the member after the damage is found.
    let after = event_keys(&rest);
    let found = event_keys(&bad);
    assert!(!after.is_empty());
    for e in &after {
        assert!(found.contains(e), "lost {e:?}");
    }
}

#[test]
fn gz_name_on_plain_text_is_read_as_text_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "maillog-20261122.gz", &postfix());
    let (code, r, stderr) = report_json(&[&p]);
    assert_eq!(code, 0, "nothing was lost: {stderr}");
    assert!(
        stderr.contains(&format!(
            "warning: {p}: named .gz but not gzip data; read as plain text"
        )),
        "{stderr}"
    );
    let (_, plain, _) = report_json(&[&path_str(&fixture("postfix/maillog"))]);
    assert_eq!(r["totals"], plain["totals"]);
    assert_eq!(r["inputs"][0]["compressed"], false);
}

#[test]
fn xz_rotation_is_named_not_read_as_garbage() {
    // logrotate with `compresscmd /usr/bin/xz` writes maillog-20261122.xz;
    // the xz stream header is what the reader sees first.
    let dir = tempfile::tempdir().unwrap();
    let mut data = b"\xfd7zXZ\x00\x00\x04\xe6\xd6\xb4\x46".to_vec();
    data.extend(noise(4096, 7));
    let xz = write(dir.path(), "maillog-20261122.xz", &data);
    let good = path_str(&fixture("postfix/maillog"));
    let (code, r, stderr) = report_json(&[&xz, &good]);
    assert_eq!(code, 2, "the xz file was not read");
    assert!(
        stderr.contains(&format!(
            "maillog421: {xz}: xz compressed; maillog421 reads gzip and plain text only: \
             decompress it first (xz -dc FILE | maillog421 report -)"
        )),
        "{stderr}"
    );
    assert_eq!(r["inputs"][0]["lines"], 0);
    assert_eq!(r["inputs"][1]["lines"].as_u64(), Some(lines_of(&postfix())));
}

#[test]
fn empty_file_and_dev_null_are_noted_and_the_rest_counts() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "mainlog.1", b"");
    let good = path_str(&fixture("exim/mainlog"));
    let (code, r, stderr) = report_json(&[&empty, "/dev/null", &good]);
    assert_eq!(code, 0, "{stderr}");
    for p in [empty.as_str(), "/dev/null"] {
        assert!(
            stderr.contains(&format!("warning: {p}: empty: no lines to read")),
            "{stderr}"
        );
    }
    assert_eq!(r["inputs"][0]["lines"], 0);
    assert_eq!(r["inputs"][1]["lines"], 0);
    assert_eq!(r["totals"]["lines"].as_u64(), Some(lines_of(&exim())));
}

#[test]
fn missing_file_and_directory_are_reported_and_the_rest_still_counts() {
    let o = run(&[
        "report",
        "--format",
        "json",
        "/nonexistent/maillog",
        "fixtures",
        "fixtures/exim/mainlog",
    ]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr
            .contains("maillog421: /nonexistent/maillog: cannot open: No such file or directory"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr.contains("maillog421: fixtures: is a directory"),
        "{}",
        o.stderr
    );
    let r: Value = serde_json::from_str(&o.stdout).unwrap();
    assert!(r["totals"]["deferrals_421"].as_u64().unwrap() > 0);
    assert!(
        r["inputs"][0]["error"]
            .as_str()
            .unwrap()
            .contains("cannot open")
    );
}

#[test]
fn unreadable_file_is_reported_and_the_rest_still_counts() {
    use std::os::unix::fs::PermissionsExt;
    // Root reads any file, so as root the binary runs as nobody to make the
    // permission real. nobody may not enter the clone (root's home, a
    // `mktemp -d` folder): the binary and the good log are copied into a
    // folder everyone can enter, so the test does not depend on where the
    // project lives (issue 14).
    let dir = open_tempdir();
    let mode = |p: &Path, m| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m));
    mode(dir.path(), 0o755).unwrap();
    let locked = write(dir.path(), "maillog", &postfix());
    mode(Path::new(&locked), 0o000).unwrap();
    let good = dir.path().join("mainlog");
    std::fs::copy(fixture("exim/mainlog"), &good).unwrap();
    mode(&good, 0o644).unwrap();
    let bin = dir.path().join("maillog421");
    std::fs::copy(env!("CARGO_BIN_EXE_maillog421"), &bin).unwrap();
    mode(&bin, 0o755).unwrap();
    let good = path_str(&good);
    let args = ["report", "--format", "json", &locked, &good];
    let mut c = if is_root() {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
        c.arg(&bin);
        c
    } else {
        std::process::Command::new(&bin)
    };
    let o = c.args(args).current_dir(dir.path()).output().expect("runs");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("{locked}: cannot open: Permission denied")),
        "{stderr}"
    );
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["inputs"][1]["lines"].as_u64(), Some(lines_of(&exim())));
    assert!(r["totals"]["deferrals_421"].as_u64().unwrap() > 0);
}

#[test]
fn file_deleted_while_being_read_is_read_whole() {
    // Bigger than the parallel-chunk threshold (32 MiB), so the chunked
    // path is the one that must not open the path again.
    let dir = tempfile::tempdir().unwrap();
    let base = postfix();
    let copies = (40 << 20) / base.len() + 1;
    let big = base.repeat(copies);
    let path = dir.path().join("maillog.1");
    std::fs::write(&path, &big).unwrap();
    let p = path_str(&path);
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_maillog421"))
        .args(["report", "--format", "json", "--year", "2026", &p])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Delete it as soon as the reader has it open.
    let fds = format!("/proc/{}/fd", child.id());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let opened = loop {
        let open = std::fs::read_dir(&fds).map(|d| {
            d.flatten()
                .any(|e| std::fs::read_link(e.path()).is_ok_and(|l| l == path))
        });
        match open {
            Ok(true) => break true,
            Err(_) => break false, // the child has exited already
            Ok(false) if std::time::Instant::now() > deadline => break false,
            Ok(false) => std::thread::sleep(std::time::Duration::from_millis(1)),
        }
    };
    assert!(opened, "the reader never opened {p}");
    std::fs::remove_file(&path).unwrap();
    let o = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        r["inputs"][0]["lines"].as_u64(),
        Some(lines_of(&base) * copies as u64)
    );
    let (_, one, _) = report_json(&[&path_str(&fixture("postfix/maillog"))]);
    assert_eq!(
        r["totals"]["deferrals_421"].as_u64(),
        one["totals"]["deferrals_421"]
            .as_u64()
            .map(|n| n * copies as u64)
    );
}

/// Deterministic noise (xorshift), all byte values.
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect()
}

#[test]
fn binary_garbage_is_counted_and_named_and_the_log_around_it_read() {
    let dir = tempfile::tempdir().unwrap();
    let text = postfix();
    let (head, tail) = split_at_line(&text, 40);
    let mut data = head.to_vec();
    let mut junk = noise(64 * 1024, 0x9e37_79b9_7f4a_7c15);
    junk.push(b'\n');
    data.extend_from_slice(&junk);
    data.extend_from_slice(tail);
    let p = write(dir.path(), "maillog", &data);
    let (code, r, stderr) = report_json(&[&p]);
    assert_eq!(code, 0, "nothing was lost: {stderr}");
    assert!(
        stderr.contains(&format!("warning: {p}: binary data at line 41;")),
        "{stderr}"
    );
    let (_, clean, _) = report_json(&[&path_str(&fixture("postfix/maillog"))]);
    let junk_lines = lines_of(&junk);
    assert_eq!(
        r["totals"]["lines"].as_u64(),
        Some(clean["totals"]["lines"].as_u64().unwrap() + junk_lines)
    );
    assert_eq!(
        r["totals"]["unparsed_lines"].as_u64(),
        Some(clean["totals"]["unparsed_lines"].as_u64().unwrap() + junk_lines),
        "every garbage line is counted as not understood"
    );
    assert_eq!(
        r["totals"]["deferrals_421"],
        clean["totals"]["deferrals_421"]
    );
    assert_eq!(r["by_domain"], clean["by_domain"]);
}

#[test]
fn unknown_format_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let text: String = (0..50)
        .map(|i| format!("{i} GET /index.html HTTP/1.1 200\n"))
        .collect();
    let p = write(dir.path(), "access.log", text.as_bytes());
    let o = run(&["report", &p]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stderr
            .contains(&format!("warning: {p}: 50 of 50 lines not understood as")),
        "{}",
        o.stderr
    );
    assert!(o.stdout.contains("lines not understood"), "{}", o.stdout);
}

#[test]
fn invalid_utf8_in_a_reply_becomes_u_fffd_in_valid_json() {
    let dir = tempfile::tempdir().unwrap();
    let line = b"Nov 22 10:00:01 mx1 postfix/smtp[1]: 4217E3011B47: to=<a@example.net>, relay=mx.example.net[192.0.2.1]:25, delay=1, delays=1/0/0/0, dsn=4.7.0, status=deferred (host mx.example.net[192.0.2.1] said: 421 4.7.0 Too many connections \xe9\xe9 \xff\xfe try later (in reply to MAIL FROM command))\n";
    let p = write(dir.path(), "maillog", line);
    let (code, r, stderr) = report_json(&[&p]);
    assert_eq!(code, 0, "{stderr}");
    let text = r["top_replies"][0]["text"].as_str().unwrap();
    assert!(
        text.contains("connections \u{fffd}\u{fffd} \u{fffd}\u{fffd} try"),
        "{text}"
    );
    let o = run(&["events", "--year", "2026", &p]);
    let ev: Value = serde_json::from_str(o.stdout.trim()).expect("valid JSON");
    assert_eq!(ev["category"], "connection-limit");
    assert!(ev["text"].as_str().unwrap().contains('\u{fffd}'));
    let table = run(&["report", "--year", "2026", &p]);
    assert!(
        table.stdout.contains("connections \u{fffd}\u{fffd}"),
        "{}",
        table.stdout
    );
}

#[test]
fn ten_mib_line_is_cut_named_and_the_next_lines_read() {
    let dir = tempfile::tempdir().unwrap();
    let text = exim();
    let (head, tail) = split_at_line(&text, 2);
    let mut data = head.to_vec();
    data.extend(std::iter::repeat_n(b'x', 10 << 20));
    data.push(b'\n');
    data.extend_from_slice(tail);
    let p = write(dir.path(), "mainlog", &data);
    let (code, r, stderr) = report_json(&[&p]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "warning: {p}: line 3 is longer than 1 MiB; its first MiB was read, the rest skipped"
        )),
        "{stderr}"
    );
    let (_, clean, _) = report_json(&[&path_str(&fixture("exim/mainlog"))]);
    assert_eq!(
        r["totals"]["lines"].as_u64(),
        Some(clean["totals"]["lines"].as_u64().unwrap() + 1)
    );
    assert_eq!(r["by_domain"], clean["by_domain"]);
}

#[test]
fn nul_bytes_left_by_a_crash_do_not_hide_the_next_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = postfix();
    let (head, tail) = split_at_line(&text, 10);
    // A crash leaves the file's tail as NUL bytes without a newline; syslog
    // writes on after them.
    let mut data = head.to_vec();
    data.extend(std::iter::repeat_n(0u8, 4096));
    data.extend_from_slice(tail);
    let p = write(dir.path(), "maillog", &data);
    let (code, r, stderr) = report_json(&[&p]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!("warning: {p}: line 11 starts with NUL bytes")),
        "{stderr}"
    );
    let (_, clean, _) = report_json(&[&path_str(&fixture("postfix/maillog"))]);
    assert_eq!(r["totals"], clean["totals"]);
    assert_eq!(r["by_domain"], clean["by_domain"]);
}

#[test]
fn crlf_line_ends_give_the_same_report() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [("mainlog", exim()), ("maillog", postfix())] {
        let crlf: Vec<u8> = text
            .split_inclusive(|b| *b == b'\n')
            .flat_map(|l| {
                let body = l.strip_suffix(b"\n").unwrap_or(l);
                [body, b"\r\n"].concat()
            })
            .collect();
        let p = write(dir.path(), name, &crlf);
        let (code, r, stderr) = report_json(&[&p]);
        assert_eq!(code, 0, "{stderr}");
        let lf_path = write(dir.path(), &format!("{name}.lf"), &text);
        let (_, lf, _) = report_json(&[&lf_path]);
        assert_eq!(r["totals"], lf["totals"], "{name}");
        assert_eq!(r["by_domain"], lf["by_domain"], "{name}");
        assert_eq!(
            r["top_replies"], lf["top_replies"],
            "{name}: no \\r in replies"
        );
    }
}

#[test]
fn closed_pipe_ends_quietly_for_every_output() {
    use std::process::{Command, Stdio};
    let runs: [&[&str]; 6] = [
        &[
            "report",
            "--window",
            "1m",
            "fixtures/exim/mainlog",
            "fixtures/postfix/maillog",
        ],
        &[
            "report",
            "--format",
            "csv",
            "--by",
            "window",
            "--window",
            "1m",
            "fixtures/exim/mainlog",
        ],
        &[
            "events",
            "fixtures/exim/mainlog",
            "fixtures/postfix/maillog",
        ],
        &["report", "--format", "html", "fixtures/exim/mainlog"],
        &["summary", "--day", "2026-11-22", "fixtures/exim/mainlog"],
        // follow ends at its first write into the closed pipe.
        &["follow", "--from-start", "fixtures/exim/mainlog"],
    ];
    for args in runs {
        let mut child = Command::new(env!("CARGO_BIN_EXE_maillog421"))
            .args(args)
            .current_dir(root())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {stderr}");
        // follow notes the file it opened; nothing else is said.
        let said = stderr.replace("maillog421: fixtures/exim/mainlog: opened\n", "");
        assert_eq!(said, "", "{args:?}");
    }
}

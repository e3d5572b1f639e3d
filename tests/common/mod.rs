//! Runs the built binary from the crate root with a fixed zone.

#![allow(dead_code)]

use assert_cmd::Command;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(rel: &str) -> PathBuf {
    root().join("fixtures").join(rel)
}

/// `maillog421 ARGS` in the crate root, TZ=UTC, NO_COLOR set, COLUMNS
/// unset (so a pipe's tables are 100 columns wide).
pub fn cmd(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_maillog421"));
    c.current_dir(root())
        .env("TZ", "UTC")
        .env("NO_COLOR", "1")
        .env_remove("COLUMNS")
        .args(args);
    c
}

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(args: &[&str]) -> Output {
    let o = cmd(args).output().expect("binary runs");
    Output {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

pub fn json(args: &[&str]) -> serde_json::Value {
    let o = run(args);
    assert_eq!(o.code, 0, "stderr: {}", o.stderr);
    serde_json::from_str(&o.stdout).expect("valid JSON")
}

pub fn events(args: &[&str]) -> Vec<serde_json::Value> {
    let o = run(args);
    assert_eq!(o.code, 0, "stderr: {}", o.stderr);
    o.stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("valid JSON line"))
        .collect()
}

pub fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// A tab-separated fixture file (header row first) as one map per row.
pub fn tsv(name: &str) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(fixture(name)).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split('\t')
        .map(String::from)
        .collect();
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split('\t').map(String::from))
                .collect()
        })
        .collect()
}

/// A report's delivery totals equal a row of an `expected-totals.tsv`.
pub fn assert_totals(report: &serde_json::Value, truth: &BTreeMap<String, String>, file: &str) {
    for (ours, theirs) in [
        ("delivered", "delivered"),
        ("deferred", "deferred"),
        ("bounced", "bounced"),
        ("messages_received", "received"),
    ] {
        assert_eq!(
            report["totals"][ours].as_u64().unwrap().to_string(),
            truth[theirs],
            "{file}: {ours}"
        );
    }
    if let Some(skipped) = truth.get("retry_skipped") {
        assert_eq!(
            report["totals"]["retry_skipped"]
                .as_u64()
                .unwrap()
                .to_string(),
            *skipped,
            "{file}: retry_skipped"
        );
    }
}

/// A temporary folder whose every ancestor others may enter, for a binary
/// run as nobody: the system temporary folder when it is so (TMPDIR may
/// be private), else `/tmp`.
pub fn open_tempdir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let tmp = std::env::temp_dir();
    let open = tmp
        .ancestors()
        .all(|a| std::fs::metadata(a).is_ok_and(|m| m.permissions().mode() & 0o001 != 0));
    let base = if open { tmp } else { "/tmp".into() };
    tempfile::tempdir_in(base).unwrap()
}

/// Whether this process runs as root (`id -u` is 0).
pub fn is_root() -> bool {
    let o = std::process::Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&o.stdout).trim() == "0"
}

/// Runs `cmd` with `input` written to its stdin (from a thread, so a large
/// input cannot deadlock against its output); stdout and stderr captured.
pub fn with_stdin(cmd: &mut std::process::Command, input: &str) -> std::process::Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut stdin = child.stdin.take().unwrap();
    let text = input.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

/// Each line of a successful run's stdout, as JSON.
pub fn json_lines(out: &std::process::Output) -> Vec<serde_json::Value> {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The lines `r` gives, as they come, on a channel (a thread reads them).
pub fn line_channel(r: impl std::io::Read + Send + 'static) -> std::sync::mpsc::Receiver<String> {
    use std::io::BufRead;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for l in std::io::BufReader::new(r).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    rx
}

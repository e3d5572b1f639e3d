//! Issue 18: standard input is cut into blocks parsed on every core, and
//! the report is the one a file gives. The blocks are made small (the
//! undocumented `MAILLOG421_STREAM_BLOCK`) so a fixture-sized log spans
//! hundreds of them, and lines not understood sit in different blocks, so
//! their line numbers show that the blocks are laid over each other in
//! stream order.

mod common;

use common::{cmd, fixture, path_str};
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

const ARGS: [&str; 8] = [
    "report",
    "--format",
    "json",
    "--tz",
    "utc",
    "--year",
    "2026",
    "--verbose",
];

/// The Exim fixture three times, each copy followed by a line not
/// understood, and a last line without a newline.
fn log() -> Vec<u8> {
    let exim = std::fs::read(fixture("exim/mainlog")).unwrap();
    let mut out = Vec::new();
    for copy in 0..3 {
        out.extend_from_slice(&exim);
        out.extend_from_slice(format!("garbage line {copy} that no parser knows\n").as_bytes());
    }
    out.extend_from_slice(b"a last line without a newline");
    out
}

/// [`log`] written to a file in a fresh folder (kept while the first is
/// held), with its bytes.
fn log_file() -> (tempfile::TempDir, std::path::PathBuf, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mainlog");
    let data = log();
    std::fs::write(&file, &data).unwrap();
    (dir, file, data)
}

/// `maillog421 report ... --threads 2 -` as a plain command, for what
/// `cmd` cannot do: a stdin fed piece by piece, or a file handed over.
fn report_stdin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_maillog421"));
    c.args(ARGS).args(["--threads", "2", "-"]).env("TZ", "UTC");
    c
}

/// The JSON report without the input's name, and stderr with the name
/// replaced by `NAME`.
fn without_name(stdout: &[u8], stderr: &[u8], name: &str) -> (Value, String) {
    let mut v: Value = serde_json::from_slice(stdout).expect("a JSON report");
    for i in v["inputs"].as_array_mut().expect("inputs") {
        i.as_object_mut().unwrap().remove("path");
    }
    let stderr = String::from_utf8_lossy(stderr).replace(name, "NAME");
    (v, stderr)
}

fn from_file(path: &str, threads: &str) -> (Value, String) {
    let o = cmd(&ARGS)
        .args(["--threads", threads, path])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    without_name(&o.stdout, &o.stderr, path)
}

fn from_stdin(data: &[u8], threads: &str, block: &str) -> (Value, String) {
    let o = cmd(&ARGS)
        .args(["--threads", threads, "-"])
        .env("MAILLOG421_STREAM_BLOCK", block)
        .write_stdin(data.to_vec())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    without_name(&o.stdout, &o.stderr, "<stdin>")
}

#[test]
fn issue_18_stdin_in_many_blocks_reports_what_the_file_does() {
    let (_dir, file, data) = log_file();
    let (want, want_err) = from_file(&path_str(&file), "1");
    assert!(want["totals"]["deferrals_421"].as_u64().unwrap() > 0);
    assert!(
        want_err.contains("NAME:702: not understood: garbage line 2"),
        "{want_err}"
    );
    for (threads, block) in [("2", "4096"), ("2", "1"), ("2", "100000"), ("1", "4096")] {
        let (got, got_err) = from_stdin(&data, threads, block);
        assert_eq!(got, want, "--threads {threads}, {block}-byte blocks");
        assert_eq!(
            got_err, want_err,
            "--threads {threads}, {block}-byte blocks"
        );
    }
}

#[test]
fn issue_18_a_gzip_stream_in_many_blocks_reports_what_the_file_does() {
    let (_dir, file, data) = log_file();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&data).unwrap();
    let (want, want_err) = from_file(&path_str(&file), "1");
    let (mut got, got_err) = from_stdin(&gz.finish().unwrap(), "2", "4096");
    assert_eq!(got["inputs"][0]["compressed"], true);
    got["inputs"][0]["compressed"] = false.into();
    assert_eq!((got, got_err), (want, want_err));
}

#[test]
fn issue_18_a_pipe_that_trickles_is_reported_whole() {
    let (_dir, file, data) = log_file();
    let (want, want_err) = from_file(&path_str(&file), "1");

    let mut child = report_stdin()
        .env("MAILLOG421_STREAM_BLOCK", "65536")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // Pieces cut mid-line, with pauses between: what `tail -f` hands over.
    for piece in data.chunks(data.len() / 7 + 1) {
        stdin.write_all(piece).unwrap();
        stdin.flush().unwrap();
        std::thread::sleep(Duration::from_millis(150));
    }
    drop(stdin);
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let got = without_name(&o.stdout, &o.stderr, "<stdin>");
    assert_eq!(got, (want, want_err));
}

/// `report - < FILE` on a file redirected to stdin: read like the file, in
/// chunks when big (here from 1 KiB, the undocumented
/// `MAILLOG421_CHUNK_MIN`), so the same report.
fn from_redirected(file: std::fs::File) -> (Value, String) {
    let o = report_stdin()
        .env("MAILLOG421_CHUNK_MIN", "1024")
        .stdin(Stdio::from(file))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    without_name(&o.stdout, &o.stderr, "<stdin>")
}

#[test]
fn issue_18_a_file_redirected_to_stdin_reports_what_the_file_does() {
    let (_dir, file, _) = log_file();
    let want = from_file(&path_str(&file), "2");
    let got = from_redirected(std::fs::File::open(&file).unwrap());
    assert_eq!(got, want);
}

/// A redirected file already read into (`{ head -n 5 >/dev/null;
/// maillog421 report -; } < FILE`) is reported from where it stands, not
/// from its start.
#[test]
fn issue_18_a_redirected_file_is_read_from_its_current_offset() {
    use std::io::Read;
    let (_dir, file, data) = log_file();
    let (all, _) = from_file(&path_str(&file), "1");
    let skip: usize = data
        .split_inclusive(|b| *b == b'\n')
        .take(5)
        .map(<[u8]>::len)
        .sum();
    let mut f = std::fs::File::open(&file).unwrap();
    f.read_exact(&mut vec![0; skip]).unwrap();
    let (rest, _) = from_redirected(f);
    let lines = |v: &Value| v["totals"]["lines"].as_u64().expect("totals.lines");
    assert_eq!(lines(&rest), lines(&all) - 5);
}

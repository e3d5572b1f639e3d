//! Memory stays bounded on hostile input: a line of 48 MiB without a
//! newline, plain on stdin or as a gzip bomb, costs the reader no more than
//! its line cap (1 MiB) and its buffers. Peak memory is the child's own
//! maximum resident set, from `wait4`, compared with a run on the same log
//! without the huge line (a ratio to a baseline of the same run, not a
//! fixed figure).

mod common;

use common::{fixture, root};
use std::io::Write;
use std::process::{Command, Stdio};

/// Runs the binary with `stdin_data` on stdin; its exit code, stderr and
/// peak resident set in KiB.
#[expect(clippy::zombie_processes, reason = "the child is reaped by wait4")]
fn peak_kib(args: &[&str], stdin_data: impl FnOnce(&mut dyn Write)) -> (i32, String, i64) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_maillog421"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut s).unwrap();
        s
    });
    stdin_data(&mut stdin);
    drop(stdin);
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in, and
    // the pid is our own unreaped child (std's Child is not waited on).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(got, pid, "wait4 failed");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    (code, reader.join().unwrap(), usage.ru_maxrss)
}

const HUGE: usize = 48 << 20;

fn log() -> Vec<u8> {
    std::fs::read(fixture("postfix/maillog")).unwrap()
}

#[test]
fn a_48_mib_line_costs_no_more_than_its_cap() {
    let args = ["report", "--year", "2026", "-"];
    let (code, _, baseline) = peak_kib(&args, |w| w.write_all(&log()).unwrap());
    assert_eq!(code, 0);

    let (code, stderr, huge) = peak_kib(&args, |w| {
        let block = vec![b'x'; 1 << 20];
        for _ in 0..HUGE >> 20 {
            w.write_all(&block).unwrap();
        }
        w.write_all(b"\n").unwrap();
        w.write_all(&log()).unwrap();
    });
    assert_eq!(code, 0, "{stderr}");
    eprintln!("peak {huge} KiB with the line, {baseline} KiB without");
    assert!(
        stderr.contains("<stdin>: line 1 is longer than 1 MiB"),
        "{stderr}"
    );
    assert!(
        huge < baseline + 8 * 1024,
        "peak {huge} KiB with a 48 MiB line, {baseline} KiB without"
    );
}

#[test]
fn a_gzip_bomb_line_costs_no_more_than_its_cap() {
    let dir = tempfile::tempdir().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let block = vec![b'x'; 1 << 20];
    for _ in 0..HUGE >> 20 {
        gz.write_all(&block).unwrap();
    }
    gz.write_all(b"\n").unwrap();
    gz.write_all(&log()).unwrap();
    let bomb = dir.path().join("maillog.1.gz");
    std::fs::write(&bomb, gz.finish().unwrap()).unwrap();
    let plain = dir.path().join("maillog.2.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&log()).unwrap();
    std::fs::write(&plain, gz.finish().unwrap()).unwrap();

    let run = |p: &std::path::Path| {
        let p = p.to_string_lossy().into_owned();
        peak_kib(&["report", "--year", "2026", &p], |_| {})
    };
    let (code, _, baseline) = run(&plain);
    assert_eq!(code, 0);
    let (code, stderr, huge) = run(&bomb);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("line 1 is longer than 1 MiB"), "{stderr}");
    eprintln!("peak {huge} KiB with the bomb, {baseline} KiB without");
    assert!(
        huge < baseline + 16 * 1024,
        "peak {huge} KiB on a gzip bomb line, {baseline} KiB without"
    );
}

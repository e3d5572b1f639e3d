//! `follow` against logrotate's real order (issue 16 §1), in the style of
//! tests/follow.rs: a writer appends Exim lines at a bounded rate while the
//! log is rotated the ways logrotate does it, and every 421 event must come
//! out exactly once, with the final summary counting every line once.
//!
//! - rename + create, then the daemon's late writes to the renamed file
//!   before it reopens (logrotate signals the daemon only after `create`);
//! - copytruncate + compress (no delaycompress): the copy is gzipped and
//!   removed before `follow` looks;
//! - copytruncate twice before `follow` looks, with delaycompress;
//! - an unreadable file, with stderr written into the watched folder;
//! - `million_lines_twenty_rotations_mixed` (ignored: run by
//!   benches/rotation_torture.sh): 1,000,000 lines, 20 rotations of all kinds.

mod common;

use common::{is_root, open_tempdir};
use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn spawn_follow(
    bin: &Path,
    args: &[&str],
    stderr: Option<File>,
    as_nobody: bool,
) -> (
    Child,
    mpsc::Receiver<String>,
    Option<mpsc::Receiver<String>>,
) {
    let mut c = if as_nobody {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
        c.arg(bin);
        c
    } else {
        Command::new(bin)
    };
    c.arg("follow")
        .args(args)
        .env("TZ", "UTC")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped());
    match stderr {
        Some(f) => c.stderr(f),
        None => c.stderr(Stdio::piped()),
    };
    let mut child = c.spawn().expect("follow starts");
    let out = common::line_channel(child.stdout.take().unwrap());
    let err = child.stderr.take().map(common::line_channel);
    (child, out, err)
}

fn wait_for(rx: &mpsc::Receiver<String>, what: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(100)) {
            let hit = l.contains(what);
            seen.push(l);
            if hit {
                return seen;
            }
        }
    }
    panic!("no `{what}` within 30 s; saw {seen:?}");
}

fn signal(pid: u32, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

fn terminate(child: &mut Child) -> i32 {
    signal(child.id(), "-TERM");
    child.wait().unwrap().code().unwrap_or(-1)
}

fn stamp(i: usize) -> String {
    let t = 1_795_400_000 + (i / 10) as i64; // 2026-11-23, ten lines a second
    chrono::DateTime::from_timestamp(t, 0)
        .unwrap()
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// Line `i` of the test log, as Exim 4.96 writes it; every 50th is a 421
/// deferral of a unique recipient.
fn line(i: usize) -> String {
    let id = format!("1vT{:03}-{:06}-AB", i % 1000, i % 1_000_000);
    match i % 50 {
        0 => format!(
            "{} {id} == u{i}@gmail.com R=dnslookup T=remote_smtp defer (-44) H=gmail-smtp-in.l.google.com [192.0.2.27]: SMTP error from remote mail server after RCPT TO:<u{i}@gmail.com>: 421-4.7.28 Gmail has detected an unusual rate of unsolicited mail originating from your IP address. - gsmtp\n",
            stamp(i)
        ),
        1 | 11 | 21 | 31 | 41 => format!(
            "{} {id} <= sender@example.org H=mail.example.org [192.0.2.1]:41421 P=esmtp S=4210\n",
            stamp(i)
        ),
        _ => format!(
            "{} {id} => r{i}@example.net R=dnslookup T=remote_smtp H=mx.example.net [198.51.100.4] C=\"250 OK id=421\"\n",
            stamp(i)
        ),
    }
}

fn append(path: &Path) -> File {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap()
}

fn gzip(from: &Path, to: &Path) {
    let data = std::fs::read(from).unwrap();
    let mut gz =
        flate2::write::GzEncoder::new(File::create(to).unwrap(), flate2::Compression::fast());
    gz.write_all(&data).unwrap();
    gz.finish().unwrap();
}

/// The ways logrotate rotates, each in its real order.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Rotation {
    /// rename, create, then the daemon writes late lines to the renamed
    /// file until it is signalled and reopens.
    RenameLate,
    /// copytruncate + compress: the copy is gzipped and removed at once.
    CopyCompress,
    /// copytruncate + delaycompress: the previous copy is gzipped now.
    CopyDelay,
    /// Two copytruncates (delaycompress) while `follow` is stopped.
    CopyTwice,
}

/// The daemon's side: one writer, rotated by "logrotate" at set lines.
struct Writer {
    dir: PathBuf,
    path: PathBuf,
    f: File,
    /// Lines still to be written to the renamed file before reopening.
    late: Option<(File, usize)>,
    n: usize,
    /// The last copy, for delaycompress.
    last_copy: Option<PathBuf>,
    want: BTreeSet<String>,
    next: usize,
}

impl Writer {
    fn new(dir: &Path) -> Writer {
        let path = dir.join("mainlog");
        Writer {
            dir: dir.to_path_buf(),
            f: append(&path),
            path,
            late: None,
            n: 0,
            last_copy: None,
            want: BTreeSet::new(),
            next: 0,
        }
    }

    fn write(&mut self, count: usize) {
        for _ in 0..count {
            let i = self.next;
            self.next += 1;
            if i.is_multiple_of(50) {
                self.want.insert(format!("u{i}@gmail.com"));
            }
            let l = line(i);
            let f = match &mut self.late {
                Some((old, left)) if *left > 0 => {
                    *left -= 1;
                    old
                }
                _ => &mut self.f,
            };
            if i.is_multiple_of(997) {
                // A line split across two writes.
                let (a, b) = l.split_at(l.len() / 2);
                f.write_all(a.as_bytes()).unwrap();
                f.write_all(b.as_bytes()).unwrap();
            } else {
                f.write_all(l.as_bytes()).unwrap();
            }
            if matches!(&self.late, Some((_, 0))) {
                // Signalled: the daemon reopens its log.
                self.late = None;
            }
            if i % 500 == 499 {
                std::thread::sleep(Duration::from_millis(2));
            }
        }
    }

    fn copy(&mut self) -> PathBuf {
        self.n += 1;
        let copy = self.dir.join(format!("mainlog-{:03}", self.n));
        std::fs::copy(&self.path, &copy).unwrap();
        self.f.set_len(0).unwrap();
        copy
    }

    fn delaycompress(&mut self, copy: PathBuf) {
        if let Some(prev) = self.last_copy.replace(copy)
            && prev.exists()
        {
            gzip(&prev, &PathBuf::from(format!("{}.gz", prev.display())));
            std::fs::remove_file(&prev).unwrap();
        }
    }

    /// One rotation; `follower` is stopped around copytruncates so the
    /// lines before them exist only in the copy.
    fn rotate(&mut self, how: Rotation, follower: u32) {
        match how {
            Rotation::RenameLate => {
                self.n += 1;
                let old = self.dir.join(format!("mainlog.{}", self.n));
                std::fs::rename(&self.path, &old).unwrap();
                let new = append(&self.path); // logrotate's `create`
                let daemon = std::mem::replace(&mut self.f, new);
                self.late = Some((daemon, 400));
            }
            Rotation::CopyCompress | Rotation::CopyDelay | Rotation::CopyTwice => {
                signal(follower, "-STOP");
                self.write(200);
                let copy = self.copy();
                if how == Rotation::CopyCompress {
                    let gz = PathBuf::from(format!("{}.gz", copy.display()));
                    gzip(&copy, &gz);
                    std::fs::remove_file(&copy).unwrap();
                } else {
                    self.delaycompress(copy);
                }
                self.write(200);
                if how == Rotation::CopyTwice {
                    let copy = self.copy();
                    self.delaycompress(copy);
                    self.write(200);
                }
                signal(follower, "-CONT");
            }
        }
    }
}

struct Outcome {
    got: Vec<String>,
    summary: serde_json::Value,
    notes: Vec<String>,
}

/// Runs `follow` while `lines` are written with `rotations` rotations of
/// the kinds given (in turn); checks nothing lost, nothing twice.
fn run(lines: usize, rotations: usize, kinds: &[Rotation], extra: &[&str]) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("mainlog");
    std::fs::write(&log, "").unwrap();
    let mut args = vec![
        "--format",
        "json",
        "--every",
        "0",
        "--input-format",
        "exim",
        "--from-start",
        log.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_maillog421"));
    let (mut child, out, err) = spawn_follow(&bin, &args, None, false);
    let err = err.unwrap();
    wait_for(&err, "opened");
    let mut w = Writer::new(dir.path());
    let per = lines / (rotations + 1);
    let mut got: Vec<String> = Vec::new();
    // Waits (with a deadline) until follow has put out what was written:
    // each rotation then happens after follow has looked, as when it keeps
    // up; CopyTwice stops it on purpose so it looks only after two.
    let catch_up = |got: &mut Vec<String>, want: usize| {
        let deadline = Instant::now() + Duration::from_secs(60);
        while got.len() < want && Instant::now() < deadline {
            if let Ok(l) = out.recv_timeout(Duration::from_millis(200)) {
                let v: serde_json::Value = serde_json::from_str(&l).expect("JSON line");
                got.push(v["recipient"].as_str().unwrap_or("").to_string());
            }
        }
    };
    for r in 0..rotations {
        w.write(per);
        catch_up(&mut got, w.want.len());
        w.rotate(kinds[r % kinds.len()], child.id());
    }
    w.write(lines - w.next);
    let want = w.want.clone();
    catch_up(&mut got, want.len());
    assert_eq!(terminate(&mut child), 0);
    let rest: Vec<serde_json::Value> = out
        .iter()
        .map(|l| serde_json::from_str(&l).expect("JSON line"))
        .collect();
    let summary = rest
        .iter()
        .find(|v| v["type"] == "summary")
        .expect("a final summary on SIGTERM")
        .clone();
    got.extend(
        rest.iter()
            .filter(|v| v["type"].is_null())
            .map(|v| v["recipient"].as_str().unwrap().to_string()),
    );
    let notes: Vec<String> = err.try_iter().collect();

    let unique: BTreeSet<String> = got.iter().cloned().collect();
    let lost = want.difference(&unique).count();
    let twice = got.len() - unique.len();
    let invented = unique.difference(&want).count();
    assert!(
        lost == 0 && twice == 0 && invented == 0,
        "{lost} lost (first: {:?}), {twice} twice, {invented} invented; notes: {notes:?}",
        want.difference(&unique).take(5).collect::<Vec<_>>()
    );
    assert_eq!(summary["lines"], lines as u64, "every line read once");
    assert_eq!(summary["deferrals_421"], want.len() as u64);
    assert_eq!(summary["unparsed_lines"], 0);
    assert!(
        !notes.iter().any(|n| n.contains("could not all be found")),
        "{notes:?}"
    );
    Outcome {
        got,
        summary,
        notes,
    }
}

/// The recipients' line numbers in the order they came out.
fn order(got: &[String]) -> Vec<usize> {
    got.iter()
        .map(|r| r[1..r.find('@').unwrap()].parse().unwrap())
        .collect()
}

#[test]
fn issue_16_rename_create_then_late_writes_lose_nothing_and_keep_order() {
    for extra in [&[][..], &["--poll", "--poll-interval", "0.05"][..]] {
        let o = run(60_000, 5, &[Rotation::RenameLate], extra);
        let seen = order(&o.got);
        assert!(seen.is_sorted(), "events out of file order ({extra:?})");
        let rotated = o.notes.iter().filter(|n| n.contains("was rotated")).count();
        assert_eq!(rotated, 5, "{:?}", o.notes);
    }
}

#[test]
fn issue_16_copytruncate_then_compress_reads_the_gzip_copy() {
    let o = run(30_000, 4, &[Rotation::CopyCompress], &[]);
    let from_gz = o
        .notes
        .iter()
        .filter(|n| n.contains("was truncated") && n.contains(".gz"))
        .count();
    assert_eq!(from_gz, 4, "{:?}", o.notes);
    assert!(order(&o.got).is_sorted());
}

#[test]
fn issue_16_copytruncate_twice_before_follow_looks() {
    let o = run(30_000, 4, &[Rotation::CopyTwice], &["--poll"]);
    // Each double rotation is read from two copies, oldest first.
    let both = o
        .notes
        .iter()
        .filter(|n| n.contains("was truncated") && n.contains(", then "))
        .count();
    assert_eq!(both, 4, "{:?}", o.notes);
    assert!(order(&o.got).is_sorted());
    assert_eq!(o.summary["span"], "session");
}

#[test]
fn issue_16_truncation_with_no_copy_is_warned_with_a_count() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("mainlog");
    std::fs::write(&log, "").unwrap();
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_maillog421"));
    let args = [
        "--format",
        "json",
        "--every",
        "0",
        "--poll",
        log.to_str().unwrap(),
    ];
    let (mut child, out, err) = spawn_follow(&bin, &args, None, false);
    let err = err.unwrap();
    wait_for(&err, "opened");
    let mut f = append(&log);
    f.write_all(line(0).as_bytes()).unwrap();
    wait_for(&out, "u0@gmail.com");
    for round in 1..=2 {
        // Truncated with no copy kept (logrotate's `rotate 0`), while
        // follow is stopped: the lines in between are gone.
        signal(child.id(), "-STOP");
        f.write_all(line(50 * round).as_bytes()).unwrap();
        f.set_len(0).unwrap();
        f.write_all(line(50 * round + 1).as_bytes()).unwrap();
        signal(child.id(), "-CONT");
        let seen = wait_for(&err, "was truncated");
        assert!(
            seen.last().unwrap().contains(&format!(
                "could not all be found (no copy fits, or it was rotated again before it could be read): {round} truncation(s)"
            )),
            "{seen:?}"
        );
    }
    assert_eq!(terminate(&mut child), 0);
}

/// CPU time (user + system) of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = after.split(' ').collect();
    f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()
}

#[test]
fn issue_16_unreadable_file_is_said_once_without_spinning() {
    use std::os::unix::fs::PermissionsExt;
    let dir = open_tempdir();
    let mode = |p: &Path, m| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m));
    mode(dir.path(), 0o777).unwrap();
    let log = dir.path().join("mainlog");
    std::fs::write(&log, line(0)).unwrap();
    mode(&log, 0o000).unwrap();
    let bin = dir.path().join("maillog421");
    std::fs::copy(env!("CARGO_BIN_EXE_maillog421"), &bin).unwrap();
    mode(&bin, 0o755).unwrap();
    // stderr goes into the watched folder: each message wakes follow up.
    let errs = dir.path().join("follow.err");
    let args = [
        "--format",
        "json",
        "--every",
        "0",
        "--from-start",
        log.to_str().unwrap(),
    ];
    let (mut child, out, _) =
        spawn_follow(&bin, &args, Some(File::create(&errs).unwrap()), is_root());
    let pid = child.id();
    let said = |what: &str| {
        std::fs::read_to_string(&errs)
            .unwrap()
            .lines()
            .filter(|l| l.contains(what))
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while said("Permission denied") == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    // Writes elsewhere in the folder wake follow up, again and again.
    let other = dir.path().join("other.log");
    let before = cpu_ticks(pid);
    let started = Instant::now();
    for i in 0..300 {
        append(&other).write_all(line(i).as_bytes()).unwrap();
        std::thread::sleep(Duration::from_millis(3));
    }
    std::thread::sleep(Duration::from_millis(500));
    let ticks = cpu_ticks(pid) - before;
    let wall = started.elapsed().as_secs_f64() * 100.0; // ticks at 100 Hz
    let text = std::fs::read_to_string(&errs).unwrap();
    assert_eq!(said("Permission denied"), 1, "{text}");
    assert!(
        !text.contains("does not exist"),
        "an unreadable file is not a missing one: {text}"
    );
    assert!(
        (ticks as f64) < wall * 0.5,
        "follow used {ticks} ticks of CPU in {wall:.0}: {text}"
    );
    // Readable again: read, and said once.
    mode(&log, 0o644).unwrap();
    let got = wait_for(&out, "u0@gmail.com");
    assert!(got.last().unwrap().contains("u0@gmail.com"));
    assert_eq!(terminate(&mut child), 0);
    let text = std::fs::read_to_string(&errs).unwrap();
    assert_eq!(said("Permission denied"), 1, "{text}");
    assert_eq!(said("opened"), 1, "{text}");
}

/// The torture run of issue 16: 1,000,000 lines, 20 rotations mixing
/// rename + create with late writes, copytruncate and compress,
/// copytruncate and delaycompress, and two copytruncates before follow
/// looks. Run by benches/rotation_torture.sh (release build).
#[test]
#[ignore]
fn million_lines_twenty_rotations_mixed() {
    let kinds = [
        Rotation::RenameLate,
        Rotation::CopyCompress,
        Rotation::RenameLate,
        Rotation::CopyDelay,
        Rotation::CopyTwice,
    ];
    let started = Instant::now();
    let o = run(1_000_000, 20, &kinds, &[]);
    println!(
        "1000000 lines, 20 rotations: {} events, 0 lost, 0 twice, summary lines {}, {:.1} s",
        o.got.len(),
        o.summary["lines"],
        started.elapsed().as_secs_f64()
    );
}

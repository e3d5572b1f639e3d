//! `follow` against a log that is written while it runs: 100,000 Exim lines,
//! 10 rotations (5 rename + create, 5 copytruncate), lines split across
//! writes, and a file that does not exist when `follow` starts. Every 421
//! event must come out exactly once, and the final summary must have seen
//! every line exactly once.

mod common;

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const LINES: usize = 100_000;
const ROTATIONS: usize = 10;

fn spawn_follow(args: &[&str]) -> (Child, mpsc::Receiver<String>, mpsc::Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_maillog421"))
        .arg("follow")
        .args(args)
        .env("TZ", "UTC")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("follow starts");
    let out = common::line_channel(child.stdout.take().unwrap());
    let err = common::line_channel(child.stderr.take().unwrap());
    (child, out, err)
}

/// A deadline for the follower to do something: generous, since a loaded
/// 2-core machine running the debug build is slow. Waits end as soon as
/// their condition holds.
const PATIENCE: Duration = Duration::from_secs(180);

fn wait_for(rx: &mpsc::Receiver<String>, what: &str) -> Vec<String> {
    let deadline = Instant::now() + PATIENCE;
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
    panic!("no `{what}` within {PATIENCE:?}; saw {seen:?}");
}

fn terminate(child: &mut Child) -> i32 {
    let ok = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    child.wait().unwrap().code().unwrap_or(-1)
}

fn stamp(i: usize) -> String {
    let t = 1_795_400_000 + (i / 10) as i64; // 2026-11-23, ten lines a second
    chrono::DateTime::from_timestamp(t, 0)
        .unwrap()
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// Line `i` of the test log; every 50th is a 421 deferral of a unique recipient.
fn line(i: usize) -> String {
    let id = format!("1vT{:03}-{:06}-AB", i % 1000, i);
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

fn signal(pid: u32, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

/// What the follower printed so far: the recipients of its events and its
/// stderr notes.
#[derive(Default)]
struct Seen {
    events: Vec<String>,
    notes: Vec<String>,
}

impl Seen {
    fn take(&mut self, out: &mpsc::Receiver<String>, err: &mpsc::Receiver<String>) {
        for l in out.try_iter() {
            let v: serde_json::Value = serde_json::from_str(&l).expect("JSON line");
            self.events
                .push(v["recipient"].as_str().unwrap_or("").to_string());
        }
        self.notes.extend(err.try_iter());
    }

    fn rotation_notes(&self) -> usize {
        self.notes
            .iter()
            .filter(|n| n.contains("was rotated") || n.contains("was truncated"))
            .count()
    }

    /// Collects until `done` holds; panics after [`PATIENCE`].
    fn until(
        &mut self,
        out: &mpsc::Receiver<String>,
        err: &mpsc::Receiver<String>,
        what: &str,
        done: impl Fn(&Seen) -> bool,
    ) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            self.take(out, err);
            if done(self) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{what}: not within {PATIENCE:?} ({} events, notes {:?})",
                self.events.len(),
                self.notes
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Writes the log with rotations; returns the recipients of the 421 lines.
/// Around each rotation the follower is stopped (SIGSTOP) while lines are
/// written before and after it, as when it is busy: the lines before a
/// rename must still be drained from the old file, and those before a
/// copytruncate exist only in the copy. Conditions, not sleeps, keep this
/// the same on a loaded machine: the follower has printed every event
/// written so far when it is stopped (so it is 300 lines behind at the
/// rotation, not a whole rotation), and once continued it has noticed the
/// rotation before more is written (a truncated file that grew back past
/// the follower's offset could not be told from one that only grew).
fn write_log(
    dir: &Path,
    follower: u32,
    out: &mpsc::Receiver<String>,
    err: &mpsc::Receiver<String>,
    seen: &mut Seen,
) -> BTreeSet<String> {
    let path = dir.join("mainlog");
    let mut f = append(&path);
    let mut want = BTreeSet::new();
    let per_rotation = LINES / (ROTATIONS + 1);
    let mut rotations = 0;
    let mut stopped = false;
    for i in 0..LINES {
        if i % per_rotation == per_rotation - 300 && rotations < ROTATIONS {
            f.flush().unwrap();
            let n = want.len();
            seen.until(out, err, "the events before the stop", |s| {
                s.events.len() >= n
            });
            signal(follower, "-STOP");
            stopped = true;
        }
        if i > 0 && i % per_rotation == 0 && rotations < ROTATIONS {
            rotations += 1;
            f.flush().unwrap();
            if rotations % 2 == 1 {
                // logrotate's default: rename, then the writer reopens.
                std::fs::rename(&path, dir.join(format!("mainlog.{rotations}"))).unwrap();
                f = append(&path);
            } else {
                // copytruncate, right after a burst the follower may not
                // have read yet: those lines are only in the copy.
                std::fs::copy(&path, dir.join(format!("mainlog-{rotations}"))).unwrap();
                f.set_len(0).unwrap();
            }
        }
        if stopped && i % per_rotation == 300 {
            f.flush().unwrap();
            signal(follower, "-CONT");
            stopped = false;
            seen.until(out, err, "the rotation noticed", |s| {
                s.rotation_notes() >= rotations
            });
        }
        let l = line(i);
        if i % 50 == 0 {
            want.insert(format!("u{i}@gmail.com"));
        }
        if i % 997 == 0 {
            // A line split across two writes.
            let (a, b) = l.split_at(l.len() / 2);
            f.write_all(a.as_bytes()).unwrap();
            f.flush().unwrap();
            std::thread::sleep(Duration::from_millis(5));
            f.write_all(b.as_bytes()).unwrap();
        } else {
            f.write_all(l.as_bytes()).unwrap();
        }
        if i % 500 == 499 {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    f.flush().unwrap();
    assert_eq!(rotations, ROTATIONS);
    want
}

#[test]
fn follow_survives_ten_rotations_without_losing_or_repeating_a_line() {
    rotations(&[]);
}

#[test]
fn follow_survives_ten_rotations_when_polling() {
    rotations(&["--poll", "--poll-interval", "0.05"]);
}

fn rotations(extra: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("mainlog");
    let mut args = vec![
        "--format",
        "json",
        "--every",
        "0",
        "--input-format",
        "exim",
        log.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let (mut child, out, err) = spawn_follow(&args);
    // The file does not exist yet: follow says it waits for it.
    wait_for(&err, "does not exist yet");
    let mut seen = Seen::default();
    let want = write_log(dir.path(), child.id(), &out, &err, &mut seen);
    // Every event (or, if some were lost, as many as there are): the
    // assertions below say which.
    let deadline = Instant::now() + PATIENCE;
    while seen.events.len() < want.len() && Instant::now() < deadline {
        seen.take(&out, &err);
        std::thread::sleep(Duration::from_millis(20));
    }
    let Seen {
        events: mut got,
        mut notes,
    } = seen;
    assert_eq!(terminate(&mut child), 0);
    let rest: Vec<serde_json::Value> = out
        .iter()
        .map(|l| serde_json::from_str(&l).expect("JSON line"))
        .collect();
    let summary = rest
        .iter()
        .find(|v| v["type"] == "summary")
        .expect("a final summary on SIGTERM");
    got.extend(
        rest.iter()
            .filter(|v| v["type"].is_null())
            .map(|v| v["recipient"].as_str().unwrap().to_string()),
    );

    let unique: BTreeSet<String> = got.iter().cloned().collect();
    assert_eq!(unique.len(), got.len(), "an event came out twice");
    let lost: Vec<&String> = want.difference(&unique).take(10).collect();
    let invented: Vec<&String> = unique.difference(&want).take(10).collect();
    assert!(
        lost.is_empty() && invented.is_empty(),
        "{} lost (first: {lost:?}), {} invented (first: {invented:?})",
        want.difference(&unique).count(),
        unique.difference(&want).count()
    );
    assert_eq!(summary["span"], "session");
    assert_eq!(
        summary["lines"], LINES as u64,
        "every line read exactly once"
    );
    assert_eq!(summary["deferrals_421"], want.len() as u64);
    assert_eq!(summary["unparsed_lines"], 0);
    notes.extend(err.try_iter());
    let rotated = notes.iter().filter(|n| n.contains("was rotated")).count();
    let truncated = notes.iter().filter(|n| n.contains("was truncated")).count();
    assert_eq!((rotated, truncated), (5, 5), "{notes:?}");
}

fn http_get(addr: &str, path: &str) -> String {
    use std::io::Read;
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut body = String::new();
    s.read_to_string(&mut body).unwrap();
    body
}

#[test]
fn from_start_with_alerts_and_metrics_matches_report() {
    let log = common::fixture("exim/mainlog");
    let (mut child, out, err) = spawn_follow(&[
        "--from-start",
        "--format",
        "json",
        "--tz",
        "utc",
        "--alert",
        "domain:3/1h",
        "--metrics",
        "127.0.0.1:0",
        log.to_str().unwrap(),
    ]);
    let notes = wait_for(&err, "metrics on http://");
    let url = notes.last().unwrap();
    let addr = url
        .split("http://")
        .nth(1)
        .unwrap()
        .trim_end_matches("/metrics")
        .to_string();
    // The fixture is read once it is opened; wait for its last 421 event.
    let report = common::json(&[
        "report",
        "--tz",
        "utc",
        "--format",
        "json",
        log.to_str().unwrap(),
    ]);
    let t = &report["totals"];
    let events = t["deferrals_421"].as_u64().unwrap()
        + t["suspended_421"].as_u64().unwrap()
        + t["replies_421"].as_u64().unwrap()
        + t["inbound_421"].as_u64().unwrap();
    let mut lines: Vec<serde_json::Value> = Vec::new();
    let deadline = Instant::now() + PATIENCE;
    while lines.iter().filter(|v| v["type"].is_null()).count() < events as usize
        && Instant::now() < deadline
    {
        if let Ok(l) = out.recv_timeout(Duration::from_millis(100)) {
            lines.push(serde_json::from_str(&l).unwrap());
        }
    }
    // The last event is not the last line: scrape until the whole file is
    // counted (a condition, not a sleep).
    let lines_series = |scrape: &str| -> Option<u64> {
        scrape.lines().find_map(|l| {
            l.strip_prefix("maillog421_lines_total ")?
                .trim()
                .parse()
                .ok()
        })
    };
    let deadline = Instant::now() + PATIENCE;
    let scrape = loop {
        let scrape = http_get(&addr, "/metrics");
        if lines_series(&scrape) == t["lines"].as_u64() || Instant::now() > deadline {
            break scrape;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    // Every line is read, so every alert and recovery has been written:
    // wait for the pipe to hand them over (alerts come in pairs here).
    let pairs = |lines: &[serde_json::Value]| {
        let n = |t: &str| lines.iter().filter(|v| v["type"] == t).count();
        n("alert") >= 2 && n("alert") == n("recovery")
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while !pairs(&lines) && Instant::now() < deadline {
        if let Ok(l) = out.recv_timeout(Duration::from_millis(100)) {
            lines.push(serde_json::from_str(&l).unwrap());
        }
    }
    lines.extend(out.try_iter().map(|l| serde_json::from_str(&l).unwrap()));

    assert!(
        scrape.starts_with("HTTP/1.1 200") || scrape.starts_with("HTTP/1.0 200"),
        "{scrape}"
    );
    let value = |series: &str| -> u64 {
        scrape
            .lines()
            .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {series} in {scrape}"))
    };
    assert_eq!(
        value("maillog421_lines_total "),
        t["lines"].as_u64().unwrap()
    );
    assert_eq!(
        value("maillog421_delivery_attempts_total{outcome=\"delivered\"} "),
        t["delivered"].as_u64().unwrap()
    );
    assert_eq!(
        value(
            "maillog421_421_events_total{kind=\"deferred\",category=\"rate-limit\",domain=\"gmail.com\"} "
        ),
        report["by_domain"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["domain"] == "gmail.com")
            .unwrap()["categories"]["rate-limit"]
            .as_u64()
            .unwrap()
    );
    assert!(http_get(&addr, "/other").contains(" 404 "));

    // Issue 14: attempts and retry-skipped lines as counted independently
    // (fixtures/expected-totals.tsv, from count_attempts.py's definitions).
    let truth = common::tsv("expected-totals.tsv")
        .into_iter()
        .find(|r| r["file"] == "exim/mainlog")
        .unwrap();
    let n = |k: &str| -> u64 { truth[k].parse().unwrap() };
    assert!(
        n("retry_skipped") > 0,
        "the fixture holds retry-skipped lines"
    );
    for outcome in ["delivered", "deferred", "bounced"] {
        assert_eq!(
            value(&format!(
                "maillog421_delivery_attempts_total{{outcome=\"{outcome}\"}} "
            )),
            n(outcome),
            "{outcome}"
        );
    }
    assert_eq!(
        value("maillog421_retry_skipped_lines_total "),
        n("retry_skipped")
    );

    // Alerts: gmail.com and yahoo.com reach 3 421s within an hour, once each
    // per episode, and recover once the hour has passed.
    let alerts: Vec<(&str, &str)> = lines
        .iter()
        .filter(|v| v["type"] == "alert" || v["type"] == "recovery")
        .map(|v| (v["type"].as_str().unwrap(), v["domain"].as_str().unwrap()))
        .collect();
    assert!(alerts.contains(&("alert", "gmail.com")), "{alerts:?}");
    assert!(alerts.contains(&("alert", "yahoo.com")), "{alerts:?}");
    assert_eq!(
        alerts.iter().filter(|a| a.0 == "alert").count(),
        alerts.iter().filter(|a| a.0 == "recovery").count(),
        "every alert here recovers by the end of the log: {alerts:?}"
    );

    // The same events as `events` gives, with the same line numbers.
    let batch = common::events(&["events", "--tz", "utc", log.to_str().unwrap()]);
    let lines_of = |v: &[serde_json::Value]| -> Vec<(u64, String)> {
        v.iter()
            .filter(|e| e["type"].is_null())
            .map(|e| (e["line"].as_u64().unwrap(), e["recipient"].to_string()))
            .collect()
    };
    assert_eq!(lines_of(&lines), lines_of(&batch));

    assert_eq!(terminate(&mut child), 0);
    let rest: Vec<serde_json::Value> = out
        .iter()
        .map(|l| serde_json::from_str(&l).unwrap())
        .collect();
    let summary = rest.iter().find(|v| v["type"] == "summary").unwrap();
    assert_eq!(summary["lines"], t["lines"]);
    assert_eq!(summary["deferrals_421"], t["deferrals_421"]);
    let attempts = n("delivered") + n("deferred") + n("bounced");
    assert_eq!(summary["delivery_attempts"], attempts);
    assert_eq!(summary["retry_skipped"], n("retry_skipped"));
    let deferrals = t["deferrals_421"].as_u64().unwrap() as f64;
    assert_eq!(
        summary["rate_per_1000"].as_f64().unwrap(),
        (deferrals * 1000.0 / attempts as f64 * 10.0).round() / 10.0
    );
}

/// Issue 16 §3: the session keeps per-domain detail for its top domains
/// only (`MAILLOG421_FOLLOW_DOMAINS`, 10,000 by default); with 3,000
/// distinct 421 domains and room for 50, its totals stay exact and its top
/// domains keep their exact counts.
#[test]
fn session_forgets_small_domains_but_keeps_totals_and_top_domains_exact() {
    let fixture = std::fs::read_to_string(common::fixture("real/postfix/maillog-classic")).unwrap();
    let template = fixture
        .lines()
        .find(|l| l.contains("to=<mallory@greylist.test>") && l.contains("said: 421"))
        .unwrap();
    let line = |domain: &str| template.replace("greylist.test", domain) + "\n";
    let mut input = String::new();
    let (mut heavy, mut second) = (0u64, 0u64);
    for i in 0..3000u64 {
        input.push_str(&line(&format!("d{i}.test")));
        if i % 60 == 0 {
            input.push_str(&line("heavy.test"));
            heavy += 1;
        }
        // Ahead of the one-421 domains from its first prune on (a domain
        // that met fewer 421s than the kept ones when pruned starts again
        // from 0: the counts of the top domains are exact from then on).
        if i % 150 < 2 {
            input.push_str(&line("second.test"));
            second += 1;
        }
    }
    let summary = |cap: Option<&str>| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_maillog421"));
        c.args([
            "follow", "--tz", "utc", "--format", "json", "--every", "0", "-",
        ])
        .env("TZ", "UTC");
        if let Some(cap) = cap {
            c.env("MAILLOG421_FOLLOW_DOMAINS", cap);
        }
        common::json_lines(&common::with_stdin(&mut c, &input))
            .into_iter()
            .find(|v| v["type"] == "summary")
            .map(|mut v| {
                // Wall-clock times: the run's start and end.
                let o = v.as_object_mut().unwrap();
                o.remove("start");
                o.remove("end");
                v
            })
            .expect("a session summary")
    };
    let small = summary(Some("50"));
    let total = 3000 + heavy + second;
    assert_eq!(small["deferrals_421"], total);
    assert_eq!(small["lines"], total);
    assert_eq!(
        small["top_domains"][0],
        serde_json::json!(["heavy.test", heavy])
    );
    assert_eq!(
        small["top_domains"][1],
        serde_json::json!(["second.test", second])
    );
    // With room for every domain, the same summary.
    assert_eq!(small, summary(None));
}

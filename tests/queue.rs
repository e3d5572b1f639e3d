//! `maillog421 queue` (issue 20) on the queue listings captured during the
//! real-daemon retry runs (`fixtures/real/*/queue-retry-*`), joined with the
//! same run's log cut at the capture second: every listed recipient's
//! status, 421 category and first 421 equal `expected-queue.tsv`, which
//! `fixtures/real/derive_queue.py` derives from the fake server's decisions
//! (expected-events.tsv) and its own reading of the listings.

mod common;

use std::collections::BTreeSet;

use common::*;

/// `(capture file, capture time as RFC 3339 whole seconds)` of a run.
fn captures(mta: &str) -> Vec<(String, String)> {
    let text =
        std::fs::read_to_string(fixture(&format!("real/{mta}/queue-retry-times.tsv"))).unwrap();
    text.lines()
        .map(|l| {
            let (file, time) = l.split_once('\t').unwrap();
            // 2026-12-07T03:39:17.630290+00:00 -> 2026-12-07T03:39:17Z
            (format!("{mta}/{file}"), format!("{}Z", &time[..19]))
        })
        .collect()
}

type Row = (String, String, String, String, String);

fn tool_rows(dump: &str, time: &str, log: &str) -> BTreeSet<Row> {
    let dump_path = path_str(&fixture(&format!("real/{dump}")));
    let log_path = path_str(&fixture(&format!("real/{log}")));
    let o = run(&[
        "queue",
        "--from",
        &dump_path,
        "--as-of",
        time,
        "--until",
        time,
        "--format",
        "csv",
        "--lifetime",
        "5m",
        &log_path,
    ]);
    assert_eq!(o.code, 0, "{dump}: stderr {}", o.stderr);
    let mut r = csv::Reader::from_reader(o.stdout.as_bytes());
    let h = r.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let (st, id, rc, cause, first) = (
        col("status"),
        col("id"),
        col("recipient"),
        col("cause"),
        col("first_421"),
    );
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            let dash = |s: &str| {
                if s.is_empty() {
                    "-".to_string()
                } else {
                    s.to_string()
                }
            };
            (
                rec[id].to_string(),
                rec[rc].to_string(),
                rec[st].to_string(),
                dash(&rec[cause]),
                dash(&rec[first]),
            )
        })
        .collect()
}

#[test]
fn issue_20_captured_queues_equal_the_truth() {
    let truth = tsv("real/expected-queue.tsv");
    let mut checked = 0;
    for (mta, log) in [
        ("exim", "exim/mainlog-retry"),
        ("postfix", "postfix/maillog-retry"),
    ] {
        for (dump, time) in captures(mta) {
            let expected: BTreeSet<Row> = truth
                .iter()
                .filter(|r| r["dump"] == dump)
                .map(|r| {
                    (
                        r["id"].clone(),
                        r["recipient"].clone(),
                        r["status"].clone(),
                        r["category"].clone(),
                        r["first_421"].clone(),
                    )
                })
                .collect();
            assert!(!expected.is_empty(), "{dump}: no truth rows");
            let got = tool_rows(&dump, &time, log);
            let missing: Vec<_> = expected.difference(&got).collect();
            let extra: Vec<_> = got.difference(&expected).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{dump}: expected but not given {missing:#?}\ngiven but not expected {extra:#?}"
            );
            checked += expected.len();
        }
    }
    assert!(checked > 250, "{checked} rows");
}

#[test]
fn issue_20_table_counts_and_commands() {
    let o = run(&[
        "queue",
        "--from",
        "fixtures/real/postfix/queue-retry-320s.jsonl",
        "--as-of",
        "2026-12-07T03:44:13Z",
        "--until",
        "2026-12-07T03:44:13Z",
        "--lifetime",
        "5m",
        "fixtures/real/postfix/maillog-retry",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let t = &o.stdout;
    assert!(
        t.contains("Waiting on a 421: 65   other deferrals: 10   no history in the logs: 0"),
        "{t}"
    );
    // 26187132142 arrived 03:38:59, so 5m later is 14 s before the capture:
    // the only message past its give-up time, the only deletion offered.
    assert!(
        t.contains("26187132142  5m   2026-12-07 03:43:59Z  past by 14s"),
        "{t}"
    );
    let deletions: Vec<&str> = t.lines().filter(|l| l.contains("postsuper -d")).collect();
    assert_eq!(
        deletions,
        ["  printf '%s\\n' 26187132142 | postsuper -d -    # delete: past their give-up time"]
    );
    assert!(t.contains("  postqueue -s gmail.test    # try the domain's deferred mail now"));
    // With the default 5d no message is past its give-up time: no deletion.
    let o = run(&[
        "queue",
        "--from",
        "fixtures/real/postfix/queue-retry-320s.jsonl",
        "--as-of",
        "2026-12-07T03:44:13Z",
        "fixtures/real/postfix/maillog-retry",
    ]);
    assert!(!o.stdout.contains("postsuper -d"), "{}", o.stdout);
    assert!(o.stdout.contains("default maximal_queue_lifetime of 5d"));

    // Exim: exim -M on the ids, -Rff on the domain.
    let o = run(&[
        "queue",
        "--from",
        "fixtures/real/exim/queue-retry-480s.txt",
        "--as-of",
        "2026-12-07T03:44:43Z",
        "fixtures/real/exim/mainlog-retry",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("exim -Rff "), "{}", o.stdout);
    assert!(
        o.stdout.contains("Exim's default retry rule"),
        "{}",
        o.stdout
    );
    assert!(!o.stdout.contains("-Mrm"), "{}", o.stdout);
}

#[test]
fn issue_20_fail_above_older_than_and_errors() {
    let base = [
        "queue",
        "--from",
        "fixtures/real/postfix/queue-retry-320s.jsonl",
        "--as-of",
        "2026-12-07T03:44:13Z",
        "--until",
        "2026-12-07T03:44:13Z",
        "fixtures/real/postfix/maillog-retry",
    ];
    let with = |extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend_from_slice(extra);
        run(&a)
    };
    assert_eq!(with(&["--fail-above", "64"]).code, 1);
    assert_eq!(with(&["--fail-above", "65"]).code, 0);
    // Only the message older than 5 minutes (arrived 03:38:59).
    let o = with(&[
        "--older-than",
        "5m",
        "--fail-above",
        "0",
        "--format",
        "json",
    ]);
    assert_eq!(o.code, 1);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["waiting_421"], 1);
    assert_eq!(v["queued"][0]["id"], "26187132142");

    // No such MTA, unreadable listing, not a listing: exit 2 with a message.
    let o = run(&["queue", "--mta", "exim", "--exim", "/nonexistent/exim"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("Exim is not installed"), "{}", o.stderr);
    let o = run(&["queue", "--from", "/nonexistent/q.txt"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("/nonexistent/q.txt"), "{}", o.stderr);
    let o = run(&["queue", "--from", "fixtures/real/exim/mainlog-retry"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr
            .contains("expected the output of `postqueue -j` or `exim -bp`"),
        "{}",
        o.stderr
    );
}

#[test]
fn issue_20_hostile_ids_never_reach_a_command() {
    let dir = tempfile::tempdir().unwrap();
    let q = dir.path().join("q.jsonl");
    std::fs::write(
        &q,
        concat!(
            r#"{"queue_name":"deferred","queue_id":"ABC;rm -rf /","arrival_time":1796614847,"sender":"a@b","recipients":[{"address":"x@gmail.test"}]}"#,
            "\n",
            r#"{"queue_name":"deferred","queue_id":"3F5F8132196","arrival_time":1796614847,"sender":"a@b","recipients":[{"address":"alice@yahoo.test"}]}"#,
            "\n"
        ),
    )
    .unwrap();
    let o = run(&[
        "queue",
        "--from",
        &path_str(&q),
        "--as-of",
        "2026-12-07T03:41:33Z",
        "--until",
        "2026-12-07T03:41:33Z",
        "fixtures/real/postfix/maillog-retry",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout
            .contains("printf '%s\\n' 3F5F8132196 | postsuper -h -"),
        "{}",
        o.stdout
    );
    for l in o
        .stdout
        .lines()
        .filter(|l| l.contains("postsuper") || l.contains("postqueue"))
    {
        assert!(!l.contains("rm -rf"), "{l}");
    }
}

#[test]
fn issue_20_queue_gauge_top_domains_and_other() {
    use maillog421::Metrics;
    let mut m = Metrics::new(50);
    let gauge = m.queue_gauge(2);
    gauge.set(&[
        ("gmail.test".into(), 3),
        ("yahoo.test".into(), 5),
        ("a.test".into(), 1),
        ("b.test".into(), 1),
    ]);
    let text = m.encode();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("maillog421_queued_421_recipients{"))
        .collect();
    let mut lines = lines;
    lines.sort_unstable();
    assert_eq!(
        lines,
        [
            "maillog421_queued_421_recipients{domain=\"gmail.test\"} 3",
            "maillog421_queued_421_recipients{domain=\"other\"} 2",
            "maillog421_queued_421_recipients{domain=\"yahoo.test\"} 5",
        ]
    );
    // The next read replaces every value: gone domains disappear.
    gauge.set(&[("a.test".into(), 4)]);
    let text = m.encode();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("maillog421_queued_421_recipients{"))
        .collect();
    assert_eq!(
        lines,
        ["maillog421_queued_421_recipients{domain=\"a.test\"} 4"]
    );
}

#[test]
fn issue_20_follow_queue_every_needs_metrics() {
    let o = run(&[
        "follow",
        "--queue-every",
        "5m",
        "fixtures/real/postfix/maillog-retry",
    ]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("--metrics"), "{}", o.stderr);
}

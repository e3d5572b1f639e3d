//! Retry outcomes, as `report --format json` gives them, against ground
//! truth: the real-daemon logs (`fixtures/real/`, truth from the fake
//! server's decisions via `derive_retries.py`), whole and as rotated sets
//! named in any order.

mod common;

use common::*;
use serde_json::Value;

const RUNS: [(&str, &str); 4] = [
    (
        "real/exim/mainlog-default",
        "real/exim/rotated/mainlog-default",
    ),
    ("real/exim/mainlog-rich", "real/exim/rotated/mainlog-rich"),
    (
        "real/postfix/maillog-classic",
        "real/postfix/rotated/maillog-classic",
    ),
    (
        "real/postfix/maillog-rfc3339",
        "real/postfix/rotated/maillog-rfc3339",
    ),
];

fn report(paths: &[String]) -> Value {
    let mut args = vec!["report", "--tz", "utc", "--format", "json"];
    args.extend(paths.iter().map(String::as_str));
    json(&args)
}

fn num(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        v => v.to_string(),
    }
}

/// `with_421 recovered bounced pending p50 p90` as the tsv writes them.
fn retry_row(r: &Value) -> Vec<String> {
    let x = &r["retries"];
    [
        "with_421",
        "recovered",
        "bounced",
        "pending",
        "time_to_delivery_p50_s",
        "time_to_delivery_p90_s",
    ]
    .iter()
    .map(|k| num(&x[k]))
    .collect()
}

fn pending_rows(r: &Value) -> Vec<(String, String, String)> {
    r["pending"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_string(),
                p["recipient"].as_str().unwrap().to_string(),
                p["first_421"]
                    .as_str()
                    .unwrap()
                    .replace('Z', "+00:00")
                    .to_string(),
            )
        })
        .collect()
}

#[test]
fn real_daemon_logs_match_the_servers_truth() {
    let expected = tsv("real/expected-retries.tsv");
    let pending = tsv("real/expected-pending.tsv");
    assert_eq!(expected.len(), RUNS.len());
    for (log, rotated) in RUNS {
        let row = expected.iter().find(|r| r["log"] == log).unwrap();
        let want: Vec<String> = [
            "with_421",
            "recovered",
            "bounced",
            "pending",
            "p50_s",
            "p90_s",
        ]
        .iter()
        .map(|k| row[*k].clone())
        .collect();
        let want_pending: Vec<(String, String, String)> = pending
            .iter()
            .filter(|r| r["log"] == log)
            .map(|r| {
                (
                    r["id"].clone(),
                    r["recipient"].clone(),
                    r["first_421"].clone(),
                )
            })
            .collect();

        let whole = report(&[path_str(&fixture(log))]);
        assert_eq!(retry_row(&whole), want, "{log}");
        assert_eq!(pending_rows(&whole), want_pending, "{log}");

        // The rotated set, oldest first and newest first: pairs whose 421
        // and delivery sit in different files are still followed.
        let set: Vec<String> = [".2.gz", ".1.gz", ""]
            .iter()
            .map(|s| path_str(&fixture(&format!("{rotated}{s}"))))
            .collect();
        let mut newest_first = set.clone();
        newest_first.reverse();
        for paths in [set, newest_first] {
            let r = report(&paths);
            assert_eq!(retry_row(&r), want, "{paths:?}");
            assert_eq!(pending_rows(&r), want_pending, "{paths:?}");
        }
    }
}

#[test]
fn real_rotated_sets_do_split_retry_stories_across_files() {
    // Guard for the test above: at least one recovered pair must have its
    // 421 in one file and its delivery in the next, or the rotated check
    // proves nothing.
    let dir = "real/exim/rotated/mainlog-default";
    let older = report(&[path_str(&fixture(&format!("{dir}.2.gz")))]);
    let both = report(&[
        path_str(&fixture(&format!("{dir}.2.gz"))),
        path_str(&fixture(&format!("{dir}.1.gz"))),
    ]);
    let pending_alone = older["retries"]["pending"].as_u64().unwrap();
    assert!(pending_alone > 0, "the oldest file ends with pending pairs");
    assert!(
        both["retries"]["recovered"].as_u64().unwrap()
            > older["retries"]["recovered"].as_u64().unwrap()
    );
}

#[test]
fn files_spanning_the_same_second_follow_first_then_last_stamp() {
    // mainlog.1 ends with a delivery at 12:00:00; mainlog starts with the
    // message's Completed in that same second. Named newest first, the
    // delivery must still come before the Completed.
    let dir = tempfile::tempdir().unwrap();
    let older = dir.path().join("mainlog.1");
    let newer = dir.path().join("mainlog");
    std::fs::write(
        &older,
        "2026-11-20 11:00:00 1vB001-000001-AB <= s@example.org H=h [192.0.2.1] P=esmtp S=100\n\
         2026-11-20 11:00:01 1vB001-000001-AB == ann@gmail.com R=dnslookup T=remote_smtp defer (-44) H=gmail-smtp-in.l.google.com [192.0.2.7]: SMTP error from remote mail server after RCPT TO:<ann@gmail.com>: 421 4.7.0 Try again later\n",
    )
    .unwrap();
    let middle = dir.path().join("mainlog.0");
    std::fs::write(
        &middle,
        "2026-11-20 12:00:00 1vB001-000001-AB => ann@gmail.com R=dnslookup T=remote_smtp H=gmail-smtp-in.l.google.com [192.0.2.7] C=\"250 OK\"\n",
    )
    .unwrap();
    std::fs::write(
        &newer,
        "2026-11-20 12:00:00 1vB001-000001-AB Completed\n\
         2026-11-20 12:30:00 1vB002-000002-CD <= s@example.org H=h [192.0.2.1] P=esmtp S=100\n",
    )
    .unwrap();
    let r = report(&[path_str(&newer), path_str(&middle), path_str(&older)]);
    assert_eq!(retry_row(&r), ["1", "1", "0", "0", "3599", "3599"]);
}

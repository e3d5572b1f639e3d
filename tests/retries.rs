//! Retry outcomes, as `report --format json` gives them, against ground
//! truth: the real-daemon logs (`fixtures/real/`, truth from the fake
//! server's decisions via `derive_retries.py`), whole and as rotated sets
//! named in any order.

mod common;

use common::*;
use serde_json::Value;

/// Each real-daemon log with its rotated set (the retry runs, with their
/// retry-time-not-reached and suspended lines, and Postfix's own
/// `maillog_file` have none).
const RUNS: [(&str, Option<&str>); 7] = [
    (
        "real/exim/mainlog-default",
        Some("real/exim/rotated/mainlog-default"),
    ),
    (
        "real/exim/mainlog-rich",
        Some("real/exim/rotated/mainlog-rich"),
    ),
    (
        "real/postfix/maillog-classic",
        Some("real/postfix/rotated/maillog-classic"),
    ),
    (
        "real/postfix/maillog-rfc3339",
        Some("real/postfix/rotated/maillog-rfc3339"),
    ),
    ("real/exim/mainlog-retry", None),
    ("real/postfix/maillog-retry", None),
    ("real/postfix/maillog-file", None),
];

/// The expected tables in fixtures/retries were derived with hourly windows.
fn report(paths: &[String]) -> Value {
    let mut args = vec![
        "report", "--tz", "utc", "--window", "1h", "--format", "json",
    ];
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
        let Some(rotated) = rotated else { continue };
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

/// The hand-designed story and load fixtures (`fixtures/retries/`, answers
/// from its own `expected.py`), as the README there runs them: the rotated
/// pairs named newest first.
fn story_report(set: &str) -> Value {
    let f = |p: &str| path_str(&fixture(&format!("retries/{p}")));
    match set {
        "exim" => report(&[f("exim/mainlog"), f("exim/mainlog.1")]),
        "postfix" => {
            let mut args = vec![
                "report".to_string(),
                "--tz".into(),
                "utc".into(),
                "--year".into(),
                "2026".into(),
                "--window".into(),
                "1h".into(),
                "--format".into(),
                "json".into(),
            ];
            args.extend([f("postfix/maillog"), f("postfix/maillog-20261121.gz")]);
            json(&args.iter().map(String::as_str).collect::<Vec<_>>())
        }
        _ => report(&[f("load/mainlog")]),
    }
}

const SETS: [&str; 3] = ["exim", "postfix", "load"];

fn time_of(s: &str) -> String {
    s.replace('Z', "+00:00")
}

#[test]
fn story_fixtures_retry_outcomes_per_domain_and_pending() {
    let rows = tsv("retries/expected-retries.tsv");
    let pending = tsv("retries/expected-pending.tsv");
    for set in SETS {
        let r = story_report(set);
        let domains = r["by_domain"].as_array().unwrap();
        let mut seen = 0;
        for row in rows.iter().filter(|x| x["set"] == set) {
            let got = if row["domain"] == "*" {
                &r["retries"]
            } else {
                seen += 1;
                &domains
                    .iter()
                    .find(|d| d["domain"] == row["domain"].as_str())
                    .unwrap_or_else(|| panic!("{set}: no domain {}", row["domain"]))["retries"]
            };
            for (col, key) in [
                ("with_421", "with_421"),
                ("recovered", "recovered"),
                ("bounced", "bounced"),
                ("pending", "pending"),
                ("p50_s", "time_to_delivery_p50_s"),
                ("p90_s", "time_to_delivery_p90_s"),
            ] {
                assert_eq!(num(&got[key]), row[col], "{set} {} {col}", row["domain"]);
            }
        }
        let with_pairs = domains
            .iter()
            .filter(|d| d["retries"]["with_421"].as_u64().unwrap() > 0)
            .count();
        assert_eq!(with_pairs, seen, "{set}: domains with pairs");
        let want: Vec<(String, String, String, String)> = pending
            .iter()
            .filter(|x| x["set"] == set)
            .map(|x| {
                (
                    x["id"].clone(),
                    x["recipient"].to_ascii_lowercase(),
                    x["first_421"].clone(),
                    x["last_attempt"].clone(),
                )
            })
            .collect();
        let got: Vec<(String, String, String, String)> = r["pending"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["id"].as_str().unwrap().into(),
                    p["recipient"].as_str().unwrap().into(),
                    time_of(p["first_421"].as_str().unwrap()),
                    time_of(p["last_attempt"].as_str().unwrap()),
                )
            })
            .collect();
        assert_eq!(got, want, "{set} pending");
    }
}

#[test]
fn story_fixtures_repeat_offenders() {
    let rows = tsv("retries/expected-offenders.tsv");
    for set in SETS {
        let r = story_report(set);
        let domains = r["by_domain"].as_array().unwrap();
        let with_421: Vec<&Value> = domains
            .iter()
            .filter(|d| d["deferrals_421"].as_u64().unwrap() > 0)
            .collect();
        let want: Vec<_> = rows.iter().filter(|x| x["set"] == set).collect();
        assert_eq!(with_421.len(), want.len(), "{set}");
        for row in want {
            let d = with_421
                .iter()
                .find(|d| d["domain"] == row["domain"].as_str())
                .unwrap();
            for col in [
                "windows_with_421",
                "windows_with_attempts",
                "days_with_421",
                "longest_streak",
                "episodes",
                "keeps_returning",
            ] {
                assert_eq!(
                    d["repeat"][col].to_string(),
                    row[col],
                    "{set} {} {col}",
                    row["domain"]
                );
            }
        }
    }
    assert!(
        rows.iter().any(|x| x["keeps_returning"] == "true")
            && rows.iter().any(|x| x["keeps_returning"] == "false")
    );
}

#[test]
fn story_fixtures_load_correlation_and_episodes() {
    let load = tsv("retries/expected-load.tsv");
    let episodes = tsv("retries/expected-episodes.tsv");
    for set in SETS {
        let r = story_report(set);
        let l = &r["load"];
        let row = load.iter().find(|x| x["set"] == set).unwrap();
        for (col, key) in [
            ("windows", "windows"),
            ("busiest", "busiest_windows"),
            ("rate_busy_per_1000", "rate_busy_per_1000"),
            ("rate_rest_per_1000", "rate_rest_per_1000"),
            ("correlation", "correlation"),
            ("episodes", "episodes_total"),
        ] {
            let want: f64 = row[col].parse().unwrap();
            assert_eq!(l[key].as_f64().unwrap(), want, "{set} {col}");
        }
        let mut got: Vec<Vec<String>> = l["episodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                vec![
                    time_of(e["start"].as_str().unwrap()),
                    time_of(e["end"].as_str().unwrap()),
                    time_of(e["peak"].as_str().unwrap()),
                    e["deferrals_421"].to_string(),
                    e["delivery_attempts"].to_string(),
                ]
            })
            .collect();
        got.sort();
        let want: Vec<Vec<String>> = episodes
            .iter()
            .filter(|x| x["set"] == set)
            .map(|x| {
                ["start", "end", "peak", "deferrals_421", "attempts"]
                    .iter()
                    .map(|k| x[*k].clone())
                    .collect()
            })
            .collect();
        assert_eq!(got, want, "{set} episodes");
    }
}

#[test]
fn load_table_says_the_421s_follow_our_load() {
    let o = run(&[
        "report",
        "--tz",
        "utc",
        "--window",
        "1h",
        &path_str(&fixture("retries/load/mainlog")),
    ]);
    assert_eq!(o.code, 0);
    // One sentence says what was compared and what it means, in the
    // table and the headline alike.
    let text = o.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains(
        "Load: the 421s follow our own sending: they rise with our attempts (correlation 0.625) and the rate is higher when we send most (140.4 per 1,000 attempts in our busiest 3 of 24 1h windows, 11.5 in the rest). Spread our sending."
    ), "{}", o.stdout);
    assert!(
        o.stdout
            .contains("Load: ours. 421 rate 140.4/1000 when we send most vs 11.5 otherwise."),
        "{}",
        o.stdout
    );
    assert!(!o.stdout.contains("not ours"));
}

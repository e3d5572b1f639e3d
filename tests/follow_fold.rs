//! Issue 15: `follow` drives the same line-folding core as `report`, so its
//! summaries gain the per-server table of `--by-host` and the retry
//! outcomes (stuck recipients) of its session. Run on the logs real
//! daemons wrote (fixtures/real), read from stdin to its end; expectations
//! come from the fixtures' own truth files or from counting the lines here.

use std::collections::BTreeSet;

use std::process::Command;

mod common;

/// `follow ARGS -` with `input` on stdin: every JSON object it wrote.
fn follow_json(args: &[&str], input: &str) -> Vec<serde_json::Value> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_maillog421"));
    cmd.arg("follow")
        .args([
            "--tz", "utc", "--year", "2026", "--format", "json", "--every", "0",
        ])
        .args(args)
        .arg("-")
        .env("TZ", "UTC");
    common::json_lines(&common::with_stdin(&mut cmd, input))
}

/// The 421 events of `follow ARGS -`.
fn events(args: &[&str], input: &str) -> Vec<serde_json::Value> {
    let all = follow_json(args, input);
    all.into_iter().filter(|v| v["type"].is_null()).collect()
}

/// The session summary `follow ARGS -` ends with (the only summary).
fn session(args: &[&str], input: &str) -> serde_json::Value {
    let summaries: Vec<serde_json::Value> = follow_json(args, input)
        .into_iter()
        .filter(|v| v["type"] == "summary")
        .collect();
    assert_eq!(summaries.len(), 1, "{summaries:?}");
    assert_eq!(summaries[0]["span"], "session");
    summaries.into_iter().next().unwrap()
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(common::fixture(rel)).unwrap()
}

/// Rows of a fixtures/real TSV for one log, as maps of column to value.
fn tsv_rows(file: &str, log: &str) -> Vec<std::collections::HashMap<String, String>> {
    let text = read(file);
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split('\t').collect();
    lines
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .filter(|f| f[0] == log)
        .map(|f| {
            head.iter()
                .zip(f)
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

#[test]
fn issue_15_follow_session_lists_the_stuck_recipients() {
    for log in ["real/postfix/maillog-classic", "real/exim/mainlog-default"] {
        let s = session(&[], &read(log));
        let want = &tsv_rows("real/expected-retries.tsv", log)[0];
        let n = |k: &str| want[k].parse::<u64>().unwrap();
        let x = &s["retries"];
        assert_eq!(x["with_421"], n("with_421"), "{log}: {x}");
        assert_eq!(x["recovered"], n("recovered"), "{log}: {x}");
        assert_eq!(x["bounced"], n("bounced"), "{log}: {x}");
        assert_eq!(x["pending"], n("pending"), "{log}: {x}");
        let stuck: BTreeSet<(String, String, String)> = s["stuck"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|p| {
                        let f = |k: &str| p[k].as_str().unwrap().to_string();
                        (f("id"), f("recipient"), f("first_421"))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let expected: BTreeSet<(String, String, String)> =
            tsv_rows("real/expected-pending.tsv", log)
                .into_iter()
                .map(|r| {
                    (
                        r["id"].clone(),
                        r["recipient"].clone(),
                        // The tool writes UTC as `Z`.
                        r["first_421"].replace("+00:00", "Z"),
                    )
                })
                .collect();
        assert_eq!(stuck, expected, "{log}");
    }
}

#[test]
fn issue_15_follow_session_text_says_the_retry_outcomes() {
    let log = "real/postfix/maillog-classic";
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_maillog421"));
    cmd.args([
        "follow", "--tz", "utc", "--year", "2026", "--every", "0", "-",
    ])
    .env("NO_COLOR", "1");
    let out = common::with_stdin(&mut cmd, &read(log));
    let out = String::from_utf8(out.stdout).unwrap();
    let want = &tsv_rows("real/expected-retries.tsv", log)[0];
    let line = format!(
        "   retries: {} recipients met a 421: {} delivered later, {} bounced, {} still pending",
        want["with_421"], want["recovered"], want["bounced"], want["pending"]
    );
    assert!(out.lines().any(|l| l == line), "{line}\n{out}");
    for r in tsv_rows("real/expected-pending.tsv", log) {
        assert!(
            out.lines().any(|l| l.contains("stuck since")
                && l.contains(&r["id"])
                && l.contains(&r["recipient"])),
            "{r:?}\n{out}"
        );
    }
}

/// The line numbers of a log's 421 deferrals, from the truth the fixture
/// generator derived from the daemons' own records.
fn deferral_lines(log: &str) -> Vec<usize> {
    tsv_rows("real/expected-events.tsv", log)
        .into_iter()
        .filter(|r| r["kind"] == "deferred")
        .map(|r| r["line"].parse().unwrap())
        .collect()
}

/// Syslog lines name their server: half the lines of a real Postfix log
/// moved to a second host give two rows, each with the lines counted here
/// from the host field and the 421 deferrals of the fixture's truth.
#[test]
fn issue_15_follow_by_host_counts_per_server() {
    let text = read("real/postfix/maillog-classic");
    let mut input = String::new();
    // (lines, 421 deferrals) per host, counted here.
    let mut want: std::collections::BTreeMap<&str, (u64, u64)> = Default::default();
    for (i, l) in text.lines().enumerate() {
        let host = if i % 2 == 0 { "mx1" } else { "mx2" };
        let l = l.replacen(" mx1 ", &format!(" {host} "), 1);
        let w = want.entry(host).or_default();
        w.0 += 1;
        input.push_str(&l);
        input.push('\n');
    }
    for n in deferral_lines("real/postfix/maillog-classic") {
        let host = if (n - 1) % 2 == 0 { "mx1" } else { "mx2" };
        want.entry(host).or_default().1 += 1;
    }
    let s = session(&["--by-host"], &input);
    let rows = s["by_server"].as_array().expect("a by_server table");
    let got: std::collections::BTreeMap<&str, (u64, u64)> = rows
        .iter()
        .map(|r| {
            (
                r["server"].as_str().unwrap(),
                (
                    r["lines"].as_u64().unwrap(),
                    r["deferrals_421"].as_u64().unwrap(),
                ),
            )
        })
        .collect();
    assert_eq!(got, want);
    let sum = |k: &str| rows.iter().map(|r| r[k].as_u64().unwrap()).sum::<u64>();
    assert_eq!(
        sum("delivery_attempts"),
        s["delivery_attempts"].as_u64().unwrap()
    );
    assert_eq!(sum("deferrals_421"), s["deferrals_421"].as_u64().unwrap());
    // Its events name their server, as `events --by-host` does.
    let events = events(&["--by-host"], &input);
    let deferred = events.iter().filter(|e| e["kind"] == "deferred").count();
    assert_eq!(deferred as u64, s["deferrals_421"].as_u64().unwrap());
    for e in &events {
        let n = e["line"].as_u64().unwrap();
        let host = if (n - 1) % 2 == 0 { "mx1" } else { "mx2" };
        assert_eq!(e["server"], host, "{e}");
    }
    // Without --by-host, no table.
    assert!(session(&[], &input).get("by_server").is_none());
}

/// Exim's lines name no server: `--host` does, as for `report`.
#[test]
fn issue_15_follow_by_host_names_exim_with_host() {
    let text = read("real/exim/mainlog-default");
    let s = session(&["--by-host", "--host", "mx9"], &text);
    let rows = s["by_server"].as_array().expect("a by_server table");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["server"], "mx9");
    assert_eq!(
        rows[0]["deferrals_421"],
        deferral_lines("real/exim/mainlog-default").len() as u64
    );
    let report = common::run(&[
        "report",
        "--tz",
        "utc",
        "--format",
        "json",
        "--by-host",
        "--host",
        "mx9",
        common::fixture("real/exim/mainlog-default")
            .to_str()
            .unwrap(),
    ]);
    let r: serde_json::Value = serde_json::from_str(&report.stdout).unwrap();
    // follow's row is report's row: the same core counted both.
    assert_eq!(rows[0], r["by_server"][0]);
}

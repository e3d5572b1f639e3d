//! The binary as a user meets it: snapshots of the table and JSON for a
//! fixture, and what happens on bad input, rotation, stdin and hostile text.

mod common;

use common::*;

#[test]
fn report_table_snapshot_exim() {
    let o = run(&["report", "--tz", "utc", "fixtures/exim/mainlog"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.stderr, "");
    insta::assert_snapshot!("report_table_exim_mainlog", o.stdout);
}

#[test]
fn report_json_snapshot_postfix() {
    let o = run(&[
        "report",
        "--format",
        "json",
        "--tz",
        "utc",
        "--year",
        "2026",
        "--top",
        "5",
        "fixtures/postfix/maillog",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    insta::assert_snapshot!("report_json_postfix_maillog", o.stdout);
}

#[test]
fn json_has_the_documented_fields() {
    let r = json(&[
        "report",
        "--format",
        "json",
        "--tz",
        "utc",
        "fixtures/exim/mainlog",
    ]);
    assert_eq!(r["schema"], "maillog421.report.v1");
    // The fixture covers 08:00 to 14:00: six hours in 5-minute windows
    // (72) is the finest grain with at most 96 windows.
    assert_eq!(r["window_seconds"], 300);
    assert_eq!(r["window_auto"], true);
    assert_eq!(r["by_window"].as_array().unwrap().len(), 73);
    let h = &r["headline"];
    assert!(h["lines"].as_array().unwrap().len() <= 6);
    for f in ["worst", "load", "stuck", "doubts"] {
        assert!(!h[f].is_null() || f == "worst", "headline.{f}");
    }
    assert_eq!(r["inputs"][0]["format"], "exim");
    assert_eq!(r["inputs"][0]["compressed"], false);
    for f in [
        "lines",
        "delivery_attempts",
        "delivered",
        "deferred",
        "bounced",
        "deferrals_421",
        "suspended_421",
        "replies_421",
        "inbound_421",
    ] {
        assert!(r["totals"][f].is_u64(), "totals.{f}");
    }
    let d = &r["by_domain"][0];
    for f in [
        "domain",
        "deferrals_421",
        "delivery_attempts",
        "windows",
        "first",
        "last",
        "categories",
    ] {
        assert!(!d[f].is_null(), "by_domain[].{f}");
    }
    assert_eq!(r["by_category"].as_array().unwrap().len(), 9);
    assert_eq!(r["by_stage"].as_array().unwrap().len(), 6);
    // Every window of the period, quiet ones included.
    let windows = r["by_window"].as_array().unwrap();
    assert!(windows.iter().any(|w| w["delivery_attempts"] == 0));
    let starts: Vec<&str> = windows
        .iter()
        .map(|w| w["start"].as_str().unwrap())
        .collect();
    assert!(starts.windows(2).all(|p| p[0] < p[1]));
    let sum: u64 = windows
        .iter()
        .map(|w| w["deferrals_421"].as_u64().unwrap())
        .sum();
    assert_eq!(sum, r["totals"]["deferrals_421"].as_u64().unwrap());
}

#[test]
fn window_and_since_until() {
    let all = json(&[
        "report",
        "--format",
        "json",
        "--tz",
        "utc",
        "--window",
        "15m",
        "fixtures/exim/mainlog",
    ]);
    assert_eq!(all["window_seconds"], 900);
    let part = json(&[
        "report",
        "--format",
        "json",
        "--tz",
        "utc",
        "--since",
        "2026-11-22T10:00:00Z",
        "--until",
        "2026-11-22T11:00:00Z",
        "fixtures/exim/mainlog",
    ]);
    let n = part["totals"]["deferrals_421"].as_u64().unwrap();
    assert!(n > 0 && n < all["totals"]["deferrals_421"].as_u64().unwrap());
    assert!(part["first"].as_str().unwrap() >= "2026-11-22T10:00:00Z");
    assert!(part["last"].as_str().unwrap() < "2026-11-22T11:00:00Z");
}

#[test]
fn events_are_ndjson_with_file_and_line() {
    let ev = events(&["events", "--tz", "utc", "fixtures/postfix/mail.log-rfc3339"]);
    assert!(!ev.is_empty());
    for e in &ev {
        for f in [
            "time",
            "direction",
            "kind",
            "mta",
            "id",
            "recipient",
            "domain",
            "host",
            "ip",
            "stage",
            "code",
            "enhanced",
            "category",
            "text",
            "file",
            "line",
        ] {
            assert!(!e[f].is_null(), "missing {f} in {e}");
        }
        assert_eq!(e["code"], 421);
        assert_eq!(e["mta"], "postfix");
        assert!(e["time"].as_str().unwrap().starts_with("2026-11-2"));
    }
}

#[test]
fn rotated_set_is_read_oldest_first_including_gzip() {
    let ev = events(&[
        "events",
        "--tz",
        "utc",
        "--rotated",
        "fixtures/rotated/exim/mainlog",
    ]);
    let files: Vec<&str> = ev.iter().map(|e| e["file"].as_str().unwrap()).collect();
    let first_of = |suffix: &str| files.iter().position(|f| f.ends_with(suffix)).unwrap();
    assert!(first_of("mainlog.2.gz") < first_of("mainlog.1"));
    assert!(first_of("mainlog.1") < first_of("/mainlog"));
    let r = json(&[
        "report",
        "--format",
        "json",
        "--tz",
        "utc",
        "--rotated",
        "fixtures/rotated/postfix/maillog",
    ]);
    let inputs: Vec<(&str, bool)> = r["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["path"].as_str().unwrap(),
                i["compressed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        inputs,
        [
            ("fixtures/rotated/postfix/maillog-20261121.gz", true),
            ("fixtures/rotated/postfix/maillog-20261122.gz", true),
            ("fixtures/rotated/postfix/maillog", false)
        ]
    );
}

#[test]
fn gzip_by_magic_and_every_member() {
    let r = json(&[
        "report",
        "--format",
        "json",
        "fixtures/gzip/exim-no-gz-name",
    ]);
    assert_eq!(r["inputs"][0]["compressed"], true);
    assert!(r["totals"]["deferrals_421"].as_u64().unwrap() > 0);
    // All of this file's 421s are in its second gzip member.
    let ev = events(&["events", "fixtures/gzip/multi-member.log.gz"]);
    assert_eq!(ev.len(), 3);
}

#[test]
fn threads_one_equals_default() {
    let args = [
        "report",
        "--format",
        "json",
        "--tz",
        "utc",
        "--rotated",
        "fixtures/rotated/exim/mainlog",
        "fixtures/postfix/maillog",
        "fixtures/exim/mainlog-rich",
    ];
    let par = run(&args);
    let mut one_args = args.to_vec();
    one_args.extend(["--threads", "1"]);
    let one = run(&one_args);
    assert_eq!(par.code, 0);
    assert_eq!(par.stdout, one.stdout);
}

#[test]
fn stdin_dash() {
    let input = std::fs::read(fixture("exim/mainlog")).unwrap();
    let o = cmd(&["report", "--format", "json", "--tz", "utc", "-"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert!(o.status.success());
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let file = json(&[
        "report",
        "--format",
        "json",
        "--tz",
        "utc",
        "fixtures/exim/mainlog",
    ]);
    assert_eq!(r["inputs"][0]["path"], "<stdin>");
    assert_eq!(r["totals"], file["totals"]);
}

#[test]
fn unknown_lines_are_counted_and_shown_with_verbose() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mainlog");
    let mut text = std::fs::read(fixture("exim/mainlog")).unwrap();
    text.extend_from_slice(b"\x00\xff\xfebinary garbage\nthis is not a log line\n");
    std::fs::write(&path, text).unwrap();
    let p = path_str(&path);
    let o = run(&["report", "--format", "json", "--verbose", &p]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let r: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(r["totals"]["unparsed_lines"], 2);
    assert_eq!(r["inputs"][0]["unparsed_lines"], 2);
    assert!(
        o.stderr.contains(&format!("{p}:")) && o.stderr.contains("this is not a log line"),
        "{}",
        o.stderr
    );
}

fn hostile_log() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let line = "2026-11-22 10:00:01 1tA2b3-000AbC-1x == bob@=cmd.example R=dnslookup T=remote_smtp defer (-45) H=mx.example.net [192.0.2.10]: SMTP error from remote mail server after RCPT TO:<bob@=cmd.example>: 421 4.3.0 busy \x1b]0;pwned\x07\x1b[2J <script>alert(1)</script>\n";
    std::fs::write(dir.path().join("mainlog"), line).unwrap();
    dir
}

#[test]
fn csv_neutralises_formulas_and_json_stays_valid() {
    let dir = hostile_log();
    let p = path_str(&dir.path().join("mainlog"));
    let o = run(&["report", "--format", "csv", "--by", "domain", &p]);
    assert_eq!(o.code, 0);
    let mut lines = o.stdout.lines();
    assert_eq!(
        lines.next().unwrap(),
        "domain,deferrals_421,suspended_421,delivery_attempts,retry_skipped,rate_per_1000,windows,first,last,top_category,top_reply,provider,met_421,recovered,bounced_after_421,pending,keeps_returning"
    );
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("'=cmd.example,1,0,1,0,1000,1,")
    );
    let ev = events(&["events", &p]);
    assert!(ev[0]["text"].as_str().unwrap().contains("\u{1b}]0;pwned"));
}

#[test]
fn csv_other_tables() {
    let o = run(&[
        "report",
        "--format",
        "csv",
        "--by",
        "window",
        "--tz",
        "utc",
        "fixtures/exim/mainlog",
    ]);
    assert!(
        o.stdout
            .starts_with("start,delivery_attempts,retry_skipped,messages_received,deferrals_421,")
    );
    let o = run(&[
        "report",
        "--format",
        "csv",
        "--by",
        "category",
        "fixtures/exim/mainlog",
    ]);
    assert_eq!(o.stdout.lines().count(), 10);
}

#[test]
fn new_year_file_takes_its_years_from_mtime() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("maillog");
    std::fs::copy(fixture("newyear/maillog"), &path).unwrap();
    // Written on 2027-01-01 00:30 UTC: the Dec 31 lines are from 2026.
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_798_763_400);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(t)
        .unwrap();
    let ev = events(&["events", "--tz", "utc", &path_str(&path)]);
    let times: Vec<&str> = ev.iter().map(|e| e["time"].as_str().unwrap()).collect();
    assert!(
        times.iter().any(|t| t.starts_with("2026-12-31T23:")),
        "{times:?}"
    );
    assert!(
        times.iter().any(|t| t.starts_with("2027-01-01T00:")),
        "{times:?}"
    );
    assert!(times.windows(2).all(|p| p[0] <= p[1]), "{times:?}");
}

#[test]
fn help_names_every_subcommand_and_exit_codes() {
    let o = run(&["--help"]);
    assert!(o.stdout.contains("report") && o.stdout.contains("events"));
    let o = run(&["report", "--help"]);
    assert!(o.stdout.contains("--rotated") && o.stdout.contains("Examples:"));
    let o = run(&["report", "--window", "1w", "fixtures/exim/mainlog"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("unit must be s, m, h or d"));
}

#[test]
fn issue_14_top_replies_one_row_per_text_with_counts_per_kind() {
    for (rel, year) in [
        ("real/exim/mainlog-default", "2026"),
        ("real/postfix/maillog-classic", "2026"),
    ] {
        let p = fixture(rel).to_string_lossy().into_owned();
        let r = json(&["report", "--format", "json", "--year", year, &p]);
        let rows = r["top_replies"].as_array().unwrap();
        let sum = |f: &str| rows.iter().map(|x| x[f].as_u64().unwrap()).sum::<u64>();
        let truth = |kind: &str| {
            common::tsv("real/expected-events.tsv")
                .iter()
                .filter(|t| t["file"] == rel && t["kind"] == kind)
                .count() as u64
        };
        assert_eq!(sum("deferrals_421"), truth("deferred"), "{rel}");
        assert_eq!(sum("suspended_421"), truth("suspended"), "{rel}");
        assert_eq!(sum("replies_421"), truth("reply"), "{rel}");
        let texts: Vec<&str> = rows.iter().map(|x| x["text"].as_str().unwrap()).collect();
        for t in &texts {
            assert!(!t.contains('…'), "{rel}: cut text {t}");
            assert!(
                !texts
                    .iter()
                    .any(|o| o.len() > t.len() && o.starts_with(&format!("{t} "))),
                "{rel}: {t} is the start of another row"
            );
        }
    }
    // The Gmail reply of the real Exim log: one row, counted from the log itself.
    let p = fixture("real/exim/mainlog-default");
    let log = std::fs::read_to_string(&p).unwrap();
    let gmail = |l: &&str| l.contains("Our system has detected an unusual rate of");
    let deferred = log
        .lines()
        .filter(gmail)
        .filter(|l| l.contains(" == "))
        .count();
    let host_level = log
        .lines()
        .filter(gmail)
        .filter(|l| !l.contains(" == ") && l.contains(" H="))
        .count();
    let r = json(&["report", "--format", "json", &p.to_string_lossy()]);
    let rows: Vec<&serde_json::Value> = r["top_replies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["text"].as_str().unwrap().contains("unusual rate of"))
        .collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["deferrals_421"], deferred as u64);
    assert_eq!(rows[0]["replies_421"], host_level as u64);
    assert_eq!(
        rows[0]["domains"],
        serde_json::json!(["gmail.test", "googlemail.test"])
    );
    assert!(
        rows[0]["text"]
            .as_str()
            .unwrap()
            .ends_with("Please try again later. - gsmtp")
    );
}

#[test]
fn issue_14_table_rows_differing_past_the_cut_look_different() {
    let dir = tempfile::tempdir().unwrap();
    // A real Postfix deferral line, twice, with replies differing only after 100 characters.
    let real = std::fs::read_to_string(fixture("real/postfix/maillog-classic")).unwrap();
    let line = real
        .lines()
        .find(|l| l.contains("status=deferred") && l.contains(": 421 4.3.2 System not accepting"))
        .unwrap();
    let pad = " padding".repeat(12);
    let text: String = ["alpha", "beta"]
        .iter()
        .map(|w| line.replacen("network messages", &format!("network messages{pad} {w}"), 1) + "\n")
        .collect();
    let p = dir.path().join("maillog");
    std::fs::write(&p, text).unwrap();
    // Wide enough that the reply column is not wrapped: the 100-character cut shows.
    let o = cmd(&["report", "--year", "2026", &p.to_string_lossy()])
        .env("COLUMNS", "200")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&o.stdout);
    let table: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("Top 421 replies"))
        .filter(|l| l.contains("System not accepting"))
        .collect();
    assert_eq!(table.len(), 2, "{stdout}");
    assert_ne!(table[0], table[1]);
    assert!(table.iter().any(|l| l.contains("alpha")) && table.iter().any(|l| l.contains("beta")));
    // CSV and JSON carry the whole text.
    let r = json(&[
        "report",
        "--format",
        "json",
        "--year",
        "2026",
        &p.to_string_lossy(),
    ]);
    assert!(
        r["top_replies"][0]["text"]
            .as_str()
            .unwrap()
            .contains(&pad.trim().to_string())
    );
    let o = run(&[
        "report",
        "--format",
        "csv",
        "--year",
        "2026",
        &p.to_string_lossy(),
    ]);
    assert!(
        o.stdout.contains(" beta") || o.stdout.contains(" alpha"),
        "{}",
        o.stdout
    );
    assert!(!o.stdout.contains('…'), "{}", o.stdout);
}

#[test]
fn issue_14_windows_under_a_minute_show_seconds() {
    let p = fixture("real/exim/mainlog-default")
        .to_string_lossy()
        .into_owned();
    let o = run(&["report", "--window", "10s", "--tz", "utc", &p]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let labels: Vec<&str> = o
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("Load and 421s per window"))
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split(['│', '┆']).nth(1))
        .map(str::trim)
        .filter(|c| c.starts_with("2026-"))
        .collect();
    assert!(labels.len() >= 6, "{}", o.stdout);
    assert!(labels.contains(&"2026-11-23 11:05:10"), "{labels:?}");
    let unique: std::collections::BTreeSet<_> = labels.iter().collect();
    assert_eq!(unique.len(), labels.len(), "{labels:?}");
    let o = run(&["report", "--window", "1m", "--tz", "utc", &p]);
    assert!(o.stdout.contains("│ 2026-11-23 11:05 "), "{}", o.stdout);
}

/// Issue 16 §3: 5,000 rotations named one by one, named with `--rotated`,
/// or found by `--rotated` from the live file give the same answers as one
/// file holding the same lines, and each rotation is read once (naming the
/// rotations with `--rotated` read them twice, and listed the directory once
/// per name: 52 s instead of 0.4 s).
#[test]
fn five_thousand_rotations_named_or_found_give_the_same_answers() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("real/postfix/maillog-classic")).unwrap();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let n = 5000;
    let mut whole = String::new();
    let mut named = Vec::new();
    // Oldest first: maillog.4999 holds the first lines, maillog the last.
    for i in 0..n {
        let a = i * lines.len() / n;
        let b = ((i + 1) * lines.len() / n).max(a + 1);
        let piece = lines[a..b].concat();
        whole.push_str(&piece);
        let k = n - 1 - i;
        let name = if k == 0 {
            "maillog".to_string()
        } else {
            format!("maillog.{k}")
        };
        let p = dir.path().join(&name);
        std::fs::write(&p, piece).unwrap();
        named.push(path_str(&p));
    }
    let one = dir.path().join("whole");
    std::fs::write(&one, &whole).unwrap();
    let live = path_str(&dir.path().join("maillog"));
    let report = |paths: &[String], rotated: bool| {
        let mut args = vec!["report", "--format", "json", "--tz", "utc"];
        if rotated {
            args.push("--rotated");
        }
        args.extend(paths.iter().map(String::as_str));
        json(&args)
    };
    let by_name = report(&named, false);
    assert_eq!(by_name["inputs"].as_array().unwrap().len(), n);
    assert_eq!(by_name["inputs"][0]["path"], named[0].as_str());
    assert_eq!(by_name, report(&named, true), "all named with --rotated");
    assert_eq!(
        by_name,
        report(std::slice::from_ref(&live), true),
        "--rotated maillog"
    );
    // The answers are those of the same lines in one file.
    let truth = report(&[path_str(&one)], false);
    assert!(truth["totals"]["deferrals_421"].as_u64().unwrap() > 100);
    for key in ["totals", "by_domain", "by_category", "by_window"] {
        assert_eq!(by_name[key], truth[key], "{key}");
    }
    // `summary` always reads the rotations: naming them all, or only the
    // live file, reads each line once.
    let summary = |paths: &[String]| {
        let mut args = vec!["summary", "--day", "2026-11-23", "--tz", "utc"];
        args.extend(paths.iter().map(String::as_str));
        let o = run(&args);
        assert_eq!(o.code, 0, "stderr: {}", o.stderr);
        o.stdout
    };
    let expected = summary(&[path_str(&one)]);
    assert!(expected.contains("421 deferrals"), "{expected}");
    assert_eq!(summary(&named), expected, "summary of all 5,000 named");
    assert_eq!(summary(&[live]), expected, "summary of the live file");
}

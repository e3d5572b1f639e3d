//! Issue 19: the answer at a glance. The headline on the real Exim and
//! Postfix logs (checked against the independent counts of
//! fixtures/real/expected-*.tsv), tables that fit 80 and 120 columns, a
//! pipe and a real terminal, and `--window auto` on re-dated real logs.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use common::*;

const REAL: [(&str, &str); 3] = [
    ("exim/mainlog-default", "real/exim/mainlog-default"),
    ("exim/mainlog-rich", "real/exim/mainlog-rich"),
    ("postfix/maillog-classic", "real/postfix/maillog-classic"),
];

/// Lower bound of the 95% Wilson interval, as the headline ranks domains.
fn wilson_low(k: f64, n: f64) -> f64 {
    if n == 0.0 {
        return 0.0;
    }
    let (p, z) = (k.min(n) / n, 1.96_f64);
    let z2 = z * z;
    (p + z2 / (2.0 * n) - z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt()) / (1.0 + z2 / n)
}

fn report_json(path: &str) -> serde_json::Value {
    json(&[
        "report",
        "--tz",
        "utc",
        "--year",
        "2026",
        "--format",
        "json",
        &path_str(&fixture(path)),
    ])
}

#[test]
fn issue_19_headline_on_real_logs_matches_independent_counts() {
    let attempts = tsv("real/expected-attempts.tsv");
    let events = tsv("real/expected-events.tsv");
    let pending = tsv("real/expected-pending.tsv");
    for (file, log) in REAL {
        let r = report_json(log);
        let h = &r["headline"];
        // Per domain from the counted truth: (421 deferrals, attempts).
        let rows: Vec<&BTreeMap<String, String>> = attempts
            .iter()
            .filter(|x| x["file"] == file && x["domain"] != "*")
            .collect();
        assert!(!rows.is_empty(), "{file}");
        let n = |x: &BTreeMap<String, String>, k: &str| x[k].parse::<f64>().unwrap();
        let best = rows
            .iter()
            .filter(|x| n(x, "deferred_421") > 0.0)
            .max_by(|a, b| {
                wilson_low(n(a, "deferred_421"), n(a, "attempts"))
                    .total_cmp(&wilson_low(n(b, "deferred_421"), n(b, "attempts")))
            })
            .unwrap();
        let w = &h["worst"];
        let domains: Vec<&str> = w["domains"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_str().unwrap())
            .collect();
        // A provider wins only with a rate at least as sure as the best domain's.
        let (d, a) = rows
            .iter()
            .filter(|x| domains.contains(&x["domain"].as_str()))
            .fold((0.0, 0.0), |(d, a), x| {
                (d + n(x, "deferred_421"), a + n(x, "attempts"))
            });
        if w["kind"] == "domain" {
            assert_eq!(w["name"], best["domain"].as_str(), "{file}");
        } else {
            assert!(
                wilson_low(d, a) >= wilson_low(n(best, "deferred_421"), n(best, "attempts")),
                "{file}"
            );
        }
        assert_eq!(w["deferrals_421"].as_f64().unwrap(), d, "{file}");
        assert_eq!(w["delivery_attempts"].as_f64().unwrap(), a, "{file}");
        // Its cause: the most frequent category of its deferrals in the events truth.
        let mut by_cat: BTreeMap<&str, usize> = BTreeMap::new();
        for e in events.iter().filter(|e| {
            e["file"] == format!("real/{file}")
                && e["kind"] == "deferred"
                && domains.contains(&e["domain"].as_str())
        }) {
            *by_cat.entry(e["category"].as_str()).or_default() += 1;
        }
        let top = by_cat.values().max().copied().unwrap();
        assert_eq!(
            by_cat[w["cause"].as_str().unwrap()],
            top,
            "{file}: {by_cat:?}"
        );
        // Stuck recipients: the pending truth.
        let stuck = pending.iter().filter(|p| p["log"] == log).count();
        assert_eq!(h["stuck"]["recipients"], stuck, "{file}");
        // The printed block: what the JSON holds, at most 6 lines of 80.
        let lines: Vec<&str> = h["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect();
        assert!(lines.len() <= 6 && lines.iter().all(|l| l.chars().count() <= 80));
        assert!(
            lines[0].starts_with(&format!(
                "Worst: {}, {d} of {a} attempts got 421",
                if w["kind"] == "domain" {
                    w["name"].as_str().unwrap().to_string()
                } else {
                    format!(
                        "{} ({} domains)",
                        w["name"].as_str().unwrap(),
                        domains.len()
                    )
                }
            )),
            "{file}: {lines:?}"
        );
        assert!(lines.iter().any(|l| l.starts_with("Load: ")));
        assert!(lines.iter().any(|l| l.starts_with("Stuck: ")));
        // And the table report opens with it.
        let o = run(&[
            "report",
            "--tz",
            "utc",
            "--year",
            "2026",
            &path_str(&fixture(log)),
        ]);
        let top: Vec<&str> = o.stdout.lines().skip(2).take(lines.len()).collect();
        assert_eq!(top, lines, "{file}");
    }
}

#[test]
fn issue_19_load_verdict_never_contradicts_itself() {
    // `--window 1m` on the real Exim log: 421s rise with attempts, but the
    // rate does not; the table once said "strong" then "do not follow".
    let o = run(&[
        "report",
        "--tz",
        "utc",
        "--window",
        "1m",
        &path_str(&fixture("real/exim/mainlog-default")),
    ]);
    let text = o.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    let r = json(&[
        "report",
        "--tz",
        "utc",
        "--window",
        "1m",
        "--format",
        "json",
        &path_str(&fixture("real/exim/mainlog-default")),
    ]);
    let l = &r["load"];
    let (busy, rest) = (
        l["rate_busy_per_1000"].as_f64().unwrap(),
        l["rate_rest_per_1000"].as_f64().unwrap(),
    );
    let c = l["correlation"].as_f64().unwrap();
    assert!(
        c >= 0.4 && busy < 2.0 * rest,
        "this log is the contradicting case"
    );
    assert_eq!(r["headline"]["load"]["verdict"], "same-rate");
    assert!(text.contains(&format!(
        "Load: more attempts meet more 421s (correlation {c:.3}), but the rate per attempt is no higher when we send most ({busy:.1} per 1,000 attempts"
    )), "{}", o.stdout);
    assert!(!text.contains("Correlation of attempts") && !text.contains("do not follow"));
    assert!(
        o.stdout
            .contains("Load: not ours. 421 rate no higher when we send most")
    );
}

fn widest(s: &str) -> (usize, String) {
    s.lines()
        // A rules-file line holding a reply stays whole, to be pasted.
        .filter(|l| !l.trim_start().starts_with("phrase = "))
        .map(|l| (l.chars().count(), l.to_string()))
        .max()
        .unwrap_or_default()
}

#[test]
fn issue_19_tables_fit_80_and_120_columns_and_a_pipe() {
    let logs = [
        "real/exim/mainlog-default",
        "real/postfix/maillog-classic",
        "exim/mainlog",
        "postfix/maillog",
    ];
    for log in logs {
        let p = path_str(&fixture(log));
        let args = ["report", "--tz", "utc", "--year", "2026", &p];
        let mut seen = BTreeMap::new();
        for cols in [Some("80"), Some("120"), None] {
            let mut c = cmd(&args);
            if let Some(w) = cols {
                c.env("COLUMNS", w);
            }
            let o = c.output().unwrap();
            assert_eq!(o.status.code(), Some(0));
            let out = String::from_utf8(o.stdout).unwrap();
            let limit = cols.map_or(100, |w| w.parse().unwrap());
            let (w, line) = widest(&out);
            assert!(w <= limit, "{log} at {cols:?}: {w} wide: {line}");
            // A pipe never cuts texts: nothing is lost, only wrapped.
            assert!(out.starts_with("maillog421 report: "), "{out}");
            seen.insert(limit, out);
        }
        // At 80 columns the domains table keeps its answer columns and
        // drops the times; at 120 it has room for them.
        let domains = |out: &str| {
            out.lines()
                .skip_while(|l| !l.starts_with("Domains deferring with 421"))
                .nth(2)
                .unwrap_or("")
                .to_string()
        };
        let narrow = domains(&seen[&80]);
        assert!(
            narrow.contains("domain")
                && narrow.contains("421 deferrals")
                && narrow.contains("per 1000"),
            "{log}: {narrow}"
        );
        assert!(!narrow.contains("first"), "{log}: {narrow}");
        assert!(domains(&seen[&120]).contains("first"), "{log}");
    }
}

#[test]
fn issue_19_a_real_terminal_gets_its_width_and_cut_texts() {
    let bin = env!("CARGO_BIN_EXE_maillog421");
    let log = path_str(&fixture("real/exim/mainlog-default"));
    let on_tty = |cols: u32, extra: &str| {
        let o = Command::new("script")
            .args([
                "-qec",
                &format!(
                    "stty cols {cols} rows 50; env -u COLUMNS {extra} '{bin}' report --tz utc '{log}'"
                ),
                "/dev/null",
            ])
            .env("TZ", "UTC")
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).replace("\r\n", "\n")
    };
    let out = on_tty(80, "NO_COLOR=1");
    assert!(out.contains("Worst: "), "{out}");
    let (w, line) = widest(&out);
    assert!(w <= 80, "{w} wide: {line}");
    // On a terminal a long reply is cut with … rather than wrapped.
    let replies: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("Top 421 replies"))
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(replies.iter().any(|l| l.contains('…')), "{replies:?}");
    assert!(!out.contains('\x1b'), "NO_COLOR");
    let wide = on_tty(120, "NO_COLOR=1");
    let (w, line) = widest(&wide);
    assert!(w <= 120 && w > 80, "{w} wide: {line}");
    // Colour on a terminal (sparingly: the headline's labels), none with --color never.
    let coloured = on_tty(80, "env -u NO_COLOR");
    assert!(
        coloured.contains("\x1b[1m") || coloured.contains("\x1b[1;"),
        "{coloured}"
    );
    let o = Command::new("script")
        .args([
            "-qec",
            &format!("stty cols 80; env -u NO_COLOR '{bin}' --color never report --tz utc '{log}'"),
            "/dev/null",
        ])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&o.stdout).contains('\x1b'));
}

/// The real Exim log with its stamps spread evenly over `span` seconds
/// from 2026-11-01 00:00:00 (order kept, every line the real one).
fn redated(span: i64) -> (tempfile::TempDir, String) {
    let text = std::fs::read_to_string(fixture("real/exim/mainlog-default")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let start = chrono::NaiveDate::from_ymd_opt(2026, 11, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let n = lines.len() as i64;
    let out: String = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            // Continuation lines of a multi-line reply carry no stamp.
            if !l.starts_with("2026-") {
                return format!("{l}\n");
            }
            let t = start + chrono::Duration::seconds(i as i64 * span / (n - 1));
            format!("{}{}\n", t.format("%Y-%m-%d %H:%M:%S"), &l[19..])
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("mainlog");
    std::fs::write(&p, out).unwrap();
    (dir, path_str(&p))
}

#[test]
fn issue_19_window_auto_fits_the_period() {
    let truth = tsv("real/expected-attempts.tsv");
    let all = truth
        .iter()
        .find(|x| x["file"] == "exim/mainlog-default" && x["domain"] == "*")
        .unwrap();
    let attempts: u64 = all["attempts"].parse().unwrap();
    let deferrals: u64 = all["deferred_421"].parse().unwrap();
    for (span, want, label) in [
        (45 * 60, 60, "45 minutes"),
        (2 * 86_400, 3600, "2 days"),
        (30 * 86_400, 86_400, "30 days"),
    ] {
        let (_dir, p) = redated(span);
        let r = json(&["report", "--tz", "utc", "--format", "json", &p]);
        assert_eq!(r["window_seconds"], want, "{label}");
        assert_eq!(r["window_auto"], true);
        let ws = r["by_window"].as_array().unwrap();
        assert!(
            (24..=96).contains(&ws.len()),
            "{label}: {} windows",
            ws.len()
        );
        // Re-bucketing loses nothing and equals a scan at that grain.
        let sum = |k: &str| ws.iter().map(|w| w[k].as_u64().unwrap()).sum::<u64>();
        assert_eq!(sum("delivery_attempts"), attempts, "{label}");
        assert_eq!(sum("deferrals_421"), deferrals, "{label}");
        let fixed = json(&[
            "report",
            "--tz",
            "utc",
            "--format",
            "json",
            "--threads",
            "1",
            "--window",
            &format!("{}s", want),
            &p,
        ]);
        assert_eq!(fixed["by_window"], r["by_window"], "{label}");
        assert_eq!(fixed["by_domain"], r["by_domain"], "{label}");
        assert_eq!(fixed["load"], r["load"], "{label}");
        // The table says the window was picked.
        let o = run(&["report", "--tz", "utc", &p]);
        let name = match want {
            60 => "1m",
            3600 => "1h",
            _ => "1d",
        };
        assert!(
            o.stdout
                .lines()
                .next()
                .unwrap()
                .contains(&format!("window {name} (auto)")),
            "{}",
            o.stdout
        );
    }
    // The 45-minute log gives the load verdict enough windows.
    let (_dir, p) = redated(45 * 60);
    let r = json(&["report", "--tz", "utc", "--format", "json", &p]);
    assert_ne!(r["headline"]["load"]["verdict"], "undetermined");
}

#[test]
fn issue_19_summary_takes_window_and_opens_with_the_headline() {
    let p = path_str(&fixture("real/postfix/maillog-classic"));
    let o = run(&[
        "summary",
        "--tz",
        "utc",
        "--year",
        "2026",
        "--day",
        "2026-11-23",
        "--host",
        "mx1",
        &p,
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let lines: Vec<&str> = o.stdout.lines().collect();
    assert!(lines[2].starts_with("Worst: "), "{}", o.stdout);
    assert!(o.stdout.contains("\nLoad: ") && o.stdout.contains("\nStuck: "));
    let hourly = run(&[
        "summary",
        "--tz",
        "utc",
        "--year",
        "2026",
        "--day",
        "2026-11-23",
        "--host",
        "mx1",
        "--window",
        "1h",
        &p,
    ]);
    assert!(hourly.stdout.contains("Peak hours"), "{}", hourly.stdout);
    assert!(o.stdout.contains("Peak 1m windows"), "{}", o.stdout);
}

#[test]
fn issue_19_since_until_local_and_relative_times() {
    let p = path_str(&fixture("real/exim/mainlog-default"));
    let text = std::fs::read_to_string(fixture("real/exim/mainlog-default")).unwrap();
    // Independent count: Exim delivery lines (=> -> == **) at or after a time.
    let tried_from = |from: &str| {
        text.lines()
            .filter(|l| l.starts_with("2026-") && &l[..19] >= from)
            .filter(|l| {
                [" => ", " -> ", " == ", " ** "]
                    .iter()
                    .any(|m| l.contains(m))
            })
            .count() as u64
    };
    let last = text.lines().rev().find(|l| l.starts_with("2026-")).unwrap()[..19].to_string();
    let at = |since: &str| {
        let r = json(&[
            "report", "--tz", "utc", "--format", "json", "--since", since, &p,
        ]);
        (
            r["first"].as_str().unwrap_or("").to_string(),
            r["totals"]["delivery_attempts"].as_u64().unwrap()
                + r["totals"]["retry_skipped"].as_u64().unwrap(),
        )
    };
    let (first, n) = at("2026-11-23T11:07");
    assert!(first.starts_with("2026-11-23T11:07"), "{first}");
    assert_eq!(n, tried_from("2026-11-23 11:07:00"));
    assert_eq!(at("2026-11-23 11:07"), (first.clone(), n));
    // `2m` and `-2m`: two minutes before the last line.
    let t = chrono::NaiveDateTime::parse_from_str(&last, "%Y-%m-%d %H:%M:%S").unwrap()
        - chrono::Duration::minutes(2);
    let want = tried_from(&t.format("%Y-%m-%d %H:%M:%S").to_string());
    assert_eq!(at("2m").1, want);
    assert_eq!(at("-2m").1, want);
    // With --now the logs (from 2026-11-23) are older than an hour ago.
    let r = json(&[
        "report", "--tz", "utc", "--format", "json", "--since", "1h", "--now", &p,
    ]);
    assert_eq!(r["totals"]["delivery_attempts"], 0);
    // --since after --until is an error.
    let o = run(&[
        "report",
        "--since",
        "2026-11-23T11:07",
        "--until",
        "2026-11-23 11:06",
        &p,
    ]);
    assert_eq!(o.code, 2, "{}", o.stdout);
    assert!(o.stderr.contains("is not before --until"), "{}", o.stderr);
}

#[test]
fn issue_19_explain_suggests_close_categories() {
    for (word, want) in [("ratelimit", "rate-limit"), ("throttled", "rate-limit")] {
        let o = run(&["explain", word]);
        assert_ne!(o.code, 0);
        assert!(
            o.stderr.contains(&format!("did you mean {want}?")),
            "{word}: {}",
            o.stderr
        );
    }
}

#[test]
fn issue_19_follow_fits_the_terminal_and_summarises_in_short_lines() {
    let bin = env!("CARGO_BIN_EXE_maillog421");
    let log = path_str(&fixture("real/exim/mainlog-default"));
    for cols in [80, 120] {
        let o = Command::new("script")
            .args([
                "-qec",
                &format!(
                    "stty cols {cols}; env NO_COLOR=1 timeout --preserve-status -s INT 2 '{bin}' follow --from-start --tz utc '{log}'"
                ),
                "/dev/null",
            ])
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout).replace("\r\n", "\n");
        let events: Vec<&str> = out.lines().filter(|l| l.contains(" deferred ")).collect();
        assert!(events.len() > 10, "{out}");
        for l in out.lines() {
            assert!(l.chars().count() <= cols, "{cols}: {l}");
        }
        // The final summary: several lines, none of 400 characters.
        let summary: Vec<&str> = out
            .lines()
            .skip_while(|l| !l.starts_with("-- this session"))
            .take_while(|l| l.starts_with("--") || l.starts_with("   "))
            .collect();
        assert!(summary.len() >= 4, "{out}");
        assert!(
            summary.iter().any(|l| l.contains("551 delivery attempts")),
            "{summary:?}"
        );
    }
}

#[test]
fn issue_19_color_on_report_and_summary() {
    let p = path_str(&fixture("real/postfix/maillog-classic"));
    for sub in [
        vec!["report", "--tz", "utc", "--year", "2026", &p],
        vec![
            "summary",
            "--tz",
            "utc",
            "--year",
            "2026",
            "--day",
            "2026-11-23",
            &p,
        ],
    ] {
        let mut always = vec!["--color", "always"];
        always.extend(&sub);
        let o = run(&always);
        assert!(o.stdout.contains("\x1b["), "--color always: {}", o.stdout);
        // Sparingly: only the headline block is coloured.
        let coloured = o.stdout.lines().filter(|l| l.contains("\x1b[")).count();
        assert!((1..=6).contains(&coloured), "{coloured} coloured lines");
        let mut never = vec!["--color", "never"];
        never.extend(&sub);
        assert!(!run(&never).stdout.contains('\x1b'));
        // auto in a pipe: none.
        assert!(!run(&sub).stdout.contains('\x1b'));
    }
}

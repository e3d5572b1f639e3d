//! `summary` as cron runs it: the mail text for a fixture day (a snapshot,
//! with its subject line checked exactly), `--quiet-if-none`,
//! `--fail-above`, and the HTML form.

mod common;

use common::*;

fn story() -> String {
    path_str(&fixture("retries/exim/mainlog"))
}

#[test]
fn mail_text_for_a_fixture_day() {
    // mainlog.1 (the day before) is found as a rotated sibling.
    let o = run(&[
        "summary",
        "--day",
        "2026-11-21",
        "--tz",
        "utc",
        "--host",
        "mx1",
        &story(),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let first = o.stdout.lines().next().unwrap();
    assert!(
        first.starts_with("maillog421: ")
            && first.contains(" deferrals with 421 on mx1 for 2026-11-21, top "),
        "{first}"
    );
    assert!(
        o.stdout.lines().all(|l| l.chars().count() <= 80),
        "wider than 80 columns"
    );
    assert!(!o.stdout.contains('\x1b'));
    // The day before is in the logs, so the comparison columns are filled.
    let attempts = o
        .stdout
        .lines()
        .find(|l| l.starts_with("delivery attempts"))
        .unwrap();
    assert!(!attempts.contains(" - "), "{attempts}");
    // Issue 14: attempts and retry-skipped lines of the day (mainlog holds
    // 2026-11-21 only) and the day before (mainlog.1, 2026-11-20 only), as
    // counted independently by count_attempts.py.
    let counts = tsv("retries/expected-attempts.tsv");
    let count = |file: &str, col: &str| -> String {
        counts
            .iter()
            .find(|r| r["file"] == file && r["domain"] == "*")
            .unwrap()[col]
            .clone()
    };
    let cells = |prefix: &str| -> Vec<String> {
        let l = o.stdout.lines().find(|l| l.starts_with(prefix)).unwrap();
        l[prefix.len()..]
            .split_whitespace()
            .map(String::from)
            .collect()
    };
    let a = cells("delivery attempts");
    assert_eq!(
        (a[0].clone(), a[1].clone()),
        (
            count("exim/mainlog", "attempts"),
            count("exim/mainlog.1", "attempts")
        )
    );
    let s = cells("retry-skipped (no try)");
    assert_eq!(
        (s[0].clone(), s[1].clone()),
        (
            count("exim/mainlog", "retry_skipped"),
            count("exim/mainlog.1", "retry_skipped")
        )
    );
    assert_ne!(s[0], "0", "the day holds a retry-skipped line");
    let rate = cells("421s per 1000 attempts");
    let (d421, att): (f64, f64) = (
        count("exim/mainlog", "deferred_421").parse().unwrap(),
        count("exim/mainlog", "attempts").parse().unwrap(),
    );
    assert_eq!(rate[0], format!("{:.1}", d421 * 1000.0 / att));
    insta::assert_snapshot!("summary_exim_story_2026_11_21", o.stdout);
}

/// The real Exim log of 2026-11-23, then its delivered (`=>`) lines again
/// a day later: 2026-11-24 is inside the logs and has no 421.
fn log_with_a_quiet_day(dir: &std::path::Path) -> String {
    let real = std::fs::read_to_string(fixture("real/exim/mainlog-default")).unwrap();
    let mut text = real.clone();
    for l in real.lines().filter(|l| l.contains(" => ")) {
        text.push_str(&l.replacen("2026-11-23", "2026-11-24", 1));
        text.push('\n');
    }
    let p = dir.join("mainlog");
    std::fs::write(&p, text).unwrap();
    path_str(&p)
}

#[test]
fn quiet_if_none_prints_nothing_on_a_day_without_421s() {
    let dir = tempfile::tempdir().unwrap();
    let log = log_with_a_quiet_day(dir.path());
    let base = [
        "summary",
        "--day",
        "2026-11-24",
        "--tz",
        "utc",
        "--host",
        "mx1",
    ];
    let mut quiet = base.to_vec();
    quiet.extend(["--quiet-if-none", &log]);
    let o = run(&quiet);
    assert_eq!((o.code, o.stdout.as_str(), o.stderr.as_str()), (0, "", ""));
    let mut loud = base.to_vec();
    loud.push(&log);
    let o = run(&loud);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout
            .starts_with("maillog421: no deferrals with 421 on mx1 for 2026-11-24\n"),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("\nNo 421 that day.\n"), "{}", o.stdout);
}

#[test]
fn fail_above_sets_the_exit_status() {
    let base = ["summary", "--day", "2026-11-21", "--tz", "utc"];
    let code = |extra: &[&str]| {
        let mut a: Vec<&str> = base.to_vec();
        a.extend_from_slice(extra);
        let s = story();
        a.push(&s);
        run(&a).code
    };
    assert_eq!(code(&["--fail-above", "1"]), 1);
    assert_eq!(code(&["--fail-above", "100000"]), 0);
    assert_eq!(code(&["--fail-above", "domain:1"]), 1);
    assert_eq!(code(&["--fail-above", "domain:100000"]), 0);
    assert_eq!(
        run(&["summary", "--day", "2026-11-21", "/nonexistent/mainlog"]).code,
        2
    );
}

#[test]
fn html_summary_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("day.html");
    let o = run(&[
        "summary",
        "--day",
        "2026-11-21",
        "--tz",
        "utc",
        "--host",
        "mx1",
        "--format",
        "html",
        "-o",
        &path_str(&out),
        &story(),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("on mx1 for 2026-11-21"));
    assert!(html.contains("<svg"));

    // Issue 19: what the text has. The day against the day before
    // (mainlog.1 holds 2026-11-20 only) and the average of the earlier days
    // in the logs (that one day), with the change in percent; attempts as
    // counted independently by count_attempts.py.
    let counts = tsv("retries/expected-attempts.tsv");
    let count = |file: &str| -> u64 {
        counts
            .iter()
            .find(|r| r["file"] == file && r["domain"] == "*")
            .unwrap()["attempts"]
            .parse()
            .unwrap()
    };
    let (now, before) = (count("exim/mainlog"), count("exim/mainlog.1"));
    assert!(html.contains("<h2>The day against the days before</h2>"));
    let change = format!(
        "{:+.0}%",
        (now as f64 - before as f64) / before as f64 * 100.0
    );
    let row = format!(
        "<tr><td>delivery attempts</td><td class=\"n\">{now}</td><td class=\"n\">{before}</td>\
         <td class=\"n\">{change}</td><td class=\"n\">{before}.0</td><td class=\"n\">{change}</td></tr>"
    );
    assert!(html.contains(&row), "no row {row}");
    assert!(html.contains("<th class=\"n\">1 earlier day</th>"));

    assert_whole_day(&html);
}

/// The time chart covers the whole of 2026-11-21: bars for every hour
/// from 00:00, as many in each hour (the window `--window auto` picked),
/// ticks from Nov 21 00:00 to Nov 22 00:00.
fn assert_whole_day(html: &str) {
    let bars: Vec<&str> = html
        .split("<title>2026-11-21 ")
        .skip(1)
        .filter_map(|t| t.split(':').next())
        .collect();
    let hours: Vec<String> = (0..24).map(|h| format!("{h:02}")).collect();
    let mut seen: Vec<String> = bars.iter().map(|b| b.to_string()).collect();
    seen.dedup();
    assert_eq!(seen, hours, "bars over every hour of the day");
    let per_hour = bars.len() / 24;
    assert_eq!(bars.len(), per_hour * 24, "as many bars in every hour");
    for h in &hours {
        assert_eq!(
            bars.iter().filter(|b| *b == h).count(),
            per_hour,
            "hour {h}"
        );
    }
    assert!(!html.contains("<title>2026-11-20 ") && !html.contains("<title>2026-11-22 "));
    assert!(html.contains("text-anchor=\"middle\">Nov 21</text>"));
    assert!(html.contains("text-anchor=\"middle\">Nov 22</text>"));
}

/// Issue 19: a log with lines from 08:00 to 11:59 only still gets the
/// whole day's axis in the HTML summary (the report's page draws from the
/// first window to the last).
#[test]
fn html_summary_axis_is_the_whole_day() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("retries/exim/mainlog")).unwrap();
    let morning: String = text
        .lines()
        .filter(|l| matches!(l.get(11..13), Some("08" | "09" | "10" | "11")))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(morning.lines().count() > 20);
    let log = dir.path().join("mainlog");
    std::fs::write(&log, morning).unwrap();
    let o = run(&[
        "summary",
        "--day",
        "2026-11-21",
        "--tz",
        "utc",
        "--host",
        "mx1",
        "--format",
        "html",
        &path_str(&log),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_whole_day(&o.stdout);
    let report = run(&["report", "--tz", "utc", "--format", "html", &path_str(&log)]);
    assert!(
        !report.stdout.contains("<title>2026-11-21 00:00"),
        "the report's page starts at its first window"
    );
}

#[test]
fn report_html_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.html");
    let o = run(&[
        "report",
        "--tz",
        "utc",
        "--format",
        "html",
        "-o",
        &path_str(&out),
        &path_str(&fixture("exim/mainlog")),
    ]);
    assert_eq!((o.code, o.stdout.as_str()), (0, ""), "{}", o.stderr);
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("gmail.com"));
    // Four charts, each for wide screens and for phones.
    assert_eq!(html.matches("<svg").count(), 8);
}

/// The real-daemon logs and the truth rows (of `expected-events.tsv`) they
/// hold; a rotated log is read with its siblings.
const REAL: [(&str, &str); 5] = [
    ("real/exim/mainlog-default", "real/exim/mainlog-default"),
    ("real/exim/mainlog-rich", "real/exim/mainlog-rich"),
    (
        "real/postfix/maillog-classic",
        "real/postfix/maillog-classic",
    ),
    (
        "real/postfix/maillog-rfc3339",
        "real/postfix/maillog-rfc3339",
    ),
    (
        "real/exim/rotated/mainlog-default",
        "real/exim/rotated/mainlog-default",
    ),
];

/// Truth rows of one kind by category, for the files starting with `prefix`
/// (`mainlog-default` and `mainlog-default.1.gz`, not `mainlog-rich`).
fn truth(prefix: &str, kind: &str) -> std::collections::BTreeMap<String, u64> {
    let mut m = std::collections::BTreeMap::new();
    for r in common::tsv("real/expected-events.tsv") {
        let f = &r["file"];
        let same = f == prefix || f.strip_prefix(prefix).is_some_and(|t| t.starts_with('.'));
        if same && r["kind"] == kind {
            *m.entry(r["category"].clone()).or_default() += 1;
        }
    }
    m
}

fn real_summary(rel: &str, extra: &[&str]) -> Output {
    let p = path_str(&fixture(rel));
    let mut a = vec![
        "summary",
        "--day",
        "2026-11-23",
        "--tz",
        "utc",
        "--year",
        "2026",
    ];
    a.extend_from_slice(extra);
    a.push(&p);
    run(&a)
}

/// `category -> count` of a section of the text summary.
fn section(text: &str, title: &str) -> std::collections::BTreeMap<String, u64> {
    text.lines()
        .skip_while(|l| *l != title)
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            Some((w.next()?.to_string(), w.next()?.parse().ok()?))
        })
        .collect()
}

#[test]
fn issue_14_summary_causes_count_each_deferral_once() {
    for (rel, prefix) in REAL {
        let o = real_summary(rel, &["--host", "mx1"]);
        assert_eq!(o.code, 0, "{rel}: {}", o.stderr);
        let deferred = truth(prefix, "deferred");
        let total: u64 = deferred.values().sum();
        assert!(total > 100, "{rel}: truth has {total} deferrals");
        assert!(
            o.stdout
                .starts_with(&format!("maillog421: {total} deferrals with 421 on mx1")),
            "{rel}: {}",
            o.stdout
        );
        assert_eq!(
            section(&o.stdout, "Causes of the 421 deferrals"),
            deferred,
            "{rel}"
        );
        assert_eq!(
            section(&o.stdout, "Causes of the 421s we sent (inbound)"),
            truth(prefix, "inbound"),
            "{rel}"
        );
        // HTML: each advice card counts its category's deferrals.
        let o = real_summary(rel, &["--format", "html"]);
        assert_eq!(o.code, 0, "{rel}: {}", o.stderr);
        for (cat, n) in &deferred {
            let s = if *n == 1 { "" } else { "s" };
            let card = format!("<h3>{cat}<span class=\"count\">{n} 421 deferral{s}");
            assert!(o.stdout.contains(&card), "{rel}: no {card}");
        }
        assert!(!o.stdout.contains(" times</span>"), "{rel}");
    }
}

#[test]
fn issue_14_summary_day_outside_inputs() {
    for quiet in [false, true] {
        let mut extra = vec!["--day", "2026-12-06"];
        if quiet {
            extra.push("--quiet-if-none");
        }
        let p = path_str(&fixture("real/exim/mainlog-default"));
        let mut a = vec!["summary", "--tz", "utc", "--host", "mx1"];
        a.extend(&extra);
        a.push(&p);
        let o = run(&a);
        assert_eq!(o.code, 2, "quiet {quiet}: {}", o.stdout);
        for out in [&o.stdout, &o.stderr] {
            let out = out.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                out.contains("2026-12-06 is outside the logs")
                    && out.contains("2026-11-23 11:05")
                    && out.contains("2026-11-23 11:08")
                    && out.contains("log rotation stalled"),
                "quiet {quiet}: {out}"
            );
        }
        assert!(
            o.stdout.starts_with(
                "maillog421: no summary for 2026-12-06 on mx1: day outside the logs\n"
            ),
            "{}",
            o.stdout
        );
        assert!(!o.stdout.contains("No 421 that day"));
    }
}

#[test]
fn issue_14_summary_nothing_understood() {
    let dir = tempfile::tempdir().unwrap();
    // A wrapper maillog421 does not know puts its tag before every line
    // (`docker compose logs` did, before issue 17 taught the reader its prefix).
    let real = std::fs::read_to_string(fixture("real/exim/mainlog-default")).unwrap();
    let prefixed: String = real.lines().map(|l| format!("<<mx1>> {l}\n")).collect();
    let p = dir.path().join("compose.log");
    std::fs::write(&p, prefixed).unwrap();
    let p = path_str(&p);
    let lines = real.lines().count();
    for quiet in [&[][..], &["--quiet-if-none"][..]] {
        let mut a = vec![
            "summary",
            "--day",
            "2026-11-23",
            "--tz",
            "utc",
            "--host",
            "mx1",
        ];
        a.extend_from_slice(quiet);
        a.push(&p);
        let o = run(&a);
        assert_eq!(o.code, 2, "{quiet:?}: {}", o.stdout);
        for out in [&o.stdout, &o.stderr] {
            let out = out.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                out.contains(&format!("None of the {lines} lines"))
                    && out.contains("A prefix before each line"),
                "{quiet:?}: {out}"
            );
        }
        assert!(
            o.stdout
                .starts_with("maillog421: no summary for 2026-11-23 on mx1: no line understood\n")
        );
    }
}

#[test]
fn issue_14_summary_says_there_is_no_earlier_day() {
    let o = real_summary("real/exim/mainlog-default", &[]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(!o.stdout.contains("0-day"), "{}", o.stdout);
    assert!(!o.stdout.contains("day before"), "{}", o.stdout);
    assert!(
        o.stdout.contains("No earlier day in the logs"),
        "{}",
        o.stdout
    );
    // A day with one earlier day in the logs compares with it.
    let o = run(&["summary", "--day", "2026-11-24", "--tz", "utc", &{
        let dir = tempfile::tempdir().unwrap().keep();
        log_with_a_quiet_day(&dir)
    }]);
    assert!(o.stdout.contains("1 earlier day"), "{}", o.stdout);
    assert!(!o.stdout.contains("No earlier day"), "{}", o.stdout);
}

#[test]
fn issue_14_summary_fits_80_columns() {
    let dir = tempfile::tempdir().unwrap();
    // Odd inputs: a 70-character domain and recipient in real Postfix lines.
    let long = format!("{}.example", "very-long-subdomain-name".repeat(3));
    let real = std::fs::read_to_string(fixture("real/postfix/maillog-classic")).unwrap();
    let odd = dir.path().join("maillog");
    std::fs::write(&odd, real.replace("dead.test", &long)).unwrap();
    let odd = path_str(&odd);
    let host = "a-mail-server-with-a-really-long-host-name.datacenter.example.org";
    let mut cases: Vec<Vec<String>> = REAL
        .iter()
        .map(|(rel, _)| vec![path_str(&fixture(rel))])
        .collect();
    cases.push(vec![odd.clone()]);
    cases.push(vec!["--day".into(), "2026-12-06".into(), odd.clone()]);
    cases.push(vec!["--day".into(), "2026-11-21".into(), story()]);
    let mut checked = 0;
    for case in &cases {
        let mut a: Vec<&str> = vec!["summary", "--tz", "utc", "--year", "2026", "--host", host];
        if !case.contains(&"--day".to_string()) {
            a.extend(["--day", "2026-11-23"]);
        }
        a.extend(case.iter().map(String::as_str));
        let o = run(&a);
        assert!(o.stdout.lines().count() > 2, "{case:?}: {}", o.stderr);
        for l in o.stdout.lines() {
            assert!(
                l.chars().count() <= 80,
                "{case:?}: {} wide: {l:?}",
                l.chars().count()
            );
            checked += 1;
        }
    }
    assert!(checked > 200);
    let o = run(&[
        "summary",
        "--day",
        "2026-11-23",
        "--tz",
        "utc",
        "--year",
        "2026",
        &odd,
    ]);
    assert!(
        o.stdout.contains("very-long-subdomain-name"),
        "{}",
        o.stdout
    );
}

#[test]
fn issue_14_postfix_summary_gives_no_exim_advice() {
    for (rel, other, own) in [
        ("real/postfix/maillog-classic", "exim", "postfix"),
        ("real/exim/mainlog-default", "postfix", "exim"),
    ] {
        for format in ["text", "html"] {
            let o = real_summary(rel, &["--format", format]);
            assert_eq!(o.code, 0, "{}", o.stderr);
            let advice = o.stdout.to_lowercase();
            let advice = &advice[advice.find("what to do").unwrap()..];
            assert!(!advice.contains(other), "{rel} {format}: {advice}");
            assert!(advice.contains(own), "{rel} {format}: {advice}");
        }
    }
}

/// `summary -` as `zcat mail.log.2.gz | maillog421 summary -` or a
/// container's log through a pipe: the same mail text as the file, whether
/// the pipe carries plain text, gzip, or `docker compose logs` prefixes.
#[test]
fn issue_17_summary_reads_stdin_like_the_file() {
    let rel = "real/postfix/maillog-classic";
    let args = [
        "summary",
        "--day",
        "2026-11-23",
        "--tz",
        "utc",
        "--year",
        "2026",
        "--host",
        "mx1",
    ];
    let file = run(&[&args[..], &[path_str(&fixture(rel)).as_str()]].concat());
    assert_eq!(file.code, 0, "{}", file.stderr);
    // Independent: the deferrals of the truth for this log.
    let deferred: u64 = truth(rel, "deferred").values().sum();
    assert!(
        file.stdout.starts_with(&format!(
            "maillog421: {deferred} deferrals with 421 on mx1 for 2026-11-23, top "
        )),
        "{}",
        file.stdout
    );
    let plain = std::fs::read(fixture(rel)).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &plain).unwrap();
    let gz = gz.finish().unwrap();
    let compose: Vec<u8> = String::from_utf8(plain.clone())
        .unwrap()
        .lines()
        .flat_map(|l| format!("postfix-1  | {l}\n").into_bytes())
        .collect();
    for (what, input) in [("plain", plain), ("gzip", gz), ("compose", compose)] {
        let o = cmd(&[&args[..], &["-"]].concat())
            .write_stdin(input)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{what}");
        assert_eq!(
            String::from_utf8_lossy(&o.stdout),
            file.stdout,
            "{what}: summary - gives the file's text"
        );
    }
}

/// The summary reads its inputs twice (the day, then the week before it):
/// a pipe is read once, so `cat mainlog.1 mainlog | maillog421 summary -`
/// keeps the day before and the comparison columns of the files.
#[test]
fn issue_17_summary_stdin_keeps_the_days_before() {
    let args = [
        "summary",
        "--day",
        "2026-11-21",
        "--tz",
        "utc",
        "--host",
        "mx1",
    ];
    let file = run(&[&args[..], &[story().as_str()]].concat());
    assert_eq!(file.code, 0, "{}", file.stderr);
    assert!(file.stdout.contains("day before"), "{}", file.stdout);
    let mut both = std::fs::read(fixture("retries/exim/mainlog.1")).unwrap();
    both.extend(std::fs::read(fixture("retries/exim/mainlog")).unwrap());
    // The copy goes to TMPDIR and is removed at the end.
    let tmp = tempfile::tempdir().unwrap();
    let o = cmd(&[&args[..], &["-"]].concat())
        .env("TMPDIR", tmp.path())
        .write_stdin(both)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&o.stdout), file.stdout);
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
}

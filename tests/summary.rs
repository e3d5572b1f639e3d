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

#[test]
fn quiet_if_none_prints_nothing_on_a_day_without_421s() {
    let o = run(&[
        "summary",
        "--day",
        "2026-10-01",
        "--tz",
        "utc",
        "--quiet-if-none",
        &story(),
    ]);
    assert_eq!((o.code, o.stdout.as_str()), (0, ""));
    let o = run(&[
        "summary",
        "--day",
        "2026-10-01",
        "--tz",
        "utc",
        "--host",
        "mx1",
        &story(),
    ]);
    assert_eq!(o.code, 0);
    assert!(
        o.stdout
            .starts_with("maillog421: no deferrals with 421 on mx1 for 2026-10-01\n")
    );
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
    assert_eq!(html.matches("<svg").count(), 4);
}

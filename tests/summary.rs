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

//! `maillog421 summary`: one day's 421s as a mail for cron. The first line
//! works as a subject; the body fits 80 columns and holds totals against
//! the day before and the 7-day average, top domains, causes, peak hours,
//! retry outcomes and what to do.

use std::io::Write;

use anyhow::{Context, Result};
use chrono::{Days, NaiveDate};

use crate::classify::Cause;
use crate::cli::{FailAbove, InputArgs, SummaryArgs, SummaryFormat, parse_when};
use crate::guidance::guidance;
use crate::parse::time::format_rfc3339;
use crate::render::Render;
use crate::report::Report;
use crate::run::{build_report, scan_all, scan_inputs};

/// Counts of one day, for the comparison columns.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Day {
    attempts: u64,
    deferrals: u64,
    inbound: u64,
    /// The logs hold lines of this day.
    present: bool,
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "this server".to_string())
}

fn input_args(a: &SummaryArgs, since: i64, until: i64) -> InputArgs {
    InputArgs {
        paths: a.paths.clone(),
        rotated: true,
        input_format: a.input_format,
        year: a.year,
        tz: a.tz,
        since: Some(format_rfc3339(since, a.tz)),
        until: Some(format_rfc3339(until, a.tz)),
        threads: None,
        verbose: false,
        by_host: false,
        host: None,
    }
}

/// Midnight starting `date` in the zone (DST-safe: each day is found by
/// its own date, not by adding 24 hours).
fn midnight(date: NaiveDate, a: &SummaryArgs) -> Result<i64> {
    parse_when(&date.format("%Y-%m-%d").to_string(), a.tz, 0).map_err(anyhow::Error::msg)
}

/// The 7 days before the report day, the day before first.
fn earlier_days(a: &SummaryArgs, date: NaiveDate) -> Result<Vec<Day>> {
    let first = date - Days::new(7);
    let (since, until) = (midnight(first, a)?, midnight(date, a)?);
    let input = input_args(a, since, until);
    let cfg = input.scan_config(3600, false).map_err(anyhow::Error::msg)?;
    let sources = crate::run::sources(&input)?;
    let mut scanned = scan_all(&sources, &cfg, None)?;
    let report = build_report(&mut scanned, &cfg);
    let mut days = Vec::new();
    for k in 1..=7u64 {
        let d = date - Days::new(k);
        let (from, to) = (midnight(d, a)?, midnight(d + Days::new(1), a)?);
        let mut day = Day::default();
        for w in report
            .by_window
            .iter()
            .filter(|w| w.start_secs >= from && w.start_secs < to)
        {
            day.attempts += w.delivery_attempts;
            day.deferrals += w.deferrals_421;
            day.inbound += w.inbound_421;
            day.present |= w.delivery_attempts + w.messages_received + w.inbound_421 > 0;
        }
        days.push(day);
    }
    Ok(days)
}

/// `+12%`, `-40%`, `new`, or `=`.
fn change(now: u64, before: f64) -> String {
    if before == 0.0 {
        return if now == 0 { "=".into() } else { "new".into() };
    }
    let pct = (now as f64 - before) / before * 100.0;
    if pct.abs() < 0.5 {
        "=".into()
    } else {
        format!("{pct:+.0}%")
    }
}

/// Wraps `text` to `width` columns after `indent` (continuations indented
/// two more).
fn wrap(text: &str, indent: &str, width: usize) -> String {
    crate::guidance::wrap(text, indent, &format!("{indent}  "), width).join("\n")
}

fn clip(s: &str, max: usize) -> String {
    let s = crate::text::escape_control(s);
    if s.chars().count() > max {
        s.chars().take(max - 1).chain(['…']).collect()
    } else {
        s
    }
}

/// The first line: a mail subject.
pub fn subject(r: &Report, host: &str, date: &str) -> String {
    let n = r.totals.deferrals_421;
    if n == 0 {
        return format!("maillog421: no deferrals with 421 on {host} for {date}");
    }
    let top = r
        .by_domain
        .first()
        .map(|d| format!(", top {} ({})", clip(&d.domain, 30), d.deferrals_421))
        .unwrap_or_default();
    let s = if n == 1 { "" } else { "s" };
    format!("maillog421: {n} deferral{s} with 421 on {host} for {date}{top}")
}

fn text(r: &Report, days: &[Day], host: &str, date: &str, top: usize) -> String {
    let mut o = String::new();
    let t = &r.totals;
    let push = |o: &mut String, s: String| {
        o.push_str(&s);
        o.push('\n');
    };
    push(&mut o, subject(r, host, date));
    push(&mut o, String::new());
    let before = days.first().filter(|d| d.present);
    let week: Vec<&Day> = days.iter().filter(|d| d.present).collect();
    let avg = |f: fn(&Day) -> u64| -> Option<f64> {
        (!week.is_empty())
            .then(|| week.iter().map(|d| f(d) as f64).sum::<f64>() / week.len() as f64)
    };
    push(
        &mut o,
        format!(
            "{:<24}{:>10}{:>16}{:>22}",
            "",
            "the day",
            "day before",
            format!("{}-day average", week.len())
        ),
    );
    type Column = fn(&Day) -> u64;
    let rows: [(&str, u64, Column); 3] = [
        ("delivery attempts", t.delivery_attempts, |d| d.attempts),
        ("421 deferrals", t.deferrals_421, |d| d.deferrals),
        ("421s we sent (inbound)", t.inbound_421, |d| d.inbound),
    ];
    for (name, now, f) in rows {
        let b = before.map_or("-".to_string(), |d| {
            format!("{} {}", f(d), change(now, f(d) as f64))
        });
        let a = avg(f).map_or("-".to_string(), |v| format!("{v:.1} {}", change(now, v)));
        push(&mut o, format!("{name:<24}{now:>10}{b:>16}{a:>22}"));
    }
    push(
        &mut o,
        format!(
            "{:<24}{:>10}",
            "421s per 1000 attempts",
            format!(
                "{:.1}",
                crate::analysis::per_1000(t.deferrals_421, t.delivery_attempts)
            )
        ),
    );
    if t.deferrals_421 + t.suspended_421 + t.replies_421 + t.inbound_421 == 0 {
        push(&mut o, String::new());
        push(&mut o, "No 421 that day.".to_string());
        return o;
    }

    push(&mut o, String::new());
    push(
        &mut o,
        "Top domains (421 deferrals, main cause, retry outcomes)".into(),
    );
    for d in r.by_domain.iter().take(top) {
        let x = &d.retries;
        push(
            &mut o,
            format!(
                "  {:<28}{:>6}  {:<16} {} recovered, {} pending",
                clip(&d.domain, 28),
                d.deferrals_421,
                d.top_category.unwrap_or("-"),
                x.recovered,
                x.pending
            ),
        );
    }

    push(&mut o, String::new());
    push(&mut o, "Causes (all 421 events)".into());
    let mut present: Vec<(Cause, u64)> = Cause::ALL
        .iter()
        .map(|c| (*c, r.by_category[c.index()].counts.total()))
        .filter(|(_, n)| *n > 0)
        .collect();
    present.sort_by_key(|(c, n)| (std::cmp::Reverse(*n), c.index()));
    for (c, n) in &present {
        push(&mut o, format!("  {:<18}{n:>6}  {}", c.name(), c.meaning()));
    }

    let mut peaks: Vec<_> = r.by_window.iter().filter(|w| w.deferrals_421 > 0).collect();
    peaks.sort_by(|a, b| {
        b.deferrals_421
            .cmp(&a.deferrals_421)
            .then(a.start_secs.cmp(&b.start_secs))
    });
    if !peaks.is_empty() {
        push(&mut o, String::new());
        push(&mut o, "Peak hours".into());
        for w in peaks.iter().take(3) {
            push(
                &mut o,
                format!(
                    "  {}  {:>5} 421 deferrals of {:>6} attempts ({:.1} per 1000)",
                    w.start.get(11..16).unwrap_or(&w.start),
                    w.deferrals_421,
                    w.delivery_attempts,
                    w.rate_per_1000
                ),
            );
        }
    }

    let x = &r.retries;
    if x.with_421 > 0 {
        push(&mut o, String::new());
        push(
            &mut o,
            wrap(
                &format!(
                    "Retries: {} recipients met a 421: {} delivered later, {} bounced, {} still pending at the end of the day.",
                    x.with_421, x.recovered, x.bounced, x.pending
                ),
                "",
                80,
            ),
        );
        for p in r.pending.iter().take(5) {
            push(
                &mut o,
                format!(
                    "  stuck (first 421 that day {}): {} {}",
                    p.first_421.get(11..16).unwrap_or(&p.first_421),
                    clip(&p.id, 24),
                    clip(&p.recipient, 40)
                ),
            );
        }
    }

    push(&mut o, String::new());
    push(&mut o, "What to do".into());
    for (c, _) in present.iter().take(4) {
        let g = guidance(*c);
        push(&mut o, format!("  {}:", c.name()));
        for item in g.do_now.iter().take(3) {
            push(&mut o, wrap(&format!("- {item}"), "    ", 80));
        }
    }
    push(&mut o, String::new());
    push(
        &mut o,
        "`maillog421 explain CATEGORY` says more; `maillog421 report` has every table.".into(),
    );
    o
}

fn crossed(r: &Report, limit: Option<FailAbove>) -> bool {
    match limit {
        None => false,
        Some(FailAbove::Total(n)) => r.totals.deferrals_421 > n,
        Some(FailAbove::Domain(n)) => r.by_domain.iter().any(|d| d.deferrals_421 > n),
    }
}

/// Runs `summary`; returns the exit status.
pub fn run(a: &SummaryArgs, stdout: &mut dyn Write) -> Result<i32> {
    let now = chrono::Utc::now().timestamp();
    let start = parse_when(&a.day, a.tz, now).map_err(anyhow::Error::msg)?;
    let date_text = format_rfc3339(start, a.tz)[..10].to_string();
    let date = NaiveDate::parse_from_str(&date_text, "%Y-%m-%d").context("the day")?;
    let end = midnight(date + Days::new(1), a)?;

    let (cfg, mut scanned, failed) = scan_inputs(&input_args(a, start, end), 3600, false)?;
    let report = build_report(&mut scanned, &cfg);
    let any = report.totals.deferrals_421
        + report.totals.suspended_421
        + report.totals.replies_421
        + report.totals.inbound_421
        > 0;
    let status = if failed {
        crate::run::EXIT_ERRORS
    } else if crossed(&report, a.fail_above) {
        1
    } else {
        crate::run::EXIT_OK
    };
    if a.quiet_if_none && !any {
        return Ok(status);
    }
    let host = a.host.clone().unwrap_or_else(host_name);
    let mut file;
    let out: &mut dyn Write = match &a.output {
        Some(p) => {
            file = crate::run::Named::new(
                format!(
                    "-o {}",
                    crate::text::escape_control(&p.display().to_string())
                ),
                std::io::BufWriter::new(
                    std::fs::File::create(p)
                        .with_context(|| format!("creating {}", p.display()))?,
                ),
            );
            &mut file
        }
        None => stdout,
    };
    match a.format {
        SummaryFormat::Text => {
            let days = earlier_days(a, date)?;
            out.write_all(text(&report, &days, &host, &date_text, a.top).as_bytes())?;
        }
        SummaryFormat::Html => crate::render::html::Html {
            title: subject(&report, &host, &date_text),
            top: a.top,
        }
        .render(&report, out)?,
    }
    out.flush()?;
    Ok(status)
}

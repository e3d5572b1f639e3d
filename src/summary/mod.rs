//! `maillog421 summary`: one day's 421s as a mail for cron. The first line
//! works as a subject; the body fits 80 columns and holds totals against
//! the day before and the 7-day average, top domains, causes, peak hours,
//! retry outcomes and what to do.

mod inputs;
mod text;

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::{Days, NaiveDate};

use crate::config::InputSettings;
use crate::exit::ExitCode;
use crate::output::Output;
use crate::parse::time::format_rfc3339;
use crate::pipeline::{build_report, scan_all, scan_inputs};
use crate::render::fmt::cell;
use crate::report::Report;
use crate::when::parse_when;
use crate::window;
use inputs::{spool_streams, useless_input};
pub use text::subject;
use text::{html_day, wrap};

/// `--fail-above N` (all 421 deferrals) or `domain:N` (any one domain).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailAbove {
    Total(u64),
    Domain(u64),
}

/// What `summary` is asked for.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The logs (their rotated siblings are read too), format, year, zone
    /// and journal; the period is the day's.
    pub input: InputSettings,
    /// yesterday, today or YYYY-MM-DD.
    pub day: String,
    /// The server's name in the first line (default: this machine's).
    pub host: Option<String>,
    /// HTML instead of text.
    pub html: bool,
    /// `-o FILE` instead of stdout.
    pub output: Option<PathBuf>,
    /// Nothing printed when the day had no 421.
    pub quiet_if_none: bool,
    pub fail_above: Option<FailAbove>,
    /// Rows in ranked lists.
    pub top: usize,
    /// Window of the peaks.
    pub window: i64,
}

/// Counts of one day, for the comparison columns.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Day {
    attempts: u64,
    retry_skipped: u64,
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

/// The inputs read for `[since, until)`.
fn day_input(a: &Settings, since: i64, until: i64) -> InputSettings {
    InputSettings {
        since: Some(format_rfc3339(since, a.input.zone)),
        until: Some(format_rfc3339(until, a.input.zone)),
        ..a.input.clone()
    }
}

/// The local day `date` as `[start, end)`.
fn day_span(date: NaiveDate, a: &Settings) -> Result<(i64, i64)> {
    window::day_span(a.input.zone, date).ok_or_else(|| anyhow::anyhow!("`{date}`: no such date"))
}

/// The 7 days before the report day, the day before first.
fn earlier_days(a: &Settings, date: NaiveDate) -> Result<Vec<Day>> {
    let first = date - Days::new(7);
    let (since, until) = (day_span(first, a)?.0, day_span(date, a)?.0);
    let input = day_input(a, since, until);
    let cfg = input
        .scan_config(window::HOUR, false)
        .map_err(anyhow::Error::msg)?;
    let sources = crate::pipeline::sources(&input)?;
    let mut scanned = scan_all(&sources, &cfg, None)?;
    let report = build_report(&mut scanned, &cfg);
    let mut days = Vec::new();
    for k in 1..=7u64 {
        let d = date - Days::new(k);
        let (from, to) = day_span(d, a)?;
        let mut day = Day::default();
        for w in report
            .by_window
            .iter()
            .filter(|w| w.start_secs >= from && w.start_secs < to)
        {
            day.attempts += w.delivery_attempts;
            day.retry_skipped += w.retry_skipped;
            day.deferrals += w.deferrals_421;
            day.inbound += w.inbound_421;
            day.present |=
                w.delivery_attempts + w.retry_skipped + w.messages_received + w.inbound_421 > 0;
        }
        days.push(day);
    }
    Ok(days)
}

fn crossed(r: &Report, limit: Option<FailAbove>) -> bool {
    match limit {
        None => false,
        Some(FailAbove::Total(n)) => r.totals.deferrals_421 > n,
        Some(FailAbove::Domain(n)) => r.by_domain.iter().any(|d| d.deferrals_421 > n),
    }
}

/// Runs `summary`; `colour`: `--color` allows ANSI colour on stdout (the
/// headline's labels).
pub fn run(a: &Settings, colour: bool, stdout: &mut dyn Write) -> Result<ExitCode> {
    let spooled = spool_streams(&a.input.paths)?;
    let mut a = a.clone();
    a.input.paths = spooled.paths.clone();
    let a = &a;
    let zone = a.input.zone;
    let now = chrono::Utc::now().timestamp();
    let start = parse_when(&a.day, zone, now).map_err(anyhow::Error::msg)?;
    let date_text = format_rfc3339(start, zone)[..10].to_string();
    let date = NaiveDate::parse_from_str(&date_text, "%Y-%m-%d").context("the day")?;
    let end = day_span(date, a)?.1;

    let (cfg, mut scanned, failed) = scan_inputs(&day_input(a, start, end), a.window, false)?;
    let problem = useless_input(&scanned, start, end, a);
    let report = build_report(&mut scanned, &cfg);
    let any = report.totals.deferrals_421
        + report.totals.suspended_421
        + report.totals.replies_421
        + report.totals.inbound_421
        > 0;
    let status = if failed || problem.is_some() {
        ExitCode::Errors
    } else if crossed(&report, a.fail_above) {
        ExitCode::Threshold
    } else {
        ExitCode::Ok
    };
    if a.quiet_if_none && !any && problem.is_none() {
        return Ok(status);
    }
    let host = a.host.clone().unwrap_or_else(host_name);
    let mut out = Output::open(a.output.as_deref(), stdout)?;
    if let Some((what, why)) = problem {
        crate::say!("maillog421: summary: {why}");
        let title = format!(
            "maillog421: no summary for {date_text} on {}: {what}",
            cell(&host, 16)
        );
        if a.html {
            let esc = crate::render::html::esc;
            writeln!(
                out,
                "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body><h1>{}</h1>\n<p>{}</p></body></html>",
                esc(&title),
                esc(&title),
                esc(&why)
            )?;
        } else {
            writeln!(out, "{title}\n\n{}", wrap(&why, "", 80))?;
        }
        out.flush()?;
        return Ok(status);
    }
    let days = earlier_days(a, date)?;
    if a.html {
        crate::render::html::Html {
            title: subject(&report, &host, &date_text),
            top: a.top,
        }
        .render_day(&report, &html_day(&report, &days, start, end), &mut out)?
    } else {
        // Colour only on stdout (`--color`), never in a file.
        let colour = colour && !out.is_file();
        let body = text::text(&report, &days, &host, &date_text, a.top, colour);
        out.write_all(body.as_bytes())?;
    }
    out.flush()?;
    Ok(status)
}

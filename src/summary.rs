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
use crate::report::Report;
use crate::run::{build_report, scan_all, scan_inputs};

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

fn input_args(a: &SummaryArgs, since: i64, until: i64) -> InputArgs {
    InputArgs {
        paths: a.paths.clone(),
        rotated: true,
        input_format: a.input_format,
        year: a.year,
        tz: a.tz,
        since: Some(format_rfc3339(since, a.tz)),
        until: Some(format_rfc3339(until, a.tz)),
        now: false,
        reference: None,
        threads: None,
        verbose: false,
        by_host: false,
        host: None,
        journal: a.journal.clone(),
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

/// The HTML page's comparison and axis: the same rows, day before and
/// average as [`text`] prints.
fn html_day(r: &Report, days: &[Day], from: i64, to: i64) -> crate::render::html::Day {
    let t = &r.totals;
    let before = days.first().filter(|d| d.present);
    let week: Vec<&Day> = days.iter().filter(|d| d.present).collect();
    type Column = fn(&Day) -> u64;
    let columns: [(&'static str, u64, Column); 4] = [
        ("delivery attempts", t.delivery_attempts, |d| d.attempts),
        ("retry-skipped (no try)", t.retry_skipped, |d| {
            d.retry_skipped
        }),
        ("421 deferrals", t.deferrals_421, |d| d.deferrals),
        ("421s we sent (inbound)", t.inbound_421, |d| d.inbound),
    ];
    let rows = columns
        .into_iter()
        .map(|(name, now, f)| {
            let average = (!week.is_empty())
                .then(|| week.iter().map(|d| f(d) as f64).sum::<f64>() / week.len() as f64);
            crate::render::html::DayRow {
                name,
                now,
                before: before.map(|d| (f(d), change(now, f(d) as f64))),
                average: average.map(|v| (v, change(now, v))),
            }
        })
        .collect();
    crate::render::html::Day {
        from,
        to,
        average_head: match week.len() {
            0 => None,
            1 => Some("1 earlier day".to_string()),
            n => Some(format!("{n}-day average")),
        },
        rows,
    }
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

/// The first line: a mail subject, at most 80 columns (a long host name or
/// top domain is shortened, the top domain dropped before the count).
pub fn subject(r: &Report, host: &str, date: &str) -> String {
    let n = r.totals.deferrals_421;
    let host = clip(host, 24);
    if n == 0 {
        return format!("maillog421: no deferrals with 421 on {host} for {date}");
    }
    let s = if n == 1 { "" } else { "s" };
    let head = format!("maillog421: {n} deferral{s} with 421 on {host} for {date}");
    let Some(d) = r.by_domain.first() else {
        return head;
    };
    let count = format!(" ({})", d.deferrals_421);
    let room = 80usize.saturating_sub(head.chars().count() + ", top ".len() + count.len());
    if room < 8 {
        return head;
    }
    format!("{head}, top {}{count}", clip(&d.domain, room))
}

fn text(r: &Report, days: &[Day], host: &str, date: &str, top: usize, colour: bool) -> String {
    let mut o = String::new();
    let t = &r.totals;
    let push = |o: &mut String, s: String| {
        o.push_str(&s);
        o.push('\n');
    };
    push(&mut o, subject(r, host, date));
    push(&mut o, String::new());
    let term = crate::render::term::Term {
        color: colour,
        ..Default::default()
    };
    for line in &r.headline.lines {
        push(&mut o, term.headline_line(line));
    }
    push(&mut o, String::new());
    let before = days.first().filter(|d| d.present);
    let week: Vec<&Day> = days.iter().filter(|d| d.present).collect();
    let avg = |f: fn(&Day) -> u64| -> Option<f64> {
        (!week.is_empty())
            .then(|| week.iter().map(|d| f(d) as f64).sum::<f64>() / week.len() as f64)
    };
    type Column = fn(&Day) -> u64;
    let rows: [(&str, u64, Column); 4] = [
        ("delivery attempts", t.delivery_attempts, |d| d.attempts),
        ("retry-skipped (no try)", t.retry_skipped, |d| {
            d.retry_skipped
        }),
        ("421 deferrals", t.deferrals_421, |d| d.deferrals),
        ("421s we sent (inbound)", t.inbound_421, |d| d.inbound),
    ];
    if week.is_empty() {
        push(&mut o, format!("{:<24}{:>10}", "", "the day"));
        for (name, now, _) in rows {
            push(&mut o, format!("{name:<24}{now:>10}"));
        }
    } else {
        let average = match week.len() {
            1 => "1 earlier day".to_string(),
            n => format!("{n}-day average"),
        };
        push(
            &mut o,
            format!(
                "{:<24}{:>10}{:>16}{:>22}",
                "", "the day", "day before", average
            ),
        );
        for (name, now, f) in rows {
            let b = before.map_or("-".to_string(), |d| {
                format!("{} {}", f(d), change(now, f(d) as f64))
            });
            let a = avg(f).map_or("-".to_string(), |v| format!("{v:.1} {}", change(now, v)));
            push(&mut o, format!("{name:<24}{now:>10}{b:>16}{a:>22}"));
        }
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
    if week.is_empty() {
        push(
            &mut o,
            "No earlier day in the logs to compare with (they start on this day).".into(),
        );
    }
    if t.deferrals_421 + t.suspended_421 + t.replies_421 + t.inbound_421 == 0 {
        push(&mut o, String::new());
        push(&mut o, "No 421 that day.".to_string());
        return o;
    }

    push(&mut o, String::new());
    if !r.by_domain.is_empty() {
        push(&mut o, "Top domains".into());
        push(
            &mut o,
            format!(
                "  {:<30}{:>8}  {:<16}{:>11}{:>9}",
                "domain", "421s", "main cause", "recovered", "pending"
            ),
        );
    }
    for d in r.by_domain.iter().take(top) {
        let x = &d.retries;
        push(
            &mut o,
            format!(
                "  {:<30}{:>8}  {:<16}{:>11}{:>9}",
                clip(&d.domain, 29),
                d.deferrals_421,
                d.top_category.unwrap_or("-"),
                x.recovered,
                x.pending
            ),
        );
    }

    // The 421s: the deferrals, and apart from them the 421s we sent; never
    // the host-level or cached lines that repeat a deferral.
    let by = |f: fn(&crate::report::KindCounts) -> u64| -> Vec<(Cause, u64)> {
        let mut v: Vec<(Cause, u64)> = Cause::ALL
            .iter()
            .map(|c| (*c, f(&r.by_category[c.index()].counts)))
            .filter(|(_, n)| *n > 0)
            .collect();
        v.sort_by_key(|(c, n)| (std::cmp::Reverse(*n), c.index()));
        v
    };
    let deferred = by(|k| k.deferrals_421);
    let inbound = by(|k| k.inbound_421);
    for (title, list) in [
        ("Causes of the 421 deferrals", &deferred),
        ("Causes of the 421s we sent (inbound)", &inbound),
    ] {
        if list.is_empty() {
            continue;
        }
        push(&mut o, String::new());
        push(&mut o, title.into());
        for (c, n) in list {
            let head = format!("  {:<17}{n:>6} ", c.name());
            let rest = " ".repeat(head.len());
            push(
                &mut o,
                crate::guidance::wrap(c.meaning(), &head, &rest, 80).join("\n"),
            );
        }
    }
    let mut present = deferred.clone();
    present.extend(
        inbound
            .iter()
            .filter(|(c, _)| !deferred.iter().any(|(d, _)| d == c)),
    );

    let mut peaks: Vec<_> = r.by_window.iter().filter(|w| w.deferrals_421 > 0).collect();
    peaks.sort_by(|a, b| {
        b.deferrals_421
            .cmp(&a.deferrals_421)
            .then(a.start_secs.cmp(&b.start_secs))
    });
    if !peaks.is_empty() {
        push(&mut o, String::new());
        push(
            &mut o,
            match r.window_seconds {
                3600 => "Peak hours".to_string(),
                w => format!("Peak {} windows", crate::analysis::headline::window_name(w)),
            },
        );
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
            let head = format!(
                "  stuck, first 421 at {}: {}",
                p.first_421.get(11..16).unwrap_or(&p.first_421),
                clip(&p.id, 24),
            );
            let room = 80 - head.chars().count() - 1;
            push(&mut o, format!("{head} {}", clip(&p.recipient, room)));
        }
    }

    push(&mut o, String::new());
    push(&mut o, "What to do".into());
    let mtas = crate::guidance::Mtas::of(&r.inputs);
    for (c, _) in present.iter().take(4) {
        let g = guidance(*c);
        push(&mut o, format!("  {}:", c.name()));
        for item in g.do_now.iter().filter(|i| mtas.fits(i)).take(3) {
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

/// Why the inputs cannot say anything about the day, if they cannot: no
/// line at all, no line understood, or no input reaching into the day (a
/// stalled rotation, the wrong file). `(subject, explanation)`.
fn useless_input(
    scanned: &[crate::scan::Scanned],
    start: i64,
    end: i64,
    a: &SummaryArgs,
) -> Option<(&'static str, String)> {
    // The journal is read for the day alone (journalctl --since/--until)
    // and was checked to hold mail entries at all: nothing that day is a
    // quiet day, not useless input.
    let journal = a.journal.query(None, None).is_some()
        || (a.paths.is_empty() && scanned.iter().any(|s| s.stats.path.starts_with("journal")));
    if journal {
        return None;
    }
    let lines: u64 = scanned.iter().map(|s| s.stats.lines).sum();
    let names = scanned
        .iter()
        .map(|s| crate::text::escape_control(&s.stats.path))
        .collect::<Vec<_>>()
        .join(", ");
    if lines == 0 {
        return Some((
            "empty logs",
            format!("The logs hold no line at all ({names})."),
        ));
    }
    let spans: Vec<(i64, i64)> = scanned.iter().filter_map(|s| s.aggregate.span).collect();
    if spans.is_empty() {
        return Some((
            "no line understood",
            format!(
                "None of the {lines} lines of {names} was understood as an Exim or Postfix \
                 log line, so this says nothing about 421s. A prefix before each line that \
                 maillog421 does not peel (it knows those of docker logs -t, docker compose \
                 logs, kubectl logs --timestamps, grep -H and journalctl), or another log \
                 format? `maillog421 report --verbose` shows the first lines not understood."
            ),
        ));
    }
    if spans
        .iter()
        .any(|(first, last)| *first < end && *last >= start)
    {
        return None;
    }
    let first = spans.iter().map(|s| s.0).min().unwrap_or(0);
    let last = spans.iter().map(|s| s.1).max().unwrap_or(0);
    let when = |t: i64| {
        let s = format_rfc3339(t, a.tz).replacen('T', " ", 1);
        s.get(..16).unwrap_or(&s).to_string()
    };
    let day = format_rfc3339(start, a.tz);
    let why = if last < start {
        "Has log rotation stalled, or is this the wrong file?"
    } else {
        "Are these the right files, or is the day wrong?"
    };
    Some((
        "day outside the logs",
        format!(
            "{} is outside the logs: they run from {} to {} ({names}). {why}",
            &day[..10],
            when(first),
            when(last)
        ),
    ))
}

/// Runs `summary`; returns the exit status.
/// Inputs that can be read once only (stdin, a named pipe), copied to
/// temporary files that are removed on drop. The summary reads its inputs
/// twice (the day, then the 7 days before it for the comparison columns),
/// and a second read of a pipe would find nothing: `zcat mail.log.2.gz |
/// maillog421 summary -` would lose the day before.
struct Spooled {
    paths: Vec<std::path::PathBuf>,
    /// Removed when dropped; random names, mode 0600 (tempfile).
    temps: Vec<tempfile::NamedTempFile>,
}

fn spool_streams(paths: &[std::path::PathBuf]) -> Result<Spooled> {
    use std::os::unix::fs::FileTypeExt;
    let mut out = Spooled {
        paths: Vec::new(),
        temps: Vec::new(),
    };
    for p in paths {
        let stdin = p.as_os_str() == "-";
        let fifo = std::fs::metadata(p).is_ok_and(|m| m.file_type().is_fifo());
        if !stdin && !fifo {
            out.paths.push(p.clone());
            continue;
        }
        let name = if stdin {
            "<stdin>".to_string()
        } else {
            crate::text::escape_control(&p.display().to_string())
        };
        let mut temp = tempfile::Builder::new()
            .prefix("maillog421-summary-")
            .tempfile()
            .with_context(|| format!("{name}: creating a temporary copy"))?;
        let path = temp.path().to_path_buf();
        let copied = if stdin {
            std::io::copy(&mut std::io::stdin().lock(), temp.as_file_mut())
        } else {
            crate::input::open::open_waiting(p, &name)
                .and_then(|mut f| std::io::copy(&mut f, temp.as_file_mut()))
        };
        out.temps.push(temp);
        copied.with_context(|| format!("{name}: copying it to {}", path.display()))?;
        out.paths.push(path);
    }
    Ok(out)
}

/// `colour`: `--color` allows ANSI colour on stdout (the headline's labels).
pub fn run(a: &SummaryArgs, colour: bool, stdout: &mut dyn Write) -> Result<i32> {
    let spooled = spool_streams(&a.paths)?;
    let a = &SummaryArgs {
        paths: spooled.paths.clone(),
        ..a.clone()
    };
    let now = chrono::Utc::now().timestamp();
    let start = parse_when(&a.day, a.tz, now).map_err(anyhow::Error::msg)?;
    let date_text = format_rfc3339(start, a.tz)[..10].to_string();
    let date = NaiveDate::parse_from_str(&date_text, "%Y-%m-%d").context("the day")?;
    let end = midnight(date + Days::new(1), a)?;

    let (cfg, mut scanned, failed) = scan_inputs(&input_args(a, start, end), a.window, false)?;
    let problem = useless_input(&scanned, start, end, a);
    let report = build_report(&mut scanned, &cfg);
    let any = report.totals.deferrals_421
        + report.totals.suspended_421
        + report.totals.replies_421
        + report.totals.inbound_421
        > 0;
    let status = if failed || problem.is_some() {
        crate::run::EXIT_ERRORS
    } else if crossed(&report, a.fail_above) {
        1
    } else {
        crate::run::EXIT_OK
    };
    if a.quiet_if_none && !any && problem.is_none() {
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
    if let Some((what, why)) = problem {
        crate::say!("maillog421: summary: {why}");
        let title = format!(
            "maillog421: no summary for {date_text} on {}: {what}",
            clip(&host, 16)
        );
        match a.format {
            SummaryFormat::Text => {
                writeln!(out, "{title}\n\n{}", wrap(&why, "", 80))?;
            }
            SummaryFormat::Html => {
                let esc = crate::render::html::esc;
                writeln!(
                    out,
                    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body><h1>{}</h1>\n<p>{}</p></body></html>",
                    esc(&title),
                    esc(&title),
                    esc(&why)
                )?;
            }
        }
        out.flush()?;
        return Ok(status);
    }
    match a.format {
        SummaryFormat::Text => {
            let days = earlier_days(a, date)?;
            // Colour only on stdout (`--color`), never in a file.
            let colour = colour && a.output.is_none();
            out.write_all(text(&report, &days, &host, &date_text, a.top, colour).as_bytes())?;
        }
        SummaryFormat::Html => {
            let days = earlier_days(a, date)?;
            crate::render::html::Html {
                title: subject(&report, &host, &date_text),
                top: a.top,
            }
            .render_day(&report, &html_day(&report, &days, start, end), out)?
        }
    }
    out.flush()?;
    Ok(status)
}

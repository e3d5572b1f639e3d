//! The summary as text (and the HTML page's comparison rows).

use crate::classify::Cause;
use crate::guidance::guidance;
use crate::render::fmt::{cell, human_window};
use crate::report::Report;
use crate::window::HOUR;

use super::Day;

/// The HTML page's comparison and axis: the same rows, day before and
/// average as [`text`] prints.
pub(super) fn html_day(r: &Report, days: &[Day], from: i64, to: i64) -> crate::render::html::Day {
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
pub(super) fn wrap(text: &str, indent: &str, width: usize) -> String {
    crate::guidance::wrap(text, indent, &format!("{indent}  "), width).join("\n")
}

/// The first line: a mail subject, at most 80 columns (a long host name or
/// top domain is shortened, the top domain dropped before the count).
pub fn subject(r: &Report, host: &str, date: &str) -> String {
    let n = r.totals.deferrals_421;
    let host = cell(host, 24);
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
    format!("{head}, top {}{count}", cell(&d.domain, room))
}

pub(super) fn text(
    r: &Report,
    days: &[Day],
    host: &str,
    date: &str,
    top: usize,
    colour: bool,
) -> String {
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
                cell(&d.domain, 29),
                d.deferrals_421,
                d.top_category.map_or("-", Cause::name),
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
                HOUR => "Peak hours".to_string(),
                w => format!("Peak {} windows", human_window(w)),
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
                cell(&p.id, 24),
            );
            let room = 80 - head.chars().count() - 1;
            push(&mut o, format!("{head} {}", cell(&p.recipient, room)));
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

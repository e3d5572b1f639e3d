//! What `follow` writes: one line per 421 event (or the NDJSON of
//! `events`), alert and recovery lines, and rolling summaries. Log text is
//! escaped before it reaches the terminal.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use serde::Serialize;

use super::alert::Alert;
use crate::aggregate::Aggregate;
use crate::analysis::per_1000;
use crate::classify::Cause;
use crate::event::{Event, Kind};
use crate::parse::time::{Zone, format_rfc3339};
use crate::render::events::OwnedEvent;
use crate::text::{escape_control, lossy};

pub struct Printer {
    json: bool,
    colour: bool,
    zone: Zone,
}

/// A rolling or final summary.
#[derive(Debug, Serialize)]
struct Summary {
    #[serde(rename = "type")]
    kind: &'static str,
    /// `last` (since the previous summary) or `session` (since the start).
    span: &'static str,
    start: String,
    end: String,
    lines: u64,
    unparsed_lines: u64,
    delivery_attempts: u64,
    retry_skipped: u64,
    deferrals_421: u64,
    suspended_421: u64,
    replies_421: u64,
    inbound_421: u64,
    rate_per_1000: f64,
    top_domains: Vec<(String, u64)>,
    categories: Vec<(&'static str, u64)>,
}

fn cause_style(c: Cause) -> Style {
    let colour = match c {
        Cause::RateLimit | Cause::Reputation => AnsiColor::Red,
        Cause::Capacity | Cause::ConnectionLimit | Cause::Downstream => AnsiColor::Yellow,
        Cause::Greylisting => AnsiColor::Green,
        Cause::Timeout | Cause::AuthPolicy => AnsiColor::Magenta,
        Cause::Unknown => AnsiColor::BrightBlack,
    };
    Style::new().fg_color(Some(colour.into()))
}

fn short(s: &str, max: usize) -> String {
    let s = escape_control(s);
    if s.chars().count() > max {
        s.chars().take(max - 1).chain(['…']).collect()
    } else {
        s
    }
}

impl Printer {
    pub fn new(json: bool, colour: bool, zone: Zone) -> Printer {
        Printer { json, colour, zone }
    }

    fn styled(&self, style: Style, text: &str) -> String {
        if self.colour {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }

    pub fn event(
        &self,
        ev: &Event<'_>,
        file: &str,
        line: u64,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        if self.json {
            crate::render::json::write(out, &OwnedEvent::new(ev, file, line, self.zone))?;
            return out.write_all(b"\n");
        }
        let who = if ev.kind == Kind::Inbound {
            format!("from {}", lossy(ev.party))
        } else if ev.domain.is_empty() {
            lossy(ev.host)
        } else {
            lossy(ev.domain).to_ascii_lowercase()
        };
        let time = format_rfc3339(ev.time, self.zone);
        writeln!(
            out,
            "{} {:<9} {:<30} {} {:<7} {}",
            time.get(..19).unwrap_or(&time).replacen('T', " ", 1),
            ev.kind.name(),
            short(&who, 30),
            self.styled(cause_style(ev.cause), &format!("{:<16}", ev.cause.name())),
            ev.stage().name(),
            short(&lossy(ev.reply.text).replace("\\n", " "), 110)
        )
    }

    pub fn alert(&self, a: &Alert, out: &mut dyn Write) -> io::Result<()> {
        if self.json {
            crate::render::json::write(out, a)?;
            return out.write_all(b"\n");
        }
        let what = a.domain.as_deref().map_or_else(
            || "all 421 events".to_string(),
            |d| format!("domain {}", escape_control(d)),
        );
        let window = crate::render::table::human_window(a.window_seconds);
        let time = format_rfc3339(a.time, self.zone);
        let (label, style, verb) = if a.kind == "alert" {
            (
                "ALERT",
                Style::new().bold().fg_color(Some(AnsiColor::Red.into())),
                "reached",
            )
        } else {
            (
                "RECOVERED",
                Style::new().bold().fg_color(Some(AnsiColor::Green.into())),
                "fell back to",
            )
        };
        writeln!(
            out,
            "{} {} {what}: {verb} {} 421s in {window} (rule {})",
            self.styled(style, label),
            time.get(..19).unwrap_or(&time).replacen('T', " ", 1),
            a.count,
            a.rule
        )
    }

    pub fn summary(
        &self,
        span: &'static str,
        start: i64,
        end: i64,
        agg: &Aggregate,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let t = &agg.totals;
        let deferrals = t.by_kind[Kind::Deferred.index()];
        let mut domains: Vec<(String, u64)> = agg
            .domains()
            .map(|(d, s)| (lossy(d), s.by_kind()[Kind::Deferred.index()]))
            .filter(|(_, n)| *n > 0)
            .collect();
        domains.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        domains.truncate(5);
        let mut categories: Vec<(&'static str, u64)> = Cause::ALL
            .iter()
            .map(|c| (c.name(), agg.causes[c.index()].iter().sum()))
            .filter(|(_, n)| *n > 0)
            .collect();
        categories.sort_by_key(|c| std::cmp::Reverse(c.1));
        let s = Summary {
            kind: "summary",
            span,
            start: format_rfc3339(start, self.zone),
            end: format_rfc3339(end, self.zone),
            lines: t.lines,
            unparsed_lines: t.unparsed,
            delivery_attempts: t.attempts(),
            retry_skipped: t.retry_skipped,
            deferrals_421: deferrals,
            suspended_421: t.by_kind[Kind::Suspended.index()],
            replies_421: t.by_kind[Kind::Reply.index()],
            inbound_421: t.by_kind[Kind::Inbound.index()],
            rate_per_1000: per_1000(deferrals, t.attempts()),
            top_domains: domains,
            categories,
        };
        if self.json {
            crate::render::json::write(out, &s)?;
            return out.write_all(b"\n");
        }
        let list = |v: &[(String, u64)]| {
            if v.is_empty() {
                "none".to_string()
            } else {
                v.iter()
                    .map(|(k, n)| format!("{} {n}", short(k, 40)))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        let cats: Vec<(String, u64)> = s
            .categories
            .iter()
            .map(|(k, n)| (k.to_string(), *n))
            .collect();
        let label = if span == "last" {
            "since the last summary"
        } else {
            "this session"
        };
        writeln!(
            out,
            "-- {label} ({} to {}): {} lines ({} not understood), {} delivery attempts ({} retry-skipped apart), {} 421 deferrals ({:.1} per 1000), {} suspended, {} host replies, {} inbound; top domains: {}; causes: {}",
            s.start.get(..19).unwrap_or(&s.start).replacen('T', " ", 1),
            s.end.get(..19).unwrap_or(&s.end).replacen('T', " ", 1),
            s.lines,
            s.unparsed_lines,
            s.delivery_attempts,
            s.retry_skipped,
            s.deferrals_421,
            s.rate_per_1000,
            s.suspended_421,
            s.replies_421,
            s.inbound_421,
            list(&s.top_domains),
            list(&cats)
        )
    }
}

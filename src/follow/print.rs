//! What `follow` writes: one line per 421 event (or the NDJSON of
//! `events`), alert and recovery lines, and rolling summaries. Log text is
//! escaped before it reaches the terminal.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use serde::Serialize;

use super::alert::Alert;
use crate::analysis::per_1000;
use crate::classify::Cause;
use crate::event::OwnedEvent;
use crate::event::{Event, Kind};
use crate::fold::Fold;
use crate::parse::time::{Zone, format_rfc3339};
use crate::render::fmt::{cell, cut, long_time};
use crate::retry::Outcomes;
use crate::servers::ServerRow;
use crate::text::{escape_control, lossy};

pub struct Printer {
    json: bool,
    colour: bool,
    zone: Zone,
    /// Cut event lines to this width (a terminal); `None` keeps the
    /// fixed layout (a pipe or file: nothing cut short of 110 characters).
    width: Option<usize>,
    /// One JSON event, written here first and then in one write (serde
    /// writing each field's pieces to `out` through `dyn Write` cost more
    /// than making the event).
    json_buf: Vec<u8>,
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
    categories: Vec<(Cause, u64)>,
    /// With `--by-host`: per mail server, the most 421 deferrals first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    by_server: Vec<ServerRow>,
    /// The session's retry outcomes (its final summary only).
    #[serde(skip_serializing_if = "Option::is_none")]
    retries: Option<Retries>,
    /// The oldest of the recipients still pending after a 421 (at most
    /// [`STUCK_SHOWN_JSON`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    stuck: Vec<Stuck>,
}

/// What became of the recipients that met a 421 this session.
#[derive(Debug, Serialize)]
struct Retries {
    with_421: u64,
    recovered: u64,
    bounced: u64,
    pending: u64,
}

/// A recipient still pending after a 421.
#[derive(Debug, Serialize)]
struct Stuck {
    id: String,
    recipient: String,
    domain: String,
    first_421: String,
    last_attempt: String,
    last_reply: String,
}

/// Stuck recipients listed in a JSON summary, and in a text one.
const STUCK_SHOWN_JSON: usize = 20;
const STUCK_SHOWN_TEXT: usize = 5;

fn cause_style(c: Cause) -> Style {
    use crate::classify::Side;
    let colour = match c.side() {
        Side::Sender => AnsiColor::Red,
        Side::Receiver => AnsiColor::Yellow,
        Side::Passing => AnsiColor::Green,
        Side::Path => AnsiColor::Magenta,
        Side::Unknown => AnsiColor::BrightBlack,
    };
    Style::new().fg_color(Some(colour.into()))
}

impl Printer {
    pub fn new(json: bool, colour: bool, zone: Zone) -> Printer {
        let term = crate::render::term::Term::stdout(colour);
        Printer {
            json,
            colour,
            zone,
            width: term.tty.then_some(term.width),
            json_buf: Vec::new(),
        }
    }

    fn styled(&self, style: Style, text: &str) -> String {
        if self.colour {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }

    pub fn event(
        &mut self,
        ev: &Event<'_>,
        file: &str,
        line: u64,
        server: Option<&[u8]>,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        if self.json {
            let mut owned = OwnedEvent::new(ev, file, line, self.zone);
            owned.server = server.map(lossy);
            let buf = &mut self.json_buf;
            buf.clear();
            crate::render::json::write_to(buf, &owned)?;
            buf.push(b'\n');
            return out.write_all(buf);
        }
        let who = if ev.kind == Kind::Inbound {
            format!("from {}", lossy(ev.party))
        } else if ev.domain.is_empty() {
            lossy(ev.host)
        } else {
            lossy(ev.domain).to_ascii_lowercase()
        };
        let time = format_rfc3339(ev.time, self.zone);
        let when = long_time(&time);
        let reply = lossy(ev.reply.text).replace("\\n", " ");
        let cause = self.styled(cause_style(ev.cause), &format!("{:<16}", ev.cause.name()));
        match self.width {
            // A narrow terminal: the time of day, no stage, the party in 18.
            Some(w) if w < crate::render::term::NARROW => {
                let reply_w = w.saturating_sub(8 + 9 + 18 + 16 + 4).max(8);
                writeln!(
                    out,
                    "{} {:<9} {:<18} {} {}",
                    when.get(11..).unwrap_or(&when),
                    ev.kind.name(),
                    cell(&who, 18),
                    cause,
                    cell(&reply, reply_w)
                )
            }
            // Time, kind, party (30), cause and stage take 87 columns on a
            // terminal; the reply gets the rest. In a pipe it is cut at 110.
            _ => {
                let reply_w = self.width.map_or(110, |w| w.saturating_sub(87).max(8));
                writeln!(
                    out,
                    "{} {:<9} {:<30} {} {:<7} {}",
                    when,
                    ev.kind.name(),
                    cell(&who, 30),
                    cause,
                    ev.stage().name(),
                    cell(&reply, reply_w)
                )
            }
        }
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
        let window = crate::render::fmt::human_window(a.window_seconds);
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
            long_time(&time),
            a.count,
            a.rule
        )
    }

    pub fn summary(
        &self,
        span: &'static str,
        start: i64,
        end: i64,
        fold: &Fold,
        outcomes: Option<&Outcomes>,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let agg = &fold.aggregate;
        let t = &agg.totals;
        let deferrals = t.by_kind[Kind::Deferred.index()];
        let domains = fold.top_domains(5);
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
            categories: fold.causes(),
            by_server: crate::servers::rows(&agg.servers),
            retries: outcomes.map(|o| {
                let x = o.total();
                Retries {
                    with_421: x.with_421(),
                    recovered: x.recovered,
                    bounced: x.bounced,
                    pending: x.pending,
                }
            }),
            stuck: outcomes.map_or_else(Vec::new, |o| {
                o.pending
                    .iter()
                    .take(STUCK_SHOWN_JSON)
                    .map(|p| Stuck {
                        id: p.id.clone(),
                        recipient: p.recipient.clone(),
                        domain: p.domain.clone(),
                        first_421: format_rfc3339(p.first_421, self.zone),
                        last_attempt: format_rfc3339(p.last_attempt, self.zone),
                        last_reply: p.last_reply.to_string(),
                    })
                    .collect()
            }),
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
                    .map(|(k, n)| format!("{} {n}", cell(k, 40)))
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
        // Several short lines, each cut to a terminal's width.
        let fit = |line: String| match self.width {
            Some(w) => cut(&line, w),
            None => line,
        };
        let (from, to) = (long_time(&s.start), long_time(&s.end));
        let to = match (from.get(..11), to.get(11..)) {
            (Some(d), Some(time)) if to.starts_with(d) => time.to_string(),
            _ => to.clone(),
        };
        let mut lines = vec![
            format!("-- {label}, {from} to {to}"),
            format!(
                "   {} lines ({} not understood), {} delivery attempts ({} retry-skipped apart)",
                s.lines, s.unparsed_lines, s.delivery_attempts, s.retry_skipped
            ),
            format!(
                "   421: {} deferrals ({:.1} per 1000), {} suspended, {} host replies, {} inbound",
                s.deferrals_421, s.rate_per_1000, s.suspended_421, s.replies_421, s.inbound_421
            ),
            format!("   top domains: {}", list(&s.top_domains)),
            format!("   causes: {}", list(&cats)),
        ];
        if !s.by_server.is_empty() {
            lines.push("   by mail server (--by-host):".to_string());
        }
        for r in &s.by_server {
            let top = r.top_domain.as_deref().map_or(String::new(), |d| {
                format!(", top {} {}", cell(d, 40), r.top_domain_deferrals)
            });
            lines.push(format!(
                "     {}: {} lines, {} delivery attempts, {} deferrals ({:.1} per 1000), {} inbound{top}",
                cell(&r.server, 30),
                r.lines,
                r.delivery_attempts,
                r.deferrals_421,
                r.rate_per_1000,
                r.inbound_421
            ));
        }
        if let Some(x) = &s.retries {
            lines.push(format!(
                "   retries: {} recipients met a 421: {} delivered later, {} bounced, {} still pending",
                x.with_421, x.recovered, x.bounced, x.pending
            ));
        }
        for p in s.stuck.iter().take(STUCK_SHOWN_TEXT) {
            lines.push(format!(
                "     stuck since {}: {} {}",
                long_time(&p.first_421),
                cell(&p.id, 24),
                cell(&p.recipient, 60)
            ));
        }
        let more = s.retries.as_ref().map_or(0, |x| x.pending) as usize;
        if more > STUCK_SHOWN_TEXT {
            lines.push(format!("     and {} more", more - STUCK_SHOWN_TEXT));
        }
        for line in lines {
            writeln!(out, "{}", fit(line))?;
        }
        Ok(())
    }
}

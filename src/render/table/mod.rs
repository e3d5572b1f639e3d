//! `report` for a terminal or a mail: comfy-table tables. Every cell that
//! holds log text goes through [`escape_control`], so a hostile reply can
//! never reach the terminal raw.

use std::io::{self, Write};

use super::fmt::{cell, human_window, short_time, window_time};
use super::term::Term;
use crate::classify::Cause;
use crate::report::Render;
use crate::report::{ReplyRow, Report};
use crate::text::escape_control;

mod load;
mod offenders;
mod retries;
mod sheet;

pub(crate) use sheet::{Sheet, new_table, section};
use sheet::{bar, distinct_cells, kind_cells};

pub struct TableRender {
    /// Rows per ranked table.
    pub top: usize,
    /// Rows of the pending (stuck) recipients table.
    pub stuck: usize,
    /// Width, terminal or not, colour.
    pub term: Term,
}

impl Render for TableRender {
    fn render(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let t = &r.totals;
        let period = match (&r.first, &r.last) {
            (Some(a), Some(b)) => {
                let (a, b) = (short_time(a), short_time(b));
                match (a.get(..11), b.get(11..)) {
                    (Some(day), Some(time)) if b.starts_with(day) => format!("{a} to {time}"),
                    _ => format!("{a} to {b}"),
                }
            }
            _ => "no timestamped lines".to_string(),
        };
        self.para(
            out,
            &format!(
                "maillog421 report: {}, window {}{}, {} input(s)",
                period,
                human_window(r.window_seconds),
                if r.window_auto { " (auto)" } else { "" },
                r.inputs.len(),
            ),
        )?;
        writeln!(out)?;
        for line in &r.headline.lines {
            writeln!(out, "{}", self.term.headline_line(line))?;
        }

        let mut totals = Sheet::new(" | count");
        for (name, v) in [
            ("lines read", t.lines),
            ("lines not understood", t.unparsed_lines),
            ("messages received", t.messages_received),
            ("delivery attempts (tried)", t.delivery_attempts),
            ("  delivered", t.delivered),
            ("  deferred (any reason)", t.deferred),
            ("  bounced", t.bounced),
            ("retry-skipped (nothing tried)", t.retry_skipped),
            ("421 deferrals (recipients)", t.deferrals_421),
            ("421 suspended (cached, no attempt)", t.suspended_421),
            ("421 host/session replies", t.replies_421),
            ("421 sent by us (inbound)", t.inbound_421),
        ] {
            totals.add_row(vec![name.to_string(), v.to_string()]);
        }
        totals.right(1..2);
        self.section(out, "Totals", &totals)?;

        if r.by_domain.is_empty() {
            writeln!(out, "\nNo recipient domain deferred mail with 421.")?;
        } else {
            let mut d = Sheet::new(
                "domain | 421 deferrals | attempts | per 1000 | windows | first | last | main cause",
            );
            for row in r.by_domain.iter().take(self.top) {
                d.add_row(vec![
                    cell(&row.domain, 40),
                    row.deferrals_421.to_string(),
                    row.delivery_attempts.to_string(),
                    format!("{:.1}", row.rate_per_1000),
                    row.windows.to_string(),
                    row.first.as_deref().map(short_time).unwrap_or_default(),
                    row.last.as_deref().map(short_time).unwrap_or_default(),
                    row.top_category.map_or("", Cause::name).to_string(),
                ]);
            }
            d.right(1..5).drop_first(&[4, 5, 6]).gives(0);
            let more = r.by_domain.len().saturating_sub(self.top);
            let title = if more > 0 {
                format!("Domains deferring with 421 (top {}, {more} more)", self.top)
            } else {
                "Domains deferring with 421".to_string()
            };
            self.section(out, &title, &d)?;
        }
        self.render_retries(r, out)?;
        self.render_offenders(r, out)?;

        let mut c = Sheet::new("category | deferred | suspended | reply | inbound | meaning");
        for row in r.by_category.iter().filter(|c| c.counts.total() > 0) {
            let mut cells = vec![row.category.to_string()];
            cells.extend(kind_cells(&row.counts));
            cells.push(row.meaning.to_string());
            c.add_row(cells);
        }
        if c.row_count() > 0 {
            c.right(1..5).drop_first(&[2, 3]).gives(5);
            self.section(out, "421s by cause", &c)?;
            let mut s = Sheet::new("stage | deferred | suspended | reply | inbound");
            for row in r.by_stage.iter().filter(|s| s.counts.total() > 0) {
                let mut cells = vec![row.stage.to_string()];
                cells.extend(kind_cells(&row.counts));
                s.add_row(cells);
            }
            s.right(1..5);
            self.section(out, "421s by SMTP stage", &s)?;
        }

        if !r.by_host.is_empty() {
            let mut h = Sheet::new("remote host | 421 deferrals");
            for row in r.by_host.iter().take(self.top) {
                h.add_row(vec![cell(&row.host, 60), row.deferrals_421.to_string()]);
            }
            h.right(1..2).gives(0);
            self.section(out, "Remote hosts answering 421", &h)?;
        }

        self.render_windows(r, out)?;
        self.render_load(r, out)?;

        if !r.top_replies.is_empty() {
            let shown: Vec<&ReplyRow> = r.top_replies.iter().take(self.top).collect();
            let texts: Vec<&str> = shown.iter().map(|x| x.text.as_str()).collect();
            let mut x = Sheet::new(
                "deferred | suspended | reply | category | reply (normalised) | domains",
            );
            for (row, text) in shown.iter().zip(distinct_cells(&texts, 100)) {
                x.add_row(vec![
                    row.deferrals_421.to_string(),
                    row.suspended_421.to_string(),
                    row.replies_421.to_string(),
                    row.category.to_string(),
                    text,
                    cell(&row.domains.join(" "), 40),
                ]);
            }
            x.right(0..3).drop_first(&[1, 2, 5]).gives(4);
            self.section(out, "Top 421 replies from remote servers", &x)?;
        }
        if !r.top_unknown_replies.is_empty() {
            let shown: Vec<&ReplyRow> = r.top_unknown_replies.iter().take(self.top).collect();
            let texts: Vec<&str> = shown.iter().map(|x| x.text.as_str()).collect();
            let mut x = Sheet::new("deferred | suspended | reply | reply (no rule matched)");
            for (row, text) in shown.iter().zip(distinct_cells(&texts, 110)) {
                x.add_row(vec![
                    row.deferrals_421.to_string(),
                    row.suspended_421.to_string(),
                    row.replies_421.to_string(),
                    text,
                ]);
            }
            x.right(0..3).drop_first(&[1, 2]).gives(3);
            self.section(out, "Unclassified 421 replies", &x)?;
            writeln!(out)?;
            self.para(
                out,
                &format!(
                    "To classify them, finish rules like these and add them to {} (or --rules FILE):",
                    crate::rules::DEFAULT_PATH
                ),
            )?;
            writeln!(out)?;
            for row in r.top_unknown_replies.iter().take(3) {
                for line in row.suggested_rule.iter().flat_map(|r| r.lines()) {
                    self.rule_line(out, &escape_control(line))?;
                }
                writeln!(out)?;
            }
        }
        if !r.inbound_clients.is_empty() {
            let mut x = Sheet::new("client | 421s we sent");
            for row in r.inbound_clients.iter().take(self.top) {
                x.add_row(vec![cell(&row.client, 60), row.inbound_421.to_string()]);
            }
            x.right(1..2).gives(0);
            self.section(out, "Inbound: clients we answered 421", &x)?;
        }

        if !r.by_server.is_empty() {
            let mut x = Sheet::new(
                "server | lines | received | delivery attempts | 421 deferrals | per 1000 | 421s we sent | top domain (421s)",
            );
            for s in &r.by_server {
                x.add_row(vec![
                    cell(&s.server, 40),
                    s.lines.to_string(),
                    s.messages_received.to_string(),
                    s.delivery_attempts.to_string(),
                    s.deferrals_421.to_string(),
                    format!("{:.1}", s.rate_per_1000),
                    s.inbound_421.to_string(),
                    s.top_domain.as_deref().map_or_else(String::new, |d| {
                        format!("{} ({})", cell(d, 40), s.top_domain_deferrals)
                    }),
                ]);
            }
            x.right(1..7).drop_first(&[1, 2, 6]).gives(7);
            self.section(out, "By mail server (--by-host)", &x)?;
        }

        let mut inp = Sheet::new("input | format | gzip | lines | not understood | status");
        for i in &r.inputs {
            inp.add_row(vec![
                cell(&i.path, 60),
                i.format.map(|f| f.name()).unwrap_or("-").to_string(),
                if i.compressed { "yes" } else { "no" }.to_string(),
                i.lines.to_string(),
                i.unparsed_lines.to_string(),
                match (&i.error, i.warnings.is_empty()) {
                    (Some(e), _) => cell(e, 70),
                    (None, true) => "ok".to_string(),
                    (None, false) => cell(&i.warnings.join("; "), 70),
                },
            ]);
        }
        inp.right(3..5).drop_first(&[2, 1, 4]).gives(0);
        self.section(out, "Inputs", &inp)
    }
}

impl TableRender {
    /// A titled table, fitted to the output.
    pub(super) fn section(
        &self,
        out: &mut dyn Write,
        title: &str,
        sheet: &Sheet,
    ) -> io::Result<()> {
        writeln!(out)?;
        self.para(out, title)?;
        writeln!(out, "{}", sheet.table(&self.term))
    }

    /// A line of a rules-file snippet: a trailing comment too wide for the
    /// output goes, wrapped, on comment lines above its line (a phrase
    /// line stays whole, so it can be pasted).
    fn rule_line(&self, out: &mut dyn Write, line: &str) -> io::Result<()> {
        match line.split_once("  # ") {
            Some((code, comment)) if line.chars().count() + 2 > self.term.width => {
                for l in crate::guidance::wrap(comment, "  # ", "  #   ", self.term.width) {
                    writeln!(out, "{l}")?;
                }
                writeln!(out, "  {code}")
            }
            _ => writeln!(out, "  {line}"),
        }
    }

    /// A paragraph wrapped to the output width.
    pub(super) fn para(&self, out: &mut dyn Write, text: &str) -> io::Result<()> {
        for line in crate::guidance::wrap(text, "", "  ", self.term.width) {
            writeln!(out, "{line}")?;
        }
        Ok(())
    }

    fn render_windows(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        if r.by_window.is_empty() {
            return Ok(());
        }
        // A long period shows only windows with traffic or 421s.
        let rows: Vec<_> = if r.by_window.len() <= 200 {
            r.by_window.iter().collect()
        } else {
            r.by_window
                .iter()
                .filter(|w| w.delivery_attempts + w.deferrals_421 + w.inbound_421 > 0)
                .collect()
        };
        let max_attempts = rows.iter().map(|w| w.delivery_attempts).max().unwrap_or(0);
        let max_421 = rows.iter().map(|w| w.deferrals_421).max().unwrap_or(0);
        let bar_width = if self.term.width >= 120 { 20 } else { 10 };
        let mut w = Sheet::new(
            "window | attempts | volume | 421 deferrals | per 1000 | 421s | inbound 421",
        );
        for row in &rows {
            w.add_row(vec![
                window_time(&row.start, r.window_seconds),
                row.delivery_attempts.to_string(),
                bar(row.delivery_attempts, max_attempts, bar_width, '█'),
                row.deferrals_421.to_string(),
                format!("{:.1}", row.rate_per_1000),
                bar(row.deferrals_421, max_421, bar_width, '▒'),
                row.inbound_421.to_string(),
            ]);
        }
        w.right(1..2);
        w.right(3..5);
        w.right(6..7).drop_first(&[6, 4]);
        let title = if rows.len() < r.by_window.len() {
            format!(
                "Load and 421s per window ({} windows with activity of {})",
                rows.len(),
                r.by_window.len()
            )
        } else {
            "Load and 421s per window".to_string()
        };
        self.section(out, &title, &w)
    }
}

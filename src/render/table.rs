//! `report` for a terminal or a mail: comfy-table tables. Every cell that
//! holds log text goes through [`escape_control`], so a hostile reply can
//! never reach the terminal raw.

use std::io::{self, Write};

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, Table};

use super::Render;
use crate::report::{KindCounts, ReplyRow, Report};
use crate::text::escape_control;

pub struct TableRender {
    /// Rows per ranked table.
    pub top: usize,
    /// Rows of the pending (stuck) recipients table.
    pub stuck: usize,
}

/// Log text made safe and short for a cell.
pub(crate) fn cell(s: &str, max: usize) -> String {
    let s = escape_control(s);
    if s.chars().count() > max {
        s.chars()
            .take(max - 1)
            .chain(std::iter::once('…'))
            .collect()
    } else {
        s
    }
}

/// Log texts made safe and short for cells of one column, each still
/// telling its row apart: texts whose plain cut would read the same show
/// their start, `…`, and the stretch where they differ from the others.
pub(crate) fn distinct_cells(texts: &[&str], max: usize) -> Vec<String> {
    let full: Vec<Vec<char>> = texts
        .iter()
        .map(|t| escape_control(t).chars().collect())
        .collect();
    let cut: Vec<String> = texts.iter().map(|t| cell(t, max)).collect();
    let head = max / 3;
    (0..texts.len())
        .map(|i| {
            let clash =
                (0..texts.len()).filter(|&j| j != i && cut[j] == cut[i] && full[j] != full[i]);
            let Some(common) = clash.map(|j| common_prefix(&full[i], &full[j])).max() else {
                return cut[i].clone();
            };
            let t = &full[i];
            // From a few characters before the first difference, to the end or the cell's width.
            let from = common.saturating_sub(8).max(head);
            let room = max - head - 1;
            let mut s: String = t[..head].iter().collect();
            s.push('…');
            if t.len() - from > room {
                s.extend(&t[from..from + room - 1]);
                s.push('…');
            } else {
                s.extend(&t[from..]);
            }
            s
        })
        .collect()
}

fn common_prefix(a: &[char], b: &[char]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// The start (or end) of a window of `window` seconds, to the minute
/// (`2026-11-22 10:00`), or to the second when windows are not whole
/// minutes (`2026-11-22 10:00:10`): six 10-second windows must not read alike.
pub(crate) fn window_time(s: &str, window: i64) -> String {
    if window % 60 == 0 {
        return short_time(s);
    }
    s.get(..19)
        .map_or_else(|| s.to_string(), |t| t.replacen('T', " ", 1))
}

/// `2026-11-22T10:00:00+01:00` shown as `2026-11-22 10:00`.
pub(super) fn short_time(s: &str) -> String {
    s.get(..16)
        .map_or_else(|| s.to_string(), |t| t.replacen('T', " ", 1))
}

pub(crate) fn new_table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    t.set_header(header.iter().copied());
    t
}

pub(super) fn right_align(t: &mut Table, columns: std::ops::Range<usize>) {
    for i in columns {
        if let Some(c) = t.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
}

fn bar(n: u64, max: u64, width: usize, ch: char) -> String {
    if max == 0 || n == 0 {
        return String::new();
    }
    let len = ((n as f64 / max as f64) * width as f64).ceil() as usize;
    std::iter::repeat_n(ch, len.clamp(1, width)).collect()
}

pub(crate) fn section(out: &mut dyn Write, title: &str, table: &Table) -> io::Result<()> {
    writeln!(out, "\n{title}")?;
    writeln!(out, "{table}")
}

fn kind_cells(k: &KindCounts) -> [String; 4] {
    [
        k.deferrals_421.to_string(),
        k.suspended_421.to_string(),
        k.replies_421.to_string(),
        k.inbound_421.to_string(),
    ]
}

pub(crate) fn human_window(secs: i64) -> String {
    match secs {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

impl Render for TableRender {
    fn render(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let t = &r.totals;
        let period = match (&r.first, &r.last) {
            (Some(a), Some(b)) => format!("{} to {}", short_time(a), short_time(b)),
            _ => "no timestamped lines".to_string(),
        };
        writeln!(
            out,
            "maillog421 report: {} input(s), {}, window {}{}",
            r.inputs.len(),
            period,
            human_window(r.window_seconds),
            if r.window_auto { " (auto)" } else { "" }
        )?;
        writeln!(out)?;
        for line in &r.headline.lines {
            writeln!(out, "{line}")?;
        }

        let mut totals = new_table(&["", "count"]);
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
        right_align(&mut totals, 1..2);
        section(out, "Totals", &totals)?;

        if r.by_domain.is_empty() {
            writeln!(out, "\nNo recipient domain deferred mail with 421.")?;
        } else {
            let mut d = new_table(&[
                "domain",
                "421 deferrals",
                "attempts",
                "per 1000",
                "windows",
                "first",
                "last",
                "main cause",
            ]);
            for row in r.by_domain.iter().take(self.top) {
                d.add_row(vec![
                    cell(&row.domain, 40),
                    row.deferrals_421.to_string(),
                    row.delivery_attempts.to_string(),
                    format!("{:.1}", row.rate_per_1000),
                    row.windows.to_string(),
                    row.first.as_deref().map(short_time).unwrap_or_default(),
                    row.last.as_deref().map(short_time).unwrap_or_default(),
                    row.top_category.unwrap_or("").to_string(),
                ]);
            }
            right_align(&mut d, 1..5);
            let more = r.by_domain.len().saturating_sub(self.top);
            let title = if more > 0 {
                format!("Domains deferring with 421 (top {}, {more} more)", self.top)
            } else {
                "Domains deferring with 421".to_string()
            };
            section(out, &title, &d)?;
        }
        self.render_retries(r, out)?;
        self.render_offenders(r, out)?;

        let mut c = new_table(&[
            "category",
            "deferred",
            "suspended",
            "reply",
            "inbound",
            "meaning",
        ]);
        for row in r.by_category.iter().filter(|c| c.counts.total() > 0) {
            let mut cells = vec![row.category.to_string()];
            cells.extend(kind_cells(&row.counts));
            cells.push(row.meaning.to_string());
            c.add_row(cells);
        }
        if c.row_count() > 0 {
            right_align(&mut c, 1..5);
            section(out, "421s by cause", &c)?;
            let mut s = new_table(&["stage", "deferred", "suspended", "reply", "inbound"]);
            for row in r.by_stage.iter().filter(|s| s.counts.total() > 0) {
                let mut cells = vec![row.stage.to_string()];
                cells.extend(kind_cells(&row.counts));
                s.add_row(cells);
            }
            right_align(&mut s, 1..5);
            section(out, "421s by SMTP stage", &s)?;
        }

        if !r.by_host.is_empty() {
            let mut h = new_table(&["remote host", "421 deferrals"]);
            for row in r.by_host.iter().take(self.top) {
                h.add_row(vec![cell(&row.host, 60), row.deferrals_421.to_string()]);
            }
            right_align(&mut h, 1..2);
            section(out, "Remote hosts answering 421", &h)?;
        }

        self.render_windows(r, out)?;
        self.render_load(r, out)?;

        if !r.top_replies.is_empty() {
            let shown: Vec<&ReplyRow> = r.top_replies.iter().take(self.top).collect();
            let texts: Vec<&str> = shown.iter().map(|x| x.text.as_str()).collect();
            let mut x = new_table(&[
                "deferred",
                "suspended",
                "reply",
                "category",
                "reply (normalised)",
                "domains",
            ]);
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
            right_align(&mut x, 0..3);
            section(out, "Top 421 replies from remote servers", &x)?;
        }
        if !r.top_unknown_replies.is_empty() {
            let shown: Vec<&ReplyRow> = r.top_unknown_replies.iter().take(self.top).collect();
            let texts: Vec<&str> = shown.iter().map(|x| x.text.as_str()).collect();
            let mut x = new_table(&["deferred", "suspended", "reply", "reply (no rule matched)"]);
            for (row, text) in shown.iter().zip(distinct_cells(&texts, 110)) {
                x.add_row(vec![
                    row.deferrals_421.to_string(),
                    row.suspended_421.to_string(),
                    row.replies_421.to_string(),
                    text,
                ]);
            }
            right_align(&mut x, 0..3);
            section(out, "Unclassified 421 replies", &x)?;
            writeln!(
                out,
                "\nTo classify them, finish rules like these and add them to {} (or --rules FILE):\n",
                crate::rules::DEFAULT_PATH
            )?;
            for row in r.top_unknown_replies.iter().take(3) {
                for line in row.suggested_rule.iter().flat_map(|r| r.lines()) {
                    writeln!(out, "  {}", escape_control(line))?;
                }
                writeln!(out)?;
            }
        }
        if !r.inbound_clients.is_empty() {
            let mut x = new_table(&["client", "421s we sent"]);
            for row in r.inbound_clients.iter().take(self.top) {
                x.add_row(vec![cell(&row.client, 60), row.inbound_421.to_string()]);
            }
            right_align(&mut x, 1..2);
            section(out, "Inbound: clients we answered 421", &x)?;
        }

        if !r.by_server.is_empty() {
            let mut x = new_table(&[
                "server",
                "lines",
                "received",
                "delivery attempts",
                "421 deferrals",
                "per 1000",
                "421s we sent",
                "top domain (421s)",
            ]);
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
            right_align(&mut x, 1..7);
            section(out, "By mail server (--by-host)", &x)?;
        }

        let mut inp = new_table(&[
            "input",
            "format",
            "gzip",
            "lines",
            "not understood",
            "status",
        ]);
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
        section(out, "Inputs", &inp)
    }
}

impl TableRender {
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
        let mut w = new_table(&[
            "window",
            "attempts",
            "volume",
            "421 deferrals",
            "per 1000",
            "421s",
            "inbound 421",
        ]);
        for row in &rows {
            w.add_row(vec![
                window_time(&row.start, r.window_seconds),
                row.delivery_attempts.to_string(),
                bar(row.delivery_attempts, max_attempts, 20, '█'),
                row.deferrals_421.to_string(),
                format!("{:.1}", row.rate_per_1000),
                bar(row.deferrals_421, max_421, 20, '▒'),
                row.inbound_421.to_string(),
            ]);
        }
        right_align(&mut w, 1..2);
        right_align(&mut w, 3..5);
        right_align(&mut w, 6..7);
        let title = if rows.len() < r.by_window.len() {
            format!(
                "Load and 421s per window ({} windows with activity of {})",
                rows.len(),
                r.by_window.len()
            )
        } else {
            "Load and 421s per window".to_string()
        };
        section(out, &title, &w)
    }
}

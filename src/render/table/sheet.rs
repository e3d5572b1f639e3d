//! [`Sheet`]: a table's columns and rows, fitted to the output width
//! when written, and the cell helpers the tables share.

use std::io::{self, Write};

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table};

use crate::render::fmt::{cell, cut};
use crate::render::term::Term;
use crate::report::KindCounts;
use crate::text::escape_control;

/// A table's columns and rows before it is fitted to the output width:
/// below 100 columns the least useful columns are dropped (in the order
/// given) until it fits; then one text column gives way, cut with `…` on
/// a terminal and wrapped elsewhere; whatever is still too wide wraps.
pub(crate) struct Sheet {
    head: Vec<String>,
    rows: Vec<Vec<String>>,
    right: Vec<bool>,
    drop: Vec<usize>,
    give: Option<usize>,
}

fn text_width(s: &str) -> usize {
    s.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

impl Sheet {
    /// A sheet with these column names, written as a header line:
    /// `"domain | attempts | per 1000"`.
    pub(crate) fn new(head: &str) -> Sheet {
        let head: Vec<String> = head.split(" | ").map(str::to_string).collect();
        Sheet {
            right: vec![false; head.len()],
            head,
            rows: Vec::new(),
            drop: Vec::new(),
            give: None,
        }
    }

    pub(crate) fn add_row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub(crate) fn row_count(&self) -> usize {
        self.rows.len()
    }

    /// Right-aligns these columns (numbers).
    pub(crate) fn right(&mut self, columns: std::ops::Range<usize>) -> &mut Sheet {
        for i in columns {
            if let Some(r) = self.right.get_mut(i) {
                *r = true;
            }
        }
        self
    }

    /// The columns a narrow terminal goes without, the least useful first.
    pub(crate) fn drop_first(&mut self, columns: &[usize]) -> &mut Sheet {
        self.drop = columns.to_vec();
        self
    }

    /// The text column that gives way when the rest still does not fit.
    pub(crate) fn gives(&mut self, column: usize) -> &mut Sheet {
        self.give = Some(column);
        self
    }

    /// The table fitted to `term`.
    pub(crate) fn table(&self, term: &Term) -> Table {
        let n = self.head.len();
        let mut widths: Vec<usize> = self.head.iter().map(|h| text_width(h)).collect();
        for row in &self.rows {
            for (w, c) in widths.iter_mut().zip(row) {
                *w = (*w).max(text_width(c));
            }
        }
        let mut keep = vec![true; n];
        let total = |keep: &[bool], widths: &[usize]| {
            let k = keep.iter().filter(|k| **k).count();
            (0..n)
                .filter(|&i| keep[i])
                .map(|i| widths[i])
                .sum::<usize>()
                + 3 * k
                + 1
        };
        let floor = |g: usize| text_width(&self.head[g]).clamp(8, 12);
        // A wide output first lets the text column give way, down to 30.
        if let Some(g) = self.give.filter(|g| *g < n && !term.is_narrow()) {
            let over = total(&keep, &widths).saturating_sub(term.width);
            widths[g] = widths[g].saturating_sub(over).max(30.min(widths[g]));
        }
        for &c in &self.drop {
            if total(&keep, &widths) <= term.width {
                break;
            }
            if c < n {
                keep[c] = false;
            }
        }
        if let Some(g) = self.give.filter(|g| *g < n && keep[*g]) {
            let over = total(&keep, &widths).saturating_sub(term.width);
            widths[g] = widths[g].saturating_sub(over).max(floor(g));
        }
        let mut rows = self.rows.clone();
        let mut head = self.head.clone();
        if let Some(g) = self.give.filter(|g| term.tty && *g < n && keep[*g]) {
            for row in &mut rows {
                if let Some(c) = row.get_mut(g) {
                    *c = cut(c, widths[g]);
                }
            }
            head[g] = cut(&head[g], widths[g]);
        }
        let pick = |cells: &[String]| -> Vec<String> {
            cells
                .iter()
                .enumerate()
                .filter(|(i, _)| keep.get(*i).copied().unwrap_or(false))
                .map(|(_, c)| c.clone())
                .collect()
        };
        let mut t = Table::new();
        t.load_style(UTF8_FULL_CONDENSED);
        t.set_header(pick(&head));
        for row in &rows {
            t.add_row(pick(row));
        }
        for (j, i) in (0..n).filter(|&i| keep[i]).enumerate() {
            if self.right[i]
                && let Some(c) = t.column_mut(j)
            {
                c.set_cell_alignment(CellAlignment::Right);
            }
        }
        t.set_width(u16::try_from(term.width).unwrap_or(u16::MAX));
        t.set_content_arrangement(ContentArrangement::Dynamic);
        t
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

pub(crate) fn new_table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    t.set_header(header.iter().copied());
    t
}

pub(super) fn bar(n: u64, max: u64, width: usize, ch: char) -> String {
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

pub(super) fn kind_cells(k: &KindCounts) -> [String; 4] {
    [
        k.deferrals_421.to_string(),
        k.suspended_421.to_string(),
        k.replies_421.to_string(),
        k.inbound_421.to_string(),
    ]
}

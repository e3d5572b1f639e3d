//! `--format html`: the report as one self-contained HTML5 page, to mail or
//! to serve as a single file. Inline CSS, inline SVG charts drawn here (no
//! chart crate), no JavaScript, no external reference of any kind.
//!
//! Every string that came from a log (domains, replies, recipients, ids,
//! paths, the title) goes through [`esc`]: control characters are made
//! visible first ([`escape_control`]), then `& < > " '` become entities, so
//! a hostile 421 reply can neither inject markup nor break out of an
//! attribute.

use std::fmt::{self, Write as _};
use std::io::{self, Write};

use super::fmt::{
    cause_list, cell, duration, human_window, opt_duration, percent, short_time, thousands,
    window_time,
};
use crate::analysis::per_1000;
use crate::classify::Cause;
use crate::guidance::{Guidance, guidance};
use crate::report::Render;
use crate::report::{KindCounts, Report};
use crate::text::escape_control;

mod causes;
mod charts;
mod css;
mod domains;
mod page;
mod time_chart;

use css::CSS;

/// The HTML renderer.
pub struct Html {
    /// Page title and main heading (escaped like log text).
    pub title: String,
    /// Rows per ranked table, and pending recipients listed.
    pub top: usize,
}

/// Bars in the per-window chart: longer periods add neighbouring windows up.
const MAX_BARS: i64 = 300;
/// What `summary --format html` adds to the page: the time chart's axis
/// over the whole day, and the day against the day before and the average
/// of the earlier days, as the text summary has them.
#[derive(Debug, Clone, PartialEq)]
pub struct Day {
    /// Start and end of the day, Unix seconds.
    pub from: i64,
    pub to: i64,
    /// Head of the average column, e.g. `7-day average`; `None` when no
    /// earlier day is in the logs (then only the day's own column).
    pub average_head: Option<String>,
    pub rows: Vec<DayRow>,
}

/// One row of [`Day`]'s comparison: the day's count, the day before's
/// (count and change) and the average's (value and change). The changes
/// are worded by the caller (`+12%`, `-40%`, `new`, `=`).
#[derive(Debug, Clone, PartialEq)]
pub struct DayRow {
    pub name: &'static str,
    pub now: u64,
    pub before: Option<(u64, String)>,
    pub average: Option<(f64, String)>,
}

/// Domains in the domain chart (the table below it lists `top`).
const CHART_DOMAINS: usize = 20;

const ATTEMPTS_COLOR: &str = "#8fa6c4";
/// One colour per kind of 421, in `KindCounts` order; 421 deferrals are the
/// same orange in every chart.
const KINDS: [(&str, &str); 4] = [
    ("421 deferrals", "#e8590c"),
    ("suspended (no attempt)", "#fcc419"),
    ("host/session replies", "#7950f2"),
    ("inbound (sent by us)", "#20c997"),
];

/// Log text made safe for HTML text and attribute values: control
/// characters escaped visibly, then `& < > " '` as entities.
pub fn esc(s: &str) -> String {
    let s = escape_control(s);
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Guidance prose: escaped, with `backticked` spans set as code.
fn prose(s: &str) -> String {
    let e = esc(s);
    let parts: Vec<&str> = e.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return e; // unpaired backtick: leave it as text
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if i % 2 == 1 {
                format!("<code>{p}</code>")
            } else {
                (*p).to_string()
            }
        })
        .collect()
}

/// Log text cut to `max` characters, then escaped.
fn clip(s: &str, max: usize) -> String {
    esc(&cell(s, max))
}

fn kind_values(k: &KindCounts) -> [u64; 4] {
    [
        k.deferrals_421,
        k.suspended_421,
        k.replies_421,
        k.inbound_421,
    ]
}

/// A round step (1, 2 or 5 × 10^k) so that `divisions` steps reach `max`.
fn nice_step(max: u64, divisions: u64) -> u64 {
    let raw = max.div_ceil(divisions).max(1);
    let mut p: u64 = 1;
    loop {
        for m in [1, 2, 5] {
            if m * p >= raw {
                return m * p;
            }
        }
        p = p.saturating_mul(10);
    }
}

/// Value scales sharing `divisions` grid lines (3 to `most`, at least 3):
/// the count that wastes the least room above the largest values, fewer on
/// ties. Returns the divisions and one step per series.
fn scales_upto<const N: usize>(maxima: [u64; N], most: u64) -> (u64, [u64; N]) {
    let waste = |d: u64| -> f64 {
        maxima
            .iter()
            .map(|m| 1.0 - *m as f64 / (nice_step(*m, d) * d) as f64)
            .sum()
    };
    let d = (3..=most.max(3))
        .min_by(|a, b| waste(*a).total_cmp(&waste(*b)))
        .unwrap_or(4);
    (d, maxima.map(|m| nice_step(m, d)))
}

/// A table: `heads` is its header line (`"domain | attempts"`), `numeric`
/// the columns (from 0) set right-aligned; cells are HTML already.
fn table(s: &mut String, heads: &str, numeric: &[usize], rows: &[Vec<String>]) -> fmt::Result {
    let class = |i: usize| {
        if numeric.contains(&i) {
            " class=\"n\""
        } else {
            ""
        }
    };
    s.push_str("<div class=\"wrap\"><table><thead><tr>");
    for (i, h) in heads.split(" | ").enumerate() {
        write!(s, "<th{}>{}</th>", class(i), esc(h))?;
    }
    s.push_str("</tr></thead><tbody>\n");
    for row in rows {
        s.push_str("<tr>");
        for (i, c) in row.iter().enumerate() {
            write!(s, "<td{}>{c}</td>", class(i))?;
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody></table></div>\n");
    Ok(())
}

/// A window's time: to the second when windows are not whole minutes.
fn window_cell(t: &str, window: i64) -> String {
    format!("<span class=\"t\">{}</span>", esc(&window_time(t, window)))
}

fn time_cell(t: &str) -> String {
    format!("<span class=\"t\">{}</span>", esc(&short_time(t)))
}

impl Render for Html {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut s = String::with_capacity(64 * 1024);
        self.page(&mut s, report, None).map_err(io::Error::other)?;
        out.write_all(s.as_bytes())
    }
}

impl Html {
    /// The page of one day (`summary --format html`): the report's page
    /// with the comparison with earlier days under the cards and a time
    /// axis over the whole day.
    pub fn render_day(&self, report: &Report, day: &Day, out: &mut dyn Write) -> io::Result<()> {
        let mut s = String::with_capacity(64 * 1024);
        self.page(&mut s, report, Some(day))
            .map_err(io::Error::other)?;
        out.write_all(s.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::time_chart::{bar_length, tick_step};
    use super::*;

    #[test]
    fn esc_escapes_markup_quotes_and_controls() {
        assert_eq!(
            esc("<a href=\"x\" onclick='y'>&\x1b[31m"),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;\\x1b[31m"
        );
    }

    #[test]
    fn prose_sets_backticks_as_code() {
        assert_eq!(
            prose("run `exim -bp` & see"),
            "run <code>exim -bp</code> &amp; see"
        );
        assert_eq!(prose("a ` b"), "a ` b");
    }

    #[test]
    fn scales_fit_tightly_and_share_divisions() {
        assert_eq!(scales_upto([12], 6), (6, [2]));
        assert_eq!(scales_upto([13], 6), (3, [5]));
        assert_eq!(scales_upto([56, 45], 6), (3, [20, 20]));
        assert_eq!(scales_upto([0, 0], 6), (3, [1, 1]));
    }

    #[test]
    fn nice_steps_round_up() {
        assert_eq!(nice_step(0, 4), 1);
        assert_eq!(nice_step(7, 4), 2);
        assert_eq!(nice_step(47, 4), 20);
        assert_eq!(nice_step(153, 4), 50);
        assert_eq!(nice_step(1000, 4), 500);
    }

    #[test]
    fn bars_cover_round_durations() {
        assert_eq!(bar_length(6 * 3600, 3600), 3600);
        assert_eq!(bar_length(5 * 86_400, 300), 1800);
        assert_eq!(bar_length(5 * 86_400, 420), 420 * 4);
        assert_eq!(bar_length(400 * 86_400, 3600), 172_800);
        assert_eq!(bar_length(10 * 365 * 86_400, 86_400), 1_209_600);
    }

    #[test]
    fn tick_steps_stay_few() {
        assert_eq!(tick_step(6 * 3600, 3600, 8), 3600);
        assert_eq!(tick_step(86_400, 300, 8), 10_800);
        assert_eq!(tick_step(30 * 86_400, 3600, 8), 604_800);
        // Narrow charts: at most about four.
        assert_eq!(tick_step(86_400, 3600, 4), 21_600);
        assert_eq!(tick_step(6 * 3600, 3600, 4), 7200);
    }
}

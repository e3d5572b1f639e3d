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

use super::Render;
use super::table::{cell, short_time, window_time};
use super::table_answers::duration;
use crate::analysis::per_1000;
use crate::classify::Cause;
use crate::guidance::{Guidance, guidance};
use crate::report::{KindCounts, Report, WindowRow};
use crate::text::escape_control;

/// The HTML renderer.
pub struct Html {
    /// Page title and main heading (escaped like log text).
    pub title: String,
    /// Rows per ranked table, and pending recipients listed.
    pub top: usize,
}

/// Bars in the per-window chart: longer periods add neighbouring windows up.
const MAX_BARS: i64 = 300;
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

const CSS: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f6f9; color: #1f2933;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", "Liberation Sans", sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid #dde3ea; }
h3 { font-size: 15px; margin: 0 0 6px; }
h4 { font-size: 13px; margin: 10px 0 2px; color: #52606d; text-transform: uppercase; letter-spacing: .03em; }
p { margin: 6px 0; }
.meta { color: #52606d; margin: 0; }
.note { color: #616e7c; font-size: 13px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(128px, 1fr)); gap: 10px; margin: 18px 0 6px; }
.card { background: #fff; border: 1px solid #dde3ea; border-left: 4px solid #8fa6c4; border-radius: 6px; padding: 8px 12px; }
.card .v { font-size: 22px; font-weight: 650; font-variant-numeric: tabular-nums; }
.card .k { color: #52606d; font-size: 12.5px; }
.card.hot { border-left-color: #e8590c; }
.card.warn { border-left-color: #fcc419; }
.card.good { border-left-color: #37b24d; }
figure { margin: 10px 0 18px; background: #fff; border: 1px solid #dde3ea; border-radius: 6px; padding: 12px 14px 6px; }
figcaption { font-weight: 600; margin-bottom: 4px; }
figure svg { display: block; width: 100%; height: auto; }
svg text { font-family: inherit; fill: #323f4b; font-size: 12px; }
svg .axis text { fill: #616e7c; font-size: 11.5px; }
svg .axis line, svg .axis path { stroke: #9aa5b1; }
svg .grid line { stroke: #e4e7eb; }
svg .value { font-size: 11.5px; fill: #3e4c59; }
svg .muted { fill: #7b8794; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
@media (max-width: 900px) { .pair { grid-template-columns: 1fr; } }
.wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 13px; margin: 6px 0 14px; }
th, td { padding: 5px 8px; border-bottom: 1px solid #e4e7eb; text-align: left; vertical-align: top; }
th { background: #eef1f5; font-weight: 600; vertical-align: bottom; }
tbody tr:nth-child(even) { background: #f9fafb; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.t { white-space: nowrap; }
.r { font-family: "DejaVu Sans Mono", ui-monospace, monospace; font-size: 12px; overflow-wrap: anywhere; }
.tag { display: inline-block; padding: 0 6px; border-radius: 9px; background: #eef1f5; font-size: 12px; white-space: nowrap; }
.tag.bad { background: #ffe3e3; color: #a61e1e; }
.advice { background: #fff; border: 1px solid #dde3ea; border-left: 4px solid #e8590c; border-radius: 6px; padding: 12px 16px; margin: 12px 0; }
.advice .count { font-weight: 400; color: #52606d; font-size: 13px; margin-left: 6px; }
.advice .cols { display: grid; grid-template-columns: repeat(auto-fit, minmax(240px, 1fr)); gap: 4px 24px; }
.advice ul, .advice ol { margin: 2px 0 4px; padding-left: 22px; }
code { font-family: "DejaVu Sans Mono", ui-monospace, monospace; font-size: 12.5px; background: #eef1f5; padding: 0 3px; border-radius: 3px; }
footer { margin-top: 40px; color: #7b8794; font-size: 12px; }
"#;

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

/// `12345` → `12,345`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "-".to_string(), |s| format!("{:.1}%", s * 100.0))
}

fn opt_duration(s: Option<u32>) -> String {
    s.map_or_else(|| "-".to_string(), |s| duration(i64::from(s)))
}

fn human_window(secs: i64) -> String {
    match secs {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

fn cause_named(name: &str) -> Option<Cause> {
    Cause::ALL.iter().copied().find(|c| c.name() == name)
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

/// Value scales sharing `divisions` grid lines (3 to 6): the count that
/// wastes the least room above the largest values, fewer on ties. Returns
/// the divisions and one step per series.
fn scales<const N: usize>(maxima: [u64; N]) -> (u64, [u64; N]) {
    let waste = |d: u64| -> f64 {
        maxima
            .iter()
            .map(|m| 1.0 - *m as f64 / (nice_step(*m, d) * d) as f64)
            .sum()
    };
    let d = (3..=6u64)
        .min_by(|a, b| waste(*a).total_cmp(&waste(*b)))
        .unwrap_or(4);
    (d, maxima.map(|m| nice_step(m, d)))
}

/// A table: `heads` with `true` for numeric (right-aligned) columns; cells
/// are HTML already.
fn table(s: &mut String, heads: &[(&str, bool)], rows: &[Vec<String>]) -> fmt::Result {
    s.push_str("<div class=\"wrap\"><table><thead><tr>");
    for (h, num) in heads {
        let class = if *num { " class=\"n\"" } else { "" };
        write!(s, "<th{class}>{}</th>", esc(h))?;
    }
    s.push_str("</tr></thead><tbody>\n");
    for row in rows {
        s.push_str("<tr>");
        for (i, c) in row.iter().enumerate() {
            let class = match heads.get(i) {
                Some((_, true)) => " class=\"n\"",
                _ => "",
            };
            write!(s, "<td{class}>{c}</td>")?;
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
        self.page(&mut s, report).map_err(io::Error::other)?;
        out.write_all(s.as_bytes())
    }
}

impl Html {
    fn page(&self, s: &mut String, r: &Report) -> fmt::Result {
        let title = esc(&self.title);
        write!(
            s,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta name=\"generator\" content=\"maillog421 {}\">\n\
             <title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n\
             <h1>{title}</h1>\n",
            env!("CARGO_PKG_VERSION")
        )?;
        let period = match (&r.first, &r.last) {
            (Some(a), Some(b)) => format!("{} to {}", esc(&short_time(a)), esc(&short_time(b))),
            _ => "no timestamped lines".to_string(),
        };
        writeln!(
            s,
            "<p class=\"meta\">Period <b>{period}</b> · window {} · {} input(s): {}</p>",
            human_window(r.window_seconds),
            r.inputs.len(),
            r.inputs
                .iter()
                .map(|i| format!("<code>{}</code>", clip(&i.path, 80)))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
        self.cards(s, r)?;

        s.push_str("<h2>Load and 421 deferrals over time</h2>\n");
        time_chart(s, r)?;
        self.load(s, r)?;

        s.push_str("<h2>Domains deferring with 421</h2>\n");
        if r.by_domain.is_empty() {
            s.push_str("<p>No recipient domain deferred mail with 421.</p>\n");
        } else {
            self.domain_chart(s, r)?;
            self.domains(s, r)?;
        }
        self.pending(s, r)?;

        s.push_str("<h2>Why: causes and SMTP stages</h2>\n");
        self.causes(s, r)?;
        self.advice(s, r)?;
        self.providers(s, r)?;
        self.replies(s, r)?;
        self.inputs(s, r)?;
        write!(
            s,
            "<footer>Generated by maillog421 {} (report schema {}). \
             421 deferrals count recipients deferred by a remote 421 reply; \
             attempts count delivery lines on which a delivery was tried (delivered, deferred, bounced); \
             retry-skipped lines (nothing tried) are counted apart.</footer>\n\
             </main>\n</body>\n</html>\n",
            env!("CARGO_PKG_VERSION"),
            esc(r.schema)
        )
    }

    fn cards(&self, s: &mut String, r: &Report) -> fmt::Result {
        let t = &r.totals;
        let rt = &r.retries;
        let mut cards = vec![
            (
                "",
                thousands(t.delivery_attempts),
                "delivery attempts".to_string(),
            ),
            (
                "",
                thousands(t.retry_skipped),
                "retry-skipped lines (nothing tried)".to_string(),
            ),
            (
                "hot",
                thousands(t.deferrals_421),
                format!(
                    "421 deferrals · {:.1} per 1,000 attempts",
                    per_1000(t.deferrals_421, t.delivery_attempts)
                ),
            ),
        ];
        if rt.with_421 > 0 {
            cards.push((
                "good",
                thousands(rt.recovered),
                format!(
                    "delivered later ({}) of {} recipients that met a 421",
                    percent(rt.recovery_share),
                    thousands(rt.with_421)
                ),
            ));
            cards.push((
                if rt.pending > 0 { "warn" } else { "good" },
                thousands(rt.pending),
                "still pending at the end of the logs".to_string(),
            ));
        }
        cards.extend([
            (
                "",
                thousands(t.suspended_421),
                "suspended (cached 421, no attempt)".to_string(),
            ),
            (
                "",
                thousands(t.replies_421),
                "421 host/session replies".to_string(),
            ),
            (
                "",
                thousands(t.inbound_421),
                "421s we sent (inbound)".to_string(),
            ),
            ("", thousands(t.lines), "log lines read".to_string()),
        ]);
        s.push_str("<div class=\"cards\">\n");
        for (class, v, k) in cards {
            writeln!(
                s,
                "<div class=\"card {class}\"><div class=\"v\">{v}</div><div class=\"k\">{}</div></div>",
                esc(&k)
            )?;
        }
        s.push_str("</div>\n");
        if t.unparsed_lines > 0 {
            writeln!(
                s,
                "<p class=\"note\">{} line(s) were not understood (run with --verbose to see examples).</p>",
                thousands(t.unparsed_lines)
            )?;
        }
        Ok(())
    }

    fn load(&self, s: &mut String, r: &Report) -> fmt::Result {
        let l = &r.load;
        if l.windows == 0 || r.totals.deferrals_421 == 0 {
            return Ok(());
        }
        writeln!(
            s,
            "<p>In the busiest {:.0}% of windows ({} of {}) the 421 rate was <b>{:.1}</b> per 1,000 attempts, against <b>{:.1}</b> in the rest.",
            l.busiest_share * 100.0,
            l.busiest_windows,
            l.windows,
            l.rate_busy_per_1000,
            l.rate_rest_per_1000
        )?;
        // The same verdict sentence as the table (analysis/load.rs).
        writeln!(
            s,
            "</p>\n<p>{}</p>",
            esc(&l.verdict_text(&super::table::human_window(r.window_seconds)))
        )?;
        if l.episodes.is_empty() {
            return Ok(());
        }
        writeln!(
            s,
            "<h3>Peak 421 episodes, the biggest first ({} of {})</h3>",
            l.episodes.len().min(self.top),
            l.episodes_total
        )?;
        let rows: Vec<Vec<String>> = l
            .episodes
            .iter()
            .take(self.top)
            .map(|e| {
                vec![
                    window_cell(&e.start, r.window_seconds),
                    window_cell(&e.end, r.window_seconds),
                    window_cell(&e.peak, r.window_seconds),
                    thousands(e.deferrals_421),
                    thousands(e.delivery_attempts),
                    format!("{:.1}", e.rate_per_1000),
                    clip(&e.top_domains.join(" "), 80),
                    esc(&e.top_categories.join(" ")),
                ]
            })
            .collect();
        table(
            s,
            &[
                ("start", false),
                ("end", false),
                ("peak window", false),
                ("421 deferrals", true),
                ("attempts", true),
                ("per 1000", true),
                ("top domains", false),
                ("causes", false),
            ],
            &rows,
        )
    }

    fn domain_chart(&self, s: &mut String, r: &Report) -> fmt::Result {
        let rows: Vec<_> = r
            .by_domain
            .iter()
            .filter(|d| d.deferrals_421 > 0)
            .take(self.top.min(CHART_DOMAINS))
            .collect();
        if rows.is_empty() {
            return Ok(());
        }
        let (w, label_w, value_w, row_h, top_pad) = (1000.0, 230.0, 190.0, 24.0, 8.0);
        let h = top_pad + rows.len() as f64 * row_h + 30.0;
        let plot_w = w - label_w - value_w;
        let max = rows.iter().map(|d| d.deferrals_421).max().unwrap_or(1);
        let (divisions, [step]) = scales([max]);
        let top = step * divisions;
        writeln!(
            s,
            "<figure><figcaption>Top {} domains by 421 deferrals</figcaption>",
            rows.len()
        )?;
        writeln!(
            s,
            "<svg viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"421 deferrals per domain\">"
        )?;
        let bottom = top_pad + rows.len() as f64 * row_h;
        value_grid(
            s,
            divisions,
            step,
            top,
            (label_w, plot_w),
            (top_pad, bottom),
        )?;
        for (i, d) in rows.iter().enumerate() {
            let y = top_pad + i as f64 * row_h;
            let bw = (d.deferrals_421 as f64 / top as f64 * plot_w).max(1.0);
            let cause = d.top_category.unwrap_or("");
            writeln!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
                 <rect x=\"{label_w}\" y=\"{:.1}\" width=\"{bw:.1}\" height=\"{:.1}\" rx=\"2\" fill=\"{}\">\
                 <title>{}: {} 421 deferrals of {} attempts ({:.1} per 1000), mostly {}</title></rect>\
                 <text class=\"value\" x=\"{:.1}\" y=\"{:.1}\">{} <tspan class=\"muted\">{}</tspan></text>",
                label_w - 8.0,
                y + row_h / 2.0 + 4.0,
                clip(&d.domain, 32),
                y + 4.0,
                row_h - 8.0,
                KINDS[0].1,
                esc(&d.domain),
                d.deferrals_421,
                d.delivery_attempts,
                d.rate_per_1000,
                esc(cause),
                label_w + bw + 6.0,
                y + row_h / 2.0 + 4.0,
                thousands(d.deferrals_421),
                esc(cause),
            )?;
        }
        s.push_str("</svg></figure>\n");
        Ok(())
    }

    fn domains(&self, s: &mut String, r: &Report) -> fmt::Result {
        let rows: Vec<Vec<String>> = r
            .by_domain
            .iter()
            .take(self.top)
            .map(|d| {
                let x = &d.retries;
                vec![
                    clip(&d.domain, 60),
                    thousands(d.deferrals_421),
                    thousands(d.delivery_attempts),
                    format!("{:.1}", d.rate_per_1000),
                    esc(d.top_category.unwrap_or("-")),
                    thousands(x.with_421),
                    thousands(x.recovered),
                    thousands(x.bounced),
                    thousands(x.pending),
                    percent(x.recovery_share),
                    opt_duration(x.time_to_delivery_p50_s),
                    if d.repeat.keeps_returning {
                        "<span class=\"tag bad\">keeps returning</span>".to_string()
                    } else {
                        "<span class=\"tag\">one-off</span>".to_string()
                    },
                ]
            })
            .collect();
        let more = r.by_domain.len().saturating_sub(self.top);
        if more > 0 {
            writeln!(
                s,
                "<p class=\"note\">The top {} of {} domains.</p>",
                self.top,
                r.by_domain.len()
            )?;
        }
        table(
            s,
            &[
                ("domain", false),
                ("421 deferrals", true),
                ("attempts", true),
                ("per 1000", true),
                ("main cause", false),
                ("met 421", true),
                ("recovered", true),
                ("bounced", true),
                ("pending", true),
                ("recovered %", true),
                ("median delay", true),
                ("repeat", false),
            ],
            &rows,
        )?;
        writeln!(
            s,
            "<p class=\"note\">“met 421” counts (message, recipient) pairs; “recovered” ones were delivered later, “median delay” runs from the first 421 to delivery. Repeat rule: {}.</p>",
            esc(r.repeat_offender_rule)
        )
    }

    fn pending(&self, s: &mut String, r: &Report) -> fmt::Result {
        s.push_str("<h2>Still pending: recipients deferred at the end of the logs</h2>\n");
        if r.pending.is_empty() {
            s.push_str(if r.retries.with_421 > 0 {
                "<p>No recipient is stuck: every pair that met a 421 was delivered or bounced.</p>\n"
            } else {
                "<p>No recipient met a 421.</p>\n"
            });
            return Ok(());
        }
        writeln!(
            s,
            "<p class=\"note\">Oldest first: {} of {}.</p>",
            r.pending.len().min(self.top),
            r.pending.len()
        )?;
        let rows: Vec<Vec<String>> = r
            .pending
            .iter()
            .take(self.top)
            .map(|p| {
                vec![
                    format!("<span class=\"t\">{}</span>", clip(&p.id, 32)),
                    clip(&p.recipient, 60),
                    time_cell(&p.first_421),
                    time_cell(&p.last_attempt),
                    duration(p.age_s),
                    format!("<span class=\"r\">{}</span>", clip(&p.last_reply, 200)),
                ]
            })
            .collect();
        table(
            s,
            &[
                ("message id", false),
                ("recipient", false),
                ("first 421", false),
                ("last attempt", false),
                ("age", true),
                ("last 421 reply", false),
            ],
            &rows,
        )
    }

    fn causes(&self, s: &mut String, r: &Report) -> fmt::Result {
        let mut cats: Vec<_> = r
            .by_category
            .iter()
            .filter(|c| c.counts.total() > 0)
            .collect();
        if cats.is_empty() {
            s.push_str("<p>No 421 seen.</p>\n");
            return Ok(());
        }
        // The 421s are the deferrals, and apart from them the 421s we sent:
        // host-level and cached lines repeat a deferral, so the charts leave
        // them out (the table lists them in their own columns).
        let key = |k: &KindCounts| (k.deferrals_421, k.inbound_421);
        cats.sort_by_key(|c| std::cmp::Reverse(key(&c.counts)));
        let charted = |k: &KindCounts| [k.deferrals_421, 0, 0, k.inbound_421];
        let stages: Vec<_> = r
            .by_stage
            .iter()
            .filter(|st| st.counts.deferrals_421 + st.counts.inbound_421 > 0)
            .collect();
        s.push_str("<div class=\"pair\">\n");
        let cat_rows: Vec<(String, [u64; 4])> = cats
            .iter()
            .filter(|c| c.counts.deferrals_421 + c.counts.inbound_421 > 0)
            .map(|c| (c.category.to_string(), charted(&c.counts)))
            .collect();
        stacked_chart(s, "421 deferrals and 421s we sent, by cause", &cat_rows)?;
        let stage_rows: Vec<(String, [u64; 4])> = stages
            .iter()
            .map(|st| (st.stage.to_string(), charted(&st.counts)))
            .collect();
        stacked_chart(
            s,
            "421 deferrals and 421s we sent, by SMTP stage",
            &stage_rows,
        )?;
        s.push_str("</div>\n");
        let rows: Vec<Vec<String>> = cats
            .iter()
            .map(|c| {
                let k = kind_values(&c.counts);
                let mut row = vec![esc(c.category)];
                row.extend(k.iter().map(|n| thousands(*n)));
                row.push(esc(c.meaning));
                row
            })
            .collect();
        table(
            s,
            &[
                ("category", false),
                ("deferred", true),
                ("suspended", true),
                ("reply", true),
                ("inbound", true),
                ("meaning", false),
            ],
            &rows,
        )
    }

    fn advice(&self, s: &mut String, r: &Report) -> fmt::Result {
        // Counted as the 421s: deferrals, and the 421s we sent apart.
        let mut cats: Vec<(Cause, u64, u64)> = r
            .by_category
            .iter()
            .filter(|c| c.counts.deferrals_421 + c.counts.inbound_421 > 0)
            .filter_map(|c| {
                cause_named(c.category)
                    .map(|cause| (cause, c.counts.deferrals_421, c.counts.inbound_421))
            })
            .collect();
        if cats.is_empty() {
            return Ok(());
        }
        cats.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
        s.push_str("<h2>What to do</h2>\n<p class=\"note\">One card per cause seen, the most 421 deferrals first.</p>\n");
        for (cause, deferrals, inbound) in cats {
            let g: &Guidance = guidance(cause);
            let domains: Vec<&str> = r
                .by_domain
                .iter()
                .filter(|d| d.categories.contains_key(cause.name()))
                .take(6)
                .map(|d| d.domain.as_str())
                .collect();
            let mut count = Vec::new();
            if deferrals > 0 {
                let s = if deferrals == 1 { "" } else { "s" };
                count.push(format!("{} 421 deferral{s}", thousands(deferrals)));
            }
            if inbound > 0 {
                count.push(format!("{} sent by us (inbound)", thousands(inbound)));
            }
            write!(
                s,
                "<section class=\"advice\"><h3>{}<span class=\"count\">{}</span></h3>\n<p>{}</p>\n<p><b>Temporary?</b> {}</p>\n",
                esc(cause.name()),
                count.join(", "),
                prose(g.meaning),
                prose(g.temporary)
            )?;
            if !domains.is_empty() {
                writeln!(
                    s,
                    "<p><b>Domains:</b> {}</p>",
                    clip(&domains.join(", "), 200)
                )?;
            }
            // Advice naming an MTA only for the MTA(s) of the input.
            let mtas = crate::guidance::Mtas::of(&r.inputs);
            let fit = |items: &[&'static str]| -> Vec<&'static str> {
                items.iter().copied().filter(|i| mtas.fits(i)).collect()
            };
            s.push_str("<div class=\"cols\">");
            list(s, "Do now", "ol", &fit(g.do_now))?;
            list(s, "Who acts", "ul", &fit(g.who_acts))?;
            s.push_str("</div><div class=\"cols\">");
            list(s, "Likely causes", "ul", &fit(g.causes))?;
            list(s, "Tell support / the receiver", "ul", &fit(g.tell_support))?;
            s.push_str("</div></section>\n");
        }
        Ok(())
    }

    fn providers(&self, s: &mut String, r: &Report) -> fmt::Result {
        if r.by_provider.is_empty() {
            return Ok(());
        }
        s.push_str("<h2>Providers (domains grouped by their MX hosts)</h2>\n");
        let rows: Vec<Vec<String>> = r
            .by_provider
            .iter()
            .take(self.top)
            .map(|p| {
                let names = p.domain_list(4);
                vec![
                    clip(&p.provider, 30),
                    clip(&names, 90),
                    thousands(p.deferrals_421),
                    thousands(p.delivery_attempts),
                    format!("{:.1}", p.rate_per_1000),
                    thousands(p.recovered),
                    thousands(p.pending),
                    p.keeps_returning.to_string(),
                ]
            })
            .collect();
        table(
            s,
            &[
                ("provider", false),
                ("domains with 421", false),
                ("421 deferrals", true),
                ("attempts", true),
                ("per 1000", true),
                ("recovered", true),
                ("pending", true),
                ("repeat domains", true),
            ],
            &rows,
        )
    }

    fn replies(&self, s: &mut String, r: &Report) -> fmt::Result {
        if !r.top_replies.is_empty() {
            s.push_str("<h2>Top 421 replies from remote servers</h2>\n");
            let rows: Vec<Vec<String>> = r
                .top_replies
                .iter()
                .take(self.top)
                .map(|x| {
                    vec![
                        thousands(x.deferrals_421),
                        thousands(x.suspended_421),
                        thousands(x.replies_421),
                        esc(x.category),
                        format!("<span class=\"r\">{}</span>", esc(&x.text)),
                        clip(&x.domains.join(" "), 80),
                    ]
                })
                .collect();
            table(
                s,
                &[
                    ("deferred", true),
                    ("suspended", true),
                    ("reply", true),
                    ("category", false),
                    ("reply (normalised)", false),
                    ("domains", false),
                ],
                &rows,
            )?;
        }
        if !r.top_unknown_replies.is_empty() {
            s.push_str("<h3>Unclassified 421 replies</h3>\n");
            let rows: Vec<Vec<String>> = r
                .top_unknown_replies
                .iter()
                .take(self.top)
                .map(|x| {
                    vec![
                        thousands(x.deferrals_421),
                        thousands(x.suspended_421),
                        thousands(x.replies_421),
                        format!("<span class=\"r\">{}</span>", esc(&x.text)),
                    ]
                })
                .collect();
            table(
                s,
                &[
                    ("deferred", true),
                    ("suspended", true),
                    ("reply", true),
                    ("reply (no rule matched)", false),
                ],
                &rows,
            )?;
        }
        if !r.by_host.is_empty() {
            s.push_str("<h3>Remote hosts answering 421</h3>\n");
            let rows: Vec<Vec<String>> = r
                .by_host
                .iter()
                .take(self.top)
                .map(|h| vec![clip(&h.host, 80), thousands(h.deferrals_421)])
                .collect();
            table(s, &[("remote host", false), ("421 deferrals", true)], &rows)?;
        }
        if !r.inbound_clients.is_empty() {
            s.push_str("<h3>Inbound: clients we answered 421</h3>\n");
            let rows: Vec<Vec<String>> = r
                .inbound_clients
                .iter()
                .take(self.top)
                .map(|c| vec![clip(&c.client, 80), thousands(c.inbound_421)])
                .collect();
            table(s, &[("client", false), ("421s we sent", true)], &rows)?;
        }
        Ok(())
    }

    fn inputs(&self, s: &mut String, r: &Report) -> fmt::Result {
        s.push_str("<h2>Inputs</h2>\n");
        let rows: Vec<Vec<String>> = r
            .inputs
            .iter()
            .map(|i| {
                vec![
                    clip(&i.path, 100),
                    esc(i.format.map(|f| f.name()).unwrap_or("-")),
                    if i.compressed { "yes" } else { "no" }.to_string(),
                    thousands(i.lines),
                    thousands(i.unparsed_lines),
                    i.error
                        .as_deref()
                        .map_or_else(|| "ok".to_string(), |e| clip(e, 200)),
                ]
            })
            .collect();
        table(
            s,
            &[
                ("input", false),
                ("format", false),
                ("gzip", false),
                ("lines", true),
                ("not understood", true),
                ("status", false),
            ],
            &rows,
        )
    }
}

fn list(s: &mut String, head: &str, tag: &str, items: &[&str]) -> fmt::Result {
    if items.is_empty() {
        return Ok(());
    }
    write!(s, "<div><h4>{}</h4><{tag}>", esc(head))?;
    for i in items {
        write!(s, "<li>{}</li>", prose(i))?;
    }
    write!(s, "</{tag}></div>")
}

/// Horizontal bars, one per row, stacked by kind of 421, with a legend of
/// the kinds that occur.
/// The vertical grid lines and value labels of a horizontal bar chart:
/// `divisions` steps of `step` up to `top`, over `x = (left, width)` and
/// `y = (top, bottom)`.
fn value_grid(
    s: &mut String,
    divisions: u64,
    step: u64,
    top: u64,
    (label_w, plot_w): (f64, f64),
    (top_pad, bottom): (f64, f64),
) -> fmt::Result {
    s.push_str("<g class=\"grid axis\">");
    for i in 0..=divisions {
        let v = step * i;
        let x = label_w + v as f64 / top as f64 * plot_w;
        write!(
            s,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{top_pad}\" y2=\"{bottom}\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            bottom + 16.0,
            thousands(v)
        )?;
    }
    s.push_str("</g>\n");
    Ok(())
}

fn stacked_chart(s: &mut String, caption: &str, rows: &[(String, [u64; 4])]) -> fmt::Result {
    let (w, label_w, value_w, row_h) = (480.0, 128.0, 56.0, 24.0);
    let used: Vec<usize> = (0..4)
        .filter(|k| rows.iter().any(|(_, v)| v[*k] > 0))
        .collect();
    let legend_h = 22.0 * used.len().div_ceil(2) as f64 + 6.0;
    let top_pad = legend_h + 4.0;
    let plot_w = w - label_w - value_w;
    let bottom = top_pad + rows.len() as f64 * row_h;
    let h = bottom + 28.0;
    let max = rows
        .iter()
        .map(|(_, v)| v.iter().sum::<u64>())
        .max()
        .unwrap_or(1);
    let (divisions, [step]) = scales([max]);
    let top = step * divisions;
    writeln!(
        s,
        "<figure><figcaption>{}</figcaption>\n<svg viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\">",
        esc(caption),
        esc(caption)
    )?;
    for (i, k) in used.iter().enumerate() {
        let x = 8.0 + (i % 2) as f64 * 230.0;
        let y = 6.0 + (i / 2) as f64 * 22.0;
        write!(
            s,
            "<rect x=\"{x}\" y=\"{y}\" width=\"14\" height=\"14\" rx=\"2\" fill=\"{}\"/><text x=\"{}\" y=\"{}\">{}</text>",
            KINDS[*k].1,
            x + 20.0,
            y + 11.5,
            esc(KINDS[*k].0)
        )?;
    }
    s.push('\n');
    value_grid(
        s,
        divisions,
        step,
        top,
        (label_w, plot_w),
        (top_pad, bottom),
    )?;
    for (i, (name, v)) in rows.iter().enumerate() {
        let y = top_pad + i as f64 * row_h;
        let total: u64 = v.iter().sum();
        write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            label_w - 8.0,
            y + row_h / 2.0 + 4.0,
            clip(name, 20)
        )?;
        let mut x = label_w;
        for (k, n) in v.iter().enumerate() {
            if *n == 0 {
                continue;
            }
            let bw = *n as f64 / top as f64 * plot_w;
            write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{bw:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{}: {n} {}</title></rect>",
                y + 4.0,
                row_h - 8.0,
                KINDS[k].1,
                esc(name),
                esc(KINDS[k].0)
            )?;
            x += bw;
        }
        writeln!(
            s,
            "<text class=\"value\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            x + 6.0,
            y + row_h / 2.0 + 4.0,
            thousands(total)
        )?;
    }
    s.push_str("</svg></figure>\n");
    Ok(())
}

/// The UTC offset (seconds) in force at `t`, read from the window row at or
/// before it (rows carry their start in the report's zone).
fn offset_at(rows: &[WindowRow], t: i64) -> i32 {
    let i = rows
        .partition_point(|w| w.start_secs <= t)
        .saturating_sub(1);
    rows.get(i)
        .and_then(|w| chrono::DateTime::parse_from_rfc3339(&w.start).ok())
        .map_or(0, |d| d.offset().local_minus_utc())
}

fn local_time(t: i64, offset: i32) -> Option<chrono::NaiveDateTime> {
    chrono::DateTime::from_timestamp(t + i64::from(offset), 0).map(|d| d.naive_utc())
}

/// Time ticks: the first step (from minutes to weeks) giving at most about
/// eight ticks over `span` seconds.
fn tick_step(span: i64, window: i64) -> i64 {
    const STEPS: [i64; 16] = [
        60, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800,
        1_209_600, 2_592_000, 7_776_000,
    ];
    STEPS
        .iter()
        .copied()
        .find(|st| *st >= window.min(86_400) && span / st <= 8)
        .unwrap_or_else(|| (span / 8).max(1))
}

/// The time one bar covers: the window, or the fewest windows that keep
/// `span` within [`MAX_BARS`] bars, rounded up to a round duration (30m, 1h,
/// 6h, 1d, ...) when one is a multiple of the window and at most twice that.
fn bar_length(span: i64, window: i64) -> i64 {
    const ROUND: [i64; 14] = [
        300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800,
        1_209_600, 2_592_000,
    ];
    let windows = (span.max(1) + window - 1) / window;
    let least = window * ((windows + MAX_BARS - 1) / MAX_BARS).max(1);
    if least == window {
        return window;
    }
    ROUND
        .iter()
        .copied()
        .find(|b| b % window == 0 && *b >= least && *b <= 2 * least)
        .unwrap_or(least)
}

/// Attempts (bars, left scale) and 421 deferrals (line, right scale) per
/// window, on one time axis.
fn time_chart(s: &mut String, r: &Report) -> fmt::Result {
    let rows = &r.by_window;
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
        s.push_str("<p>No timestamped lines: nothing to chart.</p>\n");
        return Ok(());
    };
    let window = r.window_seconds.max(1);
    let bin = bar_length(last.start_secs - first.start_secs + window, window);
    let per_bar = bin / window;
    // Bars start on local multiples of their length (whole hours, days).
    let t0 = first.start_secs
        - (first.start_secs + i64::from(offset_at(rows, first.start_secs))).rem_euclid(bin);
    let n_bins = ((last.start_secs - t0) / bin + 1).max(1) as usize;
    let mut attempts = vec![0u64; n_bins];
    let mut deferrals = vec![0u64; n_bins];
    for w in rows {
        let i = (((w.start_secs - t0).max(0) / bin) as usize).min(n_bins - 1);
        attempts[i] += w.delivery_attempts;
        deferrals[i] += w.deferrals_421;
    }

    let (w, h) = (1000.0, 330.0);
    let (left, right, top_pad, bottom_pad) = (64.0, 64.0, 40.0, 46.0);
    let pw = w - left - right;
    let ph = h - top_pad - bottom_pad;
    let base = top_pad + ph;
    let span = bin * n_bins as i64;
    let x_of = |t: i64| left + (t - t0) as f64 / span as f64 * pw;
    let (divisions, [a_step, d_step]) = scales([
        attempts.iter().copied().max().unwrap_or(0),
        deferrals.iter().copied().max().unwrap_or(0),
    ]);
    let (a_top, d_top) = ((a_step * divisions) as f64, (d_step * divisions) as f64);

    let bars = if per_bar > 1 {
        format!(
            "one bar per {} ({per_bar} windows of {})",
            human_window(bin),
            human_window(window)
        )
    } else {
        format!("one bar per {} window", human_window(window))
    };
    writeln!(
        s,
        "<figure><figcaption>Delivery attempts and 421 deferrals per window</figcaption>\n\
         <svg viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"Delivery attempts and 421 deferrals per window\">"
    )?;
    // Legend.
    writeln!(
        s,
        "<rect x=\"{left}\" y=\"8\" width=\"14\" height=\"14\" rx=\"2\" fill=\"{ATTEMPTS_COLOR}\"/>\
         <text x=\"{}\" y=\"19.5\">Delivery attempts (bars, left scale)</text>\
         <line x1=\"{}\" x2=\"{}\" y1=\"15\" y2=\"15\" stroke=\"{c}\" stroke-width=\"2.5\"/>\
         <circle cx=\"{}\" cy=\"15\" r=\"3.5\" fill=\"{c}\"/>\
         <text x=\"{}\" y=\"19.5\">421 deferrals (line, right scale)</text>\
         <text class=\"muted\" x=\"{}\" y=\"19.5\" text-anchor=\"end\">{}</text>",
        left + 20.0,
        left + 270.0,
        left + 294.0,
        left + 282.0,
        left + 300.0,
        w - right,
        esc(&bars),
        c = KINDS[0].1,
    )?;
    // Grid and both value axes (the same divisions, so grid lines match).
    s.push_str("<g class=\"grid axis\">");
    for i in 0..=divisions {
        let y = base - i as f64 / divisions as f64 * ph;
        write!(
            s,
            "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" style=\"fill:{}\">{}</text>",
            w - right,
            left - 8.0,
            y + 4.0,
            thousands(a_step * i),
            w - right + 8.0,
            y + 4.0,
            KINDS[0].1,
            thousands(d_step * i)
        )?;
    }
    write!(
        s,
        "<text transform=\"translate(16 {:.1}) rotate(-90)\" text-anchor=\"middle\">attempts</text>\
         <text transform=\"translate({:.1} {:.1}) rotate(90)\" text-anchor=\"middle\" style=\"fill:{}\">421 deferrals</text>",
        top_pad + ph / 2.0,
        w - 14.0,
        top_pad + ph / 2.0,
        KINDS[0].1
    )?;
    s.push_str("</g>\n<g>");
    // Attempts bars.
    let slot = pw / n_bins as f64;
    let bar_w = (slot * 0.78).max(1.0);
    for (i, a) in attempts.iter().enumerate() {
        let t = t0 + bin * i as i64;
        let bh = *a as f64 / a_top * ph;
        let shape = if bin % 60 == 0 {
            "%Y-%m-%d %H:%M"
        } else {
            "%Y-%m-%d %H:%M:%S"
        };
        let label = local_time(t, offset_at(rows, t))
            .map(|d| d.format(shape).to_string())
            .unwrap_or_default();
        write!(
            s,
            "<rect x=\"{:.2}\" y=\"{:.2}\" width=\"{bar_w:.2}\" height=\"{bh:.2}\" fill=\"{ATTEMPTS_COLOR}\">\
             <title>{label}: {a} attempts, {} 421 deferrals</title></rect>",
            x_of(t) + (slot - bar_w) / 2.0,
            base - bh,
            deferrals[i]
        )?;
    }
    s.push_str("</g>\n");
    // 421 deferrals line.
    let points: Vec<(f64, f64)> = deferrals
        .iter()
        .enumerate()
        .map(|(i, d)| {
            (
                x_of(t0 + bin * i as i64) + slot / 2.0,
                base - *d as f64 / d_top * ph,
            )
        })
        .collect();
    s.push_str("<polyline fill=\"none\" stroke-width=\"2.5\" stroke-linejoin=\"round\" ");
    write!(s, "stroke=\"{}\" points=\"", KINDS[0].1)?;
    for (x, y) in &points {
        write!(s, "{x:.1},{y:.1} ")?;
    }
    s.push_str("\"/>\n");
    if n_bins <= 72 {
        for (x, y) in &points {
            write!(
                s,
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3.5\" fill=\"{}\" stroke=\"#fff\" stroke-width=\"1\"/>",
                KINDS[0].1
            )?;
        }
        s.push('\n');
    }
    // Time axis.
    write!(
        s,
        "<g class=\"axis\"><line x1=\"{left}\" x2=\"{:.1}\" y1=\"{base:.1}\" y2=\"{base:.1}\"/>",
        w - right
    )?;
    let step = tick_step(span, window);
    let align = step.min(86_400);
    let off0 = i64::from(offset_at(rows, t0));
    let mut t = t0 + (align - (t0 + off0).rem_euclid(align)).rem_euclid(align);
    let mut last_date = None;
    while t <= t0 + span {
        let x = x_of(t);
        if let Some(d) = local_time(t, offset_at(rows, t)) {
            let date = d.date();
            write!(
                s,
                "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{base:.1}\" y2=\"{:.1}\"/>",
                base + 5.0
            )?;
            let (line1, line2) = if step >= 86_400 {
                (d.format("%b %d").to_string(), None)
            } else {
                let day = (last_date != Some(date)).then(|| d.format("%b %d").to_string());
                (d.format("%H:%M").to_string(), day)
            };
            write!(
                s,
                "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{line1}</text>",
                base + 18.0
            )?;
            if let Some(l2) = line2 {
                write!(
                    s,
                    "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{l2}</text>",
                    base + 33.0
                )?;
            }
            last_date = Some(date);
        }
        t += step;
    }
    s.push_str("</g>\n</svg>\n");
    if !r.windows_complete {
        s.push_str("<p class=\"note\">The period is too long to list every window: only windows with activity are drawn.</p>\n");
    }
    s.push_str("</figure>\n");
    Ok(())
}

#[cfg(test)]
mod tests {
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
        assert_eq!(scales([12]), (6, [2]));
        assert_eq!(scales([13]), (3, [5]));
        assert_eq!(scales([56, 45]), (3, [20, 20]));
        assert_eq!(scales([0, 0]), (3, [1, 1]));
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
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
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
        assert_eq!(tick_step(6 * 3600, 3600), 3600);
        assert_eq!(tick_step(86_400, 300), 10_800);
        assert_eq!(tick_step(30 * 86_400, 3600), 604_800);
    }
}

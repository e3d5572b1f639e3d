//! The SVG charts, drawn here (no chart crate).
//!
//! Every chart is drawn twice in its `<figure>`: once for wide screens and
//! print ([`Fit::Wide`], about 1000 units across) and once for phones
//! ([`Fit::Narrow`], 360 units: about one unit per CSS pixel at 400 px, so
//! 12-unit labels stay about 12 px). The stylesheet shows one of the two.
//! The narrow one has fewer ticks, shorter labels and no tooltips.

use std::fmt::{self, Write as _};

use super::*;
use crate::report::DomainRow;

/// Which variant of a chart is being drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Fit {
    Wide,
    Narrow,
}

impl Fit {
    pub(super) const BOTH: [Fit; 2] = [Fit::Wide, Fit::Narrow];

    /// The `class` of the `<svg>`, which the stylesheet shows or hides.
    pub(super) fn class(self) -> &'static str {
        match self {
            Fit::Wide => "chart wide",
            Fit::Narrow => "chart narrow",
        }
    }

    /// Most grid lines across a value axis.
    pub(super) fn most_divisions(self) -> u64 {
        match self {
            Fit::Wide => 6,
            Fit::Narrow => 4,
        }
    }

    /// Most ticks on a time axis.
    pub(super) fn most_ticks(self) -> i64 {
        match self {
            Fit::Wide => 8,
            Fit::Narrow => 4,
        }
    }
}

/// The opening `<svg>` tag of one variant.
pub(super) fn svg_open(s: &mut String, fit: Fit, w: f64, h: f64, label: &str) -> fmt::Result {
    write!(
        s,
        "<svg class=\"{}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\">",
        fit.class(),
        esc(label)
    )
}

/// Top domains by 421 deferrals: one bar each, with the count and (wide
/// only) the main cause after it.
pub(super) fn domain_chart(s: &mut String, rows: &[&DomainRow]) -> fmt::Result {
    if rows.is_empty() {
        return Ok(());
    }
    writeln!(
        s,
        "<figure><figcaption>Top {} domains by 421 deferrals</figcaption>",
        rows.len()
    )?;
    for fit in Fit::BOTH {
        domain_bars(s, fit, rows)?;
    }
    s.push_str("</figure>\n");
    Ok(())
}

fn domain_bars(s: &mut String, fit: Fit, rows: &[&DomainRow]) -> fmt::Result {
    let (w, label_w, value_w, label_chars) = match fit {
        Fit::Wide => (1000.0, 230.0, 190.0, 32),
        Fit::Narrow => (360.0, 124.0, 48.0, 17),
    };
    let (row_h, top_pad) = (24.0, 8.0);
    let h = top_pad + rows.len() as f64 * row_h + 30.0;
    let plot_w = w - label_w - value_w;
    let max = rows.iter().map(|d| d.deferrals_421).max().unwrap_or(1);
    let (divisions, [step]) = scales_upto([max], fit.most_divisions());
    let top = step * divisions;
    svg_open(s, fit, w, h, "421 deferrals per domain")?;
    s.push('\n');
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
        let cause = d.top_category.map_or("", Cause::name);
        write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
             <rect x=\"{label_w}\" y=\"{:.1}\" width=\"{bw:.1}\" height=\"{:.1}\" rx=\"2\" fill=\"{}\">",
            label_w - 8.0,
            y + row_h / 2.0 + 4.0,
            clip(&d.domain, label_chars),
            y + 4.0,
            row_h - 8.0,
            KINDS[0].1,
        )?;
        if fit == Fit::Wide {
            write!(
                s,
                "<title>{}: {} 421 deferrals of {} attempts ({:.1} per 1000), mostly {}</title>",
                esc(&d.domain),
                d.deferrals_421,
                d.delivery_attempts,
                d.rate_per_1000,
                esc(cause),
            )?;
        }
        write!(
            s,
            "</rect><text class=\"value\" x=\"{:.1}\" y=\"{:.1}\">{}",
            label_w + bw + 6.0,
            y + row_h / 2.0 + 4.0,
            thousands(d.deferrals_421),
        )?;
        if fit == Fit::Wide {
            write!(s, " <tspan class=\"muted\">{}</tspan>", esc(cause))?;
        }
        s.push_str("</text>\n");
    }
    s.push_str("</svg>\n");
    Ok(())
}

/// The vertical grid lines and value labels of a horizontal bar chart:
/// `divisions` steps of `step` up to `top`, over `x = (left, width)` and
/// `y = (top, bottom)`.
pub(super) fn value_grid(
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

/// Horizontal bars, one per row, stacked by kind of 421, with a legend of
/// the kinds that occur.
pub(super) fn stacked_chart(
    s: &mut String,
    caption: &str,
    rows: &[(String, [u64; 4])],
) -> fmt::Result {
    writeln!(s, "<figure><figcaption>{}</figcaption>", esc(caption))?;
    for fit in Fit::BOTH {
        stacked_bars(s, fit, caption, rows)?;
    }
    s.push_str("</figure>\n");
    Ok(())
}

fn stacked_bars(
    s: &mut String,
    fit: Fit,
    caption: &str,
    rows: &[(String, [u64; 4])],
) -> fmt::Result {
    let (w, label_w, value_w, legend_x) = match fit {
        Fit::Wide => (480.0, 128.0, 56.0, 230.0),
        Fit::Narrow => (360.0, 112.0, 48.0, 176.0),
    };
    let row_h = 24.0;
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
    let (divisions, [step]) = scales_upto([max], fit.most_divisions());
    let top = step * divisions;
    svg_open(s, fit, w, h, caption)?;
    s.push('\n');
    for (i, k) in used.iter().enumerate() {
        let x = 8.0 + (i % 2) as f64 * legend_x;
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
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{bw:.1}\" height=\"{:.1}\" fill=\"{}\">",
                y + 4.0,
                row_h - 8.0,
                KINDS[k].1,
            )?;
            if fit == Fit::Wide {
                write!(s, "<title>{}: {n} {}</title>", esc(name), esc(KINDS[k].0))?;
            }
            s.push_str("</rect>");
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
    s.push_str("</svg>\n");
    Ok(())
}

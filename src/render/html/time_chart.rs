//! The time chart: delivery attempts (bars) and 421 deferrals (line) per
//! window on one time axis, bars and ticks aligned on the report zone's
//! local grid ([`Grid`]).

use std::fmt::{self, Write as _};

use super::charts::{Fit, svg_open};
use super::*;
use crate::report::{Report, WindowRow};
use crate::window::{DAY, Grid, HOUR, MINUTE};

/// Round durations, from a minute to a quarter: tick steps, and (from 5m
/// to 30d) bar lengths.
const ROUND: [i64; 16] = [
    MINUTE,
    5 * MINUTE,
    10 * MINUTE,
    15 * MINUTE,
    30 * MINUTE,
    HOUR,
    2 * HOUR,
    3 * HOUR,
    6 * HOUR,
    12 * HOUR,
    DAY,
    2 * DAY,
    7 * DAY,
    14 * DAY,
    30 * DAY,
    90 * DAY,
];

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
/// `most` ticks over `span` seconds.
pub(super) fn tick_step(span: i64, window: i64, most: i64) -> i64 {
    ROUND
        .iter()
        .copied()
        .find(|st| *st >= window.min(DAY) && span / st <= most)
        .unwrap_or_else(|| (span / most.max(1)).max(1))
}

/// The time one bar covers: the window, or the fewest windows that keep
/// `span` within [`MAX_BARS`] bars, rounded up to a round duration (30m, 1h,
/// 6h, 1d, ...) when one is a multiple of the window and at most twice that.
pub(super) fn bar_length(span: i64, window: i64) -> i64 {
    let windows = (span.max(1) + window - 1) / window;
    let least = window * ((windows + MAX_BARS - 1) / MAX_BARS).max(1);
    if least == window {
        return window;
    }
    ROUND[1..15]
        .iter()
        .copied()
        .find(|b| b % window == 0 && *b >= least && *b <= 2 * least)
        .unwrap_or(least)
}

/// Attempts (bars, left scale) and 421 deferrals (line, right scale) per
/// window, on one time axis: from the first window to the last, or over
/// `axis` (start, end in Unix seconds) when given, e.g. a whole day.
pub(super) fn time_chart(s: &mut String, r: &Report, axis: Option<(i64, i64)>) -> fmt::Result {
    let rows = &r.by_window;
    let window = r.window_seconds.max(1);
    let (from, to) = match (axis, rows.first(), rows.last()) {
        (Some((a, b)), _, _) if b > a => (a, b),
        (_, Some(first), Some(last)) => (first.start_secs, last.start_secs + window),
        _ => {
            s.push_str("<p>No timestamped lines: nothing to chart.</p>\n");
            return Ok(());
        }
    };
    let bin = bar_length(to - from, window);
    let per_bar = bin / window;
    // Bars start on local multiples of their length (whole hours, days).
    let t0 = Grid::new(bin, i64::from(offset_at(rows, from))).start_of(from);
    let n_bins = ((to - 1 - t0) / bin + 1).max(1) as usize;
    let mut bins = Bins {
        t0,
        bin,
        attempts: vec![0u64; n_bins],
        deferrals: vec![0u64; n_bins],
    };
    for w in rows.iter().filter(|w| w.start_secs >= t0) {
        let i = ((w.start_secs - t0) / bin) as usize;
        if i < n_bins {
            bins.attempts[i] += w.delivery_attempts;
            bins.deferrals[i] += w.deferrals_421;
        }
    }
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
        "<figure><figcaption>Delivery attempts and 421 deferrals per window \
         <span class=\"note\">{}</span></figcaption>",
        esc(&bars)
    )?;
    for fit in Fit::BOTH {
        time_bars(s, fit, rows, &bins)?;
    }
    if !r.windows_complete {
        s.push_str("<p class=\"note\">The period is too long to list every window: only windows with activity are drawn.</p>\n");
    }
    s.push_str("</figure>\n");
    Ok(())
}

/// Attempts and 421 deferrals added up per bar, bars from `t0` on.
struct Bins {
    t0: i64,
    bin: i64,
    attempts: Vec<u64>,
    deferrals: Vec<u64>,
}

fn time_bars(s: &mut String, fit: Fit, rows: &[WindowRow], b: &Bins) -> fmt::Result {
    let (t0, bin) = (b.t0, b.bin);
    let (attempts, deferrals) = (&b.attempts, &b.deferrals);
    let n_bins = attempts.len();
    // Narrow: the legend takes two lines, the side titles are left out (the
    // legend says which scale is which).
    let (w, h, left, right, top_pad, bottom_pad) = match fit {
        Fit::Wide => (1000.0, 330.0, 64.0, 64.0, 40.0, 46.0),
        Fit::Narrow => (360.0, 250.0, 40.0, 34.0, 52.0, 40.0),
    };
    let pw = w - left - right;
    let ph = h - top_pad - bottom_pad;
    let base = top_pad + ph;
    let span = bin * n_bins as i64;
    let x_of = |t: i64| left + (t - t0) as f64 / span as f64 * pw;
    let (divisions, [a_step, d_step]) = scales_upto(
        [
            attempts.iter().copied().max().unwrap_or(0),
            deferrals.iter().copied().max().unwrap_or(0),
        ],
        fit.most_divisions(),
    );
    let (a_top, d_top) = ((a_step * divisions) as f64, (d_step * divisions) as f64);

    svg_open(
        s,
        fit,
        w,
        h,
        "Delivery attempts and 421 deferrals per window",
    )?;
    s.push('\n');
    // Legend: one line wide, two narrow.
    let (l2x, l2y) = match fit {
        Fit::Wide => (left + 270.0, 15.0),
        Fit::Narrow => (8.0, 37.0),
    };
    let l1x = if fit == Fit::Wide { left } else { 8.0 };
    writeln!(
        s,
        "<rect x=\"{l1x}\" y=\"8\" width=\"14\" height=\"14\" rx=\"2\" fill=\"{ATTEMPTS_COLOR}\"/>\
         <text x=\"{}\" y=\"19.5\">Delivery attempts (bars, left scale)</text>\
         <line x1=\"{l2x}\" x2=\"{}\" y1=\"{l2y}\" y2=\"{l2y}\" stroke=\"{c}\" stroke-width=\"2.5\"/>\
         <circle cx=\"{}\" cy=\"{l2y}\" r=\"3.5\" fill=\"{c}\"/>\
         <text x=\"{}\" y=\"{}\">421 deferrals (line, right scale)</text>",
        l1x + 20.0,
        l2x + 24.0,
        l2x + 12.0,
        l2x + 30.0,
        l2y + 4.5,
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
            left - 6.0,
            y + 4.0,
            thousands(a_step * i),
            w - right + 6.0,
            y + 4.0,
            KINDS[0].1,
            thousands(d_step * i)
        )?;
    }
    if fit == Fit::Wide {
        write!(
            s,
            "<text transform=\"translate(16 {:.1}) rotate(-90)\" text-anchor=\"middle\">attempts</text>\
             <text transform=\"translate({:.1} {:.1}) rotate(90)\" text-anchor=\"middle\" style=\"fill:{}\">421 deferrals</text>",
            top_pad + ph / 2.0,
            w - 14.0,
            top_pad + ph / 2.0,
            KINDS[0].1
        )?;
    }
    s.push_str("</g>\n<g>");
    // Attempts bars (tooltips on the wide variant only).
    let slot = pw / n_bins as f64;
    let bar_w = (slot * 0.78).max(1.0);
    let shape = if bin % 60 == 0 {
        "%Y-%m-%d %H:%M"
    } else {
        "%Y-%m-%d %H:%M:%S"
    };
    for (i, a) in attempts.iter().enumerate() {
        let t = t0 + bin * i as i64;
        let bh = *a as f64 / a_top * ph;
        if *a == 0 && fit == Fit::Narrow {
            continue;
        }
        write!(
            s,
            "<rect x=\"{:.2}\" y=\"{:.2}\" width=\"{bar_w:.2}\" height=\"{bh:.2}\" fill=\"{ATTEMPTS_COLOR}\">",
            x_of(t) + (slot - bar_w) / 2.0,
            base - bh,
        )?;
        if fit == Fit::Wide {
            let label = local_time(t, offset_at(rows, t))
                .map(|d| d.format(shape).to_string())
                .unwrap_or_default();
            write!(
                s,
                "<title>{label}: {a} attempts, {} 421 deferrals</title>",
                deferrals[i]
            )?;
        }
        s.push_str("</rect>");
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
    let most_dots = if fit == Fit::Wide { 72 } else { 30 };
    if n_bins <= most_dots {
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
    let step = tick_step(span, bin, fit.most_ticks());
    let mut t = Grid::new(step.min(DAY), i64::from(offset_at(rows, t0))).next_start(t0);
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
            let (line1, line2) = if step >= DAY {
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
    Ok(())
}

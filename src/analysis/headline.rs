//! The answer at a glance: the few lines that open `report` and `summary`,
//! the first card of the HTML page and the `headline` field of the JSON.
//!
//! JSON shape (`report --format json`, field `headline`):
//!
//! ```json
//! "headline": {
//!   "worst": {                       // null when no domain deferred with 421
//!     "kind": "domain",              // or "provider" (several of its domains)
//!     "name": "gmail.com",           // the domain, or the provider's name
//!     "domains": ["gmail.com"],      // the domains counted (provider: all with 421s)
//!     "provider": "Google",
//!     "deferrals_421": 40,
//!     "delivery_attempts": 812,      // real tries; retry-skipped lines apart
//!     "retry_skipped": 3,
//!     "rate_per_1000": 49.3,
//!     "cause": "rate-limit",         // category name, as `explain` takes it
//!     "meaning": "sending too fast or too much for the receiver",
//!     "do_first": "Postfix: lower smtp_destination_concurrency_limit ..."
//!   },
//!   "load": {
//!     "verdict": "same-rate",        // follows-load | same-rate | not-our-load | undetermined
//!     "windows": 45,                 // windows with attempts, compared
//!     "window_seconds": 60,
//!     "correlation": 0.996,          // attempts against 421 deferrals per window, or null
//!     "rate_busy_per_1000": 5.1,     // 421 rate in the busiest 10% of windows
//!     "rate_rest_per_1000": 4.9,
//!     "text": "Load: ..."            // the full sentence (what was compared, what it means)
//!   },
//!   "stuck": {
//!     "recipients": 3,               // (message, recipient) pairs still deferred at the end
//!     "oldest_age_s": 7500,          // null when none
//!     "oldest_domain": "example.org",
//!     "oldest_first_421": "2026-11-22T10:00:00+00:00"
//!   },
//!   "doubts": [                      // empty when nothing makes the numbers doubtful
//!     {"kind": "unparsed-lines", "text": "12 of 4000 lines not understood (0.3%)"}
//!   ],                               // kinds: unparsed-lines | time-gap | input-error | partial-windows
//!   "lines": ["...", "..."]          // the block as printed: at most 6 lines of at most 80 columns
//! }
//! ```
//!
//! "Matters most" is the domain (or provider, when several of its domains
//! defer) with the highest 421 rate on real delivery attempts, ranked by
//! the lower bound of the rate's 95% Wilson interval, so one deferral out
//! of one attempt does not outrank 400 out of 1,000.

use serde::Serialize;

use super::load::{Load, Verdict};
use crate::classify::Cause;
use crate::guidance::{Mtas, guidance, wrap};
use crate::render::fmt::{cell, cut, duration, human_window, short_time};
use crate::report::inputs::InputStats;
use crate::report::rows::{DomainRow, PendingRow, ProviderRow, Totals, WindowRow};
use crate::text::escape_control;
use crate::window::HOUR;

/// Widest headline line.
pub const WIDTH: usize = 80;
/// Most headline lines.
pub const MAX_LINES: usize = 6;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Headline {
    pub worst: Option<Worst>,
    pub load: LoadLine,
    pub stuck: Stuck,
    pub doubts: Vec<Doubt>,
    /// The block as `report` and `summary` print it.
    pub lines: Vec<String>,
}

/// The domain or provider that matters most.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Worst {
    pub kind: &'static str,
    pub name: String,
    pub domains: Vec<String>,
    pub provider: String,
    pub deferrals_421: u64,
    pub delivery_attempts: u64,
    pub retry_skipped: u64,
    pub rate_per_1000: f64,
    pub cause: &'static str,
    pub meaning: &'static str,
    pub do_first: &'static str,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LoadLine {
    pub verdict: Verdict,
    pub windows: usize,
    pub window_seconds: i64,
    pub correlation: Option<f64>,
    pub rate_busy_per_1000: f64,
    pub rate_rest_per_1000: f64,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Stuck {
    pub recipients: usize,
    pub oldest_age_s: Option<i64>,
    pub oldest_domain: Option<String>,
    pub oldest_first_421: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Doubt {
    pub kind: &'static str,
    pub text: String,
}

/// What the headline is built from: parts of the report.
pub struct Parts<'a> {
    pub totals: &'a Totals,
    pub by_domain: &'a [DomainRow],
    pub by_provider: &'a [ProviderRow],
    pub by_window: &'a [WindowRow],
    pub windows_complete: bool,
    pub window_seconds: i64,
    pub pending: &'a [PendingRow],
    pub load: &'a Load,
    pub inputs: &'a [InputStats],
}

/// Lower bound of the 95% Wilson score interval of `k` in `n`.
fn wilson_low(k: u64, n: u64) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let (n, p, z) = (n as f64, (k.min(n) as f64) / n as f64, 1.96_f64);
    let z2 = z * z;
    (p + z2 / (2.0 * n) - z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt()) / (1.0 + z2 / n)
}

fn top_cause<'a>(cats: impl Iterator<Item = (&'a Cause, &'a u64)>) -> Cause {
    let mut counts = [0u64; Cause::COUNT];
    for (c, n) in cats {
        counts[c.index()] += n;
    }
    Cause::ALL
        .iter()
        .copied()
        .filter(|c| counts[c.index()] > 0)
        .max_by_key(|c| (counts[c.index()], std::cmp::Reverse(c.index())))
        .unwrap_or(Cause::Unknown)
}

fn worst(p: &Parts) -> Option<Worst> {
    let mtas = Mtas::of(p.inputs);
    let do_first = |c: Cause| {
        let g = guidance(c);
        g.do_now
            .iter()
            .find(|i| mtas.fits(i))
            .or(g.do_now.first())
            .copied()
            .unwrap_or("")
    };
    let domain = p
        .by_domain
        .iter()
        .filter(|d| d.deferrals_421 > 0)
        .max_by(|a, b| {
            wilson_low(a.deferrals_421, a.delivery_attempts)
                .total_cmp(&wilson_low(b.deferrals_421, b.delivery_attempts))
                .then(a.deferrals_421.cmp(&b.deferrals_421))
                .then_with(|| b.domain.cmp(&a.domain))
        })?;
    let provider = p
        .by_provider
        .iter()
        .filter(|r| r.domains.len() >= 2 && r.deferrals_421 > 0)
        .max_by(|a, b| {
            wilson_low(a.deferrals_421, a.delivery_attempts)
                .total_cmp(&wilson_low(b.deferrals_421, b.delivery_attempts))
        })
        .filter(|r| {
            wilson_low(r.deferrals_421, r.delivery_attempts)
                >= wilson_low(domain.deferrals_421, domain.delivery_attempts)
        });
    Some(match provider {
        Some(r) => {
            let rows = p.by_domain.iter().filter(|d| d.provider == r.provider);
            let cause = top_cause(rows.flat_map(|d| d.categories.iter()));
            Worst {
                kind: "provider",
                name: r.provider.clone(),
                domains: r.domains.clone(),
                provider: r.provider.clone(),
                deferrals_421: r.deferrals_421,
                delivery_attempts: r.delivery_attempts,
                retry_skipped: r.retry_skipped,
                rate_per_1000: r.rate_per_1000,
                cause: cause.name(),
                meaning: cause.meaning(),
                do_first: do_first(cause),
            }
        }
        None => {
            let cause = top_cause(domain.categories.iter());
            Worst {
                kind: "domain",
                name: domain.domain.clone(),
                domains: vec![domain.domain.clone()],
                provider: domain.provider.clone(),
                deferrals_421: domain.deferrals_421,
                delivery_attempts: domain.delivery_attempts,
                retry_skipped: domain.retry_skipped,
                rate_per_1000: domain.rate_per_1000,
                cause: cause.name(),
                meaning: cause.meaning(),
                do_first: do_first(cause),
            }
        }
    })
}

/// The longest run of windows with no mail activity at all, inside the
/// period, as `(start, end, seconds)`; only when it is long enough to make
/// the counts doubtful: at least an hour, 4 windows and a fifth of the period.
fn longest_gap(ws: &[WindowRow], window: i64) -> Option<(String, String, i64)> {
    let quiet = |w: &WindowRow| {
        w.delivery_attempts
            + w.retry_skipped
            + w.messages_received
            + w.suspended_421
            + w.replies_421
            + w.inbound_421
            == 0
    };
    let mut best: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < ws.len() {
        if quiet(&ws[i]) {
            let j = (i..ws.len()).find(|&j| !quiet(&ws[j])).unwrap_or(ws.len());
            if j < ws.len() && i > 0 && best.is_none_or(|(a, b)| j - i > b - a) {
                best = Some((i, j));
            }
            i = j;
        } else {
            i += 1;
        }
    }
    let (a, b) = best?;
    let secs = (b - a) as i64 * window;
    let period = ws.len() as i64 * window;
    (b - a >= 4 && secs >= HOUR && secs * 5 >= period)
        .then(|| (short_time(&ws[a].start), short_time(&ws[b].start), secs))
}

fn doubts(p: &Parts) -> Vec<Doubt> {
    let mut out = Vec::new();
    let t = p.totals;
    if t.unparsed_lines > 0 && t.lines > 0 {
        out.push(Doubt {
            kind: "unparsed-lines",
            text: format!(
                "{} of {} lines not understood ({:.1}%)",
                t.unparsed_lines,
                t.lines,
                t.unparsed_lines as f64 * 100.0 / t.lines as f64
            ),
        });
    }
    let failed = p.inputs.iter().filter(|i| i.error.is_some()).count();
    if failed > 0 {
        out.push(Doubt {
            kind: "input-error",
            text: format!("{failed} input(s) not read to the end"),
        });
    }
    if let Some((from, to, secs)) = longest_gap(p.by_window, p.window_seconds) {
        out.push(Doubt {
            kind: "time-gap",
            text: format!("no mail at all {from} to {to} ({})", duration(secs)),
        });
    }
    if !p.windows_complete {
        out.push(Doubt {
            kind: "partial-windows",
            text: "too many windows: only busy ones listed".to_string(),
        });
    }
    out
}

/// The short load line (at most 80 columns).
fn load_short(l: &Load, window: &str) -> String {
    match (l.verdict(), l.correlation) {
        (Verdict::Undetermined, _) => format!(
            "Load: {} {window} window(s) with attempts: too few to compare with our sending.",
            l.windows
        ),
        (Verdict::FollowsLoad, _) => format!(
            "Load: ours. 421 rate {:.1}/1000 when we send most vs {:.1} otherwise.",
            l.rate_busy_per_1000, l.rate_rest_per_1000
        ),
        (Verdict::SameRate, _) => format!(
            "Load: not ours. 421 rate no higher when we send most: {:.1}/1000 vs {:.1}.",
            l.rate_busy_per_1000, l.rate_rest_per_1000
        ),
        (_, c) => format!(
            "Load: not ours. 421s do not rise with our attempts (correlation {:.2}).",
            c.unwrap_or(0.0)
        ),
    }
}

pub fn build(p: &Parts) -> Headline {
    let window = human_window(p.window_seconds);
    let worst = worst(p);
    let load = LoadLine {
        verdict: p.load.verdict(),
        windows: p.load.windows,
        window_seconds: p.window_seconds,
        correlation: p.load.correlation,
        rate_busy_per_1000: p.load.rate_busy_per_1000,
        rate_rest_per_1000: p.load.rate_rest_per_1000,
        text: p.load.verdict_text(&window),
    };
    let oldest = p.pending.first();
    let stuck = Stuck {
        recipients: p.pending.len(),
        oldest_age_s: oldest.map(|o| o.age_s),
        oldest_domain: oldest.map(|o| o.domain.clone()),
        oldest_first_421: oldest.map(|o| o.first_421.clone()),
    };
    let doubts = doubts(p);

    let mut lines = Vec::new();
    match &worst {
        Some(w) => {
            let what = if w.kind == "provider" {
                format!("{} ({} domains)", cell(&w.name, 30), w.domains.len())
            } else {
                cell(&w.name, 40)
            };
            lines.push(cut(
                &format!(
                    "Worst: {what}, {} of {} attempts got 421 ({:.1}/1000), {}.",
                    w.deferrals_421, w.delivery_attempts, w.rate_per_1000, w.cause
                ),
                WIDTH,
            ));
            let mut todo = wrap(w.do_first, "Do: ", "    ", WIDTH);
            if todo.len() > 2 {
                todo.truncate(2);
                todo[1] = cut(&format!("{} …", todo[1]), WIDTH);
            }
            lines.extend(todo);
        }
        None if p.totals.deferrals_421 + p.totals.suspended_421 == 0 => {
            lines.push("No 421 deferrals: no domain refused our mail with 421.".to_string());
        }
        None => lines.push("421s seen, but no domain deferred with 421.".to_string()),
    }
    if worst.is_some() {
        lines.push(cut(&load_short(p.load, &window), WIDTH));
    }
    lines.push(match oldest {
        None if worst.is_some() => {
            "Stuck: none; every recipient that met a 421 was delivered or bounced.".to_string()
        }
        None => "Stuck: none.".to_string(),
        Some(o) => cut(
            &format!(
                "Stuck: {} recipient(s) still deferred; the oldest for {} ({}).",
                p.pending.len(),
                duration(o.age_s),
                escape_control(&o.domain)
            ),
            WIDTH,
        ),
    });
    if !doubts.is_empty() {
        let all: Vec<&str> = doubts.iter().map(|d| d.text.as_str()).collect();
        lines.push(cut(&format!("Doubtful: {}.", all.join("; ")), WIDTH));
    }
    lines.truncate(MAX_LINES);
    Headline {
        worst,
        load,
        stuck,
        doubts,
        lines,
    }
}

#[cfg(test)]
mod tests {
    use super::wilson_low;

    #[test]
    fn one_of_one_does_not_outrank_many() {
        assert!(wilson_low(1, 1) < wilson_low(400, 1000));
        assert!(wilson_low(0, 10).abs() < 1e-9);
        assert_eq!(wilson_low(5, 0), 0.0);
    }
}

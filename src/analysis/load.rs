//! Load correlation: do the 421s come when we send the most? Load per window
//! is our own outbound delivery attempts (and arrivals, for inbound 421s).

use serde::Serialize;

use super::{pearson, per_1000};
use crate::aggregate::{Aggregate, DomainWindow};
use crate::classify::Cause;
use crate::event::Kind;
use crate::parse::time::{Zone, format_rfc3339};

/// The share of windows (with attempts) taken as the busiest.
pub const BUSIEST_SHARE: f64 = 0.1;
/// Domains (the most 421s first) given their own correlation.
pub const CORRELATED_DOMAINS: usize = 5;
/// Episodes listed, the biggest first.
pub const MAX_EPISODES: usize = 20;

/// A run of consecutive windows with 421 deferrals.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Episode {
    pub start: String,
    pub end: String,
    /// The window with the most 421 deferrals (the earliest on ties).
    pub peak: String,
    pub deferrals_421: u64,
    pub delivery_attempts: u64,
    pub rate_per_1000: f64,
    pub top_domains: Vec<String>,
    pub top_categories: Vec<Cause>,
}

/// One domain's own attempts against its 421s, per window.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DomainCorrelation {
    pub domain: String,
    pub correlation: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Load {
    /// Windows with at least one delivery attempt (the ones compared).
    pub windows: usize,
    pub busiest_share: f64,
    pub busiest_windows: usize,
    pub rate_busy_per_1000: f64,
    pub rate_rest_per_1000: f64,
    /// Attempts against 421 deferrals over the windows with attempts.
    pub correlation: Option<f64>,
    /// Arrivals against inbound 421s over the windows with either.
    pub inbound_correlation: Option<f64>,
    pub by_domain: Vec<DomainCorrelation>,
    pub episodes_total: usize,
    /// The biggest episodes (by 421 deferrals), at most 20.
    pub episodes: Vec<Episode>,
}

/// What the load comparison says, one answer for every output.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Fewer than 3 windows with attempts, or a constant series.
    Undetermined,
    /// The rate per attempt is at least twice as high in our busiest
    /// windows, and 421s rise with attempts: we push harder than they accept.
    FollowsLoad,
    /// 421s rise and fall with our attempts, but the rate per attempt is
    /// not higher when we are busiest: more mail meets more refusals.
    SameRate,
    /// 421s do not rise with our attempts at all.
    NotOurLoad,
}

impl Load {
    /// The 421s follow our own sending load: attempts and 421s correlate
    /// (at least 0.4) and the busiest windows' rate is at least twice the rest.
    pub fn follows_load(&self) -> bool {
        self.verdict() == Verdict::FollowsLoad
    }

    pub fn verdict(&self) -> Verdict {
        match self.correlation {
            None => Verdict::Undetermined,
            Some(c) if c >= 0.4 && self.rate_busy_per_1000 >= 2.0 * self.rate_rest_per_1000 => {
                Verdict::FollowsLoad
            }
            Some(c) if c >= 0.4 => Verdict::SameRate,
            Some(_) => Verdict::NotOurLoad,
        }
    }

    /// The verdict in words: what was compared, what came out, what it
    /// means. `window` names the window length (`1m`). Never contradicts
    /// itself: the correlation (of counts) and the rates (per attempt) are
    /// both named, and the conclusion is drawn from both.
    pub fn verdict_text(&self, window: &str) -> String {
        let busy = format!(
            "{:.1} per 1,000 attempts in our busiest {} of {} {window} windows, {:.1} in the rest",
            self.rate_busy_per_1000, self.busiest_windows, self.windows, self.rate_rest_per_1000
        );
        match (self.verdict(), self.correlation) {
            (Verdict::Undetermined, _) => format!(
                "Load: {} {window} window(s) with attempts are too few to compare 421s with our sending; a shorter --window may tell.",
                self.windows
            ),
            (Verdict::FollowsLoad, Some(c)) => format!(
                "Load: the 421s follow our own sending: they rise with our attempts (correlation {c:.3}) and the rate is higher when we send most ({busy}). Spread our sending."
            ),
            (Verdict::SameRate, Some(c)) => format!(
                "Load: more attempts meet more 421s (correlation {c:.3}), but the rate per attempt is no higher when we send most ({busy}): not a limit on our load; look at the remote side."
            ),
            (_, c) => format!(
                "Load: the 421s do not rise with our attempts (correlation {:.3}; {busy}): look at the remote side.",
                c.unwrap_or(0.0)
            ),
        }
    }
}

struct Span {
    first: i64,
    last: i64,
    peak: i64,
    peak_count: u64,
    deferrals: u64,
    attempts: u64,
    causes: [u64; Cause::COUNT],
}

/// Computes the load section. `domains` are the domains with 421s (the most
/// first) with their windows, for the per-domain correlation and the
/// episodes' top domains.
pub fn load(agg: &Aggregate, domains: &[(String, &[DomainWindow])], zone: Zone) -> Load {
    let mut windows: Vec<(i64, u64, u64)> = agg
        .windows
        .iter()
        .map(|(s, w)| (*s, w.attempts, w.by_kind[Kind::Deferred.index()]))
        .filter(|(_, a, _)| *a > 0)
        .collect();
    windows.sort_unstable_by_key(|w| w.0);
    let points: Vec<(f64, f64)> = windows
        .iter()
        .map(|(_, a, d)| (*a as f64, *d as f64))
        .collect();

    let mut by_load = windows.clone();
    by_load.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let busiest = ((windows.len() as f64 * BUSIEST_SHARE).ceil() as usize).min(windows.len());
    let sum = |ws: &[(i64, u64, u64)]| {
        ws.iter()
            .fold((0, 0), |(a, d), (_, wa, wd)| (a + wa, d + wd))
    };
    let (busy_a, busy_d) = sum(&by_load[..busiest]);
    let (rest_a, rest_d) = sum(&by_load[busiest..]);

    let inbound: Vec<(f64, f64)> = agg
        .windows
        .values()
        .filter(|w| w.received > 0 || w.by_kind[Kind::Inbound.index()] > 0)
        .map(|w| (w.received as f64, w.by_kind[Kind::Inbound.index()] as f64))
        .collect();

    let by_domain = domains
        .iter()
        .take(CORRELATED_DOMAINS)
        .map(|(name, ws)| DomainCorrelation {
            domain: name.clone(),
            correlation: pearson(
                &ws.iter()
                    .filter(|w| w.attempts > 0)
                    .map(|w| (f64::from(w.attempts), f64::from(w.deferrals_421)))
                    .collect::<Vec<_>>(),
            ),
        })
        .collect();

    let mut spans = spans(agg);
    let episodes_total = spans.len();
    spans.sort_by(|a, b| b.deferrals.cmp(&a.deferrals).then(a.first.cmp(&b.first)));
    spans.truncate(MAX_EPISODES);
    let episodes = spans
        .iter()
        .map(|s| episode(s, agg.window, domains, zone))
        .collect();

    Load {
        windows: windows.len(),
        busiest_share: BUSIEST_SHARE,
        busiest_windows: busiest,
        rate_busy_per_1000: per_1000(busy_d, busy_a),
        rate_rest_per_1000: per_1000(rest_d, rest_a),
        correlation: pearson(&points),
        inbound_correlation: pearson(&inbound),
        by_domain,
        episodes_total,
        episodes,
    }
}

/// Runs of consecutive windows with 421 deferrals, in time order.
fn spans(agg: &Aggregate) -> Vec<Span> {
    let mut hit: Vec<i64> = agg
        .windows
        .iter()
        .filter(|(_, w)| w.by_kind[Kind::Deferred.index()] > 0)
        .map(|(s, _)| *s)
        .collect();
    hit.sort_unstable();
    let mut out: Vec<Span> = Vec::new();
    for s in hit {
        let w = &agg.windows[&s];
        let d = w.by_kind[Kind::Deferred.index()];
        match out.last_mut() {
            Some(span) if span.last + agg.window == s => {
                span.last = s;
                span.deferrals += d;
                span.attempts += w.attempts;
                if d > span.peak_count {
                    (span.peak, span.peak_count) = (s, d);
                }
                for (a, b) in span.causes.iter_mut().zip(&w.causes) {
                    *a += b;
                }
            }
            _ => out.push(Span {
                first: s,
                last: s,
                peak: s,
                peak_count: d,
                deferrals: d,
                attempts: w.attempts,
                causes: w.causes,
            }),
        }
    }
    out
}

fn episode(s: &Span, window: i64, domains: &[(String, &[DomainWindow])], zone: Zone) -> Episode {
    let mut doms: Vec<(u64, &str)> = domains
        .iter()
        .map(|(name, ws)| {
            let n = ws
                .iter()
                .filter(|w| w.start >= s.first && w.start <= s.last)
                .map(|w| u64::from(w.deferrals_421))
                .sum();
            (n, name.as_str())
        })
        .filter(|(n, _)| *n > 0)
        .collect();
    doms.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    let mut causes: Vec<(u64, Cause)> = Cause::ALL
        .iter()
        .map(|c| (s.causes[c.index()], *c))
        .filter(|(n, _)| *n > 0)
        .collect();
    causes.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.index().cmp(&b.1.index())));
    Episode {
        start: format_rfc3339(s.first, zone),
        end: format_rfc3339(s.last + window, zone),
        peak: format_rfc3339(s.peak, zone),
        deferrals_421: s.deferrals,
        delivery_attempts: s.attempts,
        rate_per_1000: per_1000(s.deferrals, s.attempts),
        top_domains: doms.iter().take(3).map(|(_, d)| (*d).to_owned()).collect(),
        top_categories: causes.iter().take(3).map(|(_, c)| *c).collect(),
    }
}

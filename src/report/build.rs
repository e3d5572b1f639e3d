//! Building the [`Report`] from an [`Aggregate`] and the retry outcomes:
//! the rows sorted, the windows of the period walked on the grid, the
//! analyses run once so renderers only format.

use std::collections::BTreeMap;

use super::*;
use crate::aggregate::{Aggregate, DomainStats, ReplyStats};
use crate::analysis::load::load;
use crate::analysis::offenders::{self, Period, repeat};
use crate::analysis::per_1000;
use crate::analysis::provider::provider_of;
use crate::classify::Cause;
use crate::event::Kind;
use crate::parse::Stage;
use crate::parse::time::{Zone, format_rfc3339};
use crate::retry::{DomainOutcomes, Outcomes};
use crate::window;

impl Retries {
    fn from(d: &DomainOutcomes) -> Retries {
        Retries {
            with_421: d.with_421(),
            recovered: d.recovered,
            bounced: d.bounced,
            pending: d.pending,
            recovery_share: share(d.recovered, d.with_421()),
            time_to_delivery_p50_s: d.time_to_delivery.percentile(50),
            time_to_delivery_p90_s: d.time_to_delivery.percentile(90),
            attempts_p50: d.attempts.percentile(50),
            attempts_p90: d.attempts.percentile(90),
        }
    }
}

fn share(n: u64, of: u64) -> Option<f64> {
    (of > 0).then(|| (n as f64 / of as f64 * 1000.0).round() / 1000.0)
}

fn top_counts(map: &rustc_hash::FxHashMap<String, u64>) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = map.iter().map(|(k, v)| (k.clone(), *v)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

impl Report {
    pub fn build(
        agg: &Aggregate,
        outcomes: &Outcomes,
        inputs: Vec<InputStats>,
        zone: Zone,
    ) -> Report {
        let t = &agg.totals;
        let time = |s: Option<i64>| s.map(|s| format_rfc3339(s, zone));
        let totals = Totals {
            lines: t.lines,
            unparsed_lines: t.unparsed,
            messages_received: t.received,
            delivery_attempts: t.attempts(),
            delivered: t.delivered,
            deferred: t.deferred,
            bounced: t.bounced,
            retry_skipped: t.retry_skipped,
            deferrals_421: t.by_kind[Kind::Deferred.index()],
            suspended_421: t.by_kind[Kind::Suspended.index()],
            replies_421: t.by_kind[Kind::Reply.index()],
            inbound_421: t.by_kind[Kind::Inbound.index()],
        };
        let grid = window::Grid::new(agg.window, agg.align);
        let period = Period {
            grid,
            midpoint: match (agg.first, agg.last) {
                (Some(a), Some(b)) if grid.count(a, b) > 1 => Some(a + (b - a) / 2),
                _ => None,
            },
        };
        let by_domain = domain_rows(agg, outcomes, period, zone);

        let by_category = Cause::ALL
            .iter()
            .map(|c| CategoryRow {
                category: *c,
                counts: KindCounts::from(&agg.causes[c.index()]),
                meaning: c.meaning(),
            })
            .collect();
        let by_stage = Stage::ALL
            .iter()
            .enumerate()
            .map(|(i, s)| StageRow {
                stage: s.name(),
                counts: KindCounts::from(&agg.stages[i]),
            })
            .collect();
        let by_host = top_counts(&agg.hosts)
            .into_iter()
            .map(|(host, n)| HostRow {
                host,
                deferrals_421: n,
            })
            .collect();

        let (by_window, windows_complete) = windows(agg, zone);

        let replies = reply_rows(agg);
        let top_unknown_replies = replies
            .iter()
            .filter(|r| r.category == Cause::Unknown)
            .map(|r| ReplyRow {
                suggested_rule: Some(crate::rules::suggested_rule(&r.text)),
                ..r.clone()
            })
            .collect();
        let inbound_clients = top_counts(&agg.clients)
            .into_iter()
            .map(|(client, n)| ClientRow {
                client,
                inbound_421: n,
            })
            .collect();

        let end = agg.last.unwrap_or(0);
        let pending: Vec<PendingRow> = outcomes
            .pending
            .iter()
            .map(|p| PendingRow {
                id: p.id.clone(),
                recipient: p.recipient.clone(),
                domain: p.domain.clone(),
                first_421: format_rfc3339(p.first_421, zone),
                last_attempt: format_rfc3339(p.last_attempt, zone),
                age_s: (end - p.first_421).max(0),
                last_reply: crate::text::reply_key(p.last_reply.as_bytes()),
            })
            .collect();

        let mut stats: Vec<(&[u8], &DomainStats)> = agg
            .domains()
            .filter(|(_, d)| d.by_kind()[Kind::Deferred.index()] > 0)
            .collect();
        stats.sort_by(|a, b| {
            let n = |d: &DomainStats| d.by_kind()[Kind::Deferred.index()];
            n(b.1).cmp(&n(a.1)).then(a.0.cmp(b.0))
        });
        let domain_windows: Vec<(String, &[crate::aggregate::DomainWindow])> = stats
            .iter()
            .map(|(n, d)| (String::from_utf8_lossy(n).into_owned(), d.windows()))
            .collect();

        let by_provider = provider_rows(agg, &by_domain);
        let load = load(agg, &domain_windows, zone);
        let headline = crate::analysis::headline::build(&crate::analysis::headline::Parts {
            totals: &totals,
            by_domain: &by_domain,
            by_provider: &by_provider,
            by_window: &by_window,
            windows_complete,
            window_seconds: agg.window,
            pending: &pending,
            load: &load,
            inputs: &inputs,
        });
        Report {
            schema: SCHEMA,
            headline,
            inputs,
            window_seconds: agg.window,
            window_auto: agg.auto,
            first: time(agg.first),
            last: time(agg.last),
            totals,
            by_provider,
            by_domain,
            by_category,
            by_stage,
            by_host,
            by_window,
            windows_complete,
            top_replies: replies,
            top_unknown_replies,
            inbound_clients,
            by_server: crate::servers::rows(&agg.servers),
            retries: Retries::from(&outcomes.total()),
            pending,
            repeat_offender_rule: offenders::RULE,
            load,
        }
    }
}

/// One row per normalised reply text, the most deferrals first. A
/// host-level row whose text is a word-for-word start of another row's text
/// joins that row: Exim writes the host-level line of an EHLO failure with
/// raw newlines (`(EHLO response was: 421-4.7.28 ...` then the rest on lines
/// of their own), so only the reply's first line reaches it, while the
/// recipient's `==` line holds the whole reply.
fn reply_rows(agg: &Aggregate) -> Vec<ReplyRow> {
    let mut texts: Vec<(&String, &ReplyStats)> = agg.replies.iter().collect();
    texts.sort_by(|a, b| a.0.cmp(b.0));
    let mut rows: BTreeMap<&str, ReplyStats> = BTreeMap::new();
    let deferred = |k: &[u64; 4]| k[Kind::Deferred.index()];
    for (text, r) in &texts {
        let cut_short =
            r.domains.is_empty() && r.by_kind[Kind::Reply.index()] == r.by_kind.iter().sum::<u64>();
        let into = cut_short
            .then(|| {
                texts
                    .iter()
                    .filter(|(t, o)| {
                        !o.domains.is_empty()
                            && t.len() > text.len()
                            && t.starts_with(text.as_str())
                            && t.as_bytes()[text.len()] == b' '
                    })
                    .max_by(|a, b| {
                        deferred(&a.1.by_kind)
                            .cmp(&deferred(&b.1.by_kind))
                            .then(b.0.cmp(a.0))
                    })
                    .map(|(t, _)| t.as_str())
            })
            .flatten()
            .unwrap_or(text.as_str());
        let row = rows.entry(into).or_default();
        for (a, b) in row.by_kind.iter_mut().zip(&r.by_kind) {
            *a += b;
        }
        if into == text.as_str() {
            row.cause = r.cause;
        }
        row.domains.extend(r.domains.iter().cloned());
    }
    let mut out: Vec<ReplyRow> = rows
        .into_iter()
        .map(
            |(
                text,
                ReplyStats {
                    by_kind: k,
                    cause,
                    domains,
                },
            )| ReplyRow {
                text: text.to_string(),
                deferrals_421: k[Kind::Deferred.index()],
                suspended_421: k[Kind::Suspended.index()],
                replies_421: k[Kind::Reply.index()],
                category: cause.unwrap_or(Cause::Unknown),
                domains: domains.into_iter().take(5).collect(),
                suggested_rule: None,
            },
        )
        .collect();
    out.sort_by(|a, b| {
        b.deferrals_421
            .cmp(&a.deferrals_421)
            .then((b.suspended_421 + b.replies_421).cmp(&(a.suspended_421 + a.replies_421)))
            .then_with(|| a.text.cmp(&b.text))
    });
    out
}

/// Domains with a 421 deferral or suspension, the most first.
fn domain_rows(agg: &Aggregate, outcomes: &Outcomes, period: Period, zone: Zone) -> Vec<DomainRow> {
    let time = |s: Option<i64>| s.map(|s| format_rfc3339(s, zone));
    let none = DomainOutcomes::default();
    let mut rows: Vec<DomainRow> = agg
        .domains()
        .filter(|(_, d)| {
            let k = d.by_kind();
            k[Kind::Deferred.index()] + k[Kind::Suspended.index()] > 0
        })
        .map(|(name, d)| {
            let domain = String::from_utf8_lossy(name).into_owned();
            let (by_kind, causes) = (d.by_kind(), d.causes());
            let deferrals = by_kind[Kind::Deferred.index()];
            let categories: BTreeMap<Cause, u64> = Cause::ALL
                .into_iter()
                .filter(|c| causes[c.index()] > 0)
                .map(|c| (c, causes[c.index()]))
                .collect();
            let top_category = Cause::ALL
                .into_iter()
                .filter(|c| causes[c.index()] > 0)
                .max_by_key(|c| (causes[c.index()], std::cmp::Reverse(c.index())));
            let repeat = repeat(d.windows(), period);
            DomainRow {
                provider: provider_of(&domain, d.host.as_deref()),
                deferrals_421: deferrals,
                suspended_421: by_kind[Kind::Suspended.index()],
                delivery_attempts: d.attempts(),
                delivered: d.delivered,
                deferred: d.deferred,
                bounced: d.bounced,
                retry_skipped: d.retry_skipped,
                rate_per_1000: per_1000(deferrals, d.attempts()),
                windows: repeat.windows_with_421,
                first: time(d.first()),
                last: time(d.last()),
                categories,
                top_category,
                top_reply: agg.top_reply(d),
                retries: Retries::from(outcomes.domains.get(&domain).unwrap_or(&none)),
                repeat,
                domain,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.deferrals_421
            .cmp(&a.deferrals_421)
            .then(b.suspended_421.cmp(&a.suspended_421))
            .then(b.delivery_attempts.cmp(&a.delivery_attempts))
            .then_with(|| a.domain.cmp(&b.domain))
    });
    rows
}

/// The provider roll-up: every domain seen counts toward its provider's
/// attempts; providers with no 421 are left out.
fn provider_rows(agg: &Aggregate, by_domain: &[DomainRow]) -> Vec<ProviderRow> {
    // Rows only for providers with a 421 (a million domains with none cost
    // no row), then every domain's attempts added to its provider's row.
    let mut rows: BTreeMap<String, ProviderRow> = BTreeMap::new();
    for d in by_domain {
        let row = rows
            .entry(d.provider.clone())
            .or_insert_with(|| ProviderRow {
                provider: d.provider.clone(),
                domains: Vec::new(),
                deferrals_421: 0,
                suspended_421: 0,
                delivery_attempts: 0,
                retry_skipped: 0,
                rate_per_1000: 0.0,
                recovered: 0,
                bounced: 0,
                pending: 0,
                keeps_returning: 0,
            });
        row.domains.push(d.domain.clone());
        row.deferrals_421 += d.deferrals_421;
        row.suspended_421 += d.suspended_421;
        row.recovered += d.retries.recovered;
        row.bounced += d.retries.bounced;
        row.pending += d.retries.pending;
        row.keeps_returning += usize::from(d.repeat.keeps_returning);
    }
    for (name, d) in agg.domains() {
        let domain = String::from_utf8_lossy(name);
        if let Some(row) = rows.get_mut(&provider_of(&domain, d.host.as_deref())) {
            row.delivery_attempts += d.attempts();
            row.retry_skipped += d.retry_skipped;
        }
    }
    let mut out: Vec<ProviderRow> = rows
        .into_values()
        .filter(|r| r.deferrals_421 + r.suspended_421 > 0)
        .map(|mut r| {
            r.rate_per_1000 = per_1000(r.deferrals_421, r.delivery_attempts);
            r
        })
        .collect();
    out.sort_by(|a, b| {
        b.deferrals_421
            .cmp(&a.deferrals_421)
            .then(b.suspended_421.cmp(&a.suspended_421))
            .then_with(|| a.provider.cmp(&b.provider))
    });
    out
}

fn windows(agg: &Aggregate, zone: Zone) -> (Vec<WindowRow>, bool) {
    let (Some(first), Some(last)) = (agg.first, agg.last) else {
        return (Vec::new(), true);
    };
    let grid = window::Grid::new(agg.window, agg.align);
    let complete = grid.count(first, last) <= MAX_WINDOWS;
    let starts: Vec<i64> = if complete {
        grid.starts(first, last).collect()
    } else {
        let mut v: Vec<i64> = agg.windows.keys().copied().collect();
        v.sort_unstable();
        v
    };
    let rows = starts
        .into_iter()
        .map(|s| {
            let w = agg.windows.get(&s).copied().unwrap_or_default();
            let deferrals = w.by_kind[Kind::Deferred.index()];
            WindowRow {
                start: format_rfc3339(s, zone),
                start_secs: s,
                delivery_attempts: w.attempts,
                retry_skipped: w.retry_skipped,
                messages_received: w.received,
                deferrals_421: deferrals,
                rate_per_1000: per_1000(deferrals, w.attempts),
                suspended_421: w.by_kind[Kind::Suspended.index()],
                replies_421: w.by_kind[Kind::Reply.index()],
                inbound_421: w.by_kind[Kind::Inbound.index()],
            }
        })
        .collect();
    (rows, complete)
}

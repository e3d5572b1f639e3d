//! The [`QueueReport`]: a listing joined with the logs' histories, per
//! recipient, per domain and per message, with the commands that act on
//! exactly the messages waiting on a 421.

use std::collections::BTreeMap;

use super::dump::{Dump, Lifetime};
use super::join::{History, Joined};
use super::*;
use crate::classify::Cause;
use crate::parse::Mta;

/// A domain name safe to print in a command.
pub(super) fn is_safe_domain(d: &str) -> bool {
    !d.is_empty()
        && !d.starts_with('-')
        && d.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

/// The kind of a deferral reason that is not a 421.
/// Postfix's `delivery temporarily suspended: REASON` repeats the reason
/// of the failure that suspended the destination: its kind is that one's.
pub fn reason_kind(why: &str) -> &'static str {
    if let Some(cached) = why.strip_prefix("delivery temporarily suspended: ") {
        return match reason_kind(cached) {
            "other" => "retry-wait",
            k => k,
        };
    }
    let has = |n: &str| why.contains(n);
    if has("retry time not reached") {
        "retry-wait"
    } else if has("said: 4") || has("SMTP error from remote") || has(": 4") {
        "4xx"
    } else if has("onnection") || has("connect to") || has("timed out") || has("No route") {
        "connection"
    } else {
        "other"
    }
}

/// Joins a listing with the logs' histories.
pub fn build(
    dump: &Dump,
    joined: &Joined,
    lifetime: &Lifetime,
    settings: &Settings,
    now: i64,
    source: String,
) -> QueueReport {
    let mut queued = Vec::new();
    for m in &dump.messages {
        let age = now - m.arrival;
        if settings.older_than.is_some_and(|o| age < o) {
            continue;
        }
        for r in &m.recipients {
            let h = joined
                .history
                .get(&(m.id.clone(), r.clone()))
                .cloned()
                .unwrap_or_else(History::default);
            let domain =
                String::from_utf8_lossy(crate::parse::domain_of(r.as_bytes())).to_ascii_lowercase();
            let (status, cause, last_reply) = match (&h.first_421, &h.last_deferral) {
                (Some(_), _) => {
                    let text = h.last_421_reply.clone().unwrap_or_default();
                    let enh = crate::parse::reply::enhanced_code(text.as_bytes());
                    let c = crate::classify::classify_for(text.as_bytes(), enh, domain.as_bytes());
                    (Status::Waiting421, Some(c), Some(text))
                }
                (None, Some((_, why))) => (Status::OtherDeferral, None, Some(why.clone())),
                (None, None) => (Status::NoHistory, None, None),
            };
            queued.push(Recipient {
                id: m.id.clone(),
                recipient: r.clone(),
                provider: crate::analysis::provider::provider_of(&domain, None),
                give_up: m.arrival + lifetime.for_domain(&domain),
                domain,
                status,
                arrival: m.arrival,
                age,
                held: m.held,
                cause,
                first_421: h.first_421,
                last_attempt: h.last_attempt,
                attempts: h.attempts,
                reason_kind: (status == Status::OtherDeferral)
                    .then(|| reason_kind(last_reply.as_deref().unwrap_or(""))),
                last_reply,
            });
        }
    }
    queued.sort_by(|a, b| {
        (
            a.status,
            a.first_421.unwrap_or(a.arrival),
            &a.id,
            &a.recipient,
        )
            .cmp(&(
                b.status,
                b.first_421.unwrap_or(b.arrival),
                &b.id,
                &b.recipient,
            ))
    });
    let waiting: Vec<&Recipient> = queued
        .iter()
        .filter(|r| r.status == Status::Waiting421)
        .collect();

    // Per domain.
    let mut by_domain: BTreeMap<&str, Vec<&Recipient>> = BTreeMap::new();
    for r in &waiting {
        by_domain.entry(&r.domain).or_default().push(r);
    }
    let mut domains = Vec::new();
    let mut total_buckets = [0u64; 10];
    let mut actions = Vec::new();
    let mta = dump.mta;
    for (domain, rs) in &by_domain {
        let mut causes: BTreeMap<Cause, u64> = BTreeMap::new();
        let mut buckets = [0u64; 10];
        let mut ids: Vec<&str> = Vec::new();
        for r in rs {
            *causes.entry(r.cause.unwrap_or(Cause::Unknown)).or_default() += 1;
            buckets[bucket(r.age)] += 1;
            total_buckets[bucket(r.age)] += 1;
            if !ids.contains(&r.id.as_str()) {
                ids.push(&r.id);
            }
        }
        // The most recipients; a tie goes to the first name alphabetically.
        let cause = causes
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.name().cmp(a.0.name())))
            .map_or(Cause::Unknown, |(c, _)| *c);
        domains.push(DomainRow {
            domain: (*domain).to_string(),
            provider: rs[0].provider.clone(),
            cause,
            recipients: rs.len() as u64,
            messages: ids.len() as u64,
            oldest_age: rs.iter().map(|r| r.age).max().unwrap_or(0),
            buckets,
        });
        let past: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|id| rs.iter().any(|r| r.id == *id && r.give_up <= now))
            .collect();
        if let Some(mta) = mta {
            actions.push(Action {
                domain: (*domain).to_string(),
                cause,
                commands: commands(mta, domain, &ids, &past, settings),
                // The queue's own MTA only (issue 14: advice names the
                // MTA of the input).
                advice: {
                    let mtas = crate::guidance::Mtas {
                        exim: mta == Mta::Exim,
                        postfix: mta == Mta::Postfix,
                    };
                    crate::guidance::guidance(cause)
                        .do_now
                        .iter()
                        .filter(|i| mtas.fits(i))
                        .take(2)
                        .copied()
                        .collect()
                },
            });
        }
    }
    domains.sort_by(|a, b| {
        (b.recipients, &a.domain)
            .cmp(&(a.recipients, &b.domain))
            .then(b.oldest_age.cmp(&a.oldest_age))
    });
    let order: Vec<&str> = domains.iter().map(|d| d.domain.as_str()).collect();
    actions.sort_by_key(|a| order.iter().position(|d| *d == a.domain));

    // Messages closest to their give-up time.
    let mut msgs: BTreeMap<&str, MessageRow> = BTreeMap::new();
    for r in &waiting {
        let row = msgs.entry(&r.id).or_insert_with(|| MessageRow {
            id: r.id.clone(),
            age: r.age,
            give_up: r.give_up,
            left: r.give_up - now,
            domains: Vec::new(),
        });
        if r.give_up < row.give_up {
            row.give_up = r.give_up;
            row.left = r.give_up - now;
        }
        if !row.domains.contains(&r.domain) {
            row.domains.push(r.domain.clone());
        }
    }
    let mut closest: Vec<MessageRow> = msgs.into_values().collect();
    closest.sort_by(|a, b| (a.left, &a.id).cmp(&(b.left, &b.id)));
    closest.truncate(settings.top);

    let count = |s: Status| queued.iter().filter(|r| r.status == s).count() as u64;
    let mut ids: Vec<&str> = queued.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    QueueReport {
        mta: mta.map(Mta::name),
        source,
        now,
        give_up_rule: lifetime.source.clone(),
        logs: joined.inputs.clone(),
        older_than: settings.older_than,
        messages: ids.len() as u64,
        recipients: queued.len() as u64,
        waiting_421: count(Status::Waiting421),
        other_deferral: count(Status::OtherDeferral),
        no_history: count(Status::NoHistory),
        domains,
        total_buckets,
        closest_to_give_up: closest,
        queued,
        actions,
    }
}

/// The commands acting on exactly these messages. Ids that do not fit the
/// MTA's alphabet and unsafe domain names are left out (said in a comment).
fn commands(mta: Mta, domain: &str, ids: &[&str], past: &[&str], s: &Settings) -> Vec<String> {
    let good: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|i| dump::is_valid_id(mta, i))
        .collect();
    let past: Vec<&str> = past
        .iter()
        .copied()
        .filter(|i| dump::is_valid_id(mta, i))
        .collect();
    let mut out = Vec::new();
    let safe_domain = is_safe_domain(domain);
    if good.len() < ids.len() {
        out.push(format!(
            "# {} queue id(s) left out: not a valid {} id",
            ids.len() - good.len(),
            mta.name()
        ));
    }
    let list = good.join(" ");
    match mta {
        Mta::Postfix => {
            if safe_domain {
                out.push(format!(
                    "postqueue -s {domain}    # try the domain's deferred mail now"
                ));
            }
            if !good.is_empty() {
                out.push(format!(
                    "printf '%s\\n' {list} | postsuper -h -    # hold these messages (stops retries)"
                ));
                out.push(format!(
                    "printf '%s\\n' {list} | postsuper -H -    # release them again"
                ));
            }
            if !past.is_empty() {
                out.push(format!(
                    "printf '%s\\n' {} | postsuper -d -    # delete: past their give-up time",
                    past.join(" ")
                ));
            }
        }
        Mta::Exim => {
            let exim = s
                .live
                .exim
                .as_deref()
                .map(|e| e.rsplit('/').next().unwrap_or(e))
                .filter(|e| e.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
                .unwrap_or("exim");
            if !good.is_empty() {
                out.push(format!("{exim} -M {list}    # try these messages now"));
            }
            if safe_domain {
                out.push(format!(
                    "{exim} -Rff {domain}    # force delivery of everything queued for the domain"
                ));
            }
            if !past.is_empty() {
                out.push(format!(
                    "{exim} -Mrm {}    # remove: past the retry rule's final cutoff",
                    past.join(" ")
                ));
            }
        }
    }
    out
}

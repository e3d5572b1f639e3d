//! The rows of the report: one type per table, each serialised as its part
//! of the JSON document. Below the rest of `report`, so the analyses that
//! read rows (the headline) do not depend on the report they are part of.

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

use crate::analysis::offenders::Repeat;
use crate::classify::Cause;
use crate::event::Kind;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Totals {
    pub lines: u64,
    pub unparsed_lines: u64,
    pub messages_received: u64,
    /// Delivery lines on which a delivery was tried: `delivered + deferred + bounced`.
    pub delivery_attempts: u64,
    pub delivered: u64,
    pub deferred: u64,
    pub bounced: u64,
    /// Delivery lines on which nothing was tried (retry time not reached,
    /// destination suspended, ...): in no attempt count.
    pub retry_skipped: u64,
    pub deferrals_421: u64,
    pub suspended_421: u64,
    pub replies_421: u64,
    pub inbound_421: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DomainRow {
    pub domain: String,
    pub deferrals_421: u64,
    pub suspended_421: u64,
    pub delivery_attempts: u64,
    pub delivered: u64,
    pub deferred: u64,
    pub bounced: u64,
    pub retry_skipped: u64,
    /// 421 deferrals per 1,000 delivery attempts to the domain.
    pub rate_per_1000: f64,
    /// Windows with at least one 421 deferral.
    pub windows: usize,
    pub first: Option<String>,
    pub last: Option<String>,
    /// 421 deferrals per cause (causes with none left out).
    #[serde(serialize_with = "by_name")]
    pub categories: BTreeMap<Cause, u64>,
    pub top_category: Option<Cause>,
    pub top_reply: Option<String>,
    /// Who runs the domain's mail servers (see the provider roll-up).
    pub provider: String,
    /// What became of the domain's (message, recipient) pairs that met a 421.
    pub retries: Retries,
    pub repeat: Repeat,
}

/// Retry outcomes over all (message id, recipient) pairs that met a 421.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Retries {
    pub with_421: u64,
    pub recovered: u64,
    pub bounced: u64,
    pub pending: u64,
    pub recovery_share: Option<f64>,
    pub time_to_delivery_p50_s: Option<u32>,
    pub time_to_delivery_p90_s: Option<u32>,
    /// Delivery attempts per recovered pair, from its first 421 to delivery
    /// (retry-skipped lines not counted).
    pub attempts_p50: Option<u32>,
    pub attempts_p90: Option<u32>,
}

/// A pair still deferred at the end of the logs.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PendingRow {
    pub id: String,
    pub recipient: String,
    pub domain: String,
    pub first_421: String,
    pub last_attempt: String,
    /// Seconds from the first 421 to the end of the logs.
    pub age_s: i64,
    pub last_reply: String,
}

/// Domains grouped by who runs their mail servers.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ProviderRow {
    pub provider: String,
    /// Domains with a 421, the most first.
    pub domains: Vec<String>,
    pub deferrals_421: u64,
    pub suspended_421: u64,
    /// Attempts to every domain of the provider seen in the logs.
    pub delivery_attempts: u64,
    pub retry_skipped: u64,
    pub rate_per_1000: f64,
    pub recovered: u64,
    pub bounced: u64,
    pub pending: u64,
    /// Domains of the provider that keep returning 421.
    pub keeps_returning: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KindCounts {
    pub deferrals_421: u64,
    pub suspended_421: u64,
    pub replies_421: u64,
    pub inbound_421: u64,
}

impl KindCounts {
    pub(super) fn from(a: &[u64; 4]) -> KindCounts {
        KindCounts {
            deferrals_421: a[Kind::Deferred.index()],
            suspended_421: a[Kind::Suspended.index()],
            replies_421: a[Kind::Reply.index()],
            inbound_421: a[Kind::Inbound.index()],
        }
    }

    pub fn total(&self) -> u64 {
        self.deferrals_421 + self.suspended_421 + self.replies_421 + self.inbound_421
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CategoryRow {
    pub category: Cause,
    #[serde(flatten)]
    pub counts: KindCounts,
    pub meaning: &'static str,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StageRow {
    pub stage: &'static str,
    #[serde(flatten)]
    pub counts: KindCounts,
}

/// A remote host (the receiver's MX) that answered 421; our own servers
/// are `ServerRow` (`--by-host`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HostRow {
    pub host: String,
    pub deferrals_421: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WindowRow {
    pub start: String,
    #[serde(skip)]
    pub start_secs: i64,
    pub delivery_attempts: u64,
    pub retry_skipped: u64,
    pub messages_received: u64,
    pub deferrals_421: u64,
    pub rate_per_1000: f64,
    pub suspended_421: u64,
    pub replies_421: u64,
    pub inbound_421: u64,
}

/// One outbound reply text (whole, normalised) with its lines by kind.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ReplyRow {
    pub text: String,
    /// Recipients deferred with this reply.
    pub deferrals_421: u64,
    /// Postfix cached 421s (no new attempt) with this reply.
    pub suspended_421: u64,
    /// Host-level lines with this reply (they repeat an attempt).
    pub replies_421: u64,
    pub category: Cause,
    /// Recipient domains seen with this reply (up to 5).
    pub domains: Vec<String>,
    /// For an unclassified reply: a rules-file entry to paste and finish.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggested_rule: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ClientRow {
    pub client: String,
    pub inbound_421: u64,
}

/// Counts per cause as a JSON object keyed by cause name, in name order
/// (the order the document has always had; [`Cause`] sorts in table order).
fn by_name<S: Serializer>(counts: &BTreeMap<Cause, u64>, s: S) -> Result<S::Ok, S::Error> {
    let mut named: Vec<(&'static str, u64)> = counts.iter().map(|(c, n)| (c.name(), *n)).collect();
    named.sort_unstable();
    s.collect_map(named)
}

impl ProviderRow {
    /// The first `n` domains, then `+K` for the rest.
    pub fn domain_list(&self, n: usize) -> String {
        let mut names = self
            .domains
            .iter()
            .take(n)
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        if self.domains.len() > n {
            names.push_str(&format!(" +{}", self.domains.len() - n));
        }
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_are_written_in_name_order() {
        // Table order is capacity, timeout, ..., auth-policy; the JSON keys
        // have always been sorted by name.
        let counts = BTreeMap::from([
            (Cause::Timeout, 1),
            (Cause::Capacity, 3),
            (Cause::AuthPolicy, 2),
        ]);
        let mut out = Vec::new();
        by_name(&counts, &mut serde_json::Serializer::new(&mut out)).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"auth-policy":2,"capacity":3,"timeout":1}"#
        );
    }
}

//! Prometheus metrics for `follow`: the counters the follow loop feeds
//! ([`Metrics`]) and a small HTTP endpoint that serves them ([`serve`],
//! in `server.rs`).
//!
//! # The endpoint
//!
//! It must survive hostile clients: hyper 1.x (HTTP/1 only) on a
//! single-threaded tokio runtime in one thread, heads of at most
//! [`MAX_HEAD`](server::MAX_HEAD) bytes, the timeouts and connection cap of [`Limits`]. Binding
//! errors come back from [`serve`]; a later stop is reported by
//! [`Server::failure`], which the follow loop checks so that it can exit 2
//! rather than carry on with dashboards blank.
//!
//! # Metrics
//!
//! | name as scraped | type | labels | what |
//! | --- | --- | --- | --- |
//! | `maillog421_lines_total` | counter | | log lines read |
//! | `maillog421_unparsed_lines_total` | counter | | lines not understood |
//! | `maillog421_delivery_attempts_total` | counter | `outcome` | delivery lines on which a delivery was tried: `delivered`, `deferred`, `bounced` |
//! | `maillog421_retry_skipped_lines_total` | counter | | delivery lines on which nothing was tried (retry time not reached, destination suspended, ...) |
//! | `maillog421_421_events_total` | counter | `kind`, `category`, `domain` | 421 events |
//! | `maillog421_last_event_timestamp_seconds` | gauge | | Unix time of the latest 421 event; 0 before the first |
//! | `maillog421_stuck_recipients` | gauge | | (message, recipient) pairs deferred by a 421 and neither delivered nor bounced since ([`super::stuck`]) |
//! | `maillog421_oldest_stuck_timestamp_seconds` | gauge | | Unix time (log time) of the oldest stuck pair's first 421; 0 when none is stuck |
//! | `maillog421_queued_421_recipients` | gauge | `domain` | with `--queue-every`: recipients in the live mail queue waiting on a 421 ([`QueueGauge`]) |
//!
//! The counter families are registered as `maillog421_lines`,
//! `maillog421_unparsed_lines`, `maillog421_delivery_attempts`,
//! `maillog421_retry_skipped_lines` and `maillog421_421_events`; their samples carry the `_total` suffix.
//!
//! Labels of `maillog421_421_events_total`:
//!
//! - `kind`: `deferred`, `suspended`, `reply` or `inbound` ([`Kind::name`](crate::event::Kind::name)).
//! - `category`: the cause ([`Cause::name`](crate::classify::Cause::name)), e.g. `rate-limit`.
//! - `domain`: the recipient domain, ASCII-lowercased; `none` when the event
//!   has none (inbound events, host replies). Log lines are remote-controlled
//!   text, so the value is sanitised: invalid UTF-8, control, whitespace and
//!   invisible formatting characters are dropped and it is cut to 253 bytes
//!   (quotes, backslashes and newlines are escaped by the encoder). A domain
//!   left empty by that counts as `none`.
//!
//! The `domain` label is bounded: the first `max_domains` distinct domains
//! seen get their own value, every later one is counted under `other`. It is
//! first come, first served, not "top N": a counter series cannot move
//! between label values without breaking `rate()`, so a domain that first
//! shows up after the table is full stays in `other` until the process
//! restarts. `none` and `other` take no slot.
//!
//! # Exposition format
//!
//! [`Metrics::encode`] returns what prometheus-client produces: OpenMetrics
//! 1.0 text (counters declared without `_total`, `# UNIT`, `# EOF`). The
//! endpoint serves that to scrapers that ask for it (Prometheus does, in its
//! `Accept` header), and otherwise the same data in the Prometheus text
//! format 0.0.4, which is what `curl` users and `promtool check metrics` (it
//! has no OpenMetrics parser) expect.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};

use crate::event::Event;
use crate::parse::Outcome;

/// Content type of [`Metrics::encode`]'s output.
pub const OPENMETRICS_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// Content type of the Prometheus text format served to other clients.
pub const TEXT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Longest `domain` label value, in bytes (a DNS name's maximum length).
const MAX_DOMAIN_LABEL: usize = 253;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AttemptLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EventLabels {
    kind: &'static str,
    category: &'static str,
    domain: Arc<str>,
}

/// The domains that have a `domain` label value of their own.
#[derive(Debug)]
struct Domains {
    seen: HashSet<Arc<str>>,
    max: usize,
}

/// Everything `follow` exports, in one registry. All methods take `&self`
/// and may be called from any thread.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    lines: Counter,
    unparsed: Counter,
    attempts: Family<AttemptLabels, Counter>,
    retry_skipped: Counter,
    events: Family<EventLabels, Counter>,
    last_event: Gauge,
    stuck: Gauge,
    oldest_stuck: Gauge,
    domains: Mutex<Domains>,
    none: Arc<str>,
    other: Arc<str>,
}

impl Metrics {
    /// `max_domains`: how many distinct recipient domains get their own
    /// `domain` label; later ones share `other`.
    pub fn new(max_domains: usize) -> Metrics {
        let lines = Counter::default();
        let unparsed = Counter::default();
        let attempts = Family::<AttemptLabels, Counter>::default();
        let retry_skipped = Counter::default();
        let events = Family::<EventLabels, Counter>::default();
        let last_event = Gauge::default();
        let stuck = Gauge::default();
        let oldest_stuck = Gauge::default();
        // Every outcome from the start, so `rate()` sees the first increment.
        for outcome in [Outcome::Delivered, Outcome::Deferred, Outcome::Bounced] {
            let _ = attempts.get_or_create(&AttemptLabels {
                outcome: outcome_name(outcome),
            });
        }

        let mut registry = Registry::default();
        registry.register("maillog421_lines", "Log lines read", lines.clone());
        registry.register(
            "maillog421_unparsed_lines",
            "Log lines not understood",
            unparsed.clone(),
        );
        registry.register(
            "maillog421_delivery_attempts",
            "Delivery lines on which a delivery was tried, by outcome (delivered, deferred, bounced)",
            attempts.clone(),
        );
        registry.register(
            "maillog421_retry_skipped_lines",
            "Delivery lines on which nothing was tried (retry time not reached, destination suspended)",
            retry_skipped.clone(),
        );
        registry.register(
            "maillog421_421_events",
            "SMTP 421 events by kind, cause category and recipient domain \
             (the first max-domains domains seen, later ones as other)",
            events.clone(),
        );
        registry.register_with_unit(
            "maillog421_last_event_timestamp",
            "Unix time of the latest 421 event, 0 before the first",
            Unit::Seconds,
            last_event.clone(),
        );
        registry.register(
            "maillog421_stuck_recipients",
            "Recipients (message, recipient pairs) deferred by a 421 and neither delivered nor bounced since",
            stuck.clone(),
        );
        registry.register_with_unit(
            "maillog421_oldest_stuck_timestamp",
            "Unix time (log time) of the oldest stuck recipient's first 421, 0 when none is stuck",
            Unit::Seconds,
            oldest_stuck.clone(),
        );

        Metrics {
            registry,
            lines,
            unparsed,
            attempts,
            retry_skipped,
            events,
            last_event,
            stuck,
            oldest_stuck,
            domains: Mutex::new(Domains {
                seen: HashSet::new(),
                max: max_domains,
            }),
            none: Arc::from("none"),
            other: Arc::from("other"),
        }
    }

    /// One log line read; `understood` false when it was not understood
    /// (unparsed).
    pub fn line(&self, understood: bool) {
        self.lines.inc();
        if !understood {
            self.unparsed.inc();
        }
    }

    /// One delivery line: an attempt (delivered / deferred / bounced) when
    /// `tried`, else a retry-skipped line.
    pub fn delivery(&self, outcome: Outcome, tried: bool) {
        if !tried {
            self.retry_skipped.inc();
            return;
        }
        self.attempts
            .get_or_create(&AttemptLabels {
                outcome: outcome_name(outcome),
            })
            .inc();
    }

    /// One 421 event.
    pub fn event(&self, ev: &Event<'_>) {
        let labels = EventLabels {
            kind: ev.kind.name(),
            category: ev.cause.name(),
            domain: self.domain_label(ev.domain),
        };
        self.events.get_or_create(&labels).inc();
        // The latest event time, not the last one read: with several files
        // followed, an older line may be read after a newer one.
        self.last_event
            .inner()
            .fetch_max(ev.time, Ordering::Relaxed);
    }

    /// The recipients stuck now: how many, and the first 421 of the oldest.
    pub fn stuck(&self, count: usize, oldest_first_421: Option<i64>) {
        self.stuck.set(i64::try_from(count).unwrap_or(i64::MAX));
        self.oldest_stuck.set(oldest_first_421.unwrap_or(0));
    }

    /// The exposition of everything, in OpenMetrics text format
    /// (`OPENMETRICS_TYPE`), ending in `# EOF`.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("encoding into a String cannot fail");
        out
    }

    /// The `domain` label value for a raw domain: its own while there is
    /// room in the table, else `other`.
    fn domain_label(&self, raw: &[u8]) -> Arc<str> {
        let mut owned = String::new();
        let name = match clean_domain(raw) {
            Some(s) => s,
            None => {
                sanitise_domain(raw, &mut owned);
                owned.as_str()
            }
        };
        if name.is_empty() {
            return self.none.clone();
        }
        let mut domains = self.domains.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(d) = domains.seen.get(name) {
            return d.clone();
        }
        if domains.seen.len() < domains.max && name != "none" && name != "other" {
            let d: Arc<str> = Arc::from(name);
            domains.seen.insert(d.clone());
            return d;
        }
        match name {
            "none" => self.none.clone(),
            _ => self.other.clone(),
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QueueLabels {
    domain: Arc<str>,
}

/// `maillog421_queued_421_recipients{domain}` (issue 20): recipients of the
/// live queue waiting on a 421, set whole by each `follow --queue-every`
/// read. Unlike the counters, a gauge may move between label values, so
/// this one is a true top N: the `max_domains` domains with most such
/// recipients each get their own value, the rest are summed as `other`.
#[derive(Clone, Debug)]
pub struct QueueGauge {
    family: Family<QueueLabels, Gauge>,
    max_domains: usize,
}

impl Metrics {
    /// Registers the queue gauge (before the metrics are shared).
    pub fn queue_gauge(&mut self, max_domains: usize) -> QueueGauge {
        let family = Family::<QueueLabels, Gauge>::default();
        self.registry.register(
            "maillog421_queued_421_recipients",
            "Recipients in the mail queue waiting on a 421, per recipient domain \
             (the domains with most, the rest as other), at the last queue read",
            family.clone(),
        );
        QueueGauge {
            family,
            max_domains,
        }
    }
}

impl QueueGauge {
    /// Replaces every value with these counts per domain.
    pub fn set(&self, per_domain: &[(String, u64)]) {
        let mut sorted: Vec<&(String, u64)> = per_domain.iter().collect();
        sorted.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        self.family.clear();
        let mut other = 0;
        let mut name = String::new();
        for (i, (domain, n)) in sorted.into_iter().enumerate() {
            sanitise_domain(domain.as_bytes(), &mut name);
            if i >= self.max_domains || name.is_empty() || name == "other" {
                other += n;
                continue;
            }
            let labels = QueueLabels {
                domain: Arc::from(name.as_str()),
            };
            self.family
                .get_or_create(&labels)
                .set(i64::try_from(*n).unwrap_or(i64::MAX));
        }
        if other > 0 {
            let labels = QueueLabels {
                domain: Arc::from("other"),
            };
            self.family
                .get_or_create(&labels)
                .set(i64::try_from(other).unwrap_or(i64::MAX));
        }
    }
}

fn outcome_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Delivered => "delivered",
        Outcome::Deferred => "deferred",
        Outcome::Bounced => "bounced",
    }
}

/// The domain as it is when it needs no sanitising (the common case):
/// printable ASCII, no upper case, not too long.
fn clean_domain(raw: &[u8]) -> Option<&str> {
    let clean = raw.len() <= MAX_DOMAIN_LABEL
        && raw
            .iter()
            .all(|b| b.is_ascii_graphic() && !b.is_ascii_uppercase());
    if clean {
        std::str::from_utf8(raw).ok()
    } else {
        None
    }
}

/// Writes the label value for `raw` into `out`: ASCII-lowercased, invalid
/// UTF-8 and non-printing characters dropped, cut to [`MAX_DOMAIN_LABEL`]
/// bytes at a character boundary.
fn sanitise_domain(raw: &[u8], out: &mut String) {
    out.clear();
    for chunk in raw.utf8_chunks() {
        for c in chunk.valid().chars().filter(|&c| is_printing(c)) {
            if out.len() + c.len_utf8() > MAX_DOMAIN_LABEL {
                return;
            }
            out.push(c.to_ascii_lowercase());
        }
    }
}

/// Whether a character shows as itself: not a control, not whitespace, not
/// an invisible formatting character (bidi overrides, zero-width spaces).
fn is_printing(c: char) -> bool {
    !c.is_control()
        && !c.is_whitespace()
        && !matches!(c,
            '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E0FFF}')
}

mod server;
pub use server::{Limits, Server, serve, serve_with};

#[cfg(test)]
mod tests;

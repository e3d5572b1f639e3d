//! Prometheus metrics for `follow`: the counters the follow loop feeds
//! ([`Metrics`]) and a small HTTP endpoint that serves them ([`serve`]).
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
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;

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

        Metrics {
            registry,
            lines,
            unparsed,
            attempts,
            retry_skipped,
            events,
            last_event,
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

    /// The exposition of everything, in OpenMetrics text format
    /// ([`OPENMETRICS_TYPE`]), ending in `# EOF`.
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

/// Serves GET /metrics on `addr` from a background thread (any other path
/// is 404) and returns the bound address, so port 0 works.
///
/// A client whose `Accept` header names `application/openmetrics-text` (as
/// Prometheus's does) gets [`Metrics::encode`]'s OpenMetrics text; any other
/// gets the Prometheus text format 0.0.4 ([`TEXT_TYPE`]). The thread runs
/// until the process exits.
pub fn serve(addr: SocketAddr, metrics: Arc<Metrics>) -> io::Result<SocketAddr> {
    let server = tiny_http::Server::http(addr).map_err(|e| match e.downcast::<io::Error>() {
        Ok(e) => *e,
        Err(e) => io::Error::other(e),
    })?;
    let bound = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| io::Error::other("metrics server is not listening on an IP address"))?;
    thread::Builder::new()
        .name("metrics-http".into())
        .spawn(move || {
            for request in server.incoming_requests() {
                // A client that hung up is no reason to stop serving.
                let _ = respond(request, &metrics);
            }
        })?;
    Ok(bound)
}

fn respond(request: tiny_http::Request, metrics: &Metrics) -> io::Result<()> {
    use tiny_http::{Method, Response};

    let path = request.url().split('?').next().unwrap_or("");
    if path != "/metrics" {
        return request.respond(Response::from_string("not found\n").with_status_code(404));
    }
    if !matches!(request.method(), Method::Get | Method::Head) {
        return request.respond(
            Response::from_string("method not allowed\n")
                .with_status_code(405)
                .with_header(header("Allow", "GET, HEAD")),
        );
    }
    let wants_openmetrics = request.headers().iter().any(|h| {
        h.field.equiv("Accept")
            && h.value
                .as_str()
                .to_ascii_lowercase()
                .contains("application/openmetrics-text")
    });
    let body = metrics.encode();
    let (body, content_type) = if wants_openmetrics {
        (body, OPENMETRICS_TYPE)
    } else {
        (openmetrics_to_text(&body), TEXT_TYPE)
    };
    request.respond(Response::from_string(body).with_header(header("Content-Type", content_type)))
}

fn header(name: &'static str, value: &'static str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes())
        .expect("static header names and values are valid")
}

/// prometheus-client's OpenMetrics text, rewritten as Prometheus text
/// format 0.0.4: counter families are named with their samples' `_total`
/// suffix, and `# UNIT` and `# EOF` are dropped. Sample lines are copied:
/// label values cannot hold a raw newline (the encoder escapes it), so every
/// line starting with `#` is metadata.
fn openmetrics_to_text(om: &str) -> String {
    let mut out = String::with_capacity(om.len() + 64);
    let mut help: Option<(&str, &str)> = None;
    for line in om.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            flush_help(&mut out, help.take(), "");
            help = Some(rest.split_once(' ').unwrap_or((rest, "")));
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap_or((rest, ""));
            let suffix = if kind == "counter" { "_total" } else { "" };
            flush_help(&mut out, help.take(), suffix);
            out.push_str("# TYPE ");
            out.push_str(name);
            out.push_str(suffix);
            out.push(' ');
            out.push_str(kind);
            out.push('\n');
        } else if line.starts_with("# UNIT ") || line == "# EOF" {
            continue;
        } else {
            flush_help(&mut out, help.take(), "");
            out.push_str(line);
            out.push('\n');
        }
    }
    flush_help(&mut out, help, "");
    out
}

fn flush_help(out: &mut String, help: Option<(&str, &str)>, suffix: &str) {
    if let Some((name, text)) = help {
        out.push_str("# HELP ");
        out.push_str(name);
        out.push_str(suffix);
        out.push(' ');
        out.push_str(text);
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(raw: &[u8]) -> String {
        let mut s = String::new();
        sanitise_domain(raw, &mut s);
        s
    }

    #[test]
    fn sanitising_lowercases_and_drops_non_printing() {
        assert_eq!(label(b"GMail.COM"), "gmail.com");
        assert_eq!(label(b"ex\x00am\x1b[31mple\r\n.org\x7f"), "exam[31mple.org");
        assert_eq!(label(b"a\xff\xfeb.de"), "ab.de");
        assert_eq!(label("B\u{fc}cher\u{202e}.de".as_bytes()), "b\u{fc}cher.de");
        assert_eq!(label("x\u{200b}y\u{2028}z".as_bytes()), "xyz");
        assert_eq!(label(b"\x01\x02"), "");
    }

    #[test]
    fn sanitising_caps_length_at_a_char_boundary() {
        assert_eq!(label(&[b'a'; 400]).len(), MAX_DOMAIN_LABEL);
        let wide = "\u{e9}".repeat(200); // two bytes each
        let l = label(wide.as_bytes());
        assert_eq!(l.len(), 252);
        assert!(l.chars().all(|c| c == '\u{e9}'));
    }

    #[test]
    fn clean_domains_skip_sanitising() {
        assert_eq!(clean_domain(b"gmail.com"), Some("gmail.com"));
        assert_eq!(clean_domain(b"Gmail.com"), None);
        assert_eq!(clean_domain(b"a b"), None);
        assert_eq!(clean_domain(&[b'a'; 254]), None);
    }

    #[test]
    fn reserved_names_take_no_slot() {
        let m = Metrics::new(1);
        assert_eq!(&*m.domain_label(b""), "none");
        assert_eq!(&*m.domain_label(b"\x01"), "none");
        assert_eq!(&*m.domain_label(b"other"), "other");
        assert_eq!(&*m.domain_label(b"NONE"), "none");
        assert_eq!(&*m.domain_label(b"A.example"), "a.example");
        assert_eq!(&*m.domain_label(b"b.example"), "other");
        assert_eq!(&*m.domain_label(b"a.example"), "a.example");
    }

    #[test]
    fn text_format_names_counters_with_total() {
        let om = "# HELP a_lines Lines.\n# TYPE a_lines counter\na_lines_total 3\n\
                  # HELP a_ts_seconds Time.\n# TYPE a_ts_seconds gauge\n# UNIT a_ts_seconds seconds\n\
                  a_ts_seconds 7\n# EOF\n";
        assert_eq!(
            openmetrics_to_text(om),
            "# HELP a_lines_total Lines.\n# TYPE a_lines_total counter\na_lines_total 3\n\
             # HELP a_ts_seconds Time.\n# TYPE a_ts_seconds gauge\na_ts_seconds 7\n"
        );
    }
}

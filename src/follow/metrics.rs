//! Prometheus metrics for `follow`: the counters the follow loop feeds
//! ([`Metrics`]) and a small HTTP endpoint that serves them ([`serve`]).
//!
//! # The endpoint
//!
//! It must survive hostile clients: hyper 1.x (HTTP/1 only) on a
//! single-threaded tokio runtime in one thread, heads of at most
//! [`MAX_HEAD`] bytes, the timeouts and connection cap of [`Limits`]. Binding
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

use std::collections::{HashSet, VecDeque};
use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};
use tokio::task::AbortHandle;

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

/// Largest request head (request line and headers) the endpoint reads, in
/// bytes (hyper's smallest buffer limit). A longer one is answered
/// `431 Request Header Fields Too Large` and its connection closed.
pub const MAX_HEAD: usize = 8 * 1024;

/// How long the endpoint keeps retrying while it cannot accept connections
/// (no file descriptors left, say) before it gives up.
const ACCEPT_RETRY_FOR: Duration = Duration::from_secs(30);

/// The page served at `/`: static, nothing in it comes from a request or a
/// log line.
const INDEX_HTML: &str = concat!(
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">",
    "<title>maillog421 follow</title></head>\n<body>\n<h1>maillog421 follow</h1>\n",
    "<p>Prometheus metrics: <a href=\"/metrics\">/metrics</a></p>\n</body>\n</html>\n"
);

/// The limits of the metrics endpoint; [`Limits::default`] is what `follow`
/// uses.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Connections open at once. When one more arrives, the oldest is closed
    /// to make room, so idle or slow clients cannot lock a scraper out.
    pub max_connections: usize,
    /// The time a client has to send a request's head, counted from when the
    /// server starts waiting for it: on a new connection and again after each
    /// response. It is the header read timeout and the keep-alive idle
    /// timeout at once.
    pub header_timeout: Duration,
    /// The longest one connection may live, whatever it does (this closes a
    /// client that stops reading its response).
    pub max_connection_time: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 64,
            header_timeout: Duration::from_secs(10),
            max_connection_time: Duration::from_secs(60),
        }
    }
}

/// A running metrics endpoint (see [`serve`]).
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    stopped: mpsc::Receiver<String>,
}

impl Server {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Why the endpoint stopped serving, once it has; `None` while it serves.
    pub fn failure(&self) -> Option<String> {
        match self.stopped.try_recv() {
            Ok(why) => Some(why),
            Err(mpsc::TryRecvError::Empty) => None,
            Err(mpsc::TryRecvError::Disconnected) => {
                Some("its thread ended unexpectedly".to_string())
            }
        }
    }
}

/// Serves GET /metrics on `addr` with the default [`Limits`]; see
/// [`serve_with`].
pub fn serve(addr: SocketAddr, metrics: Arc<Metrics>) -> io::Result<Server> {
    serve_with(addr, metrics, Limits::default())
}

/// Serves GET /metrics on `addr` (port 0 picks a free one: see
/// [`Server::addr`]), a short HTML page linking it at `/`, and 404 for any
/// other path.
///
/// A client whose `Accept` header names `application/openmetrics-text` (as
/// Prometheus's does) gets [`Metrics::encode`]'s OpenMetrics text; any other
/// gets the Prometheus text format 0.0.4 ([`TEXT_TYPE`]).
///
/// One thread runs hyper (HTTP/1 only) on a single-threaded tokio runtime:
/// no thread per connection, at most [`Limits::max_connections`] open, heads
/// up to [`MAX_HEAD`] bytes, the timeouts of `limits`. Binding happens here,
/// so an address in use is an error of this call; if the endpoint stops
/// later, [`Server::failure`] says why.
pub fn serve_with(addr: SocketAddr, metrics: Arc<Metrics>, limits: Limits) -> io::Result<Server> {
    let listener = std::net::TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()?;
    let (tx, stopped) = mpsc::channel();
    thread::Builder::new()
        .name("metrics-http".into())
        .spawn(move || {
            let err = runtime.block_on(async move {
                match tokio::net::TcpListener::from_std(listener) {
                    Ok(listener) => accept_loop(listener, metrics, limits).await,
                    Err(e) => e,
                }
            });
            let _ = tx.send(err.to_string());
        })?;
    Ok(Server { addr, stopped })
}

/// Accepts connections until accepting fails for [`ACCEPT_RETRY_FOR`];
/// returns that error.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    metrics: Arc<Metrics>,
    limits: Limits,
) -> io::Error {
    let mut open: VecDeque<AbortHandle> = VecDeque::new();
    let mut failing_since: Option<Instant> = None;
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => {
                if failing_since.take().is_some() {
                    crate::say!("maillog421: metrics: accepting connections again");
                }
                stream
            }
            // The client gave up before it was accepted: nothing to do.
            Err(e) if is_client_gone(&e) => continue,
            Err(e) => {
                let since = *failing_since.get_or_insert_with(|| {
                    crate::say!("maillog421: metrics: cannot accept connections ({e}); retrying");
                    Instant::now()
                });
                if since.elapsed() >= ACCEPT_RETRY_FOR {
                    return io::Error::new(
                        e.kind(),
                        format!("cannot accept connections for {ACCEPT_RETRY_FOR:?}: {e}"),
                    );
                }
                // Closing the oldest connection frees a file descriptor
                // (once the runtime has dropped it: yield); with none open,
                // wait a little.
                match open.pop_front() {
                    Some(oldest) => {
                        oldest.abort();
                        tokio::task::yield_now().await;
                    }
                    None => tokio::time::sleep(Duration::from_millis(100)).await,
                }
                continue;
            }
        };
        open.retain(|c| !c.is_finished());
        while open.len() >= limits.max_connections.max(1) {
            if let Some(oldest) = open.pop_front() {
                oldest.abort();
            }
        }
        let task = tokio::spawn(connection(stream, Arc::clone(&metrics), limits));
        open.push_back(task.abort_handle());
    }
}

fn is_client_gone(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    )
}

/// Serves one connection until the client closes it or a limit does.
async fn connection(stream: tokio::net::TcpStream, metrics: Arc<Metrics>, limits: Limits) {
    let _ = stream.set_nodelay(true);
    let service = service_fn(move |req: Request<Incoming>| {
        let reply = respond(&req, &metrics);
        async move { Ok::<_, Infallible>(reply) }
    });
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(MAX_HEAD)
        .serve_connection(TokioIo::new(stream), service);
    // An error (the client hung up, sent a bad or too large head, timed
    // out) ends this connection only.
    let _ = tokio::time::timeout(limits.max_connection_time, conn).await;
}

fn respond(req: &Request<Incoming>, metrics: &Metrics) -> Response<Full<Bytes>> {
    const PLAIN: &str = "text/plain; charset=utf-8";
    let is_metrics = match req.uri().path() {
        "/metrics" => true,
        "/" => false,
        _ => {
            return reply(
                StatusCode::NOT_FOUND,
                PLAIN,
                Bytes::from_static(b"not found\n"),
            );
        }
    };
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        let mut r = reply(
            StatusCode::METHOD_NOT_ALLOWED,
            PLAIN,
            Bytes::from_static(b"method not allowed\n"),
        );
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    if !is_metrics {
        let html = Bytes::from_static(INDEX_HTML.as_bytes());
        return reply(StatusCode::OK, "text/html; charset=utf-8", html);
    }
    let wants_openmetrics = req.headers().get_all(header::ACCEPT).iter().any(|v| {
        const NEEDLE: &[u8] = b"application/openmetrics-text";
        v.as_bytes()
            .windows(NEEDLE.len())
            .any(|w| w.eq_ignore_ascii_case(NEEDLE))
    });
    let body = metrics.encode();
    if wants_openmetrics {
        reply(StatusCode::OK, OPENMETRICS_TYPE, Bytes::from(body))
    } else {
        let text = openmetrics_to_text(&body);
        reply(StatusCode::OK, TEXT_TYPE, Bytes::from(text))
    }
}

fn reply(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
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
    fn a_stopped_server_says_why_once_then_that_its_thread_ended() {
        let (tx, stopped) = mpsc::channel();
        let server = Server {
            addr: "127.0.0.1:9".parse().unwrap(),
            stopped,
        };
        assert_eq!(server.failure(), None);
        tx.send("accepting failed".to_string()).unwrap();
        assert_eq!(server.failure().as_deref(), Some("accepting failed"));
        assert_eq!(server.failure(), None);
        drop(tx);
        assert_eq!(
            server.failure().as_deref(),
            Some("its thread ended unexpectedly")
        );
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

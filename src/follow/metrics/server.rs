//! The HTTP endpoint serving [`Metrics`] ([`serve`]): hyper 1.x (HTTP/1
//! only) on a single-threaded tokio runtime in one thread, heads of at most
//! [`MAX_HEAD`] bytes, the timeouts and connection cap of [`Limits`].

use std::collections::VecDeque;
use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::task::AbortHandle;

use super::{Metrics, OPENMETRICS_TYPE, TEXT_TYPE};

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
    pub(super) addr: SocketAddr,
    pub(super) stopped: mpsc::Receiver<String>,
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
/// gets the Prometheus text format 0.0.4 (`TEXT_TYPE`).
///
/// One thread runs hyper (HTTP/1 only) on a single-threaded tokio runtime:
/// no thread per connection, at most [`Limits::max_connections`] open, heads
/// up to `MAX_HEAD` (8 KiB) bytes, the timeouts of `limits`. Binding happens here,
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
pub(super) fn openmetrics_to_text(om: &str) -> String {
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

//! The `follow` metrics endpoint: counts fed from real-format log lines,
//! scraped over HTTP and linted with `promtool check metrics`.
//!
//! `promtool` comes from Debian's `prometheus` package; `.ci/run` installs
//! it. These tests fail, not skip, without it.

use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use maillog421::{Event, Limits, LogFormat as Format, Metrics, Parsed, Record, serve, serve_with};

const EXIM_DELIVERED: &str = r#"2026-11-22 08:03:24 1xV2Xi-0000pP-x2 => bob.hart@gmail.com R=dnslookup T=remote_smtp H=gmail-smtp-in.l.google.com [198.51.100.26] X=TLS1.3:ECDHE_X25519__ECDSA_SECP256R1_SHA256__AES_256_GCM:256 CV=yes C="250 2.0.0 OK  1795341804 5b1f17b1804b1-43a1b7d0c2esi2180455f8f.31 - gsmtp""#;
const EXIM_HOTMAIL: &str = "2026-11-22 10:02:14 1xV4Oh-0001H4-aa == kim.lee@hotmail.com R=dnslookup T=remote_smtp defer (0) H=hotmail-com.olc.protection.outlook.com [192.0.2.52]: SMTP error from remote mail server after initial connection: 421 4.3.2 System not accepting network messages";
const EXIM_GMAIL_HOST: &str = r"2026-11-22 10:02:16 1xV4Oh-0001H4-aa H=gmail-smtp-in.l.google.com [198.51.100.26]: SMTP error from remote mail server after end of data: 421-4.7.28 [203.0.113.5      15] Gmail has detected an unusual rate of unsolicited mail originating\n421-4.7.28 from your IP address. To protect our users from spam, mail sent from your IP address\n421-4.7.28 has been temporarily rate limited. For more information, go to\n421 4.7.28  https://support.google.com/mail/?p=UnsolicitedRateLimitError 5b1f17b1804b1-43a1c2e8f1dsi2210947f8f.117 - gsmtp";
const EXIM_GMAIL_1: &str = r"2026-11-22 10:02:16 1xV4Oh-0001H4-aa == ann.wells@gmail.com R=dnslookup T=remote_smtp defer (-46) H=gmail-smtp-in.l.google.com [198.51.100.26]: SMTP error from remote mail server after end of data: 421-4.7.28 [203.0.113.5      15] Gmail has detected an unusual rate of unsolicited mail originating\n421-4.7.28 from your IP address. To protect our users from spam, mail sent from your IP address\n421-4.7.28 has been temporarily rate limited. For more information, go to\n421 4.7.28  https://support.google.com/mail/?p=UnsolicitedRateLimitError 5b1f17b1804b1-43a1c2e8f1dsi2210947f8f.117 - gsmtp";
const EXIM_GMAIL_2: &str = r"2026-11-22 10:02:16 1xV4Oh-0001H4-aa == ben.kraus@GMAIL.com R=dnslookup T=remote_smtp defer (-46) H=gmail-smtp-in.l.google.com [198.51.100.26]: SMTP error from remote mail server after end of data: 421-4.7.28 [203.0.113.5      15] Gmail has detected an unusual rate of unsolicited mail originating\n421-4.7.28 from your IP address. To protect our users from spam, mail sent from your IP address\n421-4.7.28 has been temporarily rate limited. For more information, go to\n421 4.7.28  https://support.google.com/mail/?p=UnsolicitedRateLimitError 5b1f17b1804b1-43a1c2e8f1dsi2210947f8f.117 - gsmtp";
const EXIM_YAHOO: &str = "2026-11-22 10:02:17 1xV4Oh-0001H4-aa == sue.park@yahoo.com R=dnslookup T=remote_smtp defer (-45) H=mta5.am0.yahoodns.net [198.51.100.41]: SMTP error from remote mail server after pipelined MAIL FROM:<news@example.org> SIZE=9914: 421 4.7.0 [TSS04] Messages from 203.0.113.5 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes";
const POSTFIX_YAHOO: &str = "Nov 22 10:02:17 mx1 postfix-out/smtp[2520]: 9C3E5A2F71: to=<tim.reyes@yahoo.com>, relay=mta6.am0.yahoodns.net[198.51.100.42]:25, delay=5.9, delays=0.1/0.03/5.3/0.47, dsn=4.7.0, status=deferred (host mta6.am0.yahoodns.net[198.51.100.42] said: 421 4.7.0 [TSS04] Messages from 203.0.113.5 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes (in reply to MAIL FROM command))";
const POSTFIX_SENT: &str = "Nov 22 08:05:42 mx1 postfix/smtp[2231]: 4217E3011B47: to=<bob.hart@gmail.com>, relay=gmail-smtp-in.l.google.com[198.51.100.26]:25, delay=1.7, delays=0.08/0.01/0.62/0.99, dsn=2.0.0, status=sent (250 2.0.0 OK  1795334742 a640c23a62f3a-ab7b1c2d3e4si1170032f8f.61 - gsmtp)";

/// Feeds one line the way the follow loop does, with `time` standing in for
/// its resolved timestamp.
fn feed(m: &Metrics, format: Format, line: &[u8], time: i64) {
    match format.parse_line(line) {
        Parsed::Entry { mta, record, .. } => {
            m.line(true);
            if let Record::Delivery(d) = record {
                m.delivery(d.outcome, d.tried);
            }
            if let Some(ev) = Event::from_record(time, mta, &record) {
                m.event(&ev);
            }
        }
        Parsed::Continuation => m.line(true),
        Parsed::Unparsed => m.line(false),
    }
}

struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Reply {
    fn content_type(&self) -> &str {
        self.head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-type").then(|| v.trim())
            })
            .unwrap_or("")
    }
}

/// A plain HTTP/1.0 request, as a scraper or `curl` would send it.
fn get(addr: SocketAddr, path: &str, accept: Option<&str>) -> Reply {
    let mut s = TcpStream::connect(addr).expect("connect to the metrics server");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let accept = accept.map_or(String::new(), |a| format!("Accept: {a}\r\n"));
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n{accept}\r\n").unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read the whole reply");
    let raw = String::from_utf8(raw).expect("reply is UTF-8");
    let (head, body) = raw.split_once("\r\n\r\n").expect("reply has a header");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status line");
    Reply {
        status,
        head: head.to_string(),
        body: body.to_string(),
    }
}

/// Runs `promtool check metrics < file` on `body`; panics unless it exits 0
/// and prints nothing.
fn promtool_check(body: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("metrics.txt");
    std::fs::write(&path, body).unwrap();
    let out = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::fs::File::open(&path).unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `promtool` ({e}): it is needed to lint the metrics exposition. \
                 Install Debian's `prometheus` package, which ships /usr/bin/promtool \
                 (`apt-get install --no-install-recommends prometheus`; .ci/run does this)"
            )
        });
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && printed.trim().is_empty(),
        "promtool check metrics: {}\n{printed}\n--- body ---\n{body}",
        out.status
    );
}

fn has_line(body: &str, line: &str) {
    assert!(
        body.lines().any(|l| l == line),
        "no line {line:?} in\n{body}"
    );
}

fn serve_local(m: &Arc<Metrics>) -> SocketAddr {
    serve("127.0.0.1:0".parse().unwrap(), Arc::clone(m))
        .expect("serve on a free port")
        .addr()
}

#[test]
fn metrics_is_shareable_across_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Metrics>();
}

#[test]
fn scrape_counts_lines_attempts_and_events() {
    let m = Arc::new(Metrics::new(2));
    feed(&m, Format::Exim, EXIM_DELIVERED.as_bytes(), 1_795_334_604);
    feed(&m, Format::Exim, EXIM_GMAIL_HOST.as_bytes(), 1_795_341_736);
    feed(&m, Format::Exim, EXIM_GMAIL_1.as_bytes(), 1_795_341_736);
    feed(&m, Format::Exim, EXIM_HOTMAIL.as_bytes(), 1_795_341_734);
    feed(&m, Format::Exim, EXIM_GMAIL_2.as_bytes(), 1_795_341_736);
    // Third and fourth domains: the table (2) is full, so both count as `other`.
    feed(&m, Format::Exim, EXIM_YAHOO.as_bytes(), 1_795_341_737);
    feed(&m, Format::Syslog, POSTFIX_YAHOO.as_bytes(), 1_795_341_737);
    feed(&m, Format::Syslog, POSTFIX_SENT.as_bytes(), 1_795_334_742);
    // Read last but older: the gauge keeps the latest time.
    feed(&m, Format::Exim, EXIM_HOTMAIL.as_bytes(), 1_795_341_000);
    feed(&m, Format::Exim, b"not a log line at all", 0);

    let addr = serve_local(&m);
    let r = get(addr, "/metrics", None);
    assert_eq!(r.status, 200, "{}", r.head);
    assert_eq!(r.content_type(), "text/plain; version=0.0.4; charset=utf-8");
    let b = &r.body;

    has_line(b, "# TYPE maillog421_lines_total counter");
    has_line(b, "maillog421_lines_total 10");
    has_line(b, "maillog421_unparsed_lines_total 1");
    has_line(
        b,
        r#"maillog421_delivery_attempts_total{outcome="delivered"} 2"#,
    );
    has_line(
        b,
        r#"maillog421_delivery_attempts_total{outcome="deferred"} 6"#,
    );
    has_line(
        b,
        r#"maillog421_delivery_attempts_total{outcome="bounced"} 0"#,
    );
    has_line(
        b,
        r#"maillog421_421_events_total{kind="deferred",category="rate-limit",domain="gmail.com"} 2"#,
    );
    has_line(
        b,
        r#"maillog421_421_events_total{kind="deferred",category="capacity",domain="hotmail.com"} 2"#,
    );
    has_line(
        b,
        r#"maillog421_421_events_total{kind="reply",category="rate-limit",domain="none"} 1"#,
    );
    has_line(
        b,
        r#"maillog421_421_events_total{kind="deferred",category="rate-limit",domain="other"} 2"#,
    );
    assert!(
        !b.contains("yahoo"),
        "yahoo.com came after the table was full\n{b}"
    );
    let events = b
        .lines()
        .filter(|l| l.starts_with("maillog421_421_events_total{"))
        .count();
    assert_eq!(events, 4, "{b}");
    has_line(b, "# TYPE maillog421_last_event_timestamp_seconds gauge");
    has_line(b, "maillog421_last_event_timestamp_seconds 1795341737");

    promtool_check(b);
}

#[test]
fn openmetrics_for_scrapers_that_ask() {
    let m = Arc::new(Metrics::new(10));
    feed(&m, Format::Exim, EXIM_GMAIL_1.as_bytes(), 1_795_341_736);
    let addr = serve_local(&m);
    // What Prometheus sends.
    let accept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    let r = get(addr, "/metrics", Some(accept));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.content_type(),
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    assert_eq!(r.body, m.encode());
    assert!(r.body.ends_with("# EOF\n"), "{}", r.body);
    has_line(&r.body, "# TYPE maillog421_421_events counter");
    has_line(
        &r.body,
        "# UNIT maillog421_last_event_timestamp_seconds seconds",
    );
    has_line(
        &r.body,
        r#"maillog421_421_events_total{kind="deferred",category="rate-limit",domain="gmail.com"} 1"#,
    );
}

#[test]
fn hostile_domain_label_stays_one_valid_line() {
    let mut line = b"2026-11-22 10:02:16 1xV4Oh-0001H4-aa == eve@Ev\"il\\\x1b[2J\r\x00\xff\xe2\x80\xaeDOM.example".to_vec();
    line.extend(std::iter::repeat_n(b'x', 300));
    line.extend_from_slice(b" R=dnslookup T=remote_smtp defer (-46) H=mx.evil.example [198.51.100.9]: SMTP error from remote mail server after end of data: 421 4.7.0 too many messages, slow down");

    let m = Arc::new(Metrics::new(10));
    feed(&m, Format::Exim, &line, 1_795_341_736);
    let r = get(serve_local(&m), "/metrics", None);
    assert_eq!(r.status, 200);

    let events: Vec<&str> = r
        .body
        .lines()
        .filter(|l| l.starts_with("maillog421_421_events"))
        .collect();
    assert_eq!(events.len(), 1, "one series on one line:\n{}", r.body);
    let sample = events[0];
    let prefix = r#"maillog421_421_events_total{kind="deferred",category="rate-limit",domain="ev\"il\\[2jdom.example"#;
    assert!(sample.starts_with(prefix), "{sample}");
    assert!(sample.ends_with(r#"xxx"} 1"#), "{sample}");
    let value = &sample[sample.find("domain=\"").unwrap() + 8..sample.rfind("\"}").unwrap()];
    // Escapes (`\"`, `\\`) are two bytes for one.
    let unescaped = value.replace(r"\\", "\\").replace(r#"\""#, "\"");
    assert_eq!(unescaped.len(), 253, "{value}");
    assert!(!value.chars().any(char::is_control), "{value:?}");

    promtool_check(&r.body);
}

#[test]
fn index_page_links_metrics_and_other_paths_are_404() {
    let m = Arc::new(Metrics::new(10));
    let addr = serve_local(&m);
    let index = get(addr, "/", None);
    assert_eq!(index.status, 200, "{}", index.head);
    assert_eq!(index.content_type(), "text/html; charset=utf-8");
    assert!(
        index.body.contains(r#"<a href="/metrics">/metrics</a>"#),
        "{}",
        index.body
    );
    assert_eq!(get(addr, "/metricsx", None).status, 404);
    assert_eq!(get(addr, "/metrics/", None).status, 404);
    assert_eq!(get(addr, "/index.html", None).status, 404);
    assert_eq!(get(addr, "/metrics?debug=1", None).status, 200);

    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n").unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    assert!(raw.starts_with("HTTP/1.0 405 "), "{raw}");
    assert!(
        raw.to_ascii_lowercase()
            .contains("\r\nallow: get, head\r\n"),
        "{raw}"
    );
}

#[test]
fn empty_metrics_pass_promtool() {
    let m = Arc::new(Metrics::new(0));
    let r = get(serve_local(&m), "/metrics", None);
    assert_eq!(r.status, 200);
    has_line(&r.body, "maillog421_lines_total 0");
    has_line(&r.body, "maillog421_last_event_timestamp_seconds 0");
    promtool_check(&r.body);
}

// Issue 16 §2: a metrics port that cannot be taken down. The limits are
// hyper's (8 KiB heads, header read timeout) and ours (connection cap,
// oldest closed first); see `Limits`.

/// Reads from `s` until the server closes the connection (EOF or reset);
/// returns how long that took, or `None` when it stayed open for `limit`.
fn closed_within(s: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut buf = [0; 4096];
    while start.elapsed() < limit {
        s.set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        match s.read(&mut buf) {
            Ok(0) => return Some(start.elapsed()),
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return Some(start.elapsed()),
        }
    }
    None
}

/// One HTTP/1.1 (keep-alive) request; reads exactly the reply's head and
/// `Content-Length` body and leaves the connection open.
fn get_keep_alive(s: &mut TcpStream, path: &str) -> (u16, String) {
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    let mut byte = [0; 1];
    while !raw.ends_with(b"\r\n\r\n") {
        assert_eq!(s.read(&mut byte).unwrap(), 1, "reply head cut short");
        raw.push(byte[0]);
    }
    let head = String::from_utf8(raw).unwrap();
    assert!(
        !head.to_ascii_lowercase().contains("connection: close"),
        "{head}"
    );
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().unwrap())
        })
        .expect("Content-Length");
    let mut body = vec![0; len];
    s.read_exact(&mut body).unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, String::from_utf8(body).unwrap())
}

fn short_limits() -> Limits {
    Limits {
        header_timeout: Duration::from_secs(1),
        ..Limits::default()
    }
}

#[test]
fn issue_16_idle_connections_are_closed_after_the_header_timeout() {
    let m = Arc::new(Metrics::new(10));
    let addr = serve_with("127.0.0.1:0".parse().unwrap(), m, short_limits())
        .unwrap()
        .addr();

    // Connected, never says anything.
    let mut silent = TcpStream::connect(addr).unwrap();
    let t = closed_within(&mut silent, Duration::from_secs(5)).expect("silent client closed");
    assert!(
        t >= Duration::from_millis(800),
        "closed after {t:?}, before the timeout"
    );

    // Kept alive after a scrape, then idle.
    let mut kept = TcpStream::connect(addr).unwrap();
    let (status, body) = get_keep_alive(&mut kept, "/metrics");
    assert_eq!(status, 200);
    assert!(body.contains("maillog421_lines_total 0"), "{body}");
    // The connection does serve a second request...
    assert_eq!(get_keep_alive(&mut kept, "/metrics").0, 200);
    // ...and is closed once idle for the timeout.
    closed_within(&mut kept, Duration::from_secs(5)).expect("idle keep-alive closed");

    // Slowloris: a header byte every 100 ms never completes the head; the
    // timeout runs from the start of the head, not from the last byte.
    let mut slow = TcpStream::connect(addr).unwrap();
    slow.write_all(b"GET /metrics HTTP/1.1\r\nX-Slow: ")
        .unwrap();
    let start = Instant::now();
    let mut closed = false;
    while start.elapsed() < Duration::from_secs(5) {
        if slow.write_all(b"a").is_err() {
            closed = true;
            break;
        }
        if closed_within(&mut slow, Duration::from_millis(100)).is_some() {
            closed = true;
            break;
        }
    }
    assert!(closed, "a slowly sent head was not cut off within 5 s");
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn issue_16_connection_cap_closes_the_oldest_for_a_new_scrape() {
    let m = Arc::new(Metrics::new(10));
    let limits = Limits {
        max_connections: 4,
        ..Limits::default()
    };
    let addr = serve_with("127.0.0.1:0".parse().unwrap(), m, limits)
        .unwrap()
        .addr();
    let mut idle: Vec<TcpStream> = (0..4).map(|_| TcpStream::connect(addr).unwrap()).collect();
    // Let the server accept them, in order.
    std::thread::sleep(Duration::from_millis(200));
    let start = Instant::now();
    let r = get(addr, "/metrics", None);
    assert_eq!(r.status, 200);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    // The oldest idle connection made room (the default header timeout, 10 s,
    // is far away); the newest idle one is still open.
    closed_within(&mut idle[0], Duration::from_secs(2)).expect("the oldest was closed");
    assert_eq!(
        closed_within(&mut idle[3], Duration::from_millis(500)),
        None,
        "the newest idle connection stays open"
    );
}

/// A `follow --metrics ADDR` process, killed when dropped.
struct Follow {
    child: Child,
    stderr: mpsc::Receiver<String>,
    addr: SocketAddr,
}

impl Follow {
    /// Starts `follow` on the Exim fixture from its start, serving metrics
    /// on `listen`, and waits for the address it announces.
    fn start(listen: &str, before_exec: Option<fn() -> io::Result<()>>) -> Follow {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_maillog421"));
        cmd.args([
            "follow",
            "--from-start",
            "--every",
            "0",
            "--metrics",
            listen,
            FIXTURE,
        ])
        .env("TZ", "UTC")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
        if let Some(f) = before_exec {
            use std::os::unix::process::CommandExt;
            // SAFETY: the closure only calls setrlimit, which is
            // async-signal-safe.
            unsafe {
                cmd.pre_exec(f);
            }
        }
        let mut child = cmd.spawn().expect("follow starts");
        let stderr = lines_of(child.stderr.take().unwrap());
        let mut f = Follow {
            child,
            stderr,
            addr: "0.0.0.0:0".parse().unwrap(),
        };
        let line = f.wait_stderr("metrics on http://");
        f.addr = line
            .split("http://")
            .nth(1)
            .and_then(|a| a.strip_suffix("/metrics"))
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        wait_fixture_read(f.addr);
        f
    }

    fn wait_stderr(&self, what: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut seen = Vec::new();
        while Instant::now() < deadline {
            if let Ok(l) = self.stderr.recv_timeout(Duration::from_millis(100)) {
                if l.contains(what) {
                    return l;
                }
                seen.push(l);
            }
        }
        panic!("no `{what}` on stderr within 20 s; saw {seen:?}");
    }

    /// A field of /proc/PID/status, in its unit (kB for memory).
    fn status(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or_else(|| panic!("no {field} in {status}"))
    }
}

impl Follow {
    /// Still running, and nothing on stderr says it panicked.
    fn assert_alive(&mut self) {
        assert!(self.child.try_wait().unwrap().is_none(), "follow exited");
        let said: Vec<String> = self.stderr.try_iter().collect();
        assert!(!said.iter().any(|l| l.contains("panicked")), "{said:?}");
    }
}

impl Drop for Follow {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn lines_of(r: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for l in BufReader::new(r).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    rx
}

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/exim/mainlog");

/// A scrape answered within 2 s; returns the body.
fn scrape_promptly(addr: SocketAddr) -> String {
    let start = Instant::now();
    let r = get(addr, "/metrics", None);
    let took = start.elapsed();
    assert_eq!(r.status, 200, "{}", r.head);
    assert!(took < Duration::from_secs(2), "scrape took {took:?}");
    r.body
}

/// Waits until `follow` has read the whole fixture (every physical line
/// counts in `maillog421_lines_total`).
fn wait_fixture_read(addr: SocketAddr) {
    let lines = std::fs::read(FIXTURE)
        .unwrap()
        .iter()
        .filter(|&&b| b == b'\n')
        .count();
    let want = format!("maillog421_lines_total {lines}");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let body = scrape_promptly(addr);
        if body.lines().any(|l| l == want) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no `{want}` within 20 s:\n{body}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn issue_16_300_idle_sockets_cost_no_thread_and_block_no_scrape() {
    // `localhost:PORT` is accepted and binds loopback (issue 19 §5).
    let mut f = Follow::start("localhost:0", None);
    assert!(f.addr.ip().is_loopback(), "{}", f.addr);
    scrape_promptly(f.addr);
    let threads = f.status("Threads");

    let idle: Vec<TcpStream> = (0..300)
        .map(|_| TcpStream::connect(f.addr).expect("connect"))
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let busy_threads = f.status("Threads");
    scrape_promptly(f.addr);
    assert!(
        busy_threads <= threads && threads <= 8,
        "threads: {threads} before 300 idle sockets, {busy_threads} with them"
    );
    eprintln!(
        "300 idle sockets: threads {threads} -> {busy_threads}, VmRSS {} kB",
        f.status("VmRSS")
    );
    drop(idle);
    f.assert_alive();
}

#[test]
fn issue_16_64_mib_headers_are_refused_in_bounded_memory() {
    let f = Follow::start("127.0.0.1:0", None);
    scrape_promptly(f.addr);
    let hwm = f.status("VmHWM");

    // Four clients at once, each sending a 64 MiB header in 64 KiB writes.
    const HUGE: usize = 64 << 20;
    let addr = f.addr;
    let senders: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(addr).unwrap();
                s.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
                s.write_all(b"GET /metrics HTTP/1.1\r\nHost: test\r\nX-Huge: ")
                    .unwrap();
                let chunk = vec![b'a'; 64 << 10];
                let mut sent = 0;
                let stopped = loop {
                    if sent >= HUGE {
                        break None;
                    }
                    match s.write(&chunk) {
                        Ok(n) => sent += n,
                        Err(e) => break Some(e),
                    }
                };
                // What the server said before closing, if it came through.
                let mut reply = Vec::new();
                s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                let _ = s.read_to_end(&mut reply);
                (sent, stopped, String::from_utf8_lossy(&reply).into_owned())
            })
        })
        .collect();
    for t in senders {
        let (sent, stopped, reply) = t.join().unwrap();
        let refused = reply.starts_with("HTTP/1.1 431 ")
            || stopped.as_ref().is_some_and(|e| {
                matches!(e.kind(), ErrorKind::BrokenPipe | ErrorKind::ConnectionReset)
            });
        assert!(
            refused && sent < HUGE,
            "sent {sent} bytes, write error {stopped:?}, reply {reply:?}"
        );
    }
    let grown = f.status("VmHWM").saturating_sub(hwm);
    assert!(grown < 16 * 1024, "peak RSS grew by {grown} kB");
    eprintln!(
        "4 x 64 MiB headers: VmHWM {hwm} kB -> {} kB, threads {}",
        f.status("VmHWM"),
        f.status("Threads")
    );
    scrape_promptly(f.addr);
}

#[test]
fn issue_16_few_file_descriptors_slow_connections_down_but_break_nothing() {
    fn few_fds() -> io::Result<()> {
        let lim = libc::rlimit {
            rlim_cur: 48,
            rlim_max: 48,
        };
        // SAFETY: setrlimit with a valid pointer.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) } == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }
    let mut f = Follow::start("127.0.0.1:0", Some(few_fds));
    // More idle connections than descriptors left: accepting fails, the
    // server says so once, closes the oldest and carries on.
    let idle: Vec<TcpStream> = (0..60)
        .map(|_| TcpStream::connect(f.addr).expect("connect"))
        .collect();
    f.wait_stderr("metrics: cannot accept connections (Too many open files");
    scrape_promptly(f.addr);
    drop(idle);
    scrape_promptly(f.addr);
    f.assert_alive();
}

#[test]
fn issue_16_metrics_port_in_use_exits_2() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_maillog421"))
        .args(["follow", "--metrics", &addr, FIXTURE])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = lines_of(child.stderr.take().unwrap());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("follow kept running with its metrics port taken");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let text: Vec<String> = stderr.iter().collect();
    assert_eq!(status.code(), Some(2), "{text:?}");
    assert!(
        text.iter().any(|l| l
            .starts_with(&format!("maillog421: cannot serve metrics on {addr}: "))
            && l.contains("Address already in use")),
        "{text:?}"
    );
    drop(taken);
}

// ---- contrib/: the Prometheus rules and the Grafana dashboard (issue 19) ----

fn contrib(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("contrib")
        .join(rel)
}

/// Runs `promtool ARGS` in `dir`; panics unless it exits 0 (and when
/// promtool is missing: these tests fail, not skip).
fn promtool(dir: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new("promtool")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `promtool` ({e}): it is needed to test contrib/prometheus. \
                 Install Debian's `prometheus` package, which ships /usr/bin/promtool \
                 (.ci/run does)."
            )
        });
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "promtool {}: {}\n{printed}",
        args.join(" "),
        out.status
    );
    printed
}

/// The metric names a scrape of `follow --metrics` shows, read from the
/// exposition itself (`# TYPE` lines; counters are scraped with `_total`),
/// plus Prometheus's own `up`.
fn exposed_names() -> std::collections::BTreeSet<String> {
    let m = Metrics::new(5);
    feed(&m, Format::Exim, EXIM_GMAIL_1.as_bytes(), 1_795_340_000);
    let mut names: std::collections::BTreeSet<String> = m
        .encode()
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .map(|l| match l.split_once(' ') {
            Some((n, "counter")) => format!("{n}_total"),
            Some((n, _)) => n.to_string(),
            None => l.to_string(),
        })
        .collect();
    assert!(names.contains("maillog421_421_events_total"), "{names:?}");
    names.insert("up".to_string());
    names
}

/// `maillog421_...` names in `text` (alert names are `Maillog421...`, so
/// case tells them apart).
fn metric_names_in(text: &str) -> Vec<String> {
    let re = regex::Regex::new(r"\bmaillog421_[a-z0-9_]+").unwrap();
    re.find_iter(text).map(|m| m.as_str().to_string()).collect()
}

#[test]
fn issue_19_prometheus_rules_pass_their_promtool_tests() {
    let dir = contrib("prometheus");
    let checked = promtool(&dir, &["check", "rules", "maillog421.rules.yml"]);
    assert!(checked.contains("SUCCESS: 6 rules found"), "{checked}");
    let tested = promtool(&dir, &["test", "rules", "maillog421.rules.test.yml"]);
    assert!(tested.contains("SUCCESS"), "{tested}");
    // The four situations of the issue each have their alert.
    let rules = std::fs::read_to_string(dir.join("maillog421.rules.yml")).unwrap();
    for alert in [
        "Maillog421DomainKeepsDeferring",
        "Maillog421RateLimited",
        "Maillog421FollowerDown",
        "Maillog421FollowerAbsent",
        "Maillog421RecipientsStuck",
    ] {
        assert!(rules.contains(&format!("- alert: {alert}\n")), "{alert}");
    }
    assert!(rules.contains("category=\"rate-limit\""));
}

#[test]
fn issue_19_rules_and_dashboard_name_only_exposed_metrics() {
    let exposed = exposed_names();
    let rules = std::fs::read_to_string(contrib("prometheus/maillog421.rules.yml")).unwrap();
    let tests = std::fs::read_to_string(contrib("prometheus/maillog421.rules.test.yml")).unwrap();
    let in_rules = metric_names_in(&rules);
    assert!(in_rules.len() >= 3, "{in_rules:?}");
    for name in in_rules.iter().chain(&metric_names_in(&tests)) {
        assert!(exposed.contains(name), "{name} is not exposed: {exposed:?}");
    }

    // The dashboard: valid JSON, and every query names exposed metrics
    // only and is valid PromQL (checked by promtool as recording rules,
    // with Grafana's variables filled in).
    let text = std::fs::read_to_string(contrib("grafana/maillog421.json")).unwrap();
    let dash: serde_json::Value = serde_json::from_str(&text).expect("grafana/maillog421.json");
    assert_eq!(dash["uid"], "maillog421");
    fn exprs<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
        match v {
            serde_json::Value::Object(o) => {
                for (k, x) in o {
                    match (k.as_str(), x) {
                        ("expr", serde_json::Value::String(e)) => out.push(e),
                        _ => exprs(x, out),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| exprs(x, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    exprs(&dash, &mut found);
    assert!(found.len() >= 8, "{} queries", found.len());
    let panels = dash["panels"].as_array().unwrap();
    assert_eq!(
        found.len(),
        panels
            .iter()
            .map(|p| p["targets"].as_array().map_or(0, Vec::len))
            .sum::<usize>(),
        "every query is a panel target"
    );
    let mut recording = String::from("groups:\n  - name: dashboard\n    rules:\n");
    for (i, e) in found.iter().enumerate() {
        let names = metric_names_in(e);
        assert!(
            !names.is_empty() || e.starts_with("sum(up{job=\"maillog421\""),
            "query names no maillog421 metric: {e}"
        );
        for name in names {
            assert!(exposed.contains(&name), "{name} in {e} is not exposed");
        }
        let promql = e
            .replace("$__rate_interval", "5m")
            .replace("$instance", ".*");
        recording.push_str(&format!(
            "      - record: dashboard:query{i}\n        expr: {}\n",
            serde_json::to_string(&promql).unwrap()
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("dashboard.rules.yml"), recording).unwrap();
    let checked = promtool(dir.path(), &["check", "rules", "dashboard.rules.yml"]);
    assert!(
        checked.contains(&format!("SUCCESS: {} rules found", found.len())),
        "{checked}"
    );
}

/// Issue 19 §5: `maillog421_stuck_recipients` and
/// `maillog421_oldest_stuck_timestamp_seconds` after `follow` has read a
/// real daemon's log from the start are the pairs still queued at its end,
/// as the real Exim and Postfix queues showed them
/// (fixtures/real/expected-pending.tsv: count, and the oldest first 421).
#[test]
fn issue_19_stuck_gauges_match_the_real_queues() {
    let truth = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/real/expected-pending.tsv"
    ))
    .unwrap();
    for rel in ["real/exim/mainlog-retry", "real/postfix/maillog-rfc3339"] {
        let rows: Vec<Vec<&str>> = truth
            .lines()
            .map(|l| l.split('\t').collect::<Vec<_>>())
            .filter(|r| r[0] == rel)
            .collect();
        assert!(!rows.is_empty(), "no truth for {rel}");
        let oldest = rows
            .iter()
            .map(|r| {
                chrono::DateTime::parse_from_rfc3339(r[3])
                    .unwrap()
                    .timestamp()
            })
            .min()
            .unwrap();
        let path = format!("{}/fixtures/{rel}", env!("CARGO_MANIFEST_DIR"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_maillog421"))
            .args([
                "follow",
                "--from-start",
                "--every",
                "0",
                "--metrics",
                "127.0.0.1:0",
                &path,
            ])
            .env("TZ", "UTC")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("follow starts");
        let stderr = lines_of(child.stderr.take().unwrap());
        let f = Follow {
            child,
            stderr,
            addr: "0.0.0.0:0".parse().unwrap(),
        };
        let line = f.wait_stderr("metrics on http://");
        let addr: SocketAddr = line
            .split("http://")
            .nth(1)
            .and_then(|a| a.strip_suffix("/metrics"))
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        let lines = std::fs::read(&path)
            .unwrap()
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        let deadline = Instant::now() + Duration::from_secs(20);
        let body = loop {
            let body = scrape_promptly(addr);
            if body
                .lines()
                .any(|l| l == format!("maillog421_lines_total {lines}"))
            {
                break body;
            }
            assert!(Instant::now() < deadline, "{rel} not read in 20 s:\n{body}");
            std::thread::sleep(Duration::from_millis(100));
        };
        has_line(
            &body,
            &format!("maillog421_stuck_recipients {}", rows.len()),
        );
        has_line(
            &body,
            &format!("maillog421_oldest_stuck_timestamp_seconds {oldest}"),
        );
        promtool_check(&body);
        drop(f);
    }
}

//! The `follow` metrics endpoint: counts fed from real-format log lines,
//! scraped over HTTP and linted with `promtool check metrics`.
//!
//! `promtool` comes from Debian's `prometheus` package; `.ci/run` installs
//! it. These tests fail, not skip, without it.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use maillog421::event::Event;
use maillog421::follow::metrics::{Metrics, serve};
use maillog421::parse::{Format, Parsed, Record};

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
    serve("127.0.0.1:0".parse().unwrap(), Arc::clone(m)).expect("serve on a free port")
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
    feed(&m, Format::Postfix, POSTFIX_YAHOO.as_bytes(), 1_795_341_737);
    feed(&m, Format::Postfix, POSTFIX_SENT.as_bytes(), 1_795_334_742);
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
fn other_paths_are_404() {
    let m = Arc::new(Metrics::new(10));
    let addr = serve_local(&m);
    assert_eq!(get(addr, "/", None).status, 404);
    assert_eq!(get(addr, "/metricsx", None).status, 404);
    assert_eq!(get(addr, "/metrics/", None).status, 404);
    assert_eq!(get(addr, "/metrics?debug=1", None).status, 200);
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

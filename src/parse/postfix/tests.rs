//! Tests of the postfix parser on real-format lines.

use super::*;
use crate::parse::Parsed;
use crate::parse::syslog::parse_line;

fn record(line: &str) -> Record<'_> {
    crate::parse::testing::record(parse_line, line)
}

fn delivery(line: &str) -> Delivery<'_> {
    crate::parse::testing::delivery(parse_line, line)
}

#[test]
fn deferred_said_421() {
    let d = delivery(
        "Nov 22 10:00:01 mx1 postfix/smtp[1]: 4217E3011B47: to=<bob@Example.NET>, orig_to=<b@x.example>, relay=mx.example.net[192.0.2.1]:25, delay=421, delays=0.1/0/0.2/0, dsn=4.7.28, status=deferred (host mx.example.net[192.0.2.1] said: 421-4.7.28 a 421 4.7.28 b - gsmtp (in reply to end of DATA command))",
    );
    assert_eq!(
        (d.id, d.rcpt, d.outcome),
        (
            &b"4217E3011B47"[..],
            &b"bob@Example.NET"[..],
            Outcome::Deferred
        )
    );
    let r = d.reply.unwrap();
    assert_eq!(
        (r.stage, r.enhanced, r.text),
        (
            Stage::Data,
            Some(&b"4.7.28"[..]),
            &b"421-4.7.28 a 421 4.7.28 b - gsmtp"[..]
        )
    );
    assert!(d.tried);
}

#[test]
fn refused_and_suspended() {
    let d = delivery(
        "Nov 22 10:00:01 mx1 postfix/smtp[1]: ABC123DEF: to=<a@example.fr>, relay=mx.example.fr[192.0.2.6]:25, delay=1, delays=1/0/0/0, dsn=4.0.0, status=deferred (host mx.example.fr[192.0.2.6] refused to talk to me: 421 Refused. Your reverse DNS entry does not resolve.)",
    );
    assert_eq!(d.reply.unwrap().stage, Stage::Connect);
    let d = delivery(
        "Nov 22 10:00:01 mx1 postfix/error[1]: ABC123DEF: to=<a@example.fr>, relay=none, delay=1, delays=1/0/0/0, dsn=4.0.0, status=deferred (delivery temporarily suspended: host mx.example.fr[192.0.2.6] refused to talk to me: 421 busy)",
    );
    assert!(!d.tried);
    assert_eq!(d.host(), Some(&b"mx.example.fr"[..]));
}

/// Issue 14: a suspended destination and an expired recipient were not tried.
#[test]
fn issue_14_suspended_and_expired_are_not_attempts() {
    let d = delivery(
        "Nov 23 11:12:58 mx1 postfix/error[30240]: 4DF0ABEBC3: to=<peggy@refused.test>, relay=none, delay=0.37, delays=0.37/0/0/0, dsn=4.4.1, status=deferred (delivery temporarily suspended: connect to 127.0.0.1[127.0.0.1]:2620: Connection refused)",
    );
    assert_eq!(
        (d.outcome, d.tried, d.reply),
        (Outcome::Deferred, false, None)
    );
    let d = delivery(
        "Nov 23 11:12:28 mx1 postfix/error[30240]: 1857DBEBA1: to=<trent@dead.test>, relay=none, delay=0.59, delays=0.51/0.07/0/0, dsn=4.0.0, status=deferred (delivery temporarily suspended: host 127.0.0.1[127.0.0.1] refused to talk to me: 421 Service not available, closing transmission channel)",
    );
    assert_eq!((d.outcome, d.tried), (Outcome::Deferred, false));
    assert_eq!(
        d.reply.unwrap().code,
        421,
        "a cached 421 is still a suspended event"
    );
    let d = delivery(
        "Nov 23 11:15:28 mx1 postfix/qmgr[30056]: 3ECE4BEBAD: to=<bob@dead.test>, relay=none, delay=300, delays=300/0/0/0, dsn=4.0.0, status=expired, returned to sender",
    );
    assert_eq!((d.outcome, d.tried), (Outcome::Bounced, false));
    for line in [
        "Nov 23 11:12:28 mx1 postfix/smtp[30240]: 1857DBEBA1: to=<trent@dead.test>, relay=127.0.0.1[127.0.0.1]:2620, delay=1, delays=1/0/0/0, dsn=4.0.0, status=deferred (host 127.0.0.1[127.0.0.1] refused to talk to me: 421 Service not available, closing transmission channel)",
        "Nov 23 11:12:58 mx1 postfix/smtp[30240]: 4DF0ABEBC3: to=<peggy@refused.test>, relay=none, delay=0.37, delays=0.37/0/0/0, dsn=4.4.1, status=deferred (connect to 127.0.0.1[127.0.0.1]:2620: Connection refused)",
        "Nov 22 08:05:42 mx1 postfix/smtp[2231]: 4217E3011B47: to=<bob@gmail.test>, relay=mx.gmail.test[192.0.2.26]:25, delay=1.7, delays=0.08/0.01/0.62/0.99, dsn=2.0.0, status=sent (250 2.0.0 OK)",
    ] {
        assert!(delivery(line).tried, "{line}");
    }
}

#[test]
fn non_421_deferrals() {
    for line in [
        "Nov 22 10:00:01 mx1 postfix/smtp[1]: ABC123DEF: to=<a@example.fr>, relay=mx.example.fr[192.0.2.6]:25, delay=1, delays=1/0/0/0, dsn=4.0.0, status=deferred (host mx.example.fr[192.0.2.6] refused to talk to me: 554 no 421 here)",
        "Nov 22 10:00:01 mx1 postfix/smtp[1]: ABC123DEF: to=<a@example.fr>, relay=none, delay=421, delays=1/0/0/0, dsn=4.4.1, status=deferred (connect to mx.example.fr[192.0.2.142]:25: Connection refused)",
        "Nov 22 10:00:01 mx1 postfix/smtp[1]: ABC123DEF: to=<a@example.fr>, relay=mx.example.fr[192.0.2.6]:25, delay=1, delays=1/0/0/0, dsn=4.2.1, status=deferred (host mx.example.fr[192.0.2.6] said: 450 4.2.1 421 messages queued (in reply to RCPT TO command))",
    ] {
        assert_eq!(delivery(line).reply, None, "{line}");
    }
}

#[test]
fn odd_smtpd_lines_never_panic() {
    // ` from ` right after `after`: once an integer underflow.
    assert_eq!(
        record("Nov 22 10:00:01 mx1 postfix/smtpd[1]: timeout after from h[192.0.2.1]"),
        Record::Other
    );
    assert_eq!(
        record("Nov 22 10:00:01 mx1 postfix/smtpd[1]: too many errors after"),
        Record::Other
    );
}

#[test]
fn queue_ids_of_every_shape() {
    for (line, id) in [
        (
            "Nov  1 16:00:41 mx1 postfix/smtp[2]: FBCBECAEDF: to=<a@example.com>, relay=none, delay=1, delays=1/0/0/0, dsn=2.0.0, status=sent (250 ok)",
            "FBCBECAEDF",
        ),
        (
            "Nov  1 16:00:41 mx1 postfix/smtp[2]: 4217E3011B47: to=<a@example.com>, relay=none, delay=1, delays=1/0/0/0, dsn=2.0.0, status=sent (250 ok)",
            "4217E3011B47",
        ),
        (
            "Nov  1 16:00:41 mx1 postfix/smtp[2]: 4JgyGN3kgGzMCn: to=<a@example.com>, relay=none, delay=1, delays=1/0/0/0, dsn=2.0.0, status=sent (250 ok)",
            "4JgyGN3kgGzMCn",
        ),
    ] {
        assert_eq!(delivery(line).id, id.as_bytes(), "{line}");
    }
    assert_eq!(queue_id(b"warning: x"), (&b""[..], &b"warning: x"[..]));
}

#[test]
fn session_line() {
    let rec = record(
        "Nov 22 10:00:01 mx1 postfix/smtp[1]: 0DDCFAA03ED: host mta7.example.net[192.0.2.74] said: 421 4.7.0 [TSS04] x (in reply to MAIL FROM command)",
    );
    let Record::HostReply(h) = rec else {
        panic!("{rec:?}")
    };
    assert_eq!((h.id, h.reply.stage), (&b"0DDCFAA03ED"[..], Stage::Mail));
}

#[test]
fn inbound_smtpd_and_postscreen() {
    const LINES: &str = "\
Nov 22 10:00:01 mx1 postfix/smtpd[1]: timeout after END-OF-MESSAGE from localhost[127.0.0.1]
Nov 22 10:00:01 mx1 postfix/smtpd[1]: too many errors after RCPT from h.example[192.0.2.11]
Nov 22 10:00:01 mx1 postfix/submission/smtpd[1]: warning: Connection concurrency limit exceeded: 51 from unknown[192.0.2.3] for service submission
Nov 22 10:00:01 mx1 postfix/smtpd[1]: warning: Connection rate limit exceeded: 31 from h[192.0.2.3] for service smtp
Nov 22 10:00:01 mx1 postfix/smtpd[1]: NOQUEUE: reject: RCPT from h[192.0.2.3]: 421 4.7.0 go away; from=<a@b>
Nov 22 10:00:01 mx1 postfix/postscreen[1]: COMMAND TIME LIMIT from [192.0.2.77]:3608 after CONNECT
Nov 22 10:00:01 mx1 postfix/postscreen[1]: COMMAND COUNT LIMIT from [192.0.2.26]:1559 after RCPT
Nov 22 10:00:01 mx1 postfix/postscreen[1]: NOQUEUE: reject: CONNECT from [192.0.2.2]:5: too many connections
Nov 22 10:00:01 mx1 postfix/postscreen[1]: NOQUEUE: reject: CONNECT from [192.0.2.2]:5: all screening ports busy";
    let want = [
        (Some(Condition::CommandTimeout), "localhost[127.0.0.1]"),
        (Some(Condition::TooManyErrors), "h.example[192.0.2.11]"),
        (Some(Condition::TooManyConnections), "unknown[192.0.2.3]"),
        (Some(Condition::ConnectionRate), "h[192.0.2.3]"),
        (None, "h[192.0.2.3]"),
        (Some(Condition::CommandTimeout), "[192.0.2.77]:3608"),
        (Some(Condition::CommandCount), "[192.0.2.26]:1559"),
        (Some(Condition::TooManyConnections), "[192.0.2.2]:5"),
        (Some(Condition::PortsBusy), "[192.0.2.2]:5"),
    ];
    assert_eq!(LINES.lines().count(), want.len());
    for (line, (condition, client)) in LINES.lines().zip(want) {
        let Record::Inbound(i) = record(line) else {
            panic!("{line}")
        };
        assert_eq!(
            (i.condition, i.client),
            (condition, client.as_bytes()),
            "{line}"
        );
        assert_eq!(i.reply.code, 421);
    }
}

#[test]
fn inbound_lookalikes_are_not_421() {
    for line in [
        "Nov 22 10:00:01 mx1 postfix/smtpd[1]: lost connection after DATA from h[192.0.2.1]",
        "Nov 22 10:00:01 mx1 postfix/smtpd[1]: warning: Message delivery request rate limit exceeded: 334 from h[192.0.2.1] for service submission",
        "Nov 22 10:00:01 mx1 postfix/postscreen[1]: NOQUEUE: reject: RCPT from [192.0.2.1]:4: 450 4.3.2 Service currently unavailable; from=<a@b>",
        "Nov 22 10:00:01 mx1 postfix/postscreen[1]: PREGREET 14 after 0.08 from [192.0.2.2]:59415: EHLO x\\r\\n",
    ] {
        assert_eq!(record(line), Record::Other, "{line}");
    }
}

#[test]
fn truncated_delivery_is_unparsed() {
    assert_eq!(
        parse_line(b"Jul  5 06:52:11 mx1 postfix/smtp[2]: 3mPVKl0Mhjz7sXv: to=<56597@con"),
        Parsed::Unparsed
    );
}

#[test]
fn arrivals_and_verify_probes() {
    assert_eq!(
        record("Nov 22 10:00:01 mx1 postfix/cleanup[2]: ABC123DEF: message-id=<x@y>"),
        Record::Arrival(b"ABC123DEF")
    );
    assert_eq!(
        record("Nov 22 10:00:09 mx1 postfix/qmgr[3]: ABC123DEF: removed"),
        Record::Ended(b"ABC123DEF")
    );
    assert_eq!(
        record(
            "Nov 27 10:00:09 mx1 postfix/qmgr[3]: ABC123DEF: from=<a@src.example>, status=expired, returned to sender"
        ),
        Record::Expired(b"ABC123DEF")
    );
    assert_eq!(
        record(
            "Nov 22 10:00:01 mx1 postfix/smtp[2]: ABC123DEF: to=<a@b.example>, relay=none, delay=0, delays=0/0/0/0, dsn=2.0.0, status=deliverable (x)"
        ),
        Record::Other
    );
}

/// The relay right after the recipient is read without a search; any
/// other first `, relay=` (after `orig_to=`, or inside the recipient) is
/// the one the search finds.
#[test]
fn relay_is_the_first_one_on_the_line() {
    let host = |body: &'static [u8]| match super::delivery(b"A1B2C3D4E5", body) {
        Some(Record::Delivery(d)) => d.host(),
        other => panic!("{other:?}"),
    };
    let h = |s: &'static str| Some(s.as_bytes());
    assert_eq!(
        host(b"to=<a@b.test>, relay=mx.b.test[192.0.2.1]:25, delay=1, status=sent (ok)"),
        h("mx.b.test")
    );
    assert_eq!(
        host(b"to=<a@b.test>, orig_to=<c@d.test>, relay=mx.b.test[192.0.2.1]:25, status=sent (ok)"),
        h("mx.b.test")
    );
    assert_eq!(
        host(b"to=<a, relay=x[192.0.2.9]@b.test>, relay=mx.b.test[192.0.2.1]:25, status=sent (ok)"),
        h("x")
    );
    assert_eq!(
        host(b"to=<a,b@b.test>, relay=mx.b.test[192.0.2.1]:25, status=sent (ok)"),
        h("mx.b.test")
    );
    assert_eq!(
        host(b"to=a@b.test, relay=mx.b.test[192.0.2.1]:25, status=sent (ok)"),
        h("mx.b.test")
    );
    assert_eq!(host(b"to=<a@b.test>, relay=none, status=sent (ok)"), None);
}

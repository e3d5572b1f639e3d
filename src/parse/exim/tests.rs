//! Tests of the exim parser on real-format lines.

use super::*;

fn record(line: &str) -> Record<'_> {
    crate::parse::testing::record(parse_line, line)
}

fn delivery(line: &str) -> Delivery<'_> {
    crate::parse::testing::delivery(parse_line, line)
}

#[test]
fn deferral_with_421_after_mail_from() {
    let d = delivery(
        "2026-11-22 10:00:01 1tA2b3-000AbC-1x == bob@example.net R=dnslookup T=remote_smtp defer (-45) H=mx.example.net [192.0.2.10]: SMTP error from remote mail server after pipelined MAIL FROM:<a@example.org> SIZE=1421: 421 4.7.0 Try later",
    );
    assert_eq!(d.outcome, Outcome::Deferred);
    assert_eq!(d.rcpt, b"bob@example.net");
    assert_eq!(d.host(), Some(&b"mx.example.net"[..]));
    let r = d.reply.unwrap();
    assert_eq!(
        (r.code, r.stage, r.enhanced),
        (421, Stage::Mail, Some(&b"4.7.0"[..]))
    );
    assert_eq!(r.text, b"421 4.7.0 Try later");
}

#[test]
fn older_layout_host_after_command() {
    let d = delivery(
        "2026-11-22 10:00:01 1tA2b3-000AbC-1x == bob@example.net R=r1 T=t1 defer (-45): SMTP error from remote mail server after RCPT TO:<bob@example.net>: host mx.example.net [192.0.2.10]: 421 busy",
    );
    let r = d.reply.unwrap();
    assert_eq!((r.stage, r.text), (Stage::Rcpt, &b"421 busy"[..]));
    assert_eq!(d.ip(), Some(&b"192.0.2.10"[..]));
}

#[test]
fn ehlo_response_was_421() {
    let d = delivery(
        "2026-11-22 10:00:01 1tA2b3-000AbC-1x == bob@example.net R=dnslookup T=remote_smtp defer (-18) H=mx.example.net [192.0.2.10]: Remote host closed connection in response to HELO mx1.example.org (EHLO response was: 421-4.7.0 a\\n421 4.7.0 b)",
    );
    let r = d.reply.unwrap();
    assert_eq!(
        (r.stage, r.text),
        (Stage::Ehlo, &b"421-4.7.0 a\\n421 4.7.0 b"[..])
    );
}

#[test]
fn digits_421_elsewhere_are_not_a_reply() {
    for line in [
        "2026-11-22 10:00:01 1tA421-000AbC-1x == a421@example.net R=r T=t defer (-44) H=mx.example.net [192.0.2.142]:54213: SMTP error from remote mail server after RCPT TO:<a421@example.net>: 451 4.2.1 try later",
        "2026-11-22 10:00:01 1tA2b3-000AbC-1x == bob@example.net R=r T=t defer (-53): retry time not reached for any host after a long failure period 421",
        "2026-11-22 10:00:01 1tA2b3-000AbC-1x == bob@example.net R=r T=t defer (111): Connection refused",
    ] {
        assert_eq!(delivery(line).reply, None, "{line}");
    }
}

#[test]
fn host_level_lines() {
    let rec = record(
        "2026-11-22 10:00:01 1tA2b3-000AbC-1x H=mx.example.net [192.0.2.10]: SMTP error from remote mail server after end of data: 421 4.3.0 busy",
    );
    let Record::HostReply(h) = rec else {
        panic!("{rec:?}")
    };
    assert_eq!(
        (h.reply.stage, h.host),
        (Stage::Data, Some(&b"mx.example.net"[..]))
    );
    let rec = record(
        "2026-11-22 10:00:01 1tA2b3-000AbC-1x SMTP error from remote mail server after MAIL FROM:<a@b.example> SIZE=9: host mx.example.com [192.0.2.20]: 421 greylisted",
    );
    let Record::HostReply(h) = rec else {
        panic!("{rec:?}")
    };
    assert_eq!(h.ip, Some(&b"192.0.2.20"[..]));
}

#[test]
fn rich_selector_and_new_ids() {
    let line = "2026-11-22 10:00:01.123 +0100 [12345] 1tA2b3-00000000AbC-1xyz => bob@example.net R=dnslookup T=remote_smtp H=mx.example.net [192.0.2.10]:25 C=\"250 OK\"";
    let Parsed::Entry { stamp, record, .. } = parse_line(line.as_bytes()) else {
        panic!()
    };
    assert_eq!(stamp.offset, Some(3600));
    let Record::Delivery(d) = record else {
        panic!("{record:?}")
    };
    assert_eq!(
        (d.id, d.outcome),
        (&b"1tA2b3-00000000AbC-1xyz"[..], Outcome::Delivered)
    );
    assert_eq!(d.ip(), Some(&b"192.0.2.10"[..]));
}

#[test]
fn local_delivery_uses_original_address() {
    let d = delivery(
        "2026-11-22 10:00:01 1tA2b3-000AbC-1x => irwin <irwin@mail.example.com> R=local_user T=mail_spool",
    );
    assert_eq!(d.rcpt, b"irwin@mail.example.com");
}

#[test]
fn inbound_implied() {
    for (line, condition, client) in [
        (
            "2026-11-22 10:00:01 SMTP command timeout on connection from (helo) [192.0.2.5] D=5m",
            Condition::CommandTimeout,
            "(helo) [192.0.2.5]",
        ),
        (
            "2026-11-22 10:00:01 SMTP command timeout on TLS connection from [192.0.2.5]",
            Condition::CommandTimeout,
            "[192.0.2.5]",
        ),
        (
            "2026-11-22 10:00:01 1tA2b3-000AbC-1x SMTP data timeout (message abandoned) on connection from [192.0.2.5] F=<a@b> D=1m",
            Condition::DataTimeout,
            "[192.0.2.5]",
        ),
        (
            "2026-11-22 10:00:01 Connection from [192.0.2.99] refused: too many connections from that IP address",
            Condition::TooManyConnections,
            "[192.0.2.99]",
        ),
        (
            "2026-11-22 10:00:01 Connection from [192.0.2.98] refused: load average = 12.50",
            Condition::LoadAverage,
            "[192.0.2.98]",
        ),
        (
            "2026-11-22 10:00:01 temporarily refused connection from [192.0.2.97]: not in reserve list",
            Condition::NotInReserveList,
            "[192.0.2.97]",
        ),
        (
            "2026-11-22 10:00:01 H=(x) [192.0.2.7] F=<a@b> rejected MAIL command <a@b>: too many messages in one connection",
            Condition::MessagesPerConnection,
            "H=(x) [192.0.2.7] F=<a@b>",
        ),
    ] {
        let Record::Inbound(i) = record(line) else {
            panic!("{line}")
        };
        assert_eq!(
            (i.condition, i.client),
            (Some(condition), client.as_bytes()),
            "{line}"
        );
    }
}

#[test]
fn acl_defer_with_421_is_inbound() {
    for (line, stage, client, text) in [
        (
            "2026-11-22 10:00:01 H=(client.example) [192.0.2.5]:41234 F=<a@b.example> temporarily rejected RCPT <x@y.example>: 421 4.3.2 Too many concurrent connections, try later",
            Stage::Rcpt,
            "(client.example) [192.0.2.5]:41234",
            "421 4.3.2 Too many concurrent connections, try later",
        ),
        (
            "2026-11-22 10:00:01 H=mx.client.example [192.0.2.6] temporarily rejected MAIL <a@b.example> SIZE=1421: 421 4.7.0 slow down",
            Stage::Mail,
            "mx.client.example [192.0.2.6]",
            "421 4.7.0 slow down",
        ),
        (
            "2026-11-22 10:00:01 1tA2b3-000AbC-1x H=(c) [192.0.2.7] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no F=<a@b.example> temporarily rejected after DATA: 421 4.3.0 queue full",
            Stage::Data,
            "(c) [192.0.2.7]",
            "421 4.3.0 queue full",
        ),
        (
            "2026-11-22 10:00:01 H=[192.0.2.8] temporarily rejected connection in \"connect\" ACL: 421 4.7.0 too much load",
            Stage::Connect,
            "[192.0.2.8]",
            "421 4.7.0 too much load",
        ),
        (
            "2026-11-22 10:00:01 [4242] H=(c) [192.0.2.9] temporarily rejected EHLO or HELO c: 421 4.7.0 come back later",
            Stage::Ehlo,
            "(c) [192.0.2.9]",
            "421 4.7.0 come back later",
        ),
        (
            "2026-11-22 10:00:01 H=(c) [192.0.2.9] F=<a:b@c.example> temporarily rejected DATA: 421 greylisted",
            Stage::Data,
            "(c) [192.0.2.9]",
            "421 greylisted",
        ),
    ] {
        let Record::Inbound(i) = record(line) else {
            panic!("{line}")
        };
        assert_eq!(
            (
                i.reply.stage,
                i.client,
                i.reply.text,
                i.reply.code,
                i.condition
            ),
            (stage, client.as_bytes(), text.as_bytes(), 421, None),
            "{line}"
        );
    }
}

#[test]
fn acl_defer_without_421_is_not_an_event() {
    for line in [
        "2026-11-22 10:00:01 H=(c) [192.0.2.5] F=<a@b.example> temporarily rejected RCPT <x421@y.example>: 451 4.3.2 try later",
        "2026-11-22 10:00:01 H=(c) [192.0.2.5] F=<a@b.example> temporarily rejected RCPT <x@y.example>: Temporary local problem 421",
        "2026-11-22 10:00:01 H=(c) [192.0.2.421] F=<a@b.example> rejected RCPT <x@y.example>: 550 421 relay not permitted",
        "2026-11-22 10:00:01 H=(c) [192.0.2.5] F=<a@b.example> temporarily rejected RCPT <x@y.example>: 4210 odd",
        "2026-11-22 10:00:01 H=(c) [192.0.2.5] F=<a@b.example> temporarily rejected RCPT <x@y.example>",
    ] {
        assert_eq!(record(line), Record::Other, "{line}");
    }
}

#[test]
fn acl_defer_through_syslog() {
    let line = "Nov 22 10:00:01 mx1 exim[123]: H=(c) [192.0.2.5] F=<a@b.example> temporarily rejected RCPT <x@y.example>: 421 4.7.0 DNS:NR fix your PTR";
    let Parsed::Entry { mta, record, .. } = super::super::syslog::parse_line(line.as_bytes())
    else {
        panic!()
    };
    let Record::Inbound(i) = record else {
        panic!("{record:?}")
    };
    assert_eq!((mta, i.reply.stage), (Mta::Exim, Stage::Rcpt));
    assert_eq!(i.reply.text, b"421 4.7.0 DNS:NR fix your PTR");
}

#[test]
fn continuation_and_junk() {
    assert_eq!(parse_line(b"  Suggested action: x"), Parsed::Continuation);
    assert_eq!(
        parse_line(b"421 4.7.0 second line of a reply)"),
        Parsed::Continuation
    );
    assert_eq!(parse_line(b"******** SERVER ********"), Parsed::Unparsed);
    assert_eq!(parse_line(b""), Parsed::Unparsed);
}

/// Issue 14: lines Exim writes without trying a delivery, in Exim
/// 4.96's wording (`deliver.c`, `transports/smtp.c`).
#[test]
fn issue_14_untried_lines_are_not_attempts() {
    for line in [
        // ERRNO_HRETRY, retry data for every host of the domain
        "2026-11-23 11:05:06 1xVRr7-00040F-2I == bob@gmail.test R=fake_mx T=remote_smtp defer (-53): retry time not reached for any host for 'gmail.test'",
        "2026-11-23 11:05:06 1xVRr7-00040F-2I == bob@gmail.test R=dnslookup T=remote_smtp defer (-53): retry time not reached for any host",
        // ERRNO_RRETRY, routing
        "2026-11-23 11:05:06 1xVRr7-00040F-2I == bob@gmail.test R=dnslookup defer (-51): retry time not reached",
        // ERRNO_LRETRY, local delivery (capital R, "yet")
        "2026-11-23 11:05:06 1xVRr7-00040F-2I == bob@mx1.example T=local_delivery defer (-52): Retry time not yet reached",
        // ERRNO_LOCAL_ONLY (-odqr)
        "2026-11-23 11:05:06 1xVRr7-00040F-2I == bob@gmail.test R=dnslookup T=remote_smtp defer (-54): remote deliveries suppressed",
        // past the retry cutoff: failed without a try
        "2026-11-23 11:05:06 1xVRr7-00040F-2I ** bob@gmail.test R=dnslookup T=remote_smtp: retry time not reached for any host after a long failure period",
        "2026-11-23 11:05:06 1xVRr7-00040F-2I ** bob@gmail.test R=dnslookup T=remote_smtp: all hosts have been failing for a long time and were last tried after this message arrived",
        // exim -N
        "2026-11-23 11:05:06 1xVRr7-00040F-2I *> bob@gmail.test R=dnslookup T=remote_smtp H=mx.gmail.test [192.0.2.1]",
    ] {
        let d = delivery(line);
        assert!(!d.tried, "{line}");
        assert!(d.rcpt.starts_with(b"bob@"), "{line}");
        assert_eq!(d.reply, None, "{line}");
    }
    assert_eq!(
        delivery("2026-11-23 11:05:06 1xVRr7-00040F-2I == bob@gmail.test R=fake_mx T=remote_smtp defer (-53): retry time not reached for any host for 'gmail.test'").outcome,
        Outcome::Deferred,
        "still waiting"
    );
    for line in [
        "2026-11-23 11:05:06 1xVRr7-00040F-2I => bob@gmail.test R=dnslookup T=remote_smtp H=mx.gmail.test [192.0.2.1] C=\"250 OK\"",
        "2026-11-23 11:05:06 1xVRr7-00040F-2I -> ann@gmail.test R=dnslookup T=remote_smtp H=mx.gmail.test [192.0.2.1]",
        "2026-11-23 11:05:06 1xVRr7-00040F-2I >> bob@gmail.test R=dnslookup T=remote_smtp H=mx.gmail.test [192.0.2.1]",
        "2026-11-23 11:05:06 1xVRr7-00040F-2I ** bob@gmail.test R=dnslookup T=remote_smtp H=mx.gmail.test [192.0.2.1]: SMTP error from remote mail server after RCPT TO:<bob@gmail.test>: 550 no such user",
        "2026-11-23 11:05:06 1xVRr7-00040F-2I == bob@gmail.test R=dnslookup T=remote_smtp defer (111): Connection refused",
        // the phrase inside the remote reply is not Exim's reason
        "2026-11-23 11:05:06 1xVRr7-00040F-2I == bob@gmail.test R=dnslookup T=remote_smtp defer (-46) H=mx.gmail.test [192.0.2.1]: SMTP error from remote mail server after RCPT TO:<bob@gmail.test>: 451 your retry time not reached",
    ] {
        assert!(delivery(line).tried, "{line}");
    }
}

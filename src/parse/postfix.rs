//! Postfix messages (the part after `program[pid]: `).
//!
//! * Delivery lines: `QID: to=<rcpt>, [orig_to=<..>,] relay=..., status=WORD (reason)`.
//! * Session lines without `to=`: `QID: host H[ip] said: 421 ...`.
//! * smtpd and postscreen lines whose reply Postfix's source fixes at 421
//!   (`timeout after`, `too many errors after`, connection limits, `COMMAND
//!   TIME LIMIT`, ...) and `reject: ...: 421` lines.

use super::reply::{Stage, host_ip, reply_at, split_in_reply_to};
use super::{Delivery, HostReply, Inbound, Outcome, Record, Reply};
use crate::classify::Cause;

const SAID: &[u8] = b" said: ";
const REFUSED: &[u8] = b" refused to talk to me: ";
const SUSPENDED: &[u8] = b"delivery temporarily suspended: ";

/// A queue id (`4217E3011B47`, long `4JgyGN3kgGzMCn`) followed by `: `,
/// or `NOQUEUE: `. Returns the id and the rest.
fn queue_id(msg: &[u8]) -> (&[u8], &[u8]) {
    let n = msg.iter().take_while(|b| b.is_ascii_alphanumeric()).count();
    if (5..=20).contains(&n) && msg[n..].starts_with(b": ") {
        let id = &msg[..n];
        let hex_upper = id
            .iter()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(b));
        // Short ids are upper-case hex and may be all letters (`FBCBECAEDF`);
        // long ids mix cases and digits.
        let long = n >= 10 && id.iter().any(u8::is_ascii_digit);
        if id == b"NOQUEUE" || hex_upper || long {
            return (id, &msg[n + 2..]);
        }
    }
    (b"", msg)
}

/// The service: the last `/` component of the program (`postfix/submission/smtpd` → `smtpd`).
fn service(program: &[u8]) -> &[u8] {
    match memchr::memrchr(b'/', program) {
        Some(p) => &program[p + 1..],
        None => program,
    }
}

/// The record of a Postfix (or other daemon's) syslog message; `None` when a
/// line that should be a delivery line is cut short.
pub fn message_record<'a>(program: &[u8], msg: &'a [u8]) -> Option<Record<'a>> {
    let (id, body) = queue_id(msg);
    if body.starts_with(b"to=") {
        return delivery(id, body);
    }
    if body.starts_with(b"host ")
        && let Some(r) = session_reply(id, body)
    {
        return Some(Record::HostReply(r));
    }
    match service(program) {
        b"cleanup" if body.starts_with(b"message-id=") => Some(Record::Arrival(id)),
        b"qmgr" if !id.is_empty() && body == b"removed" => Some(Record::Ended(id)),
        b"qmgr" if !id.is_empty() && super::finder!(b", status=expired").find(body).is_some() => {
            Some(Record::Expired(id))
        }
        b"smtpd" => Some(smtpd(body).map_or(Record::Other, Record::Inbound)),
        b"postscreen" => Some(postscreen(body).map_or(Record::Other, Record::Inbound)),
        _ => Some(Record::Other),
    }
}

/// `to=<rcpt>, ..., status=WORD (reason)`; `None` when the line is cut short.
fn delivery<'a>(id: &'a [u8], body: &'a [u8]) -> Option<Record<'a>> {
    let rest = &body[3..];
    let rcpt = match rest.strip_prefix(b"<") {
        Some(r) => &r[..memchr::memchr(b'>', r)?],
        None => &rest[..memchr::memchr(b',', rest)?],
    };
    let st = super::finder!(b", status=").find(body)? + 9;
    let word_end = st
        + body[st..]
            .iter()
            .take_while(|b| b.is_ascii_alphabetic())
            .count();
    // `expired` (Postfix 3.x qmgr, a recipient given up at
    // maximal_queue_lifetime) is a give-up, not a try.
    let (outcome, mut tried) = match &body[st..word_end] {
        b"sent" => (Outcome::Delivered, true),
        b"deferred" => (Outcome::Deferred, true),
        b"bounced" => (Outcome::Bounced, true),
        b"expired" => (Outcome::Bounced, false),
        // Address verification probes (`deliverable`, `undeliverable`) are not deliveries.
        _ => return Some(Record::Other),
    };
    let (mut host, mut ip) = (None, None);
    if let Some(p) = super::finder!(b", relay=").find(body)
        && let Some((h, i, _)) = host_ip(&body[p + 8..])
    {
        (host, ip) = (Some(h), Some(i));
    }
    let mut reply = None;
    if outcome == Outcome::Deferred {
        let reason = body[word_end..]
            .strip_prefix(b" (")
            .unwrap_or(&body[word_end..]);
        // A destination the queue manager holds as dead: nothing was tried,
        // the reason is the cached one.
        let reason = match reason.strip_prefix(SUSPENDED) {
            Some(r) => {
                tried = false;
                r
            }
            None => reason,
        };
        if super::finder!(b"421").find(reason).is_some() {
            let reason = reason.strip_suffix(b")").unwrap_or(reason);
            if let Some((h, i, r)) = host_reply(reason)
                && r.code == 421
            {
                (host, ip, reply) = (Some(h), Some(i), Some(r));
            }
        }
    }
    Some(Record::Delivery(Delivery {
        id,
        outcome,
        rcpt,
        host,
        ip,
        reply,
        tried,
    }))
}

/// `host H[ip] said: REPLY (in reply to X command)` or `host H[ip] refused
/// to talk to me: REPLY`.
fn host_reply(reason: &[u8]) -> Option<(&[u8], &[u8], Reply<'_>)> {
    let r = reason.strip_prefix(b"host ")?;
    let (host, ip, rest) = host_ip(r)?;
    if let Some(said) = rest.strip_prefix(SAID) {
        let (text, stage) = split_in_reply_to(said);
        return Some((host, ip, reply_at(text, stage)?));
    }
    let refused = rest.strip_prefix(REFUSED)?;
    Some((host, ip, reply_at(refused, Stage::Connect)?))
}

fn session_reply<'a>(id: &'a [u8], body: &'a [u8]) -> Option<HostReply<'a>> {
    let (host, ip, reply) = host_reply(body)?;
    (reply.code == 421).then_some(HostReply {
        id,
        host: Some(host),
        ip: Some(ip),
        reply,
    })
}

fn implied(text: &'static [u8], enhanced: Option<&'static [u8]>, stage: Stage) -> Reply<'static> {
    Reply {
        code: 421,
        enhanced,
        text,
        stage,
    }
}

/// `... after CMD from CLIENT`: the command's stage and the client.
fn after_from(s: &[u8]) -> Option<(Stage, &[u8])> {
    let rest = s.strip_prefix(b"after ")?;
    let p = super::finder!(b" from ").find(rest)?;
    Some((Stage::from_command(&rest[..p]), &rest[p + 6..]))
}

/// `warning: ... limit exceeded: N from CLIENT for service S`: the client.
fn limit_client(s: &[u8]) -> Option<&[u8]> {
    let p = super::finder!(b" from ").find(s)? + 6;
    let end = super::finder!(b" for service")
        .find(&s[p..])
        .map_or(s.len(), |e| p + e);
    Some(&s[p..end])
}

/// `reject: CMD from CLIENT: 421 ...` (after `NOQUEUE: ` or a queue id).
fn explicit_reject(body: &[u8]) -> Option<Inbound<'_>> {
    let r = body.strip_prefix(b"reject: ")?;
    let from = super::finder!(b" from ").find(r)?;
    let stage = Stage::from_command(&r[..from]);
    let r = &r[from + 6..];
    let colon = super::finder!(b": ").find(r)?;
    let reply = reply_at(&r[colon + 2..], stage)?;
    (reply.code == 421).then_some(Inbound {
        client: &r[..colon],
        reply,
        cause: None,
    })
}

fn smtpd(body: &[u8]) -> Option<Inbound<'_>> {
    if let Some(r) = body.strip_prefix(b"timeout ") {
        let (stage, client) = after_from(r)?;
        let reply = implied(b"421 4.4.2 Error: timeout exceeded", Some(b"4.4.2"), stage);
        return Some(Inbound {
            client,
            reply,
            cause: Some(Cause::Timeout),
        });
    }
    if let Some(r) = body.strip_prefix(b"too many errors ") {
        let (stage, client) = after_from(r)?;
        let reply = implied(b"421 4.7.0 Error: too many errors", Some(b"4.7.0"), stage);
        return Some(Inbound {
            client,
            reply,
            cause: Some(Cause::AuthPolicy),
        });
    }
    if let Some(w) = body.strip_prefix(b"warning: ") {
        let (cause, text): (_, &'static [u8]) =
            if w.starts_with(b"Connection concurrency limit exceeded: ") {
                (
                    Cause::ConnectionLimit,
                    b"421 4.7.0 Error: too many connections",
                )
            } else if w.starts_with(b"Connection rate limit exceeded: ") {
                (Cause::RateLimit, b"421 4.7.0 Error: too many connections")
            } else if w.starts_with(b"New TLS session rate limit exceeded: ") {
                (
                    Cause::RateLimit,
                    b"421 4.7.0 Error: too many new TLS sessions",
                )
            } else {
                return None;
            };
        let reply = implied(text, Some(b"4.7.0"), Stage::Connect);
        return Some(Inbound {
            client: limit_client(w)?,
            reply,
            cause: Some(cause),
        });
    }
    explicit_reject(body)
}

fn postscreen(body: &[u8]) -> Option<Inbound<'_>> {
    for (prefix, text, enhanced, cause) in [
        (
            &b"COMMAND TIME LIMIT from "[..],
            &b"421 4.4.2 Error: timeout exceeded"[..],
            Some(&b"4.4.2"[..]),
            Cause::Timeout,
        ),
        (
            b"COMMAND COUNT LIMIT from ",
            b"421 Service unavailable - try again later",
            None,
            Cause::RateLimit,
        ),
        (
            b"COMMAND LENGTH LIMIT from ",
            b"421 Service unavailable - try again later",
            None,
            Cause::AuthPolicy,
        ),
    ] {
        if let Some(r) = body.strip_prefix(prefix) {
            let (client, stage) = match super::finder!(b" after ").find(r) {
                Some(p) => (&r[..p], Stage::from_command(&r[p + 7..])),
                None => (r, Stage::Unknown),
            };
            return Some(Inbound {
                client,
                reply: implied(text, enhanced, stage),
                cause: Some(cause),
            });
        }
    }
    if let Some(r) = body.strip_prefix(b"reject: CONNECT from ") {
        let colon = super::finder!(b": ").find(r)?;
        let why = &r[colon + 2..];
        let (text, enhanced, cause): (&'static [u8], &'static [u8], _) =
            if why.starts_with(b"too many connections") {
                (
                    b"421 4.7.0 Error: too many connections",
                    b"4.7.0",
                    Cause::ConnectionLimit,
                )
            } else if why.starts_with(b"all server ports busy")
                || why.starts_with(b"all screening ports busy")
            {
                (
                    b"421 4.3.2 All server ports are busy",
                    b"4.3.2",
                    Cause::Capacity,
                )
            } else {
                return explicit_reject(body);
            };
        let reply = implied(text, Some(enhanced), Stage::Connect);
        return Some(Inbound {
            client: &r[..colon],
            reply,
            cause: Some(cause),
        });
    }
    explicit_reject(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Parsed;
    use crate::parse::syslog::parse_line;

    fn record(line: &str) -> Record<'_> {
        match parse_line(line.as_bytes()) {
            Parsed::Entry { record, .. } => record,
            other => panic!("not an entry: {other:?}"),
        }
    }

    fn delivery(line: &str) -> Delivery<'_> {
        match record(line) {
            Record::Delivery(d) => d,
            other => panic!("not a delivery: {other:?}"),
        }
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
        assert_eq!(d.host, Some(&b"mx.example.fr"[..]));
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
        for (line, cause, client) in [
            (
                "Nov 22 10:00:01 mx1 postfix/smtpd[1]: timeout after END-OF-MESSAGE from localhost[127.0.0.1]",
                Some(Cause::Timeout),
                "localhost[127.0.0.1]",
            ),
            (
                "Nov 22 10:00:01 mx1 postfix/smtpd[1]: too many errors after RCPT from h.example[192.0.2.11]",
                Some(Cause::AuthPolicy),
                "h.example[192.0.2.11]",
            ),
            (
                "Nov 22 10:00:01 mx1 postfix/submission/smtpd[1]: warning: Connection concurrency limit exceeded: 51 from unknown[192.0.2.3] for service submission",
                Some(Cause::ConnectionLimit),
                "unknown[192.0.2.3]",
            ),
            (
                "Nov 22 10:00:01 mx1 postfix/smtpd[1]: warning: Connection rate limit exceeded: 31 from h[192.0.2.3] for service smtp",
                Some(Cause::RateLimit),
                "h[192.0.2.3]",
            ),
            (
                "Nov 22 10:00:01 mx1 postfix/smtpd[1]: NOQUEUE: reject: RCPT from h[192.0.2.3]: 421 4.7.0 go away; from=<a@b>",
                None,
                "h[192.0.2.3]",
            ),
            (
                "Nov 22 10:00:01 mx1 postfix/postscreen[1]: COMMAND TIME LIMIT from [192.0.2.77]:3608 after CONNECT",
                Some(Cause::Timeout),
                "[192.0.2.77]:3608",
            ),
            (
                "Nov 22 10:00:01 mx1 postfix/postscreen[1]: COMMAND COUNT LIMIT from [192.0.2.26]:1559 after RCPT",
                Some(Cause::RateLimit),
                "[192.0.2.26]:1559",
            ),
            (
                "Nov 22 10:00:01 mx1 postfix/postscreen[1]: NOQUEUE: reject: CONNECT from [192.0.2.2]:5: too many connections",
                Some(Cause::ConnectionLimit),
                "[192.0.2.2]:5",
            ),
            (
                "Nov 22 10:00:01 mx1 postfix/postscreen[1]: NOQUEUE: reject: CONNECT from [192.0.2.2]:5: all screening ports busy",
                Some(Cause::Capacity),
                "[192.0.2.2]:5",
            ),
        ] {
            let Record::Inbound(i) = record(line) else {
                panic!("{line}")
            };
            assert_eq!((i.cause, i.client), (cause, client.as_bytes()), "{line}");
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
}

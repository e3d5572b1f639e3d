//! Postfix messages (the part after `program[pid]: `).
//!
//! * Delivery lines: `QID: to=<rcpt>, [orig_to=<..>,] relay=..., status=WORD (reason)`.
//! * Session lines without `to=`: `QID: host H[ip] said: 421 ...`.
//! * smtpd and postscreen lines whose reply Postfix's source fixes at 421
//!   (`timeout after`, `too many errors after`, connection limits, `COMMAND
//!   TIME LIMIT`, ...) and `reject: ...: 421` lines.

use super::reply::{Stage, host_ip, reply_at, split_in_reply_to};
use super::{Condition, Delivery, HostReply, Inbound, Outcome, Record, Remote, Reply};

const SAID: &[u8] = b" said: ";
const REFUSED: &[u8] = b" refused to talk to me: ";
const SUSPENDED: &[u8] = b"delivery temporarily suspended: ";

/// A queue id (`4217E3011B47`, long `4JgyGN3kgGzMCn`) followed by `: `,
/// or `NOQUEUE: `. Returns the id and the rest.
fn queue_id(msg: &[u8]) -> (&[u8], &[u8]) {
    // One pass over the letters and digits: their count, whether all are
    // upper-case hex, whether any is a digit. A run longer than 20 is no id.
    const DIGIT: u8 = 1;
    const HEX: u8 = 2;
    const OTHER: u8 = 4;
    static CLASS: [u8; 256] = {
        let mut t = [0u8; 256];
        let mut b = 0;
        while b < 256 {
            let c = b as u8;
            t[b] = if c.is_ascii_digit() {
                DIGIT
            } else if matches!(c, b'A'..=b'F') {
                HEX
            } else if c.is_ascii_alphabetic() {
                OTHER
            } else {
                0
            };
            b += 1;
        }
        t
    };
    let (mut n, mut seen) = (0, 0u8);
    while n < msg.len() && n <= 20 {
        let c = CLASS[usize::from(msg[n])];
        if c == 0 {
            break;
        }
        seen |= c;
        n += 1;
    }
    let (hex_upper, digit) = (seen & OTHER == 0, seen & DIGIT != 0);
    if (5..=20).contains(&n) && msg[n..].starts_with(b": ") {
        let id = &msg[..n];
        // Short ids are upper-case hex and may be all letters (`FBCBECAEDF`);
        // long ids mix cases and digits.
        let long = n >= 10 && digit;
        if hex_upper || long || id == b"NOQUEUE" {
            return (id, &msg[n + 2..]);
        }
    }
    (b"", msg)
}

/// The service: the last `/` component of the program (`postfix/submission/smtpd` → `smtpd`).
fn service(program: &[u8]) -> &[u8] {
    // Programs are short: a plain scan beats a call to memrchr.
    match program.iter().rposition(|b| *b == b'/') {
        Some(p) => &program[p + 1..],
        None => program,
    }
}

/// The record of a Postfix (or other daemon's) syslog message; `None` when a
/// line that should be a delivery line is cut short.
// Inlined into `syslog::entry` (its one hot caller), the record is built
// where the entry wants it instead of being copied out (2.3M instructions
// less on a 50 MB log).
#[inline(always)]
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
    use super::bytes::find_any;
    let rest = &body[3..];
    let rcpt = match rest.strip_prefix(b"<") {
        Some(r) => &r[..find_any(r, [b'>'])?],
        None => &rest[..find_any(rest, [b','])?],
    };
    // `, relay=` comes right after the recipient unless an `orig_to=`
    // does: it is the first one when no comma comes before it.
    let after = 3 + usize::from(rest.starts_with(b"<")) * 2 + rcpt.len();
    let relay =
        if body[after..].starts_with(b", relay=") && find_any(&body[..after], [b',']).is_none() {
            Some(after)
        } else {
            super::finder!(b", relay=").find(body)
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
    if let Some(p) = relay
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
        remote: Remote::Known { host, ip },
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
        condition: None,
    })
}

fn smtpd(body: &[u8]) -> Option<Inbound<'_>> {
    if let Some(r) = body.strip_prefix(b"timeout ") {
        let (stage, client) = after_from(r)?;
        let reply = implied(b"421 4.4.2 Error: timeout exceeded", Some(b"4.4.2"), stage);
        return Some(Inbound {
            client,
            reply,
            condition: Some(Condition::CommandTimeout),
        });
    }
    if let Some(r) = body.strip_prefix(b"too many errors ") {
        let (stage, client) = after_from(r)?;
        let reply = implied(b"421 4.7.0 Error: too many errors", Some(b"4.7.0"), stage);
        return Some(Inbound {
            client,
            reply,
            condition: Some(Condition::TooManyErrors),
        });
    }
    if let Some(w) = body.strip_prefix(b"warning: ") {
        let (cause, text): (_, &'static [u8]) =
            if w.starts_with(b"Connection concurrency limit exceeded: ") {
                (
                    Condition::TooManyConnections,
                    b"421 4.7.0 Error: too many connections",
                )
            } else if w.starts_with(b"Connection rate limit exceeded: ") {
                (
                    Condition::ConnectionRate,
                    b"421 4.7.0 Error: too many connections",
                )
            } else if w.starts_with(b"New TLS session rate limit exceeded: ") {
                (
                    Condition::TlsSessionRate,
                    b"421 4.7.0 Error: too many new TLS sessions",
                )
            } else {
                return None;
            };
        let reply = implied(text, Some(b"4.7.0"), Stage::Connect);
        return Some(Inbound {
            client: limit_client(w)?,
            reply,
            condition: Some(cause),
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
            Condition::CommandTimeout,
        ),
        (
            b"COMMAND COUNT LIMIT from ",
            b"421 Service unavailable - try again later",
            None,
            Condition::CommandCount,
        ),
        (
            b"COMMAND LENGTH LIMIT from ",
            b"421 Service unavailable - try again later",
            None,
            Condition::CommandLength,
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
                condition: Some(cause),
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
                    Condition::TooManyConnections,
                )
            } else if why.starts_with(b"all server ports busy")
                || why.starts_with(b"all screening ports busy")
            {
                (
                    b"421 4.3.2 All server ports are busy",
                    b"4.3.2",
                    Condition::PortsBusy,
                )
            } else {
                return explicit_reject(body);
            };
        let reply = implied(text, Some(enhanced), Stage::Connect);
        return Some(Inbound {
            client: &r[..colon],
            reply,
            condition: Some(cause),
        });
    }
    explicit_reject(body)
}

#[cfg(test)]
mod tests;

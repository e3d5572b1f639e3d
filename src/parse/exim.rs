//! Exim mainlog lines: `STAMP [+zone] [[pid]] [ID] BODY`.
//!
//! Line kinds come from fixed bytes: the two-byte flag after the message id
//! (`<=` `=>` `->` `>>` `*>` `==` `**`), `SMTP error from remote mail server
//! after` for host-level replies, and a handful of fixed phrases for the 421s
//! Exim's own SMTP server sends (`SMTP command timeout on ...`).

use memchr::memmem;
use nom::bytes::complete::{tag, take_while1};
use nom::combinator::opt;
use nom::sequence::delimited;
use nom::{IResult, Parser};

use super::reply::{Stage, host_ip, reply_at, strip_prefix_ci};
use super::time::exim_stamp;
use super::{Condition, Delivery, HostReply, Inbound, Outcome, Parsed, Record, Remote, Reply};
use crate::parse::Mta;

const SMTP_ERROR: &[u8] = b"SMTP error from remote mail server after ";
const EHLO_RESPONSE: &[u8] = b"(EHLO response was: ";

/// Parses one physical line of an Exim mainlog.
pub fn parse_line(line: &[u8]) -> Parsed<'_> {
    let line = super::trim_cr(line);
    match exim_stamp(line) {
        Ok((rest, stamp)) => stamped(rest, stamp),
        Err(_) => unstamped(line),
    }
}

/// A line with no stamp. Exim writes some entries with raw newlines:
/// indented text, or the later lines of a multi-line SMTP reply
/// (`421 4.7.0 ...`).
pub(super) fn unstamped(line: &[u8]) -> Parsed<'_> {
    if line.first().is_some_and(|b| *b == b' ' || *b == b'\t')
        || super::reply::code_at(line).is_some()
    {
        Parsed::Continuation
    } else {
        Parsed::Unparsed
    }
}

/// A line whose stamp was read: `rest` starts right after it.
#[inline(always)]
pub(super) fn stamped(rest: &[u8], stamp: super::Stamp) -> Parsed<'_> {
    let Some(body) = rest.strip_prefix(b" ") else {
        return Parsed::Unparsed;
    };
    let body = skip_pid(body);
    Parsed::Entry {
        stamp,
        mta: Mta::Exim,
        record: body_record(body),
    }
}

type Res<'a, T> = IResult<&'a [u8], T>;

/// `[12345] ` (the `+pid` selector).
fn skip_pid(body: &[u8]) -> &[u8] {
    if body.first() != Some(&b'[') {
        return body;
    }
    let mut pid = delimited(
        tag::<_, _, nom::error::Error<&[u8]>>("["),
        take_while1(|b: u8| b.is_ascii_digit()),
        tag("] "),
    );
    match pid.parse(body) {
        Ok((rest, _)) => rest,
        Err(_) => body,
    }
}

fn is_b62(b: &[u8]) -> bool {
    super::bytes::all_alnum(b)
}

/// A message id (`1tA2b3-000AbC-1x` or Exim 4.97's `1tA2b3-00000000AbC-1xyz`)
/// and the space after it: fixed shapes, checked by position.
fn message_id(i: &[u8]) -> Res<'_, &[u8]> {
    let fail = || {
        Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Verify,
        )))
    };
    // Part lengths: 6-6-2 (classic) or 6-11-4 (Exim 4.97+).
    let (mid, tail) = if i.len() > 16 && i[6] == b'-' && i[13] == b'-' && i[16] == b' ' {
        (6, 2)
    } else if i.len() > 23 && i[6] == b'-' && i[18] == b'-' && i[23] == b' ' {
        (11, 4)
    } else {
        return fail();
    };
    let len = 6 + 1 + mid + 1 + tail;
    let id = &i[..len];
    let b62 = if mid == 6 {
        // The classic 16 bytes as two words, all but the dashes (6, 13).
        super::bytes::alnum_where(id, [0x8000_8080_8080_8080, 0x8080_0080_8080_8080])
    } else {
        is_b62(&id[..6]) && is_b62(&id[7..7 + mid]) && is_b62(&id[len - tail..])
    };
    if !b62 {
        return fail();
    }
    Ok((&i[len + 1..], id))
}

/// The record of an Exim log body (what follows stamp and pid). Also used
/// for Exim lines that arrive through syslog.
pub fn body_record(body: &[u8]) -> Record<'_> {
    let (rest, id) = match opt(message_id).parse(body) {
        Ok((rest, id)) => (rest, id.unwrap_or(b"")),
        Err(_) => (body, &b""[..]),
    };
    if !id.is_empty()
        && rest.len() >= 3
        && rest[2] == b' '
        && let Some(record) = flagged(id, &rest[..2], &rest[3..])
    {
        return record;
    }
    if !id.is_empty() && rest == b"Completed" {
        return Record::Ended(id);
    }
    // Host-level replies and ACL defers both need a `421` on the line:
    // one search decides whether either is worth reading.
    let has_421 = super::finder!(b"421").find(rest).is_some();
    if has_421 && let Some(record) = host_level(id, rest) {
        return record;
    }
    if let Some(inbound) = inbound(rest, has_421) {
        return Record::Inbound(inbound);
    }
    Record::Other
}

/// Lines with a flag after the id.
///
/// Flags: `=>` delivered, `->` delivered to an extra address of the same
/// message, `>>` cutthrough delivery (made during reception: a real try),
/// `==` deferred, `**` failed, and `*>` "delivery suppressed by -N" (Exim's
/// debugging option: logged as delivered, nothing sent, so not tried).
fn flagged<'a>(id: &'a [u8], flag: &[u8], rest: &'a [u8]) -> Option<Record<'a>> {
    let (outcome, mut tried) = match flag {
        b"<=" | b"(=" => return Some(Record::Arrival(id)),
        b"=>" | b"->" | b">>" => (Outcome::Delivered, true),
        b"*>" => (Outcome::Delivered, false),
        b"==" => (Outcome::Deferred, true),
        b"**" => (Outcome::Bounced, true),
        _ => return None,
    };
    if outcome != Outcome::Delivered && is_untried(rest) {
        tried = false;
    }
    let rcpt = recipient(rest);
    if outcome == Outcome::Delivered {
        return Some(Record::Delivery(Delivery {
            id,
            outcome,
            rcpt,
            remote: Remote::EximFields(rest),
            reply: None,
            tried,
        }));
    }
    let (mut host, mut ip) = host_field(rest);
    let mut reply = None;
    if outcome == Outcome::Deferred
        && super::finder!(b"421").find(rest).is_some()
        && let Some((r, h)) = remote_reply(rest)
        && r.code == 421
    {
        reply = Some(r);
        if let Some((h, i)) = h {
            (host, ip) = (Some(h), Some(i));
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

/// The ` H=host [ip]` field of a delivery line's fields.
pub(super) fn host_field(rest: &[u8]) -> (Option<&[u8]>, Option<&[u8]>) {
    let at = super::finder!(b" H=").find(rest);
    match at.and_then(|p| host_ip(&rest[p + 3..])) {
        Some((h, i, _)) => (Some(h), Some(i)),
        None => (None, None),
    }
}

/// Whether a `==` or `**` line's reason says Exim tried nothing: the
/// messages Exim's `deliver.c` and `transports/smtp.c` (4.96) set when retry
/// data or a queue setting keeps it from trying. Their errno numbers differ
/// between Exim versions (4.96: -51 routing, -52 local, -53 every host,
/// -54 local-only; 4.98 renumbered them), so the text decides:
///
/// - `retry time not reached` (routing; and `... for any host`, with or
///   without ` after a long failure period`, for the smtp transport),
/// - `Retry time not yet reached` (local delivery),
/// - `all hosts have been failing for a long time and were last tried
///   after this message arrived` and 4.96's `all hosts for 'D' have been
///   failing for a long time (and retry time not reached)` (smtp, past the
///   retry cutoff),
/// - `remote deliveries suppressed` (`-odqr`/`queue_run_local`),
/// - `retry timeout exceeded` (the `**` give-up after the last try's `==`).
///
/// The reason follows `defer (ERRNO): ` (deferrals) or `: ` (failures).
fn is_untried(rest: &[u8]) -> bool {
    const PHRASES: [&[u8]; 5] = [
        b"retry time not reached",
        b"retry time not yet reached",
        b"all hosts have been failing for a long time",
        b"remote deliveries suppressed",
        // `** addr: retry timeout exceeded`: the give-up Exim writes right
        // after the `==` line of the last real try (the same try).
        b"retry timeout exceeded",
    ];
    // Cheap gate: every phrase holds one of these.
    let Some(p) = super::finder!(b"ime not ")
        .find(rest)
        .or_else(|| super::finder!(b" for a long time").find(rest))
        .or_else(|| super::finder!(b"deliveries suppressed").find(rest))
        .or_else(|| super::finder!(b"retry timeout exceeded").find(rest))
    else {
        return false;
    };
    // The reason starts after the last `: ` before the hit.
    let Some(colon) = memmem::rfind(&rest[..p], b": ") else {
        return false;
    };
    let reason = &rest[colon + 2..];
    let starts =
        |ph: &[u8]| reason.len() >= ph.len() && reason[..ph.len()].eq_ignore_ascii_case(ph);
    // Exim 4.96 names the domain: `all hosts for 'D' have been failing for
    // a long time (and retry time not reached)`.
    PHRASES.iter().any(|ph| starts(ph))
        || (starts(b"all hosts for '")
            && super::finder!(b"' have been failing for a long time")
                .find(reason)
                .is_some())
}

/// The delivered-to address: the first field, or the `<original>` after a
/// bare local part (`=> user <user@example.com>`).
fn recipient(rest: &[u8]) -> &[u8] {
    use super::bytes::find_any;
    // Addresses are short: word-at-a-time scans beat calls to memchr.
    let end = find_any(rest, [b' ']).unwrap_or(rest.len());
    let first = &rest[..end];
    let first = first.strip_suffix(b":").unwrap_or(first);
    if find_any(first, [b'@']).is_some() {
        return first
            .strip_prefix(b"<")
            .map_or(first, |f| f.strip_suffix(b">").unwrap_or(f));
    }
    let after = &rest[end..];
    if let Some(orig) = after.strip_prefix(b" <")
        && let Some(close) = memchr::memchr(b'>', orig)
        && orig[..close].contains(&b'@')
    {
        return &orig[..close];
    }
    first
}

/// The remote reply on a line: `SMTP error from remote mail server after
/// CMD: [host H [ip]: ]REPLY`, or Exim 4.96's `(EHLO response was: REPLY)`.
/// Also returns the host when the text names it.
#[allow(clippy::type_complexity)]
fn remote_reply(rest: &[u8]) -> Option<(Reply<'_>, Option<(&[u8], &[u8])>)> {
    if let Some(p) = super::finder!(SMTP_ERROR).find(rest) {
        let after = &rest[p + SMTP_ERROR.len()..];
        let (cmd, tail) = split_command(after)?;
        let stage = Stage::from_command(cmd);
        if let Some(h) = tail.strip_prefix(b"host ")
            && let Some((host, ip, r)) = host_ip(h)
        {
            let r = r.strip_prefix(b":").unwrap_or(r);
            let r = r.trim_ascii_start();
            return reply_at(r, stage).map(|reply| (reply, Some((host, ip))));
        }
        return reply_at(tail, stage).map(|reply| (reply, None));
    }
    if let Some(p) = super::finder!(EHLO_RESPONSE).find(rest) {
        let r = &rest[p + EHLO_RESPONSE.len()..];
        let r = r.strip_suffix(b")").unwrap_or(r);
        return reply_at(r, Stage::Ehlo).map(|reply| (reply, None));
    }
    None
}

/// Splits `MAIL FROM:<a@b> SIZE=12: rest` into the command and the rest.
/// Addresses in `<...>` may hold `:`.
fn split_command(s: &[u8]) -> Option<(&[u8], &[u8])> {
    let from = match memchr::memchr(b'<', s) {
        Some(lt) if memchr::memchr(b':', &s[..lt]).is_none_or(|c| c + 1 == lt) => {
            lt + memchr::memchr(b'>', &s[lt..])?
        }
        _ => 0,
    };
    let colon = from + super::finder!(b": ").find(&s[from..])?;
    Some((&s[..colon], &s[colon + 2..]))
}

/// A host-level line: `H=host [ip]: SMTP error ...: 421 ...` or the older
/// `SMTP error from remote mail server after ...: host H [ip]: 421 ...`.
/// The caller has found a `421` in `rest`.
fn host_level<'a>(id: &'a [u8], rest: &'a [u8]) -> Option<Record<'a>> {
    let (reply, named) = remote_reply(rest)?;
    if reply.code != 421 {
        return None;
    }
    let (mut host, mut ip) = (None, None);
    if let Some((h, i)) = named {
        (host, ip) = (Some(h), Some(i));
    } else if let Some(h) = rest.strip_prefix(b"H=")
        && let Some((h, i, _)) = host_ip(h)
    {
        (host, ip) = (Some(h), Some(i));
    }
    Some(Record::HostReply(HostReply {
        id,
        host,
        ip,
        reply,
    }))
}

fn implied(text: &'static [u8], stage: Stage) -> Reply<'static> {
    Reply {
        code: 421,
        enhanced: None,
        text,
        stage,
    }
}

/// The client named after `from ` up to the next ` D=`/` F=`/`: `/end.
fn client_after_from(s: &[u8]) -> &[u8] {
    let end = [&b" D="[..], b" F=", b" refused", b": "]
        .iter()
        .filter_map(|m| memmem::find(s, m))
        .min()
        .unwrap_or(s.len());
    &s[..end]
}

/// The 421s Exim's own SMTP server sends (fixed by `smtp_in.c`, `receive.c`
/// and `daemon.c`); none prints the code on the line, but an ACL defer
/// does (`has_421`: whether `rest` holds a `421` at all).
fn inbound(rest: &[u8], has_421: bool) -> Option<Inbound<'_>> {
    const CMD_TIMEOUT: &[u8] = b"SMTP command timeout on ";
    const DATA_TIMEOUT: &[u8] = b"SMTP data timeout (message abandoned) on ";
    // The fixed prefixes below, told apart by their first byte before any
    // longer comparison.
    let first = rest.first().copied().unwrap_or(0);
    if matches!(rest.get(..8), Some(b"SMTP com" | b"SMTP dat"))
        && let Some(r) = rest
            .strip_prefix(CMD_TIMEOUT)
            .or_else(|| rest.strip_prefix(DATA_TIMEOUT))
    {
        let data = rest.starts_with(DATA_TIMEOUT);
        let r = r.strip_prefix(b"TLS ").unwrap_or(r);
        let client = r.strip_prefix(b"connection from ")?;
        let reply = if data {
            implied(
                b"421 SMTP incoming data timeout - closing connection",
                Stage::Data,
            )
        } else {
            implied(
                b"421 SMTP command timeout - closing connection",
                Stage::Unknown,
            )
        };
        return Some(Inbound {
            client: client_after_from(client),
            reply,
            condition: Some(if data {
                Condition::DataTimeout
            } else {
                Condition::CommandTimeout
            }),
        });
    }
    if first == b'C'
        && let Some(r) = rest.strip_prefix(b"Connection from ")
    {
        let p = super::finder!(b" refused: ").find(r)?;
        let why = &r[p + 10..];
        let (text, cause): (&'static [u8], _) = if why.starts_with(b"too many connections") {
            (
                b"421 Too many concurrent SMTP connections; please try again later",
                Condition::TooManyConnections,
            )
        } else if why.starts_with(b"load average") {
            (
                b"421 Too much load; please try again later",
                Condition::LoadAverage,
            )
        } else {
            return None;
        };
        return Some(Inbound {
            client: &r[..p],
            reply: implied(text, Stage::Connect),
            condition: Some(cause),
        });
    }
    if first == b't'
        && let Some(r) = rest.strip_prefix(b"temporarily refused connection from ")
    {
        let p = super::finder!(b": not in reserve list").find(r)?;
        let reply = implied(
            b"421 Too many concurrent SMTP connections; please try again later",
            Stage::Connect,
        );
        return Some(Inbound {
            client: &r[..p],
            reply,
            condition: Some(Condition::NotInReserveList),
        });
    }
    if has_421 && let Some(i) = acl_defer(rest) {
        return Some(i);
    }
    if rest.last() == Some(&b'n') && rest.ends_with(b": too many messages in one connection") {
        let p = super::finder!(b"rejected MAIL command").find(rest)?;
        let client = if p > 0 {
            rest[..p].trim_ascii_end()
        } else {
            let r = strip_prefix_ci(rest, b"rejected MAIL command ")?;
            &r[..memchr::memchr(b':', r).unwrap_or(r.len())]
        };
        let reply = implied(b"421 too many messages in this connection", Stage::Mail);
        return Some(Inbound {
            client,
            reply,
            condition: Some(Condition::MessagesPerConnection),
        });
    }
    None
}

/// An ACL `defer` whose message sets a 421 (`smtp_in.c`
/// `smtp_handle_acl_fail`): `H=host [ip] [F=<sender>] temporarily rejected
/// WHAT: 421 ...`, WHAT being `RCPT <x@y>`, `MAIL <x@y>`, `DATA`, `after
/// DATA`, `after DATA PRDR`, `during MIME ACL checks`, `connection in
/// "connect" ACL`, `EHLO or HELO name`, `STARTTLS`, `AUTH method`... Exim
/// logs the configured message with its code, so the reply is on the line;
/// only a reply that starts with 421 counts (a `451` or a 421 inside an
/// address is not one).
fn acl_defer(rest: &[u8]) -> Option<Inbound<'_>> {
    const MARK: &[u8] = b"temporarily rejected ";
    let p = super::finder!(MARK).find(rest)?;
    if p > 0 && rest[p - 1] != b' ' {
        return None;
    }
    let (what, reply) = split_command(&rest[p + MARK.len()..])?;
    let stage = acl_stage(what);
    let reply = reply_at(reply, stage).filter(|r| r.code == 421)?;
    let head = rest[..p].trim_ascii_end();
    let head = head.strip_prefix(b"DS ").unwrap_or(head);
    let client = head.strip_prefix(b"H=").unwrap_or(head);
    let end = [&b" F=<"[..], b" X=", b" U=", b" A="]
        .iter()
        .filter_map(|m| memmem::find(client, m))
        .min()
        .unwrap_or(client.len());
    Some(Inbound {
        client: &client[..end],
        reply,
        condition: None,
    })
}

/// The SMTP stage of an ACL failure's WHAT.
fn acl_stage(what: &[u8]) -> Stage {
    let starts = |p: &[u8]| what.starts_with(p);
    if starts(b"connection") {
        Stage::Connect
    } else if starts(b"after DATA") || starts(b"during MIME") {
        Stage::Data
    } else {
        Stage::from_command(what)
    }
}

#[cfg(test)]
mod tests;

//! Syslog lines: `STAMP HOST PROGRAM[PID]: MESSAGE`, with a classic
//! (`Nov 22 10:00:01`, with fractional seconds or a year after the time), RFC
//! 3339 or `journalctl -o short-full`/`short-unix` stamp; and RFC 5424 lines
//! (`<22>1 STAMP HOST APP PROCID MSGID SD MSG`) as syslog-ng and rsyslog store
//! remote messages. The program decides the body parser: Exim's when it is
//! `exim`/`exim4`, Postfix's otherwise. `journalctl -o with-unit` names the
//! unit (`postfix@-.service`) instead of the program; the Postfix service is
//! then told by the message itself.

use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_till1};

use super::time::{rfc3339_stamp, syslog_stamp, unix_stamp, weekday_stamp};
use super::{Mta, Parsed, Stamp};

/// The parts of a syslog line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'a> {
    pub stamp: Stamp,
    pub host: &'a [u8],
    pub program: &'a [u8],
    pub message: &'a [u8],
}

/// Cuts a syslog line into its header fields and message.
pub fn header(line: &[u8]) -> Option<Header<'_>> {
    let line = super::trim_cr(line);
    if line.first() == Some(&b'<') {
        return rfc5424(line);
    }
    classic_fast(line).or_else(|| general(line))
}

/// [`header`] by the nom parsers, for every stamp form.
fn general(line: &[u8]) -> Option<Header<'_>> {
    let (i, stamp) = alt((rfc3339_stamp, syslog_stamp, weekday_stamp, unix_stamp))
        .parse(line)
        .ok()?;
    let (i, _) = tag::<_, _, nom::error::Error<&[u8]>>(" ").parse(i).ok()?;
    let (i, host) = take_till1::<_, _, nom::error::Error<&[u8]>>(|b| b == b' ')
        .parse(i)
        .ok()?;
    let (i, _) = tag::<_, _, nom::error::Error<&[u8]>>(" ").parse(i).ok()?;
    let (program, message) = program_message(i)?;
    Some(Header {
        stamp,
        host,
        program,
        message,
    })
}

/// `PROGRAM[PID]: MESSAGE` (or `PROGRAM: MESSAGE`): what follows the host,
/// and what a container prints when the daemon logs to stdout with no stamp.
/// Byte by byte (this runs on every syslog line).
#[inline(always)]
pub fn program_message(i: &[u8]) -> Option<(&[u8], &[u8])> {
    // Most programs are Postfix's, whose prefix holds no stop byte.
    let n = match i.strip_prefix(b"postfix/") {
        Some(rest) => 8 + super::bytes::program_end(rest)?,
        None => super::bytes::program_end(i)?,
    };
    if n == 0 {
        return None;
    }
    let program = &i[..n];
    let mut rest = &i[n..];
    if rest[0] == b'[' {
        let digits = super::bytes::digit_run(&rest[1..]);
        if digits > 0 && rest.get(1 + digits) == Some(&b']') {
            rest = &rest[2 + digits..];
        }
    }
    let message = rest.strip_prefix(b":")?;
    let message = message.strip_prefix(b" ").unwrap_or(message);
    Some((program, message))
}

/// The common classic header, `Mmm dd HH:MM:SS host program[pid]: `, read
/// at fixed positions; `None` hands the line to the general parsers (which
/// give the same answer on every line this accepts).
fn classic_fast(line: &[u8]) -> Option<Header<'_>> {
    if line.len() < 18 || line[3] != b' ' || line[6] != b' ' || line[15] != b' ' {
        return None;
    }
    let stamp = super::time::classic_fixed(&line[..15])?;
    classic_after_stamp(line, stamp)
}

/// The rest of [`classic_fast`] once the 15-byte stamp of `line` is read
/// (and `line` is at least 18 bytes long, with a space after the stamp).
pub(super) fn classic_after_stamp(line: &[u8], stamp: Stamp) -> Option<Header<'_>> {
    let (host, program, message) = classic_fields(line)?;
    Some(Header {
        stamp,
        host,
        program,
        message,
    })
}

/// Host, program and message of [`classic_after_stamp`]'s `line` (the
/// stamp stays with the caller: fewer bytes to hand back on every line).
#[allow(clippy::type_complexity)]
#[inline(always)]
pub(super) fn classic_fields(line: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let i = &line[16..];
    // ` YYYY ` after the time may be a year: the general parser decides.
    if i.len() > 4 && i[4] == b' ' && i[..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    // Host names are short: a word-at-a-time scan beats a call to memchr.
    let sp = super::bytes::find_any(i, [b' '])?;
    if sp == 0 {
        return None;
    }
    let (program, message) = program_message(&i[sp + 1..])?;
    Some((&i[..sp], program, message))
}

/// RFC 5424: `<PRI>1 STAMP HOST APP PROCID MSGID SD [MSG]`. The structured
/// data (`-` or `[...]` elements) is skipped; a UTF-8 BOM before the message
/// is dropped. A `-` (nil) stamp makes no line worth counting.
fn rfc5424(line: &[u8]) -> Option<Header<'_>> {
    let gt = memchr::memchr(b'>', &line[..line.len().min(5)])?;
    if gt < 2 || !line[1..gt].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let i = &line[gt + 1..];
    let v = i.iter().take(2).take_while(|b| b.is_ascii_digit()).count();
    if v == 0 || i.get(v) != Some(&b' ') {
        return None;
    }
    let (i, stamp) = rfc3339_stamp(&i[v + 1..]).ok()?;
    let mut fields = [&b""[..]; 4];
    let mut i = i.strip_prefix(b" ")?;
    for f in &mut fields {
        let n = memchr::memchr(b' ', i)?;
        *f = &i[..n];
        i = &i[n + 1..];
    }
    let [host, program, _procid, _msgid] = fields;
    // Structured data: `-`, or `[id k="v" ...]` elements, `]` escaped as `\]`.
    let message = if let Some(rest) = i.strip_prefix(b"-") {
        rest
    } else {
        let mut at = 0;
        while i.get(at) == Some(&b'[') {
            let mut j = at + 1;
            loop {
                match i.get(j)? {
                    b'\\' => j += 2,
                    b']' => break,
                    _ => j += 1,
                }
            }
            at = j + 1;
        }
        if at == 0 {
            return None;
        }
        &i[at..]
    };
    let message = message.strip_prefix(b" ").unwrap_or(message);
    let message = message.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(message);
    Some(Header {
        stamp,
        host,
        program,
        message,
    })
}

/// The program a `journalctl -o with-unit` line's unit stands for: `exim`
/// for Exim's units; for Postfix's, the service that writes what the message
/// says (the service decides how the Postfix parser reads it).
fn program_of_unit<'a>(unit: &'a [u8], message: &[u8]) -> &'a [u8] {
    let Some(name) = unit.strip_suffix(b".service") else {
        return unit;
    };
    if name == b"exim4" || name == b"exim" {
        return b"exim";
    }
    // `postfix.service`, `postfix@-.service`, `postfix@mx2.service`; any
    // other unit keeps its name (it is no Postfix service).
    if !name.starts_with(b"postfix") {
        return unit;
    }
    if super::finder!(b": message-id=").find(message).is_some() {
        b"cleanup"
    } else if message.ends_with(b": removed")
        || super::finder!(b", status=expired").find(message).is_some()
    {
        b"qmgr"
    } else {
        b"smtpd"
    }
}

/// The record of a message whose stamp and program are known.
// Inlined (with `classic_fields` and `program_message`) into the cached
// parser, which calls them for every line: the slices and the record are
// then built where they are used, not copied out of calls.
#[inline(always)]
pub(super) fn entry<'a>(stamp: Stamp, program: &[u8], message: &'a [u8]) -> Parsed<'a> {
    let unit = program.ends_with(b".service");
    let program = program_of_unit(program, message);
    if program == b"exim" || program == b"exim4" {
        return Parsed::Entry {
            stamp,
            mta: Mta::Exim,
            record: super::exim::body_record(message),
        };
    }
    let record = match super::postfix::message_record(program, message) {
        // An unnamed Postfix service: postscreen's lines, if not smtpd's.
        Some(super::Record::Other) if unit && program == b"smtpd" => {
            super::postfix::message_record(b"postscreen", message)
        }
        r => r,
    };
    match record {
        Some(record) => Parsed::Entry {
            stamp,
            mta: Mta::Postfix,
            record,
        },
        None => Parsed::Unparsed,
    }
}

/// A bare `PROGRAM[PID]: MESSAGE` line stamped by what wraps it (a container
/// log's own stamp).
pub fn parse_bare(stamp: Stamp, line: &[u8]) -> Parsed<'_> {
    match program_message(super::trim_cr(line)) {
        Some((program, message)) => entry(stamp, program, message),
        None => Parsed::Unparsed,
    }
}

/// Parses one physical line of a syslog mail log.
pub fn parse_line(line: &[u8]) -> Parsed<'_> {
    match header(line) {
        Some(h) => entry(h.stamp, h.program, h.message),
        None => Parsed::Unparsed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_and_rfc3339_headers() {
        let h =
            header(b"Nov  2 10:00:01 mx1 postfix/submission/smtpd[42]: connect from x").unwrap();
        assert_eq!(
            (h.host, h.program, h.message),
            (
                &b"mx1"[..],
                &b"postfix/submission/smtpd"[..],
                &b"connect from x"[..]
            )
        );
        let h = header(b"2026-11-22T10:00:01.123456+01:00 mx1 postfix-170.55.103.23/smtp[9]: x")
            .unwrap();
        assert_eq!(h.program, b"postfix-170.55.103.23/smtp");
        assert_eq!(h.stamp.offset, Some(3600));
        let h = header(b"Nov 22 10:00:01 mx1 dovecot: imap-login: Login").unwrap();
        assert_eq!(h.program, b"dovecot");
    }

    /// The fixed-position reader gives what the nom parsers give, on every
    /// line it accepts, and accepts the common lines.
    #[test]
    fn classic_fast_path_agrees_with_the_general_parsers() {
        let lines: [&[u8]; 14] = [
            b"Nov  2 10:00:01 mx1 postfix/submission/smtpd[42]: connect from x",
            b"Nov 22 10:00:01 mx1 postfix/smtp[9]: A1B2C3: to=<a@b.test>, status=sent (ok)",
            b"Dec 31 23:59:60 mx1 dovecot: imap-login: Login",
            b"Nov 02 10:00:01 mx1 postfix/qmgr[2]: A1: removed",
            b"Nov 22 10:00:01 mx1 postfix[]: x",
            b"Nov 22 10:00:01 mx1 postfix[12: x",
            b"Nov 22 10:00:01 mx1 postfix x",
            b"Nov 22 10:00:01 mx1  postfix: x",
            b"Nov 22 10:00:01 2016 mx1 postfix/smtp[1]: y",
            b"Nov 22 10:00:01 2016: y",
            b"Nov  0 10:00:01 mx1 postfix: x",
            b"Nov 32 10:00:01 mx1 postfix: x",
            b"Nov 22 24:00:01 mx1 postfix: x",
            b"Nox 22 10:00:01 mx1 postfix: x",
        ];
        let mut accepted = 0;
        for l in lines {
            if let Some(h) = classic_fast(l) {
                accepted += 1;
                assert_eq!(Some(h), general(l), "{}", String::from_utf8_lossy(l));
            } else {
                assert_eq!(header(l), general(l), "{}", String::from_utf8_lossy(l));
            }
        }
        assert!(accepted >= 4, "{accepted}");
        // Every byte of a real line swapped for each of a few bytes.
        let base = b"Nov  2 10:00:01 mx1 postfix/smtp[42]: A1: to=<a@b.test>".to_vec();
        for at in 0..30 {
            for b in [b' ', b'0', b'9', b':', b'[', b']', b'a', b'\xff'] {
                let mut l = base.clone();
                l[at] = b;
                if let Some(h) = classic_fast(&l) {
                    assert_eq!(Some(h), general(&l), "{}", String::from_utf8_lossy(&l));
                }
            }
        }
    }

    #[test]
    fn issue_17_rfc5424() {
        let h =
            header(b"<22>1 2026-11-23T07:35:37.123+01:00 mx1 postfix/smtp 1234 - - x: y").unwrap();
        assert_eq!(
            (h.host, h.program, h.message, h.stamp.offset),
            (&b"mx1"[..], &b"postfix/smtp"[..], &b"x: y"[..], Some(3600))
        );
        let h = header(
            b"<22>1 2026-11-23T07:35:37Z mx1 postfix/smtp 12 ID47 [ex@1 a=\"b\\]\"][z@2] \xEF\xBB\xBFmsg",
        )
        .unwrap();
        assert_eq!(h.message, b"msg");
        assert!(header(b"<22>1 - mx1 postfix/smtp 1234 - - msg").is_none());
        assert!(header(b"<22>1 2026-11-23T07:35:37Z mx1 postfix/smtp 1234 - [open").is_none());
    }

    #[test]
    fn issue_17_fractional_classic_is_syslog_not_exim() {
        let lines: [&[u8]; 2] = [
            b"Nov 23 07:35:37.123456 mx1 postfix/smtp[1]: A1: to=<a@b.test>, relay=none, delay=1, status=sent (ok)",
            b"Nov 23 07:35:38.000001 mx1 postfix/qmgr[2]: A1: removed",
        ];
        assert_eq!(
            super::super::Format::detect(lines.into_iter()),
            super::super::Format::Syslog
        );
    }

    #[test]
    fn issue_17_with_unit_names_the_service_by_the_message() {
        use super::super::Record;
        let rec = |l: &'static [u8]| match parse_line(l) {
            Parsed::Entry { record, .. } => record,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            rec(b"Mon 2026-11-23 11:16:15 UTC mx1 postfix@-.service[31124]: 2C488BEB94: message-id=<m@x>"),
            Record::Arrival(b"2C488BEB94")
        );
        assert_eq!(
            rec(b"Mon 2026-11-23 11:16:15 UTC mx1 postfix@-.service[31124]: 2C488BEB94: removed"),
            Record::Ended(b"2C488BEB94")
        );
        assert!(matches!(
            parse_line(
                b"Mon 2026-11-23 11:16:15 UTC mx1 exim4.service[1]: 1tA2b3-000AbC-1x Completed"
            ),
            Parsed::Entry { mta: Mta::Exim, .. }
        ));
    }

    #[test]
    fn not_syslog() {
        assert!(header(b"2026-11-22 10:00:01 1tA2b3-000AbC-1x <= a@b").is_none());
        assert!(header(b"garbage").is_none());
        assert!(header(b"Nov 22 10:00:01 mx1").is_none());
    }
}

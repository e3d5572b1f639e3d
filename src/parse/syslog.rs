//! Syslog lines: `STAMP HOST PROGRAM[PID]: MESSAGE`, with a classic
//! (`Nov 22 10:00:01`) or RFC 3339 stamp. The program decides the body
//! parser: Exim's when it is `exim`/`exim4`, Postfix's otherwise.

use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_till1, take_while1};
use nom::combinator::opt;
use nom::sequence::delimited;

use super::time::{rfc3339_stamp, syslog_stamp};
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
    let (i, stamp) = alt((rfc3339_stamp, syslog_stamp)).parse(line).ok()?;
    let (i, _) = tag::<_, _, nom::error::Error<&[u8]>>(" ").parse(i).ok()?;
    let (i, host) = take_till1::<_, _, nom::error::Error<&[u8]>>(|b| b == b' ')
        .parse(i)
        .ok()?;
    let (i, _) = tag::<_, _, nom::error::Error<&[u8]>>(" ").parse(i).ok()?;
    let (i, program) =
        take_till1::<_, _, nom::error::Error<&[u8]>>(|b| b == b'[' || b == b':' || b == b' ')
            .parse(i)
            .ok()?;
    let pid = delimited(
        tag::<_, _, nom::error::Error<&[u8]>>("["),
        take_while1(|b: u8| b.is_ascii_digit()),
        tag("]"),
    );
    let (i, _) = opt(pid).parse(i).ok()?;
    let (message, _) = tag::<_, _, nom::error::Error<&[u8]>>(":").parse(i).ok()?;
    let message = message.strip_prefix(b" ").unwrap_or(message);
    Some(Header {
        stamp,
        host,
        program,
        message,
    })
}

/// Parses one physical line of a syslog mail log.
pub fn parse_line(line: &[u8]) -> Parsed<'_> {
    let Some(h) = header(line) else {
        return Parsed::Unparsed;
    };
    if h.program == b"exim" || h.program == b"exim4" {
        return Parsed::Entry {
            stamp: h.stamp,
            mta: Mta::Exim,
            record: super::exim::body_record(h.message),
        };
    }
    match super::postfix::message_record(h.program, h.message) {
        Some(record) => Parsed::Entry {
            stamp: h.stamp,
            mta: Mta::Postfix,
            record,
        },
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

    #[test]
    fn not_syslog() {
        assert!(header(b"2026-11-22 10:00:01 1tA2b3-000AbC-1x <= a@b").is_none());
        assert!(header(b"garbage").is_none());
        assert!(header(b"Nov 22 10:00:01 mx1").is_none());
    }
}

//! SMTP replies inside log text: the reply code where the MTA writes the
//! remote (or local) answer, the enhanced status code, and the SMTP stage.
//!
//! A 421 is only a 421 when it stands where a reply starts: right after
//! `said: `, `refused to talk to me: `, Exim's `after <command>: ` or
//! `host H [ip]: `. Digits elsewhere (ids, sizes, ports, IPs) never count.

use memchr::memmem;
use serde::Serialize;

super::enum_with_all! {
/// The SMTP stage a reply answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Connect,
    Ehlo,
    Mail,
    Rcpt,
    Data,
    Unknown,
}
}

impl Stage {
    pub fn name(self) -> &'static str {
        match self {
            Stage::Connect => "connect",
            Stage::Ehlo => "ehlo",
            Stage::Mail => "mail",
            Stage::Rcpt => "rcpt",
            Stage::Data => "data",
            Stage::Unknown => "unknown",
        }
    }

    /// From a command as Postfix (`MAIL FROM`, `end of DATA`, `CONNECT`,
    /// `END-OF-MESSAGE`) or Exim (`initial connection`, `pipelined MAIL
    /// FROM:<..>`, `end of data`) names it.
    pub fn from_command(cmd: &[u8]) -> Stage {
        let cmd = strip_prefix_ci(cmd, b"pipelined ").unwrap_or(cmd);
        let starts = |p: &[u8]| cmd.len() >= p.len() && cmd[..p.len()].eq_ignore_ascii_case(p);
        if starts(b"initial connection") || starts(b"CONNECT") || starts(b"greeting") {
            Stage::Connect
        } else if starts(b"EHLO")
            || starts(b"HELO")
            || starts(b"LHLO")
            || starts(b"STARTTLS")
            || starts(b"AUTH")
            || starts(b"XFORWARD")
            || starts(b"XCLIENT")
        {
            Stage::Ehlo
        } else if starts(b"MAIL") {
            Stage::Mail
        } else if starts(b"RCPT") {
            Stage::Rcpt
        } else if starts(b"DATA")
            || starts(b"end of data")
            || starts(b"END-OF-MESSAGE")
            || starts(b"BDAT")
            || starts(b"sending data block")
            || starts(b"message")
        {
            Stage::Data
        } else {
            Stage::Unknown
        }
    }
}

/// A reply found in a log line, borrowing the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reply<'a> {
    pub code: u16,
    /// `4.7.28`, when the reply carries one.
    pub enhanced: Option<&'a [u8]>,
    /// From the code to the end of the reply, as logged.
    pub text: &'a [u8],
    pub stage: Stage,
}

/// ASCII case-insensitive prefix strip.
pub fn strip_prefix_ci<'a>(s: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    (s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix))
        .then(|| &s[prefix.len()..])
}

/// The reply code at the start of `s`: three digits followed by a space, a
/// dash (multi-line reply) or the end.
pub fn code_at(s: &[u8]) -> Option<u16> {
    let d = s.get(..3)?;
    if !d.iter().all(u8::is_ascii_digit) || !(b'2'..=b'5').contains(&d[0]) {
        return None;
    }
    match s.get(3) {
        None | Some(b' ') | Some(b'-') => {}
        _ => return None,
    }
    Some(u16::from(d[0] - b'0') * 100 + u16::from(d[1] - b'0') * 10 + u16::from(d[2] - b'0'))
}

/// Length of an enhanced status code `c.sss.ddd` at the start of `s`
/// (first digit 2, 4 or 5), followed by a non-alphanumeric byte or the end.
fn enhanced_len(s: &[u8]) -> Option<usize> {
    let c = *s.first()?;
    if !matches!(c, b'2' | b'4' | b'5') || s.get(1) != Some(&b'.') {
        return None;
    }
    let mut i = 2;
    for part in 0..2 {
        let n = s[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 || n > 3 {
            return None;
        }
        i += n;
        if part == 0 {
            if s.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
    }
    match s.get(i) {
        Some(b) if b.is_ascii_alphanumeric() || *b == b'.' => None,
        _ => Some(i),
    }
}

/// The enhanced status code of a reply: right after the code (`421 4.7.0`,
/// `421-4.7.28`), or in qmail style `(#4.4.5)` anywhere in the text.
pub fn enhanced_code(text: &[u8]) -> Option<&[u8]> {
    if let Some(rest) = text.get(4..)
        && let Some(n) = enhanced_len(rest)
    {
        return Some(&rest[..n]);
    }
    let mut at = 0;
    while let Some(p) = memchr::memchr(b'#', &text[at..]) {
        let s = &text[at + p + 1..];
        if let Some(n) = enhanced_len(s) {
            return Some(&s[..n]);
        }
        at += p + 1;
    }
    None
}

/// A reply starting exactly at `s` (which runs to the end of the reply).
pub fn reply_at(s: &[u8], stage: Stage) -> Option<Reply<'_>> {
    let code = code_at(s)?;
    Some(Reply {
        code,
        enhanced: enhanced_code(s),
        text: s,
        stage,
    })
}

/// Removes Postfix's trailing ` (in reply to X command)` and returns the
/// stage it names.
pub fn split_in_reply_to(s: &[u8]) -> (&[u8], Stage) {
    const OPEN: &[u8] = b" (in reply to ";
    if let Some(p) = memmem::rfind(s, OPEN) {
        let cmd = &s[p + OPEN.len()..];
        let cmd = cmd.strip_suffix(b")").unwrap_or(cmd);
        let cmd = cmd.strip_suffix(b" command").unwrap_or(cmd);
        return (&s[..p], Stage::from_command(cmd));
    }
    (s, Stage::Unknown)
}

/// `host[ip]` or `host [ip]` (and `[ip]:port`) at the start of `s`: the host,
/// the ip, and the rest after `]` (and any `:port`).
pub fn host_ip(s: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    use super::bytes::find_any;
    // The common forms first, by one short scan: `host[` and `host [` with
    // no other space in the host (which is then `s[..stop]`).
    let stop = find_any(s, [b'[', b' ']);
    let (open, host) = match stop.map(|n| (n, s[n])) {
        Some((n, b'[')) => (n, &s[..n]),
        Some((n, _)) if s.get(n + 1) == Some(&b'[') => (n + 1, &s[..n]),
        _ => return host_ip_general(s),
    };
    let close = open + find_any(&s[open..], [b']'])?;
    Some((host, &s[open + 1..close], after_port(&s[close + 1..])))
}

/// Skips a `:port` at the start of `s`.
fn after_port(s: &[u8]) -> &[u8] {
    if s.first() == Some(&b':') && s.get(1).is_some_and(u8::is_ascii_digit) {
        let n = super::bytes::digit_run(&s[1..]);
        return &s[1 + n..];
    }
    s
}

/// [`host_ip`] for any host: `(helo)` forms and hosts with spaces.
fn host_ip_general(s: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let open = memchr::memchr(b'[', s)?;
    let close = open + memchr::memchr(b']', &s[open..])?;
    let host = s[..open].strip_suffix(b" ").unwrap_or(&s[..open]);
    if host.contains(&b' ') && !host.starts_with(b"(") {
        // `host (helo)` is Exim's form; anything else with spaces is not a host.
        if !host.ends_with(b")") {
            return None;
        }
    }
    Some((host, &s[open + 1..close], after_port(&s[close + 1..])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_needs_separator() {
        assert_eq!(code_at(b"421 4.7.0 x"), Some(421));
        assert_eq!(code_at(b"421-4.7.0 x"), Some(421));
        assert_eq!(code_at(b"421"), Some(421));
        assert_eq!(code_at(b"4217E3011B47"), None);
        assert_eq!(code_at(b"42"), None);
        assert_eq!(code_at(b"921 x"), None);
    }

    #[test]
    fn enhanced_forms() {
        assert_eq!(enhanced_code(b"421 4.7.28 x"), Some(&b"4.7.28"[..]));
        assert_eq!(enhanced_code(b"421-4.7.0 [TSS04] x"), Some(&b"4.7.0"[..]));
        assert_eq!(
            enhanced_code(b"421 Too many concurrent SMTP connections (#4.4.5)"),
            Some(&b"4.4.5"[..])
        );
        assert_eq!(enhanced_code(b"421 Service not available"), None);
        assert_eq!(enhanced_code(b"421 4.16.55.1 x"), None);
        assert_eq!(enhanced_code(b"421 mx.gmx.net x"), None);
    }

    #[test]
    fn stages() {
        assert_eq!(
            Stage::from_command(b"pipelined MAIL FROM:<a@b> SIZE=1"),
            Stage::Mail
        );
        assert_eq!(Stage::from_command(b"end of DATA"), Stage::Data);
        assert_eq!(Stage::from_command(b"initial connection"), Stage::Connect);
        assert_eq!(Stage::from_command(b"EHLO mx.example.org"), Stage::Ehlo);
        assert_eq!(Stage::from_command(b"END-OF-MESSAGE"), Stage::Data);
        assert_eq!(Stage::from_command(b"VRFY"), Stage::Unknown);
    }

    #[test]
    fn in_reply_to_is_cut() {
        let (t, s) = split_in_reply_to(b"421 4.7.0 busy (x) (in reply to RCPT TO command)");
        assert_eq!(t, b"421 4.7.0 busy (x)");
        assert_eq!(s, Stage::Rcpt);
    }

    #[test]
    fn host_and_ip() {
        let (h, ip, rest) = host_ip(b"mx.example.net[192.0.2.1]:25, delay=1").unwrap();
        assert_eq!(
            (h, ip, rest),
            (&b"mx.example.net"[..], &b"192.0.2.1"[..], &b", delay=1"[..])
        );
        let (h, ip, rest) = host_ip(b"mx.example.net [192.0.2.1]: 421 x").unwrap();
        assert_eq!(
            (h, ip, rest),
            (&b"mx.example.net"[..], &b"192.0.2.1"[..], &b": 421 x"[..])
        );
    }

    /// The short scan for the common forms gives what the general reader
    /// gives, on every line (and on every byte swapped into a few).
    #[test]
    fn host_ip_fast_forms_agree_with_the_general_reader() {
        let lines: [&[u8]; 14] = [
            b"mx.example.net[192.0.2.1]:25, delay=1",
            b"mx.example.net [192.0.2.1]:25x",
            b"mx [192.0.2.1]: 421",
            b"mx  [192.0.2.1]",
            b"(helo) [192.0.2.1]:1 x",
            b"host (helo) [192.0.2.1] x",
            b"a b [192.0.2.1]",
            b"[192.0.2.1]",
            b" [192.0.2.1]",
            b"mx.example.net [192.0.2.1",
            b"mx.example.net 192.0.2.1]",
            b"mx[private/dovecot-lmtp], delay=0.5",
            b"none, delay=1",
            b"",
        ];
        for l in lines {
            assert_eq!(
                host_ip(l),
                host_ip_general(l),
                "{}",
                String::from_utf8_lossy(l)
            );
            for at in 0..l.len() {
                for b in [b' ', b'[', b']', b':', b'(', b')', b'1', 0xff] {
                    let mut v = l.to_vec();
                    v[at] = b;
                    assert_eq!(
                        host_ip(&v),
                        host_ip_general(&v),
                        "{}",
                        String::from_utf8_lossy(&v)
                    );
                }
            }
        }
    }
}

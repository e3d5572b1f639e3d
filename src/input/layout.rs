//! What wraps a log line, peeled before the parsers see it: container and
//! search-tool prefixes, and `journalctl -o json` objects.
//!
//! * `docker logs -t`, `kubectl logs --timestamps`: `2026-11-23T07:35:37.123456789Z LINE`
//! * `docker compose logs`: `mx-1  | LINE`, names padded, with or without `-t`
//!   (`mx-1  | 2026-11-23T07:35:37.123456789Z LINE`)
//! * `grep -H`, `zgrep`: `/var/log/mail.log.2.gz:LINE`; with `-n`, `PATH:42:LINE`
//! * `journalctl -o json`: one object per line; its `__REALTIME_TIMESTAMP`,
//!   `_HOSTNAME`, `SYSLOG_IDENTIFIER`, `_PID` and `MESSAGE` are written as a
//!   `short-unix` line into a reused buffer.
//!
//! The layout is chosen once per input from its first lines ([`Layout::detect`]):
//! whichever makes the most lines readable. The line's own stamp wins; a
//! container prefix's stamp is used when the line has none (a daemon logging
//! `postfix/smtp[1]: ...` to stdout): [`Peeled::stamp`].

use crate::parse::time::{Stamp, rfc3339_stamp};
use crate::parse::{Parsed, syslog, time};

/// How the lines of one input are wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// The log line itself.
    #[default]
    Bare,
    /// `STAMP LINE`: `docker logs -t`, `kubectl logs --timestamps`.
    Stamped,
    /// `NAME  | LINE`, and `NAME  | STAMP LINE` (`docker compose logs [-t]`).
    Compose { stamped: bool },
    /// `PATH:LINE` (`grep -H`, `zgrep`), `PATH:N:LINE` with `numbered`.
    Grep { numbered: bool },
    /// `journalctl -o json`.
    Json,
}

/// One line with its wrapping taken off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peeled<'a> {
    pub line: &'a [u8],
    /// The wrapper's stamp, for a line that has none of its own.
    pub stamp: Option<Stamp>,
}

/// The outputs of `journalctl` that carry a time and a host.
pub const JOURNALCTL_OUTPUTS: &str =
    "short, short-iso, short-iso-precise, short-precise, short-full, short-unix, with-unit or json";

impl Layout {
    /// The layout that makes the most of `sample`'s lines readable (a wrapper
    /// on a tie with bare lines). Cheap: a few peels of 50 lines.
    pub fn detect<'a>(sample: impl Iterator<Item = &'a [u8]> + Clone) -> Layout {
        let sample = sample.filter(|l| !is_marker(l)).take(50);
        let first = sample.clone().find(|l| !l.is_empty());
        if first.is_some_and(|l| l.starts_with(b"{\"")) {
            return Layout::Json;
        }
        // A wrapper is only counted where it is there. A stamp prefix wins a
        // tie with the bare reading: `2026-...Z postfix/qmgr[1]: ...` also
        // reads as a syslog line whose host is `postfix/qmgr[1]:`.
        let bare = score(Layout::Bare, sample.clone());
        let mut best = (Layout::Bare, bare);
        for layout in [
            Layout::Stamped,
            Layout::Compose { stamped: false },
            Layout::Compose { stamped: true },
            Layout::Grep { numbered: false },
            Layout::Grep { numbered: true },
        ] {
            let s = score(layout, sample.clone());
            let stamps = matches!(layout, Layout::Stamped | Layout::Compose { stamped: true });
            let beats_bare = s > bare || (stamps && s == bare);
            let beats_best = best.0 == Layout::Bare || s > best.1 || (stamps && s == best.1);
            if s > 0 && beats_bare && beats_best {
                best = (layout, s);
            }
        }
        best.0
    }

    /// Takes the wrapping off one line; `scratch` holds a rewritten line
    /// (JSON) and is reused. `None` for a line that is no log line at all
    /// (`journalctl`'s `-- Boot ... --` markers).
    pub fn peel<'a>(self, line: &'a [u8], scratch: &'a mut Vec<u8>) -> Option<Peeled<'a>> {
        if is_marker(line) {
            return None;
        }
        let bare = Peeled { line, stamp: None };
        Some(match self {
            Layout::Bare => bare,
            Layout::Stamped => stamped(line).unwrap_or(bare),
            Layout::Compose { stamped: s } => match compose(line) {
                Some(rest) if s => stamped(rest).unwrap_or(Peeled {
                    line: rest,
                    stamp: None,
                }),
                Some(rest) => Peeled {
                    line: rest,
                    stamp: None,
                },
                None => bare,
            },
            Layout::Grep { numbered } => grep(line, numbered).map_or(bare, |rest| Peeled {
                line: rest,
                stamp: None,
            }),
            Layout::Json => match json_line(line, scratch) {
                true => Peeled {
                    line: &scratch[..],
                    stamp: None,
                },
                false => bare,
            },
        })
    }
}

/// The layout of a sample and the format of its peeled lines (`forced`
/// when given). Bare daemon messages under a container's stamps are read as
/// syslog messages.
pub fn detect_with_format<'a>(
    sample: impl Iterator<Item = &'a [u8]> + Clone,
    forced: Option<crate::parse::Format>,
) -> (Layout, crate::parse::Format) {
    use crate::parse::Format;
    let layout = Layout::detect(sample.clone());
    if let Some(f) = forced {
        return (layout, f);
    }
    let mut scratch = Vec::new();
    let mut peeled: Vec<Vec<u8>> = Vec::new();
    for l in sample.take(50) {
        if let Some(p) = layout.peel(l, &mut scratch) {
            peeled.push(p.line.to_vec());
        }
    }
    let format = Format::detect(peeled.iter().map(|l| &l[..]));
    let stamped = matches!(layout, Layout::Stamped | Layout::Compose { stamped: true });
    if stamped && !peeled.iter().any(|l| time::exim_stamp(l).is_ok()) {
        return (layout, Format::Syslog);
    }
    (layout, format)
}

/// Reads a peeled line: its own stamp first, else the wrapper's stamp on a
/// bare `PROGRAM[PID]: MESSAGE`.
pub fn parse(format: crate::parse::Format, p: Peeled<'_>) -> Parsed<'_> {
    match (format.parse_line(p.line), p.stamp) {
        (Parsed::Unparsed, Some(stamp)) => syslog::parse_bare(stamp, p.line),
        (parsed, _) => parsed,
    }
}

/// `journalctl`'s lines about the journal itself: `-- Boot 0f1e... --`,
/// `-- No entries --`, `-- Logs begin at ... --`.
fn is_marker(line: &[u8]) -> bool {
    let line = crate::parse::trim_cr(line);
    line.starts_with(b"-- ") && line.ends_with(b" --")
}

/// How many of the sample's lines a layout makes readable.
fn score<'a>(layout: Layout, sample: impl Iterator<Item = &'a [u8]>) -> usize {
    let mut scratch = Vec::new();
    sample
        .filter(|l| {
            let Some(p) = layout.peel(l, &mut scratch) else {
                return false;
            };
            let stamps = matches!(layout, Layout::Stamped | Layout::Compose { stamped: true });
            if (layout != Layout::Bare && p.line.len() == l.len()) || (stamps && p.stamp.is_none())
            {
                return false; // the wrapper is not there
            }
            readable(p)
        })
        .count()
}

/// Whether some parser understands a peeled line's stamp.
pub fn readable(p: Peeled<'_>) -> bool {
    time::exim_stamp(p.line).is_ok()
        || syslog::header(p.line).is_some()
        || (p.stamp.is_some()
            && syslog::program_message(p.line).is_some_and(|(prog, _)| is_program(prog)))
}

/// A program name as daemons log it (`postfix/smtp`, `exim4`), not a word
/// followed by a colon in free text.
fn is_program(p: &[u8]) -> bool {
    p.iter()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'@'))
}

/// `STAMP ` (RFC 3339) at the start: the rest and the stamp.
fn stamped(line: &[u8]) -> Option<Peeled<'_>> {
    let (rest, stamp) = rfc3339_stamp(line).ok()?;
    let rest = rest.strip_prefix(b" ")?;
    Some(Peeled {
        line: rest,
        stamp: Some(stamp),
    })
}

/// `NAME<spaces>| ` at the start (compose pads names to one width).
fn compose(line: &[u8]) -> Option<&[u8]> {
    let name = line
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        .count();
    if name == 0 {
        return None;
    }
    let spaces = line[name..].iter().take_while(|b| **b == b' ').count();
    let rest = &line[name + spaces..];
    rest.strip_prefix(b"| ")
        .or_else(|| (rest == b"|").then_some(&b""[..]))
}

/// `PATH:` (and `N:` when `numbered`) at the start.
fn grep(line: &[u8], numbered: bool) -> Option<&[u8]> {
    let colon = memchr::memchr(b':', line)?;
    // A path as grep prints it: no blank in it (so the colons of a stamp
    // are not taken for the end of one).
    if colon == 0 || line[..colon].contains(&b' ') {
        return None;
    }
    let rest = &line[colon + 1..];
    if !numbered {
        return Some(rest);
    }
    let n = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    (n > 0 && rest.get(n) == Some(&b':')).then(|| &rest[n + 1..])
}

/// Rewrites one `journalctl -o json` object as `SECS.USEC HOST IDENT[PID]: MESSAGE`
/// into `out`; false when it is not one.
fn json_line(line: &[u8], out: &mut Vec<u8>) -> bool {
    out.clear();
    let Some(usec) = json_field(line, b"\"__REALTIME_TIMESTAMP\":") else {
        return false;
    };
    let usec = json_string_raw(usec).unwrap_or(b"");
    if usec.len() < 7 || !usec.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let (secs, frac) = usec.split_at(usec.len() - 6);
    out.extend_from_slice(secs);
    out.push(b'.');
    out.extend_from_slice(frac);
    out.push(b' ');
    let host_at = out.len();
    if let Some(v) = json_field(line, b"\"_HOSTNAME\":") {
        json_value(v, out);
    }
    // The host field must be one word for the syslog header.
    for b in &mut out[host_at..] {
        if *b == b' ' {
            *b = b'_';
        }
    }
    if out.len() == host_at {
        out.push(b'-');
    }
    out.push(b' ');
    let ident_at = out.len();
    for key in [&b"\"SYSLOG_IDENTIFIER\":"[..], b"\"_COMM\":"] {
        if let Some(v) = json_field(line, key) {
            json_value(v, out);
            if out.len() > ident_at {
                break;
            }
        }
    }
    if out.len() == ident_at {
        out.push(b'-');
    }
    for key in [&b"\"_PID\":"[..], b"\"SYSLOG_PID\":"] {
        if let Some(pid) = json_field(line, key).and_then(json_string_raw)
            && !pid.is_empty()
            && pid.iter().all(u8::is_ascii_digit)
        {
            out.push(b'[');
            out.extend_from_slice(pid);
            out.push(b']');
            break;
        }
    }
    out.extend_from_slice(b": ");
    if let Some(v) = json_field(line, b"\"MESSAGE\":") {
        json_value(v, out);
    }
    true
}

/// The text after `"KEY":` in an object (a key's quotes cannot occur
/// unescaped inside a string, so a plain search finds the key).
fn json_field<'a>(line: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let at = memchr::memmem::find(line, key)?;
    let rest = &line[at + key.len()..];
    Some(rest.trim_ascii_start())
}

/// A string value without escapes, as is (numbers and ids).
fn json_string_raw(v: &[u8]) -> Option<&[u8]> {
    let v = v.strip_prefix(b"\"")?;
    let end = memchr::memchr2(b'"', b'\\', v)?;
    (v[end] == b'"').then(|| &v[..end])
}

/// Appends a value: a string (unescaped), an array of byte values (how
/// journald gives a message that is not UTF-8), nothing for `null`.
fn json_value(v: &[u8], out: &mut Vec<u8>) {
    if let Some(mut s) = v.strip_prefix(b"\"") {
        while let Some(i) = memchr::memchr2(b'"', b'\\', s) {
            out.extend_from_slice(&s[..i]);
            if s[i] == b'"' {
                return;
            }
            let Some(&e) = s.get(i + 1) else { return };
            s = &s[i + 2..];
            match e {
                b'n' | b'r' | b't' => out.push(b' '),
                b'b' | b'f' => {}
                b'u' => {
                    let hex = |h: &[u8]| -> Option<u32> {
                        u32::from_str_radix(std::str::from_utf8(h.get(..4)?).ok()?, 16).ok()
                    };
                    let Some(mut c) = hex(s) else { return };
                    s = &s[4..];
                    if (0xD800..0xDC00).contains(&c)
                        && s.starts_with(b"\\u")
                        && let Some(lo) = hex(&s[2..])
                        && (0xDC00..0xE000).contains(&lo)
                    {
                        c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
                        s = &s[6..];
                    }
                    let ch = char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER);
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                other => out.push(other),
            }
        }
    } else if let Some(list) = v.strip_prefix(b"[") {
        let end = memchr::memchr(b']', list).unwrap_or(list.len());
        for n in list[..end].split(|b| *b == b',') {
            let n = n.trim_ascii();
            if let Some(b) = std::str::from_utf8(n)
                .ok()
                .and_then(|n| n.parse::<u8>().ok())
            {
                out.push(match b {
                    b'\n' | b'\r' | b'\t' => b' ',
                    b => b,
                });
            }
        }
    }
}

/// Whether an input whose lines nothing reads looks like `journalctl -o cat`
/// (messages alone, no time, no host): most sample lines are mail daemon
/// messages.
pub fn looks_like_cat<'a>(sample: impl Iterator<Item = &'a [u8]>) -> bool {
    let (mut lines, mut messages) = (0, 0);
    for l in sample.filter(|l| !l.is_empty() && !is_marker(l)).take(50) {
        lines += 1;
        if is_bare_message(l) {
            messages += 1;
        }
    }
    lines > 0 && messages * 2 > lines
}

/// A Postfix or Exim message without its syslog header.
fn is_bare_message(l: &[u8]) -> bool {
    let id = l.iter().take_while(|b| b.is_ascii_alphanumeric()).count();
    // Postfix `3F2A1C0B9D: ...`, `NOQUEUE: ...`; Exim `1tA2b3-000AbC-1x ...`.
    (id >= 6 && l[id..].starts_with(b": "))
        || (id == 6 && l.get(6) == Some(&b'-') && l.len() > 16)
        || [
            &b"connect from "[..],
            b"disconnect from ",
            b"lost connection ",
            b"warning: ",
            b"statistics: ",
            b"daemon started",
            b"starting the Postfix",
            b"Start exim",
            b"exim ",
        ]
        .iter()
        .any(|p| l.starts_with(p))
}

#[cfg(test)]
#[path = "layout_tests.rs"]
mod tests;

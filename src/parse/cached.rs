//! Parsing the lines of one stretch in order: consecutive lines share
//! their stamp, so the stamp bytes of the last line read are kept with what
//! they parsed to, and a line that starts with the same bytes reuses it
//! instead of parsing it again. The answer is the one
//! [`Format::parse_line`] gives for the line alone.

use super::time::{Stamp, classic_fixed, exim_stamp};
use super::{Format, Parsed, exim, syslog};

/// The longest stamp kept: Exim's `YYYY-MM-DD HH:MM:SS` (syslog's
/// `Mmm dd HH:MM:SS ` is 16 with its space).
const KEY_MAX: usize = 19;

/// The 8 bytes of `s` at `at` as one little-endian word (callers check
/// the length).
#[inline]
fn word(s: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&s[at..at + 8]);
    u64::from_le_bytes(w)
}

/// A line parser that remembers the last stamp it read.
#[derive(Debug, Clone)]
pub struct LineParser {
    format: Format,
    /// The bytes of the last stamp read (`len` of them), and what they
    /// parsed to.
    key: [u8; KEY_MAX],
    len: usize,
    stamp: Stamp,
    /// The number of the kept stamp.
    kept: u64,
    /// The number of the last line's stamp: a new one for every stamp read
    /// (numbers from `next`), `kept` for a stamp reused.
    generation: u64,
    next: u64,
    /// Like `generation`, for the stamp without its second: equal numbers,
    /// stamps equal but for the second (the kept stamp's, and the last
    /// line's).
    kept_minute: u64,
    minute: u64,
}

impl LineParser {
    pub fn new(format: Format) -> LineParser {
        LineParser {
            format,
            key: [0; KEY_MAX],
            len: 0,
            stamp: Stamp {
                year: None,
                month: 0,
                day: 0,
                hour: 0,
                minute: 0,
                second: 0,
                offset: None,
            },
            kept: 0,
            generation: 0,
            next: 1,
            kept_minute: 0,
            minute: 0,
        }
    }

    /// Which stamp the last line parsed had: equal numbers, equal stamps
    /// (so equal times). A line read without the cache gets a new number.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Which stamp-but-the-second the last line parsed had: equal numbers,
    /// stamps that differ at most in their second.
    pub fn minute(&self) -> u64 {
        self.minute
    }

    /// What [`Format::parse_line`] gives for `line`.
    pub fn parse<'a>(&mut self, line: &'a [u8]) -> Parsed<'a> {
        match self.format {
            Format::Exim => self.exim(line),
            _ => self.syslog(line),
        }
    }

    /// Whether `line` starts with the kept stamp's `len` bytes (16 or 19),
    /// compared as two words each (no call to `memcmp`).
    fn same(&self, line: &[u8], len: usize) -> bool {
        if self.len != len || line.len() < len {
            return false;
        }
        let tail = len - 8;
        word(line, 0) == word(&self.key, 0)
            && word(line, tail) == word(&self.key, tail)
            && (len <= 16 || word(line, 8) == word(&self.key, 8))
    }

    /// The kept stamp with another second, when `line`'s first `len` bytes
    /// differ from the kept ones only in the two digits of the second at
    /// `sec` (at least 8): a new second of the same minute needs no parse.
    #[inline]
    fn next_second(&self, line: &[u8], len: usize, sec: usize) -> Option<Stamp> {
        if self.len != len || line.len() < len {
            return None;
        }
        // Every byte but the second's two digits, as the words at 0, 8 and
        // `len - 8` (which cover the stamp) with those digits masked out.
        let others = |at: usize| {
            let mut m = !0u64;
            for d in [sec, sec + 1] {
                if (at..at + 8).contains(&d) {
                    m &= !(0xff << (8 * (d - at)));
                }
            }
            m
        };
        if [0, 8, len - 8]
            .iter()
            .any(|&at| (word(line, at) ^ word(&self.key, at)) & others(at) != 0)
        {
            return None;
        }
        let (a, b) = (
            line[sec].wrapping_sub(b'0'),
            line[sec + 1].wrapping_sub(b'0'),
        );
        let second = u32::from(a) * 10 + u32::from(b);
        (a < 10 && b < 10 && second <= 60).then_some(Stamp {
            second,
            ..self.stamp
        })
    }

    /// Keeps a stamp read in full.
    fn keep(&mut self, line: &[u8], len: usize, stamp: Stamp) {
        self.fresh();
        self.keep_second(line, len, stamp);
    }

    /// Keeps a stamp of the kept minute (a new second: same minute number).
    fn keep_second(&mut self, line: &[u8], len: usize, stamp: Stamp) {
        self.key[..len].copy_from_slice(&line[..len]);
        self.len = len;
        self.stamp = stamp;
        self.generation = self.next;
        self.next += 1;
        self.kept = self.generation;
        self.kept_minute = self.minute;
    }

    /// A stamp read, not reused: new numbers.
    fn fresh(&mut self) {
        self.generation = self.next;
        self.minute = self.next;
        self.next += 1;
    }

    /// The kept stamp, reused.
    fn reuse(&mut self) -> Stamp {
        self.generation = self.kept;
        self.minute = self.kept_minute;
        self.stamp
    }

    /// A new second of the kept minute.
    fn next_kept(&mut self, line: &[u8], len: usize, stamp: Stamp) {
        self.minute = self.kept_minute;
        self.keep_second(line, len, stamp);
    }

    fn exim<'a>(&mut self, line: &'a [u8]) -> Parsed<'a> {
        let line = super::trim_cr(line);
        // A plain stamp (no fraction, no zone) followed by a field: what
        // `exim_stamp` reads from these bytes is the kept stamp.
        let plain = line.len() > 20 && line[19] == b' ' && !matches!(line[20], b'+' | b'-' | b'Z');
        if plain && self.same(line, 19) {
            return exim::stamped(&line[19..], self.reuse());
        }
        if plain && let Some(stamp) = self.next_second(line, 19, 17) {
            self.next_kept(line, 19, stamp);
            return exim::stamped(&line[19..], stamp);
        }
        match exim_stamp(line) {
            Ok((rest, stamp)) => {
                if plain && stamp.offset.is_none() && rest.len() + 19 == line.len() {
                    self.keep(line, 19, stamp);
                } else {
                    self.fresh();
                }
                exim::stamped(rest, stamp)
            }
            Err(_) => {
                self.fresh();
                exim::unstamped(line)
            }
        }
    }

    fn syslog<'a>(&mut self, line: &'a [u8]) -> Parsed<'a> {
        let trimmed = super::trim_cr(line);
        // The classic fixed header `Mmm dd HH:MM:SS host ...`.
        if trimmed.len() >= 18 && trimmed[15] == b' ' {
            if self.same(trimmed, 16) {
                return match syslog::classic_fields(trimmed) {
                    Some((_, program, message)) => syslog::entry(self.reuse(), program, message),
                    // The general parsers read the stamp again (a year after it).
                    None => {
                        self.fresh();
                        syslog::parse_line(line)
                    }
                };
            }
            let stamp = match self.next_second(trimmed, 16, 13) {
                Some(stamp) => {
                    self.next_kept(trimmed, 16, stamp);
                    Some(stamp)
                }
                None if trimmed[3] == b' ' && trimmed[6] == b' ' => {
                    let stamp = classic_fixed(&trimmed[..15]);
                    if let Some(stamp) = stamp {
                        self.keep(trimmed, 16, stamp);
                    }
                    stamp
                }
                None => None,
            };
            if let Some(stamp) = stamp {
                return match syslog::classic_fields(trimmed) {
                    Some((_, program, message)) => syslog::entry(stamp, program, message),
                    // The general parsers read the stamp again (a year after it).
                    None => {
                        self.fresh();
                        syslog::parse_line(line)
                    }
                };
            }
        }
        self.fresh();
        syslog::parse_line(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every line gives what the line alone gives, whatever came before,
    /// and equal generations mean equal stamps.
    fn agrees(format: Format, lines: &[&[u8]]) {
        let mut p = LineParser::new(format);
        let mut seen: Vec<(u64, Option<Stamp>)> = Vec::new();
        let mut seen_minutes: Vec<(u64, Option<Stamp>)> = Vec::new();
        for round in 0..2 {
            for l in lines {
                let got = p.parse(l);
                assert_eq!(
                    got,
                    format.parse_line(l),
                    "round {round}: {}",
                    String::from_utf8_lossy(l)
                );
                let stamp = match got {
                    Parsed::Entry { stamp, .. } => Some(stamp),
                    _ => None,
                };
                if let Some(stamp) = stamp {
                    for (g, s) in &seen {
                        if *g == p.generation() {
                            assert_eq!(*s, Some(stamp), "{}", String::from_utf8_lossy(l));
                        }
                    }
                }
                for (m, s) in &seen_minutes {
                    if *m == p.minute()
                        && let (Some(a), Some(b)) = (s, stamp)
                    {
                        assert_eq!(
                            Stamp { second: 0, ..*a },
                            Stamp { second: 0, ..b },
                            "{}",
                            String::from_utf8_lossy(l)
                        );
                    }
                }
                seen.push((p.generation(), stamp));
                seen_minutes.push((p.minute(), stamp));
            }
        }
    }

    #[test]
    fn exim_lines_agree_with_the_plain_parser() {
        agrees(
            Format::Exim,
            &[
                b"2026-11-22 10:00:01 1tA2b3-000AbC-1x <= a@b.test H=x [192.0.2.1] S=1",
                b"2026-11-22 10:00:01 1tA2b3-000AbC-1x => c@d.test R=r T=t H=mx.d.test [192.0.2.2]",
                // Only the tens of the day and the second differ.
                b"2026-11-12 10:00:03 1tA2b3-000AbC-1x Completed",
                b"2026-11-22 10:00:05 1tA2b3-000AbC-1x Completed",
                b"2026-11-22 10:00:01 +0100 1tA2b3-000AbC-1x Completed",
                b"2026-11-22 10:00:01 1tA2b3-000AbC-1x Completed\r",
                b"2026-11-22 10:00:01.123 1tA2b3-000AbC-1x Completed",
                b"2026-11-22 10:00:01 -0100 x",
                b"2026-11-22 10:00:01 Z",
                b"2026-11-22 10:00:01",
                b"2026-11-22 10:00:01 ",
                b"2026-11-22 10:00:01x1tA2b3-000AbC-1x Completed",
                b"  continued text",
                b"421 4.7.0 try later",
                b"2026-11-22 10:00:02 [123] 1tA2b3-000AbC-1x Completed",
                b"2026-11-22 10:00:59 1tA2b3-000AbC-1x Completed",
                b"2026-11-22 10:00:60 1tA2b3-000AbC-1x Completed",
                b"2026-11-22 10:00:61 1tA2b3-000AbC-1x Completed",
                b"2026-11-22 10:00:6x 1tA2b3-000AbC-1x Completed",
                b"2026-11-22 10:00:07 1tA2b3-000AbC-1x Completed",
                // Every byte of the stamp but the second's changes alone.
                b"2026-11-22 10:00:08 1tA2b3-000AbC-1x Completed",
                b"2026-11-22 10:00:08 1tA2b3-000AbC-1x Completed",
                b"2026-11-22 10:00:09 1tA2b3-000AbC-1x Completed",
                b"2026-11-22 10:01:09 1tA2b3-000AbC-1x Completed",
                b"2026-11-22 10:01:10 1tA2b3-000AbC-1x Completed",
                b"2026-11-22 11:01:11 1tA2b3-000AbC-1x Completed",
                b"2026-11-22 11:01:12 1tA2b3-000AbC-1x Completed",
                b"2026-11-23 11:01:13 1tA2b3-000AbC-1x Completed",
                b"2026-11-23 11:01:14 1tA2b3-000AbC-1x Completed",
                b"2026-12-23 11:01:15 1tA2b3-000AbC-1x Completed",
                b"2026-12-23 11:01:16 1tA2b3-000AbC-1x Completed",
                b"2027-12-23 11:01:17 1tA2b3-000AbC-1x Completed",
                b"2027-12-23 11:01:18 1tA2b3-000AbC-1x Completed",
                b"2027-12-23 11:01:19x1tA2b3-000AbC-1x Completed",
                b"2026-11-22 10:01:07 1tA2b3-000AbC-1x Completed",
                b"2026-02-30 10:00:02 1tA2b3-000AbC-1x Completed",
                b"2026-11-22 10:00:02 1tA2b3-000AbC-1x == e@f.test R=r T=t defer (-44) H=mx.f.test [192.0.2.3]: SMTP error from remote mail server after RCPT TO:<e@f.test>: 421 4.7.0 slow down",
                b"garbage",
            ],
        );
    }

    #[test]
    fn syslog_lines_agree_with_the_plain_parser() {
        // The syslog format, by detection (not by its variant's name).
        let syslog =
            Format::detect([&b"Nov 22 10:00:01 mx1 postfix/qmgr[2]: A1: removed"[..]].into_iter());
        assert_ne!(syslog, Format::Exim);
        agrees(
            syslog,
            &[
                b"Nov 22 10:00:01 mx1 postfix/qmgr[2]: A1B2C3D4E5: removed",
                b"Nov 22 10:00:01 mx1 postfix/smtp[9]: A1B2C3D4E5: to=<a@b.test>, relay=mx.b.test[192.0.2.1]:25, delay=1, status=deferred (host mx.b.test[192.0.2.1] said: 421 4.7.0 later (in reply to RCPT TO command))",
                b"Nov 22 10:00:01 2016 mx1 postfix/qmgr[2]: A1B2C3D4E5: removed",
                b"Nov 22 10:00:01 mx1 postfix/qmgr[2]: A1B2C3D4E5: removed\r",
                b"Nov 22 10:00:01 mx1",
                b"Nov 22 10:00:01 mx1 postfix",
                b"Nov 22 10:00:01.5 mx1 postfix/qmgr[2]: A1B2C3D4E5: removed",
                b"Nov  2 10:00:01 mx1 postfix/qmgr[2]: A1B2C3D4E5: removed",
                b"Nov  2 10:00:02 mx1 postfix/qmgr[2]: A1B2C3D4E5: removed",
                b"Nov  2 10:00:60 mx1 postfix/qmgr[2]: A1B2C3D4E5: removed",
                b"Nov  2 10:00:61 mx1 postfix/qmgr[2]: A1B2C3D4E5: removed",
                b"Nov  2 10:00:7x mx1 postfix/qmgr[2]: A1B2C3D4E5: removed",
                b"Nov  2 10:00:03 2016 mx1 postfix/qmgr[2]: A1B2C3D4E5: removed",
                b"Nov  2 10:00:04 mx1 postfix/qmgr[2]: A1B2C3D4E5: removed",
                b"Nov  2 10:00:05 mx1 postfix/qmgr[2]: A1B2C3D4E5: removed",
                b"Nov  2 10:01:06 mx1 postfix/qmgr[2]: A1B2C3D4E5: removed",
                b"Nov  2 10:01:07 mx1 postfix/qmgr[2]: A1B2C3D4E5: removed",
                b"Nov  2 11:01:08 mx1 postfix/qmgr[2]: A1B2C3D4E5: removed",
                b"Nov  2 11:01:09 mx1 postfix/qmgr[2]: A1B2C3D4E5: removed",
                b"Nov  3 11:01:10 mx1 postfix/qmgr[2]: A1B2C3D4E5: removed",
                b"Nov  3 11:01:11 mx1 postfix/qmgr[2]: A1B2C3D4E5: removed",
                b"Dec  3 11:01:12 mx1 postfix/qmgr[2]: A1B2C3D4E5: removed",
                b"Dec  3 11:01:13 mx1 postfix/qmgr[2]: A1B2C3D4E5: removed",
                b"Dec  3 11:01:14xmx1 postfix/qmgr[2]: A1B2C3D4E5: removed",
                b"Nov  2 10:00:04x",
                b"Nov  2 10:00:01 mx1 exim[3]: 1tA2b3-000AbC-1x Completed",
                b"2026-11-22T10:00:01+01:00 mx1 postfix/qmgr[2]: A1B2C3D4E5: removed",
                b"<22>1 2026-11-23T07:35:37Z mx1 postfix/qmgr 1234 - - A1B2C3D4E5: removed",
                b"Nox 22 10:00:01 mx1 postfix/qmgr[2]: A1B2C3D4E5: removed",
                b"Feb 30 10:00:01 mx1 postfix/qmgr[2]: A1B2C3D4E5: removed",
                b"garbage",
            ],
        );
    }
}

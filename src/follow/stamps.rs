//! A followed input's bare lines parsed in order, as `scan` reads them:
//! consecutive lines share their stamp, so a stamp is parsed and resolved
//! to a time once for a run of equal ones (the per-line cost that made
//! catching up with a big file slower than `report` on it, issue 18).

use crate::parse::cached::LineParser;
use crate::parse::time::Clock;
use crate::parse::{Format, Parsed};

/// A followed input's bare lines parsed in order, as `scan` reads them
/// ([`LineParser`]): a stamp equal to the line before's is not parsed
/// again, and its time is not resolved again (nor that of another second
/// of the same minute). The answers are `layout::parse`'s and
/// `Clock::resolve`'s.
#[derive(Debug, Default)]
pub struct Stamps {
    /// The parser, for the format it was made for.
    parser: Option<(Format, LineParser)>,
    /// The parser's stamp number and minute number of `time`, its second.
    from: u64,
    minute_from: u64,
    second: i64,
    time: Option<i64>,
}

impl Stamps {
    /// The line's record, and its time when it is an entry.
    #[inline]
    pub fn parse<'a>(
        &mut self,
        format: Format,
        line: &'a [u8],
        clock: &mut Clock,
    ) -> (Parsed<'a>, Option<i64>) {
        let parser = match &mut self.parser {
            Some((f, p)) if *f == format => p,
            _ => {
                *self = Stamps::default();
                &mut self.parser.insert((format, LineParser::new(format))).1
            }
        };
        let parsed = parser.parse(line);
        let Parsed::Entry { stamp, .. } = &parsed else {
            return (parsed, None);
        };
        let (generation, minute) = (parser.generation(), parser.minute());
        if self.time.is_none() || generation != self.from {
            let second = i64::from(stamp.second.min(59));
            self.time = match self.time {
                Some(t) if minute == self.minute_from => Some(t + second - self.second),
                _ => clock.resolve(stamp),
            };
            (self.from, self.minute_from, self.second) = (generation, minute, second);
        }
        (parsed, self.time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::time::{YearHint, Zone};

    /// Every line gets the record and time it gets read alone with a
    /// fresh clock, through runs of equal stamps, seconds of one minute,
    /// a new minute, an impossible date and unparsed lines between.
    #[test]
    fn the_same_answers_as_each_line_read_alone() {
        let hint = YearHint {
            year: 2026,
            month: 12,
        };
        let exim = [
            "2026-11-23 11:05:05 1xVRr7-00040F-2I <= a@src.test U=root P=local S=349",
            "2026-11-23 11:05:05 1xVRr7-00040F-2I => b@ok.test R=r T=t H=h [127.0.0.1]",
            "2026-11-23 11:05:09 1xVRr7-00040F-2I Completed",
            "not a log line",
            "2026-11-23 11:05:09 1xVRr7-00040F-2I Completed",
            "2026-11-23 11:06:01 1xVRr7-00040F-2I Completed",
            "2026-02-30 11:06:01 1xVRr7-00040F-2I Completed",
            "2026-02-30 11:06:02 1xVRr7-00040F-2I Completed",
            "2026-11-23 11:06:03 1xVRr7-00040F-2I Completed",
        ];
        let syslog = [
            "Nov 22 10:00:01 mx1 postfix/qmgr[1]: 4B1C: removed",
            "Nov 22 10:00:01 mx1 postfix/qmgr[1]: 4B1D: removed",
            "Nov 22 10:00:59 mx1 postfix/qmgr[1]: 4B1D: removed",
            "Dec 31 23:59:59 mx1 postfix/qmgr[1]: 4B1D: removed",
        ];
        for (format, lines) in [(Format::Exim, &exim[..]), (Format::Syslog, &syslog[..])] {
            let mut stamps = Stamps::default();
            let mut clock = Clock::new(Zone::Fixed(3600), hint);
            for line in lines {
                let (got, time) = stamps.parse(format, line.as_bytes(), &mut clock);
                let want = format.parse_line(line.as_bytes());
                let want_time = match &want {
                    Parsed::Entry { stamp, .. } => {
                        Clock::new(Zone::Fixed(3600), hint).resolve(stamp)
                    }
                    _ => None,
                };
                assert_eq!(format!("{got:?}"), format!("{want:?}"), "{line}");
                assert_eq!(time, want_time, "{line}");
            }
        }
    }
}

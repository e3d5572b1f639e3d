//! Timestamps: nom parsers for the three stamp shapes mail logs use, and a
//! [`Clock`] that turns them into Unix seconds.
//!
//! * Exim: `2026-11-22 10:00:01`, optional `.123` and optional ` +0100`.
//! * Classic syslog: `Nov 22 10:00:01` (day space-padded, zero-padded or
//!   unpadded). It has no year: the [`YearHint`] supplies one.
//! * RFC 3339: `2026-11-22T10:00:01.123456+01:00` (or `Z`, or `+0100`).
//! * What `journalctl -o` prints: `short-full`'s `Mon 2026-11-22 10:00:01 UTC`
//!   and `short-unix`'s `1795341601.123456`.
//!
//! Stamps without a zone are local time in the configured [`Zone`]. The
//! parsers only validate and cut the stamp; [`Clock::resolve`] converts it and
//! caches the last result, so a busy log converts each second once.

use chrono::{Datelike, Local, TimeZone, Utc};
use nom::bytes::complete::{tag, take};
use nom::combinator::opt;
use nom::{IResult, Parser};

mod clock;

pub use clock::{Clock, format_rfc3339};

/// How to read stamps that carry no zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Zone {
    /// The machine's zone (`TZ` is honoured).
    #[default]
    Local,
    Utc,
    Fixed(i32),
}

/// The year and month a syslog file ends in: from the file's mtime, or from
/// `--year`. A stamp whose month is later than `month` belongs to `year - 1`
/// (a `Dec 31` line in a file written in January).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearHint {
    pub year: i32,
    pub month: u32,
}

impl YearHint {
    pub fn from_unix(secs: i64) -> YearHint {
        let dt = Local.timestamp_opt(secs, 0).single().unwrap_or_else(|| {
            Utc.timestamp_opt(0, 0)
                .single()
                .expect("epoch is valid")
                .with_timezone(&Local)
        });
        YearHint {
            year: dt.year(),
            month: dt.month(),
        }
    }

    pub fn year_for(&self, month: u32) -> i32 {
        if month > self.month {
            self.year - 1
        } else {
            self.year
        }
    }
}

/// Parsed fields of a stamp, before conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// `None` for syslog stamps, which carry no year.
    pub year: Option<i32>,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    /// Offset east of UTC in seconds, when the stamp carries one.
    pub offset: Option<i32>,
}

type Res<'a, T> = IResult<&'a [u8], T>;

/// `N` ASCII digits as a number.
fn num<const N: usize>(i: &[u8]) -> Res<'_, u32> {
    let (rest, d) = take(N).parse(i)?;
    let mut v = 0u32;
    for &b in d {
        if !b.is_ascii_digit() {
            return Err(nom::Err::Error(nom::error::Error::new(
                i,
                nom::error::ErrorKind::Digit,
            )));
        }
        v = v * 10 + u32::from(b - b'0');
    }
    Ok((rest, v))
}

fn fail<T>(i: &[u8]) -> Res<'_, T> {
    Err(nom::Err::Error(nom::error::Error::new(
        i,
        nom::error::ErrorKind::Verify,
    )))
}

/// Year, month, day, hour, minute, second.
type DateTime = (i32, u32, u32, u32, u32, u32);

impl Stamp {
    /// A stamp with its year, from a parsed date and time.
    fn dated((year, month, day, hour, minute, second): DateTime, offset: Option<i32>) -> Stamp {
        Stamp {
            year: Some(year),
            month,
            day,
            hour,
            minute,
            second,
            offset,
        }
    }
}

/// Two ASCII digits at `i[at..at + 2]` as a number.
fn two(i: &[u8], at: usize) -> Option<u32> {
    let (a, b) = (i[at].wrapping_sub(b'0'), i[at + 1].wrapping_sub(b'0'));
    (a < 10 && b < 10).then_some(u32::from(a) * 10 + u32::from(b))
}

/// `YYYY-MM-DD` followed by `sep` and `HH:MM:SS`: fixed positions, checked
/// byte by byte (this runs on every line).
fn date_time(sep: u8) -> impl Fn(&[u8]) -> Res<'_, DateTime> {
    move |i| {
        if i.len() < 19
            || i[4] != b'-'
            || i[7] != b'-'
            || i[10] != sep
            || i[13] != b':'
            || i[16] != b':'
        {
            return fail(i);
        }
        let fields = (
            two(i, 0),
            two(i, 2),
            two(i, 5),
            two(i, 8),
            two(i, 11),
            two(i, 14),
            two(i, 17),
        );
        let (Some(y1), Some(y2), Some(mo), Some(d), Some(h), Some(mi), Some(s)) = fields else {
            return fail(i);
        };
        if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
            return fail(i);
        }
        let dt = ((y1 * 100 + y2) as i32, mo, d, h, mi, s);
        Ok((&i[19..], dt))
    }
}

/// `.digits` (fraction of a second, ignored).
fn fraction(i: &[u8]) -> Res<'_, ()> {
    let (i, _) = tag(".").parse(i)?;
    let n = i.iter().take_while(|b| b.is_ascii_digit()).count();
    if n == 0 {
        return fail(i);
    }
    Ok((&i[n..], ()))
}

/// `+HHMM`, `-HHMM`, `+HH:MM` or `Z`, as seconds east of UTC.
fn offset(i: &[u8]) -> Res<'_, i32> {
    if let Ok((rest, _)) = tag::<_, _, nom::error::Error<&[u8]>>("Z").parse(i) {
        return Ok((rest, 0));
    }
    let sign = match i.first() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return fail(i),
    };
    let (i, (h, _, m)) = (num::<2>, opt(tag(":")), num::<2>).parse(&i[1..])?;
    if h > 23 || m > 59 {
        return fail(i);
    }
    Ok((i, sign * (h as i32 * 3600 + m as i32 * 60)))
}

/// Exim: `2026-11-22 10:00:01[.123][ +0100]`; returns the stamp and the rest
/// (starting after the stamp, at the space before the next field).
pub fn exim_stamp(i: &[u8]) -> Res<'_, Stamp> {
    let (i, dt) = date_time(b' ')(i)?;
    // The usual case, no fraction and no zone, decided by two bytes.
    let plain = match i {
        [b' ', next, ..] => !matches!(next, b'+' | b'-' | b'Z'),
        [b'.', ..] => false,
        _ => true,
    };
    let (i, off) = if plain {
        (i, None)
    } else {
        let (i, _) = opt(fraction).parse(i)?;
        opt((tag(" "), offset).map(|(_, o)| o)).parse(i)?
    };
    Ok((i, Stamp::dated(dt, off)))
}

/// RFC 3339: `2026-11-22T10:00:01[.123456](Z|+01:00|+0100)`; a missing
/// offset is accepted (local time).
pub fn rfc3339_stamp(i: &[u8]) -> Res<'_, Stamp> {
    let (i, dt) = date_time(b'T')(i)?;
    let (i, _) = opt(fraction).parse(i)?;
    let (i, off) = opt(offset).parse(i)?;
    Ok((i, Stamp::dated(dt, off)))
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

fn month(i: &[u8]) -> Res<'_, u32> {
    let (rest, m) = take(3usize).parse(i)?;
    match MONTHS.iter().position(|name| name[..] == *m) {
        Some(p) => Ok((rest, p as u32 + 1)),
        None => fail(i),
    }
}

/// Classic syslog: `Nov 22 10:00:01`, `Nov  2 10:00:01`, `Nov 02 ...`, `Nov 2 ...`;
/// with fractional seconds (`Nov 22 10:00:01.123456`: rsyslog high-precision
/// templates, `journalctl -o short-precise`) and with the year after the
/// time (`Apr 06 17:51:32 2016`, appliance layouts).
pub fn syslog_stamp(i: &[u8]) -> Res<'_, Stamp> {
    let (i, mut st) = classic_stamp(i)?;
    let (i, _) = opt(fraction).parse(i)?;
    // ` YYYY ` right after the time: a year, not a host (hosts named like a
    // year in 1970..2199 are taken for one).
    if i.len() > 5
        && i[0] == b' '
        && i[5] == b' '
        && let (Some(c), Some(y)) = (two(i, 1), two(i, 3))
        && (19..=21).contains(&c)
        && (c > 19 || y >= 70)
    {
        st.year = Some((c * 100 + y) as i32);
        return Ok((&i[5..], st));
    }
    Ok((i, st))
}

/// `journalctl -o short-full` (and `with-unit`): `Mon 2026-11-23 07:35:37 UTC`,
/// the zone an abbreviation: `UTC`/`GMT` are offset 0, a numeric `+0100` is
/// read, any other name (`CET`) is taken as local time in the configured zone.
pub fn weekday_stamp(i: &[u8]) -> Res<'_, Stamp> {
    if i.len() < 4 || !i[..3].iter().all(u8::is_ascii_alphabetic) || i[3] != b' ' {
        return fail(i);
    }
    let (i, dt) = date_time(b' ')(&i[4..])?;
    let (i, _) = opt(fraction).parse(i)?;
    let (i, _) = tag(" ").parse(i)?;
    let n = i.iter().take_while(|b| **b != b' ').count();
    let (zone, rest) = i.split_at(n);
    let off = match zone {
        b"UTC" | b"GMT" | b"Z" => Some(0),
        b"" => return fail(i),
        _ => match offset(zone) {
            Ok((b"", o)) => Some(o),
            _ if zone.iter().all(u8::is_ascii_alphanumeric) => None,
            _ => return fail(i),
        },
    };
    Ok((rest, Stamp::dated(dt, off)))
}

/// `journalctl -o short-unix`: `1763883337.123456` (Unix seconds since
/// 1973, 9 to 12 digits, and a fraction, so that a small number is not
/// taken for a time).
pub fn unix_stamp(i: &[u8]) -> Res<'_, Stamp> {
    let n = i.iter().take(13).take_while(|b| b.is_ascii_digit()).count();
    if !(9..=12).contains(&n) {
        return fail(i);
    }
    let mut secs: i64 = 0;
    for &b in &i[..n] {
        secs = secs * 10 + i64::from(b - b'0');
    }
    let (rest, _) = fraction(&i[n..])?;
    Ok((rest, stamp_of_unix(secs)))
}

/// The UTC [`Stamp`] of Unix seconds (civil-from-days, no allocation).
pub fn stamp_of_unix(secs: i64) -> Stamp {
    let days = secs.div_euclid(86_400);
    let tod = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    Stamp {
        year: Some(year as i32),
        month: month as u32,
        day: day as u32,
        hour: (tod / 3600) as u32,
        minute: (tod / 60 % 60) as u32,
        second: (tod % 60) as u32,
        offset: Some(0),
    }
}

/// Exactly `Mmm dd HH:MM:SS` (day two digits or space-padded), at fixed
/// positions: what `classic_stamp` reads from the same 15 bytes.
pub fn classic_fixed(i: &[u8]) -> Option<Stamp> {
    if i.len() != 15 || i[3] != b' ' || i[9] != b':' || i[12] != b':' || i[6] != b' ' {
        return None;
    }
    let mo = MONTHS.iter().position(|name| name[..] == i[..3])? as u32 + 1;
    let d = match i[4] {
        b' ' => {
            let d = i[5].wrapping_sub(b'0');
            (d < 10).then_some(u32::from(d))?
        }
        _ => two(i, 4)?,
    };
    let (h, mi, s) = (two(i, 7)?, two(i, 10)?, two(i, 13)?);
    if !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some(Stamp {
        year: None,
        month: mo,
        day: d,
        hour: h,
        minute: mi,
        second: s,
        offset: None,
    })
}

/// `Nov 22 10:00:01` alone.
fn classic_stamp(i: &[u8]) -> Res<'_, Stamp> {
    let (i, mo) = month(i)?;
    let (i, _) = tag(" ").parse(i)?;
    let (i, _) = opt(tag(" ")).parse(i)?;
    let (i, d) = match num::<2>(i) {
        Ok(ok) => ok,
        Err(_) => num::<1>(i)?,
    };
    let (i, (_, h, _, mi, _, s)) =
        (tag(" "), num::<2>, tag(":"), num::<2>, tag(":"), num::<2>).parse(i)?;
    if !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return fail(i);
    }
    Ok((
        i,
        Stamp {
            year: None,
            month: mo,
            day: d,
            hour: h,
            minute: mi,
            second: s,
            offset: None,
        },
    ))
}

#[cfg(test)]
mod tests;

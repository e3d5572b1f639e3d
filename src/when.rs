//! Times and lengths as the command line writes them: windows (`5m`,
//! `auto`), zones (`utc`, `+01:00`) and `--since`/`--until` times. Plain
//! functions: clap uses them as value parsers, the library to resolve
//! settings.

use crate::parse::time::Zone;

/// `auto` ([`crate::window::AUTO`]) or a window as [`parse_window`] reads it.
pub fn parse_window_or_auto(s: &str) -> Result<i64, String> {
    if s.eq_ignore_ascii_case("auto") {
        Ok(crate::window::AUTO)
    } else {
        parse_window(s)
    }
}

/// `30s`, `5m`, `1h`, `1d` as seconds.
pub fn parse_window(s: &str) -> Result<i64, String> {
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = num
        .parse()
        .map_err(|_| format!("`{s}`: expected a number and a unit, like 5m, 1h or 1d"))?;
    let mult = match unit {
        "s" => 1,
        "m" | "" => crate::window::MINUTE,
        "h" => crate::window::HOUR,
        "d" => crate::window::DAY,
        _ => return Err(format!("`{s}`: unit must be s, m, h or d")),
    };
    if n <= 0 {
        return Err(format!("`{s}`: the window must be longer than zero"));
    }
    Ok(n * mult)
}

pub fn parse_zone(s: &str) -> Result<Zone, String> {
    match s.to_ascii_lowercase().as_str() {
        "local" => return Ok(Zone::Local),
        "utc" | "z" => return Ok(Zone::Utc),
        _ => {}
    }
    let sign = match s.as_bytes().first() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => {
            return Err(format!(
                "`{s}`: expected local, utc or an offset like +01:00"
            ));
        }
    };
    let digits: String = s[1..].chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{s}`: expected an offset like +01:00"));
    }
    let (h, m): (i32, i32) = (
        digits[..2].parse().unwrap_or(0),
        digits[2..].parse().unwrap_or(0),
    );
    if h > 23 || m > 59 {
        return Err(format!("`{s}`: offset out of range"));
    }
    Ok(Zone::Fixed(sign * (h * 3600 + m * 60)))
}

/// A relative `--since`/`--until` (`1h`, `2d`, `-30m`, `90s`) as seconds back.
pub fn parse_back(s: &str) -> Option<i64> {
    let t = s.trim();
    let t = t.strip_prefix('-').unwrap_or(t);
    if t.is_empty() || !t.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    parse_window(t).ok()
}

/// `--since`/`--until` as Unix seconds; relative times count back from `now`.
pub fn parse_when(s: &str, zone: Zone, now: i64) -> Result<i64, String> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, Timelike};
    if let Some(back) = parse_back(s) {
        return Ok(now - back);
    }
    let at = |d: NaiveDateTime| -> Result<i64, String> {
        let st = crate::parse::time::Stamp {
            year: Some(chrono::Datelike::year(&d)),
            month: chrono::Datelike::month(&d),
            day: chrono::Datelike::day(&d),
            hour: d.hour(),
            minute: d.minute(),
            second: d.second(),
            offset: None,
        };
        crate::parse::time::Clock::new(zone, crate::parse::time::YearHint { year: 0, month: 12 })
            .resolve(&st)
            .ok_or_else(|| format!("`{s}`: no such time"))
    };
    for f in [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s.trim(), f) {
            return at(d);
        }
    }
    let midnight = |d: NaiveDate| -> Result<i64, String> {
        crate::window::midnight(zone, d).ok_or_else(|| format!("`{s}`: no such date"))
    };
    let today = || -> NaiveDate {
        let utc = DateTime::from_timestamp(now, 0).unwrap_or_default();
        match zone {
            Zone::Utc => utc.date_naive(),
            Zone::Fixed(o) => (utc + chrono::Duration::seconds(i64::from(o))).date_naive(),
            Zone::Local => utc.with_timezone(&chrono::Local).date_naive(),
        }
    };
    match s {
        "today" => midnight(today()),
        "yesterday" => midnight(today().pred_opt().ok_or("date out of range")?),
        _ => {
            if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
                return Ok(dt.timestamp());
            }
            let d = NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| {
                    format!(
                        "`{s}`: expected RFC 3339, a local date-time (2026-11-23T07:37), YYYY-MM-DD, today, yesterday or a time back (1h, 2d)"
                    )
                })?;
            midnight(d)
        }
    }
}

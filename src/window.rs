//! The window grid: window lengths, zone alignment, walking a period and
//! grouping by day ([`Grid`]), and the grid's automatic length
//! (`--window auto`, the default).
//!
//! The period a log covers is only known once it has been read, and stdin
//! or a `.gz` file cannot be peeked at from the end. So an automatic
//! aggregate starts at the finest grain (1m) and, as the stamps it has seen
//! spread out, re-buckets itself to the next coarser grain whenever its
//! period has outgrown it ([`KEPT_UP_TO`]). Each grain is a
//! whole multiple of the one before and all share the zone's alignment, so
//! every fine window lies inside exactly one coarse window and re-bucketing
//! is exact: the result equals a scan at the final grain from the start.
//! Memory stays bounded by about 96 windows per domain at any moment, and
//! partial aggregates (parallel chunks, several files) that stopped at
//! different grains are brought to the coarser one before they merge.

use chrono::{Datelike, NaiveDate};

use crate::parse::time::{Clock, Stamp, YearHint, Zone};

/// Seconds in a minute, an hour and a day: the lengths windows are named in.
pub const MINUTE: i64 = 60;
pub const HOUR: i64 = 3600;
pub const DAY: i64 = 86_400;

/// Windows of `length` seconds that start where local time (Unix time plus
/// `align`, the zone's offset) is a whole multiple of the length: hourly
/// windows start on the local hour, daily ones at local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    pub length: i64,
    /// Seconds added to Unix time to reach local time.
    pub align: i64,
}

impl Grid {
    pub fn new(length: i64, align: i64) -> Grid {
        Grid {
            length: length.max(1),
            align,
        }
    }

    /// The start of the window holding `t`.
    #[inline]
    pub fn start_of(self, t: i64) -> i64 {
        (t + self.align).div_euclid(self.length) * self.length - self.align
    }

    /// The first window start at or after `t`.
    pub fn next_start(self, t: i64) -> i64 {
        t + (-(t + self.align)).rem_euclid(self.length)
    }

    /// How many windows from the one holding `from` to the one holding `to`,
    /// both counted.
    pub fn count(self, from: i64, to: i64) -> i64 {
        (self.start_of(to) - self.start_of(from)) / self.length + 1
    }

    /// Every window start from the window holding `from` to the one holding
    /// `to`: walking the period.
    pub fn starts(self, from: i64, to: i64) -> impl Iterator<Item = i64> {
        let first = self.start_of(from);
        (0..self.count(from, to).max(0)).map(move |i| first + i * self.length)
    }

    /// The local day (days since 1970-01-01 in the grid's zone) holding `t`.
    pub fn day_of(self, t: i64) -> i64 {
        (t + self.align).div_euclid(DAY)
    }
}

/// Local midnight at the start of `date` in `zone`. DST-safe: each day is
/// found from its own date, never by adding [`DAY`] (a local day can last
/// 23 or 25 hours). `None` when the zone skips that midnight.
pub fn midnight(zone: Zone, date: NaiveDate) -> Option<i64> {
    let st = Stamp {
        year: Some(date.year()),
        month: date.month(),
        day: date.day(),
        hour: 0,
        minute: 0,
        second: 0,
        offset: None,
    };
    Clock::new(zone, YearHint { year: 0, month: 12 }).resolve(&st)
}

/// The local day `date` in `zone` as `[start, end)`: grouping by day.
pub fn day_span(zone: Zone, date: NaiveDate) -> Option<(i64, i64)> {
    Some((midnight(zone, date)?, midnight(zone, date.succ_opt()?)?))
}

/// The `--window` value meaning "pick from the period".
pub const AUTO: i64 = 0;
/// The grains `auto` chooses from: 1m, 5m, 15m, 1h, 1d.
pub const GRAINS: [i64; 5] = [MINUTE, 5 * MINUTE, 15 * MINUTE, HOUR, DAY];
/// The most windows a period should hold at its grain.
pub const MAX_WINDOWS: i64 = 96;

/// The longest period each grain but the last is kept for. A grain is left
/// once the period holds more than 96 of its windows, and not before the
/// next grain is nearer to 24..96 windows (by ratio): the span where
/// `n_fine / 96 = 24 / n_coarse`, i.e. `48 * sqrt(fine * coarse)`. So 1m up
/// to 107 minutes, 5m up to 8 hours, 15m up to a day, 1h up to 9.8 days
/// (the 1h to 1d step is 24 to 1, so no grain gives 24 to 96 windows
/// between 4 and 24 days), 1d beyond.
pub const KEPT_UP_TO: [i64; 4] = [6440, 28_800, 86_400, 846_544];

/// The grain `auto` picks for a period of `span` seconds.
pub fn auto_window(span: i64) -> i64 {
    GRAINS
        .iter()
        .zip(KEPT_UP_TO)
        .find(|(_, up_to)| span <= *up_to)
        .map_or(GRAINS[GRAINS.len() - 1], |(g, _)| *g)
}

/// Whether a period of `span` seconds has outgrown windows of `window`.
#[inline]
pub fn outgrown(span: i64, window: i64) -> bool {
    span > MAX_WINDOWS * window && auto_window(span) > window
}

#[cfg(test)]
mod tests {
    use super::{DAY, Grid, HOUR, auto_window, day_span, midnight};
    use crate::parse::time::Zone;
    use chrono::NaiveDate;

    #[test]
    fn days_start_at_local_midnight() {
        let date = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        // 2026-03-02T00:00:00Z is 1772409600.
        assert_eq!(midnight(Zone::Utc, date(2)), Some(1_772_409_600));
        assert_eq!(
            midnight(Zone::Fixed(3600), date(2)),
            Some(1_772_409_600 - HOUR)
        );
        assert_eq!(
            day_span(Zone::Fixed(-1800), date(2)),
            Some((1_772_409_600 + 1800, 1_772_409_600 + 1800 + DAY))
        );
    }

    #[test]
    fn grid_aligns_to_the_zone_and_walks_a_period() {
        // UTC+01:00: hourly windows start on the local hour, days at local midnight.
        let g = Grid::new(HOUR, HOUR);
        assert_eq!(g.start_of(3 * HOUR + 59), 3 * HOUR);
        let d = Grid::new(DAY, HOUR);
        assert_eq!(d.start_of(0), -HOUR);
        assert_eq!(d.start_of(DAY - HOUR), DAY - HOUR);
        assert_eq!(d.day_of(DAY - HOUR - 1), 0);
        assert_eq!(d.day_of(DAY - HOUR), 1);
        // Negative times and a half-hour zone.
        let h = Grid::new(HOUR, 1800);
        assert_eq!(h.start_of(-1), -1800);
        assert_eq!(h.next_start(-1800), -1800);
        assert_eq!(h.next_start(-1799), 1800);
        let walk: Vec<i64> = Grid::new(900, 0).starts(100, 2000).collect();
        assert_eq!(walk, [0, 900, 1800]);
        assert_eq!(Grid::new(900, 0).count(100, 2000), 3);
    }

    #[test]
    fn picks_24_to_96_windows() {
        assert_eq!(auto_window(8 * 60), 60);
        assert_eq!(auto_window(45 * 60), 60);
        assert_eq!(auto_window(96 * 60), 60);
        assert_eq!(auto_window(107 * 60), 60);
        assert_eq!(auto_window(108 * 60), 300);
        assert_eq!(auto_window(10 * 3600), 900);
        assert_eq!(auto_window(24 * 3600), 900);
        assert_eq!(auto_window(2 * 86_400), 3600);
        assert_eq!(auto_window(30 * 86_400), 86_400);
        assert_eq!(auto_window(400 * 86_400), 86_400);
        assert_eq!(auto_window(5 * 86_400), 3600);
        assert_eq!(auto_window(10 * 86_400), 86_400);
        for span in [2 * 3600, 9 * 3600, 25 * 3600, 3 * 86_400, 30 * 86_400] {
            let n = span / auto_window(span);
            assert!((24..=96).contains(&n), "{span}: {n} windows");
        }
    }
}

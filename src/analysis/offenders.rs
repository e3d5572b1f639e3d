//! Repeat offenders: does a domain keep returning 421, or was it one bad
//! hour? Read from the domain's per-window counts.

use serde::Serialize;

use crate::aggregate::DomainWindow;
use crate::window::Grid;

/// At least this many separate episodes of 421s make a repeat offender...
pub const MIN_EPISODES: usize = 3;
/// ... or 421s on at least this many different days.
pub const MIN_DAYS: usize = 2;
/// The rule, as the report states it.
pub const RULE: &str = "a domain keeps returning 421 when its 421 deferrals fall in at least 3 separate episodes (runs of consecutive windows with 421s, split by a window without) or on at least 2 different days";

/// 421 deferrals in the two halves of the report period.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Trend {
    pub first_half: u64,
    pub second_half: u64,
    /// `rising`, `falling`, `steady`, or `n/a` when the period is shorter
    /// than two windows.
    pub direction: &'static str,
}

impl Trend {
    /// Rising when the second half has at least 1.5 times the first and at
    /// least 2 more; falling the other way round; steady otherwise.
    pub fn new(first_half: u64, second_half: u64) -> Trend {
        let grew = |a: u64, b: u64| b * 2 >= a * 3 && b >= a + 2;
        let direction = if grew(first_half, second_half) {
            "rising"
        } else if grew(second_half, first_half) {
            "falling"
        } else {
            "steady"
        };
        Trend {
            first_half,
            second_half,
            direction,
        }
    }
}

/// How persistently one domain returned 421.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Repeat {
    pub windows_with_421: usize,
    pub windows_with_attempts: usize,
    pub days_with_421: usize,
    /// Most consecutive windows that each hold a 421 deferral.
    pub longest_streak: usize,
    /// Runs of consecutive windows with 421s.
    pub episodes: usize,
    pub trend: Trend,
    pub keeps_returning: bool,
}

/// The report's window grid and where its period sits on it.
#[derive(Debug, Clone, Copy)]
pub struct Period {
    pub grid: Grid,
    /// The middle of the report period; `None` when it is shorter than two
    /// windows (no trend then).
    pub midpoint: Option<i64>,
}

/// The repeat figures of one domain's windows (sorted by start).
pub fn repeat(windows: &[DomainWindow], period: Period) -> Repeat {
    let grid = period.grid;
    let hit: Vec<&DomainWindow> = windows.iter().filter(|w| w.deferrals_421 > 0).collect();
    let mut days: Vec<i64> = hit.iter().map(|w| grid.day_of(w.start)).collect();
    days.dedup();
    let (mut episodes, mut streak, mut longest) = (0, 0, 0);
    let mut prev: Option<i64> = None;
    for w in &hit {
        if prev.is_some_and(|p| p + grid.length == w.start) {
            streak += 1;
        } else {
            episodes += 1;
            streak = 1;
        }
        longest = longest.max(streak);
        prev = Some(w.start);
    }
    let (mut first_half, mut second_half) = (0, 0);
    for w in &hit {
        if period.midpoint.is_none_or(|m| w.start < m) {
            first_half += u64::from(w.deferrals_421);
        } else {
            second_half += u64::from(w.deferrals_421);
        }
    }
    Repeat {
        windows_with_421: hit.len(),
        windows_with_attempts: windows.iter().filter(|w| w.attempts > 0).count(),
        days_with_421: days.len(),
        longest_streak: longest,
        episodes,
        trend: match period.midpoint {
            Some(_) => Trend::new(first_half, second_half),
            None => Trend {
                first_half,
                second_half,
                direction: "n/a",
            },
        },
        keeps_returning: episodes >= MIN_EPISODES || days.len() >= MIN_DAYS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::window::HOUR;

    fn w(hour: i64, attempts: u32, deferrals_421: u32) -> DomainWindow {
        DomainWindow {
            start: hour * HOUR,
            attempts,
            deferrals_421,
        }
    }

    const GRID: Period = Period {
        grid: Grid {
            length: HOUR,
            align: 0,
        },
        midpoint: Some(24 * HOUR),
    };

    #[test]
    fn one_bad_afternoon_is_not_a_repeat_offender() {
        let r = repeat(&[w(1, 5, 0), w(14, 9, 3), w(15, 8, 2), w(16, 4, 0)], GRID);
        assert_eq!(
            (r.windows_with_421, r.windows_with_attempts, r.days_with_421),
            (2, 4, 1)
        );
        assert_eq!((r.longest_streak, r.episodes), (2, 1));
        assert!(!r.keeps_returning);
        assert_eq!(r.trend, Trend::new(5, 0));
        assert_eq!(r.trend.direction, "falling");
    }

    #[test]
    fn three_episodes_or_two_days_keep_returning() {
        let three = repeat(&[w(9, 1, 1), w(11, 1, 1), w(13, 1, 1), w(14, 1, 1)], GRID);
        assert_eq!((three.episodes, three.longest_streak), (3, 2));
        assert!(three.keeps_returning);
        let two_days = repeat(&[w(10, 1, 1), w(34, 1, 4)], GRID);
        assert_eq!((two_days.episodes, two_days.days_with_421), (2, 2));
        assert!(two_days.keeps_returning);
        assert_eq!(two_days.trend.direction, "rising");
    }

    #[test]
    fn no_trend_within_one_window() {
        let short = Period {
            midpoint: None,
            ..GRID
        };
        let r = repeat(&[w(9, 3, 2)], short);
        assert_eq!(r.trend.direction, "n/a");
        assert_eq!(r.trend.first_half, 2);
    }

    #[test]
    fn trend_needs_a_real_change() {
        assert_eq!(Trend::new(3, 4).direction, "steady");
        assert_eq!(Trend::new(0, 1).direction, "steady");
        assert_eq!(Trend::new(0, 2).direction, "rising");
        assert_eq!(Trend::new(10, 6).direction, "falling");
    }
}

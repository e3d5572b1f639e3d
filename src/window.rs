//! The window grid's automatic length (`--window auto`, the default).
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

/// The `--window` value meaning "pick from the period".
pub const AUTO: i64 = 0;
/// The grains `auto` chooses from: 1m, 5m, 15m, 1h, 1d.
pub const GRAINS: [i64; 5] = [60, 300, 900, 3600, 86_400];
/// The most windows a period should hold at its grain, and the fewest.
pub const MAX_WINDOWS: i64 = 96;
pub const MIN_WINDOWS: i64 = 24;

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
    use super::auto_window;

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

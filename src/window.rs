//! The window grid's automatic length (`--window auto`, the default).
//!
//! The period a log covers is only known once it has been read, and stdin
//! or a `.gz` file cannot be peeked at from the end. So an automatic
//! aggregate starts at the finest grain (1m) and, as the stamps it has seen
//! spread out, re-buckets itself to the next coarser grain whenever its
//! period would hold more than [`MAX_WINDOWS`] windows. Each grain is a
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
/// The most windows a period should hold; the finest grain that keeps the
/// period within this many windows is taken (so periods above 96 minutes
/// get about 19 to 96 windows; shorter ones get 1m windows).
pub const MAX_WINDOWS: i64 = 96;

/// The finest grain whose windows cover `span` seconds in at most
/// [`MAX_WINDOWS`] windows (1d beyond 96 days).
pub fn auto_window(span: i64) -> i64 {
    GRAINS
        .iter()
        .copied()
        .find(|g| span <= MAX_WINDOWS * g)
        .unwrap_or(GRAINS[GRAINS.len() - 1])
}

/// Whether a period of `span` seconds has outgrown windows of `window`.
#[inline]
pub fn outgrown(span: i64, window: i64) -> bool {
    span > MAX_WINDOWS * window && window < GRAINS[GRAINS.len() - 1]
}

#[cfg(test)]
mod tests {
    use super::auto_window;

    #[test]
    fn picks_24_to_96_windows() {
        assert_eq!(auto_window(8 * 60), 60);
        assert_eq!(auto_window(45 * 60), 60);
        assert_eq!(auto_window(96 * 60), 60);
        assert_eq!(auto_window(97 * 60), 300);
        assert_eq!(auto_window(10 * 3600), 900);
        assert_eq!(auto_window(24 * 3600), 900);
        assert_eq!(auto_window(2 * 86_400), 3600);
        assert_eq!(auto_window(30 * 86_400), 86_400);
        assert_eq!(auto_window(400 * 86_400), 86_400);
        for span in [2 * 3600, 9 * 3600, 25 * 3600, 5 * 86_400, 30 * 86_400] {
            let n = span / auto_window(span);
            assert!((19..=96).contains(&n), "{span}: {n} windows");
        }
    }
}

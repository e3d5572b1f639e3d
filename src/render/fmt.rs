//! The formatting every renderer shares: log text made safe and short for a
//! cell, durations and window lengths in words, percentages, counts and
//! report times shortened for display. Renderers format with these and
//! compute nothing else; HTML escaping stays in `html`.

use crate::classify::Cause;
use crate::text::escape_control;
use crate::window::{DAY, HOUR, MINUTE};

/// `s` cut to `max` characters, the last one `…` when cut (no escaping:
/// for text already made safe).
pub fn cut(s: &str, max: usize) -> String {
    if s.chars().count() > max {
        s.chars()
            .take(max.saturating_sub(1))
            .chain(std::iter::once('…'))
            .collect()
    } else {
        s.to_string()
    }
}

/// Log text made safe for a terminal (control characters escaped visibly)
/// and cut to `max` characters.
pub fn cell(s: &str, max: usize) -> String {
    cut(&escape_control(s), max)
}

/// `75` → `1m15s`, `7260` → `2h01m`, `90000` → `1d01h`.
pub fn duration(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        s if s < MINUTE => format!("{s}s"),
        s if s < HOUR => format!("{}m{:02}s", s / MINUTE, s % MINUTE),
        s if s < DAY => format!("{}h{:02}m", s / HOUR, s / MINUTE % 60),
        s => format!("{}d{:02}h", s / DAY, s / HOUR % 24),
    }
}

/// A duration that may be unknown (`-`).
pub fn opt_duration(s: Option<u32>) -> String {
    s.map_or_else(|| "-".to_string(), |s| duration(i64::from(s)))
}

/// A window length: `3600` → `1h`, `300` → `5m`, `86400` → `1d`.
pub fn human_window(secs: i64) -> String {
    match secs {
        s if s % DAY == 0 => format!("{}d", s / DAY),
        s if s % HOUR == 0 => format!("{}h", s / HOUR),
        s if s % MINUTE == 0 => format!("{}m", s / MINUTE),
        s => format!("{s}s"),
    }
}

/// A share (0..1) as a percentage with one decimal, or `-` when unknown.
pub fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "-".to_string(), |s| format!("{:.1}%", s * 100.0))
}

/// Causes by name, space-separated: `rate-limit capacity`.
pub fn cause_list(causes: &[Cause]) -> String {
    causes
        .iter()
        .map(|c| c.name())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `12345` → `12,345`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `2026-11-22T10:00:00+01:00` shown as `2026-11-22 10:00`.
pub fn short_time(s: &str) -> String {
    s.get(..16)
        .map_or_else(|| s.to_string(), |t| t.replacen('T', " ", 1))
}

/// `2026-11-22T10:00:10+01:00` shown as `2026-11-22 10:00:10`.
pub fn long_time(s: &str) -> String {
    s.get(..19)
        .map_or_else(|| s.to_string(), |t| t.replacen('T', " ", 1))
}

/// The start (or end) of a window of `window` seconds, to the minute
/// (`2026-11-22 10:00`), or to the second when windows are not whole
/// minutes (`2026-11-22 10:00:10`): six 10-second windows must not read alike.
pub fn window_time(s: &str, window: i64) -> String {
    if window % MINUTE == 0 {
        short_time(s)
    } else {
        long_time(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_windows_read_short() {
        assert_eq!(duration(-5), "0s");
        assert_eq!(duration(75), "1m15s");
        assert_eq!(duration(7260), "2h01m");
        assert_eq!(duration(90_000), "1d01h");
        assert_eq!(opt_duration(None), "-");
        assert_eq!(human_window(3600), "1h");
        assert_eq!(human_window(2 * 86_400), "2d");
        assert_eq!(human_window(300), "5m");
        assert_eq!(human_window(90), "90s");
    }

    #[test]
    fn cells_are_escaped_then_cut() {
        assert_eq!(cell("abc", 3), "abc");
        assert_eq!(cell("abcd", 3), "ab…");
        assert_eq!(cell("a\u{1b}b", 20), escape_control("a\u{1b}b"));
        assert!(!cell("a\u{1b}[2Jb", 4).contains('\u{1b}'));
        assert_eq!(cut("abcd", 0), "…");
    }

    #[test]
    fn numbers_and_times() {
        assert_eq!(percent(Some(0.1234)), "12.3%");
        assert_eq!(percent(None), "-");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
        assert_eq!(short_time("2026-11-22T10:00:00+01:00"), "2026-11-22 10:00");
        assert_eq!(
            long_time("2026-11-22T10:00:10+01:00"),
            "2026-11-22 10:00:10"
        );
        assert_eq!(
            window_time("2026-11-22T10:00:10+01:00", 10),
            "2026-11-22 10:00:10"
        );
        assert_eq!(
            window_time("2026-11-22T10:00:10+01:00", 60),
            "2026-11-22 10:00"
        );
    }
}

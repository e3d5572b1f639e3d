//! Tests of the stamp parsers and the clock.

use super::*;

fn clock() -> Clock {
    Clock::new(
        Zone::Utc,
        YearHint {
            year: 2026,
            month: 11,
        },
    )
}

#[test]
fn exim_plain_millis_and_zone() {
    let (rest, st) = exim_stamp(b"2026-11-22 10:00:01 1tA2b3").unwrap();
    assert_eq!(rest, b" 1tA2b3");
    assert_eq!(clock().resolve(&st), Some(1_795_341_601));
    let (_, st) = exim_stamp(b"2026-11-22 10:00:01.123 [5]").unwrap();
    assert_eq!(st.second, 1);
    let (rest, st) = exim_stamp(b"2026-11-22 10:00:01 +0100 x").unwrap();
    assert_eq!(rest, b" x");
    assert_eq!(clock().resolve(&st), Some(1_795_341_601 - 3600));
    let (_, st) = exim_stamp(b"2026-11-22 10:00:01 -0200 x").unwrap();
    assert_eq!(clock().resolve(&st), Some(1_795_341_601 + 7200));
}

/// The per-thread reuse of the last stamp never hands one stamp's
/// fields to another, nor a good stamp's to a bad one.
#[test]
fn repeated_and_changed_stamps_read_alike() {
    let a = exim_stamp(b"2026-11-22 10:00:01 x").unwrap().1;
    assert_eq!(exim_stamp(b"2026-11-22 10:00:01 y").unwrap().1, a);
    let b = exim_stamp(b"2026-11-22 10:00:02 x").unwrap().1;
    assert_eq!((b.second, b.minute), (2, 0));
    let c = exim_stamp(b"2026-12-22 10:00:02 x").unwrap().1;
    assert_eq!((c.month, c.second), (12, 2));
    assert!(exim_stamp(b"2026-12-22T10:00:02 x").is_err());
    let r = rfc3339_stamp(b"2026-12-22T10:00:02Z").unwrap().1;
    assert_eq!((r.month, r.second, r.offset), (12, 2, Some(0)));
    assert!(exim_stamp(b"2026-12-22T10:00:02 x").is_err());
    assert_eq!(exim_stamp(b"2026-12-22 10:00:02 x").unwrap().1, c);
    assert!(exim_stamp(b"2026-13-22 10:00:02 x").is_err());
}

#[test]
fn rejects_non_stamps() {
    assert!(exim_stamp(b"******** SERVER ********").is_err());
    assert!(exim_stamp(b"2026-13-22 10:00:01").is_err());
    assert!(syslog_stamp(b"Foo 22 10:00:01").is_err());
    assert!(rfc3339_stamp(b"2026-11-22 10:00:01").is_err());
}

#[test]
fn syslog_day_forms() {
    for s in [
        &b"Nov  2 10:00:01 h"[..],
        b"Nov 02 10:00:01 h",
        b"Nov 2 10:00:01 h",
    ] {
        let (rest, st) = syslog_stamp(s).unwrap();
        assert_eq!(rest, b" h");
        assert_eq!((st.month, st.day, st.hour), (11, 2, 10));
    }
}

#[test]
fn syslog_year_from_hint_rolls_back_after_new_year() {
    let mut c = Clock::new(
        Zone::Utc,
        YearHint {
            year: 2027,
            month: 1,
        },
    );
    let (_, dec) = syslog_stamp(b"Dec 31 23:59:59 h").unwrap();
    let (_, jan) = syslog_stamp(b"Jan  1 00:00:00 h").unwrap();
    assert_eq!(c.resolve(&jan).unwrap() - c.resolve(&dec).unwrap(), 1);
    assert_eq!(
        format_rfc3339(c.resolve(&dec).unwrap(), Zone::Utc),
        "2026-12-31T23:59:59Z"
    );
}

#[test]
fn rfc3339_offsets() {
    let mut c = clock();
    for (s, want) in [
        (
            &b"2026-11-22T10:00:01.123456+01:00 h"[..],
            1_795_341_601 - 3600,
        ),
        (b"2026-11-22T10:00:01Z h", 1_795_341_601),
        (b"2026-11-22T10:00:01+0100 h", 1_795_341_601 - 3600),
    ] {
        let (rest, st) = rfc3339_stamp(s).unwrap();
        assert_eq!(rest, b" h");
        assert_eq!(c.resolve(&st), Some(want));
    }
}

#[test]
fn issue_17_classic_fraction_and_year() {
    let (rest, st) = syslog_stamp(b"Nov 23 07:35:37.123456 h").unwrap();
    assert_eq!(rest, b" h");
    assert_eq!((st.year, st.second), (None, 37));
    let (rest, st) = syslog_stamp(b"Apr 06 17:51:32 2016 h p:").unwrap();
    assert_eq!(rest, b" h p:");
    assert_eq!(
        format_rfc3339(clock().resolve(&st).unwrap(), Zone::Utc),
        "2016-04-06T17:51:32Z"
    );
    // A host that is not a year stays a host.
    let (rest, st) = syslog_stamp(b"Apr 06 17:51:32 1234 p:").unwrap();
    assert_eq!((rest, st.year), (&b" 1234 p:"[..], None));
}

#[test]
fn issue_17_journalctl_short_full_and_unix() {
    let mut c = clock();
    let (rest, st) = weekday_stamp(b"Mon 2026-11-23 11:16:13 UTC mx1").unwrap();
    assert_eq!(rest, b" mx1");
    let want = c.resolve(&rfc3339_stamp(b"2026-11-23T11:16:13Z").unwrap().1);
    assert_eq!(c.resolve(&st), want);
    let (_, st) = weekday_stamp(b"Mon 2026-11-23 12:16:13 +0100 mx1").unwrap();
    assert_eq!(c.resolve(&st), want);
    let (_, st) = weekday_stamp(b"Mon 2026-11-23 12:16:13 CET mx1").unwrap();
    assert_eq!(st.offset, None);
    assert!(weekday_stamp(b"Mon 2026-11-23 12:16:13").is_err());
    // journalctl's own rendering of the same entry, both ways.
    let (rest, st) = unix_stamp(b"1795432573.048791 mx1").unwrap();
    assert_eq!(rest, b" mx1");
    assert_eq!(
        format_rfc3339(c.resolve(&st).unwrap(), Zone::Utc),
        "2026-11-23T11:16:13Z"
    );
    assert!(unix_stamp(b"1795432573 mx1").is_err());
    assert!(unix_stamp(b"13.048791 mx1").is_err());
    for secs in [0, 951_782_400, 1_795_432_573, 4_107_542_400] {
        let st = stamp_of_unix(secs);
        assert_eq!(c.resolve(&st), Some(secs));
    }
}

#[test]
fn impossible_date_is_none() {
    let (_, st) = exim_stamp(b"2026-02-30 10:00:01").unwrap();
    assert_eq!(clock().resolve(&st), None);
}

//! Unit tests of the line-folding core, on real Postfix 3.7 lines.

use super::*;
use crate::parse::Parsed;
use crate::parse::time::{Clock, YearHint, Zone};

/// A deferral with a 421 as Postfix 3.7 wrote it (fixtures/real), to
/// `domain` through `host`, with `reply`.
fn deferral(domain: &str, host: &str, reply: &str) -> String {
    format!(
        "Nov 23 11:12:27 mx1 postfix/smtp[30108]: D7FFFBEB93: to=<mallory@{domain}>, relay={host}[127.0.0.1]:2610, delay=0.05, delays=0.02/0.01/0/0.01, dsn=4.7.0, status=deferred (host {host}[127.0.0.1] said: 421 4.7.0 {reply} (in reply to RCPT TO command))"
    )
}

fn feed(fold: &mut Fold, line: &str) {
    let mut clock = Clock::new(
        Zone::Utc,
        YearHint {
            year: 2026,
            month: 12,
        },
    );
    let Parsed::Entry { stamp, mta, record } = Format::Syslog.parse_line(line.as_bytes()) else {
        panic!("not a log line: {line}");
    };
    let time = clock.resolve(&stamp).expect("a time");
    let entry = Entry {
        time,
        mta,
        record,
        server: None,
    };
    assert!(fold.entry(&entry).is_some(), "not a 421: {line}");
}

/// `i` in letters (reply texts are told apart without their numbers).
fn letters(mut i: usize) -> String {
    let mut s = String::new();
    loop {
        s.push((b'a' + (i % 26) as u8) as char);
        i /= 26;
        if i == 0 {
            return s;
        }
    }
}

/// Issue 16 leftover: follow's session holds at most twice its cap of
/// remote hosts and reply texts, keeping the busiest exactly.
#[test]
fn issue_16_session_bounds_hosts_and_replies() {
    let mut fold = Fold::new(Aggregate::new(3600, 0), false).keep_detail(50);
    let busy = "Too many connections, slow down";
    let mut heavy = 0;
    for i in 0..3000 {
        feed(
            &mut fold,
            &deferral(
                "a.test",
                &format!("mx{i}.a.test"),
                &format!("Try again later {}", letters(i)),
            ),
        );
        if i % 30 == 0 {
            feed(&mut fold, &deferral("a.test", "heavy.a.test", busy));
            heavy += 1;
        }
        let agg = &fold.aggregate;
        assert!(agg.hosts.len() < 100, "{} hosts held", agg.hosts.len());
        assert!(
            agg.replies.len() < 100,
            "{} replies held",
            agg.replies.len()
        );
    }
    let agg = &fold.aggregate;
    assert_eq!(agg.hosts.get("heavy.a.test"), Some(&heavy));
    let top = agg
        .replies
        .iter()
        .max_by_key(|(_, r)| r.by_kind.iter().sum::<u64>())
        .map(|(_, r)| r.by_kind.iter().sum::<u64>());
    assert_eq!(top, Some(heavy));
    // The totals count every one.
    assert_eq!(agg.totals.by_kind.iter().sum::<u64>(), 3000 + heavy);
}

/// Without a cap (report, summary), every host is kept.
#[test]
fn without_a_cap_every_host_is_kept() {
    let mut fold = Fold::new(Aggregate::new(3600, 0), false);
    for i in 0..300 {
        feed(
            &mut fold,
            &deferral("a.test", &format!("mx{i}.a.test"), "Try again later"),
        );
    }
    assert_eq!(fold.aggregate.hosts.len(), 300);
}

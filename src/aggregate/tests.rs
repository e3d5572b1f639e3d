//! Unit tests of the aggregate: bounded domains, exact totals.

use super::*;
use crate::parse::{Format, Parsed};

/// Issue 16 §3: with room for 50 domains, 5,000 distinct 421 domains
/// leave at most 100 held, the totals exact and the top domain exact.
#[test]
fn kept_domains_are_bounded_and_totals_exact() {
    let real = "Nov 23 11:12:27 mx1 postfix/smtp[30108]: D7FFFBEB93: to=<mallory@greylist.test>, relay=127.0.0.1[127.0.0.1]:2610, delay=0.05, delays=0.02/0.01/0/0.01, dsn=4.7.0, status=deferred (host 127.0.0.1[127.0.0.1] said: 421 4.7.0 Greylisted, please try again in 5 minutes (in reply to RCPT TO command))";
    let mut kept = Aggregate::new(3600, 0)
        .without_quiet_domains()
        .keep_domains(50);
    let mut all = Aggregate::new(3600, 0).without_quiet_domains();
    let mut most = 0;
    let mut feed = |domain: &str| {
        let line = real.replace("greylist.test", domain);
        let Parsed::Entry { mta, record, .. } = Format::Syslog.parse_line(line.as_bytes()) else {
            panic!("a real Postfix line parses");
        };
        let ev = Event::from_record(1_700_000_000, mta, &record).expect("a 421 deferral");
        for a in [&mut kept, &mut all] {
            if let crate::parse::Record::Delivery(d) = &record {
                a.delivery(1_700_000_000, d);
            }
            a.event(&ev);
        }
        most = most.max(kept.domain_stats.len());
    };
    for i in 0..5000 {
        feed(&format!("d{i}.test"));
        if i % 10 == 0 {
            feed("heavy.test");
        }
    }
    assert!(most <= 100, "{most} domains held");
    assert_eq!(all.domains().count(), 5001);
    assert_eq!(kept.totals, all.totals);
    assert_eq!(kept.totals.by_kind[Kind::Deferred.index()], 5500);
    assert_eq!(kept.causes, all.causes);
    let heavy = |a: &Aggregate| {
        a.domains()
            .find(|(d, _)| *d == b"heavy.test")
            .map(|(_, s)| s.by_kind()[Kind::Deferred.index()])
    };
    assert_eq!(heavy(&kept), Some(500));
    assert_eq!(heavy(&all), Some(500));
    let held: u64 = kept
        .domains()
        .map(|(_, s)| s.by_kind()[Kind::Deferred.index()])
        .sum();
    assert_eq!(held + kept.forgotten.deferrals_421, 5500);
    assert!(kept.forgotten.domains >= 5001 - kept.domains().count() as u64);
}

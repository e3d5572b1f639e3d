//! Tests of the advice table and `explain`.

use super::explain::{cause_named, close_categories};
use super::*;

#[test]
fn every_cause_has_guidance() {
    let mut long = Vec::new();
    for c in Cause::ALL {
        let g = guidance(c);
        assert_eq!(g.category, c);
        assert!(!g.meaning.is_empty() && !g.temporary.is_empty());
        for (name, list) in [
            ("causes", g.causes),
            ("who_acts", g.who_acts),
            ("do_now", g.do_now),
            ("tell_support", g.tell_support),
        ] {
            assert!(
                (3..=6).contains(&list.len()),
                "{}: {name} has {} items",
                c.name(),
                list.len()
            );
            for item in list {
                assert!(!item.trim().is_empty(), "{}: empty {name} item", c.name());
                let lines = wrap(item, "  1. ", "     ", 80);
                if lines.len() > 2 {
                    long.push(format!("{}: {item:?}", c.name()));
                }
            }
        }
    }
    assert!(long.is_empty(), "items over two lines: {long:#?}");
}

#[test]
fn close_category_names() {
    assert_eq!(close_categories("ratelimit"), ["rate-limit"]);
    assert_eq!(close_categories("throttled"), ["rate-limit"]);
    assert_eq!(close_categories("greylist"), ["greylisting"]);
    assert_eq!(close_categories("timout"), ["timeout"]);
    assert!(close_categories("banana").is_empty());
    let e = explain("ratelimit").err().unwrap();
    assert!(e.contains("did you mean rate-limit?"), "{e}");
}

#[test]
fn wrap_fits_and_cuts_long_words() {
    let long = "x".repeat(200);
    for text in [
        "a b c",
        long.as_str(),
        &format!("word {long} word"),
        "",
        "421 4.7.0 [TSS04] Messages from 203.0.113.5 temporarily deferred due to unexpected volume or user complaints",
    ] {
        let lines = wrap(text, "Reply:     ", "           ", 80);
        assert!(lines.iter().all(|l| l.chars().count() <= 80), "{lines:?}");
        let joined: String = lines.concat().split_whitespace().collect();
        assert!(joined.contains(&text.split_whitespace().collect::<String>()));
    }
}

#[test]
fn names_and_replies() {
    assert_eq!(cause_named("Rate_Limit"), Some(Cause::RateLimit));
    assert_eq!(cause_named("ratelimit"), None);
    let e = explain("4.7.28").unwrap();
    assert_eq!(e.guidance.category, Cause::RateLimit);
    assert_eq!(
        e.provider.map(|p| p.title),
        Some("Gmail / Google Workspace")
    );
    let line = "postfix/smtp[1]: 4217E3011B47: to=<a@b.example>, relay=mx.b.example[192.0.2.1]:25, \
                status=deferred (host mx.b.example[192.0.2.1] said: 421 4.3.2 System busy (in reply to RCPT TO command))";
    let e = explain(line).unwrap();
    let r = e.reply.unwrap();
    assert_eq!(r.text, "421 4.3.2 System busy");
    assert_eq!(e.guidance.category, Cause::Capacity);
    assert_eq!(
        explain("421 4.7.0 Try again")
            .unwrap()
            .reply
            .unwrap()
            .decided_by,
        "enhanced-code"
    );
    assert!(explain("nonsense").unwrap_err().contains("rate-limit"));
    assert!(
        explain("550 5.7.1 spam")
            .unwrap()
            .reply
            .unwrap()
            .note
            .is_some()
    );
}

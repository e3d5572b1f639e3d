//! Unit tests of [`super`]: queue listings (`postqueue -j`, `exim -bp`) and give-up rules.

use super::*;

#[test]
fn exim_listing() {
    let text = " 2m   370 1xaPWt-0005YU-2H <newsletter@src.test>\n          heidi@capacity.test\n        D mallory@bigcorp.test\n\n25h  2.3K 1xaPX1-0005p5-2g <> *** frozen ***\n          Oscar@Gmail.test\n\n";
    let d = parse(text, 0).unwrap();
    assert_eq!(d.mta, Some(Mta::Exim));
    assert_eq!(d.messages.len(), 2);
    assert_eq!(d.messages[0].recipients, vec!["heidi@capacity.test"]);
    assert_eq!(d.messages[0].arrival, 1_796_614_603);
    assert_eq!(d.messages[1].recipients, vec!["oscar@gmail.test"]);
    assert!(d.messages[1].held);
    assert_eq!(d.messages[1].size, 2355);
    assert!(parse("garbage line\n", 0).is_err());
    // One odd line among good ones is skipped, not fatal.
    let odd = format!("{text}odd line here\n");
    assert_eq!(parse(&odd, 0).unwrap().messages.len(), 2);
}

#[test]
fn ids() {
    assert!(is_exim_id("1xaPWt-0005YU-2H"));
    assert!(is_exim_id("1xaPWt-000000005YU-002H"));
    assert!(!is_exim_id("1xaPWt-0005YU-2H;rm"));
    assert!(!is_exim_id("$(x)-0005YU-2H"));
    assert!(is_postfix_id("3F5F8132196"));
    assert!(!is_postfix_id("3F5F8 132196"));
    assert!(!is_postfix_id("-d"));
}

#[test]
fn retry_rules() {
    let conf = "begin routers\nx:\n  driver = y\nbegin retry\n# c\ngmail.test * F,5m,1m\n*   *   F,2h,15m; G,16h,1h,1.5; F,4d,6h\nbegin rewrite\n";
    let rules = exim_retry_rules(conf).unwrap();
    assert_eq!(
        rules,
        vec![("gmail.test".into(), 300), ("*".into(), 4 * 86_400)]
    );
    let l = Lifetime {
        default: None,
        rules,
        source: String::new(),
    };
    assert_eq!(l.for_domain("gmail.test"), 300);
    assert_eq!(l.for_domain("other.test"), 4 * 86_400);
    assert!(pattern_matches("*.example.com", "mx.example.com"));
    assert!(!pattern_matches("*.example.com", "xexample.com"));
    assert_eq!(parse_postfix_time("5m"), Some(300));
    assert_eq!(parse_postfix_time("5"), Some(5 * 86_400));
}

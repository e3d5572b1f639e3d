//! Unit tests of [`super`]: the layouts (syslog, journald, docker, grep -H) peeled and detected.

use super::*;
use crate::parse::{Format, Record};

fn is_delivery(p: &Parsed<'_>) -> bool {
    matches!(
        p,
        Parsed::Entry {
            record: Record::Delivery(_),
            ..
        }
    )
}

const LINE: &[u8] = b"Nov 23 11:16:16 mx1 postfix/smtp[31130]: 2C488BEB94: to=<a@b.test>, relay=mx.b.test[192.0.2.1]:25, delay=1, status=deferred (host mx.b.test[192.0.2.1] refused to talk to me: 421 4.7.0 Try again later)";

fn peel_one(layout: Layout, l: &[u8]) -> Vec<u8> {
    let mut scratch = Vec::new();
    layout.peel(l, &mut scratch).unwrap().line.to_vec()
}

#[test]
fn each_prefix_is_detected_and_peeled() {
    let cases: Vec<(Layout, Vec<u8>)> = vec![
        (Layout::Bare, LINE.to_vec()),
        (
            Layout::Stamped,
            [&b"2026-11-23T11:16:16.123456789Z "[..], LINE].concat(),
        ),
        (
            Layout::Compose { stamped: false },
            [&b"postfix-1  | "[..], LINE].concat(),
        ),
        (
            Layout::Compose { stamped: true },
            [&b"mx-1  | 2026-11-23T11:16:16.123456789Z "[..], LINE].concat(),
        ),
        (
            Layout::Grep { numbered: false },
            [&b"/var/log/mail.log.2.gz:"[..], LINE].concat(),
        ),
        (
            Layout::Grep { numbered: true },
            [&b"mail.log:42:"[..], LINE].concat(),
        ),
    ];
    for (layout, line) in cases {
        let sample = [&line[..], &line[..]];
        assert_eq!(
            Layout::detect(sample.iter().copied()),
            layout,
            "{}",
            String::from_utf8_lossy(&line)
        );
        assert_eq!(peel_one(layout, &line), LINE);
        let mut s = Vec::new();
        assert!(is_delivery(&parse(
            Format::Syslog,
            layout.peel(&line, &mut s).unwrap()
        )));
    }
}

#[test]
fn the_prefix_stamp_serves_a_bare_message() {
    let line = b"2026-11-23T11:16:16.5Z postfix/qmgr[12]: 2C488BEB94: removed";
    assert_eq!(Layout::detect([&line[..]].into_iter()), Layout::Stamped);
    let mut s = Vec::new();
    let p = Layout::Stamped.peel(line, &mut s).unwrap();
    assert!(matches!(
        parse(Format::Syslog, p),
        Parsed::Entry {
            record: Record::Ended(b"2C488BEB94"),
            ..
        }
    ));
}

#[test]
fn compose_t_over_bare_messages_uses_the_compose_stamp() {
    let line = b"mx-1  | 2026-11-23T11:16:16.500000000Z postfix/qmgr[12]: 2C488BEB94: removed";
    let layout = Layout::detect([&line[..]].into_iter());
    assert_eq!(layout, Layout::Compose { stamped: true });
    let mut s = Vec::new();
    assert!(matches!(
        parse(Format::Syslog, layout.peel(line, &mut s).unwrap()),
        Parsed::Entry {
            record: Record::Ended(b"2C488BEB94"),
            ..
        }
    ));
}

#[test]
fn odd_bytes_never_panic() {
    let mut s = Vec::new();
    for l in [
        &b""[..],
        b"|",
        b"a|",
        b"a |",
        b":",
        b"a:",
        b"a:1",
        b"a:1:",
        b"{\"",
        b"{\"__REALTIME_TIMESTAMP\":",
        b"{\"__REALTIME_TIMESTAMP\":\"1234567\",\"MESSAGE\":\"\\u12",
        b"{\"__REALTIME_TIMESTAMP\":\"1234567\",\"MESSAGE\":[1,2",
        b"{\"__REALTIME_TIMESTAMP\":\"1234567\",\"MESSAGE\":\"a\\",
        b"2026-11-23T11:16:16Z",
        b"-- --",
    ] {
        for layout in [
            Layout::Bare,
            Layout::Stamped,
            Layout::Compose { stamped: true },
            Layout::Compose { stamped: false },
            Layout::Grep { numbered: true },
            Layout::Grep { numbered: false },
            Layout::Json,
        ] {
            if let Some(p) = layout.peel(l, &mut s) {
                let _ = parse(Format::Syslog, p);
            }
        }
        let _ = Layout::detect([l].into_iter());
    }
}

#[test]
fn json_becomes_a_short_unix_line() {
    let obj = br#"{"_HOSTNAME":"mx1","__REALTIME_TIMESTAMP":"1795432573048791","SYSLOG_IDENTIFIER":"postfix/qmgr","_PID":"12","MESSAGE":"2C488BEB94: from=<a\"b@c.test>, \u00e9\ud83d\ude00"}"#;
    assert_eq!(Layout::detect([&obj[..]].into_iter()), Layout::Json);
    assert_eq!(
        String::from_utf8(peel_one(Layout::Json, obj)).unwrap(),
        "1795432573.048791 mx1 postfix/qmgr[12]: 2C488BEB94: from=<a\"b@c.test>, é😀"
    );
    let bytes = br#"{"__REALTIME_TIMESTAMP":"1795432573048791","_HOSTNAME":"mx1","SYSLOG_IDENTIFIER":"postfix/qmgr","MESSAGE":[65,66,255,10,67]}"#;
    assert_eq!(
        peel_one(Layout::Json, bytes),
        b"1795432573.048791 mx1 postfix/qmgr: AB\xff C"
    );
}

#[test]
fn journal_markers_are_no_lines() {
    let mut s = Vec::new();
    assert!(Layout::Bare.peel(b"-- Boot 0123abcd --", &mut s).is_none());
    assert!(Layout::Bare.peel(b"-- No entries --", &mut s).is_none());
}

#[test]
fn cat_output_is_recognised() {
    let cat: [&[u8]; 3] = [
        b"starting the Postfix mail system",
        b"2C488BEB94: uid=0 from=<ceo@src.test>",
        b"connect from unknown[192.0.2.1]",
    ];
    assert!(looks_like_cat(cat.into_iter()));
    assert!(!looks_like_cat([LINE].into_iter()));
}

//! Unit tests of [`super`]: label sanitising, the domain bound, the exposition formats.

use super::server::openmetrics_to_text;
use super::*;
use std::sync::mpsc;

fn label(raw: &[u8]) -> String {
    let mut s = String::new();
    sanitise_domain(raw, &mut s);
    s
}

#[test]
fn sanitising_lowercases_and_drops_non_printing() {
    assert_eq!(label(b"GMail.COM"), "gmail.com");
    assert_eq!(label(b"ex\x00am\x1b[31mple\r\n.org\x7f"), "exam[31mple.org");
    assert_eq!(label(b"a\xff\xfeb.de"), "ab.de");
    assert_eq!(label("B\u{fc}cher\u{202e}.de".as_bytes()), "b\u{fc}cher.de");
    assert_eq!(label("x\u{200b}y\u{2028}z".as_bytes()), "xyz");
    assert_eq!(label(b"\x01\x02"), "");
}

#[test]
fn sanitising_caps_length_at_a_char_boundary() {
    assert_eq!(label(&[b'a'; 400]).len(), MAX_DOMAIN_LABEL);
    let wide = "\u{e9}".repeat(200); // two bytes each
    let l = label(wide.as_bytes());
    assert_eq!(l.len(), 252);
    assert!(l.chars().all(|c| c == '\u{e9}'));
}

#[test]
fn clean_domains_skip_sanitising() {
    assert_eq!(clean_domain(b"gmail.com"), Some("gmail.com"));
    assert_eq!(clean_domain(b"Gmail.com"), None);
    assert_eq!(clean_domain(b"a b"), None);
    assert_eq!(clean_domain(&[b'a'; 254]), None);
}

#[test]
fn reserved_names_take_no_slot() {
    let m = Metrics::new(1);
    assert_eq!(&*m.domain_label(b""), "none");
    assert_eq!(&*m.domain_label(b"\x01"), "none");
    assert_eq!(&*m.domain_label(b"other"), "other");
    assert_eq!(&*m.domain_label(b"NONE"), "none");
    assert_eq!(&*m.domain_label(b"A.example"), "a.example");
    assert_eq!(&*m.domain_label(b"b.example"), "other");
    assert_eq!(&*m.domain_label(b"a.example"), "a.example");
}

#[test]
fn a_stopped_server_says_why_once_then_that_its_thread_ended() {
    let (tx, stopped) = mpsc::channel();
    let server = Server {
        addr: "127.0.0.1:9".parse().unwrap(),
        stopped,
    };
    assert_eq!(server.failure(), None);
    tx.send("accepting failed".to_string()).unwrap();
    assert_eq!(server.failure().as_deref(), Some("accepting failed"));
    assert_eq!(server.failure(), None);
    drop(tx);
    assert_eq!(
        server.failure().as_deref(),
        Some("its thread ended unexpectedly")
    );
}

#[test]
fn text_format_names_counters_with_total() {
    let om = "# HELP a_lines Lines.\n# TYPE a_lines counter\na_lines_total 3\n\
              # HELP a_ts_seconds Time.\n# TYPE a_ts_seconds gauge\n# UNIT a_ts_seconds seconds\n\
              a_ts_seconds 7\n# EOF\n";
    assert_eq!(
        openmetrics_to_text(om),
        "# HELP a_lines_total Lines.\n# TYPE a_lines_total counter\na_lines_total 3\n\
         # HELP a_ts_seconds Time.\n# TYPE a_ts_seconds gauge\na_ts_seconds 7\n"
    );
}

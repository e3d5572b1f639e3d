//! Unit tests of [`super`]: ages, buckets, reasons, the report built from a listing.

use super::build::{is_safe_domain, reason_kind};
use super::*;

#[test]
fn ages_buckets_and_reasons() {
    assert_eq!(fmt_age(40), "40s");
    assert_eq!(fmt_age(7_500), "2h05m");
    assert_eq!(fmt_age(-90_000), "-1d1h");
    assert_eq!(bucket(300), 0);
    assert_eq!(bucket(301), 1);
    assert_eq!(bucket(1280 * 60), 8);
    assert_eq!(bucket(1280 * 60 + 1), 9);
    for (why, kind) in [
        (
            "defer (-54): retry time not reached for any host for 'dead.test'",
            "retry-wait",
        ),
        (
            "delivery temporarily suspended: connect to 127.0.0.1[127.0.0.1]:2720: Connection refused",
            "connection",
        ),
        ("delivery temporarily suspended: unknown", "retry-wait"),
        (
            "host 127.0.0.1[127.0.0.1] said: 451 4.3.0 temporary failure (in reply to RCPT TO command)",
            "4xx",
        ),
        (
            "defer (-44) H=127.0.0.1 [127.0.0.1]: SMTP error from remote mail server after RCPT TO:<a@b>: 451 4.3.0 x",
            "4xx",
        ),
        (
            "connect to 127.0.0.1[127.0.0.1]:2720: Connection refused",
            "connection",
        ),
        (
            "lost connection with 127.0.0.1[127.0.0.1] while sending RCPT TO",
            "connection",
        ),
        (
            "defer (-18) H=127.0.0.1 [127.0.0.1]: Remote host closed connection in response to RCPT TO",
            "connection",
        ),
    ] {
        assert_eq!(reason_kind(why), kind, "{why}");
    }
    assert!(is_safe_domain("mx-1.example.com"));
    assert!(!is_safe_domain("-rf"));
    assert!(!is_safe_domain("a;b"));
}

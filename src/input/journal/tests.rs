//! Unit tests of [`super`]: the export format read, entries turned into syslog lines.

use super::entry::{exim_message, write_stamp};
use super::*;

fn lines(export: &[u8]) -> Vec<String> {
    let mut r = io::Cursor::new(export);
    let mut e = Entry::default();
    let mut out = Vec::new();
    while e.read_from(&mut r).unwrap() {
        e.write_line(&mut out);
    }
    String::from_utf8_lossy(&out)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn text_and_binary_fields() {
    let mut x = Vec::new();
    x.extend_from_slice(
        b"__CURSOR=s=1\n__REALTIME_TIMESTAMP=1795432575182221\n_HOSTNAME=mx1\n\
          SYSLOG_IDENTIFIER=postfix/smtp\n_PID=31124\nMESSAGE=2C488BEB94: to=<a@b.example>\n\n",
    );
    x.extend_from_slice(b"__REALTIME_TIMESTAMP=1795432575000001\n_COMM=smtpd\nMESSAGE\n");
    let msg = b"line one\nSubject: caf\xe9";
    x.extend_from_slice(&(msg.len() as u64).to_le_bytes());
    x.extend_from_slice(msg);
    x.extend_from_slice(b"\n_PID=7\n\n");
    let got = lines(&x);
    assert_eq!(
        got,
        [
            "2026-11-23T11:16:15.182221+00:00 mx1 postfix/smtp[31124]: 2C488BEB94: to=<a@b.example>",
            "2026-11-23T11:16:15.000001+00:00 localhost smtpd[7]: line one Subject: caf\u{fffd}",
        ]
    );
}

#[test]
fn exim_pieces_lose_numbering_and_stamp() {
    assert_eq!(
        exim_message(b"2026-11-23 11:05:05 1xVRr7-0003zl-0W <= ceo@src.test"),
        b"1xVRr7-0003zl-0W <= ceo@src.test"
    );
    assert_eq!(exim_message(b"[2\\3] 421-4.7.28 x"), b"421-4.7.28 x");
    assert_eq!(
        exim_message(b"[1\\3] 2026-11-23 11:05:05 1xV == a"),
        b"1xV == a"
    );
    assert_eq!(exim_message(b"[x] y"), b"[x] y");
}

#[test]
fn stamps() {
    let mut out = Vec::new();
    write_stamp(0, &mut out);
    assert_eq!(out, b"1970-01-01T00:00:00.000000+00:00");
    out.clear();
    // 2024-02-29T23:59:59.999999Z
    write_stamp(1_709_251_199_999_999, &mut out);
    assert_eq!(out, b"2024-02-29T23:59:59.999999+00:00");
}

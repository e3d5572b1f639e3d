//! Text that came from a log line, made safe and comparable for output.
//! Reply texts are chosen by remote servers: never print them raw.

/// Bytes to a `String`, invalid UTF-8 replaced by U+FFFD.
pub fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Escapes control characters (C0, DEL, C1) and bidirectional formatting
/// characters so log text cannot move the cursor, change colours, retitle a
/// terminal or make a line read in another order: ESC becomes `\x1b` as
/// four visible characters, U+202E becomes `\u{202e}`, a tab `\t`.
pub fn escape_control(s: &str) -> String {
    if !s.chars().any(is_unsafe_char) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if is_unsafe_char(c) => out.push_str(&format!("\\u{{{:04x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// A character that must not reach a terminal raw: a control character,
/// one that reorders text (the bidirectional marks, embeddings, overrides
/// and isolates that "Trojan Source" uses), a line or paragraph separator
/// (U+2028, U+2029: a line break to many viewers and to JavaScript), or an
/// invisible one that makes two different texts look alike (zero-width
/// space, non-joiner and joiner U+200B-U+200D, word joiner U+2060, the
/// byte-order mark U+FEFF).
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
        )
}

/// A CSV cell made safe: control characters shown escaped (a CSV is often
/// read on a terminal), and a cell a spreadsheet would run as a formula
/// (starting with `=`, `+`, `-`, `@`, tab or CR) prefixed with `'`. The
/// csv writer then quotes what needs quoting.
pub fn csv_safe(s: &str) -> String {
    let s = escape_control(s);
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s,
    }
}

/// A reply text normalised for grouping: Exim's literal `\n` and the
/// continuation prefixes of multi-line replies (`421-4.7.0 `) folded into
/// spaces, per-message tokens (ids mixing letters and digits) replaced by
/// `*`, standalone numbers by `#`, white space collapsed. The whole text is
/// kept (never longer than the input): only terminal tables shorten it.
pub fn reply_key(text: &[u8]) -> String {
    let s = String::from_utf8_lossy(text);
    let s = if s.contains("\\n") {
        std::borrow::Cow::Owned(s.replace("\\n", " "))
    } else {
        s
    };
    let code = s.get(..3).unwrap_or("");
    let mut out = String::with_capacity(s.len());
    let mut words = s.split_whitespace().peekable();
    while let Some(w) = words.next() {
        if out.is_empty() {
            out.push_str(w);
            continue;
        }
        if is_continuation(w, code) {
            // `421-4.7.0` / `421` starting a later reply line: drop it and its code.
            if w.len() == 3 && words.peek().is_some_and(|n| is_enhanced(n)) {
                words.next();
            }
            continue;
        }
        out.push(' ');
        push_masked(&mut out, w);
    }
    out
}

/// Pushes a word of a reply after its first, its brackets and punctuation
/// kept around the part that matters (its core): a core that names one
/// message, connection or server ([`is_per_message`]) becomes `*`, a
/// standalone number (`15]`, `(10).`) `#`, so per-connection counters do
/// not split one reply into many.
fn push_masked(out: &mut String, w: &str) {
    let b = w.as_bytes();
    let (Some(start), Some(last)) = (
        b.iter().position(u8::is_ascii_alphanumeric),
        b.iter().rposition(u8::is_ascii_alphanumeric),
    ) else {
        out.push_str(w);
        return;
    };
    let core = &w[start..=last];
    // Every mask needs a digit or an `@`: most words have neither.
    if !core.bytes().any(|c| c.is_ascii_digit() || c == b'@') {
        out.push_str(w);
        return;
    }
    // `key=value`: the value decides.
    let (key, value) = match core.rfind('=') {
        Some(eq) => (&core[..=eq], &core[eq + 1..]),
        None => ("", core),
    };
    let mask = if is_per_message(value) {
        "*"
    } else if core.bytes().all(|c| c.is_ascii_digit()) {
        "#"
    } else {
        out.push_str(w);
        return;
    };
    out.push_str(&w[..start]);
    out.push_str(key);
    out.push_str(mask);
    out.push_str(&w[last + 1..]);
}

/// A client as logged, without its port (`[192.0.2.5]:4321` → `[192.0.2.5]`).
pub fn client_key(client: &str) -> String {
    match client.rfind("]:") {
        Some(p) if client[p + 2..].bytes().all(|b| b.is_ascii_digit()) => {
            client[..p + 1].to_string()
        }
        _ => client.to_string(),
    }
}

/// `421`, `421-` or `421-4.7.0` (the reply's own code) inside the text.
fn is_continuation(w: &str, code: &str) -> bool {
    match w.strip_prefix(code) {
        Some("") | Some("-") => code.len() == 3,
        Some(rest) => code.len() == 3 && rest.strip_prefix('-').is_some_and(is_enhanced),
        None => false,
    }
}

fn is_enhanced(w: &str) -> bool {
    let parts: Vec<&str> = w.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether a word's core names one message, connection or server
/// instance: a token id (`q4si1448293wij.85`, the value of
/// `MxId=11BC0E69C0F5F0E7`), a time stamp (`2026-11-08T13:59:54.177Z`), a
/// server name with a numbered label (`AM9P195CA9982.EURP195.PROD.OUTLOOK.COM`,
/// Outlook's trailer), or an address (`bob@example.com`, the recipient a
/// greylisting reply names).
fn is_per_message(w: &str) -> bool {
    is_token_id(w) || is_time_stamp(w) || is_numbered_host(w) || w.contains('@')
}

/// `2026-11-08T13:59:54.177Z`, `13:59:54`: a time of day `HH:MM:SS` with
/// only the digits and separators of a date and time around it (an
/// address and port such as `192.0.2.5:25` is not one).
fn is_time_stamp(w: &str) -> bool {
    let digit = |b: &u8| b.is_ascii_digit();
    w.as_bytes().windows(8).any(|x| {
        x[..2].iter().all(digit)
            && x[2] == b':'
            && x[3..5].iter().all(digit)
            && x[5] == b':'
            && x[6..].iter().all(digit)
    }) && w
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b':' | b'.' | b'T' | b'Z' | b'+'))
}

/// A host name of three or more labels whose first label is at least 8
/// characters mixing letters and digits: one server of a pool
/// (`BN8NAM11FT066.eop-nam11.prod.protection.outlook.com`). `mx1.example.com`
/// is kept.
fn is_numbered_host(w: &str) -> bool {
    let mut labels = w.split('.');
    let first = labels.next().unwrap_or("");
    w.split('.').count() >= 3
        && w.split('.')
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        && first.len() >= 8
        && first.bytes().any(|b| b.is_ascii_digit())
        && first.bytes().any(|b| b.is_ascii_alphabetic())
}

fn is_token_id(w: &str) -> bool {
    w.len() >= 8
        && w.bytes().any(|b| b.is_ascii_digit())
        && w.bytes().any(|b| b.is_ascii_alphabetic())
        && w.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
        && !w.contains("..")
        && w.bytes().filter(|b| *b == b'.').count() <= 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(
            escape_control("a\x1b[31mred\x07\tb"),
            "a\\x1b[31mred\\x07\\tb"
        );
        assert_eq!(escape_control("caf\u{e9}\u{9b}"), "caf\u{e9}\\x9b");
        assert_eq!(
            escape_control("a\u{2028}b\u{2029}c\u{200b}d\u{200c}\u{200d}e\u{2060}f\u{feff}"),
            "a\\u{2028}b\\u{2029}c\\u{200b}d\\u{200c}\\u{200d}e\\u{2060}f\\u{feff}"
        );
        // Visible neighbours are left alone.
        assert_eq!(
            escape_control("\u{2027}\u{2030}\u{2061}\u{fefe}"),
            "\u{2027}\u{2030}\u{2061}\u{fefe}"
        );
    }

    #[test]
    fn csv_formulas_are_neutralised() {
        assert_eq!(csv_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_safe("-1+2"), "'-1+2");
        assert_eq!(csv_safe("gmail.com"), "gmail.com");
    }

    #[test]
    fn multiline_replies_fold_into_one_key() {
        let exim = reply_key(b"421-4.7.28 Our system has\\n421-4.7.28 detected\\n421 4.7.28 a rate q4si1448293wij.85 - gsmtp");
        assert_eq!(exim, "421-4.7.28 Our system has detected a rate * - gsmtp");
        let postfix = reply_key(b"421-4.7.28 Our system has 421-4.7.28 detected 421 4.7.28 a rate x9si2448293abc.12 - gsmtp");
        assert_eq!(exim, postfix);
    }

    #[test]
    fn counters_and_ports_do_not_split_groups() {
        assert_eq!(
            reply_key(b"421-4.7.28 [192.0.2.1 15] rate (10)."),
            reply_key(b"421-4.7.28 [192.0.2.1 17] rate (3).")
        );
        assert_eq!(client_key("[192.0.2.99]:61204"), "[192.0.2.99]");
        assert_eq!(
            client_key("H=h.example [192.0.2.5]"),
            "H=h.example [192.0.2.5]"
        );
    }

    #[test]
    fn outlook_trailer_does_not_split_groups() {
        let a = reply_key(b"421 4.7.650 The mail server [203.0.113.5] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://aka.ms/postmaster (S775) [AM9P195CA9982.EURP195.PROD.OUTLOOK.COM 2026-11-08T13:59:54.177Z 3F28BFA3A37761C5]");
        let b = reply_key(b"421 4.7.650 The mail server [203.0.113.5] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://aka.ms/postmaster (S775) [AM9P195CA9995.EURP195.PROD.OUTLOOK.COM 2026-11-05T11:19:02.946Z 96842F1159CCEBD1]");
        assert_eq!(a, b);
        assert!(a.ends_with("(S775) [* * *]"), "{a}");
        let c = reply_key(b"421 4.7.650 rate limited [Name=Protocol Filter Agent][AGT=PFA][MxId=11BC0E69C0F5F0E7] [BN8NAM11FT066.eop-nam11.prod.protection.outlook.com 2023-06-14T09:57:45.217Z 08DB6C2B9F7CA0CD]");
        assert_eq!(
            c,
            "421 4.7.650 rate limited [Name=Protocol Filter Agent][AGT=PFA][MxId=*] [* * *]"
        );
    }

    #[test]
    fn an_address_and_port_is_not_a_time() {
        assert_eq!(
            reply_key(b"421 4.7.0 too many connections from 192.0.2.5:25 at 13:59:54"),
            "421 4.7.0 too many connections from 192.0.2.5:25 at *"
        );
    }

    #[test]
    fn recipients_named_in_a_reply_do_not_split_groups() {
        let a = reply_key(b"421 4.7.0 <raj.schmidt@gmail.com>: Recipient address rejected: Greylisted for 300 seconds");
        let b = reply_key(
            b"421 4.7.0 <ben@example.net>: Recipient address rejected: Greylisted for 60 seconds",
        );
        assert_eq!(a, b);
        assert_eq!(
            a,
            "421 4.7.0 <*>: Recipient address rejected: Greylisted for # seconds"
        );
    }

    #[test]
    fn plain_reply_is_kept() {
        assert_eq!(
            reply_key(b"421 4.3.2 All  screening ports are busy"),
            "421 4.3.2 All screening ports are busy"
        );
        assert_eq!(
            reply_key(b"421 mx.example.com busy 192.0.2.1"),
            "421 mx.example.com busy 192.0.2.1"
        );
    }
}

//! What the fuzz targets in `fuzz/` run (cargo-fuzz, nightly). The bodies
//! live here, in the library, so every input the fuzzers found is replayed
//! by `tests/fuzz_found.rs` on the stable toolchain, in CI.
//!
//! Each entry point panics when an invariant breaks, not only on crashes:
//! a 421 event is only made from a reply that starts with `421` at a reply
//! position of the line, every borrowed field lies inside the line, and
//! the text that reaches a terminal, HTML or CSV is safe there.

use std::io::Cursor;

use crate::classify::{classify, matching_phrase};
use crate::config::ScanConfig;
use crate::event::Event;
use crate::event::OwnedEvent;
use crate::parse::reply::enhanced_code;
use crate::parse::time::{Clock, YearHint, Zone};
use crate::parse::{Format, Inbound, Parsed, Record};
use crate::render::html::esc;
use crate::text::{csv_safe, escape_control, lossy, reply_key};

/// One Exim main log line.
pub fn exim_line(data: &[u8]) {
    line(Format::Exim, data);
}

/// One Postfix syslog line.
pub fn postfix_line(data: &[u8]) {
    line(Format::Syslog, data);
}

fn inside(part: &[u8], whole: &[u8]) -> bool {
    let (start, end) = (part.as_ptr() as usize, part.as_ptr() as usize + part.len());
    let (w_start, w_end) = (
        whole.as_ptr() as usize,
        whole.as_ptr() as usize + whole.len(),
    );
    part.is_empty() || (start >= w_start && end <= w_end)
}

fn line(format: Format, data: &[u8]) {
    let Parsed::Entry { stamp, mta, record } = format.parse_line(data) else {
        return;
    };
    let mut clock = Clock::new(
        Zone::Utc,
        YearHint {
            year: 2026,
            month: 12,
        },
    );
    let time = clock.resolve(&stamp).unwrap_or(0);
    let Some(ev) = Event::from_record(time, mta, &record) else {
        return;
    };
    for field in [ev.id, ev.party, ev.domain, ev.host, ev.ip] {
        assert!(inside(field, data), "a field points outside its line");
    }
    // An inbound 421 that the line only implies (`SMTP command timeout`,
    // `Connection from ... refused: load average`) carries the reply text
    // the MTA's source sends, a constant: the only reply not borrowed.
    let implied = matches!(
        record,
        Record::Inbound(Inbound {
            condition: Some(_),
            ..
        })
    );
    if !implied {
        assert!(
            inside(ev.reply.text, data),
            "the reply points outside its line"
        );
        if let Some(e) = ev.reply.enhanced {
            assert!(
                inside(e, ev.reply.text),
                "the enhanced code is not in the reply"
            );
        }
    }
    assert_eq!(ev.reply.code, 421, "an event without a 421");
    assert!(
        ev.reply.text.starts_with(b"421"),
        "reply text not at its code"
    );
    let owned = OwnedEvent::new(&ev, "fuzz", 1, Zone::Utc);
    let json = serde_json::to_string(&owned).expect("events serialise");
    let back: serde_json::Value = serde_json::from_str(&json).expect("events are valid JSON");
    assert_eq!(back["text"].as_str(), Some(owned.text.as_str()));
    text_is_safe(ev.reply.text);
    text_is_safe(ev.party);
}

/// A reply text: its category and the forms it is shown in.
pub fn reply(data: &[u8]) {
    let enhanced = enhanced_code(data);
    if let Some(e) = enhanced {
        assert!(inside(e, data), "the enhanced code points outside the text");
    }
    let cause = classify(data, enhanced);
    assert_eq!(
        cause,
        classify(data, enhanced),
        "classification is not a function"
    );
    if let Some(rule) = matching_phrase(data) {
        assert_eq!(rule.cause, cause, "the text rule and the category disagree");
    }
    let key = reply_key(data);
    assert!(
        key.chars().count() <= data.len(),
        "a reply key longer than its reply"
    );
    text_is_safe(data);
    text_is_safe(key.as_bytes());
}

/// What a terminal, a browser and a spreadsheet get of log text.
fn text_is_safe(data: &[u8]) {
    let text = lossy(data);
    let shown = escape_control(&text);
    assert!(
        !shown.chars().any(crate::text::is_unsafe_char),
        "a control or bidi character reaches the terminal: {shown:?}"
    );
    let html = esc(&text);
    assert!(
        !html.contains(['<', '>', '"', '\'']),
        "markup survives HTML escaping: {html:?}"
    );
    let cell = csv_safe(&shown);
    assert!(
        !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
        "a CSV cell that runs as a formula: {cell:?}"
    );
}

/// A whole input (gzip or plain, possibly damaged) through the scanner and
/// the report: never a panic, counts that add up, an error that names the
/// input, valid JSON.
pub fn gzip_input(data: &[u8]) {
    let cfg = ScanConfig {
        zone: Zone::Utc,
        year: Some(2026),
        keep_events: true,
        ..ScanConfig::default()
    };
    let scanned = crate::scan::scan_reader(Box::new(Cursor::new(data.to_vec())), "fuzz.gz", &cfg);
    let stats = &scanned.stats;
    assert!(
        stats.unparsed_lines <= stats.lines,
        "more unparsed lines than lines"
    );
    if let Some(e) = &stats.error {
        assert!(
            e.starts_with("fuzz.gz: "),
            "an error that does not name the input: {e}"
        );
    }
    let newlines = memchr::memchr_iter(b'\n', data).count() as u64;
    if !stats.compressed {
        assert!(
            stats.lines <= newlines + 1,
            "more lines than the plain input holds"
        );
    }
    let mut scanned = vec![scanned];
    let report = crate::pipeline::build_report(&mut scanned, &cfg);
    let json = serde_json::to_string(&report).expect("the report serialises");
    // Checked without building a `Value`: a report holds a row per window
    // from the first line to the last, and a tree of it was most of the time
    // of a run (60 runs/s).
    serde_json::from_str::<serde::de::IgnoredAny>(&json).expect("the report is valid JSON");
}

//! Every input the cargo-fuzz targets in `fuzz/` found (minimised), kept in
//! `fuzz/found/<target>/` and replayed on the stable toolchain through the
//! same library entry points the fuzz targets call. A missing or empty
//! directory fails: a regression test that silently runs nothing is worse
//! than none. Then, for each real bug found, what a user sees for its line.

use std::fs;
use std::path::PathBuf;

use maillog421::{Event, Kind, LogFormat as Format, Parsed, fuzzing};

/// The files of `fuzz/found/<target>/`, sorted; panics when there are none.
fn found(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/found")
        .join(target);
    let entries = fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut files: Vec<(String, Vec<u8>)> = entries
        .map(|e| {
            let path = e.expect("a readable directory entry").path();
            let data = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                data,
            )
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{}: no inputs", dir.display());
    files
}

fn replay(target: &str, run: fn(&[u8])) {
    for (name, data) in found(target) {
        let outcome = std::panic::catch_unwind(|| run(&data));
        assert!(outcome.is_ok(), "fuzz/found/{target}/{name} fails again");
    }
}

#[test]
fn exim_line_inputs() {
    replay("exim_line", fuzzing::exim_line);
}

#[test]
fn postfix_line_inputs() {
    replay("postfix_line", fuzzing::postfix_line);
}

#[test]
fn reply_inputs() {
    replay("reply", fuzzing::reply);
}

#[test]
fn gzip_input_inputs() {
    replay("gzip_input", fuzzing::gzip_input);
}

/// The 421 event of one line, as every report sees it.
fn event(format: Format, line: &[u8]) -> Option<Event<'_>> {
    let Parsed::Entry { mta, record, .. } = format.parse_line(line) else {
        return None;
    };
    Event::from_record(0, mta, &record)
}

/// exim_line's first find was the check, not the parser: an inbound 421
/// that Exim only implies carries the reply text Exim sends, which is not
/// in the line. The user still gets the event, with that text.
#[test]
fn implied_inbound_reply_is_reported() {
    let line =
        b"2026-11-22 10:11:52 Connection from [192.0.2.98]:40021 refused: load average = 12.50";
    let ev = event(Format::Exim, line).expect("an inbound 421");
    assert_eq!(ev.kind, Kind::Inbound);
    assert_eq!(ev.party, b"[192.0.2.98]:40021");
    assert_eq!(ev.reply.text, b"421 Too much load; please try again later");
    assert_eq!(ev.cause.name(), "capacity");
}

//! Test helpers shared by the parsers' tests: a line through a parser to
//! the record or delivery it must be.

use super::{Delivery, Parsed, Record};

/// The record of a line that `parse` must read as an entry.
pub(crate) fn record<'a>(parse: fn(&'a [u8]) -> Parsed<'a>, line: &'a str) -> Record<'a> {
    match parse(line.as_bytes()) {
        Parsed::Entry { record, .. } => record,
        other => panic!("not an entry: {other:?}"),
    }
}

/// The delivery of a line that `parse` must read as one.
pub(crate) fn delivery<'a>(parse: fn(&'a [u8]) -> Parsed<'a>, line: &'a str) -> Delivery<'a> {
    match record(parse, line) {
        Record::Delivery(d) => d,
        other => panic!("not a delivery: {other:?}"),
    }
}

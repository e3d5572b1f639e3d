//! `report --format json`: the [`Report`] as one pretty-printed document.
//! Schema `maillog421.report.v1`; fields are documented in the README.
//! Log text is converted with invalid UTF-8 replaced by U+FFFD, and
//! serde_json escapes control characters, so the document is valid JSON for
//! any input bytes.

use std::io::{self, Write};

use super::Render;
use crate::report::Report;

pub struct Json;

impl Render for Json {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, report)?;
        writeln!(out)
    }
}

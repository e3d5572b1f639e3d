//! `report --format json`: the report as one document. [`super::json`] is
//! the low-level writer every JSON output (events, explain, follow) goes
//! through; this is the report's renderer on top of it.

use std::io::{self, Write};

use super::json::write_pretty;
use crate::report::Render;
use crate::report::Report;

/// `report --format json`: the [`Report`] as one pretty-printed document,
/// schema `maillog421.report.v1` (fields documented in the README).
pub struct Json;

impl Render for Json {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        write_pretty(out, report)?;
        writeln!(out)
    }
}

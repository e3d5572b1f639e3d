//! Output: one module per format, all reading the same [`Report`];
//! [`format::renderer`] picks one, [`fmt`] holds what they share.

pub mod csv;
pub mod events;
pub mod fmt;
pub mod format;
pub mod html;
pub mod json;
pub mod rules;
pub mod table;
pub mod term;

use std::io::{self, Write};

use crate::report::Report;

/// Renders a report into bytes.
pub trait Render {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;
}

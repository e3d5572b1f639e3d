//! Picking the renderer for `report --format`: [`renderer`] is the one
//! place that maps a [`Format`] to its [`Render`]; the JSON document
//! renderer lives here too, since `json` is the low-level writer every
//! JSON output (events, explain, follow) goes through.

use std::io::{self, Write};

use super::Render;
use super::csv::{By, Csv};
use super::html::Html;
use super::json::write_pretty;
use super::table::TableRender;
use super::term::Term;
use crate::report::Report;

/// The formats a report can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    /// One table of the report, picked by `--by`.
    Csv(By),
    Html,
}

/// What some formats need besides the report.
#[derive(Debug, Clone)]
pub struct Options {
    /// Rows per ranked table (table, HTML).
    pub top: usize,
    /// Rows of the stuck recipients table (table).
    pub stuck: usize,
    /// The output's width, colour and whether it is a terminal (table).
    pub term: Term,
    /// The page title (HTML).
    pub title: String,
}

/// The renderer for `format`.
pub fn renderer(format: Format, options: Options) -> Box<dyn Render> {
    match format {
        Format::Table => Box::new(TableRender {
            top: options.top,
            stuck: options.stuck,
            term: options.term,
        }),
        Format::Json => Box::new(Json),
        Format::Csv(by) => Box::new(Csv(by)),
        Format::Html => Box::new(Html {
            title: options.title,
            top: options.top,
        }),
    }
}

/// `report --format json`: the [`Report`] as one pretty-printed document,
/// schema `maillog421.report.v1` (fields documented in the README).
pub struct Json;

impl Render for Json {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        write_pretty(out, report)?;
        writeln!(out)
    }
}

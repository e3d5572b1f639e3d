//! Output: one module per format, all reading the same [`Report`];
//! [`renderer`] is the one place that maps a [`Format`] to its [`Render`],
//! [`fmt`] holds what they share. A new format: its module, a variant and
//! an arm here, and its `--format` value in `cli`.

pub mod csv;
pub mod events;
pub mod fmt;
pub mod html;
pub mod json;
pub mod report_json;
pub mod rules;
pub mod table;
pub mod term;

use self::csv::{By, Csv};
use self::html::Html;
use self::report_json::Json;
use self::table::TableRender;
use self::term::Term;

pub use crate::report::Render;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::Aggregate;
    use crate::parse::time::Zone;
    use crate::report::Report;
    use crate::retry::Outcomes;
    use crate::window::HOUR;

    fn written(format: Format, report: &Report) -> String {
        let options = Options {
            top: 10,
            stuck: 10,
            term: Term::file(),
            title: "t".to_string(),
        };
        let mut out = Vec::new();
        renderer(format, options).render(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn each_format_gets_its_own_renderer() {
        let report = Report::build(
            &Aggregate::new(HOUR, 0),
            &Outcomes::default(),
            Vec::new(),
            Zone::Utc,
        );
        let json: serde_json::Value =
            serde_json::from_str(&written(Format::Json, &report)).unwrap();
        assert_eq!(json["schema"], "maillog421.report.v1");
        let csv = written(Format::Csv(By::Category), &report);
        assert!(csv.starts_with("category,deferrals_421,"), "{csv}");
        assert_eq!(csv.lines().count(), 1 + crate::classify::Cause::ALL.len());
        let table = written(Format::Table, &report);
        assert!(table.contains("no timestamped lines"), "{table}");
        let html = written(Format::Html, &report);
        assert!(html.contains("<title>t</title>"), "{html}");
    }
}

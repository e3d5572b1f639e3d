//! `report --format csv --by domain|category|stage|window|pending|provider`: one table with a
//! fixed header. Cells a spreadsheet would run as formulas are neutralised.
//!
//! The cells come from the rows' serde form (the same as in the JSON
//! document): each table lists its columns as paths into a row, so a
//! column is a JSON field, named as in the JSON unless the CSV has long
//! called it otherwise (`met_421=retries.with_421`). A list of strings is
//! one cell, space-separated; `null` is an empty cell.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::Value;

use crate::report::Render;
use crate::report::Report;
use crate::text::csv_safe;

/// Which table to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Domain,
    Category,
    Stage,
    Window,
    Pending,
    Provider,
}

pub struct Csv(pub By);

/// A table's columns: `name` (the row's field of that name) or
/// `name=path.to.field`.
const DOMAIN: &[&str] = &[
    "domain",
    "deferrals_421",
    "suspended_421",
    "delivery_attempts",
    "retry_skipped",
    "rate_per_1000",
    "windows",
    "first",
    "last",
    "top_category",
    "top_reply",
    "provider",
    "met_421=retries.with_421",
    "recovered=retries.recovered",
    "bounced_after_421=retries.bounced",
    "pending=retries.pending",
    "keeps_returning=repeat.keeps_returning",
];
/// `by_category` and `by_stage` rows: the name, then the counts by kind.
const KINDS: [&str; 4] = [
    "deferrals_421",
    "suspended_421",
    "replies_421",
    "inbound_421",
];
const WINDOW: &[&str] = &[
    "start",
    "delivery_attempts",
    "retry_skipped",
    "messages_received",
    "deferrals_421",
    "rate_per_1000",
    "suspended_421",
    "replies_421",
    "inbound_421",
];
const PENDING: &[&str] = &[
    "id",
    "recipient",
    "domain",
    "first_421",
    "last_attempt",
    "age_s",
    "last_reply",
];
const PROVIDER: &[&str] = &[
    "provider",
    "domains",
    "deferrals_421",
    "suspended_421",
    "delivery_attempts",
    "retry_skipped",
    "rate_per_1000",
    "recovered",
    "bounced_after_421=bounced",
    "pending",
    "repeat_domains=keeps_returning",
];

impl Render for Csv {
    fn render(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut w = ::csv::Writer::from_writer(out);
        match self.0 {
            By::Domain => table(&mut w, DOMAIN, &r.by_domain)?,
            By::Category => table(&mut w, &with_kinds("category"), &r.by_category)?,
            By::Stage => table(&mut w, &with_kinds("stage"), &r.by_stage)?,
            By::Window => table(&mut w, WINDOW, &r.by_window)?,
            By::Pending => table(&mut w, PENDING, &r.pending)?,
            By::Provider => table(&mut w, PROVIDER, &r.by_provider)?,
        }
        w.flush()
    }
}

fn with_kinds(name: &'static str) -> Vec<&'static str> {
    std::iter::once(name).chain(KINDS).collect()
}

/// The header, then one record per row.
fn table<W: Write, T: Serialize>(
    w: &mut ::csv::Writer<W>,
    columns: &[&str],
    rows: &[T],
) -> io::Result<()> {
    let columns: Vec<(&str, &str)> = columns
        .iter()
        .map(|c| c.split_once('=').unwrap_or((c, c)))
        .collect();
    w.write_record(columns.iter().map(|(name, _)| csv_safe(name)))?;
    for row in rows {
        let value = serde_json::to_value(row).map_err(io::Error::from)?;
        w.write_record(
            columns
                .iter()
                .map(|(_, path)| csv_safe(&text(field(&value, path)))),
        )?;
    }
    Ok(())
}

/// The field at a dotted path; `null` when there is none.
fn field<'v>(value: &'v Value, path: &str) -> &'v Value {
    path.split('.')
        .try_fold(value, |v, key| v.get(key))
        .unwrap_or(&Value::Null)
}

/// A cell's text: numbers as Rust writes them (`1` for the float 1.0, as
/// the CSV always had), a list of strings space-separated.
fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() => f.to_string(),
            _ => n.to_string(),
        },
        Value::Bool(b) => b.to_string(),
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(" "),
        Value::Object(_) => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_as_the_csv_always_wrote_them() {
        let row = serde_json::json!({
            "domain": "=cmd.example",
            "rate_per_1000": 1.0,
            "share": 0.25,
            "windows": 3,
            "first": null,
            "domains": ["a.example", "b.example"],
            "retries": { "with_421": 7 },
            "repeat": { "keeps_returning": true },
        });
        let cell = |path| text(field(&row, path));
        assert_eq!(cell("rate_per_1000"), "1");
        assert_eq!(cell("share"), "0.25");
        assert_eq!(cell("windows"), "3");
        assert_eq!(cell("first"), "");
        assert_eq!(cell("no_such_field"), "");
        assert_eq!(cell("domains"), "a.example b.example");
        assert_eq!(cell("retries.with_421"), "7");
        assert_eq!(cell("repeat.keeps_returning"), "true");
        assert_eq!(csv_safe(&cell("domain")), "'=cmd.example");
    }

    #[test]
    fn a_table_has_its_header_even_with_no_rows() {
        let mut w = ::csv::Writer::from_writer(Vec::new());
        table::<_, Value>(&mut w, PROVIDER, &[]).unwrap();
        let out = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert_eq!(
            out,
            "provider,domains,deferrals_421,suspended_421,delivery_attempts,retry_skipped,\
             rate_per_1000,recovered,bounced_after_421,pending,repeat_domains\n"
        );
    }
}

//! `maillog421 rules`: the effective classification table, in the order it
//! is consulted, with where each rule came from.

use std::io::{self, Write};

use serde::Serialize;

use super::fmt::cell;
use super::table::{new_table, section};
use crate::classify::{Cause, PHRASES};
use crate::rules::CustomRules;

#[derive(Serialize)]
struct Row {
    order: usize,
    matches: String,
    enhanced: Option<String>,
    domain: Option<String>,
    category: &'static str,
    provider: Option<String>,
    from: String,
}

fn rows(custom: Option<&CustomRules>) -> Vec<Row> {
    let mut out: Vec<Row> = custom
        .map(|c| c.rules.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|r| Row {
            order: 0,
            matches: r.matches.clone(),
            enhanced: r.enhanced.clone(),
            domain: r.domain.clone(),
            category: r.cause.name(),
            provider: r.provider.clone(),
            from: r.origin.clone(),
        })
        .collect();
    out.extend(PHRASES.iter().enumerate().map(|(i, r)| Row {
        order: 0,
        matches: format!("phrase \"{}\"", r.phrase),
        enhanced: None,
        domain: None,
        category: r.cause.name(),
        provider: r.provider.and_then(|p| p.name).map(str::to_string),
        from: format!("built-in #{}", i + 1),
    }));
    let fallback = [
        ("4.2.", Cause::Capacity),
        ("4.3.", Cause::Capacity),
        ("4.4.", Cause::Timeout),
        ("4.7.", Cause::AuthPolicy),
    ];
    out.extend(fallback.into_iter().map(|(code, cause)| Row {
        order: 0,
        matches: "any reply".to_string(),
        enhanced: Some(code.to_string()),
        domain: None,
        category: cause.name(),
        provider: None,
        from: "built-in (enhanced code)".to_string(),
    }));
    for (i, r) in out.iter_mut().enumerate() {
        r.order = i + 1;
    }
    out
}

/// Writes the table (or JSON); the first rule that holds decides, and a
/// reply no rule matches is `unknown`.
pub fn write(custom: Option<&CustomRules>, json: bool, out: &mut dyn Write) -> io::Result<()> {
    let rows = rows(custom);
    if json {
        super::json::write_pretty(out, &rows)?;
        return writeln!(out);
    }
    let mut t = new_table(&[
        "#",
        "reply matches",
        "enhanced",
        "domain",
        "category",
        "provider",
        "from",
    ]);
    for r in &rows {
        t.add_row(vec![
            r.order.to_string(),
            cell(&r.matches, 60),
            r.enhanced.clone().unwrap_or_default(),
            cell(r.domain.as_deref().unwrap_or(""), 30),
            r.category.to_string(),
            cell(r.provider.as_deref().unwrap_or(""), 20),
            cell(&r.from, 50),
        ]);
    }
    let custom_n = custom.map_or(0, |c| c.rules.len());
    writeln!(
        out,
        "Cause rules, in the order they are tried ({custom_n} custom, {} built-in); the first that \
         holds decides, and a reply none matches is unknown.",
        rows.len() - custom_n
    )?;
    section(out, "Rules", &t)
}

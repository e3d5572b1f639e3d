//! Writing a [`QueueReport`]: an aligned text table, JSON (the report
//! object, times in Unix seconds, ages and `left` in seconds), or CSV (one
//! row per queued recipient, with its `status`).

use std::io::{self, Write};

use super::{BUCKETS, QueueReport, Status, fmt_age};
use crate::classify::Cause;
use crate::render::fmt::cell;
use crate::text::{csv_safe, escape_control};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum QueueFormat {
    #[default]
    Table,
    Json,
    Csv,
}

/// Unix seconds as `2026-12-07 03:39:17Z`.
fn stamp(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M:%SZ").to_string())
        .unwrap_or_else(|| t.to_string())
}

/// Left-aligned columns, two spaces apart.
fn columns(rows: &[Vec<String>], out: &mut dyn Write) -> io::Result<()> {
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in rows {
        let mut line = String::new();
        for (i, c) in r.iter().enumerate() {
            if i + 1 == r.len() {
                line.push_str(c);
            } else {
                line.push_str(c);
                line.push_str(&" ".repeat(widths[i] - c.chars().count() + 2));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

fn bucket_names() -> Vec<String> {
    let mut v: Vec<String> = BUCKETS.iter().map(|m| format!("{m}m")).collect();
    v.push(format!("{}m+", BUCKETS[BUCKETS.len() - 1]));
    v
}

pub fn write(
    r: &QueueReport,
    format: QueueFormat,
    top: usize,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        QueueFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, r)?;
            writeln!(out)
        }
        QueueFormat::Csv => csv(r, out),
        QueueFormat::Table => table(r, top, out),
    }
}

fn csv(r: &QueueReport, out: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "status",
        "id",
        "recipient",
        "domain",
        "provider",
        "cause",
        "age_seconds",
        "arrival",
        "first_421",
        "last_attempt",
        "attempts",
        "give_up",
        "last_reply",
        "reason_kind",
    ])?;
    let opt = |t: Option<i64>| t.map(|v| v.to_string()).unwrap_or_default();
    for q in &r.queued {
        w.write_record([
            q.status.name().to_string(),
            csv_safe(&q.id),
            csv_safe(&q.recipient),
            csv_safe(&q.domain),
            csv_safe(&q.provider),
            q.cause.map_or("", Cause::name).to_string(),
            q.age.to_string(),
            q.arrival.to_string(),
            opt(q.first_421),
            opt(q.last_attempt),
            q.attempts.to_string(),
            q.give_up.to_string(),
            csv_safe(q.last_reply.as_deref().unwrap_or("")),
            q.reason_kind.unwrap_or("").to_string(),
        ])?;
    }
    w.flush()
}

fn table(r: &QueueReport, top: usize, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "Queue ({}, {}) at {}: {} messages, {} recipients to deliver",
        r.mta.unwrap_or("empty"),
        escape_control(&r.source),
        stamp(r.now),
        r.messages,
        r.recipients
    )?;
    if let Some(o) = r.older_than {
        writeln!(out, "Only messages older than {}.", fmt_age(o))?;
    }
    writeln!(out, "Give-up time: {}.", escape_control(&r.give_up_rule))?;
    if !r.logs.is_empty() {
        writeln!(out, "Logs: {}", escape_control(&r.logs.join(", ")))?;
    }
    writeln!(
        out,
        "Waiting on a 421: {}   other deferrals: {}   no history in the logs: {}",
        r.waiting_421, r.other_deferral, r.no_history
    )?;

    if !r.domains.is_empty() {
        writeln!(
            out,
            "\nWaiting on a 421, per domain (recipients by message age)"
        )?;
        let mut rows = vec![
            ["DOMAIN", "PROVIDER", "CAUSE", "RCPTS", "MSGS", "OLDEST"]
                .iter()
                .map(|s| s.to_string())
                .chain(bucket_names())
                .collect::<Vec<_>>(),
        ];
        for d in &r.domains {
            let mut row = vec![
                escape_control(&d.domain),
                escape_control(&d.provider),
                d.cause.to_string(),
                d.recipients.to_string(),
                d.messages.to_string(),
                fmt_age(d.oldest_age),
            ];
            row.extend(d.buckets.iter().map(u64::to_string));
            rows.push(row);
        }
        let mut total = vec![
            "TOTAL".to_string(),
            String::new(),
            String::new(),
            r.waiting_421.to_string(),
            r.closest_total_messages().to_string(),
            fmt_age(r.domains.iter().map(|d| d.oldest_age).max().unwrap_or(0)),
        ];
        total.extend(r.total_buckets.iter().map(u64::to_string));
        rows.push(total);
        columns(&rows, out)?;

        writeln!(out, "\nClosest to give-up")?;
        let mut rows = vec![vec![
            "ID".to_string(),
            "AGE".into(),
            "GIVE-UP".into(),
            "LEFT".into(),
            "DOMAINS".into(),
        ]];
        for m in &r.closest_to_give_up {
            rows.push(vec![
                escape_control(&m.id),
                fmt_age(m.age),
                stamp(m.give_up),
                if m.left <= 0 {
                    format!("past by {}", fmt_age(-m.left))
                } else {
                    fmt_age(m.left)
                },
                escape_control(&m.domains.join(" ")),
            ]);
        }
        columns(&rows, out)?;
    }

    for (status, title) in [
        (
            Status::Waiting421,
            "Recipients waiting on a 421 (oldest 421 first)",
        ),
        (
            Status::OtherDeferral,
            "Deferred for other reasons (no 421 in the logs)",
        ),
        (Status::NoHistory, "No history in the logs"),
    ] {
        let these: Vec<_> = r.queued.iter().filter(|q| q.status == status).collect();
        if these.is_empty() {
            continue;
        }
        writeln!(out, "\n{title}")?;
        let mut rows = vec![match status {
            Status::Waiting421 => [
                "ID",
                "RECIPIENT",
                "AGE",
                "FIRST 421",
                "TRIES",
                "CAUSE",
                "LAST REPLY",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>(),
            Status::OtherDeferral => ["ID", "RECIPIENT", "AGE", "TRIES", "KIND", "LAST DEFERRAL"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            Status::NoHistory => ["ID", "RECIPIENT", "AGE"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }];
        for q in these.iter().take(top) {
            let mut row = vec![
                escape_control(&q.id),
                escape_control(&q.recipient),
                fmt_age(q.age),
            ];
            match status {
                Status::Waiting421 => {
                    row.push(q.first_421.map(stamp).unwrap_or_default());
                    row.push(q.attempts.to_string());
                    row.push(q.cause.map_or("", Cause::name).to_string());
                    row.push(cell(q.last_reply.as_deref().unwrap_or(""), 70));
                }
                Status::OtherDeferral => {
                    row.push(q.attempts.to_string());
                    row.push(q.reason_kind.unwrap_or("").to_string());
                    row.push(cell(q.last_reply.as_deref().unwrap_or(""), 80));
                }
                Status::NoHistory => {}
            }
            rows.push(row);
        }
        columns(&rows, out)?;
        if these.len() > top {
            writeln!(
                out,
                "... and {} more (--top, or --format csv for all)",
                these.len() - top
            )?;
        }
    }

    if !r.actions.is_empty() {
        writeln!(
            out,
            "\nWhat to do (printed, never run; holding or deleting acts on whole messages)"
        )?;
        for a in &r.actions {
            writeln!(out, "{} ({}):", escape_control(&a.domain), a.cause)?;
            for c in &a.commands {
                writeln!(out, "  {c}")?;
            }
            for adv in &a.advice {
                writeln!(out, "  - {adv}")?;
            }
            writeln!(out, "  more: maillog421 explain {}", a.cause)?;
        }
    }
    Ok(())
}

impl QueueReport {
    /// Messages with at least one recipient waiting on a 421.
    pub fn closest_total_messages(&self) -> u64 {
        let mut ids: Vec<&str> = self
            .queued
            .iter()
            .filter(|q| q.status == Status::Waiting421)
            .map(|q| q.id.as_str())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len() as u64
    }
}

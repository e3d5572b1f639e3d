//! `report --format csv --by domain|category|stage|window|pending|provider`: one table with a
//! fixed header. Cells a spreadsheet would run as formulas are neutralised.

use std::io::{self, Write};

use super::Render;
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

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

impl Render for Csv {
    fn render(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut w = ::csv::Writer::from_writer(out);
        let mut row = |cells: Vec<String>| w.write_record(cells.iter().map(|c| csv_safe(c)));
        match self.0 {
            By::Domain => {
                row([
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
                    "met_421",
                    "recovered",
                    "bounced_after_421",
                    "pending",
                    "keeps_returning",
                ]
                .map(String::from)
                .to_vec())?;
                for d in &r.by_domain {
                    row(vec![
                        d.domain.clone(),
                        d.deferrals_421.to_string(),
                        d.suspended_421.to_string(),
                        d.delivery_attempts.to_string(),
                        d.retry_skipped.to_string(),
                        d.rate_per_1000.to_string(),
                        d.windows.to_string(),
                        opt(&d.first),
                        opt(&d.last),
                        d.top_category.unwrap_or("").to_string(),
                        opt(&d.top_reply),
                        d.provider.clone(),
                        d.retries.with_421.to_string(),
                        d.retries.recovered.to_string(),
                        d.retries.bounced.to_string(),
                        d.retries.pending.to_string(),
                        d.repeat.keeps_returning.to_string(),
                    ])?;
                }
            }
            By::Category => {
                row([
                    "category",
                    "deferrals_421",
                    "suspended_421",
                    "replies_421",
                    "inbound_421",
                ]
                .map(String::from)
                .to_vec())?;
                for c in &r.by_category {
                    let k = &c.counts;
                    row(vec![
                        c.category.to_string(),
                        k.deferrals_421.to_string(),
                        k.suspended_421.to_string(),
                        k.replies_421.to_string(),
                        k.inbound_421.to_string(),
                    ])?;
                }
            }
            By::Stage => {
                row([
                    "stage",
                    "deferrals_421",
                    "suspended_421",
                    "replies_421",
                    "inbound_421",
                ]
                .map(String::from)
                .to_vec())?;
                for s in &r.by_stage {
                    let k = &s.counts;
                    row(vec![
                        s.stage.to_string(),
                        k.deferrals_421.to_string(),
                        k.suspended_421.to_string(),
                        k.replies_421.to_string(),
                        k.inbound_421.to_string(),
                    ])?;
                }
            }
            By::Window => {
                row([
                    "start",
                    "delivery_attempts",
                    "retry_skipped",
                    "messages_received",
                    "deferrals_421",
                    "rate_per_1000",
                    "suspended_421",
                    "replies_421",
                    "inbound_421",
                ]
                .map(String::from)
                .to_vec())?;
                for x in &r.by_window {
                    row(vec![
                        x.start.clone(),
                        x.delivery_attempts.to_string(),
                        x.retry_skipped.to_string(),
                        x.messages_received.to_string(),
                        x.deferrals_421.to_string(),
                        x.rate_per_1000.to_string(),
                        x.suspended_421.to_string(),
                        x.replies_421.to_string(),
                        x.inbound_421.to_string(),
                    ])?;
                }
            }
            By::Pending => {
                row([
                    "id",
                    "recipient",
                    "domain",
                    "first_421",
                    "last_attempt",
                    "age_s",
                    "last_reply",
                ]
                .map(String::from)
                .to_vec())?;
                for p in &r.pending {
                    row(vec![
                        p.id.clone(),
                        p.recipient.clone(),
                        p.domain.clone(),
                        p.first_421.clone(),
                        p.last_attempt.clone(),
                        p.age_s.to_string(),
                        p.last_reply.clone(),
                    ])?;
                }
            }
            By::Provider => {
                row([
                    "provider",
                    "domains",
                    "deferrals_421",
                    "suspended_421",
                    "delivery_attempts",
                    "retry_skipped",
                    "rate_per_1000",
                    "recovered",
                    "bounced_after_421",
                    "pending",
                    "repeat_domains",
                ]
                .map(String::from)
                .to_vec())?;
                for p in &r.by_provider {
                    row(vec![
                        p.provider.clone(),
                        p.domains.join(" "),
                        p.deferrals_421.to_string(),
                        p.suspended_421.to_string(),
                        p.delivery_attempts.to_string(),
                        p.retry_skipped.to_string(),
                        p.rate_per_1000.to_string(),
                        p.recovered.to_string(),
                        p.bounced.to_string(),
                        p.pending.to_string(),
                        p.keeps_returning.to_string(),
                    ])?;
                }
            }
        }
        w.flush()
    }
}

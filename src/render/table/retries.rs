//! The table sections on retries: did the deferred mail get through (retry
//! outcomes overall and per domain), and which recipients are still stuck.

use std::io::{self, Write};

use super::{Sheet, TableRender};
use crate::render::fmt::{cell, duration, opt_duration, percent, short_time};
use crate::report::Report;

impl TableRender {
    pub(super) fn render_retries(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let t = &r.retries;
        if t.with_421 == 0 {
            return Ok(());
        }
        writeln!(out)?;
        self.para(
            out,
            &format!("Retry outcomes: {} (message, recipient) pairs met a 421: {} delivered later ({}), {} bounced, {} still pending.",
            t.with_421,
            t.recovered,
            percent(t.recovery_share),
            t.bounced,
            t.pending),
        )?;
        if t.recovered > 0 {
            self.para(
                out,
                &format!("From the first 421 to delivery: median {}, 90th percentile {}; delivery attempts per recovered pair: median {}, 90th percentile {}.",
                opt_duration(t.time_to_delivery_p50_s),
                opt_duration(t.time_to_delivery_p90_s),
                t.attempts_p50.unwrap_or(0),
                t.attempts_p90.unwrap_or(0)),
            )?;
        }
        let mut d = Sheet::new(
            "domain | met 421 | recovered | bounced | pending | recovered % | median delay | p90 delay",
        );
        let rows = r.by_domain.iter().filter(|d| d.retries.with_421 > 0);
        for row in rows.clone().take(self.top) {
            let x = &row.retries;
            d.add_row(vec![
                cell(&row.domain, 40),
                x.with_421.to_string(),
                x.recovered.to_string(),
                x.bounced.to_string(),
                x.pending.to_string(),
                percent(x.recovery_share),
                opt_duration(x.time_to_delivery_p50_s),
                opt_duration(x.time_to_delivery_p90_s),
            ]);
        }
        d.right(1..8).drop_first(&[7, 6, 5]).gives(0);
        self.section(out, "Retry outcomes by domain", &d)?;
        self.render_stuck(r, out)
    }

    fn render_stuck(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        if r.pending.is_empty() {
            writeln!(out)?;
            self.para(
                out,
                "No recipient is stuck: every pair that met a 421 was delivered or bounced.",
            )?;
            return Ok(());
        }
        let mut s =
            Sheet::new("message id | recipient | first 421 | last attempt | age | last 421 reply");
        for p in r.pending.iter().take(self.stuck) {
            s.add_row(vec![
                cell(&p.id, 24),
                cell(&p.recipient, 40),
                short_time(&p.first_421),
                short_time(&p.last_attempt),
                duration(p.age_s),
                cell(&p.last_reply, 70),
            ]);
        }
        s.right(4..5).drop_first(&[3, 2, 0]).gives(5);
        let title = format!(
            "Stuck: recipients still deferred at the end of the logs, oldest first ({} of {}; --stuck N for more)",
            r.pending.len().min(self.stuck),
            r.pending.len()
        );
        self.section(out, &title, &s)
    }
}

//! The table section on our own load: do the 421s follow our sending (the
//! verdict from the report's headline), per-domain and inbound
//! correlations, and the peak 421 episodes.

use std::io::{self, Write};

use super::{Sheet, TableRender};
use crate::analysis::strength;
use crate::render::fmt::{cell, window_time};
use crate::report::Report;

impl TableRender {
    pub(super) fn render_load(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let l = &r.load;
        if l.windows == 0 || r.totals.deferrals_421 == 0 {
            return Ok(());
        }
        writeln!(out)?;
        self.para(out, &r.headline.load.text)?;
        if l.follows_load() {
            self.para(
                out,
                "To spread it: fewer parallel connections and a delay per destination (Exim remote_max_parallel / serialize_hosts, Postfix smtp_destination_concurrency_limit / smtp_destination_rate_delay).",
            )?;
        }
        let per_domain: Vec<String> = l
            .by_domain
            .iter()
            .filter_map(|d| {
                d.correlation
                    .map(|c| format!("{} {c:.3}", cell(&d.domain, 40)))
            })
            .collect();
        if !per_domain.is_empty() {
            self.para(
                out,
                &format!(
                    "Per domain (its own attempts against its 421s): {}.",
                    per_domain.join(", ")
                ),
            )?;
        }
        if let Some(c) = l.inbound_correlation {
            self.para(
                out,
                &format!(
                    "Inbound: arrivals against 421s we sent, per window: {c:.3} ({}).",
                    strength(c)
                ),
            )?;
        }
        if l.episodes.is_empty() {
            return Ok(());
        }
        let mut e = Sheet::new(
            "episode start | end | peak window | 421 deferrals | attempts | per 1000 | top domains | causes",
        );
        for ep in l.episodes.iter().take(self.top) {
            e.add_row(vec![
                window_time(&ep.start, r.window_seconds),
                window_time(&ep.end, r.window_seconds),
                window_time(&ep.peak, r.window_seconds),
                ep.deferrals_421.to_string(),
                ep.delivery_attempts.to_string(),
                format!("{:.1}", ep.rate_per_1000),
                cell(&ep.top_domains.join(" "), 50),
                crate::render::fmt::cause_list(&ep.top_categories),
            ]);
        }
        e.right(3..6).drop_first(&[2, 1, 4]).gives(6);
        let title = format!(
            "Peak 421 episodes, the biggest first ({} of {})",
            l.episodes.len().min(self.top),
            l.episodes_total
        );
        self.section(out, &title, &e)
    }
}

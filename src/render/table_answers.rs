//! The table sections that answer the admin's follow-up questions: did the
//! deferred mail get through (retry outcomes, stuck recipients), which
//! domains keep returning 421 (repeat offenders, providers), and do the 421s
//! follow our own load.

use std::io::{self, Write};

use super::table::{Sheet, TableRender, cell, short_time, window_time};
use crate::analysis::strength;
use crate::report::Report;

/// `75` → `1m15s`, `7260` → `2h01m`, `90000` → `1d01h`.
pub fn duration(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m{:02}s", s / 60, s % 60),
        s if s < 86_400 => format!("{}h{:02}m", s / 3600, s / 60 % 60),
        s => format!("{}d{:02}h", s / 86_400, s / 3600 % 24),
    }
}

fn opt_duration(s: Option<u32>) -> String {
    s.map_or_else(|| "-".to_string(), |s| duration(i64::from(s)))
}

fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "-".to_string(), |s| format!("{:.1}%", s * 100.0))
}

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
        let mut d = Sheet::new(&[
            "domain",
            "met 421",
            "recovered",
            "bounced",
            "pending",
            "recovered %",
            "median delay",
            "p90 delay",
        ]);
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
        let mut s = Sheet::new(&[
            "message id",
            "recipient",
            "first 421",
            "last attempt",
            "age",
            "last 421 reply",
        ]);
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

    pub(super) fn render_offenders(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let rows: Vec<_> = r
            .by_domain
            .iter()
            .filter(|d| d.repeat.windows_with_421 > 0)
            .take(self.top)
            .collect();
        if rows.is_empty() {
            return Ok(());
        }
        let mut t = Sheet::new(&[
            "domain",
            "windows with 421",
            "days",
            "longest streak",
            "episodes",
            "trend (1st → 2nd half)",
            "verdict",
        ]);
        for row in rows {
            let x = &row.repeat;
            t.add_row(vec![
                cell(&row.domain, 40),
                format!("{} of {}", x.windows_with_421, x.windows_with_attempts),
                x.days_with_421.to_string(),
                x.longest_streak.to_string(),
                x.episodes.to_string(),
                format!(
                    "{} → {} {}",
                    x.trend.first_half, x.trend.second_half, x.trend.direction
                ),
                if x.keeps_returning {
                    "keeps returning 421"
                } else {
                    "one-off"
                }
                .to_string(),
            ]);
        }
        t.right(1..5).drop_first(&[2, 3, 4, 5]).gives(0);
        writeln!(out, "\nRepeat offenders")?;
        self.para(out, &format!("Rule: {}.", r.repeat_offender_rule))?;
        writeln!(out, "{}", t.table(&self.term))?;

        if r.by_provider.is_empty() {
            return Ok(());
        }
        let mut p = Sheet::new(&[
            "provider",
            "domains with 421",
            "421 deferrals",
            "attempts",
            "per 1000",
            "recovered",
            "pending",
            "repeat domains",
        ]);
        for row in r.by_provider.iter().take(self.top) {
            let names = row.domain_list(3);
            p.add_row(vec![
                cell(&row.provider, 30),
                cell(&names, 50),
                row.deferrals_421.to_string(),
                row.delivery_attempts.to_string(),
                format!("{:.1}", row.rate_per_1000),
                row.recovered.to_string(),
                row.pending.to_string(),
                row.keeps_returning.to_string(),
            ]);
        }
        p.right(2..8).drop_first(&[7, 5, 3]).gives(1);
        self.section(out, "Providers (domains grouped by their MX hosts)", &p)
    }

    pub(super) fn render_load(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let l = &r.load;
        if l.windows == 0 || r.totals.deferrals_421 == 0 {
            return Ok(());
        }
        writeln!(out)?;
        self.para(
            out,
            &l.verdict_text(&super::table::human_window(r.window_seconds)),
        )?;
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
        let mut e = Sheet::new(&[
            "episode start",
            "end",
            "peak window",
            "421 deferrals",
            "attempts",
            "per 1000",
            "top domains",
            "causes",
        ]);
        for ep in l.episodes.iter().take(self.top) {
            e.add_row(vec![
                window_time(&ep.start, r.window_seconds),
                window_time(&ep.end, r.window_seconds),
                window_time(&ep.peak, r.window_seconds),
                ep.deferrals_421.to_string(),
                ep.delivery_attempts.to_string(),
                format!("{:.1}", ep.rate_per_1000),
                cell(&ep.top_domains.join(" "), 50),
                ep.top_categories.join(" "),
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

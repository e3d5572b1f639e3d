//! The domain sections of the page: domains deferring with 421 and what
//! became of their mail, the recipients still stuck, and the providers
//! behind the domains.

use std::fmt::{self, Write as _};

use super::*;

impl Html {
    pub(super) fn domains(&self, s: &mut String, r: &Report) -> fmt::Result {
        let rows: Vec<Vec<String>> = r
            .by_domain
            .iter()
            .take(self.top)
            .map(|d| {
                let x = &d.retries;
                vec![
                    clip(&d.domain, 60),
                    thousands(d.deferrals_421),
                    thousands(d.delivery_attempts),
                    format!("{:.1}", d.rate_per_1000),
                    d.top_category.map_or("-", Cause::name).to_string(),
                    thousands(x.with_421),
                    thousands(x.recovered),
                    thousands(x.bounced),
                    thousands(x.pending),
                    percent(x.recovery_share),
                    opt_duration(x.time_to_delivery_p50_s),
                    if d.repeat.keeps_returning {
                        "<span class=\"tag bad\">keeps returning</span>".to_string()
                    } else {
                        "<span class=\"tag\">one-off</span>".to_string()
                    },
                ]
            })
            .collect();
        let more = r.by_domain.len().saturating_sub(self.top);
        if more > 0 {
            writeln!(
                s,
                "<p class=\"note\">The top {} of {} domains.</p>",
                self.top,
                r.by_domain.len()
            )?;
        }
        table(
            s,
            "domain | 421 deferrals | attempts | per 1000 | main cause | met 421 | recovered | bounced | pending | recovered % | median delay | repeat",
            &[1, 2, 3, 5, 6, 7, 8, 9, 10],
            &rows,
        )?;
        writeln!(
            s,
            "<p class=\"note\">“met 421” counts (message, recipient) pairs; “recovered” ones were delivered later, “median delay” runs from the first 421 to delivery. Repeat rule: {}.</p>",
            esc(r.repeat_offender_rule)
        )
    }

    pub(super) fn pending(&self, s: &mut String, r: &Report) -> fmt::Result {
        s.push_str("<h2>Still pending: recipients deferred at the end of the logs</h2>\n");
        if r.pending.is_empty() {
            s.push_str(if r.retries.with_421 > 0 {
                "<p>No recipient is stuck: every pair that met a 421 was delivered or bounced.</p>\n"
            } else {
                "<p>No recipient met a 421.</p>\n"
            });
            return Ok(());
        }
        // Collapsed: on a phone the list would be pages long; the headline
        // card and this line carry the count and the oldest.
        let oldest = &r.pending[0];
        writeln!(
            s,
            "<details class=\"list\"><summary>{} recipient(s) pending; the oldest, for {}, met its first 421 {} before the end of the logs. \
             List them, oldest first ({} of {})</summary>",
            thousands(r.pending.len() as u64),
            clip(&oldest.domain, 60),
            duration(oldest.age_s),
            r.pending.len().min(self.top),
            r.pending.len()
        )?;
        let rows: Vec<Vec<String>> = r
            .pending
            .iter()
            .take(self.top)
            .map(|p| {
                vec![
                    format!("<span class=\"t\">{}</span>", clip(&p.id, 32)),
                    clip(&p.recipient, 60),
                    time_cell(&p.first_421),
                    time_cell(&p.last_attempt),
                    duration(p.age_s),
                    format!("<span class=\"r\">{}</span>", clip(&p.last_reply, 200)),
                ]
            })
            .collect();
        table(
            s,
            "message id | recipient | first 421 | last attempt | age | last 421 reply",
            &[4],
            &rows,
        )?;
        s.push_str("</details>\n");
        Ok(())
    }

    pub(super) fn providers(&self, s: &mut String, r: &Report) -> fmt::Result {
        if r.by_provider.is_empty() {
            return Ok(());
        }
        s.push_str("<h2>Providers (domains grouped by their MX hosts)</h2>\n");
        let rows: Vec<Vec<String>> = r
            .by_provider
            .iter()
            .take(self.top)
            .map(|p| {
                let names = p.domain_list(4);
                vec![
                    clip(&p.provider, 30),
                    clip(&names, 90),
                    thousands(p.deferrals_421),
                    thousands(p.delivery_attempts),
                    format!("{:.1}", p.rate_per_1000),
                    thousands(p.recovered),
                    thousands(p.pending),
                    p.keeps_returning.to_string(),
                ]
            })
            .collect();
        table(
            s,
            "provider | domains with 421 | 421 deferrals | attempts | per 1000 | recovered | pending | repeat domains",
            &[2, 3, 4, 5, 6, 7],
            &rows,
        )
    }
}

//! The table sections on repeat offenders: which domains keep returning
//! 421 window after window, and the providers behind them.

use std::io::{self, Write};

use super::{Sheet, TableRender};
use crate::render::fmt::cell;
use crate::report::Report;

impl TableRender {
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
        let mut t = Sheet::new(
            "domain | windows with 421 | days | longest streak | episodes | trend (1st → 2nd half) | verdict",
        );
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
        let mut p = Sheet::new(
            "provider | domains with 421 | 421 deferrals | attempts | per 1000 | recovered | pending | repeat domains",
        );
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
}

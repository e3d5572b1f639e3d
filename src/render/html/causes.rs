//! The cause sections of the page: 421s by cause and stage, what to do
//! about each cause, and the replies the remote servers gave.

use std::fmt::{self, Write as _};

use super::charts::stacked_chart;
use super::*;
use crate::report::ReplyRow;

impl Html {
    pub(super) fn causes(&self, s: &mut String, r: &Report) -> fmt::Result {
        let mut cats: Vec<_> = r
            .by_category
            .iter()
            .filter(|c| c.counts.total() > 0)
            .collect();
        if cats.is_empty() {
            s.push_str("<p>No 421 seen.</p>\n");
            return Ok(());
        }
        // The 421s are the deferrals, and apart from them the 421s we sent:
        // host-level and cached lines repeat a deferral, so the charts leave
        // them out (the table lists them in their own columns).
        let key = |k: &KindCounts| (k.deferrals_421, k.inbound_421);
        cats.sort_by_key(|c| std::cmp::Reverse(key(&c.counts)));
        let charted = |k: &KindCounts| [k.deferrals_421, 0, 0, k.inbound_421];
        let stages: Vec<_> = r
            .by_stage
            .iter()
            .filter(|st| st.counts.deferrals_421 + st.counts.inbound_421 > 0)
            .collect();
        s.push_str("<div class=\"pair\">\n");
        let cat_rows: Vec<(String, [u64; 4])> = cats
            .iter()
            .filter(|c| c.counts.deferrals_421 + c.counts.inbound_421 > 0)
            .map(|c| (c.category.to_string(), charted(&c.counts)))
            .collect();
        stacked_chart(s, "421 deferrals and 421s we sent, by cause", &cat_rows)?;
        let stage_rows: Vec<(String, [u64; 4])> = stages
            .iter()
            .map(|st| (st.stage.to_string(), charted(&st.counts)))
            .collect();
        stacked_chart(
            s,
            "421 deferrals and 421s we sent, by SMTP stage",
            &stage_rows,
        )?;
        s.push_str("</div>\n");
        let rows: Vec<Vec<String>> = cats
            .iter()
            .map(|c| {
                let k = kind_values(&c.counts);
                let mut row = vec![c.category.to_string()];
                row.extend(k.iter().map(|n| thousands(*n)));
                row.push(format!("<span class=\"long\">{}</span>", esc(c.meaning)));
                row
            })
            .collect();
        table(
            s,
            "category | deferred | suspended | reply | inbound | meaning",
            &[1, 2, 3, 4],
            &rows,
        )
    }

    pub(super) fn advice(&self, s: &mut String, r: &Report) -> fmt::Result {
        // Counted as the 421s: deferrals, and the 421s we sent apart.
        let mut cats: Vec<(Cause, u64, u64)> = r
            .by_category
            .iter()
            .filter(|c| c.counts.deferrals_421 + c.counts.inbound_421 > 0)
            .map(|c| (c.category, c.counts.deferrals_421, c.counts.inbound_421))
            .collect();
        if cats.is_empty() {
            return Ok(());
        }
        cats.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
        s.push_str("<h2>What to do</h2>\n<p class=\"note\">One card per cause seen, the most 421 deferrals first; open a card for its advice.</p>\n");
        for (rank, (cause, deferrals, inbound)) in cats.into_iter().enumerate() {
            let g: &Guidance = guidance(cause);
            let domains: Vec<&str> = r
                .by_domain
                .iter()
                .filter(|d| d.categories.contains_key(&cause))
                .take(6)
                .map(|d| d.domain.as_str())
                .collect();
            let mut count = Vec::new();
            if deferrals > 0 {
                let s = if deferrals == 1 { "" } else { "s" };
                count.push(format!("{} 421 deferral{s}", thousands(deferrals)));
            }
            if inbound > 0 {
                count.push(format!("{} sent by us (inbound)", thousands(inbound)));
            }
            write!(
                s,
                "<section class=\"advice\"><h3>{}<span class=\"count\">{}</span></h3>\n<p>{}</p>\n",
                esc(cause.name()),
                count.join(", "),
                prose(g.meaning),
            )?;
            if !domains.is_empty() {
                writeln!(
                    s,
                    "<p><b>Domains:</b> {}</p>",
                    clip(&domains.join(", "), 200)
                )?;
            }
            // The biggest cause's advice open, the others one click away
            // (nine open cards are ten phone screens).
            let open = if rank == 0 { " open" } else { "" };
            write!(
                s,
                "<details class=\"list\"{open}><summary>What to do about {}</summary>\n<p><b>Temporary?</b> {}</p>\n",
                esc(cause.name()),
                prose(g.temporary)
            )?;
            // Advice naming an MTA only for the MTA(s) of the input.
            let mtas = crate::guidance::Mtas::of(&r.inputs);
            let fit = |items: &[&'static str]| -> Vec<&'static str> {
                items.iter().copied().filter(|i| mtas.fits(i)).collect()
            };
            s.push_str("<div class=\"cols\">");
            list(s, "Do now", "ol", &fit(g.do_now))?;
            list(s, "Who acts", "ul", &fit(g.who_acts))?;
            s.push_str("</div><div class=\"cols\">");
            list(s, "Likely causes", "ul", &fit(g.causes))?;
            list(s, "Tell support / the receiver", "ul", &fit(g.tell_support))?;
            s.push_str("</div></details></section>\n");
        }
        Ok(())
    }

    pub(super) fn replies(&self, s: &mut String, r: &Report) -> fmt::Result {
        self.ranked(
            s,
            "<h2>Top 421 replies from remote servers</h2>",
            "deferred | suspended | reply | category | reply (normalised) | domains",
            &[0, 1, 2],
            &r.top_replies,
            |x| {
                let domains = clip(&x.domains.join(" "), 80);
                reply_cells(
                    x,
                    [
                        x.category.to_string(),
                        reply_text(x),
                        format!("<span class=\"long\">{domains}</span>"),
                    ],
                )
            },
        )?;
        self.ranked(
            s,
            "<h3>Unclassified 421 replies</h3>",
            "deferred | suspended | reply | reply (no rule matched)",
            &[0, 1, 2],
            &r.top_unknown_replies,
            |x| reply_cells(x, [reply_text(x)]),
        )?;
        self.ranked(
            s,
            "<h3>Remote hosts answering 421</h3>",
            "remote host | 421 deferrals",
            &[1],
            &r.by_host,
            |h| vec![clip(&h.host, 80), thousands(h.deferrals_421)],
        )?;
        self.ranked(
            s,
            "<h3>Inbound: clients we answered 421</h3>",
            "client | 421s we sent",
            &[1],
            &r.inbound_clients,
            |c| vec![clip(&c.client, 80), thousands(c.inbound_421)],
        )
    }

    /// A heading and a table of the first `top` rows; nothing when there
    /// are no rows.
    fn ranked<T>(
        &self,
        s: &mut String,
        heading: &str,
        heads: &str,
        numeric: &[usize],
        rows: &[T],
        cells: impl Fn(&T) -> Vec<String>,
    ) -> fmt::Result {
        if rows.is_empty() {
            return Ok(());
        }
        writeln!(s, "{heading}")?;
        let rows: Vec<Vec<String>> = rows.iter().take(self.top).map(cells).collect();
        table(s, heads, numeric, &rows)
    }
}

/// A reply row's counts by kind, then `rest`.
fn reply_cells(x: &ReplyRow, rest: impl IntoIterator<Item = String>) -> Vec<String> {
    [x.deferrals_421, x.suspended_421, x.replies_421]
        .map(thousands)
        .into_iter()
        .chain(rest)
        .collect()
}

/// A reply's whole text.
fn reply_text(x: &ReplyRow) -> String {
    format!("<span class=\"r\">{}</span>", esc(&x.text))
}

fn list(s: &mut String, head: &str, tag: &str, items: &[&str]) -> fmt::Result {
    if items.is_empty() {
        return Ok(());
    }
    write!(s, "<div><h4>{}</h4><{tag}>", esc(head))?;
    for i in items {
        write!(s, "<li>{}</li>", prose(i))?;
    }
    write!(s, "</{tag}></div>")
}

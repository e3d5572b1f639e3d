//! What one followed line changes: the rolling period's and the session's
//! counts (one [`Fold`] each), the metrics, the alerts, and what is printed.

use std::io::{self, Write};
use std::sync::Arc;

use super::alert::Alerts;
use super::feed::{Feed, Followed, detect_file};
use super::metrics::Metrics;
use super::print::Printer;
use super::stuck;
use crate::aggregate::{Aggregate, Totals};
use crate::event::Event;
use crate::fold::{Entry, Fold};
use crate::input::layout::{self, Layout};
use crate::parse::time::Zone;
use crate::parse::{Format, Outcome, Parsed, Record};
use crate::scan::align_offset;

/// Everything one line can change.
pub(super) struct State {
    pub forced: Option<Format>,
    pub cutoff: Option<i64>,
    /// Since the last rolling summary.
    pub period: Fold,
    /// Since the start.
    pub session: Fold,
    pub alerts: Alerts,
    pub metrics: Option<Arc<Metrics>>,
    /// Recipients stuck after a 421, for the metrics' gauges (fed only
    /// when metrics are served).
    pub stuck: stuck::Stuck,
    pub printer: Printer,
    /// The latest stamp read (log time).
    pub now: Option<i64>,
}

/// The counts of a rolling period (no retry state). A summary reads only
/// its totals, its 421 events' counts and its per-server counts: a line
/// with none of the last two adds to the totals alone ([`count_totals`]),
/// so its windows and time span are never filled in, nor read.
pub(super) fn period_fold(zone: Zone) -> Fold {
    Fold::new(new_aggregate(zone), false)
}

/// The counts of the session: its top domains' detail, and retry state
/// for its stuck recipients.
pub(super) fn session_fold(zone: Zone) -> Fold {
    let cap = session_domains();
    Fold::new(new_aggregate(zone).keep_domains(cap), false)
        .standalone_retries()
        .keep_detail(cap)
}

fn new_aggregate(zone: Zone) -> Aggregate {
    Aggregate::new(crate::window::HOUR, align_offset(zone)).without_quiet_domains()
}

/// The domains whose detail the session keeps (the most 421s; the totals
/// count every domain): [`SESSION_DOMAINS`], or for tests the number in
/// the (undocumented) `MAILLOG421_FOLLOW_DOMAINS`.
fn session_domains() -> usize {
    std::env::var("MAILLOG421_FOLLOW_DOMAINS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(SESSION_DOMAINS)
}

/// A bulk sender meets a 421 at a million domains in a month: the session
/// keeps 10,000 (up to 20,000 between prunings, ~1.6 KB each).
const SESSION_DOMAINS: usize = 10_000;

/// [`Fold::count`] of a line into the rolling period, for its summary.
fn count_period(period: &mut Fold, entry: &Entry<'_>, ev: Option<&Event<'_>>) {
    if ev.is_none() && entry.server.is_none() {
        count_totals(&mut period.aggregate.totals, &entry.record);
    } else {
        period.count(entry, ev);
    }
}

/// What [`Fold::count`] adds to the totals for a line without a 421 event:
/// all a rolling summary shows of it (the same per-line work again for the
/// whole fold cost as much as the session's fold; issue 18).
fn count_totals(t: &mut Totals, record: &Record<'_>) {
    t.lines += 1;
    match record {
        Record::Arrival(_) => t.received += 1,
        Record::Delivery(d) if d.tried => match d.outcome {
            Outcome::Delivered => t.delivered += 1,
            Outcome::Deferred => t.deferred += 1,
            Outcome::Bounced => t.bounced += 1,
        },
        Record::Delivery(_) => t.retry_skipped += 1,
        _ => {}
    }
}

impl State {
    pub(super) fn line(
        &mut self,
        f: &mut Followed,
        line: &[u8],
        line_no: u64,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let format = match f.format.or(self.forced) {
            Some(fmt) => fmt,
            None => {
                let found = match &f.tail {
                    Feed::File(t) => detect_file(t.path(), self.forced),
                    Feed::Journal(_) => Some((Layout::Bare, Format::Syslog)),
                    // The loop decides from the first block with a log line;
                    // until then nothing is fixed.
                    Feed::Stdin => None,
                };
                match found {
                    Some((lay, fmt)) => {
                        (f.format, f.layout) = (Some(fmt), lay);
                        fmt
                    }
                    None if matches!(f.tail, Feed::Stdin) => self.forced.unwrap_or(Format::Exim),
                    None => {
                        f.format = Some(Format::Exim);
                        Format::Exim
                    }
                }
            }
        };
        let line = crate::oddities::strip_nul_prefix(line);
        let Some(peeled) = f.layout.peel(line, &mut f.scratch) else {
            return Ok(());
        };
        let line = peeled.line;
        let parsed = match peeled.stamp {
            // A bare line: its stamp is most often the line before's.
            None => f.stamps.parse(format, line, &mut f.clock),
            Some(_) => match layout::parse(format, peeled) {
                Parsed::Entry { stamp, mta, record } => {
                    let time = f.clock.resolve(&stamp);
                    (Parsed::Entry { stamp, mta, record }, time)
                }
                other => (other, None),
            },
        };
        let entry = match parsed {
            (Parsed::Entry { mta, record, .. }, time) => time.map(|time| (time, mta, record)),
            (Parsed::Continuation, _) => {
                self.period.skipped();
                self.session.skipped();
                if let Some(m) = &self.metrics {
                    m.line(true);
                }
                return Ok(());
            }
            (Parsed::Unparsed, _) => None,
        };
        if let Some(m) = &self.metrics {
            m.line(entry.is_some());
        }
        let Some((time, mta, record)) = entry else {
            self.period.unparsed();
            self.session.unparsed();
            return Ok(());
        };
        if self.cutoff.is_some_and(|c| time < c) {
            return Ok(());
        }
        self.now = Some(self.now.map_or(time, |n| n.max(time)));
        let entry = Entry {
            time,
            mta,
            record,
            server: f.servers.of(format, line),
        };
        let ev = self.session.entry(&entry);
        count_period(&mut self.period, &entry, ev.as_ref());
        let record = &entry.record;
        if let Some(m) = &self.metrics {
            if let Record::Delivery(d) = record {
                m.delivery(d.outcome, d.tried);
            }
            if self.stuck.record(time, record) {
                m.stuck(self.stuck.count(), self.stuck.oldest());
            }
        }
        let Some(ev) = ev else {
            return Ok(());
        };
        if let Some(m) = &self.metrics {
            m.event(&ev);
        }
        self.printer
            .event(&ev, &f.name, line_no, entry.server, out)?;
        for a in self.alerts.event(&ev) {
            self.printer.alert(&a, out)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::time::{Clock, YearHint};

    /// The rolling summary of a period counted the short way is the one
    /// of the whole fold, on real Exim and Postfix logs.
    #[test]
    fn a_period_summary_is_the_whole_folds() {
        let hint = YearHint {
            year: 2026,
            month: 12,
        };
        for (format, path) in [
            (Format::Exim, "fixtures/exim/mainlog-rich"),
            (Format::Syslog, "fixtures/postfix/maillog"),
        ] {
            let text = std::fs::read(path).expect("fixture");
            let mut clock = Clock::new(Zone::Utc, hint);
            let mut session = session_fold(Zone::Utc);
            let (mut short, mut whole) = (period_fold(Zone::Utc), period_fold(Zone::Utc));
            let mut events = 0;
            for line in text.split(|b| *b == b'\n') {
                let Parsed::Entry { stamp, mta, record } = format.parse_line(line) else {
                    continue;
                };
                let Some(time) = clock.resolve(&stamp) else {
                    continue;
                };
                let entry = Entry {
                    time,
                    mta,
                    record,
                    server: None,
                };
                let ev = session.entry(&entry);
                events += usize::from(ev.is_some());
                count_period(&mut short, &entry, ev.as_ref());
                whole.count(&entry, ev.as_ref());
            }
            assert!(events > 0, "{path}: no 421 event");
            let summary = |f: &Fold| {
                let mut out = Vec::new();
                Printer::new(true, false, Zone::Utc)
                    .summary("last", 0, 0, f, None, &mut out)
                    .expect("written");
                String::from_utf8(out).expect("UTF-8")
            };
            assert_eq!(summary(&short), summary(&whole), "{path}");
        }
    }
}

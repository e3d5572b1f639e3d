//! The line-folding core: one parsed line (its record and its time) into
//! the counts ([`Aggregate`], per-server counts with `--by-host`), the retry
//! tracker, and the 421 [`Event`] it holds. `report`, `events`, `summary`
//! (through `scan`) and `follow` all drive this one type, so they count
//! alike.
//!
//! Reading, peeling and parsing happen before (in `scan` and `follow`);
//! what happens to an event after (kept, streamed, printed, alerted on) is
//! the caller's: [`Fold::entry`] hands it back.

use crate::aggregate::Aggregate;
use crate::classify::Cause;
use crate::event::{CauseCache, Event, Kind};
use crate::parse::{Format, Mta, Record};
use crate::retry::Tracker;
use crate::text::lossy;

/// One line with a usable stamp, parsed.
pub struct Entry<'a> {
    pub time: i64,
    pub mta: Mta,
    pub record: Record<'a>,
    /// Its mail server, with `--by-host` (see [`ServerNames`]).
    pub server: Option<&'a [u8]>,
}

/// The counts of a stretch of lines.
#[derive(Debug)]
pub struct Fold {
    pub aggregate: Aggregate,
    /// Retry state; `None` where it is not wanted (`events` streaming,
    /// `follow`'s rolling period), so memory stays flat.
    pub retries: Option<Tracker>,
    /// Keep at most this many remote hosts and reply texts (twice that
    /// between prunings), the most 421s first: `follow`'s session, which
    /// would otherwise hold every host and reply text it ever met.
    detail_cap: Option<usize>,
    /// Reply texts already classified (see [`CauseCache`]).
    causes: CauseCache,
}

impl Fold {
    pub fn new(aggregate: Aggregate, track_retries: bool) -> Fold {
        Fold {
            aggregate,
            retries: track_retries.then(Tracker::new),
            detail_cap: None,
            causes: CauseCache::default(),
        }
    }

    /// Follows retries as one stream read in order, never joined with an
    /// earlier one ([`Tracker::standalone`]): what `follow`'s session needs.
    pub fn standalone_retries(mut self) -> Fold {
        self.retries = Some(Tracker::standalone());
        self
    }

    /// Bounds the per-host and per-reply counts to the `cap` with the most
    /// 421s (the totals, causes and windows still count every one).
    pub fn keep_detail(mut self, cap: usize) -> Fold {
        self.detail_cap = Some(cap.max(1));
        self
    }

    /// Prunes the host and reply maps back to the cap when they reached
    /// twice it.
    fn prune_detail(&mut self, cap: usize) {
        let agg = &mut self.aggregate;
        if agg.hosts.len() >= 2 * cap {
            agg.hosts = keep_top(std::mem::take(&mut agg.hosts), cap, |n| *n);
        }
        if agg.replies.len() >= 2 * cap {
            let score = |r: &crate::aggregate::ReplyStats| r.by_kind.iter().sum::<u64>();
            agg.replies = keep_top(std::mem::take(&mut agg.replies), cap, score);
        }
    }

    /// A line with no usable stamp that is not an error: a continuation, a
    /// wrapper's own line.
    pub fn skipped(&mut self) {
        self.aggregate.line(None);
    }

    /// A line not understood (or with a stamp that is no time).
    pub fn unparsed(&mut self) {
        self.aggregate.line(None);
        self.aggregate.unparsed();
    }

    /// A line outside the period (`--since`/`--until`) at `time`.
    pub fn outside(&mut self, time: i64) {
        self.aggregate.outside(time);
    }

    /// A line in the period: counts it, follows its retry state, and
    /// returns the 421 event it holds.
    #[inline]
    pub fn entry<'a>(&mut self, e: &Entry<'a>) -> Option<Event<'a>> {
        if !Event::may_hold(&e.record) {
            self.count_inline(e, None);
            return None;
        }
        self.entry_421(e)
    }

    /// [`Fold::entry`] of a line that may hold a 421 (about one in a
    /// hundred), kept out of line.
    #[inline(never)]
    fn entry_421<'a>(&mut self, e: &Entry<'a>) -> Option<Event<'a>> {
        let causes = &mut self.causes;
        let ev = Event::from_record_by(e.time, e.mta, &e.record, |text, code, domain| {
            causes.classify(text, code, domain)
        });
        self.count(e, ev.as_ref());
        ev
    }

    /// [`Fold::entry`] with its event already made (a second fold over the
    /// same lines, like `follow`'s rolling period beside its session).
    pub fn count(&mut self, e: &Entry<'_>, ev: Option<&Event<'_>>) {
        self.count_inline(e, ev);
    }

    /// [`Fold::count`], inlined into [`Fold::entry`]'s path for lines
    /// without a 421 (nearly all): no call, no registers saved per line.
    #[inline(always)]
    fn count_inline(&mut self, e: &Entry<'_>, ev: Option<&Event<'_>>) {
        let (agg, time) = (&mut self.aggregate, e.time);
        agg.line(Some(time));
        // One look at the kind of record for the counts and the tracker.
        let retries = self.retries.as_mut();
        match &e.record {
            Record::Arrival(id) => {
                agg.arrival(time);
                if let Some(t) = retries {
                    t.arrival(id);
                }
            }
            Record::Delivery(d) => {
                agg.delivery(time, d);
                if let Some(t) = retries {
                    t.delivery(d.id, d.rcpt, d.outcome, d.tried, time, d.reply.as_ref());
                }
            }
            Record::Ended(id) => {
                if let Some(t) = retries {
                    t.ended(id, time);
                }
            }
            Record::Expired(id) => {
                if let Some(t) = retries {
                    t.expired(id, time);
                }
            }
            Record::HostReply(_) | Record::Inbound(_) | Record::Other => {}
        }
        if let Some(name) = e.server {
            agg.servers.line(name, Some(&e.record), ev);
        }
        if let Some(ev) = ev {
            agg.event(ev);
            if let Some(cap) = self.detail_cap {
                self.prune_detail(cap);
            }
        }
    }

    /// The `n` domains with the most 421 deferrals (ties: the smaller
    /// name), with their counts.
    pub fn top_domains(&self, n: usize) -> Vec<(String, u64)> {
        let mut domains: Vec<(String, u64)> = self
            .aggregate
            .domains()
            .map(|(d, s)| (lossy(d), s.by_kind()[Kind::Deferred.index()]))
            .filter(|(_, n)| *n > 0)
            .collect();
        domains.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        domains.truncate(n);
        domains
    }

    /// The causes of the 421 events (of any kind) met, the most first
    /// (ties: the table's order).
    pub fn causes(&self) -> Vec<(Cause, u64)> {
        let mut causes: Vec<(Cause, u64)> = Cause::ALL
            .iter()
            .map(|c| (*c, self.aggregate.causes[c.index()].iter().sum()))
            .filter(|(_, n)| *n > 0)
            .collect();
        causes.sort_by_key(|c| std::cmp::Reverse(c.1));
        causes
    }

    /// Folds a later stretch of lines into this one.
    pub fn append(&mut self, later: Fold) {
        self.aggregate.merge(&later.aggregate);
        if let (Some(t), Some(l)) = (&mut self.retries, later.retries) {
            t.absorb(l);
        }
    }
}

/// The `cap` entries with the highest score (ties: the smaller key).
fn keep_top<V, M>(map: M, cap: usize, score: impl Fn(&V) -> u64) -> M
where
    M: IntoIterator<Item = (String, V)> + FromIterator<(String, V)>,
{
    let mut all: Vec<(String, V)> = map.into_iter().collect();
    all.sort_by(|a, b| score(&b.1).cmp(&score(&a.1)).then_with(|| a.0.cmp(&b.0)));
    all.truncate(cap);
    all.into_iter().collect()
}

/// Which of our mail servers a line is from, with `--by-host`: the syslog
/// host field of a syslog line, else the input's default name (`--host`,
/// or the directory it is in). The counts per server are
/// [`crate::servers::Servers`].
#[derive(Debug, Clone, Default)]
pub struct ServerNames {
    /// `None` without `--by-host`.
    default: Option<Vec<u8>>,
}

impl ServerNames {
    /// For one input; `by_server` (`--by-host`) off names no server;
    /// `name` is `--host`.
    pub fn new(by_server: bool, name: Option<&str>, path: &std::path::Path) -> ServerNames {
        ServerNames {
            default: by_server.then(|| crate::servers::default_name(name, path).into_bytes()),
        }
    }

    /// The server of one line.
    pub fn of<'a>(&'a self, format: Format, line: &'a [u8]) -> Option<&'a [u8]> {
        let default = self.default.as_deref()?;
        Some(match format {
            Format::Syslog => crate::parse::syslog::header(line).map_or(default, |h| h.host),
            Format::Exim => default,
        })
    }
}

#[cfg(test)]
#[path = "fold_tests.rs"]
mod tests;

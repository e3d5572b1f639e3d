//! Per recipient domain: the counts every domain gets, the 421 details of
//! the few that met one, the window list, and the name index (names in one
//! buffer behind a table of 4-byte numbers).

use hashbrown::HashTable;

use super::{add_arr, casefold, max_opt, min_opt};
use crate::classify::Cause;
use crate::event::Kind;

/// Per recipient domain: a few counters for every domain, the 421 details
/// only for domains that met one (most never do), so a million domains
/// cost a few hundred bytes each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomainStats {
    pub delivered: u64,
    pub deferred: u64,
    pub bounced: u64,
    /// Delivery lines on which nothing was tried.
    pub retry_skipped: u64,
    /// The first remote host seen for the domain (its MX), for the provider roll-up.
    pub host: Option<Box<str>>,
    /// Windows with a delivery attempt or a 421 deferral, by start time
    /// (a retry-skipped line alone adds a window with no attempt).
    pub(super) windows: Vec<DomainWindow>,
    /// What a 421 brought; `None` until one came.
    pub(super) met_421: Option<Box<Met421>>,
}

/// A domain's 421 details.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Met421 {
    /// 421 events by kind (inbound never lands here).
    pub(super) by_kind: [u64; Kind::COUNT],
    pub(super) first: Option<i64>,
    pub(super) last: Option<i64>,
    /// 421 deferrals by cause.
    pub(super) causes: [u64; Cause::COUNT],
    /// 421 deferrals by normalised reply text: (id in the aggregate's
    /// reply table, count), sorted by id.
    pub(super) replies: Vec<(u32, u64)>,
}

impl DomainStats {
    pub fn attempts(&self) -> u64 {
        self.delivered + self.deferred + self.bounced
    }

    /// 421 events by kind (inbound never lands here).
    pub fn by_kind(&self) -> [u64; Kind::COUNT] {
        self.met_421
            .as_ref()
            .map_or([0; Kind::COUNT], |m| m.by_kind)
    }

    /// 421 deferrals by cause.
    pub fn causes(&self) -> [u64; Cause::COUNT] {
        self.met_421
            .as_ref()
            .map_or([0; Cause::COUNT], |m| m.causes)
    }

    /// The first 421 deferral.
    pub fn first(&self) -> Option<i64> {
        self.met_421.as_ref().and_then(|m| m.first)
    }

    /// The last 421 deferral.
    pub fn last(&self) -> Option<i64> {
        self.met_421.as_ref().and_then(|m| m.last)
    }

    /// Windows with a delivery attempt or a 421 deferral, by start time.
    pub fn windows(&self) -> &[DomainWindow] {
        &self.windows
    }

    pub(super) fn met(&mut self) -> &mut Met421 {
        self.met_421.get_or_insert_with(Box::default)
    }

    /// The domain's slot for window `start`: logs are in time order, so
    /// the usual answer is the last slot, found here without a call.
    #[inline]
    pub(super) fn window(&mut self, start: i64) -> &mut DomainWindow {
        match self.windows.last() {
            Some(w) if w.start == start => {
                let last = self.windows.len() - 1;
                &mut self.windows[last]
            }
            _ => window_slot(&mut self.windows, start),
        }
    }

    /// Folds `o` in; `reply_id` maps `o`'s reply ids to this aggregate's.
    pub(super) fn merge(&mut self, o: &DomainStats, reply_id: &[u32]) {
        self.delivered += o.delivered;
        self.deferred += o.deferred;
        self.bounced += o.bounced;
        self.retry_skipped += o.retry_skipped;
        for w in &o.windows {
            let mine = self.window(w.start);
            mine.attempts += w.attempts;
            mine.deferrals_421 += w.deferrals_421;
        }
        if self.host.is_none() {
            self.host.clone_from(&o.host);
        }
        if let Some(m) = &o.met_421 {
            let mine = self.met();
            add_arr(&mut mine.by_kind, &m.by_kind);
            mine.first = min_opt(mine.first, m.first);
            mine.last = max_opt(mine.last, m.last);
            add_arr(&mut mine.causes, &m.causes);
            for (id, n) in &m.replies {
                mine.add_reply(reply_id[*id as usize], *n);
            }
        }
    }
}

impl Met421 {
    pub(super) fn add_reply(&mut self, id: u32, n: u64) {
        match self.replies.binary_search_by_key(&id, |r| r.0) {
            Ok(i) => self.replies[i].1 += n,
            Err(i) => {
                if self.replies.len() == self.replies.capacity() {
                    self.replies.reserve_exact(1);
                }
                self.replies.insert(i, (id, n));
            }
        }
    }
}

/// One domain in one window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DomainWindow {
    pub start: i64,
    pub attempts: u32,
    pub deferrals_421: u32,
}

/// The slot for window `start` in a list sorted by start. Logs are in time
/// order, so the last slot is the usual answer.
fn window_slot(list: &mut Vec<DomainWindow>, start: i64) -> &mut DomainWindow {
    let i = match list.last() {
        Some(w) if w.start == start => {
            let last = list.len() - 1;
            return &mut list[last];
        }
        // A later window (time order, or merging a later stretch): no search.
        Some(w) if w.start < start => list.len(),
        None => 0,
        _ => match list.binary_search_by_key(&start, |w| w.start) {
            Ok(i) => return &mut list[i],
            Err(i) => i,
        },
    };
    if list.len() == list.capacity() {
        // Grow by half, not double: most domains hold one or two windows.
        list.reserve_exact((list.len() / 2).max(1));
    }
    list.insert(
        i,
        DomainWindow {
            start,
            ..DomainWindow::default()
        },
    );
    &mut list[i]
}

/// Domain names (lowercased bytes) and their numbers, in insertion order:
/// the names share one buffer and the hash table holds 4-byte numbers, so
/// a million domains are a few allocations, not a million (issue 16 §3).
#[derive(Debug, Clone, Default)]
pub(super) struct DomainIndex {
    table: HashTable<u32>,
    bytes: Vec<u8>,
    /// Where each name ends in `bytes`.
    ends: Vec<u64>,
}

/// Name `i` of a [`DomainIndex`]'s buffer.
fn name_at<'a>(bytes: &'a [u8], ends: &[u64], i: usize) -> &'a [u8] {
    let start = if i == 0 { 0 } else { ends[i - 1] as usize };
    &bytes[start..ends[i] as usize]
}

impl DomainIndex {
    pub(super) fn name(&self, i: usize) -> &[u8] {
        name_at(&self.bytes, &self.ends, i)
    }

    /// The number of `name` (in any case).
    pub(super) fn get(&self, name: &[u8]) -> Option<usize> {
        self.table
            .find(casefold::hash(name), |&i| {
                casefold::eq(name, self.name(i as usize))
            })
            .map(|&i| i as usize)
    }

    /// The number of `name` (in any case; kept lowercased), and whether it
    /// is new.
    pub(super) fn get_or_insert(&mut self, name: &[u8]) -> (usize, bool) {
        let hash = casefold::hash(name);
        let DomainIndex { table, bytes, ends } = self;
        if let Some(&i) = table.find(hash, |&i| {
            casefold::eq(name, name_at(bytes, ends, i as usize))
        }) {
            return (i as usize, false);
        }
        let i = ends.len();
        table.insert_unique(
            hash,
            u32::try_from(i).expect("fewer than 4e9 domains"),
            |&i| casefold::hash(name_at(bytes, ends, i as usize)),
        );
        bytes.extend(name.iter().map(u8::to_ascii_lowercase));
        ends.push(bytes.len() as u64);
        (i, true)
    }
}

//! Owned counts folded from parsed lines. [`Aggregate::merge`] is
//! associative and commutative, so inputs read in parallel give the same
//! result as one thread.

use rustc_hash::FxHashMap as HashMap;

use crate::classify::Cause;
use crate::event::{Event, Kind};
use crate::parse::{Delivery, Outcome, Stage, domain_of};
use crate::text::client_key;

/// Counts over all inputs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub lines: u64,
    pub unparsed: u64,
    pub received: u64,
    pub delivered: u64,
    pub deferred: u64,
    pub bounced: u64,
    /// Delivery lines on which nothing was tried (see [`crate::parse::Delivery::tried`]).
    pub retry_skipped: u64,
    /// 421 events by [`Kind`].
    pub by_kind: [u64; Kind::COUNT],
}

impl Totals {
    /// Delivery attempts: lines on which a delivery was tried.
    pub fn attempts(&self) -> u64 {
        self.delivered + self.deferred + self.bounced
    }

    fn merge(&mut self, o: &Totals) {
        self.lines += o.lines;
        self.unparsed += o.unparsed;
        self.received += o.received;
        self.delivered += o.delivered;
        self.deferred += o.deferred;
        self.bounced += o.bounced;
        self.retry_skipped += o.retry_skipped;
        add_arr(&mut self.by_kind, &o.by_kind);
    }
}

fn add_arr<const N: usize>(a: &mut [u64; N], b: &[u64; N]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

fn merge_counts(a: &mut HashMap<String, u64>, b: &HashMap<String, u64>) {
    for (k, v) in b {
        *a.entry(k.clone()).or_default() += v;
    }
}

/// Per time window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WindowStats {
    pub attempts: u64,
    /// Delivery lines on which nothing was tried.
    pub retry_skipped: u64,
    pub received: u64,
    pub by_kind: [u64; Kind::COUNT],
    /// 421 deferrals by cause.
    pub causes: [u64; Cause::COUNT],
}

/// Everything the report needs, folded line by line.
#[derive(Debug, Clone)]
pub struct Aggregate {
    pub window: i64,
    /// `--window auto`: the window grows with the period (see `window.rs`).
    pub auto: bool,
    /// Seconds added to Unix time before cutting windows (local midnight).
    pub align: i64,
    pub totals: Totals,
    pub first: Option<i64>,
    pub last: Option<i64>,
    /// The first and last time of every line with a usable stamp, in the
    /// period or not (what the input covers).
    pub span: Option<(i64, i64)>,
    /// Times within `first..=last` (a stamped line there changes neither
    /// them nor the span): a copy of them as plain numbers, for the test
    /// every line makes. Empty (`(MAX, MIN)`) until the first line; never
    /// wider than `first..=last`, which only ever widen.
    seen: (i64, i64),
    /// The last window met (its start, and the window length then), for
    /// [`Aggregate::window_at`]; a length of 0 for none.
    last_window: (i64, i64),
    domain_index: DomainIndex,
    /// By the domain's number in `domain_index`.
    domain_stats: Vec<DomainStats>,
    pub windows: HashMap<i64, WindowStats>,
    /// 421 events by cause, by kind.
    pub causes: [[u64; Kind::COUNT]; Cause::COUNT],
    /// 421 events by stage, by kind.
    pub stages: [[u64; Kind::COUNT]; Stage::COUNT],
    /// 421 deferrals by remote host.
    pub hosts: HashMap<String, u64>,
    /// Outbound 421 replies (deferred, suspended, reply kinds) by normalised text.
    pub replies: HashMap<String, ReplyStats>,
    /// Reply texts of the per-domain counts, by id (see `Met421`).
    reply_texts: Vec<Box<str>>,
    reply_ids: HashMap<Box<str>, u32>,
    /// Raw reply bytes -> normalised text id (see `reply_of`).
    raw_replies: HashMap<Box<[u8]>, u32>,
    /// Inbound 421s by client (without port).
    pub clients: HashMap<String, u64>,
    /// Per mail server, with `--by-host`.
    pub servers: crate::servers::Servers,
    /// Keep domains that never met a 421 (`follow` does not: it shows
    /// only domains with 421s, and would otherwise hold every domain it
    /// ever delivered to).
    quiet_domains: bool,
    /// Keep per-domain detail for at most this many domains (twice that
    /// between prunings), the most 421s first: `follow`'s session, which
    /// would otherwise hold every domain that ever met a 421.
    domain_cap: Option<usize>,
    /// What the pruned domains had: their number and their 421 deferrals
    /// (the totals, causes and windows still count them).
    pub forgotten: Forgotten,
    scratch_text: String,
}

/// The "other" bucket of domains pruned by [`Aggregate::keep_domains`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Forgotten {
    pub domains: u64,
    pub deferrals_421: u64,
}

impl Aggregate {
    pub fn new(window: i64, align: i64) -> Aggregate {
        Aggregate {
            window: if window == crate::window::AUTO {
                crate::window::GRAINS[0]
            } else {
                window.max(1)
            },
            auto: window == crate::window::AUTO,
            align,
            totals: Totals::default(),
            first: None,
            last: None,
            span: None,
            seen: (i64::MAX, i64::MIN),
            last_window: (0, 0),
            domain_index: DomainIndex::default(),
            domain_stats: Vec::new(),
            windows: HashMap::default(),
            causes: [[0; Kind::COUNT]; Cause::COUNT],
            stages: [[0; Kind::COUNT]; Stage::COUNT],
            hosts: HashMap::default(),
            replies: HashMap::default(),
            reply_texts: Vec::new(),
            reply_ids: HashMap::default(),
            raw_replies: HashMap::default(),
            clients: HashMap::default(),
            servers: Default::default(),
            quiet_domains: true,
            domain_cap: None,
            forgotten: Forgotten::default(),
            scratch_text: String::new(),
        }
    }

    /// Counts per domain only from a domain's first 421 on: domains that
    /// never met one cost nothing (for `follow`, which never shows them).
    pub fn without_quiet_domains(mut self) -> Aggregate {
        self.quiet_domains = false;
        self
    }

    /// Per-domain detail for at most `cap` domains with the most 421s
    /// (pruned when twice as many are held); the rest go to
    /// [`Aggregate::forgotten`].
    pub fn keep_domains(mut self, cap: usize) -> Aggregate {
        self.domain_cap = Some(cap.max(1));
        self
    }

    /// Keeps the `cap` domains with the most 421s (ties: the smaller name).
    fn prune_domains(&mut self, cap: usize) {
        let score = |d: &DomainStats| {
            let k = d.by_kind();
            k[Kind::Deferred.index()] + k[Kind::Suspended.index()]
        };
        let index = std::mem::take(&mut self.domain_index);
        let mut all: Vec<(&[u8], DomainStats)> = std::mem::take(&mut self.domain_stats)
            .into_iter()
            .enumerate()
            .map(|(i, d)| (index.name(i), d))
            .collect();
        all.sort_by(|a, b| score(&b.1).cmp(&score(&a.1)).then_with(|| a.0.cmp(b.0)));
        for (_, d) in all.drain(cap.min(all.len())..) {
            self.forgotten.domains += 1;
            self.forgotten.deferrals_421 += d.by_kind()[Kind::Deferred.index()];
        }
        for (k, d) in all {
            self.domain_index.get_or_insert(k);
            self.domain_stats.push(d);
        }
    }

    /// Whether a recipient's domain is already counted.
    fn domain_known(&self, rcpt: &[u8]) -> bool {
        self.domain_index.get(domain_of(rcpt)).is_some()
    }

    /// The start of the window holding `t`.
    pub fn window_of(&self, t: i64) -> i64 {
        (t + self.align).div_euclid(self.window) * self.window - self.align
    }

    /// A line was read; `time` when it carried a usable stamp.
    #[inline]
    pub fn line(&mut self, time: Option<i64>) {
        self.totals.lines += 1;
        if let Some(t) = time {
            // Within the times already met (most lines: logs are in time
            // order and many lines share a second), nothing changes: the
            // span holds `first..=last`, and the window was fitted to them.
            if self.seen.0 <= t && t <= self.seen.1 {
                return;
            }
            self.widen(t);
        }
    }

    /// A stamped line outside `first..=last` (or the first one).
    fn widen(&mut self, t: i64) {
        self.first = min_opt(self.first, Some(t));
        self.last = max_opt(self.last, Some(t));
        if let (Some(a), Some(b)) = (self.first, self.last) {
            self.seen = (a, b);
        }
        self.covers(t);
        self.fit_window();
    }

    /// The start of the window holding `t`, as [`Aggregate::window_of`]
    /// gives it, remembered for the next line (most lines fall in the
    /// window of the line before): no division.
    #[inline]
    fn window_at(&mut self, t: i64) -> i64 {
        let (start, len) = self.last_window;
        if len == self.window && start <= t && t - start < len {
            return start;
        }
        let start = self.window_of(t);
        self.last_window = (start, self.window);
        start
    }

    /// A line outside the period (`--since`/`--until`) was read at `time`.
    pub fn outside(&mut self, time: i64) {
        self.totals.lines += 1;
        self.covers(time);
    }

    fn covers(&mut self, t: i64) {
        self.span = Some(match self.span {
            Some((a, b)) => (a.min(t), b.max(t)),
            None => (t, t),
        });
    }

    pub fn unparsed(&mut self) {
        self.totals.unparsed += 1;
    }

    pub fn arrival(&mut self, time: i64) {
        self.totals.received += 1;
        let w = self.window_at(time);
        self.windows.entry(w).or_default().received += 1;
    }

    /// Looks a recipient's domain up in any case (one hash lookup, see
    /// `casefold`), allocating only when it is new.
    #[inline]
    fn domain_mut(&mut self, rcpt: &[u8]) -> &mut DomainStats {
        let i = self.domain_slot(domain_of(rcpt));
        &mut self.domain_stats[i]
    }

    /// The slot of a domain in any case, added when new.
    fn domain_slot(&mut self, name: &[u8]) -> usize {
        let (i, new) = self.domain_index.get_or_insert(name);
        if new {
            self.domain_stats.push(DomainStats::default());
        }
        i
    }

    /// Domains (lowercased bytes) with their stats, in no particular order.
    pub fn domains(&self) -> impl Iterator<Item = (&[u8], &DomainStats)> {
        self.domain_stats
            .iter()
            .enumerate()
            .map(|(i, d)| (self.domain_index.name(i), d))
    }

    /// A delivery line for one recipient: an attempt when `tried`, else a
    /// retry-skipped line (counted apart, in no attempt count).
    pub fn delivery(&mut self, time: i64, d: &Delivery<'_>) {
        let w = self.window_at(time);
        let ws = self.windows.entry(w).or_default();
        if d.tried {
            ws.attempts += 1;
            match d.outcome {
                Outcome::Delivered => self.totals.delivered += 1,
                Outcome::Deferred => self.totals.deferred += 1,
                Outcome::Bounced => self.totals.bounced += 1,
            }
        } else {
            ws.retry_skipped += 1;
            self.totals.retry_skipped += 1;
        }
        if !self.quiet_domains && !self.domain_known(d.rcpt) {
            return;
        }
        let ds = self.domain_mut(d.rcpt);
        if d.tried {
            match d.outcome {
                Outcome::Delivered => ds.delivered += 1,
                Outcome::Deferred => ds.deferred += 1,
                Outcome::Bounced => ds.bounced += 1,
            }
            ds.window(w).attempts += 1;
        } else {
            ds.retry_skipped += 1;
        }
        if ds.host.is_none()
            && let Some(h) = d.host().filter(|h| !h.is_empty())
        {
            ds.host = Some(String::from_utf8_lossy(h).to_ascii_lowercase().into());
        }
    }

    /// A 421 event (its delivery line, if any, was counted by [`Aggregate::delivery`]).
    pub fn event(&mut self, ev: &Event<'_>) {
        if let Some(cap) = self.domain_cap
            && self.domain_stats.len() >= 2 * cap
        {
            self.prune_domains(cap);
        }
        let k = ev.kind.index();
        self.totals.by_kind[k] += 1;
        self.causes[ev.cause.index()][k] += 1;
        self.stages[stage_index(ev.stage())][k] += 1;
        let w = self.window_of(ev.time);
        let ws = self.windows.entry(w).or_default();
        ws.by_kind[k] += 1;
        if ev.kind == Kind::Deferred {
            ws.causes[ev.cause.index()] += 1;
        }
        if ev.kind == Kind::Inbound {
            *self
                .clients
                .entry(client_key(&String::from_utf8_lossy(ev.party)))
                .or_default() += 1;
            return;
        }
        let id = self.reply_of(ev.reply.text);
        let key = &*self.reply_texts[id as usize];
        if !self.replies.contains_key(key) {
            self.replies.insert(key.to_string(), ReplyStats::default());
        }
        let r = self.replies.get_mut(key).expect("inserted above");
        r.by_kind[k] += 1;
        r.cause = Some(ev.cause);
        if !ev.domain.is_empty() {
            let mut name = std::mem::take(&mut self.scratch_text);
            name.clear();
            name.push_str(&String::from_utf8_lossy(ev.domain));
            name.make_ascii_lowercase();
            r.add_domain(&name);
            self.scratch_text = name;
        }
        if ev.kind != Kind::Deferred {
            if ev.kind == Kind::Suspended {
                self.domain_mut(ev.party).met().by_kind[k] += 1;
            }
            return;
        }
        if !ev.host.is_empty() {
            *self
                .hosts
                .entry(String::from_utf8_lossy(ev.host).to_ascii_lowercase())
                .or_default() += 1;
        }
        let d = self.domain_mut(ev.party);
        d.window(w).deferrals_421 += 1;
        let m = d.met();
        m.by_kind[k] += 1;
        m.first = min_opt(m.first, Some(ev.time));
        m.last = max_opt(m.last, Some(ev.time));
        m.causes[ev.cause.index()] += 1;
        m.add_reply(id, 1);
    }

    /// Folds another partial aggregate (same window) into this one.
    pub fn merge(&mut self, o: &Aggregate) {
        self.forgotten.domains += o.forgotten.domains;
        self.forgotten.deferrals_421 += o.forgotten.deferrals_421;
        let coarser;
        let o = match self.same_grain(o) {
            Some(c) => {
                coarser = c;
                &coarser
            }
            None => o,
        };
        self.totals.merge(&o.totals);
        self.first = min_opt(self.first, o.first);
        self.last = max_opt(self.last, o.last);
        if let Some((a, b)) = o.span {
            self.covers(a);
            self.covers(b);
        }
        let reply_id: Vec<u32> = o.reply_texts.iter().map(|t| self.reply_id(t)).collect();
        for (k, v) in o.domains() {
            let i = self.domain_slot(k);
            self.domain_stats[i].merge(v, &reply_id);
        }
        for (k, v) in &o.windows {
            let w = self.windows.entry(*k).or_default();
            w.attempts += v.attempts;
            w.retry_skipped += v.retry_skipped;
            w.received += v.received;
            add_arr(&mut w.by_kind, &v.by_kind);
            add_arr(&mut w.causes, &v.causes);
        }
        for (a, b) in self.causes.iter_mut().zip(&o.causes) {
            add_arr(a, b);
        }
        for (a, b) in self.stages.iter_mut().zip(&o.stages) {
            add_arr(a, b);
        }
        merge_counts(&mut self.hosts, &o.hosts);
        merge_counts(&mut self.clients, &o.clients);
        self.servers.merge(&o.servers);
        for (k, v) in &o.replies {
            let r = self.replies.entry(k.clone()).or_default();
            add_arr(&mut r.by_kind, &v.by_kind);
            r.cause = r.cause.or(v.cause);
            for d in &v.domains {
                r.add_domain(d);
            }
        }
        self.fit_window();
    }
}

pub fn stage_index(s: Stage) -> usize {
    Stage::ALL
        .iter()
        .position(|x| *x == s)
        .unwrap_or(Stage::ALL.len() - 1)
}

mod casefold;
mod domains;
mod grain;
mod replies;

pub use replies::ReplyStats;

use domains::DomainIndex;
pub use domains::{DomainStats, DomainWindow};
#[cfg(test)]
mod tests;

//! Following (message id, recipient) pairs through the lines of one stretch.
//!
//! A message whose arrival is in the stretch is *fresh*: nothing came before
//! it, so only pairs that met a 421 are followed, and its pairs are settled
//! when its life ends (Exim `Completed`, Postfix `removed`) and then dropped.
//! A message seen without its arrival began earlier: every delivery line of
//! it is summarised, so the summary can be laid over the earlier stretch's
//! state when the trackers compose ([`Tracker::absorb`]).

use std::sync::Arc;

use super::msg_id::IdKey;
use super::open::OpenMap;
use super::outcome::{Outcomes, Pending};
use super::quiet::{self, Quiet};
use super::replies::{NO_REPLY, ReplyTable};

mod compaction;
use crate::parse::{Outcome, Reply, domain_of};

/// Longest reply text kept for a pending pair.
const MAX_REPLY: usize = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Open,
    Delivered,
    Bounced,
}

/// No time (for the integer time fields).
const NO_TIME: i64 = i64::MIN;

fn time(t: i64) -> Option<i64> {
    (t != NO_TIME).then_some(t)
}

/// What one pair did within a stretch: integers and one short recipient,
/// the reply an index into its tracker's table (a jammed queue holds
/// hundreds of thousands of these).
#[derive(Debug, Clone, PartialEq, Eq)]
struct PairLog {
    rcpt: Box<[u8]>,
    first_421: i64,
    last_attempt: i64,
    /// When the pair ended (`end` is not `Open`).
    end_time: i64,
    /// Delivery attempts (tried lines) from the first 421 on (both included).
    attempts_since: u32,
    /// Delivery attempts in the stretch, up to the end.
    attempts: u32,
    /// The last 421 reply, an id in the tracker's reply table.
    last_reply: u32,
    end: End,
}

impl PairLog {
    fn new(rcpt: &[u8]) -> PairLog {
        PairLog {
            rcpt: rcpt.to_ascii_lowercase().into(),
            first_421: NO_TIME,
            last_attempt: NO_TIME,
            end_time: NO_TIME,
            attempts_since: 0,
            attempts: 0,
            last_reply: NO_REPLY,
            end: End::Open,
        }
    }

    fn open(&self) -> bool {
        self.end == End::Open
    }

    /// One delivery line; `tried` false for a retry-skipped one, which
    /// leaves the pair waiting (or ends it) without counting as an attempt.
    /// `reply` is the id of the 421 reply text, if any.
    fn record(&mut self, outcome: Outcome, tried: bool, time: i64, reply: Option<u32>) {
        if !self.open() {
            return;
        }
        if let Some(r) = reply {
            if self.first_421 == NO_TIME {
                self.first_421 = time;
            }
            self.last_reply = r;
        }
        if tried {
            self.attempts += 1;
            if self.first_421 != NO_TIME {
                self.attempts_since += 1;
            }
            self.last_attempt = time;
        }
        self.end = match outcome {
            Outcome::Delivered => End::Delivered,
            Outcome::Bounced => End::Bounced,
            Outcome::Deferred => End::Open,
        };
        if !self.open() {
            self.end_time = time;
        }
    }

    /// This stretch's log followed by a later one (its reply ids already
    /// in this tracker's table).
    fn then(self, later: PairLog) -> PairLog {
        if !self.open() {
            return self;
        }
        let or = |a: i64, b: i64| if a == NO_TIME { b } else { a };
        PairLog {
            rcpt: self.rcpt,
            first_421: or(self.first_421, later.first_421),
            attempts_since: if self.first_421 != NO_TIME {
                self.attempts_since + later.attempts
            } else {
                later.attempts_since
            },
            attempts: self.attempts + later.attempts,
            last_attempt: or(later.last_attempt, self.last_attempt),
            last_reply: if later.last_reply == NO_REPLY {
                self.last_reply
            } else {
                later.last_reply
            },
            end_time: later.end_time,
            end: later.end,
        }
    }

    fn give_up(&mut self, time: i64) {
        if self.open() {
            self.end = End::Bounced;
            self.end_time = time;
        }
    }
}

/// How a message's log closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Close {
    /// Its life ended (`Completed`, `removed`): open pairs were given up.
    Ended(i64),
    /// Its id arrived again (a reused Postfix queue id): open pairs stay pending.
    Superseded,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct MsgLog {
    /// Its arrival is in the stretch.
    fresh: bool,
    pairs: Vec<PairLog>,
    /// Postfix `status=expired`: every pair open at this time was given up
    /// (`NO_TIME`: none).
    expired: i64,
    close: Option<Close>,
}

impl MsgLog {
    fn new(fresh: bool) -> MsgLog {
        MsgLog {
            fresh,
            pairs: Vec::new(),
            expired: NO_TIME,
            close: None,
        }
    }

    /// Adds a pair, growing the list one at a time (most messages have one).
    fn push(&mut self, p: PairLog) -> usize {
        self.pairs.reserve_exact(1);
        self.pairs.push(p);
        self.pairs.len() - 1
    }

    fn expire(&mut self, t: i64) {
        self.give_up(t);
        if self.expired == NO_TIME {
            self.expired = t;
        }
    }

    fn pair(&self, rcpt: &[u8]) -> Option<usize> {
        self.pairs
            .iter()
            .position(|p| p.rcpt.eq_ignore_ascii_case(rcpt))
    }

    fn give_up(&mut self, time: i64) {
        for p in &mut self.pairs {
            p.give_up(time);
        }
    }
}

/// Retry state of one stretch of lines (or of everything composed so far).
#[derive(Debug, Default)]
pub struct Tracker {
    open: OpenMap<MsgLog>,
    /// Fresh messages with nothing followed, lately arrived: as if in
    /// `open` with an empty fresh log, without a map entry (see `quiet`).
    /// No id is in both.
    quiet: Quiet,
    /// The 421 reply texts pairs refer to, by id (cut to `MAX_REPLY`).
    replies: ReplyTable,
    /// Closed logs of messages that began before the stretch, in order.
    carry: Vec<(IdKey, MsgLog)>,
    outcomes: Outcomes,
    /// No earlier stretch will be joined ([`Tracker::standalone`]).
    standalone: bool,
}

impl Tracker {
    pub fn new() -> Tracker {
        Tracker::default()
    }

    /// A tracker of one stream read in order from its start (`follow`),
    /// never joined with an earlier stretch: a delivery without a 421 of a
    /// message it has not seen before is forgotten at once (in a stretch
    /// it would be kept for joining), so memory grows with the messages
    /// that met a 421 or are in the queue, not with every message whose
    /// arrival came before the start.
    pub fn standalone() -> Tracker {
        Tracker {
            standalone: true,
            ..Tracker::default()
        }
    }

    /// A message entered the queue.
    pub fn arrival(&mut self, id: &[u8]) {
        let key = IdKey::new(id);
        if self.quiet.holds(key) {
            // Its earlier life followed nothing: closing it settles nothing.
            return;
        }
        if let Some(old) = self.open.remove(&key) {
            self.close(key, old, Close::Superseded);
        }
        if key == quiet::EMPTY {
            self.open.insert(key, MsgLog::new(true));
        } else if let Some(out) = self.quiet.push(key) {
            self.open.insert(out, MsgLog::new(true));
        }
    }

    /// Moves a quiet message (if it is one) to the map of open messages.
    fn unquiet(&mut self, key: IdKey) {
        if self.quiet.take(key) {
            self.open.insert(key, MsgLog::new(true));
        }
    }

    /// Moves every quiet message to the map of open messages.
    fn unquiet_all(&mut self) {
        for key in self.quiet.drain() {
            self.open.insert(key, MsgLog::new(true));
        }
    }

    /// A delivery line; `reply` is the 421 that deferred it, if any.
    #[inline]
    pub fn delivery(
        &mut self,
        id: &[u8],
        rcpt: &[u8],
        outcome: Outcome,
        tried: bool,
        time: i64,
        reply: Option<&Reply<'_>>,
    ) {
        if id.is_empty() {
            return;
        }
        let key = IdKey::new(id);
        // The common case, without a call: a fresh message with nothing
        // followed.
        if reply.is_none() && self.quiet.holds(key) {
            return;
        }
        self.delivery_followed(key, rcpt, outcome, tried, time, reply);
    }

    /// [`Tracker::delivery`] of a message not quiet, or with a 421.
    #[inline(never)]
    fn delivery_followed(
        &mut self,
        key: IdKey,
        rcpt: &[u8],
        outcome: Outcome,
        tried: bool,
        time: i64,
        reply: Option<&Reply<'_>>,
    ) {
        let reply = reply.map(|r| {
            let text = &r.text[..r.text.len().min(MAX_REPLY)];
            self.reply_id(&String::from_utf8_lossy(text))
        });
        self.unquiet(key);
        if self.standalone && reply.is_none() && !self.open.contains_key(&key) {
            return;
        }
        let msg = self.open.get_or_insert_with(key, || MsgLog::new(false));
        if msg.fresh && reply.is_none() && msg.pairs.is_empty() {
            return;
        }
        let i = match msg.pair(rcpt) {
            Some(i) => i,
            None if msg.fresh && reply.is_none() => return,
            None => msg.push(PairLog::new(rcpt)),
        };
        msg.pairs[i].record(outcome, tried, time, reply);
    }

    /// Postfix gave up every recipient still queued.
    pub fn expired(&mut self, id: &[u8], time: i64) {
        let key = IdKey::new(id);
        self.unquiet(key);
        let msg = self.open.get_or_insert_with(key, || MsgLog::new(false));
        msg.expire(time);
    }

    /// A message's life ended.
    #[inline]
    pub fn ended(&mut self, id: &[u8], time: i64) {
        let key = IdKey::new(id);
        if self.quiet.take(key) {
            // A fresh log with no pair: closing it settles nothing.
            return;
        }
        self.ended_open(key, time);
    }

    /// [`Tracker::ended`] of a message not quiet.
    #[inline(never)]
    fn ended_open(&mut self, key: IdKey, time: i64) {
        let log = self.open.remove(&key).unwrap_or_else(|| MsgLog::new(false));
        self.close(key, log, Close::Ended(time));
    }

    fn close(&mut self, key: IdKey, mut log: MsgLog, how: Close) {
        if let Close::Ended(t) = how {
            log.give_up(t);
        }
        log.close = Some(how);
        if log.fresh {
            self.settle(key, log);
        } else {
            // Its earlier history may hold pairs this close settles.
            self.carry.push((key, log));
        }
    }

    /// Counts the outcome of every pair of a log with nothing before it.
    fn settle(&mut self, key: IdKey, log: MsgLog) {
        for p in log.pairs {
            let Some(first) = time(p.first_421) else {
                continue;
            };
            let domain = String::from_utf8_lossy(domain_of(&p.rcpt)).into_owned();
            let d = self.outcomes.domain(&domain);
            match p.end {
                End::Delivered => {
                    d.recovered += 1;
                    d.time_to_delivery
                        .add(u32::try_from((p.end_time - first).max(0)).unwrap_or(u32::MAX));
                    d.attempts.add(p.attempts_since);
                }
                End::Bounced => d.bounced += 1,
                End::Open => {
                    d.pending += 1;
                    let last_reply = match self.replies.text(p.last_reply) {
                        Some(r) => r.clone(),
                        None => Arc::from(""),
                    };
                    self.outcomes.pending.push(Pending {
                        id: key.text(),
                        recipient: String::from_utf8_lossy(&p.rcpt).into_owned(),
                        domain,
                        first_421: first,
                        last_attempt: time(p.last_attempt).unwrap_or(first),
                        last_reply,
                    });
                }
            }
        }
    }

    /// Lays a later stretch's tracker over this one.
    pub fn absorb(&mut self, mut later: Tracker) {
        self.unquiet_all();
        later.unquiet_all();
        // Only the texts its open and carried pairs still refer to come
        // over; this table is compacted after (not during: `ids` holds ids).
        later.compact_replies();
        self.outcomes.merge(later.outcomes);
        // The later tracker's reply ids, in this one's table.
        let ids: Vec<u32> = later
            .replies
            .texts()
            .iter()
            .map(|t| self.replies.id(t))
            .collect();
        for (key, mut log) in later.carry.into_iter().chain(later.open) {
            for p in &mut log.pairs {
                if let Some(&id) = ids.get(p.last_reply as usize) {
                    p.last_reply = id;
                }
            }
            self.compose(key, log);
        }
        if self.replies.full() {
            self.compact_replies();
        }
    }

    fn compose(&mut self, key: IdKey, log: MsgLog) {
        let earlier = self.open.remove(&key);
        if log.fresh {
            if let Some(old) = earlier {
                self.close(key, old, Close::Superseded);
            }
            match log.close {
                Some(_) => self.settle(key, log),
                None => {
                    self.open.insert(key, log);
                }
            }
            return;
        }
        let Some(mut earlier) = earlier else {
            match log.close {
                Some(_) => self.carry.push((key, log)),
                None => {
                    self.open.insert(key, log);
                }
            }
            return;
        };
        for p in log.pairs {
            match earlier.pair(&p.rcpt) {
                Some(i) => {
                    let before = std::mem::replace(&mut earlier.pairs[i], PairLog::new(b""));
                    earlier.pairs[i] = before.then(p);
                }
                None => {
                    earlier.push(p);
                }
            }
        }
        if let Some(t) = time(log.expired) {
            earlier.expire(t);
        }
        match log.close {
            Some(how) => self.close(key, earlier, how),
            None => {
                self.open.insert(key, earlier);
            }
        }
    }

    /// Settles every pair still followed (open ones are pending) and returns
    /// the outcomes, pending pairs oldest first.
    pub fn finish(mut self) -> Outcomes {
        self.unquiet_all();
        let carry = std::mem::take(&mut self.carry);
        let open = std::mem::take(&mut self.open);
        for (key, log) in carry.into_iter().chain(open) {
            self.settle(key, log);
        }
        self.outcomes.sort();
        self.outcomes
    }
}

#[cfg(test)]
#[path = "track_tests.rs"]
mod tests;

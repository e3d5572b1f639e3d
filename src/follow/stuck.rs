//! Recipients stuck after a 421, for `follow --metrics`'s gauges
//! `maillog421_stuck_recipients` and
//! `maillog421_oldest_stuck_timestamp_seconds`.
//!
//! A (message id, recipient) pair is stuck from its first delivery line
//! deferred by a 421 (tried or suspended) until a delivery line delivers or
//! bounces it, or its message ends (Exim `Completed`, Postfix `removed`) or
//! expires (Postfix `status=expired`): what `report` lists under "Still
//! pending" at the end of the logs, kept up to date line by line.
//!
//! This is `follow`'s own small table, not the retry tracker
//! ([`crate::retry::Tracker`]), which answers once at the end of a stretch
//! and has no query for the pairs open now. Memory is bounded: at most
//! [`MAX_PAIRS`] pairs are held; pairs that meet a 421 while the table is
//! full are not counted (the gauge is then a lower bound).
//!
//! Hot path: a delivery line without a 421 costs one hash lookup when pairs
//! are held and nothing when none are; only a pair's first 421 allocates.

use std::collections::{BTreeMap, HashMap};

use crate::parse::{Outcome, Record};

/// Most pairs held at once.
pub const MAX_PAIRS: usize = 100_000;

/// A message's stuck recipients, each with the time of its first 421.
type Recipients = Vec<(Box<[u8]>, i64)>;

/// The pairs stuck now.
#[derive(Debug, Default)]
pub struct Stuck {
    /// Message id -> (recipient, time of its first 421).
    by_id: HashMap<Box<[u8]>, Recipients>,
    /// How many pairs have each first-421 time: the oldest is the first key.
    firsts: BTreeMap<i64, u32>,
    pairs: usize,
}

impl Stuck {
    pub fn new() -> Stuck {
        Stuck::default()
    }

    /// Updates the table from one record at `time`; true when the stuck
    /// pairs may have changed.
    pub fn record(&mut self, time: i64, record: &Record<'_>) -> bool {
        match record {
            Record::Delivery(d) if d.id.is_empty() => false,
            Record::Delivery(d) => match d.outcome {
                Outcome::Deferred if d.reply.is_some() => self.met_421(d.id, d.rcpt, time),
                Outcome::Delivered | Outcome::Bounced if self.pairs > 0 => {
                    self.settled(d.id, d.rcpt)
                }
                _ => false,
            },
            Record::Ended(id) | Record::Expired(id) if self.pairs > 0 => self.closed(id),
            _ => false,
        }
    }

    /// Pairs stuck now.
    pub fn count(&self) -> usize {
        self.pairs
    }

    /// The log time of the oldest stuck pair's first 421.
    pub fn oldest(&self) -> Option<i64> {
        self.firsts.keys().next().copied()
    }

    fn met_421(&mut self, id: &[u8], rcpt: &[u8], time: i64) -> bool {
        if let Some(rcpts) = self.by_id.get(id)
            && rcpts.iter().any(|(r, _)| r.eq_ignore_ascii_case(rcpt))
        {
            return false;
        }
        if self.pairs >= MAX_PAIRS {
            return false;
        }
        self.by_id
            .entry(Box::from(id))
            .or_default()
            .push((Box::from(rcpt), time));
        *self.firsts.entry(time).or_default() += 1;
        self.pairs += 1;
        true
    }

    fn settled(&mut self, id: &[u8], rcpt: &[u8]) -> bool {
        let Some(rcpts) = self.by_id.get_mut(id) else {
            return false;
        };
        let Some(i) = rcpts.iter().position(|(r, _)| r.eq_ignore_ascii_case(rcpt)) else {
            return false;
        };
        let (_, first) = rcpts.swap_remove(i);
        if rcpts.is_empty() {
            self.by_id.remove(id);
        }
        self.forget(first);
        true
    }

    fn closed(&mut self, id: &[u8]) -> bool {
        let Some(rcpts) = self.by_id.remove(id) else {
            return false;
        };
        for (_, first) in rcpts {
            self.forget(first);
        }
        true
    }

    fn forget(&mut self, first: i64) {
        self.pairs -= 1;
        if let Some(n) = self.firsts.get_mut(&first) {
            *n -= 1;
            if *n == 0 {
                self.firsts.remove(&first);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{Format, Parsed};

    /// Feeds real-format Exim lines at times 1, 2, 3, ...
    fn feed(s: &mut Stuck, lines: &[&str]) {
        for (i, l) in lines.iter().enumerate() {
            let Parsed::Entry { record, .. } = Format::Exim.parse_line(l.as_bytes()) else {
                panic!("not an entry: {l}");
            };
            s.record(i as i64 + 1, &record);
        }
    }

    const DEFER_A: &str = "2026-11-22 10:00:01 1tA2b3-000AbC-1x == a@gmail.com R=dnslookup T=remote_smtp defer (-46) H=gmail-smtp-in.l.google.com [198.51.100.26]: SMTP error from remote mail server after end of data: 421 4.7.28 rate limited";
    const DEFER_B: &str = "2026-11-22 10:00:02 1tA2b3-000AbC-1x == b@gmail.com R=dnslookup T=remote_smtp defer (-46) H=gmail-smtp-in.l.google.com [198.51.100.26]: SMTP error from remote mail server after end of data: 421 4.7.28 rate limited";
    const DELIVER_A: &str = "2026-11-22 10:30:00 1tA2b3-000AbC-1x => A@GMAIL.com R=dnslookup T=remote_smtp H=gmail-smtp-in.l.google.com [198.51.100.26] C=\"250 OK\"";
    const COMPLETED: &str = "2026-11-22 10:40:00 1tA2b3-000AbC-1x Completed";

    #[test]
    fn a_421_sticks_until_delivered_or_the_message_ends() {
        let mut s = Stuck::new();
        feed(&mut s, &[DEFER_A, DEFER_B, DEFER_A]);
        assert_eq!(
            (s.count(), s.oldest()),
            (2, Some(1)),
            "a repeat 421 is one pair"
        );
        // Delivered (the address in another case): b is the oldest left.
        feed(&mut s, &[DELIVER_A]);
        assert_eq!((s.count(), s.oldest()), (1, Some(2)));
        feed(&mut s, &[COMPLETED]);
        assert_eq!((s.count(), s.oldest()), (0, None));
    }

    #[test]
    fn a_delivery_without_421_before_it_is_nothing() {
        let mut s = Stuck::new();
        feed(&mut s, &[DELIVER_A, COMPLETED]);
        assert_eq!((s.count(), s.oldest()), (0, None));
    }
}

//! The join of the queue with the logs: one pass over the inputs that
//! feeds the retry [`Tracker`] (which knows, per message and recipient, the
//! first 421, the last attempt and the last 421 reply of every pair still
//! pending) and keeps, for the queued pairs only, their number of attempts
//! and their last deferral of any kind (a 4xx other than 421, a refused
//! connection, a retry wait).
//!
//! What this needs from `crate::retry`: `Tracker::{new, arrival, delivery,
//! ended, expired, absorb, finish}` and `Pending::{id, recipient,
//! first_421, last_attempt, last_reply}`; nothing else.

use rustc_hash::FxHashMap as HashMap;

use super::dump::Dump;
use crate::input::{LineReader, Source, layout, open};
use crate::parse::time::{Clock, YearHint, Zone};
use crate::parse::{Format, Outcome, Parsed, Record};
use crate::retry::Tracker;
use crate::text::escape_control;

/// The logs to join with the queue, and how to read them.
#[derive(Debug, Clone)]
pub struct Logs {
    pub sources: Vec<Source>,
    pub zone: Zone,
    /// The year of stamps without one (default: from each file's mtime).
    pub year: Option<i32>,
    /// The log format (default: detected per input).
    pub format: Option<Format>,
    /// Only lines stamped at or after this time (Unix seconds).
    pub since: Option<i64>,
    /// Only lines stamped before this time.
    pub until: Option<i64>,
}

/// Longest deferral reason kept.
const MAX_REASON: usize = 300;

/// What the logs say about one queued (message, recipient).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    pub first_421: Option<i64>,
    pub last_421_reply: Option<String>,
    /// Delivery lines on which a delivery was tried.
    pub attempts: u32,
    pub last_attempt: Option<i64>,
    /// The last deferral line of any kind: its time and reason.
    pub last_deferral: Option<(i64, String)>,
}

/// Histories keyed by (queue id, lower-case recipient).
#[derive(Debug, Default)]
pub struct Joined {
    pub history: HashMap<(String, String), History>,
    /// Some input could not be read (said on stderr).
    pub failed: bool,
    pub inputs: Vec<String>,
}

/// The reason text of a deferral line: Postfix `status=deferred (TEXT)`,
/// Exim `defer (-N) ...: TEXT` or `routing defer (-52): TEXT`.
fn reason(line: &[u8]) -> String {
    let finder = |n: &[u8]| memchr::memmem::find(line, n);
    let text = if let Some(p) = finder(b"status=deferred (") {
        let t = &line[p + 17..];
        t.strip_suffix(b")").unwrap_or(t)
    } else if let Some(p) = finder(b"defer (") {
        &line[p..]
    } else {
        b"deferred"
    };
    crate::text::lossy(&text[..text.len().min(MAX_REASON)])
}

/// Reads every input once; histories of the queued pairs.
pub fn join(dump: &Dump, logs: &Logs) -> anyhow::Result<Joined> {
    let (cfg, sources) = (logs, &logs.sources);
    // id -> (recipient, history) of the queued pairs.
    let mut queued: HashMap<Vec<u8>, Vec<(Vec<u8>, History)>> = HashMap::default();
    for m in &dump.messages {
        let pairs = m
            .recipients
            .iter()
            .map(|r| (r.as_bytes().to_vec(), History::default()))
            .collect();
        queued.insert(m.id.as_bytes().to_vec(), pairs);
    }
    let mut joined = Joined::default();
    // (id, recipient) of queued pairs -> (first 421, last 421 reply).
    let mut own: HashMap<(Vec<u8>, Vec<u8>), (i64, String)> = HashMap::default();
    let mut trackers: Vec<((i64, i64), Tracker)> = Vec::new();
    for source in sources {
        let name = source.display();
        joined.inputs.push(name.clone());
        let opened = match open(source) {
            Ok(o) => o,
            Err(e) => {
                crate::say!("maillog421: {}", escape_control(&e.to_string()));
                joined.failed = true;
                continue;
            }
        };
        let hint = match cfg.year {
            Some(year) => YearHint { year, month: 12 },
            None => YearHint::from_unix(
                opened
                    .mtime
                    .unwrap_or_else(|| chrono::Utc::now().timestamp()),
            ),
        };
        let mut lines = LineReader::new(opened.reader);
        let (lay, format) = {
            let sample = lines.peek(50);
            layout::detect_with_format(sample.split(|b| *b == b'\n'), cfg.format)
        };
        let mut clock = Clock::new(cfg.zone, hint);
        let mut scratch = Vec::new();
        let mut tracker = Tracker::new();
        let (mut first, mut last) = (i64::MAX, i64::MAX);
        loop {
            let line = match lines.next_line() {
                Ok(Some(l)) => l,
                Ok(None) => break,
                Err(e) => {
                    crate::say!("maillog421: {}: {}", escape_control(&name), e);
                    joined.failed = true;
                    break;
                }
            };
            let Some(peeled) = lay.peel(line, &mut scratch) else {
                continue;
            };
            let raw = peeled.line;
            let Parsed::Entry { stamp, record, .. } = layout::parse(format, peeled) else {
                continue;
            };
            let Some(time) = clock.resolve(&stamp) else {
                continue;
            };
            if cfg.since.is_some_and(|s| time < s) || cfg.until.is_some_and(|u| time >= u) {
                continue;
            }
            if first == i64::MAX {
                first = time;
            }
            last = time;
            match record {
                Record::Arrival(id) => {
                    tracker.arrival(id);
                    // A reused id: only the latest message's lines count.
                    if let Some(pairs) = queued.get_mut(id) {
                        for (_, h) in pairs {
                            *h = History::default();
                        }
                        own.retain(|(i, _), _| i != id);
                    }
                }
                Record::Delivery(d) => {
                    tracker.delivery(d.id, d.rcpt, d.outcome, d.tried, time, d.reply.as_ref());
                    let Some(pairs) = queued.get_mut(d.id) else {
                        continue;
                    };
                    let Some((_, h)) = pairs
                        .iter_mut()
                        .find(|(r, _)| r.eq_ignore_ascii_case(d.rcpt))
                    else {
                        continue;
                    };
                    if d.tried {
                        h.attempts += 1;
                        h.last_attempt = Some(time);
                    }
                    if d.outcome == Outcome::Deferred {
                        h.last_deferral = Some((time, reason(raw)));
                    }
                    // The logs may end the message (an older one under a
                    // reused id) while the queue still holds it: its own 421s.
                    if let Some(r) = &d.reply {
                        own.entry((d.id.to_vec(), d.rcpt.to_ascii_lowercase()))
                            .or_insert((time, String::new()))
                            .1 = crate::text::lossy(&r.text[..r.text.len().min(MAX_REASON)]);
                    }
                }
                Record::Ended(id) => tracker.ended(id, time),
                Record::Expired(id) => tracker.expired(id, time),
                Record::HostReply(_) | Record::Inbound(_) | Record::Other => {}
            }
        }
        trackers.push(((first, last), tracker));
    }
    // Compose in time order, as `report` does.
    trackers.sort_by_key(|(k, _)| *k);
    let mut all = Tracker::new();
    for (_, t) in trackers {
        all.absorb(t);
    }
    let outcomes = all.finish();
    for (id, pairs) in queued {
        let id = String::from_utf8_lossy(&id).into_owned();
        for (rcpt, h) in pairs {
            joined
                .history
                .insert((id.clone(), String::from_utf8_lossy(&rcpt).into_owned()), h);
        }
    }
    for ((id, rcpt), (first, reply)) in own {
        let key = (
            String::from_utf8_lossy(&id).into_owned(),
            String::from_utf8_lossy(&rcpt).into_owned(),
        );
        if let Some(h) = joined.history.get_mut(&key) {
            h.first_421 = Some(first);
            h.last_421_reply = Some(reply);
        }
    }
    for p in outcomes.pending {
        if let Some(h) = joined
            .history
            .get_mut(&(p.id.clone(), p.recipient.to_ascii_lowercase()))
        {
            h.first_421 = Some(p.first_421);
            h.last_421_reply = Some(p.last_reply.to_string());
            h.last_attempt = h.last_attempt.max(Some(p.last_attempt));
        }
    }
    Ok(joined)
}

#[cfg(test)]
mod tests {
    #[test]
    fn reasons() {
        assert_eq!(
            super::reason(b"x: to=<a@b>, status=deferred (connect to h: Connection refused)"),
            "connect to h: Connection refused"
        );
        assert_eq!(
            super::reason(b"1a == bob@n451.test routing defer (-52): retry time not reached"),
            "defer (-52): retry time not reached"
        );
    }
}

//! A 421 event: one log line on which a server answered 421, borrowed from
//! the line, with its cause. Built from a parsed [`Record`]; everything
//! downstream (aggregate, `events` output) reads this type.

use rustc_hash::FxHashMap as HashMap;
use serde::Serialize;

use crate::classify::{Cause, cause_of_condition, classify_for};
use crate::parse::time::{Zone, format_rfc3339};
use crate::parse::{Mta, Outcome, Record, Reply, Stage, domain_of};
use crate::text::lossy;

crate::parse::enum_with_all! {
/// What kind of 421 event a line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A recipient deferred because the remote server answered 421 in this attempt.
    Deferred,
    /// A deferral with a cached 421 and no new attempt (Postfix `delivery
    /// temporarily suspended`).
    Suspended,
    /// A 421 logged for a host or session with no recipient on the line.
    Reply,
    /// Our own server answered a client 421.
    Inbound,
}
}

impl Kind {
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Deferred => "deferred",
            Kind::Suspended => "suspended",
            Kind::Reply => "reply",
            Kind::Inbound => "inbound",
        }
    }

    pub fn direction(self) -> &'static str {
        match self {
            Kind::Inbound => "inbound",
            _ => "outbound",
        }
    }
}

/// One 421 event, borrowing its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event<'a> {
    pub time: i64,
    pub kind: Kind,
    pub mta: Mta,
    pub id: &'a [u8],
    /// Recipient (outbound) or client (inbound), as logged.
    pub party: &'a [u8],
    pub domain: &'a [u8],
    pub host: &'a [u8],
    pub ip: &'a [u8],
    pub reply: Reply<'a>,
    pub cause: Cause,
}

impl<'a> Event<'a> {
    /// The 421 event a record describes, if it is one.
    pub fn from_record(time: i64, mta: Mta, record: &Record<'a>) -> Option<Event<'a>> {
        Event::from_record_by(time, mta, record, classify_for)
    }

    /// Whether a record can hold a 421 event: a deferral with a reply, a
    /// host's reply, an inbound 421. Every line passes through here and
    /// about one in a hundred is a 421, so the rest are turned away in a
    /// few instructions, before an event is built.
    #[inline]
    pub fn may_hold(record: &Record<'_>) -> bool {
        match record {
            Record::Delivery(d) => d.reply.is_some() && d.outcome == Outcome::Deferred,
            Record::HostReply(_) | Record::Inbound(_) => true,
            _ => false,
        }
    }

    /// [`Event::from_record`] with the reply classified by `classify` (a
    /// `CauseCache`'s lookup in the fold).
    pub fn from_record_by(
        time: i64,
        mta: Mta,
        record: &Record<'a>,
        classify: impl FnOnce(&[u8], Option<&[u8]>, &[u8]) -> Cause,
    ) -> Option<Event<'a>> {
        if !Event::may_hold(record) {
            return None;
        }
        Event::build(time, mta, record, classify)
    }

    fn build(
        time: i64,
        mta: Mta,
        record: &Record<'a>,
        classify: impl FnOnce(&[u8], Option<&[u8]>, &[u8]) -> Cause,
    ) -> Option<Event<'a>> {
        let (kind, id, party, host, ip, reply, fixed) = match *record {
            Record::Delivery(d) if d.outcome == Outcome::Deferred => {
                let reply = d.reply?;
                let kind = if d.tried {
                    Kind::Deferred
                } else {
                    Kind::Suspended
                };
                {
                    let (host, ip) = d.host_ip();
                    (kind, d.id, d.rcpt, host, ip, reply, None)
                }
            }
            Record::HostReply(h) => (Kind::Reply, h.id, &b""[..], h.host, h.ip, h.reply, None),
            Record::Inbound(i) => (
                Kind::Inbound,
                &b""[..],
                i.client,
                None,
                None,
                i.reply,
                i.condition.map(cause_of_condition),
            ),
            _ => return None,
        };
        let domain = if kind == Kind::Inbound {
            &b""[..]
        } else {
            domain_of(party)
        };
        let cause = fixed.unwrap_or_else(|| classify(reply.text, reply.enhanced, domain));
        Some(Event {
            time,
            kind,
            mta,
            id,
            party,
            domain,
            host: host.unwrap_or(b""),
            ip: ip.unwrap_or(b""),
            reply,
            cause,
        })
    }

    pub fn stage(&self) -> Stage {
        self.reply.stage
    }
}

/// Reply texts (with their enhanced codes) already classified: most 421s
/// repeat a reply word for word, and [`classify_for`] runs an automaton
/// over the text (thousands of instructions). Without custom rules the
/// cause depends on the text and the code alone; with them it may depend
/// on the domain too, so the domain joins the key. Bounded: it starts over
/// when full, and long texts are not kept.
#[derive(Debug, Default)]
pub struct CauseCache {
    causes: HashMap<Box<[u8]>, Cause>,
    key: Vec<u8>,
}

/// Texts remembered, and the longest key remembered.
const CAUSES_KEPT: usize = 4096;
const CAUSE_KEY_MAX: usize = 600;

impl CauseCache {
    /// The cause of a reply to `domain`, as [`classify_for`] gives it.
    pub fn classify(&mut self, text: &[u8], enhanced: Option<&[u8]>, domain: &[u8]) -> Cause {
        let by_domain = crate::rules::active().is_some();
        let key = &mut self.key;
        key.clear();
        // The code and the domain hold no newline, so `\n` keeps the parts
        // apart; `\r` marks a reply without a code.
        match enhanced {
            Some(e) => key.extend_from_slice(e),
            None => key.push(b'\r'),
        }
        key.push(b'\n');
        if by_domain {
            key.extend_from_slice(domain);
            key.push(b'\n');
        }
        key.extend_from_slice(text);
        if let Some(&c) = self.causes.get(&key[..]) {
            return c;
        }
        let cause = classify_for(text, enhanced, domain);
        if key.len() <= CAUSE_KEY_MAX {
            if self.causes.len() >= CAUSES_KEPT {
                self.causes.clear();
            }
            self.causes.insert(key[..].into(), cause);
        }
        cause
    }
}

/// An event with owned text, kept for output.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OwnedEvent {
    pub time: String,
    pub direction: &'static str,
    pub kind: Kind,
    pub mta: &'static str,
    pub id: String,
    pub recipient: String,
    pub client: String,
    pub domain: String,
    pub host: String,
    pub ip: String,
    pub stage: &'static str,
    pub code: u16,
    pub enhanced: String,
    pub category: &'static str,
    pub text: String,
    pub file: String,
    pub line: u64,
    /// Our mail server that logged it, with `--by-host`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
}

impl OwnedEvent {
    pub fn new(ev: &Event<'_>, file: &str, line: u64, zone: Zone) -> OwnedEvent {
        let inbound = ev.kind == Kind::Inbound;
        OwnedEvent {
            time: format_rfc3339(ev.time, zone),
            direction: ev.kind.direction(),
            kind: ev.kind,
            mta: ev.mta.name(),
            id: lossy(ev.id),
            recipient: if inbound {
                String::new()
            } else {
                lossy(ev.party)
            },
            client: if inbound {
                lossy(ev.party)
            } else {
                String::new()
            },
            domain: lossy(ev.domain).to_ascii_lowercase(),
            host: lossy(ev.host),
            ip: lossy(ev.ip),
            stage: ev.stage().name(),
            code: ev.reply.code,
            enhanced: ev.reply.enhanced.map(lossy).unwrap_or_default(),
            category: ev.cause.name(),
            text: lossy(ev.reply.text),
            file: file.to_string(),
            line,
            server: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cache answers what `classify_for` answers, and a text seen with
    /// one enhanced code is classified again with another (the code is the
    /// fallback when no phrase matches).
    #[test]
    fn cause_cache_keys_on_the_code_too() {
        let mut cache = CauseCache::default();
        let text = b"421 please try again later";
        for _ in 0..2 {
            for code in [Some(&b"4.7.0"[..]), Some(b"4.4.1"), Some(b"4.3.2"), None] {
                assert_eq!(
                    cache.classify(text, code, b"a.test"),
                    classify_for(text, code, b"a.test"),
                    "{code:?}"
                );
            }
        }
        assert_ne!(
            cache.classify(text, Some(b"4.7.0"), b"a.test"),
            cache.classify(text, Some(b"4.4.1"), b"a.test")
        );
    }
}

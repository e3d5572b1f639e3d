//! A 421 event: one log line on which a server answered 421, borrowed from
//! the line, with its cause. Built from a parsed [`Record`]; everything
//! downstream (aggregate, `events` output) reads this type.

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
        let (kind, id, party, host, ip, reply, fixed) = match *record {
            Record::Delivery(d) if d.outcome == Outcome::Deferred => {
                let reply = d.reply?;
                let kind = if d.tried {
                    Kind::Deferred
                } else {
                    Kind::Suspended
                };
                (kind, d.id, d.rcpt, d.host, d.ip, reply, None)
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
        let cause = fixed.unwrap_or_else(|| classify_for(reply.text, reply.enhanced, domain));
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

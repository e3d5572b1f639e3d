//! `maillog421 events`: NDJSON, one object per 421 event, for jq, Vector or
//! Loki. Fields: time (RFC 3339), direction, kind, mta, id, recipient,
//! client, domain, host, ip, stage, code, enhanced, category, text, file,
//! line (1-based physical line in the decompressed stream). Log text is
//! converted with invalid UTF-8 replaced by U+FFFD.

use std::io::{self, Write};

use serde::Serialize;

use crate::event::{Event, Kind};
use crate::parse::time::{Zone, format_rfc3339};
use crate::text::lossy;

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

/// Writes events as JSON lines.
pub fn write_ndjson(events: &[OwnedEvent], out: &mut dyn Write) -> io::Result<()> {
    for e in events {
        super::json::write(out, e)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

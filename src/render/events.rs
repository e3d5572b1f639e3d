//! `maillog421 events`: NDJSON, one object per 421 event, for jq, Vector or
//! Loki. Fields: time (RFC 3339), direction, kind, mta, id, recipient,
//! client, domain, host, ip, stage, code, enhanced, category, text, file,
//! line (1-based physical line in the decompressed stream). Log text is
//! converted with invalid UTF-8 replaced by U+FFFD.

use std::io::{self, Write};

use crate::event::OwnedEvent;

/// Writes events as JSON lines.
pub fn write_ndjson(events: &[OwnedEvent], out: &mut dyn Write) -> io::Result<()> {
    for e in events {
        super::json::write(out, e)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

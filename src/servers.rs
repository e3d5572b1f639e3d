//! Counts per mail server of ours, for a central syslog file that collects
//! many hosts (the syslog host field names each line's server) or Exim
//! logs gathered one directory per host (the directory, or `--host NAME`,
//! names them); [`crate::fold::ServerNames`] names each line's server.
//!
//! One feature, several names kept for users: the flag is `--by-host`
//! (settings `by_host`), `--host NAME` names a server, and the rows are
//! `by_server` in the JSON. Not to be confused with the report's `by_host`
//! (`HostRow`): the remote hosts that answered 421.

use std::collections::HashMap;

use serde::Serialize;

use crate::event::{Event, Kind};
use crate::parse::Record;

/// One server's counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerStats {
    pub lines: u64,
    pub received: u64,
    pub attempts: u64,
    /// 421 events by kind.
    pub by_kind: [u64; Kind::COUNT],
    /// 421 deferrals by recipient domain.
    pub domains: HashMap<String, u64>,
}

/// Counts per server name.
#[derive(Debug, Clone, Default)]
pub struct Servers(pub HashMap<Box<[u8]>, ServerStats>);

impl Servers {
    fn get(&mut self, name: &[u8]) -> &mut ServerStats {
        if !self.0.contains_key(name) {
            self.0.insert(name.into(), ServerStats::default());
        }
        self.0.get_mut(name).expect("inserted above")
    }

    /// A line of `name`'s, with what it records and the 421 it holds.
    pub fn line(&mut self, name: &[u8], record: Option<&Record<'_>>, event: Option<&Event<'_>>) {
        let s = self.get(name);
        s.lines += 1;
        match record {
            Some(Record::Arrival(_)) => s.received += 1,
            Some(Record::Delivery(d)) if d.tried => s.attempts += 1,
            _ => {}
        }
        if let Some(ev) = event {
            s.by_kind[ev.kind.index()] += 1;
            if ev.kind == Kind::Deferred {
                let d = String::from_utf8_lossy(ev.domain).to_ascii_lowercase();
                *s.domains.entry(d).or_default() += 1;
            }
        }
    }

    pub fn merge(&mut self, o: &Servers) {
        for (name, v) in &o.0 {
            let s = self.get(name);
            s.lines += v.lines;
            s.received += v.received;
            s.attempts += v.attempts;
            for (a, b) in s.by_kind.iter_mut().zip(v.by_kind) {
                *a += b;
            }
            for (d, n) in &v.domains {
                *s.domains.entry(d.clone()).or_default() += n;
            }
        }
    }
}

/// One row of the per-server table.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ServerRow {
    pub server: String,
    pub lines: u64,
    pub messages_received: u64,
    pub delivery_attempts: u64,
    pub deferrals_421: u64,
    pub rate_per_1000: f64,
    pub inbound_421: u64,
    /// The domain with most 421 deferrals, and its count.
    pub top_domain: Option<String>,
    pub top_domain_deferrals: u64,
}

/// Rows, the most 421 deferrals first.
pub fn rows(servers: &Servers) -> Vec<ServerRow> {
    let mut out: Vec<ServerRow> = servers
        .0
        .iter()
        .map(|(name, s)| {
            let deferrals = s.by_kind[Kind::Deferred.index()];
            let top = s
                .domains
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)));
            ServerRow {
                server: String::from_utf8_lossy(name).into_owned(),
                lines: s.lines,
                messages_received: s.received,
                delivery_attempts: s.attempts,
                deferrals_421: deferrals,
                rate_per_1000: crate::analysis::per_1000(deferrals, s.attempts),
                inbound_421: s.by_kind[Kind::Inbound.index()],
                top_domain: top.map(|(d, _)| d.clone()),
                top_domain_deferrals: top.map_or(0, |(_, n)| *n),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.deferrals_421
            .cmp(&a.deferrals_421)
            .then_with(|| a.server.cmp(&b.server))
    });
    out
}

/// The server name of an input whose lines carry none: `--host NAME`, else
/// the directory the file is in (`/srv/logs/mx1/mainlog` is `mx1`).
pub fn default_name(name: Option<&str>, path: &std::path::Path) -> String {
    if let Some(n) = name {
        return n.to_string();
    }
    path.parent()
        .and_then(|d| d.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "-".to_string())
}

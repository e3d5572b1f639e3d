//! Settings shared by the pipeline stages, built from the command line in
//! `cli.rs`; nothing below here knows about clap.

use std::path::PathBuf;

use crate::input::journal::JournalQuery;
use crate::parse::Format;
use crate::parse::time::Zone;
use crate::when::{parse_back, parse_when};

/// Plain files at least this big are read in parallel chunks.
pub const CHUNK_MIN: u64 = 32 << 20;

/// [`CHUNK_MIN`], or the (undocumented, for tests) `MAILLOG421_CHUNK_MIN`
/// bytes, so a small file is read in chunks.
fn chunk_min() -> u64 {
    test_size("MAILLOG421_CHUNK_MIN").unwrap_or(CHUNK_MIN)
}

/// A positive size from an undocumented environment variable that tests
/// set to make a small input take the path of a big one.
pub fn test_size<T: std::str::FromStr + PartialOrd + Default>(name: &str) -> Option<T> {
    let n: T = std::env::var(name).ok()?.parse().ok()?;
    (n > T::default()).then_some(n)
}

/// How to read inputs.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    /// Force a format instead of detecting it per file.
    pub format: Option<Format>,
    /// `--year`: the year of syslog stamps (which carry none).
    pub year: Option<i32>,
    pub zone: Zone,
    /// Window length in seconds.
    pub window: i64,
    /// Only lines in `[since, until)` count (Unix seconds).
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Keep the 421 events (for `events`).
    pub keep_events: bool,
    /// How many unparsed lines to keep as examples per input (`--verbose`).
    pub unparsed_examples: usize,
    /// Plain files of at least this many bytes are read in parallel chunks.
    pub chunk_min: u64,
    /// `--by-host`: count per mail server.
    pub by_host: bool,
    /// `--host NAME`: the server of inputs whose lines name none.
    pub host: Option<String>,
}

impl Default for ScanConfig {
    fn default() -> ScanConfig {
        ScanConfig {
            format: None,
            year: None,
            zone: Zone::Local,
            window: crate::window::HOUR,
            since: None,
            until: None,
            keep_events: false,
            unparsed_examples: 0,
            chunk_min: chunk_min(),
            by_host: false,
            host: None,
        }
    }
}

/// Which inputs to read and how: what `report`, `events`, `summary` and
/// `queue` are given by their input flags.
#[derive(Debug, Clone, Default)]
pub struct InputSettings {
    /// Files, directories or `-`; none: the default log (or journal).
    pub paths: Vec<PathBuf>,
    /// Also read each path's rotated siblings, oldest first.
    pub rotated: bool,
    /// Force a format instead of detecting it per file.
    pub format: Option<Format>,
    pub year: Option<i32>,
    pub zone: Zone,
    /// `--since`/`--until` as written (a time, or a time back like `1h`).
    pub since: Option<String>,
    pub until: Option<String>,
    /// Relative times count back from now, not from the logs' last line.
    pub now: bool,
    /// What relative times count back from (set after a look at the logs).
    pub reference: Option<i64>,
    /// Worker threads (default: all cores).
    pub threads: Option<usize>,
    /// Keep the first lines not understood of each input, to show them.
    pub verbose: bool,
    /// Count per mail server; `host` names the server of inputs whose lines
    /// carry none.
    pub by_host: bool,
    pub host: Option<String>,
    /// The systemd journal, when asked for (its own `since`/`until` are
    /// set from `since`/`until` when it is read).
    pub journal: Option<JournalQuery>,
}

impl InputSettings {
    /// The scan settings these give.
    pub fn scan_config(&self, window: i64, keep_events: bool) -> Result<ScanConfig, String> {
        let now = chrono::Utc::now().timestamp();
        let back_from = if self.now {
            now
        } else {
            self.reference.unwrap_or(now)
        };
        let when = |s: &str| {
            let base = if parse_back(s).is_some() {
                back_from
            } else {
                now
            };
            parse_when(s, self.zone, base)
        };
        let since = self.since.as_deref().map(when).transpose()?;
        let until = self.until.as_deref().map(when).transpose()?;
        if let (Some(a), Some(b)) = (since, until)
            && a >= b
        {
            return Err(format!(
                "--since {} is not before --until {}: nothing to read",
                self.since.as_deref().unwrap_or(""),
                self.until.as_deref().unwrap_or("")
            ));
        }
        Ok(ScanConfig {
            format: self.format,
            year: self.year,
            zone: self.zone,
            window,
            since,
            until,
            keep_events,
            unparsed_examples: if self.verbose { 5 } else { 0 },
            by_host: self.by_host,
            host: self.host.clone(),
            ..ScanConfig::default()
        })
    }
}

//! Settings shared by the pipeline stages, built from the command line in
//! `cli.rs`; nothing below here knows about clap.

use crate::parse::Format;
use crate::parse::time::Zone;

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
            window: 3600,
            since: None,
            until: None,
            keep_events: false,
            unparsed_examples: 0,
            chunk_min: crate::scan::CHUNK_MIN,
            by_host: false,
            host: None,
        }
    }
}

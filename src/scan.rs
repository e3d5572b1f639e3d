//! The pipeline for one input: open, detect the format, parse every line,
//! turn 421 lines into events and fold everything into an [`Aggregate`].

use std::io::Read;

use serde::Serialize;

use crate::aggregate::Aggregate;
use crate::config::ScanConfig;
use crate::error::InputError;
use crate::event::Event;
use crate::input::{LineReader, Source, open};
use crate::parse::time::{Clock, YearHint, Zone};
use crate::parse::{Format, Parsed, Record};
use crate::render::events::OwnedEvent;

/// What reading one input gave.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct InputStats {
    pub path: String,
    pub format: Option<Format>,
    pub compressed: bool,
    pub lines: u64,
    pub unparsed_lines: u64,
    /// Set when the input could not be read to its end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One input's results.
#[derive(Debug)]
pub struct Scanned {
    pub stats: InputStats,
    pub aggregate: Aggregate,
    pub events: Vec<OwnedEvent>,
    /// `(line number, text)` of the first unparsed lines.
    pub unparsed_examples: Vec<(u64, String)>,
    pub error: Option<InputError>,
}

/// The offset the window grid is aligned with: the zone's offset now.
pub fn align_offset(zone: Zone) -> i64 {
    match zone {
        Zone::Utc => 0,
        Zone::Fixed(o) => i64::from(o),
        Zone::Local => {
            use chrono::{Local, Offset, TimeZone};
            let now = chrono::Utc::now().naive_utc();
            i64::from(Local.offset_from_utc_datetime(&now).fix().local_minus_utc())
        }
    }
}

/// `--year Y` puts every syslog stamp in Y; otherwise the file's mtime (or
/// now, for stdin) decides, rolling months after the mtime's back a year.
fn year_hint(cfg: &ScanConfig, mtime: Option<i64>) -> YearHint {
    match cfg.year {
        Some(year) => YearHint { year, month: 12 },
        None => YearHint::from_unix(mtime.unwrap_or_else(|| chrono::Utc::now().timestamp())),
    }
}

/// Reads one input to its end (or its first read error).
pub fn scan(source: &Source, cfg: &ScanConfig) -> Scanned {
    let path = source.display();
    let mut out = Scanned {
        stats: InputStats {
            path: path.clone(),
            format: None,
            compressed: false,
            lines: 0,
            unparsed_lines: 0,
            error: None,
        },
        aggregate: Aggregate::new(cfg.window, align_offset(cfg.zone)),
        events: Vec::new(),
        unparsed_examples: Vec::new(),
        error: None,
    };
    let opened = match open(source) {
        Ok(o) => o,
        Err(e) => {
            out.stats.error = Some(e.to_string());
            out.error = Some(e);
            return out;
        }
    };
    out.stats.compressed = opened.compressed;
    let clock = Clock::new(cfg.zone, year_hint(cfg, opened.mtime));
    if let Err(e) = read_lines(opened.reader, &path, cfg, clock, &mut out) {
        out.stats.error = Some(e.to_string());
        out.error = Some(e);
    }
    out.stats.lines = out.aggregate.totals.lines;
    out.stats.unparsed_lines = out.aggregate.totals.unparsed;
    out
}

fn read_lines(
    reader: Box<dyn Read + Send>,
    path: &str,
    cfg: &ScanConfig,
    mut clock: Clock,
    out: &mut Scanned,
) -> Result<(), InputError> {
    let mut lines = LineReader::new(reader);
    let format = match cfg.format {
        Some(f) => f,
        None => {
            let head = lines.peek(50).map_err(|e| InputError::read(path, 0, e))?;
            Format::detect(head.split(|b| *b == b'\n'))
        }
    };
    out.stats.format = Some(format);
    let agg = &mut out.aggregate;
    let mut line_no: u64 = 0;
    loop {
        let line = match lines.next_line() {
            Ok(Some(l)) => l,
            Ok(None) => break,
            Err(e) => return Err(InputError::read(path, line_no, e)),
        };
        line_no += 1;
        let parsed = format.parse_line(line);
        let (stamp, mta, record) = match parsed {
            Parsed::Entry { stamp, mta, record } => (stamp, mta, record),
            // Decided by the line alone (no state across lines), so a file
            // or chunk may start with the continuation of an earlier entry.
            Parsed::Continuation => {
                agg.line(None);
                continue;
            }
            Parsed::Unparsed => {
                agg.line(None);
                agg.unparsed();
                if out.unparsed_examples.len() < cfg.unparsed_examples {
                    out.unparsed_examples
                        .push((line_no, crate::text::lossy(line)));
                }
                continue;
            }
        };
        let Some(time) = clock.resolve(&stamp) else {
            agg.line(None);
            agg.unparsed();
            continue;
        };
        if cfg.since.is_some_and(|s| time < s) || cfg.until.is_some_and(|u| time >= u) {
            agg.totals.lines += 1;
            continue;
        }
        agg.line(Some(time));
        match record {
            Record::Arrival => agg.arrival(time),
            Record::Delivery(d) => agg.delivery(time, d.outcome, d.rcpt),
            Record::HostReply(_) | Record::Inbound(_) | Record::Other => {}
        }
        if let Some(ev) = Event::from_record(time, mta, &record) {
            agg.event(&ev);
            if cfg.keep_events {
                out.events
                    .push(OwnedEvent::new(&ev, path, line_no, cfg.zone));
            }
        }
    }
    Ok(())
}

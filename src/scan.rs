//! The pipeline for one input: open, detect the format, parse every line,
//! turn 421 lines into events and fold everything into an [`Aggregate`].
//!
//! A large plain file is cut into newline-aligned chunks read in parallel,
//! a stream into blocks as it is read ([`stream`]). Every line is judged
//! alone, so the parts' aggregates merge into exactly what one pass gives;
//! event line numbers are shifted by the line counts of the parts before.
mod chunks;
mod stream;

use std::io::Read;

use crate::aggregate::Aggregate;
use crate::config::ScanConfig;
use crate::event::OwnedEvent;
use crate::fold::{Entry, Fold, ServerNames};
use crate::input::InputError;
use crate::input::layout::{self, Layout};
use crate::input::open::decode;
use crate::input::{LineReader, Opened, Source, open};
use crate::oddities::{self, Oddities};
use crate::parse::cached::LineParser;
use crate::parse::time::{Clock, YearHint, Zone};
use crate::parse::{Format, Parsed};
use crate::report::inputs::InputStats;
use crate::retry::Tracker;

/// Where `events` writes each event as it is read; false stops reading
/// (the output is gone). With a sink, no retry state is kept (`events`
/// does not need it), so memory stays flat however long the input.
pub type Sink<'s> = &'s mut dyn FnMut(OwnedEvent) -> bool;

/// The most of an unparsed line kept as an example.
const EXAMPLE_MAX: usize = 300;

/// One input's results.
#[derive(Debug)]
pub struct Scanned {
    pub stats: InputStats,
    pub aggregate: Aggregate,
    /// Retry state, to be laid over the inputs before this one in time order.
    pub retries: Tracker,
    pub events: Vec<OwnedEvent>,
    /// `(line number, text)` of the first unparsed lines.
    pub unparsed_examples: Vec<(u64, String)>,
    pub error: Option<InputError>,
}

/// What one stretch of lines gave; line numbers are relative to its start.
struct Part {
    fold: Fold,
    events: Vec<OwnedEvent>,
    unparsed_examples: Vec<(u64, String)>,
    odd: Oddities,
    error: Option<InputError>,
}

impl Part {
    fn new(cfg: &ScanConfig) -> Part {
        Part {
            fold: Fold::new(Aggregate::new(cfg.window, align_offset(cfg.zone)), true),
            events: Vec::new(),
            unparsed_examples: Vec::new(),
            odd: Oddities::default(),
            error: None,
        }
    }

    fn failed(cfg: &ScanConfig, error: InputError) -> Part {
        let mut p = Part::new(cfg);
        p.error = Some(error);
        p
    }

    /// Appends a later part, shifting its line numbers.
    fn append(&mut self, mut later: Part, keep_examples: usize) {
        let base = self.fold.aggregate.totals.lines;
        for e in &mut later.events {
            e.line += base;
        }
        self.events.append(&mut later.events);
        for (line, text) in later.unparsed_examples {
            if self.unparsed_examples.len() < keep_examples {
                self.unparsed_examples.push((line + base, text));
            }
        }
        if self.error.is_none()
            && let Some(InputError::Read { path, line, source }) = later.error
        {
            self.error = Some(InputError::Read {
                path,
                line: line + base,
                source,
            });
        }
        self.odd.append(&later.odd, base);
        self.fold.append(later.fold);
    }
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
    scan_to(source, cfg, None)
}

/// [`scan`], handing each event to `sink` as soon as its line is read
/// instead of keeping it (a pipe is read line by line as it arrives).
pub fn scan_to(source: &Source, cfg: &ScanConfig, sink: Option<Sink<'_>>) -> Scanned {
    let path = source.display();
    match open(source) {
        Ok(opened) => scan_opened(opened, &path, cfg, sink),
        Err(e) => Scanned::new(path, None, false, Part::failed(cfg, e)),
    }
}

/// Reads any byte stream (gzip or plain) named `name`, as `scan` reads
/// standard input (in blocks on every thread of the current rayon pool).
pub fn scan_reader(reader: Box<dyn Read + Send>, name: &str, cfg: &ScanConfig) -> Scanned {
    match decode(reader, false) {
        Ok((reader, compressed)) => {
            let opened = Opened {
                reader,
                compressed,
                mtime: None,
                size: None,
                file: None,
            };
            scan_opened(opened, name, cfg, None)
        }
        Err(e) => Scanned::new(
            name.to_string(),
            None,
            false,
            Part::failed(cfg, InputError::read(name, 0, e)),
        ),
    }
}

fn scan_opened(opened: Opened, path: &str, cfg: &ScanConfig, sink: Option<Sink<'_>>) -> Scanned {
    let hint = year_hint(cfg, opened.mtime);
    let mut lines = LineReader::new(opened.reader);
    // A pipe is read as it arrives: detect from the first lines in, not 50.
    let streaming = opened.file.is_none();
    let (layout, format) = match detect(&mut lines, cfg, streaming) {
        Ok(d) => d,
        Err(()) => {
            let e = InputError::NoTime {
                path: path.to_string(),
            };
            return Scanned::new(
                path.to_string(),
                None,
                opened.compressed,
                Part::failed(cfg, e),
            );
        }
    };
    let read = Reading {
        path,
        layout,
        format,
        hint,
    };
    // A plain stream is parsed in blocks on every core. A gzip is not: one
    // thread parses faster than one inflates, so blocks would only add
    // memory (a rotated set reads its files in parallel already).
    let is_stream = opened.size.is_none() && !opened.compressed;
    let part = match (&opened.file, opened.size) {
        (Some(file), Some(size))
            if !opened.compressed
                && sink.is_none()
                && size >= cfg.chunk_min
                && rayon::current_num_threads() > 1 =>
        {
            drop(lines);
            chunks::read_chunks(file, size, &read, cfg)
        }
        _ => stream::read(lines, &read, cfg, sink, is_stream),
    };
    Scanned::new(path.to_string(), Some(format), opened.compressed, part)
}

impl Scanned {
    fn new(path: String, format: Option<Format>, compressed: bool, part: Part) -> Scanned {
        let read = oddities::Read {
            path: &path,
            format,
            compressed,
            lines: part.fold.aggregate.totals.lines,
            unparsed: part.fold.aggregate.totals.unparsed,
            failed: part.error.is_some(),
        };
        let warnings = oddities::warnings(&read, &part.odd);
        let stats = InputStats {
            path,
            format,
            compressed,
            lines: part.fold.aggregate.totals.lines,
            unparsed_lines: part.fold.aggregate.totals.unparsed,
            error: part.error.as_ref().map(ToString::to_string),
            warnings,
        };
        Scanned {
            stats,
            aggregate: part.fold.aggregate,
            retries: part.fold.retries.unwrap_or_default(),
            events: part.events,
            unparsed_examples: part.unparsed_examples,
            error: part.error,
        }
    }
}

/// How one input is read: what wraps its lines, which parser reads them.
struct Reading<'a> {
    path: &'a str,
    layout: Layout,
    format: Format,
    hint: YearHint,
}

/// The layout and format of an input from its first lines (`streaming`: as
/// soon as one log line is in). `Err` for lines with no time and no host
/// (`journalctl -o cat`).
fn detect<R: Read>(
    lines: &mut LineReader<R>,
    cfg: &ScanConfig,
    streaming: bool,
) -> Result<(Layout, Format), ()> {
    let mut want = if streaming { 1 } else { 50 };
    let sample = loop {
        let n = memchr::memchr_iter(b'\n', lines.peek(want)).count();
        let sample = lines.peek(0);
        let useful = sample
            .split(|b| *b == b'\n')
            .take(n)
            .filter(|l| !l.is_empty() && !l.starts_with(b"-- "))
            .count();
        if useful > 0 || n < want || want >= 50 {
            break sample;
        }
        want = n + 1;
    };
    let split = || sample.split(|b| *b == b'\n');
    let (layout, format) = layout::detect_with_format(split(), cfg.format);
    if cfg.format.is_none()
        && layout == Layout::Bare
        && !split().any(|l| {
            layout::readable(layout::Peeled {
                line: l,
                stamp: None,
            })
        })
        && layout::looks_like_cat(split())
    {
        return Err(());
    }
    Ok((layout, format))
}

/// Parses every line of a reader into a [`Part`] (line numbers from 1).
fn read_part<R: Read>(
    mut lines: LineReader<R>,
    read: &Reading<'_>,
    cfg: &ScanConfig,
    mut sink: Option<Sink<'_>>,
) -> Part {
    let (path, format, hint) = (read.path, read.format, read.hint);
    let mut scratch = Vec::new();
    let mut out = Part::new(cfg);
    if sink.is_some() {
        // `events` does not need retry state.
        out.fold.retries = None;
    }
    let mut clock = Clock::new(cfg.zone, hint);
    let mut parser = LineParser::new(format);
    // The parser generation whose stamp `last_time` is the time of.
    let (mut stamps_from, mut last_time) = (u64::MAX, None);
    // The parser's minute number of `last_time`, and its second.
    let (mut minute_from, mut last_second) = (u64::MAX, 0);
    let fold = &mut out.fold;
    let mut line_no: u64 = 0;
    let servers = ServerNames::new(cfg.by_host, cfg.host.as_deref(), std::path::Path::new(path));
    loop {
        if lines.cut_lines() > out.odd.cut.count {
            out.odd.cut.at(line_no);
        }
        let line = match lines.next_line() {
            Ok(Some(l)) => l,
            Ok(None) => break,
            Err(e) => {
                out.error = Some(InputError::read(path, line_no, e));
                break;
            }
        };
        line_no += 1;
        let line = if line.first() == Some(&0) {
            out.odd.nul_prefixed.at(line_no);
            oddities::strip_nul_prefix(line)
        } else {
            line
        };
        // A bare line that cannot be a journal marker needs no peeling.
        let peeled = if read.layout == Layout::Bare && line.first() != Some(&b'-') {
            Some(layout::Peeled { line, stamp: None })
        } else {
            read.layout.peel(line, &mut scratch)
        };
        let Some(peeled) = peeled else {
            fold.skipped();
            continue;
        };
        let line = peeled.line;
        // Which stamp the line has, when it is the parser's.
        let (parsed, generation, minute) = if peeled.stamp.is_none() {
            (parser.parse(line), parser.generation(), parser.minute())
        } else {
            (layout::parse(format, peeled), u64::MAX, u64::MAX)
        };
        // Records are big: each goes into its `Entry` once (time, server below).
        let (stamp, mut entry) = match parsed {
            Parsed::Entry { stamp, mta, record } => (
                stamp,
                Entry {
                    time: 0,
                    mta,
                    record,
                    server: None,
                },
            ),
            // Decided by the line alone (no state across lines), so a file
            // or chunk may start with the continuation of an earlier entry.
            Parsed::Continuation => {
                fold.skipped();
                continue;
            }
            Parsed::Unparsed => {
                fold.unparsed();
                if oddities::is_binary(line) {
                    out.odd.binary.at(line_no);
                }
                if out.unparsed_examples.len() < cfg.unparsed_examples {
                    let shown = crate::text::lossy(&line[..line.len().min(EXAMPLE_MAX)]);
                    out.unparsed_examples.push((line_no, shown));
                }
                continue;
            }
        };
        // Lines with the stamp bytes of the last line resolved share its time.
        if generation == u64::MAX || stamps_from != generation {
            // Another second of the same minute: the clock gives the same
            // time plus the seconds between (it counts a leap second as 59).
            let second = i64::from(stamp.second.min(59));
            last_time = if minute != u64::MAX && minute == minute_from {
                last_time.map(|t| t + second - last_second)
            } else {
                minute_from = minute;
                clock.resolve(&stamp)
            };
            (stamps_from, last_second) = (generation, second);
        }
        let Some(time) = last_time else {
            fold.unparsed();
            continue;
        };
        if cfg.since.is_some_and(|s| time < s) || cfg.until.is_some_and(|u| time >= u) {
            fold.outside(time);
            continue;
        }
        entry.time = time;
        entry.server = servers.of(format, line);
        let Some(ev) = fold.entry(&entry) else {
            continue;
        };
        if cfg.keep_events {
            let mut owned = OwnedEvent::new(&ev, path, line_no, cfg.zone);
            owned.server = entry.server.map(crate::text::lossy);
            match &mut sink {
                Some(sink) => {
                    if !sink(owned) {
                        break;
                    }
                }
                None => out.events.push(owned),
            }
        }
    }
    if lines.cut_lines() > out.odd.cut.count {
        out.odd.cut.at(line_no);
    }
    out
}

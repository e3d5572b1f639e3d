//! The library pipeline for whole inputs: which sources the settings name,
//! reading them (in parallel), saying their problems, and merging what they
//! gave into one [`Report`]. `report`, `events`, `summary` and `queue`
//! drive it.

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::aggregate::Aggregate;
use crate::config::{InputSettings, ScanConfig};
use crate::input::Source;
use crate::input::discover::default_source;
use crate::report::Report;
use crate::retry::{Outcomes, Tracker};
use crate::scan::{Scanned, align_offset, scan};
use crate::text::escape_control;

/// The inputs the flags name, rotated siblings included.
pub fn sources(args: &InputSettings) -> Result<Vec<Source>> {
    let paths = args.paths.clone();
    let mut out = Vec::new();
    let mut listings = crate::input::discover::Listings::default();
    let mut expanded = std::collections::HashSet::new();
    let range = || -> Result<(Option<i64>, Option<i64>)> {
        let cfg = args
            .scan_config(crate::window::HOUR, false)
            .map_err(anyhow::Error::msg)?;
        Ok((cfg.since, cfg.until))
    };
    if let Some(mut q) = args.journal.clone() {
        (q.since, q.until) = range()?;
        q.probe()?;
        out.push(Source::Journal(q));
    } else if paths.is_empty() {
        let (since, until) = range()?;
        out.push(default_source(since, until).map_err(anyhow::Error::msg)?);
    }
    for p in paths {
        match Source::from_arg(&p) {
            Source::File(d) if d.is_dir() => {
                let found = crate::input::discover::mail_logs_in(&d);
                if found.is_empty() {
                    // Reading it reports the error; the other inputs are read.
                    out.push(Source::File(d));
                    continue;
                }
                let names: Vec<String> = found.iter().map(|f| f.display().to_string()).collect();
                crate::error::say_once(format!(
                    "maillog421: {}: reading {}",
                    escape_control(&d.display().to_string()),
                    escape_control(&names.join(", "))
                ));
                out.extend(found.into_iter().map(Source::File));
            }
            // A file named with its rotations is read once, where it first
            // comes: `--rotated maillog.2 maillog.1 maillog` reads each once.
            Source::File(f) if args.rotated => out.extend(
                listings
                    .with_rotated(&f)
                    .into_iter()
                    .filter(|p| expanded.insert(p.clone()))
                    .map(Source::File),
            ),
            s => out.push(s),
        }
    }
    Ok(out)
}

/// Scans every source (in parallel unless `threads` is 1), in input order.
pub fn scan_all(
    sources: &[Source],
    cfg: &ScanConfig,
    threads: Option<usize>,
) -> Result<Vec<Scanned>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .context("starting worker threads")?;
    let total = sources
        .iter()
        .filter_map(|s| match s {
            Source::File(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            Source::Stdin | Source::Journal(_) => None,
        })
        .sum();
    crate::progress::start(total, sources.len());
    let scanned = pool.install(|| {
        sources
            .par_iter()
            .map(|s| {
                let one = scan(s, cfg);
                crate::progress::file_done();
                one
            })
            .collect()
    });
    crate::progress::finish();
    Ok(scanned)
}

/// Reports each input error, warning and requested unparsed example on stderr;
/// true when any input could not be read.
pub fn report_problems(scanned: &[Scanned]) -> bool {
    let mut failed = false;
    for s in scanned {
        if let Some(e) = &s.error {
            crate::say!("maillog421: {}", escape_control(&e.to_string()));
            failed = true;
        }
        for w in &s.stats.warnings {
            crate::say!(
                "maillog421: warning: {}: {}",
                escape_control(&s.stats.path),
                escape_control(w)
            );
        }
        for (line, text) in &s.unparsed_examples {
            crate::say!(
                "maillog421: {}:{line}: not understood: {}",
                escape_control(&s.stats.path),
                escape_control(text)
            );
        }
    }
    failed
}

/// All inputs' counts in one, taking them (each input's is left empty, so
/// the counts are never held twice).
fn merged(scanned: &mut [Scanned], cfg: &ScanConfig) -> Aggregate {
    let empty = || Aggregate::new(cfg.window, align_offset(cfg.zone));
    let mut parts = scanned
        .iter_mut()
        .map(|s| std::mem::replace(&mut s.aggregate, empty()));
    let mut agg = parts.next().unwrap_or_else(empty);
    for p in parts {
        agg.merge(&p);
    }
    agg
}

/// Follows the retry state through the inputs in time order (by first
/// stamp, then last stamp), whatever order they were named in; inputs that
/// span the same seconds keep the order they were named in. Takes each
/// input's tracker.
pub fn retry_outcomes(scanned: &mut [Scanned]) -> Outcomes {
    let mut order: Vec<&mut Scanned> = scanned.iter_mut().collect();
    order.sort_by_key(|s| {
        let a = &s.aggregate;
        (a.first.unwrap_or(i64::MAX), a.last.unwrap_or(i64::MAX))
    });
    let mut all = Tracker::new();
    for s in order {
        all.absorb(std::mem::take(&mut s.retries));
    }
    all.finish()
}

/// Builds the report for already-scanned inputs (their retry trackers are
/// used up).
pub fn build_report(scanned: &mut [Scanned], cfg: &ScanConfig) -> Report {
    let outcomes = retry_outcomes(scanned);
    Report::build(
        &merged(scanned, cfg),
        &outcomes,
        scanned.iter().map(|s| s.stats.clone()).collect(),
        cfg.zone,
    )
}

/// The latest stamp at the end of the plain (not compressed) log files:
/// what relative `--since`/`--until` count back from. Reads the last 64 KiB
/// of each.
fn last_stamp(sources: &[Source], input: &InputSettings) -> Option<i64> {
    use std::io::{Read, Seek, SeekFrom};

    use crate::parse::time::{Clock, YearHint};
    use crate::parse::{Format, Parsed, trim_cr};
    const TAIL: u64 = 64 << 10;
    let mut last: Option<i64> = None;
    for src in sources {
        let Source::File(p) = src else { continue };
        let Ok(mut f) = std::fs::File::open(p) else {
            continue;
        };
        let Ok(meta) = f.metadata() else { continue };
        let mut magic = [0u8; 2];
        if !meta.is_file() || f.read_exact(&mut magic).is_err() || magic == [0x1f, 0x8b] {
            continue;
        }
        let from = meta.len().saturating_sub(TAIL);
        let mut buf = Vec::new();
        if f.seek(SeekFrom::Start(from)).is_err() || f.read_to_end(&mut buf).is_err() {
            continue;
        }
        let hint = match input.year {
            Some(year) => YearHint { year, month: 12 },
            None => YearHint::from_unix(
                meta.modified()
                    .ok()
                    .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_secs() as i64),
            ),
        };
        let mut clock = Clock::new(input.zone, hint);
        let found = buf.split(|b| *b == b'\n').rev().find_map(|line| {
            [Format::Exim, Format::Syslog].into_iter().find_map(|fmt| {
                match fmt.parse_line(trim_cr(line)) {
                    Parsed::Entry { stamp, .. } => clock.resolve(&stamp),
                    _ => None,
                }
            })
        });
        last = last.max(found);
    }
    last
}

/// The input arguments with what a relative `--since`/`--until` counts
/// back from: the last line of the logs (or now, with `--now`).
pub fn with_reference(input: &InputSettings, sources: &[Source]) -> Result<InputSettings> {
    let relative = [&input.since, &input.until]
        .iter()
        .any(|w| w.as_deref().and_then(crate::when::parse_back).is_some());
    let mut input = input.clone();
    if relative && !input.now {
        input.reference = Some(last_stamp(sources, &input).ok_or_else(|| {
            anyhow::anyhow!(
                "a relative --since/--until counts back from the last line of the logs, and no plain log file gave one (stdin, journal or compressed only): add --now to count back from now"
            )
        })?);
    }
    Ok(input)
}

/// Reads every input whole; what `report` and `events` share.
pub fn scan_inputs(
    input: &InputSettings,
    window: i64,
    keep_events: bool,
) -> Result<(ScanConfig, Vec<Scanned>, bool)> {
    let sources = sources(input)?;
    let input = with_reference(input, &sources)?;
    let cfg = input
        .scan_config(window, keep_events)
        .map_err(anyhow::Error::msg)?;
    let input = &input;
    let scanned = scan_all(&sources, &cfg, input.threads)?;
    let failed = report_problems(&scanned);
    Ok((cfg, scanned, failed))
}

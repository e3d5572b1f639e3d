//! Glue: resolve inputs, scan them in parallel, merge, render, and decide
//! the exit status. Errors go to stderr; the report is still printed.

use std::io::{self, Write};

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::aggregate::Aggregate;
use crate::cli::{Cli, Command, InputArgs, OutputFormat};
use crate::config::ScanConfig;
use crate::input::Source;
use crate::input::discover::default_source;
use crate::render::events::{OwnedEvent, write_ndjson};
use crate::render::format::{Format, Options, renderer};
use crate::report::Report;
use crate::retry::{Outcomes, Tracker};
use crate::scan::{Scanned, align_offset, scan};
use crate::text::escape_control;

/// Exit statuses.
pub const EXIT_OK: i32 = 0;
pub const EXIT_ERRORS: i32 = 2;

/// A writer whose errors name it, so a full disk reads
/// `-o report.html: No space left on device`, not a bare OS error.
pub struct Named<W> {
    name: String,
    inner: W,
}

impl<W: Write> Named<W> {
    pub fn new(name: impl Into<String>, inner: W) -> Named<W> {
        Named {
            name: name.into(),
            inner,
        }
    }

    fn tag(&self, e: io::Error) -> io::Error {
        let text = e.to_string();
        // "No space left on device (os error 28)": the OS's words only.
        let text = match text.rfind(" (os error ") {
            Some(p) if text.ends_with(')') => text[..p].to_string(),
            _ => text,
        };
        io::Error::new(e.kind(), format!("{}: {text}", self.name))
    }
}

impl<W: Write> Write for Named<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf).map_err(|e| self.tag(e))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush().map_err(|e| self.tag(e))
    }
}

/// The inputs the flags name, rotated siblings included.
pub fn sources(args: &InputArgs) -> Result<Vec<Source>> {
    let paths = args.paths.clone();
    let mut out = Vec::new();
    let mut listings = crate::input::discover::Listings::default();
    let mut expanded = std::collections::HashSet::new();
    let range = || -> Result<(Option<i64>, Option<i64>)> {
        let cfg = args.scan_config(3600, false).map_err(anyhow::Error::msg)?;
        Ok((cfg.since, cfg.until))
    };
    if let Some(mut q) = args.journal.query(None, None) {
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
fn report_problems(scanned: &[Scanned]) -> bool {
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
fn last_stamp(sources: &[Source], input: &InputArgs) -> Option<i64> {
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
        let mut clock = Clock::new(input.tz, hint);
        let found = buf.split(|b| *b == b'\n').rev().find_map(|line| {
            [Format::Exim, Format::Postfix].into_iter().find_map(|fmt| {
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
fn with_reference(input: &InputArgs, sources: &[Source]) -> Result<InputArgs> {
    let relative = [&input.since, &input.until]
        .iter()
        .any(|w| w.as_deref().and_then(crate::cli::parse_back).is_some());
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
pub(crate) fn scan_inputs(
    input: &InputArgs,
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

fn execute(cli: &Cli, out: &mut dyn Write) -> Result<i32> {
    let failed = match &cli.command {
        Command::Follow(a) => return crate::follow::run(a, cli.color.enabled(), out),
        Command::Rules(a) => {
            crate::render::rules::write(crate::rules::active(), a.format == "json", out)?;
            false
        }
        Command::Completions(a) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(a.shell, &mut cmd, "maillog421", out);
            false
        }
        Command::Man(a) => {
            crate::cli::man_page(a.subcommand.as_deref())?.render(out)?;
            false
        }
        Command::Summary(a) => {
            let code = crate::summary::run(a, cli.color.enabled(), out)?;
            out.flush()?;
            return Ok(code);
        }
        Command::Queue(a) => {
            let code = run_queue(a, out)?;
            out.flush()?;
            return Ok(code);
        }
        Command::Explain(a) => {
            crate::guidance::run(&a.what.join(" "), a.format == "json", out)?;
            false
        }
        Command::Report(a) => {
            let (cfg, mut scanned, failed) = scan_inputs(&a.input, a.window, false)?;
            let report = build_report(&mut scanned, &cfg);
            let mut file;
            let term = match &a.output {
                Some(_) => crate::render::term::Term::file(),
                None => crate::render::term::Term::stdout(cli.color.enabled()),
            };
            let out: &mut dyn Write = match &a.output {
                Some(p) => {
                    file = Named::new(
                        format!("-o {}", escape_control(&p.display().to_string())),
                        io::BufWriter::new(
                            std::fs::File::create(p)
                                .with_context(|| format!("creating {}", p.display()))?,
                        ),
                    );
                    &mut file
                }
                None => out,
            };
            let format = match a.format {
                OutputFormat::Table => Format::Table,
                OutputFormat::Json => Format::Json,
                OutputFormat::Csv => Format::Csv(a.by.into()),
                OutputFormat::Html => Format::Html,
            };
            let options = Options {
                top: a.top,
                stuck: a.stuck,
                term,
                title: "maillog421 report".to_string(),
            };
            renderer(format, options).render(&report, out)?;
            out.flush()?;
            failed
        }
        Command::Events(a) if a.paths.iter().any(|p| p.as_os_str() == "-") => {
            stream_events(a, out)?
        }
        Command::Events(a) => events_in_order(a, out)?,
    };
    out.flush()?;
    Ok(if failed { EXIT_ERRORS } else { EXIT_OK })
}

fn run_queue(a: &crate::cli::QueueArgs, out: &mut dyn Write) -> Result<i32> {
    use crate::cli::InputFormat;
    use crate::parse::Mta;
    let now = a
        .as_of
        .as_deref()
        .map(|s| crate::cli::parse_when(s, a.input.tz, chrono::Utc::now().timestamp()))
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let settings = crate::queue::Settings {
        from: a.from.clone(),
        live: crate::queue::dump::Live {
            mta: a.mta.map(|m| match m {
                InputFormat::Exim => Mta::Exim,
                InputFormat::Postfix => Mta::Postfix,
            }),
            postfix_config: a.postfix_config.clone(),
            exim: a.exim.clone(),
            exim_args: a.exim_arg.clone(),
        },
        now,
        lifetime: a.lifetime,
        older_than: a.older_than,
        top: a.top,
    };
    crate::queue::run(&settings, &a.input, a.format, a.fail_above, out)
}

/// `events` with stdin among the inputs: the inputs are read one after the
/// other, and each event is written (and flushed) as soon as its line is
/// read, so `tail -F LOG | maillog421 events -` shows each 421 live.
fn stream_events(input: &InputArgs, out: &mut dyn Write) -> Result<bool> {
    let sources = sources(input)?;
    let cfg = with_reference(input, &sources)?
        .scan_config(3600, true)
        .map_err(anyhow::Error::msg)?;
    let mut failed = false;
    for source in sources {
        let mut written: io::Result<()> = Ok(());
        let mut sink = |e: OwnedEvent| {
            written = write_ndjson(std::slice::from_ref(&e), out).and_then(|()| out.flush());
            written.is_ok()
        };
        let scanned = crate::scan::scan_to(&source, &cfg, Some(&mut sink));
        written?;
        failed |= report_problems(std::slice::from_ref(&scanned));
    }
    Ok(failed)
}

/// Events buffered per input ahead of the writer: how far a later input
/// read in parallel may run ahead of the one being written. Each input's
/// channel holds this many slots from the start (16 bytes each: 5,000
/// inputs cost 5 MiB).
const EVENTS_AHEAD: usize = 64;

/// What a worker of [`events_in_order`] hands the writer for one input.
enum Found {
    Event(Box<OwnedEvent>),
    /// The input was read to its end (its problems, for stderr).
    Done(Box<Scanned>),
}

/// `events` on files: inputs are read in parallel (up to `--threads`),
/// each into a bounded channel, and written in input order as they are
/// found. Workers take inputs in order, so the input being written always
/// has a worker: memory is bounded by the channels, never by the input.
fn events_in_order(input: &InputArgs, out: &mut dyn Write) -> Result<bool> {
    let sources = sources(input)?;
    let cfg = with_reference(input, &sources)?
        .scan_config(3600, true)
        .map_err(anyhow::Error::msg)?;
    let workers = input
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, sources.len().max(1));
    // Each sender is taken by the worker that reads its input, so a worker
    // that dies drops it and the writer sees the end instead of waiting.
    let (senders, receivers): (Vec<_>, Vec<_>) = sources
        .iter()
        .map(|_| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Found>(EVENTS_AHEAD);
            (std::sync::Mutex::new(Some(tx)), rx)
        })
        .unzip();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (sources, cfg, senders, next) = (&sources, &cfg, &senders, &next);
    std::thread::scope(|scope| -> Result<bool> {
        for _ in 0..workers {
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let (Some(source), Some(tx)) = (
                        sources.get(i),
                        senders.get(i).and_then(|m| {
                            m.lock()
                                .unwrap_or_else(std::sync::PoisonError::into_inner)
                                .take()
                        }),
                    ) else {
                        break;
                    };
                    let mut sink = |e: OwnedEvent| tx.send(Found::Event(Box::new(e))).is_ok();
                    let mut scanned = crate::scan::scan_to(source, cfg, Some(&mut sink));
                    // Only its problems travel: the counts are not needed.
                    scanned.aggregate = Aggregate::new(1, 0);
                    if tx.send(Found::Done(Box::new(scanned))).is_err() {
                        // The writer is gone: stop taking inputs.
                        next.store(usize::MAX / 2, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            });
        }
        // Dropped on return (an output error too), which stops the workers.
        let receivers = receivers;
        let mut failed = false;
        for rx in &receivers {
            let mut done = false;
            for found in rx {
                match found {
                    Found::Event(e) => write_ndjson(std::slice::from_ref(&*e), out)?,
                    Found::Done(s) => {
                        failed |= report_problems(std::slice::from_ref(&*s));
                        done = true;
                        break;
                    }
                }
            }
            if !done {
                anyhow::bail!("a reader thread stopped before the end of its input");
            }
        }
        Ok(failed)
    })
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Runs a parsed command line; returns the exit status.
pub fn run(cli: &Cli) -> i32 {
    match crate::rules::load_configured(cli.rules.as_deref()) {
        Ok(Some(rules)) => crate::rules::install(rules),
        Ok(None) => {}
        Err(e) => {
            crate::say!("maillog421: rules: {}", escape_control(&e.to_string()));
            return EXIT_ERRORS;
        }
    }
    let stdout = io::stdout();
    let mut out = Named::new(
        "standard output",
        io::BufWriter::with_capacity(64 * 1024, stdout.lock()),
    );
    let code = match execute(cli, &mut out) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => EXIT_OK,
        Err(e) => {
            crate::say!("maillog421: {e:#}");
            EXIT_ERRORS
        }
    };
    // A message that could not be written to stderr (a closed pipe, a full
    // disk) is still an error: 2, never a panic's 101.
    if crate::error::stderr_failed() {
        EXIT_ERRORS
    } else {
        code
    }
}

//! `maillog421 follow`: a `tail -F` of mail logs that survives rotation,
//! prints each 421 as it happens, keeps a rolling summary, raises alerts and
//! serves Prometheus metrics.
//!
//! Waiting costs nothing: the loop sleeps on file notifications (inotify via
//! the `notify` crate) for the logs' directories, with a 1 s safety timeout,
//! or checks every `--poll-interval` when notifications are unavailable.
//!
//! `follow -` reads standard input instead (`journalctl -f | maillog421
//! follow -`): a thread hands over each block of whole lines as it arrives,
//! and the end of input ends the run with its session summary.

pub mod alert;
pub mod journal;
pub mod metrics;
mod print;
pub mod stuck;
pub mod tail;

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::Result;
use notify::Watcher;

use crate::aggregate::Aggregate;
use crate::cli::{FollowArgs, FollowFormat, InputFormat};
use crate::event::Event;
use crate::input::Source;
use crate::input::discover::default_source;
use crate::input::journal::FollowFrom;
use crate::input::layout::{self, Layout};
use crate::parse::time::{Clock, YearHint, Zone};
use crate::parse::{Format, Parsed, Record};
use crate::scan::align_offset;
use alert::Alerts;
use metrics::Metrics;
use print::Printer;
use tail::{Note, Start, Tail};

/// Longest sleep between checks even with notifications (a safety net for
/// missed events, and the clock of summaries).
const MAX_SLEEP: Duration = Duration::from_secs(1);

/// Where a followed input's lines come from.
enum Feed {
    File(Box<Tail>),
    Journal(journal::JournalTail),
    /// `follow -`: blocks handed over by the stdin thread.
    Stdin,
}

/// One followed file (or the journal).
struct Followed {
    tail: Feed,
    name: String,
    format: Option<Format>,
    layout: Layout,
    clock: Clock,
    scratch: Vec<u8>,
    /// The error last said for this file, so it is said once, not on every
    /// wake-up (a file we may not read would otherwise flood stderr).
    failing: Option<String>,
}

/// Everything one line can change.
struct State {
    forced: Option<Format>,
    cutoff: Option<i64>,
    /// Since the last rolling summary.
    period: Aggregate,
    /// Since the start.
    session: Aggregate,
    alerts: Alerts,
    metrics: Option<Arc<Metrics>>,
    /// Recipients stuck after a 421, for the metrics' gauges (fed only
    /// when metrics are served).
    stuck: stuck::Stuck,
    printer: Printer,
    /// The latest stamp read (log time).
    now: Option<i64>,
}

fn new_aggregate(zone: Zone) -> Aggregate {
    Aggregate::new(3600, align_offset(zone)).without_quiet_domains()
}

/// The domains whose detail the session keeps (the most 421s; the totals
/// count every domain): [`SESSION_DOMAINS`], or for tests the number in
/// the (undocumented) `MAILLOG421_FOLLOW_DOMAINS`.
fn session_domains() -> usize {
    std::env::var("MAILLOG421_FOLLOW_DOMAINS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(SESSION_DOMAINS)
}

/// A bulk sender meets a 421 at a million domains in a month: the session
/// keeps 10,000 (up to 20,000 between prunings, ~1.6 KB each).
const SESSION_DOMAINS: usize = 10_000;

/// The layout and format of a file from its first 64 KiB; `None` while it
/// is empty.
fn detect_file(path: &Path, forced: Option<Format>) -> Option<(Layout, Format)> {
    use std::io::Read;
    let mut head = vec![0; 64 * 1024];
    let n = std::fs::File::open(path).ok()?.read(&mut head).ok()?;
    (n > 0).then(|| layout::detect_with_format(head[..n].split(|b| *b == b'\n'), forced))
}

/// The offset of the first line at or after `cutoff`, found by bisecting
/// the file on its stamps (to a 64 KiB slack; older lines are skipped).
fn offset_for_time(
    path: &Path,
    (layout, format): (Layout, Format),
    zone: Zone,
    year: YearHint,
    cutoff: i64,
) -> u64 {
    use std::os::unix::fs::FileExt;
    let Ok(f) = std::fs::File::open(path) else {
        return 0;
    };
    let len = f.metadata().map_or(0, |m| m.len());
    let mut clock = Clock::new(zone, year);
    let mut scratch = Vec::new();
    let mut time_at = |pos: u64| -> Option<i64> {
        let mut buf = vec![0; 16 * 1024];
        let n = f.read_at(&mut buf, pos).ok()?;
        let buf = &buf[..n];
        let start = if pos == 0 {
            0
        } else {
            memchr::memchr(b'\n', buf)? + 1
        };
        buf[start..].split(|b| *b == b'\n').find_map(|l| {
            match layout::parse(format, layout.peel(l, &mut scratch)?) {
                Parsed::Entry { stamp, .. } => clock.resolve(&stamp),
                _ => None,
            }
        })
    };
    let (mut lo, mut hi) = (0u64, len);
    while hi - lo > 64 * 1024 {
        let mid = lo + (hi - lo) / 2;
        match time_at(mid) {
            Some(t) if t < cutoff => lo = mid,
            _ => hi = mid,
        }
    }
    if lo == 0 {
        return 0;
    }
    // The start of the line after `lo`.
    let mut buf = vec![0; 64 * 1024];
    let n = f.read_at(&mut buf, lo).unwrap_or(0);
    memchr::memchr(b'\n', &buf[..n]).map_or(len, |p| lo + p as u64 + 1)
}

impl State {
    fn line(
        &mut self,
        f: &mut Followed,
        line: &[u8],
        line_no: u64,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let format = match f.format.or(self.forced) {
            Some(fmt) => fmt,
            None => {
                let found = match &f.tail {
                    Feed::File(t) => detect_file(t.path(), self.forced),
                    Feed::Journal(_) => Some((Layout::Bare, Format::Postfix)),
                    // The loop decides from the first block with a log line;
                    // until then nothing is fixed.
                    Feed::Stdin => None,
                };
                match found {
                    Some((lay, fmt)) => {
                        (f.format, f.layout) = (Some(fmt), lay);
                        fmt
                    }
                    None if matches!(f.tail, Feed::Stdin) => self.forced.unwrap_or(Format::Exim),
                    None => {
                        f.format = Some(Format::Exim);
                        Format::Exim
                    }
                }
            }
        };
        let line = crate::notes::strip_nul_prefix(line);
        let Some(peeled) = f.layout.peel(line, &mut f.scratch) else {
            return Ok(());
        };
        let entry = match layout::parse(format, peeled) {
            Parsed::Entry { stamp, mta, record } => {
                f.clock.resolve(&stamp).map(|time| (time, mta, record))
            }
            Parsed::Continuation => {
                self.period.line(None);
                self.session.line(None);
                if let Some(m) = &self.metrics {
                    m.line(true);
                }
                return Ok(());
            }
            Parsed::Unparsed => None,
        };
        if let Some(m) = &self.metrics {
            m.line(entry.is_some());
        }
        let Some((time, mta, record)) = entry else {
            for a in [&mut self.period, &mut self.session] {
                a.line(None);
                a.unparsed();
            }
            return Ok(());
        };
        if self.cutoff.is_some_and(|c| time < c) {
            return Ok(());
        }
        self.now = Some(self.now.map_or(time, |n| n.max(time)));
        for a in [&mut self.period, &mut self.session] {
            a.line(Some(time));
            match record {
                Record::Arrival(_) => a.arrival(time),
                Record::Delivery(d) => a.delivery(time, &d),
                _ => {}
            }
        }
        if let Some(m) = &self.metrics {
            if let Record::Delivery(d) = &record {
                m.delivery(d.outcome, d.tried);
            }
            if self.stuck.record(time, &record) {
                m.stuck(self.stuck.count(), self.stuck.oldest());
            }
        }
        let Some(ev) = Event::from_record(time, mta, &record) else {
            return Ok(());
        };
        self.period.event(&ev);
        self.session.event(&ev);
        if let Some(m) = &self.metrics {
            m.event(&ev);
        }
        self.printer.event(&ev, &f.name, line_no, out)?;
        for a in self.alerts.event(&ev) {
            self.printer.alert(&a, out)?;
        }
        Ok(())
    }
}

fn note(name: &str, n: &Note) {
    let text = match n {
        Note::Waiting => "does not exist yet; waiting for it".to_string(),
        Note::Unreadable(e) => format!(
            "cannot be read ({}); it will be read once it can be (said again only when this changes)",
            crate::text::escape_control(e)
        ),
        Note::Opened => "opened".to_string(),
        Note::Rotated => {
            "was rotated; the old file was read to its end, now following the new one".to_string()
        }
        Note::Removed => {
            "was removed or renamed; reading what is left of it and waiting for a new one"
                .to_string()
        }
        Note::Truncated {
            recovered_from,
            lost,
        } => {
            let copies: Vec<String> = recovered_from
                .iter()
                .map(|c| crate::text::escape_control(&c.display().to_string()))
                .collect();
            let read = if copies.is_empty() {
                String::new()
            } else {
                format!(
                    "; the lines written since the last read were read from {}",
                    copies.join(", then ")
                )
            };
            match lost {
                None => format!("was truncated (copytruncate){read}"),
                Some(n) => format!(
                    "was truncated (copytruncate){read}; warning: lines written before the truncation could not all be found (no copy fits, or it was rotated again before it could be read): {n} truncation(s) with missing lines so far"
                ),
            }
        }
    };
    crate::say!("maillog421: {}: {text}", crate::text::escape_control(name));
}

enum Wake {
    /// Files changed, or standard input has whole lines waiting.
    Files,
    Stop,
    /// Standard input ended (or failed: the error, if any).
    StdinEnd(Option<io::Error>),
}

/// Blocks of whole lines from standard input waiting to be read at most:
/// a fast writer waits for us instead of filling memory.
const STDIN_BLOCKS: usize = 16;

/// Reads standard input (or a named pipe: `None` is stdin) on its own
/// thread, sending each read's whole lines into `blocks` as soon as they
/// are in (the last line even without its newline) and waking the loop. A
/// named pipe is opened on that thread: opening waits for a writer, and
/// says so on a terminal. A line longer than `MAX_LINE` keeps its first
/// `MAX_LINE` bytes; the rest of it is skipped, as for files.
fn read_stdin(fifo: Option<PathBuf>, blocks: mpsc::SyncSender<Vec<u8>>, tx: mpsc::Sender<Wake>) {
    use std::io::Read;
    std::thread::spawn(move || {
        let mut stdin: Box<dyn Read> = match fifo {
            None => Box::new(io::stdin().lock()),
            Some(p) => {
                let name = p.display().to_string();
                match crate::input::open::open_waiting(&p, &name) {
                    Ok(f) => Box::new(f),
                    Err(e) => {
                        let _ = tx.send(Wake::StdinEnd(Some(e)));
                        return;
                    }
                }
            }
        };
        let send = |block: Vec<u8>| blocks.send(block).is_ok() && tx.send(Wake::Files).is_ok();
        let mut buf = vec![0u8; 64 * 1024];
        let mut carry: Vec<u8> = Vec::new();
        let mut skipping = false;
        let end = loop {
            match stdin.read(&mut buf) {
                Ok(0) => break None,
                Ok(n) => {
                    let mut data = &buf[..n];
                    if skipping {
                        // The rest of a line cut at MAX_LINE.
                        match memchr::memchr(b'\n', data) {
                            Some(nl) => (data, skipping) = (&data[nl + 1..], false),
                            None => continue,
                        }
                    }
                    carry.extend_from_slice(data);
                    if let Some(nl) = memchr::memrchr(b'\n', &carry) {
                        let rest = carry.split_off(nl + 1);
                        let whole = std::mem::replace(&mut carry, rest);
                        if !send(whole) {
                            return;
                        }
                    }
                    if carry.len() > crate::input::lines::MAX_LINE {
                        carry.truncate(crate::input::lines::MAX_LINE);
                        carry.push(b'\n');
                        skipping = true;
                        if !send(std::mem::take(&mut carry)) {
                            return;
                        }
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => break Some(e),
            }
        };
        if !carry.is_empty() {
            carry.push(b'\n');
            send(carry);
        }
        let _ = tx.send(Wake::StdinEnd(end));
    });
}

fn is_fifo(p: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(p).is_ok_and(|m| m.file_type().is_fifo())
}

/// Watches the logs' directories, recording the names notified in
/// `changes`; `None` (and a note) when notifications are unavailable.
fn watch(
    paths: &[PathBuf],
    tx: mpsc::Sender<Wake>,
    changes: tail::Changes,
) -> Option<notify::RecommendedWatcher> {
    let mut w = match notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        changes.record(&res);
        let _ = tx.send(Wake::Files);
    }) {
        Ok(w) => w,
        Err(e) => {
            crate::say!("maillog421: file notifications unavailable ({e}); checking by polling");
            return None;
        }
    };
    for p in paths {
        let dir = p.parent().filter(|d| !d.as_os_str().is_empty());
        let dir = dir.unwrap_or(Path::new("."));
        if let Err(e) = w.watch(dir, notify::RecursiveMode::NonRecursive) {
            crate::say!(
                "maillog421: cannot watch {} ({e}); checking by polling",
                dir.display()
            );
            return None;
        }
    }
    Some(w)
}

/// Runs `follow` until SIGINT/SIGTERM; returns the exit status.
pub fn run(args: &FollowArgs, colour: bool, out: &mut dyn Write) -> Result<i32> {
    let mut paths = args.paths.clone();
    let mut journal = args.journal.query(None, None);
    if paths.is_empty() && journal.is_none() {
        match default_source(None, None).map_err(anyhow::Error::msg)? {
            Source::Journal(q) => journal = Some(q),
            Source::File(p) => paths.push(p),
            Source::Stdin => {}
        }
    }
    if let Some(q) = &journal {
        q.probe()?;
    }
    let stdin = paths.iter().any(|p| p.as_os_str() == "-");
    paths.retain(|p| p.as_os_str() != "-");
    // follow follows files by name, through their rotations: a directory's
    // current logs are named, not guessed (its rotated copies are history).
    if let Some(d) = paths.iter().find(|p| p.is_dir()) {
        let logs: Vec<String> = crate::input::discover::mail_logs_in(d)
            .iter()
            .filter(|f| {
                f.file_name().is_some_and(|n| {
                    crate::input::discover::MAIL_LOG_NAMES
                        .iter()
                        .any(|m| n == *m)
                })
            })
            .map(|f| crate::text::escape_control(&f.display().to_string()))
            .collect();
        anyhow::bail!(
            "{} is a directory: follow follows log files by name{}",
            crate::text::escape_control(&d.display().to_string()),
            if logs.is_empty() {
                String::new()
            } else {
                format!(" (here: {})", logs.join(" "))
            }
        );
    }
    // A named pipe is a stream like `-`: read from its start to its end.
    let fifos: Vec<PathBuf> = paths.iter().filter(|p| is_fifo(p)).cloned().collect();
    paths.retain(|p| !is_fifo(p));
    if fifos.len() + usize::from(stdin) > 1 {
        anyhow::bail!("follow reads one stream (- or a named pipe) at a time");
    }
    let fifo = fifos.into_iter().next();
    let stdin = stdin || fifo.is_some();
    let zone = args.tz;
    let now = chrono::Utc::now().timestamp();
    let year = match args.year {
        Some(y) => YearHint { year: y, month: 12 },
        None => YearHint::from_unix(now),
    };
    let forced = args.input_format.map(|f| match f {
        InputFormat::Exim => Format::Exim,
        InputFormat::Postfix => Format::Postfix,
    });
    let cutoff = args.lookback.map(|l| now - l);
    let (tx, rx) = mpsc::channel();

    let mut listed = tail::Listed::default();
    let mut files: Vec<Followed> = paths
        .iter()
        .map(|p| {
            let name = p.display().to_string();
            let found = detect_file(p, forced);
            let start = match (args.from_start, cutoff, found) {
                (true, _, _) => Start::Beginning,
                (_, Some(c), Some(d)) => Start::At(offset_for_time(p, d, zone, year, c)),
                _ => Start::End,
            };
            let (tail, n) = Tail::new_in(p, start, &mut listed);
            let tail =
                tail.rotate_wait(Duration::from_secs_f64(args.rotate_wait.clamp(0.0, 3600.0)));
            note(&name, &n);
            let failing = match &n {
                Note::Unreadable(e) => Some(e.clone()),
                _ => None,
            };
            Followed {
                tail: Feed::File(Box::new(tail)),
                name,
                format: found.map(|(_, f)| f),
                layout: found.map_or(Layout::Bare, |(l, _)| l),
                clock: Clock::new(zone, year),
                scratch: Vec::new(),
                failing,
            }
        })
        .collect();
    if let Some(q) = &journal {
        let from = match (args.from_start, cutoff) {
            (true, _) => FollowFrom::Beginning,
            (_, Some(c)) => FollowFrom::Since(c),
            _ => FollowFrom::End,
        };
        let wake = tx.clone();
        let feed = journal::JournalTail::start(q, from, move || {
            let _ = wake.send(Wake::Files);
        })?;
        crate::say!(
            "maillog421: following the mail entries of the systemd {}",
            q.display()
        );
        files.push(Followed {
            tail: Feed::Journal(feed),
            name: q.display(),
            format: Some(Format::Postfix),
            layout: Layout::Bare,
            clock: Clock::new(zone, year),
            scratch: Vec::new(),
            failing: None,
        });
    }
    // Standard input: read from its start, to its end.
    let mut piped = stdin.then(|| Followed {
        tail: Feed::Stdin,
        name: fifo
            .as_ref()
            .map_or_else(|| "<stdin>".to_string(), |p| p.display().to_string()),
        // Detected from the first lines (the layout too when the format is
        // forced).
        format: None,
        layout: Layout::Bare,
        clock: Clock::new(zone, year),
        scratch: Vec::new(),
        failing: None,
    });
    let (mut piped_lines, mut piped_blocks, mut piped_end) = (0u64, Vec::new(), false);

    let (metrics, server) = match args.metrics {
        Some(addr) => {
            let mut m = Metrics::new(args.metrics_domains);
            if let Some(every) = args.queue_every {
                match args.queue_input() {
                    Ok(input) => {
                        crate::queue::watch(m.queue_gauge(args.metrics_domains), every, move || {
                            crate::run::queue_logs(&input)
                        })
                    }
                    Err(e) => crate::say!("maillog421: --queue-every: {e:#}"),
                }
            }
            let m = Arc::new(m);
            let server = metrics::serve(addr, Arc::clone(&m))
                .map_err(|e| anyhow::anyhow!("cannot serve metrics on {addr}: {e}"))?;
            crate::say!("maillog421: metrics on http://{}/metrics", server.addr());
            (Some(m), Some(server))
        }
        None => (None, None),
    };
    let mut state = State {
        forced,
        cutoff,
        period: new_aggregate(zone),
        session: new_aggregate(zone).keep_domains(session_domains()),
        alerts: Alerts::new(args.alerts.clone()),
        metrics,
        stuck: stuck::Stuck::new(),
        printer: Printer::new(args.format == FollowFormat::Json, colour, zone),
        now: None,
    };

    let piped_rx = piped.is_some().then(|| {
        let (blocks, piped_rx) = mpsc::sync_channel(STDIN_BLOCKS);
        read_stdin(fifo, blocks, tx.clone());
        piped_rx
    });
    let stop = Arc::new(AtomicBool::new(false));
    {
        let (tx, stop) = (tx.clone(), Arc::clone(&stop));
        ctrlc::set_handler(move || {
            stop.store(true, Ordering::SeqCst);
            let _ = tx.send(Wake::Stop);
        })?;
    }
    let changes = tail::Changes::new(&paths);
    let watcher = if args.poll || paths.is_empty() {
        None
    } else {
        watch(&paths, tx, changes.clone())
    };
    let sleep = if watcher.is_some() {
        MAX_SLEEP
    } else {
        Duration::from_secs_f64(args.poll_interval.clamp(0.01, 5.0))
    };
    let every = (args.every > 0).then(|| Duration::from_secs(args.every as u64));
    let mut ended = None;
    let mut period_start = (Instant::now(), chrono::Utc::now().timestamp());
    let mut status = crate::run::EXIT_OK;

    loop {
        if let Some(f) = &mut piped {
            if let Some(rx) = &piped_rx {
                piped_blocks.extend(rx.try_iter());
            }
            for block in piped_blocks.drain(..) {
                let block: Vec<u8> = block;
                let block = block.strip_suffix(b"\n").unwrap_or(&block);
                // Decided on the first block with a log line in it (not an
                // empty line or journalctl's `-- ... --` marker alone).
                let useful = block
                    .split(|b| *b == b'\n')
                    .any(|l| !l.trim_ascii().is_empty() && !l.starts_with(b"-- "));
                if f.format.is_none() && useful {
                    let (l, fmt) =
                        layout::detect_with_format(block.split(|b| *b == b'\n'), state.forced);
                    (f.layout, f.format) = (l, Some(fmt));
                }
                for l in block.split(|b| *b == b'\n') {
                    piped_lines += 1;
                    state.line(f, crate::parse::trim_cr(l), piped_lines, out)?;
                }
            }
            if piped_end {
                stop.store(true, Ordering::SeqCst);
            }
        }
        // With notifications, only the files they named (and every file
        // now and then); a file with more than one poll's bytes is polled
        // again before the next one.
        let due = changes.take(watcher.is_none());
        let mut next = 0;
        while let Some(f) = files.get_mut(next) {
            if let Feed::File(t) = &f.tail
                && !due.wants(next, t)
            {
                next += 1;
                continue;
            }
            // The new lines, in one buffer: (end offset, line number) each.
            let (mut text, mut lines) = (Vec::new(), Vec::new());
            let mut take = |l: &[u8], no| {
                text.extend_from_slice(l);
                lines.push((text.len(), no));
            };
            let polled = match &mut f.tail {
                Feed::File(t) => t.poll(&mut take),
                Feed::Journal(j) => {
                    ended = ended.take().or(j.poll(&mut take));
                    Ok(None)
                }
                Feed::Stdin => Ok(None),
            };
            let mut start = 0;
            let each = lines.iter().map(|&(end, no)| {
                let l = &text[start..end];
                start = end;
                (l, no)
            });
            let each: Vec<(&[u8], u64)> = each.collect();
            if f.format.is_none() && !each.is_empty() {
                let (l, fmt) =
                    layout::detect_with_format(each.iter().map(|(l, _)| *l), state.forced);
                (f.layout, f.format) = (l, Some(fmt));
            }
            for (l, no) in each {
                state.line(f, l, no, out)?;
            }
            match polled {
                Ok(n) => {
                    if let Some(n) = n {
                        if let Feed::File(t) = &f.tail
                            && matches!(n, Note::Rotated | Note::Opened)
                            && let Some((l, fmt)) = detect_file(t.path(), state.forced)
                        {
                            (f.layout, f.format) = (l, Some(fmt));
                        }
                        note(&f.name, &n);
                    } else if f.failing.is_some() {
                        crate::say!(
                            "maillog421: {}: can be read again",
                            crate::text::escape_control(&f.name)
                        );
                    }
                    f.failing = None;
                }
                Err(e) => {
                    let text = e.to_string();
                    if f.failing.as_ref() != Some(&text) {
                        note(&f.name, &Note::Unreadable(text.clone()));
                        f.failing = Some(text);
                    }
                }
            }
            if !matches!(&f.tail, Feed::File(t) if t.has_more()) {
                next += 1;
            }
        }
        if let Some(now) = state.now {
            for a in state.alerts.tick(now) {
                state.printer.alert(&a, out)?;
            }
        }
        if let Some(every) = every
            && period_start.0.elapsed() >= every
        {
            let end = chrono::Utc::now().timestamp();
            state
                .printer
                .summary("last", period_start.1, end, &state.period, out)?;
            state.period = new_aggregate(zone);
            period_start = (Instant::now(), end);
        }
        out.flush()?;
        if let Some(why) = server.as_ref().and_then(metrics::Server::failure) {
            // Dashboards would go blank with no alert: stop, so that the
            // exit status and a supervisor say so.
            crate::say!("maillog421: the metrics server stopped ({why}); exiting");
            status = crate::run::EXIT_ERRORS;
            break;
        }
        if stop.load(Ordering::SeqCst) || ended.is_some() {
            break;
        }
        let mut woke = match rx.recv_timeout(sleep) {
            Ok(w) => Some(w),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                std::thread::sleep(sleep);
                None
            }
        };
        // Many notifications arrive for one burst of writes: one check serves all.
        while let Some(w) = woke.take().or_else(|| rx.try_recv().ok()) {
            match w {
                Wake::Stop => stop.store(true, Ordering::SeqCst),
                Wake::Files => {}
                Wake::StdinEnd(e) => {
                    if let Some(e) = e {
                        status = crate::run::EXIT_ERRORS;
                        let name = piped.as_ref().map_or("<stdin>", |f| f.name.as_str());
                        crate::say!(
                            "maillog421: {}: read failed: {e}",
                            crate::text::escape_control(name)
                        );
                    }
                    piped_end = true;
                }
            }
        }
    }
    drop(watcher);
    let end = chrono::Utc::now().timestamp();
    state
        .printer
        .summary("session", now, end, &state.session, out)?;
    out.flush()?;
    if let Some(why) = ended {
        crate::say!("maillog421: {}", crate::text::escape_control(&why));
        return Ok(crate::run::EXIT_ERRORS);
    }
    Ok(status)
}

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
mod feed;
pub mod journal;
pub mod metrics;
mod print;
mod stamps;
mod state;
mod stdin;
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

use crate::exit::ExitCode;
use crate::fold::ServerNames;
use crate::input::Source;
use crate::input::discover::default_source;
use crate::input::journal::{FollowFrom, JournalQuery};
use crate::input::layout::{self, Layout};
use crate::parse::Format;
use crate::parse::time::{Clock, YearHint};
use alert::Alerts;
use feed::{Feed, Followed, detect_file, note};
use metrics::Metrics;
use print::Printer;
use state::State;
use stdin::{STDIN_BLOCKS, is_fifo, read_stdin};
use tail::Note;

/// What `follow` is asked for.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Files to follow; `-` is standard input. None: the default log (or
    /// the journal).
    pub paths: Vec<PathBuf>,
    /// Read each file from its start before following it.
    pub from_start: bool,
    /// Read back this many seconds (by the lines' stamps) first.
    pub lookback: Option<i64>,
    /// JSON Lines instead of text.
    pub json: bool,
    /// ANSI colour on the text.
    pub colour: bool,
    /// Seconds between rolling summaries (wall clock); 0: none.
    pub every: i64,
    pub alerts: Vec<alert::AlertRule>,
    /// Serve Prometheus metrics here.
    pub metrics: Option<std::net::SocketAddr>,
    /// Recipient domains given their own metrics label.
    pub metrics_domains: usize,
    /// Force a format instead of detecting it per file.
    pub format: Option<Format>,
    pub year: Option<i32>,
    pub zone: crate::parse::time::Zone,
    /// Poll every `poll_interval` seconds instead of file notifications.
    pub poll: bool,
    pub poll_interval: f64,
    /// The systemd journal, when asked for.
    pub journal: Option<JournalQuery>,
    /// Seconds a rotated file is still read after it last grew.
    pub rotate_wait: f64,
    /// Count per mail server (summaries get a per-server table); `host`
    /// names the server of inputs whose lines carry none.
    pub by_host: bool,
    pub host: Option<String>,
}

/// Starts the queue reader of `--queue-every` with the metrics' gauge.
pub type QueueWatch = Box<dyn FnOnce(metrics::QueueGauge)>;

/// Longest sleep between checks even with notifications (a safety net for
/// missed events, and the clock of summaries).
const MAX_SLEEP: Duration = Duration::from_secs(1);

enum Wake {
    /// Files changed, or standard input has whole lines waiting.
    Files,
    Stop,
    /// Standard input ended (or failed: the error, if any).
    StdinEnd(Option<io::Error>),
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
    // A log that is a symbolic link is written in its target's directory:
    // that one is watched too (a target's directory that cannot be watched
    // is still checked every few seconds).
    let targets = paths.iter().filter_map(|p| tail::link_target(p));
    let targets: Vec<PathBuf> = targets.collect();
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
    for t in &targets {
        if let Some(dir) = t.parent() {
            let _ = w.watch(dir, notify::RecursiveMode::NonRecursive);
        }
    }
    Some(w)
}

/// Runs `follow` until SIGINT/SIGTERM; returns the exit status.
pub fn run(args: &Settings, queue: Option<QueueWatch>, out: &mut dyn Write) -> Result<ExitCode> {
    let mut paths = args.paths.clone();
    let mut journal = args.journal.clone();
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
    feed::refuse_directory(&paths)?;
    // A named pipe is a stream like `-`: read from its start to its end.
    let fifos: Vec<PathBuf> = paths.iter().filter(|p| is_fifo(p)).cloned().collect();
    paths.retain(|p| !is_fifo(p));
    if fifos.len() + usize::from(stdin) > 1 {
        anyhow::bail!("follow reads one stream (- or a named pipe) at a time");
    }
    let fifo = fifos.into_iter().next();
    let stdin = stdin || fifo.is_some();
    let zone = args.zone;
    let now = chrono::Utc::now().timestamp();
    let year = match args.year {
        Some(y) => YearHint { year: y, month: 12 },
        None => YearHint::from_unix(now),
    };
    let forced = args.format;
    let cutoff = args.lookback.map(|l| now - l);
    let (tx, rx) = mpsc::channel();

    let mut listed = tail::Listed::default();
    let mut files: Vec<Followed> = paths
        .iter()
        .map(|p| feed::open_file(p, args, cutoff, year, &mut listed))
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
        files.push(Followed::new(
            Feed::Journal(feed),
            q.display(),
            Some((Layout::Bare, Format::Syslog)),
            Clock::new(zone, year),
            ServerNames::new(args.by_host, args.host.as_deref(), Path::new("")),
        ));
    }
    // Standard input: read from its start, to its end.
    let mut piped = stdin.then(|| {
        Followed::new(
            Feed::Stdin,
            fifo.as_ref()
                .map_or_else(|| "<stdin>".to_string(), |p| p.display().to_string()),
            // Detected from the first lines (the layout too when the format
            // is forced).
            None,
            Clock::new(zone, year),
            ServerNames::new(
                args.by_host,
                args.host.as_deref(),
                fifo.as_deref().unwrap_or(Path::new("")),
            ),
        )
    });
    let (mut piped_lines, mut piped_blocks, mut piped_end) = (0u64, Vec::new(), false);

    let (metrics, server) = match args.metrics {
        Some(addr) => {
            let mut m = Metrics::new(args.metrics_domains);
            if let Some(watch) = queue {
                watch(m.queue_gauge(args.metrics_domains));
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
        period: state::period_fold(zone),
        session: state::session_fold(zone),
        alerts: Alerts::new(args.alerts.clone()),
        metrics,
        stuck: stuck::Stuck::new(),
        printer: Printer::new(args.json, args.colour, zone),
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
    let mut status = ExitCode::Ok;
    let (mut poll_text, mut poll_lines) = (Vec::new(), Vec::<(usize, u64)>::new());

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
        // now and then). A file with more than one poll's bytes is polled
        // again on the next pass, which comes at once: between passes,
        // Ctrl-C, alerts and summaries are seen to even while a big file
        // is being caught up with.
        let due = changes.take(watcher.is_none());
        let mut behind = false;
        let mut next = 0;
        while let Some(f) = files.get_mut(next) {
            if let Feed::File(t) = &f.tail
                && !due.wants(next, t)
            {
                next += 1;
                continue;
            }
            // With the format known, each line is handled as it is cut (the
            // tail is taken out of `f` meanwhile; a line never reads it then).
            // Else the new lines go to one buffer, (end offset, line number)
            // each, to detect the format from them first. The buffers are
            // kept from poll to poll (no fresh pages to fault in for each
            // poll's 4 MiB).
            let (text, lines) = (&mut poll_text, &mut poll_lines);
            text.clear();
            lines.clear();
            let direct = f.format.is_some();
            let mut tail = std::mem::replace(&mut f.tail, Feed::Stdin);
            let mut failed = None;
            let mut take = |l: &[u8], no| {
                if !direct {
                    text.extend_from_slice(l);
                    lines.push((text.len(), no));
                } else if failed.is_none() {
                    failed = state.line(f, l, no, out).err();
                }
            };
            let polled = match &mut tail {
                Feed::File(t) => t.poll(&mut take),
                Feed::Journal(j) => {
                    ended = ended.take().or(j.poll(&mut take));
                    Ok(None)
                }
                Feed::Stdin => Ok(None),
            };
            f.tail = tail;
            if let Some(e) = failed {
                return Err(e.into());
            }
            let line_at = |k: usize| {
                let start = k.checked_sub(1).map_or(0, |b| lines[b].0);
                (&text[start..lines[k].0], lines[k].1)
            };
            if f.format.is_none() && !lines.is_empty() {
                let each = (0..lines.len()).map(|k| line_at(k).0);
                let (l, fmt) = layout::detect_with_format(each, state.forced);
                (f.layout, f.format) = (l, Some(fmt));
            }
            for k in 0..lines.len() {
                let (l, no) = line_at(k);
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
            behind |= matches!(&f.tail, Feed::File(t) if t.has_more());
            next += 1;
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
                .summary("last", period_start.1, end, &state.period, None, out)?;
            state.period = state::period_fold(zone);
            period_start = (Instant::now(), end);
        }
        out.flush()?;
        if let Some(why) = server.as_ref().and_then(metrics::Server::failure) {
            // Dashboards would go blank with no alert: stop, so that the
            // exit status and a supervisor say so.
            crate::say!("maillog421: the metrics server stopped ({why}); exiting");
            status = ExitCode::Errors;
            break;
        }
        if stop.load(Ordering::SeqCst) || ended.is_some() {
            break;
        }
        let wait = if behind { Duration::ZERO } else { sleep };
        let mut woke = match rx.recv_timeout(wait) {
            Ok(w) => Some(w),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                std::thread::sleep(wait);
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
                        status = ExitCode::Errors;
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
    let outcomes = state
        .session
        .retries
        .take()
        .map(crate::retry::Tracker::finish);
    state
        .printer
        .summary("session", now, end, &state.session, outcomes.as_ref(), out)?;
    out.flush()?;
    if let Some(why) = ended {
        crate::say!("maillog421: {}", crate::text::escape_control(&why));
        return Ok(ExitCode::Errors);
    }
    Ok(status)
}

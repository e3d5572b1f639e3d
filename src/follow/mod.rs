//! `maillog421 follow`: a `tail -F` of mail logs that survives rotation,
//! prints each 421 as it happens, keeps a rolling summary, raises alerts and
//! serves Prometheus metrics.
//!
//! Waiting costs nothing: the loop sleeps on file notifications (inotify via
//! the `notify` crate) for the logs' directories, with a 1 s safety timeout,
//! or checks every `--poll-interval` when notifications are unavailable.

pub mod alert;
pub mod metrics;
mod print;
pub mod tail;

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use notify::Watcher;

use crate::aggregate::Aggregate;
use crate::cli::{FollowArgs, FollowFormat, InputFormat};
use crate::event::Event;
use crate::input::default_path;
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

/// One followed file.
struct Followed {
    tail: Tail,
    name: String,
    format: Option<Format>,
    clock: Clock,
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
    printer: Printer,
    /// The latest stamp read (log time).
    now: Option<i64>,
}

fn new_aggregate(zone: Zone) -> Aggregate {
    Aggregate::new(3600, align_offset(zone))
}

/// The format of a file from its first 64 KiB; `None` while it is empty.
fn detect_file(path: &Path) -> Option<Format> {
    use std::io::Read;
    let mut head = vec![0; 64 * 1024];
    let n = std::fs::File::open(path).ok()?.read(&mut head).ok()?;
    (n > 0).then(|| Format::detect(head[..n].split(|b| *b == b'\n')))
}

/// The offset of the first line at or after `cutoff`, found by bisecting
/// the file on its stamps (to a 64 KiB slack; older lines are skipped).
fn offset_for_time(path: &Path, format: Format, zone: Zone, year: YearHint, cutoff: i64) -> u64 {
    use std::os::unix::fs::FileExt;
    let Ok(f) = std::fs::File::open(path) else {
        return 0;
    };
    let len = f.metadata().map_or(0, |m| m.len());
    let mut clock = Clock::new(zone, year);
    let mut time_at = |pos: u64| -> Option<i64> {
        let mut buf = vec![0; 16 * 1024];
        let n = f.read_at(&mut buf, pos).ok()?;
        let buf = &buf[..n];
        let start = if pos == 0 {
            0
        } else {
            memchr::memchr(b'\n', buf)? + 1
        };
        buf[start..]
            .split(|b| *b == b'\n')
            .find_map(|l| match format.parse_line(l) {
                Parsed::Entry { stamp, .. } => clock.resolve(&stamp),
                _ => None,
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
                let fmt = detect_file(f.tail.path()).unwrap_or(Format::Exim);
                f.format = Some(fmt);
                fmt
            }
        };
        let line = crate::notes::strip_nul_prefix(line);
        let entry = match format.parse_line(line) {
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
                Record::Delivery(d) => a.delivery(time, d.outcome, d.rcpt, d.host),
                _ => {}
            }
        }
        if let (Some(m), Record::Delivery(d)) = (&self.metrics, &record) {
            m.attempt(d.outcome);
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
    Files,
    Stop,
}

/// Watches the logs' directories; `None` (and a note) when notifications
/// are unavailable.
fn watch(paths: &[PathBuf], tx: mpsc::Sender<Wake>) -> Option<notify::RecommendedWatcher> {
    let mut w = match notify::recommended_watcher(move |_res: notify::Result<notify::Event>| {
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
    if paths.is_empty() {
        match default_path() {
            Some(p) => paths.push(p),
            None => bail!(
                "no log file given and none of {} exists; name one",
                crate::input::discover::DEFAULT_PATHS.join(", ")
            ),
        }
    }
    if paths.iter().any(|p| p.as_os_str() == "-") {
        bail!("follow reads files by name (to survive rotation); for a pipe use `events -`");
    }
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

    let mut files: Vec<Followed> = paths
        .iter()
        .map(|p| {
            let name = p.display().to_string();
            let format = forced.or_else(|| detect_file(p));
            let start = match (args.from_start, cutoff, format) {
                (true, _, _) => Start::Beginning,
                (_, Some(c), Some(fmt)) => Start::At(offset_for_time(p, fmt, zone, year, c)),
                _ => Start::End,
            };
            let (tail, n) = Tail::new(p, start);
            let tail =
                tail.rotate_wait(Duration::from_secs_f64(args.rotate_wait.clamp(0.0, 3600.0)));
            note(&name, &n);
            let failing = match &n {
                Note::Unreadable(e) => Some(e.clone()),
                _ => None,
            };
            Followed {
                tail,
                name,
                format,
                clock: Clock::new(zone, year),
                failing,
            }
        })
        .collect();

    let metrics = match args.metrics {
        Some(addr) => {
            let m = Arc::new(Metrics::new(args.metrics_domains));
            let bound = metrics::serve(addr, Arc::clone(&m))
                .map_err(|e| anyhow::anyhow!("cannot serve metrics on {addr}: {e}"))?;
            crate::say!("maillog421: metrics on http://{bound}/metrics");
            Some(m)
        }
        None => None,
    };
    let mut state = State {
        forced,
        cutoff,
        period: new_aggregate(zone),
        session: new_aggregate(zone),
        alerts: Alerts::new(args.alerts.clone()),
        metrics,
        printer: Printer::new(args.format == FollowFormat::Json, colour, zone),
        now: None,
    };

    let (tx, rx) = mpsc::channel();
    let stop = Arc::new(AtomicBool::new(false));
    {
        let (tx, stop) = (tx.clone(), Arc::clone(&stop));
        ctrlc::set_handler(move || {
            stop.store(true, Ordering::SeqCst);
            let _ = tx.send(Wake::Stop);
        })?;
    }
    let watcher = if args.poll { None } else { watch(&paths, tx) };
    let sleep = if watcher.is_some() {
        MAX_SLEEP
    } else {
        Duration::from_secs_f64(args.poll_interval.clamp(0.01, 5.0))
    };
    let every = (args.every > 0).then(|| Duration::from_secs(args.every as u64));
    let mut period_start = (Instant::now(), chrono::Utc::now().timestamp());

    loop {
        for f in &mut files {
            // The new lines, in one buffer: (end offset, line number) each.
            let (mut text, mut lines) = (Vec::new(), Vec::new());
            let polled = f.tail.poll(&mut |l, no| {
                text.extend_from_slice(l);
                lines.push((text.len(), no));
            });
            let mut start = 0;
            let each = lines.iter().map(|&(end, no)| {
                let l = &text[start..end];
                start = end;
                (l, no)
            });
            let each: Vec<(&[u8], u64)> = each.collect();
            if f.format.is_none() && state.forced.is_none() && !each.is_empty() {
                f.format = Some(Format::detect(each.iter().map(|(l, _)| *l)));
            }
            for (l, no) in each {
                state.line(f, l, no, out)?;
            }
            match polled {
                Ok(n) => {
                    if let Some(n) = n {
                        if matches!(n, Note::Rotated | Note::Opened) && state.forced.is_none() {
                            f.format = detect_file(f.tail.path()).or(f.format);
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
        if stop.load(Ordering::SeqCst) {
            break;
        }
        match rx.recv_timeout(sleep) {
            Ok(Wake::Stop) => stop.store(true, Ordering::SeqCst),
            Ok(Wake::Files) | Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => std::thread::sleep(sleep),
        }
        // Many notifications arrive for one burst of writes: one check serves all.
        while let Ok(w) = rx.try_recv() {
            if matches!(w, Wake::Stop) {
                stop.store(true, Ordering::SeqCst);
            }
        }
    }
    drop(watcher);
    let end = chrono::Utc::now().timestamp();
    state
        .printer
        .summary("session", now, end, &state.session, out)?;
    out.flush()?;
    Ok(crate::run::EXIT_OK)
}

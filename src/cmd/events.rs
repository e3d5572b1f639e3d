//! `maillog421 events`: one JSON object per 421 event (NDJSON), in input
//! order; with stdin among the inputs, each as soon as its line is read.

use std::io::{self, Write};

use anyhow::Result;

use crate::aggregate::Aggregate;
use crate::cli::InputArgs;
use crate::config::InputSettings;
use crate::event::OwnedEvent;
use crate::exit::ExitCode;
use crate::pipeline::{report_problems, sources, with_reference};
use crate::render::events::write_ndjson;
use crate::scan::Scanned;

/// Runs `events`.
pub fn run(args: &InputArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let input = args.settings();
    let failed = if input.paths.iter().any(|p| p.as_os_str() == "-") {
        stream_events(&input, out)?
    } else {
        events_in_order(&input, out)?
    };
    out.flush()?;
    Ok(ExitCode::errors_if(failed))
}

/// `events` with stdin among the inputs: the inputs are read one after the
/// other, and each event is written (and flushed) as soon as its line is
/// read, so `tail -F LOG | maillog421 events -` shows each 421 live.
fn stream_events(input: &InputSettings, out: &mut dyn Write) -> Result<bool> {
    let sources = sources(input)?;
    let cfg = with_reference(input, &sources)?
        .scan_config(crate::window::HOUR, true)
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
fn events_in_order(input: &InputSettings, out: &mut dyn Write) -> Result<bool> {
    let sources = sources(input)?;
    let cfg = with_reference(input, &sources)?
        .scan_config(crate::window::HOUR, true)
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

//! `maillog421 follow`: the flags as [`crate::follow::Settings`], once.

use std::io::Write;

use anyhow::Result;

use crate::cli::{FollowArgs, FollowFormat};
use crate::exit::ExitCode;
use crate::follow::{QueueWatch, Settings};

/// Runs `follow` until SIGINT/SIGTERM (or the end of stdin).
pub fn run(a: &FollowArgs, colour: bool, out: &mut dyn Write) -> Result<ExitCode> {
    let settings = Settings {
        paths: a.paths.clone(),
        from_start: a.from_start,
        lookback: a.lookback,
        json: a.format == FollowFormat::Json,
        colour,
        every: a.every,
        alerts: a.alerts.clone(),
        metrics: a.metrics,
        metrics_domains: a.metrics_domains,
        format: a.input_format.map(Into::into),
        year: a.year,
        zone: a.tz,
        poll: a.poll,
        poll_interval: a.poll_interval,
        journal: a.journal.query(None, None),
        rotate_wait: a.rotate_wait,
        by_host: a.by_host,
        host: a.host.clone(),
    };
    let queue = match (a.queue_every, a.queue_every.map(|_| a.queue_input())) {
        (Some(every), Some(Ok(input))) => Some(Box::new(move |gauge| {
            crate::queue::watch(gauge, every, move || input.find_queue_logs())
        }) as QueueWatch),
        (_, Some(Err(e))) => {
            crate::say!("maillog421: --queue-every: {e:#}");
            None
        }
        _ => None,
    };
    crate::follow::run(&settings, queue, out)
}

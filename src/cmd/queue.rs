//! `maillog421 queue`: the mail queue joined with the logs.

use std::io::Write;

use anyhow::Result;

use crate::cli::QueueArgs;
use crate::exit::ExitCode;
use crate::queue::Verdict;

/// Runs `queue`.
pub fn run(a: &QueueArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let settings = a.settings().map_err(anyhow::Error::msg)?;
    let verdict = crate::queue::run(&settings, &|| a.input.find_queue_logs(), out)?;
    out.flush()?;
    Ok(match verdict {
        Verdict::Ok => ExitCode::Ok,
        Verdict::Above => ExitCode::Threshold,
        Verdict::InputFailed => ExitCode::Errors,
    })
}

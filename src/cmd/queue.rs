//! `maillog421 queue`: the mail queue joined with the logs.

use std::io::Write;

use anyhow::Result;

use crate::cli::QueueArgs;
use crate::exit::ExitCode;

/// Runs `queue`.
pub fn run(a: &QueueArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let code = run_queue(a, out)?;
    out.flush()?;
    Ok(ExitCode::from_status(code))
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

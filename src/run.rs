//! Dispatch: installs the cause rules, picks the subcommand's `cmd` module
//! and turns what went wrong into the exit status. Errors go to stderr.

use std::io::{self, Write};

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::exit::ExitCode;
use crate::output::Named;
use crate::text::escape_control;

fn execute(cli: &Cli, out: &mut dyn Write) -> Result<ExitCode> {
    let colour = cli.color.enabled();
    match &cli.command {
        Command::Report(a) => crate::cmd::report::run(a, colour, out),
        Command::Events(a) => crate::cmd::events::run(a, out),
        Command::Follow(a) => crate::cmd::follow::run(a, colour, out),
        Command::Summary(a) => crate::cmd::summary::run(a, colour, out),
        Command::Queue(a) => crate::cmd::queue::run(a, out),
        Command::Explain(a) => crate::cmd::explain::explain(a, out),
        Command::Rules(a) => crate::cmd::explain::rules(a, out),
        Command::Completions(a) => crate::cmd::explain::completions(a, out),
        Command::Man(a) => crate::cmd::explain::man(a, out),
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// The `maillog421` command: parses `args` (the program's name first;
/// a usage error, `--help` and `--version` exit here, as clap does), runs
/// the subcommand and returns the process's exit status: 0 ok, 1 a
/// `--fail-above` threshold crossed, 2 errors (README "Exit status and
/// errors").
pub fn main_with_args<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = <Cli as clap::Parser>::parse_from(args);
    run(&cli).status()
}

/// Runs a parsed command line; returns the exit status.
fn run(cli: &Cli) -> ExitCode {
    match crate::rules::load_configured(cli.rules.as_deref()) {
        Ok(Some(rules)) => crate::rules::install(rules),
        Ok(None) => {}
        Err(e) => {
            crate::say!("maillog421: rules: {}", escape_control(&e.to_string()));
            return ExitCode::Errors;
        }
    }
    let stdout = io::stdout();
    let mut out = Named::new(
        "standard output",
        io::BufWriter::with_capacity(64 * 1024, stdout.lock()),
    );
    let code = match execute(cli, &mut out) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::Ok,
        Err(e) => {
            crate::say!("maillog421: {e:#}");
            ExitCode::Errors
        }
    };
    // A message that could not be written to stderr (a closed pipe, a full
    // disk) is still an error: 2, never a panic's 101.
    if crate::error::stderr_failed() {
        ExitCode::Errors
    } else {
        code
    }
}

//! The small subcommands: `explain` (a reply or a cause, explained), `rules`
//! (the cause rules in the order they are tried), `completions` and `man`.

use std::io::Write;

use anyhow::Result;

use crate::cli::{Cli, CompletionsArgs, ExplainArgs, ManArgs, RulesArgs};
use crate::exit::ExitCode;

/// Runs `explain`: text or one JSON object on `out`; an argument that is
/// neither a category nor a reply is an error naming the categories.
pub fn explain(a: &ExplainArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let e = crate::guidance::explain(&a.what.join(" ")).map_err(anyhow::Error::msg)?;
    if a.format == "json" {
        crate::render::json::write_pretty(out, &e)?;
        writeln!(out)?;
    } else {
        crate::guidance::write_text(&e, out)?;
    }
    done(out)
}

/// Runs `rules`.
pub fn rules(a: &RulesArgs, out: &mut dyn Write) -> Result<ExitCode> {
    crate::render::rules::write(crate::rules::active(), a.format == "json", out)?;
    done(out)
}

/// Runs `completions`.
pub fn completions(a: &CompletionsArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    clap_complete::generate(a.shell, &mut cmd, "maillog421", out);
    done(out)
}

/// Runs `man`.
pub fn man(a: &ManArgs, out: &mut dyn Write) -> Result<ExitCode> {
    crate::cli::man_page(a.subcommand.as_deref())?.render(out)?;
    done(out)
}

fn done(out: &mut dyn Write) -> Result<ExitCode> {
    out.flush()?;
    Ok(ExitCode::Ok)
}

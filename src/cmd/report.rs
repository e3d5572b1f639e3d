//! `maillog421 report`: tables (or JSON, CSV, HTML) of the 421s by domain,
//! cause, stage and time window.

use std::io::Write;

use anyhow::Result;

use crate::cli::ReportArgs;
use crate::exit::ExitCode;
use crate::output::Output;
use crate::pipeline::{build_report, scan_inputs};
use crate::render::{Options, renderer};

/// Runs `report`; `colour`: `--color` allows ANSI colour on stdout.
pub fn run(a: &ReportArgs, colour: bool, stdout: &mut dyn Write) -> Result<ExitCode> {
    let (cfg, mut scanned, failed) = scan_inputs(&a.input.settings(), a.window, false)?;
    let report = build_report(&mut scanned, &cfg);
    let mut out = Output::open(a.output.as_deref(), stdout)?;
    let term = if out.is_file() {
        crate::render::term::Term::file()
    } else {
        crate::render::term::Term::stdout(colour)
    };
    let format = a.format.render_format(a.by);
    let options = Options {
        top: a.top,
        stuck: a.stuck,
        term,
        title: "maillog421 report".to_string(),
    };
    renderer(format, options).render(&report, &mut out)?;
    out.flush()?;
    Ok(ExitCode::errors_if(failed))
}

//! `maillog421 summary`: the flags as [`crate::summary::Settings`], once.

use std::io::Write;

use anyhow::Result;

use crate::cli::{SummaryArgs, SummaryFormat};
use crate::config::InputSettings;
use crate::exit::ExitCode;
use crate::summary::Settings;

/// Runs `summary`; `colour`: `--color` allows ANSI colour on stdout.
pub fn run(a: &SummaryArgs, colour: bool, out: &mut dyn Write) -> Result<ExitCode> {
    let settings = Settings {
        input: InputSettings {
            paths: a.paths.clone(),
            // A day spans the rotation at midnight.
            rotated: true,
            format: a.input_format.map(Into::into),
            year: a.year,
            zone: a.tz,
            journal: a.journal.query(None, None),
            ..InputSettings::default()
        },
        day: a.day.clone(),
        host: a.host.clone(),
        html: a.format == SummaryFormat::Html,
        output: a.output.clone(),
        quiet_if_none: a.quiet_if_none,
        fail_above: a.fail_above,
        top: a.top,
        window: a.window,
    };
    crate::summary::run(&settings, colour, out)
}

//! What `summary` checks and prepares of its inputs: whether they can speak
//! for the day at all, and copies of what can be read only once.

use anyhow::{Context, Result};

use crate::parse::time::format_rfc3339;
use crate::render::fmt::short_time;

use super::Settings;

/// Why the inputs cannot say anything about the day, if they cannot: no
/// line at all, no line understood, or no input reaching into the day (a
/// stalled rotation, the wrong file). `(subject, explanation)`.
pub(super) fn useless_input(
    scanned: &[crate::scan::Scanned],
    start: i64,
    end: i64,
    a: &Settings,
) -> Option<(&'static str, String)> {
    // The journal is read for the day alone (journalctl --since/--until)
    // and was checked to hold mail entries at all: nothing that day is a
    // quiet day, not useless input.
    let journal = a.input.journal.is_some()
        || (a.input.paths.is_empty()
            && scanned.iter().any(|s| s.stats.path.starts_with("journal")));
    if journal {
        return None;
    }
    let lines: u64 = scanned.iter().map(|s| s.stats.lines).sum();
    let names = scanned
        .iter()
        .map(|s| crate::text::escape_control(&s.stats.path))
        .collect::<Vec<_>>()
        .join(", ");
    if lines == 0 {
        return Some((
            "empty logs",
            format!("The logs hold no line at all ({names})."),
        ));
    }
    let spans: Vec<(i64, i64)> = scanned.iter().filter_map(|s| s.aggregate.span).collect();
    if spans.is_empty() {
        return Some((
            "no line understood",
            format!(
                "None of the {lines} lines of {names} was understood as an Exim or Postfix \
                 log line, so this says nothing about 421s. A prefix before each line that \
                 maillog421 does not peel (it knows those of docker logs -t, docker compose \
                 logs, kubectl logs --timestamps, grep -H and journalctl), or another log \
                 format? `maillog421 report --verbose` shows the first lines not understood."
            ),
        ));
    }
    if spans
        .iter()
        .any(|(first, last)| *first < end && *last >= start)
    {
        return None;
    }
    let first = spans.iter().map(|s| s.0).min().unwrap_or(0);
    let last = spans.iter().map(|s| s.1).max().unwrap_or(0);
    let when = |t: i64| short_time(&format_rfc3339(t, a.input.zone));
    let day = format_rfc3339(start, a.input.zone);
    let why = if last < start {
        "Has log rotation stalled, or is this the wrong file?"
    } else {
        "Are these the right files, or is the day wrong?"
    };
    Some((
        "day outside the logs",
        format!(
            "{} is outside the logs: they run from {} to {} ({names}). {why}",
            &day[..10],
            when(first),
            when(last)
        ),
    ))
}

/// Inputs that can be read once only (stdin, a named pipe), copied to
/// temporary files that are removed on drop. The summary reads its inputs
/// twice (the day, then the 7 days before it for the comparison columns),
/// and a second read of a pipe would find nothing: `zcat mail.log.2.gz |
/// maillog421 summary -` would lose the day before.
pub(super) struct Spooled {
    pub paths: Vec<std::path::PathBuf>,
    /// Removed when dropped; random names, mode 0600 (tempfile).
    temps: Vec<tempfile::NamedTempFile>,
}

pub(super) fn spool_streams(paths: &[std::path::PathBuf]) -> Result<Spooled> {
    use std::os::unix::fs::FileTypeExt;
    let mut out = Spooled {
        paths: Vec::new(),
        temps: Vec::new(),
    };
    for p in paths {
        let stdin = p.as_os_str() == "-";
        let fifo = std::fs::metadata(p).is_ok_and(|m| m.file_type().is_fifo());
        if !stdin && !fifo {
            out.paths.push(p.clone());
            continue;
        }
        let name = if stdin {
            "<stdin>".to_string()
        } else {
            crate::text::escape_control(&p.display().to_string())
        };
        let mut temp = tempfile::Builder::new()
            .prefix("maillog421-summary-")
            .tempfile()
            .with_context(|| format!("{name}: creating a temporary copy"))?;
        let path = temp.path().to_path_buf();
        let copied = if stdin {
            std::io::copy(&mut std::io::stdin().lock(), temp.as_file_mut())
        } else {
            crate::input::open::open_waiting(p, &name)
                .and_then(|mut f| std::io::copy(&mut f, temp.as_file_mut()))
        };
        out.temps.push(temp);
        copied.with_context(|| format!("{name}: copying it to {}", path.display()))?;
        out.paths.push(path);
    }
    Ok(out)
}

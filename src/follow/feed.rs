//! What a followed input is (a file, the journal, standard input) and how
//! it starts: its format and layout from its first lines, where to start
//! reading for `--lookback`, and the notes said about it on stderr.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::Settings;
use super::journal;
use super::tail::{self, Note, Start, Tail};
use crate::fold::ServerNames;
use crate::input::layout::{self, Layout};
use crate::parse::time::{Clock, YearHint, Zone};
use crate::parse::{Format, Parsed};

/// Where a followed input's lines come from.
pub(super) enum Feed {
    File(Box<Tail>),
    Journal(journal::JournalTail),
    /// `follow -`: blocks handed over by the stdin thread.
    Stdin,
}

/// One followed file (or the journal).
pub(super) struct Followed {
    pub tail: Feed,
    pub name: String,
    pub format: Option<Format>,
    pub layout: Layout,
    pub clock: Clock,
    /// The stamps of bare lines, parsed once for a run of equal ones.
    pub stamps: super::stamps::Stamps,
    pub scratch: Vec<u8>,
    /// The mail server of each line, with `--by-host`.
    pub servers: ServerNames,
    /// The error last said for this file, so it is said once, not on every
    /// wake-up (a file we may not read would otherwise flood stderr).
    pub failing: Option<String>,
}

/// The layout and format of a file from its first 64 KiB; `None` while it
/// is empty.
pub(super) fn detect_file(path: &Path, forced: Option<Format>) -> Option<(Layout, Format)> {
    use std::io::Read;
    let mut head = vec![0; 64 * 1024];
    let n = std::fs::File::open(path).ok()?.read(&mut head).ok()?;
    (n > 0).then(|| layout::detect_with_format(head[..n].split(|b| *b == b'\n'), forced))
}

/// The offset of the first line at or after `cutoff`, found by bisecting
/// the file on its stamps (to a 64 KiB slack; older lines are skipped).
fn offset_for_time(
    path: &Path,
    (layout, format): (Layout, Format),
    zone: Zone,
    year: YearHint,
    cutoff: i64,
) -> u64 {
    use std::os::unix::fs::FileExt;
    let Ok(f) = std::fs::File::open(path) else {
        return 0;
    };
    let len = f.metadata().map_or(0, |m| m.len());
    let mut clock = Clock::new(zone, year);
    let mut scratch = Vec::new();
    let mut time_at = |pos: u64| -> Option<i64> {
        let mut buf = vec![0; 16 * 1024];
        let n = f.read_at(&mut buf, pos).ok()?;
        let buf = &buf[..n];
        let start = if pos == 0 {
            0
        } else {
            memchr::memchr(b'\n', buf)? + 1
        };
        buf[start..].split(|b| *b == b'\n').find_map(|l| {
            match layout::parse(format, layout.peel(l, &mut scratch)?) {
                Parsed::Entry { stamp, .. } => clock.resolve(&stamp),
                _ => None,
            }
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

pub(super) fn note(name: &str, n: &Note) {
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

impl Followed {
    /// A followed input; `found`: its layout and format, when known.
    pub(super) fn new(
        tail: Feed,
        name: String,
        found: Option<(Layout, Format)>,
        clock: Clock,
        servers: ServerNames,
    ) -> Followed {
        Followed {
            tail,
            name,
            format: found.map(|(_, f)| f),
            layout: found.map_or(Layout::Bare, |(l, _)| l),
            clock,
            stamps: super::stamps::Stamps::default(),
            scratch: Vec::new(),
            servers,
            failing: None,
        }
    }
}

/// Opens one file to follow, starting where the settings say (its end,
/// its start, or `cutoff` by its stamps); says how it went on stderr.
pub(super) fn open_file(
    p: &Path,
    args: &Settings,
    cutoff: Option<i64>,
    year: YearHint,
    listed: &mut tail::Listed,
) -> Followed {
    let name = p.display().to_string();
    let found = detect_file(p, args.format);
    let start = match (args.from_start, cutoff, found) {
        (true, _, _) => Start::Beginning,
        (_, Some(c), Some(d)) => Start::At(offset_for_time(p, d, args.zone, year, c)),
        _ => Start::End,
    };
    let (tail, n) = Tail::new_in(p, start, listed);
    let tail = tail.rotate_wait(Duration::from_secs_f64(args.rotate_wait.clamp(0.0, 3600.0)));
    note(&name, &n);
    let servers = ServerNames::new(args.by_host, args.host.as_deref(), p);
    let mut f = Followed::new(
        Feed::File(Box::new(tail)),
        name,
        found,
        Clock::new(args.zone, year),
        servers,
    );
    if let Note::Unreadable(e) = &n {
        f.failing = Some(e.clone());
    }
    f
}

/// `follow` follows files by name, through their rotations: a directory's
/// current logs are named, not guessed (its rotated copies are history).
pub(super) fn refuse_directory(paths: &[PathBuf]) -> anyhow::Result<()> {
    if let Some(d) = paths.iter().find(|p| p.is_dir()) {
        let logs: Vec<String> = crate::input::discover::mail_logs_in(d)
            .iter()
            .filter(|f| {
                f.file_name().is_some_and(|n| {
                    crate::input::discover::MAIL_LOG_NAMES
                        .iter()
                        .any(|m| n == *m)
                })
            })
            .map(|f| crate::text::escape_control(&f.display().to_string()))
            .collect();
        anyhow::bail!(
            "{} is a directory: follow follows log files by name{}",
            crate::text::escape_control(&d.display().to_string()),
            if logs.is_empty() {
                String::new()
            } else {
                format!(" (here: {})", logs.join(" "))
            }
        );
    }
    Ok(())
}

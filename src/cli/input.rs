//! The input flags shared by `report`, `events` and `queue`, `report`'s
//! own, and their conversion into settings.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::config::{InputSettings, ScanConfig};
use crate::parse::Format;
use crate::parse::time::Zone;
use crate::render::csv::By;
use crate::when::{parse_window_or_auto, parse_zone};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    Exim,
    Postfix,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    Csv,
    /// One self-contained page with inline SVG charts.
    Html,
}

impl OutputFormat {
    /// The renderer's format; `by` picks the CSV table.
    pub fn render_format(self, by: CsvBy) -> crate::render::Format {
        use crate::render::Format;
        match self {
            OutputFormat::Table => Format::Table,
            OutputFormat::Json => Format::Json,
            OutputFormat::Csv => Format::Csv(by.into()),
            OutputFormat::Html => Format::Html,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CsvBy {
    Domain,
    Category,
    Stage,
    Window,
    /// The stuck recipients, oldest first.
    Pending,
    Provider,
}

/// Reading the systemd journal (through journalctl).
#[derive(Debug, Clone, Default, Args)]
pub struct JournalArgs {
    /// Read the systemd journal's mail entries (units postfix@-.service,
    /// postfix.service, exim4.service, exim.service; Postfix and Exim
    /// syslog identifiers; the mail facility) through journalctl, with
    /// their own times and host names. --since/--until select inside the
    /// journal.
    #[arg(long)]
    pub journal: bool,
    /// Read this journal file (journalctl --file; repeatable); implies
    /// --journal.
    #[arg(long, value_name = "FILE", conflicts_with = "journal_dir")]
    pub journal_file: Vec<PathBuf>,
    /// Read the journal files in DIR (journalctl --directory), e.g. a copied
    /// /var/log/journal; implies --journal.
    #[arg(long, value_name = "DIR")]
    pub journal_dir: Option<PathBuf>,
}

impl JournalArgs {
    /// The journal to read, when one is asked for.
    pub fn query(
        &self,
        since: Option<i64>,
        until: Option<i64>,
    ) -> Option<crate::input::journal::JournalQuery> {
        (self.journal || !self.journal_file.is_empty() || self.journal_dir.is_some()).then(|| {
            crate::input::journal::JournalQuery {
                files: self.journal_file.clone(),
                dir: self.journal_dir.clone(),
                since,
                until,
            }
        })
    }
}

#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// Log files (plain or gzip, detected by content); `-` reads stdin
    /// (`events -` writes each event as it is read); a directory reads the
    /// mail logs in it with their rotations. Lines wrapped by docker logs -t,
    /// docker compose logs, kubectl logs --timestamps, grep -H or journalctl
    /// (any -o but cat) are read as well. Default: the first of
    /// /var/log/exim4/mainlog, /var/log/exim_mainlog, /var/log/maillog,
    /// /var/log/mail.log that exists, else the systemd journal when it holds
    /// mail entries.
    pub paths: Vec<PathBuf>,
    /// Also read each path's rotated siblings, oldest first
    /// (NAME.N[.gz] highest N first, NAME-YYYYMMDD[.gz] oldest first, then NAME).
    #[arg(long)]
    pub rotated: bool,
    /// Force the log format instead of detecting it per file.
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormat>,
    /// The year of syslog stamps, which carry none (default: the year of
    /// each file's modification time, and the year before for months later
    /// than that time's month, so a Dec 31 line in a January file is right).
    #[arg(long)]
    pub year: Option<i32>,
    /// Time zone of stamps without one, and of the output: `local`, `utc`
    /// or an offset such as `+01:00`.
    #[arg(long, default_value = "local", value_parser = parse_zone)]
    pub tz: Zone,
    /// Only lines at or after this time: RFC 3339, a local date-time in
    /// --tz (`2026-11-23T07:37`, `"2026-11-23 07:37"`), YYYY-MM-DD, today,
    /// yesterday, or a time back from the last line (`1h`, `2d`, `-30m`;
    /// from now with --now).
    #[arg(long, allow_hyphen_values = true)]
    pub since: Option<String>,
    /// Only lines before this time (the same forms as --since).
    #[arg(long, allow_hyphen_values = true)]
    pub until: Option<String>,
    /// Relative --since/--until (`1h`, `2d`) count back from now, not from
    /// the last line of the logs.
    #[arg(long)]
    pub now: bool,
    /// What relative times count back from (set after a look at the logs).
    #[arg(skip)]
    pub reference: Option<i64>,
    /// Worker threads for reading files in parallel (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Show the first lines not understood in each input (file:line).
    #[arg(short, long)]
    pub verbose: bool,
    /// Count per mail server of ours: the syslog host field of each line
    /// (a central syslog file of many hosts), else --host NAME, else the
    /// directory the file is in (/srv/logs/mx1/mainlog is mx1). Adds a
    /// per-server table, `by_server` in JSON and `server` in events.
    #[arg(long)]
    pub by_host: bool,
    /// With --by-host: the server name of inputs whose lines carry none
    /// (Exim's mainlog).
    #[arg(long, value_name = "NAME", requires = "by_host")]
    pub host: Option<String>,
    #[command(flatten)]
    pub journal: JournalArgs,
}

#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Time window length: auto (1m, 5m, 15m, 1h or 1d, for about 24 to 96
    /// windows over the period read), or 5m, 15m, 1h, 1d...
    #[arg(long, default_value = "auto", value_parser = parse_window_or_auto)]
    pub window: i64,
    /// Rows in ranked tables.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Rows in the table of stuck (still pending) recipients, oldest first.
    #[arg(long, default_value_t = 10)]
    pub stuck: usize,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Which table `--format csv` writes.
    #[arg(long, value_enum, default_value_t = CsvBy::Domain)]
    pub by: CsvBy,
    /// Write to FILE instead of stdout.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

impl InputArgs {
    /// The settings these flags give.
    pub fn settings(&self) -> InputSettings {
        InputSettings {
            paths: self.paths.clone(),
            rotated: self.rotated,
            format: self.input_format.map(Format::from),
            year: self.year,
            zone: self.tz,
            since: self.since.clone(),
            until: self.until.clone(),
            now: self.now,
            reference: self.reference,
            threads: self.threads,
            verbose: self.verbose,
            by_host: self.by_host,
            host: self.host.clone(),
            journal: self.journal.query(None, None),
        }
    }

    /// The scan settings these flags give.
    pub fn scan_config(&self, window: i64, keep_events: bool) -> Result<ScanConfig, String> {
        self.settings().scan_config(window, keep_events)
    }
}

impl From<InputFormat> for Format {
    fn from(f: InputFormat) -> Format {
        match f {
            InputFormat::Exim => Format::Exim,
            InputFormat::Postfix => Format::Syslog,
        }
    }
}

impl From<CsvBy> for By {
    fn from(b: CsvBy) -> By {
        match b {
            CsvBy::Domain => By::Domain,
            CsvBy::Category => By::Category,
            CsvBy::Stage => By::Stage,
            CsvBy::Window => By::Window,
            CsvBy::Pending => By::Pending,
            CsvBy::Provider => By::Provider,
        }
    }
}

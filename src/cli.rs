//! The command line (clap derive) and its conversion into settings.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::ScanConfig;
use crate::parse::Format;
use crate::parse::time::Zone;
use crate::render::csv::By;

/// Finds SMTP 421 deferrals in Exim and Postfix logs, classifies their
/// causes and sets them against the delivery volume of each time window.
///
/// Exit status: 0 ok (warnings about odd input included); 1 when `summary
/// --fail-above` is crossed; 2 when input was lost (the other inputs are
/// still reported) or an argument is wrong.
#[derive(Debug, Parser)]
#[command(name = "maillog421", version, about, long_about)]
pub struct Cli {
    /// Colour terminal output: auto (only on a terminal, and not when
    /// NO_COLOR is set), always or never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Custom cause rules (TOML), tried before the built-in table. Default:
    /// /etc/maillog421/rules.toml when it exists.
    #[arg(long, global = true, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

const REPORT_EXAMPLES: &str = "\
Examples:
  maillog421 report /var/log/exim4/mainlog
  maillog421 report --rotated --window 15m /var/log/mail.log
  maillog421 report --format json --since yesterday /var/log/maillog
  zcat maillog-*.gz | maillog421 report -";

const EVENTS_EXAMPLES: &str = "\
Examples:
  maillog421 events /var/log/mail.log | jq -r 'select(.category==\"rate-limit\") | .domain'";

const FOLLOW_EXAMPLES: &str = "\
Examples:
  maillog421 follow /var/log/exim4/mainlog
  maillog421 follow --alert domain:20/10m --alert total:100/5m /var/log/mail.log
  maillog421 follow --format json --metrics 127.0.0.1:9421 /var/log/maillog";

const SUMMARY_EXAMPLES: &str = "\
Examples:
  maillog421 summary --quiet-if-none -o /tmp/421.txt /var/log/mail.log
  maillog421 summary --day 2026-11-22 --fail-above domain:50 /var/log/exim4/mainlog
  maillog421 summary --format html -o /var/www/mail/421.html /var/log/maillog";

const EXPLAIN_EXAMPLES: &str = "\
Examples:
  maillog421 explain rate-limit
  maillog421 explain '421 4.7.0 Messages from 203.0.113.5 temporarily deferred due to unexpected volume'
  maillog421 explain --format json 4.7.28";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Tables (or JSON/CSV) of 421s by domain, cause, stage and time window.
    #[command(after_help = REPORT_EXAMPLES)]
    Report(ReportArgs),
    /// One JSON object per 421 event (NDJSON), for jq, Vector or Loki.
    #[command(after_help = EVENTS_EXAMPLES)]
    Events(InputArgs),
    /// Follow live logs like `tail -F`: each 421 as it happens, rolling
    /// summaries, alerts and Prometheus metrics. Survives rotation (rename,
    /// copytruncate, delete and recreate). Ends with a summary on Ctrl-C or
    /// SIGTERM.
    #[command(after_help = FOLLOW_EXAMPLES)]
    Follow(FollowArgs),
    /// One day's 421s as a mail-ready summary, for cron: totals, top
    /// domains, causes, peak hours and retry outcomes against the day
    /// before and the 7-day average, and what to do. Rotated siblings are
    /// always read (a day spans the rotation at midnight).
    #[command(after_help = SUMMARY_EXAMPLES)]
    Summary(SummaryArgs),
    /// Explains a reply or a cause category: what it means, whether and when
    /// it becomes a failure, who has to act, the Exim and Postfix settings
    /// that matter, and what to send the receiver's support.
    #[command(after_help = EXPLAIN_EXAMPLES)]
    Explain(ExplainArgs),
    /// The mail queue joined with the logs: which queued recipients wait on
    /// a 421, for which cause and since when, how close their messages are
    /// to the MTA's give-up time, and the commands that act on exactly
    /// those messages (printed, never run). Reads `postqueue -j` (Postfix)
    /// or `exim -bp` (Exim), or a saved listing with --from.
    #[command(after_help = QUEUE_EXAMPLES)]
    Queue(QueueArgs),
    /// Lists the cause rules in the order they are tried: custom rules
    /// (--rules FILE or /etc/maillog421/rules.toml) first, with their file and
    /// line, then the built-in table and the enhanced-code fallback.
    #[command(after_help = RULES_EXAMPLES)]
    Rules(RulesArgs),
    /// Prints a shell completion script for bash, zsh, fish, elvish or
    /// powershell.
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(CompletionsArgs),
    /// Prints a manual page (roff), made from the same definitions as
    /// `--help`: maillog421(1), or maillog421-SUBCOMMAND(1).
    #[command(after_help = MAN_EXAMPLES)]
    Man(ManArgs),
}

const QUEUE_EXAMPLES: &str = "\
Examples:
  maillog421 queue
  maillog421 queue --rotated /var/log/mail.log
  postqueue -j > q.jsonl; maillog421 queue --from q.jsonl /var/log/mail.log
  maillog421 queue --older-than 2h --fail-above 50 --format json

Exit status: 0 ok; 1 when more recipients than --fail-above wait on a 421;
2 when the queue cannot be read (no permission, MTA not installed) or a log
input was lost.";

/// `maillog421 queue`.
#[derive(Debug, Clone, Args)]
pub struct QueueArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Read a saved `postqueue -j` or `exim -bp` listing (`-`: stdin)
    /// instead of the live queue; which one is recognised by its shape.
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// Which MTA's live queue to read (default: Postfix when postqueue is
    /// installed, else Exim).
    #[arg(long, value_enum)]
    pub mta: Option<InputFormat>,
    /// Postfix configuration directory (postqueue -c, postconf -c).
    #[arg(long, value_name = "DIR")]
    pub postfix_config: Option<String>,
    /// The Exim binary (default: exim4, else exim).
    #[arg(long, value_name = "PATH")]
    pub exim: Option<String>,
    /// An extra argument for every Exim call, repeatable: --exim-arg=-C
    /// --exim-arg=/etc/exim/test.conf.
    #[arg(long, value_name = "ARG", allow_hyphen_values = true)]
    pub exim_arg: Vec<String>,
    /// The give-up delay from arrival (5d, 4h), instead of postconf's
    /// maximal_queue_lifetime or Exim's retry rules.
    #[arg(long, value_parser = parse_window)]
    pub lifetime: Option<i64>,
    /// Ages as of this time (RFC 3339), for a saved listing (default: now).
    #[arg(long = "as-of", value_name = "TIME")]
    pub as_of: Option<String>,
    /// Only messages at least this old: 30m, 2h, 1d.
    #[arg(long, value_parser = parse_window)]
    pub older_than: Option<i64>,
    /// Exit 1 when more than N queued recipients wait on a 421 (after
    /// --older-than).
    #[arg(long, value_name = "N")]
    pub fail_above: Option<u64>,
    /// Rows in the recipient and give-up lists.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    #[arg(long, value_enum, default_value_t = QueueFormatArg::Table)]
    pub format: QueueFormatArg,
}

/// `queue --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum QueueFormatArg {
    Table,
    Json,
    Csv,
}

impl QueueArgs {
    /// The settings of this `queue` run (the logs are found when needed:
    /// [`InputArgs::queue_logs`]).
    pub fn settings(&self) -> Result<crate::queue::Settings, String> {
        use crate::queue::QueueFormat;
        let now = self
            .as_of
            .as_deref()
            .map(|s| parse_when(s, self.input.tz, chrono::Utc::now().timestamp()))
            .transpose()?;
        Ok(crate::queue::Settings {
            from: self.from.clone(),
            live: crate::queue::dump::Live {
                mta: self.mta.map(|m| match m {
                    InputFormat::Exim => crate::parse::Mta::Exim,
                    InputFormat::Postfix => crate::parse::Mta::Postfix,
                }),
                postfix_config: self.postfix_config.clone(),
                exim: self.exim.clone(),
                exim_args: self.exim_arg.clone(),
            },
            now,
            lifetime: self.lifetime,
            older_than: self.older_than,
            top: self.top,
            format: match self.format {
                QueueFormatArg::Table => QueueFormat::Table,
                QueueFormatArg::Json => QueueFormat::Json,
                QueueFormatArg::Csv => QueueFormat::Csv,
            },
            fail_above: self.fail_above,
            logs_read_stdin: self.input.paths.iter().any(|p| p.as_os_str() == "-"),
        })
    }
}

impl InputArgs {
    /// How `queue` reads these inputs, found as `sources`.
    pub fn queue_logs(
        &self,
        sources: Vec<crate::input::Source>,
    ) -> Result<crate::queue::Logs, String> {
        let cfg = self.scan_config(3600, false)?;
        Ok(crate::queue::Logs {
            sources,
            zone: cfg.zone,
            year: cfg.year,
            format: cfg.format,
            since: cfg.since,
            until: cfg.until,
        })
    }
}

impl FollowArgs {
    /// The log inputs of `follow`, as `queue` reads them
    /// (`follow --queue-every`).
    pub fn queue_input(&self) -> anyhow::Result<InputArgs> {
        let args = self;
        use crate::parse::time::Zone;
        use clap::{Args, FromArgMatches};
        let mut argv: Vec<std::ffi::OsString> = vec!["follow".into()];
        argv.push(match args.tz {
            Zone::Utc => "--tz=utc".into(),
            Zone::Local => "--tz=local".into(),
            Zone::Fixed(o) => {
                let sign = if o < 0 { '-' } else { '+' };
                format!(
                    "--tz={sign}{:02}:{:02}",
                    o.abs() / 3600,
                    o.abs() % 3600 / 60
                )
                .into()
            }
        });
        if let Some(y) = args.year {
            argv.push(format!("--year={y}").into());
        }
        if let Some(f) = args.input_format {
            argv.push(
                match f {
                    InputFormat::Exim => "--input-format=exim",
                    InputFormat::Postfix => "--input-format=postfix",
                }
                .into(),
            );
        }
        argv.push("--".into());
        // Not stdin nor a named pipe: follow reads those itself, and a second
        // reader would block or take its lines.
        argv.extend(
            args.paths
                .iter()
                .filter(|p| {
                    use std::os::unix::fs::FileTypeExt;
                    p.as_os_str() != "-"
                        && !std::fs::metadata(p).is_ok_and(|m| m.file_type().is_fifo())
                })
                .map(|p| p.as_os_str().to_owned()),
        );
        let matches =
            InputArgs::augment_args(clap::Command::new("follow")).try_get_matches_from(argv)?;
        let mut input = InputArgs::from_arg_matches(&matches)?;
        input.journal = args.journal.clone();
        Ok(input)
    }
}

const RULES_EXAMPLES: &str = "\
Examples:
  maillog421 rules
  maillog421 rules --rules ./my-rules.toml
  maillog421 rules --format json | jq '.[] | select(.category==\"rate-limit\")'";

#[derive(Debug, Clone, Args)]
pub struct RulesArgs {
    /// table or json.
    #[arg(long, default_value = "table", value_parser = ["table", "json"])]
    pub format: String,
}

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  maillog421 completions bash > /etc/bash_completion.d/maillog421
  maillog421 completions zsh > \"${fpath[1]}/_maillog421\"
  maillog421 completions fish > ~/.config/fish/completions/maillog421.fish";

const MAN_EXAMPLES: &str = "\
Examples:
  maillog421 man | man -l -
  maillog421 man report | man -l -
  for p in '' report events follow summary queue explain completions; do
    maillog421 man $p > /usr/local/share/man/man1/maillog421${p:+-$p}.1; done";

#[derive(Debug, Clone, Args)]
pub struct ManArgs {
    /// A subcommand, for its own page (maillog421-report(1), ...).
    pub subcommand: Option<String>,
}

/// The manual page of the program or of one subcommand.
pub fn man_page(subcommand: Option<&str>) -> anyhow::Result<clap_mangen::Man> {
    use clap::CommandFactory;
    let top = Cli::command();
    let Some(name) = subcommand else {
        return Ok(clap_mangen::Man::new(top));
    };
    let names: Vec<&str> = top.get_subcommands().map(|c| c.get_name()).collect();
    let Some(sub) = top.find_subcommand(name) else {
        anyhow::bail!("no subcommand `{name}`; there are: {}", names.join(", "));
    };
    let page = format!("maillog421-{name}");
    let sub = sub
        .clone()
        .name(page.clone())
        .bin_name(format!("maillog421 {name}"))
        .display_name(page);
    Ok(clap_mangen::Man::new(sub).title(format!("MAILLOG421-{}", name.to_uppercase())))
}

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    pub shell: clap_complete::Shell,
}

/// When to colour terminal output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ColorChoice {
    /// When stdout is a terminal and `NO_COLOR` is unset or empty.
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to write ANSI colours to stdout.
    pub fn enabled(self) -> bool {
        use std::io::IsTerminal;
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ExplainArgs {
    /// A reply text as logged (quoted, or as several words), a log line
    /// holding one, an enhanced code, or a category: capacity,
    /// connection-limit, timeout, rate-limit, reputation, auth-policy,
    /// greylisting, downstream, unknown.
    #[arg(required = true)]
    pub what: Vec<String>,
    /// text (wrapped to 80 columns) or json (one object).
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub format: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SummaryFormat {
    Text,
    Html,
}

/// `--fail-above N` (all 421 deferrals) or `domain:N` (any one domain).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailAbove {
    Total(u64),
    Domain(u64),
}

fn parse_fail_above(s: &str) -> Result<FailAbove, String> {
    let bad = || format!("`{s}`: expected N or domain:N");
    match s.strip_prefix("domain:") {
        Some(n) => n.parse().map(FailAbove::Domain).map_err(|_| bad()),
        None => s.parse().map(FailAbove::Total).map_err(|_| bad()),
    }
}

#[derive(Debug, Clone, Args)]
pub struct SummaryArgs {
    /// Log files (their rotated siblings are read too); default: the same
    /// search as `report`.
    pub paths: Vec<PathBuf>,
    /// The day: yesterday, today or YYYY-MM-DD (midnight to midnight in --tz).
    #[arg(long, default_value = "yesterday")]
    pub day: String,
    /// Time zone of the day and of the output: local, utc or +HH:MM.
    #[arg(long, default_value = "local", value_parser = parse_zone)]
    pub tz: Zone,
    /// The year of syslog stamps (default: from each file's modification time).
    #[arg(long)]
    pub year: Option<i32>,
    /// Force the log format instead of detecting it per file.
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormat>,
    /// The server's name in the first line (default: this machine's host name).
    #[arg(long)]
    pub host: Option<String>,
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
    /// Write to FILE instead of stdout.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Print nothing when the day had no 421 (so cron sends no mail).
    #[arg(long)]
    pub quiet_if_none: bool,
    /// Exit 1 when the day's 421 deferrals exceed N, or with domain:N when
    /// any one domain's do (for monitoring); 0 otherwise, 2 on errors.
    #[arg(long, value_parser = parse_fail_above)]
    pub fail_above: Option<FailAbove>,
    /// Rows in ranked lists.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Time window of the peaks: auto (picked from the period read: 15m
    /// for a whole day), or 5m, 15m, 1h...
    #[arg(long, default_value = "auto", value_parser = parse_window_or_auto)]
    pub window: i64,
    #[command(flatten)]
    pub journal: JournalArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FollowFormat {
    /// One line per event, coloured on a terminal (unless NO_COLOR is set).
    Text,
    /// The NDJSON of `events`, plus `summary`, `alert` and `recovery` objects.
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct FollowArgs {
    /// Log files to follow (default: the same search as `report`); `-`
    /// reads stdin as it arrives (`journalctl -f | maillog421 follow -`) and
    /// ends with its summary when the input ends.
    pub paths: Vec<PathBuf>,
    /// Read each file from its start before following it.
    #[arg(long, conflicts_with = "lookback")]
    pub from_start: bool,
    /// Read back this far (by the lines' stamps) before following: 30m, 1h, 1d.
    #[arg(long, value_parser = parse_window)]
    pub lookback: Option<i64>,
    #[arg(long, value_enum, default_value_t = FollowFormat::Text)]
    pub format: FollowFormat,
    /// A rolling summary this often (wall clock); 0 turns it off.
    #[arg(long, default_value = "5m", value_parser = parse_window_or_zero)]
    pub every: i64,
    /// Alert rule, repeatable: domain:N/WINDOW (N 421s from one recipient
    /// domain within WINDOW) or total:N/WINDOW (N 421 events of any kind).
    #[arg(long = "alert", value_parser = crate::follow::alert::parse_rule)]
    pub alerts: Vec<crate::follow::alert::Rule>,
    /// Serve Prometheus metrics at http://ADDR/metrics: a port (binds
    /// 127.0.0.1), IP:PORT or HOST:PORT (localhost:9421). Any address other
    /// than loopback exposes the counts, recipient domains included, to
    /// whoever can reach it: firewall it.
    #[arg(long, value_parser = parse_listen)]
    pub metrics: Option<std::net::SocketAddr>,
    /// Recipient domains given their own `domain` label (first come); the
    /// rest are counted as `other`.
    #[arg(long, default_value_t = 50)]
    pub metrics_domains: usize,
    /// With --metrics: read the mail queue this often (5m) and export the
    /// recipients waiting on a 421 per domain as the gauge
    /// maillog421_queued_421_recipients (what `maillog421 queue` counts,
    /// joined with the followed logs).
    #[arg(long, value_parser = parse_window, requires = "metrics")]
    pub queue_every: Option<i64>,
    /// Force the log format instead of detecting it per file.
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormat>,
    /// The year of syslog stamps (default: this year, the year before for
    /// months later than this one).
    #[arg(long)]
    pub year: Option<i32>,
    /// Time zone of stamps without one, and of the output.
    #[arg(long, default_value = "local", value_parser = parse_zone)]
    pub tz: Zone,
    /// Check the files every --poll-interval instead of using file
    /// notifications (inotify), e.g. for logs on NFS.
    #[arg(long)]
    pub poll: bool,
    /// Seconds between checks when polling (with --poll, or when file
    /// notifications are unavailable).
    #[arg(long, default_value_t = 0.25, value_parser = parse_seconds)]
    pub poll_interval: f64,
    #[command(flatten)]
    pub journal: JournalArgs,
    /// Seconds a rotated (renamed) file is still read after it last grew:
    /// logrotate renames the file and creates a new one before the daemon
    /// is told to reopen it, and the daemon writes to the old file until then.
    #[arg(long, default_value_t = 5.0, value_parser = parse_seconds)]
    pub rotate_wait: f64,
}

/// A number of seconds: finite and not negative (`nan` or `inf` would
/// panic in `Duration`).
fn parse_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!("{s:?} is not a number of seconds (0 or more)")),
    }
}

/// A window, or `0` for none.
fn parse_window_or_zero(s: &str) -> Result<i64, String> {
    if s == "0" { Ok(0) } else { parse_window(s) }
}

/// `127.0.0.1:9421`, `[::1]:9421`, or a bare port (loopback).
/// A listening address: a bare port (or `:PORT`) is loopback; a host name
/// is resolved, and its first IPv4 address taken (else its first address).
pub fn parse_listen(s: &str) -> Result<std::net::SocketAddr, String> {
    use std::net::{SocketAddr, ToSocketAddrs};
    if let Ok(port) = s.trim_start_matches(':').parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    if let Ok(addr) = s.parse() {
        return Ok(addr);
    }
    let expected = "expected a port, IP:PORT or HOST:PORT like localhost:9421";
    if s.rsplit_once(':')
        .is_none_or(|(_, port)| port.parse::<u16>().is_err())
    {
        return Err(format!("`{s}`: {expected}"));
    }
    let addrs: Vec<SocketAddr> = s
        .to_socket_addrs()
        .map_err(|e| format!("`{s}`: cannot resolve ({e}); {expected}"))?
        .collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or(addrs.first())
        .copied()
        .ok_or_else(|| format!("`{s}`: the name has no address; {expected}"))
}

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

/// `auto` ([`crate::window::AUTO`]) or a window as [`parse_window`] reads it.
pub fn parse_window_or_auto(s: &str) -> Result<i64, String> {
    if s.eq_ignore_ascii_case("auto") {
        Ok(crate::window::AUTO)
    } else {
        parse_window(s)
    }
}

/// `30s`, `5m`, `1h`, `1d` as seconds.
pub fn parse_window(s: &str) -> Result<i64, String> {
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = num
        .parse()
        .map_err(|_| format!("`{s}`: expected a number and a unit, like 5m, 1h or 1d"))?;
    let mult = match unit {
        "s" => 1,
        "m" | "" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("`{s}`: unit must be s, m, h or d")),
    };
    if n <= 0 {
        return Err(format!("`{s}`: the window must be longer than zero"));
    }
    Ok(n * mult)
}

pub fn parse_zone(s: &str) -> Result<Zone, String> {
    match s.to_ascii_lowercase().as_str() {
        "local" => return Ok(Zone::Local),
        "utc" | "z" => return Ok(Zone::Utc),
        _ => {}
    }
    let sign = match s.as_bytes().first() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => {
            return Err(format!(
                "`{s}`: expected local, utc or an offset like +01:00"
            ));
        }
    };
    let digits: String = s[1..].chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{s}`: expected an offset like +01:00"));
    }
    let (h, m): (i32, i32) = (
        digits[..2].parse().unwrap_or(0),
        digits[2..].parse().unwrap_or(0),
    );
    if h > 23 || m > 59 {
        return Err(format!("`{s}`: offset out of range"));
    }
    Ok(Zone::Fixed(sign * (h * 3600 + m * 60)))
}

/// A relative `--since`/`--until` (`1h`, `2d`, `-30m`, `90s`) as seconds back.
pub fn parse_back(s: &str) -> Option<i64> {
    let t = s.trim();
    let t = t.strip_prefix('-').unwrap_or(t);
    if t.is_empty() || !t.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    parse_window(t).ok()
}

/// `--since`/`--until` as Unix seconds; relative times count back from `now`.
pub fn parse_when(s: &str, zone: Zone, now: i64) -> Result<i64, String> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, Timelike};
    if let Some(back) = parse_back(s) {
        return Ok(now - back);
    }
    let at = |d: NaiveDateTime| -> Result<i64, String> {
        let st = crate::parse::time::Stamp {
            year: Some(chrono::Datelike::year(&d)),
            month: chrono::Datelike::month(&d),
            day: chrono::Datelike::day(&d),
            hour: d.hour(),
            minute: d.minute(),
            second: d.second(),
            offset: None,
        };
        crate::parse::time::Clock::new(zone, crate::parse::time::YearHint { year: 0, month: 12 })
            .resolve(&st)
            .ok_or_else(|| format!("`{s}`: no such time"))
    };
    for f in [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s.trim(), f) {
            return at(d);
        }
    }
    let midnight = |d: NaiveDate| -> Result<i64, String> {
        let st = crate::parse::time::Stamp {
            year: Some(chrono::Datelike::year(&d)),
            month: chrono::Datelike::month(&d),
            day: chrono::Datelike::day(&d),
            hour: 0,
            minute: 0,
            second: 0,
            offset: None,
        };
        crate::parse::time::Clock::new(zone, crate::parse::time::YearHint { year: 0, month: 12 })
            .resolve(&st)
            .ok_or_else(|| format!("`{s}`: no such date"))
    };
    let today = || -> NaiveDate {
        let utc = DateTime::from_timestamp(now, 0).unwrap_or_default();
        match zone {
            Zone::Utc => utc.date_naive(),
            Zone::Fixed(o) => (utc + chrono::Duration::seconds(i64::from(o))).date_naive(),
            Zone::Local => utc.with_timezone(&chrono::Local).date_naive(),
        }
    };
    match s {
        "today" => midnight(today()),
        "yesterday" => midnight(today().pred_opt().ok_or("date out of range")?),
        _ => {
            if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
                return Ok(dt.timestamp());
            }
            let d = NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| {
                    format!(
                        "`{s}`: expected RFC 3339, a local date-time (2026-11-23T07:37), YYYY-MM-DD, today, yesterday or a time back (1h, 2d)"
                    )
                })?;
            midnight(d)
        }
    }
}

impl InputArgs {
    /// The scan settings these flags give.
    pub fn scan_config(&self, window: i64, keep_events: bool) -> Result<ScanConfig, String> {
        let now = chrono::Utc::now().timestamp();
        let back_from = if self.now {
            now
        } else {
            self.reference.unwrap_or(now)
        };
        let when = |s: &str| {
            let base = if parse_back(s).is_some() {
                back_from
            } else {
                now
            };
            parse_when(s, self.tz, base)
        };
        let since = self.since.as_deref().map(when).transpose()?;
        let until = self.until.as_deref().map(when).transpose()?;
        if let (Some(a), Some(b)) = (since, until)
            && a >= b
        {
            return Err(format!(
                "--since {} is not before --until {}: nothing to read",
                self.since.as_deref().unwrap_or(""),
                self.until.as_deref().unwrap_or("")
            ));
        }
        Ok(ScanConfig {
            format: self.input_format.map(|f| match f {
                InputFormat::Exim => Format::Exim,
                InputFormat::Postfix => Format::Postfix,
            }),
            year: self.year,
            zone: self.tz,
            window,
            since,
            until,
            keep_events,
            unparsed_examples: if self.verbose { 5 } else { 0 },
            by_host: self.by_host,
            host: self.host.clone(),
            ..ScanConfig::default()
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }

    #[test]
    fn windows_and_zones() {
        assert_eq!(parse_window("5m"), Ok(300));
        assert_eq!(parse_window("1d"), Ok(86_400));
        assert!(parse_window("0h").is_err());
        assert!(parse_window("1w").is_err());
        assert_eq!(parse_zone("+01:00"), Ok(Zone::Fixed(3600)));
        assert_eq!(parse_zone("-0530"), Ok(Zone::Fixed(-19_800)));
        assert_eq!(parse_zone("UTC"), Ok(Zone::Utc));
        assert!(parse_zone("Europe/Paris").is_err());
    }

    #[test]
    fn since_forms() {
        let now = 1_795_341_601; // 2026-11-22T10:00:01Z
        assert_eq!(parse_when("today", Zone::Utc, now), Ok(1_795_305_600));
        assert_eq!(
            parse_when("yesterday", Zone::Utc, now),
            Ok(1_795_305_600 - 86_400)
        );
        assert_eq!(
            parse_when("2026-11-22", Zone::Fixed(3600), now),
            Ok(1_795_305_600 - 3600)
        );
        assert_eq!(parse_when("2026-11-22T10:00:01Z", Zone::Utc, now), Ok(now));
        assert!(parse_when("soon", Zone::Utc, now).is_err());
    }

    #[test]
    fn listen_addresses() {
        let loopback = |port| std::net::SocketAddr::from(([127, 0, 0, 1], port));
        assert_eq!(parse_listen("9421"), Ok(loopback(9421)));
        assert_eq!(parse_listen(":9421"), Ok(loopback(9421)));
        assert_eq!(parse_listen("127.0.0.1:9421"), Ok(loopback(9421)));
        assert_eq!(
            parse_listen("[::1]:9421"),
            Ok("[::1]:9421".parse().unwrap())
        );
        // Host names are resolved (issue 19 §5); localhost is loopback.
        let local = parse_listen("localhost:9421").unwrap();
        assert!(local.ip().is_loopback() && local.port() == 9421, "{local}");
        assert!(parse_listen("localhost").is_err());
        assert!(parse_listen("localhost:99999").is_err());
        assert!(parse_listen("no-such-host.invalid:9421").is_err());
    }
}

//! The command line (clap derive) and its conversion into settings.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod follow;
mod input;

pub use crate::when::{parse_when, parse_window, parse_window_or_auto, parse_zone};
pub use follow::{FollowArgs, FollowFormat};
pub use input::{InputArgs, InputFormat, JournalArgs, ReportArgs};

use crate::parse::time::Zone;

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
        let cfg = self.scan_config(crate::window::HOUR, false)?;
        Ok(crate::queue::Logs {
            sources,
            zone: cfg.zone,
            year: cfg.year,
            format: cfg.format,
            since: cfg.since,
            until: cfg.until,
        })
    }

    /// The logs `queue` (and `follow --queue-every`) joins with the queue:
    /// these inputs, found now.
    pub fn find_queue_logs(&self) -> anyhow::Result<crate::queue::Logs> {
        self.queue_logs(crate::pipeline::sources(&self.settings())?)
            .map_err(anyhow::Error::msg)
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
                use crate::window::{HOUR, MINUTE};
                let sign = if o < 0 { '-' } else { '+' };
                let o = i64::from(o).abs();
                format!("--tz={sign}{:02}:{:02}", o / HOUR, o % HOUR / MINUTE).into()
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

pub use crate::summary::FailAbove;

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

#[cfg(test)]
mod tests;

//! `follow`'s flags and their value parsers.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{InputFormat, JournalArgs};
use crate::parse::time::Zone;
use crate::when::{parse_window, parse_zone};

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
    pub alerts: Vec<crate::follow::alert::AlertRule>,
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
    /// Count per mail server of ours, as `report --by-host` does: the
    /// summaries get a per-server table (`by_server` in JSON).
    #[arg(long)]
    pub by_host: bool,
    /// With --by-host: the server name of inputs whose lines carry none
    /// (Exim's mainlog).
    #[arg(long, value_name = "NAME", requires = "by_host")]
    pub host: Option<String>,
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

//! `maillog421 queue`: the live queue (or a saved listing) joined with the
//! logs. Which queued recipients wait on a 421, for which cause, since
//! when, how close their messages are to the MTA's give-up time, and the
//! commands that act on exactly those messages (printed, never run).
//!
//! [`dump`] reads listings and the give-up rule, [`join`] reads the logs,
//! [`render`] writes table, JSON and CSV.

mod build;
pub mod dump;
pub mod join;
pub mod render;

use std::io::Write;
use std::path::PathBuf;

use serde::Serialize;

use crate::classify::Cause;
use crate::window::{DAY, HOUR, MINUTE};

pub use build::build;
use dump::{Lifetime, Live};
use join::Joined;
pub use join::Logs;
pub use render::QueueFormat;

/// qshape's age buckets, in minutes (the last one open-ended).
pub const BUCKETS: [i64; 9] = [5, 10, 20, 40, 80, 160, 320, 640, 1280];

/// `3d4h`, `2h05m`, `12m`, `40s`, and `-2h05m` past a give-up time.
///
/// Not [`crate::render::fmt::duration`] on purpose: queue ages follow
/// `mailq`/qshape, whole minutes with no seconds and days with an unpadded
/// hour, and `left` (time before give-up) can be negative, which
/// `duration` clamps to `0s`.
pub fn fmt_age(secs: i64) -> String {
    let (neg, s) = (secs < 0, secs.unsigned_abs());
    let (day, hour, minute) = (
        DAY.unsigned_abs(),
        HOUR.unsigned_abs(),
        MINUTE.unsigned_abs(),
    );
    let text = if s >= day {
        format!("{}d{}h", s / day, s % day / hour)
    } else if s >= hour {
        format!("{}h{:02}m", s / hour, s % hour / minute)
    } else if s >= minute {
        format!("{}m", s / minute)
    } else {
        format!("{s}s")
    };
    if neg { format!("-{text}") } else { text }
}

/// The bucket of an age: the first whose limit it does not exceed.
pub fn bucket(age: i64) -> usize {
    BUCKETS
        .iter()
        .position(|m| age <= m * MINUTE)
        .unwrap_or(BUCKETS.len())
}

/// Settings of one `queue` run.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// A saved listing (`-` for stdin) instead of the live queue.
    pub from: Option<PathBuf>,
    pub live: Live,
    /// Ages are taken at this time (default: now).
    pub now: Option<i64>,
    /// Give-up delay from arrival, overriding what the MTA says.
    pub lifetime: Option<i64>,
    /// Only recipients of messages at least this old.
    pub older_than: Option<i64>,
    /// Rows in the recipient and give-up lists.
    pub top: usize,
    pub format: QueueFormat,
    /// [`Verdict::Above`] when more queued recipients than this wait on a
    /// 421.
    pub fail_above: Option<u64>,
    /// The logs include standard input (then `from` may not be `-`).
    pub logs_read_stdin: bool,
}

/// How a `queue` run ended, for its exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    /// More recipients than `fail_above` wait on a 421.
    Above,
    /// Some log could not be read (said on stderr).
    InputFailed,
}

/// Finds the logs to join (called only when the queue is not empty).
pub type FindLogs<'a> = dyn Fn() -> anyhow::Result<Logs> + 'a;

/// Where a queued recipient stands, from the logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// It met a 421 and is still queued.
    #[serde(rename = "waiting-421")]
    Waiting421,
    /// Deferred, never by a 421: another 4xx, a failed connection, a retry wait.
    OtherDeferral,
    /// No delivery line for it in the logs read.
    NoHistory,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Waiting421 => "waiting-421",
            Status::OtherDeferral => "other-deferral",
            Status::NoHistory => "no-history",
        }
    }
}

/// One queued (message, recipient).
#[derive(Debug, Clone, Serialize)]
pub struct Recipient {
    pub id: String,
    pub recipient: String,
    pub domain: String,
    pub provider: String,
    pub status: Status,
    pub arrival: i64,
    pub age: i64,
    pub held: bool,
    pub cause: Option<Cause>,
    pub first_421: Option<i64>,
    pub last_attempt: Option<i64>,
    pub attempts: u32,
    /// The last 421 reply (waiting-421) or the last deferral's reason.
    pub last_reply: Option<String>,
    /// For an other deferral, what kind: `retry-wait` (the MTA did not
    /// try: Exim's `retry time not reached`, Postfix's `delivery
    /// temporarily suspended`), `connection` (refused, lost, timed out),
    /// `4xx` (another temporary reply), `other`.
    pub reason_kind: Option<&'static str>,
    /// When the MTA gives up on it (arrival + lifetime).
    pub give_up: i64,
}

/// Per recipient domain, the recipients waiting on a 421.
#[derive(Debug, Clone, Serialize)]
pub struct DomainRow {
    pub domain: String,
    pub provider: String,
    /// The most frequent cause among them.
    pub cause: Cause,
    pub recipients: u64,
    pub messages: u64,
    pub oldest_age: i64,
    /// Counts per age bucket: <=5m, <=10m, ... <=1280m, older.
    pub buckets: [u64; 10],
}

/// A message with recipients waiting on a 421, and its give-up time.
#[derive(Debug, Clone, Serialize)]
pub struct MessageRow {
    pub id: String,
    pub age: i64,
    pub give_up: i64,
    /// Seconds left before give-up (negative: past it).
    pub left: i64,
    pub domains: Vec<String>,
}

/// The printed commands for one domain.
#[derive(Debug, Clone, Serialize)]
pub struct Action {
    pub domain: String,
    pub cause: Cause,
    pub commands: Vec<String>,
    pub advice: Vec<&'static str>,
}

/// The whole answer.
#[derive(Debug, Clone, Serialize)]
pub struct QueueReport {
    pub mta: Option<&'static str>,
    /// `live` or the listing's path.
    pub source: String,
    pub now: i64,
    pub give_up_rule: String,
    pub logs: Vec<String>,
    pub older_than: Option<i64>,
    pub messages: u64,
    pub recipients: u64,
    pub waiting_421: u64,
    pub other_deferral: u64,
    pub no_history: u64,
    pub domains: Vec<DomainRow>,
    pub total_buckets: [u64; 10],
    pub closest_to_give_up: Vec<MessageRow>,
    /// Every queued recipient: waiting-421 first (oldest 421 first), then
    /// other deferrals, then no history.
    pub queued: Vec<Recipient>,
    pub actions: Vec<Action>,
}

/// Recipients of the live queue waiting on a 421, per domain.
pub fn waiting_per_domain(live: &Live, logs: &FindLogs) -> anyhow::Result<Vec<(String, u64)>> {
    let now = chrono::Utc::now().timestamp();
    let mta = live.which().map_err(anyhow::Error::msg)?;
    let text = live.read(mta).map_err(anyhow::Error::msg)?;
    let mut dump = dump::parse(&text, now).map_err(anyhow::Error::msg)?;
    dump.mta = Some(mta);
    let joined = if dump.messages.is_empty() {
        Joined::default()
    } else {
        join::join(&dump, &logs()?)?
    };
    let settings = Settings::default();
    let r = build(
        &dump,
        &joined,
        &Lifetime::default_for(mta),
        &settings,
        now,
        String::new(),
    );
    Ok(r.domains
        .iter()
        .map(|d| (d.domain.clone(), d.recipients))
        .collect())
}

/// `follow --queue-every`: a thread that reads the live queue every
/// `every` seconds and sets the gauge. A failed read is said on stderr
/// (once until a read works again); the gauge keeps its last values.
pub fn watch(
    gauge: crate::follow::metrics::QueueGauge,
    every: i64,
    logs: impl Fn() -> anyhow::Result<Logs> + Send + 'static,
) {
    let pause = std::time::Duration::from_secs(u64::try_from(every.max(1)).unwrap_or(300));
    std::thread::spawn(move || {
        let live = Live::default();
        let mut failing = false;
        loop {
            match waiting_per_domain(&live, &logs) {
                Ok(counts) => {
                    gauge.set(&counts);
                    failing = false;
                }
                Err(e) if !failing => {
                    crate::say!(
                        "maillog421: --queue-every: {}",
                        crate::text::escape_control(&format!("{e:#}"))
                    );
                    failing = true;
                }
                Err(_) => {}
            }
            std::thread::sleep(pause);
        }
    });
}

/// Runs `queue`, writing the report to `out`; how it ended.
pub fn run(settings: &Settings, logs: &FindLogs, out: &mut dyn Write) -> anyhow::Result<Verdict> {
    let now = settings
        .now
        .unwrap_or_else(|| chrono::Utc::now().timestamp());
    if settings
        .from
        .as_deref()
        .is_some_and(|p| p.as_os_str() == "-")
        && settings.logs_read_stdin
    {
        anyhow::bail!("--from - and a log `-` cannot both read standard input");
    }
    let (dump, source, mta_live) = match &settings.from {
        Some(p) => {
            let text = if p.as_os_str() == "-" {
                let mut s = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)?;
                s
            } else {
                std::fs::read_to_string(p)
                    .map_err(|e| anyhow::anyhow!("reading {}: {e}", p.display()))?
            };
            let dump = dump::parse(&text, now).map_err(|e| {
                anyhow::anyhow!(
                    "{}: {e} (expected the output of `postqueue -j` or `exim -bp`)",
                    p.display()
                )
            })?;
            (dump, p.display().to_string(), None)
        }
        None => {
            let mta = settings.live.which().map_err(anyhow::Error::msg)?;
            let text = settings.live.read(mta).map_err(anyhow::Error::msg)?;
            let mut dump = dump::parse(&text, now).map_err(anyhow::Error::msg)?;
            dump.mta = Some(mta);
            (dump, "live".to_string(), Some(mta))
        }
    };
    let lifetime = match (settings.lifetime, mta_live, dump.mta) {
        (Some(s), _, _) => {
            Lifetime::uniform(s, format!("{} from arrival (--lifetime)", fmt_age(s)))
        }
        (None, Some(m), _) => settings.live.lifetime(m),
        (None, None, Some(m)) => Lifetime::default_for(m),
        (None, None, None) => Lifetime::uniform(0, "empty queue".to_string()),
    };
    let joined = if dump.messages.is_empty() {
        Joined::default()
    } else {
        join::join(&dump, &logs()?)?
    };
    let report = build(&dump, &joined, &lifetime, settings, now, source);
    render::write(&report, settings.format, settings.top, out)?;
    out.flush()?;
    if joined.failed {
        return Ok(Verdict::InputFailed);
    }
    Ok(match settings.fail_above {
        Some(n) if report.waiting_421 > n => Verdict::Above,
        _ => Verdict::Ok,
    })
}

#[cfg(test)]
mod tests;

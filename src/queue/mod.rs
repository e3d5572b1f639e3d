//! `maillog421 queue`: the live queue (or a saved listing) joined with the
//! logs. Which queued recipients wait on a 421, for which cause, since
//! when, how close their messages are to the MTA's give-up time, and the
//! commands that act on exactly those messages (printed, never run).
//!
//! [`dump`] reads listings and the give-up rule, [`join`] reads the logs,
//! [`render`] writes table, JSON and CSV.

pub mod dump;
pub mod join;
pub mod render;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use serde::Serialize;

use crate::classify::Cause;
use crate::parse::Mta;
use dump::{Dump, Lifetime, Live};
pub use join::Logs;
use join::{History, Joined};
pub use render::QueueFormat;

/// qshape's age buckets, in minutes (the last one open-ended).
pub const BUCKETS: [i64; 9] = [5, 10, 20, 40, 80, 160, 320, 640, 1280];

/// `3d4h`, `2h05m`, `12m`, `40s`.
pub fn fmt_age(secs: i64) -> String {
    let (neg, s) = (secs < 0, secs.unsigned_abs());
    let text = if s >= 86_400 {
        format!("{}d{}h", s / 86_400, s % 86_400 / 3600)
    } else if s >= 3600 {
        format!("{}h{:02}m", s / 3600, s % 3600 / 60)
    } else if s >= 60 {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    };
    if neg { format!("-{text}") } else { text }
}

/// The bucket of an age: the first whose limit it does not exceed.
pub fn bucket(age: i64) -> usize {
    BUCKETS
        .iter()
        .position(|m| age <= m * 60)
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
    pub cause: Option<&'static str>,
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
    pub cause: &'static str,
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
    pub cause: &'static str,
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

/// A domain name safe to print in a command.
fn is_safe_domain(d: &str) -> bool {
    !d.is_empty()
        && !d.starts_with('-')
        && d.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

/// The kind of a deferral reason that is not a 421.
/// Postfix's `delivery temporarily suspended: REASON` repeats the reason
/// of the failure that suspended the destination: its kind is that one's.
pub fn reason_kind(why: &str) -> &'static str {
    if let Some(cached) = why.strip_prefix("delivery temporarily suspended: ") {
        return match reason_kind(cached) {
            "other" => "retry-wait",
            k => k,
        };
    }
    let has = |n: &str| why.contains(n);
    if has("retry time not reached") {
        "retry-wait"
    } else if has("said: 4") || has("SMTP error from remote") || has(": 4") {
        "4xx"
    } else if has("onnection") || has("connect to") || has("timed out") || has("No route") {
        "connection"
    } else {
        "other"
    }
}

/// Joins a listing with the logs' histories.
pub fn build(
    dump: &Dump,
    joined: &Joined,
    lifetime: &Lifetime,
    settings: &Settings,
    now: i64,
    source: String,
) -> QueueReport {
    let mut queued = Vec::new();
    for m in &dump.messages {
        let age = now - m.arrival;
        if settings.older_than.is_some_and(|o| age < o) {
            continue;
        }
        for r in &m.recipients {
            let h = joined
                .history
                .get(&(m.id.clone(), r.clone()))
                .cloned()
                .unwrap_or_else(History::default);
            let domain =
                String::from_utf8_lossy(crate::parse::domain_of(r.as_bytes())).to_ascii_lowercase();
            let (status, cause, last_reply) = match (&h.first_421, &h.last_deferral) {
                (Some(_), _) => {
                    let text = h.last_421_reply.clone().unwrap_or_default();
                    let enh = crate::parse::reply::enhanced_code(text.as_bytes());
                    let c = crate::classify::classify_for(text.as_bytes(), enh, domain.as_bytes());
                    (Status::Waiting421, Some(c.name()), Some(text))
                }
                (None, Some((_, why))) => (Status::OtherDeferral, None, Some(why.clone())),
                (None, None) => (Status::NoHistory, None, None),
            };
            queued.push(Recipient {
                id: m.id.clone(),
                recipient: r.clone(),
                provider: crate::analysis::provider::provider_of(&domain, None),
                give_up: m.arrival + lifetime.for_domain(&domain),
                domain,
                status,
                arrival: m.arrival,
                age,
                held: m.held,
                cause,
                first_421: h.first_421,
                last_attempt: h.last_attempt,
                attempts: h.attempts,
                reason_kind: (status == Status::OtherDeferral)
                    .then(|| reason_kind(last_reply.as_deref().unwrap_or(""))),
                last_reply,
            });
        }
    }
    queued.sort_by(|a, b| {
        (
            a.status,
            a.first_421.unwrap_or(a.arrival),
            &a.id,
            &a.recipient,
        )
            .cmp(&(
                b.status,
                b.first_421.unwrap_or(b.arrival),
                &b.id,
                &b.recipient,
            ))
    });
    let waiting: Vec<&Recipient> = queued
        .iter()
        .filter(|r| r.status == Status::Waiting421)
        .collect();

    // Per domain.
    let mut by_domain: BTreeMap<&str, Vec<&Recipient>> = BTreeMap::new();
    for r in &waiting {
        by_domain.entry(&r.domain).or_default().push(r);
    }
    let mut domains = Vec::new();
    let mut total_buckets = [0u64; 10];
    let mut actions = Vec::new();
    let mta = dump.mta;
    for (domain, rs) in &by_domain {
        let mut causes: BTreeMap<&str, u64> = BTreeMap::new();
        let mut buckets = [0u64; 10];
        let mut ids: Vec<&str> = Vec::new();
        for r in rs {
            *causes.entry(r.cause.unwrap_or("unknown")).or_default() += 1;
            buckets[bucket(r.age)] += 1;
            total_buckets[bucket(r.age)] += 1;
            if !ids.contains(&r.id.as_str()) {
                ids.push(&r.id);
            }
        }
        let cause = causes
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map_or("unknown", |(c, _)| *c);
        let cause = crate::guidance::cause_named(cause).map_or("unknown", Cause::name);
        domains.push(DomainRow {
            domain: (*domain).to_string(),
            provider: rs[0].provider.clone(),
            cause,
            recipients: rs.len() as u64,
            messages: ids.len() as u64,
            oldest_age: rs.iter().map(|r| r.age).max().unwrap_or(0),
            buckets,
        });
        let past: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|id| rs.iter().any(|r| r.id == *id && r.give_up <= now))
            .collect();
        if let Some(mta) = mta {
            actions.push(Action {
                domain: (*domain).to_string(),
                cause,
                commands: commands(mta, domain, &ids, &past, settings),
                // The queue's own MTA only (issue 14: advice names the
                // MTA of the input).
                advice: crate::guidance::cause_named(cause)
                    .map(|c| {
                        let mtas = crate::guidance::Mtas {
                            exim: mta == Mta::Exim,
                            postfix: mta == Mta::Postfix,
                        };
                        crate::guidance::guidance(c)
                            .do_now
                            .iter()
                            .filter(|i| mtas.fits(i))
                            .take(2)
                            .copied()
                            .collect()
                    })
                    .unwrap_or_default(),
            });
        }
    }
    domains.sort_by(|a, b| {
        (b.recipients, &a.domain)
            .cmp(&(a.recipients, &b.domain))
            .then(b.oldest_age.cmp(&a.oldest_age))
    });
    let order: Vec<&str> = domains.iter().map(|d| d.domain.as_str()).collect();
    actions.sort_by_key(|a| order.iter().position(|d| *d == a.domain));

    // Messages closest to their give-up time.
    let mut msgs: BTreeMap<&str, MessageRow> = BTreeMap::new();
    for r in &waiting {
        let row = msgs.entry(&r.id).or_insert_with(|| MessageRow {
            id: r.id.clone(),
            age: r.age,
            give_up: r.give_up,
            left: r.give_up - now,
            domains: Vec::new(),
        });
        if r.give_up < row.give_up {
            row.give_up = r.give_up;
            row.left = r.give_up - now;
        }
        if !row.domains.contains(&r.domain) {
            row.domains.push(r.domain.clone());
        }
    }
    let mut closest: Vec<MessageRow> = msgs.into_values().collect();
    closest.sort_by(|a, b| (a.left, &a.id).cmp(&(b.left, &b.id)));
    closest.truncate(settings.top);

    let count = |s: Status| queued.iter().filter(|r| r.status == s).count() as u64;
    let mut ids: Vec<&str> = queued.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    QueueReport {
        mta: mta.map(Mta::name),
        source,
        now,
        give_up_rule: lifetime.source.clone(),
        logs: joined.inputs.clone(),
        older_than: settings.older_than,
        messages: ids.len() as u64,
        recipients: queued.len() as u64,
        waiting_421: count(Status::Waiting421),
        other_deferral: count(Status::OtherDeferral),
        no_history: count(Status::NoHistory),
        domains,
        total_buckets,
        closest_to_give_up: closest,
        queued,
        actions,
    }
}

/// The commands acting on exactly these messages. Ids that do not fit the
/// MTA's alphabet and unsafe domain names are left out (said in a comment).
fn commands(mta: Mta, domain: &str, ids: &[&str], past: &[&str], s: &Settings) -> Vec<String> {
    let good: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|i| dump::is_valid_id(mta, i))
        .collect();
    let past: Vec<&str> = past
        .iter()
        .copied()
        .filter(|i| dump::is_valid_id(mta, i))
        .collect();
    let mut out = Vec::new();
    let safe_domain = is_safe_domain(domain);
    if good.len() < ids.len() {
        out.push(format!(
            "# {} queue id(s) left out: not a valid {} id",
            ids.len() - good.len(),
            mta.name()
        ));
    }
    let list = good.join(" ");
    match mta {
        Mta::Postfix => {
            if safe_domain {
                out.push(format!(
                    "postqueue -s {domain}    # try the domain's deferred mail now"
                ));
            }
            if !good.is_empty() {
                out.push(format!(
                    "printf '%s\\n' {list} | postsuper -h -    # hold these messages (stops retries)"
                ));
                out.push(format!(
                    "printf '%s\\n' {list} | postsuper -H -    # release them again"
                ));
            }
            if !past.is_empty() {
                out.push(format!(
                    "printf '%s\\n' {} | postsuper -d -    # delete: past their give-up time",
                    past.join(" ")
                ));
            }
        }
        Mta::Exim => {
            let exim = s
                .live
                .exim
                .as_deref()
                .map(|e| e.rsplit('/').next().unwrap_or(e))
                .filter(|e| e.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
                .unwrap_or("exim");
            if !good.is_empty() {
                out.push(format!("{exim} -M {list}    # try these messages now"));
            }
            if safe_domain {
                out.push(format!(
                    "{exim} -Rff {domain}    # force delivery of everything queued for the domain"
                ));
            }
            if !past.is_empty() {
                out.push(format!(
                    "{exim} -Mrm {}    # remove: past the retry rule's final cutoff",
                    past.join(" ")
                ));
            }
        }
    }
    out
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
                    crate::say!("maillog421: --queue-every: {}", escape(&format!("{e:#}")));
                    failing = true;
                }
                Err(_) => {}
            }
            std::thread::sleep(pause);
        }
    });
}

fn escape(s: &str) -> String {
    crate::text::escape_control(s)
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
mod tests {
    use super::*;

    #[test]
    fn ages_buckets_and_reasons() {
        assert_eq!(fmt_age(40), "40s");
        assert_eq!(fmt_age(7_500), "2h05m");
        assert_eq!(fmt_age(-90_000), "-1d1h");
        assert_eq!(bucket(300), 0);
        assert_eq!(bucket(301), 1);
        assert_eq!(bucket(1280 * 60), 8);
        assert_eq!(bucket(1280 * 60 + 1), 9);
        for (why, kind) in [
            (
                "defer (-54): retry time not reached for any host for 'dead.test'",
                "retry-wait",
            ),
            (
                "delivery temporarily suspended: connect to 127.0.0.1[127.0.0.1]:2720: Connection refused",
                "connection",
            ),
            ("delivery temporarily suspended: unknown", "retry-wait"),
            (
                "host 127.0.0.1[127.0.0.1] said: 451 4.3.0 temporary failure (in reply to RCPT TO command)",
                "4xx",
            ),
            (
                "defer (-44) H=127.0.0.1 [127.0.0.1]: SMTP error from remote mail server after RCPT TO:<a@b>: 451 4.3.0 x",
                "4xx",
            ),
            (
                "connect to 127.0.0.1[127.0.0.1]:2720: Connection refused",
                "connection",
            ),
            (
                "lost connection with 127.0.0.1[127.0.0.1] while sending RCPT TO",
                "connection",
            ),
            (
                "defer (-18) H=127.0.0.1 [127.0.0.1]: Remote host closed connection in response to RCPT TO",
                "connection",
            ),
        ] {
            assert_eq!(reason_kind(why), kind, "{why}");
        }
        assert!(is_safe_domain("mx-1.example.com"));
        assert!(!is_safe_domain("-rf"));
        assert!(!is_safe_domain("a;b"));
    }
}

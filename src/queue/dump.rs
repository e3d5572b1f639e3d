//! Reading the queue: a saved or live `postqueue -j` (Postfix, JSON lines)
//! or `exim -bp` (Exim) listing, recognised by its shape; and the MTA's
//! give-up time (Postfix `maximal_queue_lifetime`, the final cutoff of
//! Exim's retry rules).
//!
//! `exim -bp` rather than `exipick`: exipick is a Perl script that is not
//! always installed (Debian ships it in exim4-base, minimal containers
//! often lack Perl), while `-bp` is built into every Exim binary.

use std::process::Command;

use serde::Serialize;

use crate::parse::Mta;
use crate::window::{DAY, HOUR, MINUTE};

/// One queued message, with the recipients still to deliver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Queued {
    pub id: String,
    /// Unix seconds.
    pub arrival: i64,
    pub size: u64,
    pub sender: String,
    /// Postfix `hold` queue, Exim `*** frozen ***`.
    pub held: bool,
    pub recipients: Vec<String>,
}

/// A whole queue listing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dump {
    /// `None` for an empty listing (both MTAs print nothing then).
    pub mta: Option<Mta>,
    pub messages: Vec<Queued>,
}

/// Reads a listing of either MTA; `now` dates Exim's ages when the id does
/// not carry the arrival time.
pub fn parse(text: &str, now: i64) -> Result<Dump, String> {
    let first = text.lines().find(|l| !l.trim().is_empty());
    match first {
        None => Ok(Dump::default()),
        Some(l) if l.trim_start().starts_with('{') => parse_postfix(text),
        Some(_) => parse_exim(text, now),
    }
}

#[derive(serde::Deserialize)]
struct PfMessage {
    queue_name: String,
    queue_id: String,
    arrival_time: i64,
    #[serde(default)]
    message_size: u64,
    #[serde(default)]
    sender: String,
    #[serde(default)]
    recipients: Vec<PfRecipient>,
}

#[derive(serde::Deserialize)]
struct PfRecipient {
    address: String,
}

fn parse_postfix(text: &str) -> Result<Dump, String> {
    let mut messages = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let m: PfMessage = serde_json::from_str(line)
            .map_err(|e| format!("postqueue -j output, line {}: {e}", n + 1))?;
        messages.push(Queued {
            id: m.queue_id,
            arrival: m.arrival_time,
            size: m.message_size,
            sender: m.sender,
            held: m.queue_name == "hold",
            recipients: m
                .recipients
                .into_iter()
                .map(|r| r.address.to_ascii_lowercase())
                .collect(),
        });
    }
    Ok(Dump {
        mta: Some(Mta::Postfix),
        messages,
    })
}

/// `exim -bp`: a header line `AGE SIZE ID <SENDER> [*** frozen ***]`, then
/// one indented line per recipient, `D` before the delivered ones (`+D` for
/// a delivered child address), and a blank line.
///
/// A line that fits neither is skipped (and said on stderr), so one odd
/// line cannot hide the queue; a text with no header line at all is not a
/// listing.
fn parse_exim(text: &str, now: i64) -> Result<Dump, String> {
    let mut messages: Vec<Queued> = Vec::new();
    let mut first_bad = None;
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = || {
            format!(
                "exim -bp output, line {}: not understood: {}",
                n + 1,
                crate::text::escape_control(&line.chars().take(200).collect::<String>())
            )
        };
        let indented = line.len() - line.trim_start().len();
        let words: Vec<&str> = line.split_whitespace().collect();
        if indented >= 4 && !words.is_empty() && messages.last().is_some() {
            // A recipient: `addr`, `D addr`, `+D addr`.
            if words.len() >= 2 && words[0].trim_start_matches('+') == "D" {
                continue;
            }
            if let Some(msg) = messages.last_mut() {
                msg.recipients.push(words[0].to_ascii_lowercase());
            }
            continue;
        }
        // Header: at least age, size, id and sender.
        let age = words.first().and_then(|w| parse_age(w));
        let id = words.get(2).copied().unwrap_or("");
        let (Some(age), true) = (age, words.len() >= 4 && is_exim_id(id)) else {
            if first_bad.is_none() {
                first_bad = Some(bad());
            }
            continue;
        };
        let arrival = exim_id_time(id).unwrap_or(now - age);
        messages.push(Queued {
            id: id.to_string(),
            arrival,
            size: parse_size(words[1]).unwrap_or(0),
            sender: words[3].trim_matches(|c| c == '<' || c == '>').to_string(),
            held: line.contains("*** frozen ***"),
            recipients: Vec::new(),
        });
    }
    match first_bad {
        Some(e) if messages.is_empty() => return Err(e),
        Some(e) => crate::say!("maillog421: warning: {e} (skipped)"),
        None => {}
    }
    Ok(Dump {
        mta: Some(Mta::Exim),
        messages,
    })
}

/// Exim's queue age: `45s`, `12m`, `3h`, `4d`, `2w`.
fn parse_age(s: &str) -> Option<i64> {
    let (num, unit) = s.split_at(s.len().checked_sub(1)?);
    let n: i64 = num.parse().ok()?;
    let mult = match unit {
        "s" => 1,
        "m" => MINUTE,
        "h" => HOUR,
        "d" => DAY,
        "w" => 7 * DAY,
        _ => return None,
    };
    Some(n * mult)
}

/// `370`, `2.3K`, `1.2M`.
fn parse_size(s: &str) -> Option<u64> {
    let (num, mult) = match s.as_bytes().last()? {
        b'K' => (&s[..s.len() - 1], 1024.0),
        b'M' => (&s[..s.len() - 1], 1024.0 * 1024.0),
        _ => (s, 1.0),
    };
    num.parse::<f64>().ok().map(|v| (v * mult) as u64)
}

/// An Exim message id: `1xaPWt-0005YU-2H` (up to 4.96) or the 4.97
/// `1xaPWt-000000005YU-002H` form, base 62 digits only.
pub fn is_exim_id(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    parts.len() == 3
        && parts[0].len() == 6
        && (6..=11).contains(&parts[1].len())
        && (2..=4).contains(&parts[2].len())
        && parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// A Postfix queue id: short (hex) or long (base 52 with `z`), letters and
/// digits only.
pub fn is_postfix_id(id: &str) -> bool {
    (5..=24).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Whether an id is safe to print in a command of this MTA.
pub fn is_valid_id(mta: Mta, id: &str) -> bool {
    match mta {
        Mta::Exim => is_exim_id(id),
        Mta::Postfix => is_postfix_id(id),
    }
}

/// The arrival time an Exim id carries: its first 6 base-62 digits are
/// the Unix seconds.
pub fn exim_id_time(id: &str) -> Option<i64> {
    let mut v: i64 = 0;
    for b in id.get(..6)?.bytes() {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            b'A'..=b'Z' => b - b'A' + 10,
            b'a'..=b'z' => b - b'a' + 36,
            _ => return None,
        };
        v = v * 62 + i64::from(d);
    }
    Some(v)
}

/// Where and how the live queue is read.
#[derive(Debug, Clone, Default)]
pub struct Live {
    /// Force one MTA; default: Postfix if `postqueue` is found, else Exim.
    pub mta: Option<Mta>,
    /// Postfix configuration directory (`postqueue -c`, `postconf -c`).
    pub postfix_config: Option<String>,
    /// The Exim binary (default `exim4`, else `exim`).
    pub exim: Option<String>,
    /// Extra arguments for every Exim call (`-C FILE`, `-DNAME`).
    pub exim_args: Vec<String>,
}

/// Finds a program on PATH or in the sbin directories.
fn find_program(name: &str) -> Option<String> {
    if name.contains('/') {
        return std::path::Path::new(name)
            .is_file()
            .then(|| name.to_string());
    }
    let path = std::env::var("PATH").unwrap_or_default();
    path.split(':')
        .chain(["/usr/sbin", "/usr/local/sbin", "/sbin"])
        .map(|d| std::path::Path::new(d).join(name))
        .find(|p| p.is_file())
        .map(|p| p.display().to_string())
}

impl Live {
    fn exim_binary(&self) -> Option<String> {
        match &self.exim {
            Some(e) => find_program(e),
            None => find_program("exim4").or_else(|| find_program("exim")),
        }
    }

    /// Which MTA to ask.
    pub fn which(&self) -> Result<Mta, String> {
        match self.mta {
            Some(m) => Ok(m),
            None if find_program("postqueue").is_some() => Ok(Mta::Postfix),
            None if self.exim_binary().is_some() => Ok(Mta::Exim),
            None => Err(
                "neither Postfix (postqueue) nor Exim (exim4, exim) is installed here; \
                 give a saved listing with --from FILE"
                    .to_string(),
            ),
        }
    }

    /// The command that lists the queue.
    pub fn list_command(&self, mta: Mta) -> Result<(String, Vec<String>), String> {
        match mta {
            Mta::Postfix => {
                let bin = find_program("postqueue")
                    .ok_or("Postfix's postqueue is not installed (or not on PATH)")?;
                let mut args = Vec::new();
                if let Some(c) = &self.postfix_config {
                    args.extend(["-c".to_string(), c.clone()]);
                }
                args.push("-j".to_string());
                Ok((bin, args))
            }
            Mta::Exim => {
                let bin = self
                    .exim_binary()
                    .ok_or("Exim is not installed (no exim4 or exim on PATH)")?;
                let mut args = self.exim_args.clone();
                args.push("-bp".to_string());
                Ok((bin, args))
            }
        }
    }

    /// Runs the listing command; its output.
    pub fn read(&self, mta: Mta) -> Result<String, String> {
        let (bin, args) = self.list_command(mta)?;
        let shown = format!("{bin} {}", args.join(" "));
        let out = Command::new(&bin)
            .args(&args)
            .output()
            .map_err(|e| format!("{shown}: {e}"))?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            let hint = if err.to_ascii_lowercase().contains("permission")
                || err.contains("not an admin")
            {
                " (reading the queue needs the MTA's admin rights: run as root, or as a member of the Exim group / postdrop)"
            } else {
                ""
            };
            return Err(format!(
                "{shown} failed ({}): {}{hint}",
                out.status,
                crate::text::escape_control(err.trim())
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The give-up rule of the live MTA, from `postconf` or the Exim
    /// configuration (`exim -bP config`), else the documented default.
    pub fn lifetime(&self, mta: Mta) -> Lifetime {
        match mta {
            Mta::Postfix => {
                let mut args = Vec::new();
                if let Some(c) = &self.postfix_config {
                    args.extend(["-c".to_string(), c.clone()]);
                }
                args.extend(["-h".to_string(), "maximal_queue_lifetime".to_string()]);
                let got = find_program("postconf")
                    .and_then(|b| Command::new(b).args(&args).output().ok())
                    .filter(|o| o.status.success())
                    .and_then(|o| parse_postfix_time(String::from_utf8_lossy(&o.stdout).trim()));
                match got {
                    Some(s) => Lifetime::uniform(
                        s,
                        format!("maximal_queue_lifetime = {} (postconf)", super::fmt_age(s)),
                    ),
                    None => Lifetime::default_for(Mta::Postfix),
                }
            }
            Mta::Exim => {
                let conf = self.exim_binary().and_then(|b| {
                    let mut args = self.exim_args.clone();
                    args.extend(["-bP".to_string(), "config".to_string()]);
                    Command::new(b)
                        .args(&args)
                        .output()
                        .ok()
                        .filter(|o| o.status.success())
                        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                });
                match conf.as_deref().and_then(exim_retry_rules) {
                    Some(rules) => Lifetime {
                        default: None,
                        rules,
                        source: "the retry rules' final cutoff (exim -bP config)".to_string(),
                    },
                    None => Lifetime::default_for(Mta::Exim),
                }
            }
        }
    }
}

/// A Postfix time value: `5d`, `120s`, a bare number in days.
pub fn parse_postfix_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(n) = s.parse::<i64>() {
        return Some(n * DAY);
    }
    parse_age(s)
}

/// How long a message may wait before its MTA gives up, from its arrival.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lifetime {
    /// For every domain no rule names.
    pub default: Option<i64>,
    /// Exim retry rules in order: (domain pattern, final cutoff seconds).
    pub rules: Vec<(String, i64)>,
    /// Where the figure comes from, said in the report.
    pub source: String,
}

impl Lifetime {
    pub fn uniform(seconds: i64, source: String) -> Lifetime {
        Lifetime {
            default: Some(seconds),
            rules: Vec::new(),
            source,
        }
    }

    /// The documented defaults: Postfix 5d, Exim's default rule `F,4d`.
    pub fn default_for(mta: Mta) -> Lifetime {
        match mta {
            Mta::Postfix => Lifetime::uniform(
                5 * DAY,
                "Postfix's default maximal_queue_lifetime of 5d (postconf not available)"
                    .to_string(),
            ),
            Mta::Exim => Lifetime::uniform(
                4 * DAY,
                "Exim's default retry rule `* * F,4d` (configuration not available)".to_string(),
            ),
        }
    }

    /// The give-up delay for a recipient domain.
    pub fn for_domain(&self, domain: &str) -> i64 {
        for (pat, secs) in &self.rules {
            if pattern_matches(pat, domain) {
                return *secs;
            }
        }
        self.default.unwrap_or(4 * DAY)
    }
}

/// An Exim retry pattern against a domain: `*`, `*@domain`, `*.suffix`,
/// `domain`, `user@domain` (any user). Lookups and regular expressions are
/// not evaluated: such a rule is skipped.
fn pattern_matches(pat: &str, domain: &str) -> bool {
    let p = pat.rsplit_once('@').map_or(pat, |(_, d)| d);
    if p == "*" {
        return true;
    }
    if let Some(suffix) = p.strip_prefix("*.") {
        return domain.len() > suffix.len()
            && domain.ends_with(suffix)
            && domain.as_bytes()[domain.len() - suffix.len() - 1] == b'.';
    }
    if let Some(suffix) = p.strip_prefix('*') {
        return domain.ends_with(suffix);
    }
    p.eq_ignore_ascii_case(domain)
}

/// The `begin retry` section of an Exim configuration: each rule's pattern
/// and its final cutoff (the largest first parameter of its `F,`/`G,`/`H,`
/// items, which are cumulative).
pub fn exim_retry_rules(conf: &str) -> Option<Vec<(String, i64)>> {
    let mut in_retry = false;
    let mut rules = Vec::new();
    let mut seen = false;
    for raw in conf.lines() {
        let line = raw.trim();
        if let Some(section) = line.strip_prefix("begin ") {
            in_retry = section.trim() == "retry";
            seen |= in_retry;
            continue;
        }
        if !in_retry || line.is_empty() || line.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let cutoff = words
            .iter()
            .skip(1)
            .flat_map(|w| w.split(';'))
            .filter_map(|item| {
                let mut f = item.split(',');
                let kind = f.next()?;
                if !matches!(kind, "F" | "G" | "H") {
                    return None;
                }
                parse_age(f.next()?.trim())
            })
            .max();
        if let (Some(pat), Some(c)) = (words.first(), cutoff) {
            rules.push(((*pat).to_string(), c));
        }
    }
    (seen && !rules.is_empty()).then_some(rules)
}

#[cfg(test)]
#[path = "dump_tests.rs"]
mod tests;

//! Live alerts: `--alert domain:20/10m` (20 421s from one recipient domain
//! within 10 minutes) and `--alert total:100/5m` (100 421 events of any kind
//! within 5 minutes). Windows slide on log time, so a replay alerts exactly
//! as the live run did. An alert fires once per episode and recovers when
//! the count in the window falls back below the threshold.

use std::collections::VecDeque;

use rustc_hash::FxHashMap as HashMap;
use serde::Serialize;

use crate::event::{Event, Kind};
use crate::when::parse_window;

/// What a rule counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// 421 deferrals and suspensions, per recipient domain.
    Domain,
    /// Every 421 event.
    Total,
}

/// One `--alert`: fire when `threshold` 421s of `scope` fall within
/// `window` seconds of log time; `text` is the flag as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRule {
    pub scope: Scope,
    pub threshold: usize,
    pub window: i64,
    pub text: String,
}

/// Parses `domain:20/10m` or `total:100/5m`.
pub fn parse_rule(s: &str) -> Result<AlertRule, String> {
    let bad = || format!("`{s}`: expected domain:N/WINDOW or total:N/WINDOW, like domain:20/10m");
    let (scope, rest) = s.split_once(':').ok_or_else(bad)?;
    let scope = match scope {
        "domain" => Scope::Domain,
        "total" => Scope::Total,
        _ => return Err(bad()),
    };
    let (n, window) = rest.split_once('/').ok_or_else(bad)?;
    let threshold: usize = n.parse().map_err(|_| bad())?;
    if threshold == 0 {
        return Err(bad());
    }
    Ok(AlertRule {
        scope,
        threshold,
        window: parse_window(window)?,
        text: s.to_string(),
    })
}

/// An alert raised or cleared.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Alert {
    /// `alert` or `recovery`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub rule: String,
    /// The domain, for per-domain rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// 421s in the window when it fired or recovered.
    pub count: usize,
    pub window_seconds: i64,
    /// Log time (Unix seconds) it fired or recovered at.
    pub time: i64,
}

#[derive(Default)]
struct Track {
    times: VecDeque<i64>,
    firing: bool,
}

impl Track {
    fn prune(&mut self, now: i64, window: i64) {
        while self.times.front().is_some_and(|t| *t <= now - window) {
            self.times.pop_front();
        }
    }
}

struct Watch {
    rule: AlertRule,
    total: Track,
    domains: HashMap<String, Track>,
}

/// Every rule's sliding windows.
pub struct Alerts {
    watches: Vec<Watch>,
}

impl Alerts {
    pub fn new(rules: Vec<AlertRule>) -> Alerts {
        Alerts {
            watches: rules
                .into_iter()
                .map(|rule| Watch {
                    rule,
                    total: Track::default(),
                    domains: HashMap::default(),
                })
                .collect(),
        }
    }

    /// Counts an event; returns the alerts it raises.
    pub fn event(&mut self, ev: &Event<'_>) -> Vec<Alert> {
        let mut out = Vec::new();
        for w in &mut self.watches {
            let (track, domain) = match w.rule.scope {
                Scope::Total => (&mut w.total, None),
                Scope::Domain => {
                    if !matches!(ev.kind, Kind::Deferred | Kind::Suspended) || ev.domain.is_empty()
                    {
                        continue;
                    }
                    let d = String::from_utf8_lossy(ev.domain).to_ascii_lowercase();
                    (w.domains.entry(d.clone()).or_default(), Some(d))
                }
            };
            track.times.push_back(ev.time);
            track.prune(ev.time, w.rule.window);
            if !track.firing && track.times.len() >= w.rule.threshold {
                track.firing = true;
                out.push(Alert {
                    kind: "alert",
                    rule: w.rule.text.clone(),
                    domain,
                    count: track.times.len(),
                    window_seconds: w.rule.window,
                    time: ev.time,
                });
            }
        }
        out
    }

    /// Log time has reached `now`: returns the recoveries, and forgets
    /// domains with nothing left in their window.
    pub fn tick(&mut self, now: i64) -> Vec<Alert> {
        let mut out = Vec::new();
        for w in &mut self.watches {
            let rule = &w.rule;
            let mut check = |track: &mut Track, domain: Option<String>| {
                track.prune(now, rule.window);
                if track.firing && track.times.len() < rule.threshold {
                    track.firing = false;
                    out.push(Alert {
                        kind: "recovery",
                        rule: rule.text.clone(),
                        domain,
                        count: track.times.len(),
                        window_seconds: rule.window,
                        time: now,
                    });
                }
            };
            check(&mut w.total, None);
            for (d, track) in &mut w.domains {
                check(track, Some(d.clone()));
            }
            w.domains.retain(|_, t| t.firing || !t.times.is_empty());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::Cause;
    use crate::parse::{Mta, Reply, Stage};

    fn ev(time: i64, domain: &'static str) -> Event<'static> {
        Event {
            time,
            kind: Kind::Deferred,
            mta: Mta::Exim,
            id: b"1vA001-000001-AB",
            party: b"x",
            domain: domain.as_bytes(),
            host: b"",
            ip: b"",
            reply: Reply {
                code: 421,
                enhanced: None,
                text: b"421 busy",
                stage: Stage::Rcpt,
            },
            cause: Cause::Capacity,
        }
    }

    #[test]
    fn parses_rules() {
        let r = parse_rule("domain:20/10m").unwrap();
        assert_eq!((r.scope, r.threshold, r.window), (Scope::Domain, 20, 600));
        assert_eq!(parse_rule("total:100/5m").unwrap().window, 300);
        for bad in [
            "domain:0/5m",
            "host:1/5m",
            "total:5",
            "total:x/5m",
            "total:5/5q",
        ] {
            assert!(parse_rule(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fires_once_per_episode_and_recovers() {
        let mut a = Alerts::new(vec![parse_rule("domain:3/10m").unwrap()]);
        assert!(a.event(&ev(0, "gmail.com")).is_empty());
        assert!(a.event(&ev(60, "gmail.com")).is_empty());
        assert!(a.event(&ev(70, "yahoo.com")).is_empty());
        let fired = a.event(&ev(120, "gmail.com"));
        assert_eq!(fired.len(), 1);
        assert_eq!(fired[0].domain.as_deref(), Some("gmail.com"));
        assert_eq!(fired[0].count, 3);
        // Still above the threshold: no second alert.
        assert!(a.event(&ev(130, "gmail.com")).is_empty());
        assert!(a.tick(500).is_empty());
        // At 601 the first 421 (t=0) has left the 10-minute window: 3 remain.
        assert!(a.tick(601).is_empty());
        let rec = a.tick(661);
        assert_eq!(rec.len(), 1);
        assert_eq!((rec[0].kind, rec[0].count), ("recovery", 2));
        // A new episode (t=120 and 130 are still in the window) alerts again.
        let again = a.event(&ev(700, "gmail.com"));
        assert_eq!((again.len(), again[0].kind), (1, "alert"));
        assert!(a.event(&ev(710, "gmail.com")).is_empty());
    }

    #[test]
    fn total_counts_every_kind() {
        let mut a = Alerts::new(vec![parse_rule("total:2/1m").unwrap()]);
        let mut inbound = ev(0, "");
        inbound.kind = Kind::Inbound;
        assert!(a.event(&inbound).is_empty());
        assert_eq!(a.event(&ev(10, "gmail.com")).len(), 1);
    }
}

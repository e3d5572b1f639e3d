//! Retry outcomes against a reference model: random but realistic Exim
//! message stories (arrival, 421 deferrals, other deferrals, delivery or
//! bounce, `Completed`) are written as a log; a plain sequential model of the
//! README's rules says what `report` must find. The same log read whole, in
//! chunks, and split into files named in any order must give that answer.

use std::collections::BTreeMap;

use maillog421::bench::format_rfc3339;
use maillog421::{LogFormat as Format, ScanConfig, Source, Zone, build_report, scan_all};
use proptest::prelude::*;

const IDS: [&str; 4] = [
    "1vA001-000001-AB",
    "1vA002-000002-CD",
    "1vA003-000003-EF",
    "1vA004-000004-GH",
];
const RCPTS: [&str; 3] = ["ann@gmail.com", "bob@yahoo.com", "cy@example.net"];
const T0: i64 = 1_795_000_000; // 2026-11-19

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Defer421,
    DeferOther,
    Deliver,
    Bounce,
}

/// What the model knows of a pair.
#[derive(Debug, Clone, Default)]
struct Pair {
    first_421: Option<i64>,
    /// Delivery attempts since the first 421 (issue 14: a retry-skipped
    /// line, `DeferOther` here, leaves the pair waiting but is no attempt).
    lines_since: u32,
    done: bool,
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Expected {
    recovered: u64,
    bounced: u64,
    /// p50 and p90 of time to delivery, and of delivery lines per recovery.
    percentiles: [Option<u32>; 4],
    pending: Vec<(String, String, String)>,
}

struct Story {
    lines: Vec<String>,
    expected: Expected,
}

fn stamp(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .unwrap()
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// Realises random picks as a realistic log and the model's answer. Each
/// message arrives, its recipients get 421s, other deferrals, a delivery or
/// a bounce (nothing after that), and `Completed` once all are done.
fn story(picks: &[(usize, usize, usize)]) -> Story {
    let mut lines = Vec::new();
    let mut arrived = [false; 4];
    let mut completed = [false; 4];
    let mut pairs: BTreeMap<(usize, usize), Pair> = BTreeMap::new();
    let mut out = Expected::default();
    let mut t = T0;
    let (mut delays, mut attempts) = (Vec::new(), Vec::new());
    for &(m, r, s) in picks {
        let (m, r) = (m % IDS.len(), r % RCPTS.len());
        t += 600;
        let (id, rcpt) = (IDS[m], RCPTS[r]);
        if completed[m] {
            continue;
        }
        if !arrived[m] {
            arrived[m] = true;
            lines.push(format!(
                "{} {id} <= sender@example.org H=mail.example.org [192.0.2.1] P=esmtp S=1421 id=x{m}@example.org",
                stamp(t)
            ));
            continue;
        }
        let pair = pairs.entry((m, r)).or_default();
        if pair.done {
            continue;
        }
        let step = [
            Step::Defer421,
            Step::Defer421,
            Step::DeferOther,
            Step::Deliver,
            Step::Bounce,
        ][s % 5];
        let when = stamp(t);
        if step == Step::Defer421 {
            pair.first_421.get_or_insert(t);
        }
        if pair.first_421.is_some() && step != Step::DeferOther {
            pair.lines_since += 1;
        }
        match step {
            Step::Defer421 => {
                lines.push(format!(
                    "{when} {id} == {rcpt} R=dnslookup T=remote_smtp defer (-44) H=mx.example [198.51.100.4]: SMTP error from remote mail server after RCPT TO:<{rcpt}>: 421 4.7.0 Try again later"
                ));
            }
            Step::DeferOther => lines.push(format!(
                "{when} {id} == {rcpt} R=dnslookup T=remote_smtp defer (-53): retry time not reached for any host"
            )),
            Step::Deliver => {
                pair.done = true;
                if let Some(first) = pair.first_421 {
                    out.recovered += 1;
                    delays.push(u32::try_from(t - first).unwrap());
                    attempts.push(pair.lines_since);
                }
                lines.push(format!(
                    "{when} {id} => {rcpt} R=dnslookup T=remote_smtp H=mx.example [198.51.100.4] C=\"250 OK id=1421\""
                ));
            }
            Step::Bounce => {
                pair.done = true;
                out.bounced += u64::from(pair.first_421.is_some());
                lines.push(format!(
                    "{when} {id} ** {rcpt} R=dnslookup T=remote_smtp: retry timeout exceeded"
                ));
            }
        }
        // Completed once every recipient the message has so far is done
        // and it has at least two.
        let mine: Vec<&Pair> = pairs
            .iter()
            .filter(|((mm, _), _)| *mm == m)
            .map(|(_, p)| p)
            .collect();
        if mine.len() >= 2 && mine.iter().all(|p| p.done) {
            completed[m] = true;
            // A second later, so no two inputs cut from this log span the
            // same seconds (their order would be only the order named).
            lines.push(format!("{} {id} Completed", stamp(t + 1)));
        }
    }
    for ((m, r), p) in &pairs {
        if let (Some(first), false) = (p.first_421, p.done) {
            out.pending.push((
                format_rfc3339(first, Zone::Utc),
                IDS[*m].to_string(),
                RCPTS[*r].to_string(),
            ));
        }
    }
    out.pending.sort();
    out.percentiles = [
        percentile(&delays, 50),
        percentile(&delays, 90),
        percentile(&attempts, 50),
        percentile(&attempts, 90),
    ];
    Story {
        lines,
        expected: out,
    }
}

/// Nearest-rank percentile, written out here independently of the crate.
fn percentile(values: &[u32], p: usize) -> Option<u32> {
    let mut v = values.to_vec();
    v.sort_unstable();
    let rank = (p * v.len()).div_ceil(100).max(1);
    v.get(rank - 1).copied()
}

fn found(scanned: &mut [maillog421::Scanned], cfg: &ScanConfig) -> Expected {
    let r = build_report(scanned, cfg);
    assert_eq!(
        r.retries.with_421,
        r.retries.recovered + r.retries.bounced + r.retries.pending
    );
    assert_eq!(r.retries.pending as usize, r.pending.len());
    Expected {
        recovered: r.retries.recovered,
        bounced: r.retries.bounced,
        percentiles: [
            r.retries.time_to_delivery_p50_s,
            r.retries.time_to_delivery_p90_s,
            r.retries.attempts_p50,
            r.retries.attempts_p90,
        ],
        pending: r
            .pending
            .iter()
            .map(|p| (p.first_421.clone(), p.id.clone(), p.recipient.clone()))
            .collect(),
    }
}

fn write(dir: &std::path::Path, name: &str, lines: &[String]) -> Source {
    let p = dir.join(name);
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(&p, text).unwrap();
    Source::File(p)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn retry_outcomes_match_the_model_however_the_log_is_cut(
        picks in prop::collection::vec((0usize..4, 0usize..3, 0usize..5), 1..80),
        cuts in prop::collection::vec(0usize..200, 0..4),
        reverse in any::<bool>(),
    ) {
        let s = story(&picks);
        let dir = tempfile::tempdir().unwrap();
        let cfg = ScanConfig {
            zone: Zone::Utc,
            format: Some(Format::Exim),
            ..ScanConfig::default()
        };
        let whole = vec![write(dir.path(), "mainlog", &s.lines)];
        let log = s.lines.join("\n");
        prop_assert_eq!(&found(&mut scan_all(&whole, &cfg, Some(1)).unwrap(), &cfg), &s.expected, "whole:\n{}", log);

        let chunked = ScanConfig { chunk_min: 1, ..cfg.clone() };
        prop_assert_eq!(&found(&mut scan_all(&whole, &chunked, Some(2)).unwrap(), &cfg), &s.expected, "chunked:\n{}", log);

        let mut bounds: Vec<usize> = cuts.iter().map(|c| c % (s.lines.len() + 1)).collect();
        bounds.extend([0, s.lines.len()]);
        bounds.sort_unstable();
        bounds.dedup();
        let mut split: Vec<Source> = bounds
            .windows(2)
            .enumerate()
            .map(|(i, w)| write(dir.path(), &format!("part{i}"), &s.lines[w[0]..w[1]]))
            .collect();
        if reverse {
            split.reverse();
        }
        prop_assert_eq!(&found(&mut scan_all(&split, &cfg, Some(2)).unwrap(), &cfg), &s.expected, "split at {:?}:\n{}", bounds, log);
    }
}

//! Logs written by the real Exim and Postfix daemons (`fixtures/real/`, made by
//! `fixtures/real/generate.sh` against a scripted SMTP server on 127.0.0.1),
//! against the ground truth derived from the server's own decisions: every
//! 421 event line with its kind, domain, enhanced code, category and stage,
//! no other line, and the delivery totals.
//!
//! Two stages cannot be read off the log line, and the test says so instead
//! of hiding it: Postfix words a 421 greeting and a 421 to EHLO alike
//! (`refused to talk to me`), so both are `connect`; Exim's inbound `SMTP
//! command timeout` line does not name the command it waited after (`unknown`).

mod common;

use std::collections::BTreeMap;
use std::io::Read;

use common::*;

/// The physical lines of a fixture, gzip or not.
fn lines_of(rel: &str) -> Vec<String> {
    let raw = std::fs::read(fixture(rel)).unwrap();
    let mut text = Vec::new();
    if raw.starts_with(&[0x1f, 0x8b]) {
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut text)
            .unwrap();
    } else {
        text = raw;
    }
    String::from_utf8_lossy(&text)
        .lines()
        .map(String::from)
        .collect()
}

/// The stage a reader of this line can know.
fn knowable_stage(truth: &str, kind: &str, line: &str) -> String {
    if kind != "inbound" && line.contains(" refused to talk to me: ") && truth == "ehlo" {
        return "connect".into();
    }
    if kind == "inbound" && line.contains("SMTP command timeout on ") {
        return "unknown".into();
    }
    truth.into()
}

#[test]
fn real_daemon_logs_match_the_server_truth() {
    let totals = tsv("real/expected-totals.tsv");
    assert!(totals.len() >= 4, "real fixtures missing");
    let mut want = BTreeMap::new();
    let mut unknowable = 0;
    let mut cache: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in tsv("real/expected-events.tsv") {
        let line_no: usize = r["line"].parse().unwrap();
        let lines = cache
            .entry(r["file"].clone())
            .or_insert_with(|| lines_of(&r["file"]));
        let stage = knowable_stage(&r["stage"], &r["kind"], &lines[line_no - 1]);
        if stage != r["stage"] {
            unknowable += 1;
        }
        let row = [
            r["kind"].clone(),
            r["domain"].clone(),
            r["enhanced"].clone(),
            r["category"].clone(),
            stage,
        ];
        want.insert((r["file"].clone(), line_no as u64), row);
    }
    assert!(want.len() > 1000, "truth too small: {}", want.len());
    let mut got = BTreeMap::new();
    for t in &totals {
        let file = &t["file"];
        for e in events(&[
            "events",
            "--tz",
            "utc",
            "--year",
            "2026",
            &format!("fixtures/{file}"),
        ]) {
            let row = ["kind", "domain", "enhanced", "category", "stage"]
                .map(|f| e[f].as_str().unwrap().to_string());
            got.insert((file.clone(), e["line"].as_u64().unwrap()), row);
        }
        let r = json(&[
            "report",
            "--format",
            "json",
            "--tz",
            "utc",
            "--year",
            "2026",
            &format!("fixtures/{file}"),
        ]);
        assert_totals(&r, t, file);
        assert_eq!(
            r["totals"]["unparsed_lines"], 0,
            "{file}: every line of a real log is understood"
        );
    }
    let missing: Vec<_> = want.keys().filter(|k| !got.contains_key(*k)).collect();
    let extra: Vec<_> = got.keys().filter(|k| !want.contains_key(*k)).collect();
    assert!(missing.is_empty(), "missed {}: {missing:?}", missing.len());
    assert!(extra.is_empty(), "not 421 events: {extra:?}");
    for (k, w) in &want {
        assert_eq!(
            &got[k], w,
            "{k:?} (kind, domain, enhanced, category, stage)"
        );
    }
    eprintln!(
        "{} events, {unknowable} with a stage the line cannot show",
        want.len()
    );
}

//! Issue 14 §1: delivery attempts are lines on which a delivery was tried;
//! lines with nothing tried count apart as `retry_skipped`. The yardstick is
//! `fixtures/real/count_attempts.py`, which counts from the README's
//! definitions with regular expressions, independently of the Rust parser.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::{fixture, json};

/// `(file, domain) -> row` of an `expected-attempts.tsv`.
fn expected(dir: &str) -> BTreeMap<(String, String), BTreeMap<String, u64>> {
    let text = std::fs::read_to_string(fixture(dir).join("expected-attempts.tsv"))
        .expect("expected-attempts.tsv (run fixtures/real/count_attempts.py)");
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split('\t').collect();
    lines
        .map(|l| {
            let cells: Vec<&str> = l.split('\t').collect();
            let row = head[2..]
                .iter()
                .zip(&cells[2..])
                .map(|(k, v)| (k.to_string(), v.parse().unwrap()))
                .collect();
            ((cells[0].to_string(), cells[1].to_string()), row)
        })
        .collect()
}

fn per_1000(n: u64, of: u64) -> f64 {
    if of == 0 {
        0.0
    } else {
        (n as f64 * 1000.0 / of as f64 * 10.0).round() / 10.0
    }
}

/// Every log under `dir`'s subdirectories, as the script finds them.
fn logs_under(dir: &Path, base: &Path, out: &mut BTreeSet<String>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            logs_under(&p, base, out);
            continue;
        }
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let skip = [
            ".jsonl", ".json", ".tsv", ".py", ".md", ".txt", ".sh", ".conf",
        ]
        .iter()
        .any(|s| name.ends_with(s))
            || name.starts_with("truth");
        if p.parent() != Some(base) && !skip {
            out.insert(p.strip_prefix(base).unwrap().to_string_lossy().into_owned());
        }
    }
}

fn check(dir: &str) -> usize {
    let want = expected(dir);
    let files: BTreeSet<String> = want.keys().map(|(f, _)| f.clone()).collect();
    let mut on_disk = BTreeSet::new();
    logs_under(&fixture(dir), &fixture(dir), &mut on_disk);
    assert_eq!(
        files, on_disk,
        "fixtures/{dir}/expected-attempts.tsv must list every log: rerun count_attempts.py"
    );
    let mut skipped = 0;
    for file in &files {
        let path = fixture(dir).join(file);
        let r = json(&["report", "--format", "json", path.to_str().unwrap()]);
        let t = &r["totals"];
        let total = &want[&(file.clone(), "*".to_string())];
        for (ours, theirs) in [
            ("delivery_attempts", "attempts"),
            ("retry_skipped", "retry_skipped"),
            ("deferrals_421", "deferred_421"),
            ("delivered", "delivered"),
            ("bounced", "bounced"),
        ] {
            assert_eq!(
                t[ours].as_u64().unwrap(),
                total[theirs],
                "{file}: totals {ours}"
            );
        }
        assert_eq!(
            t["delivered"].as_u64().unwrap()
                + t["deferred"].as_u64().unwrap()
                + t["bounced"].as_u64().unwrap(),
            total["attempts"],
            "{file}: attempts = delivered + deferred + bounced"
        );
        skipped += total["retry_skipped"] as usize;
        // Windows add up to the totals.
        let windows = r["by_window"].as_array().unwrap();
        for (ours, theirs) in [
            ("delivery_attempts", "attempts"),
            ("retry_skipped", "retry_skipped"),
        ] {
            let sum: u64 = windows.iter().map(|w| w[ours].as_u64().unwrap()).sum();
            assert_eq!(sum, total[theirs], "{file}: windows' {ours}");
        }
        // Every domain listed equals the count; every domain with a 421
        // deferral is listed.
        let mut listed = BTreeSet::new();
        for d in r["by_domain"].as_array().unwrap() {
            let name = d["domain"].as_str().unwrap();
            let name = if name.is_empty() { "(none)" } else { name };
            let w = &want[&(file.clone(), name.to_string())];
            for (ours, theirs) in [
                ("delivery_attempts", "attempts"),
                ("retry_skipped", "retry_skipped"),
                ("deferrals_421", "deferred_421"),
                ("delivered", "delivered"),
                ("bounced", "bounced"),
            ] {
                assert_eq!(
                    d[ours].as_u64().unwrap(),
                    w[theirs],
                    "{file} {name}: {ours}"
                );
            }
            assert_eq!(
                d["rate_per_1000"].as_f64().unwrap(),
                per_1000(w["deferred_421"], w["attempts"]),
                "{file} {name}: rate per 1,000"
            );
            listed.insert(name.to_string());
        }
        for ((f, dom), w) in &want {
            if f == file && dom != "*" && w["deferred_421"] > 0 {
                assert!(listed.contains(dom), "{file}: {dom} missing from by_domain");
            }
        }
        // Providers: their attempts add up to the domains' attempts.
        let prov: u64 = r["by_provider"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["delivery_attempts"].as_u64().unwrap())
            .sum();
        assert!(prov <= total["attempts"], "{file}: provider attempts");
    }
    skipped
}

#[test]
fn issue_14_real_daemon_attempts_match_the_independent_count() {
    let skipped = check("real");
    assert!(skipped > 0, "the real fixtures hold retry-skipped lines");
}

#[test]
fn issue_14_retry_story_attempts_match_the_independent_count() {
    let skipped = check("retries");
    assert!(skipped > 0, "the retry fixtures hold retry-skipped lines");
}

//! The hand-written fixtures against their ground truth
//! (`fixtures/expected-events.tsv`, `fixtures/expected-totals.tsv`): every
//! 421 event found with its kind, domain, enhanced code, category and stage,
//! no other line reported, and the delivery totals right.

mod common;

use std::collections::BTreeMap;

use common::*;

#[test]
fn every_fixture_event_and_nothing_else() {
    let want = tsv("expected-events.tsv");
    assert!(want.len() > 150, "ground truth too small: {}", want.len());
    let totals = tsv("expected-totals.tsv");
    let mut got = BTreeMap::new();
    for t in &totals {
        let file = &t["file"];
        for e in events(&["events", "--tz", "utc", &format!("fixtures/{file}")]) {
            let key = (file.clone(), e["line"].as_u64().unwrap());
            let row = ["kind", "domain", "enhanced", "category", "stage"]
                .map(|f| e[f].as_str().unwrap().to_string());
            assert!(got.insert(key.clone(), row).is_none(), "{key:?} twice");
        }
    }
    let want: BTreeMap<(String, u64), [String; 5]> = want
        .iter()
        .map(|r| {
            (
                (r["file"].clone(), r["line"].parse().unwrap()),
                ["kind", "domain", "enhanced", "category", "stage"].map(|f| r[f].clone()),
            )
        })
        .collect();
    let missing: Vec<_> = want.keys().filter(|k| !got.contains_key(*k)).collect();
    let extra: Vec<_> = got.keys().filter(|k| !want.contains_key(*k)).collect();
    assert!(missing.is_empty(), "missed: {missing:?}");
    assert!(extra.is_empty(), "not 421 events: {extra:?}");
    for (k, w) in &want {
        assert_eq!(
            &got[k], w,
            "{k:?} (kind, domain, enhanced, category, stage)"
        );
    }
}

#[test]
fn delivery_totals_per_fixture() {
    for t in tsv("expected-totals.tsv") {
        let file = format!("fixtures/{}", t["file"]);
        let r = json(&["report", "--format", "json", "--tz", "utc", &file]);
        assert_totals(&r, &t, &file);
        assert_eq!(
            r["totals"]["unparsed_lines"], 0,
            "{file}: every line of a fixture is understood"
        );
    }
}

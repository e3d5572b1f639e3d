//! `maillog421 explain`: a reply text or a category name in, advice out.

mod common;

use common::{json, run};

const TSS04: &str = "421 4.7.0 [TSS04] Messages from 203.0.113.5 temporarily deferred due to unexpected volume or user complaints";

fn assert_fits_80(out: &str) {
    for l in out.lines() {
        assert!(l.chars().count() <= 80, "too wide: {l:?}");
    }
}

#[test]
fn issue_7_yahoo_tss04_reply_is_rate_limit_with_yahoo_advice() {
    let o = run(&["explain", TSS04]);
    assert_eq!(o.code, 0, "stderr: {}", o.stderr);
    assert_eq!(o.stderr, "");
    let out = &o.stdout;
    assert!(out.contains("Category:  rate-limit"), "{out}");
    assert!(out.contains("Code:      421, enhanced 4.7.0"), "{out}");
    assert!(out.contains("\"[tss04]\", Yahoo's signature"), "{out}");
    assert!(out.contains("Yahoo / AOL specifics"), "{out}");
    assert!(out.contains("senders.yahooinc.com"), "{out}");
    for section in [
        "What it means",
        "Is it temporary?",
        "Common causes",
        "Who has to act",
        "What to do now",
        "What to send their support",
    ] {
        assert!(out.contains(section), "no {section}: {out}");
    }
    // The concrete settings of both MTAs.
    for setting in [
        "smtp_destination_rate_delay",
        "transport_maps",
        "remote_max_parallel",
        "serialize_hosts",
    ] {
        assert!(out.contains(setting), "no {setting}: {out}");
    }
    assert_fits_80(out);
}

#[test]
fn unquoted_words_make_one_reply() {
    let words: Vec<&str> = TSS04.split(' ').collect();
    let mut args = vec!["explain"];
    args.extend(&words);
    let o = run(&args);
    assert_eq!(o.code, 0, "stderr: {}", o.stderr);
    assert_eq!(o.stdout, run(&["explain", TSS04]).stdout);
}

#[test]
fn category_by_name() {
    let o = run(&["explain", "greylisting"]);
    assert_eq!(o.code, 0, "stderr: {}", o.stderr);
    assert!(
        o.stdout
            .starts_with("greylisting: first attempt greylisted"),
        "{}",
        o.stdout
    );
    assert!(!o.stdout.contains("Reply:"));
    assert!(o.stdout.contains("smtp_bind_address"));
    assert_fits_80(&o.stdout);
    // Case and underscores do not matter.
    assert_eq!(
        run(&["explain", "Rate_Limit"]).stdout,
        run(&["explain", "rate-limit"]).stdout
    );
}

#[test]
fn every_category_explains_within_80_columns() {
    for c in maillog421::Cause::ALL {
        let o = run(&["explain", c.name()]);
        assert_eq!(o.code, 0, "{}: {}", c.name(), o.stderr);
        assert_fits_80(&o.stdout);
    }
}

#[test]
fn unknown_word_exits_2_listing_categories() {
    let o = run(&["explain", "frobnicate"]);
    assert_eq!(o.code, 2);
    assert_eq!(o.stdout, "");
    assert!(o.stderr.contains("`frobnicate`"), "{}", o.stderr);
    for c in maillog421::Cause::ALL {
        assert!(o.stderr.contains(c.name()), "{}", o.stderr);
    }
}

#[test]
fn control_characters_are_not_printed_raw() {
    let reply = "421 4.3.2 busy \x1b]0;owned\x07 \x1b[31mred\x1b[0m \u{9b}2J try later";
    let o = run(&["explain", reply]);
    assert_eq!(o.code, 0, "stderr: {}", o.stderr);
    assert!(
        !o.stdout.chars().any(|c| c.is_control() && c != '\n'),
        "{:?}",
        o.stdout
    );
    assert!(o.stdout.contains("\\x1b[31mred"), "{}", o.stdout);
    assert!(o.stdout.contains("Category:  capacity"), "{}", o.stdout);
    // Also in the error message.
    let o = run(&["explain", "bad\x1b[2Jword"]);
    assert_eq!(o.code, 2);
    assert!(!o.stderr.contains('\x1b'), "{:?}", o.stderr);
}

#[test]
fn json_has_every_field() {
    let v = json(&["explain", "--format", "json", TSS04]);
    assert_eq!(v["category"], "rate-limit");
    for key in ["meaning", "temporary", "summary"] {
        assert!(!v[key].as_str().unwrap().is_empty(), "{key}");
    }
    for key in ["causes", "who_acts", "do_now", "tell_support"] {
        let items = v[key].as_array().unwrap_or_else(|| panic!("{key}"));
        assert!(!items.is_empty(), "{key}");
        assert!(items.iter().all(|i| i.is_string()), "{key}");
    }
    let r = &v["reply"];
    assert_eq!(r["text"], TSS04);
    assert_eq!(r["code"], 421);
    assert_eq!(r["enhanced"], "4.7.0");
    assert_eq!(r["decided_by"], "phrase");
    assert_eq!(r["phrase"], "[tss04]");
    assert_eq!(r["signature"], "Yahoo");
    assert!(r["note"].is_null());
    assert_eq!(v["provider"]["name"], "Yahoo / AOL");
    assert!(!v["provider"]["advice"].as_array().unwrap().is_empty());

    let v = json(&["explain", "--format", "json", "timeout"]);
    assert_eq!(v["category"], "timeout");
    assert!(v["reply"].is_null());
    assert!(v["provider"].is_null());
}

#[test]
fn enhanced_code_decides_when_no_phrase_matches() {
    let v = json(&["explain", "--format", "json", "421 4.4.1 Try again"]);
    assert_eq!(v["category"], "timeout");
    assert_eq!(v["reply"]["decided_by"], "enhanced-code");
    assert!(v["reply"]["phrase"].is_null());
    let o = run(&[
        "explain",
        "421 Service not available, closing transmission channel",
    ]);
    assert!(o.stdout.contains("Category:  unknown"), "{}", o.stdout);
    assert!(
        o.stdout.contains("Code:      421, no enhanced code"),
        "{}",
        o.stdout
    );
}

#[test]
fn issue_14_explain_rules_with_a_log_line_applies_domain_rules_like_report() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    std::fs::write(
        &rules,
        "[[rule]]\nphrase = \"too many concurrent smtp connections\"\ncategory = \"reputation\"\ndomain = \"connlimit.test\"\n",
    )
    .unwrap();
    let rules = rules.to_string_lossy().into_owned();
    // A line written by the real Exim 4.96 (fixtures/real), whose recipient is in the rule's domain.
    let text = std::fs::read_to_string(common::fixture("real/exim/mainlog-default")).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains(" == ") && l.contains("@connlimit.test ") && l.contains(" 421 "))
        .expect("a connlimit.test deferral in the real log");
    let e = json(&["--rules", &rules, "explain", "--format", "json", line]);
    assert_eq!(e["category"], "reputation", "{e}");
    assert_eq!(e["reply"]["decided_by"], "custom-rule", "{e}");
    // report, on a log holding the same line, decides the same.
    let log = dir.path().join("mainlog");
    std::fs::write(&log, format!("{line}\n")).unwrap();
    let r = json(&[
        "--rules",
        &rules,
        "report",
        "--format",
        "json",
        &log.to_string_lossy(),
    ]);
    assert_eq!(r["by_domain"][0]["top_category"], "reputation", "{r}");
    // The bare reply names no domain: the domain-limited rule stays out.
    let reply = &line[line.find("421 4.7.0").unwrap()..];
    let e = json(&["--rules", &rules, "explain", "--format", "json", reply]);
    assert_eq!(e["category"], "connection-limit", "{e}");
}

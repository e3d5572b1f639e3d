//! Custom cause rules (`--rules FILE`): they change categories ahead of the
//! built-in table, `rules` lists them with their file and line, a bad file
//! is an error naming its line, and the rule `report` suggests for an
//! unclassified reply, once finished, classifies it.

mod common;

use common::{json, path_str, run};
use serde_json::Value;

const LOGS: [&str; 2] = ["fixtures/exim/mainlog", "fixtures/postfix/maillog"];

fn report(rules: Option<&str>) -> Value {
    let mut args = vec!["report", "--format", "json", "--tz", "utc"];
    if let Some(r) = rules {
        args.extend(["--rules", r]);
    }
    args.extend(LOGS);
    json(&args)
}

fn category_count(r: &Value, name: &str) -> u64 {
    r["by_category"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == name)
        .map(|c| c["deferrals_421"].as_u64().unwrap() + c["replies_421"].as_u64().unwrap())
        .unwrap()
}

#[test]
fn suggested_rule_once_finished_classifies_the_reply() {
    let plain = report(None);
    let unknown = plain["top_unknown_replies"].as_array().unwrap();
    assert!(
        !unknown.is_empty(),
        "the fixtures hold an unclassified reply"
    );
    let first = &unknown[0];
    let rule = first["suggested_rule"].as_str().unwrap();
    assert!(rule.starts_with("[[rule]]\nphrase = \""), "{rule}");
    // The admin picks a category and saves it.
    let finished = rule.replace("category = \"unknown\"", "category = \"capacity\"");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rules.toml");
    std::fs::write(&file, &finished).unwrap();
    let f = path_str(&file);
    let taught = report(Some(&f));
    let n = first["deferrals_421"].as_u64().unwrap() + first["replies_421"].as_u64().unwrap();
    assert_eq!(
        category_count(&taught, "capacity"),
        category_count(&plain, "capacity") + n
    );
    assert_eq!(
        category_count(&taught, "unknown"),
        category_count(&plain, "unknown") - n
    );
    let still: Vec<&Value> = taught["top_unknown_replies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["text"] == first["text"])
        .collect();
    assert!(still.is_empty(), "{still:?}");
    // The table says where to put it.
    let mut args = vec!["report", "--tz", "utc"];
    args.extend(LOGS);
    let table = run(&args).stdout;
    assert!(
        table.contains("finish rules like these and add them to /etc/maillog421/rules.toml")
            && table.contains("  [[rule]]\n  phrase = \""),
        "{table}"
    );
}

#[test]
fn a_custom_rule_goes_before_the_built_in_table_and_rules_lists_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rules.toml");
    // Built in, Comcast's "Too many sessions" is connection-limit; teach
    // "too many" as rate-limit for comcast.net only.
    std::fs::write(
        &file,
        "# ours\n\n[[rule]]\nphrase = \"too many\"\ncategory = \"rate-limit\"\ndomain = \"comcast.net\"\nprovider = \"Comcast\"\n",
    )
    .unwrap();
    let f = path_str(&file);
    let events = |rules: Option<&str>| -> Vec<Value> {
        let mut args = vec!["events"];
        if let Some(r) = rules {
            args.extend(["--rules", r]);
        }
        args.extend(LOGS);
        let o = run(&args);
        assert_eq!(o.code, 0, "{}", o.stderr);
        o.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let before = events(None);
    let after = events(Some(&f));
    assert_eq!(before.len(), after.len());
    let mut changed = 0;
    for (b, a) in before.iter().zip(&after) {
        let taught = a["domain"] == "comcast.net"
            && a["text"]
                .as_str()
                .unwrap()
                .to_ascii_lowercase()
                .contains("too many");
        if taught {
            assert_eq!(b["category"], "connection-limit", "{b}");
            assert_eq!(a["category"], "rate-limit", "{a}");
            changed += 1;
        } else {
            assert_eq!(a["category"], b["category"], "{a}");
        }
    }
    assert_eq!(changed, 4, "the four comcast.net deferrals");
    let listing = run(&["rules", "--rules", &f]);
    assert_eq!(listing.code, 0);
    let first_row = listing.stdout.lines().find(|l| l.contains("│ 1 ")).unwrap();
    for part in [
        "phrase \"too many\"",
        "comcast.net",
        "rate-limit",
        "Comcast",
        &format!("{f}:3"),
    ] {
        assert!(first_row.contains(part), "{part} in {first_row}");
    }
    assert!(listing.stdout.contains("(1 custom, "), "{}", listing.stdout);
    let rows: Value =
        serde_json::from_str(&run(&["rules", "--rules", &f, "--format", "json"]).stdout).unwrap();
    assert_eq!(rows[0]["from"], format!("{f}:3"));
    assert_eq!(rows[1]["from"], "built-in #1");
    // explain has no recipient domain: the comcast.net rule does not apply.
    let explain = run(&["explain", "--rules", &f, "421 Too many sessions"]);
    assert!(
        explain.stdout.contains("connection-limit"),
        "{}",
        explain.stdout
    );
    std::fs::write(
        &file,
        "[[rule]]\nphrase = \"too many\"\ncategory = \"rate-limit\"\n",
    )
    .unwrap();
    let explain = run(&["explain", "--rules", &f, "421 Too many sessions"]);
    assert!(
        explain
            .stdout
            .contains(&format!("the custom rule phrase \"too many\" at {f}:1")),
        "{}",
        explain.stdout
    );
}

#[test]
fn a_bad_rules_file_is_an_error_naming_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rules.toml");
    std::fs::write(
        &file,
        "[[rule]]\nphrase = \"slow down\"\ncategory = \"rate-limit\"\n\n[[rule]]\nregex = \"(unclosed\"\ncategory = \"capacity\"\n",
    )
    .unwrap();
    let f = path_str(&file);
    let o = run(&["report", "--rules", &f, "fixtures/exim/mainlog"]);
    assert_eq!(o.code, 2);
    assert_eq!(o.stdout, "", "nothing is reported with a broken rules file");
    assert!(
        o.stderr
            .starts_with(&format!("maillog421: rules: {f}:5: bad regex:")),
        "{}",
        o.stderr
    );
    std::fs::write(&file, "[[rule]]\nphrase = \"x\"\ncategory = \"slow\"\n").unwrap();
    let o = run(&["rules", "--rules", &f]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains(&format!(
            "{f}:3: unknown category `slow`; the categories are capacity"
        )),
        "{}",
        o.stderr
    );
    let o = run(&["rules", "--rules", "/nonexistent/rules.toml"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("/nonexistent/rules.toml:0: cannot read"),
        "{}",
        o.stderr
    );
}

#[test]
fn the_example_rules_file_loads_and_each_rule_takes_effect() {
    let plain = report(None);
    let taught = report(Some("fixtures/rules/rules.toml"));
    let delta = |c: &str| category_count(&taught, c) as i64 - category_count(&plain, c) as i64;
    // "closing transmission channel": unknown becomes capacity.
    assert_eq!(category_count(&taught, "unknown"), 0);
    assert_eq!(delta("capacity"), category_count(&plain, "unknown") as i64);
    // Comcast's "Too many" for comcast.net: connection-limit becomes rate-limit.
    assert_eq!(delta("rate-limit"), -delta("connection-limit"));
    assert!(delta("rate-limit") > 0);
    // 4.7.1 from partner.example.net: auth-policy becomes downstream.
    assert_eq!(delta("downstream"), -delta("auth-policy"));
    assert!(delta("downstream") > 0);
    let listing = run(&["rules", "--rules", "fixtures/rules/rules.toml"]).stdout;
    for origin in ["rules.toml:6", "rules.toml:12", "rules.toml:19"] {
        assert!(listing.contains(origin), "{origin}: {listing}");
    }
}

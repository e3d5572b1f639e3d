//! `--by-host` on a central syslog file of two Postfix hosts
//! (`fixtures/central/maillog`, made by its `make.py` from the Postfix
//! fixture) and on Exim logs gathered one directory per host.

mod common;

use common::{fixture, json, path_str, run};
use serde_json::Value;

/// `report --format json --tz utc --year 2026 ARGS`.
fn report(args: &[&str]) -> Value {
    let mut all = vec![
        "report", "--format", "json", "--tz", "utc", "--year", "2026",
    ];
    all.extend_from_slice(args);
    json(&all)
}

fn server<'a>(r: &'a Value, name: &str) -> &'a Value {
    r["by_server"]
        .as_array()
        .expect("by_server with --by-host")
        .iter()
        .find(|s| s["server"] == name)
        .unwrap_or_else(|| panic!("no server {name}: {}", r["by_server"]))
}

#[test]
fn central_syslog_is_split_by_the_host_field() {
    let central = path_str(&fixture("central/maillog"));
    let one = report(&["fixtures/postfix/maillog"]);
    let r = report(&["--by-host", &central]);
    assert_eq!(r["by_server"].as_array().unwrap().len(), 2);
    let t = &one["totals"];
    for name in ["mx1", "mx2"] {
        let s = server(&r, name);
        assert_eq!(s["deferrals_421"], t["deferrals_421"], "{name}");
        assert_eq!(s["delivery_attempts"], t["delivery_attempts"], "{name}");
        assert_eq!(s["messages_received"], t["messages_received"], "{name}");
        assert_eq!(s["inbound_421"], t["inbound_421"], "{name}");
        assert_eq!(s["top_domain"], "yahoo.com", "{name}");
    }
    // The whole is the sum of the servers.
    assert_eq!(
        r["totals"]["deferrals_421"].as_u64().unwrap(),
        2 * t["deferrals_421"].as_u64().unwrap()
    );
    // Without --by-host there is no per-server table.
    let plain = json(&["report", "--format", "json", "--year", "2026", &central]);
    assert!(plain.get("by_server").is_none());
    let table = run(&[
        "report",
        "--tz",
        "utc",
        "--year",
        "2026",
        "--by-host",
        &central,
    ])
    .stdout;
    let section = &table[table.find("By mail server (--by-host)").expect(&table)..];
    assert!(
        section
            .lines()
            .any(|l| l.contains("mx2") && l.contains("yahoo.com (6)")),
        "{section}"
    );
}

#[test]
fn events_carry_their_server() {
    let central = path_str(&fixture("central/maillog"));
    let o = run(&["events", "--year", "2026", "--by-host", &central]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let events: Vec<Value> = o
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mx1 = events.iter().filter(|e| e["server"] == "mx1").count();
    let mx2 = events.iter().filter(|e| e["server"] == "mx2").count();
    assert_eq!(mx1 + mx2, events.len(), "every event names its server");
    assert_eq!(mx1, mx2);
    let plain = run(&["events", "--year", "2026", &central]).stdout;
    assert!(!plain.contains("\"server\""));
}

#[test]
fn exim_logs_take_their_directory_or_host_name() {
    let dir = tempfile::tempdir().unwrap();
    let log = std::fs::read(fixture("exim/mainlog")).unwrap();
    for host in ["mx-a", "mx-b"] {
        std::fs::create_dir(dir.path().join(host)).unwrap();
        std::fs::write(dir.path().join(host).join("mainlog"), &log).unwrap();
    }
    let a = path_str(&dir.path().join("mx-a/mainlog"));
    let b = path_str(&dir.path().join("mx-b/mainlog"));
    let r = report(&["--by-host", &a, &b]);
    let one = report(&["fixtures/exim/mainlog"]);
    for name in ["mx-a", "mx-b"] {
        assert_eq!(
            server(&r, name)["deferrals_421"],
            one["totals"]["deferrals_421"]
        );
    }
    let named = report(&["--by-host", "--host", "smtp1", &a]);
    assert_eq!(named["by_server"].as_array().unwrap().len(), 1);
    assert_eq!(
        server(&named, "smtp1")["deferrals_421"],
        one["totals"]["deferrals_421"]
    );
    let o = run(&["report", "--host", "smtp1", &a]);
    assert_eq!(o.code, 2, "--host needs --by-host");
}

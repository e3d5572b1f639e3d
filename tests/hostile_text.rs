//! Log text is chosen by strangers: remote servers write the reply text,
//! clients their names, senders the addresses. Every output is checked on
//! one hostile log: terminal outputs (table, summary, follow, explain,
//! stderr) never carry a control or bidi character raw, HTML escapes
//! everything, CSV neutralises formulas and quotes correctly, JSON stays
//! valid for any bytes and decodes back to the text.

mod common;

use common::{path_str, root, run};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// Escape sequences (OSC title, clear screen, colour, 8-bit CSI), a bidi
/// override, DEL, markup and an attribute break-out, then invalid UTF-8.
const PAYLOAD: &str = "\x1b]0;pwned\x07\x1b[2J\x1b[31mred\u{9b}1m \u{202e}gnp.exe\u{7f} <script>alert(1)</script> \"onmouseover=alert(2)";

/// Four 421 deferrals to addresses a spreadsheet would run as formulas, one
/// to a recipient with escapes in its name, a hostile inbound client, and
/// a line that is not understood at all.
fn hostile_maillog() -> Vec<u8> {
    let mut log = Vec::new();
    let rcpts = [
        "bob@=cmd.example",
        "bob@+cmd.example",
        "bob@-cmd.example",
        "@cmd.example",
    ];
    for (i, rcpt) in rcpts.iter().enumerate() {
        log.extend_from_slice(format!(
            "Nov 22 10:0{i}:01 mx1 postfix/smtp[11]: 4217E3011B4{i}: to=<{rcpt}>, relay=mx.example.net[192.0.2.1]:25, delay=1, delays=1/0/0/0, dsn=4.7.0, status=deferred (host mx.example.net[192.0.2.1] said: 421 4.7.0 Too many connections {PAYLOAD} "
        ).as_bytes());
        log.extend_from_slice(b"\xff\xfe (in reply to MAIL FROM command))\n");
    }
    log.extend_from_slice(
        "Nov 22 10:05:01 mx1 postfix/smtp[11]: 4217E3011B50: to=<a\x1b[31m\u{202e}b@ok.example>, relay=mx.ok.example[192.0.2.2]:25, delay=1, delays=1/0/0/0, dsn=4.3.2, status=deferred (host mx.ok.example[192.0.2.2] said: 421 4.3.2 System not accepting network messages (in reply to RCPT TO command))\n".as_bytes(),
    );
    log.extend_from_slice(
        "Nov 22 10:06:01 mx1 postfix/smtpd[12]: too many errors after RCPT from \x1b[2Jevil\u{202e}[203.0.113.78]\n"
            .as_bytes(),
    );
    log.extend_from_slice(format!("Nov 22 10:07:01 {PAYLOAD}\n").as_bytes());
    log
}

fn write_log() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("maillog");
    std::fs::write(&p, hostile_maillog()).unwrap();
    (dir, path_str(&p))
}

/// No control character but the line feed, and no bidi formatting
/// character, reaches the terminal.
fn assert_terminal_safe(text: &str, what: &str) {
    for (i, c) in text.char_indices() {
        let bidi = matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        assert!(
            !(bidi || c.is_control() && c != '\n'),
            "{what}: raw {c:?} at byte {i}: {:?}",
            &text[i.saturating_sub(40)..(i + 40).min(text.len())]
        );
    }
}

fn common_args<'a>(cmd: &'a str, path: &'a str) -> Vec<&'a str> {
    vec![cmd, "--tz", "utc", "--year", "2026", path]
}

#[test]
fn report_table_and_stderr_show_escapes() {
    let (_dir, p) = write_log();
    let mut args = common_args("report", &p);
    args.extend(["--verbose", "--stuck", "10"]);
    let o = run(&args);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_terminal_safe(&o.stdout, "report table");
    assert_terminal_safe(&o.stderr, "report stderr");
    assert!(o.stdout.contains("\\x1b]0;pwned\\x07"), "{}", o.stdout);
    assert!(o.stdout.contains("\\u{202e}gnp.exe"), "{}", o.stdout);
    assert!(
        o.stdout.contains("\\x1b[2Jevil"),
        "the inbound client: {}",
        o.stdout
    );
    assert!(
        o.stderr.contains("not understood: ") && o.stderr.contains("\\x1b[2J"),
        "the unparsed line, escaped: {}",
        o.stderr
    );
}

#[test]
fn summary_mail_shows_escapes() {
    let (_dir, p) = write_log();
    let o = run(&["summary", "--day", "2026-11-22", "--tz", "utc", &p]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_terminal_safe(&o.stdout, "summary");
    assert!(o.stdout.contains("cmd.example"), "{}", o.stdout);
    assert!(o.stdout.contains("\\x1b"), "{}", o.stdout);
}

#[test]
fn explain_shows_escapes() {
    let o = run(&["explain", &format!("421 4.7.0 {PAYLOAD}")]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_terminal_safe(&o.stdout, "explain");
    assert!(o.stdout.contains("\\x1b]0;pwned"), "{}", o.stdout);
}

#[test]
fn follow_output_shows_escapes() {
    let (_dir, p) = write_log();
    let mut child = Command::new(env!("CARGO_BIN_EXE_maillog421"))
        .args([
            "follow",
            "--from-start",
            "--tz",
            "utc",
            "--year",
            "2026",
            &p,
        ])
        .current_dir(root())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut seen = String::new();
    // Five outbound events and one inbound: wait for all six lines.
    while seen.matches(" 421 ").count() < 6 {
        let mut line = String::new();
        let n = out.read_line(&mut line).unwrap();
        assert!(n > 0, "follow ended early: {seen}");
        seen.push_str(&line);
    }
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    seen.push_str(&rest);
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert_terminal_safe(&seen, "follow stdout");
    assert_terminal_safe(&String::from_utf8_lossy(&o.stderr), "follow stderr");
    assert!(seen.contains("\\x1b]0;pwned"), "{seen}");
}

#[test]
fn html_escapes_everything() {
    let (_dir, p) = write_log();
    let mut args = common_args("report", &p);
    args.extend(["--format", "html"]);
    let o = run(&args);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let html = o.stdout;
    assert_terminal_safe(&html, "html");
    assert!(!html.contains("<script"), "a script element in the page");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("\"onmouseover"), "an attribute break-out");
    assert!(html.contains("&quot;onmouseover=alert(2)"));
}

#[test]
fn csv_neutralises_formulas_and_quotes_correctly() {
    let (_dir, p) = write_log();
    let mut args = common_args("report", &p);
    args.extend(["--format", "csv", "--by", "domain"]);
    let o = run(&args);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_terminal_safe(&o.stdout, "csv");
    let mut rd = csv::Reader::from_reader(o.stdout.as_bytes());
    let header = rd.headers().unwrap().clone();
    let reply_col = header.iter().position(|h| h == "top_reply").unwrap();
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    let mut domains: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
    domains.sort_unstable();
    assert_eq!(
        domains,
        [
            "'+cmd.example",
            "'-cmd.example",
            "'=cmd.example",
            "cmd.example",
            "ok.example"
        ]
    );
    for r in &rows {
        assert_eq!(r.len(), header.len(), "every row has every column");
        for cell in r.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell}"
            );
        }
    }
    // The reply holds a quote and commas: one cell, read back whole.
    let reply = &rows.iter().find(|r| &r[0] == "'=cmd.example").unwrap()[reply_col];
    assert!(reply.contains("\"onmouseover=alert(2)"), "{reply}");
    let mut args = common_args("report", &p);
    args.extend(["--format", "csv", "--by", "pending"]);
    let pending = run(&args).stdout;
    assert!(
        pending.lines().any(|l| l.contains(",'@cmd.example,")),
        "{pending}"
    );
    for by in ["window", "category", "stage", "pending", "provider"] {
        let mut args = common_args("report", &p);
        args.extend(["--format", "csv", "--by", by]);
        let o = run(&args);
        assert_eq!(o.code, 0, "{by}: {}", o.stderr);
        assert_terminal_safe(&o.stdout, by);
        for r in csv::Reader::from_reader(o.stdout.as_bytes()).records() {
            for cell in r.unwrap().iter() {
                assert!(!cell.starts_with(['=', '+', '-', '@']), "{by}: {cell}");
            }
        }
    }
}

#[test]
fn json_is_valid_for_any_bytes_and_decodes_to_the_text() {
    let (_dir, p) = write_log();
    let mut args = common_args("report", &p);
    args.extend(["--format", "json"]);
    let o = run(&args);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_terminal_safe(&o.stdout, "report json");
    let r: Value = serde_json::from_str(&o.stdout).expect("valid JSON");
    let text = r["top_replies"][0]["text"].as_str().unwrap();
    assert!(
        text.contains("\u{1b}]0;pwned\u{7}") && text.contains("\u{202e}gnp.exe"),
        "{text:?}"
    );
    assert!(
        text.contains("\u{fffd}\u{fffd}"),
        "invalid UTF-8 replaced: {text:?}"
    );

    let o = run(&common_args("events", &p));
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_terminal_safe(&o.stdout, "events");
    let events: Vec<Value> = o
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("valid JSON line"))
        .collect();
    assert_eq!(events.len(), 6);
    assert!(events[0]["text"].as_str().unwrap().contains(PAYLOAD));
    assert_eq!(events[0]["recipient"], "bob@=cmd.example");
    assert_eq!(events[4]["recipient"], "a\u{1b}[31m\u{202e}b@ok.example");
    assert!(
        events[5]["client"]
            .as_str()
            .unwrap()
            .starts_with("\u{1b}[2Jevil")
    );
}

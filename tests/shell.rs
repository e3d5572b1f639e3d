//! The shell around the tool: `--help` examples, completions that complete,
//! a man page made from the same definitions, and colour only where a
//! terminal shows it (`--color`, `NO_COLOR`).

mod common;

use common::{root, run};
use std::process::Command;

#[test]
fn every_subcommand_help_ends_with_examples_on_their_own_lines() {
    for sub in [
        "report",
        "events",
        "follow",
        "summary",
        "explain",
        "completions",
        "man",
    ] {
        let o = run(&[sub, "--help"]);
        assert_eq!(o.code, 0, "{sub}");
        let tail = &o.stdout[o.stdout.find("\nExamples:\n").expect(sub)..];
        let examples: Vec<&str> = tail.lines().skip(2).filter(|l| !l.is_empty()).collect();
        assert!(
            !examples.is_empty() && examples.iter().all(|l| l.starts_with("  ")),
            "{sub}: {tail}"
        );
        assert!(
            examples
                .iter()
                .any(|l| l.contains(&format!("maillog421 {sub}"))),
            "{sub}: {tail}"
        );
    }
}

/// Runs `script` in bash and returns its stdout.
fn bash(script: &str) -> String {
    let o = Command::new("bash")
        .args(["-c", script])
        .env("BIN", env!("CARGO_BIN_EXE_maillog421"))
        .current_dir(root())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn bash_completion_completes_subcommands_and_values() {
    let complete = |words: &str| {
        bash(&format!(
            r#"source <("$BIN" completions bash)
               COMP_WORDS=({words}); COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
               COMP_LINE="{words}"; COMP_POINT=${{#COMP_LINE}}
               _maillog421 maillog421 "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
               printf '%s\n' "${{COMPREPLY[@]}}""#
        ))
    };
    assert_eq!(complete("maillog421 rep").trim(), "report");
    let formats = complete("maillog421 report --format ''");
    let mut got: Vec<&str> = formats.lines().collect();
    got.sort_unstable();
    assert_eq!(got, ["csv", "html", "json", "table"]);
}

#[test]
fn zsh_and_fish_completions_name_the_subcommands() {
    let zsh = run(&["completions", "zsh"]).stdout;
    assert!(zsh.starts_with("#compdef maillog421"));
    let fish = run(&["completions", "fish"]).stdout;
    for sub in ["report", "events", "follow", "summary", "explain"] {
        assert!(zsh.contains(&format!("'{sub}:")), "zsh {sub}");
        assert!(
            fish.contains(&format!("-f -a \"{sub}\"")),
            "fish {sub}: {fish}"
        );
    }
    let o = run(&["completions", "tcsh"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("possible values"), "{}", o.stderr);
}

#[test]
fn man_pages_render_from_the_same_definitions() {
    let top = run(&["man"]).stdout;
    assert!(top.contains(".TH maillog421 1"), "{top}");
    for sub in ["report", "events", "follow", "summary", "explain"] {
        assert!(top.contains(&format!("maillog421\\-{sub}(1)")), "{sub}");
        let page = run(&["man", sub]);
        assert_eq!(page.code, 0, "{}", page.stderr);
        let p = page.stdout;
        assert!(
            p.contains(&format!(".TH MAILLOG421-{} 1", sub.to_uppercase())),
            "{p}"
        );
        assert!(
            p.contains(".SH SYNOPSIS") && p.contains(".SH OPTIONS"),
            "{sub}"
        );
        assert!(p.contains(&format!("maillog421 {sub}")), "{sub}");
    }
    let report = run(&["man", "report"]).stdout;
    assert!(report.contains("\\-\\-window") && report.contains("Examples:"));
    let o = run(&["man", "nosuch"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr
            .contains("no subcommand `nosuch`; there are: report"),
        "{}",
        o.stderr
    );
}

#[test]
fn no_colour_in_pipes_unless_asked() {
    let piped = bash(
        r#"timeout --preserve-status -s INT 2 "$BIN" follow --from-start fixtures/exim/mainlog"#,
    );
    assert!(piped.contains(" 421 "), "{piped}");
    assert!(!piped.contains('\x1b'), "ANSI into a pipe");
    let always = bash(
        r#"timeout --preserve-status -s INT 2 "$BIN" --color always follow --from-start fixtures/exim/mainlog"#,
    );
    assert!(always.contains("\x1b["), "--color always colours a pipe");
}

#[test]
fn colour_on_a_terminal_and_no_colour_with_no_color_or_never() {
    // `script` gives the command a terminal; what it wrote comes back on
    // script's stdout.
    let on_tty = |env: &str, flag: &str| {
        bash(&format!(
            r#"script -qec '{env} timeout --preserve-status -s INT 2 "$BIN" {flag} follow --from-start fixtures/exim/mainlog' /dev/null"#
        ))
    };
    let plain_env = "env -u NO_COLOR";
    assert!(
        on_tty(plain_env, "").contains("\x1b["),
        "a terminal gets colour"
    );
    assert!(
        !on_tty("NO_COLOR=1", "").contains("\x1b["),
        "NO_COLOR is respected"
    );
    assert!(
        !on_tty(plain_env, "--color never").contains("\x1b["),
        "--color never"
    );
}

#[test]
fn progress_bar_on_a_terminal_only() {
    let dir = tempfile::tempdir().unwrap();
    let log = std::fs::read(root().join("fixtures/postfix/maillog")).unwrap();
    let big = dir.path().join("maillog.1");
    std::fs::write(&big, log.repeat((20 << 20) / log.len() + 1)).unwrap();
    let small = root().join("fixtures/exim/mainlog");
    let files = format!("{} {}", big.display(), small.display());
    // In a pipe (and so in cron): nothing on stderr.
    let piped = Command::new(env!("CARGO_BIN_EXE_maillog421"))
        .args(["report", "--year", "2026"])
        .arg(&big)
        .arg(&small)
        .output()
        .unwrap();
    assert_eq!(piped.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&piped.stderr), "");
    // On a terminal: bytes of the total, throughput and files done, then
    // cleared before the report.
    let tty = bash(&format!(
        r#"script -qec '"$BIN" report --year 2026 {files} > /dev/null' /dev/null"#
    ));
    assert!(
        tty.contains("MiB/20.") && tty.contains("/2 files"),
        "{tty:?}"
    );
    assert!(tty.contains("MiB/s"), "{tty:?}");
}

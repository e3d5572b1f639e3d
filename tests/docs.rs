//! The README's promises: its rules table is the code's table, in order, and
//! its first lines are the two set-up commands.

use maillog421::PHRASES;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

#[test]
fn readme_rules_table_is_the_code_table() {
    let text = readme();
    // Rule rows start with their number: `| 12 | `phrase` | category | source |`.
    let is_rule_row = |l: &&str| {
        l.strip_prefix("| ")
            .and_then(|r| r.split_once(" | `"))
            .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    let rows: Vec<&str> = text.lines().filter(is_rule_row).collect();
    assert_eq!(
        rows.len(),
        PHRASES.len(),
        "README rules table has {} rows, the code {}",
        rows.len(),
        PHRASES.len()
    );
    for (i, (row, rule)) in rows.iter().zip(PHRASES).enumerate() {
        let want = format!("| {} | `{}` | {} |", i + 1, rule.phrase, rule.cause.name());
        assert!(
            row.starts_with(&want),
            "README row {}: {row:?}, want {want:?}",
            i + 1
        );
    }
}

#[test]
fn readme_starts_with_the_two_setup_commands() {
    let text = readme();
    let lines: Vec<&str> = text.lines().take(6).collect();
    assert_eq!(lines[2], "```sh");
    assert!(
        lines[3].starts_with("cargo run --release -- report ") && lines[3].contains("fixtures/")
    );
    assert_eq!(lines[4], "bash .ci/deps && cargo test --locked");
    // CI runs exactly that command.
    let ci = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/run")).unwrap();
    assert!(
        ci.lines()
            .any(|l| l == "( bash .ci/deps && cargo test --locked )")
    );
    assert_eq!(lines[5], "```");
    assert!(
        std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/exim/mainlog"
        ))
        .exists()
    );
}

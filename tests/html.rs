//! The HTML report (`render::html`): one self-contained page for the fixture
//! logs, hostile reply text escaped, no external reference, and the page as
//! headless Chromium draws it (tests/browser/render.sh: screenshot, parsed
//! DOM, console clean).

use std::path::{Path, PathBuf};
use std::process::Command;

use maillog421::classify::Cause;
use maillog421::config::ScanConfig;
use maillog421::guidance::guidance;
use maillog421::input::Source;
use maillog421::parse::time::Zone;
use maillog421::render::Render;
use maillog421::render::html::Html;
use maillog421::report::Report;
use maillog421::run::{build_report, scan_all};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

fn report(paths: &[PathBuf]) -> Report {
    let cfg = ScanConfig {
        zone: Zone::Utc,
        year: Some(2026),
        ..ScanConfig::default()
    };
    let sources: Vec<Source> = paths.iter().cloned().map(Source::File).collect();
    let mut scanned = scan_all(&sources, &cfg, Some(1)).unwrap();
    build_report(&mut scanned, &cfg)
}

fn render(r: &Report, title: &str) -> String {
    let mut out = Vec::new();
    Html {
        title: title.to_string(),
        top: 10,
    }
    .render(r, &mut out)
    .unwrap();
    String::from_utf8(out).unwrap()
}

fn fixture_report() -> Report {
    report(&[fixture("exim/mainlog"), fixture("postfix/maillog")])
}

/// Values of `attr=` attributes, quoted or not (a rough scan, enough for
/// markup this renderer writes).
fn attribute_values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let needle = format!(" {attr}=");
    html.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            match rest.chars().next() {
                Some(q @ ('"' | '\'')) => rest[1..].split(q).next().unwrap_or(""),
                _ => rest
                    .split(|c: char| c.is_whitespace() || c == '>')
                    .next()
                    .unwrap_or(""),
            }
        })
        .collect()
}

#[test]
fn fixture_report_is_one_self_contained_page() {
    let r = fixture_report();
    let html = render(&r, "421 report for mx1");
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(html.trim_end().ends_with("</html>"));
    assert!(html.contains("<meta charset=\"utf-8\">"));
    assert!(html.contains("<title>421 report for mx1</title>"));
    // Four charts: time series, domains, categories, stages.
    assert_eq!(html.matches("<svg ").count(), 4, "one <svg> per chart");
    assert_eq!(html.matches("</svg>").count(), 4);
    assert_eq!(
        html.matches("<figure>").count(),
        html.matches("</figure>").count()
    );
    assert_eq!(
        html.matches("<table>").count(),
        html.matches("</table>").count()
    );
    assert!(html.contains("421 deferrals (line, right scale)"));
    assert!(html.contains("Delivery attempts (bars, left scale)"));
    assert!(!html.to_ascii_lowercase().contains("<script"));

    // Nothing is loaded from elsewhere: no URL in src/href, no CSS url() or
    // @import, no <link>, <img>, <iframe>, <object> or <embed>.
    for attr in ["src", "href", "xlink:href", "action", "srcset", "poster"] {
        for v in attribute_values(&html, attr) {
            let v = v.trim().to_ascii_lowercase();
            assert!(
                !(v.starts_with("http:") || v.starts_with("https:") || v.starts_with("//")),
                "external reference {attr}={v}"
            );
        }
    }
    let lower = html.to_ascii_lowercase();
    for tag in [
        "url(", "@import", "<link", "<img", "<iframe", "<object", "<embed",
    ] {
        assert!(!lower.contains(tag), "found {tag}");
    }

    // Period, inputs, the sections.
    assert!(
        html.contains("2026-11-22 08:00 to 2026-11-22 14:00"),
        "period"
    );
    assert!(html.contains("fixtures/exim/mainlog"));
    assert!(html.contains("fixtures/postfix/maillog"));
    for head in [
        "Domains deferring with 421",
        "Still pending",
        "What to do",
        "Providers",
        "Inputs",
    ] {
        assert!(html.contains(head), "section {head}");
    }
    // Domains with their retry outcomes, the most 421s first.
    let yahoo = html.find("<td>yahoo.com</td>").expect("yahoo.com row");
    let gmail = html.find("<td>gmail.com</td>").expect("gmail.com row");
    assert!(yahoo < gmail);
    // Pending recipients, the oldest first.
    let ids: Vec<usize> = r
        .pending
        .iter()
        .map(|p| html.find(&format!(">{}<", p.id)).expect("pending id"))
        .collect();
    assert!(!ids.is_empty());
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "oldest first");
    // One guidance card per category seen.
    let seen: Vec<Cause> = Cause::ALL
        .iter()
        .copied()
        .filter(|c| r.by_category[c.index()].counts.total() > 0)
        .collect();
    assert!(!seen.is_empty());
    assert_eq!(
        html.matches("<section class=\"advice\">").count(),
        seen.len()
    );
    for c in seen {
        let g = guidance(c);
        assert!(html.contains(&format!("<h3>{}<span", c.name())));
        assert!(
            html.contains(&maillog421::render::html::esc(
                g.meaning.split('`').next().unwrap()
            )),
            "guidance for {}",
            c.name()
        );
    }
}

#[test]
fn hostile_log_text_is_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("mainlog");
    let reply =
        "421 4.7.0 <script>alert(1)</script> \"onmouseover=alert(2) x='y' \x1b[31mred & more";
    let lines = [
        "2026-11-22 10:00:01 1tA2b3-000AbC-1x <= a@example.org H=mx.example.org [192.0.2.1] P=esmtp S=4213".to_string(),
        format!(
            "2026-11-22 10:00:02 1tA2b3-000AbC-1x == b@evil.example R=dnslookup T=remote_smtp defer (-45) H=mx.evil.example [192.0.2.10]: SMTP error from remote mail server after RCPT TO:<b@evil.example>: {reply}"
        ),
        "2026-11-22 11:00:03 1tA2b3-000AbC-1x => c@example.com R=dnslookup T=remote_smtp H=mx.example.com [192.0.2.11]:25 C=\"250 OK\"".to_string(),
    ];
    std::fs::write(&log, lines.join("\n") + "\n").unwrap();
    let r = report(&[log]);
    // The hostile text reached the report, so the checks below mean something.
    assert!(
        r.top_replies.iter().any(|x| x.text.contains("<script>")),
        "{:?}",
        r.top_replies
    );
    assert!(
        r.pending
            .iter()
            .any(|p| p.last_reply.contains("onmouseover"))
    );

    let html = render(&r, "<b>title</b> & \"quotes\"");
    assert!(!html.to_ascii_lowercase().contains("<script"));
    assert!(!html.contains("\"onmouseover"));
    assert!(!html.contains("x='y'"));
    assert!(!html.contains("<b>title"));
    assert!(!html.contains('\x1b'));
    assert!(html.contains("&lt;script&gt;alert("));
    assert!(html.contains("&quot;onmouseover=alert("));
    assert!(html.contains("x=&#39;y&#39;"));
    assert!(html.contains("\\x1b[31mred &amp; more"));
    assert!(html.contains("<title>&lt;b&gt;title&lt;/b&gt; &amp; &quot;quotes&quot;</title>"));
}

#[test]
fn a_report_without_lines_still_renders() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("empty.log");
    std::fs::write(&log, "").unwrap();
    let html = render(&report(&[log]), "empty");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("no timestamped lines"));
    assert!(html.trim_end().ends_with("</html>"));
}

/// Renders the fixture report in headless Chromium. Needs `chromium`
/// (Debian: `apt-get install -y chromium`) and `python3`; fails, never
/// skips, when they are missing. The page, the screenshot, the parsed DOM
/// and Chromium's log stay in target/tmp/html/ for a look.
#[test]
fn browser_renders_the_page() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html");
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("report.html");
    let png = dir.join("report.png");
    std::fs::write(&page, render(&fixture_report(), "421 report for mx1")).unwrap();

    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let o = Command::new("sh")
        .arg(browser.join("render.sh"))
        .arg(&page)
        .arg(&png)
        .output()
        .expect("running sh tests/browser/render.sh");
    assert!(
        o.status.success(),
        "tests/browser/render.sh failed ({}); Chromium is required for this test \
         (apt-get install -y chromium):\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );

    let size = std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0);
    assert!(
        size > 20_000,
        "screenshot {} is only {size} bytes",
        png.display()
    );

    // The DOM as Chromium parsed it: all four charts, no parser fix-ups lost.
    let dom = std::fs::read_to_string(png.with_extension("png.dom.html")).unwrap();
    assert_eq!(dom.matches("<svg ").count(), 4, "charts in the parsed DOM");
    assert!(dom.contains("What to do"));

    let o = Command::new("python3")
        .arg(browser.join("png_colors.py"))
        .arg(&png)
        .output()
        .expect("running python3 tests/browser/png_colors.py (python3 is required)");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "png_colors.py: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let field = |name: &str| -> f64 {
        stdout
            .split_whitespace()
            .find_map(|w| w.strip_prefix(name))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {stdout}"))
    };
    assert!(field("colors=") > 10.0, "screenshot looks blank: {stdout}");
    assert!(
        field("dominant=") < 0.95,
        "one colour covers the screenshot: {stdout}"
    );
}

/// Issue 14: the volume bars count delivery attempts only; their sum is the
/// independent count of fixtures/expected-totals.tsv (delivered + deferred +
/// bounced, retry-skipped lines apart), and the page shows the skipped lines.
#[test]
fn issue_14_volume_bars_count_attempts_only() {
    let tsv = std::fs::read_to_string(fixture("expected-totals.tsv")).unwrap();
    let row: Vec<u64> = tsv
        .lines()
        .find(|l| l.starts_with("exim/mainlog\t"))
        .unwrap()
        .split('\t')
        .skip(1)
        .map(|n| n.parse().unwrap())
        .collect();
    let (attempts, skipped) = (row[0] + row[1] + row[2], row[4]);
    assert!(skipped > 0);
    let html = render(&report(&[fixture("exim/mainlog")]), "issue 14");
    let bars: u64 = html
        .split("<title>")
        .skip(1)
        .filter_map(|t| {
            let t = t.split("</title>").next()?;
            let n = t.strip_suffix(" 421 deferrals")?.rsplit_once(": ")?.1;
            n.split_once(" attempts, ")?.0.parse::<u64>().ok()
        })
        .sum();
    assert_eq!(bars, attempts);
    assert!(
        html.contains(&format!(
            "<div class=\"v\">{skipped}</div><div class=\"k\">retry-skipped lines (nothing tried)</div>"
        )),
        "the skipped lines are shown"
    );
}

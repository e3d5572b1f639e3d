//! The HTML report (`render::html`): one self-contained page for the fixture
//! logs, hostile reply text escaped, no external reference, and the page as
//! headless Chromium draws it (tests/browser/render.sh: screenshot, parsed
//! DOM, console clean).

use std::path::{Path, PathBuf};
use std::process::Command;

use maillog421::{
    Cause, OutputFormat, RenderOptions, Report, ScanConfig, Source, Term, Zone, build_report,
    guidance, renderer, scan_all,
};

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
    let options = RenderOptions {
        top: 10,
        stuck: 10,
        term: Term::default(),
        title: title.to_string(),
    };
    renderer(OutputFormat::Html, options)
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
    // Four charts: time series, domains, categories, stages; each drawn
    // for wide screens and print, and again for phones.
    assert_eq!(html.matches("<svg ").count(), 8, "two <svg> per chart");
    assert_eq!(html.matches("<svg class=\"chart wide\" ").count(), 4);
    assert_eq!(html.matches("<svg class=\"chart narrow\" ").count(), 4);
    assert_eq!(html.matches("</svg>").count(), 8);
    assert_eq!(html.matches("<figure>").count(), 4);
    assert_eq!(
        html.matches("<figure>").count(),
        html.matches("</figure>").count()
    );
    assert_eq!(
        html.matches("<table>").count(),
        html.matches("</table>").count()
    );
    // Every table sits in a card that scrolls sideways on a narrow screen.
    assert_eq!(
        html.matches("<div class=\"wrap\"><table>").count(),
        html.matches("<table>").count()
    );
    assert!(html.contains("@media (max-width: 640px)"));
    assert!(html.contains("@media print"));
    // The first card is the report's headline (the terminal's and the
    // JSON's, whose ranking tests/glance.rs checks against independent
    // counts): the worst domain with its numbers, the load verdict, the
    // stuck recipients.
    let glance = html
        .find("<section class=\"headline")
        .expect("headline card");
    assert!(glance < html.find("<div class=\"cards\">").unwrap());
    let glance = &html[glance..html[glance..].find("</section>").unwrap() + glance];
    let worst = r.headline.worst.as_ref().expect("a worst domain");
    let row = r.by_domain.iter().find(|d| d.domain == worst.name).unwrap();
    assert!(
        glance.contains(&format!(
            "<b>{}</b> matters most: {} of {} delivery attempts got a 421",
            worst.name, row.deferrals_421, row.delivery_attempts
        )),
        "{glance}"
    );
    assert!(glance.contains("Load: "), "{glance}");
    assert!(
        glance.contains(&format!("Stuck: <b>{}</b> recipient(s)", r.pending.len())),
        "{glance}"
    );
    // The stuck list collapses.
    let details = html.find("<details class=\"list\"><summary>").unwrap();
    assert!(details < html.find(&format!(">{}<", r.pending[0].id)).unwrap());
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
            html.contains(&maillog421::bench::html_escape(
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

/// The page inside a harness page: an `<iframe srcdoc>` `width` CSS pixels
/// wide (headless Chromium's window is never narrower than 500 px, an
/// iframe's viewport can be) and a script that, once the frame has loaded,
/// measures what a reader sees and writes it into the harness's DOM: the
/// page's scroll width and height, the width of its viewport, and the
/// smallest font size of the chart labels as drawn (font size times the
/// SVG's scale). The report itself has no script; only this test copy does.
fn harness(page: &str, width: u32) -> String {
    let srcdoc = page
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        r#"<!DOCTYPE html><html><head><meta charset="utf-8"><style>body{{margin:0}}iframe{{border:0;display:block}}</style></head>
<body><iframe id="f" width="{width}" height="1900" srcdoc="{srcdoc}"></iframe>
<script>
document.getElementById('f').addEventListener('load', function () {{
  var w = this.contentWindow, doc = this.contentDocument, d = doc.documentElement;
  var min = 1e9, labels = 0;
  doc.querySelectorAll('svg text').forEach(function (t) {{
    var r = t.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) return;
    var m = t.getScreenCTM();
    if (!m) return;
    labels++;
    min = Math.min(min, parseFloat(w.getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b));
  }});
  var out = document.createElement('pre');
  out.id = 'measured';
  out.textContent = 'scrollWidth=' + d.scrollWidth + ' innerWidth=' + w.innerWidth +
    ' scrollHeight=' + d.scrollHeight + ' labels=' + labels + ' minFont=' + min.toFixed(2);
  document.body.appendChild(out);
}});
</script></body></html>"#
    )
}

/// What [`harness`]'s script measured, by name.
fn measured(dom: &str) -> impl Fn(&str) -> f64 + '_ {
    let line = dom
        .split("<pre id=\"measured\">")
        .nth(1)
        .and_then(|r| r.split("</pre>").next())
        .unwrap_or_else(|| panic!("nothing measured in the harness DOM"));
    move |name: &str| {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(name)?.strip_prefix('='))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {line}"))
    }
}

/// Runs tests/browser/render.sh on `html` with the window `window` wide;
/// returns the parsed DOM and the screenshot's `png_colors.py` line.
fn chromium(html: &Path, window: u32) -> (String, String) {
    let png = html.with_extension("png");
    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let o = Command::new("sh")
        .arg(browser.join("render.sh"))
        .arg(html)
        .arg(&png)
        .env("WINDOW_SIZE", format!("{window},2000"))
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
    let dom = std::fs::read_to_string(png.with_extension("png.dom.html")).unwrap();
    let o = Command::new("python3")
        .arg(browser.join("png_colors.py"))
        .arg(&png)
        .output()
        .expect("running python3 tests/browser/png_colors.py (python3 is required)");
    assert!(
        o.status.success(),
        "png_colors.py: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    (dom, String::from_utf8_lossy(&o.stdout).into_owned())
}

fn png_field(stdout: &str, name: &str) -> f64 {
    stdout
        .split_whitespace()
        .find_map(|w| w.strip_prefix(name))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {stdout}"))
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
    std::fs::write(&page, render(&fixture_report(), "421 report for mx1")).unwrap();
    let (dom, colors) = chromium(&page, 1280);

    // The DOM as Chromium parsed it: all four charts, both variants, no
    // parser fix-ups lost.
    assert_eq!(dom.matches("<svg ").count(), 8, "charts in the parsed DOM");
    assert!(dom.contains("What to do"));
    assert!(
        png_field(&colors, "colors=") > 10.0,
        "screenshot looks blank: {colors}"
    );
    assert!(
        png_field(&colors, "dominant=") < 0.95,
        "one colour covers the screenshot: {colors}"
    );
}

/// Issue 19: the page on a phone (400 CSS px) and on a wide screen (1400):
/// no sideways scrolling of the page itself (wide tables scroll inside
/// their card), chart labels of at least 10 px as drawn (today's 1000-unit
/// charts shrunk to 400 px drew them at 3.6 px), and a page that ends (it
/// was 23,000 px long at 400 px, 11,000 at 1400).
#[test]
fn browser_page_fits_400_and_1400_px() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html");
    std::fs::create_dir_all(&dir).unwrap();
    let page = render(&fixture_report(), "421 report for mx1");
    for (width, most_height) in [(400u32, 12_000.0), (1400, 9_000.0)] {
        let file = dir.join(format!("report-{width}px.html"));
        std::fs::write(&file, harness(&page, width)).unwrap();
        let (dom, colors) = chromium(&file, width.max(500));
        let m = measured(&dom);
        assert_eq!(m("innerWidth"), f64::from(width), "the frame's viewport");
        assert!(
            m("scrollWidth") <= m("innerWidth"),
            "the page scrolls sideways at {width} px: scrollWidth {} > {}",
            m("scrollWidth"),
            m("innerWidth")
        );
        assert!(m("labels") >= 30.0, "chart labels drawn at {width} px");
        assert!(
            m("minFont") >= 10.0,
            "a chart label is {} px at {width} px",
            m("minFont")
        );
        assert!(
            m("scrollHeight") <= most_height,
            "the page is {} px long at {width} px",
            m("scrollHeight")
        );
        assert!(
            png_field(&colors, "colors=") > 10.0,
            "screenshot at {width} px looks blank: {colors}"
        );
    }
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

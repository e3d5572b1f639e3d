//! `explain`: a category name, a reply text or a log line in; the
//! category, how it was decided, its advice and the provider's notes out,
//! as wrapped text or one JSON object.

use std::io::{self, Write};

use serde::Serialize;

use super::{Guidance, guidance, wrap};
use crate::classify::provider::{self, Advice};
use crate::classify::{Cause, cause_of_enhanced, classify_for, matching_phrase};
use crate::parse::reply::{code_at, enhanced_code, split_in_reply_to};
use crate::text::escape_control;

/// Output width of the text form.
const WIDTH: usize = 80;

/// The provider a reply comes from, with its advice: the provider of its
/// matched signature, else the one its text names.
pub fn provider_of_reply(text: &[u8]) -> Option<&'static Advice> {
    matching_phrase(text)
        .and_then(|r| r.provider)
        .and_then(|p| p.advice.as_ref())
        .or_else(|| provider::named_in_reply(text).and_then(|p| p.advice.as_ref()))
}

/// How a reply's category was decided.
#[derive(Debug, Clone, Serialize)]
pub struct ReplyInfo {
    /// The reply as given (JSON escapes it; the text output escapes
    /// control characters).
    pub text: String,
    pub code: Option<u16>,
    pub enhanced: Option<String>,
    /// `custom-rule`, `phrase`, `enhanced-code` or `none`.
    pub decided_by: &'static str,
    /// The custom rule that decided (`phrase "..." at FILE:LINE`), when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_rule: Option<String>,
    /// The rules-table phrase that matched, when one did.
    pub phrase: Option<&'static str>,
    /// Whose signature the phrase is (Yahoo, Gmail...), when it is one.
    pub signature: Option<&'static str>,
    /// Set when the code is not 421.
    pub note: Option<String>,
}

/// What `explain` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// Set when the argument was a reply rather than a category name.
    pub reply: Option<ReplyInfo>,
    #[serde(flatten)]
    pub guidance: &'static Guidance,
    /// The short meaning used in reports ([`Cause::meaning`]).
    pub summary: &'static str,
    pub provider: Option<&'static Advice>,
}

/// The category named `s` (case and `_`/`-` insensitive).
pub fn cause_named(s: &str) -> Option<Cause> {
    let s = s.trim().replace('_', "-");
    Cause::ALL
        .into_iter()
        .find(|c| c.name().eq_ignore_ascii_case(&s))
}

/// Words people use for a category, and the category they mean.
const CATEGORY_WORDS: &[(&str, Cause)] = &[
    ("throttl", Cause::RateLimit),
    ("slowdown", Cause::RateLimit),
    ("toofast", Cause::RateLimit),
    ("ratelimit", Cause::RateLimit),
    ("busy", Cause::Capacity),
    ("overload", Cause::Capacity),
    ("full", Cause::Capacity),
    ("spam", Cause::Reputation),
    ("blocklist", Cause::Reputation),
    ("blacklist", Cause::Reputation),
    ("rbl", Cause::Reputation),
    ("dmarc", Cause::AuthPolicy),
    ("spf", Cause::AuthPolicy),
    ("dkim", Cause::AuthPolicy),
    ("tls", Cause::AuthPolicy),
    ("ptr", Cause::AuthPolicy),
    ("graylist", Cause::Greylisting),
    ("greylist", Cause::Greylisting),
    ("concurren", Cause::ConnectionLimit),
    ("connection", Cause::ConnectionLimit),
    ("timedout", Cause::Timeout),
];

fn edit_distance(a: &[u8], b: &[u8]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, x) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, y) in b.iter().enumerate() {
            cur.push(
                (prev[j] + usize::from(x != y))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Category names close to `word`: the same letters without `-`, a
/// spelling slip (2 edits), or a word people use for it (`throttled`).
pub fn close_categories(word: &str) -> Vec<&'static str> {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let w = norm(word);
    if w.len() < 3 {
        return Vec::new();
    }
    let mut out: Vec<&'static str> = Vec::new();
    for c in Cause::ALL {
        let n = norm(c.name());
        let close = n == w
            || edit_distance(n.as_bytes(), w.as_bytes()) <= 2
            || CATEGORY_WORDS.iter().any(|(k, cause)| {
                *cause == c && (w.contains(k) || k.contains(w.as_str()) && w.len() >= 4)
            });
        if close && !out.contains(&c.name()) {
            out.push(c.name());
        }
    }
    out
}

/// Where a reply starts inside `s`: at a reply code at the start or after
/// a space or colon (so a whole log line works too).
fn reply_start(s: &[u8]) -> Option<usize> {
    (0..s.len()).find(|&i| {
        (i == 0 || matches!(s[i - 1], b' ' | b':'))
            && matches!(s[i], b'4' | b'5')
            && code_at(&s[i..]).is_some()
    })
}

/// Explains `arg`: a category name, a reply text (or a log line holding
/// one), or a bare enhanced code such as `4.7.28`. The error lists the
/// categories.
pub fn explain(arg: &str) -> Result<Explanation, String> {
    if let Some(c) = cause_named(arg) {
        return Ok(Explanation {
            reply: None,
            guidance: guidance(c),
            summary: c.meaning(),
            provider: None,
        });
    }
    let trimmed = arg.trim();
    let bytes = trimmed.as_bytes();
    let bare_enhanced = enhanced_code(format!("421 {trimmed}").as_bytes()).map(<[u8]>::len)
        == Some(trimmed.len())
        && !trimmed.is_empty();
    let reply: &[u8] = match reply_start(bytes) {
        Some(i) => split_in_reply_to(&bytes[i..]).0,
        None if bare_enhanced || trimmed.contains(char::is_whitespace) => bytes,
        None => {
            let names: Vec<&str> = Cause::ALL.iter().map(|c| c.name()).collect();
            let close = close_categories(trimmed);
            let hint = if close.is_empty() {
                String::new()
            } else {
                format!("; did you mean {}?", close.join(" or "))
            };
            return Err(format!(
                "`{}` is neither a category nor an SMTP reply{hint} categories: {}",
                escape_control(trimmed),
                names.join(", ")
            ));
        }
    };
    let code = code_at(reply);
    let enhanced = if bare_enhanced {
        Some(reply)
    } else {
        enhanced_code(reply)
    };
    // A whole log line names the recipient: its domain picks custom rules
    // limited to a domain, as `report` does for the same line.
    let domain = logged_domain(bytes);
    let cause = classify_for(reply, enhanced, domain);
    let custom = crate::rules::active().and_then(|c| c.find(reply, enhanced, domain));
    let rule = matching_phrase(reply).filter(|_| custom.is_none());
    let decided_by = match rule {
        _ if custom.is_some() => "custom-rule",
        Some(_) => "phrase",
        None if enhanced.and_then(cause_of_enhanced).is_some() => "enhanced-code",
        None => "none",
    };
    let note = code.filter(|c| *c != 421).map(|c| {
        if c >= 500 {
            format!("a {c} reply is permanent, not a deferral; the advice is for 421")
        } else {
            format!("a {c} reply, not a 421; the advice is written for 421")
        }
    });
    Ok(Explanation {
        reply: Some(ReplyInfo {
            text: String::from_utf8_lossy(reply).into_owned(),
            code,
            enhanced: enhanced.map(|e| String::from_utf8_lossy(e).into_owned()),
            decided_by,
            custom_rule: custom.map(|r| format!("{} at {}", r.matches, r.origin)),
            phrase: rule.map(|r| r.phrase),
            signature: rule.and_then(|r| r.provider).and_then(|p| p.name),
            note,
        }),
        guidance: guidance(cause),
        summary: cause.meaning(),
        provider: provider_of_reply(reply),
    })
}

/// The recipient domain of a 421 event, when `line` is a whole Exim or
/// Postfix log line (parsed as `report` parses it); empty otherwise.
fn logged_domain(line: &[u8]) -> &[u8] {
    use crate::parse::{Format, Parsed};
    [Format::Exim, Format::Syslog]
        .into_iter()
        .find_map(|f| match f.parse_line(line) {
            Parsed::Entry { mta, record, .. } => {
                crate::event::Event::from_record(0, mta, &record).map(|e| e.domain)
            }
            _ => None,
        })
        .unwrap_or(b"")
}

fn write_wrapped(out: &mut dyn Write, text: &str, first: &str, rest: &str) -> io::Result<()> {
    for l in wrap(text, first, rest, WIDTH) {
        writeln!(out, "{}", l.trim_end())?;
    }
    Ok(())
}

fn write_list(out: &mut dyn Write, title: &str, items: &[&str], numbered: bool) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "{title}")?;
    for (i, item) in items.iter().enumerate() {
        let bullet = if numbered {
            format!("  {}. ", i + 1)
        } else {
            "  - ".to_string()
        };
        let hang = " ".repeat(bullet.len());
        write_wrapped(out, item, &bullet, &hang)?;
    }
    Ok(())
}

/// The text form: at most 80 columns, log text escaped.
pub fn write_text(e: &Explanation, out: &mut dyn Write) -> io::Result<()> {
    let g = e.guidance;
    const LABEL: &str = "           ";
    if let Some(r) = &e.reply {
        write_wrapped(out, &escape_control(&r.text), "Reply:     ", LABEL)?;
        let code = match (r.code, &r.enhanced) {
            (Some(c), Some(x)) => format!("{c}, enhanced {}", escape_control(x)),
            (Some(c), None) => format!("{c}, no enhanced code"),
            (None, Some(x)) => format!("enhanced {}", escape_control(x)),
            (None, None) => "none found".to_string(),
        };
        write_wrapped(out, &code, "Code:      ", LABEL)?;
        if let Some(n) = &r.note {
            write_wrapped(out, n, "Note:      ", LABEL)?;
        }
        let category = format!("{} ({})", g.category, e.summary);
        write_wrapped(out, &category, "Category:  ", LABEL)?;
        let why = match (r.phrase, r.signature, &r.enhanced) {
            _ if r.custom_rule.is_some() => format!(
                "the custom rule {}",
                escape_control(r.custom_rule.as_deref().unwrap_or_default())
            ),
            (Some(p), Some(s), _) => format!("\"{p}\", {s}'s signature, in the rules table"),
            (Some(p), None, _) => format!("the phrase \"{p}\" in the rules table"),
            (None, _, Some(x)) if r.decided_by == "enhanced-code" => format!(
                "no known phrase; the enhanced code {} decides",
                escape_control(x)
            ),
            _ => "no known phrase or telling enhanced code".to_string(),
        };
        write_wrapped(out, &why, "Matched:   ", LABEL)?;
        if let Some(p) = e.provider {
            write_wrapped(out, p.title, "Provider:  ", LABEL)?;
        }
        writeln!(out)?;
    } else {
        write_wrapped(out, &format!("{}: {}", g.category, e.summary), "", "  ")?;
        writeln!(out)?;
    }
    writeln!(out, "What it means")?;
    write_wrapped(out, g.meaning, "  ", "  ")?;
    writeln!(out)?;
    writeln!(out, "Is it temporary?")?;
    write_wrapped(out, g.temporary, "  ", "  ")?;
    write_list(out, "Common causes", g.causes, false)?;
    write_list(out, "Who has to act", g.who_acts, false)?;
    write_list(out, "What to do now", g.do_now, true)?;
    if let Some(p) = e.provider {
        write_list(out, &format!("{} specifics", p.title), p.items, false)?;
    }
    write_list(out, "What to send their support", g.tell_support, false)?;
    Ok(())
}

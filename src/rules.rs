//! Custom cause rules: a TOML file of the admin's own, read ahead of the
//! built-in table, so a provider's new reply is taught without a release.
//!
//! ```toml
//! [[rule]]
//! phrase = "please slow down"        # or: regex = "(?i)throttl(ed|ing)"
//! category = "rate-limit"
//! enhanced = "4.7."                  # optional: the enhanced code starts so
//! domain = "example.com"             # optional: the domain or a subdomain of it
//! provider = "Example Mail"          # optional: who writes this reply
//! ```
//!
//! Phrases match ASCII case-insensitively anywhere in the reply; regexes
//! as written (bytes, Rust `regex` syntax). The first rule in the file
//! whose conditions all hold decides; a reply no rule matches goes on to
//! the built-in table, then the enhanced code.

use std::path::Path;
use std::sync::OnceLock;

use regex::bytes::{Regex, RegexSet};
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::classify::cause::Cause;

/// Where rules are read from when `--rules` is not given and it exists.
pub const DEFAULT_PATH: &str = "/etc/maillog421/rules.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    phrase: Option<String>,
    regex: Option<String>,
    category: Spanned<String>,
    enhanced: Option<String>,
    domain: Option<String>,
    provider: Option<String>,
}

/// One custom rule.
#[derive(Debug, Clone, Serialize)]
pub struct CustomRule {
    /// `phrase "..."` or `regex /.../`, as shown in listings.
    pub matches: String,
    #[serde(rename = "category")]
    pub cause: Cause,
    pub enhanced: Option<String>,
    pub domain: Option<String>,
    pub provider: Option<String>,
    /// `FILE:LINE` of the rule.
    pub origin: String,
    #[serde(skip)]
    has_text: bool,
}

/// The rules of one file, in file order.
#[derive(Debug, Default)]
pub struct CustomRules {
    pub rules: Vec<CustomRule>,
    /// One pattern per rule (rules without text get a never-used slot).
    set: Option<RegexSet>,
}

/// A rules file that cannot be used: names the file and line.
#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct RulesError {
    pub path: String,
    pub line: usize,
    pub message: String,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

impl CustomRules {
    /// Reads and checks a rules file.
    pub fn load(path: &Path) -> Result<CustomRules, RulesError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| RulesError {
            path: name.clone(),
            line: 0,
            message: format!("cannot read: {e}"),
        })?;
        CustomRules::parse(&text, &name)
    }

    /// Parses rules text; `name` is used in errors and origins.
    pub fn parse(text: &str, name: &str) -> Result<CustomRules, RulesError> {
        let err = |offset: usize, message: String| RulesError {
            path: name.to_string(),
            line: line_of(text, offset),
            message,
        };
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let at = e.span().map_or(0, |s| s.start);
            err(at, e.message().to_string())
        })?;
        let mut rules = Vec::new();
        let mut patterns = Vec::new();
        for spanned in raw.rule {
            let at = spanned.span().start;
            let r = spanned.into_inner();
            let cause = Cause::from_name(r.category.get_ref()).ok_or_else(|| {
                let names: Vec<&str> = Cause::ALL.iter().map(|c| c.name()).collect();
                err(
                    r.category.span().start,
                    format!(
                        "unknown category `{}`; the categories are {}",
                        r.category.get_ref(),
                        names.join(", ")
                    ),
                )
            })?;
            let (pattern, matches) = match (&r.phrase, &r.regex) {
                (Some(_), Some(_)) => {
                    return Err(err(at, "a rule has a phrase or a regex, not both".into()));
                }
                (Some(p), None) if p.trim().is_empty() => {
                    return Err(err(at, "an empty phrase matches every reply".into()));
                }
                (Some(p), None) => (
                    Some(format!("(?i){}", regex::escape(p))),
                    format!("phrase \"{p}\""),
                ),
                (None, Some(re)) => {
                    Regex::new(re).map_err(|e| err(at, format!("bad regex: {e}")))?;
                    (Some(re.clone()), format!("regex /{re}/"))
                }
                (None, None) if r.enhanced.is_none() && r.domain.is_none() => {
                    return Err(err(
                        at,
                        "a rule needs a phrase, a regex, an enhanced code or a domain".into(),
                    ));
                }
                (None, None) => (None, "any reply".to_string()),
            };
            patterns.push(pattern.clone().unwrap_or_else(|| "[^\\s\\S]".to_string()));
            rules.push(CustomRule {
                matches,
                cause,
                enhanced: r.enhanced,
                domain: r.domain.map(|d| d.to_ascii_lowercase()),
                provider: r.provider,
                origin: format!("{name}:{}", line_of(text, at)),
                has_text: pattern.is_some(),
            });
        }
        let set = if rules.is_empty() {
            None
        } else {
            Some(RegexSet::new(&patterns).map_err(|e| err(0, format!("bad regex: {e}")))?)
        };
        Ok(CustomRules { rules, set })
    }

    /// The first rule whose conditions all hold for a reply.
    pub fn find(&self, text: &[u8], enhanced: Option<&[u8]>, domain: &[u8]) -> Option<&CustomRule> {
        let hits = self.set.as_ref().map(|s| s.matches(text));
        self.rules.iter().enumerate().find_map(|(i, r)| {
            let text_ok = !r.has_text || hits.as_ref().is_some_and(|h| h.matched(i));
            let enhanced_ok = r
                .enhanced
                .as_ref()
                .is_none_or(|want| enhanced.is_some_and(|e| e.starts_with(want.as_bytes())));
            let domain_ok = r.domain.as_ref().is_none_or(|want| in_domain(domain, want));
            (text_ok && enhanced_ok && domain_ok).then_some(r)
        })
    }
}

/// `domain` is `want` or a subdomain of it (ASCII case-insensitive).
fn in_domain(domain: &[u8], want: &str) -> bool {
    let d = domain.to_ascii_lowercase();
    let w = want.as_bytes();
    d == w || (d.len() > w.len() && d.ends_with(w) && d[d.len() - w.len() - 1] == b'.')
}

static ACTIVE: OnceLock<CustomRules> = OnceLock::new();

/// Makes `rules` the custom rules of this process (once, at start).
pub fn install(rules: CustomRules) {
    let _ = ACTIVE.set(rules);
}

/// The installed custom rules, if any.
pub fn active() -> Option<&'static CustomRules> {
    ACTIVE.get()
}

/// Loads `--rules FILE`, or the default file when it exists; `None` when
/// neither applies.
pub fn load_configured(path: Option<&Path>) -> Result<Option<CustomRules>, RulesError> {
    match path {
        Some(p) => CustomRules::load(p).map(Some),
        None if Path::new(DEFAULT_PATH).exists() => {
            CustomRules::load(Path::new(DEFAULT_PATH)).map(Some)
        }
        None => Ok(None),
    }
}

/// A phrase to put in a rule for an unclassified reply: its words after
/// the codes, without the `*` and `#` that stand for per-message tokens,
/// at most eight words, quotes dropped.
pub fn suggested_phrase(reply_key: &str) -> String {
    let words: Vec<&str> = reply_key
        .split_whitespace()
        .skip_while(|w| {
            w.bytes()
                .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
        })
        .take_while(|w| !w.contains(['*', '#']))
        .take(8)
        .collect();
    words.join(" ").replace(['"', '\\'], "")
}

/// A ready-to-paste rule for an unclassified reply.
pub fn suggested_rule(reply_key: &str) -> String {
    let names: Vec<&str> = Cause::known().map(Cause::name).collect();
    format!(
        "[[rule]]\nphrase = \"{}\"\ncategory = \"unknown\"  # pick one: {}",
        suggested_phrase(reply_key),
        names.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
# Our providers
[[rule]]
phrase = "Please Slow Down"
category = "rate-limit"
provider = "Acme Mail"

[[rule]]
regex = "(?i)queue (is )?full"
category = "capacity"
domain = "example.com"

[[rule]]
enhanced = "4.7.28"
category = "reputation"
"#;

    #[test]
    fn rules_match_in_file_order_with_their_conditions() {
        let r = CustomRules::parse(FILE, "rules.toml").unwrap();
        let find = |t: &str, e: Option<&str>, d: &str| {
            r.find(t.as_bytes(), e.map(str::as_bytes), d.as_bytes())
                .map(|r| (r.cause, r.origin.clone()))
        };
        assert_eq!(
            find("421 please slow down now", None, "x.org"),
            Some((Cause::RateLimit, "rules.toml:3".into()))
        );
        assert_eq!(
            find("421 4.3.0 Queue full", None, "mx.example.com"),
            Some((Cause::Capacity, "rules.toml:8".into()))
        );
        assert_eq!(find("421 4.3.0 queue full", None, "notexample.com"), None);
        assert_eq!(
            find("421 4.7.28 anything", Some("4.7.28"), ""),
            Some((Cause::Reputation, "rules.toml:13".into()))
        );
        assert_eq!(find("421 4.7.0 anything", Some("4.7.0"), ""), None);
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let e = |t: &str| CustomRules::parse(t, "r.toml").unwrap_err().to_string();
        assert_eq!(
            e("[[rule]]\nphrase = \"x\"\ncategory = \"slow\"\n"),
            "r.toml:3: unknown category `slow`; the categories are capacity, connection-limit, \
             timeout, rate-limit, reputation, auth-policy, greylisting, downstream, unknown"
        );
        assert!(
            e("\n\n[[rule]]\nregex = \"(\"\ncategory = \"capacity\"\n")
                .starts_with("r.toml:3: bad regex:")
        );
        assert!(e("[[rule]]\nphrase = \"x\"\n").starts_with("r.toml:1: missing field `category`"));
        assert!(
            e("[[rule]]\nphrase = \"x\"\ncategory = \"capacity\"\ncolour = 1\n")
                .starts_with("r.toml:4: unknown field `colour`"),
            "{}",
            e("[[rule]]\nphrase = \"x\"\ncategory = \"capacity\"\ncolour = 1\n")
        );
        assert!(e("[[rule]\n").starts_with("r.toml:1: "));
        assert!(e("[[rule]]\ncategory = \"capacity\"\n").contains("needs a phrase"));
    }

    #[test]
    fn suggestions_skip_codes_and_stop_at_tokens() {
        assert_eq!(
            suggested_phrase("421 4.7.0 [TSS04] Messages from * temporarily deferred"),
            "[TSS04] Messages from"
        );
        assert_eq!(suggested_phrase("421 Try again later"), "Try again later");
        assert!(suggested_rule("421 Slow \"down\"").starts_with(
            "[[rule]]\nphrase = \"Slow down\"\ncategory = \"unknown\"  # pick one: capacity,"
        ));
    }
}

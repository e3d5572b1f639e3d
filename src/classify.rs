//! Cause categories: one ordered rules table, reply text first, then the
//! enhanced status code, else `unknown`.
//!
//! Enhanced codes alone mislead (GMX sends none, Gmail uses 4.2.1 and 4.4.5
//! for rate limits and busy, Exchange 4.3.2 for connection limits), so a
//! phrase or provider signature in the text always wins over the code.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use serde::Serialize;

/// Why a server answered 421.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    Capacity,
    ConnectionLimit,
    Timeout,
    RateLimit,
    Reputation,
    AuthPolicy,
    Greylisting,
    Downstream,
    Unknown,
}

impl Cause {
    pub const ALL: [Cause; 9] = [
        Cause::Capacity,
        Cause::ConnectionLimit,
        Cause::Timeout,
        Cause::RateLimit,
        Cause::Reputation,
        Cause::AuthPolicy,
        Cause::Greylisting,
        Cause::Downstream,
        Cause::Unknown,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Cause::Capacity => "capacity",
            Cause::ConnectionLimit => "connection-limit",
            Cause::Timeout => "timeout",
            Cause::RateLimit => "rate-limit",
            Cause::Reputation => "reputation",
            Cause::AuthPolicy => "auth-policy",
            Cause::Greylisting => "greylisting",
            Cause::Downstream => "downstream",
            Cause::Unknown => "unknown",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// One line on what the category means, for the report.
    pub fn meaning(self) -> &'static str {
        match self {
            Cause::Capacity => "receiver busy, out of resources or in maintenance",
            Cause::ConnectionLimit => "too many connections or messages per connection",
            Cause::Timeout => "a command or the data timed out, connection lost",
            Cause::RateLimit => "sending too fast or too much for the receiver",
            Cause::Reputation => "sender IP or domain reputation, complaints, blocklists",
            Cause::AuthPolicy => "SPF/DKIM/DMARC, reverse DNS, TLS or local policy",
            Cause::Greylisting => "first attempt greylisted; a retry is expected to pass",
            Cause::Downstream => "the receiver's own backend failed or is shutting down",
            Cause::Unknown => "no known phrase or enhanced code",
        }
    }
}

/// One row of the rules table: a phrase looked for (ASCII case-insensitive)
/// in the reply text.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub phrase: &'static str,
    pub cause: Cause,
    /// Who writes it, for provider signatures.
    pub source: &'static str,
}

const fn rule(phrase: &'static str, cause: Cause, source: &'static str) -> Rule {
    Rule {
        phrase,
        cause,
        source,
    }
}

use Cause::*;

/// The rules, first match wins. Provider signatures first (each group names
/// the page that documents it; `source` is the provider's display name from
/// [`crate::analysis::provider`]), then phrases (connection limits before rate
/// limits: "too many messages in this connection" is a per-connection limit).
/// "try again later" alone decides nothing: nearly every 421 says it.
pub const RULES: &[Rule] = &[
    // Yahoo / AOL: Yahoo Sender Hub "SMTP error codes"
    // (https://senders.yahooinc.com/smtp-error-codes, formerly
    // https://postmaster.verizonmedia.com/error-codes and
    // https://help.yahoo.com/kb/postmaster/SLN3434.html).
    rule("[gl01]", Greylisting, "Yahoo"),
    rule("temporarily deferred - 4.16.50", Greylisting, "Yahoo"),
    rule("[tss04]", RateLimit, "Yahoo"),
    rule("[tss01]", Reputation, "Yahoo"),
    rule("[tss02]", Reputation, "Yahoo"),
    rule("[tss03]", Reputation, "Yahoo"),
    rule("[ts01]", Reputation, "Yahoo"),
    rule("[ts02]", Reputation, "Yahoo"),
    rule("[ts03]", Reputation, "Yahoo"),
    // AOL's own codes, AOL Postmaster "List of Errors"
    // (http://postmaster.info.aol.com/errors/): DNS:NR is no reverse DNS for
    // the connecting IP (.../errors/421dnsnr.html); RLY:B1-B3 are dynamic
    // blocks for member complaints over threshold (.../errors/554rlyb1.html);
    // RLY:SN a disallowed aol.com sender address; CON:B1 "topped our
    // thresholds, back off" (Word to the Wise, "AOL bounces and false
    // positives", 2012); DYN blocks are AOL's dynamic (complaint) blocks.
    rule("dns:nr", AuthPolicy, "Yahoo"),
    rule("rly:sn", AuthPolicy, "Yahoo"),
    rule("rly:b", Reputation, "Yahoo"),
    rule("con:b1", RateLimit, "Yahoo"),
    rule("(dyn:", Reputation, "Yahoo"),
    // Gmail: "Gmail SMTP errors and codes"
    // (https://support.google.com/a/answer/3726730) and the sender
    // guidelines FAQ: 4.7.28 unusual rate; 4.7.23 reverse DNS; 4.7.27 SPF,
    // 4.7.30 DKIM, 4.7.31/4.7.40 DMARC, 4.7.32 From: alignment.
    rule("4.7.28", RateLimit, "Gmail"),
    rule("4.7.23 ", AuthPolicy, "Gmail"),
    rule("4.7.27 ", AuthPolicy, "Gmail"),
    rule("4.7.30 ", AuthPolicy, "Gmail"),
    rule("4.7.31 ", AuthPolicy, "Gmail"),
    rule("4.7.32 ", AuthPolicy, "Gmail"),
    rule("4.7.40 ", AuthPolicy, "Gmail"),
    // Microsoft (Outlook.com, Hotmail): https://aka.ms/postmaster and
    // Outlook.com postmaster troubleshooting: 4.7.650 (S775) and 4.7.651
    // (S3114) rate limited due to IP reputation; 4.7.652 (S3115) "has
    // exceeded the maximum number of connections"; RP-001/002/003 rate and
    // connection limits "related to IP/domain reputation".
    rule("4.7.652", ConnectionLimit, "Microsoft"),
    rule("(s3115)", ConnectionLimit, "Microsoft"),
    rule("4.7.650", Reputation, "Microsoft"),
    rule("4.7.651", Reputation, "Microsoft"),
    rule("(s775)", Reputation, "Microsoft"),
    rule("(s3114)", Reputation, "Microsoft"),
    rule("rp-001", Reputation, "Microsoft"),
    rule("rp-002", Reputation, "Microsoft"),
    rule("rp-003", Reputation, "Microsoft"),
    // Comcast: Comcast postmaster "Mail delivery error codes"
    // (http://postmaster.comcast.net/mail-error-codes.html): RL codes are
    // rate limits; "Too many sessions opened" (simultaneous connections) and
    // "Reverse DNS failure" are its non-specific 421s, matched below.
    rule("rl00000", RateLimit, "Comcast"),
    // Orange: Orange postmaster error codes (OFR), as listed by Postmastery
    // "Orange Postmaster(y) page" and bentonow.com/smtp-errors/orange:
    // OFR004_104 too many connections; OFR004_105 and OFR_999 service refused
    // (temporary block for complaints or reputation).
    rule("ofr004_104", ConnectionLimit, "Orange"),
    rule("ofr004_105", Reputation, "Orange"),
    rule("ofr_999", Reputation, "Orange"),
    // NetEase (163.com, 126.com): NetEase "退信代码说明" (bounce code list):
    // HL:REP many unknown recipients, HL:ICC too many concurrent connections,
    // HL:IFC too many messages in a short time, HL:MEP forged sender domains.
    rule("hl:rep", Reputation, "NetEase"),
    rule("hl:icc", ConnectionLimit, "NetEase"),
    rule("hl:ifc", RateLimit, "NetEase"),
    rule("hl:mep", AuthPolicy, "NetEase"),
    // Mail.ru: "421 4.7.0 IP frequency limit exceeded" (third-party report;
    // Mail.ru's own postmaster pages were not found).
    rule("frequency limit", RateLimit, "Mail.ru"),
    rule("greylist", Greylisting, ""),
    rule("graylist", Greylisting, ""),
    rule("grey-list", Greylisting, ""),
    rule("gray-list", Greylisting, ""),
    rule("grey list", Greylisting, ""),
    rule("gray list", Greylisting, ""),
    rule("not yet authorized", Greylisting, ""),
    rule("too many connection", ConnectionLimit, ""),
    rule("too many smtp connection", ConnectionLimit, ""),
    rule("too many open connection", ConnectionLimit, ""),
    rule("too many incoming connection", ConnectionLimit, ""),
    rule("too many simultaneous", ConnectionLimit, ""),
    rule("too many parallel", ConnectionLimit, ""),
    rule("concurrent", ConnectionLimit, ""),
    rule("concurrency", ConnectionLimit, ""),
    rule("connection limit", ConnectionLimit, ""),
    rule("connections limit", ConnectionLimit, ""),
    rule("simultaneous connections", ConnectionLimit, ""),
    rule("too many sessions", ConnectionLimit, ""),
    rule("too many smtp sessions", ConnectionLimit, ""),
    rule("too many open sessions", ConnectionLimit, ""),
    rule("messages in this connection", ConnectionLimit, ""),
    rule("messages in one connection", ConnectionLimit, ""),
    rule("messages per connection", ConnectionLimit, ""),
    rule("messages per session", ConnectionLimit, ""),
    rule("maximum number of connections", ConnectionLimit, ""),
    rule("connections from your ip", ConnectionLimit, ""),
    rule("unusual rate", RateLimit, ""),
    rule("unexpected volume", RateLimit, ""),
    rule("rate limit", RateLimit, ""),
    rule("rate-limit", RateLimit, ""),
    rule("ratelimit", RateLimit, ""),
    rule("rate exceeded", RateLimit, ""),
    rule("throttl", RateLimit, ""),
    rule("too many messages", RateLimit, ""),
    rule("too many recipients", RateLimit, ""),
    rule("too much mail", RateLimit, ""),
    rule("at a rate", RateLimit, ""),
    rule("sending rate", RateLimit, ""),
    rule("too fast", RateLimit, ""),
    rule("too quickly", RateLimit, ""),
    rule("slow down", RateLimit, ""),
    rule("reputation", Reputation, ""),
    rule("complaint", Reputation, ""),
    rule("blocklist", Reputation, ""),
    rule("block list", Reputation, ""),
    rule("blacklist", Reputation, ""),
    rule("spamhaus", Reputation, ""),
    rule("dnsbl", Reputation, ""),
    rule(" rbl", Reputation, ""),
    rule("unsolicited", Reputation, ""),
    rule("spam", Reputation, ""),
    rule("too many errors", AuthPolicy, ""),
    rule("spf", AuthPolicy, ""),
    rule("dkim", AuthPolicy, ""),
    rule("dmarc", AuthPolicy, ""),
    rule("reverse dns", AuthPolicy, ""),
    rule("rdns", AuthPolicy, ""),
    rule("ptr record", AuthPolicy, ""),
    rule("reverse hostname", AuthPolicy, ""),
    rule("tls required", AuthPolicy, ""),
    rule("must issue a starttls", AuthPolicy, ""),
    rule("encryption required", AuthPolicy, ""),
    rule("whitelist", AuthPolicy, ""),
    rule("allowlist", AuthPolicy, ""),
    rule("authentication required", AuthPolicy, ""),
    rule("policy", AuthPolicy, ""),
    rule("timeout", Timeout, ""),
    rule("timed out", Timeout, ""),
    rule("time out", Timeout, ""),
    rule("time-out", Timeout, ""),
    rule("lost connection", Timeout, ""),
    rule("connection lost", Timeout, ""),
    rule("dropped connection", Timeout, ""),
    rule("connection dropped", Timeout, ""),
    rule("connection closed", Timeout, ""),
    rule("closed connection", Timeout, ""),
    rule("connection reset", Timeout, ""),
    rule("idle too long", Timeout, ""),
    rule("busy", Capacity, ""),
    rule("load average", Capacity, ""),
    rule("too much load", Capacity, ""),
    rule("high load", Capacity, ""),
    rule("system load", Capacity, ""),
    rule("overload", Capacity, ""),
    rule("resources", Capacity, ""),
    rule("insufficient", Capacity, ""),
    rule("disk full", Capacity, ""),
    rule("out of memory", Capacity, ""),
    rule("no space", Capacity, ""),
    rule("system problem", Capacity, ""),
    rule("local problem", Capacity, ""),
    rule("not accepting network messages", Capacity, ""),
    rule("maintenance", Capacity, ""),
    rule("capacity", Capacity, ""),
    rule("downstream", Downstream, ""),
    rule("upstream", Downstream, ""),
    rule("fork", Downstream, ""),
    rule("unexpected failure", Downstream, ""),
    rule("shutting down", Downstream, ""),
    rule("internal error", Downstream, ""),
    rule("backend", Downstream, ""),
];

/// The fallback by enhanced status code class and subject.
pub fn cause_of_enhanced(enhanced: &[u8]) -> Option<Cause> {
    match enhanced.get(..4)? {
        b"4.2." | b"4.3." => Some(Capacity),
        b"4.4." => Some(Timeout),
        b"4.7." => Some(AuthPolicy),
        _ => None,
    }
}

/// All phrases in one case-insensitive automaton: one pass over the text.
static PHRASES: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .kind(Some(AhoCorasickKind::DFA))
        .build(RULES.iter().map(|r| r.phrase))
        .expect("rule phrases build an automaton")
});

/// The rule matching a reply text, if any: of all phrases found anywhere in
/// the text, the one earliest in [`RULES`].
pub fn matching_rule(text: &[u8]) -> Option<&'static Rule> {
    PHRASES
        .find_overlapping_iter(text)
        .map(|m| m.pattern().as_usize())
        .min()
        .map(|i| &RULES[i])
}

/// The cause of a 421 reply: the text first, then the enhanced code.
pub fn classify(text: &[u8], enhanced: Option<&[u8]>) -> Cause {
    classify_for(text, enhanced, b"")
}

/// The cause of a 421 reply for a recipient domain: the installed custom
/// rules ([`crate::rules`]) first, then the built-in table, then the
/// enhanced code.
pub fn classify_for(text: &[u8], enhanced: Option<&[u8]>, domain: &[u8]) -> Cause {
    if let Some(r) = crate::rules::active().and_then(|c| c.find(text, enhanced, domain)) {
        return r.cause;
    }
    if let Some(r) = matching_rule(text) {
        return r.cause;
    }
    enhanced.and_then(cause_of_enhanced).unwrap_or(Unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(text: &str) -> Cause {
        let t = text.as_bytes();
        classify(t, crate::parse::reply::enhanced_code(t))
    }

    #[test]
    fn every_rule_is_reachable_and_decides_its_phrase() {
        for r in RULES {
            let text = format!("421 Sorry {} here", r.phrase.to_uppercase());
            assert_eq!(
                matching_rule(text.as_bytes()).map(|m| m.phrase),
                Some(r.phrase),
                "rule {:?} is shadowed",
                r.phrase
            );
            assert_eq!(c(&text), r.cause, "{text}");
        }
    }

    #[test]
    fn provider_texts() {
        assert_eq!(
            c(
                "421-4.7.28 [192.0.2.1] Our system has detected an unusual rate of unsolicited mail - gsmtp"
            ),
            RateLimit
        );
        assert_eq!(
            c(
                "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints"
            ),
            RateLimit
        );
        assert_eq!(
            c(
                "421 4.7.0 [TS01] Messages from 192.0.2.1 temporarily deferred due to user complaints"
            ),
            Reputation
        );
        assert_eq!(
            c(
                "421 4.7.650 The mail server [192.0.2.1] has been temporarily rate limited due to IP reputation. (S775)"
            ),
            Reputation
        );
        assert_eq!(
            c("421 4.7.0 [GL01] Message from (192.0.2.1) temporarily deferred - 4.16.50"),
            Greylisting
        );
        assert_eq!(
            c("421 4.3.2 The maximum number of concurrent server connections has exceeded a limit"),
            ConnectionLimit
        );
        assert_eq!(
            c("421 too many messages in this connection"),
            ConnectionLimit
        );
        assert_eq!(
            c("421 Refused. Your reverse DNS entry does not resolve to an IP."),
            AuthPolicy
        );
        assert_eq!(
            c("421 mx.example: SMTP command timeout - closing connection"),
            Timeout
        );
        assert_eq!(c("421 4.3.2 All screening ports are busy"), Capacity);
        assert_eq!(c("421 4.4.5 Server busy, try again later."), Capacity);
        assert_eq!(c("421 4.3.0 Downstream server error"), Downstream);
    }

    #[test]
    fn enhanced_code_is_the_fallback() {
        assert_eq!(c("421 4.3.2 Service not available"), Capacity);
        assert_eq!(c("421 4.2.0 Try again"), Capacity);
        assert_eq!(c("421 4.4.1 Try again"), Timeout);
        assert_eq!(c("421 4.7.0 Try again"), AuthPolicy);
        assert_eq!(
            c("421 Service not available, closing transmission channel"),
            Unknown
        );
        assert_eq!(c("421 4.5.0 Try again"), Unknown);
    }
}

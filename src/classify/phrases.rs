//! The built-in phrase table: what a reply text says, and the cause it
//! means. Data only; [`super::matching_phrase`] searches it.

use super::cause::Cause::{self, *};
use super::provider::{
    APPLE, COMCAST, GOOGLE, MAIL_RU, MICROSOFT, NETEASE, ORANGE, Provider, YAHOO,
};

/// One row of the phrase table: a phrase looked for (ASCII
/// case-insensitive) in the reply text, and the cause it means.
#[derive(Debug, Clone, Copy)]
pub struct Phrase {
    pub phrase: &'static str,
    pub cause: Cause,
    /// Whose signature the phrase is, for provider signatures.
    pub provider: Option<&'static Provider>,
}

/// A phrase anyone may write.
const fn rule(phrase: &'static str, cause: Cause) -> Phrase {
    Phrase {
        phrase,
        cause,
        provider: None,
    }
}

/// A provider's signature.
const fn sig(phrase: &'static str, cause: Cause, provider: &'static Provider) -> Phrase {
    Phrase {
        phrase,
        cause,
        provider: Some(provider),
    }
}

/// The phrases, first match wins. Provider signatures first (each group
/// names the page that documents it; the provider is its entry in
/// `provider::PROVIDERS`), then phrases (connection limits before rate
/// limits: "too many messages in this connection" is a per-connection limit).
/// "try again later" alone decides nothing: nearly every 421 says it.
pub const PHRASES: &[Phrase] = &[
    // Yahoo / AOL: Yahoo Sender Hub "SMTP error codes"
    // (https://senders.yahooinc.com/smtp-error-codes, formerly
    // https://postmaster.verizonmedia.com/error-codes and
    // https://help.yahoo.com/kb/postmaster/SLN3434.html).
    sig("[gl01]", Greylisting, &YAHOO),
    sig("temporarily deferred - 4.16.50", Greylisting, &YAHOO),
    sig("[tss04]", RateLimit, &YAHOO),
    sig("[tss01]", Reputation, &YAHOO),
    sig("[tss02]", Reputation, &YAHOO),
    sig("[tss03]", Reputation, &YAHOO),
    sig("[ts01]", Reputation, &YAHOO),
    sig("[ts02]", Reputation, &YAHOO),
    sig("[ts03]", Reputation, &YAHOO),
    // AOL's own codes, AOL Postmaster "List of Errors"
    // (http://postmaster.info.aol.com/errors/): DNS:NR is no reverse DNS for
    // the connecting IP (.../errors/421dnsnr.html); RLY:B1-B3 are dynamic
    // blocks for member complaints over threshold (.../errors/554rlyb1.html);
    // RLY:SN a disallowed aol.com sender address; CON:B1 "topped our
    // thresholds, back off" (Word to the Wise, "AOL bounces and false
    // positives", 2012); DYN blocks are AOL's dynamic (complaint) blocks.
    sig("dns:nr", AuthPolicy, &YAHOO),
    sig("rly:sn", AuthPolicy, &YAHOO),
    sig("rly:b", Reputation, &YAHOO),
    sig("con:b1", RateLimit, &YAHOO),
    sig("(dyn:", Reputation, &YAHOO),
    // Gmail: "Gmail SMTP errors and codes"
    // (https://support.google.com/a/answer/3726730) and the sender
    // guidelines FAQ: 4.7.28 unusual rate; 4.7.23 reverse DNS; 4.7.27 SPF,
    // 4.7.30 DKIM, 4.7.31/4.7.40 DMARC, 4.7.32 From: alignment.
    sig("4.7.28", RateLimit, &GOOGLE),
    sig("4.7.23 ", AuthPolicy, &GOOGLE),
    sig("4.7.27 ", AuthPolicy, &GOOGLE),
    sig("4.7.30 ", AuthPolicy, &GOOGLE),
    sig("4.7.31 ", AuthPolicy, &GOOGLE),
    sig("4.7.32 ", AuthPolicy, &GOOGLE),
    sig("4.7.40 ", AuthPolicy, &GOOGLE),
    // Microsoft (Outlook.com, Hotmail): https://aka.ms/postmaster and
    // Outlook.com postmaster troubleshooting: 4.7.650 (S775) and 4.7.651
    // (S3114) rate limited due to IP reputation; 4.7.652 (S3115) "has
    // exceeded the maximum number of connections"; RP-001/002/003 rate and
    // connection limits "related to IP/domain reputation".
    sig("4.7.652", ConnectionLimit, &MICROSOFT),
    sig("(s3115)", ConnectionLimit, &MICROSOFT),
    sig("4.7.650", Reputation, &MICROSOFT),
    sig("4.7.651", Reputation, &MICROSOFT),
    sig("(s775)", Reputation, &MICROSOFT),
    sig("(s3114)", Reputation, &MICROSOFT),
    sig("rp-001", Reputation, &MICROSOFT),
    sig("rp-002", Reputation, &MICROSOFT),
    sig("rp-003", Reputation, &MICROSOFT),
    // Comcast: Comcast postmaster "Mail delivery error codes"
    // (http://postmaster.comcast.net/mail-error-codes.html): RL codes are
    // rate limits; "Too many sessions opened" (simultaneous connections) and
    // "Reverse DNS failure" are its non-specific 421s, matched below.
    sig("rl00000", RateLimit, &COMCAST),
    // Orange: Orange postmaster error codes (OFR), as listed by Postmastery
    // "Orange Postmaster(y) page" and bentonow.com/smtp-errors/orange:
    // OFR004_104 too many connections; OFR004_105 and OFR_999 service refused
    // (temporary block for complaints or reputation).
    sig("ofr004_104", ConnectionLimit, &ORANGE),
    sig("ofr004_105", Reputation, &ORANGE),
    sig("ofr_999", Reputation, &ORANGE),
    // NetEase (163.com, 126.com): NetEase "退信代码说明" (bounce code list):
    // HL:REP many unknown recipients, HL:ICC too many concurrent connections,
    // HL:IFC too many messages in a short time, HL:MEP forged sender domains.
    sig("hl:rep", Reputation, &NETEASE),
    sig("hl:icc", ConnectionLimit, &NETEASE),
    sig("hl:ifc", RateLimit, &NETEASE),
    sig("hl:mep", AuthPolicy, &NETEASE),
    // Apple (iCloud, me.com, mac.com): Apple's postmaster page
    // (https://support.apple.com/en-us/HT204137) is what its 421s link to;
    // the texts as collected by smtp.codes/icloud and
    // bentonow.com/smtp-errors/apple: "421 4.7.1 Messages to X deferred due
    // to excessive volume" (a per-recipient rate limit) and "421 4.7.0 me.com
    // Error: too many errors" (matched by the generic phrase below).
    sig("deferred due to excessive volume", RateLimit, &APPLE),
    // Mail.ru: "421 4.7.0 IP frequency limit exceeded" (third-party report;
    // Mail.ru's own postmaster pages were not found).
    sig("frequency limit", RateLimit, &MAIL_RU),
    rule("greylist", Greylisting),
    rule("graylist", Greylisting),
    rule("grey-list", Greylisting),
    rule("gray-list", Greylisting),
    rule("grey list", Greylisting),
    rule("gray list", Greylisting),
    rule("not yet authorized", Greylisting),
    rule("too many connection", ConnectionLimit),
    rule("too many smtp connection", ConnectionLimit),
    rule("too many open connection", ConnectionLimit),
    rule("too many incoming connection", ConnectionLimit),
    rule("too many simultaneous", ConnectionLimit),
    rule("too many parallel", ConnectionLimit),
    rule("concurrent", ConnectionLimit),
    rule("concurrency", ConnectionLimit),
    rule("connection limit", ConnectionLimit),
    rule("connections limit", ConnectionLimit),
    rule("simultaneous connections", ConnectionLimit),
    rule("too many sessions", ConnectionLimit),
    rule("too many smtp sessions", ConnectionLimit),
    rule("too many open sessions", ConnectionLimit),
    rule("messages in this connection", ConnectionLimit),
    rule("messages in one connection", ConnectionLimit),
    rule("messages per connection", ConnectionLimit),
    rule("messages per session", ConnectionLimit),
    rule("maximum number of connections", ConnectionLimit),
    rule("connections from your ip", ConnectionLimit),
    rule("unusual rate", RateLimit),
    rule("unexpected volume", RateLimit),
    rule("rate limit", RateLimit),
    rule("rate-limit", RateLimit),
    rule("ratelimit", RateLimit),
    rule("rate exceeded", RateLimit),
    rule("throttl", RateLimit),
    rule("too many messages", RateLimit),
    rule("too many recipients", RateLimit),
    rule("too much mail", RateLimit),
    rule("at a rate", RateLimit),
    rule("sending rate", RateLimit),
    rule("too fast", RateLimit),
    rule("too quickly", RateLimit),
    rule("slow down", RateLimit),
    rule("reputation", Reputation),
    rule("complaint", Reputation),
    rule("blocklist", Reputation),
    rule("block list", Reputation),
    rule("blacklist", Reputation),
    rule("spamhaus", Reputation),
    rule("dnsbl", Reputation),
    rule(" rbl", Reputation),
    rule("unsolicited", Reputation),
    rule("spam", Reputation),
    rule("too many errors", AuthPolicy),
    rule("spf", AuthPolicy),
    rule("dkim", AuthPolicy),
    rule("dmarc", AuthPolicy),
    rule("reverse dns", AuthPolicy),
    rule("rdns", AuthPolicy),
    rule("ptr record", AuthPolicy),
    rule("reverse hostname", AuthPolicy),
    rule("tls required", AuthPolicy),
    rule("must issue a starttls", AuthPolicy),
    rule("encryption required", AuthPolicy),
    rule("whitelist", AuthPolicy),
    rule("allowlist", AuthPolicy),
    rule("authentication required", AuthPolicy),
    rule("policy", AuthPolicy),
    rule("timeout", Timeout),
    rule("timed out", Timeout),
    rule("time out", Timeout),
    rule("time-out", Timeout),
    rule("lost connection", Timeout),
    rule("connection lost", Timeout),
    rule("dropped connection", Timeout),
    rule("connection dropped", Timeout),
    rule("connection closed", Timeout),
    rule("closed connection", Timeout),
    rule("connection reset", Timeout),
    rule("idle too long", Timeout),
    rule("busy", Capacity),
    rule("load average", Capacity),
    rule("too much load", Capacity),
    rule("high load", Capacity),
    rule("system load", Capacity),
    rule("overload", Capacity),
    rule("resources", Capacity),
    rule("insufficient", Capacity),
    rule("disk full", Capacity),
    rule("out of memory", Capacity),
    rule("no space", Capacity),
    rule("system problem", Capacity),
    rule("local problem", Capacity),
    rule("not accepting network messages", Capacity),
    rule("maintenance", Capacity),
    rule("capacity", Capacity),
    rule("downstream", Downstream),
    rule("upstream", Downstream),
    rule("fork", Downstream),
    rule("unexpected failure", Downstream),
    rule("shutting down", Downstream),
    rule("internal error", Downstream),
    rule("backend", Downstream),
];

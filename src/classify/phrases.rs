//! The built-in phrase table: what a reply text says, and the cause it
//! means. Data only; [`super::matching_phrase`] searches it.

use super::cause::Cause::{self, *};

/// One row of the rules table: a phrase looked for (ASCII case-insensitive)
/// in the reply text.
#[derive(Debug, Clone, Copy)]
pub struct Phrase {
    pub phrase: &'static str,
    pub cause: Cause,
    /// Who writes it, for provider signatures.
    pub source: &'static str,
}

const fn rule(phrase: &'static str, cause: Cause, source: &'static str) -> Phrase {
    Phrase {
        phrase,
        cause,
        source,
    }
}

/// The rules, first match wins. Provider signatures first (each group names
/// the page that documents it; `source` is the provider's display name from
/// [`crate::analysis::provider`]), then phrases (connection limits before rate
/// limits: "too many messages in this connection" is a per-connection limit).
/// "try again later" alone decides nothing: nearly every 421 says it.
pub const PHRASES: &[Phrase] = &[
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
    // Apple (iCloud, me.com, mac.com): Apple's postmaster page
    // (https://support.apple.com/en-us/HT204137) is what its 421s link to;
    // the texts as collected by smtp.codes/icloud and
    // bentonow.com/smtp-errors/apple: "421 4.7.1 Messages to X deferred due
    // to excessive volume" (a per-recipient rate limit) and "421 4.7.0 me.com
    // Error: too many errors" (matched by the generic phrase below).
    rule("deferred due to excessive volume", RateLimit, "Apple"),
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

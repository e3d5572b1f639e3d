//! Tests of the cause decision on reply texts and real-format lines.

use super::*;
use crate::classify::Cause::*;

fn c(text: &str) -> Cause {
    let t = text.as_bytes();
    classify(t, crate::parse::reply::enhanced_code(t))
}

#[test]
fn every_rule_is_reachable_and_decides_its_phrase() {
    for r in PHRASES {
        let text = format!("421 Sorry {} here", r.phrase.to_uppercase());
        assert_eq!(
            matching_phrase(text.as_bytes()).map(|m| m.phrase),
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
        c("421 4.7.0 [TS01] Messages from 192.0.2.1 temporarily deferred due to user complaints"),
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

/// The cause and signature of a reply as the tool reads it from a real
/// Exim `==` line and a real Postfix `status=deferred` line (the reply the
/// parser cut out, classified as an event's is).
fn from_lines(reply: &str) -> [(Cause, Option<&'static str>); 2] {
    let exim = format!(
        "2026-11-22 10:00:01 1tA2b3-000AbC-1x == bob@example.net R=dnslookup T=remote_smtp defer (-45) H=mx.example.net [192.0.2.10]: SMTP error from remote mail server after RCPT TO:<bob@example.net>: {reply}"
    );
    let postfix = format!(
        "Nov 22 10:00:01 mx1 postfix/smtp[42]: 4F1A2B3C4D: to=<bob@example.net>, relay=mx.example.net[192.0.2.10]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=4.7.0, status=deferred (host mx.example.net[192.0.2.10] said: {reply} (in reply to RCPT TO command))"
    );
    let one = |parsed: crate::parse::Parsed<'_>| {
        let crate::parse::Parsed::Entry {
            record: crate::parse::Record::Delivery(d),
            ..
        } = parsed
        else {
            panic!("not a delivery: {reply}")
        };
        let r = d.reply.unwrap_or_else(|| panic!("no reply: {reply}"));
        assert_eq!(r.text, reply.as_bytes());
        (
            classify_for(r.text, r.enhanced, crate::parse::domain_of(d.rcpt)),
            matching_phrase(r.text)
                .and_then(|p| p.provider)
                .and_then(|p| p.name),
        )
    };
    [
        one(crate::parse::exim::parse_line(exim.as_bytes())),
        one(crate::parse::syslog::parse_line(postfix.as_bytes())),
    ]
}

#[test]
fn provider_codes_on_real_format_lines() {
    for (reply, cause, provider) in [
        // Apple: https://support.apple.com/en-us/HT204137
        (
            "421 4.7.1 Messages to bob@icloud.com deferred due to excessive volume. Try again later - https://support.apple.com/en-us/HT204137",
            RateLimit,
            Some("Apple"),
        ),
        ("421 4.7.0 me.com Error: too many errors", AuthPolicy, None),
        // AOL: http://postmaster.info.aol.com/errors/421dnsnr.html
        (
            "421 4.2.1 :  (DNS:NR) http://postmaster.info.aol.com/errors/421dnsnr.html",
            AuthPolicy,
            Some("Yahoo"),
        ),
        (
            "421 4.7.1 : (DNS:NR) http://postmaster.info.aol.com/errors/421dnsnr.html",
            AuthPolicy,
            Some("Yahoo"),
        ),
        (
            "421 4.2.1 :  (RLY:B1) http://postmaster.info.aol.com/errors/421rlyb1.html",
            Reputation,
            Some("Yahoo"),
        ),
        (
            "421 4.2.1 :  (RLY:SN) http://postmaster.info.aol.com/errors/421rlysn.html",
            AuthPolicy,
            Some("Yahoo"),
        ),
        (
            "421 4.2.1 :  (CON:B1) http://postmaster.info.aol.com/errors/421conb1.html",
            RateLimit,
            Some("Yahoo"),
        ),
        (
            "421 4.2.1 :  (DYN:T1) http://postmaster.info.aol.com/errors/421dynt1.html",
            Reputation,
            Some("Yahoo"),
        ),
        // Yahoo Sender Hub error codes.
        (
            "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.verizonmedia.com/error-codes",
            RateLimit,
            Some("Yahoo"),
        ),
        (
            "421 4.7.0 [TSS01] Messages from 192.0.2.1 temporarily deferred due to user complaints - 4.16.55.1",
            Reputation,
            Some("Yahoo"),
        ),
        (
            "421 4.7.1 [TS03] All messages from 192.0.2.1 will be permanently deferred; Retrying will NOT succeed. See https://help.yahoo.com/kb/postmaster/SLN3436.html",
            Reputation,
            Some("Yahoo"),
        ),
        (
            "421 4.7.0 [TS01] Messages from 192.0.2.1 temporarily deferred due to user complaints - 4.16.55.1",
            Reputation,
            Some("Yahoo"),
        ),
        (
            "421 4.7.0 [GL01] Message from (192.0.2.1) temporarily deferred - 4.16.50. Please refer to http://postmaster.yahoo.com/errors/postmaster-21.html",
            Greylisting,
            Some("Yahoo"),
        ),
        // Gmail SMTP errors and codes.
        (
            "421-4.7.28 [192.0.2.1 15] Our system has detected an unusual rate of\\n421-4.7.28 unsolicited mail originating from your IP address. - gsmtp",
            RateLimit,
            Some("Gmail"),
        ),
        (
            "421-4.7.27 This mail has been rate limited because SPF does not pass. - gsmtp",
            AuthPolicy,
            Some("Gmail"),
        ),
        (
            "421-4.7.30 This mail has been rate limited because DKIM does not pass. - gsmtp",
            AuthPolicy,
            Some("Gmail"),
        ),
        (
            "421-4.7.32 This mail has been rate limited because the From: header is not aligned. - gsmtp",
            AuthPolicy,
            Some("Gmail"),
        ),
        (
            "421-4.7.23 The sending IP does not have a PTR record. - gsmtp",
            AuthPolicy,
            Some("Gmail"),
        ),
        (
            "421 4.7.0 TLS required for RCPT domain, closing connection. - gsmtp",
            AuthPolicy,
            None,
        ),
        (
            "421 4.3.0 Temporary System Problem.  Try again later (10). - gsmtp",
            Capacity,
            None,
        ),
        // Microsoft: https://aka.ms/postmaster
        (
            "421 4.7.652 The mail server [192.0.2.1] has exceeded the maximum number of connections. (S3115)",
            ConnectionLimit,
            Some("Microsoft"),
        ),
        (
            "421 4.7.650 The mail server [192.0.2.1] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://aka.ms/postmaster (S775)",
            Reputation,
            Some("Microsoft"),
        ),
        (
            "421 4.7.651 The mail server [192.0.2.1] has been temporarily rate limited due to IP reputation. (S3114)",
            Reputation,
            Some("Microsoft"),
        ),
        (
            "421 RP-001 (BAY004-MC1F1) Unfortunately, some messages from 192.0.2.1 weren't sent. Please try again.",
            Reputation,
            Some("Microsoft"),
        ),
        (
            "421 RP-003 (BAY004-MC1F1) Unfortunately, some messages from 192.0.2.1 weren't sent. Please try again.",
            Reputation,
            Some("Microsoft"),
        ),
        // Comcast postmaster.
        (
            "421 4.1.0 192.0.2.1 Throttled - try again later. Please see http://postmaster.comcast.net/smtp-error-codes.php#RL000001",
            RateLimit,
            Some("Comcast"),
        ),
        ("421 Too many sessions opened", ConnectionLimit, None),
        (
            "421 Reverse DNS failure : Try again later",
            AuthPolicy,
            None,
        ),
        // Orange (OFR codes).
        (
            "421 mwinf5c10 ME Trop de connexions, veuillez verifier votre configuration. Too many connections, slow down. OFR004_104 [104]",
            ConnectionLimit,
            Some("Orange"),
        ),
        (
            "421 mwinf5c10 ME Service refuse. Veuillez essayer plus tard. Service refused, please try later. OFR004_105 [105]",
            Reputation,
            Some("Orange"),
        ),
        (
            "421 mwinf5c79 ME Service refuse. Veuillez essayer plus tard. Service refused, please try later. OFR_999 [999]",
            Reputation,
            Some("Orange"),
        ),
        // NetEase bounce codes.
        (
            "421 HL:ICC 192.0.2.1 too many concurrent connections",
            ConnectionLimit,
            Some("NetEase"),
        ),
        (
            "421 HL:IFC 192.0.2.1 sent too many messages",
            RateLimit,
            Some("NetEase"),
        ),
        (
            "421 HL:REP 192.0.2.1 has many invalid recipients",
            Reputation,
            Some("NetEase"),
        ),
        (
            "421 HL:MEP 192.0.2.1 uses forged sender domains",
            AuthPolicy,
            Some("NetEase"),
        ),
        // Mail.ru, GMX.
        (
            "421 4.7.0 IP frequency limit exceeded",
            RateLimit,
            Some("Mail.ru"),
        ),
        (
            "421 gmx.net (mxgmx117) Nemesis ESMTP Service not available. Too many messages from your IP, try again later",
            RateLimit,
            None,
        ),
    ] {
        for (got, form) in from_lines(reply).into_iter().zip(["exim", "postfix"]) {
            assert_eq!(got, (cause, provider), "{form}: {reply}");
        }
        assert_eq!(c(reply), cause, "{reply}");
    }
}

#[test]
fn phrase_variants_decide_alike() {
    for (text, cause) in [
        ("421 4.4.2 Connection lost", Timeout),
        ("421 lost connection while receiving data", Timeout),
        ("421 4.4.2 connection dropped", Timeout),
        ("421 dropped connection after 300s idle", Timeout),
        ("421 connection closed by peer", Timeout),
        ("421 idle, closed connection", Timeout),
        ("421 4.4.2 Connection reset by peer", Timeout),
        ("421 4.4.2 mx.example Error: timeout exceeded", Timeout),
        (
            "421 4.7.0 Too many connections from 192.0.2.1",
            ConnectionLimit,
        ),
        (
            "421 4.7.0 Error: too many connections from 192.0.2.1",
            ConnectionLimit,
        ),
        (
            "421 Too many SMTP connections from this IP",
            ConnectionLimit,
        ),
        ("421 Too many open connections", ConnectionLimit),
        (
            "421 too many incoming connections, closing",
            ConnectionLimit,
        ),
        ("421 Too many simultaneous connections", ConnectionLimit),
        (
            "421 Too many concurrent SMTP connections; please try again later",
            ConnectionLimit,
        ),
        ("421 too many sessions from your ip", ConnectionLimit),
        ("421 Too many SMTP sessions for this host", ConnectionLimit),
        ("421 Too many sessions opened", ConnectionLimit),
        ("421 Connection limit exceeded", ConnectionLimit),
        ("421 4.3.2 Connections limit reached", ConnectionLimit),
        ("421 4.7.0 Rate limit exceeded", RateLimit),
        ("421 4.7.0 You are being rate-limited", RateLimit),
        ("421 4.7.0 Message rate exceeded", RateLimit),
        ("421 4.7.0 sending too quickly", RateLimit),
        ("421 Throttled - try again later", RateLimit),
        ("421 4.2.0 Server busy", Capacity),
        ("421 4.3.2 System overloaded", Capacity),
    ] {
        assert_eq!(c(text), cause, "{text}");
    }
}

#[test]
fn try_again_later_alone_decides_nothing() {
    for text in [
        "421 Service unavailable - try again later",
        "421 Please try again later",
        "421 mx.example closing connection, try again later",
        "421 Service not available, closing transmission channel",
    ] {
        assert_eq!(
            matching_phrase(text.as_bytes()).map(|r| r.phrase),
            None,
            "{text}"
        );
        assert_eq!(c(text), Unknown, "{text}");
    }
    assert_eq!(
        c("421 4.3.2 Service unavailable, try again later"),
        Capacity
    );
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

/// Every condition a parser reports maps to the cause of the reply the
/// MTA's source sends for it.
#[test]
fn implied_replies_get_the_cause_of_their_text() {
    use crate::parse::Condition::*;
    for (condition, text) in [
        (CommandTimeout, "421 4.4.2 Error: timeout exceeded"),
        (
            DataTimeout,
            "421 SMTP incoming data timeout - closing connection",
        ),
        (TooManyConnections, "421 4.7.0 Error: too many connections"),
        (LoadAverage, "421 Too much load; please try again later"),
        (
            MessagesPerConnection,
            "421 too many messages in this connection",
        ),
        (TooManyErrors, "421 4.7.0 Error: too many errors"),
        (PortsBusy, "421 4.3.2 All server ports are busy"),
    ] {
        assert_eq!(cause_of_condition(condition), c(text), "{condition:?}");
    }
    assert_eq!(cause_of_condition(NotInReserveList), ConnectionLimit);
    assert_eq!(cause_of_condition(ConnectionRate), RateLimit);
    assert_eq!(cause_of_condition(TlsSessionRate), RateLimit);
    assert_eq!(cause_of_condition(CommandCount), RateLimit);
    assert_eq!(cause_of_condition(CommandLength), AuthPolicy);
}

#[test]
fn every_signature_names_a_registered_provider() {
    use crate::classify::provider::PROVIDERS;
    for phrase in PHRASES {
        if let Some(p) = phrase.provider {
            assert!(p.name.is_some(), "{:?}", phrase.phrase);
            assert!(
                PROVIDERS.iter().any(|q| q.id == p.id && q.name == p.name),
                "{}: not in PROVIDERS",
                p.id
            );
        }
    }
}

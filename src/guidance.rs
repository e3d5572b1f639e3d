//! What each cause category means and what to do about it: the advice text
//! behind `maillog421 explain`, the summary's "What to do" and the HTML
//! report's advice cards, plus provider-specific notes.
//!
//! `explain` itself also lives here: it turns its argument (a reply text or
//! a category name) into an [`Explanation`] and writes it as wrapped text or
//! one JSON object. Reply text is remote-controlled: the text output escapes
//! its control characters.

use std::io::{self, Write};

use serde::Serialize;

use crate::classify::{Cause, cause_of_enhanced, classify_for, matching_phrase};
use crate::parse::reply::{code_at, enhanced_code, split_in_reply_to};
use crate::text::escape_control;

/// The advice for one cause category. Every list holds 3 to 6 items of one
/// or two short lines each.
#[derive(Debug, Clone, Serialize)]
pub struct Guidance {
    /// The category's name, as [`Cause::name`].
    pub category: &'static str,
    /// What the receiver is telling us, in plain words.
    pub meaning: &'static str,
    /// Whether and when the deferral turns into a failure.
    pub temporary: &'static str,
    pub causes: &'static [&'static str],
    /// Who has to do something: the sender, us (the admin), the
    /// recipient's provider or the remote admin.
    pub who_acts: &'static [&'static str],
    /// Steps, most useful first, with the Exim and Postfix settings.
    pub do_now: &'static [&'static str],
    /// What to include when writing to the receiving side's support.
    pub tell_support: &'static [&'static str],
}

/// The advice for a category.
pub fn guidance(c: Cause) -> &'static Guidance {
    &GUIDANCE[c.index()]
}

/// Indexed by [`Cause::index`], in [`Cause::ALL`] order.
static GUIDANCE: [Guidance; 9] = [
    Guidance {
        category: "capacity",
        meaning: "The receiving server cannot take mail at this moment: it is \
            overloaded, short of disk, memory or worker processes, or down for \
            maintenance. The reply describes their server, not our mail.",
        temporary: "Yes. The message stays in our queue and is tried again on \
            the usual schedule; most of these clear within an hour. It only \
            fails if every attempt is refused until the queue lifetime runs \
            out, and then the sender gets a bounce.",
        causes: &[
            "Peak traffic, an outage or an incident at the receiving provider.",
            "Their disk, memory or connection slots ran out (4.3.1, 4.3.2).",
            "Planned maintenance, or a server being drained before a restart.",
            "Now and then us: many parallel deliveries can swamp a small server.",
        ],
        who_acts: &[
            "The recipient's provider or the remote admin: the fault is on their server.",
            "Us (the admin): nothing while retries work; lower our pressure if it lasts.",
            "The sender: nothing; our queue holds the mail and keeps trying.",
        ],
        do_now: &[
            "Let the queue retry; if many unrelated domains defer at the same \
             time, suspect our own network or DNS instead.",
            "Know the clock: Postfix minimal_backoff_time/maximal_backoff_time and \
             maximal_queue_lifetime (5d); Exim's retry section.",
            "Exim's default retry rule `* * F,2h,15m; G,16h,1h,1.5; F,4d,6h` gives \
             up after four days; add a rule per domain if that is too short.",
            "A small server that stays busy: Postfix \
             smtp_destination_concurrency_limit = 2 via transport_maps; Exim serialize_hosts.",
            "Look at the backlog with `postqueue -p` or `exim -bp`; do not delete or \
             resend deferred mail, the retries will deliver it.",
        ],
        tell_support: &[
            "The full reply with its enhanced code, and which MX host and IP sent it.",
            "When it started and whether it still happens, as UTC timestamps.",
            "Our sending IP and HELO name, plus queue ids of a few deferred messages.",
            "Our usual volume per hour towards them, and whether it rose lately.",
        ],
    },
    Guidance {
        category: "connection-limit",
        meaning: "The receiver caps how many connections one client may hold at \
            once, or how many messages it accepts over one connection, and we \
            went past that cap. Only the extra connection or message is turned \
            away.",
        temporary: "Yes, and it mostly sorts itself out: the refused message \
            waits and leaves on a later connection. It hurts when we exceed \
            the cap all day, since the backlog then grows and its oldest \
            messages can reach the queue lifetime and bounce.",
        causes: &[
            "Too many parallel deliveries to the same MX, from a burst or a big queue run.",
            "Several of our servers behind one NAT address, counted as one client.",
            "One connection reused for more messages than the receiver allows.",
            "A forced queue flush after an outage opening many sessions at once.",
        ],
        who_acts: &[
            "Us (the admin): the fix is a setting on our side; their cap is deliberate.",
            "The remote admin: only when the cap is too low for ordinary traffic.",
            "The sender: nothing, delivery just goes a little slower.",
        ],
        do_now: &[
            "Postfix: lower smtp_destination_concurrency_limit (default 20) for \
             them, e.g. to 2-5 through a slower transport in transport_maps.",
            "Postfix: cap messages per session with smtp_connection_reuse_count_limit \
             (3.4+) and recipients with smtp_destination_recipient_limit.",
            "Exim: lower remote_max_parallel, set serialize_hosts for their MX hosts, \
             and reduce connection_max_messages on the smtp transport.",
            "Avoid forced runs (`postqueue -f`, `exim -qff`) while the backlog \
             drains; in Exim keep queue_run_max modest.",
            "Count our open sessions to their MX: `ss -tn '( dport = :25 )'`.",
        ],
        tell_support: &[
            "The reply with its enhanced code, and the MX host and IP that sent it.",
            "Our sending IPs, and whether several servers share one address.",
            "UTC times of the first and the latest refusals, with a few queue ids.",
            "Our peak connections and messages per hour to them, and our new limit.",
        ],
    },
    Guidance {
        category: "timeout",
        meaning: "The SMTP session broke off: a command or the message data was \
            not answered in time, or the connection was lost, and the session \
            ended with a 421 from their server or from our own MTA.",
        temporary: "Yes. The message is retried and usually gets through. Hours \
            of timeouts towards one host point at the network path or a slow \
            filter; the mail bounces only if that lasts until the queue \
            lifetime expires.",
        causes: &[
            "A slow content scanner on their side, busy after our data was sent.",
            "Packet loss, an MTU problem or a firewall on the path, often one that \
             mangles STARTTLS or large packets.",
            "Big messages over a slow link.",
            "A session we held idle past their limit, e.g. a cached connection.",
        ],
        who_acts: &[
            "Us (the admin) first: rule out our own network, resolver and firewall.",
            "The remote admin: when only their hosts time out and our path is clean.",
            "The sender: only with very large attachments; a link may travel better.",
        ],
        do_now: &[
            "If every destination times out, the problem is ours: network, DNS, or \
             outbound port 25 blocked by the upstream provider.",
            "Test the path: `swaks --to user@DOMAIN --server MX --tls`, `openssl \
             s_client -starttls smtp -connect MX:25`, `mtr MX`.",
            "Limits: Postfix smtp_connect_timeout, smtp_data_done_timeout (600s); \
             Exim connect_timeout, command_timeout, data_timeout.",
            "Small messages passing while big ones stall suggests an MTU or \
             middlebox fault; try a lower MTU on our side.",
        ],
        tell_support: &[
            "The log line, and the SMTP stage (connect, RCPT, DATA) where it stopped.",
            "Our sending IP, their MX IP, and an mtr or traceroute from our side.",
            "UTC times of several failures, with queue ids and message sizes.",
            "Whether small messages get through while large ones time out.",
        ],
    },
    Guidance {
        category: "rate-limit",
        meaning: "The receiver thinks we send too much, too fast: too many \
            messages or recipients per period from our IP or domain. It holds \
            the surplus back for a while; Yahoo's [TSS04] and Gmail's 4.7.28 \
            are of this kind.",
        temporary: "Yes. Refused mail stays queued and leaves once our rate \
            drops below their threshold. It becomes a problem when we keep the \
            same pace: the backlog only grows, retries fail until the queue \
            lifetime expires, and the messages bounce.",
        causes: &[
            "A burst: a newsletter, a batch job, or the queue flushing after an outage.",
            "Many recipients at one provider in a short time.",
            "A new IP with no sending history suddenly carrying full volume.",
            "Spam complaints lowering the rate the provider grants us.",
            "A hijacked account or web form sending spam through us.",
        ],
        who_acts: &[
            "Us (the admin): slow down towards that provider; the limit is theirs.",
            "The sender: split big mailings and spread bulk mail over the day.",
            "The recipient's provider: only if the limit stays at normal volume.",
        ],
        do_now: &[
            "Rule out abuse first: find the top senders in the queue (`postqueue -p`, \
             `exim -bp | exiqsumm`) and any hijacked account.",
            "Postfix: map their domains to a `slow` smtp transport in transport_maps, \
             with slow_destination_concurrency_limit = 2.",
            "Postfix: slow_destination_rate_delay = 1s (smtp_destination_rate_delay \
             for all), fewer recipients each via default_destination_recipient_limit.",
            "Exim: lower remote_max_parallel, serialize_hosts for their MX, and a \
             smaller max_rcpt and connection_max_messages on the smtp transport.",
            "Back off longer: Postfix maximal_backoff_time; Exim a domain rule such \
             as `yahoo.com * F,1h,20m; G,16h,1h,1.5; F,4d,6h`.",
            "Watch the provider's view: Gmail Postmaster Tools, Microsoft SNDS, \
             Yahoo Sender Hub.",
        ],
        tell_support: &[
            "The full reply, its enhanced code and any tag or id ([TSS04], 4.7.28).",
            "Our sending IPs and the envelope sender and From domains.",
            "The time range in UTC and our messages per hour before and during it.",
            "Queue ids and Message-IDs of a few deferred messages.",
            "The rate and concurrency we now use towards them.",
        ],
    },
    Guidance {
        category: "reputation",
        meaning: "The receiver does not trust our IP or domain enough right now, \
            because of spam complaints, trap hits, blocklist entries or a thin \
            history, so it holds our mail back. It is a warning that can turn \
            into a block.",
        temporary: "Only in form. Retries keep failing while the reputation \
            stays poor, and the mail bounces when the queue lifetime ends. \
            Unlike a plain rate limit, waiting alone rarely fixes it: whatever \
            caused the complaints or listings has to stop.",
        causes: &[
            "Recipients pressing 'spam', or mail to bought or stale lists (spam traps).",
            "Our IP on a DNS blocklist, often after an account was compromised.",
            "A new or shared IP with no good history, or a bad neighbour in our range.",
            "SPF, DKIM or DMARC failing, so our mail looks forged.",
        ],
        who_acts: &[
            "Us (the admin): find and stop whatever hurt the reputation.",
            "The sender: clean the lists, honour unsubscribes, mail only opt-ins.",
            "The recipient's provider: mitigation or delisting once the cause is fixed.",
        ],
        do_now: &[
            "Check for a compromise: top senders and scripts in the queue, sudden \
             volume from one account or web form.",
            "Look our IP up on blocklists (Spamhaus ZEN and others) and follow each \
             list's removal steps after fixing the cause.",
            "Read the provider's view: Gmail Postmaster Tools, Microsoft SNDS and its \
             JMRP, Yahoo Sender Hub and its feedback loop.",
            "Make SPF, DKIM and DMARC pass and the PTR of our IP match its HELO name.",
            "Meanwhile send slower to them (Postfix smtp_destination_rate_delay, \
             Exim serialize_hosts) and pause bulk mail.",
        ],
        tell_support: &[
            "The full reply with its code and tracking id (S775, RP-001, [TS01]...).",
            "Our sending IPs, our domains and the DKIM selector we sign with.",
            "The UTC time range, our volume per hour, and complaint figures if known.",
            "What we found and fixed (a hijacked account, a cleaned list), with dates.",
            "Sample Message-IDs and queue ids of deferred mail.",
        ],
    },
    Guidance {
        category: "auth-policy",
        meaning: "A rule at the receiver turned us away for now: an SPF, DKIM or \
            DMARC check, missing or mismatched reverse DNS, no TLS, or a local \
            policy such as an allowlist. A bare 4.7.x code also ends up here.",
        temporary: "The 421 says temporary, but the same check fails on every \
            retry until the setting is corrected, so this mail bounces when \
            the queue lifetime runs out unless someone acts.",
        causes: &[
            "An SPF record that leaves out this server's IP, or a missing DKIM key.",
            "DMARC failing: the From domain aligns with neither SPF nor DKIM.",
            "No PTR for our IP, or a PTR or HELO name that does not resolve back.",
            "The receiver insists on TLS and we did not offer it, or offer old ciphers.",
            "Too many protocol errors or unknown recipients in one session.",
        ],
        who_acts: &[
            "Us (the admin): DNS records, DKIM signing and TLS are ours to fix.",
            "The remote admin: if they allowlist senders or their rule misfires.",
            "The sender: if the From domain is one we may not send for.",
        ],
        do_now: &[
            "Read the reply: it often names the check. Compare with the \
             Authentication-Results header of a message that did arrive.",
            "Check SPF, DKIM and DMARC with `dig TXT`, and that the PTR of our IP \
             names a host resolving back to it, used as HELO.",
            "Postfix TLS: smtp_tls_security_level = may, or encrypt for them through \
             smtp_tls_policy_maps.",
            "Exim TLS: hosts_require_tls for their MX and a current \
             tls_require_ciphers on the smtp transport.",
            "Test with `swaks --to user@DOMAIN --server MX --tls`, then retry the \
             queue: `postqueue -f` or `exim -R DOMAIN`.",
        ],
        tell_support: &[
            "The reply text and enhanced code, and which check it seems to name.",
            "Our sending IP, its PTR and HELO name, our envelope and From domains.",
            "An Authentication-Results header from one of our accepted messages.",
            "UTC timestamps and queue ids of the refused attempts.",
        ],
    },
    Guidance {
        category: "greylisting",
        meaning: "The receiver refused the first attempt on purpose, to see \
            whether we come back as a real mail server does. The next attempt \
            from the same IP, some minutes later, is normally let through.",
        temporary: "Yes, and harmless: the delay is just the wait for our next \
            retry. It turns into a problem only if every attempt is greylisted \
            again, typically because each retry leaves from a different IP.",
        causes: &[
            "A sender, recipient and IP combination the receiver has not seen before.",
            "Yahoo's [GL01] (4.16.50) and the filters of many small providers.",
            "Retries from a pool of outbound IPs, each one new to the receiver.",
        ],
        who_acts: &[
            "Nobody, normally: the retry does the work.",
            "Us (the admin): only if the same messages stay greylisted for hours.",
            "The remote admin: allowlisting our IP if the delay matters to them.",
        ],
        do_now: &[
            "Nothing for a single deferral; check that a later attempt delivered \
             (`maillog421 report` shows retry outcomes).",
            "Retry from one address: Postfix smtp_bind_address, Exim `interface` on \
             the smtp transport, when the host has several.",
            "Retry neither too soon nor too late: Postfix minimal_backoff_time \
             (300s); Exim's first rule `F,2h,15m` tries every 15 minutes.",
            "If their greylist holds mail for over an hour, ask them to allowlist \
             our IP or domain.",
        ],
        tell_support: &[
            "The reply text, the recipient address and each attempt's UTC time.",
            "Every IP we sent from, and whether the retries changed address.",
            "The queue id and Message-ID of one delayed message.",
        ],
    },
    Guidance {
        category: "downstream",
        meaning: "The server we reached accepted the connection but could not \
            pass the mail on: its own backend, filter or next hop failed, or \
            it was shutting down. The fault sits inside the receiver's system.",
        temporary: "Yes. Our queue retries and the mail flows once their backend \
            recovers. It only matters when it lasts many hours; nothing is lost \
            before the queue lifetime expires.",
        causes: &[
            "A filtering gateway (Mimecast, Proofpoint, an appliance) unable to \
             reach the real mailbox server.",
            "A crashed or restarting process at their end ('fork failed', 'shutting down').",
            "A storage or directory lookup failing behind their front end.",
        ],
        who_acts: &[
            "The recipient's provider or the remote admin: it is their system.",
            "Us (the admin): only to check it is one destination, and to tell them.",
            "The sender: warn the recipient another way if the message is urgent.",
        ],
        do_now: &[
            "Let the queue retry; Postfix and Exim back off on their own.",
            "Check whether only this domain or gateway answers so; if all do, look \
             at our own relay or smarthost.",
            "Past a few hours, tell the recipient by phone or another address, or \
             write to their postmaster.",
            "Do not send copies: they would all arrive once the backlog clears.",
        ],
        tell_support: &[
            "The full reply text and code, and the MX host and IP that gave it.",
            "The UTC time of the first failure and whether it is still going on.",
            "Queue ids, recipient addresses and Message-IDs of a few deferred messages.",
        ],
    },
    Guidance {
        category: "unknown",
        meaning: "The reply has no phrase or enhanced code that says why. A bare \
            '421 Service not available' is the server ending the session \
            without giving a reason.",
        temporary: "Yes, like every 421: the message is retried. Judge it by what \
            follows: if later attempts pass, let it be; if the same domain \
            keeps answering this way for hours, look into it before the queue \
            lifetime runs out.",
        causes: &[
            "Any of the other causes, from a server that gives no detail.",
            "A load balancer or firewall in front of their MX cutting the session.",
            "A problem on our side logged in the same shape.",
        ],
        who_acts: &[
            "Us (the admin): read the whole log lines around it for clues.",
            "The remote admin: if it repeats and the reply gives nothing to go on.",
            "The sender: nothing while retries continue.",
        ],
        do_now: &[
            "Note the SMTP stage: at connect it is mostly load or limits, after DATA \
             more often filters or timeouts.",
            "Compare with other 421s from the same domain in `maillog421 report`.",
            "Talk to the server by hand: `swaks --to user@DOMAIN --server MX` shows \
             the banner and every reply.",
            "If it persists, ask their postmaster what the reply means.",
        ],
        tell_support: &[
            "The exact reply text and the MX host and IP that sent it.",
            "Our sending IP, the UTC times of failing attempts and their queue ids.",
            "The SMTP stage it came at, and our messages per hour towards them.",
        ],
    },
];

/// Notes for one large mailbox provider, shown when a reply is theirs.
#[derive(Debug, Clone, Serialize)]
pub struct Provider {
    pub name: &'static str,
    pub advice: &'static [&'static str],
}

static YAHOO: Provider = Provider {
    name: "Yahoo / AOL",
    advice: &[
        "Their tags: [TSS04] volume or complaints, [TS01]-[TS03] and \
         [TSS01]-[TSS03] reputation, [GL01] greylisting.",
        "Register at Yahoo Sender Hub (senders.yahooinc.com) for the complaint \
         feedback loop and its support form.",
        "Yahoo, AOL and other yahoodns.net MX hosts share limits: route them all \
         through one slow transport.",
        "If [TSS04] persists a day after slowing down, open a Sender Hub ticket \
         with the reply and our IP.",
    ],
};

static GMAIL: Provider = Provider {
    name: "Gmail / Google Workspace",
    advice: &[
        "4.7.28 means an unusual rate from our IP or domain; Postmaster Tools \
         (postmaster.google.com) shows spam rate and reputation.",
        "Google's sender rules: SPF, DKIM and DMARC, one-click unsubscribe for \
         bulk mail, spam rate well under 0.3%.",
        "Google offers little one-to-one help: fix what Postmaster Tools shows, \
         then slow down and let retries drain.",
    ],
};

static MICROSOFT: Provider = Provider {
    name: "Microsoft (Outlook.com, Hotmail, Microsoft 365)",
    advice: &[
        "SNDS (sendersupport.olc.protection.outlook.com/snds) shows our IP's \
         data; JMRP sends us the complaints.",
        "4.7.650/4.7.651, S775 and RP-00x are IP reputation: cut volume first, \
         then ask their sender support for mitigation.",
        "Blocks that name S3150 or similar can be lifted at the delist portal, \
         sender.office.com.",
    ],
};

/// The provider a reply comes from, by the source of its matched rule or a
/// name in its text.
pub fn provider_of_reply(text: &[u8]) -> Option<&'static Provider> {
    let by_rule = matching_phrase(text).and_then(|r| match r.source {
        "Yahoo" | "AOL" => Some(&YAHOO),
        "Gmail" => Some(&GMAIL),
        "Microsoft" => Some(&MICROSOFT),
        _ => None,
    });
    let has = |needle: &str| {
        text.windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
    };
    by_rule.or_else(|| {
        if has("gsmtp") || has("google") {
            Some(&GMAIL)
        } else if has("yahoo") || has("aol.com") {
            Some(&YAHOO)
        } else if has("outlook") || has("hotmail") || has("microsoft") {
            Some(&MICROSOFT)
        } else {
            None
        }
    })
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
    pub provider: Option<&'static Provider>,
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
            signature: rule.map(|r| r.source).filter(|s| !s.is_empty()),
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
    [Format::Exim, Format::Postfix]
        .into_iter()
        .find_map(|f| match f.parse_line(line) {
            Parsed::Entry { mta, record, .. } => {
                crate::event::Event::from_record(0, mta, &record).map(|e| e.domain)
            }
            _ => None,
        })
        .unwrap_or(b"")
}

/// Which MTAs an input holds, for advice that names one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Mtas {
    pub exim: bool,
    pub postfix: bool,
}

impl Mtas {
    /// From the formats of the inputs (syslog lines count as Postfix);
    /// both when none is known.
    pub fn of(inputs: &[crate::scan::InputStats]) -> Mtas {
        use crate::parse::Format;
        let has = |f: Format| inputs.iter().any(|i| i.format == Some(f));
        let m = Mtas {
            exim: has(Format::Exim),
            postfix: has(Format::Postfix),
        };
        if m == Mtas::default() {
            Mtas {
                exim: true,
                postfix: true,
            }
        } else {
            m
        }
    }

    /// An advice item for these MTAs: it names no MTA, or only these.
    pub fn fits(self, item: &str) -> bool {
        let lower = item.to_ascii_lowercase();
        let exim = lower.contains("exim");
        let postfix = ["postfix", "postqueue", "postconf", "postsuper"]
            .iter()
            .any(|w| lower.contains(w));
        (!exim || self.exim) && (!postfix || self.postfix)
    }
}

/// Output width of the text form.
const WIDTH: usize = 80;

/// `text` in lines of at most `width` characters: the first starts with
/// `first`, the rest with `rest`; words longer than a line are cut.
pub(crate) fn wrap(text: &str, first: &str, rest: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut len = first.chars().count();
    let mut empty = true;
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let room = width.saturating_sub(len + usize::from(!empty));
            if word.len() <= room {
                if !empty {
                    line.push(' ');
                    len += 1;
                }
                line.extend(word.iter());
                len += word.len();
                empty = false;
                break;
            }
            if empty && room > 0 {
                // A word longer than a whole line: cut it.
                line.extend(word.drain(..room));
            }
            lines.push(std::mem::replace(&mut line, rest.to_string()));
            len = rest.chars().count();
            empty = true;
            if word.is_empty() {
                break;
            }
        }
    }
    if !empty || lines.is_empty() {
        lines.push(line);
    }
    lines
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
            write_wrapped(out, p.name, "Provider:  ", LABEL)?;
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
        write_list(out, &format!("{} specifics", p.name), p.advice, false)?;
    }
    write_list(out, "What to send their support", g.tell_support, false)?;
    Ok(())
}

/// Runs `explain`: text or one JSON object on `out`; an argument that is
/// neither a category nor a reply is an error naming the categories.
pub fn run(arg: &str, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let e = explain(arg).map_err(anyhow::Error::msg)?;
    if json {
        crate::render::json::write_pretty(out, &e)?;
        writeln!(out)?;
    } else {
        write_text(&e, out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cause_has_guidance() {
        let mut long = Vec::new();
        for c in Cause::ALL {
            let g = guidance(c);
            assert_eq!(g.category, c.name());
            assert!(!g.meaning.is_empty() && !g.temporary.is_empty());
            for (name, list) in [
                ("causes", g.causes),
                ("who_acts", g.who_acts),
                ("do_now", g.do_now),
                ("tell_support", g.tell_support),
            ] {
                assert!(
                    (3..=6).contains(&list.len()),
                    "{}: {name} has {} items",
                    c.name(),
                    list.len()
                );
                for item in list {
                    assert!(!item.trim().is_empty(), "{}: empty {name} item", c.name());
                    let lines = wrap(item, "  1. ", "     ", WIDTH);
                    if lines.len() > 2 {
                        long.push(format!("{}: {item:?}", c.name()));
                    }
                }
            }
        }
        assert!(long.is_empty(), "items over two lines: {long:#?}");
    }

    #[test]
    fn close_category_names() {
        assert_eq!(close_categories("ratelimit"), ["rate-limit"]);
        assert_eq!(close_categories("throttled"), ["rate-limit"]);
        assert_eq!(close_categories("greylist"), ["greylisting"]);
        assert_eq!(close_categories("timout"), ["timeout"]);
        assert!(close_categories("banana").is_empty());
        let e = explain("ratelimit").err().unwrap();
        assert!(e.contains("did you mean rate-limit?"), "{e}");
    }

    #[test]
    fn wrap_fits_and_cuts_long_words() {
        let long = "x".repeat(200);
        for text in [
            "a b c",
            long.as_str(),
            &format!("word {long} word"),
            "",
            "421 4.7.0 [TSS04] Messages from 203.0.113.5 temporarily deferred due to unexpected volume or user complaints",
        ] {
            let lines = wrap(text, "Reply:     ", "           ", 80);
            assert!(lines.iter().all(|l| l.chars().count() <= 80), "{lines:?}");
            let joined: String = lines.concat().split_whitespace().collect();
            assert!(joined.contains(&text.split_whitespace().collect::<String>()));
        }
    }

    #[test]
    fn names_and_replies() {
        assert_eq!(cause_named("Rate_Limit"), Some(Cause::RateLimit));
        assert_eq!(cause_named("ratelimit"), None);
        let e = explain("4.7.28").unwrap();
        assert_eq!(e.guidance.category, "rate-limit");
        assert_eq!(e.provider.map(|p| p.name), Some(GMAIL.name));
        let line = "postfix/smtp[1]: 4217E3011B47: to=<a@b.example>, relay=mx.b.example[192.0.2.1]:25, \
                    status=deferred (host mx.b.example[192.0.2.1] said: 421 4.3.2 System busy (in reply to RCPT TO command))";
        let e = explain(line).unwrap();
        let r = e.reply.unwrap();
        assert_eq!(r.text, "421 4.3.2 System busy");
        assert_eq!(e.guidance.category, "capacity");
        assert_eq!(
            explain("421 4.7.0 Try again")
                .unwrap()
                .reply
                .unwrap()
                .decided_by,
            "enhanced-code"
        );
        assert!(explain("nonsense").unwrap_err().contains("rate-limit"));
        assert!(
            explain("550 5.7.1 spam")
                .unwrap()
                .reply
                .unwrap()
                .note
                .is_some()
        );
    }
}

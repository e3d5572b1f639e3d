//! The advice text of every cause category: one entry per cause, and
//! [`guidance`], the exhaustive match that picks it (a new cause is a
//! compile error there until it has its entry).

use super::Guidance;
use crate::classify::Cause;

/// The advice for a category. A new cause is a compile error here until
/// it has its advice.
pub fn guidance(c: Cause) -> &'static Guidance {
    match c {
        Cause::Capacity => &CAPACITY,
        Cause::ConnectionLimit => &CONNECTION_LIMIT,
        Cause::Timeout => &TIMEOUT,
        Cause::RateLimit => &RATE_LIMIT,
        Cause::Reputation => &REPUTATION,
        Cause::AuthPolicy => &AUTH_POLICY,
        Cause::Greylisting => &GREYLISTING,
        Cause::Downstream => &DOWNSTREAM,
        Cause::Unknown => &UNKNOWN,
    }
}

static CAPACITY: Guidance = Guidance {
    category: Cause::Capacity,
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
};

static CONNECTION_LIMIT: Guidance = Guidance {
    category: Cause::ConnectionLimit,
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
};

static TIMEOUT: Guidance = Guidance {
    category: Cause::Timeout,
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
};

static RATE_LIMIT: Guidance = Guidance {
    category: Cause::RateLimit,
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
};

static REPUTATION: Guidance = Guidance {
    category: Cause::Reputation,
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
};

static AUTH_POLICY: Guidance = Guidance {
    category: Cause::AuthPolicy,
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
};

static GREYLISTING: Guidance = Guidance {
    category: Cause::Greylisting,
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
};

static DOWNSTREAM: Guidance = Guidance {
    category: Cause::Downstream,
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
};

static UNKNOWN: Guidance = Guidance {
    category: Cause::Unknown,
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
};

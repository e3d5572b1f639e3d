//! Line parsers: one physical log line in, a borrowed [`Parsed`] out.
//!
//! Parsers never allocate and never fail hard: a line they do not recognise
//! is [`Parsed::Unparsed`], a line from a known daemon that carries nothing
//! maillog421 counts is [`Record::Other`].

/// A `memmem::Finder` for a fixed needle, built once (building one per call
/// shows up in profiles on the per-line path).
macro_rules! finder {
    ($needle:expr) => {{
        static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
            std::sync::LazyLock::new(|| memchr::memmem::Finder::new($needle));
        &*FINDER
    }};
}
pub(crate) use finder;

/// Declares an enum with `ALL` (every variant, in order) and `COUNT`, so
/// arrays indexed by it are sized by the enum itself.
macro_rules! enum_with_all {
    ($(#[$m:meta])* pub enum $name:ident { $($(#[$vm:meta])* $v:ident,)+ }) => {
        $(#[$m])*
        pub enum $name {
            $($(#[$vm])* $v,)+
        }

        impl $name {
            /// Every variant, in declaration (index) order.
            pub const ALL: [$name; [$($name::$v),+].len()] = [$($name::$v),+];
            /// How many variants there are: the size of every array indexed
            /// by this enum.
            pub const COUNT: usize = $name::ALL.len();
        }
    };
}
pub(crate) use enum_with_all;

#[cfg(test)]
pub(crate) mod testing;

mod bytes;
pub(crate) mod cached;
pub mod exim;
pub mod postfix;
pub mod reply;
pub mod syslog;
pub mod time;

use serde::Serialize;

pub use reply::{Reply, Stage};
pub use time::Stamp;

/// Which MTA wrote a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mta {
    Exim,
    Postfix,
}

impl Mta {
    pub fn name(self) -> &'static str {
        match self {
            Mta::Exim => "exim",
            Mta::Postfix => "postfix",
        }
    }
}

/// What a delivery line left one recipient as: delivered, still waiting
/// (deferred), or given up (bounced). Whether anything was tried is
/// [`Delivery::tried`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    Deferred,
    Bounced,
}

/// A delivery line: Exim `=>`/`->`/`==`/`**`..., Postfix `to=<...> status=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery<'a> {
    pub id: &'a [u8],
    pub outcome: Outcome,
    pub rcpt: &'a [u8],
    /// The remote host and IP, read when asked for ([`Delivery::host_ip`]).
    pub remote: Remote<'a>,
    /// The remote 421 that caused this deferral, if any.
    pub reply: Option<Reply<'a>>,
    /// Whether the MTA tried to deliver: false for a line written without a
    /// try (Exim `*>`, Exim `==`/`**` "retry time not reached" and kin,
    /// Postfix `delivery temporarily suspended` and `status=expired`). Such
    /// a line is not a delivery attempt: it counts as `retry_skipped`. A
    /// 421 it carries is a cached one (kind `suspended`).
    pub tried: bool,
}

/// Where a delivery went. Most delivery lines are never asked (a report
/// wants a domain's first host and a 421's), so an Exim delivered line
/// keeps its fields unread: no search for ` H=` per line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remote<'a> {
    /// Read already (`None`: the line names none).
    Known {
        host: Option<&'a [u8]>,
        ip: Option<&'a [u8]>,
    },
    /// The fields of an Exim delivery line after its address, ` H=` not
    /// looked for yet.
    EximFields(&'a [u8]),
}

impl<'a> Delivery<'a> {
    /// The remote host and IP the line names.
    pub fn host_ip(&self) -> (Option<&'a [u8]>, Option<&'a [u8]>) {
        match self.remote {
            Remote::Known { host, ip } => (host, ip),
            Remote::EximFields(rest) => exim::host_field(rest),
        }
    }

    /// The remote host the line names.
    pub fn host(&self) -> Option<&'a [u8]> {
        self.host_ip().0
    }

    /// The remote IP the line names.
    pub fn ip(&self) -> Option<&'a [u8]> {
        self.host_ip().1
    }
}

/// A 421 logged for a host or session, with no recipient on the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostReply<'a> {
    pub id: &'a [u8],
    pub host: Option<&'a [u8]>,
    pub ip: Option<&'a [u8]>,
    pub reply: Reply<'a>,
}

/// Our own server answered a client 421 (printed on the line, or implied by
/// what the MTA's source sends for the logged condition).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inbound<'a> {
    pub client: &'a [u8],
    pub reply: Reply<'a>,
    /// Set for implied replies: the condition logged instead of the reply.
    pub condition: Option<Condition>,
}

/// What our own server logged when it sent a client a 421 that the line
/// does not print. `classify` gives each its cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// An SMTP command was not answered in time (Exim, Postfix smtpd and
    /// postscreen).
    CommandTimeout,
    /// The message data was not sent in time (Exim).
    DataTimeout,
    /// Too many concurrent connections from the client or overall.
    TooManyConnections,
    /// Exim refused: load average too high.
    LoadAverage,
    /// Exim refused a host not in `smtp_reserve_hosts` when slots ran low.
    NotInReserveList,
    /// Exim: too many messages in one connection.
    MessagesPerConnection,
    /// Postfix smtpd: too many errors in the session.
    TooManyErrors,
    /// Postfix anvil: connection rate limit exceeded.
    ConnectionRate,
    /// Postfix anvil: new TLS session rate limit exceeded.
    TlsSessionRate,
    /// Postfix postscreen: too many commands before the handoff.
    CommandCount,
    /// Postfix postscreen: a command line too long.
    CommandLength,
    /// Postfix postscreen: all server ports busy.
    PortsBusy,
}

/// What a line says, once its header is understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record<'a> {
    /// A message entered the queue (Exim `<=`, Postfix cleanup `message-id=`).
    Arrival(&'a [u8]),
    /// A message's life ended: Exim `Completed`, Postfix qmgr `removed`.
    Ended(&'a [u8]),
    /// Postfix qmgr `from=<...>, status=expired, returned to sender`: every
    /// recipient still queued was given up.
    Expired(&'a [u8]),
    Delivery(Delivery<'a>),
    HostReply(HostReply<'a>),
    Inbound(Inbound<'a>),
    /// Understood, nothing to count.
    Other,
}

/// One physical line, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parsed<'a> {
    Entry {
        stamp: Stamp,
        mta: Mta,
        record: Record<'a>,
    },
    /// An indented line carrying on the entry before it (Exim writes some
    /// entries with raw newlines).
    Continuation,
    Unparsed,
}

/// Which parser reads a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Exim's own mainlog.
    Exim,
    /// Syslog lines (classic or RFC 3339): Postfix, and Exim when it logs
    /// to syslog. Named `postfix` where users see it (`--input-format
    /// postfix`, the report's `format`), as it always has been.
    #[serde(rename = "postfix")]
    Syslog,
}

impl Format {
    /// The name users see: `exim` or `postfix` (for any syslog file).
    pub fn name(self) -> &'static str {
        match self {
            Format::Exim => "exim",
            Format::Syslog => "postfix",
        }
    }

    /// Guess the format from a file's first lines: whichever parser
    /// understands more of them (Exim on a tie, and for an empty sample).
    pub fn detect<'a>(lines: impl Iterator<Item = &'a [u8]>) -> Format {
        let (mut exim, mut syslog) = (0, 0);
        for line in lines.take(50) {
            if time::exim_stamp(line).is_ok() {
                exim += 1;
            } else if syslog::header(line).is_some() {
                syslog += 1;
            }
        }
        if syslog > exim {
            Format::Syslog
        } else {
            Format::Exim
        }
    }

    pub fn parse_line(self, line: &[u8]) -> Parsed<'_> {
        match self {
            Format::Exim => exim::parse_line(line),
            Format::Syslog => syslog::parse_line(line),
        }
    }
}

/// Trims one trailing `\r` (CRLF files).
pub fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The domain of an address, without a trailing `>`; empty when none.
pub fn domain_of(addr: &[u8]) -> &[u8] {
    match memchr::memrchr(b'@', addr) {
        Some(p) => {
            let d = &addr[p + 1..];
            d.strip_suffix(b">").unwrap_or(d)
        }
        None => b"",
    }
}

//! Cause categories: one ordered rules table, reply text first, then the
//! enhanced status code, else `unknown`.
//!
//! Enhanced codes alone mislead (GMX sends none, Gmail uses 4.2.1 and 4.4.5
//! for rate limits and busy, Exchange 4.3.2 for connection limits), so a
//! phrase or provider signature in the text always wins over the code.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind};

pub mod cause;
mod phrases;
pub mod provider;

pub use cause::{Cause, Side};
pub use phrases::{PHRASES, Phrase};

use crate::parse::Condition;

/// The fallback by enhanced status code class and subject.
pub fn cause_of_enhanced(enhanced: &[u8]) -> Option<Cause> {
    match enhanced.get(..4)? {
        b"4.2." | b"4.3." => Some(Cause::Capacity),
        b"4.4." => Some(Cause::Timeout),
        b"4.7." => Some(Cause::AuthPolicy),
        _ => None,
    }
}

/// The cause of a 421 our own server sent for a logged condition (the
/// reply the MTA's source sends for it says as much).
pub fn cause_of_condition(condition: Condition) -> Cause {
    match condition {
        Condition::CommandTimeout | Condition::DataTimeout => Cause::Timeout,
        Condition::TooManyConnections
        | Condition::NotInReserveList
        | Condition::MessagesPerConnection => Cause::ConnectionLimit,
        Condition::LoadAverage | Condition::PortsBusy => Cause::Capacity,
        Condition::TooManyErrors | Condition::CommandLength => Cause::AuthPolicy,
        Condition::ConnectionRate | Condition::TlsSessionRate | Condition::CommandCount => {
            Cause::RateLimit
        }
    }
}

/// All phrases in one case-insensitive automaton: one pass over the text.
static AUTOMATON: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .kind(Some(AhoCorasickKind::DFA))
        .build(PHRASES.iter().map(|r| r.phrase))
        .expect("phrases build an automaton")
});

/// The phrase matching a reply text, if any: of all phrases found anywhere
/// in the text, the one earliest in [`PHRASES`].
pub fn matching_phrase(text: &[u8]) -> Option<&'static Phrase> {
    AUTOMATON
        .find_overlapping_iter(text)
        .map(|m| m.pattern().as_usize())
        .min()
        .map(|i| &PHRASES[i])
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
    if let Some(r) = matching_phrase(text) {
        return r.cause;
    }
    enhanced
        .and_then(cause_of_enhanced)
        .unwrap_or(Cause::Unknown)
}

#[cfg(test)]
mod tests;

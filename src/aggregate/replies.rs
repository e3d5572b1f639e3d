//! The aggregate's reply-text table: normalised texts by id, and raw texts
//! remembered so a repeated reply is not normalised again.

use std::collections::BTreeSet;

use super::{Aggregate, DomainStats};
use crate::classify::Cause;
use crate::event::Kind;
use crate::text::reply_key;

/// Raw reply texts remembered, and the longest one remembered.
const RAW_REPLIES: usize = 4096;
const RAW_REPLY_MAX: usize = 512;

impl Aggregate {
    /// The id of a raw reply's normalised text ([`reply_key`], which costs
    /// thousands of instructions), remembered by the raw bytes: most 421s
    /// repeat a reply word for word. The memory is bounded: it starts over
    /// when full, and long texts are not kept.
    pub(super) fn reply_of(&mut self, raw: &[u8]) -> u32 {
        if let Some(&id) = self.raw_replies.get(raw) {
            return id;
        }
        let id = self.reply_id(&reply_key(raw));
        if raw.len() <= RAW_REPLY_MAX {
            if self.raw_replies.len() >= RAW_REPLIES {
                self.raw_replies.clear();
            }
            self.raw_replies.insert(raw.into(), id);
        }
        id
    }

    /// The id of a reply text in the per-domain table, added when new.
    pub(super) fn reply_id(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.reply_ids.get(text) {
            return id;
        }
        let id = u32::try_from(self.reply_texts.len()).expect("fewer than 4e9 reply texts");
        self.reply_texts.push(text.into());
        self.reply_ids.insert(text.into(), id);
        id
    }

    /// A domain's most frequent 421 reply text (ties: the smallest text).
    pub fn top_reply(&self, d: &DomainStats) -> Option<String> {
        let m = d.met_421.as_ref()?;
        m.replies
            .iter()
            .map(|(id, n)| (&*self.reply_texts[*id as usize], *n))
            .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))
            .map(|(t, _)| t.to_string())
    }
}

/// A normalised reply text and what it was seen with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplyStats {
    /// Lines with this text, by [`Kind`] (inbound never lands here).
    pub by_kind: [u64; Kind::COUNT],
    pub cause: Option<Cause>,
    /// The first [`REPLY_DOMAINS`] domains (in byte order) that saw it: all
    /// a report shows, kept exactly through merges.
    pub domains: BTreeSet<String>,
}

/// Domains kept per reply text (the report lists this many).
pub const REPLY_DOMAINS: usize = 5;

impl ReplyStats {
    pub(super) fn add_domain(&mut self, d: &str) {
        if self.domains.len() >= REPLY_DOMAINS
            && self.domains.last().is_some_and(|l| l.as_str() <= d)
        {
            return;
        }
        if !self.domains.contains(d) {
            self.domains.insert(d.to_string());
            if self.domains.len() > REPLY_DOMAINS {
                self.domains.pop_last();
            }
        }
    }
}

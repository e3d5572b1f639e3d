//! The tracker's table of 421 reply texts: pairs keep a 4-byte id, not the
//! text. Raw replies often carry a per-message token (Gmail's
//! `... 41f4d89c460si4956521f8f.482 - gsmtp`), so the table would grow
//! with every 421 ever met; it is compacted to the texts still referred to
//! once it holds twice as many as the last compaction kept.

use std::sync::Arc;

use rustc_hash::FxHashMap as HashMap;

/// No reply text.
pub(super) const NO_REPLY: u32 = u32::MAX;

/// Texts held before the first compaction is considered.
const FIRST_COMPACTION: usize = 4096;

#[derive(Debug)]
pub(super) struct ReplyTable {
    texts: Vec<Arc<str>>,
    ids: HashMap<Arc<str>, u32>,
    /// Compact when this many texts are held.
    compact_at: usize,
}

impl Default for ReplyTable {
    fn default() -> ReplyTable {
        ReplyTable {
            texts: Vec::new(),
            ids: HashMap::default(),
            compact_at: FIRST_COMPACTION,
        }
    }
}

impl ReplyTable {
    /// The id of `text`, added when new.
    pub(super) fn id(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        let id = u32::try_from(self.texts.len()).expect("fewer than 4e9 reply texts");
        let text: Arc<str> = text.into();
        self.texts.push(text.clone());
        self.ids.insert(text, id);
        id
    }

    /// The text of an id (`None` for [`NO_REPLY`]).
    pub(super) fn text(&self, id: u32) -> Option<&Arc<str>> {
        self.texts.get(id as usize)
    }

    /// Every text, by id.
    pub(super) fn texts(&self) -> &[Arc<str>] {
        &self.texts
    }

    /// Whether the table is due a compaction (before a new text is added).
    pub(super) fn full(&self) -> bool {
        self.texts.len() >= self.compact_at
    }

    /// Keeps only the texts whose ids `live` yields (ids may repeat and
    /// may be [`NO_REPLY`]); returns the old id → new id map
    /// ([`NO_REPLY`] for a text dropped), for the caller to renumber its
    /// references with.
    pub(super) fn compact(&mut self, live: impl Iterator<Item = u32>) -> Vec<u32> {
        let mut map = vec![NO_REPLY; self.texts.len()];
        let old = std::mem::take(&mut self.texts);
        self.ids.clear();
        for id in live {
            let Some(slot) = map.get_mut(id as usize) else {
                continue;
            };
            if *slot == NO_REPLY {
                let text = old[id as usize].clone();
                *slot = u32::try_from(self.texts.len()).expect("fewer than 4e9 reply texts");
                self.ids.insert(text.clone(), *slot);
                self.texts.push(text);
            }
        }
        self.texts.shrink_to_fit();
        self.ids.shrink_to_fit();
        self.compact_at = FIRST_COMPACTION.max(2 * self.texts.len());
        map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compaction_keeps_the_texts_referred_to_and_renumbers_them() {
        let mut t = ReplyTable::default();
        let a = t.id("421 a");
        let b = t.id("421 b");
        let c = t.id("421 c");
        assert_eq!(t.id("421 b"), b);
        let map = t.compact([c, NO_REPLY, a, c].into_iter());
        assert_eq!(map[b as usize], NO_REPLY);
        assert_eq!(t.text(map[a as usize]).map(|s| &**s), Some("421 a"));
        assert_eq!(t.text(map[c as usize]).map(|s| &**s), Some("421 c"));
        assert_eq!(t.texts().len(), 2);
        // A text met again after it was dropped gets a new id.
        let b2 = t.id("421 b");
        assert_eq!(t.text(b2).map(|s| &**s), Some("421 b"));
        assert_eq!(t.id("421 a"), map[a as usize]);
    }

    #[test]
    fn a_table_of_live_texts_is_compacted_rarely() {
        let mut t = ReplyTable::default();
        for i in 0..FIRST_COMPACTION {
            t.id(&format!("421 {i}"));
        }
        assert!(t.full());
        // Every text still referred to: the next compaction waits for twice as many.
        let all: Vec<u32> = (0..FIRST_COMPACTION as u32).collect();
        t.compact(all.into_iter());
        assert!(!t.full());
        assert_eq!(t.compact_at, 2 * FIRST_COMPACTION);
    }
}

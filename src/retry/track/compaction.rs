//! The tracker's reply-text table kept to what open pairs refer to (the
//! table itself is `retry/replies.rs`).

use super::Tracker;

impl Tracker {
    /// The id of a 421 reply text met on a delivery line. The table is
    /// compacted to the texts open pairs still refer to when it is full.
    pub(super) fn reply_id(&mut self, text: &str) -> u32 {
        if self.replies.full() {
            self.compact_replies();
        }
        self.replies.id(text)
    }

    /// Drops the reply texts no open or carried pair refers to.
    pub(super) fn compact_replies(&mut self) {
        let logs = || self.open.values().chain(self.carry.iter().map(|(_, l)| l));
        let live = logs().flat_map(|l| l.pairs.iter().map(|p| p.last_reply));
        let map = self.replies.compact(live);
        let logs = self
            .open
            .values_mut()
            .chain(self.carry.iter_mut().map(|(_, l)| l));
        for log in logs {
            for p in &mut log.pairs {
                if let Some(&id) = map.get(p.last_reply as usize) {
                    p.last_reply = id;
                }
            }
        }
    }
}

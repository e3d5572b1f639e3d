//! The messages that arrived lately and have met no 421: a few ids in a
//! ring, in front of the tracker's map of open messages.
//!
//! Most messages arrive, are delivered and end within a few lines, and
//! never meet a 421; the tracker follows nothing for them, but it must
//! know they arrived in its stretch (a later line of theirs is not to be
//! joined with an earlier stretch). A hash map insert, lookups and a remove
//! per message cost more than the rest of its lines' counting; a look
//! through a few ids held inline costs a few instructions. A message that
//! stays longer (deferred, or its lines far apart) is pushed out to the
//! map when the ring is full, where it is what it would have been had it
//! gone there at once.

use super::msg_id::IdKey;

/// Messages held. Lines of one message are seldom further apart than this
/// many arrivals.
const SLOTS: usize = 16;

/// An empty slot. The empty id is never held: it goes to the map.
pub(super) const EMPTY: IdKey = IdKey([0; 3]);

/// Buckets of the filter in front of the slots.
const BUCKETS: usize = 256;

#[derive(Debug, Clone)]
pub(super) struct Quiet {
    slots: [IdKey; SLOTS],
    /// The slot the next arrival goes to (the oldest one).
    next: usize,
    /// How many held ids fall in each bucket (see [`bucket`]): an id whose
    /// bucket is empty is not held, known without a look at the slots
    /// (every arrival asks about an id almost never held).
    counts: [u8; BUCKETS],
}

impl Default for Quiet {
    fn default() -> Quiet {
        Quiet {
            slots: [EMPTY; SLOTS],
            next: 0,
            counts: [0; BUCKETS],
        }
    }
}

/// The filter bucket of an id.
#[inline]
fn bucket(key: IdKey) -> usize {
    (key.spread() >> 56) as usize
}

impl Quiet {
    /// Adds a message (not held yet, not [`EMPTY`]), returning the one it
    /// pushes out.
    #[inline]
    pub(super) fn push(&mut self, key: IdKey) -> Option<IdKey> {
        debug_assert!(key != EMPTY && !self.holds(key));
        let old = std::mem::replace(&mut self.slots[self.next], key);
        self.next = (self.next + 1) % SLOTS;
        self.counts[bucket(key)] += 1;
        if old == EMPTY {
            return None;
        }
        self.counts[bucket(old)] -= 1;
        Some(old)
    }

    /// Whether a message is held.
    #[inline]
    pub(super) fn holds(&self, key: IdKey) -> bool {
        key != EMPTY && self.counts[bucket(key)] != 0 && self.find(key).is_some()
    }

    /// Takes a message out; whether it was held.
    #[inline]
    pub(super) fn take(&mut self, key: IdKey) -> bool {
        if key == EMPTY || self.counts[bucket(key)] == 0 {
            return false;
        }
        match self.find(key) {
            Some(i) => {
                self.slots[i] = EMPTY;
                self.counts[bucket(key)] -= 1;
                true
            }
            None => false,
        }
    }

    /// The slot holding `key`: the latest arrival's first (a message's
    /// lines mostly follow its arrival before the next one's), then all,
    /// without a call.
    #[inline]
    fn find(&self, key: IdKey) -> Option<usize> {
        let [a, b, c] = key.0;
        let is_key = |k: &IdKey| k.0[0] == a && k.0[1] == b && k.0[2] == c;
        let latest = (self.next + SLOTS - 1) % SLOTS;
        if is_key(&self.slots[latest]) {
            return Some(latest);
        }
        self.slots.iter().position(is_key)
    }

    /// Takes every message out.
    pub(super) fn drain(&mut self) -> impl Iterator<Item = IdKey> + '_ {
        self.next = 0;
        self.counts = [0; BUCKETS];
        self.slots
            .iter_mut()
            .map(|k| std::mem::replace(k, EMPTY))
            .filter(|k| *k != EMPTY)
    }
}

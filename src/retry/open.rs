//! The tracker's map of open messages, with a filter in front: every
//! arrival asks whether its id is open (a reused id ends the earlier
//! message), and the answer is nearly always no. A table of small counts,
//! one per bucket of ids, says "no" for an empty bucket without hashing
//! into the map.

use rustc_hash::FxHashMap as HashMap;

use super::msg_id::IdKey;

/// Buckets of the filter (a byte each, allocated with the first entry).
const BUCKETS: usize = 1 << 14;

#[derive(Debug)]
pub(super) struct OpenMap<V> {
    map: HashMap<IdKey, V>,
    /// Ids in the map per bucket of [`IdKey::spread`]; a count that reached
    /// 255 stays there (the bucket is then always looked in).
    counts: Vec<u8>,
}

impl<V> Default for OpenMap<V> {
    fn default() -> OpenMap<V> {
        OpenMap {
            map: HashMap::default(),
            counts: Vec::new(),
        }
    }
}

fn bucket(key: &IdKey) -> usize {
    (key.spread() >> 50) as usize
}

impl<V> OpenMap<V> {
    #[cfg(test)]
    pub(super) fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether `key` may be in the map: `false` is sure.
    #[inline]
    fn may_hold(&self, key: &IdKey) -> bool {
        self.counts.get(bucket(key)).is_some_and(|&c| c != 0)
    }

    fn added(&mut self, key: &IdKey) {
        if self.counts.is_empty() {
            self.counts = vec![0; BUCKETS];
        }
        let c = &mut self.counts[bucket(key)];
        *c = c.saturating_add(1);
    }

    fn removed(&mut self, key: &IdKey) {
        let c = &mut self.counts[bucket(key)];
        if *c != u8::MAX {
            *c -= 1;
        }
    }

    pub(super) fn contains_key(&self, key: &IdKey) -> bool {
        self.may_hold(key) && self.map.contains_key(key)
    }

    #[inline]
    pub(super) fn remove(&mut self, key: &IdKey) -> Option<V> {
        if !self.may_hold(key) {
            return None;
        }
        let v = self.map.remove(key)?;
        self.removed(key);
        Some(v)
    }

    pub(super) fn insert(&mut self, key: IdKey, v: V) -> Option<V> {
        let old = self.map.insert(key, v);
        if old.is_none() {
            self.added(&key);
        }
        old
    }

    /// The value of `key`, `new()` put in first when there is none.
    pub(super) fn get_or_insert_with(&mut self, key: IdKey, new: impl FnOnce() -> V) -> &mut V {
        if !self.map.contains_key(&key) {
            self.added(&key);
        }
        self.map.entry(key).or_insert_with(new)
    }
}

impl<V> OpenMap<V> {
    pub(super) fn values(&self) -> impl Iterator<Item = &V> {
        self.map.values()
    }

    pub(super) fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.map.values_mut()
    }
}

impl<V> IntoIterator for OpenMap<V> {
    type Item = (IdKey, V);
    type IntoIter = std::collections::hash_map::IntoIter<IdKey, V>;

    fn into_iter(self) -> Self::IntoIter {
        self.map.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The filter never hides an id held, however many come and go
    /// (buckets shared and counts saturated included).
    #[test]
    fn holds_what_was_put_in() {
        let mut m: OpenMap<u32> = OpenMap::default();
        let key = |i: u32| IdKey::new(format!("1vA{i:05}-000001-AB").as_bytes());
        for i in 0..40_000 {
            assert_eq!(m.insert(key(i), i), None);
        }
        for i in (0..40_000).step_by(2) {
            assert_eq!(m.remove(&key(i)), Some(i));
        }
        for i in 0..40_000 {
            assert_eq!(m.contains_key(&key(i)), i % 2 == 1, "{i}");
            assert_eq!(m.remove(&key(i)).is_some(), i % 2 == 1, "{i}");
        }
        assert!(m.is_empty());
        *m.get_or_insert_with(key(7), || 1) += 1;
        assert_eq!(m.remove(&key(7)), Some(2));
    }
}

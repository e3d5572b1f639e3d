//! Message ids as fixed-size keys, for the retry tracker's maps.

/// A message id as a fixed-size key: no allocation per message. Exim ids
/// are at most 23 bytes, Postfix queue ids shorter. Three words, so hashing
/// and comparing are three integer operations, not a `memcmp` call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub(super) struct IdKey(pub(super) [u64; 3]);

impl IdKey {
    #[inline]
    pub(super) fn new(id: &[u8]) -> IdKey {
        let id = &id[..id.len().min(24)];
        let mut words = [0u64; 3];
        let (whole, tail) = id.split_at(id.len() & !7);
        for (w, chunk) in words.iter_mut().zip(whole.chunks_exact(8)) {
            *w = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        }
        if !tail.is_empty() {
            // The last bytes, zero-padded, as the word they begin.
            let mut t = 0u64;
            for (i, b) in tail.iter().enumerate() {
                t |= u64::from(*b) << (8 * i);
            }
            words[whole.len() / 8] = t;
        }
        IdKey(words)
    }

    /// The key's words mixed into one (a multiplicative hash): its high
    /// bits pick a bucket.
    #[inline]
    pub(super) fn spread(&self) -> u64 {
        let [a, b, c] = self.0;
        (a ^ b.rotate_left(21) ^ c.rotate_left(42)).wrapping_mul(0x9e37_79b9_7f4a_7c15)
    }

    pub(super) fn text(&self) -> String {
        let bytes: Vec<u8> = self.0.iter().flat_map(|w| w.to_le_bytes()).collect();
        let n = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
        String::from_utf8_lossy(&bytes[..n]).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::IdKey;

    /// The key is the id's first 24 bytes, zero-padded, as three
    /// little-endian words; its text is the id again.
    #[test]
    fn key_is_the_zero_padded_id() {
        let id = b"1xNIzX-rwJ000-zl-0123456789";
        for n in 0..=id.len() {
            let mut padded = [0u8; 24];
            let kept = n.min(24);
            padded[..kept].copy_from_slice(&id[..kept]);
            let word = |i: usize| u64::from_le_bytes(padded[i * 8..i * 8 + 8].try_into().unwrap());
            let key = IdKey::new(&id[..n]);
            assert_eq!(key, IdKey([word(0), word(1), word(2)]), "{n}");
            assert_eq!(key.text().as_bytes(), &id[..kept]);
        }
    }
}

//! Hashing and comparing domain names as their ASCII lowercase, eight bytes
//! at a time, without lowercasing them first: the domain index looks a
//! recipient's domain up once per delivery line, and a byte-at-a-time
//! uppercase scan, copy and hash cost more than the rest of the line's
//! counting.
//!
//! A name is read as a few 8-byte words (see [`words`]); two names of the
//! same length are equal exactly when their words are, so the words serve
//! for the hash and for the comparison alike.

const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const HIGH: u64 = 0x8080_8080_8080_8080;
/// The multiplier of the hash (a 64-bit odd constant with well-spread bits).
const K: u64 = 0x9e37_79b9_7f4a_7c15;

/// `w` with every ASCII capital letter lowercased, other bytes (8-bit ones
/// too) unchanged, as [`u8::to_ascii_lowercase`] does byte by byte.
#[inline]
fn lower(w: u64) -> u64 {
    let low7 = w & LOW7;
    // High bit of each byte: its low seven bits are >= b'A', > b'Z'.
    let ge_a = low7.wrapping_add(0x3f3f_3f3f_3f3f_3f3f);
    let gt_z = low7.wrapping_add(0x2525_2525_2525_2525);
    let upper = ge_a & !gt_z & !w & HIGH;
    w | (upper >> 2)
}

#[inline]
fn load8(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

#[inline]
fn load4(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[at..at + 4]);
    u64::from(u32::from_le_bytes(w))
}

/// Calls `f` with the words of `name`: its whole 8-byte words, then the
/// last 8 bytes (overlapping the word before) when the length is not a
/// multiple of 8; a name under 8 bytes is one word holding every byte.
/// Names of one length give the same number of words, and differ exactly
/// when a word does. Stops when `f` says no, and says whether it went
/// through.
#[inline]
fn words(name: &[u8], mut f: impl FnMut(usize, u64) -> bool) -> bool {
    let n = name.len();
    if n >= 8 {
        let mut at = 0;
        while at + 8 <= n {
            if !f(at, load8(name, at)) {
                return false;
            }
            at += 8;
        }
        return at == n || f(n - 8, load8(name, n - 8));
    }
    let w = if n >= 4 {
        load4(name, 0) | (load4(name, n - 4) << 32)
    } else if n > 0 {
        u64::from(name[0]) | (u64::from(name[n / 2]) << 8) | (u64::from(name[n - 1]) << 16)
    } else {
        0
    };
    f(0, w)
}

/// The hash of a name's lowercase: equal for names equal but for case.
/// It reads the length and the first and last words only: domain names
/// differing there are the rule (`example-127.com`, `example-128.com`), and
/// the rare others only share a bucket. For the same reason the words are
/// not lowercased but have bit 5 of every byte set, one instruction: that
/// makes every capital its small letter, and only a few other pairs of
/// bytes alike (`_` and DEL, `@` and `` ` ``).
#[inline]
pub(super) fn hash(name: &[u8]) -> u64 {
    const CASE: u64 = 0x2020_2020_2020_2020;
    let n = name.len();
    let (first, last) = if n >= 8 {
        (load8(name, 0), load8(name, n - 8))
    } else {
        let mut w = 0;
        words(name, |_, x| {
            w = x;
            true
        });
        (w, 0)
    };
    let m = u128::from((first | CASE) ^ (n as u64).wrapping_mul(K)) * u128::from((last | CASE) ^ K);
    (m as u64) ^ ((m >> 64) as u64)
}

/// Whether `name` lowercased is `lower_name` (already lowercase).
#[inline]
pub(super) fn eq(name: &[u8], lower_name: &[u8]) -> bool {
    let n = name.len();
    if n != lower_name.len() {
        return false;
    }
    if n < 8 {
        return name.eq_ignore_ascii_case(lower_name);
    }
    // Most names come in lowercase already: a word equal as it is needs
    // no lowercasing.
    words(name, |at, w| {
        let stored = load8(lower_name, at);
        w == stored || lower(w) == stored
    })
}

#[cfg(test)]
mod tests {
    use super::{eq, hash, lower};

    #[test]
    fn lowercases_capitals_only() {
        for b in 0..=255u8 {
            let w = u64::from_le_bytes([b, b'A', b'z', b'@', b'Z', 0x80 | b'A', b'[', b]);
            let want: Vec<u8> = w.to_le_bytes().iter().map(u8::to_ascii_lowercase).collect();
            assert_eq!(lower(w).to_le_bytes().to_vec(), want, "byte {b}");
        }
    }

    #[test]
    fn names_equal_but_for_case_hash_and_compare_equal() {
        let names = [
            "",
            "a",
            "Ab",
            "abc",
            "ABCD",
            "mx.Ab",
            "Example",
            "EXAMPLE.",
            "gmail.com",
            "Example-127.COM",
            "outlook-com.olc.protection.outlook.com",
            "\u{e9}t\u{c9}.fr",
        ];
        for n in names {
            let low = n.to_ascii_lowercase();
            assert!(eq(n.as_bytes(), low.as_bytes()), "{n}");
            assert_eq!(hash(n.as_bytes()), hash(low.as_bytes()), "{n}");
        }
    }

    #[test]
    fn names_differing_in_any_byte_differ() {
        let base = b"outlook-com.olc.protection.outlook.com";
        for len in 0..base.len() {
            let name = &base[..len];
            for i in 0..len {
                let mut other = name.to_vec();
                other[i] = b'#';
                assert!(!eq(&other, name), "{len} {i}");
                if i < 8 || i + 8 >= len {
                    assert_ne!(hash(&other), hash(name), "{len} {i}");
                }
            }
            assert!(!eq(&base[..len + 1], name));
        }
    }
}

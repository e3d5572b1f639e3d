//! Byte-class scans for the per-line path: a 256-entry table per class,
//! one load and one test a byte (no iterator adaptors, no call for short
//! runs); and searches for one of a few bytes eight bytes at a time, for
//! the short fields (hosts, programs) where a call to memchr costs more
//! than the scan.

/// The length of the run of ASCII letters and digits at the start of `s`,
/// eight bytes at a time.
#[inline]
pub fn alnum_run(s: &[u8]) -> usize {
    let mut at = 0;
    loop {
        let mut w = [0u8; 8];
        match s.get(at..at + 8) {
            Some(chunk) => w.copy_from_slice(chunk),
            // The tail, padded with bytes that end the run.
            None => {
                for (d, b) in w.iter_mut().zip(&s[at..]) {
                    *d = *b;
                }
            }
        }
        let stop = !alnum_bits(w) & (ONES << 7);
        if stop != 0 {
            return at + stop.trailing_zeros() as usize / 8;
        }
        at += 8;
    }
}

/// Whether every byte of `s` is an ASCII letter or digit.
#[inline]
pub fn all_alnum(s: &[u8]) -> bool {
    alnum_run(s) == s.len()
}

/// The length of the run of ASCII digits at the start of `s`.
#[inline]
pub fn digit_run(s: &[u8]) -> usize {
    let mut n = 0;
    while n < s.len() && s[n].is_ascii_digit() {
        n += 1;
    }
    n
}

/// The first `b'['`, `b':'` or `b' '` in `s`.
#[inline]
pub fn program_end(s: &[u8]) -> Option<usize> {
    find_any(s, [b'[', b':', b' '])
}

/// The high bit of every byte of `w` (eight bytes, first byte lowest) that
/// is an ASCII letter or digit: the id checks' eight bytes at a time.
#[inline]
pub fn alnum_bits(w: [u8; 8]) -> u64 {
    const HIGH: u64 = ONES << 7;
    let w = u64::from_le_bytes(w);
    // Per byte, for bytes below 0x80 (no carry leaves a byte): the high
    // bit of `b + 0x80 - lo` is set when `b >= lo`.
    let ge = |v: u64, lo: u8| v.wrapping_add(ONES * u64::from(0x80 - lo)) & HIGH;
    let low7 = w & !HIGH;
    let digit = ge(low7, b'0') & !ge(low7, b'9' + 1);
    // Letters of either case, folded to lower case.
    let folded = low7 | (ONES * 0x20);
    let letter = ge(folded, b'a') & !ge(folded, b'z' + 1);
    (digit | letter) & !w
}

/// Whether the bytes of the 16-byte `s` whose high bits are set in `want`
/// (two words, first byte lowest) are all ASCII letters or digits.
#[inline]
pub fn alnum_where(s: &[u8], want: [u64; 2]) -> bool {
    let mut w = [[0u8; 8]; 2];
    w[0].copy_from_slice(&s[..8]);
    w[1].copy_from_slice(&s[8..16]);
    alnum_bits(w[0]) & want[0] == want[0] && alnum_bits(w[1]) & want[1] == want[1]
}

/// `0x01` in every byte of a word.
const ONES: u64 = 0x0101_0101_0101_0101;

/// The high bit of each zero byte of `w`, and maybe of bytes above the
/// first zero byte: the lowest bit set is exact, which is all the searches
/// below read.
#[inline]
fn zero_bytes(w: u64) -> u64 {
    w.wrapping_sub(ONES) & !w & (ONES << 7)
}

/// The index of the first byte of `s` that is one of `set`, eight bytes at
/// a time (short fields: no call, no setup).
#[inline]
pub fn find_any<const N: usize>(s: &[u8], set: [u8; N]) -> Option<usize> {
    let first = |w: u64| {
        let mut hits = 0;
        for b in set {
            hits |= zero_bytes(w ^ (ONES * u64::from(b)));
        }
        (hits != 0).then(|| hits.trailing_zeros() as usize / 8)
    };
    let mut at = 0;
    while let Some(chunk) = s.get(at..at + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        if let Some(i) = first(u64::from_le_bytes(w)) {
            return Some(at + i);
        }
        at += 8;
    }
    // The last few bytes one at a time.
    s[at..].iter().position(|b| set.contains(b)).map(|i| at + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs() {
        assert_eq!(alnum_run(b"4217E3011B47: to="), 12);
        assert_eq!(alnum_run(b""), 0);
        assert_eq!(alnum_run(b"\xffab"), 0);
        for len in 0..20 {
            let mut s = vec![b'a'; len];
            assert_eq!(alnum_run(&s), len);
            for at in 0..len {
                s[at] = b':';
                assert_eq!(alnum_run(&s), at, "{s:?}");
                s[at] = b'7';
            }
        }
        assert!(all_alnum(b"1tA2b3") && !all_alnum(b"1tA-b3") && all_alnum(b""));
        assert_eq!(digit_run(b"123]: x"), 3);
        assert_eq!(program_end(b"postfix/smtp[1]: x"), Some(12));
        assert_eq!(program_end(b"dovecot: x"), Some(7));
        assert_eq!(program_end(b"nothing"), None);
    }

    #[test]
    fn alnum_bits_is_alnum_per_byte() {
        for b in 0..=255u8 {
            for at in 0..8 {
                let mut w = [b'x'; 8];
                w[at] = b;
                let bit = alnum_bits(w) >> (8 * at + 7) & 1 == 1;
                assert_eq!(bit, b.is_ascii_alphanumeric(), "{b:#x} at {at}");
                assert_eq!(alnum_bits(w) | 0x80 << (8 * at), 0x8080_8080_8080_8080);
            }
        }
    }

    /// The word-at-a-time search finds what a plain scan finds, at every
    /// length and position, with bytes around the wanted ones that trip
    /// naive word tricks (0x80, 0xff, the byte one below).
    #[test]
    fn find_any_agrees_with_a_plain_scan() {
        let fill = [b'a', 0x80, 0xff, 0x00, b'Z', b'[' - 1, b' ' + 1];
        for len in 0..40 {
            for f in fill {
                let mut s = vec![f; len];
                assert_eq!(find_any(&s, [b'[', b' ']), None, "{s:?}");
                for at in 0..len {
                    for hit in [b'[', b' '] {
                        s[at] = hit;
                        let want = s.iter().position(|b| *b == b'[' || *b == b' ');
                        assert_eq!(find_any(&s, [b'[', b' ']), want, "{s:?}");
                        assert_eq!(find_any(&s, [b']']), None, "{s:?}");
                        if at + 3 < len {
                            s[at + 3] = b']';
                            assert_eq!(find_any(&s, [b']']), Some(at + 3), "{s:?}");
                            assert_eq!(find_any(&s, [b'[', b' ']), want, "{s:?}");
                            s[at + 3] = f;
                        }
                    }
                }
            }
        }
    }
}

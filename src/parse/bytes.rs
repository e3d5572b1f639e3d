//! Byte-class scans for the per-line path: a 256-entry table per class,
//! one load and one test a byte (no iterator adaptors, no call for short
//! runs).

/// `[0-9A-Za-z]`.
static ALNUM: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    t
};

/// The length of the run of ASCII letters and digits at the start of `s`.
#[inline]
pub fn alnum_run(s: &[u8]) -> usize {
    let mut n = 0;
    while n < s.len() && ALNUM[usize::from(s[n])] {
        n += 1;
    }
    n
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
    static STOP: [bool; 256] = {
        let mut t = [false; 256];
        t[b'[' as usize] = true;
        t[b':' as usize] = true;
        t[b' ' as usize] = true;
        t
    };
    let mut n = 0;
    while n < s.len() {
        if STOP[usize::from(s[n])] {
            return Some(n);
        }
        n += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs() {
        assert_eq!(alnum_run(b"4217E3011B47: to="), 12);
        assert_eq!(alnum_run(b""), 0);
        assert_eq!(alnum_run(b"\xffab"), 0);
        assert!(all_alnum(b"1tA2b3") && !all_alnum(b"1tA-b3") && all_alnum(b""));
        assert_eq!(digit_run(b"123]: x"), 3);
        assert_eq!(program_end(b"postfix/smtp[1]: x"), Some(12));
        assert_eq!(program_end(b"dovecot: x"), Some(7));
        assert_eq!(program_end(b"nothing"), None);
    }
}

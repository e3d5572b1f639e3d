//! What was odd about an input beyond its counts, turned into warnings that
//! name the first line concerned: lines cut at 1 MiB, binary lines, lines
//! behind a run of NUL bytes (what a crash leaves in a syslog file), an
//! empty input, a `.gz` name on plain text, an input mostly not understood.
//! Warnings never change the exit status: nothing was lost.

use crate::input::lines::MAX_LINE;
use crate::parse::Format;

/// How many lines showed something, and the first of them (1-based).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    pub count: u64,
    pub first: Option<u64>,
}

impl Seen {
    pub fn at(&mut self, line: u64) {
        self.count += 1;
        self.first.get_or_insert(line);
    }

    /// Adds a later stretch's, whose line numbers start after `base`.
    fn append(&mut self, later: Seen, base: u64) {
        self.count += later.count;
        if self.first.is_none() {
            self.first = later.first.map(|l| l + base);
        }
    }

    fn more(&self) -> String {
        match self.count {
            0 | 1 => String::new(),
            n => format!(" ({} more after it)", n - 1),
        }
    }
}

/// The oddities of one input (or one stretch of it).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Oddities {
    pub cut: Seen,
    pub binary: Seen,
    pub nul_prefixed: Seen,
}

impl Oddities {
    pub fn append(&mut self, later: &Oddities, base: u64) {
        self.cut.append(later.cut, base);
        self.binary.append(later.binary, base);
        self.nul_prefixed.append(later.nul_prefixed, base);
    }
}

/// A line that is not text: control bytes other than tab, CR, form feed
/// and ESC (ESC is hostile text, shown escaped, not binary).
pub fn is_binary(line: &[u8]) -> bool {
    line.iter()
        .any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\r' | 0x0c | 0x1b))
}

/// Strips the NUL bytes a crash can leave before the next line's text.
pub fn strip_nul_prefix(line: &[u8]) -> &[u8] {
    let n = line.iter().take_while(|b| **b == 0).count();
    &line[n..]
}

/// What one input gave, for [`warnings`].
pub struct Read<'a> {
    pub path: &'a str,
    pub format: Option<Format>,
    pub compressed: bool,
    pub lines: u64,
    pub unparsed: u64,
    pub failed: bool,
}

/// The warnings for an input, without its path (the caller names it).
pub fn warnings(r: &Read<'_>, odd: &Oddities) -> Vec<String> {
    let mut out = Vec::new();
    if r.failed && r.format.is_none() {
        return out;
    }
    if !r.compressed && r.path.ends_with(".gz") {
        out.push("named .gz but not gzip data; read as plain text".to_string());
    }
    if r.lines == 0 && !r.failed {
        out.push("empty: no lines to read".to_string());
    }
    if let Some(l) = odd.nul_prefixed.first {
        out.push(format!(
            "line {l} starts with NUL bytes (a crash can leave them); read from the text after them{}",
            odd.nul_prefixed.more()
        ));
    }
    if let Some(l) = odd.cut.first {
        out.push(format!(
            "line {l} is longer than {} MiB; its first MiB was read, the rest skipped{}",
            MAX_LINE >> 20,
            odd.cut.more()
        ));
    }
    if let Some(l) = odd.binary.first {
        out.push(format!(
            "binary data at line {l}; {} binary line(s), counted as not understood",
            odd.binary.count
        ));
    }
    if r.lines >= 10 && r.unparsed * 2 > r.lines {
        let format = r.format.map_or("a mail log", Format::name);
        out.push(format!(
            "{} of {} lines not understood as {format}: is this an Exim or Postfix log? \
             (--input-format picks the format; --verbose shows the lines)",
            r.unparsed, r.lines
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(path: &str, lines: u64, unparsed: u64) -> Read<'_> {
        Read {
            path,
            format: Some(Format::Syslog),
            compressed: false,
            lines,
            unparsed,
            failed: false,
        }
    }

    #[test]
    fn quiet_on_an_ordinary_log() {
        assert!(warnings(&read("maillog", 1000, 3), &Oddities::default()).is_empty());
    }

    #[test]
    fn each_oddity_names_its_first_line() {
        let mut odd = Oddities::default();
        odd.cut.at(7);
        odd.binary.at(9);
        odd.binary.at(12);
        let mut later = Oddities::default();
        later.nul_prefixed.at(3);
        later.binary.at(1);
        odd.append(&later, 100);
        let w = warnings(&read("maillog-20261122.gz", 200, 150), &odd);
        assert_eq!(
            w,
            [
                "named .gz but not gzip data; read as plain text",
                "line 103 starts with NUL bytes (a crash can leave them); read from the text after them",
                "line 7 is longer than 1 MiB; its first MiB was read, the rest skipped",
                "binary data at line 9; 3 binary line(s), counted as not understood",
                "150 of 200 lines not understood as postfix: is this an Exim or Postfix log? \
                 (--input-format picks the format; --verbose shows the lines)",
            ]
        );
    }

    #[test]
    fn binary_and_nul_prefix() {
        assert!(is_binary(b"abc\x00def"));
        assert!(is_binary(b"\x01\x02"));
        assert!(!is_binary(b"421 \x1b[31mred\x1b[0m\ttab\r"));
        assert_eq!(strip_nul_prefix(b"\0\0\0Nov 22 x"), b"Nov 22 x");
        assert_eq!(strip_nul_prefix(b"\0\0"), b"");
    }
}

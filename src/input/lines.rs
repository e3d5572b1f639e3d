//! Cuts a byte stream into lines with one reused buffer: read big blocks,
//! find newlines with memchr, carry the partial tail to the next read.
//! A line longer than [`MAX_LINE`] is cut there (the rest is skipped up to
//! the next newline) so memory stays bounded on garbage input.

use std::io::{self, Read};

/// Bytes read per call.
const BLOCK: usize = 256 * 1024;
/// The longest line kept whole.
pub const MAX_LINE: usize = 1024 * 1024;

/// Finds the next `\n`: memchr's AVX2 searcher called directly where the
/// CPU has one (a call to `memchr::memchr` picks its routine on every call,
/// which costs a tenth of a short line's parse), `memchr::memchr`
/// elsewhere.
#[derive(Clone, Copy)]
struct Newline {
    #[cfg(target_arch = "x86_64")]
    avx2: Option<memchr::arch::x86_64::avx2::memchr::One>,
}

impl Newline {
    fn new() -> Newline {
        Newline {
            #[cfg(target_arch = "x86_64")]
            avx2: memchr::arch::x86_64::avx2::memchr::One::new(b'\n'),
        }
    }

    #[inline]
    fn find(&self, s: &[u8]) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if let Some(one) = &self.avx2 {
            return one.find(s);
        }
        memchr::memchr(b'\n', s)
    }
}

/// A line reader over any `Read`.
pub struct LineReader<R> {
    newline: Newline,
    inner: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    /// Skipping the rest of an overlong line.
    skipping: bool,
    /// The read error that ended the input, returned after the last line.
    error: Option<io::Error>,
    /// Lines cut at [`MAX_LINE`] so far.
    cut: u64,
}

impl LineReader<io::Empty> {
    /// The lines of one block already in memory, read in place: the block
    /// is the reader's buffer (no copy).
    pub fn from_block(block: Vec<u8>) -> LineReader<io::Empty> {
        LineReader {
            newline: Newline::new(),
            inner: io::empty(),
            end: block.len(),
            buf: block,
            start: 0,
            eof: false,
            skipping: false,
            error: None,
            cut: 0,
        }
    }
}

impl<R: Read> LineReader<R> {
    pub fn new(inner: R) -> LineReader<R> {
        LineReader {
            newline: Newline::new(),
            inner,
            buf: vec![0; BLOCK],
            start: 0,
            end: 0,
            eof: false,
            skipping: false,
            error: None,
            cut: 0,
        }
    }

    /// Reads more into the buffer; false at the end of input. A read error
    /// ends the input too, and is kept to be returned once every line read
    /// before it has been handed out.
    fn fill(&mut self) -> bool {
        if self.eof {
            return false;
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            let grown = (self.buf.len() * 2).min(MAX_LINE + BLOCK);
            self.buf.resize(grown.max(self.buf.len()), 0);
        }
        loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return false;
                }
                Ok(n) => {
                    self.end += n;
                    return true;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.eof = true;
                    self.error = Some(e);
                    return false;
                }
            }
        }
    }

    /// Takes apart a reader that was only peeked at (no line handed out):
    /// the bytes read so far, then the rest of the stream (`None` when it
    /// has already ended) and the read error that ended it, if any.
    pub fn into_parts(self) -> (Vec<u8>, Option<R>, Option<io::Error>) {
        let mut read = self.buf;
        read.truncate(self.end);
        read.drain(..self.start);
        let rest = (!self.eof).then_some(self.inner);
        (read, rest, self.error)
    }

    /// How many lines so far were longer than [`MAX_LINE`] and were cut.
    pub fn cut_lines(&self) -> u64 {
        self.cut
    }

    /// The text at the start of the stream, holding at least `lines` lines
    /// when the stream has them (for format detection); consumes nothing.
    pub fn peek(&mut self, lines: usize) -> &[u8] {
        while memchr::memchr_iter(b'\n', &self.buf[self.start..self.end]).count() < lines
            && self.end - self.start < BLOCK
            && self.fill()
        {}
        &self.buf[self.start..self.end]
    }

    /// The next line without its `\n`; `None` at the end. A last line
    /// without a newline is returned too. A read error comes after every
    /// line read before it, then `None`.
    pub fn next_line(&mut self) -> io::Result<Option<&[u8]>> {
        loop {
            let avail = &self.buf[self.start..self.end];
            if let Some(nl) = self.newline.find(avail) {
                let s = self.start;
                self.start += nl + 1;
                if self.skipping {
                    self.skipping = false;
                    continue;
                }
                // A whole overlong line in the buffer (a block in memory, or
                // one that fit the grown buffer) is cut as one read in pieces is.
                if nl > MAX_LINE {
                    self.cut += 1;
                    return Ok(Some(&self.buf[s..s + MAX_LINE]));
                }
                return Ok(Some(&self.buf[s..s + nl]));
            }
            if avail.len() >= MAX_LINE {
                let s = self.start;
                self.start = self.end;
                if self.skipping {
                    continue;
                }
                self.skipping = true;
                self.cut += 1;
                return Ok(Some(&self.buf[s..s + MAX_LINE.min(avail.len())]));
            }
            if !self.fill() {
                if self.start == self.end {
                    return match self.error.take() {
                        Some(e) => Err(e),
                        None => Ok(None),
                    };
                }
                let s = self.start;
                self.start = self.end;
                if std::mem::take(&mut self.skipping) {
                    continue;
                }
                return Ok(Some(&self.buf[s..self.end]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8]) -> Vec<Vec<u8>> {
        let mut r = LineReader::new(input);
        let mut out = Vec::new();
        while let Some(l) = r.next_line().unwrap() {
            out.push(l.to_vec());
        }
        out
    }

    #[test]
    fn splits_lines_and_keeps_last_partial_line() {
        assert_eq!(
            all(b"a\nbb\n\nccc"),
            vec![b"a".to_vec(), b"bb".to_vec(), b"".to_vec(), b"ccc".to_vec()]
        );
        assert_eq!(all(b""), Vec::<Vec<u8>>::new());
        assert_eq!(all(b"x\n"), vec![b"x".to_vec()]);
    }

    #[test]
    fn an_overlong_line_whole_in_a_block_is_cut_as_from_a_stream() {
        let mut input = vec![b'x'; MAX_LINE + 100];
        input.extend_from_slice(b"\nnext\n");
        let mut r = LineReader::from_block(input.clone());
        let first = r.next_line().unwrap().map(<[u8]>::len);
        assert_eq!(first, Some(MAX_LINE));
        assert_eq!(r.next_line().unwrap(), Some(&b"next"[..]));
        assert_eq!(r.cut_lines(), 1);
        // Read in small pieces: the same lines and the same count.
        let mut r = LineReader::new(&input[..]);
        assert_eq!(r.next_line().unwrap().map(<[u8]>::len), Some(MAX_LINE));
        assert_eq!(r.next_line().unwrap(), Some(&b"next"[..]));
        assert_eq!(r.cut_lines(), 1);
    }

    #[test]
    fn a_block_in_memory_gives_the_same_lines() {
        for input in [&b"a\nbb\n\nccc"[..], b"", b"x\n", b"\n\n"] {
            let mut r = LineReader::from_block(input.to_vec());
            let mut got = Vec::new();
            while let Some(l) = r.next_line().unwrap() {
                got.push(l.to_vec());
            }
            assert_eq!(got, all(input), "{input:?}");
        }
        let mut r = LineReader::from_block(vec![b'z'; MAX_LINE + 5]);
        assert_eq!(r.next_line().unwrap().map(<[u8]>::len), Some(MAX_LINE));
        assert_eq!(r.next_line().unwrap(), None);
        assert_eq!(r.cut_lines(), 1);
    }

    #[test]
    fn taken_apart_after_a_peek_nothing_is_lost() {
        let input = vec![b'q'; BLOCK * 3];
        let mut r = LineReader::new(&input[..]);
        let seen = r.peek(1).len();
        let (read, rest, error) = r.into_parts();
        assert_eq!(read.len(), seen);
        let mut tail = Vec::new();
        rest.expect("not at the end")
            .read_to_end(&mut tail)
            .unwrap();
        assert_eq!(read.len() + tail.len(), input.len());
        assert!(error.is_none());
        let mut r = LineReader::new(&b"one\n"[..]);
        r.peek(50);
        let (read, rest, _) = r.into_parts();
        assert_eq!((read, rest.is_none()), (b"one\n".to_vec(), true));
    }

    #[test]
    fn lines_across_block_boundaries() {
        let line = vec![b'y'; 1000];
        let mut input = Vec::new();
        for _ in 0..600 {
            input.extend_from_slice(&line);
            input.push(b'\n');
        }
        let got = all(&input);
        assert_eq!(got.len(), 600);
        assert!(got.iter().all(|l| l == &line));
    }

    #[test]
    fn overlong_line_is_cut_and_following_lines_survive() {
        let mut input = vec![b'z'; MAX_LINE * 3];
        input.extend_from_slice(b"\nnext\n");
        let got = all(&input);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].len(), MAX_LINE);
        assert_eq!(got[1], b"next");
        let mut r = LineReader::new(&input[..]);
        while r.next_line().unwrap().is_some() {}
        assert_eq!(r.cut_lines(), 1);
    }
}

#[cfg(test)]
mod error_tests {
    use super::*;

    /// Two good blocks, then a failing read.
    struct Failing(Vec<&'static [u8]>);

    impl Read for Failing {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::Error::other("disk on fire"));
            }
            let b = self.0.remove(0);
            out[..b.len()].copy_from_slice(b);
            Ok(b.len())
        }
    }

    #[test]
    fn a_read_error_comes_after_every_line_read_before_it() {
        let mut r = LineReader::new(Failing(vec![b"one\ntw", b"o\nthr"]));
        assert_eq!(r.peek(50), b"one\ntwo\nthr", "peek keeps what it read");
        assert_eq!(r.next_line().unwrap(), Some(&b"one"[..]));
        assert_eq!(r.next_line().unwrap(), Some(&b"two"[..]));
        assert_eq!(
            r.next_line().unwrap(),
            Some(&b"thr"[..]),
            "the cut last line too"
        );
        assert_eq!(r.next_line().unwrap_err().to_string(), "disk on fire");
        assert_eq!(r.next_line().unwrap(), None);
    }
}

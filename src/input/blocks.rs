//! Cuts a byte stream (standard input, a pipe, a gzip being inflated) into
//! newline-aligned blocks on a reader thread, handed over in stream order
//! through a bounded channel: the blocks' lines can be parsed on several
//! cores while the stream is read, and memory holds only the blocks in
//! flight.
//!
//! A block ends at the last newline read once it is full, or wherever the
//! stream ends (a last line without a newline is sent as it is): a stream
//! that trickles is cut on what has arrived by its end, never waiting for a
//! full block. A line longer than [`MAX_LINE`] is sent as its first
//! [`MAX_LINE`] bytes alone, without its newline, and the rest of it is
//! dropped: [`LineReader`](super::LineReader) reads such a block as one
//! line cut at its cap, as it does on a whole stream.

use std::io::{self, Read};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use super::lines::MAX_LINE;

/// The blocks of a stream, in order; a read error comes after every block
/// read before it, then the end.
pub struct Blocks {
    rx: Receiver<io::Result<Vec<u8>>>,
}

impl Blocks {
    /// Cuts `head` (bytes already read from the stream) and then `rest` (the
    /// stream, `None` if it has ended; `failed`: the error that ended it)
    /// into blocks of about `size` bytes, at most `depth` of them waiting.
    pub fn spawn<R: Read + Send + 'static>(
        head: Vec<u8>,
        rest: Option<R>,
        failed: Option<io::Error>,
        size: usize,
        depth: usize,
    ) -> Blocks {
        let (tx, rx) = sync_channel(depth.max(1));
        std::thread::spawn(move || cut(head, rest, failed, size.max(1), &tx));
        Blocks { rx }
    }
}

impl Iterator for Blocks {
    type Item = io::Result<Vec<u8>>;

    fn next(&mut self) -> Option<Self::Item> {
        self.rx.recv().ok()
    }
}

/// Reads into `buf` until it holds `want` bytes or the stream ends;
/// `Some` when it ended (with the error that ended it, if any). Reads into
/// the buffer's spare room (`read_to_end`), which readers that can skip
/// zeroing it first (a file, a pipe) do.
fn fill<R: Read>(
    inner: &mut Option<R>,
    buf: &mut Vec<u8>,
    want: usize,
) -> Option<Option<io::Error>> {
    let r = inner.as_mut()?;
    let ended = loop {
        let Some(room) = want.checked_sub(buf.len()).filter(|n| *n > 0) else {
            break None;
        };
        buf.reserve(room);
        match r.by_ref().take(room as u64).read_to_end(buf) {
            Ok(n) if n < room => break Some(None),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => break Some(Some(e)),
        }
    };
    if ended.is_some() {
        *inner = None;
    }
    ended
}

/// The reader thread: sends blocks until the stream ends or the receiver
/// is gone.
fn cut<R: Read>(
    head: Vec<u8>,
    mut rest: Option<R>,
    mut failed: Option<io::Error>,
    size: usize,
    tx: &SyncSender<io::Result<Vec<u8>>>,
) {
    // Bytes not sent yet; they start at a line's start unless `skipping`
    // (dropping the rest of an overlong line up to its newline).
    let mut buf = head;
    buf.reserve(size.saturating_sub(buf.len()));
    let mut skipping = false;
    let mut want = size;
    loop {
        let ended = rest.is_none()
            || fill(&mut rest, &mut buf, want).is_some_and(|e| {
                failed = failed.take().or(e);
                true
            });
        if skipping {
            match memchr::memchr(b'\n', &buf) {
                Some(nl) => {
                    buf.drain(..=nl);
                    skipping = false;
                }
                None => buf.clear(),
            }
        }
        let at = if ended {
            buf.len()
        } else {
            match memchr::memrchr(b'\n', &buf) {
                Some(nl) => nl + 1,
                None if buf.len() >= MAX_LINE => {
                    skipping = true;
                    MAX_LINE
                }
                // One line, not whole yet: read on before cutting.
                None if !skipping => {
                    want = buf.len() + size;
                    continue;
                }
                None => 0,
            }
        };
        want = size;
        let block = if skipping && at == MAX_LINE {
            // The whole buffer is the overlong line: only its cap is kept.
            let block = buf[..at].to_vec();
            buf.clear();
            block
        } else {
            let mut next = Vec::with_capacity(size.max(buf.len() - at));
            next.extend_from_slice(&buf[at..]);
            buf.truncate(at);
            std::mem::replace(&mut buf, next)
        };
        if !block.is_empty() && tx.send(Ok(block)).is_err() {
            return;
        }
        if ended {
            if let Some(e) = failed {
                let _ = tx.send(Err(e));
            }
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream handing out at most `step` bytes per read.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(self.1).min(out.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn blocks(input: &'static [u8], head: usize, size: usize, step: usize) -> Vec<Vec<u8>> {
        let rest = Trickle(&input[head..], step);
        Blocks::spawn(input[..head].to_vec(), Some(rest), None, size, 2)
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn blocks_end_at_newlines_and_hold_the_whole_stream() {
        let input = b"one\ntwo two\nthree\n\nfour four four\nfive";
        for size in [1, 3, 8, 64] {
            for step in [1, 5, 100] {
                for head in [0, 2, 9] {
                    let got = blocks(input, head, size, step);
                    assert_eq!(got.concat(), input, "size {size} step {step} head {head}");
                    let (last, whole) = got.split_last().unwrap();
                    assert!(whole.iter().all(|b| b.ends_with(b"\n")), "{got:?}");
                    assert!(last.ends_with(b"five"));
                }
            }
        }
    }

    #[test]
    fn an_overlong_line_is_sent_cut_and_the_next_lines_whole() {
        let mut input = vec![b'x'; MAX_LINE * 3 + 7];
        input.extend_from_slice(b"\nnext\nlast\n");
        let input: &'static [u8] = input.leak();
        let got = blocks(input, 0, 1 << 20, 64 << 10);
        assert_eq!(got[0], vec![b'x'; MAX_LINE]);
        assert_eq!(got[1..].concat(), b"next\nlast\n");
    }

    #[test]
    fn a_read_error_comes_after_the_blocks_before_it() {
        struct Failing(bool);
        impl Read for Failing {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                if std::mem::replace(&mut self.0, true) {
                    return Err(io::Error::other("disk on fire"));
                }
                out[..5].copy_from_slice(b"a\nb\nc");
                Ok(5)
            }
        }
        let mut got = Blocks::spawn(Vec::new(), Some(Failing(false)), None, 64, 2);
        assert_eq!(got.next().unwrap().unwrap(), b"a\nb\nc");
        assert_eq!(got.next().unwrap().unwrap_err().to_string(), "disk on fire");
        assert!(got.next().is_none());
    }
}

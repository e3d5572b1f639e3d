//! Decompression on its own thread: a [`Read`] whose bytes are produced by a
//! background thread in 1 MiB blocks through a bounded channel, so inflating
//! a `.gz` and parsing its lines run on two cores at once.

use std::io::{self, Read};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

const BLOCK: usize = 1 << 20;
/// Blocks in flight: bounds memory at a few MiB.
const DEPTH: usize = 4;

pub struct ThreadedReader {
    rx: Receiver<io::Result<Vec<u8>>>,
    /// Blocks read to the end, handed back to the thread to be filled again
    /// (no fresh zeroed MiB per block).
    spent: SyncSender<Vec<u8>>,
    block: Vec<u8>,
    at: usize,
    done: bool,
}

impl ThreadedReader {
    pub fn new(mut inner: Box<dyn Read + Send>) -> ThreadedReader {
        let (tx, rx) = sync_channel(DEPTH);
        // Every block in flight, plus the one being read, can come back.
        let (spent, recycled) = sync_channel::<Vec<u8>>(DEPTH + 2);
        std::thread::spawn(move || {
            loop {
                let mut buf = match recycled.try_recv() {
                    Ok(mut b) => {
                        b.resize(BLOCK, 0);
                        b
                    }
                    Err(_) => vec![0u8; BLOCK],
                };
                let mut filled = 0;
                // Fill the block (short reads are normal for decoders).
                let res = loop {
                    match inner.read(&mut buf[filled..]) {
                        Ok(0) => break Ok(()),
                        Ok(n) => {
                            filled += n;
                            if filled == buf.len() {
                                break Ok(());
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => break Err(e),
                    }
                };
                buf.truncate(filled);
                if filled > 0 && tx.send(Ok(buf)).is_err() {
                    return; // the reader was dropped
                }
                if let Err(e) = res {
                    let _ = tx.send(Err(e));
                    return;
                }
                // The fill loop stops short only at the end of the stream.
                if filled < BLOCK {
                    return;
                }
            }
        });
        ThreadedReader {
            rx,
            spent,
            block: Vec::new(),
            at: 0,
            done: false,
        }
    }
}

impl Read for ThreadedReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.at == self.block.len() {
            if self.done {
                return Ok(0);
            }
            match self.rx.recv() {
                Ok(Ok(b)) => {
                    let old = std::mem::replace(&mut self.block, b);
                    if old.capacity() == BLOCK {
                        // Full or gone: the thread allocates instead.
                        let _ = self.spent.try_send(old);
                    }
                    self.at = 0;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(_) => {
                    self.done = true;
                    return Ok(0);
                }
            }
        }
        let n = out.len().min(self.block.len() - self.at);
        out[..n].copy_from_slice(&self.block[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_every_byte_through() {
        let data: Vec<u8> = (0..3 * BLOCK + 12345).map(|i| (i % 251) as u8).collect();
        let mut r = ThreadedReader::new(Box::new(io::Cursor::new(data.clone())));
        let mut got = Vec::new();
        r.read_to_end(&mut got).unwrap();
        assert_eq!(got, data);
    }

    #[test]
    fn passes_errors_through_after_the_data() {
        struct Failing(usize);
        impl Read for Failing {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                if self.0 == 0 {
                    return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "cut"));
                }
                let n = self.0.min(out.len());
                out[..n].fill(b'x');
                self.0 -= n;
                Ok(n)
            }
        }
        let mut r = ThreadedReader::new(Box::new(Failing(1000)));
        let mut got = Vec::new();
        let err = r.read_to_end(&mut got).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(got.len(), 1000);
    }
}

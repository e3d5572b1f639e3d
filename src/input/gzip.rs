//! gzip input that keeps what can be read around damage.
//!
//! `MultiGzDecoder` stops at the first bad byte and, when one read call both
//! inflates text and meets the damage, returns only the error, so its text
//! is lost. [`Gunzip`] asks for at most [`STEP`] bytes per call (the most
//! that damage can swallow before the bad byte), then looks past the damage
//! for the next gzip member (`1f 8b 08`, as `gzip -c a >> log.gz`, `pigz`
//! and concatenated rotations write) and reads on from there. A line
//! break is put where text was skipped, so the text on either side never
//! joins into one line.
//!
//! Every damage is remembered, with the compressed offset where it was met
//! and the line it followed, and reported as one error once all readable
//! text has been handed out.

use std::fmt;
use std::io::{self, BufRead, Read};

use flate2::bufread::MultiGzDecoder;

/// The most text inflated per call.
pub const STEP: usize = 64 * 1024;

const MAGIC: [u8; 3] = [0x1f, 0x8b, 0x08];

/// One place where the compressed data could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// Compressed byte offset where the damage was met.
    pub at: u64,
    /// Text lines handed out before it.
    pub after_line: u64,
    /// What the decoder said.
    pub reason: String,
    /// Compressed byte offset of the gzip member reading went on with.
    pub resumed_at: Option<u64>,
}

/// Everything a damaged gzip stream lost, returned as the stream's last
/// read error (its `io::Error` payload).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damaged(pub Vec<Damage>);

impl fmt::Display for Damaged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(
                f,
                "{} at compressed byte {} (after line {})",
                d.reason, d.at, d.after_line
            )?;
            match d.resumed_at {
                Some(r) => write!(f, ", read on from the gzip member at byte {r}")?,
                None => f.write_str(", nothing readable after it")?,
            }
        }
        Ok(())
    }
}

impl std::error::Error for Damaged {}

/// A `BufRead` that counts the bytes consumed from it.
struct Counted<R> {
    inner: R,
    pos: u64,
}

impl<R: BufRead> Read for Counted<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(out)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        self.pos += n as u64;
        self.inner.consume(n);
    }
}

/// A gzip reader that reads on past damage; see the module docs.
pub struct Gunzip<R: BufRead> {
    decoder: Option<MultiGzDecoder<Counted<R>>>,
    /// Where the current decoder started, to make progress on a false start.
    started_at: u64,
    lines: u64,
    damage: Vec<Damage>,
    /// A line break owed to the reader after skipped text.
    owe_newline: bool,
    ended: bool,
}

impl<R: BufRead> Gunzip<R> {
    pub fn new(inner: R) -> Gunzip<R> {
        Gunzip {
            decoder: Some(MultiGzDecoder::new(Counted { inner, pos: 0 })),
            started_at: 0,
            lines: 0,
            damage: Vec::new(),
            owe_newline: false,
            ended: false,
        }
    }

    /// Drops the broken decoder and starts a new one at the next member.
    fn resync(&mut self, err: &io::Error) -> io::Result<()> {
        let Some(decoder) = self.decoder.take() else {
            return Ok(());
        };
        let mut input = decoder.into_inner();
        let at = input.pos;
        if input.pos == self.started_at {
            let avail = input.fill_buf()?.len();
            input.consume(avail.min(1));
        }
        let reason = if err.kind() == io::ErrorKind::UnexpectedEof {
            "truncated: compressed data ends early".to_string()
        } else {
            format!("corrupt compressed data ({err})")
        };
        let resumed_at = seek_magic(&mut input)?;
        // Damage met while skipping to a false member start is part of the
        // damage already reported.
        let repeat = self
            .damage
            .last()
            .is_some_and(|d| d.resumed_at == Some(self.started_at) && d.after_line == self.lines);
        if repeat {
            let last = self.damage.last_mut().expect("checked above");
            last.resumed_at = resumed_at;
        } else {
            self.damage.push(Damage {
                at,
                after_line: self.lines,
                reason,
                resumed_at,
            });
        }
        if let Some(start) = resumed_at {
            self.started_at = start;
            self.owe_newline = true;
            self.decoder = Some(MultiGzDecoder::new(input));
        }
        Ok(())
    }
}

/// Consumes input up to the next gzip member header; its offset, or `None`
/// at the end of input.
fn seek_magic<R: BufRead>(input: &mut Counted<R>) -> io::Result<Option<u64>> {
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(None);
        }
        if let Some(i) = memchr::memmem::find(buf, &MAGIC) {
            input.consume(i);
            return Ok(Some(input.pos));
        }
        // Keep the last two bytes: the magic may straddle two buffers.
        let keep = buf.len().min(MAGIC.len() - 1);
        let skip = buf.len() - keep;
        if skip == 0 {
            // Fewer than three bytes left: no member can start here.
            let n = buf.len();
            input.consume(n);
            return Ok(None);
        }
        input.consume(skip);
    }
}

impl<R: BufRead> Read for Gunzip<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            if self.owe_newline {
                self.owe_newline = false;
                out[0] = b'\n';
                self.lines += 1;
                return Ok(1);
            }
            let Some(decoder) = self.decoder.as_mut() else {
                if self.ended || self.damage.is_empty() {
                    return Ok(0);
                }
                self.ended = true;
                let damaged = Damaged(std::mem::take(&mut self.damage));
                return Err(io::Error::new(io::ErrorKind::InvalidData, damaged));
            };
            let step = out.len().min(STEP);
            match decoder.read(&mut out[..step]) {
                Ok(0) => self.decoder = None,
                Ok(n) => {
                    self.lines += memchr::memchr_iter(b'\n', &out[..n]).count() as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => self.resync(&e)?,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn gz(text: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(text).unwrap();
        e.finish().unwrap()
    }

    fn read_all(data: &[u8]) -> (Vec<u8>, Option<Damaged>) {
        let mut r = Gunzip::new(data);
        let mut out = Vec::new();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            match r.read(&mut buf) {
                Ok(0) => return (out, None),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) => {
                    let d = e
                        .get_ref()
                        .and_then(|e| e.downcast_ref::<Damaged>())
                        .cloned()
                        .expect("a Damaged error");
                    assert_eq!(r.read(&mut buf).unwrap(), 0, "the error comes once, last");
                    return (out, Some(d));
                }
            }
        }
    }

    fn numbered(from: usize, to: usize) -> Vec<u8> {
        (from..to)
            .map(|i| format!("line {i} of the log\n"))
            .collect::<String>()
            .into_bytes()
    }

    #[test]
    fn whole_members_read_as_one_text() {
        let mut data = gz(&numbered(0, 1000));
        data.extend(gz(&numbered(1000, 2000)));
        let (out, damage) = read_all(&data);
        assert_eq!(out, numbered(0, 2000));
        assert_eq!(damage, None);
    }

    #[test]
    fn truncated_keeps_the_text_before_the_cut() {
        let text = numbered(0, 20_000);
        let data = gz(&text);
        let (out, damage) = read_all(&data[..data.len() / 2]);
        let damage = damage.expect("damage reported").0;
        assert_eq!(damage.len(), 1);
        assert!(damage[0].reason.starts_with("truncated"), "{damage:?}");
        assert_eq!(damage[0].resumed_at, None);
        // Everything handed out is the true text, and it is most of what the
        // kept half holds (at most one STEP lost to the cut).
        assert!(text.starts_with(&out));
        assert!(out.len() > 100_000, "{}", out.len());
    }

    #[test]
    fn corrupt_member_is_skipped_and_the_next_one_read() {
        let first = gz(&numbered(0, 20_000));
        let second = gz(&numbered(20_000, 21_000));
        let mut data = first.clone();
        let mid = first.len() / 2;
        for b in &mut data[mid..mid + 64] {
            *b ^= 0x5a;
        }
        data.extend_from_slice(&second);
        let (out, damage) = read_all(&data);
        let damage = damage.expect("damage reported").0;
        assert_eq!(damage.len(), 1, "{damage:?}");
        assert_eq!(damage[0].resumed_at, Some(first.len() as u64));
        assert!(damage[0].at >= mid as u64 && damage[0].at <= first.len() as u64);
        let text = String::from_utf8_lossy(&out);
        // The second member is read whole, on lines of its own.
        assert!(text.ends_with(&String::from_utf8(numbered(20_000, 21_000)).unwrap()));
        assert!(text.contains("\nline 20000 of the log\n"));
        assert!(text.starts_with("line 0 of the log\n"));
        assert!(out.len() > 150_000, "{}", out.len());
    }

    #[test]
    fn garbage_after_a_member_is_damage_not_a_panic() {
        let mut data = gz(b"one\ntwo\n");
        data.extend_from_slice(b"\x1f\x8b\x08 not really a member");
        let (out, damage) = read_all(&data);
        assert!(out.starts_with(b"one\ntwo\n"));
        assert_eq!(damage.expect("damage").0.len(), 1);
    }
}

//! A big plain file cut into newline-aligned chunks, parsed a group of
//! chunks at a time on every core; the parts are laid over the whole in
//! file order, so the report is what one pass gives.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileExt;

use rayon::prelude::*;

use super::{Part, Reading, read_part};
use crate::config::ScanConfig;
use crate::input::{InputError, LineReader};

/// Newline-aligned chunk boundaries of a file: `[0, b1, b2, ..., size]`.
fn chunk_bounds(file: &File, size: u64, chunks: u64) -> std::io::Result<Vec<u64>> {
    let mut bounds = vec![0];
    let mut buf = vec![0u8; 64 * 1024];
    for k in 1..chunks {
        let mut pos = size * k / chunks;
        if pos <= *bounds.last().unwrap_or(&0) {
            continue;
        }
        loop {
            let n = file.read_at(&mut buf, pos)?;
            if n == 0 {
                pos = size;
                break;
            }
            if let Some(nl) = memchr::memchr(b'\n', &buf[..n]) {
                pos += nl as u64 + 1;
                break;
            }
            pos += n as u64;
        }
        if pos < size && pos > *bounds.last().unwrap_or(&0) {
            bounds.push(pos);
        }
    }
    bounds.push(size);
    Ok(bounds)
}

/// One chunk of a file, read with positional reads on the file opened
/// once: a file deleted or renamed while it is read is still read whole.
struct Chunk<'a> {
    file: &'a File,
    pos: u64,
    end: u64,
}

impl Read for Chunk<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let want = out.len().min((self.end - self.pos) as usize);
        if want == 0 {
            return Ok(0);
        }
        let n = self.file.read_at(&mut out[..want], self.pos)?;
        self.pos += n as u64;
        crate::progress::read(n);
        Ok(n)
    }
}

pub(super) fn read_chunks(file: &File, size: u64, read: &Reading<'_>, cfg: &ScanConfig) -> Part {
    let path = read.path;
    let chunks = (rayon::current_num_threads() as u64 * 4)
        .min(size / (8 << 20))
        .max(4);
    let bounds = match chunk_bounds(file, size, chunks) {
        Ok(b) => b,
        Err(e) => return Part::failed(cfg, InputError::read(path, 0, e)),
    };
    // As many chunks at a time as there are threads, each group laid over
    // the whole in order as soon as it is read: memory holds the whole and
    // one group's parts, not every chunk's part at once.
    let group = rayon::current_num_threads().max(1);
    let mut whole: Option<Part> = None;
    for starts in bounds.windows(2).collect::<Vec<_>>().chunks(group) {
        let parts: Vec<Part> = starts
            .par_iter()
            .map(|w| {
                let chunk = Chunk {
                    file,
                    pos: w[0],
                    end: w[1],
                };
                read_part(LineReader::new(chunk), read, cfg, None)
            })
            .collect();
        for p in parts {
            // The first chunk's part is the whole's start as it is (moved,
            // not merged into an empty one).
            match &mut whole {
                None => whole = Some(p),
                Some(w) => w.append(p, cfg.unparsed_examples),
            }
        }
    }
    whole.unwrap_or_else(|| Part::new(cfg))
}

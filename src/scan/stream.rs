//! A plain stream (standard input, a pipe, the journal) parsed on every
//! core: a reader thread cuts it into newline-aligned
//! blocks ([`Blocks`]), a group of blocks at a time is parsed in parallel
//! into [`Part`]s, and the parts are laid over the whole in stream order,
//! exactly as a file's chunks are: the same report as one pass, line
//! numbers included. Memory holds the whole, one group being parsed and the
//! blocks waiting behind it.

use std::io::Read;

use rayon::prelude::*;

use super::{Part, Reading, Sink, read_part};
use crate::config::ScanConfig;
use crate::input::blocks::Blocks;
use crate::input::{InputError, LineReader};

/// Bytes per block: big enough that laying a block's part over the whole
/// costs little next to parsing it.
const BLOCK: usize = 4 << 20;

/// The block size: [`BLOCK`], or the (undocumented, for tests)
/// `MAILLOG421_STREAM_BLOCK` bytes, so a small input spans many blocks.
fn block_size() -> usize {
    crate::config::test_size("MAILLOG421_STREAM_BLOCK").unwrap_or(BLOCK)
}

/// Reads an input not cut into chunks: a plain stream (`is_stream`: not a
/// regular file, not gzip) in blocks when there is more than one thread and
/// no `sink`, anything else on this thread (`events` prints each event as
/// its line is read).
pub(super) fn read<R: Read + Send + 'static>(
    lines: LineReader<R>,
    read: &Reading<'_>,
    cfg: &ScanConfig,
    sink: Option<Sink<'_>>,
    is_stream: bool,
) -> Part {
    if is_stream && sink.is_none() && rayon::current_num_threads() > 1 {
        read_stream(lines, read, cfg)
    } else {
        read_part(lines, read, cfg, sink)
    }
}

/// Parses the rest of a stream whose first bytes `lines` has peeked at.
fn read_stream<R: Read + Send + 'static>(
    lines: LineReader<R>,
    read: &Reading<'_>,
    cfg: &ScanConfig,
) -> Part {
    let threads = rayon::current_num_threads().max(1);
    let group = threads * 2;
    let (head, rest, failed) = lines.into_parts();
    let mut blocks = Blocks::spawn(head, rest, failed, block_size(), threads);
    let mut whole: Option<Part> = None;
    let lay_over = |whole: &mut Option<Part>, parts: &mut Vec<Part>| {
        for p in parts.drain(..) {
            match whole {
                None => *whole = Some(p),
                Some(w) => w.append(p, cfg.unparsed_examples),
            }
        }
    };
    // The group parsed last, laid over the whole while the next is parsed.
    let mut parsed: Vec<Part> = Vec::new();
    let mut next = Vec::with_capacity(group);
    // The read error that ended the stream (blocks in memory never fail).
    let mut error = None;
    loop {
        for b in blocks.by_ref() {
            match b {
                Ok(b) => next.push(b),
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
            if next.len() == group {
                break;
            }
        }
        if next.is_empty() && error.is_none() {
            break;
        }
        let ((), parts) = rayon::join(
            || lay_over(&mut whole, &mut parsed),
            || {
                next.par_drain(..)
                    .map(|b| read_part(LineReader::from_block(b), read, cfg, None))
                    .collect::<Vec<Part>>()
            },
        );
        parsed = parts;
        if error.is_some() {
            break;
        }
    }
    lay_over(&mut whole, &mut parsed);
    let mut whole = whole.unwrap_or_else(|| Part::new(cfg));
    if let Some(e) = error {
        // After every line read before it, as on one thread (a gzip's
        // damage is not a `Read` error that `Part::append` would carry).
        let lines = whole.fold.aggregate.totals.lines;
        whole.error = Some(InputError::read(read.path, lines, e));
    }
    whole
}

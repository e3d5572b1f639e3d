//! The copies a copytruncate leaves beside a followed file (plain or
//! gzip): recognising the one that holds what we read, and reading it.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::os::unix::fs::FileExt;
use std::path::Path;

use super::PRINT;
use super::segment::{Segment, feed};

/// Opens a file, inflating it when it is gzip.
pub(super) fn open_any(path: &Path) -> Option<(Box<dyn Read>, bool)> {
    let f = File::open(path).ok()?;
    let mut magic = [0u8; 2];
    let gz = f.read_exact_at(&mut magic, 0).is_ok() && magic == [0x1f, 0x8b];
    let r: Box<dyn Read> = if gz {
        Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(f)))
    } else {
        Box::new(f)
    };
    Some((r, gz))
}

/// Up to [`PRINT`] first bytes of a file (inflated when gzip).
pub(super) fn head_of(path: &Path) -> Option<Vec<u8>> {
    let (r, _) = open_any(path)?;
    let mut head = Vec::with_capacity(PRINT);
    r.take(PRINT as u64).read_to_end(&mut head).ok()?;
    Some(head)
}

/// True when the copy at `path` starts with the first bytes of `cur` and
/// has, just before `cur`'s offset, the bytes read last.
pub(super) fn fits(path: &Path, cur: &Segment) -> bool {
    let Ok(f) = File::open(path) else {
        return false;
    };
    let Ok(m) = f.metadata() else { return false };
    let mut magic = [0u8; 2];
    let gz = f.read_exact_at(&mut magic, 0).is_ok() && magic == [0x1f, 0x8b];
    if gz {
        // The trailer has the inflated size (mod 2^32) of the last member:
        // a cheap first test for single-member files under 4 GiB.
        let mut size = [0u8; 4];
        if cur.offset < 1 << 32
            && m.len() >= 18
            && f.read_exact_at(&mut size, m.len() - 4).is_ok()
            && u64::from(u32::from_le_bytes(size)) < cur.offset
        {
            return false;
        }
    } else if m.len() < cur.offset {
        return false;
    }
    let Some((mut r, _)) = open_any(path) else {
        return false;
    };
    let mut head = vec![0; cur.head.len()];
    if r.read_exact(&mut head).is_err() || head != cur.head {
        return false;
    }
    // The head holds the first min(PRINT, offset) bytes; the print the
    // last ones before the offset, which may overlap the head.
    let held = head.len() as u64;
    let from = cur.offset - cur.print.len() as u64;
    let mut at = if from >= held {
        let skip = from - held;
        if io::copy(&mut r.by_ref().take(skip), &mut io::sink()).ok() != Some(skip) {
            return false;
        }
        vec![0; cur.print.len()]
    } else {
        vec![0; (cur.offset - held) as usize]
    };
    if r.read_exact(&mut at).is_err() {
        return false;
    }
    if from < held {
        head.extend_from_slice(&at);
        at = head.split_off(from as usize);
    }
    at == cur.print
}

/// Reads a copy from `offset` to its end; false when it could not be read
/// to its end (gone, or compressed data cut short).
pub(super) fn read_copy(
    path: &Path,
    offset: u64,
    buf: &mut [u8],
    partial: &mut Vec<u8>,
    line_no: &mut u64,
    out: &mut dyn FnMut(&[u8], u64),
) -> bool {
    let Some((mut r, _)) = open_any(path) else {
        return false;
    };
    if io::copy(&mut r.by_ref().take(offset), &mut io::sink()).ok() != Some(offset) {
        return false;
    }
    loop {
        match r.read(buf) {
            Ok(0) => return true,
            Ok(n) => feed(&buf[..n], partial, line_no, out),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
}

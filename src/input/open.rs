//! Opens an input as a byte stream. gzip is recognised by its magic bytes
//! (`1f 8b`), not its name, and read with `MultiGzDecoder` so every member
//! of a concatenated gzip file is read (`GzDecoder` stops after the first).

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};

use flate2::bufread::MultiGzDecoder;

use super::Source;
use crate::error::InputError;

/// An opened input.
pub struct Opened {
    pub reader: Box<dyn Read + Send>,
    pub compressed: bool,
    /// Modification time (Unix seconds), for the year of syslog stamps.
    pub mtime: Option<i64>,
    /// Size in bytes of a regular file (not of stdin).
    pub size: Option<u64>,
}

/// Opens a source, sniffing gzip.
pub fn open(source: &Source) -> Result<Opened, InputError> {
    let name = source.display();
    let (inner, mtime, size): (Box<dyn Read + Send>, Option<i64>, Option<u64>) = match source {
        Source::Stdin => (Box::new(io::stdin()), None, None),
        Source::File(path) => {
            let meta = std::fs::metadata(path).map_err(|e| InputError::open(&name, e))?;
            if meta.is_dir() {
                return Err(InputError::IsDirectory { path: name });
            }
            let file = File::open(path).map_err(|e| InputError::open(&name, e))?;
            let mtime = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_secs() as i64);
            (Box::new(file), mtime, meta.is_file().then_some(meta.len()))
        }
    };
    let mut buffered = BufReader::with_capacity(256 * 1024, inner);
    let head = buffered
        .fill_buf()
        .map_err(|e| InputError::read(&name, 0, e))?;
    let compressed = head.starts_with(&[0x1f, 0x8b]);
    let reader: Box<dyn Read + Send> = if compressed {
        Box::new(super::pipe::ThreadedReader::new(Box::new(
            MultiGzDecoder::new(buffered),
        )))
    } else {
        Box::new(buffered)
    };
    Ok(Opened {
        reader,
        compressed,
        mtime,
        size,
    })
}

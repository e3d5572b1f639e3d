//! Opens an input as a byte stream. gzip is recognised by its magic bytes
//! (`1f 8b`), not its name, and read by [`Gunzip`], which reads every member
//! of a concatenated gzip file and reads on past damage.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};

use super::Source;
use super::gzip::Gunzip;
use crate::error::InputError;

/// An opened input.
pub struct Opened {
    pub reader: Box<dyn Read + Send>,
    pub compressed: bool,
    /// Modification time (Unix seconds), for the year of syslog stamps.
    pub mtime: Option<i64>,
    /// Size in bytes of a regular file (not of stdin).
    pub size: Option<u64>,
    /// The open file itself (a second handle), for reading a big plain file
    /// in parallel chunks without opening its path again.
    pub file: Option<File>,
}

/// Opens a source, sniffing gzip. A file's size and time are read from the
/// open handle, so they describe the file that is read even if its path is
/// renamed or deleted meanwhile.
pub fn open(source: &Source) -> Result<Opened, InputError> {
    let name = source.display();
    let (inner, mtime, size, file): (Box<dyn Read + Send>, _, _, _) = match source {
        Source::Stdin => (Box::new(io::stdin()), None, None, None),
        Source::File(path) => {
            let file = File::open(path).map_err(|e| InputError::open(&name, e))?;
            let meta = file.metadata().map_err(|e| InputError::open(&name, e))?;
            if meta.is_dir() {
                return Err(InputError::IsDirectory { path: name });
            }
            let mtime = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_secs() as i64);
            let size = meta.is_file().then_some(meta.len());
            let second = file.try_clone().ok();
            (Box::new(file), mtime, size, second)
        }
    };
    let (reader, compressed) = decode(inner, true).map_err(|e| InputError::read(&name, 0, e))?;
    Ok(Opened {
        reader,
        compressed,
        mtime,
        size,
        file,
    })
}

/// Wraps raw input bytes: gzip (by its magic bytes) is inflated, on its own
/// thread when `threaded`; anything else is passed through buffered.
/// Returns the reader and whether it was gzip.
pub fn decode(
    inner: Box<dyn Read + Send>,
    threaded: bool,
) -> io::Result<(Box<dyn Read + Send>, bool)> {
    let mut buffered = BufReader::with_capacity(256 * 1024, inner);
    let compressed = buffered.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    let reader: Box<dyn Read + Send> = match (compressed, threaded) {
        (true, true) => Box::new(super::pipe::ThreadedReader::new(Box::new(Gunzip::new(
            buffered,
        )))),
        (true, false) => Box::new(Gunzip::new(buffered)),
        (false, _) => Box::new(buffered),
    };
    Ok((reader, compressed))
}

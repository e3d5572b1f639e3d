//! Opens an input as a byte stream. gzip is recognised by its magic bytes
//! (`1f 8b`), not its name, and read by [`Gunzip`], which reads every member
//! of a concatenated gzip file and reads on past damage.

use std::fs::File;
use std::io::{self, BufReader, Read};

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
    // A pipe may hand over one byte at a time: read until the two magic
    // bytes are here (or the input ends), then put them back in front.
    let mut inner = inner;
    let mut head = [0u8; 2];
    let mut got = 0;
    while got < head.len() {
        match inner.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let compressed = got == 2 && head == [0x1f, 0x8b];
    let joined = io::Cursor::new(head[..got].to_vec()).chain(inner);
    let buffered = BufReader::with_capacity(256 * 1024, joined);
    let reader: Box<dyn Read + Send> = match (compressed, threaded) {
        (true, true) => Box::new(super::pipe::ThreadedReader::new(Box::new(Gunzip::new(
            buffered,
        )))),
        (true, false) => Box::new(Gunzip::new(buffered)),
        (false, _) => Box::new(buffered),
    };
    Ok((reader, compressed))
}

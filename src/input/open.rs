//! Opens an input as a byte stream. gzip is recognised by its magic bytes
//! (`1f 8b`), not its name, and read by [`Gunzip`], which reads every member
//! of a concatenated gzip file and reads on past damage.

use std::fs::File;
use std::io::{self, BufReader, Read};

use super::Source;
use super::error::{InputError, OtherCompression};
use super::gzip::Gunzip;

/// An opened input.
pub struct Opened {
    pub reader: Box<dyn Read + Send>,
    pub compressed: bool,
    /// Modification time (Unix seconds), for the year of syslog stamps.
    pub mtime: Option<i64>,
    /// Size in bytes of a regular file (stdin too, when a regular file
    /// is redirected to it from its start).
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
        Source::Stdin => match stdin_file() {
            // `report - < FILE`: read like the file, in chunks on every core.
            Some((file, size)) => {
                let second = file.try_clone().ok();
                let counted = crate::progress::Counted(file);
                (Box::new(counted), None, Some(size), second)
            }
            None => (Box::new(io::stdin()), None, None, None),
        },
        Source::Journal(q) => {
            let reader = q
                .open()
                .map_err(|e| InputError::open(&name, io::Error::other(e)))?;
            (Box::new(reader), None, None, None)
        }
        Source::File(path) => {
            let file = open_waiting(path, &name).map_err(|e| InputError::open(&name, e))?;
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
            let counted = crate::progress::Counted(file);
            (Box::new(counted), mtime, size, second)
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

/// Standard input as a file, with its size, when it is a regular file read
/// from its start (`report - < FILE`); `None` for a pipe or a terminal.
/// Its year hint stays "now", as for any stdin.
fn stdin_file() -> Option<(File, u64)> {
    use std::io::Seek;
    use std::os::fd::AsFd;
    let mut file = File::from(io::stdin().as_fd().try_clone_to_owned().ok()?);
    let meta = file.metadata().ok()?;
    (meta.is_file() && file.stream_position().ok()? == 0).then_some((file, meta.len()))
}

/// Opens a file. Opening a named pipe (FIFO) waits for a writer; on a
/// terminal, say so when that takes a moment, so a blocked run is not a
/// mystery.
pub fn open_waiting(path: &std::path::Path, name: &str) -> io::Result<File> {
    use std::io::IsTerminal;
    use std::os::unix::fs::FileTypeExt;
    let fifo = std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo());
    if !fifo || !io::stderr().is_terminal() {
        return File::open(path);
    }
    let (opened, wait) = std::sync::mpsc::channel::<()>();
    let name = crate::text::escape_control(name);
    let notice = std::thread::spawn(move || {
        if wait.recv_timeout(std::time::Duration::from_millis(200))
            == Err(std::sync::mpsc::RecvTimeoutError::Timeout)
        {
            crate::say!(
                "maillog421: {name} is a named pipe (FIFO) with no writer yet; waiting for one"
            );
        }
    });
    let file = File::open(path);
    drop(opened);
    let _ = notice.join();
    file
}

/// Wraps raw input bytes: gzip (by its magic bytes) is inflated, on its own
/// thread when `threaded`; anything else is passed through as it is.
/// Returns the reader and whether it was gzip. Input compressed another way
/// (xz, zstd, bzip2, lz4, as `logrotate`'s `compresscmd` may write) is an
/// [`OtherCompression`] error, not garbage read as text.
pub fn decode(
    inner: Box<dyn Read + Send>,
    threaded: bool,
) -> io::Result<(Box<dyn Read + Send>, bool)> {
    // A pipe may hand over one byte at a time: read until the magic bytes
    // are here (or the input ends), then put them back in front.
    let mut inner = inner;
    let mut head = [0u8; 6];
    let mut got = 0;
    while got < head.len() {
        match inner.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let head = &head[..got];
    if let Some(other) = other_compression(head) {
        return Err(io::Error::new(io::ErrorKind::Unsupported, other));
    }
    let compressed = head.starts_with(&[0x1f, 0x8b]);
    let joined = io::Cursor::new(head.to_vec()).chain(inner);
    let buffered = |r| BufReader::with_capacity(256 * 1024, r);
    let reader: Box<dyn Read + Send> = match (compressed, threaded) {
        (true, true) => Box::new(super::pipe::ThreadedReader::new(Box::new(Gunzip::new(
            buffered(joined),
        )))),
        (true, false) => Box::new(Gunzip::new(buffered(joined))),
        // Plain text goes straight to the line reader, which reads big
        // blocks itself: a buffer here would copy every byte once more.
        (false, _) => Box::new(joined),
    };
    Ok((reader, compressed))
}

fn other_compression(head: &[u8]) -> Option<OtherCompression> {
    let (name, tool) = if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        ("xz", "xz")
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        ("zstd", "zstd")
    } else if head.starts_with(&[0x04, 0x22, 0x4d, 0x18]) {
        ("lz4", "lz4")
    } else if head.len() >= 4 && head.starts_with(b"BZh") && (b'1'..=b'9').contains(&head[3]) {
        ("bzip2", "bzip2")
    } else {
        return None;
    };
    Some(OtherCompression { name, tool })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sniff(data: &'static [u8]) -> io::Result<(Vec<u8>, bool)> {
        let (mut r, gz) = decode(Box::new(data), false)?;
        let mut out = Vec::new();
        r.read_to_end(&mut out)?;
        Ok((out, gz))
    }

    #[test]
    fn plain_text_passes_through_whole() {
        assert_eq!(sniff(b"").unwrap(), (Vec::new(), false));
        assert_eq!(sniff(b"N").unwrap(), (b"N".to_vec(), false));
        assert_eq!(
            sniff(b"Nov 22 10:00:01 mx1 postfix").unwrap(),
            (b"Nov 22 10:00:01 mx1 postfix".to_vec(), false)
        );
        assert!(!sniff(b"BZh not bzip2").unwrap().1);
    }

    #[test]
    fn other_compressions_are_named() {
        for (data, name) in [
            (&b"\xfd7zXZ\x00\x00\x04"[..], "xz"),
            (&b"\x28\xb5\x2f\xfd\x24\x00"[..], "zstd"),
            (&b"BZh91AY&SY"[..], "bzip2"),
            (&b"\x04\x22\x4d\x18\x64\x40"[..], "lz4"),
        ] {
            let e = decode(Box::new(data), false).err().expect(name);
            assert_eq!(e.kind(), io::ErrorKind::Unsupported);
            assert!(
                e.to_string().starts_with(&format!("{name} compressed;")),
                "{e}"
            );
        }
    }
}

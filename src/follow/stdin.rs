//! `follow -` and named pipes: standard input read on its own thread, in
//! blocks of whole lines.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use super::Wake;

/// Blocks of whole lines from standard input waiting to be read at most:
/// a fast writer waits for us instead of filling memory.
pub(super) const STDIN_BLOCKS: usize = 16;

/// Reads standard input (or a named pipe: `None` is stdin) on its own
/// thread, sending each read's whole lines into `blocks` as soon as they
/// are in (the last line even without its newline) and waking the loop. A
/// named pipe is opened on that thread: opening waits for a writer, and
/// says so on a terminal. A line longer than `MAX_LINE` keeps its first
/// `MAX_LINE` bytes; the rest of it is skipped, as for files.
pub(super) fn read_stdin(
    fifo: Option<PathBuf>,
    blocks: mpsc::SyncSender<Vec<u8>>,
    tx: mpsc::Sender<Wake>,
) {
    use std::io::Read;
    std::thread::spawn(move || {
        let mut stdin: Box<dyn Read> = match fifo {
            None => Box::new(io::stdin().lock()),
            Some(p) => {
                let name = p.display().to_string();
                match crate::input::open::open_waiting(&p, &name) {
                    Ok(f) => Box::new(f),
                    Err(e) => {
                        let _ = tx.send(Wake::StdinEnd(Some(e)));
                        return;
                    }
                }
            }
        };
        let send = |block: Vec<u8>| blocks.send(block).is_ok() && tx.send(Wake::Files).is_ok();
        let mut buf = vec![0u8; 64 * 1024];
        let mut carry: Vec<u8> = Vec::new();
        let mut skipping = false;
        let end = loop {
            match stdin.read(&mut buf) {
                Ok(0) => break None,
                Ok(n) => {
                    let mut data = &buf[..n];
                    if skipping {
                        // The rest of a line cut at MAX_LINE.
                        match memchr::memchr(b'\n', data) {
                            Some(nl) => (data, skipping) = (&data[nl + 1..], false),
                            None => continue,
                        }
                    }
                    carry.extend_from_slice(data);
                    if let Some(nl) = memchr::memrchr(b'\n', &carry) {
                        let rest = carry.split_off(nl + 1);
                        let whole = std::mem::replace(&mut carry, rest);
                        if !send(whole) {
                            return;
                        }
                    }
                    if carry.len() > crate::input::lines::MAX_LINE {
                        carry.truncate(crate::input::lines::MAX_LINE);
                        carry.push(b'\n');
                        skipping = true;
                        if !send(std::mem::take(&mut carry)) {
                            return;
                        }
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => break Some(e),
            }
        };
        if !carry.is_empty() {
            carry.push(b'\n');
            send(carry);
        }
        let _ = tx.send(Wake::StdinEnd(end));
    });
}

pub(super) fn is_fifo(p: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(p).is_ok_and(|m| m.file_type().is_fifo())
}

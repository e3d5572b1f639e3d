//! `follow --journal`: `journalctl --follow -o export` over the mail
//! entries, read on a thread that rebuilds each entry into a syslog line
//! (see [`crate::input::journal`]) and wakes the follow loop. journalctl
//! itself follows the journal across rotation and vacuuming; when it ends
//! anyway, [`JournalTail::poll`] says why and `follow` stops with exit 2.

use std::sync::mpsc::{Receiver, TryRecvError, sync_channel};

use crate::input::journal::{Entry, FollowFrom, JournalError, JournalQuery, Killer};

/// Batches in flight between the reading thread and the loop.
const DEPTH: usize = 64;

enum Msg {
    /// Whole lines, each with its newline.
    Lines(Vec<u8>),
    /// journalctl ended: what to tell.
    Ended(String),
}

/// New mail entries of the journal, as lines.
pub struct JournalTail {
    rx: Receiver<Msg>,
    line_no: u64,
    _killer: Killer,
}

impl JournalTail {
    /// Starts journalctl; `wake` is called whenever new lines are ready.
    pub fn start(
        query: &JournalQuery,
        from: FollowFrom,
        wake: impl Fn() + Send + 'static,
    ) -> Result<JournalTail, JournalError> {
        let mut child = query.follow(from)?;
        let killer = child.killer();
        let name = query.display();
        let (tx, rx) = sync_channel(DEPTH);
        std::thread::spawn(move || {
            let mut entry = Entry::default();
            let mut batch = Vec::new();
            loop {
                match child.next_entry(&mut entry) {
                    Ok(true) => {
                        entry.write_line(&mut batch);
                        if child.has_buffered() && batch.len() < 256 * 1024 {
                            continue;
                        }
                        if tx.send(Msg::Lines(std::mem::take(&mut batch))).is_err() {
                            return;
                        }
                        wake();
                    }
                    Ok(false) => break,
                    Err(e) => {
                        let _ = tx.send(Msg::Ended(format!("reading journalctl failed: {e}")));
                        wake();
                        return;
                    }
                }
            }
            if !batch.is_empty() {
                let _ = tx.send(Msg::Lines(batch));
            }
            let why = match child.finish(&name) {
                Ok(said) if said.is_empty() => format!("journalctl following the {name} ended"),
                Ok(said) => format!("journalctl following the {name} ended: {said}"),
                Err(e) => e.to_string(),
            };
            let _ = tx.send(Msg::Ended(why));
            wake();
        });
        Ok(JournalTail {
            rx,
            line_no: 0,
            _killer: killer,
        })
    }

    /// Hands out the lines that arrived (without their newlines, numbered
    /// from 1); `Some(why)` once journalctl has ended.
    pub fn poll(&mut self, out: &mut dyn FnMut(&[u8], u64)) -> Option<String> {
        loop {
            match self.rx.try_recv() {
                Ok(Msg::Lines(text)) => {
                    for l in text.split(|b| *b == b'\n') {
                        if !l.is_empty() {
                            self.line_no += 1;
                            out(l, self.line_no);
                        }
                    }
                }
                Ok(Msg::Ended(why)) => return Some(why),
                Err(TryRecvError::Empty) => return None,
                Err(TryRecvError::Disconnected) => {
                    return Some("journalctl's reader stopped".to_string());
                }
            }
        }
    }
}

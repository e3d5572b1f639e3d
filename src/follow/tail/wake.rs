//! Which followed files a wake-up concerns. With file notifications, the
//! files they name (a write to `maillog` names `maillog`; a late write to
//! the renamed `maillog.1`, or a copy `maillog-20261123.gz`, names a
//! rotation of `maillog`), the ones still reading rotated files, and every
//! file each [`FULL_CHECK`] as a safety net for what notifications miss.
//! Without notifications (`--poll`), every file each time: 5,000 files
//! followed cost a check of each on every write to one of them.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::{Tail, is_rotation_separator};

/// Every followed file is checked at least this often, named by a
/// notification or not.
pub const FULL_CHECK: Duration = Duration::from_secs(5);

struct Pending {
    /// The followed files (their positions) by file name.
    by_name: HashMap<Vec<u8>, Vec<usize>>,
    /// The files notified since the last wake-up, by position.
    named: Vec<bool>,
    /// A notification named no file (a queue overflow, an error): check all.
    all: bool,
    /// The last time every file was checked.
    last_full: Option<Instant>,
}

/// The files notified since the last wake-up, shared with the watcher's
/// callback (which does the matching, off the loop's thread).
#[derive(Clone)]
pub struct Changes(Arc<Mutex<Pending>>);

/// What one wake-up checks.
pub enum Due {
    All,
    /// The files marked, by position (and those with rotated files still
    /// read).
    Named(Vec<bool>),
}

/// Where `path` leads when it is a symbolic link (resolved in full), else
/// `None`.
pub fn link_target(path: &std::path::Path) -> Option<PathBuf> {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    is_link.then(|| std::fs::canonicalize(path).ok()).flatten()
}

impl Changes {
    /// For the files followed at these paths, in this order.
    pub fn new(paths: &[PathBuf]) -> Changes {
        let mut by_name: HashMap<Vec<u8>, Vec<usize>> = HashMap::new();
        for (i, p) in paths.iter().enumerate() {
            // A symbolic link is named by its own name and its target's.
            let target = link_target(p);
            for n in [Some(p.as_path()), target.as_deref()]
                .into_iter()
                .flatten()
                .filter_map(|p| p.file_name())
            {
                let at = by_name.entry(n.as_encoded_bytes().to_vec()).or_default();
                if !at.contains(&i) {
                    at.push(i);
                }
            }
        }
        Changes(Arc::new(Mutex::new(Pending {
            by_name,
            named: vec![false; paths.len()],
            all: false,
            last_full: None,
        })))
    }

    /// Records one notification (on the watcher's thread): marks the files
    /// of the names it carries, and those they are rotations of.
    pub fn record(&self, event: &notify::Result<notify::Event>) {
        let mut p = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let p = &mut *p;
        let paths = match event {
            Ok(e) if !e.need_rescan() && !e.paths.is_empty() => &e.paths,
            _ => {
                p.all = true;
                return;
            }
        };
        for path in paths {
            let Some(name) = path.file_name() else {
                p.all = true;
                continue;
            };
            let name = name.as_encoded_bytes();
            // `maillog.1.gz` concerns `maillog.1` and `maillog` too.
            let stems = (1..name.len()).filter(|&i| is_rotation_separator(name[i]));
            for end in stems.chain([name.len()]) {
                for &i in p.by_name.get(&name[..end]).into_iter().flatten() {
                    p.named[i] = true;
                }
            }
        }
    }

    /// What to check now (and forgets it): everything when `every_file`
    /// (polling), on the first call, after a notification that named no
    /// file, or when the last full check is `FULL_CHECK` (5 s) old.
    pub fn take(&self, every_file: bool) -> Due {
        let mut p = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let fresh = vec![false; p.named.len()];
        let named = std::mem::replace(&mut p.named, fresh);
        let due = p.last_full.is_none_or(|t| t.elapsed() >= FULL_CHECK);
        if every_file || std::mem::take(&mut p.all) || due {
            p.last_full = Some(Instant::now());
            return Due::All;
        }
        Due::Named(named)
    }
}

impl Due {
    /// True when this wake-up checks `t`, the file at position `i`: named,
    /// still reading a rotated file, or with more than its last poll took.
    pub fn wants(&self, i: usize, t: &Tail) -> bool {
        match self {
            Due::All => true,
            Due::Named(named) => {
                t.has_rotated() || t.has_more() || named.get(i).copied().unwrap_or(true)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn event(paths: &[&str]) -> notify::Result<notify::Event> {
        let mut e = notify::Event::new(notify::EventKind::Any);
        e.paths = paths.iter().map(PathBuf::from).collect();
        Ok(e)
    }

    fn tail(p: &Path) -> Tail {
        Tail::new(p, super::super::Start::End).0
    }

    #[test]
    fn a_notification_names_the_file_and_the_files_it_is_a_rotation_of() {
        let d = tempfile::tempdir().unwrap();
        let paths = ["maillog", "mainlog", "maillog.1", "maillog10"].map(|n| d.path().join(n));
        let tails: Vec<Tail> = paths.iter().map(|p| tail(p)).collect();
        let changes = Changes::new(&paths);
        let wanted = |due: &Due| -> Vec<bool> {
            tails
                .iter()
                .enumerate()
                .map(|(i, t)| due.wants(i, t))
                .collect()
        };
        // The first wake-up checks every file.
        assert!(matches!(changes.take(false), Due::All));
        changes.record(&event(&["/var/log/maillog.1.gz"]));
        assert_eq!(wanted(&changes.take(false)), [true, false, true, false]);
        // Forgotten once taken.
        assert_eq!(wanted(&changes.take(false)), [false; 4]);
        changes.record(&event(&["/var/log/maillog10", "/var/log/other"]));
        assert_eq!(wanted(&changes.take(false)), [false, false, false, true]);
        // Polling, or a notification that names nothing: every file.
        assert!(matches!(changes.take(true), Due::All));
        changes.record(&Err(notify::Error::generic("queue overflow")));
        assert!(matches!(changes.take(false), Due::All));
        changes.record(&event(&[]));
        assert!(matches!(changes.take(false), Due::All));
    }

    #[test]
    fn a_symbolic_link_is_named_by_its_targets_name_too() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("real")).unwrap();
        let target = d.path().join("real/mail.log-current");
        std::fs::write(&target, b"").unwrap();
        let link = d.path().join("mail.log");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let tails = [tail(&link)];
        let changes = Changes::new(std::slice::from_ref(&link));
        assert!(matches!(changes.take(false), Due::All));
        changes.record(&event(&[target.to_str().unwrap()]));
        let due = changes.take(false);
        assert!(due.wants(0, &tails[0]));
        changes.record(&event(&["/elsewhere/other.log"]));
        assert!(!changes.take(false).wants(0, &tails[0]));
    }
}

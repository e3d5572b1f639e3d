//! Which files to read: the paths given, the default log when none is, and
//! with `--rotated` each path's rotated siblings, oldest first:
//! `NAME.N[.gz]` (highest N first), `NAME-YYYYMMDD[.gz]` (oldest first;
//! other compressions are listed too, to be reported as unread),
//! then `NAME`.

use std::path::{Path, PathBuf};

/// One input: a file, standard input (`-`), or the systemd journal's mail
/// entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Stdin,
    File(PathBuf),
    Journal(super::journal::JournalQuery),
}

impl Source {
    pub fn from_arg(arg: &Path) -> Source {
        if arg == Path::new("-") {
            Source::Stdin
        } else {
            Source::File(arg.to_path_buf())
        }
    }

    pub fn display(&self) -> String {
        match self {
            Source::Stdin => "<stdin>".to_string(),
            Source::File(p) => p.display().to_string(),
            Source::Journal(q) => q.display(),
        }
    }
}

/// Where mail logs live on Debian, RHEL/cPanel and other systems, in the
/// order `report` tries them when no path is given.
pub const DEFAULT_PATHS: [&str; 4] = [
    "/var/log/exim4/mainlog",
    "/var/log/exim_mainlog",
    "/var/log/maillog",
    "/var/log/mail.log",
];

/// The default paths: [`DEFAULT_PATHS`], or for tests the `:`-separated
/// list in the (undocumented) `MAILLOG421_DEFAULT_PATHS`.
pub fn default_paths() -> Vec<PathBuf> {
    match std::env::var_os("MAILLOG421_DEFAULT_PATHS") {
        Some(list) => std::env::split_paths(&list).collect(),
        None => DEFAULT_PATHS.iter().map(PathBuf::from).collect(),
    }
}

/// The first default path that exists.
pub fn default_path() -> Option<PathBuf> {
    default_paths().into_iter().find(|p| p.exists())
}

/// The journal read when no path is given and no default file exists: the
/// system's, or for tests the directory in the (undocumented)
/// `MAILLOG421_DEFAULT_JOURNAL_DIR`.
pub fn default_journal() -> super::journal::JournalQuery {
    super::journal::JournalQuery {
        dir: std::env::var_os("MAILLOG421_DEFAULT_JOURNAL_DIR").map(PathBuf::from),
        ..Default::default()
    }
}

/// What to read when no path is given: the first default file that exists,
/// else the journal when it holds mail entries (said on stderr either way).
/// The error lists everything tried.
pub fn default_source(since: Option<i64>, until: Option<i64>) -> Result<Source, String> {
    if let Some(p) = default_path() {
        crate::error::say_once(format!("maillog421: reading {}", p.display()));
        return Ok(Source::File(p));
    }
    let tried: Vec<String> = default_paths()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let mut q = default_journal();
    q.since = since;
    q.until = until;
    match q.probe() {
        Ok(()) => {
            crate::say!(
                "maillog421: none of {} exists; reading the mail entries of the systemd {}",
                tried.join(", "),
                q.display()
            );
            Ok(Source::Journal(q))
        }
        Err(e) => Err(format!(
            "no log file given, none of {} exists, and the systemd journal gave nothing: {e}; \
             name a log file, - for stdin, or --journal-file/--journal-dir",
            tried.join(", ")
        )),
    }
}

/// The names of mail logs in a directory given as input (each read with its
/// rotations, as `--rotated` reads them). `mail.info`, `mail.warn` and
/// `mail.err` hold copies of `mail.log`'s lines and are left out.
pub const MAIL_LOG_NAMES: [&str; 4] = ["mainlog", "exim_mainlog", "maillog", "mail.log"];

/// The mail logs in `dir`: each name of [`MAIL_LOG_NAMES`] present (as a
/// live file or only rotated), preceded by its rotations, oldest first.
pub fn mail_logs_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| !t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    let mut listings = Listings::default();
    let mut out = Vec::new();
    for base in MAIL_LOG_NAMES {
        if !names.iter().any(|n| n == base || rank(base, n).is_some()) {
            continue;
        }
        let live = dir.join(base);
        let mut all = listings.with_rotated(&live);
        if !live.exists() {
            all.pop();
        }
        out.extend(all);
    }
    out
}

/// How a sibling sorts: numbered ones by descending N, then dated ones by
/// ascending date, then the live file.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    Numbered(std::cmp::Reverse<u64>),
    Dated(u64),
}

fn rank(name: &str, sibling: &str) -> Option<Rank> {
    let rest = sibling.strip_prefix(name)?;
    // Compressed siblings other than gzip are listed too, so reading them
    // says what to do instead of leaving them out without a word.
    let rest = [".gz", ".xz", ".zst", ".bz2", ".lz4"]
        .iter()
        .find_map(|ext| rest.strip_suffix(ext))
        .unwrap_or(rest);
    if let Some(n) = rest.strip_prefix('.')
        && !n.is_empty()
        && n.bytes().all(|b| b.is_ascii_digit())
    {
        return n.parse().ok().map(|n| Rank::Numbered(std::cmp::Reverse(n)));
    }
    if let Some(d) = rest.strip_prefix('-')
        && (8..=10).contains(&d.len())
        && d.bytes().all(|b| b.is_ascii_digit())
    {
        return d.parse().ok().map(Rank::Dated);
    }
    None
}

/// `path` preceded by its rotated siblings, oldest first. A path whose
/// directory cannot be listed comes back alone (opening it reports the error).
#[cfg(test)]
pub fn with_rotated(path: &Path) -> Vec<PathBuf> {
    Listings::default().with_rotated(path)
}

/// The directory `path` is in (`.` for a bare name), or `None` for a path
/// with no file name.
fn dir_of(path: &Path) -> Option<PathBuf> {
    path.file_name().and_then(|n| n.to_str())?;
    Some(match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    })
}

/// The names in each directory listed so far, so that naming many files of
/// one directory with `--rotated` lists it once instead of once per file
/// (5,000 rotations named: 25 million entries read otherwise).
#[derive(Default)]
pub struct Listings {
    dirs: std::collections::HashMap<PathBuf, Vec<String>>,
}

impl Listings {
    /// The names in `dir` (empty when it cannot be listed).
    fn names(&mut self, dir: &Path) -> &[String] {
        self.dirs.entry(dir.to_path_buf()).or_insert_with(|| {
            std::fs::read_dir(dir)
                .map(|entries| {
                    entries
                        .filter_map(Result::ok)
                        .filter_map(|e| e.file_name().into_string().ok())
                        .collect()
                })
                .unwrap_or_default()
        })
    }

    /// [`with_rotated`], listing each directory once.
    pub fn with_rotated(&mut self, path: &Path) -> Vec<PathBuf> {
        let (Some(name), Some(dir)) = (path.file_name().and_then(|n| n.to_str()), dir_of(path))
        else {
            return vec![path.to_path_buf()];
        };
        let mut found: Vec<(Rank, PathBuf)> = self
            .names(&dir)
            .iter()
            .filter_map(|sibling| Some((rank(name, sibling)?, path.with_file_name(sibling))))
            .collect();
        found.sort();
        let mut out: Vec<PathBuf> = found.into_iter().map(|(_, p)| p).collect();
        out.push(path.to_path_buf());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_17_mail_logs_in_a_directory() {
        let dir = tempfile::tempdir().unwrap();
        for n in [
            "mail.log",
            "mail.log.1",
            "mail.log.2.gz",
            "mail.info",
            "mail.err",
            "syslog",
            "maillog-20261120.gz",
        ] {
            std::fs::write(dir.path().join(n), "").unwrap();
        }
        std::fs::create_dir(dir.path().join("mainlog")).unwrap();
        let got: Vec<String> = mail_logs_in(dir.path())
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            got,
            [
                "maillog-20261120.gz",
                "mail.log.2.gz",
                "mail.log.1",
                "mail.log"
            ]
        );
    }

    #[test]
    fn rotation_order() {
        let dir = tempfile::tempdir().unwrap();
        for n in [
            "maillog",
            "maillog.1",
            "maillog.2.gz",
            "maillog.10.gz",
            "maillog-20261121.gz",
            "maillog-20261120",
            "maillog-20261119.xz",
            "maillog.bak",
            "other.1",
        ] {
            std::fs::write(dir.path().join(n), "").unwrap();
        }
        let got: Vec<String> = with_rotated(&dir.path().join("maillog"))
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            got,
            [
                "maillog.10.gz",
                "maillog.2.gz",
                "maillog.1",
                "maillog-20261119.xz",
                "maillog-20261120",
                "maillog-20261121.gz",
                "maillog"
            ]
        );
    }
}

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
        eprintln!("maillog421: reading {}", p.display());
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
            eprintln!(
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
pub fn with_rotated(path: &Path) -> Vec<PathBuf> {
    let (Some(name), dir) = (path.file_name().and_then(|n| n.to_str()), path.parent()) else {
        return vec![path.to_path_buf()];
    };
    let dir = match dir {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut found: Vec<(Rank, PathBuf)> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let sibling = e.file_name().into_string().ok()?;
                Some((rank(name, &sibling)?, path.with_file_name(sibling)))
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    found.sort();
    let mut out: Vec<PathBuf> = found.into_iter().map(|(_, p)| p).collect();
    out.push(path.to_path_buf());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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

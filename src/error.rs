//! Input failures. Each names the input and, when known, how far reading got.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

static STDERR_FAILED: AtomicBool = AtomicBool::new(false);

/// Writes one line to stderr. A failed write (a closed pipe, a full disk)
/// is remembered for the exit status instead of panicking as `eprintln!`
/// does; see [`stderr_failed`].
pub fn say(args: std::fmt::Arguments<'_>) {
    let mut err = io::stderr().lock();
    if writeln!(err, "{args}").and_then(|()| err.flush()).is_err() {
        STDERR_FAILED.store(true, Ordering::Relaxed);
    }
}

/// [`say`] a line only the first time this process would say it: notes
/// about what is read, which `summary` (the day, then the week before) and
/// `follow --queue-every` (every cycle) would otherwise repeat.
pub fn say_once(line: String) {
    static SAID: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let mut said = SAID
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if said.contains(&line) {
        return;
    }
    say(format_args!("{line}"));
    said.push(line);
}

/// True once a line could not be written to stderr.
pub fn stderr_failed() -> bool {
    STDERR_FAILED.load(Ordering::Relaxed)
}

/// `eprintln!` that never panics: see [`say`].
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::error::say(format_args!($($arg)*))
    };
}

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{path}: cannot open: {source}")]
    Open { path: String, source: io::Error },
    #[error(
        "{path}: is a directory with no mail log in it (looked for {names} and their rotations)",
        names = crate::input::discover::MAIL_LOG_NAMES.join(", ")
    )]
    IsDirectory { path: String },
    #[error("{path}: {damage}")]
    Damaged {
        path: String,
        damage: crate::input::gzip::Damaged,
    },
    #[error("{path}: {what}")]
    Unsupported {
        path: String,
        what: crate::input::open::OtherCompression,
    },
    #[error(
        "{path}: its lines carry no time and no host (journalctl -o cat?); \
         pipe an output that has them: journalctl -o {outputs}",
        outputs = crate::input::layout::JOURNALCTL_OUTPUTS
    )]
    NoTime { path: String },
    #[error("{path}: read failed after line {line}: {source}")]
    Read {
        path: String,
        line: u64,
        source: io::Error,
    },
}

impl InputError {
    pub fn open(path: &str, source: io::Error) -> InputError {
        InputError::Open {
            path: path.to_string(),
            source,
        }
    }

    pub fn read(path: &str, line: u64, source: io::Error) -> InputError {
        if let Some(damage) = source
            .get_ref()
            .and_then(|e| e.downcast_ref::<crate::input::gzip::Damaged>())
        {
            return InputError::Damaged {
                path: path.to_string(),
                damage: damage.clone(),
            };
        }
        if let Some(other) = source
            .get_ref()
            .and_then(|e| e.downcast_ref::<crate::input::open::OtherCompression>())
        {
            return InputError::Unsupported {
                path: path.to_string(),
                what: *other,
            };
        }
        InputError::Read {
            path: path.to_string(),
            line,
            source,
        }
    }
}

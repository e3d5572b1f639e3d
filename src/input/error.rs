//! Input failures. Each names the input and, when known, how far reading got.

use std::io;

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{path}: cannot open: {source}")]
    Open { path: String, source: io::Error },
    #[error(
        "{path}: is a directory with no mail log in it (looked for {names} and their rotations)",
        names = super::discover::MAIL_LOG_NAMES.join(", ")
    )]
    IsDirectory { path: String },
    #[error("{path}: {damage}")]
    Damaged {
        path: String,
        damage: super::gzip::Damaged,
    },
    #[error("{path}: {what}")]
    Unsupported {
        path: String,
        what: OtherCompression,
    },
    #[error(
        "{path}: its lines carry no time and no host (journalctl -o cat?); \
         pipe an output that has them: journalctl -o {outputs}",
        outputs = super::layout::JOURNALCTL_OUTPUTS
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
            .and_then(|e| e.downcast_ref::<super::gzip::Damaged>())
        {
            return InputError::Damaged {
                path: path.to_string(),
                damage: damage.clone(),
            };
        }
        if let Some(other) = source
            .get_ref()
            .and_then(|e| e.downcast_ref::<OtherCompression>())
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

/// A compression maillog421 recognises but does not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OtherCompression {
    pub name: &'static str,
    pub tool: &'static str,
}

impl std::fmt::Display for OtherCompression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} compressed; maillog421 reads gzip and plain text only: \
             decompress it first ({} -dc FILE | maillog421 report -)",
            self.name, self.tool
        )
    }
}

impl std::error::Error for OtherCompression {}

//! The exit status, as a type (README "Exit status and errors"); `main`
//! turns it into the process's status.

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// 0: everything read (warnings about odd input included: nothing was
    /// lost).
    Ok,
    /// 1: the threshold of `summary --fail-above` or `queue --fail-above`
    /// was crossed.
    Threshold,
    /// 2: input was lost, an argument is wrong, the queue cannot be read,
    /// or `summary`'s inputs cannot speak for the day; what could be read
    /// is still reported.
    Errors,
}

impl ExitCode {
    /// The process's exit status.
    pub fn status(self) -> i32 {
        match self {
            ExitCode::Ok => 0,
            ExitCode::Threshold => 1,
            ExitCode::Errors => 2,
        }
    }

    /// `Errors` when `failed`, else `Ok`.
    pub fn errors_if(failed: bool) -> ExitCode {
        if failed {
            ExitCode::Errors
        } else {
            ExitCode::Ok
        }
    }
}

//! Saying things on stderr without ever panicking: [`say`] (and the
//! [`say!`](crate::say) macro), [`say_once`], and whether a write to stderr
//! failed, for the exit status. A leaf: the failures of reading an input
//! are [`crate::input::error::InputError`].

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
#[doc(hidden)]
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::error::say(format_args!($($arg)*))
    };
}

//! A progress bar on stderr for long runs: bytes read of all inputs, the
//! throughput and the files done. Only when stderr is a terminal and the
//! inputs are big enough to wait for (16 MiB on disk); never in pipes,
//! cron or tests, where stderr is not a terminal.

use std::io::IsTerminal;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Inputs smaller than this in all finish too fast for a bar.
const MIN_TOTAL: u64 = 16 << 20;

static BAR: Mutex<Option<(ProgressBar, usize)>> = Mutex::new(None);

fn bar() -> Option<ProgressBar> {
    BAR.lock().ok()?.as_ref().map(|(b, _)| b.clone())
}

/// Starts the bar for `files` inputs of `total` bytes on disk, when stderr
/// is a terminal and the run is long enough to need one.
pub fn start(total: u64, files: usize) {
    if total < MIN_TOTAL || !std::io::stderr().is_terminal() {
        return;
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr_with_hz(8));
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:30} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} {msg} {eta}",
        )
        .expect("a valid template"),
    );
    bar.set_message(format!("0/{files} files"));
    if let Ok(mut slot) = BAR.lock() {
        *slot = Some((bar, files));
    }
}

/// `n` more bytes of an input were read from disk.
pub fn read(n: usize) {
    if let Some(b) = bar() {
        b.inc(n as u64);
    }
}

/// One more input is done.
pub fn file_done() {
    if let Ok(slot) = BAR.lock()
        && let Some((b, files)) = slot.as_ref()
    {
        let done = b
            .message()
            .split('/')
            .next()
            .and_then(|d| d.parse::<usize>().ok());
        b.set_message(format!("{}/{files} files", done.unwrap_or(0) + 1));
    }
}

/// Clears the bar before the report is written.
pub fn finish() {
    if let Ok(mut slot) = BAR.lock()
        && let Some((b, _)) = slot.take()
    {
        b.finish_and_clear();
    }
}

/// A reader that reports what it reads to the bar.
pub struct Counted<R>(pub R);

impl<R: std::io::Read> std::io::Read for Counted<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.read(out)?;
        read(n);
        Ok(n)
    }
}

//! `--window auto`: re-bucketing an aggregate to a coarser grain (see window.rs).

use super::{Aggregate, DomainWindow, add_arr};

impl Aggregate {
    /// With `--window auto`, moves to a coarser grain once the period has
    /// outgrown this one. One subtraction and compare per stamped line.
    #[inline]
    pub(super) fn fit_window(&mut self) {
        if let (true, Some(a), Some(b)) = (self.auto, self.first, self.last)
            && crate::window::outgrown(b - a, self.window)
        {
            self.coarsen(crate::window::auto_window(b - a));
        }
    }

    /// Before merging `o`: brings `self` to `o`'s grain when that is
    /// coarser, or returns `o` re-bucketed to `self`'s when it is finer.
    pub(super) fn same_grain(&mut self, o: &Aggregate) -> Option<Aggregate> {
        if o.window > self.window {
            self.coarsen(o.window);
        }
        (o.window < self.window).then(|| {
            let mut c = o.clone();
            c.coarsen(self.window);
            c
        })
    }

    /// Re-buckets every window to windows of `window` seconds, a whole
    /// multiple of the current length on the same alignment.
    pub fn coarsen(&mut self, window: i64) {
        if window <= self.window {
            return;
        }
        self.window = window;
        let old = std::mem::take(&mut self.windows);
        for (start, v) in old {
            let w = self.windows.entry(self.window_of(start)).or_default();
            w.attempts += v.attempts;
            w.retry_skipped += v.retry_skipped;
            w.received += v.received;
            add_arr(&mut w.by_kind, &v.by_kind);
            add_arr(&mut w.causes, &v.causes);
        }
        let (win, align) = (self.window, self.align);
        for d in &mut self.domain_stats {
            let mut out: Vec<DomainWindow> = Vec::with_capacity(d.windows.len());
            for w in &d.windows {
                let start = (w.start + align).div_euclid(win) * win - align;
                match out.last_mut() {
                    Some(last) if last.start == start => {
                        last.attempts += w.attempts;
                        last.deferrals_421 += w.deferrals_421;
                    }
                    _ => out.push(DomainWindow { start, ..*w }),
                }
            }
            d.windows = out;
        }
    }
}

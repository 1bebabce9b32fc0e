//! A progress bar on stderr for long evaluations: it appears only after a second of work, only
//! when stderr is a terminal, and never with `--quiet`, so piped output stays clean.

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// Work that may be worth a progress bar.
#[derive(Debug)]
pub struct Progress {
    label: &'static str,
    enabled: bool,
    start: Instant,
    bar: OnceLock<ProgressBar>,
}

impl Progress {
    /// Work called `label`, with no bar at all when `quiet`.
    pub fn new(label: &'static str, quiet: bool) -> Self {
        Self {
            label,
            enabled: !quiet && std::io::stderr().is_terminal(),
            start: Instant::now(),
            bar: OnceLock::new(),
        }
    }

    /// Records that `done` units of `total` are finished.
    pub fn update(&self, done: usize, total: usize) {
        if !self.enabled {
            return;
        }
        let bar = match self.bar.get() {
            Some(bar) => bar,
            None if self.start.elapsed() >= Duration::from_secs(1) => self.bar.get_or_init(|| {
                // Counted from the start of the work, not from when the bar appears.
                let bar = ProgressBar::new(total as u64).with_elapsed(self.start.elapsed());
                let style = ProgressStyle::with_template(
                    "{msg} [{elapsed_precise}] {wide_bar} {pos}/{len} (eta {eta})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar());
                bar.set_style(style);
                bar.set_message(self.label);
                bar
            }),
            None => return,
        };
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.get() {
            bar.finish_and_clear();
        }
    }
}

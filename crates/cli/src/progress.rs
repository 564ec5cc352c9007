use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// A byte-count progress bar on standard error, or nothing at all when
/// standard error is not a terminal (piped, redirected, CI) or the input is
/// too small to be worth one.
pub struct Progress {
    bar: Option<ProgressBar>,
    done: u64,
}

/// Inputs below this finish before a bar would be seen.
const MIN_BYTES: u64 = 64 << 20;

impl Progress {
    pub fn new(total_bytes: u64, enabled: bool) -> Self {
        let bar =
            (enabled && total_bytes >= MIN_BYTES && std::io::stderr().is_terminal()).then(|| {
                let bar = ProgressBar::new(total_bytes);
                bar.set_style(
                    ProgressStyle::with_template(
                        "{spinner} {bytes}/{total_bytes} [{wide_bar}] {bytes_per_sec}, {eta} left",
                    )
                    .expect("static template")
                    .progress_chars("=> "),
                );
                bar
            });
        Progress { bar, done: 0 }
    }

    /// Moves to `offset` bytes into the current file, at most `size`.
    pub fn update(&self, offset: u64, size: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(self.done + offset.min(size));
        }
    }

    /// Marks the current file, of `size` bytes, done.
    pub fn file_done(&mut self, size: u64) {
        self.done += size;
        self.update(0, 0);
    }

    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

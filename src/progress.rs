//! Progress of a long scan: a bar redrawn in place for a person at a terminal, a plain log
//! line every few seconds for a log file or journal.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tracing::info;

const BAR_EVERY: Duration = Duration::from_millis(100);
const LOG_EVERY: Duration = Duration::from_secs(5);
const BAR_WIDTH: usize = 30;

pub struct ScanProgress {
    terminal: bool,
    started: Instant,
    last_shown: Mutex<Option<Instant>>,
}

impl Default for ScanProgress {
    fn default() -> Self {
        ScanProgress::new()
    }
}

impl ScanProgress {
    pub fn new() -> ScanProgress {
        ScanProgress {
            terminal: std::io::stderr().is_terminal(),
            started: Instant::now(),
            last_shown: Mutex::new(None),
        }
    }

    /// `done` of `total` files read; safe to call from every scanning thread.
    pub fn update(&self, done: usize, total: usize) {
        let Ok(mut last_shown) = self.last_shown.lock() else {
            return;
        };
        let now = Instant::now();
        let finished = done >= total;
        let every = if self.terminal { BAR_EVERY } else { LOG_EVERY };
        let due = last_shown.map_or(now - self.started >= every, |t| now - t >= every);
        if !(due || (finished && self.terminal && last_shown.is_some())) {
            return;
        }
        *last_shown = Some(now);
        if self.terminal {
            let filled = (done * BAR_WIDTH).checked_div(total).unwrap_or(BAR_WIDTH);
            let mut err = std::io::stderr().lock();
            let _ = write!(
                err,
                "\rscanning [{}{}] {done}/{total} seeds",
                "=".repeat(filled),
                " ".repeat(BAR_WIDTH - filled.min(BAR_WIDTH))
            );
            if finished {
                let _ = writeln!(err);
            }
        } else if !finished {
            info!(done, total, "scanning the seeds folder");
        }
    }
}

//! The compressor thread: fills in the gzip and brotli codings of the newest published state,
//! then of the long-tail documents the tail has queued (cached ones asked for again), most
//! recently used first. Runs on one core at the lowest priority: identity bytes are already
//! served, and the next change must not wait for this.
//!
//! It holds no queue of its own: a published state waits in a single slot (a newer one
//! replaces it), and the tail's documents wait in the tail, which it looks at every
//! [`TAIL_EVERY`] — so one the tail drops is never compressed and nothing here grows with the
//! traffic.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use tracing::debug;

use crate::snapshot::{Published, Snapshot};
use crate::tail::Tail;

/// How often the tail is looked at for documents to compress: a document asked for a second
/// time is served compressed from about this long after.
const TAIL_EVERY: Duration = Duration::from_millis(250);

#[derive(Default)]
struct Work {
    /// The newest state published uncompressed.
    newest: Option<Arc<Snapshot>>,
    stopping: bool,
}

/// Tells the compressor thread what to do; clones share one thread.
#[derive(Clone)]
pub struct Compressor {
    shared: Arc<(Mutex<Work>, Condvar)>,
}

impl Compressor {
    /// Starts the thread, which swaps compressed states into `published` and compressed
    /// documents into `tail`.
    pub fn start(
        published: Published,
        tail: Arc<Tail>,
    ) -> std::io::Result<(Compressor, JoinHandle<()>)> {
        let compressor = Compressor {
            shared: Arc::default(),
        };
        let thread = {
            let compressor = compressor.clone();
            thread::Builder::new()
                .name("seedfeed-compress".into())
                .spawn(move || compressor.run(&published, &tail))?
        };
        Ok((compressor, thread))
    }

    fn lock(&self) -> MutexGuard<'_, Work> {
        self.shared.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn notify(&self, change: impl FnOnce(&mut Work)) {
        change(&mut self.lock());
        self.shared.1.notify_one();
    }

    /// `snapshot` was published uncompressed: compress it (unless a newer one comes first).
    pub fn snapshot(&self, snapshot: Arc<Snapshot>) {
        self.notify(|work| work.newest = Some(snapshot));
    }

    /// Ends the thread after the document it is compressing.
    pub fn stop(&self) {
        self.notify(|work| work.stopping = true);
    }

    fn run(&self, published: &Published, tail: &Tail) {
        lower_priority_of_this_thread(19);
        loop {
            let newest = {
                let mut work = self.lock();
                if work.newest.is_none() && !work.stopping {
                    work = match self.shared.1.wait_timeout(work, TAIL_EVERY) {
                        Ok((work, _)) => work,
                        Err(poisoned) => poisoned.into_inner().0,
                    };
                }
                if work.stopping {
                    return;
                }
                work.newest.take()
            };
            if let Some(newest) = newest {
                compress_snapshot(published, newest);
            }
            // One document at a time, and a newly published state first.
            while self.lock().newest.is_none() {
                let Some((key, document)) = tail.next_to_compress() else {
                    break;
                };
                tail.replace(&key, &document, document.compressed());
            }
        }
    }
}

/// Swaps in `newest` with every coding filled in, only if it is still the state published: a
/// newer state is never replaced by an older one.
fn compress_snapshot(published: &Published, newest: Arc<Snapshot>) {
    let started = Instant::now();
    let compressed = Arc::new(newest.compressed());
    let previous = published.compare_and_swap(&newest, compressed);
    debug!(
        us = started.elapsed().as_micros() as u64,
        swapped = Arc::ptr_eq(&previous, &newest),
        "compressed"
    );
}

/// `nice LEVEL` for the calling thread only (Linux applies priorities per thread; threads it
/// starts inherit it). The compressor takes 19: at 10 it still took a fair share of a 2-core
/// machine from the next change's render.
pub fn lower_priority_of_this_thread(level: i32) {
    // SAFETY: plain syscalls on the calling thread's id; failure only leaves the priority as is.
    unsafe {
        let thread_id = libc::syscall(libc::SYS_gettid) as libc::id_t;
        let _ = libc::setpriority(libc::PRIO_PROCESS, thread_id, level);
    }
}

//! The memory budget the long tail works within, and the renders it has let in.
//!
//! One number (`[server] memory_budget_mb`) bounds everything a request can make the server
//! hold beyond its steady state: the documents the tail caches, documents it let go of that
//! are still being sent or compressed ("pinned"), the output expected from renders it has
//! admitted but not finished ("reserved"), and room for the one render and the one
//! compression under way to work in ("headroom": measured, a render of 12.8 MB of documents
//! peaked 29.5 MB above where it started). Cached documents are the give: the tail drops the
//! least recently used ones until the sum fits. The rest cannot be dropped, so when it alone
//! fills the budget a request for one more render is shed (503 + Retry-After).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

use crate::document::Document;

/// Renders admitted and not yet answered, at most: each waits its turn on one render thread,
/// and a crawler asking for thousands of distinct views gets 503s, not a queue.
pub const MAX_WAITING: usize = 64;

/// What a render is expected to produce (all four documents) before one has been measured.
const FIRST_ESTIMATE: usize = 256 << 10;
/// No render is expected to be smaller than this (a reservation must mean something).
const MIN_ESTIMATE: usize = 16 << 10;
/// A render's working memory beyond its output, in outputs: the parsed entries and their
/// items, and documents growing as they are written.
const RENDER_WORKING: usize = 2;
/// The compressor's working memory beyond the document it compresses: brotli's window and
/// tables (quality 5, 4 MiB window) and the two outputs.
const COMPRESS_WORKING: usize = 8 << 20;

/// Counters the handlers change without the tail's lock.
#[derive(Debug)]
pub struct Counters {
    /// Bytes reserved by admitted renders.
    reserved: AtomicUsize,
    /// Admitted renders not yet answered (waiting for the update thread or rendering).
    waiting: AtomicUsize,
    /// Requests answered 503 because the budget or the queue was full, since start.
    shed: AtomicU64,
    /// A render's expected output: the largest of the last ones (decaying).
    estimate: AtomicUsize,
    /// Whether room is kept for the render and compression under way (see [`headroom`]).
    ///
    /// [`headroom`]: Counters::headroom
    working_room: bool,
}

impl Default for Counters {
    fn default() -> Counters {
        Counters {
            reserved: AtomicUsize::new(0),
            waiting: AtomicUsize::new(0),
            shed: AtomicU64::new(0),
            estimate: AtomicUsize::new(FIRST_ESTIMATE),
            working_room: true,
        }
    }
}

impl Counters {
    pub fn reserved(&self) -> usize {
        self.reserved.load(Ordering::Relaxed)
    }

    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    pub fn shed(&self) -> u64 {
        self.shed.load(Ordering::Relaxed)
    }

    pub fn count_shed(&self) {
        self.shed.fetch_add(1, Ordering::Relaxed);
    }

    /// Takes one render's measured output into the estimate: a larger one at once (the
    /// headroom must fit the largest render that may come), a smaller one decays it by 1/16
    /// (~10 small renders take it down by half).
    pub fn measured(&self, bytes: usize) {
        let old = self.estimate.load(Ordering::Relaxed);
        let new = bytes.max(old - old / 16).max(MIN_ESTIMATE);
        self.estimate.store(new, Ordering::Relaxed);
    }

    pub fn estimate(&self) -> usize {
        self.estimate.load(Ordering::Relaxed)
    }

    /// Room kept for the render and the compression under way (one of each at a time).
    pub fn headroom(&self) -> usize {
        match self.working_room {
            true => RENDER_WORKING * self.estimate() + COMPRESS_WORKING,
            false => 0,
        }
    }

    /// Counters keeping no headroom: the cache's own rules, tested in bytes one can count.
    #[cfg(test)]
    pub fn without_headroom() -> Counters {
        Counters {
            working_room: false,
            ..Counters::default()
        }
    }

    /// Lets one more render in, reserving `bytes` for it.
    pub fn admit(self: &Arc<Counters>, bytes: usize) -> Admission {
        self.reserved.fetch_add(bytes, Ordering::Relaxed);
        self.waiting.fetch_add(1, Ordering::Relaxed);
        Admission {
            counters: self.clone(),
            reserved: bytes,
        }
    }
}

/// One admitted render request: its place in the queue and the bytes reserved for what it
/// will produce. Dropped when the request is answered (or abandoned), which frees both.
#[derive(Debug)]
pub struct Admission {
    counters: Arc<Counters>,
    reserved: usize,
}

impl Admission {
    /// The output exists now (and is counted as documents or pinned): the reservation goes,
    /// the place in the queue stays until the answer is sent.
    pub fn settle(&mut self) {
        let reserved = std::mem::take(&mut self.reserved);
        self.counters
            .reserved
            .fetch_sub(reserved, Ordering::Relaxed);
    }
}

impl Drop for Admission {
    fn drop(&mut self) {
        self.settle();
        self.counters.waiting.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Documents the tail let go of while someone else (a response being sent, the compressor)
/// still held them: their bytes are alive until the last holder is done.
#[derive(Debug, Default)]
pub struct Pinned {
    documents: Vec<(Weak<Document>, usize)>,
}

impl Pinned {
    /// Keeps track of `document`, just dropped by the tail, if anyone else still holds it.
    pub fn let_go(&mut self, document: Arc<Document>, bytes: usize) {
        if bytes > 0 && Arc::strong_count(&document) > 1 {
            self.documents.push((Arc::downgrade(&document), bytes));
        }
    }

    /// The bytes still held, forgetting the documents that are gone.
    pub fn bytes(&mut self) -> usize {
        self.documents
            .retain(|(document, _)| document.strong_count() > 0);
        self.documents.iter().map(|(_, bytes)| bytes).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    #[test]
    fn an_admission_holds_its_reservation_until_settled_and_its_place_until_dropped() {
        let counters = Arc::new(Counters::default());
        let mut first = counters.admit(100);
        let second = counters.admit(50);
        assert_eq!((counters.reserved(), counters.waiting()), (150, 2));
        first.settle();
        assert_eq!((counters.reserved(), counters.waiting()), (50, 2));
        drop(first);
        assert_eq!((counters.reserved(), counters.waiting()), (50, 1));
        drop(second);
        assert_eq!((counters.reserved(), counters.waiting()), (0, 0));
    }

    #[test]
    fn the_headroom_follows_the_estimate() {
        let counters = Counters::default();
        let before = counters.headroom();
        assert_eq!(before, 2 * FIRST_ESTIMATE + COMPRESS_WORKING);
        // README: "twice the largest recent render's output plus 8 MiB".
        assert_eq!(before, 2 * counters.estimate() + 8 * 1024 * 1024);
        counters.measured(FIRST_ESTIMATE * 2);
        assert_eq!(counters.headroom(), before + 2 * FIRST_ESTIMATE);
        assert_eq!(Counters::without_headroom().headroom(), 0);
    }

    #[test]
    fn the_estimate_rises_at_once_decays_slowly_and_keeps_a_floor() {
        let counters = Counters::default();
        counters.measured(1 << 20);
        assert_eq!(counters.estimate(), 1 << 20);
        counters.measured(1000);
        assert_eq!(counters.estimate(), (1 << 20) - (1 << 16));
        for _ in 0..256 {
            counters.measured(0);
        }
        assert_eq!(counters.estimate(), MIN_ESTIMATE);
    }

    #[test]
    fn a_pinned_document_counts_until_its_last_holder_lets_go() {
        let mut pinned = Pinned::default();
        let document = Arc::new(Document::new(
            "text/plain",
            vec![1; 10],
            DateTime::UNIX_EPOCH,
        ));
        let sending = document.clone();
        pinned.let_go(document, 10);
        pinned.let_go(
            Arc::new(Document::new("text/plain", vec![], DateTime::UNIX_EPOCH)),
            99,
        );
        assert_eq!(pinned.bytes(), 10, "only the one still held");
        drop(sending);
        assert_eq!(pinned.bytes(), 0);
    }
}

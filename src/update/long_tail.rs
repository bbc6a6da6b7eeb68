//! The update loop's side of the long tail: render requests planned from the store and handed
//! to the render thread, views' walks taken on a slice at a time, and the tail's memory tended
//! (idle documents out, freed memory back, the figures `/status` shows).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::debug;

use crate::allocator;
use crate::inbox::RenderRequest;
use crate::index::{Indexer, Planned, Walk};
use crate::render_thread::RenderThread;
use crate::tail::{Load, Reply, Tail, Waiter};

/// Render requests planned between two looks for changes.
const PLANS_PER_ROUND: usize = 8;
/// How long the views' walks may take per round of the update loop, and how many entries a
/// walk looks at before the time is checked again (~1 ms at 100,000 seeds).
const WALK_ROUND: Duration = Duration::from_millis(4);
const WALK_SLICE: usize = 1024;
/// How often the tail is looked at for documents left unused.
const EXPIRE_EVERY: Duration = Duration::from_secs(1);
/// How long after the last render or change the freed memory is handed back: a storm's
/// renders and a burst's changes come one after another, and trimming between them would
/// only cost time.
const TRIM_AFTER: Duration = Duration::from_secs(1);
/// How often `/status` may be published again for the long tail's figures alone.
const STATUS_EVERY: Duration = Duration::from_secs(1);

pub struct LongTail {
    /// Documents rendered on request; a change drops the ones it touches before it is
    /// published.
    tail: Arc<Tail>,
    /// Runs the jobs planned here.
    renderer: RenderThread,
    /// Render requests not planned yet, oldest first (each holds an admission: bounded).
    waiting: VecDeque<RenderRequest>,
    /// Views walking their feed, with their tail key and handler.
    walking: VecDeque<(Box<Walk>, String, Waiter)>,
    last_expire: Instant,
    last_busy: Instant,
    /// Memory was freed (documents expired, renders done, changes applied) and not handed
    /// back yet.
    trim_due: bool,
    /// The figures the published `/status` shows, and when it was published for them.
    shown: Load,
    shown_at: Instant,
}

impl LongTail {
    pub fn new(tail: Arc<Tail>, renderer: RenderThread) -> LongTail {
        LongTail {
            tail,
            renderer,
            waiting: VecDeque::new(),
            walking: VecDeque::new(),
            last_expire: Instant::now(),
            last_busy: Instant::now(),
            trim_due: false,
            shown: Load::default(),
            shown_at: Instant::now(),
        }
    }

    pub fn asked(&mut self, request: RenderRequest) {
        self.waiting.push_back(request);
    }

    /// Requests or walks wait for the update loop.
    pub fn has_work(&self) -> bool {
        !self.waiting.is_empty() || !self.walking.is_empty()
    }

    /// Requests wait to be planned.
    pub fn has_requests(&self) -> bool {
        !self.waiting.is_empty()
    }

    /// Drops the cached documents the indexer's journal says a change touched (everything
    /// after a rescan): before the change is published, so no one is served a document it
    /// outdated.
    pub fn forget_touched(&self, indexer: &mut Indexer) {
        let touched = indexer.take_journal();
        if indexer.rescanned() {
            self.tail.clear();
        } else {
            self.tail.forget(&touched);
        }
    }

    /// A change was applied: memory will be freed, and handed back once things are quiet.
    /// Drops every document rendered on request (a reloaded config renders them anew).
    pub fn clear(&mut self) {
        self.tail.clear();
        self.busy();
    }

    pub fn busy(&mut self) {
        self.last_busy = Instant::now();
        self.trim_due = true;
    }

    /// One round: plans a few requests, takes the walks on for a while, tends the memory.
    pub fn round(&mut self, indexer: &mut Indexer, idle: bool) {
        // A few at a time: a change waiting behind a crowd of requests is seen soon.
        for _ in 0..PLANS_PER_ROUND {
            let Some(request) = self.waiting.pop_front() else {
                break;
            };
            self.plan(indexer, request);
        }
        self.walk_on(indexer);
        self.tend(idle);
    }

    /// Plans the documents a handler asked for and hands the job to the render thread —
    /// unless they were cached meanwhile, a render of them is under way already (the handler
    /// joins it), or the handler gave up.
    fn plan(&mut self, indexer: &mut Indexer, request: RenderRequest) {
        let RenderRequest {
            wanted,
            key,
            waiter,
        } = request;
        if waiter.is_gone() {
            return;
        }
        if let Some(document) = self.tail.get(&key) {
            waiter.answer(Reply::Found(document));
            return;
        }
        let Some(waiter) = self.tail.join_render(&key, waiter) else {
            return;
        };
        let started = Instant::now();
        match indexer.plan(&wanted) {
            Ok(planned) => {
                if let Some(depends) = planned.depends() {
                    self.tail.begin_render(&key, depends);
                }
                debug!(%key, us = started.elapsed().as_micros() as u64, "planned");
                self.busy();
                self.follow(planned, key, waiter);
            }
            Err(reply) => waiter.answer(reply),
        }
    }

    /// Takes a planned request its next step: to the render thread, on the walks waiting for
    /// more of their feed, or (its feed gone) answered.
    fn follow(&mut self, planned: Planned, key: String, waiter: Waiter) {
        match planned {
            Planned::Job(job) => self.renderer.render(*job, key, waiter),
            Planned::Walk(walk) => self.walking.push_back((walk, key, waiter)),
            Planned::Gone(reply) => {
                for joined in self.tail.abandon_render(&key) {
                    joined.answer(reply.clone());
                }
                waiter.answer(reply);
            }
        }
    }

    /// Takes the views' walks on for [`WALK_ROUND`] at most, a slice of entries at a time:
    /// a walk through a large folder takes several rounds, with changes applied between.
    fn walk_on(&mut self, indexer: &mut Indexer) {
        let started = Instant::now();
        while started.elapsed() < WALK_ROUND {
            let Some((walk, key, waiter)) = self.walking.pop_front() else {
                return;
            };
            if waiter.is_gone() && self.tail.abandon_if_unwanted(&key) {
                continue;
            }
            let next = indexer.walk(walk, WALK_SLICE);
            self.follow(next, key, waiter);
        }
    }

    /// Expires idle documents every [`EXPIRE_EVERY`], and hands freed memory back once no
    /// render or change has come in [`TRIM_AFTER`] and the loop is idle.
    fn tend(&mut self, idle: bool) {
        if self.last_expire.elapsed() >= EXPIRE_EVERY {
            self.last_expire = Instant::now();
            if self.tail.expire(Instant::now()) > 0 {
                self.trim_due = true;
            }
        }
        if self.trim_due && idle && self.last_busy.elapsed() >= TRIM_AFTER {
            let started = Instant::now();
            allocator::release_freed_memory();
            let us = started.elapsed().as_micros() as u64;
            debug!(us, "freed memory released");
            self.trim_due = false;
        }
    }

    /// Whether `/status` should be published again for the tail's figures (they changed,
    /// and it was not published for them in the last [`STATUS_EVERY`]); if so, notes them.
    pub fn status_due(&mut self) -> bool {
        if self.shown_at.elapsed() < STATUS_EVERY {
            return false;
        }
        let load = self.tail.load();
        if load == self.shown {
            return false;
        }
        self.shown = load;
        self.shown_at = Instant::now();
        true
    }

    /// The tail's figures as `/status` shows them.
    pub fn shown(&self) -> Load {
        self.shown
    }
}

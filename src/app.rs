//! Wiring: initial scan → store → render → publish; then the watcher feeds change batches to
//! one update thread, which publishes a new immutable snapshot after each. A compressor thread
//! then swaps in the same snapshot with every coding filled in, unless a newer one got there
//! first. Long-tail requests are planned by the update thread and rendered on a thread of
//! their own. The socket is bound only after the initial scan, so the first request sees the
//! whole feed.

use std::collections::VecDeque;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use chrono::{DateTime, Utc};
use tracing::{debug, info, warn};

use crate::compressor::Compressor;
use crate::config::{Config, SeedsConfig};
use crate::inbox::{RenderRequest, Update};
use crate::index::{Indexer, Planned, ScanReport, Walk};
use crate::progress::ScanProgress;
use crate::renderer::Renderer;
use crate::snapshot::{Published, Snapshot};
use crate::status::{self, Status};
use crate::tail::{Load, Reply, Tail, Waiter};
use crate::watch::{self, Batch};
use crate::{http, websub};

/// Why the server could not start. Every variant means "fix the setup", exit status 2.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("[seeds] dir: cannot open {path}: {source}")]
    Seeds {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("[server] bind: cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot watch the seeds folder {path}: {source}")]
    Watch {
        path: PathBuf,
        source: notify::Error,
    },
    #[error("cannot start the HTTP server: {0}")]
    Http(std::io::Error),
}

/// A running server: its address, and the handles that stop it.
pub struct Running {
    pub addr: SocketAddr,
    pub report: ScanReport,
    published: Published,
    server: actix_web::dev::ServerHandle,
    server_thread: JoinHandle<std::io::Result<()>>,
    updates_sender: Sender<Update>,
    /// The update, compressor and render threads.
    threads: Vec<JoinHandle<()>>,
}
/// Seeds whose authors one round of the background read takes: ~10 ms on two cores, so a
/// change arriving meanwhile waits little.
const AUTHORS_PER_ROUND: usize = 128;
/// Up to this many unread bylines at start are read before the bind: ~0.15 s on two cores.
const AUTHORS_BEFORE_BIND: usize = 2_000;
/// Render requests planned between two looks for changes.
const RENDERS_PER_ROUND: usize = 8;
/// How long the views' walks may take per round of the update loop, and how many entries a
/// walk looks at before the time is checked again (~1 ms at 100,000 seeds).
const WALK_ROUND: Duration = Duration::from_millis(4);
const WALK_SLICE: usize = 1024;

/// Scans, binds, starts watching and serving; returns once requests can be answered.
pub fn start(config: Config) -> Result<Running, StartError> {
    let mut indexer = Indexer::open(&config).map_err(|source| StartError::Seeds {
        path: config.seeds.dir.clone(),
        source,
    })?;
    let root = indexer.root().to_path_buf();
    let (updates_sender, updates) = mpsc::channel();
    // Setting up a recursive watch walks the whole folder again (notify stats every entry,
    // ~0.5 s at 100,000 seeds). A restart from the index cache mostly stats files: the set-up
    // runs on its own thread beside the scan, and a change made meanwhile arrives as a batch
    // the update loop applies first (rechecking a path is idempotent). A cold start reads
    // every file, and each open would be an event to sift (100,000 of them):
    // it watches after the scan, as before (the benchmark's cold start measured 1.16× the
    // reference with the watcher beside it, 1.07× without).
    let beside_scan = indexer.has_cached_keys();
    let spawn_watcher = || {
        let (seeds, root, sender) = (config.seeds.clone(), root.clone(), updates_sender.clone());
        thread::Builder::new()
            .name("seedfeed-watch-setup".into())
            .spawn(move || start_watcher(&seeds, &root, &sender))
            .map_err(StartError::Http)
    };
    let watching = match beside_scan {
        true => Some(spawn_watcher()?),
        false => None,
    };
    let progress = ScanProgress::new();
    let report = indexer.scan_with_progress(&|done, total| progress.update(done, total));
    info!(
        entries = report.entries,
        rejected = report.rejected,
        from_cache = report.from_cache,
        ms = report.elapsed.as_millis() as u64,
        folder = %indexer.root().display(),
        "initial scan done"
    );
    // A small folder's bylines are read before the bind (a fraction of a second), so its
    // first pages already list its authors and do not change a moment later; a large one's
    // are read in the background (see `UpdateLoop::read_authors`).
    if indexer.store().authors_unread() <= AUTHORS_BEFORE_BIND {
        let mut left = indexer.store().authors_unread();
        while left > 0 {
            indexer.read_authors(AUTHORS_PER_ROUND);
            // Each round takes every seed it looks at; stop rather than spin if one did not.
            let now = indexer.store().authors_unread();
            if now >= left {
                break;
            }
            left = now;
        }
        indexer.take_journal();
    }
    release_freed_memory();
    let watching = match watching {
        Some(watching) => watching,
        None => spawn_watcher()?,
    };
    let watcher = watching
        .join()
        .unwrap_or_else(|_| Err(notify::Error::generic("the watcher's set-up panicked")))
        .map_err(|source| StartError::Watch {
            path: root.clone(),
            source,
        })?;
    let now = Utc::now();
    let tail = Arc::new(Tail::new(config.server.memory_budget));
    // The first state is published below; the compressor and the renderer are told later.
    let published: Published = Arc::new(ArcSwap::from_pointee(Snapshot::default()));
    let (compressor, compressor_thread) =
        Compressor::start(published.clone(), tail.clone()).map_err(StartError::Http)?;
    let (renderer, render_thread) =
        Renderer::start(indexer.reader(), tail.clone()).map_err(StartError::Http)?;
    let mut update_loop = UpdateLoop {
        tail: tail.clone(),
        compressor: compressor.clone(),
        renderer,
        memory: Memory::default(),
        render_due: true,
        unannounced: false,
        waiting: VecDeque::new(),
        walking: VecDeque::new(),
        websub: websub::Pinger::start(config.feed.hubs.clone()),
        base_url: config.feed.base_url.clone(),
        root_identity: folder_identity(&root),
        indexer,
        seeds: config.seeds.clone(),
        watcher: Some(watcher),
        updates_sender: updates_sender.clone(),
        started: now,
        last_change: None,
        last_rescan: Some(now),
        before_shrink: None,
        cache_dirty: true,
        cache_saved: Instant::now(),
        last_batch: Instant::now(),
        started_from_cache: report.from_cache,
    };
    // The folders' feeds follow on the update thread's first round (`render_due`).
    let first = update_loop.indexer.render_first();
    published.store(Arc::new(first.first_snapshot(update_loop.status_bytes())));
    compressor.snapshot(published.load_full());

    let listener = TcpListener::bind(config.server.bind).map_err(|source| StartError::Bind {
        addr: config.server.bind,
        source,
    })?;
    let addr = listener.local_addr().map_err(StartError::Http)?;

    let updates_thread = {
        let published = published.clone();
        thread::Builder::new()
            .name("seedfeed-update".into())
            .spawn(move || update_loop.run(updates, published))
            .map_err(StartError::Http)?
    };

    let (handle_sender, handle_receiver) = mpsc::channel();
    let workers = config.server.workers;
    let settings = http::Settings::new(&config.server, &config.feed.base_url, &config.feed.hubs);
    let state = http::Sources {
        published: published.clone(),
        tail,
        updates: updates_sender.clone(),
    };
    let server_thread = thread::Builder::new()
        .name("seedfeed-http".into())
        .spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = http::server(listener, state, settings, workers)?;
                let _ = handle_sender.send(server.handle());
                server.await
            })
        })
        .map_err(StartError::Http)?;
    let server = match handle_receiver.recv() {
        Ok(handle) => handle,
        Err(_) => {
            let error = server_thread.join().ok().and_then(Result::err);
            return Err(StartError::Http(
                error.unwrap_or_else(|| std::io::Error::other("HTTP thread ended")),
            ));
        }
    };
    info!(%addr, "serving /, /rss.xml, /atom.xml, /feed.json, each folder's feeds under /<folder>/, /opml.xml and /status");
    Ok(Running {
        addr,
        report,
        published,
        server,
        server_thread,
        updates_sender,
        threads: vec![updates_thread, compressor_thread, render_thread],
    })
}

impl Running {
    /// The snapshot being served now.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.published.load_full()
    }

    /// Blocks until the HTTP server stops (on SIGINT/SIGTERM, or `stop`), then stops the
    /// update and compressor threads within `STOP_GRACE`. An error names a thread that
    /// panicked while the server ran.
    pub fn wait(mut self) -> std::io::Result<()> {
        let served = self.join_server();
        let stopped = self.stop_updates();
        served.and(stopped)
    }

    /// Stops accepting, lets in-flight responses finish, stops watching.
    pub fn stop(mut self) -> std::io::Result<()> {
        actix_web::rt::System::new().block_on(self.server.stop(true));
        let served = self.join_server();
        let stopped = self.stop_updates();
        served.and(stopped)
    }

    fn join_server(&mut self) -> std::io::Result<()> {
        let thread = std::mem::replace(&mut self.server_thread, thread::spawn(|| Ok(())));
        thread
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("HTTP thread panicked")))
    }

    /// Tells the update loop to stop (it saves the index cache, drops the watcher and, ending,
    /// stops the compressor and the render thread) and waits for the three threads until
    /// `STOP_GRACE` has passed. A thread still busy then, such as the compressor halfway
    /// through a large document, is abandoned: the process exits without it, and the next
    /// start compresses again. The cache is written to a temporary file and renamed, so an
    /// abandoned save leaves the previous cache whole.
    fn stop_updates(&mut self) -> std::io::Result<()> {
        let _ = self.updates_sender.send(Update::Stop);
        let deadline = Instant::now() + STOP_GRACE;
        let mut result = Ok(());
        for thread in std::mem::take(&mut self.threads) {
            if let Err(error) = join_before(thread, deadline) {
                result = result.and(Err(error));
            }
        }
        result
    }
}

/// How long the update and compressor threads get to finish after the HTTP server stopped.
/// With the HTTP server's own `SHUTDOWN_SECONDS` (3) this keeps SIGTERM → exit under 5 s,
/// whatever the threads are doing.
const STOP_GRACE: Duration = Duration::from_millis(1500);

/// Joins `thread` if it ends before `deadline`; one still running then is left behind. An
/// error says the thread panicked.
fn join_before(thread: JoinHandle<()>, deadline: Instant) -> std::io::Result<()> {
    let name = thread.thread().name().unwrap_or("a worker").to_string();
    while !thread.is_finished() {
        if Instant::now() >= deadline {
            warn!(thread = %name, "still busy at shutdown; abandoned");
            return Ok(());
        }
        thread::sleep(Duration::from_millis(5));
    }
    thread
        .join()
        .map_err(|_| std::io::Error::other(format!("thread {name} panicked")))
}

/// How often the update loop checks that the seeds folder is still the one it watches.
const FOLDER_CHECK: Duration = Duration::from_millis(250);
/// A run of deletion-only batches this recent is undone if the folder itself then vanishes:
/// that was `rm -rf` on the folder, not an operator emptying it.
const SHRINK_WINDOW: Duration = Duration::from_secs(3);
/// The index cache is written at most this often while changes come in (and at stop).
const CACHE_EVERY: Duration = Duration::from_secs(30);
/// How long the folder must have been quiet before the cache is written: writing it takes
/// ~0.3 s at 100,000 seeds, which a change arriving meanwhile would wait out, and changes come
/// in bursts.
const CACHE_QUIET: Duration = Duration::from_secs(2);
/// How long a stream of changes with no quiet moment may keep the cache from being written.
const CACHE_OVERDUE: Duration = Duration::from_secs(300);

/// The one writer: owns the indexer and the watcher, applies batches, follows the folder
/// itself (deleted, moved away, re-created), and publishes.
struct UpdateLoop {
    indexer: Indexer,
    /// Documents rendered on request; a change drops the ones it touches before it is
    /// published.
    tail: Arc<Tail>,
    compressor: Compressor,
    /// Runs the long-tail jobs this loop plans.
    renderer: Renderer,
    memory: Memory,
    /// A render is due without a change: the folders' feeds after the start rendered only the
    /// root's, or the root's page after the authors' background read finished.
    render_due: bool,
    /// The state being published came from `render_due`, not from a change: no WebSub pings.
    unannounced: bool,
    /// Render requests not answered yet, oldest first.
    waiting: VecDeque<RenderRequest>,
    /// Views walking their feed, with their tail key and handler.
    walking: VecDeque<(Box<Walk>, String, Waiter)>,
    seeds: SeedsConfig,
    watcher: Option<watch::Watcher>,
    /// Device and inode of the folder being watched; `None` while it is missing.
    root_identity: Option<(u64, u64)>,
    updates_sender: Sender<Update>,
    started: DateTime<Utc>,
    last_change: Option<DateTime<Utc>>,
    last_rescan: Option<DateTime<Utc>>,
    /// The state before a run of deletion-only batches, and when the run last grew.
    before_shrink: Option<(Arc<Snapshot>, Instant)>,
    /// Tells the WebSub hubs which feeds changed; `None` without hubs.
    websub: Option<websub::Pinger>,
    /// The public URL of `/`, for the feed URLs the hubs are told.
    base_url: url::Url,
    /// Changes not yet in the on-disk index cache, and when it was last written.
    cache_dirty: bool,
    cache_saved: Instant,
    /// When the last change batch arrived: the cache waits for a quiet folder.
    last_batch: Instant,
    started_from_cache: usize,
}

impl UpdateLoop {
    fn run(mut self, updates: Receiver<Update>, published: Published) {
        // The first scan's results, for the next start.
        self.save_cache_if_due(true);
        loop {
            let mut batches = Vec::new();
            let mut stop = false;
            // With a render, requests, walks or authors still to do, look for changes without
            // waiting.
            let busy = self.render_due
                || self.authors_to_read()
                || !self.waiting.is_empty()
                || !self.walking.is_empty();
            let wait = match busy {
                true => Duration::ZERO,
                false => FOLDER_CHECK,
            };
            let first = match updates.recv_timeout(wait) {
                Ok(update) => Some(update),
                Err(RecvTimeoutError::Disconnected) => Some(Update::Stop),
                Err(RecvTimeoutError::Timeout) => None,
            };
            let idle = first.is_none();
            for update in first.into_iter().chain(updates.try_iter()) {
                match update {
                    Update::Changed(batch) => {
                        debug!(?batch, "changed");
                        batches.push(batch)
                    }
                    Update::Render(request) => self.waiting.push_back(*request),
                    Update::Stop => stop = true,
                }
            }
            if stop {
                self.save_cache_if_due(true);
                self.compressor.stop();
                return;
            }
            if !batches.is_empty() {
                self.last_batch = Instant::now();
            }
            let quiet = idle && self.last_batch.elapsed() >= CACHE_QUIET;
            if quiet || self.cache_saved.elapsed() >= CACHE_OVERDUE {
                self.save_cache_if_due(false);
            }
            let started = Instant::now();
            let current = published.load_full();
            let next = self.step(batches, &current);
            // Before the new state is visible, so no one is served a document it outdated.
            self.forget_touched();
            if let Some(next) = next {
                let next = Arc::new(next);
                published.store(next.clone());
                if !std::mem::take(&mut self.unannounced) {
                    self.announce(&current, &next);
                }
                debug!(us = started.elapsed().as_micros() as u64, "change applied");
                if !next.is_compressed() {
                    self.compressor.snapshot(next);
                }
                // After the publish: the next deletion's replacement, ready before it comes.
                let started = Instant::now();
                if self.indexer.prepare_spares() {
                    debug!(us = started.elapsed().as_micros() as u64, "spares prepared");
                }
            }
            // The few seeds a change brought are read before anyone is answered (an author
            // feed then has them at once); the backlog of a cold start waits for quiet.
            let backlog = self.indexer.store().authors_unread();
            if self.authors_to_read() && (self.waiting.is_empty() || backlog <= AUTHORS_PER_ROUND) {
                self.read_authors();
            }
            // A few at a time: a change waiting behind a crowd of requests is seen soon.
            for _ in 0..RENDERS_PER_ROUND {
                let Some(request) = self.waiting.pop_front() else {
                    break;
                };
                self.answer(request);
            }
            self.walk_on();
            self.memory.tend(&self.tail, idle);
        }
    }

    fn read_authors(&mut self) {
        let before = self.indexer.store().authors_unread();
        self.indexer.read_authors(AUTHORS_PER_ROUND);
        self.forget_touched();
        self.cache_dirty = true;
        if self.indexer.store().authors_unread() == 0 {
            if before > AUTHORS_PER_ROUND {
                info!("every seed's authors read: author feeds complete");
            }
            // The root's page lists the busiest authors (they may have changed).
            self.render_due = true;
        }
    }

    /// Whether the background read of authors has work (never while the folder is missing).
    fn authors_to_read(&self) -> bool {
        self.root_identity.is_some() && self.indexer.store().authors_unread() > 0
    }

    fn forget_touched(&mut self) {
        let touched = self.indexer.take_journal();
        if self.indexer.rescanned() {
            self.tail.clear();
        } else {
            self.tail.forget(&touched);
        }
    }

    /// Plans the long-tail documents a handler asked for and hands the job to the render
    /// thread — unless they were cached meanwhile, a render of them is under way already (the
    /// handler joins it), or the handler gave up.
    fn answer(&mut self, request: RenderRequest) {
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
        match self.indexer.plan(&wanted) {
            Ok(planned) => {
                if let Some(depends) = planned.depends() {
                    self.tail.begin_render(&key, depends);
                }
                debug!(%key, us = started.elapsed().as_micros() as u64, "planned");
                self.memory.busy();
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
    fn walk_on(&mut self) {
        let started = Instant::now();
        while started.elapsed() < WALK_ROUND {
            let Some((walk, key, waiter)) = self.walking.pop_front() else {
                return;
            };
            if waiter.is_gone() && self.tail.abandon_if_unwanted(&key) {
                continue;
            }
            let next = self.indexer.walk(walk, WALK_SLICE);
            self.follow(next, key, waiter);
        }
    }

    /// Hands the URLs of the feed documents whose bytes changed to the WebSub thread.
    fn announce(&self, before: &Snapshot, after: &Snapshot) {
        let Some(websub) = &self.websub else {
            return;
        };
        let urls = after
            .changed_since(before)
            .into_iter()
            .filter(|path| http::is_feed_document(path))
            .filter_map(|path| self.base_url.join(path.trim_start_matches('/')).ok())
            .map(String::from)
            .collect();
        websub.changed(urls);
    }

    /// The state to publish after these batches and a look at the folder, if anything changed.
    fn step(&mut self, batches: Vec<Batch>, current: &Arc<Snapshot>) -> Option<Snapshot> {
        let root = self.indexer.root().to_path_buf();
        let identity = folder_identity(&root);
        if identity.is_none() {
            // Still missing: events from the old folder mean nothing.
            self.root_identity?;
            warn!(folder = %root.display(), "the seeds folder is gone; serving the last good state until it is back");
            self.root_identity = None;
            self.watcher = None;
            self.last_change = Some(Utc::now());
            return Some(match self.before_shrink.take() {
                Some((earlier, at)) if at.elapsed() < SHRINK_WINDOW => {
                    current.restored(&earlier, self.status_bytes())
                }
                _ => self
                    .indexer
                    .render_now()
                    .snapshot_after(current, self.status_bytes()),
            });
        }
        if identity != self.root_identity {
            // Back after being missing, or replaced by a new folder at the same path (git
            // checkout, rsync): watch the new one and take it as it is.
            info!(folder = %root.display(), "the seeds folder is back; rescanning");
            self.before_shrink = None;
            match start_watcher(&self.seeds, &root, &self.updates_sender) {
                Ok(watcher) => self.watcher = Some(watcher),
                Err(error) => {
                    warn!(%error, "cannot watch the seeds folder yet; will retry");
                    return None;
                }
            }
            self.root_identity = identity;
            self.cache_dirty = true;
            self.indexer
                .apply(&Batch::Rescan("the seeds folder was re-created".into()));
            self.last_rescan = Some(Utc::now());
            self.last_change = self.last_rescan;
            return Some(
                self.indexer
                    .render_now()
                    .snapshot_after(current, self.status_bytes()),
            );
        }
        if batches.is_empty() {
            if !std::mem::take(&mut self.render_due) {
                // The long tail's figures in `/status`, at most once a second.
                if !self.memory.status_due(&self.tail) {
                    return None;
                }
                self.unannounced = true;
                return Some(current.with_status(self.status_bytes(), self.indexer.counts()));
            }
            // Nothing changed in the folder: documents that only now appear (the folders'
            // after the start) are no news for the hubs.
            self.unannounced = true;
            let status = self.status_bytes();
            return Some(match self.indexer.render() {
                Some(rendered) => rendered.snapshot_after(current, status),
                None => current.with_status(status, self.indexer.counts()),
            });
        }
        self.cache_dirty = true;
        let entries_before = self.indexer.store().len();
        let mut files_read = 0;
        for batch in &batches {
            files_read += self.indexer.apply(batch);
            if matches!(batch, Batch::Rescan(_)) {
                self.last_rescan = Some(Utc::now());
            }
        }
        // A run of removals: batches that read no file and did not grow the store. Such a
        // run starts with a batch that shrank it; a batch that only drops an emptied
        // sub-folder (`rm -rf` flushes it on its own) keeps the run going.
        let entries_after = self.indexer.store().len();
        let removals_only = files_read == 0 && entries_after <= entries_before;
        let shrank = removals_only && entries_after < entries_before;
        self.before_shrink = match self.before_shrink.take() {
            Some((earlier, at)) if removals_only && at.elapsed() < SHRINK_WINDOW => {
                Some((earlier, Instant::now()))
            }
            _ if shrank => Some((current.clone(), Instant::now())),
            _ => None,
        };
        self.last_change = Some(Utc::now());
        // The documents a change replaced free memory too.
        self.memory.busy();
        let applied = Instant::now();
        let rendered = self.indexer.render();
        let status = self.status_bytes();
        let render_us = applied.elapsed().as_micros() as u64;
        let next = match rendered {
            Some(rendered) => rendered.snapshot_after(current, status),
            None => current.with_status(status, self.indexer.counts()),
        };
        debug!(
            render_us,
            snapshot_us = applied.elapsed().as_micros() as u64 - render_us,
            "change rendered"
        );
        Some(next)
    }

    /// Writes the index cache when it is behind and (unless `now`) it was last written a while
    /// ago: a burst of changes costs one write, not one per change. Called once the folder
    /// has been quiet for a while (see [`CACHE_QUIET`]).
    fn save_cache_if_due(&mut self, now: bool) {
        if self.cache_dirty && (now || self.cache_saved.elapsed() >= CACHE_EVERY) {
            let started = Instant::now();
            self.indexer.save_cache();
            debug!(
                us = started.elapsed().as_micros() as u64,
                "index cache written"
            );
            self.cache_dirty = false;
            self.cache_saved = Instant::now();
        }
    }

    fn status_bytes(&self) -> Vec<u8> {
        let store = self.indexer.store();
        status::render(&Status {
            folder: self.indexer.root().to_path_buf(),
            folder_present: self.root_identity.is_some(),
            watcher: self.watcher.as_ref().map_or("none", |w| w.mode().as_str()),
            started: self.started,
            last_change: self.last_change,
            last_rescan: self.last_rescan,
            started_from_cache: self.started_from_cache,
            entries: store.len(),
            authors_unread: store.authors_unread(),
            long_tail: self.memory.shown,
            rejected: store
                .rejected()
                .map(|(path, reason)| (path.to_path_buf(), reason.to_string()))
                .collect(),
        })
    }
}

fn start_watcher(
    seeds: &SeedsConfig,
    root: &Path,
    updates: &Sender<Update>,
) -> notify::Result<watch::Watcher> {
    let sender = updates.clone();
    let watcher = watch::start(
        root,
        seeds.watch,
        seeds.debounce,
        seeds.poll_interval,
        move |batch| {
            // The receiver is gone only while shutting down.
            let _ = sender.send(Update::Changed(batch));
        },
    )?;
    info!(mode = watcher.mode().as_str(), "watching the seeds folder");
    Ok(watcher)
}

/// Device and inode of the folder at `path`, if a folder is there.
fn folder_identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path)
        .ok()
        .filter(|m| m.is_dir())
        .map(|m| (m.dev(), m.ino()))
}

/// How often the tail is looked at for documents left unused.
const EXPIRE_EVERY: Duration = Duration::from_secs(1);
/// How long after the last render or change the freed memory is handed back: a storm's
/// renders and a burst's changes come one after another, and trimming between them would
/// only cost time.
const TRIM_AFTER: Duration = Duration::from_secs(1);
/// How often `/status` may be published again for the long tail's figures alone.
const STATUS_EVERY: Duration = Duration::from_secs(1);

/// The update loop's care of the long tail's memory: idle documents out, freed memory back
/// to the OS once the renders stop, and the figures `/status` shows.
struct Memory {
    last_expire: Instant,
    last_busy: Instant,
    /// Memory was freed (documents expired, renders done, changes applied) and not handed
    /// back yet.
    trim_due: bool,
    /// The figures the published `/status` shows, and when it was published for them.
    shown: Load,
    shown_at: Instant,
}

impl Default for Memory {
    fn default() -> Memory {
        Memory {
            last_expire: Instant::now(),
            last_busy: Instant::now(),
            trim_due: false,
            shown: Load::default(),
            shown_at: Instant::now(),
        }
    }
}

impl Memory {
    /// A render was asked for or a change applied: memory will be freed, and handed back
    /// once things are quiet.
    fn busy(&mut self) {
        self.last_busy = Instant::now();
        self.trim_due = true;
    }

    /// Once a round: expires idle documents every [`EXPIRE_EVERY`], and hands freed memory
    /// back once no render or change has come in [`TRIM_AFTER`] and the loop is idle.
    fn tend(&mut self, tail: &Tail, idle: bool) {
        if self.last_expire.elapsed() >= EXPIRE_EVERY {
            self.last_expire = Instant::now();
            if tail.expire(Instant::now()) > 0 {
                self.trim_due = true;
            }
        }
        if self.trim_due && idle && self.last_busy.elapsed() >= TRIM_AFTER {
            let started = Instant::now();
            release_freed_memory();
            debug!(
                us = started.elapsed().as_micros() as u64,
                "freed memory released"
            );
            self.trim_due = false;
        }
    }

    /// Whether `/status` should be published again for the tail's figures (they changed,
    /// and it was not published for them in the last [`STATUS_EVERY`]); if so, notes them.
    fn status_due(&mut self, tail: &Tail) -> bool {
        if self.shown_at.elapsed() < STATUS_EVERY {
            return false;
        }
        let load = tail.load();
        if load == self.shown {
            return false;
        }
        self.shown = load;
        self.shown_at = Instant::now();
        true
    }
}

/// Two settings of glibc's allocator, made once before other threads start:
/// - allocations of 1 MiB and more (large documents, the compressors' windows) get their own
///   mappings, returned to the OS when freed: glibc's default raises that threshold after the
///   first such free, and from then on keeps up to twice the largest freed block resident in
///   each thread's arena (13 MB of a 29 MB process serving 1,000 seeds); smaller documents come
///   from the reused heap (faster to write → visible than a fresh mapping each);
/// - one arena per core, not glibc's eight: each arena keeps its own freed memory, and a storm
///   of long-tail renders (render, parse, compress and HTTP threads all allocating) peaked
///   181 MB with the default, 153 MB with two (the archive sample, `bench/storm.sh`).
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        libc::mallopt(libc::M_ARENA_MAX, cores.max(2) as libc::c_int);
    }
}

/// Hands memory freed after the scan (file buffers, the loaded index cache) back to the OS, so
/// the resident size reflects what is kept, not what the scan briefly needed.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free heap pages; it touches no live allocation.
    unsafe {
        libc::malloc_trim(0);
    }
}

//! The update thread: the one writer. It owns the indexer (and so the store), takes change
//! batches and render requests from its inbox, applies the batches, publishes a new snapshot
//! when what is served changed, and keeps the rest in step: the seeds folder itself
//! (`folder.rs`), the long tail (`long_tail.rs`), the index cache, the authors' background
//! read, WebSub pings, the compressor.

mod backlog;
mod folder;
mod long_tail;

use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tracing::{debug, info, warn};

use crate::compressor::Compressor;
use crate::config::Config;
use crate::config::SeedsConfig;
use crate::http::SharedSettings;
use crate::inbox::Update;
use crate::index::{CacheWrite, FolderCheck, Indexer};
use crate::metrics::Metrics;
use crate::render_thread::RenderThread;
use crate::snapshot::{Published, Snapshot};
use crate::status::{self, Status};
use crate::tail::Tail;
use crate::watch::Batch;
use crate::websub;
use backlog::Backlog;
pub use folder::start_watcher;
use folder::{Folder, Look};
use long_tail::LongTail;

/// Seeds whose authors one round of the background read takes: ~10 ms on two cores, so a
/// change arriving meanwhile waits little.
pub const AUTHORS_PER_ROUND: usize = 128;
/// MiB of the store's strings compacted a round once the authors' background read is done
/// (~2 ms): it replaced most rows' strings, and the dead ones left (~5% at a million seeds)
/// would stay resident.
const TIDY_CHUNKS: usize = 8;
/// How often the update loop looks at the folder when nothing else happens.
const FOLDER_CHECK: Duration = Duration::from_millis(250);
/// The index cache is written at most this often while changes come in (and at stop).
const CACHE_EVERY: Duration = Duration::from_secs(30);
/// How long the folder must have been quiet before the cache is written: writing it takes
/// ~0.3 s at 100,000 seeds, which a change arriving meanwhile would wait out, and changes come
/// in bursts.
const CACHE_QUIET: Duration = Duration::from_secs(2);
/// How long a stream of changes with no quiet moment may keep the cache from being written.
const CACHE_OVERDUE: Duration = Duration::from_secs(300);
/// Index cache records written a round when the cache is written between rounds: ~35 ms.
const CACHE_SLICE: usize = 50_000;

/// What the update loop is made of.
pub struct Parts {
    pub indexer: Indexer,
    pub seeds: SeedsConfig,
    /// The update thread's own inbox, for the watchers it starts.
    pub updates: Sender<Update>,
    pub tail: Arc<Tail>,
    pub renderer: RenderThread,
    pub compressor: Compressor,
    /// Told which feeds changed; `None` without hubs.
    pub websub: Option<websub::Pinger>,
    /// The first state came from a scan of the folder, not from the index cache: the cache is
    /// written from it. (Either way the watcher comes with [`Update::Watching`] and the check
    /// of the folder with [`Update::Checked`].)
    pub scanned: bool,
    pub metrics: Arc<Metrics>,
    /// The config in force: a reload compares against it; its `base_url` makes the feed URLs
    /// the hubs are told.
    pub config: Config,
    /// What the handlers read of the config, swapped on a reload.
    pub settings: SharedSettings,
}

/// What a round of the loop applies: its share of the changes waiting, and when the watcher
/// saw each of them (for the write → visible histogram).
struct Round {
    batches: Vec<Batch>,
    seen: Vec<Instant>,
}

pub struct UpdateLoop {
    indexer: Indexer,
    folder: Folder,
    long_tail: LongTail,
    compressor: Compressor,
    cache: CacheSchedule,
    clocks: Clocks,
    websub: Option<websub::Pinger>,
    /// A render is due without a change: the folders' feeds after the start rendered only the
    /// root's, or the root's page after the authors' background read finished.
    render_due: bool,
    /// The state being published came from `render_due`, not from a change: no WebSub pings.
    unannounced: bool,
    /// The store's strings are to be compacted while the loop is idle ([`TIDY_CHUNKS`]).
    tidy_due: bool,
    /// The authors' background read has more than a round's worth to do (a cold start's).
    backlog_of_authors: bool,
    /// Changed paths not yet applied: a burst is applied a slice a round.
    backlog: Backlog,
    metrics: Arc<Metrics>,
    config: Config,
    settings: SharedSettings,
}

/// When the on-disk index cache is written: changes not yet in it, and when it was last
/// written; the last batch, since it waits for a quiet folder.
struct CacheSchedule {
    dirty: bool,
    saved: Instant,
    last_batch: Instant,
    /// A write under way a slice a round ([`CACHE_SLICE`]); a change drops it.
    writing: Option<CacheWrite>,
}

/// The times `/status` shows.
struct Clocks {
    started: DateTime<Utc>,
    last_change: Option<DateTime<Utc>>,
    last_rescan: Option<DateTime<Utc>>,
    started_from_cache: Option<usize>,
}

impl UpdateLoop {
    pub fn new(parts: Parts) -> UpdateLoop {
        let now = Utc::now();
        let root = parts.indexer.root().to_path_buf();
        UpdateLoop {
            folder: Folder::new(root, parts.seeds, None, parts.updates),
            backlog: Backlog::default(),
            metrics: parts.metrics,
            config: parts.config,
            settings: parts.settings,
            indexer: parts.indexer,
            long_tail: LongTail::new(parts.tail, parts.renderer),
            compressor: parts.compressor,
            cache: CacheSchedule {
                // A restart's store is the cache's until the folder check's batch.
                dirty: parts.scanned,
                saved: Instant::now(),
                last_batch: Instant::now(),
                writing: None,
            },
            clocks: Clocks {
                started: now,
                last_change: None,
                last_rescan: Some(now),
                started_from_cache: None,
            },
            websub: parts.websub,
            render_due: true,
            unannounced: false,
            tidy_due: false,
            backlog_of_authors: false,
        }
    }

    /// The state to serve from the start: the root's documents and `/opml.xml` (the folders'
    /// follow on the loop's first round).
    pub fn first_snapshot(&mut self) -> Snapshot {
        let first = self.indexer.render_first();
        first.first_snapshot(self.status_bytes())
    }

    /// Runs until told to stop (or its inbox closes): saves the index cache and stops the
    /// compressor then; the render thread ends with the renderer dropped.
    pub fn run(mut self, updates: Receiver<Update>, published: Published) {
        // The first scan's results, for the next start.
        self.save_cache_if_due(true);
        loop {
            // With a render, requests, walks or authors still to do, look for changes without
            // waiting.
            let busy = self.render_due
                || self.authors_to_read()
                || self.long_tail.has_work()
                || self.cache.writing.is_some()
                || self.tidy_due
                || !self.backlog.is_empty();
            let wait = if busy { Duration::ZERO } else { FOLDER_CHECK };
            let Some((round, idle)) = self.receive(&updates, wait) else {
                self.save_cache_if_due(true);
                self.compressor.stop();
                return;
            };
            if !round.batches.is_empty() {
                self.cache.last_batch = Instant::now();
            }
            let quiet = idle && self.cache.last_batch.elapsed() >= CACHE_QUIET;
            if self.cache.saved.elapsed() >= CACHE_OVERDUE {
                self.save_cache_if_due(false);
            } else if quiet {
                self.start_cache_if_due();
            }
            self.publish(round, &published);
            self.write_cache_slice();
            // The few seeds a change brought are read before anyone is answered (an author
            // feed then has them at once); the backlog of a cold start waits for quiet.
            let backlog = self.indexer.store().authors_unread();
            let few = backlog <= AUTHORS_PER_ROUND;
            // A burst still coming in goes first too.
            let waiting = self.long_tail.has_requests() || !self.backlog.is_empty();
            if self.authors_to_read() && (!waiting || few) {
                self.read_authors();
            }
            if self.tidy_due && idle {
                self.tidy_due = self.indexer.tidy_store(TIDY_CHUNKS);
                if !self.tidy_due {
                    // What the read and the compaction freed goes back once things are quiet.
                    self.long_tail.busy();
                }
            }
            self.long_tail.round(&mut self.indexer, idle);
        }
    }

    /// What the inbox holds, waiting up to `wait` for the first: this round's share of the
    /// changes waiting (render requests go to the long tail), and whether nothing came.
    /// `None`: stop.
    fn receive(&mut self, updates: &Receiver<Update>, wait: Duration) -> Option<(Round, bool)> {
        let first = match updates.recv_timeout(wait) {
            Ok(update) => Some(update),
            Err(RecvTimeoutError::Disconnected) => Some(Update::Stop),
            Err(RecvTimeoutError::Timeout) => None,
        };
        let idle = first.is_none() && self.backlog.is_empty();
        let mut stop = false;
        for update in first.into_iter().chain(updates.try_iter()) {
            match update {
                Update::Changed(batch, seen) => {
                    debug!(?batch, "changed");
                    self.backlog.add(batch, Some(seen))
                }
                Update::Render(request) => self.long_tail.asked(*request),
                Update::Watching(watcher) => self.folder.watching(watcher),
                Update::Checked(check) => {
                    if let Some(batch) = self.checked(&check) {
                        self.backlog.add(batch, None);
                    }
                }
                Update::Reload(trigger) => self.reload(trigger),
                Update::Stop => stop = true,
            }
        }
        let (batches, seen) = self.backlog.take();
        (!stop).then_some((Round { batches, seen }, idle))
    }

    /// Reads the config file again. Refused (the same messages as at start): the old config
    /// keeps serving. Taken: the feeds' metadata and limits, the handlers' settings (cache
    /// lifetime, operator networks, hubs in the headers), the hubs pinged and the outlet rules
    /// (with a rescan) apply now — every document rendered once more, the long tail dropped,
    /// so new bytes come with new validators; what needs a restart is named in the log.
    fn reload(&mut self, trigger: &'static str) {
        let Some(file) = self.config.file.clone() else {
            warn!(trigger, "no config file to reload");
            return;
        };
        let new = match Config::load(&file) {
            Ok(new) => new,
            Err(error) => {
                warn!(trigger, %error, "config not reloaded: the running one stays");
                return;
            }
        };
        for key in self.config.restart_needed(&new) {
            warn!(key, "changed in the config: takes effect at the next start");
        }
        let settings =
            self.settings
                .load()
                .reloaded(&new.server, &new.feed.base_url, &new.feed.hubs);
        self.settings.store(Arc::new(settings));
        if new.feed.hubs != self.config.feed.hubs {
            self.websub = websub::Pinger::start(new.feed.hubs.clone(), self.metrics.clone());
        }
        if self.indexer.reconfigure(&new) {
            self.backlog
                .add(Batch::Rescan("the outlet rules changed".into()), None);
        }
        self.long_tail.clear();
        self.render_due = true;
        self.config = new;
        info!(trigger, "config reloaded: every document rendered again");
    }

    /// A slice of the folder check after the start turned into the batch of what changed
    /// there while the server was down (a restart) or while the scan read (a cold start).
    fn checked(&mut self, check: &FolderCheck) -> Option<Batch> {
        let paths = self.indexer.changed_since_start(check);
        if check.last {
            self.clocks.started_from_cache = Some(self.indexer.keys_from_cache());
            // `/status` says so even if nothing changed.
            self.render_due = true;
        }
        (!paths.is_empty()).then_some(Batch::Paths(paths))
    }

    /// Applies `batches` (and a look at the folder), and publishes the new state if anything
    /// changed: the tail forgets what the change touched first, the hubs are told which
    /// feeds changed, the compressor gets the new state, and the spare seeds are prepared.
    fn publish(&mut self, round: Round, published: &Published) {
        let started = Instant::now();
        let paths: usize = round.batches.iter().map(Batch::paths).sum();
        let current = published.load_full();
        let next = self.step(round.batches, &current);
        // Before the new state is visible, so no one is served a document it outdated.
        self.long_tail.forget_touched(&mut self.indexer);
        let Some(next) = next else {
            return;
        };
        let next = Arc::new(next);
        published.store(next.clone());
        let visible = Instant::now();
        for seen in round.seen {
            self.metrics
                .write_visible(visible.saturating_duration_since(seen));
        }
        if !std::mem::take(&mut self.unannounced) {
            self.announce(&current, &next);
        }
        debug!(
            us = started.elapsed().as_micros() as u64,
            paths, "change applied"
        );
        if paths > 0 {
            self.backlog.timed(paths, started.elapsed());
        }
        if !next.is_compressed() {
            self.compressor.snapshot(next);
        }
        // After the publish: the next deletion's replacement, ready before it comes.
        let started = Instant::now();
        if self.indexer.prepare_spares() {
            debug!(us = started.elapsed().as_micros() as u64, "spares prepared");
        }
    }

    fn read_authors(&mut self) {
        let before = self.indexer.store().authors_unread();
        self.backlog_of_authors |= before > AUTHORS_PER_ROUND;
        self.indexer.read_authors(AUTHORS_PER_ROUND);
        self.long_tail.forget_touched(&mut self.indexer);
        self.cache.dirty = true;
        if self.indexer.store().authors_unread() == 0 {
            if std::mem::take(&mut self.backlog_of_authors) {
                info!("every seed's authors read: author feeds complete");
                self.indexer.drop_parse_caches();
            }
            // The root's page lists the busiest authors (they may have changed).
            self.render_due = true;
            self.tidy_due = true;
        }
    }

    /// Whether the background read of authors has work (never while the folder is missing).
    fn authors_to_read(&self) -> bool {
        self.folder.present() && self.indexer.store().authors_unread() > 0
    }

    /// Hands the URLs of the feed documents whose bytes changed to the WebSub thread.
    fn announce(&self, before: &Snapshot, after: &Snapshot) {
        let Some(websub) = &self.websub else {
            return;
        };
        let urls = after
            .changed_since(before)
            .into_iter()
            .filter(|path| crate::urls::is_feed_document(path))
            .filter_map(|path| {
                let base_url = &self.config.feed.base_url;
                base_url.join(path.trim_start_matches('/')).ok()
            })
            .map(String::from)
            .collect();
        websub.changed(urls);
    }

    /// The state to publish after these batches and a look at the folder, if anything changed.
    fn step(&mut self, batches: Vec<Batch>, current: &Arc<Snapshot>) -> Option<Snapshot> {
        match self.folder.look() {
            Look::Same => {}
            Look::Missing => return None,
            Look::Vanished(earlier) => {
                self.clocks.last_change = Some(Utc::now());
                let status = self.status_bytes();
                return Some(match earlier {
                    Some(earlier) => current.restored(&earlier, status),
                    None => self.indexer.render_now().snapshot_after(current, status),
                });
            }
            Look::Back => {
                self.cache.dirty = true;
                self.indexer
                    .apply(&Batch::Rescan("the seeds folder was re-created".into()));
                self.clocks.last_rescan = Some(Utc::now());
                self.clocks.last_change = self.clocks.last_rescan;
                let status = self.status_bytes();
                return Some(self.indexer.render_now().snapshot_after(current, status));
            }
        }
        if batches.is_empty() {
            return self.step_without_change(current);
        }
        let started = Instant::now();
        self.apply(&batches, current);
        let applied = Instant::now();
        self.metrics.parsed(applied - started);
        let rendered = self.indexer.render();
        self.metrics.rendered(false, applied.elapsed());
        let status = self.status_bytes();
        let render_us = applied.elapsed().as_micros() as u64;
        let next = match rendered {
            Some(rendered) => rendered.snapshot_after(current, status),
            None => current.with_status(status, self.indexer.counts()),
        };
        let snapshot_us = applied.elapsed().as_micros() as u64 - render_us;
        debug!(render_us, snapshot_us, "change rendered");
        Some(next)
    }

    /// Applies change batches to the index, noting what the folder and the clocks need.
    fn apply(&mut self, batches: &[Batch], current: &Arc<Snapshot>) {
        self.cache.dirty = true;
        // A write under way holds the store as it was: it starts again once quiet.
        self.cache.writing = None;
        let entries_before = self.indexer.store().len();
        let mut files_read = 0;
        for batch in batches {
            files_read += self.indexer.apply(batch);
            if matches!(batch, Batch::Rescan(_)) {
                self.clocks.last_rescan = Some(Utc::now());
            }
        }
        let entries_after = self.indexer.store().len();
        let removals_only = files_read == 0 && entries_after <= entries_before;
        let shrank = removals_only && entries_after < entries_before;
        self.folder.applied(current, removals_only, shrank);
        self.clocks.last_change = Some(Utc::now());
        // The documents a change replaced free memory too.
        self.long_tail.busy();
    }

    /// The state to publish when the folder did not change: a render that was due, or
    /// `/status` when the long tail's figures moved (at most once a second).
    fn step_without_change(&mut self, current: &Snapshot) -> Option<Snapshot> {
        // Nothing changed in the folder: documents that only now appear (the folders' after
        // the start) are no news for the hubs.
        if std::mem::take(&mut self.render_due) {
            self.unannounced = true;
            let status = self.status_bytes();
            return Some(match self.indexer.render() {
                Some(rendered) => rendered.snapshot_after(current, status),
                None => current.with_status(status, self.indexer.counts()),
            });
        }
        if !self.long_tail.status_due() {
            return None;
        }
        self.unannounced = true;
        Some(current.with_status(self.status_bytes(), self.indexer.counts()))
    }

    /// Writes the whole index cache at once when it is behind and (unless `now`) it was last
    /// written a while ago: at the start, at stop, and when changes never stopped long enough
    /// for a write a slice at a time ([`CACHE_OVERDUE`]).
    fn save_cache_if_due(&mut self, now: bool) {
        self.cache.writing = None;
        if self.cache.dirty && (now || self.cache.saved.elapsed() >= CACHE_EVERY) {
            let started = Instant::now();
            self.indexer.save_cache();
            let us = started.elapsed().as_micros() as u64;
            debug!(us, "index cache written");
            self.cache.dirty = false;
            self.cache.saved = Instant::now();
        }
    }

    /// Starts writing the index cache, a slice a round, when it is behind and was last
    /// written a while ago: a burst of changes costs one write, not one per change. Called
    /// once the folder has been quiet for a while (see [`CACHE_QUIET`]).
    fn start_cache_if_due(&mut self) {
        let due = self.cache.dirty && self.cache.saved.elapsed() >= CACHE_EVERY;
        if due && self.cache.writing.is_none() {
            self.cache.writing = self.indexer.start_cache();
        }
    }

    /// The next slice of the index cache write under way: a million records hold the update
    /// thread ~35 ms a round instead of ~0.9 s at once, so a change never waits for the write.
    fn write_cache_slice(&mut self) {
        let Some(write) = self.cache.writing.take() else {
            return;
        };
        self.cache.writing = self.indexer.continue_cache(write, CACHE_SLICE);
        if self.cache.writing.is_none() {
            debug!("index cache written");
            self.cache.dirty = false;
            self.cache.saved = Instant::now();
        }
    }

    fn status_bytes(&self) -> Vec<u8> {
        let store = self.indexer.store();
        status::render(&Status {
            folder: self.indexer.root().to_path_buf(),
            folder_present: self.folder.present(),
            watcher: self.folder.watcher_mode(),
            started: self.clocks.started,
            last_change: self.clocks.last_change,
            last_rescan: self.clocks.last_rescan,
            started_from_cache: self.clocks.started_from_cache,
            entries: store.len(),
            authors_unread: store.authors_unread(),
            long_tail: self.long_tail.shown(),
            rejected: store
                .rejected()
                .map(|(path, reason)| (path.to_path_buf(), reason.to_string()))
                .collect(),
        })
    }
}

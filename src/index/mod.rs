//! The update side's index: what the seeds folder holds (the [`Store`] of keys), read from the
//! disk (`scan.rs`: scans and change batches, the only place that reads seed files into keys);
//! what the current documents show and their rendering (`render.rs`); the long tail planned
//! from it (`on_request.rs`); reading whole seeds (`reader.rs`, shared with the render thread);
//! the on-disk index cache (`cache.rs`).
//!
//! Memory: the store keeps a [`Key`] per seed; whole entries are kept only for the seeds the
//! documents show, and parsed (from the file) when a seed enters them. A change to a seed the
//! documents do not show renders nothing.

mod cache;
mod current;
mod on_request;
pub mod reader;
mod scan;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tracing::{info, warn};

use crate::catalog::Catalog;
use crate::config::Config;
use crate::render::Prepared;
use crate::scope::Scope;
use crate::seed::{Key, SiteParts};
use crate::seedfs::Stamp;
use crate::snapshot::Counts;
use crate::store::Store;
use current::Directory;
pub use current::Rendered;
pub use on_request::{Answer, Job, Planned, Walk};
pub use reader::SeedReader;
pub use scan::{FolderCheck, Progress, ScanReport, check_folder};

pub struct Indexer {
    /// Reads and parses seeds; shared with the long tail's render thread.
    reader: Arc<SeedReader>,
    feeds: Catalog,
    store: Store,
    /// Files read since the current batch began.
    files_read: usize,
    /// Whole entries for the seeds the documents show, with the stamp they were parsed at and
    /// whether their lead image was dropped as the site's.
    shown: HashMap<PathBuf, Shown>,
    /// Each feed's window as last taken; taken again only for the feeds the store says were
    /// touched since (a window costs ~50 lookups in maps of every seed: ~3 ms for 15 feeds
    /// at 100,000 seeds, most of a change's time when all were taken every time).
    windows: BTreeMap<Scope, Window>,
    /// The seeds (and versions) each feed's documents were last rendered from.
    rendered_from: BTreeMap<Scope, Vec<(PathBuf, Stamp)>>,
    /// The folders the root's page and the OPML file were last rendered with.
    rendered_folders: Option<Vec<String>>,
    /// The busiest authors and sections the root's page was last rendered with.
    rendered_directory: Option<Directory>,
    /// Whether the store holds the keys of the on-disk cache: a restart serves them at once
    /// and checks the folder against them (`resume_from_cache`, `changed_since_start`).
    preloaded: bool,
    /// The first state came from the index cache (not a scan): its unchanged keys count in
    /// `keys_from_cache`.
    resumed: bool,
    /// How many keys the index cache gave a restart, once its folder check is done.
    keys_from_cache: usize,
    /// What the folder check after the start found so far (see
    /// [`Indexer::changed_since_start`]).
    resume: Option<crate::store::Seen>,
    /// Files read since a restart began to serve the cache's keys (a shown seed changed
    /// while down is read before the folder check comes): not keys the cache gave.
    read_since_resume: usize,
    cache_file: Option<PathBuf>,
    fingerprint: String,
    /// A scan ran since [`Indexer::rescanned`] was last asked: anything may have changed.
    rescanned: bool,
}

/// A store holding the keys of the index cache `file` (made with settings `fingerprint`), and
/// whether it holds any; an empty store when the cache cannot be used. The keys go straight
/// into the store's rows, with no second copy of them (a restart at 1,000,000 seeds held both).
fn preload(file: &Path, fingerprint: &str, root: &Path) -> (Store, bool) {
    let started = std::time::Instant::now();
    let mut preload = Preload {
        store: Store::with_folders(root),
        root,
        filed: 0,
    };
    // The first scan settles the orders.
    preload.store.defer();
    match cache::load(file, fingerprint, &mut preload) {
        Ok(_) => {
            info!(
                entries = preload.filed,
                ms = started.elapsed().as_millis() as u64,
                "index cache loaded"
            );
            (preload.store, preload.filed > 0)
        }
        Err(reason) => {
            if file.exists() {
                info!(file = %file.display(), %reason, "index cache not used; rebuilding it");
            }
            (Store::with_folders(root), false)
        }
    }
}

/// The index cache's records filed into a store.
struct Preload<'r> {
    store: Store,
    root: &'r Path,
    filed: usize,
}

impl cache::Sink for Preload<'_> {
    fn expect(&mut self, records: usize) {
        self.store.reserve(records);
    }

    fn record(&mut self, path: PathBuf, stamp: Stamp, key: Key) {
        // A cache made for another folder names files the scan would never look at again.
        if !path.starts_with(self.root) {
            return;
        }
        self.filed += 1;
        if let Some(duplicate) = self.store.upsert(&path, key, stamp) {
            scan::warn_duplicate(&duplicate);
        }
    }
}

/// A seed as a window lists it: its file, and the key and stamp the index has for it.
use crate::store::Seed;

/// A seed's whole entry at hand, and what it was read as.
struct Shown {
    stamp: Stamp,
    /// What of it was dropped as the site's ([`crate::seed::SiteParts`]).
    site: SiteParts,
    entry: Arc<Prepared>,
}

impl Shown {
    /// Whether this is the entry of the seed at `stamp` judged as `key` is.
    fn is(&self, stamp: &Stamp, key: &Key) -> bool {
        self.stamp == *stamp && self.site == key.site
    }
}

/// The seeds a feed shows, newest first.
type Window = Vec<Seed>;

impl Indexer {
    /// An empty index over the configured seeds folder (resolved to its canonical path, so
    /// watcher events and walked paths agree).
    pub fn open(config: &Config) -> std::io::Result<Indexer> {
        let fingerprint = cache::fingerprint(
            config.seeds.timezone.name(),
            &config.outlets,
            config.seeds.max_file_bytes,
        );
        let root = std::fs::canonicalize(&config.seeds.dir)?;
        let (store, preloaded) = match &config.seeds.cache {
            Some(file) => preload(file, &fingerprint, &root),
            None => (Store::with_folders(&root), false),
        };
        Ok(Indexer {
            preloaded,
            resumed: false,
            keys_from_cache: 0,
            read_since_resume: 0,
            resume: None,
            cache_file: config.seeds.cache.clone(),
            fingerprint,
            feeds: Catalog::new(config),
            store,
            reader: Arc::new(SeedReader::new(root, config)),
            files_read: 0,
            shown: HashMap::new(),
            windows: BTreeMap::new(),
            rendered_from: BTreeMap::new(),
            rendered_folders: None,
            rendered_directory: None,
            rescanned: false,
        })
    }

    pub fn root(&self) -> &Path {
        self.reader.root()
    }

    /// Takes a reloaded config: the feeds' metadata and limits at once (every feed's window
    /// taken again and every document rendered again at the next render); new outlet rules,
    /// zone or file size limit with a new reader. Returns whether those changed: the keys
    /// depend on them, so the folder is to be rescanned.
    pub fn reconfigure(&mut self, config: &Config) -> bool {
        self.feeds = Catalog::new(config);
        self.windows.clear();
        self.forget_rendered();
        let fingerprint = cache::fingerprint(
            config.seeds.timezone.name(),
            &config.outlets,
            config.seeds.max_file_bytes,
        );
        if fingerprint == self.fingerprint {
            return false;
        }
        self.fingerprint = fingerprint;
        self.reader = Arc::new(SeedReader::new(self.root().to_path_buf(), config));
        self.shown.clear();
        true
    }

    /// Whether the next scan can take keys from the on-disk index cache (a restart), rather
    /// than read every file (a cold start).
    pub fn has_cached_keys(&self) -> bool {
        self.preloaded
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Lets go of what the outlets' patterns cached for each thread that parsed with them:
    /// a cold start's reads on short-lived threads left ~20 MB of such caches (the
    /// backtracker's and the lazy DFA's), which a fresh copy of the reader does not have. The
    /// old one goes once the render thread is done with it.
    pub fn drop_parse_caches(&mut self) {
        self.reader = Arc::new(self.reader.fresh());
    }

    /// See [`Store::tidy`].
    pub fn tidy_store(&mut self, chunks: usize) -> bool {
        self.store.tidy(chunks)
    }

    /// The (feed, month)s whose entries changed since the last call.
    pub fn take_journal(&mut self) -> Vec<(Scope, crate::scope::Month)> {
        self.store.take_journal()
    }

    /// Whether a scan ran since the last call (then the journal does not tell everything).
    pub fn rescanned(&mut self) -> bool {
        std::mem::take(&mut self.rescanned)
    }

    /// Writes the on-disk index cache, if one is configured.
    pub fn save_cache(&self) {
        let Some(file) = &self.cache_file else {
            return;
        };
        if let Err(error) = cache::save(
            file,
            &self.fingerprint,
            self.store.all().map(|e| (e.path(), e.stamp(), e.key())),
        ) {
            warn!(file = %file.display(), %error, "cannot write the index cache");
        }
    }

    /// Starts writing the index cache a slice at a time ([`Indexer::continue_cache`]); `None`
    /// without a cache file, or when it cannot be written (logged).
    pub fn start_cache(&self) -> Option<CacheWrite> {
        let file = self.cache_file.as_ref()?;
        match cache::Writing::start(file, &self.fingerprint, self.store.all().len()) {
            Ok(writing) => Some(CacheWrite { writing, done: 0 }),
            Err(error) => {
                warn!(file = %file.display(), %error, "cannot write the index cache");
                None
            }
        }
    }

    /// Writes up to `records` more of the store's records; the write back while there are
    /// more, `None` once the file is complete and in place (or could not be: logged). The
    /// store must not have changed since [`Indexer::start_cache`].
    pub fn continue_cache(&self, mut write: CacheWrite, records: usize) -> Option<CacheWrite> {
        let all = self.store.all();
        let left = all.len().saturating_sub(write.done);
        let slice = all.skip(write.done).take(records);
        let written = write
            .writing
            .write(slice.map(|e| (e.path(), e.stamp(), e.key())));
        write.done += records.min(left);
        let finished = match written {
            Ok(()) if write.done < self.store.all().len() => return Some(write),
            Ok(()) => write.writing.finish(),
            Err(error) => Err(error),
        };
        if let (Err(error), Some(file)) = (finished, &self.cache_file) {
            warn!(file = %file.display(), %error, "cannot write the index cache");
        }
        None
    }

    pub fn counts(&self) -> Counts {
        Counts {
            entries: self.store.len(),
            rejected: self.store.rejected().len(),
            folders: self.store.folders().count(),
        }
    }
}

/// An index cache write under way (see [`Indexer::start_cache`]).
pub struct CacheWrite {
    writing: cache::Writing,
    /// Records written so far, in the store's order.
    done: usize,
}

/// A scoped thread's result; its panic goes on in the caller.
fn join<T>(thread: std::thread::ScopedJoinHandle<'_, T>) -> T {
    thread
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// `work` over `items` on up to `threads` threads, each taking the next item as it is free (parse
/// costs vary a lot); results in the order of `items`.
fn on_threads<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    work: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    if items.len() <= 1 || threads <= 1 {
        // One change's usual case: no thread to start.
        return items.iter().map(work).collect();
    }
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.min(items.len()))
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        mine.push((i, work(item)));
                    }
                    mine
                })
            })
            .collect();
        workers.into_iter().flat_map(join).collect()
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests;

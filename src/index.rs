//! The update side: owns the [`Store`], turns "these paths changed" into reads, key parses,
//! upserts and removals, and renders the documents when what they show changed. The only place
//! that reads seed files.
//!
//! Memory: the store keeps a [`Key`] per seed; whole entries are kept only for the seeds the
//! documents show, and parsed (from the file) when a seed enters them. A change to a seed the
//! documents do not show renders nothing.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use tracing::{info, warn};

use crate::cache;
use crate::config::{Config, FeedMeta};
use crate::entry::Entry;
use crate::feed::{self, Documents};
use crate::seed::outlets::Outlets;
use crate::seed::{self, Key, SeedContext};
use crate::seedfs::{self, Found, Stamp};
use crate::snapshot::{Counts, Snapshot};
use crate::store::Store;
use crate::watch::Batch;

/// What a full scan found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanReport {
    pub entries: usize,
    pub rejected: usize,
    /// Seeds whose key came from the on-disk cache instead of a parse.
    pub from_cache: usize,
    pub elapsed: Duration,
}

/// Called as a scan goes: (files done, files in all).
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Sync);

pub struct Indexer {
    root: PathBuf,
    timezone: Tz,
    outlets: Outlets,
    max_file_bytes: u64,
    meta: FeedMeta,
    store: Store,
    /// Files read since the current batch began.
    files_read: usize,
    /// Whole entries for the seeds the documents show, with the stamp they were parsed at.
    shown: HashMap<PathBuf, (Stamp, Arc<Entry>)>,
    /// The seeds (and versions) the documents were last rendered from.
    rendered_from: Option<Vec<(PathBuf, Stamp)>>,
    /// Threads for reading and parsing many files at once.
    threads: usize,
    /// Keys from the on-disk cache, used (and emptied) by the first scan.
    cached: cache::Records,
    /// How many keys the cache gave during the current scan.
    cache_hits: AtomicUsize,
    cache_file: Option<PathBuf>,
    fingerprint: String,
}

/// What one file turned out to be.
enum Outcome {
    Seed(Key, Stamp),
    Rejected(String),
    Dir,
    Nothing,
}

impl Indexer {
    /// An empty index over the configured seeds folder (resolved to its canonical path, so
    /// watcher events and walked paths agree).
    pub fn open(config: &Config) -> std::io::Result<Indexer> {
        let fingerprint = cache::fingerprint(
            config.seeds.timezone.name(),
            &config.outlets,
            config.seeds.max_file_bytes,
        );
        let cached = match &config.seeds.cache {
            Some(file) => cache::load(file, &fingerprint).unwrap_or_else(|reason| {
                if file.exists() {
                    info!(file = %file.display(), %reason, "index cache not used; rebuilding it");
                }
                cache::Records::new()
            }),
            None => cache::Records::new(),
        };
        Ok(Indexer {
            cached,
            cache_hits: AtomicUsize::new(0),
            cache_file: config.seeds.cache.clone(),
            fingerprint,
            root: std::fs::canonicalize(&config.seeds.dir)?,
            timezone: config.seeds.timezone,
            outlets: config.outlets.clone(),
            max_file_bytes: config.seeds.max_file_bytes,
            meta: config.feed.clone(),
            store: Store::new(),
            files_read: 0,
            shown: HashMap::new(),
            rendered_from: None,
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Re-checks the whole folder: new files parsed, vanished ones removed.
    pub fn scan(&mut self) -> ScanReport {
        self.scan_with_progress(&|_, _| {})
    }

    /// [`Indexer::scan`], reporting progress; files are read and parsed on every core.
    pub fn scan_with_progress(&mut self, progress: Progress<'_>) -> ScanReport {
        let started = Instant::now();
        let root = self.root.clone();
        self.cache_hits.store(0, Ordering::Relaxed);
        self.recheck_dir(&root, progress);
        // The cache serves the first scan only; from here on events say what changed.
        self.cached = cache::Records::new();
        ScanReport {
            entries: self.store.len(),
            rejected: self.store.rejected().len(),
            from_cache: self.cache_hits.load(Ordering::Relaxed),
            elapsed: started.elapsed(),
        }
    }

    /// Applies one batch; returns how many files it read (parsed or rejected).
    pub fn apply(&mut self, batch: &Batch) -> usize {
        self.files_read = 0;
        match batch {
            Batch::Paths(paths) => {
                for path in paths {
                    self.recheck(path);
                }
            }
            Batch::Rescan(reason) => {
                warn!(reason = %reason, "rescanning the seeds folder");
                let report = self.scan();
                info!(
                    entries = report.entries,
                    rejected = report.rejected,
                    ms = report.elapsed.as_millis() as u64,
                    "rescan done"
                );
            }
        }
        self.files_read
    }

    /// Brings what the store holds for `path` (a file, a folder, or a path now gone) in line
    /// with the disk. Existence is checked now, so renames, atomic saves and deletes need no
    /// decoding of event kinds.
    fn recheck(&mut self, path: &Path) {
        if seedfs::is_ignored_path(&self.root, path) {
            return;
        }
        match self.read_key(path) {
            Outcome::Dir => self.recheck_dir(path, &|_, _| {}),
            Outcome::Nothing => {
                for known in self.store.paths_under(path) {
                    self.store.remove(&known);
                }
            }
            outcome => self.record(path, outcome),
        }
    }

    fn recheck_dir(&mut self, dir: &Path, progress: Progress<'_>) {
        let (files, errors) = seedfs::walk(&self.root, dir);
        for (path, reason) in errors {
            warn!(path = %path.display(), reason = %reason, "folder unreadable");
        }
        let seen: HashSet<&PathBuf> = files.iter().collect();
        for known in self.store.paths_under(dir) {
            if !seen.contains(&known) {
                self.store.remove(&known);
            }
        }
        for (path, outcome) in self.read_keys(&files, progress) {
            match outcome {
                Outcome::Dir | Outcome::Nothing => {
                    self.store.remove(&path);
                }
                outcome => self.record(&path, outcome),
            }
        }
    }

    /// Reads and key-parses `files` on all threads; results in the order of `files`.
    fn read_keys(&self, files: &[PathBuf], progress: Progress<'_>) -> Vec<(PathBuf, Outcome)> {
        let next = AtomicUsize::new(0);
        let done = AtomicUsize::new(0);
        let threads = self.threads.min(files.len() / 64 + 1);
        let mut results: Vec<(usize, Outcome)> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        let mut mine = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(path) = files.get(i) else { break };
                            mine.push((i, self.read_key(path)));
                            let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                            if finished.is_multiple_of(256) || finished == files.len() {
                                progress(finished, files.len());
                            }
                        }
                        mine
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        });
        results.sort_by_key(|(i, _)| *i);
        results
            .into_iter()
            .map(|(i, outcome)| (files[i].clone(), outcome))
            .collect()
    }

    /// Reads one path and parses the key of what it holds — unless the cache holds its key
    /// for the very same stamp. Touches no state: runs on any thread.
    fn read_key(&self, path: &Path) -> Outcome {
        if let Some((stamp, key)) = self.cached.get(path)
            && std::fs::metadata(path).is_ok_and(|m| m.is_file() && Stamp::of(&m) == *stamp)
        {
            self.cache_hits.fetch_add(1, Ordering::Relaxed);
            return Outcome::Seed(key.clone(), *stamp);
        }
        match seedfs::read(&self.root, path, self.max_file_bytes) {
            Ok(Found::Seed { bytes, stamp }) => {
                match seed::parse_key_with_doubts(&bytes, &self.context(stamp)) {
                    Ok((key, doubts)) => {
                        for doubt in doubts {
                            warn!(path = %path.display(), %doubt, "seed date passed over");
                        }
                        Outcome::Seed(key, stamp)
                    }
                    Err(e) => Outcome::Rejected(e.to_string()),
                }
            }
            Ok(Found::Dir) => Outcome::Dir,
            Ok(Found::Nothing) => Outcome::Nothing,
            Err(e) => Outcome::Rejected(e.to_string()),
        }
    }

    fn context(&self, stamp: Stamp) -> SeedContext<'_> {
        SeedContext {
            timezone: self.timezone,
            modified: stamp.modified,
            outlets: &self.outlets,
        }
    }

    fn record(&mut self, path: &Path, outcome: Outcome) {
        self.files_read += 1;
        match outcome {
            Outcome::Seed(key, stamp) => {
                if let Some(dup) = self.store.upsert(path, key, stamp) {
                    warn!(
                        link = %dup.link,
                        served = %dup.winner.display(),
                        ignored = %dup.loser.display(),
                        "two seeds share a link; the newest fetch wins"
                    );
                }
            }
            Outcome::Rejected(reason) => self.reject(path, reason),
            Outcome::Dir | Outcome::Nothing => {}
        }
    }

    /// Records a rejection, logging it once per change of reason rather than on every rescan.
    fn reject(&mut self, path: &Path, reason: String) {
        if self.store.rejection(path) != Some(reason.as_str()) {
            warn!(path = %path.display(), reason = %reason, "seed rejected");
        }
        self.store.reject(path, reason);
    }

    /// Renders the documents whatever changed.
    pub fn render_now(&mut self) -> Rendered {
        self.rendered_from = None;
        match self.render() {
            Some(rendered) => rendered,
            None => self.render_window(Vec::new()),
        }
    }

    /// Renders the documents if the seeds they show (or their versions) changed since the
    /// last render; `None` when nothing they show changed.
    pub fn render(&mut self) -> Option<Rendered> {
        // A seed that changed after it was indexed is re-indexed and the window taken again;
        // a file rewritten faster than this can be read is left out until its next event.
        for _ in 0..3 {
            let window: Vec<(PathBuf, Key, Stamp)> = self
                .store
                .newest()
                .take(self.meta.limit)
                .map(|(path, key, stamp)| (path.to_path_buf(), key.clone(), stamp))
                .collect();
            let from: Vec<(PathBuf, Stamp)> =
                window.iter().map(|(p, _, s)| (p.clone(), *s)).collect();
            if self.rendered_from.as_ref() == Some(&from) {
                return None;
            }
            let stale: Vec<PathBuf> = window
                .iter()
                .filter(|(path, key, stamp)| !self.ensure_shown(path, key, *stamp))
                .map(|(path, _, _)| path.clone())
                .collect();
            if stale.is_empty() {
                return Some(self.render_window(from));
            }
            for path in stale {
                self.recheck(&path);
            }
        }
        let from: Vec<(PathBuf, Stamp)> = self
            .store
            .newest()
            .take(self.meta.limit)
            .map(|(p, _, s)| (p.to_path_buf(), s))
            .filter(|(p, s)| self.shown.get(p).is_some_and(|(shown, _)| shown == s))
            .collect();
        Some(self.render_window(from))
    }

    /// Makes sure the whole entry for `path` at `stamp` is at hand; false if the file no longer
    /// is what the index says.
    fn ensure_shown(&mut self, path: &Path, key: &Key, stamp: Stamp) -> bool {
        if self.shown.get(path).is_some_and(|(s, _)| *s == stamp) {
            return true;
        }
        let Ok(Found::Seed { bytes, stamp: now }) =
            seedfs::read(&self.root, path, self.max_file_bytes)
        else {
            return false;
        };
        if now != stamp {
            return false;
        }
        match seed::parse(&bytes, &self.context(stamp)) {
            Ok(entry)
                if entry.id == key.id
                    && entry.published == key.published
                    && entry.updated == key.updated =>
            {
                self.shown
                    .insert(path.to_path_buf(), (stamp, Arc::new(entry)));
                true
            }
            _ => false,
        }
    }

    fn render_window(&mut self, from: Vec<(PathBuf, Stamp)>) -> Rendered {
        let mut content_time = DateTime::UNIX_EPOCH;
        let entries: Vec<Arc<Entry>> = from
            .iter()
            .filter_map(|(path, stamp)| {
                let entry = self.shown.get(path)?.1.clone();
                content_time = content_time.max(entry.updated).max(stamp.modified);
                Some(entry)
            })
            .collect();
        let showing: HashSet<&PathBuf> = from.iter().map(|(p, _)| p).collect();
        self.shown.retain(|path, _| showing.contains(path));
        let references: Vec<&Entry> = entries.iter().map(Arc::as_ref).collect();
        let rendered = Rendered {
            documents: feed::render(&self.meta, &references),
            content_time,
            counts: self.counts(),
        };
        self.rendered_from = Some(from);
        rendered
    }

    /// Writes the on-disk index cache, if one is configured.
    pub fn save_cache(&self) {
        let Some(file) = &self.cache_file else {
            return;
        };
        if let Err(error) = cache::save(file, &self.fingerprint, self.store.all()) {
            warn!(file = %file.display(), %error, "cannot write the index cache");
        }
    }

    pub fn counts(&self) -> Counts {
        Counts {
            entries: self.store.len(),
            rejected: self.store.rejected().len(),
        }
    }
}

/// Documents fresh from the renderer, with what the snapshot needs to know about them.
pub struct Rendered {
    pub documents: Documents,
    /// The newest date or file mtime among the entries shown: the base of `Last-Modified`.
    pub content_time: DateTime<Utc>,
    pub counts: Counts,
}

impl Rendered {
    pub fn first_snapshot(self, status: Vec<u8>) -> Snapshot {
        Snapshot::first(self.documents, status, self.content_time, self.counts)
    }

    pub fn snapshot_after(self, previous: &Snapshot, status: Vec<u8>) -> Snapshot {
        previous.next(self.documents, status, self.content_time, self.counts)
    }
}

#[cfg(test)]
mod tests;

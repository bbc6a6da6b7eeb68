//! The update side: owns the [`Store`], turns "these paths changed" into parses, upserts and
//! removals, and renders the documents for the result. The only place that reads seed files.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use tracing::{info, warn};

use crate::config::{Config, FeedMeta};
use crate::entry::Entry;
use crate::feed::{self, Documents};
use crate::seed::{self, SeedContext};
use crate::seedfs::{self, Found};
use crate::snapshot::{Counts, Snapshot};
use crate::store::Store;
use crate::watch::Batch;

/// What a full scan found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanReport {
    pub entries: usize,
    pub rejected: usize,
    pub elapsed: Duration,
}

pub struct Indexer {
    root: PathBuf,
    timezone: Tz,
    max_file_bytes: u64,
    meta: FeedMeta,
    store: Store,
    /// Files read since the current batch began.
    files_read: usize,
}

impl Indexer {
    /// An empty index over the configured seeds folder (resolved to its canonical path, so
    /// watcher events and walked paths agree).
    pub fn open(config: &Config) -> std::io::Result<Indexer> {
        Ok(Indexer {
            root: std::fs::canonicalize(&config.seeds.dir)?,
            timezone: config.seeds.timezone,
            max_file_bytes: config.seeds.max_file_bytes,
            meta: config.feed.clone(),
            store: Store::new(),
            files_read: 0,
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
        let started = Instant::now();
        let root = self.root.clone();
        self.recheck_dir(&root);
        ScanReport {
            entries: self.store.len(),
            rejected: self.store.rejected().len(),
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
        match seedfs::read(&self.root, path, self.max_file_bytes) {
            Ok(Found::Seed { bytes, modified }) => self.ingest(path, &bytes, modified),
            Ok(Found::Dir) => self.recheck_dir(path),
            Ok(Found::Nothing) => {
                for known in self.store.paths_under(path) {
                    self.store.remove(&known);
                }
            }
            Err(e) => self.reject(path, e.to_string()),
        }
    }

    fn recheck_dir(&mut self, dir: &Path) {
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
        for file in &files {
            match seedfs::read(&self.root, file, self.max_file_bytes) {
                Ok(Found::Seed { bytes, modified }) => self.ingest(file, &bytes, modified),
                Ok(Found::Dir | Found::Nothing) => {
                    self.store.remove(file);
                }
                Err(e) => self.reject(file, e.to_string()),
            }
        }
    }

    fn ingest(&mut self, path: &Path, bytes: &[u8], modified: DateTime<Utc>) {
        self.files_read += 1;
        let context = SeedContext {
            timezone: self.timezone,
            modified,
        };
        match seed::parse(bytes, &context) {
            Ok(entry) => {
                if let Some(dup) = self.store.upsert(path, entry, modified) {
                    warn!(
                        link = %dup.link,
                        served = %dup.winner.display(),
                        ignored = %dup.loser.display(),
                        "two seeds share a link; the newer file wins"
                    );
                }
            }
            Err(e) => self.reject(path, e.to_string()),
        }
    }

    /// Records a rejection, logging it once per change of reason rather than on every rescan.
    fn reject(&mut self, path: &Path, reason: String) {
        self.files_read += 1;
        if self.store.rejected().get(path) != Some(&reason) {
            warn!(path = %path.display(), reason = %reason, "seed rejected");
        }
        self.store.reject(path, reason);
    }

    /// Renders the documents for the current state.
    pub fn render(&self) -> Rendered {
        let mut content_time = DateTime::UNIX_EPOCH;
        let entries: Vec<&Entry> = self
            .store
            .newest_with_mtime()
            .take(self.meta.limit)
            .map(|(entry, modified)| {
                content_time = content_time.max(entry.updated).max(modified);
                entry.as_ref()
            })
            .collect();
        Rendered {
            documents: feed::render(&self.meta, &entries),
            content_time,
            counts: Counts {
                entries: self.store.len(),
                rejected: self.store.rejected().len(),
            },
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

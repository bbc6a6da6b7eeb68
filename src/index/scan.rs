//! Reading the seeds folder into the store: the first scan (on every core, a slice read while
//! the previous one is filed, keys taken from the index cache where the file is unchanged),
//! and each change batch, rechecked against the disk as it is now.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tracing::{debug, info, warn};

use super::{Indexer, join};
use crate::seed::{self, Key};
use crate::seedfs::{self, Found, PathList, Stamp};
use crate::store::{Duplicate, Store};
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

/// A walk or a batch of more files than this, and than a quarter of the store, has the
/// store's feed orders made anew once at the end (see `Store::defer`, `store/settle.rs`:
/// ~0.6 s at 1,000,000 seeds).
const BULK: usize = 2048;

/// A walk or a batch of more files than this (and too few to make the orders anew) gathers
/// the rows it lists and unlists, and places them in the orders they touch once at the end
/// (see `Store::gather`): a pass over each such order, where a row at a time moves most of
/// a million-long array for each row (a 10,000-seed burst held the update thread 2.3 s at
/// 1,000,000 seeds that way, ~1 s making every order anew).
const GATHER: usize = 16;

/// A batch of more paths than this reads them on every thread before filing them (a `git
/// pull`'s burst; one change's usual batch is read on the update thread itself).
const READ_TOGETHER: usize = 64;

/// Threads that stat the files of a restart's folder check (see [`check_folder`]): the issue's
/// measurement of this disk read a million files in 63 s with 2 readers, 31 s with 8.
const STAT_THREADS: usize = 8;

/// Threads that read the files of a cold scan (parsing is on one thread a core).
const READERS: usize = 8;

/// Files read and waiting to be parsed, at most: ~10 KB each.
const READ_AHEAD: usize = 64;

/// Files a scan reads before it files their keys in the store.
const SCAN_SLICE: usize = 4096;

/// One slice of the seeds folder as a restart finds it: files a walk found, with their
/// stamps (`None`: gone by the time it was looked at); `last` ends the walk.
pub struct FolderCheck {
    files: PathList,
    stamps: Vec<Option<Stamp>>,
    pub last: bool,
}

/// Files a folder check stats and hands over at a time: the check holds no more than this
/// (the whole walk's list and stamps were ~100 MB at a restart's peak at 1,000,000 seeds),
/// and the update thread compares one slice with the store in a few milliseconds.
const CHECK_SLICE: usize = 16_384;

/// Walks the folder at `root` and stats every file on [`STAT_THREADS`] threads, handing the
/// files and stamps to `checked` a slice at a time (the last one marked, possibly empty).
/// Touches no index, so it runs beside the serving of a restart: at 1,000,000 seeds the walk
/// and a million stats took 5–15 s warm, far more with the page cache dropped, that the
/// first answer waited for.
pub fn check_folder(root: &Path, mut checked: impl FnMut(FolderCheck)) {
    let started = Instant::now();
    let mut files = PathList::default();
    let mut found = 0;
    let mut hand_over = |files: &mut PathList, last: bool| {
        let files = std::mem::take(files);
        let stamps = stamps_of(&files);
        checked(FolderCheck {
            files,
            stamps,
            last,
        });
    };
    seedfs::walk_each(
        root,
        root,
        |path| {
            files.push(path);
            found += 1;
            if files.len() == CHECK_SLICE {
                hand_over(&mut files, false);
            }
        },
        |path, reason| warn!(path = %path.display(), reason = %reason, "folder unreadable"),
    );
    hand_over(&mut files, true);
    debug!(
        files = found,
        ms = started.elapsed().as_millis() as u64,
        "folder walked and stated"
    );
}

/// The stamp of each of `files` (`None`: not a file, or gone), on [`STAT_THREADS`] threads
/// filling one array a slice at a time: results gathered per thread with their numbers, then
/// sorted, were ~130 MB at a restart's peak at 1,000,000 seeds.
fn stamps_of(files: &PathList) -> Vec<Option<Stamp>> {
    const SLICE: usize = 1024;
    let mut stamps = vec![None; files.len()];
    let slices = std::sync::Mutex::new(stamps.chunks_mut(SLICE).enumerate());
    let threads = STAT_THREADS.min(files.len() / 64 + 1);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let next = slices.lock().unwrap_or_else(|e| e.into_inner()).next();
                    let Some((number, slice)) = next else { break };
                    for (i, stamp) in slice.iter_mut().enumerate() {
                        // Followed, as reading a seed follows a link inside the root.
                        *stamp = std::fs::metadata(files.get(number * SLICE + i))
                            .ok()
                            .filter(|m| m.is_file())
                            .map(|m| Stamp::of(&m));
                    }
                }
            });
        }
    });
    stamps
}

/// What one file turned out to be.
enum Outcome {
    Seed(Key, Stamp),
    Rejected(String),
    Dir,
    Nothing,
}

impl Indexer {
    /// Re-checks the whole folder: new files parsed, vanished ones removed.
    pub fn scan(&mut self) -> ScanReport {
        self.scan_with_progress(&|_, _| {})
    }

    /// [`Indexer::scan`], reporting progress; files are read and parsed on every core.
    pub fn scan_with_progress(&mut self, progress: Progress<'_>) -> ScanReport {
        let started = Instant::now();
        let root = self.root().to_path_buf();
        if self.preloaded {
            // A restart done in one go: the cache's keys, then the folder checked against them.
            self.resume_from_cache();
            let mut paths = Vec::new();
            check_folder(&root, |check| {
                paths.extend(self.changed_since_start(&check))
            });
            self.apply(&Batch::Paths(paths));
            return ScanReport {
                elapsed: started.elapsed(),
                ..self.resumed_report()
            };
        }
        self.recheck_dir(&root, progress);
        // The cache serves the first scan only; from here on events say what changed.
        self.preloaded = false;
        self.rescanned = true;
        self.store.keep_journal();
        ScanReport {
            entries: self.store.len(),
            rejected: self.store.rejected().len(),
            from_cache: 0,
            elapsed: started.elapsed(),
        }
    }

    /// Makes the index cache's keys what is served, before the folder is checked against them
    /// (a restart answers at once; [`check_folder`] runs meanwhile on another thread, and
    /// [`Indexer::changed_since_start`] turns what it found into a batch); its report counts
    /// no key from the cache yet.
    pub fn resume_from_cache(&mut self) -> ScanReport {
        let started = Instant::now();
        self.store.settle();
        debug!(ms = started.elapsed().as_millis() as u64, "orders settled");
        self.read_since_resume = 0;
        self.resumed = true;
        self.preloaded = false;
        self.rescanned = true;
        self.store.keep_journal();
        ScanReport {
            elapsed: started.elapsed(),
            ..self.resumed_report()
        }
    }

    fn resumed_report(&self) -> ScanReport {
        ScanReport {
            entries: self.store.len(),
            rejected: self.store.rejected().len(),
            from_cache: self.keys_from_cache,
            elapsed: Duration::ZERO,
        }
    }

    /// Applies one batch; returns how many files it read (parsed or rejected).
    pub fn apply(&mut self, batch: &Batch) -> usize {
        self.files_read = 0;
        match batch {
            Batch::Paths(paths) => {
                // A burst (a `git pull` of thousands of seeds) puts its rows in order once.
                self.hold_orders(paths.len());
                if paths.len() > READ_TOGETHER {
                    // Read on every thread first, then filed in the batch's order.
                    let root = self.root().to_path_buf();
                    let wanted: Vec<PathBuf> = paths
                        .iter()
                        .filter(|path| !seedfs::is_ignored_path(&root, path))
                        .cloned()
                        .collect();
                    for (path, outcome) in self.read_keys(&wanted, &|_, _| {}) {
                        self.take_outcome(&path, outcome);
                    }
                } else {
                    for path in paths {
                        self.recheck(path);
                    }
                }
                self.store.settle();
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

    /// Before a batch or a walk of `files` files: how their rows reach the feed orders until
    /// the store settles ([`BULK`], [`GATHER`]; a few go one at a time).
    fn hold_orders(&mut self, files: usize) {
        if files > BULK.max(self.store.len() / 4) {
            self.store.defer();
        } else if files > GATHER {
            self.store.gather();
        }
    }

    /// Brings what the store holds for `path` (a file, a folder, or a path now gone) in line
    /// with the disk. Existence is checked now, so renames, atomic saves and deletes need no
    /// decoding of event kinds.
    pub(super) fn recheck(&mut self, path: &Path) {
        if seedfs::is_ignored_path(self.root(), path) {
            return;
        }
        let outcome = self.read_key(path);
        self.take_outcome(path, outcome);
    }

    /// Brings the store in line with what a read of `path` (not an ignored one) found.
    fn take_outcome(&mut self, path: &Path, outcome: Outcome) {
        match outcome {
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
        let started = Instant::now();
        let (files, errors) = seedfs::walk(self.root(), dir);
        debug!(
            files = files.len(),
            ms = started.elapsed().as_millis() as u64,
            "walked"
        );
        for (path, reason) in errors {
            warn!(path = %path.display(), reason = %reason, "folder unreadable");
        }
        // A big walk (the first scan, a folder of many seeds arriving) sorts the feed orders
        // once at the end instead of inserting each entry into them.
        self.hold_orders(files.len());
        self.store.keep_only(dir, files.iter());
        debug!(
            ms = started.elapsed().as_millis() as u64,
            "gone files forgotten"
        );
        // In slices: the keys of a slice go into the store while the next is read (filing
        // them is ~8% of a cold scan, and the cores would wait for it), so a scan of 100,000
        // seeds never holds more than two slices' keys.
        let total = files.len();
        let mut store = std::mem::take(&mut self.store);
        let mut files_read = 0;
        let this = &*self;
        std::thread::scope(|scope| {
            let mut reading: Option<std::thread::ScopedJoinHandle<_>> = None;
            for before in (0..total).step_by(SCAN_SLICE) {
                let slice = files.slice(before..total.min(before + SCAN_SLICE));
                let next = scope.spawn(move || {
                    let progress = |done: usize, _: usize| progress(before + done, total);
                    this.read_keys(&slice, &progress)
                });
                if let Some(read) = reading.replace(next) {
                    file_keys(&mut store, &mut files_read, join(read));
                }
            }
            if let Some(read) = reading {
                file_keys(&mut store, &mut files_read, join(read));
            }
        });
        self.store = store;
        debug!(ms = started.elapsed().as_millis() as u64, "files read");
        self.store.settle();
        debug!(ms = started.elapsed().as_millis() as u64, "orders settled");
        self.files_read += files_read;
    }

    /// The paths to recheck after the start (a restart from the index cache, or a cold
    /// scan), from one slice of what [`check_folder`] found: files whose stamp is not the one
    /// the store holds (or that it does not know); with the last slice, also what the store
    /// holds that the walk did not find (gone, or made since the walk passed: a recheck tells
    /// which). Reads only the store.
    pub fn changed_since_start(&mut self, check: &FolderCheck) -> Vec<PathBuf> {
        let seen = self.resume.get_or_insert_default();
        let found = check.files.iter().zip(&check.stamps);
        let mut paths = self.store.differing(found, seen);
        if check.last {
            let seen = self.resume.take().unwrap_or_default();
            paths.extend(self.store.not_found(self.reader.root(), &seen));
            let unchanged = seen.unchanged.saturating_sub(self.read_since_resume);
            self.keys_from_cache = if self.resumed { unchanged } else { 0 };
            let against = if self.resumed {
                "the index cache"
            } else {
                "the scan"
            };
            info!(unchanged, against, "folder checked");
        }
        paths
    }

    /// How many keys the last restart took from the index cache, once its folder check is
    /// done.
    pub fn keys_from_cache(&self) -> usize {
        self.keys_from_cache
    }

    /// Reads and key-parses `files`: [`READERS`] threads read, and as many threads as there
    /// are cores parse what they read; results in the order of `files`. With the page cache
    /// dropped a file read is mostly waiting on the disk, which wants more requests in
    /// flight than there are cores (the measurement: a million files in 63 s with 2
    /// readers, 31 s with 8); parsing is all CPU.
    fn read_keys(&self, files: &[PathBuf], progress: Progress<'_>) -> Vec<(PathBuf, Outcome)> {
        // A small folder is not worth the threads.
        let parsers = self.reader.threads.min(files.len() / 64 + 1);
        if parsers <= 1 {
            let read = files.iter().map(|path| (path.clone(), self.read_key(path)));
            let read: Vec<_> = read.collect();
            if !read.is_empty() {
                progress(read.len(), read.len());
            }
            return read;
        }
        let next = AtomicUsize::new(0);
        let done = AtomicUsize::new(0);
        let (sender, read) = std::sync::mpsc::sync_channel(READ_AHEAD);
        let read = std::sync::Mutex::new(read);
        let mut outcomes: Vec<(usize, Outcome)> = std::thread::scope(|scope| {
            for _ in 0..READERS.min(files.len()) {
                let sender = sender.clone();
                let next = &next;
                scope.spawn(move || {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(path) = files.get(i) else { break };
                        if sender.send((i, self.reader.read(path))).is_err() {
                            break;
                        }
                    }
                });
            }
            // The parsers end once every reader has and the queue is empty.
            drop(sender);
            let parsers: Vec<_> = (0..parsers)
                .map(|_| {
                    scope.spawn(|| {
                        let mut mine = Vec::new();
                        loop {
                            let item = read.lock().unwrap_or_else(|e| e.into_inner()).recv();
                            let Ok((i, found)) = item else { break };
                            mine.push((i, self.key_of(&files[i], found)));
                            let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                            if finished.is_multiple_of(256) || finished == files.len() {
                                progress(finished, files.len());
                            }
                        }
                        mine
                    })
                })
                .collect();
            parsers.into_iter().flat_map(join).collect()
        });
        outcomes.sort_unstable_by_key(|(i, _)| *i);
        files
            .iter()
            .cloned()
            .zip(outcomes.into_iter().map(|(_, outcome)| outcome))
            .collect()
    }

    /// Reads one path and parses the key of what it holds. Touches no state: runs on any
    /// thread.
    fn read_key(&self, path: &Path) -> Outcome {
        self.key_of(path, self.reader.read(path))
    }

    /// The key of what a read of `path` found (see [`Indexer::read_key`]).
    fn key_of(&self, path: &Path, found: Result<Found, seedfs::ReadError>) -> Outcome {
        match found {
            Ok(Found::Seed { bytes, stamp }) => {
                match seed::parse_key_with_doubts(&bytes, &self.reader.context(stamp)) {
                    Ok((key, doubts)) => {
                        for doubt in doubts {
                            warn!(path = %path.display(), %doubt, "seed read with a doubt");
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

    fn record(&mut self, path: &Path, outcome: Outcome) {
        self.read_since_resume += 1;
        record(&mut self.store, &mut self.files_read, path, outcome);
    }
}

/// Files what one slice of a scan read: keys upserted, rejections recorded, paths that are no
/// file anymore removed.
fn file_keys(store: &mut Store, files_read: &mut usize, read: Vec<(PathBuf, Outcome)>) {
    for (path, outcome) in read {
        match outcome {
            Outcome::Dir | Outcome::Nothing => {
                store.remove(&path);
            }
            outcome => record(store, files_read, &path, outcome),
        }
    }
}

fn record(store: &mut Store, files_read: &mut usize, path: &Path, outcome: Outcome) {
    *files_read += 1;
    match outcome {
        Outcome::Seed(key, stamp) => {
            if let Some(duplicate) = store.upsert(path, key, stamp) {
                warn_duplicate(&duplicate);
            }
        }
        Outcome::Rejected(reason) => reject(store, path, reason),
        Outcome::Dir | Outcome::Nothing => {}
    }
}

pub(super) fn warn_duplicate(duplicate: &Duplicate) {
    warn!(
        link = %duplicate.link,
        served = %duplicate.winner.display(),
        ignored = %duplicate.loser.display(),
        "two seeds share a link; the newest fetch wins"
    );
}

/// Records a rejection, logging it once per change of reason rather than on every rescan.
fn reject(store: &mut Store, path: &Path, reason: String) {
    if store.rejection(path) != Some(reason.as_str()) {
        warn!(path = %path.display(), reason = %reason, "seed rejected");
    }
    store.reject(path, reason);
}

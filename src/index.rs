//! The update side: owns the [`Store`], turns "these paths changed" into reads, key parses,
//! upserts and removals, and renders the documents when what they show changed. The only place
//! that reads seed files.
//!
//! Memory: the store keeps a [`Key`] per seed; whole entries are kept only for the seeds the
//! documents show, and parsed (from the file) when a seed enters them. A change to a seed the
//! documents do not show renders nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::DateTime;
use tracing::{info, warn};

use crate::cache;
use crate::config::Config;
use crate::feed::{self, FeedGroup, FeedLink, Prepared};
use crate::feeds::{Feeds, Month, Period, Scope};
use crate::seed::{self, Key};
use crate::seedfs::{self, Found, Stamp};
use crate::snapshot::{Changes, Counts, Page, Snapshot};
use crate::store::{FacetKind, Store};
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
    /// Reads and parses seeds; shared with the long tail's render thread.
    reader: Arc<SeedReader>,
    feeds: Feeds,
    store: Store,
    /// Files read since the current batch began.
    files_read: usize,
    /// Whole entries for the seeds the documents show, with the stamp they were parsed at.
    shown: HashMap<PathBuf, (Stamp, Arc<Prepared>)>,
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
    /// Keys from the on-disk cache, used (and emptied) by the first scan.
    cached: cache::Records,
    /// How many keys the cache gave during the current scan.
    cache_hits: AtomicUsize,
    cache_file: Option<PathBuf>,
    fingerprint: String,
    /// A scan ran since [`Indexer::rescanned`] was last asked: anything may have changed.
    rescanned: bool,
}

/// A seed as a window lists it: its file, and the key and stamp the index has for it.
type Seed = (PathBuf, Key, Stamp);

/// The seeds a feed shows, newest first.
type Window = Vec<Seed>;

/// Seeds after each feed's window kept parsed and prepared: a deletion then brings in an entry
/// already at hand instead of parsing one before it can be shown (~1–2 ms of its latency).
const SPARES: usize = 2;

/// Files a scan reads before it files their keys in the store.
const SCAN_SLICE: usize = 4096;

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
        let root = std::fs::canonicalize(&config.seeds.dir)?;
        Ok(Indexer {
            cached,
            cache_hits: AtomicUsize::new(0),
            cache_file: config.seeds.cache.clone(),
            fingerprint,
            feeds: Feeds::new(config),
            store: Store::with_folders(&root),
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

    /// Whether the next scan can take keys from the on-disk index cache (a restart), rather
    /// than read every file (a cold start).
    pub fn has_cached_keys(&self) -> bool {
        !self.cached.is_empty()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The (feed, month)s whose entries changed since the last call.
    pub fn take_journal(&mut self) -> Vec<(Scope, crate::feeds::Month)> {
        self.store.take_journal()
    }

    /// Whether a scan ran since the last call (then the journal does not tell everything).
    pub fn rescanned(&mut self) -> bool {
        std::mem::take(&mut self.rescanned)
    }

    /// Re-checks the whole folder: new files parsed, vanished ones removed.
    pub fn scan(&mut self) -> ScanReport {
        self.scan_with_progress(&|_, _| {})
    }

    /// [`Indexer::scan`], reporting progress; files are read and parsed on every core.
    pub fn scan_with_progress(&mut self, progress: Progress<'_>) -> ScanReport {
        let started = Instant::now();
        let root = self.root().to_path_buf();
        self.cache_hits.store(0, Ordering::Relaxed);
        self.recheck_dir(&root, progress);
        // The cache serves the first scan only; from here on events say what changed.
        self.cached = cache::Records::new();
        self.rescanned = true;
        self.store.keep_journal();
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
        if seedfs::is_ignored_path(self.root(), path) {
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
        let (files, errors) = seedfs::walk(self.root(), dir);
        for (path, reason) in errors {
            warn!(path = %path.display(), reason = %reason, "folder unreadable");
        }
        let seen: HashSet<&PathBuf> = files.iter().collect();
        for known in self.store.paths_under(dir) {
            if !seen.contains(&known) {
                self.store.remove(&known);
            }
        }
        // In slices: the keys of a slice go into the store while the next is read (filing
        // them is ~8% of a cold scan, and the cores would wait for it), so a scan of 100,000
        // seeds never holds more than two slices' keys.
        let total = files.len();
        let mut store = std::mem::take(&mut self.store);
        let mut files_read = 0;
        let this = &*self;
        std::thread::scope(|scope| {
            let mut reading: Option<std::thread::ScopedJoinHandle<_>> = None;
            for (at, slice) in files.chunks(SCAN_SLICE).enumerate() {
                let next = scope.spawn(move || {
                    let before = at * SCAN_SLICE;
                    let progress = |done: usize, _: usize| progress(before + done, total);
                    this.read_keys(slice, &progress)
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
        self.files_read += files_read;
    }

    /// Reads and key-parses `files` on all threads; results in the order of `files`.
    fn read_keys(&self, files: &[PathBuf], progress: Progress<'_>) -> Vec<(PathBuf, Outcome)> {
        let done = AtomicUsize::new(0);
        // A small folder is not worth a thread per core.
        let threads = self.reader.threads.min(files.len() / 64 + 1);
        let outcomes = on_threads(files, threads, |path| {
            let outcome = self.read_key(path);
            let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
            if finished.is_multiple_of(256) || finished == files.len() {
                progress(finished, files.len());
            }
            outcome
        });
        files.iter().cloned().zip(outcomes).collect()
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
        match self.reader.read(path) {
            Ok(Found::Seed { bytes, stamp }) => {
                match seed::parse_key_with_doubts(&bytes, &self.reader.context(stamp)) {
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

    fn record(&mut self, path: &Path, outcome: Outcome) {
        record(&mut self.store, &mut self.files_read, path, outcome);
    }

    /// Renders every document whatever changed.
    pub fn render_now(&mut self) -> Rendered {
        self.forget_rendered();
        self.render().unwrap_or_default()
    }

    /// Renders the root's documents and `/opml.xml` only: what the start must have before it
    /// binds. The next [`Indexer::render`] renders every folder's (until then, a request for
    /// one is rendered on request like the long tail): at 100,000 seeds in 14 outlet folders
    /// that is ~200 ms less before the first answer.
    pub fn render_first(&mut self) -> Rendered {
        self.forget_rendered();
        self.render_feeds(true).unwrap_or_default()
    }

    fn forget_rendered(&mut self) {
        self.rendered_from.clear();
        self.rendered_folders = None;
        self.rendered_directory = None;
    }

    /// Renders the documents of every feed whose window (the seeds it shows, and their
    /// versions) changed since the last render; `None` when nothing any feed shows changed.
    pub fn render(&mut self) -> Option<Rendered> {
        self.render_feeds(false)
    }

    fn render_feeds(&mut self, root_only: bool) -> Option<Rendered> {
        // A seed that changed after it was indexed is re-indexed and the windows taken again;
        // a file rewritten faster than this can be read is left out until its next event.
        for _ in 0..3 {
            let started = Instant::now();
            let windows = self.windows(root_only);
            let windows_us = started.elapsed().as_micros() as u64;
            let stale = self.ensure_shown(&windows);
            let parsed_us = started.elapsed().as_micros() as u64 - windows_us;
            if stale.is_empty() {
                let rendered = self.render_changed(windows);
                tracing::debug!(
                    windows_us,
                    parsed_us,
                    documents_us = started.elapsed().as_micros() as u64 - windows_us - parsed_us,
                    "render"
                );
                return rendered;
            }
            for path in stale {
                self.recheck(&path);
            }
        }
        let mut windows = self.windows(root_only);
        for window in windows.values_mut() {
            window.retain(|(p, _, s)| self.shown.get(p).is_some_and(|(shown, _)| shown == s));
        }
        self.render_changed(windows)
    }

    /// Makes sure the whole entry of every seed in `windows` is at hand, parsing the missing
    /// ones on every core; returns the seeds whose file is no longer what the index says.
    fn ensure_shown(&mut self, windows: &BTreeMap<Scope, Window>) -> Vec<PathBuf> {
        let mut missing: Vec<&(PathBuf, Key, Stamp)> = windows
            .values()
            .flatten()
            .filter(|(path, _, stamp)| !self.shown.get(path).is_some_and(|(s, _)| s == stamp))
            .collect();
        missing.sort_by(|a, b| a.0.cmp(&b.0));
        missing.dedup_by(|a, b| a.0 == b.0);
        let parsed = on_threads(&missing, self.reader.threads, |(path, key, stamp)| {
            self.reader
                .whole_entry(path, key, *stamp)
                .map(Prepared::new)
        });
        let mut stale = Vec::new();
        for ((path, _, stamp), entry) in missing.into_iter().zip(parsed) {
            match entry {
                Some(entry) => {
                    // A new seed's byline, read now rather than by a second parse later.
                    let authors = entry.entry.authors.clone();
                    self.store.set_authors(path, *stamp, authors);
                    self.shown.insert(path.clone(), (*stamp, Arc::new(entry)));
                }
                None => stale.push(path.clone()),
            }
        }
        stale
    }

    /// Every feed's window now: the root's and each folder's newest seeds, up to its limit
    /// (the root's only, if `root_only`). Taken from the store for the feeds it touched since
    /// the last time, and for feeds not taken before; the others' are as they were.
    fn windows(&mut self, root_only: bool) -> BTreeMap<Scope, Window> {
        let take = |seeds: &mut dyn Iterator<Item = (&Path, &Key, Stamp)>, limit: usize| {
            seeds
                .take(limit)
                .map(|(path, key, stamp)| (path.to_path_buf(), key.clone(), stamp))
                .collect::<Vec<_>>()
        };
        let touched = self.store.take_touched_feeds();
        if touched.root || !self.windows.contains_key(&Scope::All) {
            let root = take(&mut self.store.newest(), self.feeds.root().limit + SPARES);
            self.windows.insert(Scope::All, root);
        }
        let folders: BTreeSet<&str> = self.store.folders().collect();
        self.windows.retain(|scope, _| match scope {
            Scope::Folder(folder) => folders.contains(folder.as_str()),
            _ => true,
        });
        for folder in folders.into_iter().filter(|_| !root_only) {
            let scope = Scope::Folder(folder.to_string());
            if touched.folders.contains(folder) || !self.windows.contains_key(&scope) {
                let limit = self.feeds.limit(&scope) + SPARES;
                let window = take(&mut self.store.newest_in(folder), limit);
                self.windows.insert(scope, window);
            }
        }
        self.windows
            .iter()
            .filter(|(scope, _)| !root_only || **scope == Scope::All)
            .map(|(scope, window)| {
                (
                    scope.clone(),
                    self.shown_and_spares(scope, window).0.to_vec(),
                )
            })
            .collect()
    }

    /// A window as taken (see [`SPARES`]): the seeds the feed shows, and the spares after them.
    fn shown_and_spares<'w>(&self, scope: &Scope, window: &'w Window) -> (&'w [Seed], &'w [Seed]) {
        window.split_at(window.len().min(self.feeds.limit(scope)))
    }

    /// Parses the spare seeds after each window (see [`SPARES`]) that are not at hand yet:
    /// called once a change is published, so the next deletion finds its replacement ready.
    /// True if it parsed any.
    pub fn prepare_spares(&mut self) -> bool {
        let spares: BTreeMap<Scope, Window> = self
            .windows
            .iter()
            .map(|(scope, window)| {
                (
                    scope.clone(),
                    self.shown_and_spares(scope, window).1.to_vec(),
                )
            })
            .collect();
        let missing = spares
            .values()
            .flatten()
            .any(|(path, _, stamp)| !self.shown.get(path).is_some_and(|(s, _)| s == stamp));
        // A stale spare is indexed again on its own event; it is only not prepared.
        missing && {
            self.ensure_shown(&spares);
            true
        }
    }

    /// Renders the feeds whose window changed (all of them after `render_now`), the root's
    /// page and the OPML file when the set of folders changed, and names the feeds gone.
    fn render_changed(&mut self, windows: BTreeMap<Scope, Window>) -> Option<Rendered> {
        let folders: Vec<String> = self.store.folders().map(str::to_string).collect();
        let folders_changed = self.rendered_folders.as_ref() != Some(&folders);
        let directory = self.directory();
        let directory_changed = self.rendered_directory.as_ref() != Some(&directory);
        let froms: BTreeMap<Scope, Vec<(PathBuf, Stamp)>> = windows
            .iter()
            .map(|(scope, window)| {
                let from = window.iter().map(|(p, _, s)| (p.clone(), *s)).collect();
                (scope.clone(), from)
            })
            .collect();
        let changed: Vec<Scope> = froms
            .iter()
            .filter(|(scope, from)| {
                self.rendered_from.get(*scope) != Some(*from)
                    || ((folders_changed || directory_changed) && **scope == Scope::All)
            })
            .map(|(scope, _)| scope.clone())
            .collect();
        let gone: Vec<Scope> = self
            .rendered_from
            .keys()
            .filter(|scope| !froms.contains_key(*scope))
            .cloned()
            .collect();
        if changed.is_empty() && gone.is_empty() && !folders_changed && !directory_changed {
            return None;
        }
        let mut changes = Changes::default();
        let rendered = on_threads(&changed, self.reader.threads, |scope| {
            self.render_feed(scope, &froms[scope], &folders, &directory)
        });
        self.rendered_directory = Some(directory);
        for (scope, pages) in changed.iter().zip(rendered) {
            changes.pages.extend(pages);
            self.rendered_from
                .insert(scope.clone(), froms[scope].clone());
        }
        for scope in &gone {
            let prefix = scope.prefix();
            changes
                .gone
                .extend(PAGES.iter().map(|(name, _)| format!("{prefix}{name}")));
            self.rendered_from.remove(scope);
        }
        if folders_changed {
            let mut feeds = vec![self.feeds.root().clone()];
            feeds.extend(
                folders
                    .iter()
                    .map(|f| self.feeds.meta(&Scope::Folder(f.clone()))),
            );
            changes.pages.insert(
                OPML_PATH.into(),
                Page::new(
                    OPML_MEDIA_TYPE,
                    feed::opml::render(self.feeds.root(), &feeds),
                    // The list changes with the folders; the root's page, re-rendered with
                    // it, dates the change.
                    changes
                        .pages
                        .values()
                        .map(|page| page.content_time)
                        .max()
                        .unwrap_or(DateTime::UNIX_EPOCH),
                ),
            );
            self.rendered_folders = Some(folders);
        }
        // What the documents show, and the spares after them.
        let showing: HashSet<&PathBuf> = froms
            .values()
            .flatten()
            .map(|(p, _)| p)
            .chain(self.windows.values().flatten().map(|(p, _, _)| p))
            .collect();
        self.shown.retain(|path, _| showing.contains(path));
        Some(Rendered {
            changes,
            counts: self.counts(),
        })
    }

    /// One feed's four documents, from the whole entries at hand. Pure: runs on any thread.
    fn render_feed(
        &self,
        scope: &Scope,
        from: &[(PathBuf, Stamp)],
        folders: &[String],
        directory: &Directory,
    ) -> Vec<(String, Page)> {
        let entries: Vec<(Arc<Prepared>, Stamp)> = from
            .iter()
            .filter_map(|(path, stamp)| Some((self.shown.get(path)?.1.clone(), *stamp)))
            .collect();
        let meta = self.feeds.meta(scope);
        let related = match scope {
            Scope::All => {
                let folder_feeds = folders
                    .iter()
                    .map(|f| {
                        let meta = self.feeds.meta(&Scope::Folder(f.clone()));
                        FeedLink {
                            title: meta.title,
                            base_url: meta.base_url,
                        }
                    })
                    .collect();
                let facet_feeds = |facets: &[(Scope, String)]| {
                    facets
                        .iter()
                        .map(|(scope, name)| {
                            let meta = self.feeds.facet_meta(scope, name);
                            FeedLink {
                                title: name.clone(),
                                base_url: meta.base_url,
                            }
                        })
                        .collect()
                };
                vec![
                    group("Feeds", folder_feeds),
                    group("Authors", facet_feeds(&directory.authors)),
                    group("Sections", facet_feeds(&directory.sections)),
                ]
            }
            _ => vec![group("Feeds", vec![self.root_link()])],
        };
        // The archive starts with the month of the newest entry.
        let newest = entries
            .first()
            .map(|(entry, _)| Period::first(Month::of(entry.entry.published)));
        let place = self.place(scope, None, newest, None, None);
        feed_pages(&meta, &entries, &related, &place, &scope.prefix())
    }

    /// The busiest authors and sections, for the root's page. While some seeds' authors are
    /// still unread, the authors listed stay as they were (none during a cold start's
    /// backlog): the list would flicker as they come in, and a new seed would empty it.
    fn directory(&self) -> Directory {
        let top = |kind| {
            self.store
                .top(kind, DIRECTORY_SIZE)
                .into_iter()
                .map(|(slug, facet)| {
                    let scope = match kind {
                        FacetKind::Author => Scope::Author(slug.to_string()),
                        FacetKind::Section => Scope::Section(slug.to_string()),
                    };
                    (scope, facet.name.clone())
                })
                .collect()
        };
        Directory {
            authors: match (self.store.authors_unread(), &self.rendered_directory) {
                (0, _) => top(FacetKind::Author),
                (_, Some(before)) => before.authors.clone(),
                (_, None) => Vec::new(),
            },
            sections: top(FacetKind::Section),
        }
    }

    /// The root feed, as a page links it.
    fn root_link(&self) -> FeedLink {
        FeedLink {
            title: self.feeds.root().title.clone(),
            base_url: self.feeds.root().base_url.clone(),
        }
    }

    /// Where `scope`'s documents for `period` (its current ones when `None`) are served, with
    /// the archive documents before (`older`) and after (`newer`) them, and a view's query.
    fn place(
        &self,
        scope: &Scope,
        period: Option<Period>,
        older: Option<Period>,
        newer: Option<Period>,
        query: Option<&str>,
    ) -> feed::Place {
        let root = &self.feeds.root().base_url;
        let url = |dir: &str| {
            root.join(dir.trim_start_matches('/'))
                .unwrap_or_else(|_| root.clone())
        };
        let dir = match period {
            Some(period) => archive_dir(scope, period),
            None => scope.prefix(),
        };
        feed::Place {
            root: root.clone(),
            dir: url(&dir),
            query: query.map(str::to_string),
            archive: feed::Archive {
                is_archive: period.is_some(),
                // A filtered view is not archived: its history is the feed's.
                prev: older
                    .filter(|_| query.is_none())
                    .map(|m| url(&archive_dir(scope, m))),
                next: newer.map(|m| url(&archive_dir(scope, m))),
                period: period.map(|p| p.to_string()),
            },
            entry_pages: true,
        }
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

/// The documents of each feed, by name under its prefix, with their media types.
pub const PAGES: [(&str, &str); 4] = [
    (feed::RSS_PATH, "application/rss+xml; charset=utf-8"),
    (feed::ATOM_PATH, "application/atom+xml; charset=utf-8"),
    (feed::JSON_PATH, "application/feed+json; charset=utf-8"),
    ("", "text/html; charset=utf-8"),
];

/// Every feed in one file, for a reader's import.
pub const OPML_PATH: &str = "/opml.xml";
const OPML_MEDIA_TYPE: &str = "text/x-opml; charset=utf-8";

/// How many authors and sections the root's page lists.
const DIRECTORY_SIZE: usize = 24;

/// The authors and sections the root's page lists: scope and name, busiest first.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Directory {
    authors: Vec<(Scope, String)>,
    sections: Vec<(Scope, String)>,
}

fn group(heading: &str, feeds: Vec<FeedLink>) -> FeedGroup {
    FeedGroup {
        heading: heading.to_string(),
        feeds,
    }
}

/// The four documents of `entries` (in feed order, with the stamps they were read at) served
/// at `place`, each under `{dir}{name}` and the view's `?query`, dated by the newest entry or
/// file change they show.
fn feed_pages(
    meta: &crate::config::FeedMeta,
    entries: &[(Arc<Prepared>, Stamp)],
    related: &[FeedGroup],
    place: &feed::Place,
    dir: &str,
) -> Vec<(String, Page)> {
    let mut content_time = DateTime::UNIX_EPOCH;
    for (prepared, stamp) in entries {
        content_time = content_time.max(prepared.entry.updated).max(stamp.modified);
    }
    let references: Vec<&Prepared> = entries.iter().map(|(e, _)| e.as_ref()).collect();
    let documents = feed::render_prepared(meta, &references, related, place);
    let bodies = [
        documents.rss,
        documents.atom,
        documents.json,
        documents.home,
    ];
    let query = match &place.query {
        Some(query) => format!("?{query}"),
        None => String::new(),
    };
    PAGES
        .iter()
        .zip(bodies)
        .map(|((name, media_type), body)| {
            let page = Page::new(media_type, body, content_time);
            (format!("{dir}{name}{query}"), page)
        })
        .collect()
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
            if let Some(dup) = store.upsert(path, key, stamp) {
                warn!(
                    link = %dup.link,
                    served = %dup.winner.display(),
                    ignored = %dup.loser.display(),
                    "two seeds share a link; the newest fetch wins"
                );
            }
        }
        Outcome::Rejected(reason) => reject(store, path, reason),
        Outcome::Dir | Outcome::Nothing => {}
    }
}

/// Records a rejection, logging it once per change of reason rather than on every rescan.
fn reject(store: &mut Store, path: &Path, reason: String) {
    if store.rejection(path) != Some(reason.as_str()) {
        warn!(path = %path.display(), reason = %reason, "seed rejected");
    }
    store.reject(path, reason);
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

/// Documents fresh from the renderer, with what the snapshot needs to know about them.
#[derive(Debug, Default)]
pub struct Rendered {
    pub changes: Changes,
    pub counts: Counts,
}

impl Rendered {
    /// The new bytes of the document at `path`, if this render changed it.
    pub fn body(&self, path: &str) -> Option<&[u8]> {
        self.changes.pages.get(path).map(Page::body)
    }

    pub fn first_snapshot(self, status: Vec<u8>) -> Snapshot {
        Snapshot::first(self.changes, status, self.counts)
    }

    pub fn snapshot_after(self, previous: &Snapshot, status: Vec<u8>) -> Snapshot {
        previous.next(self.changes, status, self.counts)
    }
}

mod on_request;
mod reader;
pub use on_request::{Answer, Job, Planned, Walk, archive_dir};
pub use reader::SeedReader;

#[cfg(test)]
mod tests;

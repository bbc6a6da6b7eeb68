//! What the current documents show, and rendering them: each feed's window (its newest seeds,
//! taken again only for the feeds a change touched), the whole entries of the seeds shown (and
//! of two spares after each window), and the documents of the feeds whose window changed.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use chrono::DateTime;

use super::{Indexer, Seed, Shown, Window, on_threads};
use crate::render::{self, FeedGroup, FeedLink, Prepared};
use crate::scope::{Month, Period, Scope};
use crate::seed::Key;
use crate::seedfs::Stamp;
use crate::snapshot::{Changes, Counts, Page, Snapshot};
use crate::store::{FacetKind, Store};
use crate::urls::{Format, OPML_MEDIA_TYPE, OPML_PATH, archive_dir};

/// Seeds after each feed's window kept parsed and prepared: a deletion then brings in an entry
/// already at hand instead of parsing one before it can be shown (~1–2 ms of its latency).
const SPARES: usize = 2;

impl Indexer {
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

    pub(super) fn forget_rendered(&mut self) {
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
            window.retain(|(p, k, s)| self.shown.get(p).is_some_and(|shown| shown.is(s, k)));
        }
        self.render_changed(windows)
    }

    /// Makes sure the whole entry of every seed in `windows` is at hand, parsing the missing
    /// ones on every core; returns the seeds whose file is no longer what the index says.
    fn ensure_shown(&mut self, windows: &BTreeMap<Scope, Window>) -> Vec<PathBuf> {
        let mut missing: Vec<&(PathBuf, Key, Stamp)> = windows
            .values()
            .flatten()
            .filter(|(path, key, stamp)| !self.shown.get(path).is_some_and(|s| s.is(stamp, key)))
            .collect();
        missing.sort_by(|a, b| a.0.cmp(&b.0));
        missing.dedup_by(|a, b| a.0 == b.0);
        let parsed = on_threads(&missing, self.reader.threads, |(path, key, stamp)| {
            self.reader
                .whole_entry(path, key, *stamp)
                .map(Prepared::new)
        });
        let mut stale = Vec::new();
        for ((path, key, stamp), entry) in missing.into_iter().zip(parsed) {
            match entry {
                Some(entry) => {
                    // A new seed's byline, read now rather than by a second parse later.
                    let authors = entry.entry.authors.clone();
                    self.store.set_authors(path, *stamp, authors);
                    let shown = Shown {
                        stamp: *stamp,
                        site: key.site,
                        entry: Arc::new(entry),
                    };
                    self.shown.insert(path.clone(), shown);
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
        let take = |store: &Store, scope: &Scope, limit: usize| {
            store
                .newest_of(scope, None)
                .take(limit)
                .map(|entry| store.seed(entry))
                .collect::<Vec<_>>()
        };
        let touched = self.store.take_touched_feeds();
        if touched.root || !self.windows.contains_key(&Scope::All) {
            let root = take(&self.store, &Scope::All, self.feeds.root().limit + SPARES);
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
                let window = take(&self.store, &scope, limit);
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
            .any(|(path, key, stamp)| !self.shown.get(path).is_some_and(|s| s.is(stamp, key)));
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
                .extend(Format::ALL.map(|format| format!("{prefix}{}", format.file_name())));
            self.rendered_from.remove(scope);
        }
        if folders_changed {
            // The list changes with the folders; the root's page, rendered with it, dates it.
            let newest = changes.pages.values().map(|page| page.content_time).max();
            let opml = self.opml(&folders, newest.unwrap_or(DateTime::UNIX_EPOCH));
            changes.pages.insert(OPML_PATH.into(), opml);
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

    /// `/opml.xml`: the root's feed and every folder's, dated `content_time`.
    fn opml(&self, folders: &[String], content_time: DateTime<chrono::Utc>) -> Page {
        let mut feeds = vec![self.feeds.root().clone()];
        let folder_meta = |f: &String| self.feeds.meta(&Scope::Folder(f.clone()));
        feeds.extend(folders.iter().map(folder_meta));
        let body = render::opml::render(self.feeds.root(), &feeds);
        Page::new(OPML_MEDIA_TYPE, body, content_time)
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
            .filter_map(|(path, stamp)| Some((self.shown.get(path)?.entry.clone(), *stamp)))
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
    pub(super) fn root_link(&self) -> FeedLink {
        FeedLink {
            title: self.feeds.root().title.clone(),
            base_url: self.feeds.root().base_url.clone(),
        }
    }

    /// Where `scope`'s documents for `period` (its current ones when `None`) are served, with
    /// the archive documents before (`older`) and after (`newer`) them, and a view's query.
    pub(super) fn place(
        &self,
        scope: &Scope,
        period: Option<Period>,
        older: Option<Period>,
        newer: Option<Period>,
        query: Option<&str>,
    ) -> render::Place {
        let root = &self.feeds.root().base_url;
        let url = |dir: &str| {
            root.join(dir.trim_start_matches('/'))
                .unwrap_or_else(|_| root.clone())
        };
        let dir = match period {
            Some(period) => archive_dir(scope, period),
            None => scope.prefix(),
        };
        render::Place {
            root: root.clone(),
            dir: url(&dir),
            query: query.map(str::to_string),
            archive: render::Archive {
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
}

/// How many authors and sections the root's page lists.
const DIRECTORY_SIZE: usize = 24;

/// The authors and sections the root's page lists: scope and name, busiest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Directory {
    authors: Vec<(Scope, String)>,
    sections: Vec<(Scope, String)>,
}

pub(super) fn group(heading: &str, feeds: Vec<FeedLink>) -> FeedGroup {
    FeedGroup {
        heading: heading.to_string(),
        feeds,
    }
}

/// The four documents of `entries` (in feed order, with the stamps they were read at) served
/// at `place`, each under `{dir}{name}` and the view's `?query`, dated by the newest entry or
/// file change they show.
pub(super) fn feed_pages(
    meta: &crate::config::FeedMeta,
    entries: &[(Arc<Prepared>, Stamp)],
    related: &[FeedGroup],
    place: &render::Place,
    dir: &str,
) -> Vec<(String, Page)> {
    let mut content_time = DateTime::UNIX_EPOCH;
    for (prepared, stamp) in entries {
        content_time = content_time.max(prepared.entry.updated).max(stamp.modified);
    }
    let references: Vec<&Prepared> = entries.iter().map(|(e, _)| e.as_ref()).collect();
    let documents = render::render_prepared(meta, &references, related, place);
    let bodies = [
        documents.rss,
        documents.atom,
        documents.json,
        documents.page,
    ];
    let query = match &place.query {
        Some(query) => format!("?{query}"),
        None => String::new(),
    };
    Format::ALL
        .into_iter()
        .zip(bodies)
        .map(|(format, body)| {
            let page = Page::new(format.media_type(), body, content_time);
            (format!("{dir}{}{query}", format.file_name()), page)
        })
        .collect()
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

//! The long tail when asked: author and section feeds, month archives, filtered views (see
//! `wanted.rs`) and entry pages, and the authors' background read that the author feeds need.
//!
//! A request is planned on the update thread, which owns the store: which seeds the documents
//! show, with those already parsed for the current feeds (a [`Job`], plain data). The job runs
//! on the render thread — reading and parsing the seeds, rendering the documents — so a long
//! render never holds up a change.

use std::sync::Arc;

use tracing::debug;

use super::{Indexer, SeedReader, Window, on_threads};
use crate::config::FeedMeta;
use crate::render::{self, FeedGroup, FeedLink, Place, Prepared};
use crate::scope::{Month, Period, Scope};
use crate::seedfs::Stamp;
use crate::snapshot::Page;
use crate::store::Cursor;
use crate::tail::{Depends, Reply};
use crate::urls::{HTML_MEDIA_TYPE, Location, archive_dir};
use crate::wanted::{FeedRequest, Wanted};

/// Documents rendered for a request: each under its tail key, and what they depend on.
pub struct Answer {
    pub pages: Vec<(String, Page)>,
    pub depends: Depends,
}

/// What a request needs rendered, taken from the store: runs anywhere, touches no state.
pub struct Job {
    /// What the documents are rendered from: a change touching it outdates them.
    pub depends: Depends,
    /// The feed's metadata (for an entry page, its folder's).
    meta: FeedMeta,
    work: Work,
    /// The reader it runs with: the indexer's when it was planned (which replaces its
    /// reader to let go of the patterns' caches: `Indexer::drop_parse_caches`).
    reader: Arc<SeedReader>,
}

enum Work {
    Feed {
        window: Window,
        /// The window's entries already parsed for the current feeds, by position.
        at_hand: Vec<Option<Arc<Prepared>>>,
        related: Vec<FeedGroup>,
        place: Box<Place>,
        dir: String,
        /// A filtered view: its entries stop at the run's byte bound (a client chose how
        /// many it asked for).
        view: bool,
    },
    Entry {
        /// Boxed: a key is most of the enum's size, and feed work is far more common.
        seed: Box<super::Seed>,
        feeds: Vec<FeedLink>,
        root_url: url::Url,
        path: String,
    },
}

/// What a request needs next.
pub enum Planned {
    /// Rendering, on the render thread.
    Job(Box<Job>),
    /// More of a view's walk of its feed, on the update thread ([`Indexer::walk`]).
    Walk(Box<Walk>),
    /// Nothing: the feed went away while the walk was under way.
    Gone(Reply),
}

impl Planned {
    /// What the documents depend on: a change to it while they are planned or rendered
    /// outdates them.
    pub fn depends(&self) -> Option<Depends> {
        match self {
            Planned::Job(job) => Some(job.depends.clone()),
            Planned::Walk(walk) => Some(walk.depends()),
            Planned::Gone(_) => None,
        }
    }
}

/// A filtered view's walk of its feed, newest first, taken on a slice of entries at a time: a
/// rare word in a large folder reads every key, and changes must not wait for that.
pub struct Walk {
    request: FeedRequest,
    /// The entries the view asks for; `None`: the feed's limit.
    limit: Option<usize>,
    /// The last entry looked at; `None` before the first.
    cursor: Option<Cursor>,
    found: Window,
}

impl Walk {
    pub(crate) fn new(request: &FeedRequest) -> Walk {
        Walk {
            request: request.clone(),
            limit: request.query.as_ref().and_then(|q| q.limit),
            cursor: None,
            found: Vec::new(),
        }
    }

    /// What the view's documents will depend on: a change to it during the walk outdates
    /// the walk's result.
    pub fn depends(&self) -> Depends {
        Depends::on_scope(self.request.scope.clone())
    }
}

/// Entries a view's walk looks at when it is planned: most views are done by then.
const FIRST_WALK: usize = 2048;

impl Job {
    /// Reads and parses the seeds the job names and renders its documents; a seed changed
    /// since it was planned is left out (its event is on the way), an entry page's seed
    /// changing is a 503. A filtered view shows the entries whose items fit in `view_bytes`
    /// (at least one).
    pub fn run(self, view_bytes: usize) -> Result<Answer, Reply> {
        let reader = &*self.reader;
        let meta = self.meta;
        let pages = match self.work {
            Work::Feed {
                window,
                at_hand,
                related,
                place,
                dir,
                view,
            } => {
                let bound = view.then_some(view_bytes);
                let entries = whole_entries(reader, &window, at_hand, bound);
                super::current::feed_pages(&meta, &entries, &related, &place, &dir)
            }
            Work::Entry {
                seed,
                feeds,
                root_url,
                path: page_path,
            } => {
                let (path, key, stamp) = *seed;
                // Parsed again, not taken from the shown entries: those keep only what lists
                // need.
                let Some(entry) = reader.whole_entry(&path, &key, stamp) else {
                    return Err(Reply::Unavailable(
                        "the entry is changing; try again\n".into(),
                    ));
                };
                let body = render::entry_page::render(&meta, &entry, &root_url, &feeds);
                let content_time = entry.updated.max(stamp.modified);
                let page = Page::new(HTML_MEDIA_TYPE, body, content_time);
                vec![(page_path, page)]
            }
        };
        Ok(Answer {
            pages,
            depends: self.depends,
        })
    }
}

impl Indexer {
    /// Reads every byline still unread, `round` seeds at a time (a small folder's before the
    /// bind, `seedfeed build`'s whole folder).
    pub fn read_every_author(&mut self, round: usize) {
        let mut left = self.store.authors_unread();
        while left > 0 {
            self.read_authors(round);
            // Each round takes every seed it looks at; stop rather than spin if one did not.
            let now = self.store.authors_unread();
            if now >= left {
                break;
            }
            left = now;
        }
    }

    /// Reads the authors of up to `count` seeds whose key lacks them (on every core);
    /// returns how many it looked at. The update loop calls it while nothing else waits.
    pub fn read_authors(&mut self, count: usize) -> usize {
        let unread = self.store.seeds_without_authors(count);
        let reader = &self.reader;
        let found = on_threads(&unread, reader.threads, |(path, stamp)| {
            reader.authors_of(path, *stamp)
        });
        let looked = unread.len();
        // A file changed or gone since it was indexed gets no authors for now: its event (or
        // the rescan when the folder is back) indexes it again. Never removed here: while the
        // folder is missing the last good state stays.
        let read = unread
            .into_iter()
            .zip(found)
            .map(|((path, stamp), authors)| (path, stamp, authors.unwrap_or_default()))
            .collect();
        self.store.set_authors_of(read);
        looked
    }

    /// Renders the documents `wanted` names here and now, or says why not.
    pub fn answer(&mut self, wanted: &Wanted) -> Result<Answer, Reply> {
        let mut planned = self.plan(wanted)?;
        loop {
            match planned {
                Planned::Job(job) => return job.run(usize::MAX),
                Planned::Walk(walk) => planned = self.walk(walk, usize::MAX),
                Planned::Gone(reply) => return Err(reply),
            }
        }
    }

    /// What rendering the documents `wanted` names takes, or why they cannot be: a job, or
    /// a view's walk of its feed begun ([`Indexer::walk`] takes it up again).
    pub fn plan(&mut self, wanted: &Wanted) -> Result<Planned, Reply> {
        match wanted {
            Wanted::Feed(request) => self.plan_feed(request),
            Wanted::Entry(hash) => self
                .plan_entry(*hash)
                .map(|job| Planned::Job(Box::new(job))),
        }
    }

    /// The reader the jobs run with.
    pub fn reader(&self) -> Arc<SeedReader> {
        self.reader.clone()
    }

    fn plan_feed(&mut self, request: &FeedRequest) -> Result<Planned, Reply> {
        let scope = &request.scope;
        let unread = self.store.authors_unread();
        let needs_authors = matches!(scope, Scope::Author(_))
            || request.query.as_ref().is_some_and(|q| q.author.is_some());
        if needs_authors && unread > 0 {
            return Err(Reply::Unavailable(format!(
                "the authors of {unread} seeds are still being read; try again in a few seconds\n"
            )));
        }
        self.feed_meta(scope)?;
        match request.period {
            Some(period) => self
                .plan_archive(scope, period)
                .map(|job| Planned::Job(Box::new(job))),
            None => Ok(self.walk(Box::new(Walk::new(request)), FIRST_WALK)),
        }
    }

    /// The metadata of `scope`'s feed, if it has one now.
    fn feed_meta(&self, scope: &Scope) -> Result<FeedMeta, Reply> {
        match scope {
            Scope::All => Ok(self.feeds.meta(scope)),
            Scope::Folder(folder) if self.store.folders().any(|f| f == folder) => {
                Ok(self.feeds.meta(scope))
            }
            Scope::Author(_) | Scope::Section(_) => match self.store.facet(scope) {
                Some(facet) => Ok(self.feeds.facet_meta(scope, &facet.name)),
                None => Err(Reply::NotFound),
            },
            Scope::Folder(_) => Err(Reply::NotFound),
        }
    }

    /// A page of `scope`'s archive of one month: the feed's limit of entries, newest first,
    /// with links to the pages before and after it.
    fn plan_archive(&self, scope: &Scope, period: Period) -> Result<Job, Reply> {
        let meta = self.feed_meta(scope)?;
        let months = self.store.months(scope);
        let Some(at) = months.iter().position(|m| *m == period.month) else {
            return Err(Reply::NotFound);
        };
        let per_page = meta.limit.max(1);
        let mut in_month = self.store.in_month(scope, period.month);
        let skipped = in_month.by_ref().take((period.page - 1) * per_page).count();
        let window: Window = in_month
            .by_ref()
            .take(per_page)
            .map(|entry| self.store.seed(entry))
            .collect();
        if window.is_empty() || skipped < (period.page - 1) * per_page {
            return Err(Reply::NotFound);
        }
        let older_month = months.get(at + 1).copied();
        let newer_month = at.checked_sub(1).map(|newer| months[newer]);
        let older = match in_month.next() {
            Some(_) => Some(Period {
                month: period.month,
                page: period.page + 1,
            }),
            None => older_month.map(Period::first),
        };
        let newer = match period.page {
            1 => newer_month.map(|month| Period {
                month,
                page: self.store.in_month(scope, month).count().div_ceil(per_page),
            }),
            page => Some(Period {
                month: period.month,
                page: page - 1,
            }),
        };
        // A month appearing or vanishing next to it, or the newer one's page count changing,
        // changes its links.
        let depends = Depends {
            scope: scope.clone(),
            from: older_month,
            to: newer_month,
        };
        let place = self.place(scope, Some(period), older, newer, None);
        let dir = archive_dir(scope, period);
        Ok(self.feed_job(meta, window, place, dir, depends, false))
    }

    /// Takes a view's walk of its feed on for up to `keys` more entries: the job once the
    /// view has its entries (or the feed has no more), else the walk so far. Between two
    /// calls the store may change; the walk goes on after the last entry it looked at, and a
    /// change to the feed meanwhile keeps the result out of the cache (see `Tail::forget`).
    pub fn walk(&mut self, mut walk: Box<Walk>, keys: usize) -> Planned {
        let query = walk.request.query.as_ref();
        let (scope, folder) = walked_order(&walk.request.scope, query);
        let scope = &scope;
        let since = query.and_then(|q| q.since);
        let mut entries: Box<dyn Iterator<Item = _>> = match &walk.cursor {
            Some(cursor) => Box::new(self.store.newest_after(scope, cursor)),
            None => {
                let until = query.and_then(|q| q.until);
                let before = until.map(|until| until + chrono::Duration::nanoseconds(1));
                Box::new(self.store.newest_of(scope, before))
            }
        };
        let mut looked = 0;
        let mut last = None;
        let finished = loop {
            if looked == keys {
                break false;
            }
            let Some(entry) = entries.next() else {
                break true;
            };
            looked += 1;
            last = Some(entry);
            // Newest first: past `since`, no entry can pass.
            if since.is_some_and(|since| entry.published() < since) {
                break true;
            }
            let in_folder = || {
                folder.is_none_or(|folder| {
                    self.store.folder_of(&entry.path()).as_deref() == Some(folder)
                })
            };
            if query.is_none_or(|q| {
                q.admits(
                    entry.title(),
                    entry.published(),
                    entry.section().map(|s| &*s.term),
                    entry.authors().into_iter().flatten(),
                )
            }) && in_folder()
            {
                walk.found.push(self.store.seed(entry));
                if walk.found.len() == walk.limit.unwrap_or(usize::MAX) {
                    break true;
                }
            }
        };
        if let Some(last) = last {
            walk.cursor = Some(Cursor::after(&last));
        }
        drop(entries);
        if !finished {
            return Planned::Walk(walk);
        }
        match self.view_job(walk) {
            Ok(job) => Planned::Job(Box::new(job)),
            // The feed went away during the walk: nothing to show.
            Err(reply) => Planned::Gone(reply),
        }
    }

    /// The job of a view whose walk is done.
    fn view_job(&self, walk: Box<Walk>) -> Result<Job, Reply> {
        let request = walk.request;
        let scope = &request.scope;
        let meta = self.feed_meta(scope)?;
        let mut window = walk.found;
        window.truncate(walk.limit.unwrap_or(meta.limit));
        let raw = request.query.as_ref().map(|q| q.raw.as_str());
        let newest = self.store.months(scope).first().copied().map(Period::first);
        let place = self.place(scope, None, newest, None, raw);
        let depends = Depends::on_scope(scope.clone());
        let view = request.query.is_some();
        Ok(self.feed_job(meta, window, place, scope.prefix(), depends, view))
    }

    /// The job of a feed's documents showing `window`, served at `place` under `dir`.
    fn feed_job(
        &self,
        meta: FeedMeta,
        window: Window,
        place: Place,
        dir: String,
        depends: Depends,
        view: bool,
    ) -> Job {
        let at_hand = window
            .iter()
            .map(|(path, key, stamp)| match self.shown.get(path) {
                Some(shown) if shown.is(stamp, key) => Some(shown.entry.clone()),
                _ => None,
            })
            .collect();
        let work = Work::Feed {
            window,
            at_hand,
            related: vec![super::current::group("Feeds", vec![self.root_link()])],
            place: Box::new(place),
            dir,
            view,
        };
        Job {
            depends,
            meta,
            work,
            reader: self.reader.clone(),
        }
    }

    /// The page of the served entry whose id hashes to `hash` (see [`crate::urls::entry_path`]).
    fn plan_entry(&mut self, hash: u64) -> Result<Job, Reply> {
        let found = self
            .store
            .entry_by_hash(hash)
            .map(|entry| self.store.seed(entry));
        let Some(seed) = found else {
            return Err(Reply::NotFound);
        };
        let month = Month::of(seed.1.published);
        let folder = self.store.folder_of(&seed.0).map(Scope::Folder);
        let meta = self.feeds.meta(folder.as_ref().unwrap_or(&Scope::All));
        let mut feeds = vec![FeedLink {
            title: meta.title.clone(),
            base_url: meta.base_url.clone(),
        }];
        if folder.is_some() {
            feeds.push(self.root_link());
        }
        let work = Work::Entry {
            seed: Box::new(seed),
            feeds,
            root_url: self.feeds.root().base_url.clone(),
            path: Location::Entry(hash).path(),
        };
        let depends = Depends {
            scope: Scope::All,
            from: Some(month),
            to: Some(month),
        };
        Ok(Job {
            depends,
            meta,
            work,
            reader: self.reader.clone(),
        })
    }
}

/// The whole entries of `window`: those at hand, the others parsed on every core; a seed
/// changed since it was indexed is left out (its event is on the way). With a `bound`, the
/// entries stop before their items pass it (the first always stays), parsed a few at a time.
fn whole_entries(
    reader: &SeedReader,
    window: &Window,
    at_hand: Vec<Option<Arc<Prepared>>>,
    bound: Option<usize>,
) -> Vec<(Arc<Prepared>, Stamp)> {
    let seeds: Vec<_> = window.iter().zip(at_hand).collect();
    let per_step = match bound {
        Some(_) => reader.threads * BOUNDED_STEP,
        None => seeds.len().max(1),
    };
    let mut entries = Vec::with_capacity(seeds.len());
    let mut bytes = 0;
    for step in seeds.chunks(per_step) {
        let parsed = on_threads(step, reader.threads, |((path, key, stamp), at_hand)| {
            at_hand.clone().or_else(|| {
                reader
                    .whole_entry(path, key, *stamp)
                    .map(|entry| Arc::new(Prepared::new(entry)))
            })
        });
        for (((_, _, stamp), _), entry) in step.iter().zip(parsed) {
            let Some(entry) = entry else { continue };
            bytes += entry.bytes();
            if bound.is_some_and(|bound| bytes > bound) && !entries.is_empty() {
                debug!(entries = entries.len(), bytes, "view cut at its byte bound");
                return entries;
            }
            entries.push((entry, *stamp));
        }
    }
    entries
}

/// Seeds a bounded render parses per thread before it looks at the bytes so far.
const BOUNDED_STEP: usize = 8;

/// The order a view of `scope` filtered by `query` walks, and the folder its entries must
/// then be in: the named author's or section's order where the view asks for one (in feed
/// order too, and far shorter than the root's or a folder's: a view of one author at a
/// million seeds walked the whole root, ~0.8 s), else the scope's own.
fn walked_order<'s>(
    scope: &'s Scope,
    query: Option<&crate::wanted::Query>,
) -> (Scope, Option<&'s str>) {
    let narrower = query.and_then(|q| {
        q.author
            .clone()
            .map(Scope::Author)
            .or_else(|| q.section.clone().map(Scope::Section))
    });
    match (scope, narrower) {
        (Scope::All, Some(narrower)) => (narrower, None),
        (Scope::Folder(folder), Some(narrower)) => (narrower, Some(folder.as_str())),
        (scope, _) => (scope.clone(), None),
    }
}

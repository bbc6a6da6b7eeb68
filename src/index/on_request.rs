//! The long tail, rendered by the update thread when asked: author and section feeds, month
//! archives, filtered views (see `wanted.rs`), and the authors' background read that the
//! author feeds need.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Indexer, Window, on_threads};
use crate::feed::{self, FeedLink, Prepared};
use crate::feeds::{Month, Period, Scope, slug};
use crate::seed::{self, Key};
use crate::seedfs::{self, Found, Stamp};
use crate::snapshot::Page;
use crate::tail::{Depends, Reply};
use crate::wanted::{FeedRequest, Wanted};

/// Documents rendered for a request: each under its tail key, and what they depend on.
pub struct Answer {
    pub pages: Vec<(String, Page)>,
    pub depends: Depends,
}

impl Indexer {
    /// Reads the authors of up to `count` seeds whose key lacks them (on every core);
    /// returns how many it looked at. The update loop calls it while nothing else waits.
    pub fn read_authors(&mut self, count: usize) -> usize {
        let unread = self.store.unread_authors(count);
        let found = on_threads(&unread, self.threads, |(path, stamp)| {
            self.authors_of(path, *stamp)
        });
        for ((path, stamp), authors) in unread.iter().zip(found) {
            // A file changed or gone since it was indexed gets no authors for now: its event
            // (or the rescan when the folder is back) indexes it again. Never removed here:
            // while the folder is missing the last good state stays.
            self.store
                .set_authors(path, *stamp, authors.unwrap_or_default());
        }
        unread.len()
    }

    fn authors_of(&self, path: &Path, stamp: Stamp) -> Option<Vec<String>> {
        match seedfs::read(&self.root, path, self.max_file_bytes) {
            Ok(Found::Seed { bytes, stamp: now }) if now == stamp => {
                // The key parsed, so the header does: an error here would be the disk's.
                seed::read_authors(&bytes, &self.context(stamp)).ok()
            }
            _ => None,
        }
    }

    /// Renders the documents `wanted` names, or says why not.
    pub fn answer(&mut self, wanted: &Wanted) -> Result<Answer, Reply> {
        match wanted {
            Wanted::Feed(request) => self.answer_feed(request),
            Wanted::Entry(hash) => self.answer_entry(hash),
        }
    }

    fn answer_feed(&mut self, request: &FeedRequest) -> Result<Answer, Reply> {
        let scope = &request.scope;
        let unread = self.store.authors_unread();
        let needs_authors = matches!(scope, Scope::Author(_))
            || request.query.as_ref().is_some_and(|q| q.author.is_some());
        if needs_authors && unread > 0 {
            return Err(Reply::Unavailable(format!(
                "the authors of {unread} seeds are still being read; try again in a few seconds\n"
            )));
        }
        let name = match scope {
            Scope::All => self.feeds.root().title.clone(),
            Scope::Folder(folder) if self.store.folders().any(|f| f == folder) => folder.clone(),
            Scope::Author(_) | Scope::Section(_) => match self.store.facet(scope) {
                Some(facet) => facet.name.clone(),
                None => return Err(Reply::NotFound),
            },
            Scope::Folder(_) => return Err(Reply::NotFound),
        };
        let meta = match scope {
            Scope::Author(_) | Scope::Section(_) => self.feeds.facet_meta(scope, &name),
            _ => self.feeds.meta(scope),
        };
        let months = self.store.months(scope);
        let (window, depends, place) = match request.period {
            Some(period) => {
                let Some(at) = months.iter().position(|m| *m == period.month) else {
                    return Err(Reply::NotFound);
                };
                // Pages of the feed's limit, newest first.
                let per_page = meta.limit.max(1);
                let mut in_month = self.store.in_month(scope, period.month);
                let skipped = in_month.by_ref().take((period.page - 1) * per_page).count();
                let window: Window = in_month
                    .by_ref()
                    .take(per_page)
                    .map(|(p, k, s)| (p.to_path_buf(), k.clone(), s))
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
                // A month appearing or vanishing next to it, or the newer one's page count
                // changing, changes its links.
                let depends = Depends {
                    scope: scope.clone(),
                    from: older_month,
                    to: newer_month,
                };
                let place = self.place(scope, Some(period), older, newer, None);
                (window, depends, place)
            }
            None => {
                let query = request.query.as_ref();
                let limit = query.and_then(|q| q.limit).unwrap_or(meta.limit);
                let until = query
                    .and_then(|q| q.until)
                    .map(|until| until + chrono::Duration::nanoseconds(1));
                let window: Window = self
                    .store
                    .newest_of(scope, until)
                    .filter(|(_, key, _)| {
                        query.is_none_or(|q| {
                            let authors: Vec<String> = key
                                .authors
                                .iter()
                                .flat_map(|a| a.iter())
                                .map(|a| slug(a))
                                .collect();
                            let section = key.section.as_deref().map(slug);
                            q.admits(&key.title, key.published, section.as_deref(), &authors)
                        })
                    })
                    .take(limit)
                    .map(|(p, k, s)| (p.to_path_buf(), k.clone(), s))
                    .collect();
                let raw = query.map(|q| q.raw.as_str());
                let newest = months.first().copied().map(Period::first);
                let place = self.place(scope, None, newest, None, raw);
                (window, Depends::on_scope(scope.clone()), place)
            }
        };
        let entries = self.whole_entries(&window);
        let dir = match request.period {
            Some(period) => archive_dir(scope, period),
            None => scope.prefix(),
        };
        let related = [super::group("Feeds", vec![self.root_link()])];
        let pages = super::feed_pages(&meta, &entries, &related, &place, &dir);
        Ok(Answer { pages, depends })
    }

    /// The page of the served entry whose id hashes to `hash` (see [`feed::entry_path`]).
    fn answer_entry(&mut self, hash: &str) -> Result<Answer, Reply> {
        let path = format!("{}/{hash}/", crate::wanted::ENTRIES);
        let found = u64::from_str_radix(hash, 16)
            .ok()
            .and_then(|hash| self.store.entry_by_hash(hash))
            .map(|(p, k, s)| (p.to_path_buf(), k.clone(), s));
        let Some(seed) = found else {
            return Err(Reply::NotFound);
        };
        let month = Month::of(seed.1.published);
        let folder = self.store.folder_of(&seed.0).map(Scope::Folder);
        let (path_of_seed, key, stamp) = &seed;
        // Parsed again, not taken from the shown entries: those keep only what lists need.
        let Some(entry) = self.whole_entry(path_of_seed, key, *stamp) else {
            // Changed since it was indexed: its event is on the way.
            return Err(Reply::Unavailable(
                "the entry is changing; try again\n".into(),
            ));
        };
        let stamp = *stamp;
        let entry = &entry;
        let meta = self.feeds.meta(folder.as_ref().unwrap_or(&Scope::All));
        let mut feeds = vec![FeedLink {
            title: meta.title.clone(),
            base_url: meta.base_url.clone(),
        }];
        if folder.is_some() {
            feeds.push(self.root_link());
        }
        let body = feed::entry_page::render(&meta, entry, &self.feeds.root().base_url, &feeds);
        let content_time = entry.updated.max(stamp.modified);
        let page = Page::new("text/html; charset=utf-8", body, content_time);
        Ok(Answer {
            pages: vec![(format!("/{path}"), page)],
            depends: Depends {
                scope: Scope::All,
                from: Some(month),
                to: Some(month),
            },
        })
    }

    /// The whole entries of `window`, from those at hand or parsed on every core; a seed
    /// changed since it was indexed is left out (its event is on the way).
    fn whole_entries(&self, window: &[(PathBuf, Key, Stamp)]) -> Vec<(Arc<Prepared>, Stamp)> {
        let parsed = on_threads(window, self.threads, |(path, key, stamp)| {
            if let Some((shown, entry)) = self.shown.get(path)
                && shown == stamp
            {
                return Some(entry.clone());
            }
            self.whole_entry(path, key, *stamp)
                .map(|entry| Arc::new(Prepared::new(entry)))
        });
        window
            .iter()
            .zip(parsed)
            .filter_map(|((_, _, stamp), entry)| Some((entry?, *stamp)))
            .collect()
    }
}

/// Where a period of `scope`'s archive lives: `<feed>/archive/2024-05/`, and its later pages
/// `<feed>/archive/2024-05/2/`.
pub fn archive_dir(scope: &Scope, period: Period) -> String {
    let month = period.month;
    match period.page {
        1 => format!("{}{}/{month}/", scope.prefix(), crate::wanted::ARCHIVE),
        page => format!(
            "{}{}/{month}/{page}/",
            scope.prefix(),
            crate::wanted::ARCHIVE
        ),
    }
}

//! The long tail, rendered by the update thread when asked: author and section feeds, month
//! archives, filtered views (see `wanted.rs`), and the authors' background read that the
//! author feeds need.

use std::path::Path;
use std::sync::Arc;

use chrono::DateTime;

use super::{Indexer, PAGES, Window, on_threads};
use crate::entry::Entry;
use crate::feed::{self, FeedLink};
use crate::feeds::{Month, Scope, slug};
use crate::seed;
use crate::seedfs::{self, Found, Stamp};
use crate::snapshot::Page;
use crate::tail::{Depends, Reply};
use crate::wanted::{FeedRequest, Wanted};

/// Documents rendered for a request: each under its tail key, and what they depend on.
pub struct Answer {
    pub pages: Vec<(String, Page)>,
    pub depends: Depends,
}

/// What reading one file's authors found.
enum Authors {
    Read(Vec<String>),
    /// The file is not the version indexed: index it again.
    Changed,
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
            match authors {
                Authors::Read(authors) => self.store.set_authors(path, *stamp, authors),
                Authors::Changed => self.recheck(path),
            }
        }
        unread.len()
    }

    fn authors_of(&self, path: &Path, stamp: Stamp) -> Authors {
        match seedfs::read(&self.root, path, self.max_file_bytes) {
            Ok(Found::Seed { bytes, stamp: now }) if now == stamp => {
                // The key parsed, so the header does: an error here would be the disk's.
                Authors::Read(seed::read_authors(&bytes, &self.context(stamp)).unwrap_or_default())
            }
            _ => Authors::Changed,
        }
    }

    /// Renders the documents `wanted` names, or says why not.
    pub fn answer(&mut self, wanted: &Wanted) -> Result<Answer, Reply> {
        match wanted {
            Wanted::Feed(request) => self.answer_feed(request),
            Wanted::Entry(_) => Err(Reply::NotFound),
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
        let (window, depends, dir) = match request.month {
            Some(month) => {
                let Some(at) = months.iter().position(|m| *m == month) else {
                    return Err(Reply::NotFound);
                };
                let window: Window = self
                    .store
                    .in_month(scope, month)
                    .map(|(p, k, s)| (p.to_path_buf(), k.clone(), s))
                    .collect();
                let depends = Depends {
                    scope: scope.clone(),
                    // A month appearing or vanishing next to it changes its links.
                    from: months.get(at + 1).copied(),
                    to: at.checked_sub(1).map(|newer| months[newer]),
                };
                (window, depends, archive_dir(scope, month))
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
                            let authors: Vec<String> =
                                key.authors.iter().flatten().map(|a| slug(a)).collect();
                            let section = key.section.as_deref().map(slug);
                            q.admits(&key.title, key.published, section.as_deref(), &authors)
                        })
                    })
                    .take(limit)
                    .map(|(p, k, s)| (p.to_path_buf(), k.clone(), s))
                    .collect();
                (window, Depends::on_scope(scope.clone()), scope.prefix())
            }
        };
        let entries = self.whole_entries(&window);
        let mut content_time = DateTime::UNIX_EPOCH;
        for (entry, stamp) in &entries {
            content_time = content_time.max(entry.updated).max(stamp.modified);
        }
        let references: Vec<&Entry> = entries.iter().map(|(e, _)| e.as_ref()).collect();
        let related = [FeedLink {
            title: self.feeds.root().title.clone(),
            base_url: self.feeds.root().base_url.clone(),
        }];
        let documents = feed::render(&meta, &references, &related);
        let bodies = [
            documents.rss,
            documents.atom,
            documents.json,
            documents.home,
        ];
        let query = match &request.query {
            Some(query) => format!("?{}", query.raw),
            None => String::new(),
        };
        let pages = PAGES
            .iter()
            .zip(bodies)
            .map(|((name, media_type), body)| {
                let page = Page {
                    media_type,
                    body,
                    content_time,
                };
                (format!("{dir}{name}{query}"), page)
            })
            .collect();
        Ok(Answer { pages, depends })
    }

    /// The whole entries of `window`, from those at hand or parsed on every core; a seed
    /// changed since it was indexed is left out (its event is on the way).
    fn whole_entries(&self, window: &Window) -> Vec<(Arc<Entry>, Stamp)> {
        let parsed = on_threads(window, self.threads, |(path, key, stamp)| {
            if let Some((shown, entry)) = self.shown.get(path)
                && shown == stamp
            {
                return Some(entry.clone());
            }
            self.whole_entry(path, key, *stamp).map(Arc::new)
        });
        window
            .iter()
            .zip(parsed)
            .filter_map(|((_, _, stamp), entry)| Some((entry?, *stamp)))
            .collect()
    }
}

/// Where a month of `scope`'s archive lives: `<feed>/archive/2024-05/`.
pub fn archive_dir(scope: &Scope, month: Month) -> String {
    format!("{}{}/{month}/", scope.prefix(), crate::wanted::ARCHIVE)
}

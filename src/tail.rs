//! The long tail: documents rendered on first request (author and section feeds, month
//! archives, filtered views, entry pages), kept up to a bound in bytes, least recently used
//! out first. The update thread renders and inserts them, and drops the ones a change
//! touches before it publishes that change; handlers only look documents up (a short lock,
//! never across `.await`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Duration, Utc};

use crate::document::{Document, whole_seconds};
use crate::feeds::{Month, Scope};
use crate::snapshot::Page;

/// What a cached document was rendered from: the entries of `scope` published in the months
/// `from..=to` (all months when both are `None`). A change to any of them drops it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Depends {
    pub scope: Scope,
    pub from: Option<Month>,
    pub to: Option<Month>,
}

impl Depends {
    /// Every entry of `scope`: a feed's newest entries, a filtered view.
    pub fn on_scope(scope: Scope) -> Depends {
        Depends {
            scope,
            from: None,
            to: None,
        }
    }

    fn touched_by(&self, scope: &Scope, month: Month) -> bool {
        self.scope == *scope
            && self.from.is_none_or(|from| from <= month)
            && self.to.is_none_or(|to| month <= to)
    }
}

/// The update thread's answer to a request for a long-tail document.
#[derive(Debug, Clone)]
pub enum Reply {
    Found(Arc<Document>),
    NotFound,
    /// Not answerable yet (the authors are still being read): a 503 with this text.
    Unavailable(String),
}

/// A change to one scope's entries in one month (an entry came, went, or changed there).
pub type Touch = (Scope, Month);

struct Cached {
    document: Arc<Document>,
    depends: Depends,
    used: u64,
}

#[derive(Default)]
struct Inner {
    documents: HashMap<String, Cached>,
    bytes: usize,
    clock: u64,
    /// The `Last-Modified` and ETag of documents a change made the tail forget: the next
    /// version of one is dated after it (as the snapshot does), so a reader revalidating with
    /// `If-Modified-Since` alone never gets a 304 for bytes it has not seen.
    forgotten: HashMap<String, (DateTime<Utc>, String)>,
}

/// How many forgotten documents' dates the tail remembers; beyond, it starts afresh.
const FORGOTTEN_MAX: usize = 100_000;

/// The cache; one per server, shared by the update thread, the compressor and the handlers.
pub struct Tail {
    inner: Mutex<Inner>,
    max_bytes: usize,
}

/// Bytes a document holds in every coding it has.
fn size_of(document: &Document) -> usize {
    document.identity.body.len()
        + document.gzip.as_ref().map_or(0, |v| v.body.len())
        + document.brotli.as_ref().map_or(0, |v| v.body.len())
}

impl Tail {
    pub fn new(max_bytes: usize) -> Tail {
        Tail {
            inner: Mutex::new(Inner::default()),
            max_bytes,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data behind: still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The document cached under `key` (a canonical path, with `?query` for a filtered view).
    pub fn get(&self, key: &str) -> Option<Arc<Document>> {
        let mut inner = self.lock();
        inner.clock += 1;
        let now = inner.clock;
        let cached = inner.documents.get_mut(key)?;
        cached.used = now;
        Some(cached.document.clone())
    }

    /// Caches the freshly rendered `page` under `key`: dated by its content, but never at or
    /// before the version a change made the tail forget unless the bytes are the same.
    pub fn insert_page(&self, key: String, page: Page, depends: Depends) -> Arc<Document> {
        let etag = page.identity.etag.clone();
        let mut modified = whole_seconds(page.content_time);
        if let Some((before, before_etag)) = self.lock().forgotten.remove(&key) {
            modified = match before_etag == etag {
                true => before,
                false => modified.max(before + Duration::seconds(1)),
            };
        }
        let document = Document::of_variant(page.media_type, page.identity, modified);
        let document = Arc::new(document);
        self.insert(key, document.clone(), depends);
        document
    }

    pub fn insert(&self, key: String, document: Arc<Document>, depends: Depends) {
        let mut inner = self.lock();
        inner.clock += 1;
        let used = inner.clock;
        inner.bytes += size_of(&document);
        if let Some(old) = inner.documents.insert(
            key,
            Cached {
                document,
                depends,
                used,
            },
        ) {
            inner.bytes -= size_of(&old.document);
        }
        self.evict(&mut inner);
    }

    /// Puts the compressed version in place of `plain`, if `plain` is still what `key` holds.
    pub fn replace(&self, key: &str, plain: &Arc<Document>, compressed: Document) {
        let mut inner = self.lock();
        let Some(cached) = inner.documents.get_mut(key) else {
            return;
        };
        if !Arc::ptr_eq(&cached.document, plain) {
            return;
        }
        let grown = size_of(&compressed) - size_of(plain);
        cached.document = Arc::new(compressed);
        inner.bytes += grown;
        self.evict(&mut inner);
    }

    /// Drops every document one of `touches` changes.
    pub fn forget(&self, touches: &[Touch]) {
        if touches.is_empty() {
            return;
        }
        let mut inner = self.lock();
        let stale: Vec<String> = inner
            .documents
            .iter()
            .filter(|(_, cached)| {
                touches
                    .iter()
                    .any(|(scope, month)| cached.depends.touched_by(scope, *month))
            })
            .map(|(key, _)| key.clone())
            .collect();
        if inner.forgotten.len() + stale.len() > FORGOTTEN_MAX {
            inner.forgotten.clear();
        }
        for key in stale {
            remove(&mut inner, &key);
        }
    }

    /// Drops everything (after a rescan: anything may have changed).
    pub fn clear(&self) {
        let mut inner = self.lock();
        let keys: Vec<String> = inner.documents.keys().cloned().collect();
        if inner.forgotten.len() + keys.len() > FORGOTTEN_MAX {
            inner.forgotten.clear();
        }
        for key in keys {
            remove(&mut inner, &key);
        }
    }

    /// Documents and bytes held.
    pub fn usage(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.documents.len(), inner.bytes)
    }

    /// Least recently used out first, until the bytes fit. O(n) per eviction: the cache holds
    /// hundreds of documents, not millions.
    fn evict(&self, inner: &mut Inner) {
        while inner.bytes > self.max_bytes {
            let Some(oldest) = inner
                .documents
                .iter()
                .min_by_key(|(_, cached)| cached.used)
                .map(|(key, _)| key.clone())
            else {
                break;
            };
            if inner.forgotten.len() >= FORGOTTEN_MAX {
                inner.forgotten.clear();
            }
            remove(inner, &oldest);
        }
    }
}

/// Takes `key`'s document out, remembering its date and ETag for its next version (whatever
/// the reason it goes: a change, a rescan, the bound).
fn remove(inner: &mut Inner, key: &str) {
    if let Some(cached) = inner.documents.remove(key) {
        inner.bytes -= size_of(&cached.document);
        let document = &cached.document;
        let date = (document.last_modified, document.identity.etag.clone());
        inner.forgotten.insert(key.to_string(), date);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn document(bytes: usize) -> Arc<Document> {
        Arc::new(Document::new(
            "text/plain",
            vec![b'x'; bytes],
            DateTime::UNIX_EPOCH,
        ))
    }

    fn month(m: u32) -> Month {
        Month {
            year: 2024,
            month: m,
        }
    }

    #[test]
    fn least_recently_used_goes_first_when_over_the_bound() {
        let tail = Tail::new(250);
        let all = || Depends::on_scope(Scope::All);
        tail.insert("/a".into(), document(100), all());
        tail.insert("/b".into(), document(100), all());
        assert!(tail.get("/a").is_some());
        tail.insert("/c".into(), document(100), all());
        assert!(tail.get("/b").is_none(), "b was the least recently used");
        assert!(tail.get("/a").is_some() && tail.get("/c").is_some());
        assert_eq!(tail.usage(), (2, 200));
    }

    #[test]
    fn a_touch_drops_only_what_depends_on_that_scope_and_month() {
        let tail = Tail::new(1 << 20);
        let may = Depends {
            scope: Scope::Folder("nyt".into()),
            from: Some(month(4)),
            to: Some(month(6)),
        };
        tail.insert("/nyt/archive/2024-05/".into(), document(1), may);
        tail.insert(
            "/nyt/rss.xml?limit=5".into(),
            document(1),
            Depends::on_scope(Scope::Folder("nyt".into())),
        );
        tail.insert(
            "/bbc/rss.xml?limit=5".into(),
            document(1),
            Depends::on_scope(Scope::Folder("bbc".into())),
        );
        tail.forget(&[(Scope::Folder("nyt".into()), month(7))]);
        assert!(tail.get("/nyt/archive/2024-05/").is_some());
        assert!(tail.get("/nyt/rss.xml?limit=5").is_none());
        tail.forget(&[(Scope::Folder("nyt".into()), month(6))]);
        assert!(tail.get("/nyt/archive/2024-05/").is_none());
        assert!(tail.get("/bbc/rss.xml?limit=5").is_some());
        assert_eq!(tail.usage(), (1, 1));
    }

    fn page(body: &str, seconds: i64) -> Page {
        let content_time = DateTime::from_timestamp(seconds, 0).unwrap();
        Page::new("text/plain", body.as_bytes().to_vec(), content_time)
    }

    #[test]
    fn a_document_dropped_by_a_rescan_or_the_bound_is_still_dated_after_its_last_version() {
        let at = |s| DateTime::from_timestamp(s, 0).unwrap();
        let depends = || Depends::on_scope(Scope::All);
        let tail = Tail::new(1 << 20);
        tail.insert_page("/q".into(), page("a", 1000), depends());
        tail.clear();
        assert_eq!(
            tail.insert_page("/q".into(), page("b", 900), depends())
                .last_modified,
            at(1001)
        );
        let small = Tail::new(3);
        small.insert_page("/a".into(), page("aa", 1000), depends());
        small.insert_page("/b".into(), page("bb", 10), depends());
        assert!(small.get("/a").is_none(), "evicted");
        assert_eq!(
            small
                .insert_page("/a".into(), page("ab", 5), depends())
                .last_modified,
            at(1001)
        );
    }

    #[test]
    fn a_document_rendered_again_after_a_change_is_dated_after_the_one_forgotten() {
        let tail = Tail::new(1 << 20);
        let depends = || Depends::on_scope(Scope::All);
        let at = |s| DateTime::from_timestamp(s, 0).unwrap();
        let first = tail.insert_page("/q".into(), page("a", 1000), depends());
        assert_eq!(first.last_modified, at(1000));
        tail.forget(&[(Scope::All, month(1))]);
        // An entry went away: the content is older, the bytes new; the date still moves on.
        let second = tail.insert_page("/q".into(), page("b", 900), depends());
        assert_eq!(second.last_modified, at(1001));
        tail.forget(&[(Scope::All, month(1))]);
        // The same bytes again keep their date.
        let third = tail.insert_page("/q".into(), page("b", 900), depends());
        assert_eq!(third.last_modified, at(1001));
        // Never seen before: its content's time.
        assert_eq!(
            tail.insert_page("/r".into(), page("c", 5), depends())
                .last_modified,
            at(5)
        );
    }

    #[test]
    fn a_compressed_version_replaces_only_the_document_it_was_made_from() {
        let tail = Tail::new(1 << 20);
        let first = document(10);
        tail.insert("/a".into(), first.clone(), Depends::on_scope(Scope::All));
        let second = document(20);
        tail.insert("/a".into(), second.clone(), Depends::on_scope(Scope::All));
        tail.replace("/a", &first, first.compressed());
        assert!(!tail.get("/a").unwrap().is_compressed());
        tail.replace("/a", &second, second.compressed());
        assert!(tail.get("/a").unwrap().is_compressed());
    }

    #[test]
    fn every_insert_and_every_look_up_counts_as_a_use() {
        // Ties in `used` would be broken by the map's random order: many fresh caches
        // make a mistake show.
        for _ in 0..32 {
            let tail = Tail::new(250);
            let all = || Depends::on_scope(Scope::All);
            tail.insert("/a".into(), document(100), all());
            tail.insert("/b".into(), document(100), all());
            tail.insert("/c".into(), document(100), all());
            assert!(tail.get("/a").is_none(), "a was inserted first");
            assert!(tail.get("/c").is_some());
            assert!(tail.get("/b").is_some());
            tail.insert("/d".into(), document(100), all());
            assert!(tail.get("/c").is_none(), "c was used before b");
            assert!(tail.get("/b").is_some() && tail.get("/d").is_some());
        }
    }

    #[test]
    fn the_forgotten_dates_start_afresh_only_beyond_their_bound() {
        let tail = Tail::new(usize::MAX);
        let nyt = || Depends::on_scope(Scope::Folder("nyt".into()));
        let touch = || tail.forget(&[(Scope::Folder("nyt".into()), month(1))]);
        let at = |s| DateTime::from_timestamp(s, 0).unwrap();
        let filler = document(1);
        tail.insert_page("/first".into(), page("a", 1000), nyt());
        for i in 2..FORGOTTEN_MAX {
            tail.insert(format!("/{i}"), filler.clone(), nyt());
        }
        touch(); // FORGOTTEN_MAX - 1 dates
        tail.insert("/x".into(), filler.clone(), nyt());
        touch(); // exactly FORGOTTEN_MAX: all kept
        let again = tail.insert_page("/first".into(), page("b", 900), nyt());
        assert_eq!(again.last_modified, at(1001));
        touch(); // FORGOTTEN_MAX again
        tail.insert("/y".into(), filler.clone(), nyt());
        touch(); // one more: afresh
        let afresh = tail.insert_page("/first".into(), page("c", 900), nyt());
        assert_eq!(afresh.last_modified, at(900));
    }

    #[test]
    fn a_touch_at_either_end_of_a_range_drops_it_and_an_open_end_reaches_every_month() {
        let tail = Tail::new(1 << 20);
        let nyt = || Scope::Folder("nyt".into());
        let range = || Depends {
            scope: nyt(),
            from: Some(month(4)),
            to: Some(month(6)),
        };
        let up_to_june = Depends {
            scope: nyt(),
            from: None,
            to: Some(month(6)),
        };
        tail.insert("/range".into(), document(1), range());
        tail.insert("/open".into(), document(1), up_to_june);
        tail.forget(&[(nyt(), month(3))]);
        assert!(tail.get("/range").is_some(), "March is before the range");
        assert!(tail.get("/open").is_none(), "an open start reaches March");
        tail.forget(&[(nyt(), month(4))]);
        assert!(
            tail.get("/range").is_none(),
            "April is the range's first month"
        );
        tail.insert("/range".into(), document(1), range());
        tail.forget(&[]);
        assert!(tail.get("/range").is_some());
    }

    #[test]
    fn the_bytes_held_follow_inserts_compression_and_clear() {
        let tail = Tail::new(1 << 20);
        let plain = document(1000);
        tail.insert("/a".into(), plain.clone(), Depends::on_scope(Scope::All));
        assert_eq!(tail.usage(), (1, 1000));
        let compressed = plain.compressed();
        let gzip = compressed.gzip.as_ref().unwrap().body.len();
        let brotli = compressed.brotli.as_ref().unwrap().body.len();
        assert!(gzip > 0 && brotli > 0 && gzip != brotli);
        tail.replace("/a", &plain, compressed);
        assert_eq!(tail.usage(), (1, 1000 + gzip + brotli));
        // A new version under the same key replaces the old one's bytes.
        tail.insert("/a".into(), document(30), Depends::on_scope(Scope::All));
        assert_eq!(tail.usage(), (1, 30));
        tail.clear();
        assert_eq!(tail.usage(), (0, 0));
        assert!(tail.get("/a").is_none());
    }

    #[test]
    fn documents_that_fit_the_bound_exactly_all_stay() {
        let tail = Tail::new(200);
        tail.insert("/a".into(), document(100), Depends::on_scope(Scope::All));
        tail.insert("/b".into(), document(100), Depends::on_scope(Scope::All));
        assert_eq!(tail.usage(), (2, 200));
        // Compression that no longer fits evicts the least recently used.
        let b = tail.get("/b").unwrap();
        tail.replace("/b", &b, b.compressed());
        assert!(tail.get("/a").is_none());
        assert!(tail.get("/b").unwrap().is_compressed());
    }

    #[test]
    fn the_dates_of_documents_forgotten_by_earlier_changes_are_kept() {
        let tail = Tail::new(1 << 20);
        let nyt = || Scope::Folder("nyt".into());
        let bbc = || Scope::Folder("bbc".into());
        tail.insert_page("/nyt".into(), page("a", 1000), Depends::on_scope(nyt()));
        tail.insert_page("/bbc".into(), page("b", 2000), Depends::on_scope(bbc()));
        tail.forget(&[(nyt(), month(1))]);
        tail.forget(&[(bbc(), month(1))]);
        let nyt_again = tail.insert_page("/nyt".into(), page("c", 900), Depends::on_scope(nyt()));
        assert_eq!(
            nyt_again.last_modified,
            DateTime::from_timestamp(1001, 0).unwrap()
        );
    }
}

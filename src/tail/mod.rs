//! The long tail: documents rendered on first request (author and section feeds, month
//! archives, filtered views, entry pages), kept within the server's memory budget, least
//! recently used out first, and out after a while unused. The render thread inserts them;
//! the update loop drops the ones a change touches before it publishes that change; the
//! compressor fills in the codings of those still cached once they are asked for again (a
//! crawler's one-off requests are not worth it); handlers look documents up and ask for
//! admission before they request a render (a short lock, never across `.await`).

mod budget;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration as Elapsed, Instant};

use chrono::{DateTime, Duration, Utc};

use budget::Pinned;
pub use budget::{Admission, Counters, MAX_WAITING};

use crate::document::{Document, whole_seconds};
use crate::scope::{Month, Scope};
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

/// The answer to a request for a long-tail document.
#[derive(Debug, Clone)]
pub enum Reply {
    Found(Arc<Document>),
    NotFound,
    /// Not answerable now (authors still being read, the budget full): a 503 with this text.
    Unavailable(String),
}

/// A handler waiting for a render: where its answer goes, and its admission (freed with it).
#[derive(Debug)]
pub struct Waiter {
    reply: tokio::sync::oneshot::Sender<Reply>,
    admission: Admission,
}

impl Waiter {
    pub fn new(reply: tokio::sync::oneshot::Sender<Reply>, admission: Admission) -> Waiter {
        Waiter { reply, admission }
    }

    /// The handler gave up waiting (its deadline passed, the client went away).
    pub fn is_gone(&self) -> bool {
        self.reply.is_closed()
    }

    /// Sends the answer; the admission goes with this waiter.
    pub fn answer(self, reply: Reply) {
        let _ = self.reply.send(reply);
    }
}

/// A change to one scope's entries in one month (an entry came, went, or changed there).
pub type Touch = (Scope, Month);

/// Why a render was not let in: the answer is a 503 with `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shed {
    /// [`MAX_WAITING`] renders are waiting already.
    Queue,
    /// Documents still being sent and renders under way fill the memory budget.
    Budget,
}

impl Shed {
    pub fn message(self) -> &'static str {
        match self {
            Shed::Queue => "busy: too many documents being rendered; try again\n",
            Shed::Budget => "busy: the memory for rendering is in use; try again\n",
        }
    }
}

/// How long a document asked for once stays cached unused: a crawler's one-off requests
/// leave memory within seconds of the storm.
const ONE_HIT_IDLE: Elapsed = Elapsed::from_secs(10);
/// How long a document asked for again stays cached unused.
const REUSED_IDLE: Elapsed = Elapsed::from_secs(600);
/// A filtered view's entries hold at most this share of the budget (16 MiB of the default:
/// all 484 seeds of the archive sample are 12.5 MB of items, `/rss.xml?limit=500` 4.1 MB).
const VIEW_SHARE: usize = 8;
/// The compressor's queue holds at most this share of the budget (in documents' bytes); a
/// document that does not fit is served uncompressed until it is rendered again.
const COMPRESS_SHARE: usize = 4;

struct Cached {
    document: Arc<Document>,
    depends: Depends,
    /// The tail's clock at the last use (insert or look-up): least recently used goes first.
    used: u64,
    last_used: Instant,
    /// Look-ups, counting the request that rendered it.
    hits: u32,
    /// Waiting for the compressor.
    compress: bool,
}

/// A render under way: whether a change outdated it meanwhile, and the handlers that asked
/// for the same document after it started.
#[derive(Default)]
struct Rendering {
    stale: bool,
    depends: Option<Depends>,
    joined: Vec<Waiter>,
}

#[derive(Default)]
struct Inner {
    documents: HashMap<String, Cached>,
    bytes: usize,
    clock: u64,
    /// Bytes of the documents waiting for the compressor.
    compress_bytes: usize,
    pinned: Pinned,
    rendering: HashMap<String, Rendering>,
    /// The `Last-Modified` and ETag of documents the tail let go of, by [`fingerprint`]s of
    /// key and ETag (a storm leaves thousands): the next version of one is dated after it (as
    /// the snapshot does), so a reader revalidating with `If-Modified-Since` alone never gets
    /// a 304 for bytes it has not seen.
    forgotten: HashMap<u64, (DateTime<Utc>, u64)>,
    /// No document is dated before this: just after the newest date of the records let go
    /// of when `forgotten` reached its bound.
    floor: DateTime<Utc>,
    /// Documents dropped because the budget was full, and because they sat unused.
    evicted: u64,
    expired: u64,
}

/// How many let-go documents' dates the tail remembers (~40 bytes each); beyond, their
/// newest date becomes the floor of every date.
const FORGOTTEN_MAX: usize = 10_000;

/// The cache; one per server, shared by the update thread, the render thread, the compressor
/// and the handlers.
pub struct Tail {
    inner: Mutex<Inner>,
    budget: usize,
    counters: Arc<Counters>,
}

/// What `/status` shows of the tail.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Load {
    pub budget: usize,
    pub documents: usize,
    pub bytes: usize,
    /// Bytes of documents let go of while still being sent or compressed.
    pub pinned: usize,
    /// Bytes reserved for renders admitted and not done.
    pub reserved: usize,
    pub compress_queue: usize,
    pub compress_queue_bytes: usize,
    pub renders_waiting: usize,
    pub shed: u64,
    pub evicted: u64,
    pub expired: u64,
}

/// Bytes a document holds in every coding it has.
fn size_of(document: &Document) -> usize {
    document.identity.body.len()
        + document.gzip.as_ref().map_or(0, |v| v.body.len())
        + document.brotli.as_ref().map_or(0, |v| v.body.len())
}

impl Tail {
    /// A tail within `budget` bytes.
    pub fn new(budget: usize) -> Tail {
        Tail::with_counters(budget, Counters::default())
    }

    fn with_counters(budget: usize, counters: Counters) -> Tail {
        Tail {
            inner: Mutex::new(Inner {
                floor: DateTime::UNIX_EPOCH,
                ..Inner::default()
            }),
            budget,
            counters: Arc::new(counters),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data behind: still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The document cached under `key` (a canonical path, with `?query` for a filtered view).
    /// Asked for a second time, it goes to the compressor.
    pub fn get(&self, key: &str) -> Option<Arc<Document>> {
        let mut inner = self.lock();
        inner.clock += 1;
        let now = inner.clock;
        let cached = inner.documents.get_mut(key)?;
        cached.used = now;
        cached.last_used = Instant::now();
        cached.hits = cached.hits.saturating_add(1);
        let document = cached.document.clone();
        if cached.hits == 2 && !document.is_compressed() {
            cached.compress = true;
            inner.compress_bytes += size_of(&document);
            self.fit(&mut inner);
        }
        Some(document)
    }

    /// Lets one more render in, or says why not: too many waiting already, or the memory
    /// that cannot be given back (documents still being sent, renders under way, the
    /// headroom) would pass the budget with this one's expected output. Every refusal is
    /// counted. With nothing sent or under way there is nothing to wait for: a render larger
    /// than the budget allows is let in then, one at a time.
    pub fn admit(&self) -> Result<Admission, Shed> {
        let shed = |why| {
            self.counters.count_shed();
            Err(why)
        };
        if self.counters.waiting() >= MAX_WAITING {
            return shed(Shed::Queue);
        }
        let estimate = self.counters.estimate();
        let held = self.lock().pinned.bytes() + self.counters.reserved();
        if held > 0 && held + self.counters.headroom() + estimate > self.budget {
            return shed(Shed::Budget);
        }
        Ok(self.counters.admit(estimate))
    }

    /// The most bytes of entries a filtered view shows: a client chooses how many it asks
    /// for, and a few hundred large seeds could otherwise pass the whole budget.
    pub fn view_bytes(&self) -> usize {
        self.budget / VIEW_SHARE
    }

    /// Counts a request answered 503 elsewhere for lack of room (a render that missed its
    /// deadline).
    pub fn count_shed(&self) {
        self.counters.count_shed();
    }

    /// Hands `waiter` to the render of `key` already under way, if there is one; otherwise
    /// gives it back.
    pub fn join_render(&self, key: &str, waiter: Waiter) -> Option<Waiter> {
        match self.lock().rendering.get_mut(key) {
            Some(rendering) => {
                rendering.joined.push(waiter);
                None
            }
            None => Some(waiter),
        }
    }

    /// Notes that `key` is being rendered from the store as it is now, with what it depends
    /// on: a change touching that before it is done keeps the result out of the cache.
    pub fn begin_render(&self, key: &str, depends: Depends) {
        let rendering = Rendering {
            depends: Some(depends),
            ..Rendering::default()
        };
        self.lock().rendering.insert(key.to_string(), rendering);
    }

    /// The render of `key` produced `pages` (every document it renders, `key`'s among them):
    /// each is dated, and cached unless a change outdated the render meanwhile. Returns the
    /// documents by key and the handlers that joined the render. `primary`'s reservation is
    /// settled first: the output is counted as documents from now on.
    pub fn finish_render(
        &self,
        key: &str,
        pages: Vec<(String, Page)>,
        primary: &mut Waiter,
    ) -> (Vec<(String, Arc<Document>)>, Vec<Waiter>) {
        primary.admission.settle();
        let measured: usize = pages.iter().map(|(_, page)| page.body().len()).sum();
        self.counters.measured(measured);
        let mut inner = self.lock();
        let rendering = inner.rendering.remove(key).unwrap_or_default();
        let mut documents = Vec::with_capacity(pages.len());
        for (page_key, page) in pages {
            let document = Arc::new(dated(&mut inner, &page_key, page));
            match (&rendering.depends, rendering.stale) {
                (Some(depends), false) => {
                    self.insert_locked(&mut inner, page_key.clone(), document.clone(), depends)
                }
                // Outdated already: served to those who asked, remembered as served.
                _ => remember(&mut inner, &page_key, &document),
            }
            documents.push((page_key, document));
        }
        (documents, rendering.joined)
    }

    /// The render of `key` ended without documents: the handlers that joined it.
    pub fn abandon_render(&self, key: &str) -> Vec<Waiter> {
        let rendering = self.lock().rendering.remove(key);
        rendering.map(|r| r.joined).unwrap_or_default()
    }

    /// Ends the render of `key` before it starts if no one waits for it any more (every
    /// handler that asked gave up); returns whether it did.
    pub fn abandon_if_unwanted(&self, key: &str) -> bool {
        let mut inner = self.lock();
        let Some(rendering) = inner.rendering.get_mut(key) else {
            return true;
        };
        rendering.joined.retain(|waiter| !waiter.is_gone());
        if !rendering.joined.is_empty() {
            return false;
        }
        inner.rendering.remove(key);
        true
    }

    /// Caches the freshly rendered `page` under `key`: dated by its content, but never at or
    /// before the version the tail let go of unless the bytes are the same.
    pub fn insert_page(&self, key: String, page: Page, depends: Depends) -> Arc<Document> {
        let mut inner = self.lock();
        let document = Arc::new(dated(&mut inner, &key, page));
        self.insert_locked(&mut inner, key, document.clone(), &depends);
        document
    }

    pub fn insert(&self, key: String, document: Arc<Document>, depends: Depends) {
        let mut inner = self.lock();
        self.insert_locked(&mut inner, key, document, &depends);
    }

    fn insert_locked(
        &self,
        inner: &mut Inner,
        key: String,
        document: Arc<Document>,
        depends: &Depends,
    ) {
        inner.clock += 1;
        let size = size_of(&document);
        let cached = Cached {
            compress: false,
            document,
            depends: depends.clone(),
            used: inner.clock,
            last_used: Instant::now(),
            hits: 1,
        };
        inner.bytes += size;
        if let Some(old) = inner.documents.insert(key, cached) {
            let size = size_of(&old.document);
            inner.bytes -= size;
            if old.compress {
                inner.compress_bytes -= size;
            }
            inner.pinned.let_go(old.document, size);
        }
        self.fit(inner);
    }

    /// The most recently used document waiting for the compressor, taken off its queue.
    pub fn next_to_compress(&self) -> Option<(String, Arc<Document>)> {
        let mut inner = self.lock();
        let (key, cached) = inner
            .documents
            .iter_mut()
            .filter(|(_, cached)| cached.compress)
            .max_by_key(|(_, cached)| cached.used)?;
        cached.compress = false;
        let taken = (key.clone(), cached.document.clone());
        inner.compress_bytes -= size_of(&taken.1);
        Some(taken)
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
        // The identity bytes are shared with the compressed version: only the codings add.
        let grown = size_of(&compressed) - size_of(plain);
        let queued = std::mem::take(&mut cached.compress);
        cached.document = Arc::new(compressed);
        inner.bytes += grown;
        if queued {
            inner.compress_bytes -= size_of(plain);
        }
        self.fit(&mut inner);
    }

    /// Drops every document one of `touches` changes, and marks the renders under way that
    /// one of them outdates.
    pub fn forget(&self, touches: &[Touch]) {
        if touches.is_empty() {
            return;
        }
        let touched = |depends: &Depends| {
            touches
                .iter()
                .any(|(scope, month)| depends.touched_by(scope, *month))
        };
        let mut inner = self.lock();
        for rendering in inner.rendering.values_mut() {
            rendering.stale |= rendering.depends.as_ref().is_none_or(touched);
        }
        let stale: Vec<String> = inner
            .documents
            .iter()
            .filter(|(_, cached)| touched(&cached.depends))
            .map(|(key, _)| key.clone())
            .collect();
        for key in stale {
            remove(&mut inner, &key);
        }
    }

    /// Drops everything (after a rescan: anything may have changed).
    pub fn clear(&self) {
        let mut inner = self.lock();
        for rendering in inner.rendering.values_mut() {
            rendering.stale = true;
        }
        let keys: Vec<String> = inner.documents.keys().cloned().collect();
        for key in keys {
            remove(&mut inner, &key);
        }
    }

    /// Drops the documents unused for a while (`now` is the moment to measure from): a
    /// one-off request's after [`ONE_HIT_IDLE`], one asked for again after [`REUSED_IDLE`].
    /// Returns how many went.
    pub fn expire(&self, now: Instant) -> usize {
        let mut inner = self.lock();
        let idle: Vec<String> = inner
            .documents
            .iter()
            .filter(|(_, cached)| {
                let limit = match cached.hits {
                    0 | 1 => ONE_HIT_IDLE,
                    _ => REUSED_IDLE,
                };
                now.saturating_duration_since(cached.last_used) > limit
            })
            .map(|(key, _)| key.clone())
            .collect();
        for key in &idle {
            remove(&mut inner, key);
        }
        inner.expired += idle.len() as u64;
        if inner.documents.is_empty() {
            // A storm's maps hold their largest size otherwise.
            inner.documents.shrink_to_fit();
        }
        idle.len()
    }

    /// What the tail holds and has let in, for `/status`.
    pub fn load(&self) -> Load {
        let mut inner = self.lock();
        Load {
            budget: self.budget,
            documents: inner.documents.len(),
            bytes: inner.bytes,
            pinned: inner.pinned.bytes(),
            reserved: self.counters.reserved(),
            compress_queue: inner.documents.values().filter(|c| c.compress).count(),
            compress_queue_bytes: inner.compress_bytes,
            renders_waiting: self.counters.waiting(),
            shed: self.counters.shed(),
            evicted: inner.evicted,
            expired: inner.expired,
        }
    }

    /// Documents and bytes held.
    pub fn usage(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.documents.len(), inner.bytes)
    }

    /// What the budget holds beside the documents, cached or pinned: reservations and
    /// headroom.
    fn outside_documents(&self) -> usize {
        self.counters.reserved() + self.counters.headroom()
    }

    /// Least recently used out first, until the documents, the pinned ones, the reservations
    /// and the headroom fit the budget; then the oldest waiting for the compressor leave its queue
    /// until it fits its share. O(n) per eviction: the tail holds thousands of documents at
    /// most, not millions.
    fn fit(&self, inner: &mut Inner) {
        while inner.bytes + inner.pinned.bytes() + self.outside_documents() > self.budget {
            let Some(oldest) = oldest(inner, |_| true) else {
                break;
            };
            remove(inner, &oldest);
            inner.evicted += 1;
        }
        while inner.compress_bytes > self.budget / COMPRESS_SHARE {
            let Some(oldest) = oldest(inner, |cached| cached.compress) else {
                break;
            };
            if let Some(cached) = inner.documents.get_mut(&oldest) {
                cached.compress = false;
                inner.compress_bytes -= size_of(&cached.document);
            }
        }
    }
}

/// The least recently used document that `which` selects.
fn oldest(inner: &Inner, which: impl Fn(&Cached) -> bool) -> Option<String> {
    inner
        .documents
        .iter()
        .filter(|(_, cached)| which(cached))
        .min_by_key(|(_, cached)| cached.used)
        .map(|(key, _)| key.clone())
}

/// `page` as a document served under `key`: dated by its content, but never at or before the
/// version the tail let go of unless the bytes are the same, and never before the floor.
fn dated(inner: &mut Inner, key: &str, page: Page) -> Document {
    let mut modified = whole_seconds(page.content_time).max(inner.floor);
    if let Some((before, before_etag)) = inner.forgotten.remove(&fingerprint(key)) {
        modified = match before_etag == fingerprint(&page.identity.etag) {
            true => before,
            false => modified.max(before + Duration::seconds(1)),
        };
    }
    Document::of_variant(page.media_type, page.identity, modified)
}

/// Takes `key`'s document out, remembering its date and ETag for its next version (whatever
/// the reason it goes: a change, a rescan, the bound, idleness).
fn remove(inner: &mut Inner, key: &str) {
    if let Some(cached) = inner.documents.remove(key) {
        let size = size_of(&cached.document);
        inner.bytes -= size;
        if cached.compress {
            inner.compress_bytes -= size;
        }
        remember(inner, key, &cached.document);
        inner.pinned.let_go(cached.document, size);
    }
}

/// Records the date and ETag `document` was served with under `key`. Beyond
/// [`FORGOTTEN_MAX`] records, they all go, and the second after their newest date becomes
/// the floor: any version of theirs rendered again is dated after the one they recorded.
fn remember(inner: &mut Inner, key: &str, document: &Document) {
    if inner.forgotten.len() >= FORGOTTEN_MAX {
        let newest = inner.forgotten.values().map(|(date, _)| *date).max();
        if let Some(newest) = newest {
            inner.floor = inner.floor.max(newest + Duration::seconds(1));
        }
        inner.forgotten = HashMap::new();
    }
    let date = (document.last_modified, fingerprint(&document.identity.etag));
    inner.forgotten.insert(fingerprint(key), date);
}

/// 64 bits standing for `text` (the same on every run): two keys or ETags that share one
/// are one in 2^64.
fn fingerprint(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    /// A tail keeping no headroom: its rules in bytes one can count.
    fn exact(budget: usize) -> Tail {
        Tail::with_counters(budget, Counters::without_headroom())
    }

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
        let tail = exact(250);
        let all = || Depends::on_scope(Scope::All);
        tail.insert("/a".into(), document(100), all());
        tail.insert("/b".into(), document(100), all());
        assert!(tail.get("/a").is_some());
        tail.insert("/c".into(), document(100), all());
        assert!(tail.get("/b").is_none(), "b was the least recently used");
        assert!(tail.get("/a").is_some() && tail.get("/c").is_some());
        assert_eq!(tail.usage(), (2, 200));
        assert_eq!(tail.load().evicted, 1, "/status counts it");
    }

    #[test]
    fn a_touch_drops_only_what_depends_on_that_scope_and_month() {
        let tail = exact(1 << 20);
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
        let tail = exact(1 << 20);
        tail.insert_page("/q".into(), page("a", 1000), depends());
        tail.clear();
        assert_eq!(
            tail.insert_page("/q".into(), page("b", 900), depends())
                .last_modified,
            at(1001)
        );
        let small = exact(3);
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
        let tail = exact(1 << 20);
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
        let tail = exact(1 << 20);
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
            let tail = exact(250);
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
    fn beyond_their_bound_the_forgotten_dates_become_a_floor_for_every_date() {
        let tail = exact(usize::MAX);
        let nyt = || Depends::on_scope(Scope::Folder("nyt".into()));
        let touch = || tail.forget(&[(Scope::Folder("nyt".into()), month(1))]);
        let at = |s| DateTime::from_timestamp(s, 0).unwrap();
        tail.insert_page("/first".into(), page("a", 1000), nyt());
        for i in 1..FORGOTTEN_MAX {
            tail.insert_page(format!("/{i}"), page("f", 10), nyt());
        }
        touch(); // exactly FORGOTTEN_MAX records: all kept
        let again = tail.insert_page("/first".into(), page("b", 900), nyt());
        assert_eq!(again.last_modified, at(1001));
        tail.insert_page("/x".into(), page("x", 20), nyt());
        // The bound reached: the records go, the second after their newest date is the
        // floor (whichever of /first and /x was let go of first).
        touch();
        let afresh = tail.insert_page("/first".into(), page("c", 900), nyt());
        assert_eq!(afresh.last_modified, at(1002), "after the version served");
        let new = tail.insert_page("/new".into(), page("n", 5), nyt());
        assert!(
            new.last_modified >= at(21),
            "never seen, not before the floor"
        );
        let later = tail.insert_page("/later".into(), page("l", 5000), nyt());
        assert_eq!(later.last_modified, at(5000));
    }

    #[test]
    fn below_their_bound_the_forgotten_dates_set_no_floor() {
        let tail = exact(1 << 20);
        let nyt = || Depends::on_scope(Scope::Folder("nyt".into()));
        let at = |s| DateTime::from_timestamp(s, 0).unwrap();
        tail.insert_page("/a".into(), page("a", 1000), nyt());
        tail.insert_page("/b".into(), page("b", 2000), nyt());
        tail.forget(&[(Scope::Folder("nyt".into()), month(1))]);
        let new = tail.insert_page("/new".into(), page("n", 5), nyt());
        assert_eq!(new.last_modified, at(5), "never seen: its content's time");
        let again = tail.insert_page("/a".into(), page("c", 900), nyt());
        assert_eq!(again.last_modified, at(1001), "after the version served");
    }

    #[test]
    fn a_touch_at_either_end_of_a_range_drops_it_and_an_open_end_reaches_every_month() {
        let tail = exact(1 << 20);
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
        let tail = exact(1 << 20);
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
    fn a_new_version_of_a_document_waiting_for_the_compressor_leaves_the_queue_empty() {
        let tail = exact(1 << 20);
        let all = || Depends::on_scope(Scope::All);
        tail.insert("/a".into(), document(100), all());
        assert!(tail.get("/a").is_some()); // asked for again: queued
        assert_eq!(tail.load().compress_queue_bytes, 100);
        // Rendered again (another render's page) before the compressor took it.
        tail.insert("/a".into(), document(30), all());
        let load = tail.load();
        assert_eq!((load.compress_queue, load.compress_queue_bytes), (0, 0));
        assert!(tail.next_to_compress().is_none());
    }

    #[test]
    fn a_document_compressed_before_the_compressor_took_it_leaves_the_queue() {
        let tail = exact(1 << 20);
        let plain = document(100);
        tail.insert("/a".into(), plain.clone(), Depends::on_scope(Scope::All));
        assert!(tail.get("/a").is_some()); // asked for again: queued
        tail.replace("/a", &plain, plain.compressed());
        let load = tail.load();
        assert_eq!((load.compress_queue, load.compress_queue_bytes), (0, 0));
        assert!(tail.next_to_compress().is_none());
    }

    #[test]
    fn documents_that_fill_the_compressor_s_share_exactly_all_wait_for_it() {
        let tail = exact(800); // a queue of 200 bytes
        for key in ["/a", "/b"] {
            tail.insert(key.into(), document(100), Depends::on_scope(Scope::All));
            assert!(tail.get(key).is_some()); // asked for again: queued
        }
        let load = tail.load();
        assert_eq!((load.compress_queue, load.compress_queue_bytes), (2, 200));
    }

    #[test]
    fn documents_that_fit_the_bound_exactly_all_stay() {
        let tail = exact(200);
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
        let tail = exact(1 << 20);
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

    fn waiter(tail: &Tail) -> (Waiter, tokio::sync::oneshot::Receiver<Reply>) {
        let (reply, answer) = tokio::sync::oneshot::channel();
        (Waiter::new(reply, tail.admit().expect("admitted")), answer)
    }

    fn pages(keys: &[&str], body: &str) -> Vec<(String, Page)> {
        keys.iter()
            .map(|k| (k.to_string(), page(body, 100)))
            .collect()
    }

    #[test]
    fn the_compressor_is_never_given_a_document_the_tail_dropped() {
        let tail = exact(1000); // a queue of 250 bytes
        let all = || Depends::on_scope(Scope::All);
        let nyt = || Depends::on_scope(Scope::Folder("nyt".into()));
        let asked_twice = |key: &str, depends: Depends, bytes: usize| {
            tail.insert(key.into(), document(bytes), depends);
            assert!(tail.get(key).is_some());
        };
        asked_twice("/a", all(), 100);
        asked_twice("/b", nyt(), 100);
        assert_eq!(tail.load().compress_queue, 2);
        asked_twice("/c", all(), 850); // evicts /a; too big to queue
        tail.forget(&[(Scope::Folder("nyt".into()), month(1))]); // drops /b
        assert_eq!(tail.usage(), (1, 850));
        assert!(tail.next_to_compress().is_none());
        asked_twice("/d", all(), 100); // evicts /c
        let (key, _) = tail.next_to_compress().expect("/d waits");
        assert_eq!(key, "/d");
        assert!(
            tail.next_to_compress().is_none(),
            "each document is handed out once"
        );
        assert_eq!(tail.load().compress_queue_bytes, 0);
    }

    #[test]
    fn only_a_document_asked_for_again_is_compressed_the_most_recently_used_first() {
        let tail = exact(1000); // a queue of 250 bytes
        let all = || Depends::on_scope(Scope::All);
        for key in ["/a", "/b", "/c", "/once"] {
            tail.insert(key.into(), document(100), all());
        }
        assert_eq!(tail.load().compress_queue, 0, "asked for once");
        for key in ["/a", "/b", "/c"] {
            assert!(tail.get(key).is_some());
        }
        // 300 bytes waiting: the oldest leaves the queue, still cached, served uncompressed.
        let load = tail.load();
        assert_eq!((load.compress_queue, load.compress_queue_bytes), (2, 200));
        assert!(tail.get("/b").is_some());
        assert_eq!(tail.next_to_compress().unwrap().0, "/b", "used last");
        assert_eq!(tail.next_to_compress().unwrap().0, "/c");
        assert!(tail.next_to_compress().is_none());
        assert!(!tail.get("/a").unwrap().is_compressed(), "never compressed");
        assert_eq!(tail.usage(), (4, 400));
    }

    #[test]
    fn renders_are_let_in_up_to_the_queue_bound_and_each_refusal_is_counted() {
        let tail = exact(usize::MAX);
        let admitted: Vec<Admission> = (0..MAX_WAITING).map(|_| tail.admit().unwrap()).collect();
        assert_eq!(tail.admit().unwrap_err(), Shed::Queue);
        assert_eq!(tail.load().renders_waiting, MAX_WAITING);
        drop(admitted);
        assert!(tail.admit().is_ok());
        assert_eq!(tail.load().shed, 1);
        assert_eq!(tail.load().renders_waiting, 0);
        tail.count_shed(); // a render that missed its deadline: a 503 as well
        assert_eq!(tail.load().shed, 2);
    }

    #[test]
    fn a_view_s_entries_may_hold_an_eighth_of_the_budget() {
        // README: "an eighth of the memory budget (16 MiB by default)".
        assert_eq!(Tail::new(128 << 20).view_bytes(), 16 << 20);
        assert_eq!(exact(1001).view_bytes(), 125);
    }

    #[test]
    fn documents_still_being_sent_count_against_the_budget_until_they_are_done() {
        let estimate = Counters::default().estimate();
        let tail = exact(estimate * 2);
        let all = || Depends::on_scope(Scope::All);
        // Two big documents, each held by a response still being sent, then let go of.
        let sending: Vec<Arc<Document>> = (0..2).map(|_| document(estimate)).collect();
        tail.insert("/a".into(), sending[0].clone(), all());
        tail.insert("/b".into(), sending[1].clone(), all()); // /a goes, still held
        tail.clear();
        assert_eq!(tail.usage(), (0, 0));
        assert_eq!(tail.load().pinned, 2 * estimate);
        assert_eq!(tail.admit().unwrap_err(), Shed::Budget);
        drop(sending);
        assert_eq!(tail.load().pinned, 0);
        let admission = tail.admit().expect("room again");
        assert_eq!(tail.load().reserved, estimate);
        // What admitted renders will produce pushes cached documents out.
        tail.insert("/c".into(), document(estimate), all());
        tail.insert("/d".into(), document(estimate), all());
        assert_eq!(tail.usage(), (1, estimate), "room kept for the reservation");
        drop(admission);
        assert_eq!(tail.load().reserved, 0);
    }

    #[test]
    fn a_render_outdated_while_under_way_is_answered_but_not_cached() {
        let tail = exact(1 << 20);
        let nyt = Scope::Folder("nyt".into());
        let may = Depends {
            scope: nyt.clone(),
            from: Some(month(5)),
            to: Some(month(5)),
        };
        let (mut first, _answer) = waiter(&tail);
        tail.begin_render("/nyt/archive/2024-05/", may.clone());
        let (joined, joined_answer) = waiter(&tail);
        assert!(tail.join_render("/nyt/archive/2024-05/", joined).is_none());
        tail.forget(&[(nyt.clone(), month(6))]); // another month: still good
        tail.forget(&[(nyt.clone(), month(5))]);
        let keys = ["/nyt/archive/2024-05/", "/nyt/archive/2024-05/rss.xml"];
        let (documents, joined) = tail.finish_render(keys[0], pages(&keys, "x"), &mut first);
        assert_eq!(documents.len(), 2);
        assert!(
            tail.get(keys[0]).is_none() && tail.get(keys[1]).is_none(),
            "outdated"
        );
        assert_eq!(joined.len(), 1);
        for waiter in joined {
            waiter.answer(Reply::Found(documents[0].1.clone()));
        }
        assert!(matches!(joined_answer.blocking_recv(), Ok(Reply::Found(_))));
        // The same render again, with no change meanwhile, is cached.
        tail.begin_render(keys[0], may);
        let (documents, joined) = tail.finish_render(keys[0], pages(&keys, "y"), &mut first);
        assert!(joined.is_empty());
        assert!(Arc::ptr_eq(&tail.get(keys[0]).unwrap(), &documents[0].1));
        // The outdated bytes were served: the next ones are dated after them.
        assert_eq!(
            documents[0].1.last_modified,
            DateTime::from_timestamp(101, 0).unwrap()
        );
        // A render with none under way to join.
        let (other, _) = waiter(&tail);
        assert!(tail.join_render("/other", other).is_some());
        assert!(tail.abandon_render("/other").is_empty());
    }

    #[test]
    fn a_render_is_dropped_only_once_every_handler_waiting_for_it_gave_up() {
        let tail = exact(1 << 20);
        assert!(tail.abandon_if_unwanted("/q"), "no render of /q under way");
        tail.begin_render("/q", Depends::on_scope(Scope::All));
        let (joined, answer) = waiter(&tail);
        assert!(tail.join_render("/q", joined).is_none());
        assert!(!tail.abandon_if_unwanted("/q"), "a handler still waits");
        drop(answer); // that handler gave up as well
        assert!(tail.abandon_if_unwanted("/q"));
        let (late, _late_answer) = waiter(&tail);
        assert!(
            tail.join_render("/q", late).is_some(),
            "the render of /q is over: nothing to join"
        );
    }

    #[test]
    fn a_render_that_ends_without_documents_hands_back_the_handlers_that_joined_it() {
        let tail = exact(1 << 20);
        tail.begin_render("/q", Depends::on_scope(Scope::All));
        let (joined, answer) = waiter(&tail);
        assert!(tail.join_render("/q", joined).is_none());
        let joined = tail.abandon_render("/q");
        assert_eq!(joined.len(), 1);
        for waiter in joined {
            waiter.answer(Reply::NotFound);
        }
        assert!(matches!(answer.blocking_recv(), Ok(Reply::NotFound)));
        assert!(tail.abandon_render("/q").is_empty(), "the render is over");
    }

    #[test]
    fn a_render_whose_expected_output_just_fits_beside_what_is_held_is_let_in() {
        let estimate = Counters::default().estimate();
        // A 1000-byte document let go of while a response still sends it, then a render.
        let admit = |budget: usize| {
            let tail = exact(budget);
            let sending = document(1000);
            tail.insert("/a".into(), sending.clone(), Depends::on_scope(Scope::All));
            tail.clear();
            assert_eq!(tail.load().pinned, 1000);
            tail.admit().map(drop)
        };
        assert_eq!(admit(1000 + estimate), Ok(()), "exactly the budget");
        assert_eq!(admit(999 + estimate), Err(Shed::Budget));
    }

    #[test]
    fn each_refusal_tells_the_client_why_and_to_try_again() {
        assert_eq!(
            Shed::Queue.message(),
            "busy: too many documents being rendered; try again\n"
        );
        assert_eq!(
            Shed::Budget.message(),
            "busy: the memory for rendering is in use; try again\n"
        );
    }

    #[test]
    fn a_rescan_outdates_every_render_under_way() {
        let tail = exact(1 << 20);
        let (mut first, _answer) = waiter(&tail);
        tail.begin_render("/q", Depends::on_scope(Scope::All));
        tail.clear();
        tail.finish_render("/q", pages(&["/q"], "x"), &mut first);
        assert!(tail.get("/q").is_none());
    }

    #[test]
    fn one_off_documents_expire_within_seconds_and_reused_ones_stay_longer() {
        let tail = exact(1 << 20);
        let all = || Depends::on_scope(Scope::All);
        tail.insert("/once".into(), document(10), all());
        tail.insert("/twice".into(), document(10), all());
        assert!(tail.get("/twice").is_some());
        let now = Instant::now();
        assert_eq!(tail.expire(now + Elapsed::from_secs(5)), 0);
        assert_eq!(tail.expire(now + ONE_HIT_IDLE + Elapsed::from_secs(1)), 1);
        assert!(tail.get("/twice").is_some());
        assert_eq!(tail.expire(now + REUSED_IDLE + Elapsed::from_secs(1)), 1);
        assert_eq!(tail.usage(), (0, 0));
        let load = tail.load();
        assert_eq!((load.expired, load.evicted), (2, 0));
    }

    #[test]
    fn room_is_kept_for_the_render_and_the_compression_under_way() {
        let (headroom, estimate) = (
            Counters::default().headroom(),
            Counters::default().estimate(),
        );
        let tail = Tail::new(headroom + 3 * estimate);
        let all = || Depends::on_scope(Scope::All);
        for key in ["/a", "/b", "/c", "/d"] {
            tail.insert(key.into(), document(estimate), all());
        }
        assert_eq!(tail.usage(), (3, 3 * estimate), "/a made room for /d");
        let admission = tail.admit().expect("the headroom is no reservation");
        tail.insert("/e".into(), document(estimate), all());
        assert_eq!(tail.usage(), (2, 2 * estimate), "room for what is admitted");
        drop(admission);
        let full = Tail::new(headroom);
        let first = full
            .admit()
            .expect("nothing under way: let in whatever the budget says");
        assert_eq!(full.admit().unwrap_err(), Shed::Budget);
        drop(first);
        assert!(full.admit().is_ok());
    }
}

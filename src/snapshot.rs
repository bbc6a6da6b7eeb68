//! One published state: every document in every coding, with validators, by the URL path it is
//! served at. Immutable; handlers hold an `Arc` to it for as long as they send from it, so a
//! response never mixes states.

use std::collections::BTreeMap;
use std::sync::Arc;

use arc_swap::ArcSwap;
use chrono::{DateTime, Duration, Utc};

use crate::document::{Document, Variant, whole_seconds};
use crate::urls::{STATUS_MEDIA_TYPE, STATUS_PATH};

/// The state being served: the update side stores a new one, handlers load the current one.
pub type Published = Arc<ArcSwap<Snapshot>>;

/// A document's new bytes, with its media type and the newest moment its content is known to
/// have changed (entry dates, seed file mtimes): the base of its `Last-Modified`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub media_type: &'static str,
    /// The bytes with their ETag: hashed where the page is rendered (a feed's on its render
    /// thread, beside the other feeds'), not one after another when the state is published.
    pub identity: Variant,
    pub content_time: DateTime<Utc>,
}

impl Page {
    pub fn new(media_type: &'static str, body: Vec<u8>, content_time: DateTime<Utc>) -> Page {
        Page {
            media_type,
            identity: Variant::of(body),
            content_time,
        }
    }

    pub fn body(&self) -> &[u8] {
        &self.identity.body
    }
}

/// What a render produced: new bytes for some paths, and paths that no longer exist (a folder
/// emptied). A path in neither keeps its document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    pub pages: BTreeMap<String, Page>,
    pub gone: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// By canonical URL path (`/rss.xml`, `/nyt/atom.xml`, `/status`).
    documents: BTreeMap<String, Document>,
    /// Entries in the store (the documents hold at most their feed's limit).
    pub entries: usize,
    pub rejected: usize,
    /// Top-level folders with a feed of their own.
    pub folders: usize,
    /// States published since start (the first is 1; a compressed copy keeps its state's).
    pub generation: u64,
}

/// What the store held when the documents were rendered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub entries: usize,
    pub rejected: usize,
    pub folders: usize,
}

impl Snapshot {
    /// The first state after start.
    pub fn first(changes: Changes, status: Vec<u8>, counts: Counts) -> Snapshot {
        let empty = Snapshot::default();
        empty.next(changes, status, counts)
    }

    /// The state after a change. A document whose bytes did not change is carried over whole
    /// (same ETags, same `Last-Modified`, no recompression). One whose bytes changed gets a
    /// `Last-Modified` strictly later than before — even when the change moved the content
    /// time back (an entry deleted) — so `If-Modified-Since` never yields a 304 for bytes
    /// the client does not have.
    pub fn next(&self, changes: Changes, status: Vec<u8>, counts: Counts) -> Snapshot {
        let mut documents = self.documents.clone();
        for gone in &changes.gone {
            documents.remove(gone);
        }
        for (path, page) in changes.pages {
            let document = follow(documents.get(&path), page);
            documents.insert(path, document);
        }
        // The operator's view changes with every change: its time is the newest of the
        // documents' (it is sent with no-cache; this only keeps the header plausible).
        let status_time = documents
            .values()
            .map(|d| d.last_modified)
            .chain(self.documents.get(STATUS_PATH).map(|d| d.last_modified))
            .max()
            .unwrap_or(DateTime::UNIX_EPOCH);
        let status = Page::new(STATUS_MEDIA_TYPE, status, status_time);
        let status = follow(self.documents.get(STATUS_PATH), status);
        documents.insert(STATUS_PATH.into(), status);
        Snapshot {
            documents,
            entries: counts.entries,
            rejected: counts.rejected,
            folders: counts.folders,
            generation: self.generation + 1,
        }
    }

    /// The same documents with a new `/status` (the change touched nothing they show).
    pub fn with_status(&self, status: Vec<u8>, counts: Counts) -> Snapshot {
        self.next(Changes::default(), status, counts)
    }

    /// The document served at `path` (canonical form), if there is one.
    pub fn document(&self, path: &str) -> Option<&Document> {
        self.documents.get(path)
    }

    /// Paths whose bytes differ from (or are missing in) `before`, in order.
    pub fn changed_since(&self, before: &Snapshot) -> Vec<&str> {
        self.documents
            .iter()
            .filter(|(path, document)| {
                before
                    .documents
                    .get(*path)
                    .is_none_or(|old| old.identity.etag != document.identity.etag)
            })
            .map(|(path, _)| path.as_str())
            .collect()
    }

    /// Every path served, in order.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.documents.keys().map(String::as_str)
    }

    /// The documents of an `earlier` state served again (the folder vanished right after a
    /// burst of deletions that were really its removal), with validators that keep moving
    /// forward.
    pub fn restored(&self, earlier: &Snapshot, status: Vec<u8>) -> Snapshot {
        let pages = earlier
            .documents
            .iter()
            .filter(|(path, _)| *path != STATUS_PATH)
            .map(|(path, document)| {
                let page = Page {
                    media_type: document.media_type,
                    identity: document.identity.clone(),
                    content_time: document.last_modified,
                };
                (path.clone(), page)
            })
            .collect();
        let gone = self
            .documents
            .keys()
            .filter(|path| !earlier.documents.contains_key(*path))
            .cloned()
            .collect();
        let counts = Counts {
            entries: earlier.entries,
            rejected: earlier.rejected,
            folders: earlier.folders,
        };
        self.next(Changes { pages, gone }, status, counts)
    }

    pub fn is_compressed(&self) -> bool {
        self.documents.values().all(Document::is_compressed)
    }

    /// This state with every document in every coding; documents already compressed are
    /// carried over. One core: the compressor thread runs at low priority beside the server.
    pub fn compressed(&self) -> Snapshot {
        let documents = self
            .documents
            .iter()
            .map(|(path, document)| {
                let document = if document.is_compressed() {
                    document.clone()
                } else {
                    document.compressed()
                };
                (path.clone(), document)
            })
            .collect();
        Snapshot {
            documents,
            ..self.clone()
        }
    }
}

/// The document after a change: carried over whole if its bytes did not change; otherwise
/// new, with a `Last-Modified` strictly later than before.
fn follow(previous: Option<&Document>, page: Page) -> Document {
    let Some(previous) = previous else {
        let modified = whole_seconds(page.content_time);
        return Document::of_variant(page.media_type, page.identity, modified);
    };
    if previous.identity.body == page.identity.body && previous.media_type == page.media_type {
        return previous.clone();
    }
    let at_least = previous.last_modified + Duration::seconds(1);
    let modified = whole_seconds(page.content_time).max(at_least);
    Document::of_variant(page.media_type, page.identity, modified)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(body: &str, seconds: i64) -> Page {
        Page::new(
            "application/rss+xml; charset=utf-8",
            body.as_bytes().to_vec(),
            at(seconds),
        )
    }

    fn changes(pages: &[(&str, &str, i64)]) -> Changes {
        Changes {
            pages: pages
                .iter()
                .map(|(path, body, seconds)| (path.to_string(), page(body, *seconds)))
                .collect(),
            gone: Vec::new(),
        }
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap()
    }

    const COUNTS: Counts = Counts {
        entries: 1,
        rejected: 0,
        folders: 0,
    };

    #[test]
    fn unchanged_bytes_keep_their_validators() {
        let first = Snapshot::first(changes(&[("/rss.xml", "a", 1000)]), b"{}".to_vec(), COUNTS)
            .compressed();
        let next = first.next(changes(&[("/rss.xml", "a", 5000)]), b"{}".to_vec(), COUNTS);
        assert_eq!(next.document("/rss.xml"), first.document("/rss.xml"));
        assert!(next.is_compressed(), "nothing to recompress");
    }

    #[test]
    fn a_state_is_compressed_only_once_every_coding_is_in() {
        let first = Snapshot::first(changes(&[("/rss.xml", "a", 1000)]), b"{}".to_vec(), COUNTS);
        assert!(
            !first.is_compressed(),
            "the compressor must be sent the first state"
        );
        let compressed = first.compressed();
        assert!(compressed.is_compressed());
        let changed = compressed.next(changes(&[("/rss.xml", "b", 2000)]), b"{}".to_vec(), COUNTS);
        assert!(
            !changed.is_compressed(),
            "changed bytes must be sent to the compressor"
        );
        assert!(changed.compressed().is_compressed());
        // what was compressed stays as it was
        let again = changed.compressed();
        assert_eq!(
            again.document(STATUS_PATH),
            compressed.document(STATUS_PATH)
        );
    }

    #[test]
    fn a_status_only_change_carries_the_new_counts() {
        let first = Snapshot::first(changes(&[("/rss.xml", "a", 1000)]), b"{}".to_vec(), COUNTS);
        let counts = Counts {
            entries: 7,
            rejected: 2,
            folders: 3,
        };
        let next = first.with_status(b"{\"entries\":7}".to_vec(), counts);
        assert_eq!((next.entries, next.rejected, next.folders), (7, 2, 3));
        assert_eq!((first.generation, next.generation), (1, 2));
        assert_eq!(
            next.document("/rss.xml"),
            first.document("/rss.xml"),
            "the documents stay as they were"
        );
        assert_eq!(
            next.document(STATUS_PATH).unwrap().identity.body.as_ref(),
            b"{\"entries\":7}"
        );
        // …and a later restore of this state serves them with these counts.
        let restored = first.restored(&next, b"{}".to_vec());
        assert_eq!((restored.entries, restored.rejected), (7, 2));
    }

    #[test]
    fn changed_bytes_move_last_modified_forward_even_when_content_time_goes_back() {
        let first = Snapshot::first(
            changes(&[("/rss.xml", "a", 1000), ("/", "home", 1000)]),
            b"{}".to_vec(),
            COUNTS,
        );
        let later = first.next(changes(&[("/rss.xml", "b", 2000)]), b"{}".to_vec(), COUNTS);
        let rss = |s: &Snapshot| s.document("/rss.xml").unwrap().clone();
        assert_eq!(rss(&later).last_modified, at(2000));
        let back = later.next(changes(&[("/rss.xml", "c", 1500)]), b"{}".to_vec(), COUNTS);
        assert_eq!(rss(&back).last_modified, at(2001));
        assert_ne!(rss(&back).identity.etag, rss(&later).identity.etag);
        assert!(
            rss(&back).gzip.is_none(),
            "new bytes wait for the compressor"
        );
        // The home page did not change: its validators stay.
        assert_eq!(back.document("/").unwrap().last_modified, at(1000));
    }

    #[test]
    fn a_gone_path_is_no_longer_served_and_a_restore_brings_it_back() {
        let first = Snapshot::first(
            changes(&[("/rss.xml", "a", 1000), ("/nyt/rss.xml", "n", 1000)]),
            b"{}".to_vec(),
            COUNTS,
        );
        let emptied = first.next(
            Changes {
                pages: BTreeMap::new(),
                gone: vec!["/nyt/rss.xml".into()],
            },
            b"{}".to_vec(),
            COUNTS,
        );
        assert!(emptied.document("/nyt/rss.xml").is_none());
        assert!(emptied.document("/rss.xml").is_some());
        let restored = emptied.restored(&first, b"{}".to_vec());
        assert_eq!(
            restored
                .document("/nyt/rss.xml")
                .unwrap()
                .identity
                .body
                .as_ref(),
            b"n"
        );
        let paths: Vec<&str> = restored.paths().collect();
        assert_eq!(paths, ["/nyt/rss.xml", "/rss.xml", STATUS_PATH]);
        // A path the earlier state did not have goes with the restore.
        let grown = first.next(
            changes(&[("/bbc/rss.xml", "b", 1000)]),
            b"{}".to_vec(),
            COUNTS,
        );
        let back = grown.restored(&first, b"{}".to_vec());
        assert!(back.document("/bbc/rss.xml").is_none());
        assert!(back.document("/nyt/rss.xml").is_some());
    }

    #[test]
    fn changed_since_names_the_paths_whose_bytes_changed_or_are_new() {
        let first = Snapshot::first(
            changes(&[("/rss.xml", "a", 1000), ("/nyt/rss.xml", "n", 1000)]),
            b"{}".to_vec(),
            COUNTS,
        );
        let next = first.next(
            changes(&[
                ("/rss.xml", "a", 2000),
                ("/nyt/rss.xml", "n2", 2000),
                ("/bbc/rss.xml", "b", 2000),
            ]),
            b"{}".to_vec(),
            COUNTS,
        );
        assert_eq!(next.changed_since(&first), ["/bbc/rss.xml", "/nyt/rss.xml"]);
        assert!(next.changed_since(&next).is_empty());
    }
}

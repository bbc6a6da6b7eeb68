//! One published state: every document in every coding, with validators. Immutable; handlers
//! hold an `Arc` to it for as long as they send from it, so a response never mixes states.

use chrono::{DateTime, Duration, Utc};

use crate::document::{Document, whole_seconds};
use crate::feed::Documents;

/// The documents this server serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Rss,
    Atom,
    Json,
    Home,
    Status,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::Rss, Kind::Atom, Kind::Json, Kind::Home, Kind::Status];

    pub fn media_type(self) -> &'static str {
        match self {
            Kind::Rss => "application/rss+xml; charset=utf-8",
            Kind::Atom => "application/atom+xml; charset=utf-8",
            Kind::Json => "application/feed+json; charset=utf-8",
            Kind::Home => "text/html; charset=utf-8",
            Kind::Status => "application/json; charset=utf-8",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Snapshot {
    pub rss: Document,
    pub atom: Document,
    pub json: Document,
    pub home: Document,
    /// `/status`, the operator's view.
    pub status: Document,
    /// The newest entry's `updated`, if any entry exists.
    pub updated: Option<DateTime<Utc>>,
    /// Entries in the store (the documents hold at most the feed's limit).
    pub entries: usize,
    pub rejected: usize,
}

/// What the store held when the documents were rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub entries: usize,
    pub rejected: usize,
}

impl Snapshot {
    /// The first state after start. `content_time` is the newest moment the documents' content
    /// is known to have changed (entry dates, seed file mtimes): it becomes `Last-Modified`.
    pub fn first(
        rendered: Documents,
        status: Vec<u8>,
        content_time: DateTime<Utc>,
        counts: Counts,
    ) -> Snapshot {
        let document = |kind, body| Document::new(Kind::media_type(kind), body, content_time);
        Snapshot {
            rss: document(Kind::Rss, rendered.rss),
            atom: document(Kind::Atom, rendered.atom),
            json: document(Kind::Json, rendered.json),
            home: document(Kind::Home, rendered.home),
            status: document(Kind::Status, status),
            updated: rendered.updated,
            entries: counts.entries,
            rejected: counts.rejected,
        }
    }

    /// The state after a change. A document whose bytes did not change is carried over whole
    /// (same ETags, same `Last-Modified`, no recompression). One whose bytes changed gets a
    /// `Last-Modified` strictly later than before — even when the change moved the content
    /// time back (an entry deleted) — so `If-Modified-Since` never yields a 304 for bytes
    /// the client does not have.
    pub fn next(
        &self,
        rendered: Documents,
        status: Vec<u8>,
        content_time: DateTime<Utc>,
        counts: Counts,
    ) -> Snapshot {
        let follow = |previous, kind, body| follow(previous, kind, body, content_time);
        Snapshot {
            rss: follow(&self.rss, Kind::Rss, rendered.rss),
            atom: follow(&self.atom, Kind::Atom, rendered.atom),
            json: follow(&self.json, Kind::Json, rendered.json),
            home: follow(&self.home, Kind::Home, rendered.home),
            status: follow(&self.status, Kind::Status, status),
            updated: rendered.updated,
            entries: counts.entries,
            rejected: counts.rejected,
        }
    }

    /// The same documents with a new `/status` (the change touched nothing they show).
    pub fn with_status(&self, status: Vec<u8>, counts: Counts) -> Snapshot {
        let now = self.status.last_modified;
        Snapshot {
            status: follow(&self.status, Kind::Status, status, now),
            entries: counts.entries,
            rejected: counts.rejected,
            ..self.clone()
        }
    }

    pub fn document(&self, kind: Kind) -> &Document {
        match kind {
            Kind::Rss => &self.rss,
            Kind::Atom => &self.atom,
            Kind::Json => &self.json,
            Kind::Home => &self.home,
            Kind::Status => &self.status,
        }
    }

    /// The documents of an `earlier` state served again (the folder vanished right after a
    /// burst of deletions that were really its removal), with validators that keep moving
    /// forward.
    pub fn restored(&self, earlier: &Snapshot, status: Vec<u8>) -> Snapshot {
        let bytes = |document: &Document| document.identity.body.to_vec();
        let documents = Documents {
            rss: bytes(&earlier.rss),
            atom: bytes(&earlier.atom),
            json: bytes(&earlier.json),
            home: bytes(&earlier.home),
            updated: earlier.updated,
        };
        let counts = Counts {
            entries: earlier.entries,
            rejected: earlier.rejected,
        };
        self.next(documents, status, earlier.rss.last_modified, counts)
    }

    pub fn is_compressed(&self) -> bool {
        Kind::ALL.iter().all(|&k| self.document(k).is_compressed())
    }

    /// This state with every document in every coding.
    pub fn compressed(&self) -> Snapshot {
        Snapshot {
            rss: self.rss.compressed(),
            atom: self.atom.compressed(),
            json: self.json.compressed(),
            home: self.home.compressed(),
            status: self.status.compressed(),
            ..self.clone()
        }
    }
}

/// The document after a change: carried over whole if its bytes did not change; otherwise
/// new, with a `Last-Modified` strictly later than before.
fn follow(previous: &Document, kind: Kind, body: Vec<u8>, content_time: DateTime<Utc>) -> Document {
    if previous.identity.body == body {
        return previous.clone();
    }
    let at_least = previous.last_modified + Duration::seconds(1);
    let modified = whole_seconds(content_time).max(at_least);
    Document::new(kind.media_type(), body, modified)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(body: &str) -> Documents {
        Documents {
            rss: format!("rss {body}").into_bytes(),
            atom: format!("atom {body}").into_bytes(),
            json: format!("json {body}").into_bytes(),
            home: b"home".to_vec(),
            updated: None,
        }
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap()
    }

    const COUNTS: Counts = Counts {
        entries: 1,
        rejected: 0,
    };

    #[test]
    fn unchanged_bytes_keep_their_validators() {
        let first = Snapshot::first(rendered("a"), b"{}".to_vec(), at(1000), COUNTS).compressed();
        let next = first.next(rendered("a"), b"{}".to_vec(), at(5000), COUNTS);
        assert_eq!(next.rss, first.rss);
        assert!(next.is_compressed(), "nothing to recompress");
    }

    #[test]
    fn a_state_is_compressed_only_once_every_coding_is_in() {
        let first = Snapshot::first(rendered("a"), b"{}".to_vec(), at(1000), COUNTS);
        assert!(
            !first.is_compressed(),
            "the compressor must be sent the first state"
        );
        let compressed = first.compressed();
        assert!(compressed.is_compressed());
        let changed = compressed.next(rendered("b"), b"{}".to_vec(), at(2000), COUNTS);
        assert!(
            !changed.is_compressed(),
            "changed bytes must be sent to the compressor"
        );
        assert!(changed.compressed().is_compressed());
    }

    #[test]
    fn a_status_only_change_carries_the_new_counts() {
        let first = Snapshot::first(rendered("a"), b"{}".to_vec(), at(1000), COUNTS);
        let counts = Counts {
            entries: 7,
            rejected: 2,
        };
        let next = first.with_status(b"{\"entries\":7}".to_vec(), counts);
        assert_eq!((next.entries, next.rejected), (7, 2));
        assert_eq!(next.rss, first.rss, "the documents stay as they were");
        // …and a later restore of this state serves them with these counts.
        let restored = first.restored(&next, b"{}".to_vec());
        assert_eq!((restored.entries, restored.rejected), (7, 2));
    }

    #[test]
    fn changed_bytes_move_last_modified_forward_even_when_content_time_goes_back() {
        let first = Snapshot::first(rendered("a"), b"{}".to_vec(), at(1000), COUNTS);
        let later = first.next(rendered("b"), b"{}".to_vec(), at(2000), COUNTS);
        assert_eq!(later.rss.last_modified, at(2000));
        let back = later.next(rendered("c"), b"{}".to_vec(), at(1500), COUNTS);
        assert_eq!(back.rss.last_modified, at(2001));
        assert_ne!(back.rss.identity.etag, later.rss.identity.etag);
        assert!(back.rss.gzip.is_none(), "new bytes wait for the compressor");
        // The home page did not change: its validators stay.
        assert_eq!(back.home.last_modified, at(1000));
    }
}

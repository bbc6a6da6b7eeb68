//! Entries + feed metadata → the bytes of each feed document. The only user of rss and
//! atom_syndication. Pure: no I/O, no clock; the same input gives the same bytes.

mod atom;
mod rss;

use chrono::{DateTime, Utc};

use crate::config::FeedMeta;
use crate::entry::Entry;
use crate::seed::text::strip_illegal;

/// Feed documents rendered from one state of the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Documents {
    pub rss: Vec<u8>,
    pub atom: Vec<u8>,
    /// The newest entry's `updated`; `None` for an empty feed.
    pub updated: Option<DateTime<Utc>>,
}

/// Self links, built on `base_url`.
pub const RSS_PATH: &str = "rss.xml";
pub const ATOM_PATH: &str = "atom.xml";

/// Renders every document for `entries`, which must already be in feed order (newest first)
/// and cut to the feed's limit.
pub fn render(meta: &FeedMeta, entries: &[&Entry]) -> Documents {
    let updated = entries.iter().map(|e| e.updated).max();
    Documents {
        rss: rss::render(meta, entries, updated),
        atom: atom::render(meta, entries, updated),
        updated,
    }
}

/// Every string goes through this on its way out: whatever reached the model, the XML stays
/// well-formed.
fn clean(text: &str) -> String {
    strip_illegal(text)
}

/// Seconds precision: readers compare these textually, and sub-seconds help no one.
fn whole_seconds(instant: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(instant.timestamp(), 0).unwrap_or(instant)
}

#[cfg(test)]
mod tests;

//! Entries + feed metadata → the bytes of each document: RSS 2.0, Atom 1.0, JSON Feed 1.1 and
//! the HTML home page, wherever they are served (`Place`: the current documents, an RFC 5005
//! archive month, a filtered view); one HTML page per entry (`entry_page`). The only user of
//! rss and atom_syndication. Pure: no I/O, no clock; the same input gives the same bytes.

mod atom;
pub mod entry_page;
mod json;
mod media;
pub mod opml;
pub mod page;
mod rss;

use chrono::{DateTime, Utc};
use url::Url;

use crate::config::FeedMeta;
// Seconds precision: readers compare dates textually, and sub-seconds help no one.
use crate::document::whole_seconds;
use crate::entry::Entry;
use crate::seed::text::strip_illegal;
use crate::urls::Format;

/// Feed documents rendered from one state of the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Documents {
    pub rss: Vec<u8>,
    pub atom: Vec<u8>,
    pub json: Vec<u8>,
    pub page: Vec<u8>,
    /// The newest entry's `updated`; `None` for an empty feed.
    pub updated: Option<DateTime<Utc>>,
}

/// Feeds a page lists under one heading ("Feeds", "Authors", "Sections").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedGroup {
    pub heading: String,
    pub feeds: Vec<FeedLink>,
}

/// Another feed a page points to: its title and where it lives (`…/nyt/`, ending in `/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedLink {
    pub title: String,
    pub base_url: url::Url,
}

/// RFC 5005's namespace (Feed Paging and Archiving): `<fh:archive/>`.
const HISTORY_NS: &str = "http://purl.org/syndication/history/1.0";

/// Where one set of documents (rss, atom, json, page) is served, among its feed's documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The server's public root URL (`[feed] base_url`, ending in `/`): entry pages live under it.
    pub root: Url,
    /// The folder URL these documents are served under, ending in `/`: the feed's own
    /// `meta.base_url` for its current documents, `<base_url>archive/2024-05/` for a month.
    pub dir: Url,
    /// The request's query string (without `?`) for a filtered view (`rss.xml?limit=5`):
    /// `rel="self"` then equals the requested URL exactly. `None` otherwise.
    pub query: Option<String>,
    /// RFC 5005 (Feed Paging and Archiving, section 4: archived feeds).
    pub archive: Archive,
    /// Entry pages are served (`root` + `entry_path`): the page's list links each title to its
    /// entry page, with a small link to the original. `false` (what `current` gives) links the
    /// titles to the originals, as before entry pages existed.
    pub entry_pages: bool,
}

/// Where a set of documents sits in its feed's RFC 5005 archive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Archive {
    /// These are archive documents (`<fh:archive/>`, and `rel="current"` → the feed's current
    /// documents at `meta.base_url`).
    pub is_archive: bool,
    /// The folder URL (ending `/`) of the next older archive documents, if any (`prev-archive`).
    pub prev: Option<Url>,
    /// The folder URL of the next newer archive documents, if any (`next-archive`); `None` for
    /// the newest month.
    pub next: Option<Url>,
    /// A label for this period for people ("2024-05"), shown on the page.
    pub period: Option<String>,
}

impl Place {
    /// A feed's current documents at its `meta.base_url`: no query, no archive, no entry pages.
    pub fn current(root: &Url, meta: &FeedMeta) -> Place {
        Place {
            root: root.clone(),
            dir: meta.base_url.clone(),
            query: None,
            archive: Archive::default(),
            entry_pages: false,
        }
    }

    /// The URL of the document in `format` served here: in `dir`, with the view's query,
    /// exactly as it was requested.
    fn url(&self, format: Format) -> String {
        let url = join(&self.dir, format.file_name());
        match &self.query {
            Some(query) => format!("{url}?{}", clean(query)),
            None => url,
        }
    }

    /// The feed-level links of the document in `format`: `(rel, href)` for self, then
    /// RFC 5005's prev-archive, next-archive and current where they apply.
    fn links(&self, meta: &FeedMeta, format: Format) -> Vec<(&'static str, String)> {
        let archive = &self.archive;
        let name = format.file_name();
        let mut links = vec![("self", self.url(format))];
        if let Some(prev) = &archive.prev {
            links.push(("prev-archive", join(prev, name)));
        }
        if let Some(next) = &archive.next {
            links.push(("next-archive", join(next, name)));
        }
        if archive.is_archive {
            links.push(("current", join(&meta.base_url, name)));
        }
        links
    }
}

/// `name` in the folder `dir`, as a string (empty if it cannot be joined, which a folder URL
/// and a plain file name never are).
fn join(dir: &Url, name: &str) -> String {
    dir.join(name).map(String::from).unwrap_or_default()
}

/// An entry with its item already written in each feed format. A document is its head, then
/// the items of its entries copied in, then its foot: a change renders only the entries it
/// brings, not every entry of every document that shows them (~10 ms for the root's and an
/// outlet's documents at 50 entries each, against well under 1 ms to copy).
#[derive(Debug)]
pub struct Prepared {
    /// What a page's list shows of the entry (id, link, title, dates, authors): its article,
    /// summary and media are in the items, and kept here too only when an item is missing
    /// (the documents are then written whole from it). An entry's own page parses it again.
    pub entry: Entry,
    /// `<item>…</item>`, `<entry>…</entry>` and the JSON item, exactly as the crates write
    /// them inside a whole document; `None` if one could not be cut out of what the crate
    /// wrote (then the documents showing it are written whole, the slow way).
    rss: Option<Box<[u8]>>,
    atom: Option<Box<[u8]>>,
    json: Box<[u8]>,
}

impl Prepared {
    /// Bytes of the items: about what the entry adds to each set of documents showing it.
    pub fn bytes(&self) -> usize {
        self.rss.as_ref().map_or(0, |item| item.len())
            + self.atom.as_ref().map_or(0, |item| item.len())
            + self.json.len()
    }

    pub fn new(mut entry: Entry) -> Prepared {
        let rss = rss::item_bytes(&entry).map(Vec::into_boxed_slice);
        let atom = atom::entry_bytes(&entry).map(Vec::into_boxed_slice);
        let json = json::item_bytes(&entry).into_boxed_slice();
        if rss.is_some() && atom.is_some() {
            // The article is most of an entry's size, and the items hold it three times.
            entry.content = String::new();
            entry.summary = String::new();
            entry.media = Vec::new();
        }
        Prepared {
            entry,
            rss,
            atom,
            json,
        }
    }
}

/// Renders every document for `entries`, which must already be in feed order (newest first)
/// and cut to the feed's limit, as served at `place`; the page links to `related` feeds (the
/// root's to each folder's, a folder's to the root's).
pub fn render_prepared(
    meta: &FeedMeta,
    entries: &[&Prepared],
    related: &[FeedGroup],
    place: &Place,
) -> Documents {
    let updated = entries.iter().map(|e| e.entry.updated).max();
    let plain: Vec<&Entry> = entries.iter().map(|e| &e.entry).collect();
    Documents {
        rss: rss::render(meta, entries, updated, place),
        atom: atom::render(meta, entries, updated, place),
        json: json::render(meta, entries, place),
        page: page::render(meta, &plain, related, place),
        updated,
    }
}

/// [`render_prepared`] for entries not prepared yet.
pub fn render(
    meta: &FeedMeta,
    entries: &[&Entry],
    related: &[FeedGroup],
    place: &Place,
) -> Documents {
    let prepared: Vec<Prepared> = entries
        .iter()
        .map(|e| Prepared::new((*e).clone()))
        .collect();
    let references: Vec<&Prepared> = prepared.iter().collect();
    render_prepared(meta, &references, related, place)
}

/// A document of `items`, each an entry's item (`T`) as its crate writes it (`prepared`, when
/// every entry has one): the crate writes the document around `marker` alone (`write`), and the
/// items are copied in where it stands (one allocation, no re-serialising). When an entry has
/// no prepared item, the crate writes the document of every item (`whole`) itself.
fn with_items<T: Clone>(
    declaration: &[u8],
    prepared: Option<Vec<&[u8]>>,
    marker: T,
    marker_written: impl FnOnce(T) -> Option<Vec<u8>>,
    whole: impl FnOnce() -> Vec<T>,
    write: impl Fn(Vec<T>) -> Vec<u8>,
) -> Vec<u8> {
    let spliced = prepared.and_then(|items| {
        let written = marker_written(marker.clone())?;
        splice(declaration, &write(vec![marker]), &written, &items)
    });
    spliced.unwrap_or_else(|| [declaration, &write(whole()), b"\n"].concat())
}

/// `before`, then `document` with `items` in place of `marker` (one occurrence, written by the
/// crate where the items go), then a line end; `None` if the marker is not there. One
/// allocation of the exact size: a document is half a megabyte.
fn splice(before: &[u8], document: &[u8], marker: &[u8], items: &[&[u8]]) -> Option<Vec<u8>> {
    let at = find(document, marker)?;
    let size = before.len() + document.len() - marker.len()
        + items.iter().map(|i| i.len()).sum::<usize>()
        + 1;
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(before);
    out.extend_from_slice(&document[..at]);
    for item in items {
        out.extend_from_slice(item);
    }
    out.extend_from_slice(&document[at + marker.len()..]);
    out.push(b'\n');
    Some(out)
}

/// The bytes from the first `open` to the end of the last `close` in `document`: one element
/// the crate wrote alone in an otherwise empty document, whatever its text holds.
fn enclosed<'d>(document: &'d [u8], open: &[u8], close: &[u8]) -> Option<&'d [u8]> {
    let start = find(document, open)?;
    let end = document
        .windows(close.len())
        .rposition(|w| w == close)?
        .checked_add(close.len())?;
    document.get(start..end)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The title of the stand-in item a head-and-foot render carries where the items go; written
/// as the crates escape it, no feed text can contain it next to the item's start tag.
const ITEMS_GO_HERE: &str = "seedfeed: the items go here";

/// The entry's title as written; the link stands in if nothing printable is left.
fn title(entry: &Entry) -> String {
    let title = clean(&entry.title);
    if title.trim().is_empty() {
        return clean(&entry.link);
    }
    title
}

/// The entry's bylines as they are written: cleaned, blank ones dropped.
fn bylines(entry: &Entry) -> Vec<String> {
    entry
        .authors
        .iter()
        .map(|a| clean(a).trim().to_string())
        .filter(|a| !a.is_empty())
        .collect()
}

/// The entry's article HTML. A seed that kept only its headline gets the headline linked to
/// the original instead: every reader then has something to show and to click, and an Atom
/// entry without text draws a validator warning.
fn body(entry: &Entry) -> String {
    let html = clean(&entry.content);
    if !html.trim().is_empty() {
        return html;
    }
    format!(
        "<p><a href=\"{}\">{}</a></p>",
        escape(&entry.link),
        escape(&title(entry))
    )
}

/// Text or attribute value, safe inside HTML.
fn escape(text: &str) -> String {
    let text = clean(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Every string goes through this on its way out: whatever reached the model, the XML stays
/// well-formed.
fn clean(text: &str) -> String {
    strip_illegal(text)
}

#[cfg(test)]
mod tests;

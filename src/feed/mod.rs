//! Entries + feed metadata → the bytes of each document: RSS 2.0, Atom 1.0, JSON Feed 1.1 and
//! the HTML home page. The only user of rss and atom_syndication. Pure: no I/O, no
//! clock; the same input gives the same bytes.

mod atom;
pub mod home;
mod json;
mod media;
pub mod opml;
mod rss;

use chrono::{DateTime, Utc};

use crate::config::FeedMeta;
// Seconds precision: readers compare dates textually, and sub-seconds help no one.
use crate::document::whole_seconds;
use crate::entry::Entry;
use crate::seed::text::strip_illegal;

/// Feed documents rendered from one state of the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Documents {
    pub rss: Vec<u8>,
    pub atom: Vec<u8>,
    pub json: Vec<u8>,
    pub home: Vec<u8>,
    /// The newest entry's `updated`; `None` for an empty feed.
    pub updated: Option<DateTime<Utc>>,
}

/// Self links, built on `base_url`.
pub const RSS_PATH: &str = "rss.xml";
pub const ATOM_PATH: &str = "atom.xml";
pub const JSON_PATH: &str = "feed.json";

/// Another feed a page points to: its title and where it lives (`…/nyt/`, ending in `/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedLink {
    pub title: String,
    pub base_url: url::Url,
}

/// Renders every document for `entries`, which must already be in feed order (newest first)
/// and cut to the feed's limit; the page links to `related` feeds (the root's to each folder's,
/// a folder's to the root's).
pub fn render(meta: &FeedMeta, entries: &[&Entry], related: &[FeedLink]) -> Documents {
    let updated = entries.iter().map(|e| e.updated).max();
    Documents {
        rss: rss::render(meta, entries, updated),
        atom: atom::render(meta, entries, updated),
        json: json::render(meta, entries),
        home: home::render(meta, entries, related),
        updated,
    }
}

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

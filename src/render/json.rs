//! JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/).

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::{Place, Prepared, body, bylines, clean, join, title, whole_seconds};
use crate::config::FeedMeta;
use crate::entry::Entry;
use crate::urls::Format;

const VERSION: &str = "https://jsonfeed.org/version/1.1";

#[derive(Serialize)]
struct Feed<'a> {
    version: &'static str,
    title: String,
    home_page_url: &'a str,
    feed_url: String,
    /// The next older documents (JSON Feed's `next_url` pages towards older items).
    #[serde(skip_serializing_if = "Option::is_none")]
    next_url: Option<String>,
    description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    icon: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    favicon: Option<&'a str>,
    authors: Vec<Author>,
    language: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hubs: Vec<Hub<'a>>,
    items: Vec<Item<'a>>,
}

/// A WebSub hub that announces this feed's changes.
#[derive(Serialize)]
struct Hub<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    url: &'a str,
}

#[derive(Serialize)]
struct Author {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
}

#[derive(Serialize)]
struct Item<'a> {
    id: &'a str,
    url: &'a str,
    title: String,
    content_html: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
    date_published: String,
    date_modified: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attachments: Vec<Attachment<'a>>,
    /// JSON Feed 1.1's item language, where the outlet's differs from the feed's.
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
}

#[derive(Serialize)]
struct Attachment<'a> {
    url: &'a str,
    mime_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    size_in_bytes: Option<u64>,
}

/// The feed with `entries`' items copied in.
pub fn render(meta: &FeedMeta, entries: &[&Prepared], place: &Place) -> Vec<u8> {
    // Serialising plain structs of strings and numbers cannot fail. `items` is the last
    // member: the document ends `"items":[]}`, and the items go between the brackets.
    let head = serde_json::to_vec(&feed(meta, place)).unwrap_or_default();
    let head = head.strip_suffix(b"]}").unwrap_or(&head);
    let size = entries.iter().map(|e| e.json.len() + 1).sum::<usize>();
    let mut out = Vec::with_capacity(head.len() + size + 3);
    out.extend_from_slice(head);
    for (at, entry) in entries.iter().enumerate() {
        if at > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&entry.json);
    }
    out.extend_from_slice(b"]}\n");
    out
}

/// The document serialised in one go: what `render` must equal.
#[cfg(test)]
pub(super) fn render_whole(meta: &FeedMeta, entries: &[&Entry], place: &Place) -> Vec<u8> {
    let mut feed = feed(meta, place);
    feed.items = entries.iter().map(|e| item(e)).collect();
    let mut out = serde_json::to_vec(&feed).unwrap();
    out.push(b'\n');
    out
}

/// The feed's own members, with no items.
fn feed<'a>(meta: &'a FeedMeta, place: &Place) -> Feed<'a> {
    Feed {
        version: VERSION,
        title: clean(&meta.title),
        home_page_url: meta.site_url.as_str(),
        feed_url: place.url(Format::Json),
        next_url: place
            .archive
            .prev
            .as_ref()
            .map(|prev| join(prev, Format::Json.file_name())),
        description: clean(&meta.description),
        icon: meta
            .logo
            .as_ref()
            .or(meta.icon.as_ref())
            .map(|u| u.as_str()),
        favicon: meta.icon.as_ref().map(|u| u.as_str()),
        authors: meta
            .authors
            .iter()
            .map(|p| Author {
                name: clean(&p.name),
                url: p.uri.as_ref().map(|u| u.to_string()),
            })
            .collect(),
        language: &meta.language,
        hubs: meta
            .hubs
            .iter()
            .map(|hub| Hub {
                kind: "WebSub",
                url: hub.as_str(),
            })
            .collect(),
        items: Vec::new(),
    }
}

/// An entry's item as the feed's `items` array holds it.
pub fn item_bytes(entry: &Entry) -> Vec<u8> {
    serde_json::to_vec(&item(entry)).unwrap_or_default()
}

fn item(entry: &Entry) -> Item<'_> {
    Item {
        id: &entry.id,
        url: &entry.link,
        title: title(entry),
        content_html: body(entry),
        summary: clean(&entry.summary),
        image: entry.image(),
        date_published: rfc3339(entry.published),
        date_modified: rfc3339(entry.updated),
        authors: bylines(entry)
            .into_iter()
            .map(|name| Author { name, url: None })
            .collect(),
        tags: entry.categories.iter().map(|c| clean(c)).collect(),
        language: entry.language.as_deref(),
        attachments: entry
            .media
            .iter()
            .map(|m| Attachment {
                url: &m.url,
                mime_type: &m.mime,
                title: m.caption.as_deref().map(clean),
                size_in_bytes: m.length,
            })
            .collect(),
    }
}

fn rfc3339(instant: DateTime<Utc>) -> String {
    whole_seconds(instant).to_rfc3339_opts(SecondsFormat::Secs, true)
}

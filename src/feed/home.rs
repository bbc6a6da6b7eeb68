//! The page of a feed (`/`, `/<folder>/`): what a person sees in a browser, and what a reader's
//! feed discovery reads (`<link rel="alternate">` for every format). The markup is the askama
//! template `templates/feed_page.html`, checked at compile time and escaped by default.

use askama::Template;

use super::{ATOM_PATH, FeedLink, JSON_PATH, RSS_PATH, bylines, clean};
use crate::config::FeedMeta;
use crate::entry::Entry;

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;\
padding:0 1rem;color:#222}a{color:#0645ad}li{margin:.4rem 0}time,.by{color:#666;font-size:.9em}";

/// Every feed format: (path, media type, label).
pub const FORMATS: [(&str, &str, &str); 3] = [
    (RSS_PATH, "application/rss+xml", "RSS"),
    (ATOM_PATH, "application/atom+xml", "Atom"),
    (JSON_PATH, "application/feed+json", "JSON Feed"),
];

#[derive(Template)]
#[template(path = "feed_page.html")]
struct FeedPage {
    language: String,
    title: String,
    description: String,
    icon: Option<String>,
    formats: Vec<Format>,
    related: Vec<Related>,
    entries: Vec<Line>,
}

/// One way to subscribe: a format's public URL.
struct Format {
    media_type: &'static str,
    label: &'static str,
    url: String,
}

/// Another feed, linked from this page.
struct Related {
    title: String,
    page: String,
    formats: Vec<Format>,
}

/// One entry in the list.
struct Line {
    link: String,
    title: String,
    datetime: String,
    day: String,
    bylines: String,
}

pub fn render(meta: &FeedMeta, entries: &[&Entry], related: &[FeedLink]) -> Vec<u8> {
    let page = FeedPage {
        language: clean(&meta.language),
        title: clean(&meta.title),
        description: clean(&meta.description),
        icon: meta.icon.as_ref().map(|u| u.to_string()),
        formats: formats(&meta.base_url),
        related: related
            .iter()
            .map(|feed| Related {
                title: clean(&feed.title),
                page: feed.base_url.to_string(),
                formats: formats(&feed.base_url),
            })
            .collect(),
        entries: entries
            .iter()
            .map(|entry| Line {
                link: clean(&entry.link),
                title: super::title(entry),
                datetime: entry.published.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                day: entry.published.format("%Y-%m-%d").to_string(),
                bylines: bylines(entry).join(", "),
            })
            .collect(),
    };
    // Rendering plain strings into a String cannot fail.
    let mut html = page.render().unwrap_or_default();
    html.push('\n');
    html.into_bytes()
}

/// The public URL of every format of the feed living at `base_url`.
fn formats(base_url: &url::Url) -> Vec<Format> {
    FORMATS
        .iter()
        .map(|(path, media_type, label)| Format {
            media_type,
            label,
            url: base_url.join(path).map(String::from).unwrap_or_default(),
        })
        .collect()
}

//! The page of a feed (`/`, `/<folder>/`): what a person sees in a browser, and what a reader's
//! feed discovery reads (`<link rel="alternate">` for every format). The markup is the askama
//! template `templates/feed_page.html`, checked at compile time and escaped by default.
//! An archive month's page names its period and links the months around it; every page's
//! subscribe links lead to the feed's current documents.

use askama::Template;

use super::{FeedGroup, Place, bylines, clean};
use crate::config::FeedMeta;
use crate::entry::Entry;
use crate::urls::{Format, entry_path};

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;\
padding:0 1rem;color:#222}a{color:#0645ad}li{margin:.4rem 0}time,.by{color:#666;font-size:.9em}\
nav ul{display:flex;flex-wrap:wrap;gap:.2rem 1.4rem;list-style:none;padding:0}nav li{margin:0}\
nav small{white-space:nowrap}";

/// What only pages with archive navigation or entry pages use (the others keep their bytes).
const MORE_STYLE: &str = ".pages{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;margin:1.5rem 0}\
.orig{color:#666;font-size:.85em}";

#[derive(Template)]
#[template(path = "feed_page.html")]
struct FeedPage {
    language: String,
    title: String,
    /// An archive's period ("2024-05"), shown with the title.
    period: Option<String>,
    more_style: &'static str,
    description: String,
    icon: Option<String>,
    formats: Vec<Subscribe>,
    groups: Vec<Group>,
    entries: Vec<Line>,
    pages: Pages,
}

/// Links to the feed's other pages: the archive's neighbours and the current page.
struct Pages {
    older: Option<String>,
    newer: Option<String>,
    /// The feed's current page, from an archive page only.
    current: Option<String>,
}

impl Pages {
    fn any(&self) -> bool {
        self.older.is_some() || self.newer.is_some() || self.current.is_some()
    }
}

/// One way to subscribe: a format's public URL.
pub(super) struct Subscribe {
    pub(super) media_type: &'static str,
    pub(super) label: &'static str,
    pub(super) url: String,
}

/// Another feed, linked from this page.
/// Feeds under one heading.
struct Group {
    heading: String,
    feeds: Vec<Related>,
}

struct Related {
    title: String,
    page: String,
    formats: Vec<Subscribe>,
}

/// One entry in the list.
struct Line {
    /// Where the title leads: the entry's page where those are served, else the original.
    link: String,
    /// The original article, when the title leads to the entry's page.
    original: Option<String>,
    title: String,
    datetime: String,
    day: String,
    bylines: String,
}

pub fn render(
    meta: &FeedMeta,
    entries: &[&Entry],
    related: &[FeedGroup],
    place: &Place,
) -> Vec<u8> {
    let archive = &place.archive;
    let pages = Pages {
        older: archive.prev.as_ref().map(|u| u.to_string()),
        newer: archive.next.as_ref().map(|u| u.to_string()),
        current: archive.is_archive.then(|| meta.base_url.to_string()),
    };
    let period = archive
        .period
        .as_deref()
        .map(clean)
        .filter(|p| archive.is_archive && !p.trim().is_empty());
    let page = FeedPage {
        language: clean(&meta.language),
        title: clean(&meta.title),
        period,
        more_style: if pages.any() || place.entry_pages {
            MORE_STYLE
        } else {
            ""
        },
        description: clean(&meta.description),
        icon: meta.icon.as_ref().map(|u| u.to_string()),
        formats: formats(&meta.base_url),
        groups: related
            .iter()
            .filter(|group| !group.feeds.is_empty())
            .map(|group| Group {
                heading: clean(&group.heading),
                feeds: group
                    .feeds
                    .iter()
                    .map(|feed| Related {
                        title: clean(&feed.title),
                        page: feed.base_url.to_string(),
                        formats: formats(&feed.base_url),
                    })
                    .collect(),
            })
            .collect(),
        entries: entries
            .iter()
            .map(|entry| Line {
                link: if place.entry_pages {
                    super::join(&place.root, &entry_path(&entry.id))
                } else {
                    clean(&entry.link)
                },
                original: place.entry_pages.then(|| clean(&entry.link)),
                title: super::title(entry),
                datetime: entry.published.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                day: entry
                    .published
                    .with_timezone(&meta.timezone)
                    .format("%Y-%m-%d")
                    .to_string(),
                bylines: bylines(entry).join(", "),
            })
            .collect(),
        pages,
    };
    // Rendering plain strings into a String cannot fail.
    let mut html = page.render().unwrap_or_default();
    html.push('\n');
    html.into_bytes()
}

/// The public URL of every format of the feed living at `base_url`.
pub(super) fn formats(base_url: &url::Url) -> Vec<Subscribe> {
    Format::FEEDS
        .iter()
        .map(|format| Subscribe {
            media_type: format.link_type(),
            label: format.label(),
            url: super::join(base_url, format.file_name()),
        })
        .collect()
}

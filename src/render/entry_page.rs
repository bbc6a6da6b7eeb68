//! One entry's own page (`/entries/<hex>/`, see `entry_path`): the article as its seed kept it,
//! with its bylines, dates, media, categories and a prominent link to the original, which
//! readers of this archive often cannot reach. The markup is the askama template
//! `templates/entry_page.html`, escaped by default; only the article's HTML, sanitised when the
//! seed was parsed, goes in as it is.

use askama::Template;

use super::page::{Subscribe, formats};
use super::{FeedLink, body, bylines, clean, title};
use crate::config::FeedMeta;
use crate::entry::{Entry, Media, Medium};

const STYLE: &str = "body{font:17px/1.7 system-ui,sans-serif;max-width:42rem;margin:1.5rem auto;\
padding:0 1rem;color:#222;overflow-wrap:break-word}a{color:#0645ad}\
h1{font-size:1.7rem;line-height:1.3;margin:.6rem 0}\
.by,.dates,.crumbs,figcaption,.tags,footer{color:#555;font-size:.9rem}.dates,.by{margin:.2rem 0}\
.original{background:#f3f6fb;border-left:4px solid #0645ad;padding:.6rem .9rem;margin:1rem 0}\
.original a{overflow-wrap:anywhere;font-weight:600}\
img,video{max-width:100%;height:auto}audio{width:100%}figure{margin:1.2rem 0}\
table{display:block;overflow-x:auto}pre{overflow-x:auto}blockquote{margin:1rem 0;padding-left:1rem;\
border-left:3px solid #ccc;color:#444}.credit{font-style:italic}\
.tags{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.4rem}\
.tags li{border:1px solid #ccc;border-radius:1rem;padding:0 .6rem}\
footer{border-top:1px solid #ddd;margin-top:2rem;padding-top:.5rem}";

#[derive(Template)]
#[template(path = "entry_page.html")]
struct EntryPage {
    language: String,
    title: String,
    feed_title: String,
    feed_page: String,
    /// The server's root page, when the entry's feed is a folder's.
    root_page: Option<String>,
    feeds: Vec<FeedToSubscribe>,
    bylines: String,
    published: Stamp,
    /// Only when it differs from `published`.
    updated: Option<Stamp>,
    /// The sanitised article HTML, or the headline linked to the original.
    body: String,
    /// The entry's media that the article's HTML does not already show.
    media: Vec<Figure>,
    categories: Vec<String>,
    original: String,
}

/// A feed to subscribe to from the page, and to announce for discovery.
struct FeedToSubscribe {
    title: String,
    formats: Vec<Subscribe>,
}

/// An instant as a machine reads it (`datetime`, UTC) and as a person does, in the feed's
/// zone with its offset (`2022-03-21 05:32 UTC+08:00`).
struct Stamp {
    datetime: String,
    text: String,
}

/// One picture, video or sound, with what the seed says about it.
struct Figure {
    medium: Medium,
    url: String,
    mime: String,
    poster: Option<String>,
    caption: Option<String>,
    credit: Option<String>,
}

/// The entry's page: `meta` is the feed it belongs to (the page links back to it), `place_root`
/// the server's public root, `feeds` those the page offers to subscribe to.
pub fn render(
    meta: &FeedMeta,
    entry: &Entry,
    place_root: &url::Url,
    feeds: &[FeedLink],
) -> Vec<u8> {
    let body = body(entry);
    let shown = shown_in(&body);
    let page = EntryPage {
        language: clean(entry.language.as_deref().unwrap_or(&meta.language)),
        title: title(entry),
        feed_title: clean(&meta.title),
        feed_page: clean(meta.base_url.as_str()),
        root_page: (place_root != &meta.base_url).then(|| clean(place_root.as_str())),
        feeds: feeds
            .iter()
            .map(|feed| FeedToSubscribe {
                title: clean(&feed.title),
                formats: formats(&feed.base_url),
            })
            .collect(),
        bylines: bylines(entry).join(", "),
        published: stamp(entry.published, meta.timezone),
        updated: (entry.updated != entry.published).then(|| stamp(entry.updated, meta.timezone)),
        media: entry
            .media
            .iter()
            .filter(|m| !shows(&shown, m))
            .map(figure)
            .collect(),
        categories: entry
            .categories
            .iter()
            .map(|c| clean(c).trim().to_string())
            .filter(|c| !c.is_empty())
            .collect(),
        original: clean(&entry.link),
        body,
    };
    // Rendering plain strings into a String cannot fail.
    let mut html = page.render().unwrap_or_default();
    html.push('\n');
    html.into_bytes()
}

/// The addresses the article's HTML already shows (`src` and `poster` attributes), parsed, so
/// that `https://host?x` in the text and the seed's `https://host/?x` are one address.
/// The HTML is the sanitiser's serialisation: attributes in double quotes, `&` as `&amp;`.
fn shown_in(html: &str) -> Vec<url::Url> {
    let mut found = Vec::new();
    for attribute in [" src=\"", " poster=\""] {
        for (at, _) in html.match_indices(attribute) {
            let rest = &html[at + attribute.len()..];
            let value = &rest[..rest.find('"').unwrap_or(rest.len())];
            let value = value
                .replace("&quot;", "\"")
                .replace("&nbsp;", "\u{a0}")
                .replace("&amp;", "&");
            if let Ok(url) = url::Url::parse(&value) {
                found.push(url);
            }
        }
    }
    found
}

/// Whether `media` is one of the addresses the article already shows.
fn shows(shown: &[url::Url], media: &Media) -> bool {
    url::Url::parse(&media.url).is_ok_and(|url| shown.contains(&url))
}

fn figure(media: &Media) -> Figure {
    let text = |t: &Option<String>| {
        t.as_deref()
            .map(|t| clean(t).trim().to_string())
            .filter(|t| !t.is_empty())
    };
    Figure {
        medium: media.medium,
        url: clean(&media.url),
        mime: clean(&media.mime),
        poster: media.poster.as_deref().map(clean),
        caption: text(&media.caption),
        credit: text(&media.credit),
    }
}

fn stamp(instant: chrono::DateTime<chrono::Utc>, zone: chrono_tz::Tz) -> Stamp {
    Stamp {
        datetime: instant.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        text: instant
            .with_timezone(&zone)
            .format("%Y-%m-%d %H:%M UTC%:z")
            .to_string(),
    }
}

//! The page of a feed (`/`, `/<folder>/`): what a person sees in a browser, and what a reader's feed discovery reads
//! (`<link rel="alternate">` for every format).

use std::fmt::Write;

use super::{ATOM_PATH, FeedLink, JSON_PATH, RSS_PATH, bylines, escape};
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

pub fn render(meta: &FeedMeta, entries: &[&Entry], related: &[FeedLink]) -> Vec<u8> {
    let title = escape(&meta.title);
    let mut page = String::with_capacity(2048 + entries.len() * 256);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n",
        escape(&meta.language)
    );
    for (path, media_type, label) in FORMATS {
        let _ = writeln!(
            page,
            "<link rel=\"alternate\" type=\"{media_type}\" title=\"{title} ({label})\" href=\"{}\">",
            escape(&absolute(meta, path))
        );
    }
    if let Some(icon) = &meta.icon {
        let _ = writeln!(
            page,
            "<link rel=\"icon\" href=\"{}\">",
            escape(icon.as_str())
        );
    }
    let _ = write!(
        page,
        "<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{title}</h1>\n<p>{}</p>\n\
         <p>Subscribe:",
        escape(&meta.description)
    );
    for (index, (path, _, label)) in FORMATS.iter().enumerate() {
        let separator = if index == 0 { " " } else { " · " };
        let _ = write!(
            page,
            "{separator}<a href=\"{}\">{label}</a>",
            escape(&absolute(meta, path))
        );
    }
    page.push_str("</p>\n</header>\n");
    if !related.is_empty() {
        page.push_str("<nav>\n<h2>Feeds</h2>\n<ul>\n");
        for feed in related {
            let _ = write!(
                page,
                "<li><a href=\"{}\">{}</a>",
                escape(feed.base_url.as_str()),
                escape(&feed.title)
            );
            for (index, (path, _, label)) in FORMATS.iter().enumerate() {
                let separator = if index == 0 { " — " } else { " · " };
                let url = feed
                    .base_url
                    .join(path)
                    .map(String::from)
                    .unwrap_or_default();
                let _ = write!(page, "{separator}<a href=\"{}\">{label}</a>", escape(&url));
            }
            page.push_str("</li>\n");
        }
        page.push_str("</ul>\n</nav>\n");
    }
    page.push_str("<main>\n");
    if entries.is_empty() {
        page.push_str("<p>No articles yet.</p>\n");
    } else {
        page.push_str("<ol>\n");
        for entry in entries {
            let _ = write!(
                page,
                "<li><a href=\"{}\">{}</a> <time datetime=\"{}\">{}</time>",
                escape(&entry.link),
                escape(&super::title(entry)),
                entry.published.format("%Y-%m-%dT%H:%M:%SZ"),
                entry.published.format("%Y-%m-%d"),
            );
            let bylines = bylines(entry);
            if !bylines.is_empty() {
                let _ = write!(
                    page,
                    " <span class=\"by\">{}</span>",
                    escape(&bylines.join(", "))
                );
            }
            page.push_str("</li>\n");
        }
        page.push_str("</ol>\n");
    }
    page.push_str("</main>\n</body>\n</html>\n");
    page.into_bytes()
}

/// A path of this server as the public URL readers should use.
pub fn absolute(meta: &FeedMeta, path: &str) -> String {
    meta.base_url
        .join(path)
        .map(|u| u.to_string())
        .unwrap_or_default()
}

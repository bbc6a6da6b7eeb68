//! OPML 2.0 (http://opml.org/spec2.opml): every feed in one file, for a reader's one-click
//! import.

use std::fmt::Write;

use super::escape;
use crate::config::FeedMeta;
use crate::urls::Format;

/// An outline per feed (RSS), in the order given; the root feed's title heads the file.
pub fn render(root: &FeedMeta, feeds: &[FeedMeta]) -> Vec<u8> {
    let mut out = String::with_capacity(512 + feeds.len() * 256);
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<opml version=\"2.0\">\n<head>\n\
         <title>{}</title>\n</head>\n<body>\n",
        escape(&root.title)
    );
    for feed in feeds {
        let rss = feed
            .base_url
            .join(Format::Rss.file_name())
            .map(String::from)
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "<outline type=\"rss\" version=\"RSS2\" text=\"{title}\" title=\"{title}\" \
             description=\"{}\" language=\"{}\" xmlUrl=\"{}\" htmlUrl=\"{}\"/>",
            escape(&feed.description),
            escape(&feed.language),
            escape(&rss),
            escape(feed.base_url.as_str()),
            title = escape(&feed.title),
        );
    }
    out.push_str("</body>\n</opml>\n");
    out.into_bytes()
}

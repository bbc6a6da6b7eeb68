//! The feed rules the W3C Feed Validation Service enforces and readers trip over, checked on
//! the served bytes with a strict XML parser. Each violation is returned as a message.

use chrono::DateTime;
use roxmltree::{Document, Node};

const ATOM: &str = "http://www.w3.org/2005/Atom";
const MEDIA: &str = "http://search.yahoo.com/mrss/";
const DC: &str = "http://purl.org/dc/elements/1.1/";
const CONTENT: &str = "http://purl.org/rss/1.0/modules/content/";

fn child<'a>(node: Node<'a, 'a>, ns: Option<&str>, name: &str) -> Option<Node<'a, 'a>> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name && c.tag_name().namespace() == ns)
}

fn children<'a>(
    node: Node<'a, 'a>,
    ns: Option<&'a str>,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'a>> {
    node.children().filter(move |c| {
        c.is_element() && c.tag_name().name() == name && c.tag_name().namespace() == ns
    })
}

fn text<'a>(node: Option<Node<'a, 'a>>) -> &'a str {
    node.and_then(|n| n.text()).unwrap_or("")
}

fn is_web_url(value: &str) -> bool {
    url::Url::parse(value)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && !value.contains(' '))
}

/// Violations of RSS 2.0 + the namespaces seedfeed uses. Empty when the document is valid.
pub fn rss_problems(bytes: &[u8]) -> Vec<String> {
    let source = std::str::from_utf8(bytes).expect("UTF-8");
    let doc = match Document::parse(source) {
        Ok(d) => d,
        Err(e) => return vec![format!("not well-formed XML: {e}")],
    };
    let mut problems = Vec::new();
    let mut problem = |p: String| problems.push(p);
    let rss = doc.root_element();
    if rss.tag_name().name() != "rss" || rss.attribute("version") != Some("2.0") {
        problem("root is not <rss version=\"2.0\">".into());
    }
    let Some(channel) = child(rss, None, "channel") else {
        return vec!["no <channel>".into()];
    };
    for required in ["title", "link", "description"] {
        if child(channel, None, required).is_none() {
            problem(format!("channel has no <{required}>"));
        }
    }
    let self_link =
        children(channel, Some(ATOM), "link").find(|l| l.attribute("rel") == Some("self"));
    if !self_link.is_some_and(|l| {
        l.attribute("href").is_some_and(is_web_url)
            && l.attribute("type") == Some("application/rss+xml")
    }) {
        problem("no atom:link rel=self with href and type".into());
    }
    for name in ["lastBuildDate", "pubDate"] {
        if let Some(date) = child(channel, None, name)
            && DateTime::parse_from_rfc2822(text(Some(date))).is_err()
        {
            problem(format!(
                "channel {name} is not RFC 822: {:?}",
                text(Some(date))
            ));
        }
    }
    for (index, item) in children(channel, None, "item").enumerate() {
        let at = format!("item {index}");
        if text(child(item, None, "title")).trim().is_empty() {
            problem(format!("{at}: empty title"));
        }
        let link = text(child(item, None, "link"));
        if !is_web_url(link) {
            problem(format!("{at}: link is not an absolute URL: {link:?}"));
        }
        match child(item, None, "guid") {
            None => problem(format!("{at}: no guid")),
            Some(guid) => {
                let permalink = guid.attribute("isPermaLink") != Some("false");
                if permalink && text(Some(guid)) != link {
                    problem(format!("{at}: guid is a permalink but not the link"));
                }
            }
        }
        if DateTime::parse_from_rfc2822(text(child(item, None, "pubDate"))).is_err() {
            problem(format!("{at}: pubDate is not RFC 822"));
        }
        if let Some(author) = child(item, None, "author")
            && !text(Some(author)).contains('@')
        {
            problem(format!("{at}: <author> is not an e-mail address"));
        }
        if child(item, None, "description").is_none()
            || child(item, Some(CONTENT), "encoded").is_none()
        {
            problem(format!("{at}: needs description and content:encoded"));
        }
        for creator in children(item, Some(DC), "creator") {
            if text(Some(creator)).trim().is_empty() {
                problem(format!("{at}: empty dc:creator"));
            }
        }
        let enclosures: Vec<_> = children(item, None, "enclosure").collect();
        if enclosures.len() > 1 {
            problem(format!("{at}: more than one enclosure"));
        }
        for enclosure in &enclosures {
            let ok = enclosure.attribute("url").is_some_and(is_web_url)
                && enclosure
                    .attribute("length")
                    .is_some_and(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()))
                && enclosure.attribute("type").is_some_and(|t| t.contains('/'));
            if !ok {
                problem(format!("{at}: enclosure needs url, length and type"));
            }
        }
        let media: Vec<_> = children(item, Some(MEDIA), "content").collect();
        if enclosures.len() != usize::from(!media.is_empty()) {
            problem(format!(
                "{at}: the lead media item must also be the enclosure"
            ));
        }
        for m in media {
            media_problems(m, &at, &mut problem);
        }
    }
    problems
}

/// Media RSS rules for one `<media:content>`, the same in RSS and Atom.
fn media_problems(m: Node, at: &str, problem: &mut impl FnMut(String)) {
    let ok = m.attribute("url").is_some_and(is_web_url)
        && m.attribute("medium")
            .is_some_and(|v| ["image", "video", "audio"].contains(&v))
        && m.attribute("type").is_some_and(|t| t.contains('/'));
    if !ok {
        problem(format!("{at}: media:content needs url, medium and type"));
    }
    for size in ["width", "height", "fileSize"] {
        if m.attribute(size).is_some_and(|v| v.parse::<u64>().is_err()) {
            problem(format!("{at}: media:content {size} is not a number"));
        }
    }
}

/// Violations of RFC 4287. Empty when the document is valid.
pub fn atom_problems(bytes: &[u8]) -> Vec<String> {
    let source = std::str::from_utf8(bytes).expect("UTF-8");
    let doc = match Document::parse(source) {
        Ok(d) => d,
        Err(e) => return vec![format!("not well-formed XML: {e}")],
    };
    let mut problems = Vec::new();
    let mut problem = |p: String| problems.push(p);
    let feed = doc.root_element();
    if feed.tag_name().name() != "feed" || feed.tag_name().namespace() != Some(ATOM) {
        return vec!["root is not an Atom <feed>".into()];
    }
    let a = Some(ATOM);
    let rfc3339 = |node: Option<Node>| DateTime::parse_from_rfc3339(text(node)).is_ok();
    if text(child(feed, a, "id")).is_empty()
        || text(child(feed, a, "title")).is_empty()
        || !rfc3339(child(feed, a, "updated"))
    {
        problem("feed needs id, title and an RFC 3339 updated".into());
    }
    if !children(feed, a, "link")
        .any(|l| l.attribute("rel") == Some("self") && l.attribute("href").is_some_and(is_web_url))
    {
        problem("feed has no link rel=self".into());
    }
    let feed_author =
        child(feed, a, "author").is_some_and(|au| !text(child(au, a, "name")).is_empty());
    for (index, entry) in children(feed, a, "entry").enumerate() {
        let at = format!("entry {index}");
        if text(child(entry, a, "id")).is_empty()
            || text(child(entry, a, "title")).trim().is_empty()
        {
            problem(format!("{at}: needs id and title"));
        }
        if !rfc3339(child(entry, a, "updated")) {
            problem(format!("{at}: updated is not RFC 3339"));
        }
        if child(entry, a, "published").is_some() && !rfc3339(child(entry, a, "published")) {
            problem(format!("{at}: published is not RFC 3339"));
        }
        let authors: Vec<_> = children(entry, a, "author").collect();
        if authors.is_empty() && !feed_author {
            problem(format!("{at}: no author and no feed-level author"));
        }
        if authors
            .iter()
            .any(|au| text(child(*au, a, "name")).trim().is_empty())
        {
            problem(format!("{at}: author without name"));
        }
        if !children(entry, a, "link").any(|l| {
            l.attribute("rel").unwrap_or("alternate") == "alternate"
                && l.attribute("href").is_some_and(is_web_url)
        }) {
            problem(format!("{at}: no alternate link"));
        }
        // An Atom enclosure is a download a reader sizes from `length`: only media of a stated
        // size are enclosures; every medium is a `media:content`.
        for link in children(entry, a, "link").filter(|l| l.attribute("rel") == Some("enclosure")) {
            let ok = link.attribute("href").is_some_and(is_web_url)
                && link.attribute("type").is_some_and(|t| t.contains('/'))
                && link
                    .attribute("length")
                    .is_some_and(|l| l.parse::<u64>().is_ok());
            if !ok {
                problem(format!("{at}: enclosure link needs href, type and length"));
            }
        }
        for m in children(entry, Some(MEDIA), "content") {
            media_problems(m, &at, &mut problem);
        }
        // Every entry has text (the validator warns otherwise): the article, or for a seed that
        // kept only its headline, the headline linked to the original.
        match child(entry, a, "content") {
            Some(c) if c.attribute("type") == Some("html") => {
                if c.text().is_none_or(|t| t.trim().is_empty()) {
                    problem(format!("{at}: blank content"));
                }
            }
            Some(_) => problem(format!("{at}: content needs type=\"html\"")),
            None => problem(format!("{at}: no content")),
        }
    }
    problems
}

/// Violations of JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/): the required fields,
/// their types, and the formats of the optional ones seedfeed writes.
pub fn json_feed_problems(bytes: &[u8]) -> Vec<String> {
    use serde_json::Value;
    let mut problems = Vec::new();
    let feed: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => return vec![format!("not JSON: {e}")],
    };
    let string = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
    if string(&feed, "version").as_deref() != Some("https://jsonfeed.org/version/1.1") {
        problems.push("version is not https://jsonfeed.org/version/1.1".into());
    }
    if string(&feed, "title").is_none_or(|t| t.is_empty()) {
        problems.push("feed title missing".into());
    }
    for key in ["home_page_url", "feed_url"] {
        if !string(&feed, key).is_some_and(|u| is_web_url(&u)) {
            problems.push(format!("{key} is not an absolute URL"));
        }
    }
    let check_authors = |value: &Value, owner: &str, problems: &mut Vec<String>| {
        if let Some(authors) = value.get("authors") {
            let ok = authors.as_array().is_some_and(|list| {
                list.iter().all(|a| {
                    ["name", "url", "avatar"]
                        .iter()
                        .any(|k| a.get(k).and_then(Value::as_str).is_some())
                })
            });
            if !ok {
                problems.push(format!(
                    "{owner}: authors must be objects with name, url or avatar"
                ));
            }
        }
    };
    check_authors(&feed, "feed", &mut problems);
    let Some(items) = feed.get("items").and_then(Value::as_array) else {
        problems.push("items is not an array".into());
        return problems;
    };
    for (index, item) in items.iter().enumerate() {
        let at = format!("item {index}");
        if !item.get("id").is_some_and(Value::is_string) {
            problems.push(format!("{at}: id must be a string"));
        }
        if item.get("content_html").is_none() && item.get("content_text").is_none() {
            problems.push(format!("{at}: needs content_html or content_text"));
        }
        for key in ["url", "image"] {
            if let Some(url) = item.get(key)
                && !url.as_str().is_some_and(is_web_url)
            {
                problems.push(format!("{at}: {key} is not an absolute URL"));
            }
        }
        for key in ["date_published", "date_modified"] {
            if let Some(date) = item.get(key)
                && date
                    .as_str()
                    .is_none_or(|d| DateTime::parse_from_rfc3339(d).is_err())
            {
                problems.push(format!("{at}: {key} is not RFC 3339"));
            }
        }
        if let Some(tags) = item.get("tags")
            && !tags
                .as_array()
                .is_some_and(|t| t.iter().all(Value::is_string))
        {
            problems.push(format!("{at}: tags must be strings"));
        }
        check_authors(item, &at, &mut problems);
        for attachment in item
            .get("attachments")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !attachment
                .get("url")
                .and_then(Value::as_str)
                .is_some_and(is_web_url)
                || !attachment.get("mime_type").is_some_and(Value::is_string)
            {
                problems.push(format!("{at}: attachment needs url and mime_type"));
            }
            if let Some(size) = attachment.get("size_in_bytes")
                && !size.is_u64()
            {
                problems.push(format!("{at}: size_in_bytes must be a number"));
            }
        }
    }
    problems
}

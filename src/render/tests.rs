use crate::urls::entry_path;
use std::path::Path;

use super::*;
use crate::config::Config;
use crate::entry::{Media, Medium};

/// Every document as the feed's current documents, where today's callers serve them.
fn current(meta: &FeedMeta, entries: &[&Entry], related: &[FeedGroup]) -> Documents {
    render(
        meta,
        entries,
        related,
        &Place::current(&meta.base_url, meta),
    )
}

fn meta() -> FeedMeta {
    let text = r#"
[server]
bind = "127.0.0.1:8080"
[seeds]
dir = "seeds"
timezone = "Asia/Shanghai"
[feed]
title = "Test & feed"
description = "Desc"
base_url = "http://127.0.0.1:8080/"
site_url = "https://cn.nytimes.com/"
language = "zh-CN"
limit = 50
rights = "© test"
[[feed.authors]]
name = "Editor"
email = "editor@example.org"
"#;
    Config::parse(text, Path::new("/")).unwrap().feed
}

fn sample(id: &str, hours: i64, authors: &[&str]) -> Entry {
    let published = DateTime::from_timestamp(1_712_707_200 + hours * 3600, 123_000_000).unwrap();
    Entry {
        id: format!("https://x.example/{id}"),
        link: format!("https://x.example/{id}"),
        title: format!("Title <{id}> & \u{1}more"),
        authors: authors.iter().map(|a| a.to_string()).collect(),
        published,
        updated: published + chrono::Duration::minutes(30),
        summary: "Summary".into(),
        content: "<p>a ]]> b</p>".into(),
        media: vec![Media {
            url: format!("https://img.example/{id}.png"),
            medium: Medium::Image,
            mime: "image/png".into(),
            width: Some(10),
            height: Some(20),
            length: None,
            poster: None,
            caption: Some("cap".into()),
            credit: Some("cred".into()),
        }],
        categories: vec!["world".into(), "x.example".into()],
        language: None,
    }
}

#[test]
fn rss_follows_the_rules_readers_trip_over() {
    let a = sample("a", 2, &["A One", "B Two"]);
    let b = sample("b", 1, &[]);
    let docs = current(&meta(), &[&a, &b], &[]);
    let rss = String::from_utf8(docs.rss).unwrap();
    for needle in [
        r#"<atom:link href="http://127.0.0.1:8080/rss.xml" rel="self" type="application/rss+xml"/>"#,
        "<dc:creator>A One</dc:creator><dc:creator>B Two</dc:creator>",
        r#"<enclosure url="https://img.example/a.png" length="0" type="image/png"/>"#,
        "<guid>https://x.example/a</guid>",
        "<pubDate>Wed, 10 Apr 2024 02:00:00 +0000</pubDate>",
        "<lastBuildDate>Wed, 10 Apr 2024 02:30:00 +0000</lastBuildDate>",
        "<managingEditor>editor@example.org (Editor)</managingEditor>",
        "<title>Title &lt;a&gt; &amp; more</title>",
        "<description><![CDATA[Summary]]></description>",
        r#"<media:description type="plain">cap</media:description>"#,
        "<media:credit>cred</media:credit>",
        r#"xmlns:media="http://search.yahoo.com/mrss/""#,
    ] {
        assert!(rss.contains(needle), "missing {needle}\n{rss}");
    }
    assert!(
        !rss.contains("isPermaLink=\"false\""),
        "the guid is the link"
    );
    assert!(
        !rss.contains("<author>"),
        "RSS <author> must be an e-mail address; names go in dc:creator"
    );
    assert!(!rss.contains('\u{1}'));
    let parsed = feed_rs::parser::parse(rss.as_bytes()).unwrap();
    assert_eq!(parsed.entries.len(), 2);
    assert_eq!(
        parsed.entries[0]
            .content
            .as_ref()
            .and_then(|c| c.body.clone())
            .as_deref(),
        Some("<p>a ]]> b</p>")
    );
}

#[test]
fn atom_follows_the_rules_readers_trip_over() {
    let a = sample("a", 2, &["A One"]);
    let b = sample("b", 1, &[]);
    let docs = current(&meta(), &[&a, &b], &[]);
    let atom = String::from_utf8(docs.atom).unwrap();
    for needle in [
        r#"<?xml version="1.0" encoding="utf-8"?>"#,
        r#"<link href="http://127.0.0.1:8080/atom.xml" rel="self" type="application/atom+xml"/>"#,
        // the entry's second, and a part of a second drawn from its id
        "<updated>2024-04-10T02:30:00.077940+00:00</updated>",
        "<published>2024-04-10T02:00:00+00:00</published>",
        // Unsized media are Media RSS only: an Atom enclosure is a download sized by `length`.
        r#"xmlns:media="http://search.yahoo.com/mrss/""#,
        r#"<media:content height="20" medium="image" type="image/png" url="https://img.example/a.png" width="10"><media:credit>cred</media:credit><media:description type="plain">cap</media:description></media:content>"#,
        r#"<content type="html">&lt;p&gt;a ]]&gt; b&lt;/p&gt;</content>"#,
        "<author><name>Editor</name><email>editor@example.org</email></author>",
        r#"xml:lang="zh-CN""#,
    ] {
        assert!(atom.contains(needle), "missing {needle}\n{atom}");
    }
    let parsed = feed_rs::parser::parse(atom.as_bytes()).unwrap();
    assert_eq!(parsed.entries.len(), 2);
    assert_eq!(parsed.entries[0].authors[0].name.as_deref(), Some("A One"));
}

#[test]
fn a_media_url_with_a_query_stays_well_formed_in_rss_and_atom() {
    let mut a = sample("a", 2, &[]);
    a.media[0].url = "https://img.example/a.jpg?w=600&q=75".into();
    let docs = current(&meta(), &[&a], &[]);
    let atom = String::from_utf8(docs.atom.clone()).unwrap();
    assert!(
        atom.contains(r#"url="https://img.example/a.jpg?w=600&amp;q=75""#),
        "{atom}"
    );
    for doc in [docs.rss, docs.atom] {
        let parsed = feed_rs::parser::parse(doc.as_slice()).unwrap();
        let url = parsed.entries[0].media[0].content[0].url.as_ref().unwrap();
        assert_eq!(url.as_str(), "https://img.example/a.jpg?w=600&q=75");
    }
}

#[test]
fn empty_feed_is_valid_and_timeless() {
    let docs = current(&meta(), &[], &[]);
    assert_eq!(docs.updated, None);
    assert!(feed_rs::parser::parse(docs.rss.as_slice()).is_ok());
    let atom = String::from_utf8(docs.atom).unwrap();
    assert!(
        atom.contains("<updated>1970-01-01T00:00:00+00:00</updated>"),
        "{atom}"
    );
}

#[test]
fn rendering_is_deterministic() {
    let a = sample("a", 2, &["A"]);
    assert_eq!(current(&meta(), &[&a], &[]), current(&meta(), &[&a], &[]));
}

/// `meta()` with everything a feed can carry: an icon, a logo, an author's web page.
fn full_meta() -> FeedMeta {
    let mut meta = meta();
    meta.icon = Some("https://cn.nytimes.com/favicon.ico".parse().unwrap());
    meta.logo = Some("https://cn.nytimes.com/logo.png".parse().unwrap());
    meta.authors[0].uri = Some("https://example.org/editor".parse().unwrap());
    meta
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

#[test]
fn rss_channel_and_items_carry_what_readers_show() {
    let a = sample("a", 2, &["A One"]);
    let mut b = sample("b", 1, &[]);
    // An id that is not the link (lower-case percent-escapes): the guid is no permalink.
    b.id = "https://x.example/%e4%b8%ad".into();
    b.link = "https://x.example/%E4%B8%AD".into();
    let rss = String::from_utf8(current(&full_meta(), &[&a, &b], &[]).rss).unwrap();
    for needle in [
        concat!(
            "<channel><title>Test &amp; feed</title><link>https://cn.nytimes.com/</link>",
            "<description>Desc</description><language>zh-CN</language>",
            "<copyright>© test</copyright>",
            "<managingEditor>editor@example.org (Editor)</managingEditor>",
            "<lastBuildDate>Wed, 10 Apr 2024 02:30:00 +0000</lastBuildDate>",
            "<generator>seedfeed</generator>",
            "<docs>https://www.rssboard.org/rss-specification</docs>",
            "<image><url>https://cn.nytimes.com/logo.png</url><title>Test &amp; feed</title>",
            "<link>https://cn.nytimes.com/</link></image>",
        ),
        "<item><title>Title &lt;a&gt; &amp; more</title><link>https://x.example/a</link>",
        "<category>world</category><category>x.example</category>",
        r#"<guid isPermaLink="false">https://x.example/%e4%b8%ad</guid>"#,
        "<guid>https://x.example/a</guid>",
        "<dc:creator>A One</dc:creator>",
        r#"xmlns:content="http://purl.org/rss/1.0/modules/content/""#,
        r#"xmlns:dc="http://purl.org/dc/elements/1.1/""#,
    ] {
        assert!(rss.contains(needle), "missing {needle}\n{rss}");
    }
    assert_eq!(
        rss.matches("<dc:creator>").count(),
        1,
        "b has no byline\n{rss}"
    );
}

#[test]
fn atom_feed_and_entries_carry_what_readers_show() {
    let mut a = sample("a", 2, &["A One"]);
    a.media[0].length = Some(4096);
    let mut b = sample("b", 1, &[]);
    b.summary = String::new();
    let atom = current(&full_meta(), &[&a, &b], &[]).atom;
    let feed = feed_rs::parser::parse(atom.as_slice()).unwrap();
    let text = |t: &Option<feed_rs::model::Text>| t.as_ref().map(|t| t.content.clone());
    assert_eq!(feed.id, "http://127.0.0.1:8080/");
    assert_eq!(text(&feed.title).as_deref(), Some("Test & feed"));
    assert_eq!(text(&feed.description).as_deref(), Some("Desc"));
    assert_eq!(text(&feed.rights).as_deref(), Some("© test"));
    let updated = feed.updated.unwrap();
    assert_eq!(updated.timestamp(), utc("2024-04-10T02:30:00Z").timestamp());
    assert_eq!(Some(updated), feed.entries[0].updated, "the newest entry's");
    assert_eq!(feed.language.as_deref(), Some("zh-CN"));
    assert_eq!(
        feed.generator.map(|g| g.content).as_deref(),
        Some("seedfeed")
    );
    assert_eq!(
        feed.icon.map(|i| i.uri).as_deref(),
        Some("https://cn.nytimes.com/favicon.ico")
    );
    assert_eq!(
        feed.logo.map(|i| i.uri).as_deref(),
        Some("https://cn.nytimes.com/logo.png")
    );
    let person = &feed.authors[0];
    assert_eq!(
        (
            person.name.as_deref(),
            person.email.as_deref(),
            person.uri.as_deref()
        ),
        (
            Some("Editor"),
            Some("editor@example.org"),
            Some("https://example.org/editor")
        )
    );
    let links: Vec<(Option<&str>, &str)> = feed
        .links
        .iter()
        .map(|l| (l.rel.as_deref(), l.href.as_str()))
        .collect();
    assert_eq!(
        links,
        [
            (Some("self"), "http://127.0.0.1:8080/atom.xml"),
            (Some("alternate"), "https://cn.nytimes.com/")
        ]
    );

    assert_eq!(feed.entries.len(), 2);
    let e = &feed.entries[0];
    assert_eq!(e.id, "https://x.example/a");
    assert_eq!(text(&e.title).as_deref(), Some("Title <a> & more"));
    assert_eq!(text(&e.summary).as_deref(), Some("Summary"));
    assert_eq!(e.published, Some(utc("2024-04-10T02:00:00Z")));
    assert_eq!(e.updated, Some(utc("2024-04-10T02:30:00.077940Z")));
    let terms: Vec<&str> = e.categories.iter().map(|c| c.term.as_str()).collect();
    assert_eq!(terms, ["world", "x.example"]);
    let links: Vec<(Option<&str>, &str, Option<u64>)> = e
        .links
        .iter()
        .map(|l| (l.rel.as_deref(), l.href.as_str(), l.length))
        .collect();
    assert_eq!(
        links,
        [
            (Some("alternate"), "https://x.example/a", None),
            (Some("enclosure"), "https://img.example/a.png", Some(4096))
        ]
    );
    // No summary stated: none written (an empty one would be shown as one).
    assert_eq!(feed.entries[1].summary, None);
}

#[test]
fn a_headline_only_entry_gets_its_headline_linked_as_content() {
    let mut a = sample("a", 2, &[]);
    a.content = " \n".into();
    a.title = r#"Q&A: "x" <y> 'z'"#.into();
    a.link = "https://x.example/a?b=1&c=2".into();
    let docs = current(&meta(), &[&a], &[]);
    let want = r#"<p><a href="https://x.example/a?b=1&amp;c=2">Q&amp;A: &quot;x&quot; &lt;y&gt; &#39;z&#39;</a></p>"#;
    for doc in [docs.rss, docs.atom] {
        let parsed = feed_rs::parser::parse(doc.as_slice()).unwrap();
        let content = parsed.entries[0]
            .content
            .as_ref()
            .and_then(|c| c.body.clone());
        assert_eq!(content.as_deref(), Some(want));
    }
    let json: serde_json::Value = serde_json::from_slice(&docs.json).unwrap();
    assert_eq!(json["items"][0]["content_html"], want);
}

#[test]
fn json_feed_carries_the_feed_and_every_entry_field() {
    let mut a = sample("a", 2, &["A One", " "]);
    a.media[0].length = Some(4096);
    let mut b = sample("b", 1, &[]);
    b.summary = String::new();
    b.media.clear();
    b.categories.clear();
    let json: serde_json::Value =
        serde_json::from_slice(&current(&full_meta(), &[&a, &b], &[]).json).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "version": "https://jsonfeed.org/version/1.1",
            "title": "Test & feed",
            "home_page_url": "https://cn.nytimes.com/",
            "feed_url": "http://127.0.0.1:8080/feed.json",
            "description": "Desc",
            "icon": "https://cn.nytimes.com/logo.png",
            "favicon": "https://cn.nytimes.com/favicon.ico",
            "authors": [{"name": "Editor", "url": "https://example.org/editor"}],
            "language": "zh-CN",
            "items": [
                {
                    "id": "https://x.example/a",
                    "url": "https://x.example/a",
                    "title": "Title <a> & more",
                    "content_html": "<p>a ]]> b</p>",
                    "summary": "Summary",
                    "image": "https://img.example/a.png",
                    "date_published": "2024-04-10T02:00:00Z",
                    "date_modified": "2024-04-10T02:30:00Z",
                    "authors": [{"name": "A One"}],
                    "tags": ["world", "x.example"],
                    "attachments": [{
                        "url": "https://img.example/a.png",
                        "mime_type": "image/png",
                        "title": "cap",
                        "size_in_bytes": 4096
                    }]
                },
                {
                    "id": "https://x.example/b",
                    "url": "https://x.example/b",
                    "title": "Title <b> & more",
                    "content_html": "<p>a ]]> b</p>",
                    "date_published": "2024-04-10T01:00:00Z",
                    "date_modified": "2024-04-10T01:30:00Z"
                }
            ]
        })
    );
}

/// The page's text as a browser shows it: character references decoded (the page's template
/// engine picks their spelling).
fn as_a_browser_reads(html: &str) -> String {
    let mut text = html.to_string();
    for (reference, character) in [
        ("&#60;", "<"),
        ("&lt;", "<"),
        ("&#62;", ">"),
        ("&gt;", ">"),
        ("&#34;", "\""),
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&#38;", "&"),
        ("&amp;", "&"),
    ] {
        text = text.replace(reference, character);
    }
    text
}

#[test]
fn the_home_page_lists_the_entries_and_links_every_format() {
    let mut a = sample("a", 2, &["A One", "B Two"]);
    a.title = r#"Q&A: "x" <y> 'z'"#.into();
    let b = sample("b", 1, &[]);
    // 21:00 UTC on the 9th is the morning of the 10th in the feed's zone (Asia/Shanghai)
    let c = sample("c", -3, &[]);
    let home = String::from_utf8(current(&full_meta(), &[&a, &b, &c], &[]).page).unwrap();
    // Markup in a title is text, never tags.
    assert!(!home.contains("<y>") && !home.contains(r#""x""#), "{home}");
    let page = as_a_browser_reads(&home);
    for needle in [
        r#"<html lang="zh-CN">"#,
        "<title>Test & feed</title>",
        r#"<link rel="alternate" type="application/rss+xml" title="Test & feed (RSS)" href="http://127.0.0.1:8080/rss.xml">"#,
        r#"<link rel="alternate" type="application/atom+xml" title="Test & feed (Atom)" href="http://127.0.0.1:8080/atom.xml">"#,
        r#"<link rel="alternate" type="application/feed+json" title="Test & feed (JSON Feed)" href="http://127.0.0.1:8080/feed.json">"#,
        r#"<link rel="icon" href="https://cn.nytimes.com/favicon.ico">"#,
        "<h1>Test & feed</h1>\n<p>Desc</p>",
        concat!(
            r#"<p>Subscribe: <a href="http://127.0.0.1:8080/rss.xml">RSS</a>"#,
            r#" · <a href="http://127.0.0.1:8080/atom.xml">Atom</a>"#,
            r#" · <a href="http://127.0.0.1:8080/feed.json">JSON Feed</a></p>"#
        ),
        concat!(
            r#"<li><a href="https://x.example/a">Q&A: "x" <y> 'z'</a> "#,
            r#"<time datetime="2024-04-10T02:00:00Z">2024-04-10</time>"#,
            r#" <span class="by">A One, B Two</span></li>"#
        ),
        concat!(
            r#"<li><a href="https://x.example/b">Title <b> & more</a> "#,
            r#"<time datetime="2024-04-10T01:00:00Z">2024-04-10</time></li>"#
        ),
        r#"<time datetime="2024-04-09T21:00:00Z">2024-04-10</time></li>"#,
    ] {
        assert!(page.contains(needle), "missing {needle}\n{page}");
    }
    let empty = String::from_utf8(current(&meta(), &[], &[]).page).unwrap();
    assert!(empty.contains("<p>No articles yet.</p>"), "{empty}");
    assert!(!empty.contains("<ol>"), "{empty}");
}

#[test]
fn every_format_names_the_websub_hubs() {
    let mut meta = meta();
    meta.hubs = vec!["https://hub.example/".parse().unwrap()];
    let a = sample("a", 2, &[]);
    let docs = current(&meta, &[&a], &[]);
    let rss = String::from_utf8(docs.rss).unwrap();
    assert!(
        rss.contains(r#"<atom:link href="https://hub.example/" rel="hub"/>"#),
        "{rss}"
    );
    let atom = feed_rs::parser::parse(docs.atom.as_slice()).unwrap();
    let hubs: Vec<&str> = atom
        .links
        .iter()
        .filter(|l| l.rel.as_deref() == Some("hub"))
        .map(|l| l.href.as_str())
        .collect();
    assert_eq!(hubs, ["https://hub.example/"]);
    let json: serde_json::Value = serde_json::from_slice(&docs.json).unwrap();
    assert_eq!(
        json["hubs"],
        serde_json::json!([{"type": "WebSub", "url": "https://hub.example/"}])
    );
}

#[test]
fn the_opml_file_lists_every_feed_with_its_rss_address() {
    let root = meta();
    let mut nyt = meta();
    nyt.title = "NYT & co".into();
    nyt.base_url = "http://127.0.0.1:8080/nyt/".parse().unwrap();
    let opml = String::from_utf8(opml::render(&root, &[root.clone(), nyt])).unwrap();
    assert_eq!(
        opml,
        concat!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<opml version=\"2.0\">\n<head>\n",
            "<title>Test &amp; feed</title>\n</head>\n<body>\n",
            r#"<outline type="rss" version="RSS2" text="Test &amp; feed" title="Test &amp; feed" "#,
            r#"description="Desc" language="zh-CN" xmlUrl="http://127.0.0.1:8080/rss.xml" "#,
            "htmlUrl=\"http://127.0.0.1:8080/\"/>\n",
            r#"<outline type="rss" version="RSS2" text="NYT &amp; co" title="NYT &amp; co" "#,
            r#"description="Desc" language="zh-CN" xmlUrl="http://127.0.0.1:8080/nyt/rss.xml" "#,
            "htmlUrl=\"http://127.0.0.1:8080/nyt/\"/>\n",
            "</body>\n</opml>\n"
        )
    );
}

// --- Where the documents sit: RFC 5005 archives and filtered views ---

const FH_NS: &str = "http://purl.org/syndication/history/1.0";
const ATOM_NS: &str = "http://www.w3.org/2005/Atom";

/// A folder's feed (`…/nyt/`) on a server rooted at `…/`.
fn folder_meta() -> FeedMeta {
    let mut meta = meta();
    meta.base_url = "http://127.0.0.1:8080/nyt/".parse().unwrap();
    meta
}

fn url(text: &str) -> Url {
    text.parse().unwrap()
}

/// The month 2024-05 of `folder_meta()`'s archive, with the months before and after it as asked.
fn month(prev: bool, next: bool) -> Place {
    Place {
        root: url("http://127.0.0.1:8080/"),
        dir: url("http://127.0.0.1:8080/nyt/archive/2024-05/"),
        query: None,
        archive: Archive {
            is_archive: true,
            prev: prev.then(|| url("http://127.0.0.1:8080/nyt/archive/2024-04/")),
            next: next.then(|| url("http://127.0.0.1:8080/nyt/archive/2024-06/")),
            period: Some("2024-05".into()),
        },
        entry_pages: false,
    }
}

/// The feed's current documents, with its newest archive month before them.
fn current_with_archive() -> Place {
    let mut place = Place::current(&url("http://127.0.0.1:8080/"), &folder_meta());
    place.archive.prev = Some(url("http://127.0.0.1:8080/nyt/archive/2024-06/"));
    place
}

/// `(rel, href)` of every `atom:link` that is a child of the document element (Atom's `feed`)
/// or of RSS's `channel`, read with a namespace-aware parser; and whether `fh:archive` is there.
fn feed_level(xml: &[u8]) -> (Vec<(String, String)>, usize) {
    let text = std::str::from_utf8(xml).unwrap();
    let doc = roxmltree::Document::parse(text).unwrap();
    let root = doc.root_element();
    let head = match root.tag_name().name() {
        "rss" => root.children().find(|n| n.has_tag_name("channel")).unwrap(),
        _ => root,
    };
    let links = head
        .children()
        .filter(|n| n.has_tag_name((ATOM_NS, "link")))
        .map(|n| {
            (
                n.attribute("rel").unwrap().to_string(),
                n.attribute("href").unwrap().to_string(),
            )
        })
        .collect();
    let markers = doc
        .descendants()
        .filter(|n| n.has_tag_name((FH_NS, "archive")))
        .inspect(|n| assert_eq!(n.parent(), Some(head), "fh:archive belongs to the feed"))
        .count();
    (links, markers)
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn current_documents_have_no_archive_links_or_marker() {
    let a = sample("a", 2, &[]);
    let meta = folder_meta();
    let docs = current(&meta, &[&a], &[]);
    for (doc, name) in [(&docs.atom, "atom.xml"), (&docs.rss, "rss.xml")] {
        let (links, markers) = feed_level(doc);
        let self_link = format!("http://127.0.0.1:8080/nyt/{name}");
        assert_eq!(links[0], ("self".to_string(), self_link));
        assert!(
            links
                .iter()
                .all(|(rel, _)| rel == "self" || rel == "alternate"),
            "{links:?}"
        );
        assert_eq!(markers, 0);
        assert!(!String::from_utf8_lossy(doc).contains("fh"));
    }
    let json: serde_json::Value = serde_json::from_slice(&docs.json).unwrap();
    assert_eq!(json["feed_url"], "http://127.0.0.1:8080/nyt/feed.json");
    assert!(json.get("next_url").is_none(), "{json}");
    let home = String::from_utf8(docs.page).unwrap();
    assert!(!home.contains("class=\"pages\""), "{home}");
    assert!(
        !home.contains(".pages"),
        "no style for what is not there\n{home}"
    );
}

#[test]
fn an_archive_month_links_its_neighbours_and_the_current_documents() {
    let a = sample("a", 2, &[]);
    let meta = folder_meta();
    let docs = render(&meta, &[&a], &[], &month(true, true));
    for (doc, name) in [(&docs.atom, "atom.xml"), (&docs.rss, "rss.xml")] {
        let (links, markers) = feed_level(doc);
        let archive_links: Vec<_> = links
            .into_iter()
            .filter(|(rel, _)| rel != "alternate")
            .collect();
        let want = [
            (
                "self",
                format!("http://127.0.0.1:8080/nyt/archive/2024-05/{name}"),
            ),
            (
                "prev-archive",
                format!("http://127.0.0.1:8080/nyt/archive/2024-04/{name}"),
            ),
            (
                "next-archive",
                format!("http://127.0.0.1:8080/nyt/archive/2024-06/{name}"),
            ),
            ("current", format!("http://127.0.0.1:8080/nyt/{name}")),
        ];
        let want: Vec<_> = want
            .iter()
            .map(|(r, h)| (r.to_string(), h.clone()))
            .collect();
        assert_eq!(archive_links, want, "{name}");
        assert_eq!(markers, 1, "{name}");
        let text = String::from_utf8(doc.clone()).unwrap();
        assert_eq!(text.matches("<fh:archive/>").count(), 1, "{text}");
        assert!(text.contains(&format!(r#"xmlns:fh="{FH_NS}""#)), "{text}");
        // Readers still read the entries.
        let parsed = feed_rs::parser::parse(doc.as_slice()).unwrap();
        assert_eq!(parsed.entries.len(), 1, "{name}");
    }
    // RFC 5005: an archive keeps the feed's id; the marker sits among the feed's metadata.
    let atom = String::from_utf8(docs.atom.clone()).unwrap();
    assert!(
        atom.contains("<id>http://127.0.0.1:8080/nyt/</id><fh:archive/>"),
        "{atom}"
    );
    assert!(atom.find("<fh:archive/>") < atom.find("<entry>"), "{atom}");
    let parsed = feed_rs::parser::parse(docs.atom.as_slice()).unwrap();
    assert_eq!(parsed.id, "http://127.0.0.1:8080/nyt/");
    let rss = String::from_utf8(docs.rss).unwrap();
    assert!(rss.find("<fh:archive/>") < rss.find("<item>"), "{rss}");

    let json: serde_json::Value = serde_json::from_slice(&docs.json).unwrap();
    assert_eq!(
        json["feed_url"],
        "http://127.0.0.1:8080/nyt/archive/2024-05/feed.json"
    );
    // JSON Feed's next_url pages towards older items: the previous month.
    assert_eq!(
        json["next_url"],
        "http://127.0.0.1:8080/nyt/archive/2024-04/feed.json"
    );
}

#[test]
fn the_first_and_last_months_leave_out_the_missing_neighbour() {
    let a = sample("a", 2, &[]);
    let meta = folder_meta();
    let rels = |doc: &[u8]| -> Vec<String> {
        feed_level(doc)
            .0
            .into_iter()
            .map(|(rel, _)| rel)
            .filter(|rel| rel != "alternate")
            .collect()
    };
    // The newest month: no next-archive (RFC 5005), still current.
    let newest = render(&meta, &[&a], &[], &month(true, false));
    for doc in [&newest.atom, &newest.rss] {
        assert_eq!(rels(doc), ["self", "prev-archive", "current"]);
        assert_eq!(feed_level(doc).1, 1);
    }
    // The oldest month: no prev-archive, and no JSON next_url.
    let oldest = render(&meta, &[&a], &[], &month(false, true));
    for doc in [&oldest.atom, &oldest.rss] {
        assert!(!rels(doc).contains(&"prev-archive".to_string()));
        assert!(rels(doc).contains(&"next-archive".to_string()));
    }
    let json: serde_json::Value = serde_json::from_slice(&oldest.json).unwrap();
    assert!(json.get("next_url").is_none(), "{json}");
}

#[test]
fn current_documents_point_at_the_newest_archive_without_being_one() {
    let a = sample("a", 2, &[]);
    let meta = folder_meta();
    let docs = render(&meta, &[&a], &[], &current_with_archive());
    for (doc, name) in [(&docs.atom, "atom.xml"), (&docs.rss, "rss.xml")] {
        let (links, markers) = feed_level(doc);
        let links: Vec<_> = links
            .into_iter()
            .filter(|(r, _)| r != "alternate")
            .collect();
        assert_eq!(
            links,
            pairs(&[
                ("self", &format!("http://127.0.0.1:8080/nyt/{name}")),
                (
                    "prev-archive",
                    &format!("http://127.0.0.1:8080/nyt/archive/2024-06/{name}")
                ),
            ])
        );
        assert_eq!(markers, 0, "current documents are not archives");
    }
    let json: serde_json::Value = serde_json::from_slice(&docs.json).unwrap();
    assert_eq!(
        json["next_url"],
        "http://127.0.0.1:8080/nyt/archive/2024-06/feed.json"
    );
}

#[test]
fn a_filtered_view_names_itself_with_its_query_escaped_in_xml() {
    let a = sample("a", 2, &[]);
    let meta = folder_meta();
    let mut place = Place::current(&url("http://127.0.0.1:8080/"), &meta);
    place.query = Some("limit=5&lang=zh".into());
    let docs = render(&meta, &[&a], &[], &place);
    let atom = String::from_utf8(docs.atom.clone()).unwrap();
    assert!(
        atom.contains(
            r#"<link href="http://127.0.0.1:8080/nyt/atom.xml?limit=5&amp;lang=zh" rel="self""#
        ),
        "{atom}"
    );
    let rss = String::from_utf8(docs.rss.clone()).unwrap();
    assert!(
        rss.contains(
            r#"<atom:link href="http://127.0.0.1:8080/nyt/rss.xml?limit=5&amp;lang=zh" rel="self""#
        ),
        "{rss}"
    );
    for (doc, name) in [(&docs.atom, "atom.xml"), (&docs.rss, "rss.xml")] {
        let want = format!("http://127.0.0.1:8080/nyt/{name}?limit=5&lang=zh");
        assert_eq!(feed_level(doc).0[0], ("self".to_string(), want));
    }
    let parsed = feed_rs::parser::parse(docs.atom.as_slice()).unwrap();
    assert_eq!(
        parsed.links[0].href,
        "http://127.0.0.1:8080/nyt/atom.xml?limit=5&lang=zh"
    );
    let json: serde_json::Value = serde_json::from_slice(&docs.json).unwrap();
    assert_eq!(
        json["feed_url"],
        "http://127.0.0.1:8080/nyt/feed.json?limit=5&lang=zh"
    );
    // The page's subscribe links stay the feed's own, unfiltered.
    let home = as_a_browser_reads(&String::from_utf8(docs.page).unwrap());
    assert!(!home.contains("?limit"), "{home}");
}

#[test]
fn an_archive_page_names_its_period_and_links_the_pages_around_it() {
    let a = sample("a", 2, &[]);
    let meta = folder_meta();
    let home = String::from_utf8(render(&meta, &[&a], &[], &month(true, true)).page).unwrap();
    let page = as_a_browser_reads(&home);
    for needle in [
        "<title>Test & feed · 2024-05</title>",
        "<h1>Test & feed · 2024-05</h1>",
        // Subscribing and discovery lead to the current documents, never to a month.
        r#"<link rel="alternate" type="application/atom+xml" title="Test & feed (Atom)" href="http://127.0.0.1:8080/nyt/atom.xml">"#,
        r#"<p>Subscribe: <a href="http://127.0.0.1:8080/nyt/rss.xml">RSS</a>"#,
        r#"<a rel="prev" href="http://127.0.0.1:8080/nyt/archive/2024-04/">← Older</a>"#,
        r#"<a rel="next" href="http://127.0.0.1:8080/nyt/archive/2024-06/">Newer →</a>"#,
        r#"<a href="http://127.0.0.1:8080/nyt/">Current</a>"#,
    ] {
        assert!(page.contains(needle), "missing {needle}\n{page}");
    }
    assert!(!page.contains("/archive/2024-05/"), "{page}");
    let newest = render(&meta, &[&a], &[], &month(true, false)).page;
    let newest = String::from_utf8(newest).unwrap();
    assert!(!newest.contains("Newer"), "{newest}");
    assert!(newest.contains("Current"), "{newest}");

    let current =
        String::from_utf8(render(&meta, &[&a], &[], &current_with_archive()).page).unwrap();
    assert!(
        current.contains(
            r#"<a rel="prev" href="http://127.0.0.1:8080/nyt/archive/2024-06/">The archive, month by month →</a>"#
        ),
        "{current}"
    );
    assert!(
        !current.contains("Current</a>") && !current.contains("Newer"),
        "{current}"
    );
    assert!(
        current.contains("<h1>Test &#38; feed</h1>")
            || current.contains("<h1>Test &amp; feed</h1>"),
        "{current}"
    );
}

#[test]
fn with_entry_pages_the_list_links_them_and_keeps_the_original() {
    let mut a = sample("a", 2, &[]);
    a.link = "https://x.example/a?b=1&c=2".into();
    let meta = folder_meta();
    let mut place = Place::current(&url("http://127.0.0.1:8080/"), &meta);
    place.entry_pages = true;
    let home = String::from_utf8(render(&meta, &[&a], &[], &place).page).unwrap();
    let page = as_a_browser_reads(&home);
    let want = concat!(
        r#"<li><a href="http://127.0.0.1:8080/entries/5189a0d6687e54f4/">Title <a> & more</a> "#,
        r#"<time datetime="2024-04-10T02:00:00Z">2024-04-10</time> "#,
        r#"<a class="orig" href="https://x.example/a?b=1&c=2">original</a></li>"#
    );
    assert!(page.contains(want), "missing {want}\n{page}");
    assert!(!home.contains("b=1&c"), "{home}");
}

#[test]
fn entry_path_is_a_stable_hash_of_the_id() {
    assert_eq!(
        entry_path("https://x.example/a"),
        "entries/5189a0d6687e54f4/"
    );
    assert_eq!(
        entry_path("https://cn.nytimes.com/world/20240410/xi-lavrov-russia-china/"),
        "entries/cdc33bed8aff31d7/"
    );
    assert_eq!(entry_path(""), "entries/e3b0c44298fc1c14/");
    let root = url("http://127.0.0.1:8080/");
    assert_eq!(
        root.join(&entry_path("https://x.example/a"))
            .unwrap()
            .as_str(),
        "http://127.0.0.1:8080/entries/5189a0d6687e54f4/"
    );
}

// --- Entry pages ---

fn entry_html(meta: &FeedMeta, entry: &Entry, feeds: &[FeedLink]) -> String {
    let root = url("http://127.0.0.1:8080/");
    String::from_utf8(entry_page::render(meta, entry, &root, feeds)).unwrap()
}

fn feed_links() -> Vec<FeedLink> {
    vec![
        FeedLink {
            title: "NYT & co".into(),
            base_url: url("http://127.0.0.1:8080/nyt/"),
        },
        FeedLink {
            title: "Test & feed".into(),
            base_url: url("http://127.0.0.1:8080/"),
        },
    ]
}

#[test]
fn an_entry_page_shows_the_article_its_dates_and_the_original() {
    let a = sample("a", 2, &["A One", "B Two"]);
    let html = entry_html(&folder_meta(), &a, &feed_links());
    let page = as_a_browser_reads(&html);
    for needle in [
        r#"<html lang="zh-CN">"#,
        "<title>Title <a> & more · Test & feed</title>",
        "<h1>Title <a> & more</h1>",
        r#"<p class="by">A One, B Two</p>"#,
        r#"Published <time datetime="2024-04-10T02:00:00Z">2024-04-10 10:00 UTC+08:00</time>"#,
        r#" · Updated <time datetime="2024-04-10T02:30:00Z">2024-04-10 10:30 UTC+08:00</time>"#,
        r#"<a href="https://x.example/a">https://x.example/a</a>"#,
        // The article's HTML is markup, as sanitised.
        "<div class=\"content\">\n<p>a ]]> b</p>\n</div>",
        "<li>world</li>",
        "<li>x.example</li>",
        // Back to its feed, and to the root's page.
        r#"<a href="http://127.0.0.1:8080/nyt/">Test & feed</a> · <a href="http://127.0.0.1:8080/">All feeds</a>"#,
    ] {
        assert!(page.contains(needle), "missing {needle}\n{page}");
    }
    assert!(html.contains("<p>a ]]&gt; b</p>") || html.contains("<p>a ]]> b</p>"));
    assert_eq!(
        page.matches(r#"href="https://x.example/a""#).count(),
        2,
        "{page}"
    );
    assert!(!page.contains("<script"), "no JavaScript\n{page}");
    // A root entry's page has no separate way to the root.
    let root_page = entry_html(&meta(), &a, &[]);
    assert!(!root_page.contains("All feeds"), "{root_page}");
    // The same instant twice is said once.
    let mut b = sample("b", 1, &[]);
    b.updated = b.published;
    let page = entry_html(&meta(), &b, &[]);
    assert!(!page.contains("Updated"), "{page}");
    assert!(!page.contains("class=\"by\""), "{page}");
}

#[test]
fn an_entry_page_without_text_links_its_headline() {
    let mut a = sample("a", 2, &[]);
    a.content = " \n".into();
    a.title = r#"Q&A: "x" <y>"#.into();
    let page = entry_html(&meta(), &a, &[]);
    assert!(
        page.contains(
            r#"<p><a href="https://x.example/a">Q&amp;A: &quot;x&quot; &lt;y&gt;</a></p>"#
        ),
        "{page}"
    );
}

#[test]
fn an_entry_page_escapes_markup_in_text() {
    let mut a = sample("a", 2, &["<b>Evil</b>"]);
    a.title = "<script>alert(1)</script>".into();
    a.categories = vec!["<i>x</i>".into()];
    a.media[0].caption = Some("<script>c</script>".into());
    a.media[0].credit = Some("\"><script>d</script>".into());
    a.link = "https://x.example/a?\"><script>e</script>".into();
    let page = entry_html(&meta(), &a, &feed_links());
    assert!(!page.contains("<script"), "{page}");
    assert!(
        !page.contains("<b>Evil") && !page.contains("<i>x"),
        "{page}"
    );
    let text = as_a_browser_reads(&page);
    assert!(
        text.contains("<h1><script>alert(1)</script></h1>"),
        "{text}"
    );
}

#[test]
fn an_entry_page_shows_media_the_article_lacks_with_caption_and_credit() {
    let mut a = sample("a", 2, &[]);
    let shown = Media {
        url: "https://img.example/in.jpg?w=1&h=2".into(),
        caption: Some("already in the text".into()),
        ..a.media[0].clone()
    };
    // The article writes the address as it found it; the seed's media hold it normalised.
    let also_shown = Media {
        url: "https://cdn.example/?url=x.example/b.jpg".into(),
        caption: Some("also in the text".into()),
        ..a.media[0].clone()
    };
    a.content = concat!(
        r#"<p>x</p><img src="https://img.example/in.jpg?w=1&amp;h=2">"#,
        r#"<figure><img src="https://cdn.example?url=x.example/b.jpg" width="100%"></figure>"#,
    )
    .into();
    let video = Media {
        url: "https://v.example/v.mp4".into(),
        medium: Medium::Video,
        mime: "video/mp4".into(),
        poster: Some("https://v.example/v.jpg".into()),
        caption: None,
        credit: Some("Agency".into()),
        ..a.media[0].clone()
    };
    let audio = Media {
        url: "https://a.example/a.mp3".into(),
        medium: Medium::Audio,
        mime: "audio/mpeg".into(),
        caption: None,
        credit: None,
        ..a.media[0].clone()
    };
    a.media = vec![a.media[0].clone(), shown, video, audio, also_shown];
    let page = entry_html(&meta(), &a, &[]);
    for needle in [
        concat!(
            r#"<figure>"#,
            "\n",
            // The caption describes the picture: no alt to read twice.
            r#"<img src="https://img.example/a.png" loading="lazy">"#,
            "\n",
            r#"<figcaption>cap <span class="credit">cred</span></figcaption>"#,
            "\n</figure>"
        ),
        r#"<video controls preload="none" src="https://v.example/v.mp4" poster="https://v.example/v.jpg">"#,
        r#"<figcaption><span class="credit">Agency</span></figcaption>"#,
        r#"<audio controls preload="none" src="https://a.example/a.mp3">"#,
    ] {
        assert!(page.contains(needle), "missing {needle}\n{page}");
    }
    assert!(!page.contains("already in the text"), "{page}");
    assert!(!page.contains("also in the text"), "{page}");
    let after_the_article = &page[page.find("</div>").unwrap()..];
    assert_eq!(after_the_article.matches("<figure>").count(), 3, "{page}");
    assert_eq!(
        page.matches("<figcaption>").count(),
        2,
        "no empty caption\n{page}"
    );
}

#[test]
fn an_entry_page_announces_the_feeds_it_is_given() {
    let a = sample("a", 2, &[]);
    let page = as_a_browser_reads(&entry_html(&folder_meta(), &a, &feed_links()));
    for needle in [
        r#"<link rel="alternate" type="application/rss+xml" title="NYT & co (RSS)" href="http://127.0.0.1:8080/nyt/rss.xml">"#,
        r#"<link rel="alternate" type="application/feed+json" title="NYT & co (JSON Feed)" href="http://127.0.0.1:8080/nyt/feed.json">"#,
        r#"<link rel="alternate" type="application/atom+xml" title="Test & feed (Atom)" href="http://127.0.0.1:8080/atom.xml">"#,
        r#"<p>NYT & co: <a href="http://127.0.0.1:8080/nyt/rss.xml">RSS</a>"#,
    ] {
        assert!(page.contains(needle), "missing {needle}\n{page}");
    }
    assert_eq!(
        page.matches(r#"<link rel="alternate""#).count(),
        6,
        "{page}"
    );
    let none = entry_html(&meta(), &a, &[]);
    assert!(!none.contains("rel=\"alternate\""), "{none}");
}

#[test]
fn archive_documents_stay_well_formed_whatever_the_text_holds() {
    let mut meta = folder_meta();
    meta.title = "</id><fh:archive/>\u{1}<entry>".into();
    let mut a = sample("a", 2, &["</id>"]);
    a.title = "<fh:archive></fh:archive></id>".into();
    a.content = "<p><fh:archive></fh:archive></p>".into();
    let mut place = month(true, true);
    place.archive.period = Some("<script>2024-05</script>".into());
    place.query = Some("a=<b>&c=\"d\"\u{1}".into());
    let docs = render(&meta, &[&a], &[], &place);
    for doc in [&docs.atom, &docs.rss] {
        assert_eq!(feed_level(doc).1, 1, "{}", String::from_utf8_lossy(doc));
        assert_eq!(
            feed_rs::parser::parse(doc.as_slice())
                .unwrap()
                .entries
                .len(),
            1
        );
    }
    let atom = String::from_utf8(docs.atom).unwrap();
    assert!(
        atom.contains("<id>http://127.0.0.1:8080/nyt/</id><fh:archive/>"),
        "{atom}"
    );
    let home = String::from_utf8(docs.page).unwrap();
    assert!(!home.contains("<script>"), "{home}");
    serde_json::from_slice::<serde_json::Value>(&docs.json).unwrap();
}

#[test]
fn a_page_lists_related_feeds_under_their_headings_and_skips_empty_groups() {
    let a = sample("a", 2, &["A One"]);
    let groups = [
        FeedGroup {
            heading: "Feeds".into(),
            feeds: feed_links(),
        },
        FeedGroup {
            heading: "Authors".into(),
            feeds: Vec::new(),
        },
        FeedGroup {
            heading: "Sections & more".into(),
            feeds: vec![FeedLink {
                title: "World".into(),
                base_url: url("http://127.0.0.1:8080/sections/world/"),
            }],
        },
    ];
    let home = String::from_utf8(current(&meta(), &[&a], &groups).page).unwrap();
    assert!(home.contains("<h2>Feeds</h2>"), "{home}");
    assert!(
        !home.contains("<h2>Authors</h2>"),
        "an empty group has no heading"
    );
    assert!(home.contains("<h2>Sections &#38; more</h2>"), "{home}");
    assert!(home.contains(r#"<a href="http://127.0.0.1:8080/sections/world/">World</a>"#));
    assert!(home.contains(r#"<a href="http://127.0.0.1:8080/sections/world/atom.xml">Atom</a>"#));
    let feeds = home.find("<h2>Feeds</h2>").unwrap();
    assert!(
        feeds < home.find("<h2>Sections").unwrap(),
        "in the order given"
    );
}

/// Documents written the slow way: the crates write every item themselves (RSS and Atom take
/// that path when an item could not be prepared), and JSON is serialised in one go.
fn whole(meta: &FeedMeta, entries: &[&Entry], place: &Place) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let unprepared: Vec<Prepared> = entries
        .iter()
        .map(|e| Prepared {
            entry: (*e).clone(),
            rss: None,
            atom: None,
            json: Box::default(),
        })
        .collect();
    let references: Vec<&Prepared> = unprepared.iter().collect();
    let updated = entries.iter().map(|e| e.updated).max();
    (
        rss::render(meta, &references, updated, place),
        atom::render(meta, &references, updated, place),
        json::render_whole(meta, entries, place),
    )
}

fn assert_spliced_equal_whole(meta: &FeedMeta, entries: &[&Entry], place: &Place, case: &str) {
    let spliced = render(meta, entries, &[], place);
    let (rss, atom, json) = whole(meta, entries, place);
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    assert_eq!(text(&spliced.rss), text(&rss), "RSS, {case}");
    assert_eq!(text(&spliced.atom), text(&atom), "Atom, {case}");
    assert_eq!(text(&spliced.json), text(&json), "JSON, {case}");
}

/// Every place a document is served at: current, an archive month, a filtered view.
fn places() -> Vec<(&'static str, Place)> {
    let mut filtered = Place::current(&url("http://127.0.0.1:8080/"), &folder_meta());
    filtered.query = Some("limit=5&q=a".into());
    vec![
        (
            "current",
            Place::current(&url("http://127.0.0.1:8080/"), &meta()),
        ),
        ("current with archive", current_with_archive()),
        ("archive month", month(true, true)),
        ("oldest month", month(false, true)),
        ("filtered", filtered),
    ]
}

#[test]
fn documents_of_prepared_items_equal_documents_written_whole() {
    // Text that looks like the markup the splice looks for, wherever text goes.
    let tricky = [
        "<item>",
        "</item>",
        "<entry>",
        "</entry>",
        "]]>",
        "\"items\":[]}",
        ITEMS_GO_HERE,
        "<item><title>seedfeed: the items go here</title></item>",
    ];
    let mut entries: Vec<Entry> = Vec::new();
    for (i, text) in tricky.iter().enumerate() {
        let mut entry = sample(&format!("t{i}"), i as i64, &[text, "B"]);
        entry.title = format!("{text} title");
        entry.summary = text.to_string();
        entry.content = format!("<p>{text}</p>{text}");
        entry.categories.push(text.to_string());
        entry.media[0].caption = Some(text.to_string());
        entries.push(entry);
    }
    let mut headline_only = sample("h", 20, &[]);
    headline_only.content.clear();
    headline_only.media.clear();
    entries.push(headline_only);
    let mut meta = meta();
    meta.title = format!("{ITEMS_GO_HERE} <item></item>");
    meta.description = "</entry> ]]>".into();
    assert!(entries.iter().all(|e| {
        let prepared = Prepared::new(e.clone());
        prepared.rss.is_some() && prepared.atom.is_some()
    }));
    let references: Vec<&Entry> = entries.iter().collect();
    for (case, place) in places() {
        assert_spliced_equal_whole(&meta, &references, &place, case);
        assert_spliced_equal_whole(&meta, &[], &place, &format!("{case}, empty"));
        assert_spliced_equal_whole(&meta, &references[..1], &place, &format!("{case}, one"));
    }
}

#[test]
fn every_corpus_seed_s_documents_equal_those_written_whole() {
    let outlets = crate::config::builtin_outlets();
    let context = crate::seed::SeedContext {
        timezone: chrono_tz::Asia::Shanghai,
        modified: DateTime::UNIX_EPOCH,
        outlets: &outlets,
        site: Default::default(),
    };
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = walk(&corpus);
    files.sort();
    let entries: Vec<Entry> = files
        .iter()
        .filter_map(|path| crate::seed::parse(&std::fs::read(path).ok()?, &context).ok())
        .collect();
    assert!(entries.len() > 400, "{} corpus entries", entries.len());
    for entry in &entries {
        let prepared = Prepared::new(entry.clone());
        // Else the documents would be written whole, and equal by construction.
        assert!(
            prepared.rss.is_some() && prepared.atom.is_some(),
            "{}",
            entry.id
        );
    }
    let references: Vec<&Entry> = entries.iter().collect();
    let places = places();
    for (at, chunk) in references.chunks(50).enumerate() {
        let (case, place) = &places[at % places.len()];
        assert_spliced_equal_whole(&meta(), chunk, place, &format!("{case}, chunk {at}"));
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "txt" || e == "md") {
            files.push(path);
        }
    }
    files
}

/// Seeds of one crawl share the archive's fetch time: their Atom `updated` values still
/// differ (a validator warns on two alike), each within its second and the same in any feed.
#[test]
fn entries_fetched_together_have_distinct_atom_updated_values() {
    let batch: Vec<Entry> = (0..20).map(|i| sample(&format!("b{i}"), 1, &[])).collect();
    let all: Vec<&Entry> = batch.iter().collect();
    let feed = |entries: &[&Entry]| {
        let atom = current(&full_meta(), entries, &[]).atom;
        let parsed = feed_rs::parser::parse(atom.as_slice()).unwrap();
        parsed
            .entries
            .into_iter()
            .map(|e| (e.id, e.updated.unwrap()))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let whole = feed(&all);
    let distinct: std::collections::BTreeSet<_> = whole.values().collect();
    assert_eq!(distinct.len(), batch.len());
    for (id, updated) in &whole {
        assert_eq!(updated.timestamp(), batch[0].updated.timestamp(), "{id}");
    }
    let part = feed(&all[5..9]);
    assert_eq!(part.len(), 4);
    for (id, updated) in &part {
        assert_eq!(whole[id], *updated, "{id}: the same in every document");
    }
}

/// An entry of an outlet that writes in another language than the feed's says so in every
/// format (Atom xml:lang on what is shown, JSON Feed's item language, Dublin Core's in RSS).
#[test]
fn an_entry_in_another_language_says_so() {
    let mut e = sample("tw", 1, &[]);
    e.language = Some("zh-TW".into());
    let plain = sample("cn", 2, &[]);
    let documents = current(&full_meta(), &[&plain, &e], &[]);
    let atom = String::from_utf8(documents.atom).unwrap();
    assert_eq!(atom.matches(r#"xml:lang="zh-TW""#).count(), 3, "{atom}");
    let feed = feed_rs::parser::parse(atom.as_bytes()).unwrap();
    assert_eq!(feed.entries.len(), 2);
    let rss = String::from_utf8(documents.rss).unwrap();
    assert_eq!(
        rss.matches("<dc:language>zh-TW</dc:language>").count(),
        1,
        "{rss}"
    );
    let json: serde_json::Value = serde_json::from_slice(&documents.json).unwrap();
    assert_eq!(json["items"][1]["language"], "zh-TW");
    assert!(json["items"][0].get("language").is_none());
}

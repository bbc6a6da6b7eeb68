use std::path::Path;

use super::*;
use crate::config::Config;
use crate::entry::{Media, Medium};

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
    }
}

#[test]
fn rss_follows_the_rules_readers_trip_over() {
    let a = sample("a", 2, &["A One", "B Two"]);
    let b = sample("b", 1, &[]);
    let docs = render(&meta(), &[&a, &b], &[]);
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
    let docs = render(&meta(), &[&a, &b], &[]);
    let atom = String::from_utf8(docs.atom).unwrap();
    for needle in [
        r#"<?xml version="1.0" encoding="utf-8"?>"#,
        r#"<link href="http://127.0.0.1:8080/atom.xml" rel="self" type="application/atom+xml"/>"#,
        "<updated>2024-04-10T02:30:00+00:00</updated>",
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
    let docs = render(&meta(), &[&a], &[]);
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
    let docs = render(&meta(), &[], &[]);
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
    assert_eq!(render(&meta(), &[&a], &[]), render(&meta(), &[&a], &[]));
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
    let rss = String::from_utf8(render(&full_meta(), &[&a, &b], &[]).rss).unwrap();
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
    let atom = render(&full_meta(), &[&a, &b], &[]).atom;
    let feed = feed_rs::parser::parse(atom.as_slice()).unwrap();
    let text = |t: &Option<feed_rs::model::Text>| t.as_ref().map(|t| t.content.clone());
    assert_eq!(feed.id, "http://127.0.0.1:8080/");
    assert_eq!(text(&feed.title).as_deref(), Some("Test & feed"));
    assert_eq!(text(&feed.description).as_deref(), Some("Desc"));
    assert_eq!(text(&feed.rights).as_deref(), Some("© test"));
    assert_eq!(feed.updated, Some(utc("2024-04-10T02:30:00Z")));
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
    assert_eq!(e.updated, Some(utc("2024-04-10T02:30:00Z")));
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
    let docs = render(&meta(), &[&a], &[]);
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
        serde_json::from_slice(&render(&full_meta(), &[&a, &b], &[]).json).unwrap();
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
    let home = String::from_utf8(render(&full_meta(), &[&a, &b], &[]).home).unwrap();
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
    ] {
        assert!(page.contains(needle), "missing {needle}\n{page}");
    }
    let empty = String::from_utf8(render(&meta(), &[], &[]).home).unwrap();
    assert!(empty.contains("<p>No articles yet.</p>"), "{empty}");
    assert!(!empty.contains("<ol>"), "{empty}");
}

#[test]
fn every_format_names_the_websub_hubs() {
    let mut meta = meta();
    meta.hubs = vec!["https://hub.example/".parse().unwrap()];
    let a = sample("a", 2, &[]);
    let docs = render(&meta, &[&a], &[]);
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

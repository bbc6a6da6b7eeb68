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

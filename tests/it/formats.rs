//! JSON Feed 1.1 and the discovery page at `/`, as a reader and a browser see them.

use crate::support::{PROJECT_SEEDS, Server, seed};
use crate::validity::json_feed_problems;

fn with_media() -> Vec<(&'static str, String)> {
    let body = r#"<address>Ann Author、Bo Writer</address>
<figure><img src="https://img.example/lead.jpg" width="800" height="600"><figcaption>Lead caption<cite>Photo: Agency</cite></figcaption></figure>
<p>First paragraph of the article, long enough to be the summary.</p>
<p><a href="/rel/link">relative</a></p>"#;
    vec![
        (
            "a.txt",
            seed(
                "With media",
                "https://x.example/world/with-media",
                1_700_000_000_000,
                body,
            ),
        ),
        (
            "b.txt",
            seed(
                "Older & plain",
                "https://y.example/opinion/older",
                1_600_000_000_000,
                "<p>Plain.</p>",
            ),
        ),
    ]
}

#[test]
fn json_feed_holds_the_same_entries_with_every_field() {
    let server = Server::with_files(&with_media(), 50);
    let response = server.get("/feed.json");
    assert_eq!(
        response.header("content-type"),
        Some("application/feed+json; charset=utf-8")
    );
    assert_eq!(json_feed_problems(&response.body), Vec::<String>::new());
    assert_eq!(server.titles("/feed.json"), server.titles("/rss.xml"));

    let feed = server.feed("/feed.json");
    assert_eq!(feed.language.as_deref(), Some("zh-CN"));
    let entry = &feed.entries[0];
    assert_eq!(entry.id, "https://x.example/world/with-media");
    assert_eq!(
        entry
            .authors
            .iter()
            .map(|a| a.name.as_deref().unwrap_or(""))
            .collect::<Vec<_>>(),
        ["Ann Author", "Bo Writer"]
    );
    assert!(entry.published.is_some() && entry.updated.is_some());
    assert!(
        entry
            .summary
            .as_ref()
            .unwrap()
            .content
            .starts_with("First paragraph")
    );
    let content = entry.content.as_ref().unwrap().body.as_deref().unwrap();
    assert!(content.contains("https://x.example/rel/link"), "{content}");
    let tags: Vec<&str> = entry.categories.iter().map(|c| c.term.as_str()).collect();
    assert_eq!(tags, ["world", "x.example"]);

    let json: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(json["home_page_url"], "https://cn.nytimes.com/");
    assert_eq!(json["feed_url"], "http://127.0.0.1:8080/feed.json");
    let item = &json["items"][0];
    assert_eq!(item["image"], "https://img.example/lead.jpg");
    assert_eq!(
        item["attachments"][0]["url"],
        "https://img.example/lead.jpg"
    );
    assert_eq!(item["attachments"][0]["mime_type"], "image/jpeg");
    assert_eq!(item["attachments"][0]["title"], "Lead caption");
    assert!(json["items"][1].get("attachments").is_none());
}

#[test]
fn json_feed_of_the_project_seeds_is_valid() {
    let server = Server::serving(std::path::Path::new(PROJECT_SEEDS), 50);
    let body = server.get("/feed.json").body;
    assert_eq!(json_feed_problems(&body), Vec::<String>::new());
    assert_eq!(server.titles("/feed.json"), server.titles("/atom.xml"));
}

#[test]
fn the_home_page_lets_readers_discover_all_three_feeds() {
    let server = Server::with_files(&with_media(), 50);
    let response = server.get("/");
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let page = response.text();
    for (media_type, href) in [
        ("application/rss+xml", "http://127.0.0.1:8080/rss.xml"),
        ("application/atom+xml", "http://127.0.0.1:8080/atom.xml"),
        ("application/feed+json", "http://127.0.0.1:8080/feed.json"),
    ] {
        let alternate = page
            .lines()
            .find(|l| l.starts_with("<link rel=\"alternate\"") && l.contains(media_type))
            .unwrap_or_else(|| panic!("no alternate link for {media_type} in {page}"));
        assert!(
            alternate.contains(&format!("href=\"{href}\"")),
            "{alternate}"
        );
        let link = response.header("link").unwrap();
        assert!(
            link.contains(&format!(
                "<{href}>; rel=\"alternate\"; type=\"{media_type}\""
            )),
            "{link}"
        );
    }
    assert!(page.contains("<title>Test feed</title>"));
    // Each title opens the entry's own page; the original is one click away.
    let with_media = seedfeed::urls::entry_path("https://x.example/world/with-media");
    assert!(
        page.contains(&format!(
            r#"<a href="http://127.0.0.1:8080/{with_media}">With media</a>"#
        )),
        "{page}"
    );
    assert!(
        page.contains(r#"<a class="orig" href="https://x.example/world/with-media">original</a>"#)
    );
    // Titles are escaped, not interpreted: a browser reads them as written, newest first.
    assert!(!page.contains("Older & plain"), "{page}");
    let html = scraper::Html::parse_document(&page);
    let entries = scraper::Selector::parse("main li a:first-child").unwrap();
    let titles: Vec<String> = html.select(&entries).map(|a| a.text().collect()).collect();
    assert_eq!(titles, ["With media", "Older & plain"]);
}

/// The home page's `Link` header to the feeds comes with every answer that stands for the page
/// (200, and 304 — a cache revalidating keeps it), never with an error.
#[test]
fn the_home_page_link_header_comes_with_200_and_304_only() {
    let server = Server::with_files(&with_media(), 50);
    let page = server.get("/");
    let link = page.header("link").expect("200 carries Link").to_string();
    let etag = page.header("etag").unwrap().to_string();
    let revalidated = server.request("GET", "/", &[("if-none-match", &etag)]);
    assert_eq!(revalidated.status, 304);
    assert_eq!(revalidated.header("link"), Some(link.as_str()));
    let refused = server.request("POST", "/", &[]);
    assert_eq!(refused.status, 405);
    assert_eq!(refused.header("link"), None);
}

#[test]
fn a_seed_that_kept_only_its_headline_reads_as_the_headline_linked_to_the_original() {
    let headline_only = seed(
        "Rates & bonds",
        "https://x.example/markets/rates?a=1&b=2",
        1_700_000_000_000,
        "",
    );
    let server = Server::with_files(&[("h.txt", headline_only)], 50);
    let expected =
        r#"<p><a href="https://x.example/markets/rates?a=1&amp;b=2">Rates &amp; bonds</a></p>"#;
    for path in ["/atom.xml", "/rss.xml"] {
        let feed = server.feed(path);
        let entry = &feed.entries[0];
        let content = entry
            .content
            .as_ref()
            .unwrap_or_else(|| panic!("{path}: no content"));
        assert_eq!(content.body.as_deref(), Some(expected), "{path}");
    }
    let json: serde_json::Value = serde_json::from_slice(&server.get("/feed.json").body).unwrap();
    assert_eq!(json["items"][0]["content_html"], expected);
    assert!(json_feed_problems(&server.get("/feed.json").body).is_empty());
}

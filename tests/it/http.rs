//! Serving: media types, HEAD, unknown paths, order, limit, determinism across restarts.

use std::path::Path;

use crate::support::{PROJECT_SEEDS, Server, seed};

fn three() -> Vec<(&'static str, String)> {
    vec![
        (
            "a.txt",
            seed(
                "Oldest",
                "https://x.example/world/a",
                1_600_000_000_000,
                "<p>A</p>",
            ),
        ),
        (
            "b.txt",
            seed(
                "Newest",
                "https://x.example/world/b",
                1_700_000_000_000,
                "<p>B</p>",
            ),
        ),
        (
            "sub/c.txt",
            seed(
                "Middle",
                "https://x.example/world/c",
                1_650_000_000_000,
                "<p>C</p>",
            ),
        ),
    ]
}

#[test]
fn both_feeds_hold_the_entries_newest_first() {
    let server = Server::with_files(&three(), 50);
    let rss = server.get("/rss.xml");
    assert_eq!(
        rss.header("content-type"),
        Some("application/rss+xml; charset=utf-8")
    );
    let atom = server.get("/atom.xml");
    assert_eq!(
        atom.header("content-type"),
        Some("application/atom+xml; charset=utf-8")
    );
    for path in ["/rss.xml", "/atom.xml"] {
        assert_eq!(
            server.titles(path),
            ["Newest", "Middle", "Oldest"],
            "{path}"
        );
        let feed = server.feed(path);
        let entry = &feed.entries[0];
        assert_eq!(entry.links[0].href, "https://x.example/world/b");
        assert!(entry.published.is_some());
        assert_eq!(feed.title.as_ref().unwrap().content, "Test feed");
    }
}

#[test]
fn limit_cuts_the_documents() {
    let server = Server::with_files(&three(), 2);
    assert_eq!(server.titles("/rss.xml"), ["Newest", "Middle"]);
    assert_eq!(server.titles("/atom.xml"), ["Newest", "Middle"]);
}

#[test]
fn head_states_the_get_headers_and_unknown_paths_are_404() {
    let server = Server::with_files(&three(), 50);
    let get = server.get("/rss.xml");
    let head = server.request("HEAD", "/rss.xml", &[]);
    assert_eq!(head.status, 200);
    // No body bytes after HEAD: checked on the wire in wire.rs.
    assert_eq!(
        head.header("content-length"),
        Some(get.body.len().to_string().as_str())
    );
    assert_eq!(head.header("content-type"), get.header("content-type"));
    for path in [
        "/nope",
        "/rss.xml/x",
        "/../../etc/passwd",
        "/%2e%2e/etc/passwd",
    ] {
        let response = server.get(path);
        assert_eq!(response.status, 404, "{path}");
    }
}

#[test]
fn the_same_folder_gives_byte_identical_feeds_after_a_restart() {
    let folder = Path::new(PROJECT_SEEDS);
    let first = Server::serving(folder, 50);
    let (rss, atom) = (first.get("/rss.xml").body, first.get("/atom.xml").body);
    let etags: Vec<_> = ["/rss.xml", "/atom.xml", "/feed.json", "/"]
        .map(|p| first.get(p).header("etag").map(str::to_string))
        .into();
    drop(first);
    let second = Server::serving(folder, 50);
    let etags_again: Vec<_> = ["/rss.xml", "/atom.xml", "/feed.json", "/"]
        .map(|p| second.get(p).header("etag").map(str::to_string))
        .into();
    assert_eq!(etags, etags_again, "ETags differ after restart");
    assert!(
        rss == second.get("/rss.xml").body,
        "rss differs after restart"
    );
    assert!(
        atom == second.get("/atom.xml").body,
        "atom differs after restart"
    );
}

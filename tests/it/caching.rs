//! What polling readers rely on: validators and 304s, content codings, HEAD, 405 and 404.

use std::time::{Duration, Instant};

use crate::support::{Response, Server, config_text, seed, write};

const DOCUMENTS: [&str; 4] = ["/rss.xml", "/atom.xml", "/feed.json", "/"];

fn two() -> Vec<(&'static str, String)> {
    vec![
        (
            "a.txt",
            seed(
                "First",
                "https://x.example/world/a",
                1_600_000_000_000,
                "<p>A body that is long enough to be worth compressing. </p>",
            ),
        ),
        (
            "b.txt",
            seed(
                "Second",
                "https://x.example/world/b",
                1_700_000_000_000,
                "<p>B</p>",
            ),
        ),
    ]
}

fn get_with(server: &Server, path: &str, headers: &[(&str, &str)]) -> Response {
    server.request("GET", path, headers)
}

/// `/status`'s count of entries.
fn entries(server: &Server) -> u64 {
    let status: serde_json::Value = serde_json::from_slice(&server.get("/status").body).unwrap();
    status["entries"].as_u64().expect("entries is a number")
}

/// Polls until `path` is served with an ETag other than `old`.
fn wait_for_new_etag(server: &Server, path: &str, old: &str) -> Response {
    let started = Instant::now();
    loop {
        let response = server.get(path);
        if response.header("etag") != Some(old) {
            return response;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{path} never changed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn if_none_match_gets_304_for_the_current_etag_in_every_form() {
    let server = Server::with_files(&two(), 50);
    for path in DOCUMENTS {
        let first = server.get(path);
        assert_eq!(first.status, 200, "{path}");
        assert!(first.etag_matches_body(), "{path}: etag is not of the body");
        let etag = first.header("etag").unwrap().to_string();
        assert!(first.header("last-modified").is_some(), "{path}");
        let weak = format!("W/{etag}");
        let list = format!("\"nope\", {etag}");
        for (form, value) in [
            ("single", etag.as_str()),
            ("weak", weak.as_str()),
            ("list", list.as_str()),
            ("star", "*"),
        ] {
            let response = get_with(&server, path, &[("if-none-match", value)]);
            assert_eq!(response.status, 304, "{path} {form}");
            // No body bytes after a 304: checked on the wire in wire.rs (a client library
            // never reads them, so it cannot tell).
            assert_eq!(
                response.header("etag"),
                Some(etag.as_str()),
                "{path} {form}"
            );
            assert_eq!(
                response.header("last-modified"),
                first.header("last-modified"),
                "{path} {form}"
            );
            assert_eq!(response.header("vary"), Some("Accept-Encoding"));
        }
        let other = get_with(&server, path, &[("if-none-match", "\"nope\"")]);
        assert_eq!(other.status, 200, "{path}");
        assert_eq!(other.body, first.body, "{path}");
    }
}

#[test]
fn a_changed_seed_gives_new_bytes_a_new_etag_and_a_later_last_modified() {
    let server = Server::with_files(&two(), 50);
    let before = server.get("/rss.xml");
    let old_etag = before.header("etag").unwrap().to_string();
    let old_modified = before.header("last-modified").unwrap().to_string();

    // Deleting the newest entry moves the feed's content time back, yet Last-Modified must
    // move forward, or If-Modified-Since would hide the change.
    std::fs::remove_file(server.path("b.txt")).unwrap();
    let after = wait_for_new_etag(&server, "/rss.xml", &old_etag);
    assert!(after.etag_matches_body());
    assert_ne!(after.body, before.body);
    let parse = |text: &str| chrono::DateTime::parse_from_rfc2822(text).unwrap();
    let new_modified = after.header("last-modified").unwrap();
    assert!(
        parse(new_modified) > parse(&old_modified),
        "{new_modified} vs {old_modified}"
    );

    // A reader holding the old validators gets the new bytes, not a 304.
    let stale = get_with(&server, "/rss.xml", &[("if-none-match", &old_etag)]);
    assert_eq!(stale.status, 200);
    assert_eq!(stale.body, after.body);
    let stale = get_with(&server, "/rss.xml", &[("if-modified-since", &old_modified)]);
    assert_eq!(stale.status, 200);
    let fresh = get_with(&server, "/rss.xml", &[("if-modified-since", new_modified)]);
    assert_eq!(fresh.status, 304);
}

#[test]
fn if_modified_since_answers_304_only_for_a_date_not_before_last_modified() {
    let server = Server::with_files(&two(), 50);
    let first = server.get("/atom.xml");
    let modified = first.header("last-modified").unwrap().to_string();
    let instant = chrono::DateTime::parse_from_rfc2822(&modified).unwrap();
    let http = |t: chrono::DateTime<chrono::FixedOffset>| {
        t.to_utc().format("%a, %d %b %Y %H:%M:%S GMT").to_string()
    };
    let cases = [
        (modified.clone(), 304),
        (http(instant + chrono::Duration::days(1)), 304),
        (http(instant - chrono::Duration::seconds(1)), 200),
        ("not a date".to_string(), 200),
    ];
    for (since, status) in cases {
        let response = get_with(&server, "/atom.xml", &[("if-modified-since", &since)]);
        assert_eq!(response.status, status, "{since}");
    }
    // If-None-Match takes precedence over If-Modified-Since.
    let response = get_with(
        &server,
        "/atom.xml",
        &[
            ("if-none-match", "\"nope\""),
            ("if-modified-since", &modified),
        ],
    );
    assert_eq!(response.status, 200);
}

#[test]
fn every_coding_decodes_to_the_identity_bytes_with_its_own_etag() {
    let server = Server::with_files(&two(), 50);
    for path in DOCUMENTS {
        let identity = server.get(path);
        assert_eq!(identity.header("content-encoding"), None, "{path}");
        let mut etags = vec![identity.header("etag").unwrap().to_string()];
        for coding in ["gzip", "br"] {
            let response = server.wait_for_coding(path, coding);
            assert_eq!(response.decoded(), identity.body, "{path} {coding}");
            assert!(response.etag_matches_body(), "{path} {coding}");
            assert_eq!(response.header("vary"), Some("Accept-Encoding"));
            assert_eq!(
                response.header("content-length"),
                Some(response.body.len().to_string().as_str())
            );
            let etag = response.header("etag").unwrap().to_string();
            // The coding's ETag validates that coding only.
            let same = get_with(
                &server,
                path,
                &[("accept-encoding", coding), ("if-none-match", &etag)],
            );
            assert_eq!(same.status, 304, "{path} {coding}");
            let other = get_with(&server, path, &[("if-none-match", &etag)]);
            assert_eq!(
                other.status, 200,
                "{path}: {coding} etag must not validate identity"
            );
            etags.push(etag);
        }
        etags.sort();
        etags.dedup();
        assert_eq!(etags.len(), 3, "{path}: one ETag per coding");
    }
}

#[test]
fn accept_encoding_weights_pick_the_coding() {
    let server = Server::with_files(&two(), 50);
    server.wait_for_coding("/rss.xml", "br");
    let cases = [
        ("gzip, deflate, br", Some("br")),
        ("br;q=0.5, gzip", Some("gzip")),
        ("gzip;q=0", None),
        ("br;q=0, *", Some("gzip")),
        ("identity", None),
        ("*;q=0, identity", None),
    ];
    for (header, coding) in cases {
        let response = get_with(&server, "/rss.xml", &[("accept-encoding", header)]);
        assert_eq!(response.status, 200, "{header}");
        assert_eq!(response.header("content-encoding"), coding, "{header}");
    }
    for header in ["identity;q=0", "*;q=0", "gzip;q=0, br;q=0, identity;q=0"] {
        let response = get_with(&server, "/rss.xml", &[("accept-encoding", header)]);
        assert_eq!(response.status, 406, "{header}");
    }
}

#[test]
fn head_answers_with_the_get_headers_everywhere() {
    let server = Server::with_files(&two(), 50);
    server.wait_for_coding("/rss.xml", "gzip");
    for path in DOCUMENTS {
        for coding in ["identity", "gzip"] {
            let headers = [("accept-encoding", coding)];
            let get = get_with(&server, path, &headers);
            let head = server.request("HEAD", path, &headers);
            assert_eq!(head.status, 200, "{path}");
            // No body bytes after HEAD: checked on the wire in wire.rs.
            for name in [
                "content-length",
                "content-type",
                "content-encoding",
                "etag",
                "last-modified",
                "cache-control",
                "vary",
            ] {
                assert_eq!(
                    head.header(name),
                    get.header(name),
                    "{path} {coding} {name}"
                );
            }
        }
    }
}

#[test]
fn cache_control_has_the_configured_max_age() {
    let default = Server::with_files(&two(), 50);
    for path in DOCUMENTS {
        let response = default.get(path);
        assert_eq!(
            response.header("cache-control"),
            Some("public, max-age=300")
        );
    }
    let configured = Server::with_files_and_config(&two(), |seeds| {
        config_text(seeds, 50).replace("workers = 1", "workers = 1\ncache_max_age = 60")
    });
    let response = configured.get("/rss.xml");
    assert_eq!(response.header("cache-control"), Some("public, max-age=60"));
}

#[test]
fn other_methods_get_405_with_allow_and_unknown_paths_404() {
    let server = Server::with_files(&two(), 50);
    for path in DOCUMENTS {
        for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
            let response = server.request(method, path, &[]);
            assert_eq!(response.status, 405, "{method} {path}");
            assert_eq!(
                response.header("allow"),
                Some("GET, HEAD"),
                "{method} {path}"
            );
        }
    }
    for path in [
        "/nope",
        "/rss.xml/x",
        "/index.html",
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/feed.json.gz",
    ] {
        let response = server.get(path);
        assert_eq!(response.status, 404, "{path}");
        assert!(
            !response.body.is_empty() && response.body.len() < 200,
            "{path}"
        );
    }
}

#[test]
fn an_unchanged_document_keeps_its_etag_when_another_changes_nothing_it_shows() {
    // limit 1: only the newest entry is shown; changing the older one changes no document.
    let server = Server::with_files(&two(), 1);
    let before: Vec<Response> = DOCUMENTS.iter().map(|p| server.get(p)).collect();
    let older = seed(
        "First, edited",
        "https://x.example/world/a",
        1_600_000_000_000,
        "<p>Edited</p>",
    );
    write(&server.path("a.txt"), older.as_bytes());
    // Then an even older seed, not shown either: once /status counts it, the edit before it
    // was applied too (events are applied in order), so any bump would show by now.
    write(
        &server.path("sentinel.txt"),
        seed(
            "Sentinel",
            "https://x.example/world/sentinel",
            1,
            "<p>s</p>",
        )
        .as_bytes(),
    );
    let started = Instant::now();
    while entries(&server) != 3 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "sentinel never counted"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    for (path, old) in DOCUMENTS.iter().zip(&before) {
        let now = server.get(path);
        assert_eq!(now.header("etag"), old.header("etag"), "{path}");
        assert_eq!(
            now.header("last-modified"),
            old.header("last-modified"),
            "{path}"
        );
    }
}

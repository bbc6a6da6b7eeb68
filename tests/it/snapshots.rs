//! The served bytes of every document for a small fixture folder, reviewed and pinned with insta.
//!
//! The snapshot is the body exactly as served, not re-formatted: a re-formatting step (line
//! breaks inserted between elements, JSON keys re-sorted) would accept wrong bytes, such as a
//! break inside CDATA or keys out of order. insta ignores trailing white space and CR/LF
//! differences when it compares, so the first line pins the length and SHA-256 of the exact
//! bytes, and `⟨end⟩` marks where the body stops.

use std::path::Path;

use sha2::Digest;

use crate::support::Server;

fn exact(server: &Server, path: &str) -> String {
    let response = server.get(path);
    assert_eq!(response.status, 200, "{path}");
    let hex: String = sha2::Sha256::digest(&response.body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "{} bytes, SHA-256 {hex}, {}\n{}⟨end⟩",
        response.body.len(),
        response.header("content-type").expect("a content type"),
        response.text()
    )
}

#[test]
fn fixture_feeds_are_pinned() {
    let server = Server::serving(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/small"),
        50,
    );
    // The root's page lists the busiest authors once every byline is read.
    let started = std::time::Instant::now();
    while !server
        .get("/status")
        .text()
        .contains("\"authors_unread\": 0")
    {
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    insta::assert_snapshot!("rss_bytes", exact(&server, "/rss.xml"));
    insta::assert_snapshot!("atom_bytes", exact(&server, "/atom.xml"));
    insta::assert_snapshot!("json_bytes", exact(&server, "/feed.json"));
    insta::assert_snapshot!("home_bytes", exact(&server, "/"));
}

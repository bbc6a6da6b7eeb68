//! The served bytes of every document for a small fixture folder, reviewed and pinned with insta.

use std::path::Path;

use crate::support::Server;

#[test]
fn fixture_feeds_are_pinned() {
    let server = Server::serving(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/small"),
        50,
    );
    // One element per line so a change shows as a readable diff.
    let split = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap().replace("><", ">\n<");
    insta::assert_snapshot!("rss", split(server.get("/rss.xml").body));
    insta::assert_snapshot!("atom", split(server.get("/atom.xml").body));
    let json: serde_json::Value = serde_json::from_slice(&server.get("/feed.json").body).unwrap();
    insta::assert_snapshot!("json", serde_json::to_string_pretty(&json).unwrap());
    insta::assert_snapshot!("home", server.get("/").text());
}

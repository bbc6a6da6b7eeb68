//! Seeds damaged in small ways are served, cleaned, not lost: a stray NUL or control byte in
//! otherwise good text costs that byte, never the article.

use crate::support::{Server, seed};

#[test]
fn a_seed_with_a_stray_nul_and_control_bytes_is_served_without_them() {
    let mut bytes = seed(
        "Torn\u{1} write",
        "https://x.example/world/torn",
        1_700_000_000_000,
        "<p>First paragraph\u{7} of a torn write.</p>",
    )
    .into_bytes();
    let at = bytes.windows(5).position(|w| w == b"First").unwrap();
    bytes.insert(at + 2, 0);
    let server = Server::with_files(&[], 10);
    crate::support::write(&server.path("torn.txt"), &bytes);
    server.wait_until("the torn seed", |titles| titles == ["Torn write"]);
    let feed = server.feed("/atom.xml");
    let entry = &feed.entries[0];
    let content = entry.content.as_ref().and_then(|c| c.body.clone()).unwrap();
    assert!(
        content.contains("First paragraph of a torn write."),
        "{content}"
    );
}

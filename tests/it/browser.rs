//! The HTML pages in a real browser (issue #12): headless Chromium (Debian's `chromium`, with
//! `fonts-noto-cjk` so that Chinese renders; `.ci/run` installs both) loads `/` and an outlet's
//! page at 1280 and 390 px wide and saves screenshots in `target/screenshots/` for people to look
//! at. The test checks what it can without eyes: every page loads, the screenshot is a PNG of
//! the asked width, and a CJK font is there to draw the titles.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::Server;

const ARCHIVE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/archive-sample/articles");
const INSTALL: &str = "apt-get install chromium fonts-noto-cjk (.ci/run does)";

/// The width and height of a PNG, from its IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let number = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (number(16), number(20))
}

#[test]
fn the_pages_render_in_headless_chromium_on_a_desktop_and_a_phone() {
    let fonts = Command::new("fc-list")
        .arg(":lang=zh")
        .output()
        .unwrap_or_else(|e| panic!("fc-list: {e}; {INSTALL}"));
    assert!(
        !fonts.stdout.is_empty(),
        "no font for Chinese: the screenshots would show boxes; {INSTALL}"
    );
    let server = Server::serving(Path::new(ARCHIVE), 50);
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&out).unwrap();
    // An entry with a picture, and the author page of its byline.
    let feed = server.feed("/nyt/atom.xml");
    let entry = feed
        .entries
        .iter()
        .find(|e| !e.media.is_empty() && !e.authors.is_empty())
        .expect("a NYT entry with a picture and a byline");
    let entry_page = format!("/{}", seedfeed::urls::entry_path(&entry.links[0].href));
    let author = seedfeed::scope::slug(entry.authors[0].name.as_deref().unwrap_or_default());
    let author_page = format!("/authors/{}/", seedfeed::urls::encode_segment(&author));
    let started = std::time::Instant::now();
    while server.get(&author_page).status == 503 {
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    for (name, path) in [
        ("home", "/"),
        ("outlet-nyt", "/nyt/"),
        ("entry", entry_page.as_str()),
        ("author", author_page.as_str()),
    ] {
        assert_eq!(server.get(path).status, 200, "{path}");
        for width in [1280, 390] {
            let file = out.join(format!("{name}-{width}.png"));
            let _ = std::fs::remove_file(&file);
            let profile = tempfile::tempdir().unwrap();
            let status = Command::new("chromium")
                .args([
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--hide-scrollbars",
                    "--force-device-scale-factor=1",
                    "--no-first-run",
                ])
                .arg(format!("--user-data-dir={}", profile.path().display()))
                .arg(format!("--window-size={width},2400"))
                .arg(format!("--screenshot={}", file.display()))
                .arg(format!("{}{path}", server.base))
                .output()
                .unwrap_or_else(|e| panic!("chromium: {e}; {INSTALL}"));
            assert!(
                status.status.success(),
                "chromium failed on {path}: {}",
                String::from_utf8_lossy(&status.stderr)
            );
            let png = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            assert_eq!(png_size(&png), (width, 2400), "{}", file.display());
            // A blank page compresses to almost nothing; a page of text does not.
            assert!(
                png.len() > 20_000,
                "{}: {} bytes",
                file.display(),
                png.len()
            );
            eprintln!("screenshot: {}", file.display());
        }
    }
}

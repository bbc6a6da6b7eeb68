//! A restart from the index cache picks the shown window from cached keys alone: with more
//! seeds than `limit`, a seed the documents do not show is never parsed, so a wrong cached key
//! would silently change which seeds are shown. (With `limit` above the seed count every seed
//! is shown, parsed, and checked against its key, which hides such a bug.)

use std::fs;
use std::path::Path;

use crate::support::{Response, Server, config_with_cache, seed, write};

const SEEDS: usize = 30;
const LIMIT: usize = 10;

/// Seed `i` is published `i` days after a start (`<time pudate>`), and its epoch — its
/// `updated` — counts the other way, so ordering by the wrong date picks another window. File
/// names are shuffled against both.
fn write_seeds(folder: &Path) {
    for i in 0..SEEDS {
        let published =
            chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Duration::days(i as i64);
        let updated_ms = 1_735_689_600_000 - i as i64 * 86_400_000; // 2025-01-01 minus i days
        let body = format!(
            "<address>Writer {i}</address><time pudate=\"{} 08:00:00\"></time>\
             <section><p>Article {i}.</p></section>",
            published.format("%Y-%m-%d")
        );
        let name = format!("f{:02}.txt", (i * 7) % SEEDS);
        write(
            &folder.join(name),
            seed(
                &format!("Article {i}"),
                &format!("https://x.example/world/{i}"),
                updated_ms,
                &body,
            )
            .as_bytes(),
        );
    }
}

fn status(server: &Server) -> serde_json::Value {
    serde_json::from_slice(&server.get("/status").body).expect("/status is JSON")
}

/// Every document with its validators, as served once the server knows every byline (a cold
/// start reads most of them after it starts serving; the root's page lists the busiest
/// authors then).
fn documents(server: &Server) -> Vec<(String, Response)> {
    let started = std::time::Instant::now();
    while status(server)["authors_unread"] != 0 {
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    ["/rss.xml", "/atom.xml", "/feed.json", "/"]
        .iter()
        .map(|path| (path.to_string(), server.get(path)))
        .collect()
}

fn assert_same_documents(got: &[(String, Response)], want: &[(String, Response)], what: &str) {
    for ((path, got), (_, want)) in got.iter().zip(want) {
        assert_eq!(got.status, 200, "{what} {path}");
        assert!(
            got.body == want.body,
            "{what}: {path} differs from a cold start:\n{}\n---\n{}",
            String::from_utf8_lossy(&got.body),
            String::from_utf8_lossy(&want.body)
        );
        assert_eq!(got.header("etag"), want.header("etag"), "{what} {path}");
        // The root's page of a cold start was rendered again when the bylines were all read:
        // same bytes as before the restart, but dated a second after its content.
        if path != "/" {
            let name = "last-modified";
            assert_eq!(got.header(name), want.header(name), "{what} {path} {name}");
        }
    }
}

#[test]
fn a_warm_restart_shows_the_same_window_as_a_cold_start() {
    let dir = tempfile::tempdir().unwrap();
    let seeds = dir.path().join("seeds");
    write_seeds(&seeds);
    let seeds = fs::canonicalize(&seeds).unwrap();
    let cache = dir.path().join("state/index");
    let config = config_with_cache(&seeds, LIMIT, &cache);

    let cold = Server::start(&seeds, &config);
    assert_eq!(status(&cold)["started_from_cache"], 0);
    let truth = documents(&cold);
    // The window is the ten newest by `published`, newest first.
    let expected: Vec<String> = (SEEDS - LIMIT..SEEDS)
        .rev()
        .map(|i| format!("Article {i}"))
        .collect();
    assert_eq!(cold.titles("/rss.xml"), expected);
    drop(cold);
    assert!(cache.exists(), "the cache is written at stop");

    let warm = Server::start(&seeds, &config);
    assert_eq!(
        status(&warm)["started_from_cache"],
        SEEDS,
        "every key came from the cache"
    );
    assert_same_documents(&documents(&warm), &truth, "warm restart");
    drop(warm);

    // And a cold start again, the cache deleted: the same bytes.
    fs::remove_file(&cache).unwrap();
    let again = Server::start(&seeds, &config);
    assert_eq!(status(&again)["started_from_cache"], 0);
    assert_same_documents(&documents(&again), &truth, "cold restart");
}

//! What one change costs: the changed seed's own read, and a render only when the shown entries
//! changed — never a rescan, and never a read of a seed the documents do not show.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use seedfeed::config::Config;
use seedfeed::index::Indexer;
use seedfeed::watch::Batch;

use crate::support::{Server, config_text, numbered_seed, write};

const LIMIT: usize = 5;

fn seed_path(seeds: &Path, i: usize) -> PathBuf {
    seeds.join(format!("s{i:03}.txt"))
}

fn folder(count: usize) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let seeds = dir.path().join("seeds");
    for i in 0..count {
        write(
            &seed_path(&seeds, i),
            numbered_seed(i, &format!("Seed {i}")).as_bytes(),
        );
    }
    let seeds = fs::canonicalize(seeds).unwrap();
    (dir, seeds)
}

/// `folder(count)` with an indexer (`LIMIT` entries per feed) that has scanned it.
fn scanned(count: usize) -> (tempfile::TempDir, PathBuf, Indexer) {
    let (dir, seeds) = folder(count);
    let config = Config::parse(&config_text(&seeds, LIMIT), Path::new("/")).unwrap();
    let mut indexer = Indexer::open(&config).unwrap();
    indexer.scan();
    (dir, seeds, indexer)
}

fn titles(rss: &[u8]) -> Vec<String> {
    feed_rs::parser::parse(rss)
        .unwrap()
        .entries
        .into_iter()
        .filter_map(|e| e.title.map(|t| t.content))
        .collect()
}

#[test]
fn a_change_reads_one_file_and_renders_only_the_shown_seeds() {
    let (_dir, seeds, mut indexer) = scanned(40);
    let first = indexer.render_now();
    assert_eq!(
        titles(first.body("/rss.xml").unwrap()),
        ["Seed 39", "Seed 38", "Seed 37", "Seed 36", "Seed 35"]
    );

    // Seeds the documents do not show are broken on disk behind the index's back: if a
    // change read or rendered any of them, it would be rejected or show.
    for i in (0..34).filter(|i| i % 2 == 0) {
        fs::write(seed_path(&seeds, i), "garbage").unwrap();
    }
    let path = |i: usize| seed_path(&seeds, i);

    // A seed outside the window changes: one read, nothing rendered.
    write(&path(1), numbered_seed(1, "Seed 1, edited").as_bytes());
    assert_eq!(indexer.apply(&Batch::Paths(vec![path(1)])), 1);
    assert!(
        indexer.render().is_none(),
        "nothing shown changed: no render"
    );

    // A shown seed changes: one read, one render, of the shown seeds only.
    write(&path(37), numbered_seed(37, "Seed 37, edited").as_bytes());
    assert_eq!(indexer.apply(&Batch::Paths(vec![path(37)])), 1);
    let rendered = indexer.render().expect("a shown seed changed");
    assert_eq!(
        titles(rendered.body("/rss.xml").unwrap()),
        [
            "Seed 39",
            "Seed 38",
            "Seed 37, edited",
            "Seed 36",
            "Seed 35"
        ]
    );

    // A shown seed goes: the next one in order (34, intact) is read to fill the window.
    fs::remove_file(path(39)).unwrap();
    assert_eq!(indexer.apply(&Batch::Paths(vec![path(39)])), 0);
    let rendered = indexer.render().expect("the window moved");
    assert_eq!(
        titles(rendered.body("/rss.xml").unwrap()),
        [
            "Seed 38",
            "Seed 37, edited",
            "Seed 36",
            "Seed 35",
            "Seed 34"
        ]
    );
    assert_eq!(
        indexer.store().rejected().len(),
        0,
        "no unshown seed was read"
    );
    assert_eq!(indexer.store().len(), 39);
}

#[test]
fn a_change_outside_the_shown_entries_leaves_the_documents_as_they_were() {
    let (_dir, seeds) = folder(30);
    let server = Server::start(&seeds, &config_text(&seeds, LIMIT));
    let documents = ["/rss.xml", "/atom.xml", "/feed.json", "/"];
    let validators = || -> Vec<(String, String)> {
        documents
            .iter()
            .map(|path| {
                let response = server.get(path);
                (
                    response.header("etag").unwrap().to_string(),
                    response.header("last-modified").unwrap().to_string(),
                )
            })
            .collect()
    };
    let last_change = || -> serde_json::Value {
        serde_json::from_slice::<serde_json::Value>(&server.get("/status").body).unwrap()
            ["last_change"]
            .clone()
    };
    let before = validators();
    let changed_before = last_change();

    write(
        &seed_path(&seeds, 3),
        numbered_seed(3, "Seed 3, edited").as_bytes(),
    );
    let started = Instant::now();
    while last_change() == changed_before {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "change never applied"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        validators(),
        before,
        "same bytes, same ETags, same Last-Modified"
    );

    // …while a change to a shown seed does change them.
    write(
        &seed_path(&seeds, 28),
        numbered_seed(28, "Seed 28, edited").as_bytes(),
    );
    server.wait_until("the shown seed's change", |t| t[1] == "Seed 28, edited");
    let after = validators();
    for (path, (old, new)) in documents.iter().zip(before.iter().zip(&after)) {
        assert_ne!(old.0, new.0, "{path}: a new ETag");
    }
}

#[test]
fn a_deletion_shows_the_next_seed_from_the_spares_prepared_after_the_last_change() {
    let (_dir, seeds, mut indexer) = scanned(20);
    indexer.render_now();
    assert!(indexer.prepare_spares(), "the two seeds after the window");
    assert!(!indexer.prepare_spares(), "already at hand");
    // The first spare is spoiled on disk with its size, inode and mtime kept: the index
    // cannot tell, so only a read would see it.
    let spare = seed_path(&seeds, 14);
    let modified = fs::metadata(&spare).unwrap().modified().unwrap();
    let size = fs::metadata(&spare).unwrap().len() as usize;
    fs::write(&spare, vec![b'x'; size]).unwrap();
    fs::File::options()
        .write(true)
        .open(&spare)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    fs::remove_file(seed_path(&seeds, 19)).unwrap();
    indexer.apply(&Batch::Paths(vec![seed_path(&seeds, 19)]));
    let rendered = indexer.render().expect("the window moved");
    assert_eq!(
        titles(rendered.body("/rss.xml").unwrap()),
        ["Seed 18", "Seed 17", "Seed 16", "Seed 15", "Seed 14"],
        "the spare was shown as prepared, not read again"
    );
}

//! Hot reload (issue #22): an edit to `config.toml`, or SIGHUP, applies the feed's metadata,
//! limits and cache settings without a restart — documents rendered again, served with new
//! validators — and an invalid edit is refused with the start's own message while the old
//! config keeps serving.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::{Process, config_text, numbered_seed, request, write};

fn get(process: &Process, path: &str) -> crate::support::Response {
    request("GET", &format!("http://{}{path}", process.address), &[])
}

fn feed_of(process: &Process) -> feed_rs::model::Feed {
    let response = get(process, "/atom.xml");
    assert_eq!(response.status, 200);
    feed_rs::parser::parse(response.body.as_slice()).expect("the feed parses")
}

/// Polls until `done` holds, for up to 10 s; the process's log in the failure.
fn wait_for(process: &Process, what: &str, done: impl Fn() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}; log:\n{}",
            process.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A temp folder with three seeds and `config.toml` (limit 10).
fn folder() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let seeds = dir.path().join("seeds");
    for i in 0..3 {
        write(
            &seeds.join(format!("{i}.txt")),
            numbered_seed(i, &format!("Story {i}")).as_bytes(),
        );
    }
    let config = dir.path().join("config.toml");
    std::fs::write(&config, config_text(&seeds, 10)).unwrap();
    (dir, config)
}

/// Saves `text` the way editors do: a temp file renamed over the config.
fn save(config: &Path, text: &str) {
    let temp = config.with_extension("toml.swp-new");
    std::fs::write(&temp, text).unwrap();
    std::fs::rename(&temp, config).unwrap();
}

#[test]
fn an_edit_applies_at_once_and_a_bad_one_is_refused_while_the_old_config_serves() {
    let (_dir, config) = folder();
    let process = Process::start(&config);
    let before = get(&process, "/atom.xml");
    assert_eq!(feed_of(&process).entries.len(), 3);
    assert_eq!(before.header("cache-control"), Some("public, max-age=300"));

    // Title, limit and cache lifetime changed in one save.
    let text = std::fs::read_to_string(&config).unwrap();
    let edited = text
        .replace("title = \"Test feed\"", "title = \"Renamed feed\"")
        .replace("limit = 10", "limit = 2")
        .replace("workers = 1", "workers = 1\ncache_max_age = 60");
    save(&config, &edited);
    wait_for(&process, "the new title", || {
        feed_of(&process)
            .title
            .is_some_and(|t| t.content == "Renamed feed")
    });
    let after = get(&process, "/atom.xml");
    assert_eq!(feed_of(&process).entries.len(), 2, "the new limit");
    assert_ne!(
        after.header("etag"),
        before.header("etag"),
        "new bytes, new validator"
    );
    assert_eq!(after.header("cache-control"), Some("public, max-age=60"));
    assert!(
        process.log().contains("config reloaded"),
        "{}",
        process.log()
    );

    // An invalid edit: refused with the start's message, the running config stays.
    save(&config, &edited.replace("limit = 2", "limit = 0"));
    wait_for(&process, "the refusal", || {
        process.log().contains("config not reloaded")
    });
    let log = process.log();
    assert!(
        log.contains("[feed] limit: must be 1 to 100000, got 0"),
        "{log}"
    );
    assert!(log.contains("line 16"), "the line of the bad value: {log}");
    assert_eq!(feed_of(&process).title.unwrap().content, "Renamed feed");
    assert_eq!(feed_of(&process).entries.len(), 2);

    // A setting that needs a restart is named, the rest applied.
    save(
        &config,
        &edited
            .replace("workers = 1", "workers = 2")
            .replace("Renamed feed", "Third title"),
    );
    wait_for(&process, "the third title", || {
        feed_of(&process)
            .title
            .is_some_and(|t| t.content == "Third title")
    });
    wait_for(&process, "the restart notice", || {
        process.log().contains("takes effect at the next start")
    });
    assert!(
        process.log().contains("[server] workers"),
        "{}",
        process.log()
    );
}

#[test]
fn sighup_reloads_a_config_the_watcher_cannot_see() {
    // config.toml is a symlink to a file in another folder (a mounted config): an edit there
    // is not in the watched folder; SIGHUP reads it.
    let (dir, real) = folder();
    let elsewhere = dir.path().join("etc");
    std::fs::create_dir(&elsewhere).unwrap();
    let target = elsewhere.join("seedfeed.toml");
    std::fs::rename(&real, &target).unwrap();
    std::os::unix::fs::symlink(&target, &real).unwrap();
    let process = Process::start(&real);
    let text = std::fs::read_to_string(&target).unwrap();
    std::fs::write(&target, text.replace("Test feed", "Reloaded by SIGHUP")).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        feed_of(&process).title.unwrap().content,
        "Test feed",
        "not seen without SIGHUP"
    );
    process.signal(libc::SIGHUP);
    wait_for(&process, "the reload", || {
        feed_of(&process)
            .title
            .is_some_and(|t| t.content == "Reloaded by SIGHUP")
    });
    assert!(
        process.log().contains("trigger=\"SIGHUP\""),
        "{}",
        process.log()
    );
    // Still serving after the signal.
    assert_eq!(get(&process, "/rss.xml").status, 200);
}

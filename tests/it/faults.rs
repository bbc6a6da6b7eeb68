//! File-system faults: the folder deleted, moved away and re-created; FIFOs and sockets;
//! unreadable files; rename storms; the polling watcher; and `/status` telling the operator.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::folders::files_below;
use crate::support::{
    Process, Server, config_text, config_with_cache, numbered_seed, request, seed, write,
};
use crate::validity::rss_problems;

fn numbered(count: usize) -> Vec<(String, String)> {
    (0..count)
        .map(|i| {
            (
                format!("sub/s{i:03}.txt"),
                numbered_seed(i, &format!("Seed {i}")),
            )
        })
        .collect()
}

fn as_files(files: &[(String, String)]) -> Vec<(&str, String)> {
    files.iter().map(|(n, t)| (n.as_str(), t.clone())).collect()
}

fn status(server: &Server) -> serde_json::Value {
    let response = server.get("/status");
    assert_eq!(response.status, 200);
    assert_eq!(response.header("cache-control"), Some("no-cache"));
    serde_json::from_slice(&response.body).expect("/status is JSON")
}

fn wait_for_status(server: &Server, what: &str, check: impl Fn(&serde_json::Value) -> bool) {
    let started = Instant::now();
    loop {
        let now = status(server);
        if check(&now) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}; /status is {now:#}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn status_lists_entries_rejections_and_the_watcher() {
    let files = vec![
        (
            "good.txt",
            seed("Good", "https://x.example/a", 1, "<p>x</p>"),
        ),
        ("bad.txt", "no header at all".to_string()),
    ];
    let server = Server::with_files(&files, 50);
    let now = status(&server);
    assert_eq!(now["entries"], 1);
    assert_eq!(now["rejected_count"], 1);
    assert_eq!(now["watcher"], "native");
    assert_eq!(now["folder_present"], true);
    assert!(now["last_rescan"].is_string());
    let rejected = &now["rejected"][0];
    assert!(rejected["path"].as_str().unwrap().ends_with("bad.txt"));
    assert!(rejected["reason"].as_str().unwrap().contains("------"));

    fs::remove_file(server.path("bad.txt")).unwrap();
    wait_for_status(&server, "the rejection to go", |s| s["rejected_count"] == 0);
    assert!(status(&server)["last_change"].is_string());
}

#[test]
fn a_deleted_folder_keeps_the_last_good_state_until_it_is_back() {
    let files = numbered(30);
    let server = Server::with_files(&as_files(&files), 100);
    let before = server.titles("/rss.xml");
    assert_eq!(before.len(), 30);

    // rm -rf: the files go first, then the folder.
    fs::remove_dir_all(&server.seeds).unwrap();
    wait_for_status(&server, "the folder to be missing", |s| {
        s["folder_present"] == false
    });
    assert_eq!(
        server.titles("/rss.xml"),
        before,
        "last good state while missing"
    );
    assert_eq!(status(&server)["watcher"], "none");

    // Re-created with different content, as git checkout or rsync would.
    fs::create_dir_all(server.seeds.join("new")).unwrap();
    write(
        &server.seeds.join("new/back.txt"),
        seed("Back again", "https://x.example/back", 1, "<p>b</p>").as_bytes(),
    );
    server.wait_until("the new folder", |t| t == ["Back again"]);
    wait_for_status(&server, "the folder to be back", |s| {
        s["folder_present"] == true && s["watcher"] == "native"
    });

    // And it is watched again.
    write(
        &server.seeds.join("later.txt"),
        seed("Later", "https://x.example/later", 2, "<p>l</p>").as_bytes(),
    );
    server.wait_until("a file in the re-created folder", |t| t.len() == 2);
}

#[test]
fn a_folder_moved_away_and_back_keeps_serving() {
    let files = numbered(10);
    let server = Server::with_files(&as_files(&files), 100);
    let before = server.titles("/atom.xml");
    let aside = server.seeds.with_file_name("aside");
    fs::rename(&server.seeds, &aside).unwrap();
    // Changes in the moved-away folder are not the feed's business. This one comes before the
    // server notices the move, so the watcher still reports it, mostly with the move itself.
    fs::remove_file(aside.join("sub/s000.txt")).unwrap();
    // The state that says "missing" is published with whatever the server did with those
    // events; and with the watcher gone ("none"), no later change in `aside` can reach it.
    wait_for_status(&server, "the folder to be missing", |s| {
        s["folder_present"] == false && s["watcher"] == "none"
    });
    assert_eq!(server.titles("/atom.xml"), before);

    fs::rename(&aside, &server.seeds).unwrap();
    server.wait_until("the folder to be back", |t| t.len() == 9);
}

#[test]
fn a_folder_replaced_in_one_step_is_taken_as_it_is() {
    let server = Server::with_files(&as_files(&numbered(5)), 100);
    let staging = server.seeds.with_file_name("staging");
    fs::create_dir(&staging).unwrap();
    write(
        &staging.join("only.txt"),
        seed("Only one", "https://x.example/only", 1, "<p>o</p>").as_bytes(),
    );
    let old = server.seeds.with_file_name("old");
    fs::rename(&server.seeds, &old).unwrap();
    fs::rename(&staging, &server.seeds).unwrap();
    server.wait_until("the replacement folder", |t| t == ["Only one"]);
}

#[test]
fn fifos_sockets_and_unreadable_files_do_not_block_or_break_the_feed() {
    let server = Server::with_files(
        &[("good.txt", seed("Good", "https://x.example/g", 1, ""))],
        50,
    );
    let fifo = server.path("pipe.txt");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let _socket = std::os::unix::net::UnixListener::bind(server.path("socket.txt")).unwrap();
    write(
        &server.path("after.txt"),
        seed("After", "https://x.example/after", 2, "").as_bytes(),
    );
    server.wait_until("the file after the FIFO", |t| t.len() == 2);
    assert_eq!(
        status(&server)["rejected_count"],
        0,
        "FIFOs and sockets are skipped"
    );

    assert_eq!(
        rss_problems(&server.get("/rss.xml").body),
        Vec::<String>::new()
    );
}

#[test]
fn an_unreadable_seed_is_rejected_with_the_reason_until_it_is_fixed() {
    let dir = tempfile::tempdir().unwrap();
    set_mode(dir.path(), 0o755); // the server may run as another user (see start_unprivileged)
    let seeds = dir.path().join("seeds");
    write(
        &seeds.join("good.txt"),
        seed("Good", "https://x.example/g", 1, "").as_bytes(),
    );
    let locked_at_start = seeds.join("locked-at-start.txt");
    write(
        &locked_at_start,
        seed("Locked at start", "https://x.example/s", 2, "").as_bytes(),
    );
    set_mode(&locked_at_start, 0o000);
    let config = dir.path().join("config.toml");
    fs::write(&config, config_text(&seeds, 50)).unwrap();
    let server = Process::start_unprivileged(&config);
    let get = |path: &str| request("GET", &format!("http://{}{path}", server.address), &[]);
    let wait_for = |what: &str, check: &dyn Fn(&serde_json::Value, &[String]) -> bool| {
        let started = Instant::now();
        loop {
            let status: serde_json::Value = serde_json::from_str(&get("/status").text()).unwrap();
            let rss = get("/rss.xml");
            let feed = feed_rs::parser::parse(&rss.body[..]).expect("a valid feed");
            let titles: Vec<String> = feed
                .entries
                .iter()
                .filter_map(|e| e.title.clone())
                .map(|t| t.content)
                .collect();
            if check(&status, &titles) {
                assert_eq!(rss_problems(&rss.body), Vec::<String>::new());
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "waited for {what}: {status} {titles:?}\n{}",
                server.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    let denied = |status: &serde_json::Value, name: &str| {
        status["rejected"].as_array().unwrap().iter().any(|r| {
            r["path"].as_str().is_some_and(|p| p.ends_with(name))
                && r["reason"]
                    .as_str()
                    .is_some_and(|r| r.contains("ermission denied"))
        })
    };
    wait_for("the rejection at start", &|s, t| {
        denied(s, "locked-at-start.txt") && t == ["Good"]
    });
    assert!(
        server.log().contains("locked-at-start.txt"),
        "the log names the file"
    );

    // Fixed: picked up. Locked while served: rejected, the rest stays.
    set_mode(&locked_at_start, 0o644);
    wait_for("the fixed file", &|s, t| {
        s["rejected_count"] == 0 && t.len() == 2
    });
    set_mode(&seeds.join("good.txt"), 0o000);
    wait_for("the rejection while running", &|s, t| {
        denied(s, "good.txt") && t == ["Locked at start"]
    });
    set_mode(&seeds.join("good.txt"), 0o644);
    wait_for("the file unlocked again", &|s, t| {
        s["rejected_count"] == 0 && t.len() == 2
    });
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_rename_storm_ends_in_the_folder_as_it_is() {
    let files = numbered(40);
    let server = Server::with_files(&as_files(&files), 100);
    let outside = server.seeds.with_file_name("outside");
    fs::create_dir(&outside).unwrap();
    for round in 0..5 {
        for i in 0..40 {
            let from = server.path(&format!("sub/s{i:03}.txt"));
            let within = server.path(&format!("sub/r{round}-{i:03}.txt"));
            fs::rename(&from, &within).unwrap();
            fs::rename(&within, &from).unwrap();
        }
        // Out of the folder and back in.
        fs::rename(server.path("sub"), outside.join("sub")).unwrap();
        fs::rename(outside.join("sub"), server.path("sub")).unwrap();
    }
    // Once the storm is applied (a sentinel written after it shows; events are applied in
    // order), the last moves come as plain events, not lost in a rescan the storm may cause.
    write(
        &server.path("sub/sentinel.txt"),
        numbered_seed(100, "Sentinel").as_bytes(),
    );
    server.wait_until("the storm to settle", |t| {
        t.len() == 41 && t[0] == "Sentinel"
    });
    // Finally: ten files leave, five move to a new sub-folder.
    for i in 0..10 {
        fs::rename(
            server.path(&format!("sub/s{i:03}.txt")),
            outside.join(format!("s{i:03}.txt")),
        )
        .unwrap();
    }
    // The moved ones are then rewritten with another link: an old name kept anywhere in the
    // storm would leave its entry beside the new one.
    fs::create_dir(server.path("moved")).unwrap();
    for i in 10..15 {
        let moved = server.path(&format!("moved/s{i:03}.txt"));
        fs::rename(server.path(&format!("sub/s{i:03}.txt")), &moved).unwrap();
        write(
            &moved,
            seed(
                &format!("Moved {i}"),
                &format!("https://x.example/moved/{i}"),
                1_600_000_000_000 + i as i64 * 60_000,
                "<p>moved</p>",
            )
            .as_bytes(),
        );
    }
    let expected: Vec<String> = std::iter::once("Sentinel".to_string())
        .chain((10..40).rev().map(|i| match i {
            10..15 => format!("Moved {i}"),
            _ => format!("Seed {i}"),
        }))
        .collect();
    server.wait_until("the last moves", |t| t == expected);
    assert_eq!(status(&server)["entries"], 31);
    let fresh = Server::serving(&server.seeds, 100);
    assert_eq!(server.get("/rss.xml").body, fresh.get("/rss.xml").body);
}

#[test]
fn the_polling_watcher_follows_changes_too() {
    let server = Server::with_files_and_config(
        &[("a.txt", seed("First", "https://x.example/1", 1, ""))],
        |seeds| {
            config_text(seeds, 50).replace(
                "debounce_ms = 20",
                "debounce_ms = 20\nwatch = \"poll\"\npoll_interval_ms = 100",
            )
        },
    );
    assert_eq!(status(&server)["watcher"], "poll");
    write(
        &server.path("b.txt"),
        seed("Second", "https://x.example/2", 2, "").as_bytes(),
    );
    server.wait_until("a polled addition", |t| t.len() == 2);
    fs::remove_file(server.path("a.txt")).unwrap();
    server.wait_until("a polled deletion", |t| t == ["Second"]);
}

#[test]
fn a_slow_rm_rf_of_the_folder_is_undone_when_the_folder_goes() {
    // The seeds sit in the folder itself: `rm -rf` with a sub-folder is the ignored test below
    // (a bug makes it depend on how the watcher happens to batch the sub-folder's removal).
    let files: Vec<(String, String)> = (0..30)
        .map(|i| {
            (
                format!("s{i:03}.txt"),
                numbered_seed(i, &format!("Seed {i}")),
            )
        })
        .collect();
    let server = Server::with_files(&as_files(&files), 100);
    let before = server.titles("/rss.xml");
    // A big folder takes rm -rf a while: deletions arrive in several batches before the
    // folder itself goes. Each batch is applied...
    for i in 0..15 {
        fs::remove_file(server.path(&format!("s{i:03}.txt"))).unwrap();
    }
    server.wait_until("the first deletions", |t| t.len() == 15);
    for i in 15..30 {
        fs::remove_file(server.path(&format!("s{i:03}.txt"))).unwrap();
    }
    server.wait_until("the last deletions", |t| t.is_empty());
    // ...but once the folder itself is gone, that was its removal: the last good state returns.
    fs::remove_dir(&server.seeds).unwrap();
    server.wait_until("the state before the removal", |t| t == before);
    assert_eq!(status(&server)["folder_present"], false);
}

/// `rm -rf` of a folder with a sub-folder removes the sub-folder (already emptied) on its own
/// before the folder itself. Here that step is applied alone, as it is whenever the watcher
/// flushes it before the folder goes (a busy machine): the undo must still happen.
#[test]
fn an_rm_rf_whose_empty_sub_folder_goes_on_its_own_is_still_undone() {
    let files = numbered(30);
    let server = Server::with_files(&as_files(&files), 100);
    let before = server.titles("/rss.xml");
    for i in 0..30 {
        fs::remove_file(server.path(&format!("sub/s{i:03}.txt"))).unwrap();
    }
    server.wait_until("the deletions", |t| t.is_empty());
    let changed = status(&server)["last_change"].clone();
    fs::remove_dir(server.path("sub")).unwrap();
    wait_for_status(&server, "the sub-folder's removal to be applied", |s| {
        s["last_change"] != changed
    });
    fs::remove_dir(&server.seeds).unwrap();
    wait_for_status(&server, "the folder to be missing", |s| {
        s["folder_present"] == false
    });
    assert_eq!(server.titles("/rss.xml"), before);
}

/// An operator who empties the folder and removes it later is not `rm -rf`: only deletions
/// within 3 s (`SHRINK_WINDOW`) of the folder going are undone.
#[test]
fn a_folder_emptied_well_before_it_goes_stays_empty() {
    let server = five_seeds();
    for i in 0..5 {
        fs::remove_file(server.path(&format!("s{i}.txt"))).unwrap();
    }
    server.wait_until("the deletions", |t| t.is_empty());
    // No batch applied for more than the window: the run of deletions is over.
    let mut changed = status(&server)["last_change"].clone();
    loop {
        std::thread::sleep(Duration::from_millis(3500));
        let now = status(&server)["last_change"].clone();
        if now == changed {
            break;
        }
        changed = now;
    }
    fs::remove_dir(&server.seeds).unwrap();
    wait_for_status(&server, "the folder to be missing", |s| {
        s["folder_present"] == false
    });
    assert_eq!(
        server.titles("/rss.xml"),
        Vec::<String>::new(),
        "the state the folder went in, not the one before the deletions"
    );
}

/// A server of five seeds, `s0.txt`…`s4.txt` titled `Seed 0`…`Seed 4`.
fn five_seeds() -> Server {
    let files: Vec<(String, String)> = (0..5)
        .map(|i| (format!("s{i}.txt"), numbered_seed(i, &format!("Seed {i}"))))
        .collect();
    Server::with_files(&as_files(&files), 100)
}

/// A batch that reads a file ends a run of deletions: when the folder then goes, the state
/// restored is the one with that file's new version, not the one before the deletions.
#[test]
fn a_seed_changed_after_deletions_ends_their_run() {
    let server = five_seeds();
    fs::remove_file(server.path("s0.txt")).unwrap();
    server.wait_until("the deletion", |t| t.len() == 4);
    write(
        &server.path("s1.txt"),
        numbered_seed(1, "Seed 1, edited").as_bytes(),
    );
    server.wait_until("the edit", |t| t.iter().any(|t| t == "Seed 1, edited"));
    the_folder_goes_and_what_is_served_stays(&server);
}

/// A batch that reads a file and shrinks the index (a deletion and an edit landing together)
/// starts no run of deletions: when the folder then goes, the state kept has the edit.
#[test]
fn a_deletion_and_an_edit_in_one_batch_start_no_run_of_deletions() {
    let server = five_seeds();
    // Back to back: one batch, as good as always (if they came apart, the edit would end the
    // deletion's run, and the state kept would be the same).
    fs::remove_file(server.path("s0.txt")).unwrap();
    write(
        &server.path("s1.txt"),
        numbered_seed(1, "Seed 1, edited").as_bytes(),
    );
    server.wait_until("the deletion and the edit", |t| {
        t.len() == 4 && t.iter().any(|t| t == "Seed 1, edited")
    });
    the_folder_goes_and_what_is_served_stays(&server);
}

/// `rm -rf` of the seeds folder: what is served before it goes is served after.
fn the_folder_goes_and_what_is_served_stays(server: &Server) {
    let held = server.titles("/rss.xml");
    fs::remove_dir_all(&server.seeds).unwrap();
    wait_for_status(server, "the folder to be missing", |s| {
        s["folder_present"] == false
    });
    assert_eq!(server.titles("/rss.xml"), held);
}

/// While serving, the index cache takes in a change once the folder is quiet (at most every
/// 30 s, `CACHE_EVERY`), not only at the stop: a crash then costs a restart few parses.
#[test]
fn the_index_cache_follows_a_change_while_serving() {
    let (_dir, seeds, cache, text) = numbered_with_cache(3);
    let server = Server::start(&seeds, &text);
    write(
        &seeds.join("sub/s001.txt"),
        numbered_seed(1, "Changed while serving").as_bytes(),
    );
    server.wait_until("the change", |t| {
        t.iter().any(|t| t == "Changed while serving")
    });
    let started = Instant::now();
    let needle = b"Changed while serving";
    while !fs::read(&cache).is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle)) {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the cache never took the change in"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A temporary folder holding `count` numbered seeds under `seeds/` and the config (limit 100)
/// keeping the index cache at `state/index`: (the folder, the seeds' canonical path, the
/// cache's path, the config text).
fn numbered_with_cache(
    count: usize,
) -> (
    tempfile::TempDir,
    std::path::PathBuf,
    std::path::PathBuf,
    String,
) {
    let dir = tempfile::tempdir().unwrap();
    let seeds = dir.path().join("seeds");
    for (name, text) in numbered(count) {
        write(&seeds.join(name), text.as_bytes());
    }
    let seeds = fs::canonicalize(&seeds).unwrap();
    let cache = dir.path().join("state/index");
    let config = config_with_cache(&seeds, 100, &cache);
    (dir, seeds, cache, config)
}

/// Copies the files of `from` (and its folders) to `to`.
fn copy_tree(from: &Path, to: &Path) {
    for entry in files_below(from) {
        let target = to.join(entry.strip_prefix(from).unwrap());
        fs::create_dir_all(target.parent().unwrap()).unwrap();
        fs::copy(&entry, &target).unwrap();
    }
}

#[test]
fn a_restart_takes_unchanged_seeds_from_the_index_cache() {
    let (dir, seeds, cache, with_cache) = numbered_with_cache(30);

    let first = Server::start(&seeds, &with_cache);
    assert_eq!(status(&first)["started_from_cache"], 0);
    drop(first);
    assert!(cache.exists(), "the cache is written");

    // One seed changes while the server is down.
    write(
        &seeds.join("sub/s007.txt"),
        seed(
            "Changed while down",
            "https://x.example/world/7",
            1_700_000_000_000,
            "",
        )
        .as_bytes(),
    );
    // One goes and one comes.
    fs::remove_file(seeds.join("sub/s003.txt")).unwrap();
    write(
        &seeds.join("new/n1.txt"),
        seed(
            "Added while down",
            "https://x.example/new/1",
            1_600_000_000_000,
            "",
        )
        .as_bytes(),
    );
    let second = Server::start(&seeds, &with_cache);
    assert_eq!(status(&second)["started_from_cache"], 28);
    let truth = Server::serving(&seeds, 100);
    for path in ["/rss.xml", "/atom.xml", "/feed.json"] {
        assert_eq!(second.get(path).body, truth.get(path).body, "{path}");
    }
    assert_eq!(second.titles("/rss.xml")[0], "Changed while down");
    let titles = second.titles("/rss.xml");
    assert!(titles.iter().any(|t| t == "Added while down"), "{titles:?}");
    assert_eq!(titles.len(), 30, "the deleted seed is gone: {titles:?}");
    drop(second);

    // The same cache for a copy of the folder elsewhere: none of its paths are the copy's.
    let copy = dir.path().join("copy");
    copy_tree(&seeds, &copy);
    let copy = fs::canonicalize(&copy).unwrap();
    let copy_config = with_cache.replace(&seeds.display().to_string(), &copy.display().to_string());
    let elsewhere = Server::start(&copy, &copy_config);
    assert_eq!(status(&elsewhere)["started_from_cache"], 0);
    assert_eq!(elsewhere.titles("/rss.xml"), titles);
    drop(elsewhere);

    // A corrupt cache is ignored and rebuilt.
    fs::write(&cache, b"garbage").unwrap();
    let third = Server::start(&seeds, &with_cache);
    assert_eq!(status(&third)["started_from_cache"], 0);
    assert_eq!(third.get("/rss.xml").body, truth.get("/rss.xml").body);
    drop(third);
    let fourth = Server::start(&seeds, &with_cache);
    assert_eq!(status(&fourth)["started_from_cache"], 30);
}

//! The served feeds follow the folder: add, modify, rename, delete, whole sub-folders.

use std::fs;

use crate::support::{Server, seed, write};

fn one(title: &str, slug: &str, epoch: i64) -> String {
    seed(
        title,
        &format!("https://x.example/world/{slug}"),
        epoch,
        &format!("<p>{title} body</p>"),
    )
}

#[test]
fn files_added_modified_renamed_and_deleted_are_followed() {
    let server = Server::with_files(&[("a.txt", one("Alpha", "a", 1_600_000_000_000))], 50);
    assert_eq!(server.titles("/rss.xml"), ["Alpha"]);

    write(
        &server.path("b.txt"),
        one("Beta", "b", 1_700_000_000_000).as_bytes(),
    );
    server.wait_until("add", |t| t == ["Beta", "Alpha"]);

    write(
        &server.path("a.txt"),
        one("Alpha v2", "a", 1_600_000_000_000).as_bytes(),
    );
    server.wait_until("modify", |t| t == ["Beta", "Alpha v2"]);

    // A rename within the folder must drop the old name. The renamed file then gets another
    // link: were the old name kept, its entry ("Alpha v2") would stay beside the new one.
    fs::rename(server.path("a.txt"), server.path("a-renamed.txt")).unwrap();
    write(
        &server.path("a-renamed.txt"),
        one("Alpha moved", "a-moved", 1_600_000_000_000).as_bytes(),
    );
    server.wait_until("rename within", |t| t == ["Beta", "Alpha moved"]);
    assert_eq!(entries_in_status(&server), 2);

    fs::remove_file(server.path("b.txt")).unwrap();
    server.wait_until("delete", |t| t == ["Alpha moved"]);

    // Atomic save: write a temp file, rename over the original.
    write(
        &server.path(".a-renamed.txt.tmp"),
        one("Alpha v3", "a", 1_600_000_000_000).as_bytes(),
    );
    fs::rename(
        server.path(".a-renamed.txt.tmp"),
        server.path("a-renamed.txt"),
    )
    .unwrap();
    server.wait_until("atomic save", |t| t == ["Alpha v3"]);
    assert_eq!(entries_in_status(&server), 1);
}

fn status(server: &Server) -> serde_json::Value {
    serde_json::from_slice(&server.get("/status").body).expect("/status is JSON")
}

/// `/status`'s `entries`: what the server holds, beyond the titles the feeds show.
fn entries_in_status(server: &Server) -> u64 {
    status(server)["entries"]
        .as_u64()
        .expect("entries is a number")
}

fn rejected_count(server: &Server) -> u64 {
    status(server)["rejected_count"]
        .as_u64()
        .expect("rejected_count is a number")
}

#[test]
fn a_renamed_file_and_its_old_name_are_never_both_served() {
    // Two names, one link: the rename target's own (newer) content must be the only entry.
    let server = Server::with_files(
        &[("old.txt", one("Old name", "same", 1_600_000_000_000))],
        50,
    );
    fs::rename(server.path("old.txt"), server.path("new.txt")).unwrap();
    // Then the new name is deleted: a kept old name would bring "Old name" back.
    fs::remove_file(server.path("new.txt")).unwrap();
    write(
        &server.path("sentinel.txt"),
        one("Sentinel", "sentinel", 1_700_000_000_000).as_bytes(),
    );
    // Events are applied in order: once the sentinel shows, the rename and delete were seen.
    server.wait_until("rename then delete", |t| t == ["Sentinel"]);
    assert_eq!(entries_in_status(&server), 1);
}

#[test]
fn renames_into_and_out_of_the_folder_are_followed() {
    let server = Server::with_files(&[("a.txt", one("Alpha", "a", 1_600_000_000_000))], 50);
    let outside = tempfile::tempdir().unwrap();

    let incoming = outside.path().join("in.txt");
    write(
        &incoming,
        one("Incoming", "in", 1_700_000_000_000).as_bytes(),
    );
    fs::rename(&incoming, server.path("in.txt")).unwrap();
    server.wait_until("rename into", |t| t == ["Incoming", "Alpha"]);

    fs::rename(server.path("a.txt"), outside.path().join("a.txt")).unwrap();
    server.wait_until("rename out", |t| t == ["Incoming"]);
}

#[test]
fn whole_sub_folders_are_followed() {
    let server = Server::with_files(&[("keep.txt", one("Keep", "keep", 1_500_000_000_000))], 50);
    let outside = tempfile::tempdir().unwrap();

    // A folder with files, created in place.
    for (i, name) in ["x1", "x2", "x3"].iter().enumerate() {
        write(
            &server.path(&format!("2024/{name}.txt")),
            one(name, name, 1_600_000_000_000 + i as i64).as_bytes(),
        );
    }
    server.wait_until("new folder", |t| t.len() == 4);

    // Moved out whole, then a populated folder moved in whole.
    fs::rename(server.path("2024"), outside.path().join("2024")).unwrap();
    server.wait_until("folder moved out", |t| t == ["Keep"]);
    write(
        &outside.path().join("2025/deep/y.txt"),
        one("Deep", "deep", 1_700_000_000_000).as_bytes(),
    );
    fs::rename(outside.path().join("2025"), server.path("2025")).unwrap();
    server.wait_until("folder moved in", |t| t == ["Deep", "Keep"]);

    // Renamed within (the file inside then given another link, so a kept old folder would
    // leave "Deep" beside "Deep moved"), then deleted whole.
    fs::rename(server.path("2025"), server.path("archive")).unwrap();
    write(
        &server.path("archive/deep/y.txt"),
        one("Deep moved", "deep-moved", 1_700_000_000_000).as_bytes(),
    );
    server.wait_until("folder renamed", |t| t == ["Deep moved", "Keep"]);
    fs::remove_dir_all(server.path("archive")).unwrap();
    server.wait_until("folder deleted", |t| t == ["Keep"]);
}

#[test]
fn a_file_caught_half_written_ends_up_complete() {
    use std::io::Write;
    let server = Server::with_files(&[], 50);
    let text = one("Complete title", "half", 1_600_000_000_000);
    let mut file = fs::File::create(server.path("half.txt")).unwrap();
    let (head, tail) = text.split_at(12);
    file.write_all(head.as_bytes()).unwrap();
    file.flush().unwrap();
    // Wait until the server has read the half (it rejects it: the header is cut), so the
    // test really covers a file caught half-written, however slow the machine.
    let started = std::time::Instant::now();
    while rejected_count(&server) != 1 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "the half-written file was never read"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    file.write_all(tail.as_bytes()).unwrap();
    drop(file);
    server.wait_until("completed file", |t| t == ["Complete title"]);
    assert_eq!(rejected_count(&server), 0);
}

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

    fs::rename(server.path("a.txt"), server.path("a-renamed.txt")).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(100));
    server.wait_until("rename within", |t| t == ["Beta", "Alpha v2"]);

    fs::remove_file(server.path("b.txt")).unwrap();
    server.wait_until("delete", |t| t == ["Alpha v2"]);

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

    // Renamed within, then deleted whole.
    fs::rename(server.path("2025"), server.path("archive")).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(100));
    server.wait_until("folder renamed", |t| t == ["Deep", "Keep"]);
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
    std::thread::sleep(std::time::Duration::from_millis(150));
    file.write_all(tail.as_bytes()).unwrap();
    drop(file);
    server.wait_until("completed file", |t| t == ["Complete title"]);
}

//! Several fetches of one article (live pages fetched again and again): the newest fetch is
//! served, whatever the files' names and mtimes — after a `git clone` every mtime is the same.

use std::time::{Duration, SystemTime};

use crate::support::{Server, seed, write};

const LINK: &str = "https://cn.ft.com/story/001088000";

fn fetch(title: &str, epoch_ms: i64) -> String {
    seed(title, LINK, epoch_ms, &format!("<p>{title}</p>"))
}

fn set_mtime(path: &std::path::Path, at: SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(at)
        .unwrap();
}

#[test]
fn the_newest_fetch_is_served_whatever_the_names_and_mtimes() {
    let clone_time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_750_000_000);
    // The newest fetch sorts first by name; all files have one mtime, as after a clone.
    let files = [
        ("a.txt", fetch("Live page, third update", 1_700_000_300_000)),
        (
            "b.txt",
            fetch("Live page, first version", 1_700_000_100_000),
        ),
        (
            "c.txt",
            fetch("Live page, second update", 1_700_000_200_000),
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    let seeds = dir.path().join("seeds");
    for (name, text) in &files {
        write(&seeds.join(name), text.as_bytes());
        set_mtime(&seeds.join(name), clone_time);
    }
    let server = Server::serving(&seeds, 10);
    assert_eq!(server.titles("/rss.xml"), ["Live page, third update"]);
    assert_eq!(server.titles("/atom.xml"), ["Live page, third update"]);

    // A newer fetch arrives with an older mtime: it still wins.
    let newest = seeds.join("0.txt");
    write(
        &newest,
        fetch("Live page, fourth update", 1_700_000_400_000).as_bytes(),
    );
    set_mtime(&newest, clone_time - Duration::from_secs(86_400));
    server.wait_until("the fourth update", |titles| {
        titles == ["Live page, fourth update"]
    });

    // The newest fetch goes: the next newest takes over, not the last name or mtime.
    std::fs::remove_file(&newest).unwrap();
    server.wait_until("the third update back", |titles| {
        titles == ["Live page, third update"]
    });
}

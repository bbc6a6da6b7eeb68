//! The indexer over a real temp folder: what a scan, a batch of changed paths and a restart
//! from the cache leave in the store, and what the rendered feed shows.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use chrono::{DateTime, Utc};

use super::*;
use crate::config::Config;
use crate::tail::Reply;
use crate::wanted::Wanted;
use crate::watch::Batch;

/// A seed fetched `minute` minutes after a fixed start (so its published date is that time):
/// higher minutes are newer.
fn seed(title: &str, link: &str, minute: i64) -> String {
    let epoch_ms = 1_600_000_000_000 + minute * 60_000;
    format!("<!--{epoch_ms}-->\n[{title}]({link})\n------\n\n<p>{title} body</p>\n")
}

fn at_minute(minute: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(1_600_000_000_000 + minute * 60_000).unwrap()
}

struct Folder {
    dir: tempfile::TempDir,
    seeds: PathBuf,
}

impl Folder {
    fn with(files: &[(&str, String)]) -> Folder {
        let dir = tempfile::tempdir().unwrap();
        let seeds = dir.path().join("seeds");
        std::fs::create_dir(&seeds).unwrap();
        let folder = Folder {
            seeds: std::fs::canonicalize(&seeds).unwrap(),
            dir,
        };
        for (name, text) in files {
            folder.write(name, text);
        }
        folder
    }

    /// `a.txt`, `b.txt`, `c.txt`: seeds A, B, C a minute apart, C the newest.
    fn abc() -> Folder {
        Folder::with(&[
            ("a.txt", seed("A", &x("a"), 1)),
            ("b.txt", seed("B", &x("b"), 2)),
            ("c.txt", seed("C", &x("c"), 3)),
        ])
    }

    /// `nyt/a.txt` by Amy Qin and `nyt/b.txt` by Li Yuan, a minute later; bylines in an
    /// `<address>`, which this outlet's key does not read (they wait for `read_authors`).
    fn amy_and_li() -> Folder {
        Folder::with(&[
            ("nyt/a.txt", byline("A", &x("a"), 1, "Amy Qin")),
            ("nyt/b.txt", byline("B", &x("b"), 2, "Li Yuan")),
        ])
    }

    fn path(&self, name: &str) -> PathBuf {
        self.seeds.join(name)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    fn set_mtime(&self, name: &str, mtime: SystemTime) {
        std::fs::File::options()
            .write(true)
            .open(self.path(name))
            .unwrap()
            .set_modified(mtime)
            .unwrap();
    }

    fn cache_file(&self) -> PathBuf {
        self.dir.path().join("index.cache")
    }

    fn config(&self, limit: usize, cache: bool) -> Config {
        let cache = if cache {
            self.cache_file().display().to_string()
        } else {
            String::new()
        };
        let text = format!(
            r#"[server]
bind = "127.0.0.1:0"
[seeds]
dir = "{}"
timezone = "Asia/Shanghai"
cache = "{cache}"
[feed]
title = "Test feed"
description = "Seeds under test"
base_url = "http://127.0.0.1:8080/"
site_url = "https://cn.nytimes.com/"
language = "zh-CN"
limit = {limit}
"#,
            self.seeds.display()
        );
        Config::parse(&text, Path::new("/")).unwrap()
    }

    fn indexer(&self, limit: usize) -> Indexer {
        Indexer::open(&self.config(limit, false)).unwrap()
    }

    fn indexer_with_cache(&self) -> Indexer {
        Indexer::open(&self.config(50, true)).unwrap()
    }
}

/// The root feed's `content_time` in this render (the base of its `Last-Modified`).
fn content_time(rendered: &Rendered) -> DateTime<Utc> {
    rendered.changes.pages["/feed.json"].content_time
}

/// Every document this render wrote, by path.
fn bodies(rendered: &Rendered) -> BTreeMap<String, Vec<u8>> {
    rendered
        .changes
        .pages
        .iter()
        .map(|(path, page)| (path.clone(), page.body().to_vec()))
        .collect()
}

/// (title, link) of each item of the root's rendered JSON Feed, in feed order.
fn items(rendered: &Rendered) -> Vec<(String, String)> {
    let feed: serde_json::Value =
        serde_json::from_slice(rendered.body("/feed.json").unwrap()).unwrap();
    feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            (
                item["title"].as_str().unwrap().to_string(),
                item["url"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn titles(rendered: &Rendered) -> Vec<String> {
    items(rendered)
        .into_iter()
        .map(|(title, _)| title)
        .collect()
}

/// The links the store serves, in feed order.
fn served_links(indexer: &Indexer) -> Vec<String> {
    indexer
        .store()
        .newest_of(&Scope::All, None)
        .map(|entry| entry.id().to_string())
        .collect()
}

fn x(name: &str) -> String {
    format!("https://x.example/world/{name}")
}

#[test]
fn a_scan_indexes_every_seed_below_the_folder_and_rejects_what_is_not_one() {
    let folder = Folder::with(&[
        ("a.txt", seed("A", &x("a"), 1)),
        ("2020/b.txt", seed("B", &x("b"), 3)),
        ("2020/06/c.txt", seed("C", &x("c"), 2)),
        ("broken.txt", "no header here\n".into()),
        (".hidden/d.txt", seed("D", &x("d"), 9)),
        ("e.txt.swp", seed("E", &x("e"), 9)),
    ]);
    let mut indexer = folder.indexer(50);
    assert_eq!(indexer.root(), folder.seeds);
    let progress = Mutex::new(Vec::new());
    let report =
        indexer.scan_with_progress(&|done, all| progress.lock().unwrap().push((done, all)));
    assert_eq!(
        (report.entries, report.rejected, report.from_cache),
        (3, 1, 0)
    );
    // Four files read (three seeds, one rejected); a scan this small reports once, at the end.
    assert_eq!(progress.into_inner().unwrap(), [(4, 4)]);
    assert_eq!(served_links(&indexer), [x("b"), x("c"), x("a")]);
    let rejection = indexer
        .store()
        .rejection(&folder.path("broken.txt"))
        .unwrap();
    assert!(rejection.contains("header"), "{rejection}");
    assert_eq!(
        indexer.counts(),
        Counts {
            entries: 3,
            rejected: 1,
            folders: 1,
        }
    );
    assert_eq!(titles(&indexer.render().unwrap()), ["B", "C", "A"]);
}

#[test]
fn the_feed_shows_the_newest_entries_up_to_the_limit_and_renders_only_when_they_change() {
    let folder = Folder::abc();
    let mut indexer = folder.indexer(2);
    indexer.scan();
    let first = indexer.render().expect("the first render renders");
    assert_eq!(titles(&first), ["C", "B"]);
    assert_eq!(first.counts.entries, 3);
    assert!(indexer.render().is_none(), "nothing changed");

    // A change to a seed the feed does not show renders nothing.
    let a = folder.write("a.txt", &seed("A, edited", &x("a"), 1));
    assert_eq!(indexer.apply(&Batch::Paths(vec![a])), 1);
    assert!(indexer.render().is_none(), "the edited seed is not shown");

    // ...until it becomes one of the newest.
    let a = folder.write("a.txt", &seed("A, moved up", &x("a"), 5));
    indexer.apply(&Batch::Paths(vec![a]));
    assert_eq!(titles(&indexer.render().unwrap()), ["A, moved up", "C"]);

    // render_now renders the same documents even though nothing changed.
    let again = indexer.render_now();
    assert_eq!(titles(&again), ["A, moved up", "C"]);
    assert!(indexer.render().is_none());
}

#[test]
fn a_batch_reads_the_paths_it_names_and_forgets_the_vanished_ones() {
    let folder = Folder::with(&[
        ("a.txt", seed("A", &x("a"), 1)),
        ("sub/b.txt", seed("B", &x("b"), 2)),
        ("sub/c.txt", seed("C", &x("c"), 3)),
    ]);
    let mut indexer = folder.indexer(50);
    indexer.scan();

    // A new seed, a new bad file, a deleted seed and an ignored file: two files read.
    let d = folder.write("d.txt", &seed("D", &x("d"), 4));
    let bad = folder.write("bad.txt", "[no link]\n");
    std::fs::remove_file(folder.path("a.txt")).unwrap();
    let swap = folder.write("d.txt.swp", &seed("Swap", &x("swap"), 9));
    let read = indexer.apply(&Batch::Paths(vec![
        folder.path("a.txt"),
        bad.clone(),
        d,
        swap,
    ]));
    assert_eq!(read, 2);
    assert_eq!(served_links(&indexer), [x("d"), x("c"), x("b")]);
    assert!(indexer.store().rejection(&bad).is_some());

    // The bad file is fixed: no longer rejected.
    let bad = folder.write("bad.txt", &seed("Fixed", &x("fixed"), 0));
    indexer.apply(&Batch::Paths(vec![bad.clone()]));
    assert_eq!(indexer.store().rejection(&bad), None);
    assert_eq!(indexer.counts().rejected, 0);

    // A folder named in a batch is walked again: what left it is gone, what came is read.
    std::fs::remove_file(folder.path("sub/b.txt")).unwrap();
    folder.write("sub/e.txt", &seed("E", &x("e"), 5));
    assert_eq!(indexer.apply(&Batch::Paths(vec![folder.path("sub")])), 2);
    assert_eq!(served_links(&indexer), [x("e"), x("d"), x("c"), x("fixed")]);
    assert_eq!(titles(&indexer.render().unwrap()), ["E", "D", "C", "Fixed"]);

    // A folder that went takes everything below it along.
    std::fs::remove_dir_all(folder.path("sub")).unwrap();
    assert_eq!(indexer.apply(&Batch::Paths(vec![folder.path("sub")])), 0);
    assert_eq!(served_links(&indexer), [x("d"), x("fixed")]);
    assert_eq!(titles(&indexer.render().unwrap()), ["D", "Fixed"]);
}

#[test]
fn a_rescan_forgets_deleted_seeds_and_reads_every_file_left() {
    let folder = abc_folder();
    let mut indexer = folder.indexer(50);
    assert!(!indexer.rescanned(), "nothing scanned yet");
    assert_eq!(indexer.scan().entries, 3);
    // The long tail is emptied after a scan, once.
    assert!(indexer.rescanned(), "a scan");
    assert!(!indexer.rescanned(), "told once");
    std::fs::remove_file(folder.path("b.txt")).unwrap();
    std::fs::remove_file(folder.path("c/c.txt")).unwrap();
    let read = indexer.apply(&Batch::Rescan("events lost".into()));
    assert_eq!(read, 1);
    assert!(indexer.rescanned(), "a rescan");
    assert_eq!(served_links(&indexer), [x("a")]);
    indexer.apply(&Batch::Paths(vec![folder.path("b.txt")]));
    assert!(
        !indexer.rescanned(),
        "a batch of paths: the journal tells what changed"
    );
    assert_eq!(indexer.scan().entries, 1);
}

#[test]
fn an_empty_folder_is_served_an_empty_feed_until_its_first_seed() {
    let folder = Folder::with(&[]);
    let mut indexer = folder.indexer(50);
    indexer.scan();
    assert_eq!(titles(&indexer.render_first()), Vec::<String>::new());
    let a = folder.write("a.txt", &seed("A", &x("a"), 1));
    indexer.apply(&Batch::Paths(vec![a]));
    assert_eq!(titles(&indexer.render().unwrap()), ["A"]);
}

#[test]
fn the_newest_fetch_is_served_among_seeds_sharing_a_link() {
    // Fetched at minutes 3, 1 and 2; the file names sort the other way round.
    let folder = Folder::with(&[
        ("1.txt", seed("Third fetch", &x("same"), 3)),
        ("2.txt", seed("First fetch", &x("same"), 1)),
        ("3.txt", seed("Second fetch", &x("same"), 2)),
        ("4.txt", seed("Other", &x("other"), 0)),
    ]);
    let mut indexer = folder.indexer(50);
    let mut report = None;
    let log = logged(|| report = Some(indexer.scan()));
    assert_eq!(report.unwrap().entries, 2, "one entry per link");
    // The other is reported.
    assert!(log.contains("two seeds share a link"), "{log}");
    assert_eq!(titles(&indexer.render().unwrap()), ["Third fetch", "Other"]);
    // The served one goes: the next newest fetch takes its place.
    std::fs::remove_file(folder.path("1.txt")).unwrap();
    indexer.apply(&Batch::Paths(vec![folder.path("1.txt")]));
    assert_eq!(
        titles(&indexer.render().unwrap()),
        ["Second fetch", "Other"]
    );
}

#[test]
fn a_seed_rewritten_after_it_was_indexed_is_indexed_again_before_it_is_shown() {
    let folder = Folder::with(&[
        ("a.txt", seed("A", &x("a"), 1)),
        ("b.txt", seed("B", &x("b"), 2)),
    ]);
    let mut indexer = folder.indexer(50);
    indexer.scan();
    // Rewritten, with no batch for it (yet): the render reads the new version, and orders by it.
    folder.write("a.txt", &seed("A, rewritten", &x("a"), 3));
    assert_eq!(titles(&indexer.render().unwrap()), ["A, rewritten", "B"]);
    assert_eq!(served_links(&indexer), [x("a"), x("b")]);
}

#[test]
fn a_seed_changed_after_a_render_shows_its_new_version() {
    let folder = Folder::with(&[("a.txt", seed("A", &x("a"), 1))]);
    let mut indexer = folder.indexer(50);
    indexer.scan();
    assert_eq!(titles(&indexer.render().unwrap()), ["A"]);
    let a = folder.write("a.txt", &seed("A, second version", &x("a"), 1));
    indexer.apply(&Batch::Paths(vec![a]));
    assert_eq!(titles(&indexer.render().unwrap()), ["A, second version"]);
}

#[test]
fn a_rewrite_that_keeps_size_and_mtime_is_caught_by_the_full_parse() {
    // The stamp (size, mtime, inode) stands for the bytes; a copy tool that keeps mtimes can
    // still change them. The full parse disagrees with the indexed key: index it again.
    let folder = Folder::with(&[
        ("a.txt", seed("A", &x("a"), 1)),
        ("b.txt", seed("B", &x("b"), 2)),
    ]);
    let mut indexer = folder.indexer(50);
    indexer.scan();
    let mtime = std::fs::metadata(folder.path("b.txt"))
        .unwrap()
        .modified()
        .unwrap();
    // Same length, same mtime, same inode; now it claims A's link, fetched later than A.
    folder.write("b.txt", &seed("B", &x("a"), 2));
    folder.set_mtime("b.txt", mtime);
    assert_eq!(
        items(&indexer.render().unwrap()),
        [("B".to_string(), x("a"))],
        "one entry per link: B, the newer fetch"
    );
    assert_eq!(served_links(&indexer), [x("a")]);
}

#[test]
fn content_time_is_the_newest_date_or_mtime_among_the_entries_shown() {
    let long_ago = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    let later = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(2_000_000_000);
    let folder = Folder::with(&[
        ("new.txt", seed("New", &x("new"), 10)),
        ("old.txt", seed("Old", &x("old"), 1)),
    ]);
    folder.set_mtime("new.txt", long_ago);
    // Not shown (limit 1): its mtime does not count.
    folder.set_mtime("old.txt", later);
    let mut indexer = folder.indexer(1);
    indexer.scan();
    let rendered = indexer.render().unwrap();
    assert_eq!(titles(&rendered), ["New"]);
    assert_eq!(content_time(&rendered), at_minute(10));
    // Touched: its mtime is now the newest moment.
    folder.set_mtime("new.txt", later);
    indexer.apply(&Batch::Paths(vec![folder.path("new.txt")]));
    assert_eq!(
        content_time(&indexer.render().unwrap()),
        DateTime::<Utc>::from(later)
    );
}

#[test]
fn a_restart_takes_unchanged_seeds_from_the_cache_and_parses_changed_ones() {
    let folder = Folder::with(&[
        ("a.txt", seed("A", &x("a"), 1)),
        ("b.txt", seed("B", &x("b"), 2)),
    ]);
    let mut first = folder.indexer_with_cache();
    assert_eq!(first.scan().from_cache, 0);
    let before = bodies(&first.render().unwrap());
    first.save_cache();
    assert!(folder.cache_file().exists());

    let mut unchanged = folder.indexer_with_cache();
    let report = unchanged.scan();
    assert_eq!((report.entries, report.from_cache), (2, 2));
    assert_eq!(bodies(&unchanged.render().unwrap()), before);

    // A moves to the top: its key must come from the new bytes, not the cache.
    folder.write("a.txt", &seed("A, newer", &x("a"), 3));
    let mut changed = folder.indexer_with_cache();
    assert_eq!(changed.scan().from_cache, 1);
    assert_eq!(served_links(&changed), [x("a"), x("b")]);
    assert_eq!(titles(&changed.render().unwrap()), ["A, newer", "B"]);
}

#[test]
fn a_restart_serves_the_cache_at_once_then_catches_up_with_the_folder() {
    let folder = abc_folder();
    let mut first = folder.indexer_with_cache();
    first.scan();
    first.save_cache();

    // While down: A changes, B goes, D comes.
    folder.write("a.txt", &seed("A, newer", &x("a"), 4));
    std::fs::remove_file(folder.path("b.txt")).unwrap();
    folder.write("d.txt", &seed("D", &x("d"), 0));

    let mut restarted = folder.indexer_with_cache();
    assert!(restarted.has_cached_keys());
    let report = restarted.resume_from_cache();
    assert_eq!((report.entries, report.from_cache), (3, 0));
    let paths = changed_a_b_and_d(&mut restarted);
    assert_eq!(restarted.keys_from_cache(), 1);
    // Served meanwhile: the cache's entries, each shown read as it is now (B is gone, D not
    // known yet).
    assert_eq!(titles(&restarted.render().unwrap()), ["A, newer", "C"]);
    apply_and_serve_a_newer_c_and_d(&mut restarted, paths);
}

#[test]
fn the_check_after_a_cold_scan_reads_again_what_changed_while_the_scan_read() {
    let folder = abc_folder();
    let mut indexer = folder.indexer_with_cache();
    indexer.scan();
    // After the scan read them, before the watcher was set: A changes, B goes, D comes.
    folder.write("a.txt", &seed("A, newer", &x("a"), 4));
    std::fs::remove_file(folder.path("b.txt")).unwrap();
    folder.write("d.txt", &seed("D", &x("d"), 0));

    let paths = changed_a_b_and_d(&mut indexer);
    // Nothing came from the index cache: the state was a scan's.
    assert_eq!(indexer.keys_from_cache(), 0);
    apply_and_serve_a_newer_c_and_d(&mut indexer, paths);
}

/// The folder check after `abc_folder` had A changed, B removed and D added: those three.
fn changed_a_b_and_d(indexer: &mut Indexer) -> Vec<PathBuf> {
    let paths = changed_since_start(indexer);
    let names: Vec<_> = paths.iter().map(|p| p.file_name().unwrap()).collect();
    assert_eq!(names, ["a.txt", "b.txt", "d.txt"]);
    paths
}

/// Applies the check's `paths`: the newer A, C and D served, B gone.
fn apply_and_serve_a_newer_c_and_d(indexer: &mut Indexer, paths: Vec<PathBuf>) {
    indexer.apply(&Batch::Paths(paths));
    assert_eq!(titles(&indexer.render().unwrap()), ["A, newer", "C", "D"]);
    assert_eq!(served_links(indexer), [x("a"), x("c"), x("d")]);
}

#[test]
fn the_index_cache_written_a_slice_at_a_time_is_the_file_written_at_once() {
    let folder = abc_folder();
    let mut indexer = folder.indexer_with_cache();
    indexer.scan();
    let mut write = indexer.start_cache();
    let mut rounds = 0;
    while let Some(under_way) = write {
        // Not in place until the last record is written.
        assert!(!folder.cache_file().exists(), "round {rounds}");
        rounds += 1;
        write = indexer.continue_cache(under_way, 1);
    }
    assert_eq!(rounds, 3);
    let sliced = std::fs::read(folder.cache_file()).unwrap();
    indexer.save_cache();
    assert_eq!(sliced, std::fs::read(folder.cache_file()).unwrap());
    let mut restarted = folder.indexer_with_cache();
    assert!(restarted.has_cached_keys());
    assert_eq!(restarted.resume_from_cache().entries, 3);
    // A write dropped half-way (a change came) leaves the cache as it was and no temp file.
    let cache_dir = folder.cache_file().parent().unwrap().to_path_buf();
    let listing = || {
        let mut names: Vec<_> = std::fs::read_dir(&cache_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        names
    };
    let before = listing();
    let under_way = indexer.continue_cache(indexer.start_cache().unwrap(), 1);
    assert!(under_way.is_some());
    assert!(
        listing().len() > before.len(),
        "the temp file is being written"
    );
    drop(under_way);
    assert_eq!(listing(), before);
    assert_eq!(sliced, std::fs::read(folder.cache_file()).unwrap());
}

/// A, B and C, dated 1, 2 and 3, C in a folder of its own.
fn abc_folder() -> Folder {
    Folder::with(&[
        ("a.txt", seed("A", &x("a"), 1)),
        ("b.txt", seed("B", &x("b"), 2)),
        ("c/c.txt", seed("C", &x("c"), 3)),
    ])
}

/// The paths every slice of a folder check found changed since the start, sorted.
fn changed_since_start(indexer: &mut Indexer) -> Vec<PathBuf> {
    let mut checks = Vec::new();
    super::check_folder(indexer.root(), |check| checks.push(check));
    assert!(checks.last().unwrap().last);
    let mut paths: Vec<PathBuf> = checks
        .iter()
        .flat_map(|check| indexer.changed_since_start(check))
        .collect();
    paths.sort();
    paths
}

/// Log lines written while `run` runs on this thread.
fn logged(run: impl FnOnce()) -> String {
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Sink {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let sink = Sink::default();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer({
            let sink = sink.clone();
            move || sink.clone()
        })
        .finish();
    tracing::subscriber::with_default(subscriber, run);
    String::from_utf8(sink.0.lock().unwrap().clone()).unwrap()
}

#[test]
fn a_rejection_is_logged_once_until_its_reason_changes() {
    let folder = Folder::with(&[("bad.txt", "no header here\n".into())]);
    let mut indexer = folder.indexer(50);
    let log = logged(|| {
        indexer.scan();
        indexer.scan();
        indexer.apply(&Batch::Paths(vec![folder.path("bad.txt")]));
    });
    assert_eq!(log.matches("seed rejected").count(), 1, "{log}");
    // Bad in another way: a new reason, logged once more.
    folder.write("bad.txt", "[title](not a link)\n------\n\n<p>body</p>\n");
    let log = logged(|| {
        indexer.scan();
        indexer.scan();
    });
    assert_eq!(log.matches("seed rejected").count(), 1, "{log}");
    assert!(log.contains("link is not an absolute"), "{log}");
}

#[test]
fn a_new_folder_is_linked_from_the_root_page_and_the_opml_even_if_the_root_shows_none_of_it() {
    let folder = Folder::with(&[("a.txt", seed("A", &x("a"), 9))]);
    let mut indexer = folder.indexer(1);
    indexer.scan();
    let text = |rendered: &Rendered, path: &str| {
        let body = rendered
            .body(path)
            .unwrap_or_else(|| panic!("{path} not rendered"));
        String::from_utf8(body.to_vec()).unwrap()
    };
    let first = indexer.render().unwrap();
    assert!(!text(&first, "/opml.xml").contains("/nyt/"));
    assert!(indexer.render().is_none());

    // An older seed in a new folder: the root's window (limit 1) still holds A alone.
    let b = folder.write("nyt/b.txt", &seed("B", &x("b"), 1));
    indexer.apply(&Batch::Paths(vec![b]));
    let rendered = indexer.render().expect("a new folder renders");
    assert_eq!(titles(&rendered), ["A"]);
    assert!(text(&rendered, "/").contains(r#"href="http://127.0.0.1:8080/nyt/""#));
    assert!(text(&rendered, "/opml.xml").contains("http://127.0.0.1:8080/nyt/"));
    assert!(text(&rendered, "/nyt/feed.json").contains(&x("b")));
    assert!(indexer.render().is_none());

    // The folder goes: its documents are gone, and the root page and OPML forget it.
    std::fs::remove_dir_all(folder.path("nyt")).unwrap();
    indexer.apply(&Batch::Paths(vec![folder.path("nyt")]));
    let rendered = indexer.render().expect("a folder gone renders");
    assert!(
        rendered
            .changes
            .gone
            .contains(&"/nyt/feed.json".to_string())
    );
    assert!(!text(&rendered, "/").contains("/nyt/"));
    assert!(!text(&rendered, "/opml.xml").contains("/nyt/"));
}

/// The long-tail documents a request for `path?query` renders, by tail key; or the reply.
fn answer(
    indexer: &mut Indexer,
    path: &str,
    query: &str,
) -> Result<BTreeMap<String, Vec<u8>>, Reply> {
    let wanted = crate::wanted::wanted(path, query).unwrap().unwrap();
    indexer.answer(&wanted).map(|answer| {
        answer
            .pages
            .into_iter()
            .map(|(key, page)| (key, page.body().to_vec()))
            .collect()
    })
}

/// The JSON Feed of an answer: its title and its items' titles.
fn json_titles(pages: &BTreeMap<String, Vec<u8>>) -> (String, Vec<String>) {
    let (_, body) = pages
        .iter()
        .find(|(key, _)| key.contains("feed.json"))
        .unwrap();
    let feed: serde_json::Value = serde_json::from_slice(body).unwrap();
    let items = feed["items"].as_array().unwrap();
    (
        feed["title"].as_str().unwrap().to_string(),
        items
            .iter()
            .map(|item| item["title"].as_str().unwrap().to_string())
            .collect(),
    )
}

/// The `href` of the Atom document's `<link rel="{rel}">`.
fn atom_link(pages: &BTreeMap<String, Vec<u8>>, rel: &str) -> Option<String> {
    let (_, body) = pages
        .iter()
        .find(|(key, _)| key.contains("atom.xml"))
        .unwrap();
    let text = std::str::from_utf8(body).unwrap();
    let rel = format!("rel=\"{rel}\"");
    let link = text.split("<link").find(|link| link.contains(&rel))?;
    let href = link.split("href=\"").nth(1)?;
    Some(href[..href.find('"')?].to_string())
}

fn not_found(reply: Result<BTreeMap<String, Vec<u8>>, Reply>) -> bool {
    matches!(reply, Err(Reply::NotFound))
}

fn unavailable(reply: Result<BTreeMap<String, Vec<u8>>, Reply>) -> bool {
    matches!(reply, Err(Reply::Unavailable(_)))
}

fn byline(title: &str, link: &str, minute: i64, author: &str) -> String {
    let epoch_ms = 1_600_000_000_000 + minute * 60_000;
    format!(
        "<!--{epoch_ms}-->\n[{title}]({link})\n------\n\n<address>{author}</address><p>{title} body</p>\n"
    )
}

#[test]
fn author_feeds_wait_for_the_authors_read_and_are_titled_with_the_author_s_name() {
    let folder = Folder::amy_and_li();
    let mut indexer = folder.indexer(50);
    indexer.scan();
    assert_eq!(indexer.store().authors_unread(), 2);
    assert!(unavailable(answer(
        &mut indexer,
        "/authors/amy-qin/feed.json",
        ""
    )));
    assert!(unavailable(answer(
        &mut indexer,
        "/nyt/feed.json",
        "author=amy-qin"
    )));
    // A feed that does not ask for authors is answered at once.
    let (_, all) = json_titles(&answer(&mut indexer, "/nyt/feed.json", "limit=5").unwrap());
    assert_eq!(all, ["B", "A"]);
    // One seed is rewritten (by someone else) before its authors are read: it gets none for
    // now (its event will index it again), not the new version's.
    folder.write("nyt/b.txt", &byline("B", &x("b"), 2, "Bob"));
    assert_eq!(indexer.read_authors(100), 2);
    assert!(
        indexer
            .store()
            .facet(&Scope::Author("bob".into()))
            .is_none()
    );
    // What follows is read by a fresh reader, its patterns' caches let go: as by the old.
    indexer.drop_parse_caches();
    let amy = answer(&mut indexer, "/authors/amy-qin/feed.json", "").unwrap();
    assert_eq!(
        json_titles(&amy),
        ("Amy Qin · Test feed".into(), vec!["A".into()])
    );
    assert!(not_found(answer(
        &mut indexer,
        "/authors/li-yuan/feed.json",
        ""
    )));
    assert!(not_found(answer(&mut indexer, "/other/feed.json", "")));
    assert!(answer(&mut indexer, "/nyt/feed.json", "").is_ok());
}

#[test]
fn a_view_until_an_instant_includes_an_entry_published_at_it() {
    let folder = Folder::abc();
    let mut indexer = folder.indexer(50);
    indexer.scan();
    let until = at_minute(2).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let view = answer(&mut indexer, "/feed.json", &format!("until={until}")).unwrap();
    assert_eq!(json_titles(&view).1, ["B", "A"]);
}

#[test]
fn a_month_is_paged_by_the_limit_and_each_page_links_the_next_newer_one() {
    let folder = Folder::with(&[
        ("a.txt", seed("A", &x("a"), 1)),
        ("b.txt", seed("B", &x("b"), 2)),
        ("c.txt", seed("C", &x("c"), 3)),
        // Fifteen days earlier: the month before.
        ("z.txt", seed("Z", &x("z"), -15 * 24 * 60)),
    ]);
    let mut indexer = folder.indexer(1);
    indexer.scan();
    let month = crate::scope::Month::of(at_minute(1));
    let page = |indexer: &mut Indexer, n: &str| {
        answer(indexer, &format!("/archive/{month}/{n}atom.xml"), "")
    };
    let base = "http://127.0.0.1:8080/archive";
    let second = page(&mut indexer, "2/").unwrap();
    assert_eq!(
        atom_link(&second, "next-archive").as_deref(),
        Some(format!("{base}/{month}/atom.xml").as_str())
    );
    assert_eq!(
        atom_link(&second, "prev-archive").as_deref(),
        Some(format!("{base}/{month}/3/atom.xml").as_str())
    );
    let third = page(&mut indexer, "3/").unwrap();
    let before = crate::scope::Month::of(at_minute(-15 * 24 * 60));
    assert_ne!(before, month);
    assert_eq!(
        atom_link(&third, "prev-archive").as_deref(),
        Some(format!("{base}/{before}/atom.xml").as_str())
    );
    // The month before links its newer neighbour's last page.
    let last = answer(&mut indexer, &format!("/archive/{before}/atom.xml"), "").unwrap();
    assert_eq!(
        atom_link(&last, "next-archive").as_deref(),
        Some(format!("{base}/{month}/3/atom.xml").as_str())
    );
    assert_eq!(
        atom_link(&third, "next-archive").as_deref(),
        Some(format!("{base}/{month}/2/atom.xml").as_str())
    );
    // Three entries fill three pages exactly: there is no fourth.
    assert!(not_found(page(&mut indexer, "4/")));
}

#[test]
fn a_view_rendered_after_a_change_is_applied_shows_the_new_version_before_the_feed_is_rendered_again()
 {
    let folder = Folder::with(&[("a.txt", seed("A", &x("a"), 1))]);
    let mut indexer = folder.indexer(50);
    indexer.scan();
    assert_eq!(titles(&indexer.render().unwrap()), ["A"]);
    let a = folder.write("a.txt", &seed("A, second version", &x("a"), 1));
    indexer.apply(&Batch::Paths(vec![a]));
    let view = answer(&mut indexer, "/feed.json", "limit=5").unwrap();
    assert_eq!(json_titles(&view).1, ["A, second version"]);
}

#[test]
fn a_month_page_holds_the_limit_s_worth_of_entries_after_the_pages_before_it() {
    let folder = Folder::with(&[
        ("a.txt", seed("A", &x("a"), 1)),
        ("b.txt", seed("B", &x("b"), 2)),
        ("c.txt", seed("C", &x("c"), 3)),
        ("d.txt", seed("D", &x("d"), 4)),
        ("e.txt", seed("E", &x("e"), 5)),
    ]);
    let mut indexer = folder.indexer(2);
    indexer.scan();
    let month = crate::scope::Month::of(at_minute(1));
    let mut page = |n: &str| {
        answer(&mut indexer, &format!("/archive/{month}/{n}feed.json"), "")
            .map(|p| json_titles(&p).1)
    };
    assert_eq!(page("").unwrap(), ["E", "D"]);
    assert_eq!(page("2/").unwrap(), ["C", "B"]);
    assert_eq!(page("3/").unwrap(), ["A"]);
    assert!(matches!(page("4/"), Err(Reply::NotFound)));
}

#[test]
fn the_start_renders_the_root_only_and_a_folder_asked_for_meanwhile_gets_the_same_bytes() {
    let folder = Folder::with(&[
        ("nyt/a.txt", seed("A", "https://cn.nytimes.com/world/a/", 1)),
        (
            "bbc/b.txt",
            seed("B", "https://www.bbc.com/zhongwen/simp/b", 2),
        ),
    ]);
    let mut indexer = folder.indexer(50);
    indexer.scan();
    let first = bodies(&indexer.render_first());
    let paths: Vec<&str> = first.keys().map(String::as_str).collect();
    assert_eq!(
        paths,
        ["/", "/atom.xml", "/feed.json", "/opml.xml", "/rss.xml"]
    );
    // The root's page and the OPML already name every folder.
    assert!(
        std::str::from_utf8(&first["/opml.xml"])
            .unwrap()
            .contains("/nyt/")
    );
    assert!(std::str::from_utf8(&first["/"]).unwrap().contains("/bbc/"));
    // Before the next render, a folder's feed is rendered on request…
    let asked = answer(&mut indexer, "/nyt/atom.xml", "").unwrap();
    // …and is the very document the next render publishes.
    let next = bodies(&indexer.render().expect("the folders' feeds are due"));
    assert!(!next.contains_key("/atom.xml"), "the root is unchanged");
    for name in ["/nyt/rss.xml", "/nyt/atom.xml", "/nyt/feed.json", "/nyt/"] {
        assert_eq!(asked[name], next[name], "{name}");
    }
    assert!(next.contains_key("/bbc/atom.xml"));
}

/// The names in the root page's "Authors" list.
fn listed_authors(root_page: &[u8]) -> Vec<String> {
    let html = scraper::Html::parse_document(std::str::from_utf8(root_page).unwrap());
    let groups = scraper::Selector::parse("nav").unwrap();
    let names = scraper::Selector::parse("li > a:first-child").unwrap();
    html.select(&groups)
        .filter(|nav| nav.text().any(|t| t == "Authors"))
        .flat_map(|nav| nav.select(&names).map(|a| a.text().collect::<String>()))
        .collect()
}

#[test]
fn a_new_seed_neither_empties_nor_delays_the_root_page_s_authors() {
    let folder = Folder::amy_and_li();
    let mut indexer = folder.indexer(1);
    indexer.scan();
    indexer.read_authors(100);
    let first = indexer.render_now();
    assert_eq!(
        listed_authors(first.body("/").unwrap()),
        ["Amy Qin", "Li Yuan"]
    );
    // An old seed, outside every window: its byline is read later (a round of the update
    // loop); meanwhile the list stays as it was, so the root page does not change.
    let old = folder.write("nyt/old.txt", &byline("Old", &x("old"), 0, "Zed Old"));
    indexer.apply(&Batch::Paths(vec![old]));
    assert_eq!(indexer.store().authors_unread(), 1);
    assert!(indexer.render().is_none(), "the root page did not change");
    indexer.read_authors(100);
    let later = indexer.render().unwrap();
    assert_eq!(
        listed_authors(later.body("/").unwrap()),
        ["Amy Qin", "Li Yuan", "Zed Old"]
    );
    // A new seed the feeds show: its byline comes with the parse that shows it, in the
    // same render.
    let new = folder.write("nyt/new.txt", &byline("New", &x("new"), 9, "Yan New"));
    indexer.apply(&Batch::Paths(vec![new]));
    let rendered = indexer.render().unwrap();
    assert_eq!(indexer.store().authors_unread(), 0);
    assert!(listed_authors(rendered.body("/").unwrap()).contains(&"Yan New".to_string()));
}

/// The titles of the JSON Feed of `wanted` rendered with `view_bytes`.
fn titles_within(indexer: &mut Indexer, wanted: &Wanted, view_bytes: usize) -> Vec<String> {
    let Ok(Planned::Job(job)) = indexer.plan(wanted) else {
        panic!("a small folder's view is planned at once");
    };
    let answer = job.run(view_bytes).unwrap();
    let pages = answer
        .pages
        .into_iter()
        .map(|(key, page)| (key, page.body().to_vec()))
        .collect();
    json_titles(&pages).1
}

#[test]
fn a_filtered_view_stops_at_its_byte_bound_but_never_shows_nothing() {
    let long = |title: &str, minute: i64| {
        let epoch_ms = 1_600_000_000_000 + minute * 60_000;
        let body = "<p>word </p>".repeat(1000);
        format!(
            "<!--{epoch_ms}-->\n[{title}]({})\n------\n\n{body}\n",
            x(title)
        )
    };
    let files: Vec<(String, String)> = (0..40)
        .map(|i| (format!("{i:02}.txt"), long(&format!("T{i:02}"), i)))
        .collect();
    let files: Vec<(&str, String)> = files.iter().map(|(n, t)| (n.as_str(), t.clone())).collect();
    let folder = Folder::with(&files);
    let mut indexer = folder.indexer(5);
    indexer.scan();
    let view = crate::wanted::wanted("/feed.json", "limit=40")
        .unwrap()
        .unwrap();
    let all = titles_within(&mut indexer, &view, usize::MAX);
    assert_eq!(all.len(), 40);
    let newest = indexer
        .store()
        .newest_of(&Scope::All, None)
        .next()
        .map(|e| indexer.store().seed(e));
    let (path, key, stamp) = newest.unwrap();
    let entry = indexer.reader().whole_entry(&path, &key, stamp).unwrap();
    // The seeds differ only in their titles' last digits, and the newest share their closing
    // paragraph as the site's (judged as the view judges them): each one's items are this size.
    let one = Prepared::new(entry).bytes();
    let cut = titles_within(&mut indexer, &view, one * 10 + one / 2);
    assert_eq!(cut, all[..10], "the newest that fit");
    let exact = titles_within(&mut indexer, &view, one * 10);
    assert_eq!(exact, all[..10], "items filling the bound exactly fit");
    let first = titles_within(&mut indexer, &view, 1);
    assert_eq!(first, all[..1]);
    // The feed's own documents and its archive are never cut.
    let current = crate::wanted::wanted("/feed.json", "").unwrap().unwrap();
    assert_eq!(titles_within(&mut indexer, &current, 1).len(), 5);
}

#[test]
fn a_view_s_walk_goes_on_after_the_last_entry_it_saw_whatever_changed_meanwhile() {
    let files: Vec<(String, String)> = (0..30)
        .map(|i| {
            let title = match i % 3 {
                0 => format!("Rare {i}"),
                _ => format!("Common {i}"),
            };
            (format!("{i:02}.txt"), seed(&title, &x(&i.to_string()), i))
        })
        .collect();
    let files: Vec<(&str, String)> = files.iter().map(|(n, t)| (n.as_str(), t.clone())).collect();
    let folder = Folder::with(&files);
    let mut indexer = folder.indexer(50);
    indexer.scan();
    let Wanted::Feed(request) = crate::wanted::wanted("/feed.json", "q=rare&limit=10")
        .unwrap()
        .unwrap()
    else {
        unreachable!()
    };
    let walk = Box::new(Walk::new(&request));
    // Four entries at a time: 29, 28, 27 (rare), 26.
    let Planned::Walk(walk) = indexer.walk(walk, 4) else {
        panic!("30 entries take more than 4")
    };
    // Meanwhile: a newer rare seed (before where the walk is: not seen), one not yet seen
    // deleted, and an older rare one added further on.
    for (name, text) in [
        ("new.txt", seed("Rare new", &x("new"), 99)),
        ("old.txt", seed("Rare old", &x("old"), -1)),
    ] {
        let path = folder.write(name, &text);
        indexer.apply(&Batch::Paths(vec![path]));
    }
    std::fs::remove_file(folder.seeds.join("21.txt")).unwrap();
    indexer.apply(&Batch::Paths(vec![folder.seeds.join("21.txt")]));
    let mut planned = Planned::Walk(walk);
    let mut steps = 0;
    let job = loop {
        planned = match planned {
            Planned::Walk(walk) => indexer.walk(walk, 4),
            Planned::Job(job) => break job,
            Planned::Gone(_) => panic!("the root feed is there"),
        };
        steps += 1;
    };
    assert!(steps >= 4, "{steps} steps of 4 entries");
    let answer = job.run(usize::MAX).unwrap();
    let pages = answer
        .pages
        .into_iter()
        .map(|(key, page)| (key, page.body().to_vec()))
        .collect();
    assert_eq!(
        json_titles(&pages).1,
        [
            "Rare 27", "Rare 24", "Rare 18", "Rare 15", "Rare 12", "Rare 9", "Rare 6", "Rare 3",
            "Rare 0", "Rare old"
        ]
    );
}

#[test]
fn a_seed_retitled_with_its_body_unchanged_shows_its_new_title() {
    // The same closing paragraph and no image: what the site may share is as before, only
    // the stamp tells the new version from the entry at hand.
    let version = |title: &str| {
        let epoch_ms = 1_600_000_000_000_i64;
        format!(
            "<!--{epoch_ms}-->\n[{title}]({})\n------\n\n<p>The same body.</p>\n",
            x("a")
        )
    };
    let folder = Folder::with(&[("a.txt", version("A"))]);
    let mut indexer = folder.indexer(50);
    indexer.scan();
    assert_eq!(titles(&indexer.render().unwrap()), ["A"]);
    let a = folder.write("a.txt", &version("A, retitled"));
    indexer.apply(&Batch::Paths(vec![a]));
    assert_eq!(titles(&indexer.render().unwrap()), ["A, retitled"]);
}

#[test]
fn the_index_cache_serves_only_the_folder_and_the_settings_it_was_made_with() {
    let folder = Folder::abc();
    assert!(!folder.indexer(50).has_cached_keys(), "no cache configured");
    let mut first = folder.indexer_with_cache();
    assert!(
        !first.has_cached_keys(),
        "no cache written yet: a cold start"
    );
    first.scan();
    first.save_cache();
    let mut restart = folder.indexer_with_cache();
    assert!(restart.has_cached_keys(), "a restart");
    assert_eq!(restart.scan().from_cache, 3);

    // Another time zone can date the same bytes differently: every seed is read again.
    let mut config = folder.config(50, true);
    config.seeds.timezone = chrono_tz::Europe::Paris;
    let mut other_zone = Indexer::open(&config).unwrap();
    assert!(!other_zone.has_cached_keys());
    assert_eq!(other_zone.scan().from_cache, 0);
    // So can another size cap (it decides which files are seeds at all).
    let mut config = folder.config(50, true);
    config.seeds.max_file_bytes -= 1;
    assert_eq!(Indexer::open(&config).unwrap().scan().from_cache, 0);

    // The cache of another folder names none of this one's files: a cold start.
    let elsewhere = Folder::abc();
    let mut config = elsewhere.config(50, false);
    config.seeds.cache = Some(folder.cache_file());
    let mut copy = Indexer::open(&config).unwrap();
    assert!(!copy.has_cached_keys());
    assert_eq!(copy.scan().from_cache, 0);
}

#[test]
fn a_planned_request_names_what_a_change_must_touch_to_outdate_it() {
    // The tail caches a render only if it knows what the render depends on.
    let folder = Folder::abc();
    let mut indexer = folder.indexer(1);
    indexer.scan();
    let wanted = crate::wanted::wanted("/feed.json", "limit=2")
        .unwrap()
        .unwrap();
    let planned = indexer.plan(&wanted).ok().unwrap();
    assert!(
        matches!(planned, Planned::Job(_)),
        "three entries: walked at once"
    );
    assert_eq!(
        planned.depends(),
        Some(crate::tail::Depends::on_scope(Scope::All))
    );
}

#[test]
fn a_view_of_one_author_walks_that_author_s_order_and_keeps_to_its_folder() {
    let folder = Folder::with(&[
        ("nyt/a.txt", byline("A", &x("a"), 1, "Amy Qin")),
        ("nyt/b.txt", byline("B", &x("b"), 2, "Li Yuan")),
        ("bbc/c.txt", byline("C", &x("c"), 3, "Amy Qin")),
        ("bbc/d.txt", byline("D", &x("d"), 4, "Amy Qin")),
        ("e.txt", byline("E", &x("e"), 5, "Amy Qin")),
    ]);
    let mut indexer = folder.indexer(50);
    indexer.scan();
    indexer.read_authors(100);
    let titles = |indexer: &mut Indexer, path: &str, query: &str| {
        json_titles(&answer(indexer, path, query).unwrap()).1
    };
    assert_eq!(
        titles(&mut indexer, "/feed.json", "author=amy-qin"),
        ["E", "D", "C", "A"]
    );
    assert_eq!(
        titles(&mut indexer, "/bbc/feed.json", "author=amy-qin"),
        ["D", "C"]
    );
    assert_eq!(
        titles(&mut indexer, "/nyt/feed.json", "author=amy-qin"),
        ["A"]
    );
    assert_eq!(
        titles(&mut indexer, "/bbc/feed.json", "author=amy-qin&limit=1"),
        ["D"]
    );
    assert_eq!(
        titles(&mut indexer, "/feed.json", "author=nobody"),
        Vec::<String>::new()
    );
    assert_eq!(
        titles(&mut indexer, "/nyt/feed.json", "author=li-yuan&q=b"),
        ["B"]
    );
}

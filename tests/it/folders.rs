//! One feed per top-level folder (issue #12): `/<folder>/rss.xml`, `atom.xml`, `feed.json` and
//! its page, with and without `[feeds.<folder>]` metadata; non-ASCII folder names; folders
//! added and removed while serving; `/opml.xml` listing every feed, read by an OPML parser.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::support::{Server, config_text, numbered_seed, seed, write};
use crate::validity::{atom_problems, json_feed_problems, rss_problems};

const ARCHIVE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/archive-sample/articles");

/// Every seed file below `dir`, at any depth.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_below(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// The distinct links the seeds below `dir` hold, read from their title lines.
fn links_below(dir: &Path) -> HashSet<String> {
    files_below(dir)
        .iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(path).ok()?;
            let line = text.lines().find(|l| l.starts_with('['))?;
            let (_, link) = line.rsplit_once("](")?;
            Some(link.trim_end_matches(')').to_string())
        })
        .collect()
}

fn links_of(feed: &feed_rs::model::Feed) -> Vec<String> {
    feed.entries
        .iter()
        .map(|e| e.links[0].href.clone())
        .collect()
}

fn self_link(feed: &feed_rs::model::Feed) -> Option<String> {
    feed.links
        .iter()
        .find(|l| l.rel.as_deref() == Some("self"))
        .map(|l| l.href.clone())
}

#[test]
fn each_outlet_folder_is_a_feed_of_its_own_seeds() {
    let config = format!(
        "{}[feeds.nyt]\ntitle = \"NYT only\"\ndescription = \"The NYT's Chinese site\"\nlimit = 5\n",
        config_text(Path::new(ARCHIVE), 1000)
    );
    let server = Server::start(Path::new(ARCHIVE), &config);
    let mut folders: Vec<String> = std::fs::read_dir(ARCHIVE)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    folders.sort();
    assert!(folders.len() >= 9, "{folders:?}");
    let mut served_in_folders = 0;
    for folder in &folders {
        let links = links_below(&Path::new(ARCHIVE).join(folder));
        let limit = if folder == "nyt" { 5 } else { 1000 };
        for (path, problems) in [
            ("rss.xml", rss_problems as fn(&[u8]) -> Vec<String>),
            ("atom.xml", atom_problems),
            ("feed.json", json_feed_problems),
        ] {
            let path = format!("/{folder}/{path}");
            let body = server.get(&path).body;
            assert_eq!(problems(&body), Vec::<String>::new(), "{path}");
            let feed = server.feed(&path);
            assert_eq!(feed.entries.len(), links.len().min(limit), "{path}");
            for link in links_of(&feed) {
                assert!(links.contains(&link), "{path}: {link} is not in {folder}/");
            }
            if path.ends_with(".xml") {
                assert_eq!(
                    self_link(&feed).as_deref(),
                    Some(format!("http://127.0.0.1:8080{path}").as_str()),
                    "{path}"
                );
            }
        }
        served_in_folders += links.len();
    }
    // The root still serves every seed.
    assert_eq!(server.feed("/atom.xml").entries.len(), served_in_folders);

    // Metadata: the config's where it says something, else the outlet's name and site.
    let nyt = server.feed("/nyt/atom.xml");
    assert_eq!(nyt.title.unwrap().content, "NYT only");
    assert_eq!(nyt.description.unwrap().content, "The NYT's Chinese site");
    let bbc = server.feed("/bbc/rss.xml");
    assert_eq!(bbc.title.unwrap().content, "BBC中文");
    assert_eq!(bbc.links[0].href, "https://bbc.com/");
    let json: serde_json::Value =
        serde_json::from_slice(&server.get("/rfi/feed.json").body).unwrap();
    assert_eq!(json["title"], "法国国际广播电台");
    assert_eq!(json["feed_url"], "http://127.0.0.1:8080/rfi/feed.json");

    // The folder's page: its entries, discovery of its own feeds, and a way back.
    let page = server.get("/bbc/");
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let links = page.header("link").expect("a Link header");
    assert!(
        links.contains("<http://127.0.0.1:8080/bbc/rss.xml>; rel=\"alternate\""),
        "{links}"
    );
    let html = page.text();
    assert!(
        html.contains(r#"<link rel="alternate" type="application/atom+xml" title="BBC中文 (Atom)" href="http://127.0.0.1:8080/bbc/atom.xml">"#),
        "{html}"
    );
    assert!(html.contains(r#"<a href="http://127.0.0.1:8080/">Test feed</a>"#));
    // …and the root's page links every folder's.
    let root = server.get("/").text();
    for folder in &folders {
        assert!(
            root.contains(&format!("href=\"http://127.0.0.1:8080/{folder}/\"")),
            "{folder}"
        );
    }
    // Without its slash, the page's address redirects to it.
    let redirect = server.get("/bbc");
    assert_eq!(redirect.status, 308);
    assert_eq!(redirect.header("location"), Some("/bbc/"));
    // No such folder: nothing there.
    assert_eq!(server.get("/nosuch/rss.xml").status, 404);
    assert_eq!(server.get("/nosuch/").status, 404);
}

#[test]
fn a_folder_with_a_non_ascii_name_is_served_under_its_percent_encoded_name() {
    let server = Server::with_files(
        &[
            ("纽约 时报/a.txt", numbered_seed(1, "In the folder")),
            ("top.txt", numbered_seed(2, "At the top")),
        ],
        50,
    );
    let canonical = "/%E7%BA%BD%E7%BA%A6%20%E6%97%B6%E6%8A%A5/";
    let feed = server.feed(&format!("{canonical}atom.xml"));
    assert_eq!(feed.title.as_ref().unwrap().content, "纽约 时报");
    assert_eq!(
        self_link(&feed).as_deref(),
        Some(format!("http://127.0.0.1:8080{canonical}atom.xml").as_str())
    );
    assert_eq!(links_of(&feed), ["https://x.example/world/1"]);
    // Lower-case escapes name the same document, byte for byte.
    let lower = canonical.to_lowercase();
    let asked_lower = server.get(&format!("{lower}atom.xml"));
    assert_eq!(asked_lower.status, 200);
    assert_eq!(
        asked_lower.body,
        server.get(&format!("{canonical}atom.xml")).body
    );
    // The page's address without the slash redirects to the canonical one.
    let redirect = server.get("/%e7%ba%bd%e7%ba%a6%20%e6%97%b6%e6%8a%a5");
    assert_eq!(redirect.status, 308);
    assert_eq!(redirect.header("location"), Some(canonical));
    // Escapes that are not UTF-8 name nothing.
    assert_eq!(server.get("/%FF/atom.xml").status, 404);
}

/// Polls `check` on the server until it holds (10 s at most).
fn wait_for(server: &Server, what: &str, check: impl Fn(&Server) -> bool) {
    let started = Instant::now();
    while !check(server) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn opml_feeds(server: &Server) -> BTreeMap<String, String> {
    let response = server.get("/opml.xml");
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type"),
        Some("text/x-opml; charset=utf-8")
    );
    // Dated by the feeds it lists, not by the epoch.
    let modified = response.header("last-modified").unwrap();
    assert!(!modified.contains("1970"), "{modified}");
    let document = opml::OPML::from_str(&response.text()).expect("OPML parses");
    assert_eq!(document.version, "2.0");
    document
        .body
        .outlines
        .into_iter()
        .map(|o| (o.text, o.xml_url.expect("every outline has its feed URL")))
        .collect()
}

#[test]
fn folders_added_and_removed_while_serving_come_and_go_with_their_feeds() {
    let server = Server::with_files(&[("top.txt", numbered_seed(1, "At the top"))], 50);
    assert_eq!(
        opml_feeds(&server),
        BTreeMap::from([("Test feed".into(), "http://127.0.0.1:8080/rss.xml".into())])
    );
    assert_eq!(server.get("/dw/rss.xml").status, 404);

    // A new folder with a seed: its feeds appear, the OPML file and the root page list it.
    write(
        &server.path("dw/2020/a.txt"),
        seed(
            "In dw",
            "https://www.dw.com/zh/x/a-1",
            1_700_000_000_000,
            "<p>x</p>",
        )
        .as_bytes(),
    );
    wait_for(&server, "the dw feed", |s| {
        s.get("/dw/rss.xml").status == 200
    });
    assert_eq!(server.titles("/dw/rss.xml"), ["In dw"]);
    assert_eq!(
        opml_feeds(&server),
        BTreeMap::from([
            ("Test feed".into(), "http://127.0.0.1:8080/rss.xml".into()),
            ("德国之声".into(), "http://127.0.0.1:8080/dw/rss.xml".into()),
        ])
    );
    assert!(
        server
            .get("/")
            .text()
            .contains(r#"href="http://127.0.0.1:8080/dw/""#)
    );
    server.wait_until("both entries in the root", |t| t.len() == 2);

    // The folder goes: its documents are gone, and so is its line in the OPML file.
    std::fs::remove_dir_all(server.path("dw")).unwrap();
    wait_for(&server, "the dw feed to go", |s| {
        s.get("/dw/rss.xml").status == 404
    });
    for path in ["/dw/atom.xml", "/dw/feed.json", "/dw/"] {
        assert_eq!(server.get(path).status, 404, "{path}");
    }
    assert_eq!(opml_feeds(&server).len(), 1);
    assert!(!server.get("/").text().contains("/dw/"));
    server.wait_until("the root back to one entry", |t| t == ["At the top"]);
}

#[test]
fn a_change_in_one_folder_leaves_the_other_folders_documents_as_they_were() {
    let server = Server::with_files(
        &[
            ("a/1.txt", numbered_seed(1, "A one")),
            ("b/2.txt", numbered_seed(2, "B two")),
        ],
        50,
    );
    let before = server.get("/b/atom.xml");
    write(
        &server.path("a/3.txt"),
        numbered_seed(3, "A three").as_bytes(),
    );
    wait_for(&server, "a's new entry", |s| {
        s.titles("/a/atom.xml") == ["A three", "A one"]
    });
    let after = server.get("/b/atom.xml");
    assert_eq!(after.body, before.body);
    assert_eq!(after.header("etag"), before.header("etag"));
    assert_eq!(
        after.header("last-modified"),
        before.header("last-modified")
    );
}

#[test]
fn the_rss_ttl_is_the_feed_s_or_the_folder_s_own() {
    let files = [
        ("nyt/a.txt", numbered_seed(1, "A")),
        ("bbc/b.txt", numbered_seed(2, "B")),
    ];
    let without = Server::with_files(&files, 10);
    assert_eq!(
        without.feed("/rss.xml").ttl,
        None,
        "no <ttl> unless configured"
    );
    let server = Server::with_files_and_config(&files, |seeds| {
        format!(
            "{}ttl = 60\n[feeds.nyt]\nttl = 15\n",
            config_text(seeds, 10)
        )
    });
    assert_eq!(server.feed("/rss.xml").ttl, Some(60));
    assert_eq!(server.feed("/nyt/rss.xml").ttl, Some(15));
    assert_eq!(server.feed("/bbc/rss.xml").ttl, Some(60), "the root's");
    let body = server.get("/nyt/rss.xml").text();
    assert!(body.contains("<ttl>15</ttl>"), "{body}");
}

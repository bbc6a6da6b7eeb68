//! The long tail (issue #12): author and section feeds, filtered views and month archives,
//! rendered on first request and cached until a change touches them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, Utc};
use seedfeed::scope::slug;
use seedfeed::seed::{self, SeedContext};

use crate::support::{Response, Server, config_text, config_with_cache, seed, write};
use crate::validity::{atom_problems, json_feed_problems, rss_problems};

const ARCHIVE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/archive-sample/articles");

/// Every seed below `dir` parsed by the library, as the oracle for who wrote what.
fn parsed_below(dir: &Path) -> Vec<seedfeed::entry::Entry> {
    parsed_with_sections_below(dir)
        .into_iter()
        .map(|(entry, _)| entry)
        .collect()
}

/// Each entry below `dir`, with the word its section feed's URL is made from (the link's,
/// where the entry shows the outlet's name for it).
fn parsed_with_sections_below(dir: &Path) -> Vec<(seedfeed::entry::Entry, Option<String>)> {
    let outlets = seedfeed::config::builtin_outlets();
    let context = SeedContext {
        timezone: chrono_tz::Asia::Shanghai,
        modified: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
        outlets: &outlets,
        site: Default::default(),
    };
    let mut entries = BTreeMap::new();
    for path in crate::folders::files_below(dir) {
        let bytes = std::fs::read(&path).unwrap();
        if let (Ok(entry), Ok(key)) = (
            seed::parse(&bytes, &context),
            seed::parse_key(&bytes, &context),
        ) {
            let term = key.section.map(|s| s.term.to_string());
            entries.insert(entry.id.clone(), (entry, term));
        }
    }
    entries.into_values().collect()
}

/// Polls `path` until it answers something other than 503 (authors still being read).
fn settled(server: &Server, path: &str) -> Response {
    let started = Instant::now();
    loop {
        let response = server.get(path);
        if response.status != 503 {
            return response;
        }
        assert_eq!(response.header("retry-after"), Some("5"));
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{path}: 503 for too long"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn ids(body: &[u8]) -> BTreeSet<String> {
    feed_rs::parser::parse(body)
        .unwrap()
        .entries
        .into_iter()
        .map(|e| e.links[0].href.clone())
        .collect()
}

#[test]
fn author_and_section_feeds_hold_exactly_their_entries() {
    let entries = parsed_with_sections_below(Path::new(ARCHIVE));
    let mut by_author: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut by_section: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (entry, section) in &entries {
        for author in &entry.authors {
            by_author
                .entry(slug(author))
                .or_default()
                .insert(entry.link.clone());
        }
        if let Some(section) = section {
            by_section
                .entry(slug(section))
                .or_default()
                .insert(entry.link.clone());
        }
    }
    assert!(
        by_author.len() > 50 && by_section.len() > 5,
        "{by_section:?}"
    );
    let server = Server::start(Path::new(ARCHIVE), &config_text(Path::new(ARCHIVE), 1000));
    // The busiest three of each, and a few from the long tail (non-ASCII slugs included).
    let mut authors: Vec<(&String, &BTreeSet<String>)> = by_author.iter().collect();
    authors.sort_by_key(|(slug, links)| (std::cmp::Reverse(links.len()), (*slug).clone()));
    let picks = authors.iter().take(3).chain(authors.iter().rev().take(3));
    for (slug, links) in picks {
        let prefix = format!("/authors/{}/", urlencoding(slug));
        for (name, problems) in [
            ("rss.xml", rss_problems as fn(&[u8]) -> Vec<String>),
            ("atom.xml", atom_problems),
            ("feed.json", json_feed_problems),
        ] {
            let path = format!("{prefix}{name}");
            let response = settled(&server, &path);
            assert_eq!(response.status, 200, "{path}");
            assert_eq!(problems(&response.body), Vec::<String>::new(), "{path}");
            let served = ids(&response.body);
            let want: BTreeSet<String> = links.iter().take(1000).cloned().collect();
            assert_eq!(&served, &want, "{path}");
        }
        let page = settled(&server, &prefix);
        assert_eq!(page.status, 200);
        let link = page.header("link").unwrap();
        assert!(
            link.contains(&format!(
                "<http://127.0.0.1:8080{prefix}atom.xml>; rel=\"alternate\""
            )),
            "{link}"
        );
        assert!(page.text().contains("<html"), "{prefix}");
    }
    for (slug, links) in by_section.iter().take(4) {
        let path = format!("/sections/{}/atom.xml", urlencoding(slug));
        let response = settled(&server, &path);
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(&ids(&response.body), links, "{path}");
    }
    assert_eq!(
        settled(&server, "/authors/no-such-person/atom.xml").status,
        404
    );
    assert_eq!(settled(&server, "/sections/no-such-section/").status, 404);
}

/// A slug as one URL path segment.
fn urlencoding(text: &str) -> String {
    seedfeed::urls::encode_segment(text)
}

/// A seed whose byline is an `<address>`; a long one has it settled by the key's quick read,
/// a short one only by the authors' background read.
fn byline_seed(title: &str, link: &str, epoch_ms: i64, author: &str, long: bool) -> String {
    let words = if long { 1000 } else { 10 };
    seed(
        title,
        link,
        epoch_ms,
        &format!(
            "<address>{author}</address><p>{}</p>",
            "text ".repeat(words)
        ),
    )
}

#[test]
fn an_author_feed_follows_its_seeds_live_and_is_gone_with_the_last() {
    let server = Server::with_files(
        &[(
            "nyt/a.txt",
            byline_seed(
                "One",
                "https://cn.nytimes.com/world/1/",
                1_700_000_000_000,
                "Amy Qin",
                true,
            ),
        )],
        50,
    );
    let path = "/authors/amy-qin/atom.xml";
    assert_eq!(server.feed(path).entries.len(), 1);
    let first = server.get(path);
    // Cached: the same bytes and validators, and a 304 for a reader that has them.
    let etag = first.header("etag").unwrap().to_string();
    assert_eq!(server.get(path).header("etag"), Some(etag.as_str()));
    let again = server.request("GET", path, &[("If-None-Match", &etag)]);
    assert_eq!(again.status, 304);
    write(
        &server.path("nyt/b.txt"),
        byline_seed(
            "Two",
            "https://cn.nytimes.com/world/2/",
            1_700_000_100_000,
            "amy qin",
            false,
        )
        .as_bytes(),
    );
    let started = Instant::now();
    while server.feed(path).entries.len() != 2 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the new seed never showed"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    std::fs::remove_file(server.path("nyt/a.txt")).unwrap();
    std::fs::remove_file(server.path("nyt/b.txt")).unwrap();
    while server.get(path).status != 404 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the author feed stayed"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A seed no document shows has its byline read by the update loop in the background: then
/// its author's feed is served, and the root page lists the author without another change.
#[test]
fn the_byline_of_a_seed_no_feed_shows_is_read_in_the_background() {
    // Limit 1: one seed shown and two spares parsed; the old seed is none of them.
    let newer = |i: i64| {
        (
            format!("nyt/{i}.txt"),
            byline_seed(
                &format!("Newer {i}"),
                &format!("https://cn.nytimes.com/world/{i}/"),
                1_700_000_000_000 + i * 60_000,
                "Amy Qin",
                true,
            ),
        )
    };
    let files: Vec<_> = (1..=3).map(newer).collect();
    let files: Vec<_> = files.iter().map(|(p, t)| (p.as_str(), t.clone())).collect();
    let server = Server::with_files(&files, 1);
    write(
        &server.path("nyt/old.txt"),
        byline_seed(
            "Old",
            "https://cn.nytimes.com/world/old/",
            1_600_000_000_000,
            "Li Yuan",
            false,
        )
        .as_bytes(),
    );
    let path = "/authors/li-yuan/atom.xml";
    let started = Instant::now();
    let response = loop {
        let response = server.get(path);
        if response.status == 200 {
            break response;
        }
        assert!(
            matches!(response.status, 404 | 503),
            "{path}: {}",
            response.status
        );
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{path}: never served ({})",
            response.status
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(
        ids(&response.body),
        ["https://cn.nytimes.com/world/old/".to_string()].into()
    );
    while !server.get("/").text().contains("Li Yuan") {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the root page never listed the author read in the background"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A view's walk looks at 2048 entries when it is planned and then a slice each round of
/// the update loop: a match beyond the first ones is found all the same.
#[test]
fn a_view_whose_only_match_is_beyond_the_first_walk_is_answered() {
    let files: Vec<(String, String)> = (0..2100)
        .map(|i: i64| {
            let title = if i == 0 {
                "Needle".to_string()
            } else {
                format!("Hay {i}")
            };
            let link = format!("https://x.example/world/{i}");
            (
                format!("s/{i:04}.txt"),
                seed(&title, &link, 1_600_000_000_000 + i * 60_000, "<p>b</p>"),
            )
        })
        .collect();
    let files: Vec<(&str, String)> = files.iter().map(|(n, t)| (n.as_str(), t.clone())).collect();
    let server = Server::with_files(&files, 10);
    let response = server.get("/feed.json?q=needle");
    assert_eq!(response.status, 200, "{}", response.text());
    let feed: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
    let titles: Vec<&str> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Needle"]);
}

#[test]
fn query_parameters_filter_and_bad_ones_are_refused() {
    let days = |d: i64| 1_700_000_000_000 + d * 86_400_000;
    let files: Vec<(String, String)> = (0..30)
        .map(|i| {
            let title = if i % 3 == 0 {
                format!("Trade talks {i}")
            } else {
                format!("Weather {i}")
            };
            let author = if i % 2 == 0 { "Amy Qin" } else { "Li Yuan" };
            let section = if i % 5 == 0 { "business" } else { "world" };
            let link = format!("https://cn.nytimes.com/{section}/{i}/");
            (
                format!("nyt/{i:02}.txt"),
                byline_seed(&title, &link, days(i), author, false),
            )
        })
        .collect();
    let files: Vec<(&str, String)> = files.iter().map(|(n, t)| (n.as_str(), t.clone())).collect();
    let server = Server::with_files(&files, 50);
    let titles = |path: &str| -> Vec<String> {
        let response = settled(&server, path);
        assert_eq!(response.status, 200, "{path}: {}", response.text());
        feed_rs::parser::parse(response.body.as_slice())
            .unwrap()
            .entries
            .into_iter()
            .map(|e| e.title.unwrap().content)
            .collect()
    };
    assert_eq!(titles("/rss.xml?limit=2"), ["Weather 29", "Weather 28"]);
    assert_eq!(
        titles("/nyt/atom.xml?q=TRADE&limit=3"),
        ["Trade talks 27", "Trade talks 24", "Trade talks 21"]
    );
    assert_eq!(titles("/feed.json?q=trade+27").len(), 1);
    assert_eq!(
        titles("/atom.xml?q=nothing-like-this"),
        Vec::<String>::new()
    );
    let by_li = titles("/atom.xml?author=Li%20Yuan");
    assert_eq!(by_li.len(), 15);
    assert!(
        by_li.iter().all(|t| t.ends_with(['1', '3', '5', '7', '9'])),
        "{by_li:?}"
    );
    assert_eq!(titles("/rss.xml?section=business&author=amy-qin").len(), 3);
    let since = DateTime::from_timestamp_millis(days(25))
        .unwrap()
        .to_rfc3339();
    let since = since.replace('+', "%2B");
    assert_eq!(titles(&format!("/atom.xml?since={since}")).len(), 5);
    let until = DateTime::from_timestamp_millis(days(2)).unwrap();
    assert_eq!(
        titles(&format!(
            "/atom.xml?until={}",
            until.to_rfc3339().replace('+', "%2B")
        )),
        ["Weather 2", "Weather 1", "Trade talks 0"]
    );
    let day = DateTime::from_timestamp_millis(days(29)).unwrap();
    let date = format!("{:04}-{:02}-{:02}", day.year(), day.month(), day.day());
    assert_eq!(
        titles(&format!("/atom.xml?since={date}&until={date}")).len(),
        1
    );
    assert_eq!(titles("/atom.xml?limit=500").len(), 30);

    // rel="self" is the URL requested, and the view has validators and a 304 of its own.
    let response = server.get("/atom.xml?limit=2&q=weather");
    let etag = response.header("etag").unwrap().to_string();
    assert_ne!(Some(etag.as_str()), server.get("/atom.xml").header("etag"));
    let again = server.request(
        "GET",
        "/atom.xml?limit=2&q=weather",
        &[("If-None-Match", &etag)],
    );
    assert_eq!(again.status, 304);
    assert!(response.etag_matches_body());
    let compressed = server.wait_for_coding("/atom.xml?limit=2&q=weather", "gzip");
    assert!(compressed.etag_matches_body());

    for bad in [
        "limit=0",
        "limit=501",
        "limit=abc",
        "limit=1&limit=2",
        "since=tomorrow",
        "until=2024-13-01",
        "since=2024-05-02&until=2024-05-01",
        "author=",
        "colour=red",
        &format!("q={}", "x".repeat(300)),
    ] {
        let response = server.get(&format!("/nyt/rss.xml?{bad}"));
        assert_eq!(response.status, 400, "{bad}");
        assert!(response.text().starts_with("bad request: "), "{bad}");
    }
    // A query elsewhere changes nothing there.
    assert_eq!(server.get("/status?x=1").status, 200);
}

/// Every month's archive of the folder, and what they hold together.
fn month_archives(server: &Server, feed: &str, months: &BTreeSet<String>) -> Vec<String> {
    let mut all = Vec::new();
    for month in months {
        let path = format!("{feed}archive/{month}/atom.xml");
        let response = server.get(&path);
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(
            atom_problems(&response.body),
            Vec::<String>::new(),
            "{path}"
        );
        let feed = feed_rs::parser::parse(response.body.as_slice()).unwrap();
        for entry in feed.entries {
            let published = entry.published.unwrap();
            assert_eq!(
                format!("{:04}-{:02}", published.year(), published.month()),
                *month
            );
            all.push(entry.links[0].href.clone());
        }
    }
    all
}

#[test]
fn month_archives_hold_every_entry_once_and_change_only_with_their_month() {
    let entries = parsed_below(&Path::new(ARCHIVE).join("nyt"));
    let months: BTreeSet<String> = entries
        .iter()
        .map(|e| format!("{:04}-{:02}", e.published.year(), e.published.month()))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let seeds = dir.path().join("seeds");
    copy_dir(&Path::new(ARCHIVE).join("nyt"), &seeds.join("nyt"));
    // A limit above any month's count: one page per month.
    let server = Server::start(&seeds, &config_text(&seeds, 1000));
    let archived = month_archives(&server, "/nyt/", &months);
    let unique: BTreeSet<&String> = archived.iter().collect();
    assert_eq!(archived.len(), unique.len(), "an entry is in two months");
    let expected: BTreeSet<&String> = entries.iter().map(|e| &e.link).collect();
    assert_eq!(unique, expected);
    assert_eq!(server.get("/nyt/archive/1999-01/atom.xml").status, 404);
    let first = months.iter().next().unwrap();
    assert_eq!(
        server
            .get(&format!("/nyt/archive/{first}/2/atom.xml"))
            .status,
        404,
        "no page 2"
    );
    assert_eq!(
        server
            .get(&format!("/nyt/archive/{first}/1/atom.xml"))
            .status,
        404,
        "page 1 has one URL"
    );

    // A past month is cached long; a seed of another month leaves it as it was.
    let month = months.iter().next().unwrap().clone();
    let path = format!("/nyt/archive/{month}/rss.xml");
    let before = server.get(&path);
    assert_eq!(
        before.header("cache-control"),
        Some("public, max-age=604800")
    );
    let newest: DateTime<Utc> = entries.iter().map(|e| e.published).max().unwrap();
    let later = newest + chrono::Duration::days(40);
    write(
        &seeds.join("nyt/new.txt"),
        seed(
            "Newest",
            "https://cn.nytimes.com/world/new/",
            later.timestamp_millis(),
            "<p>x</p>",
        )
        .as_bytes(),
    );
    let started = Instant::now();
    while !server
        .titles("/nyt/rss.xml")
        .contains(&"Newest".to_string())
    {
        assert!(started.elapsed() < Duration::from_secs(30));
        std::thread::sleep(Duration::from_millis(10));
    }
    let after = server.get(&path);
    assert_eq!(after.header("etag"), before.header("etag"));
    assert_eq!(
        after.header("last-modified"),
        before.header("last-modified")
    );
    // …and a seed of that month changes it.
    let in_month = DateTime::parse_from_rfc3339(&format!("{month}-15T12:00:00Z"))
        .unwrap()
        .timestamp_millis();
    write(
        &seeds.join("nyt/old.txt"),
        seed(
            "Back then",
            "https://cn.nytimes.com/world/old/",
            in_month,
            "<p>x</p>",
        )
        .as_bytes(),
    );
    while server.get(&path).header("etag") == before.header("etag") {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the month never changed"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(server.get(&path).text().contains("Back then"));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            copy_dir(&path, &to.join(path.file_name().unwrap()));
        } else {
            std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
        }
    }
}

/// The feed-level link of `rel` in an Atom or RSS document.
fn link_of(body: &[u8], rel: &str) -> Option<String> {
    feed_rs::parser::parse(body)
        .unwrap()
        .links
        .into_iter()
        .find(|l| l.rel.as_deref() == Some(rel))
        .map(|l| l.href)
}

/// A URL of the test config's base as a path on the server under test.
fn path_of(url: &str) -> String {
    url.strip_prefix("http://127.0.0.1:8080")
        .unwrap_or_else(|| panic!("{url} is not under the base URL"))
        .to_string()
}

#[test]
fn archives_walked_from_the_current_document_hold_every_entry_exactly_once() {
    let nyt = Path::new(ARCHIVE).join("nyt");
    let expected: BTreeSet<String> = parsed_below(&nyt).into_iter().map(|e| e.link).collect();
    let server = Server::start(&nyt, &config_text(&nyt, 5));
    for name in ["atom.xml", "rss.xml"] {
        let current = format!("/{name}");
        let body = server.get(&current).body;
        assert!(
            !String::from_utf8_lossy(&body).contains("fh:archive"),
            "{current}"
        );
        let mut seen: Vec<String> = Vec::new();
        let mut newer: Option<String> = None;
        let mut next = link_of(&body, "prev-archive");
        let mut documents = 0;
        let mut paged = false;
        while let Some(url) = next {
            let path = path_of(&url);
            paged |= path
                .split('/')
                .rev()
                .nth(1)
                .is_some_and(|p| p.parse::<usize>().is_ok());
            let response = server.get(&path);
            assert_eq!(response.status, 200, "{path}");
            let problems = match name {
                "atom.xml" => atom_problems(&response.body),
                _ => rss_problems(&response.body),
            };
            assert_eq!(problems, Vec::<String>::new(), "{path}");
            let text = response.text();
            assert!(
                text.contains("<fh:archive/>"),
                "{path} is not marked as an archive"
            );
            assert_eq!(
                link_of(&response.body, "self").as_deref(),
                Some(url.as_str())
            );
            assert_eq!(
                link_of(&response.body, "current"),
                Some(format!("http://127.0.0.1:8080{current}")),
                "{path}"
            );
            assert_eq!(link_of(&response.body, "next-archive"), newer, "{path}");
            seen.extend(ids(&response.body));
            newer = Some(url);
            next = link_of(&response.body, "prev-archive");
            documents += 1;
        }
        let unique: BTreeSet<String> = seen.iter().cloned().collect();
        assert_eq!(
            seen.len(),
            unique.len(),
            "{name}: an entry in two archive documents"
        );
        assert_eq!(
            unique, expected,
            "{name}: the archive is not the whole history"
        );
        assert!(documents > 3, "{documents}");
        // A month with more entries than the limit (5) is paged: a page 2 was walked.
        assert!(paged, "{name}: no month needed a second page");
        // The current document's entries are the newest of that history.
        assert!(ids(&body).is_subset(&expected));
    }
    // JSON Feed pages back with next_url, through the same months.
    let mut seen = BTreeSet::new();
    let mut url = Some("http://127.0.0.1:8080/feed.json".to_string());
    let mut first = true;
    while let Some(current) = url {
        let json: serde_json::Value =
            serde_json::from_slice(&server.get(&path_of(&current)).body).unwrap();
        assert_eq!(json["feed_url"], current.as_str());
        for item in json["items"].as_array().unwrap() {
            if !first {
                assert!(seen.insert(item["url"].as_str().unwrap().to_string()));
            }
        }
        first = false;
        url = json["next_url"].as_str().map(str::to_string);
    }
    assert_eq!(seen, expected);
}

#[test]
fn each_entry_has_a_page_of_its_own() {
    let nyt = Path::new(ARCHIVE).join("nyt");
    let server = Server::start(&nyt, &config_text(&nyt, 5));
    let page = server.get("/").text();
    let html = scraper::Html::parse_document(&page);
    let first = scraper::Selector::parse("main li a:first-child").unwrap();
    let feed = server.feed("/atom.xml");
    let links: Vec<String> = html
        .select(&first)
        .map(|a| a.value().attr("href").unwrap().to_string())
        .collect();
    assert_eq!(links.len(), feed.entries.len());
    for (link, entry) in links.iter().zip(&feed.entries) {
        let original = &entry.links[0].href;
        assert_eq!(
            *link,
            format!(
                "http://127.0.0.1:8080/{}",
                seedfeed::urls::entry_path(original)
            )
        );
        let response = server.get(&path_of(link));
        assert_eq!(response.status, 200, "{link}");
        assert_eq!(
            response.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        let text = response.text();
        let title = entry.title.as_ref().unwrap().content.clone();
        let escaped = title.replace('&', "&#38;");
        assert!(
            text.contains(&escaped) || text.contains(&title),
            "{link}: no title {title}"
        );
        assert!(
            text.contains(&format!("href=\"{}\"", original.replace('&', "&#38;"))),
            "{link}: no original link"
        );
        // The whole article, as the feeds carry it.
        let article = entry.content.as_ref().and_then(|c| c.body.clone()).unwrap();
        let words = |html: &str| -> String {
            let text: String = scraper::Html::parse_fragment(html)
                .root_element()
                .text()
                .collect();
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        };
        let (article, page) = (words(&article), words(&text));
        assert!(article.chars().count() > 40, "{link}: a short article");
        assert!(
            page.contains(&article),
            "{link}: the article is not all there"
        );
        assert!(
            text.contains("rel=\"alternate\""),
            "{link}: no autodiscovery"
        );
        assert_eq!(
            response.header("link"),
            None,
            "{link}: no feed lives under an entry"
        );
        let again = server.request(
            "GET",
            &path_of(link),
            &[("If-None-Match", response.header("etag").unwrap())],
        );
        assert_eq!(again.status, 304);
    }
    assert_eq!(server.get("/entries/0000000000000000/").status, 404);
    assert_eq!(server.get("/entries/nothex/").status, 404);
}

#[test]
fn a_crowd_of_distinct_queries_neither_hangs_nor_holds_up_a_change() {
    let files: Vec<(String, String)> = (0..300)
        .map(|i| {
            let link = format!("https://cn.nytimes.com/world/{i}/");
            let body = format!("<p>{}</p>", "word ".repeat(400));
            (
                format!("nyt/{i:03}.txt"),
                seed(
                    &format!("Title {i}"),
                    &link,
                    1_600_000_000_000 + i * 60_000,
                    &body,
                ),
            )
        })
        .collect();
    let files: Vec<(&str, String)> = files.iter().map(|(n, t)| (n.as_str(), t.clone())).collect();
    let server = Server::with_files(&files, 50);
    let base = server.base.clone();
    let crowd: Vec<_> = (0..4)
        .map(|t| {
            let base = base.clone();
            std::thread::spawn(move || {
                let mut statuses = Vec::new();
                for i in 0..15 {
                    let url = format!("{base}/atom.xml?q=title&limit={}", 1 + t * 15 + i);
                    statuses.push(crate::support::request("GET", &url, &[]).status);
                }
                statuses
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(50));
    let seen = server.break_news("nyt");
    assert!(
        seen < Duration::from_secs(3),
        "the change waited {seen:?} behind the queries"
    );
    for thread in crowd {
        for status in thread.join().unwrap() {
            assert!(status == 200 || status == 503, "{status}");
        }
    }
    // A view asked for again is the cached one: same validators.
    let a = server.get("/atom.xml?q=title&limit=7");
    let b = server.get("/atom.xml?q=title&limit=7");
    assert_eq!(a.header("etag"), b.header("etag"));
}

#[test]
fn an_archive_page_points_readers_at_the_current_feed() {
    let nyt = Path::new(ARCHIVE).join("nyt");
    let server = Server::start(&nyt, &config_text(&nyt, 5));
    let body = server.get("/atom.xml").body;
    let month = path_of(&link_of(&body, "prev-archive").unwrap());
    let page = month.trim_end_matches("atom.xml").to_string();
    let response = server.get(&page);
    assert_eq!(response.status, 200, "{page}");
    let link = response.header("link").unwrap();
    assert!(
        link.contains("<http://127.0.0.1:8080/atom.xml>; rel=\"alternate\""),
        "{link}"
    );
    let html = response.text();
    assert!(html.contains(r#"type="application/atom+xml" title="Test feed (Atom)" href="http://127.0.0.1:8080/atom.xml""#), "{html}");
    assert!(
        html.contains(">Current</a>") && html.contains("rel=\"prev\""),
        "{html}"
    );
}

#[test]
fn a_restart_from_the_index_cache_has_every_author_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let seeds = dir.path().join("seeds");
    let days = |d: i64| 1_700_000_000_000 + d * 86_400_000;
    for i in 0..20 {
        let link = format!("https://cn.nytimes.com/world/{i}/");
        let author = if i % 2 == 0 { "Amy Qin" } else { "Li Yuan" };
        write(
            &seeds.join(format!("nyt/{i}.txt")),
            byline_seed(&format!("T{i}"), &link, days(i), author, false).as_bytes(),
        );
    }
    let cache = dir.path().join("state/index");
    let config = config_with_cache(&seeds, 50, &cache);
    let cold = Server::start(&seeds, &config);
    let before = settled(&cold, "/authors/li-yuan/atom.xml");
    assert_eq!(before.status, 200);
    drop(cold);
    let warm = Server::start(&seeds, &config);
    let status: serde_json::Value = serde_json::from_slice(&warm.get("/status").body).unwrap();
    assert_eq!(status["authors_unread"], 0, "{status}");
    assert_eq!(status["started_from_cache"], 20, "{status}");
    let after = warm.get("/authors/li-yuan/atom.xml");
    assert_eq!(after.status, 200, "no 503: the authors came from the cache");
    assert_eq!(after.body, before.body);
}

//! No torn reads: while a writer changes seeds, every response is one whole, valid document
//! and its ETag is the ETag of exactly those bytes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::support::{Response, Server, seed, write};
use crate::validity::{atom_problems, json_feed_problems, rss_problems};

const WRITE_FOR: Duration = Duration::from_secs(3);
const READERS: usize = 4;

fn problems(path: &str, response: &Response) -> Vec<String> {
    let body = response.decoded();
    match path {
        "/rss.xml" => rss_problems(&body),
        "/atom.xml" => atom_problems(&body),
        "/feed.json" => json_feed_problems(&body),
        _ => {
            let page = String::from_utf8_lossy(&body);
            if page.starts_with("<!DOCTYPE html>") && page.ends_with("</html>\n") {
                vec![]
            } else {
                vec!["torn home page".into()]
            }
        }
    }
}

#[test]
fn readers_see_whole_documents_whose_etags_match_while_seeds_change() {
    let initial: Vec<(String, String)> = (0..20)
        .map(|i| (format!("s{i}.txt"), version(i, 0)))
        .collect();
    let files: Vec<(&str, String)> = initial
        .iter()
        .map(|(n, t)| (n.as_str(), t.clone()))
        .collect();
    let server = Server::with_files(&files, 10);
    let writing = AtomicBool::new(true);

    let (responses, changes) = std::thread::scope(|scope| {
        let readers: Vec<_> = (0..READERS)
            .map(|reader| {
                let (server, writing) = (&server, &writing);
                scope.spawn(move || read_until_done(server, writing, reader))
            })
            .collect();
        let changes = change_seeds(&server);
        writing.store(false, Ordering::SeqCst);
        let responses: usize = readers.into_iter().map(|r| r.join().unwrap()).sum();
        (responses, changes)
    });
    eprintln!("{changes} seed changes, {responses} responses checked");
    assert!(changes > 50, "the writer made too few changes: {changes}");
    assert!(
        responses > 100,
        "the readers made too few requests: {responses}"
    );
}

fn version(i: usize, round: usize) -> String {
    seed(
        &format!("Seed {i} round {round}"),
        &format!("https://x.example/world/{i}"),
        1_600_000_000_000 + (i as i64) * 3_600_000 + (round as i64) * 1000,
        &format!(
            "<p>Body of {i}, round {round}. {}</p>",
            "Words. ".repeat(200)
        ),
    )
}

/// Rewrites, deletes and re-creates seeds until `WRITE_FOR` has passed; returns the count.
fn change_seeds(server: &Server) -> usize {
    let started = Instant::now();
    let mut changes = 0;
    while started.elapsed() < WRITE_FOR {
        let i = changes % 20;
        let path = server.path(&format!("s{i}.txt"));
        if changes % 7 == 3 {
            let _ = std::fs::remove_file(&path);
        } else {
            write(&path, version(i, changes).as_bytes());
        }
        changes += 1;
        std::thread::sleep(Duration::from_millis(10));
    }
    changes
}

/// Fetches every document in every coding, with and without validators; returns how many
/// responses it checked.
fn read_until_done(server: &Server, writing: &AtomicBool, reader: usize) -> usize {
    let paths = ["/rss.xml", "/atom.xml", "/feed.json", "/"];
    let codings = ["identity", "gzip", "br", "br, gzip"];
    let mut last_etag = String::from("\"none\"");
    let mut count = 0;
    while writing.load(Ordering::SeqCst) {
        let path = paths[(count + reader) % paths.len()];
        let coding = codings[(count / paths.len() + reader) % codings.len()];
        let mut headers = vec![("accept-encoding", coding)];
        if count % 3 == 0 {
            headers.push(("if-none-match", last_etag.as_str()));
        }
        let response = server.request("GET", path, &headers);
        count += 1;
        match response.status {
            304 => continue,
            200 => {}
            other => panic!("{path} ({coding}) answered {other}"),
        }
        assert!(
            response.etag_matches_body(),
            "{path} ({coding}): ETag {:?} is not of the bytes sent",
            response.header("etag")
        );
        assert_eq!(
            problems(path, &response),
            Vec::<String>::new(),
            "{path} ({coding})"
        );
        last_etag = response.header("etag").unwrap_or_default().to_string();
    }
    count
}

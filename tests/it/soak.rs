//! The soak test: the real binary under steady polling load while thousands of random
//! operations hit its seeds folder — creates, overwrites, files written in pieces, renames
//! within, into and out of the folder, deletes, sub-folders deleted and re-created, touches,
//! garbage. Every response must be a valid document whose ETag matches its bytes; no 5xx;
//! afterwards the feeds equal those of a fresh server on the final folder, and the process's
//! memory and file descriptors are back near their baseline.
//!
//! CI runs a short version; the long one (documented in README):
//!
//!     SOAK_OPS=50000 cargo test --release --test it soak -- --nocapture

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::support::{Process, Response, Rng, Server, config_text, request, seed, write};
use crate::validity::{atom_problems, json_feed_problems, rss_problems};

const DOCUMENTS: [&str; 5] = ["/rss.xml", "/atom.xml", "/feed.json", "/", "/status"];

#[test]
fn soak() {
    let ops: usize = std::env::var("SOAK_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500);
    let dir = tempfile::tempdir().unwrap();
    let seeds = dir.path().join("seeds");
    let outside = dir.path().join("outside");
    fs::create_dir_all(&outside).unwrap();
    let mut rng = Rng::new(42);
    for i in 0..40 {
        write(
            &seeds.join(format!("d{}/s{i}.txt", i % 4)),
            article(&mut rng, i).as_bytes(),
        );
    }
    let config = dir.path().join("config.toml");
    fs::write(&config, config_text(&fs::canonicalize(&seeds).unwrap(), 20)).unwrap();
    let process = Process::start(&config);
    let base = format!("http://{}", process.address);

    // Warm up every path once, then take the baseline.
    for path in DOCUMENTS {
        request(
            "GET",
            &format!("{base}{path}"),
            &[("accept-encoding", "gzip")],
        );
    }
    std::thread::sleep(Duration::from_millis(300));
    let (rss_before, fds_before) = process.memory_and_fds();

    let writing = AtomicBool::new(true);
    let served = AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for reader in 0..3 {
            let (base, writing, served) = (&base, &writing, &served);
            scope.spawn(move || poll_and_check(base, writing, served, reader));
        }
        let mut rng = Rng::new(7);
        for op in 0..ops {
            apply_random_operation(&mut rng, &seeds, &outside, op);
            if rng.below(4) == 0 {
                std::thread::sleep(Duration::from_millis(rng.below(3) as u64));
            }
        }
        writing.store(false, Ordering::SeqCst);
    });
    let elapsed = started.elapsed();

    // Quiet: the served feeds must become those of a fresh server on the final folder.
    let fresh = Server::serving(&seeds, 20);
    let deadline = Instant::now() + Duration::from_secs(15);
    for path in ["/rss.xml", "/atom.xml", "/feed.json", "/"] {
        let want = fresh.get(path).body;
        loop {
            let got = request("GET", &format!("{base}{path}"), &[]).body;
            if got == want {
                break;
            }
            if Instant::now() > deadline {
                let ids = |bytes: &[u8]| -> Vec<String> {
                    match feed_rs::parser::parse(bytes) {
                        Ok(feed) => feed.entries.iter().map(|e| e.id.clone()).collect(),
                        Err(_) => vec![],
                    }
                };
                let status = |base: &str| request("GET", &format!("{base}/status"), &[]).text();
                panic!(
                    "{path} never matched a fresh server\nserved: {:?}\nfresh:  {:?}\n\
                     served status: {}\nfresh status: {}",
                    ids(&got),
                    ids(&want),
                    status(&base),
                    status(&fresh.base),
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    std::thread::sleep(Duration::from_millis(500));
    let (rss_after, fds_after) = process.memory_and_fds();
    eprintln!(
        "soak: {ops} operations in {elapsed:.1?}, {} responses checked, 0 5xx; \
         memory {rss_before} KiB -> {rss_after} KiB; fds {fds_before} -> {fds_after}",
        served.load(Ordering::SeqCst)
    );
    assert!(
        served.load(Ordering::SeqCst) > 100,
        "too few responses to mean anything"
    );
    assert!(
        fds_after <= fds_before + 2,
        "file descriptors leak: {fds_before} -> {fds_after}"
    );
    assert!(
        rss_after <= rss_before * 2 + 64 * 1024,
        "memory grew: {rss_before} KiB -> {rss_after} KiB"
    );
    assert!(
        !process.log().contains("panicked"),
        "the server panicked:\n{}",
        process.log()
    );
}

fn article(rng: &mut Rng, n: usize) -> String {
    let paragraphs: String = (0..1 + rng.below(20))
        .map(|p| {
            format!(
                "<p>Paragraph {p} of article {n}. {}</p>",
                "Text. ".repeat(rng.below(50))
            )
        })
        .collect();
    seed(
        &format!("Article {n}"),
        &format!("https://x.example/world/{}", rng.below(300)),
        1_600_000_000_000 + rng.below(100_000_000) as i64 * 1000,
        &format!("<figure><img src=\"https://img.example/{n}.jpg\"></figure>{paragraphs}"),
    )
}

fn pick_file(rng: &mut Rng, root: &Path) -> Option<PathBuf> {
    let files: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    (!files.is_empty()).then(|| files[rng.below(files.len())].clone())
}

fn apply_random_operation(rng: &mut Rng, seeds: &Path, outside: &Path, op: usize) {
    let folder = seeds.join(format!("d{}", rng.below(6)));
    let name = folder.join(format!("n{op}.txt"));
    // Failures are part of the game (a file renamed away meanwhile); only the server matters.
    let _ = match rng.below(12) {
        0 | 1 => fs::create_dir_all(&folder).and_then(|_| fs::write(&name, article(rng, op))),
        2 => match pick_file(rng, seeds) {
            Some(file) => fs::write(file, article(rng, op)),
            None => Ok(()),
        },
        3 => {
            // Written in pieces, as a slow copy does: the server may see it half-written.
            let text = article(rng, op);
            let cut = text.len() / 2;
            fs::create_dir_all(&folder)
                .and_then(|_| fs::write(&name, &text.as_bytes()[..cut]))
                .and_then(|_| {
                    std::thread::sleep(Duration::from_millis(rng.below(40) as u64));
                    let mut file = fs::OpenOptions::new().append(true).open(&name)?;
                    std::io::Write::write_all(&mut file, &text.as_bytes()[cut..])
                })
        }
        4 => match pick_file(rng, seeds) {
            Some(file) => fs::create_dir_all(&folder)
                .and_then(|_| fs::rename(file, folder.join(format!("r{op}.txt")))),
            None => Ok(()),
        },
        5 => {
            let staged = outside.join(format!("in{op}.txt"));
            fs::write(&staged, article(rng, op))
                .and_then(|_| fs::create_dir_all(&folder))
                .and_then(|_| fs::rename(&staged, &name))
        }
        6 => match pick_file(rng, seeds) {
            Some(file) => fs::rename(file, outside.join(format!("out{op}.txt"))),
            None => Ok(()),
        },
        7 | 8 => match pick_file(rng, seeds) {
            Some(file) => fs::remove_file(file),
            None => Ok(()),
        },
        9 => {
            // A whole sub-folder deleted and re-created with one file.
            let _ = fs::remove_dir_all(&folder);
            fs::create_dir_all(&folder).and_then(|_| fs::write(&name, article(rng, op)))
        }
        10 => match pick_file(rng, seeds) {
            Some(file) => fs::File::options()
                .append(true)
                .open(file)
                .and_then(|f| f.set_modified(std::time::SystemTime::now())),
            None => Ok(()),
        },
        _ => {
            let garbage: Vec<u8> = (0..rng.below(2000)).map(|_| rng.byte()).collect();
            fs::create_dir_all(&folder).and_then(|_| fs::write(&name, garbage))
        }
    };
}

fn problems(path: &str, response: &Response) -> Vec<String> {
    let body = response.decoded();
    match path {
        "/rss.xml" => rss_problems(&body),
        "/atom.xml" => atom_problems(&body),
        "/feed.json" => json_feed_problems(&body),
        "/status" => match serde_json::from_slice::<serde_json::Value>(&body) {
            Ok(_) => vec![],
            Err(e) => vec![format!("status is not JSON: {e}")],
        },
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

fn poll_and_check(base: &str, writing: &AtomicBool, served: &AtomicUsize, reader: usize) {
    let mut etags = std::collections::HashMap::new();
    let mut n = reader;
    while writing.load(Ordering::SeqCst) {
        n += 1;
        let path = DOCUMENTS[n % DOCUMENTS.len()];
        let coding = ["identity", "gzip", "br"][(n / DOCUMENTS.len()) % 3];
        let mut headers = vec![("accept-encoding", coding)];
        let last: Option<&String> = etags.get(&(path, coding));
        if let Some(etag) = last.filter(|_| n.is_multiple_of(2)) {
            headers.push(("if-none-match", etag.as_str()));
        }
        let response = request("GET", &format!("{base}{path}"), &headers);
        served.fetch_add(1, Ordering::SeqCst);
        assert!(response.status < 500, "{path}: {}", response.status);
        if response.status == 304 {
            continue;
        }
        assert_eq!(response.status, 200, "{path}");
        assert!(
            response.etag_matches_body(),
            "{path} ({coding}): ETag is not of the bytes"
        );
        assert_eq!(
            problems(path, &response),
            Vec::<String>::new(),
            "{path} ({coding})"
        );
        if let Some(etag) = response.header("etag") {
            etags.insert((path, coding), etag.to_string());
        }
    }
}

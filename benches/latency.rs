//! Write → visible latency: how long after a seed file is added, modified or deleted the served
//! RSS document shows it. Runs the real server (release build) on loopback.
//!
//!     cargo bench --bench latency                  # a copy of tests/corpus, 30 tries each
//!     TRIES=100 cargo bench --bench latency
//!     SEEDS=/path/to/folder cargo bench --bench latency   # that folder, in place (bench-*.txt
//!                                                         # files are written and removed)
//!     LOAD=4 cargo bench --bench latency           # while 4 clients poll all feeds nonstop
//!
//! The probe polls /rss.xml with If-None-Match, so it adds little load of its own.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use seedfeed::config::Config;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus");

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(default)
}

fn copy_of_corpus(dir: &Path) -> PathBuf {
    let seeds = dir.join("seeds");
    for folder in ["2020", "2021", "modern"] {
        let target = seeds.join(folder);
        std::fs::create_dir_all(&target).unwrap();
        for file in
            std::fs::read_dir(Path::new(CORPUS).join(folder)).expect("tests/corpus is present")
        {
            let file = file.unwrap().path();
            std::fs::copy(&file, target.join(file.file_name().unwrap())).unwrap();
        }
    }
    seeds
}

fn main() {
    let tries = env_number("TRIES", 30);
    let load_clients = env_number("LOAD", 0);
    let dir = tempfile::tempdir().expect("temp dir");
    let seeds = match std::env::var_os("SEEDS") {
        Some(folder) => PathBuf::from(folder),
        None => copy_of_corpus(dir.path()),
    };
    let config_text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.toml"))
        .unwrap()
        .replace("127.0.0.1:8080\"          #", "127.0.0.1:0\"          #")
        .replace(
            "dir = \"seeds\"",
            &format!("dir = {:?}\ncache = \"\"", seeds.display().to_string()),
        );
    let config = Config::parse(&config_text, Path::new("/")).expect("config");
    let debounce = config.seeds.debounce;
    let started = Instant::now();
    let running = seedfeed::app::start(config).expect("server starts");
    let load = started.elapsed();
    let base = format!("http://{}", running.addr);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(5)))
        .http_status_as_error(false)
        .build()
        .into();
    // The current /rss.xml, fetched again only when its ETag changed.
    let last = std::sync::Mutex::new((String::new(), String::new()));
    let fetch = || -> String {
        let mut last = last.lock().unwrap();
        let mut response = agent
            .get(format!("{base}/rss.xml"))
            .header("if-none-match", last.0.as_str())
            .call()
            .expect("GET");
        if response.status() == 200 {
            let etag = response
                .headers()
                .get("etag")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let body = response
                .body_mut()
                .with_config()
                .limit(1 << 26)
                .read_to_string()
                .unwrap();
            *last = (etag, body);
        }
        last.1.clone()
    };

    println!(
        "seedfeed write→visible latency: {} entries in {}, limit 50, debounce {} ms, {tries} tries, {load_clients} load clients",
        running.snapshot().entries,
        seeds.display(),
        debounce.as_millis()
    );
    println!("initial scan + bind: {:.0} ms", load.as_secs_f64() * 1000.0);
    let seed_text = |i: usize, version: &str| {
        format!(
            "<!--{}-->\n[bench {i} {version}](https://bench.example/world/{i})\n------\n\n<p>bench body {i}</p>\n",
            4_000_000_000_000u64 + i as u64
        )
    };
    let wait_for = |visible: &dyn Fn(&str) -> bool| -> Duration {
        let started = Instant::now();
        loop {
            if visible(&fetch()) {
                return started.elapsed();
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "change not visible after 5 s"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    };
    let report = |name: &str, op: &dyn Fn(usize) -> Duration| {
        let mut samples: Vec<Duration> = (0..tries)
            .map(|i| {
                let sample = op(i);
                std::thread::sleep(Duration::from_millis(20));
                sample
            })
            .collect();
        samples.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{name:<7} median {:6.1} ms   p90 {:6.1} ms   max {:6.1} ms   min {:6.1} ms",
            ms(samples[samples.len() / 2]),
            ms(samples[samples.len() * 9 / 10]),
            ms(*samples.last().unwrap()),
            ms(samples[0])
        );
    };
    let loading = AtomicBool::new(true);
    let served = AtomicUsize::new(0);
    let load_started = Instant::now();
    std::thread::scope(|scope| {
        for client in 0..load_clients {
            let (base, loading, served) = (&base, &loading, &served);
            scope.spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .into();
                let paths = ["/rss.xml", "/atom.xml", "/feed.json", "/"];
                let mut n = client;
                while loading.load(Ordering::Relaxed) {
                    n += 1;
                    let mut response = agent
                        .get(format!("{base}{}", paths[n % paths.len()]))
                        .header("accept-encoding", "gzip")
                        .call()
                        .expect("GET");
                    let _ = response
                        .body_mut()
                        .with_config()
                        .limit(1 << 26)
                        .read_to_vec();
                    served.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        report("add", &|i| {
            let title = format!("bench {i} v1");
            std::fs::write(seeds.join(format!("bench-{i}.txt")), seed_text(i, "v1")).unwrap();
            wait_for(&|body| body.contains(&title))
        });
        report("modify", &|i| {
            let title = format!("bench {i} v2");
            std::fs::write(seeds.join(format!("bench-{i}.txt")), seed_text(i, "v2")).unwrap();
            wait_for(&|body| body.contains(&title))
        });
        report("delete", &|i| {
            let title = format!("bench {i} v2");
            std::fs::remove_file(seeds.join(format!("bench-{i}.txt"))).unwrap();
            wait_for(&|body| !body.contains(&title))
        });
        loading.store(false, Ordering::Relaxed);
    });
    if load_clients > 0 {
        let rate = served.load(Ordering::Relaxed) as f64 / load_started.elapsed().as_secs_f64();
        println!("load: {rate:.0} requests/s served meanwhile");
    }
    running.stop().unwrap();
}

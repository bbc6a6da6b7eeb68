//! Write → visible latency: how long after a seed file is added, modified or deleted the served
//! RSS document shows it. Runs the real server on loopback over a copy of ../shared/corpus.
//!
//!     cargo bench --bench latency            # 30 tries of each operation
//!     TRIES=100 cargo bench --bench latency

use std::path::Path;
use std::time::{Duration, Instant};

use seedfeed::config::Config;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus");

fn main() {
    let tries: usize = std::env::var("TRIES")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(30);
    let dir = tempfile::tempdir().expect("temp dir");
    let seeds = dir.path().join("seeds");
    let mut copied = 0;
    for folder in ["2020", "2021", "modern"] {
        let target = seeds.join(folder);
        std::fs::create_dir_all(&target).unwrap();
        for file in
            std::fs::read_dir(Path::new(CORPUS).join(folder)).expect("../shared/corpus is present")
        {
            let file = file.unwrap().path();
            std::fs::copy(&file, target.join(file.file_name().unwrap())).unwrap();
            copied += 1;
        }
    }
    let config_text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.toml"))
        .unwrap()
        .replace("127.0.0.1:8080\"          #", "127.0.0.1:0\"          #")
        .replace(
            "dir = \"seeds\"",
            &format!("dir = {:?}", seeds.display().to_string()),
        );
    let config = Config::parse(&config_text, Path::new("/")).expect("config");
    let debounce = config.seeds.debounce;
    let started = Instant::now();
    let running = seedfeed::app::start(config).expect("server starts");
    let load = started.elapsed();
    let url = format!("http://{}/rss.xml", running.addr);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into();
    let fetch = || -> String {
        agent
            .get(&url)
            .call()
            .expect("GET")
            .body_mut()
            .with_config()
            .limit(1 << 26)
            .read_to_string()
            .unwrap()
    };

    println!(
        "seedfeed write→visible latency: {copied} corpus seeds, limit 50, debounce {} ms, {tries} tries",
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
    running.stop().unwrap();
}

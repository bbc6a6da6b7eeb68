//! Key throughput: how long `seed::parse_key` takes a seed — the CPU a cold start spends per
//! file once the bytes are read. The files are read into memory first (that read is timed
//! too, on one thread), then parsed.
//!
//!     cargo bench --bench keys                        # tests/corpus
//!     SEEDS=/path/to/folder LIMIT=20000 cargo bench --bench keys   # 20,000 spread over it
//!     ROUNDS=5 cargo bench --bench keys               # rounds over the same files (median shown)
//!     CHECK=1 cargo bench --bench keys                # and check each key against the whole parse

use std::path::{Path, PathBuf};
use std::time::Instant;

use seedfeed::config::Config;
use seedfeed::index::reader::SeedReader;
use seedfeed::seedfs::{self, Found};

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let limit = env_number("LIMIT", 20_000);
    let rounds = env_number("ROUNDS", 3).max(1);
    let seeds = std::env::var_os("SEEDS").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus")),
        PathBuf::from,
    );
    let root = seeds.canonicalize().expect("seeds folder");
    let config_text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.toml"))
        .expect("config.toml")
        .replace(
            "dir = \"seeds\"",
            &format!("dir = {:?}", root.display().to_string()),
        );
    let config = Config::parse(&config_text, Path::new("/")).expect("config");
    let reader = SeedReader::new(root.clone(), &config);
    let mut files = Vec::new();
    seedfs::walk_each(
        &root,
        &root,
        |path| files.push(path.to_path_buf()),
        |_, _| {},
    );
    // Evenly spaced over the walk, so every outlet's folder is in the sample.
    let step = files.len().div_ceil(limit).max(1);
    let files: Vec<_> = files.into_iter().step_by(step).collect();
    let reading = Instant::now();
    let seeds: Vec<_> = files
        .iter()
        .filter_map(|path| match reader.read(path) {
            Ok(Found::Seed { bytes, stamp }) => Some((bytes, stamp)),
            _ => None,
        })
        .collect();
    let read_each = reading.elapsed().as_secs_f64() * 1e6 / files.len().max(1) as f64;
    let bytes: usize = seeds.iter().map(|(b, _)| b.len()).sum();
    let mut per_seed = Vec::new();
    let mut rejected = 0;
    for _ in 0..rounds {
        rejected = 0;
        let started = Instant::now();
        for (bytes, stamp) in &seeds {
            if seedfeed::seed::parse_key(bytes, &reader.context(*stamp)).is_err() {
                rejected += 1;
            }
        }
        per_seed.push(started.elapsed().as_secs_f64() * 1e6 / seeds.len().max(1) as f64);
    }
    per_seed.sort_by(f64::total_cmp);
    if std::env::var_os("CHECK").is_some() {
        let disagree = seeds
            .iter()
            .filter(|(bytes, stamp)| {
                let context = reader.context(*stamp);
                match (
                    seedfeed::seed::parse_key(bytes, &context),
                    seedfeed::seed::parse(bytes, &context),
                ) {
                    (Ok(key), Ok(entry)) => !key.agrees_with(&entry),
                    (key, entry) => key.is_ok() != entry.is_ok(),
                }
            })
            .count();
        println!("keys that disagree with the whole parse: {disagree}");
    }
    println!(
        "parse_key: {} seeds ({} rejected, {:.1} KiB on average) from {}",
        seeds.len(),
        rejected,
        bytes as f64 / 1024.0 / seeds.len().max(1) as f64,
        root.display(),
    );
    println!("read (one thread, the page cache as it was): {read_each:.1} µs a file");
    println!(
        "parse_key µs a seed: median {:.1} (range {:.1}–{:.1}) over {rounds} rounds",
        per_seed[per_seed.len() / 2],
        per_seed[0],
        per_seed[per_seed.len() - 1]
    );
}

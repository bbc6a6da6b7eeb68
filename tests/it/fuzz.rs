//! A deterministic fuzz harness for the parser and the renderers: random bytes, mutated and
//! spliced corpus seeds, hostile fragments, and arbitrary strings in every field of an entry.
//! Nothing may panic, and every rendering must pass the feed rule checks.
//!
//! CI runs a few thousand cases; a longer run (documented in README):
//!
//!     FUZZ_CASES=200000 FUZZ_SEED=7 cargo test --release --test it fuzz -- --nocapture

use std::path::Path;

use chrono::DateTime;
use seedfeed::config::Config;
use seedfeed::entry::{Entry, Media, Medium};
use seedfeed::render;
use seedfeed::seed::{self, SeedContext};

use crate::support::{CORPUS, Rng};
use crate::validity::{atom_problems, json_feed_problems, rss_problems};

const HOSTILE: &[&str] = &[
    "]]>",
    "<![CDATA[",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "\u{0}",
    "\u{1}\u{8}\u{b}\u{c}\u{1f}",
    "\u{7f}\u{85}",
    "\u{fffe}\u{ffff}",
    "\u{202e}",
    "&#0;",
    "&#xD800;",
    "&#x110000;",
    "&bogus;",
    "-->",
    "<!--",
    "</section></main>",
    "\r\n\r",
    "](",
    "[",
    ")",
    "------",
    "<time pudate=\"9999-99-99 99:99:99\">",
    "<time datetime=\"-271821-04-20T00:00:00Z\">",
    "<!--99999999999999999999-->",
    "<address>,,、，</address>",
    "<figure><img></figure>",
    "<img src=\"//\">",
    "<video src=\"http://[::1\"></video>",
    "日期：2099-13-45",
    "\u{feff}",
];

fn config_meta() -> seedfeed::config::FeedMeta {
    let text = r#"
[server]
bind = "127.0.0.1:0"
[seeds]
dir = "/"
timezone = "Asia/Shanghai"
[feed]
title = "Fuzz <&> feed"
description = "d"
base_url = "http://127.0.0.1:8080/"
site_url = "https://cn.nytimes.com/"
language = "zh-CN"
limit = 50
"#;
    Config::parse(text, Path::new("/")).unwrap().feed
}

fn corpus_samples() -> Vec<Vec<u8>> {
    let mut files = Vec::new();
    for folder in ["2020", "2021", "modern"] {
        let mut names: Vec<_> = std::fs::read_dir(Path::new(CORPUS).join(folder))
            .expect("tests/corpus is present")
            .map(|e| e.unwrap().path())
            .collect();
        names.sort();
        // Every 10th file keeps the harness quick while covering each dialect.
        files.extend(names.into_iter().step_by(10));
    }
    files.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

fn mutate(rng: &mut Rng, samples: &[Vec<u8>]) -> Vec<u8> {
    let mut bytes = samples[rng.below(samples.len())].clone();
    match rng.below(6) {
        0 => (0..rng.below(4096)).map(|_| rng.byte()).collect(),
        1 => {
            for _ in 0..1 + rng.below(20) {
                if bytes.is_empty() {
                    break;
                }
                let at = rng.below(bytes.len());
                match rng.below(3) {
                    0 => bytes[at] = rng.byte(),
                    1 => bytes.insert(at, rng.byte()),
                    _ => {
                        bytes.remove(at);
                    }
                }
            }
            bytes
        }
        2 => {
            let other = &samples[rng.below(samples.len())];
            let cut = rng.below(bytes.len() + 1);
            let from = rng.below(other.len() + 1);
            bytes.truncate(cut);
            bytes.extend_from_slice(&other[from..]);
            bytes
        }
        3 => {
            for _ in 0..1 + rng.below(8) {
                let fragment = HOSTILE[rng.below(HOSTILE.len())].as_bytes();
                let at = char_boundary(&bytes, rng.below(bytes.len() + 1));
                bytes.splice(at..at, fragment.iter().copied());
            }
            bytes
        }
        4 => {
            let cut = rng.below(bytes.len() + 1);
            bytes.truncate(cut);
            bytes
        }
        _ => {
            // Header line with hostile title and link pieces, real body.
            let title: String = (0..rng.below(6))
                .map(|_| HOSTILE[rng.below(HOSTILE.len())])
                .collect();
            let epoch = rng.next();
            let mut out =
                format!("<!--{epoch}-->\n[{title}](https://x.example/{title})\n------\n\n")
                    .into_bytes();
            out.extend_from_slice(&bytes);
            out
        }
    }
}

fn char_boundary(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() && (bytes[at] & 0xC0) == 0x80 {
        at += 1;
    }
    at
}

fn arbitrary_string(rng: &mut Rng) -> String {
    (0..rng.below(40))
        .map(|_| match rng.below(4) {
            0 => HOSTILE[rng.below(HOSTILE.len())].to_string(),
            1 => char::from_u32(rng.below(0x11_0000) as u32)
                .unwrap_or('?')
                .to_string(),
            2 => char::from_u32(rng.below(0x80) as u32).unwrap().to_string(),
            _ => "字".to_string(),
        })
        .collect()
}

fn arbitrary_entry(rng: &mut Rng) -> Entry {
    let when = DateTime::from_timestamp(rng.below(4_102_444_800) as i64, 0).unwrap();
    let link = format!("https://x.example/{}", rng.next());
    Entry {
        id: link.clone(),
        link,
        title: arbitrary_string(rng),
        authors: (0..rng.below(3)).map(|_| arbitrary_string(rng)).collect(),
        published: when,
        updated: when,
        summary: arbitrary_string(rng),
        content: arbitrary_string(rng),
        media: (0..rng.below(3))
            .map(|_| Media {
                url: format!("https://img.example/{}.jpg", rng.next()),
                medium: [Medium::Image, Medium::Video, Medium::Audio][rng.below(3)],
                mime: "image/jpeg".into(),
                width: Some(rng.below(5000) as u32),
                height: None,
                length: Some(rng.next()),
                caption: Some(arbitrary_string(rng)),
                credit: Some(arbitrary_string(rng)),
                poster: Some(format!("https://img.example/{}.jpg", rng.next())),
            })
            .collect(),
        categories: vec![arbitrary_string(rng)],
        language: rng.next().is_multiple_of(2).then(|| "zh-TW".to_string()),
    }
}

fn check_rendering(meta: &seedfeed::config::FeedMeta, entries: &[&Entry], case: &str) {
    let documents = render::render(
        meta,
        entries,
        &[],
        &render::Place::current(&meta.base_url, meta),
    );
    assert_eq!(rss_problems(&documents.rss), Vec::<String>::new(), "{case}");
    assert_eq!(
        atom_problems(&documents.atom),
        Vec::<String>::new(),
        "{case}"
    );
    assert_eq!(
        json_feed_problems(&documents.json),
        Vec::<String>::new(),
        "{case}"
    );
    let page = String::from_utf8(documents.page).expect("the page is UTF-8");
    assert!(!page.contains("<script"), "{case}: script on the home page");
}

#[test]
fn parser_and_renderers_survive_arbitrary_input() {
    let cases: usize = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500);
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let mut rng = Rng::new(seed);
    let samples = corpus_samples();
    let meta = config_meta();
    let outlets = seedfeed::config::builtin_outlets();
    let context = SeedContext {
        timezone: chrono_tz::Asia::Shanghai,
        modified: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
        outlets: &outlets,
        site: Default::default(),
    };
    let (mut parsed, mut rejected) = (0, 0);
    for case in 0..cases {
        let label = format!("case {case} of seed {seed}");
        if case % 4 == 3 {
            let entries: Vec<Entry> = (0..1 + rng.below(3))
                .map(|_| arbitrary_entry(&mut rng))
                .collect();
            check_rendering(&meta, &entries.iter().collect::<Vec<_>>(), &label);
            continue;
        }
        let bytes = mutate(&mut rng, &samples);
        let key = seed::parse_key(&bytes, &context);
        match seed::parse(&bytes, &context) {
            Ok(entry) => {
                parsed += 1;
                check_rendering(&meta, &[&entry], &label);
                let key = key.expect("a seed that parses has a key");
                assert!(
                    key.agrees_with(&entry),
                    "{label}: the index key disagrees with the parse: {key:?} vs {entry:?}"
                );
                let authors = seed::read_authors(&bytes, &context);
                assert_eq!(authors.as_ref(), Ok(&entry.authors), "{label}: authors");
            }
            Err(e) => {
                rejected += 1;
                assert_eq!(
                    key,
                    Err(e),
                    "{label}: the index key disagrees with the parse"
                );
            }
        }
    }
    eprintln!("fuzz: {cases} cases (seed {seed}): {parsed} seeds parsed, {rejected} rejected");
    assert!(
        parsed > 0 && rejected > 0,
        "the mutations should produce both outcomes"
    );
}

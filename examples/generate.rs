//! Writes N realistic seed files, deterministically from a seed number.
//!
//!     cargo run --release --example generate -- --count 10000 --out /tmp/seeds [--seed 1]
//!         [--first 0]
//!         [--corpus tests/corpus] [--markdown] [--layout date|outlet]
//!
//! With `--markdown` it writes the same N articles as Hugo content instead (front matter with
//! title, date and link; the body's HTML as is), for comparing with a static site generator.
//!
//! Each generated seed is a real corpus seed (so every dialect and the real size distribution
//! appear: `<time>`, `<address>`, NYT 2020 bylines, `日期` lines, figures, inline images, video,
//! long bodies) with a unique link, a numbered title and a date spread over 2020-2025, filed under
//! `YEAR/MONTH/`. About 1% carry an oddity seedfeed must take in its stride: a byte-order mark,
//! CRLF line ends, entities and control characters in the title, or trailing blank lines.
//!
//! `--first I` numbers the articles from I (default 0): a second batch of new articles for a
//! folder made before (`--first 1000000 --seed 2`: the links and names of a `git pull` burst).
//!
//! `--layout outlet` files each seed under `OUTLET/YEAR/MONTH/` instead, as the real archive
//! keeps one folder per outlet (so seedfeed's folder feeds are outlet feeds): OUTLET is the key
//! of the built-in outlet the template's link belongs to (`nyt`, `bbc`, … from src/outlets.toml),
//! or the link's host for a host no outlet claims. Everything else (names, contents, the random
//! draws) is the same as with the default `--layout date`.

use std::path::{Path, PathBuf};

/// 2020-01-01T00:00:00Z and 2026-01-01T00:00:00Z, in milliseconds.
const FROM_MS: i64 = 1_577_836_800_000;
const UNTIL_MS: i64 = 1_767_225_600_000;

struct Args {
    count: usize,
    /// The number of the first article (links and names are numbered from it).
    first: usize,
    out: PathBuf,
    seed: u64,
    corpus: PathBuf,
    markdown: bool,
    layout: Layout,
}

/// Where a seed goes: `YEAR/MONTH/` (the default) or `OUTLET/YEAR/MONTH/`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    Date,
    Outlet,
}

fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("generate: {message}");
            eprintln!(
                "usage: generate --count N --out DIR [--first I] [--seed S] [--corpus DIR] [--markdown] [--layout date|outlet]  (default corpus: tests/corpus)"
            );
            std::process::exit(2);
        }
    };
    let templates = load_templates(&args.corpus);
    if templates.is_empty() {
        eprintln!("generate: no seed files under {}", args.corpus.display());
        std::process::exit(2);
    }
    let mut rng = SplitMix64(args.seed);
    let mut bytes = 0usize;
    for i in args.first..args.first + args.count {
        let template = &templates[rng.below(templates.len() as u64) as usize];
        let epoch_ms = FROM_MS + rng.below((UNTIL_MS - FROM_MS) as u64) as i64;
        let oddity = (rng.below(100) == 0).then(|| rng.below(4));
        let text = generate(template, i, epoch_ms, oddity);
        let (year, month) = year_month(epoch_ms);
        let mut name = format!("{year}/{month:02}/{i:07}_{:016x}", rng.next());
        if args.layout == Layout::Outlet {
            name = format!("{}/{name}", template.outlet);
        }
        let (path, text) = if args.markdown {
            (
                args.out.join(format!("{name}.md")),
                markdown(&text, epoch_ms),
            )
        } else {
            (args.out.join(format!("{name}.txt")), text)
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| fail(parent, e));
        }
        std::fs::write(&path, &text).unwrap_or_else(|e| fail(&path, e));
        bytes += text.len();
    }
    eprintln!(
        "generate: {} seeds, {:.1} MB, from {} templates, into {}",
        args.count,
        bytes as f64 / 1e6,
        templates.len(),
        args.out.display()
    );
}

fn fail(path: &Path, error: std::io::Error) -> ! {
    eprintln!("generate: {}: {error}", path.display());
    std::process::exit(1);
}

fn parse_args() -> Result<Args, String> {
    let mut count = None;
    let mut first = 0;
    let mut out = None;
    let mut seed = 1;
    let mut markdown = false;
    let mut layout = Layout::Date;
    let mut corpus = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus"));
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--markdown" {
            markdown = true;
            continue;
        }
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--count" => count = Some(value.parse().map_err(|_| "--count: not a number")?),
            "--first" => first = value.parse().map_err(|_| "--first: not a number")?,
            "--out" => out = Some(PathBuf::from(value)),
            "--seed" => seed = value.parse().map_err(|_| "--seed: not a number")?,
            "--corpus" => corpus = PathBuf::from(value),
            "--layout" => {
                layout = match value.as_str() {
                    "date" => Layout::Date,
                    "outlet" => Layout::Outlet,
                    _ => return Err(format!("--layout: {value}: not date or outlet")),
                }
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(Args {
        count: count.ok_or("--count is required")?,
        first,
        out: out.ok_or("--out is required")?,
        seed,
        corpus,
        markdown,
        layout,
    })
}

/// A corpus seed split into its title line parts and the rest.
struct Template {
    title: String,
    link: String,
    /// Everything after the title line (the `------` line and the body).
    rest: String,
    /// The folder `--layout outlet` files it under: its outlet's key, or the link's host.
    outlet: String,
}

fn load_templates(corpus: &Path) -> Vec<Template> {
    let mut files: Vec<PathBuf> = walk(corpus);
    files.sort();
    let outlets = seedfeed::config::builtin_outlets();
    files
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .filter_map(|text| split_template(&text))
        .map(|mut template| {
            template.outlet = outlet_folder(&outlets, &template.link);
            template
        })
        .collect()
}

/// The outlet's key for a link (the server's lookup: longest matching host), else its host.
fn outlet_folder(outlets: &seedfeed::seed::outlets::Outlets, link: &str) -> String {
    let host = url::Url::parse(link)
        .ok()
        .and_then(|url| url.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_else(|| "unknown".to_string());
    outlets
        .for_host(&host)
        .map_or(host, |outlet| outlet.key.clone())
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("txt" | "md")
        ) && path.file_name().is_some_and(|n| n != "README.md")
        {
            files.push(path);
        }
    }
    files
}

/// Finds the `[title](url)` line (after an optional epoch comment).
fn split_template(text: &str) -> Option<Template> {
    let mut lines = text.splitn(3, '\n');
    let mut first = lines.next()?;
    let mut rest_start = first.len() + 1;
    if first.trim_start_matches('\u{feff}').starts_with("<!--") {
        first = lines.next()?;
        rest_start += first.len() + 1;
    }
    let line = first.trim_end_matches('\r');
    let split = line.rfind("](")?;
    let title = line.get(1..split)?.to_string();
    let link = line.get(split + 2..line.len().checked_sub(1)?)?.to_string();
    if !line.starts_with('[') || !line.ends_with(')') || !link.starts_with("http") {
        return None;
    }
    Some(Template {
        title,
        link,
        rest: text.get(rest_start..)?.to_string(),
        outlet: String::new(),
    })
}

fn generate(template: &Template, i: usize, epoch_ms: i64, oddity: Option<u64>) -> String {
    let separator = if template.link.contains('?') {
        '&'
    } else {
        '?'
    };
    let link = format!("{}{separator}seedfeed-gen={i}", template.link);
    let mut title = format!("{} · {i}", template.title);
    let mut text = String::with_capacity(template.rest.len() + 256);
    match oddity {
        Some(0) => text.push('\u{feff}'),
        Some(2) => title = format!("{title} &amp; \u{1}ctl\u{7f}"),
        _ => {}
    }
    text.push_str(&format!("<!--{epoch_ms}-->\n[{title}]({link})\n"));
    text.push_str(&template.rest);
    match oddity {
        Some(1) => text = text.replace('\n', "\r\n"),
        Some(3) => text.push_str("\n\n\n"),
        _ => {}
    }
    text
}

/// The same article as Hugo content: front matter, then the body's HTML.
fn markdown(seed: &str, epoch_ms: i64) -> String {
    let seed = seed.trim_start_matches('\u{feff}').replace("\r\n", "\n");
    let template = split_template(&seed);
    let (title, link, rest) = match &template {
        Some(t) => (t.title.as_str(), t.link.as_str(), t.rest.as_str()),
        None => ("untitled", "https://example.org/", ""),
    };
    let body = rest.split_once("------").map_or(rest, |(_, body)| body);
    // A YAML double-quoted string: no control characters, `\` and `"` escaped.
    let quoted = |text: &str| -> String {
        let plain: String = text.chars().filter(|c| !c.is_control()).collect();
        format!("\"{}\"", plain.replace('\\', "\\\\").replace('"', "\\\""))
    };
    let seconds = epoch_ms / 1000;
    format!(
        "---\ntitle: {}\ndate: {}\nlink: {}\n---\n{}\n",
        quoted(title),
        iso_date(seconds),
        quoted(link),
        body.trim()
    )
}

fn iso_date(seconds: i64) -> String {
    let (year, month) = year_month(seconds * 1000);
    let day_start = days_from_civil(year, month, 1);
    let days = seconds.div_euclid(86_400);
    let day = days - day_start + 1;
    let rest = seconds.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn year_month(epoch_ms: i64) -> (i64, i64) {
    // Civil-from-days (Howard Hinnant), enough for folder names.
    let days = epoch_ms.div_euclid(86_400_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month)
}

/// A small, fast, well-mixed PRNG: the same seed gives the same folder on every machine.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }
}

//! `config.toml`: raw serde structs, validated in one step into a [`Config`].
//!
//! Every refusal names the key and, where it can be found, the line, so an operator can fix it
//! without guessing. `parse` is pure; `load` adds reading the file and checking the seeds folder.

mod folders;
mod websub;

pub use folders::FolderFeed;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use std::collections::BTreeMap;

use chrono_tz::Tz;
use serde::Deserialize;
use url::Url;

use crate::seed::outlets::{BylinePattern, CssSelector, Outlet, Outlets, TitlePrefix};
use crate::tail::DEFAULT_BUDGET;

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub server: ServerConfig,
    pub seeds: SeedsConfig,
    pub feed: FeedMeta,
    /// The embedded `outlets.toml` with the config's `[outlets.*]` tables applied.
    pub outlets: Outlets,
    /// `[feeds.<folder>]`: what the config says about each top-level folder's feed.
    pub folders: BTreeMap<String, FolderFeed>,
}

#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub bind: SocketAddr,
    /// HTTP worker threads.
    pub workers: usize,
    /// `Cache-Control: max-age` for the documents, in seconds.
    pub cache_max_age: u32,
    /// A client must send its whole request head within this (slowloris defence).
    pub request_timeout: Duration,
    /// Open connections at most, across all workers; more wait in the kernel's backlog.
    pub max_connections: usize,
    /// Bytes the long tail may hold beyond the steady state: documents rendered on request,
    /// those still being sent, and renders under way (see `tail::budget`).
    pub memory_budget: usize,
}

#[derive(Debug, Clone)]
pub struct SeedsConfig {
    /// Absolute, or relative to the process's working directory when the config was parsed
    /// without a file.
    pub dir: PathBuf,
    /// Zone for dates that seeds write without an offset.
    pub timezone: Tz,
    /// Larger files are rejected without being read.
    pub max_file_bytes: u64,
    /// How long the watcher waits for a burst of events on a file to settle.
    pub debounce: Duration,
    pub watch: WatchMode,
    /// How often the polling watcher looks at the folder.
    pub poll_interval: Duration,
    /// The on-disk index cache; `None` when disabled.
    pub cache: Option<PathBuf>,
}

/// How the seeds folder is watched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchMode {
    /// inotify (or the platform's equivalent), falling back to polling if it cannot start.
    Auto,
    Native,
    /// For file systems that send no notifications (network mounts, some bind mounts).
    Poll,
}

/// Feed-level metadata: everything the renderer needs besides the entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedMeta {
    pub title: String,
    pub description: String,
    /// Public URL of this server, always ending in `/`.
    pub base_url: Url,
    pub site_url: Url,
    pub language: String,
    pub limit: usize,
    /// Never empty: defaults to one author named after the feed, so every Atom entry has one.
    pub authors: Vec<Person>,
    pub icon: Option<Url>,
    pub logo: Option<Url>,
    pub rights: Option<String>,
    /// WebSub hubs the feed names (`[websub] hubs`); every change is announced to them.
    pub hubs: Vec<Url>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub email: Option<String>,
    pub uri: Option<Url>,
}

/// A refused configuration: which key, on which line, and why.
#[derive(Debug, thiserror::Error)]
#[error("{}{}: {key}: {message}", self.file_label(), self.line_label())]
pub struct ConfigError {
    pub file: Option<PathBuf>,
    pub line: Option<usize>,
    /// `[table] key`, or the table alone when the whole table is wrong.
    pub key: String,
    pub message: String,
}

impl ConfigError {
    fn file_label(&self) -> String {
        match &self.file {
            Some(path) => path.display().to_string(),
            None => "config".to_string(),
        }
    }

    fn line_label(&self) -> String {
        self.line.map(|l| format!(" line {l}")).unwrap_or_default()
    }
}

/// Five minutes: readers poll every 15-60 minutes, so this costs them nothing, while a shared
/// cache or CDN in front can absorb a burst of polls; a new article still shows within minutes.
pub const DEFAULT_CACHE_MAX_AGE: u32 = 300;
/// One day: a longer max-age would hide new articles from anyone behind a cache.
const MAX_CACHE_MAX_AGE: u32 = 86_400;
/// The index cache's default place, relative to the config file's folder.
pub const DEFAULT_CACHE: &str = ".seedfeed/index";
/// `[server] memory_budget_mb` bounds: less would shed most long-tail requests of a large
/// folder; more than 64 GiB is a typo.
const MIN_BUDGET_MB: usize = 32;
const MAX_BUDGET_MB: usize = 65_536;
pub const DEFAULT_MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;
const DEFAULT_DEBOUNCE_MS: u64 = 30;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    server: RawServer,
    seeds: RawSeeds,
    feed: RawFeed,
    #[serde(default)]
    outlets: BTreeMap<String, RawOutlet>,
    #[serde(default)]
    feeds: BTreeMap<toml::Spanned<String>, folders::RawFolderFeed>,
    websub: Option<websub::RawWebSub>,
}

/// One `[outlets.<key>]` table, in `src/outlets.toml` or in the config. In the config every
/// field is optional: what it states replaces the built-in value.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutlet {
    name: Option<String>,
    hosts: Option<Vec<String>>,
    timezone: Option<String>,
    title_suffixes: Option<Vec<String>>,
    title_prefixes: Option<Vec<String>>,
    section_segment: Option<usize>,
    byline_patterns: Option<Vec<String>>,
    author_selectors: Option<Vec<String>>,
    strip: Option<Vec<String>>,
    strip_text: Option<Vec<String>>,
}

/// The outlet rules shipped in the binary.
const BUILTIN_OUTLETS: &str = include_str!("outlets.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServer {
    bind: String,
    workers: Option<usize>,
    cache_max_age: Option<u32>,
    request_timeout_ms: Option<u64>,
    max_connections: Option<usize>,
    memory_budget_mb: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSeeds {
    dir: String,
    timezone: String,
    max_file_bytes: Option<u64>,
    debounce_ms: Option<u64>,
    watch: Option<String>,
    poll_interval_ms: Option<u64>,
    cache: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeed {
    title: String,
    description: String,
    base_url: String,
    site_url: String,
    language: String,
    limit: usize,
    #[serde(default)]
    authors: Vec<RawPerson>,
    icon: Option<String>,
    logo: Option<String>,
    rights: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPerson {
    name: String,
    email: Option<String>,
    uri: Option<String>,
}

impl Config {
    /// Reads and validates the file; the seeds folder is resolved against the file's folder and
    /// must exist.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: Some(path.to_path_buf()),
            line: None,
            key: "(file)".into(),
            message: format!("cannot read: {e}"),
        })?;
        let base = path.parent().unwrap_or(Path::new(""));
        let with_file = |mut e: ConfigError| {
            e.file = Some(path.to_path_buf());
            e
        };
        let config = Config::parse(&text, base).map_err(with_file)?;
        if !config.seeds.dir.is_dir() {
            return Err(with_file(ConfigError {
                file: None,
                line: line_of_key(&text, "seeds", "dir"),
                key: "[seeds] dir".into(),
                message: format!("folder {} does not exist", config.seeds.dir.display()),
            }));
        }
        Ok(config)
    }

    /// Validates config text; a relative `[seeds] dir` is joined to `base_dir`.
    pub fn parse(text: &str, base_dir: &Path) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
        let refuse = |table: &str, key: &str, message: String| ConfigError {
            file: None,
            line: line_of_key(text, table, key),
            key: format!("[{table}] {key}"),
            message,
        };

        let bind: SocketAddr = raw.server.bind.parse().map_err(|_| {
            refuse(
                "server",
                "bind",
                format!(
                    "expected IP:PORT such as \"127.0.0.1:8080\", got {:?}",
                    raw.server.bind
                ),
            )
        })?;
        let workers = match raw.server.workers {
            Some(0) => return Err(refuse("server", "workers", "must be at least 1".into())),
            Some(n) if n > 256 => {
                return Err(refuse("server", "workers", "must be at most 256".into()));
            }
            Some(n) => n,
            None => 2,
        };

        let cache_max_age = raw.server.cache_max_age.unwrap_or(DEFAULT_CACHE_MAX_AGE);
        if cache_max_age > MAX_CACHE_MAX_AGE {
            return Err(refuse(
                "server",
                "cache_max_age",
                format!("must be at most {MAX_CACHE_MAX_AGE} seconds (one day)"),
            ));
        }

        let request_timeout_ms = raw.server.request_timeout_ms.unwrap_or(5_000);
        if !(100..=60_000).contains(&request_timeout_ms) {
            return Err(refuse(
                "server",
                "request_timeout_ms",
                "must be 100 to 60000".into(),
            ));
        }
        let max_connections = raw.server.max_connections.unwrap_or(10_000);
        if !(1..=1_000_000).contains(&max_connections) {
            return Err(refuse(
                "server",
                "max_connections",
                "must be 1 to 1000000".into(),
            ));
        }

        let memory_budget = match raw.server.memory_budget_mb {
            None => DEFAULT_BUDGET,
            Some(mb @ MIN_BUDGET_MB..=MAX_BUDGET_MB) => mb << 20,
            Some(_) => {
                return Err(refuse(
                    "server",
                    "memory_budget_mb",
                    format!("must be {MIN_BUDGET_MB} to {MAX_BUDGET_MB} (MiB)"),
                ));
            }
        };

        if raw.seeds.dir.trim().is_empty() {
            return Err(refuse("seeds", "dir", "must name a folder".into()));
        }
        let dir = base_dir.join(&raw.seeds.dir);
        let timezone: Tz = raw.seeds.timezone.parse().map_err(|_| {
            refuse(
                "seeds",
                "timezone",
                format!(
                    "unknown IANA time zone {:?} (e.g. \"Asia/Shanghai\", \"UTC\")",
                    raw.seeds.timezone
                ),
            )
        })?;
        let max_file_bytes = raw.seeds.max_file_bytes.unwrap_or(DEFAULT_MAX_FILE_BYTES);
        if max_file_bytes == 0 {
            return Err(refuse(
                "seeds",
                "max_file_bytes",
                "must be at least 1".into(),
            ));
        }
        let debounce_ms = raw.seeds.debounce_ms.unwrap_or(DEFAULT_DEBOUNCE_MS);
        if debounce_ms > 10_000 {
            return Err(refuse(
                "seeds",
                "debounce_ms",
                "must be at most 10000".into(),
            ));
        }

        let watch = match raw.seeds.watch.as_deref().unwrap_or("auto") {
            "auto" => WatchMode::Auto,
            "native" => WatchMode::Native,
            "poll" => WatchMode::Poll,
            other => {
                return Err(refuse(
                    "seeds",
                    "watch",
                    format!("expected \"auto\", \"native\" or \"poll\", got {other:?}"),
                ));
            }
        };
        let poll_interval_ms = raw.seeds.poll_interval_ms.unwrap_or(1_000);
        if !(50..=600_000).contains(&poll_interval_ms) {
            return Err(refuse(
                "seeds",
                "poll_interval_ms",
                "must be 50 to 600000".into(),
            ));
        }

        // Beside the config by default; "" turns it off.
        let cache = match raw.seeds.cache.as_deref().map(str::trim) {
            None => Some(base_dir.join(DEFAULT_CACHE)),
            Some("") => None,
            Some(path) => Some(base_dir.join(path)),
        };

        let feed = raw.feed;
        let non_empty = |key: &str, value: String| {
            let value = value.trim().to_string();
            if value.is_empty() {
                Err(refuse("feed", key, "must not be empty".into()))
            } else {
                Ok(value)
            }
        };
        let title = non_empty("title", feed.title)?;
        let description = non_empty("description", feed.description)?;
        let language = non_empty("language", feed.language)?;
        if !is_language_tag(&language) {
            return Err(refuse(
                "feed",
                "language",
                format!("expected a language tag such as \"zh-CN\", got {language:?}"),
            ));
        }
        let web_url = |key: &str, value: &str| {
            parse_web_url(value).ok_or_else(|| {
                refuse(
                    "feed",
                    key,
                    format!("must be an absolute http(s) URL, got {value:?}"),
                )
            })
        };
        let mut base_url = web_url("base_url", &feed.base_url)?;
        if !base_url.path().ends_with('/') {
            // Self links are built by joining onto it; without the slash the last segment is lost.
            let path = format!("{}/", base_url.path());
            base_url.set_path(&path);
        }
        if base_url.query().is_some() || base_url.fragment().is_some() {
            return Err(refuse(
                "feed",
                "base_url",
                "must not have a query or fragment".into(),
            ));
        }
        let site_url = web_url("site_url", &feed.site_url)?;
        if feed.limit == 0 || feed.limit > 100_000 {
            return Err(refuse(
                "feed",
                "limit",
                format!("must be 1 to 100000, got {}", feed.limit),
            ));
        }
        let icon = feed
            .icon
            .as_deref()
            .map(|v| web_url("icon", v))
            .transpose()?;
        let logo = feed
            .logo
            .as_deref()
            .map(|v| web_url("logo", v))
            .transpose()?;
        let rights = feed
            .rights
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty());

        let mut authors = Vec::new();
        for (index, person) in feed.authors.into_iter().enumerate() {
            // Written as the `index`-th `[[feed.authors]]` table, or inline as `authors = […]`.
            let refuse_author =
                |key: &str, message: String| match line_of_key_in(text, "feed.authors", index, key)
                {
                    Some(line) => ConfigError {
                        file: None,
                        line: Some(line),
                        key: format!("[feed.authors] {key}"),
                        message,
                    },
                    None => refuse("feed", "authors", message),
                };
            let name = person.name.trim().to_string();
            if name.is_empty() {
                return Err(refuse_author("name", "every author needs a name".into()));
            }
            let email = person.email.map(|e| e.trim().to_string());
            if let Some(email) = &email
                && !is_email(email)
            {
                return Err(refuse_author(
                    "email",
                    format!("not an e-mail address: {email:?}"),
                ));
            }
            let uri = match person.uri.as_deref() {
                Some(value) => Some(parse_web_url(value).ok_or_else(|| {
                    refuse_author(
                        "uri",
                        format!("must be an absolute http(s) URL, got {value:?}"),
                    )
                })?),
                None => None,
            };
            authors.push(Person { name, email, uri });
        }
        if authors.is_empty() {
            authors.push(Person {
                name: title.clone(),
                email: None,
                uri: None,
            });
        }

        let outlets = outlets_with(raw.outlets, text)?;
        let folders = folders::validate(raw.feeds, text)?;
        let hubs = websub::validate(raw.websub, text)?;

        Ok(Config {
            outlets,
            folders,
            server: ServerConfig {
                bind,
                workers,
                cache_max_age,
                request_timeout: Duration::from_millis(request_timeout_ms),
                max_connections,
                memory_budget,
            },
            seeds: SeedsConfig {
                dir,
                timezone,
                max_file_bytes,
                debounce: Duration::from_millis(debounce_ms),
                watch,
                poll_interval: Duration::from_millis(poll_interval_ms),
                cache,
            },
            feed: FeedMeta {
                title,
                description,
                base_url,
                site_url,
                language,
                limit: feed.limit,
                authors,
                icon,
                logo,
                rights,
                hubs,
            },
        })
    }
}

/// The built-in outlet rules, as a config without `[outlets.*]` tables gets them.
pub fn builtin_outlets() -> Outlets {
    outlets_with(BTreeMap::new(), "").unwrap_or_default()
}

/// The built-in outlets with the config's tables applied: a table for a known outlet replaces
/// the fields it states; a new one must list its `hosts`. Outlets new in the config come after
/// the built-in ones, so on a host both claim, the config's wins.
fn outlets_with(
    overrides: BTreeMap<String, RawOutlet>,
    text: &str,
) -> Result<Outlets, ConfigError> {
    let builtin: BTreeMap<String, RawOutlet> =
        toml::from_str(BUILTIN_OUTLETS).map_err(|e| ConfigError {
            file: Some(PathBuf::from("src/outlets.toml")),
            line: None,
            key: "(built-in outlet rules)".into(),
            message: e.message().to_string(),
        })?;
    let mut merged: Vec<(String, RawOutlet, bool)> = builtin
        .into_iter()
        .map(|(key, raw)| (key, raw, false))
        .collect();
    for (key, raw) in overrides {
        match merged.iter_mut().find(|(k, _, _)| *k == key) {
            Some((_, known, from_config)) => {
                known.name = raw.name.or(known.name.take());
                known.hosts = raw.hosts.or(known.hosts.take());
                known.timezone = raw.timezone.or(known.timezone.take());
                known.title_suffixes = raw.title_suffixes.or(known.title_suffixes.take());
                known.title_prefixes = raw.title_prefixes.or(known.title_prefixes.take());
                known.section_segment = raw.section_segment.or(known.section_segment);
                known.byline_patterns = raw.byline_patterns.or(known.byline_patterns.take());
                known.author_selectors = raw.author_selectors.or(known.author_selectors.take());
                known.strip = raw.strip.or(known.strip.take());
                known.strip_text = raw.strip_text.or(known.strip_text.take());
                *from_config = true;
            }
            None => merged.push((key, raw, true)),
        }
    }
    merged
        .into_iter()
        .map(|(key, raw, from_config)| {
            let table = format!("outlets.{key}");
            let refuse = |field: &str, message: String| ConfigError {
                file: (!from_config).then(|| PathBuf::from("src/outlets.toml")),
                line: from_config
                    .then(|| line_of_key(text, &table, field).or(line_of_table(text, &table)))
                    .flatten(),
                key: format!("[{table}] {field}"),
                message,
            };
            let hosts: Vec<String> = raw
                .hosts
                .unwrap_or_default()
                .iter()
                .map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase())
                .collect();
            if hosts.is_empty() || hosts.iter().any(|h| !is_host_name(h)) {
                return Err(refuse(
                    "hosts",
                    "must list the outlet's link hosts, such as [\"cn.nytimes.com\"]".into(),
                ));
            }
            let timezone = raw
                .timezone
                .map(|zone| {
                    zone.parse::<Tz>().map_err(|_| {
                        refuse(
                            "timezone",
                            format!("unknown IANA time zone {zone:?} (e.g. \"Europe/Paris\")"),
                        )
                    })
                })
                .transpose()?;
            let name = raw
                .name
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| key.clone());
            let title_suffixes: Vec<String> = raw
                .title_suffixes
                .unwrap_or_default()
                .iter()
                .map(|s| crate::seed::text::one_line(s))
                .collect();
            if title_suffixes.iter().any(String::is_empty) {
                return Err(refuse(
                    "title_suffixes",
                    "a title suffix must not be empty".into(),
                ));
            }
            let title_prefixes = raw
                .title_prefixes
                .unwrap_or_default()
                .iter()
                .map(|p| TitlePrefix::new(p).map_err(|e| refuse("title_prefixes", e)))
                .collect::<Result<Vec<_>, _>>()?;
            let byline_patterns = raw
                .byline_patterns
                .unwrap_or_default()
                .iter()
                .map(|p| BylinePattern::new(p).map_err(|e| refuse("byline_patterns", e)))
                .collect::<Result<Vec<_>, _>>()?;
            let selectors = |field: &str, written: Option<Vec<String>>| {
                written
                    .unwrap_or_default()
                    .iter()
                    .map(|s| CssSelector::new(s).map_err(|e| refuse(field, format!("{s:?}: {e}"))))
                    .collect::<Result<Vec<_>, _>>()
            };
            let author_selectors = selectors("author_selectors", raw.author_selectors)?;
            let strip = selectors("strip", raw.strip)?;
            let strip_text: Vec<String> = raw
                .strip_text
                .unwrap_or_default()
                .iter()
                .map(|s| crate::seed::text::one_line(s))
                .collect();
            if strip_text.iter().any(String::is_empty) {
                return Err(refuse("strip_text", "a marker must not be empty".into()));
            }
            Ok(Outlet {
                key,
                name,
                hosts,
                timezone,
                title_suffixes,
                title_prefixes,
                section_segment: raw.section_segment,
                byline_patterns,
                author_selectors,
                strip,
                strip_text,
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Outlets::new)
}

fn is_host_name(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

fn parse_web_url(value: &str) -> Option<Url> {
    let url = Url::parse(value.trim()).ok()?;
    (matches!(url.scheme(), "http" | "https") && url.host().is_some()).then_some(url)
}

fn is_email(value: &str) -> bool {
    match value.split_once('@') {
        Some((user, domain)) => {
            !user.is_empty()
                && domain.contains('.')
                && !value
                    .chars()
                    .any(|c| c.is_whitespace() || c == '<' || c == '>' || c == '(')
        }
        None => false,
    }
}

fn is_language_tag(value: &str) -> bool {
    value.split('-').all(|part| {
        (1..=8).contains(&part.len()) && part.chars().all(|c| c.is_ascii_alphanumeric())
    })
}

/// The top-level tables; no table has a key named like one of them.
const TABLES: [&str; 3] = ["server", "seeds", "feed"];

/// Turns a toml/serde error into a `ConfigError` naming the key and line it points at.
/// The 1-based line of a byte offset in the config text (bytes: any offset is safe).
fn line_at(text: &str, offset: usize) -> usize {
    let before = &text.as_bytes()[..offset.min(text.len())];
    before.iter().filter(|&&b| b == b'\n').count() + 1
}

fn toml_error(text: &str, err: &toml::de::Error) -> ConfigError {
    let message = err.message().trim().to_string();
    let Some(span) = err.span() else {
        return ConfigError {
            file: None,
            line: None,
            key: "(document)".into(),
            message,
        };
    };
    let mut line = Some(line_at(text, span.start));
    let at = line.unwrap_or(1);
    let line_text = text.lines().nth(at - 1).unwrap_or("");
    let table = table_at_line(text, at);
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split_once('`'))
        .map(|(field, _)| field);
    let key = match (line_text.split_once('='), missing) {
        // A whole table is missing (serde points at the whole document): no line holds it.
        (_, Some(field)) if table.is_empty() || TABLES.contains(&field) => {
            line = None;
            format!("[{field}]")
        }
        // serde points at the table that lacks the field: name the field in it.
        (_, Some(field)) => format!("[{table}] {field}"),
        (Some((k, _)), _) => format!("[{table}] {}", k.trim()),
        (None, _) if line_text.trim_start().starts_with('[') => line_text.trim().to_string(),
        (None, _) => format!("[{table}]"),
    };
    ConfigError {
        file: None,
        line,
        key,
        message,
    }
}

/// The `[table]` (or `[[table]]`) a 1-based line belongs to; empty at the top.
fn table_at_line(text: &str, line: usize) -> String {
    text.lines()
        .take(line)
        .filter_map(|l| {
            let l = l.trim();
            l.strip_prefix('[').map(|h| {
                h.trim_start_matches('[')
                    .split(']')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_string()
            })
        })
        .last()
        .unwrap_or_default()
}

/// 1-based line where `key = …` is written inside `[table]`, if it is written in the plain form.
/// 1-based line of the `[table]` header itself.
fn line_of_table(text: &str, table: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            let trimmed = line.trim();
            trimmed.starts_with('[') && table_at_line(trimmed, 1) == table
        })
        .map(|index| index + 1)
}

fn line_of_key(text: &str, table: &str, key: &str) -> Option<usize> {
    line_of_key_in(text, table, 0, key)
}

/// 1-based line where `key = …` is written inside the `nth` (0-based) header naming `table`
/// (`[[table]]` repeats), if it is written in the plain form.
fn line_of_key_in(text: &str, table: &str, nth: usize, key: &str) -> Option<usize> {
    let mut current = String::new();
    let mut seen = 0;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            current = table_at_line(trimmed, 1);
            if current == table {
                seen += 1;
            }
            continue;
        }
        if current == table
            && seen == nth + 1
            && let Some((k, _)) = trimmed.split_once('=')
            && k.trim() == key
        {
            return Some(index + 1);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[server]
bind = "127.0.0.1:8080"
[seeds]
dir = "seeds"
timezone = "Asia/Shanghai"
[feed]
title = "T"
description = "D"
base_url = "http://127.0.0.1:8080/feeds"
site_url = "https://cn.nytimes.com/"
language = "zh-CN"
limit = 50
"#;

    fn refused(text: &str) -> ConfigError {
        Config::parse(text, Path::new("/base")).expect_err("config should be refused")
    }

    #[test]
    fn good_config_is_normalised() {
        let config = Config::parse(GOOD, Path::new("/base")).unwrap();
        assert_eq!(
            config.feed.base_url.as_str(),
            "http://127.0.0.1:8080/feeds/"
        );
        assert_eq!(config.seeds.dir, Path::new("/base/seeds"));
        assert_eq!(config.seeds.timezone, chrono_tz::Asia::Shanghai);
        assert_eq!(config.feed.authors[0].name, "T");
        assert_eq!(config.seeds.max_file_bytes, DEFAULT_MAX_FILE_BYTES);
    }

    #[test]
    fn each_refusal_names_key_and_line() {
        let cases: &[(&str, &str, &str, usize)] = &[
            ("limit = 50", "limit = \"x\"", "[feed] limit", 13),
            ("limit = 50", "limit = 0", "[feed] limit", 13),
            (
                "language = \"zh-CN\"",
                "language = \"zh-CN\"\ncolour = 1",
                "[feed] colour",
                13,
            ),
            (
                "http://127.0.0.1:8080/feeds",
                "feeds/",
                "[feed] base_url",
                10,
            ),
            ("https://cn.nytimes.com/", "ftp://x/", "[feed] site_url", 11),
            ("Asia/Shanghai", "Mars/Olympus", "[seeds] timezone", 6),
            ("127.0.0.1:8080", "localhost", "[server] bind", 3),
            (
                "bind = \"127.0.0.1:8080\"",
                "bind = \"127.0.0.1:8080\"\ncache_max_age = 999999",
                "[server] cache_max_age",
                4,
            ),
            (
                "bind = \"127.0.0.1:8080\"",
                "bind = \"127.0.0.1:8080\"\nrequest_timeout_ms = 1",
                "[server] request_timeout_ms",
                4,
            ),
            (
                "bind = \"127.0.0.1:8080\"",
                "bind = \"127.0.0.1:8080\"\nmax_connections = 0",
                "[server] max_connections",
                4,
            ),
            (
                "bind = \"127.0.0.1:8080\"",
                "bind = \"127.0.0.1:8080\"\nmemory_budget_mb = 0",
                "[server] memory_budget_mb",
                4,
            ),
            (
                "dir = \"seeds\"",
                "dir = \"seeds\"\nwatch = \"sometimes\"",
                "[seeds] watch",
                6,
            ),
            (
                "dir = \"seeds\"",
                "dir = \"seeds\"\npoll_interval_ms = 5",
                "[seeds] poll_interval_ms",
                6,
            ),
        ];
        for (from, to, key, line) in cases {
            let err = refused(&GOOD.replace(from, to));
            assert_eq!(&err.key, key, "{err}");
            assert_eq!(err.line, Some(*line), "{err}");
            assert!(err.to_string().contains(key), "{err}");
        }
    }

    /// The whole message, so a wrong line ("line 15" for "line 1") or key cannot pass.
    #[test]
    fn ranges_are_inclusive_and_the_small_rules_hold() {
        let parses = |from: &str, to: &str| Config::parse(&GOOD.replace(from, to), Path::new("/b"));
        let key_of = |from: &str, to: &str| match parses(from, to) {
            Ok(_) => "accepted".to_string(),
            Err(e) => e.key,
        };
        let bind = "bind = \"127.0.0.1:8080\"";
        let dir = "dir = \"seeds\"";
        let cases: &[(&str, String, &str)] = &[
            (bind, format!("{bind}\nworkers = 256"), "accepted"),
            (bind, format!("{bind}\nworkers = 257"), "[server] workers"),
            (bind, format!("{bind}\nworkers = 300"), "[server] workers"),
            (bind, format!("{bind}\ncache_max_age = 86400"), "accepted"),
            (bind, format!("{bind}\nmemory_budget_mb = 32"), "accepted"),
            (
                bind,
                format!("{bind}\nmemory_budget_mb = 65536"),
                "accepted",
            ),
            (
                bind,
                format!("{bind}\nmemory_budget_mb = 31"),
                "[server] memory_budget_mb",
            ),
            (
                bind,
                format!("{bind}\nmemory_budget_mb = 65537"),
                "[server] memory_budget_mb",
            ),
            (
                bind,
                format!("{bind}\ncache_max_age = 86401"),
                "[server] cache_max_age",
            ),
            (dir, format!("{dir}\ndebounce_ms = 10000"), "accepted"),
            (
                dir,
                format!("{dir}\ndebounce_ms = 10001"),
                "[seeds] debounce_ms",
            ),
            ("limit = 50", "limit = 100000".into(), "accepted"),
            ("limit = 50", "limit = 100001".into(), "[feed] limit"),
            ("8080/feeds\"", "8080/feeds?x=1\"".into(), "[feed] base_url"),
            ("8080/feeds\"", "8080/feeds#top\"".into(), "[feed] base_url"),
            ("\"zh-CN\"", "\"zh-Hant-TW\"".into(), "accepted"),
            ("\"zh-CN\"", "\"zh_CN\"".into(), "[feed] language"),
            ("\"zh-CN\"", "\"zh--CN\"".into(), "[feed] language"),
            ("\"zh-CN\"", "\"toolongsubtag\"".into(), "[feed] language"),
        ];
        for (from, to, want) in cases {
            assert_eq!(key_of(from, to), *want, "{to}");
        }
        let email = |address: &str| {
            let text = format!("{GOOD}[[feed.authors]]\nname = \"A\"\nemail = {address:?}\n");
            match Config::parse(&text, Path::new("/b")) {
                Ok(_) => "accepted".to_string(),
                Err(e) => e.key,
            }
        };
        assert_eq!(email("a@x.org"), "accepted");
        for bad in [
            "no-at-sign",
            "a@localhost",
            "@x.org",
            "a b@x.org",
            "<a@x.org",
            "a@x.org>",
            "a@(x).org",
        ] {
            assert_eq!(email(bad), "[feed.authors] email", "{bad}");
        }
        let rights = |value: &str| {
            parses("limit = 50", &format!("limit = 50\nrights = {value:?}"))
                .unwrap()
                .feed
                .rights
        };
        assert_eq!(rights("  "), None);
        assert_eq!(rights(" © X "), Some("© X".to_string()));
        // The documented default, not the constant compared with itself.
        assert_eq!(
            Config::parse(GOOD, Path::new("/b"))
                .unwrap()
                .seeds
                .max_file_bytes,
            4_194_304
        );
    }

    #[test]
    fn an_error_names_its_file_when_loaded_from_one() {
        let error = ConfigError {
            file: Some(PathBuf::from("/etc/seedfeed.toml")),
            line: Some(3),
            key: "[feed] limit".into(),
            message: "must be 1 to 100000".into(),
        };
        assert_eq!(
            error.to_string(),
            "/etc/seedfeed.toml line 3: [feed] limit: must be 1 to 100000"
        );
        // A line that is neither a header nor `key = value` names its table.
        let err = refused(&GOOD.replace("limit = 50", "limit = 50\nstray"));
        assert_eq!(err.key, "[feed]", "{err}");
        assert_eq!(err.line, Some(14), "{err}");
    }

    #[test]
    fn each_refusal_reads_exactly() {
        let authors = |tables: &str| format!("{GOOD}{tables}");
        let cases: Vec<(String, &str)> = vec![
            (
                GOOD.replace("[server]", "[sever]"),
                "config line 2: [sever]: unknown field `sever`, expected one of `server`, `seeds`, `feed`, `outlets`, `feeds`, `websub`",
            ),
            (
                GOOD.replace("limit = 50", "limit = 50\n[feed.extra]\ny = 1"),
                "config line 14: [feed.extra]: unknown field `extra`, expected one of `title`, \
                 `description`, `base_url`, `site_url`, `language`, `limit`, `authors`, `icon`, \
                 `logo`, `rights`",
            ),
            (
                GOOD.replace(
                    "timezone = \"Asia/Shanghai\"",
                    "timezone = \"Asia/Shanghai\"\nwach = 1",
                ),
                "config line 7: [seeds] wach: unknown field `wach`, expected one of `dir`, \
                 `timezone`, `max_file_bytes`, `debounce_ms`, `watch`, `poll_interval_ms`, `cache`",
            ),
            (
                GOOD.replace("limit = 50", "limit = \"fifty\""),
                "config line 13: [feed] limit: invalid type: string \"fifty\", expected usize",
            ),
            (
                GOOD.replace(
                    "bind = \"127.0.0.1:8080\"",
                    "bind = \"127.0.0.1:8080\"\nworkers = -1",
                ),
                "config line 4: [server] workers: invalid value: integer `-1`, expected usize",
            ),
            (
                GOOD.replace(
                    "bind = \"127.0.0.1:8080\"",
                    "bind = \"127.0.0.1:8080\"\nworkers = 0",
                ),
                "config line 4: [server] workers: must be at least 1",
            ),
            (
                GOOD.replace("dir = \"seeds\"", "dir = \"seeds\"\ndebounce_ms = 20000"),
                "config line 6: [seeds] debounce_ms: must be at most 10000",
            ),
            (
                GOOD.replace("dir = \"seeds\"", "dir = \"seeds\"\nmax_file_bytes = 0"),
                "config line 6: [seeds] max_file_bytes: must be at least 1",
            ),
            (
                GOOD.replace("language = \"zh-CN\"", "language = \"zh CN\""),
                "config line 12: [feed] language: expected a language tag such as \"zh-CN\", got \"zh CN\"",
            ),
            (
                GOOD.replace("title = \"T\"", "title = \"  \""),
                "config line 8: [feed] title: must not be empty",
            ),
            (
                GOOD.replace("/feeds\"", "/feeds?x=1\""),
                "config line 10: [feed] base_url: must not have a query or fragment",
            ),
            (
                GOOD.replace("limit = 50", "limit = 50\nlogo = \"logo.png\""),
                "config line 14: [feed] logo: must be an absolute http(s) URL, got \"logo.png\"",
            ),
            (
                GOOD.replace("title = \"T\"\n", ""),
                "config line 7: [feed] title: missing field `title`",
            ),
            (
                "[server]\nbind = \"127.0.0.1:8080\"\n".to_string(),
                "config: [seeds]: missing field `seeds`",
            ),
            // [[feed.authors]]: the key and line inside the right table, not "[feed] authors".
            (
                authors("[[feed.authors]]\nemail = \"a@b.c\"\n"),
                "config line 14: [feed.authors] name: missing field `name`",
            ),
            (
                authors("[[feed.authors]]\nname = \"A\"\nmail = \"a@b.c\"\n"),
                "config line 16: [feed.authors] mail: unknown field `mail`, expected one of `name`, `email`, `uri`",
            ),
            (
                authors(
                    "[[feed.authors]]\nname = \"A\"\nemail = \"nope\"\n\
                     [[feed.authors]]\nname = \"B\"\nemail = \"nope\"\n",
                ),
                "config line 16: [feed.authors] email: not an e-mail address: \"nope\"",
            ),
            (
                authors(
                    "[[feed.authors]]\nname = \"A\"\nemail = \"a@b.c\"\n\
                     [[feed.authors]]\nname = \"B\"\nemail = \"nope\"\n",
                ),
                "config line 19: [feed.authors] email: not an e-mail address: \"nope\"",
            ),
            (
                authors("[[feed.authors]]\nname = \"A\"\nuri = \"ftp://x/\"\n"),
                "config line 16: [feed.authors] uri: must be an absolute http(s) URL, got \"ftp://x/\"",
            ),
            (
                authors("[[feed.authors]]\nname = \" \"\n"),
                "config line 15: [feed.authors] name: every author needs a name",
            ),
            (
                GOOD.replace(
                    "limit = 50",
                    "limit = 50\nauthors = [{ name = \"A\", uri = \"ftp://x/\" }]",
                ),
                "config line 14: [feed] authors: must be an absolute http(s) URL, got \"ftp://x/\"",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(refused(&text).to_string(), expected, "{text}");
        }
    }

    #[test]
    fn outlet_rules_are_built_in_and_the_config_changes_or_adds_them() {
        let builtin = Config::parse(GOOD, Path::new("/base")).unwrap().outlets;
        assert_eq!(builtin, builtin_outlets());
        let zone = |outlets: &Outlets, host: &str| {
            outlets
                .for_host(host)
                .and_then(|o| o.timezone)
                .map(|z| z.name().to_string())
        };
        assert_eq!(zone(&builtin, "cn.reuters.com").as_deref(), Some("UTC"));
        assert_eq!(
            zone(&builtin, "www.rfi.fr").as_deref(),
            Some("Europe/Paris")
        );
        assert_eq!(
            zone(&builtin, "cn.nytimes.com").as_deref(),
            Some("Asia/Shanghai")
        );
        assert_eq!(builtin.for_host("www.bbc.com").unwrap().name, "BBC中文");

        let text = format!(
            "{GOOD}[outlets.rfi]\ntimezone = \"UTC\"\n[outlets.mine]\nhosts = [\"News.Example.\"]\n"
        );
        let outlets = Config::parse(&text, Path::new("/base")).unwrap().outlets;
        assert_eq!(zone(&outlets, "www.rfi.fr").as_deref(), Some("UTC"));
        let rfi = outlets.for_host("www.rfi.fr").unwrap();
        assert_eq!(rfi.name, "法国国际广播电台", "fields not stated stay");
        let mine = outlets.for_host("a.news.example").unwrap();
        assert_eq!((mine.key.as_str(), mine.name.as_str()), ("mine", "mine"));
        assert_eq!(mine.timezone, None);
        assert_ne!(outlets.fingerprint(), builtin.fingerprint());
    }

    #[test]
    fn folder_feeds_and_hubs_are_read_and_refused_with_key_and_line() {
        let config = Config::parse(
            &format!(
                "{GOOD}[feeds.nyt]\ntitle = \"NYT\"\nlimit = 5\n[feeds.\"纽约\"]\n\
                 [websub]\nhubs = [\"https://hub.example/\", \"https://hub.example/\"]\n"
            ),
            Path::new("/base"),
        )
        .unwrap();
        let nyt = &config.folders["nyt"];
        assert_eq!(
            (nyt.title.as_deref(), nyt.limit, nyt.language.as_deref()),
            (Some("NYT"), Some(5), None)
        );
        assert_eq!(config.folders["纽约"], FolderFeed::default());
        let hubs: Vec<&str> = config.feed.hubs.iter().map(Url::as_str).collect();
        assert_eq!(hubs, ["https://hub.example/"], "one hub named twice is one");

        // (appended text, key, line): GOOD has 13 lines
        let cases: &[(&str, &str, usize)] = &[
            ("[feeds.nyt]\nlimit = 0\n", "[feeds.nyt] limit", 15),
            ("[feeds.nyt]\n\ntitle = \" \"\n", "[feeds.nyt] title", 16),
            (
                "[feeds.nyt]\nsite_url = \"nyt\"\n",
                "[feeds.nyt] site_url",
                15,
            ),
            (
                "[feeds.nyt]\nlanguage = \"中文\"\n",
                "[feeds.nyt] language",
                15,
            ),
            ("[feeds.\".git\"]\ntitle = \"x\"\n", "[feeds..git]", 14),
            (
                "[websub]\nhubs = [\n  \"https://a.example/\",\n  \"ftp://b\",\n]\n",
                "[websub] hubs",
                17,
            ),
        ];
        for (appended, key, line) in cases {
            let err = refused(&format!("{GOOD}{appended}"));
            assert_eq!(&err.key, key, "{appended}: {err}");
            assert_eq!(err.line, Some(*line), "{appended}: {err}");
        }
    }

    #[test]
    fn bad_outlet_rules_are_refused_with_key_and_line() {
        // (appended text, key, line): GOOD has 13 lines
        let cases: &[(&str, &str, usize)] = &[
            (
                "[outlets.rfi]\ntimezone = \"Europe/Nowhere\"\n",
                "[outlets.rfi] timezone",
                15,
            ),
            (
                "[outlets.mine]\nname = \"Mine\"\n",
                "[outlets.mine] hosts",
                14,
            ),
            (
                "[outlets.mine]\nname = \"Mine\"\nhosts = [\"bad host\"]\n",
                "[outlets.mine] hosts",
                16,
            ),
            ("[outlets.nyt]\nhosts = []\n", "[outlets.nyt] hosts", 15),
            ("[outlets.nyt]\nzone = \"UTC\"\n", "[outlets.nyt] zone", 15),
            (
                "[outlets.rfi]\nbyline_patterns = ['记者(.+)']\n",
                "[outlets.rfi] byline_patterns",
                15,
            ),
            (
                "[outlets.rfi]\nbyline_patterns = ['(?P<names>[']\n",
                "[outlets.rfi] byline_patterns",
                15,
            ),
            (
                "[outlets.bbc]\nauthor_selectors = ['ul[[']\n",
                "[outlets.bbc] author_selectors",
                15,
            ),
            (
                "[outlets.rfi]\ntitle_suffixes = [\" \"]\n",
                "[outlets.rfi] title_suffixes",
                15,
            ),
            (
                "[outlets.bbc]\nname = \"BBC\"\ntitle_prefixes = ['(?P<section>']\n",
                "[outlets.bbc] title_prefixes",
                16,
            ),
        ];
        for (appended, key, line) in cases {
            let err = refused(&format!("{GOOD}{appended}"));
            assert_eq!(&err.key, key, "{appended}: {err}");
            assert_eq!(err.line, Some(*line), "{appended}: {err}");
            assert!(
                err.to_string()
                    .starts_with(&format!("config line {line}: {key}: ")),
                "{err}"
            );
        }
    }

    #[test]
    fn missing_key_is_named() {
        // serde points at the table that lacks it; the key names the field in that table.
        let err = refused(&GOOD.replace("title = \"T\"\n", ""));
        assert_eq!(err.key, "[feed] title", "{err}");
        assert_eq!(err.line, Some(7), "{err}");
    }
}

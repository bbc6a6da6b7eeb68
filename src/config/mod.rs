//! `config.toml`: one module per table, each a raw serde struct (keeping where every value is
//! written) checked into its part of the [`Config`] — `[server]` (`server.rs`), `[seeds]`
//! (`seeds.rs`), `[feed]` (`feed.rs`), `[feeds.<folder>]` (`folders.rs`), `[outlets.<key>]`
//! (`outlets.rs`), `[websub]` (`websub.rs`); what they share is `check.rs`.
//!
//! Every refusal names the key and, where it can be found, the line, so an operator can fix it
//! without guessing. `parse` is pure; `load` adds reading the file and checking the seeds folder.

mod check;
mod feed;
mod folders;
mod init;
mod log;
mod network;
mod outlets;
mod seeds;
mod server;
mod websub;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

pub use feed::{DEFAULT_LANGUAGE, DEFAULT_LIMIT, FeedFields, FeedMeta, Person};
pub use init::{InitError, config_for, write_config};
pub use log::{LogConfig, LogFormat};
pub use network::Network;
pub use outlets::builtin_outlets;
pub use seeds::{DEFAULT_CACHE, DEFAULT_MAX_FILE_BYTES, DEFAULT_TIMEZONE, SeedsConfig, WatchMode};
pub use server::{DEFAULT_BIND, DEFAULT_CACHE_MAX_AGE, ServerConfig};

use crate::seed::outlets::Outlets;

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from (`Config::load`); a reload reads it again.
    pub file: Option<PathBuf>,
    pub server: ServerConfig,
    pub log: LogConfig,
    pub seeds: SeedsConfig,
    pub feed: FeedMeta,
    /// The embedded `outlets.toml` with the config's `[outlets.*]` tables applied.
    pub outlets: Outlets,
    /// `[feeds.<folder>]`: what the config says about each top-level folder's feed.
    pub folders: BTreeMap<String, FeedFields>,
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    server: server::RawServer,
    #[serde(default)]
    log: log::RawLog,
    seeds: Spanned<seeds::RawSeeds>,
    feed: Spanned<feed::RawFeed>,
    #[serde(default)]
    outlets: outlets::RawOutlets,
    #[serde(default)]
    feeds: folders::RawFolders,
    websub: Option<websub::RawWebSub>,
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
        let (config, seeds_at) = Config::parse_at(&text, base).map_err(with_file)?;
        if !config.seeds.dir.is_dir() {
            let message = format!("folder {} does not exist", config.seeds.dir.display());
            let seeds = check::Table::new("seeds", &text);
            return Err(with_file(seeds.refuse("dir", Some(seeds_at), message)));
        }
        Ok(Config {
            file: Some(path.to_path_buf()),
            ..config
        })
    }

    /// The settings that differ in `new` and take effect only at the next start: where and
    /// how the server listens, the long tail's budget, the folder and how it is watched, the
    /// index cache, the log.
    pub fn restart_needed(&self, new: &Config) -> Vec<&'static str> {
        let (old_server, new_server) = (&self.server, &new.server);
        let (old_seeds, new_seeds) = (&self.seeds, &new.seeds);
        [
            ("[server] bind", old_server.bind != new_server.bind),
            ("[server] workers", old_server.workers != new_server.workers),
            (
                "[server] request_timeout_ms",
                old_server.request_timeout != new_server.request_timeout,
            ),
            (
                "[server] max_connections",
                old_server.max_connections != new_server.max_connections,
            ),
            (
                "[server] memory_budget_mb",
                old_server.memory_budget != new_server.memory_budget,
            ),
            (
                "[server] operator_bind",
                old_server.operator_bind != new_server.operator_bind,
            ),
            ("[seeds] dir", old_seeds.dir != new_seeds.dir),
            ("[seeds] watch", old_seeds.watch != new_seeds.watch),
            (
                "[seeds] debounce_ms",
                old_seeds.debounce != new_seeds.debounce,
            ),
            (
                "[seeds] poll_interval_ms",
                old_seeds.poll_interval != new_seeds.poll_interval,
            ),
            ("[seeds] cache", old_seeds.cache != new_seeds.cache),
            ("[log] format", self.log.format != new.log.format),
        ]
        .into_iter()
        .filter_map(|(key, changed)| changed.then_some(key))
        .collect()
    }

    /// Validates config text; a relative `[seeds] dir` is joined to `base_dir`.
    pub fn parse(text: &str, base_dir: &Path) -> Result<Config, ConfigError> {
        Config::parse_at(text, base_dir).map(|(config, _)| config)
    }

    /// [`Config::parse`], and where `[seeds] dir` is written.
    fn parse_at(text: &str, base_dir: &Path) -> Result<(Config, usize), ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| check::toml_error(text, &e))?;
        let (feed_at, seeds_at) = (raw.feed.span().start, raw.seeds.get_ref().dir_at());
        let hubs = websub::validate(raw.websub, text)?;
        let seeds = raw.seeds.into_inner().validate(text, base_dir)?;
        let config = Config {
            file: None,
            server: raw.server.validate(text)?,
            log: raw.log.validate(text)?,
            feed: (raw.feed.into_inner()).validate(feed_at, text, hubs, seeds.timezone)?,
            seeds,
            outlets: outlets::validate(raw.outlets, text)?,
            folders: folders::validate(raw.feeds, text)?,
        };
        Ok((config, seeds_at))
    }
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
    fn three_keys_suffice_and_the_rest_take_their_documented_defaults() {
        let minimal = "[seeds]\ndir = \"seeds\"\n[feed]\ntitle = \"News\"\n\
                       base_url = \"https://feeds.example/\"\n";
        let config = Config::parse(minimal, Path::new("/base")).unwrap();
        assert_eq!(config.server.bind, DEFAULT_BIND);
        assert_eq!(config.server.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(config.seeds.timezone, chrono_tz::UTC);
        assert_eq!(config.seeds.timezone.name(), DEFAULT_TIMEZONE);
        assert_eq!(config.feed.description, "News");
        assert_eq!(config.feed.site_url.as_str(), "https://feeds.example/");
        assert_eq!(config.feed.language, DEFAULT_LANGUAGE);
        assert_eq!(config.feed.limit, DEFAULT_LIMIT);
        assert_eq!(config.log.format, LogFormat::Human);
        assert_eq!(
            config.server.operator_networks,
            [
                Network::parse("127.0.0.0/8").unwrap(),
                Network::parse("::1").unwrap()
            ]
        );
        // Each of the three is still required.
        for (gone, key) in [
            ("dir = \"seeds\"\n", "[seeds] dir"),
            ("title = \"News\"\n", "[feed] title"),
            ("base_url = \"https://feeds.example/\"\n", "[feed] base_url"),
        ] {
            let refusal = refused(&minimal.replace(gone, ""));
            assert_eq!(refusal.key, key);
        }
    }

    #[test]
    fn init_writes_what_parse_accepts() {
        let text = config_for(Path::new("my \"quoted\" seeds"));
        let config = Config::parse(&text, Path::new("/base")).unwrap();
        assert_eq!(config.seeds.dir, Path::new("/base/my \"quoted\" seeds"));
        assert_eq!(config.feed.title, "my \"quoted\" seeds");
        // Every commented-out key is a real one: uncommented, the config still parses.
        let uncommented: String = text
            .lines()
            .map(|line| {
                line.strip_prefix("# ")
                    .filter(|l| l.contains(" = ") || l.starts_with('['))
                    .unwrap_or(line)
            })
            .map(|line| format!("{line}\n"))
            .collect();
        let config = Config::parse(&uncommented, Path::new("/base"))
            .unwrap_or_else(|e| panic!("{e}\n{uncommented}"));
        assert_eq!(config.server.operator_bind.map(|a| a.port()), Some(9090));
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
            ("limit = 50", "limit = 50\nttl = 10080".into(), "accepted"),
            ("limit = 50", "limit = 50\nttl = 0".into(), "[feed] ttl"),
            ("limit = 50", "limit = 50\nttl = 10081".into(), "[feed] ttl"),
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

    /// README's defaults and the `""` that turns the index cache off.
    #[test]
    fn the_memory_budget_the_seeds_folder_and_the_cache_read_as_documented() {
        let parses = |from: &str, to: &str| Config::parse(&GOOD.replace(from, to), Path::new("/b"));
        let bind = "bind = \"127.0.0.1:8080\"";
        let budget = |to: &str| {
            parses(bind, &format!("{bind}\n{to}"))
                .unwrap()
                .server
                .memory_budget
        };
        assert_eq!(budget(""), 128 * 1024 * 1024);
        assert_eq!(budget("memory_budget_mb = 32"), 32 * 1024 * 1024);
        let dir = "dir = \"seeds\"";
        let cache = |to: &str| parses(dir, &format!("{dir}\n{to}")).unwrap().seeds.cache;
        assert_eq!(cache(""), Some(PathBuf::from("/b/.seedfeed/index")));
        assert_eq!(cache("cache = \"\""), None, "\"\" turns it off");
        assert_eq!(cache("cache = \" idx \""), Some(PathBuf::from("/b/idx")));
        let err = parses(dir, "dir = \" \"").expect_err("a blank folder is no folder");
        assert_eq!(
            err.to_string(),
            "config line 5: [seeds] dir: must name a folder"
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
                "config line 2: [sever]: unknown field `sever`, expected one of `server`, `log`, `seeds`, `feed`, `outlets`, `feeds`, `websub`",
            ),
            // A header is named as written: an array of tables keeps its double brackets.
            (
                format!("{GOOD}[[sever]]\nx = 1\n"),
                "config line 14: [[sever]]: unknown field `sever`, expected one of `server`, `log`, `seeds`, `feed`, `outlets`, `feeds`, `websub`",
            ),
            (
                GOOD.replace("limit = 50", "limit = 50\n[feed.extra]\ny = 1"),
                "config line 14: [feed.extra]: unknown field `extra`, expected one of `title`, \
                 `description`, `site_url`, `language`, `limit`, `icon`, `logo`, `rights`, `ttl`, \
                 `base_url`, `authors`",
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
                "config line 4: [server] workers: must be 1 to 256, got 0",
            ),
            (
                GOOD.replace("dir = \"seeds\"", "dir = \"seeds\"\ndebounce_ms = 20000"),
                "config line 6: [seeds] debounce_ms: must be at most 10000, got 20000",
            ),
            (
                GOOD.replace("dir = \"seeds\"", "dir = \"seeds\"\nmax_file_bytes = 0"),
                "config line 6: [seeds] max_file_bytes: must be at least 1, got 0",
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
                "config line 14: [feed.authors] uri: must be an absolute http(s) URL, got \"ftp://x/\"",
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
            "{GOOD}[outlets.rfi]\ntimezone = \"UTC\"\n[outlets.mine]\nhosts = [\"News.Example.\"]\n\
             [outlets.mine.sections]\nWorld = \"天下\"\n"
        );
        let outlets = Config::parse(&text, Path::new("/base")).unwrap().outlets;
        assert_eq!(zone(&outlets, "www.rfi.fr").as_deref(), Some("UTC"));
        let rfi = outlets.for_host("www.rfi.fr").unwrap();
        assert_eq!(rfi.name, "法国国际广播电台", "fields not stated stay");
        let mine = outlets.for_host("a.news.example").unwrap();
        assert_eq!((mine.key.as_str(), mine.name.as_str()), ("mine", "mine"));
        assert_eq!(mine.timezone, None);
        assert_eq!(mine.section_name("world").map(|n| &**n), Some("天下"));
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
        assert_eq!(config.folders["纽约"], FeedFields::default());
        let hubs: Vec<&str> = config.feed.hubs.iter().map(url::Url::as_str).collect();
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
                "[outlets.dw]\nlink_rewrites = [['(', 'x']]\n",
                "[outlets.dw] link_rewrites",
                15,
            ),
            (
                "[outlets.nyt]\ntracking_parameters = [\"\"]\n",
                "[outlets.nyt] tracking_parameters",
                15,
            ),
            (
                "[outlets.rti]\nlanguage = \"zh_TW\"\n",
                "[outlets.rti] language",
                15,
            ),
            (
                "[outlets.rfa]\nsections = { gangtai = \" \" }\n",
                "[outlets.rfa] sections",
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

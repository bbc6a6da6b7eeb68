//! `seedfeed init [DIR]`: a commented `config.toml` for a seeds folder — the three keys a
//! start needs filled in, every other one shown commented out at its default — which
//! `seedfeed check` accepts as written.

use std::path::{Path, PathBuf};

use super::{DEFAULT_BIND, DEFAULT_LANGUAGE, DEFAULT_LIMIT, DEFAULT_TIMEZONE};

/// Why no config was written.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("{0} exists already; not overwritten (remove it or pass another --config)")]
    Exists(PathBuf),
    #[error("{path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Writes the config for the seeds folder `seeds` (as the user wrote it: relative to the
/// config's folder, or absolute) to `config`, which must not exist yet.
pub fn write_config(config: &Path, seeds: &Path) -> Result<(), InitError> {
    let text = config_for(seeds);
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(config)
    {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(InitError::Exists(config.to_path_buf()));
        }
        Err(source) => {
            let path = config.to_path_buf();
            return Err(InitError::Write { path, source });
        }
    };
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(|source| InitError::Write {
        path: config.to_path_buf(),
        source,
    })
}

/// The config text for the seeds folder `seeds`, titled after the folder.
pub fn config_for(seeds: &Path) -> String {
    let dir = seeds.display().to_string();
    let title = seeds.file_name().map_or_else(
        || "seedfeed".to_string(),
        |name| name.to_string_lossy().into_owned(),
    );
    let quoted = |text: &str| toml::Value::String(text.to_string()).to_string();
    let port = DEFAULT_BIND.port();
    format!(
        r#"# seedfeed configuration, written by `seedfeed init` for {dir}.
# Three keys are needed: [seeds] dir, [feed] title and [feed] base_url. Every other key is
# shown commented out at its default; README.md "Configuration" says what each one does.
# `seedfeed check` reads every seed with this config; `seedfeed` serves it.

[seeds]
dir = {dir_value}                    # the seeds folder, relative to this file's folder
# timezone = "{timezone}"            # IANA zone for dates written without an offset
# cache = ".seedfeed/index"          # the index cache, for quick restarts ("" turns it off)
# max_file_bytes = 4194304
# debounce_ms = 30
# watch = "auto"                     # "native" (inotify), "poll" (network mounts), or "auto"
# poll_interval_ms = 1000

[feed]
title = {title_value}
base_url = "http://127.0.0.1:{port}/"   # the public URL of this server, as readers reach it
# description = {title_value}        # default: the title
# site_url = "https://example.com/"  # the site the feed is about; default: base_url
# language = "{language}"
# limit = {limit}                           # entries per feed document
# ttl = 60                           # minutes a reader may keep a feed before polling again

# [server]
# bind = "{bind}"
# workers = 2
# cache_max_age = 300                # seconds readers and caches may keep a document
# memory_budget_mb = 128             # what documents rendered on request may hold
# operator_networks = ["127.0.0.0/8", "::1/128"]   # who may see /status and /metrics
# operator_bind = "127.0.0.1:9090"   # or a private address that serves only those

# [log]
# format = "human"                   # or "json": one JSON object per line

# [websub]
# hubs = ["https://pubsubhubbub.appspot.com/"]

# A folder's own feed: [feeds.<folder>] with title, description, site_url, language, limit…
"#,
        dir_value = quoted(&dir),
        title_value = quoted(&title),
        timezone = DEFAULT_TIMEZONE,
        language = DEFAULT_LANGUAGE,
        limit = DEFAULT_LIMIT,
        bind = DEFAULT_BIND,
    )
}

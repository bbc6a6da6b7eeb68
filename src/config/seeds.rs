//! `[seeds]`: the folder of seed files, how it is watched and read, and the index cache.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;
use serde::Deserialize;
use toml::Spanned;

use super::ConfigError;
use super::check::{Table, at_least, at_most, between};

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

/// The index cache's default place, relative to the config file's folder.
pub const DEFAULT_CACHE: &str = ".seedfeed/index";
pub const DEFAULT_MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;
/// The zone of dates written without an offset, when the config names none (an outlet's own
/// zone comes first: see the outlet rules).
pub const DEFAULT_TIMEZONE: &str = "UTC";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSeeds {
    dir: Spanned<String>,
    timezone: Option<Spanned<String>>,
    max_file_bytes: Option<Spanned<u64>>,
    debounce_ms: Option<Spanned<u64>>,
    watch: Option<Spanned<String>>,
    poll_interval_ms: Option<Spanned<u64>>,
    cache: Option<Spanned<String>>,
}

impl RawSeeds {
    /// Where `dir` is written.
    pub(super) fn dir_at(&self) -> usize {
        self.dir.span().start
    }

    /// The table checked; relative paths are joined to `base_dir`.
    pub(super) fn validate(self, text: &str, base_dir: &Path) -> Result<SeedsConfig, ConfigError> {
        let table = Table::new("seeds", text);
        let dir = table.required("dir", self.dir, |dir| match dir.trim() {
            "" => Err("must name a folder".into()),
            _ => Ok(Some(base_dir.join(&dir))),
        })?;
        let timezone = table
            .optional("timezone", self.timezone, |zone| match zone.parse() {
                Ok(zone) => Ok(Some(zone)),
                Err(_) => Err(format!(
                    "unknown IANA time zone {zone:?} (e.g. \"Asia/Shanghai\", \"UTC\")"
                )),
            })?
            .unwrap_or(chrono_tz::UTC);
        let watch = table.optional("watch", self.watch, |mode| match mode.as_str() {
            "auto" => Ok(Some(WatchMode::Auto)),
            "native" => Ok(Some(WatchMode::Native)),
            "poll" => Ok(Some(WatchMode::Poll)),
            other => Err(format!(
                "expected \"auto\", \"native\" or \"poll\", got {other:?}"
            )),
        })?;
        let debounce_ms = table.optional("debounce_ms", self.debounce_ms, at_most(10_000, ""))?;
        let poll_interval_ms = table.optional(
            "poll_interval_ms",
            self.poll_interval_ms,
            between(50, 600_000, ""),
        )?;
        // Beside the config by default; "" turns it off.
        let cache = match self.cache.map(Spanned::into_inner) {
            None => Some(base_dir.join(DEFAULT_CACHE)),
            Some(path) if path.trim().is_empty() => None,
            Some(path) => Some(base_dir.join(path.trim())),
        };
        Ok(SeedsConfig {
            dir,
            timezone,
            max_file_bytes: table
                .optional("max_file_bytes", self.max_file_bytes, at_least(1))?
                .unwrap_or(DEFAULT_MAX_FILE_BYTES),
            debounce: Duration::from_millis(debounce_ms.unwrap_or(30)),
            watch: watch.unwrap_or(WatchMode::Auto),
            poll_interval: Duration::from_millis(poll_interval_ms.unwrap_or(1_000)),
            cache,
        })
    }
}

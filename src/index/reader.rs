//! Reading seeds from the folder into whole entries and bylines: what the update thread and
//! the long tail's render thread both do, so it holds nothing either of them changes.

use std::path::{Path, PathBuf};

use chrono_tz::Tz;

use crate::config::Config;
use crate::entry::Entry;
use crate::seed::outlets::Outlets;
use crate::seed::{self, Key, SeedContext};
use crate::seedfs::{self, Found, Stamp};

/// The folder and the settings a seed is read and parsed with.
pub struct SeedReader {
    root: PathBuf,
    timezone: Tz,
    outlets: Outlets,
    max_file_bytes: u64,
    /// Parses run on this many threads at once.
    pub threads: usize,
}

impl SeedReader {
    /// A reader of the folder at `root` (already canonical) with `config`'s settings.
    pub fn new(root: PathBuf, config: &Config) -> SeedReader {
        SeedReader {
            root,
            timezone: config.seeds.timezone,
            // A copy of its own, so that its patterns' caches go with it (see `fresh`).
            outlets: config.outlets.fresh(),
            max_file_bytes: config.seeds.max_file_bytes,
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
        }
    }

    /// The same reader, its outlets' patterns without the caches threads left in them (see
    /// [`Outlets::fresh`]).
    pub fn fresh(&self) -> SeedReader {
        SeedReader {
            root: self.root.clone(),
            outlets: self.outlets.fresh(),
            ..*self
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file at `path` as the folder has it now (size cap, symlinks inside the root only).
    pub fn read(&self, path: &Path) -> Result<Found, seedfs::ReadError> {
        seedfs::read(&self.root, path, self.max_file_bytes)
    }

    pub fn context(&self, stamp: Stamp) -> SeedContext<'_> {
        SeedContext {
            timezone: self.timezone,
            modified: stamp.modified,
            outlets: &self.outlets,
            site: Default::default(),
        }
    }

    /// The whole entry of `path`, if the file is still at `stamp` and parses to `key`.
    pub fn whole_entry(&self, path: &Path, key: &Key, stamp: Stamp) -> Option<Entry> {
        let Ok(Found::Seed { bytes, stamp: now }) = self.read(path) else {
            return None;
        };
        if now != stamp {
            return None;
        }
        let context = SeedContext {
            site: key.site,
            ..self.context(stamp)
        };
        seed::parse(&bytes, &context)
            .ok()
            .filter(|entry| key.agrees_with(entry))
    }

    /// The authors of `path`, if the file is still at `stamp`.
    pub fn authors_of(&self, path: &Path, stamp: Stamp) -> Option<Vec<String>> {
        match self.read(path) {
            Ok(Found::Seed { bytes, stamp: now }) if now == stamp => {
                // The key parsed, so the header does: an error here would be the disk's.
                seed::read_authors(&bytes, &self.context(stamp)).ok()
            }
            _ => None,
        }
    }
}

//! Following the seeds folder itself, not its files: deleted or moved away (the last good state
//! keeps being served, and a run of deletions that turns out to be `rm -rf` of the folder is
//! undone), re-created or replaced at the same path (watched anew and rescanned).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use tracing::{info, warn};

use crate::config::SeedsConfig;
use crate::inbox::Update;
use crate::snapshot::Snapshot;
use crate::watch;

/// A run of deletion-only batches this recent is undone if the folder itself then vanishes:
/// that was `rm -rf` on the folder, not an operator emptying it.
const SHRINK_WINDOW: Duration = Duration::from_secs(3);

/// The folder being served, its watcher, and the state to go back to if it vanishes.
pub struct Folder {
    root: PathBuf,
    seeds: SeedsConfig,
    watcher: Option<watch::Watcher>,
    /// Device and inode of the folder being watched; `None` while it is missing.
    identity: Option<(u64, u64)>,
    /// Where a new watcher sends its batches.
    updates: Sender<Update>,
    /// The state before a run of deletion-only batches, and when the run last grew.
    before_shrink: Option<(Arc<Snapshot>, Instant)>,
}

/// What a look at the folder found.
pub enum Look {
    /// The folder being watched, as before.
    Same,
    /// It vanished just now: serve this earlier state if the deletions just before were the
    /// folder going, else the current one.
    Vanished(Option<Arc<Snapshot>>),
    /// It is still missing, or is back but cannot be watched yet: nothing to do.
    Missing,
    /// Back, or replaced by another folder at the same path: watched anew; rescan it.
    Back,
}

impl Folder {
    pub fn new(
        root: PathBuf,
        seeds: SeedsConfig,
        watcher: Option<watch::Watcher>,
        updates: Sender<Update>,
    ) -> Folder {
        Folder {
            identity: identity_of(&root),
            root,
            seeds,
            watcher,
            updates,
            before_shrink: None,
        }
    }

    /// Whether the folder is there (else the last good state is served and nothing removed).
    pub fn present(&self) -> bool {
        self.identity.is_some()
    }

    /// How the folder is watched: "native", "poll", "starting" while a restart sets the
    /// watcher up, or "none" while the folder is missing.
    pub fn watcher_mode(&self) -> &'static str {
        match (&self.watcher, self.identity) {
            (Some(watcher), _) => watcher.mode().as_str(),
            (None, Some(_)) => "starting",
            (None, None) => "none",
        }
    }

    /// Takes the watcher a restart set up beside its first answers; if it could not be set up,
    /// the folder is taken as gone and back, so that the next look watches it anew.
    pub fn watching(&mut self, watcher: notify::Result<watch::Watcher>) {
        match watcher {
            Ok(watcher) => self.watcher = Some(watcher),
            Err(error) => {
                warn!(%error, "cannot watch the seeds folder; will retry");
                self.identity = None;
            }
        }
    }

    /// Checks that the folder is still the one being watched.
    pub fn look(&mut self) -> Look {
        let identity = identity_of(&self.root);
        let folder = self.root.display();
        if identity.is_none() {
            if self.identity.is_none() {
                // Still missing: events from the old folder mean nothing.
                return Look::Missing;
            }
            warn!(%folder, "the seeds folder is gone; serving the last good state until it is back");
            self.identity = None;
            self.watcher = None;
            let earlier = match self.before_shrink.take() {
                Some((earlier, at)) if at.elapsed() < SHRINK_WINDOW => Some(earlier),
                _ => None,
            };
            return Look::Vanished(earlier);
        }
        if identity == self.identity {
            return Look::Same;
        }
        // Back after being missing, or replaced by a new folder at the same path (git
        // checkout, rsync): watch the new one and take it as it is.
        info!(%folder, "the seeds folder is back; rescanning");
        self.before_shrink = None;
        match start_watcher(&self.seeds, &self.root, &self.updates) {
            Ok(watcher) => self.watcher = Some(watcher),
            Err(error) => {
                warn!(%error, "cannot watch the seeds folder yet; will retry");
                return Look::Missing;
            }
        }
        self.identity = identity;
        Look::Back
    }

    /// Notes a batch applied to `current`: a run of removals (batches that read no file and
    /// did not grow the store) keeps the state before it, in case the folder itself goes
    /// next. Such a run starts with a batch that `shrank` the store; a batch that only drops
    /// an emptied sub-folder (`rm -rf` flushes it on its own) keeps the run going.
    pub fn applied(&mut self, current: &Arc<Snapshot>, removals_only: bool, shrank: bool) {
        self.before_shrink = match self.before_shrink.take() {
            Some((earlier, at)) if removals_only && at.elapsed() < SHRINK_WINDOW => {
                Some((earlier, Instant::now()))
            }
            _ if shrank => Some((current.clone(), Instant::now())),
            _ => None,
        };
    }
}

/// Watches the seeds folder at `root`, sending each batch of changes to `updates`.
pub fn start_watcher(
    seeds: &SeedsConfig,
    root: &Path,
    updates: &Sender<Update>,
) -> notify::Result<watch::Watcher> {
    let sender = updates.clone();
    let watcher = watch::start(
        root,
        seeds.watch,
        seeds.debounce,
        seeds.poll_interval,
        move |batch, seen| {
            // The receiver is gone only while shutting down.
            let _ = sender.send(Update::Changed(batch, seen));
        },
    )?;
    info!(mode = watcher.mode().as_str(), "watching the seeds folder");
    Ok(watcher)
}

/// Device and inode of the folder at `path`, if a folder is there.
fn identity_of(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path)
        .ok()
        .filter(|m| m.is_dir())
        .map(|m| (m.dev(), m.ino()))
}

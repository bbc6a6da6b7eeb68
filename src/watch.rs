//! notify on the seeds folder, our own debounce, and a pure function that turns what notify
//! reports into "these paths changed" or "rescan everything". No parsing here.
//!
//! The debounce only gathers the set of paths touched until the folder has been quiet for the
//! debounce time (or a burst has lasted eight times that). It deliberately does not interpret
//! event sequences: notify-debouncer-full merges them per path and drops, for instance, a
//! rename followed by a delete of the new name — which loses the old name's removal. The update
//! loop re-checks every path as it is now, so the set of paths is all it needs.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode};
use notify::{Event, EventKind, PollWatcher, RecommendedWatcher, RecursiveMode, Watcher as _};
use tracing::warn;

use crate::config::WatchMode;
use crate::seedfs::is_ignored_path;

/// What the update loop should do after a burst of file-system activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Batch {
    /// Re-check each of these paths (files or folders, existing or gone), each once, in the
    /// order of their last event (the newest last: the update loop takes those first).
    Paths(Vec<PathBuf>),
    /// Events were lost or the watcher failed: re-check the whole folder.
    Rescan(String),
}

impl Batch {
    /// How many paths it names (a rescan: none).
    pub fn paths(&self) -> usize {
        match self {
            Batch::Paths(paths) => paths.len(),
            Batch::Rescan(_) => 0,
        }
    }
}

/// Keeps the watch alive; dropping it stops the watch and, with it, the debounce thread.
pub struct Watcher {
    mode: Mode,
    _watcher: Box<dyn notify::Watcher + Send>,
}

/// The watcher actually running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Native,
    Poll,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Native => "native",
            Mode::Poll => "poll",
        }
    }
}

impl Watcher {
    pub fn mode(&self) -> Mode {
        self.mode
    }
}

/// Watches `root` recursively and calls `sink` with a [`Batch`] per debounced burst and the
/// instant its first event came (where a write → visible time starts). In
/// [`WatchMode::Auto`] a native watcher that cannot start (inotify limits, unsupported file
/// system) gives way to polling.
pub fn start(
    root: &Path,
    mode: WatchMode,
    debounce: Duration,
    poll_interval: Duration,
    sink: impl Fn(Batch, Instant) + Send + 'static,
) -> notify::Result<Watcher> {
    let (events, received) = mpsc::channel();
    let native = || -> notify::Result<Watcher> {
        let mut watcher = RecommendedWatcher::new(events.clone(), notify::Config::default())?;
        watcher.watch(root, RecursiveMode::Recursive)?;
        Ok(Watcher {
            mode: Mode::Native,
            _watcher: Box::new(watcher),
        })
    };
    let poll = || -> notify::Result<Watcher> {
        let config = notify::Config::default().with_poll_interval(poll_interval);
        let mut watcher = PollWatcher::new(events.clone(), config)?;
        watcher.watch(root, RecursiveMode::Recursive)?;
        Ok(Watcher {
            mode: Mode::Poll,
            _watcher: Box::new(watcher),
        })
    };
    let watcher = match mode {
        WatchMode::Native => native()?,
        WatchMode::Poll => poll()?,
        WatchMode::Auto => native().or_else(|error| {
            warn!(%error, "cannot watch the seeds folder natively; polling it instead");
            poll()
        })?,
    };
    // Only the watcher holds a sender now: when it is dropped, the debounce thread ends.
    drop(events);
    let root = root.to_path_buf();
    std::thread::Builder::new()
        .name("seedfeed-watch".into())
        .spawn(move || debounce_loop(&root, &received, debounce, &sink))
        .map_err(notify::Error::io)?;
    Ok(watcher)
}

/// How long the config file must be quiet before it is read again (an editor's save is a few
/// events: a write, a rename, a chmod).
const CONFIG_QUIET: Duration = Duration::from_millis(50);

/// Watches the config file — its folder, for the renames editors save with and the symlink
/// swaps of a mounted config — and calls `changed` once the file has been quiet for
/// [`CONFIG_QUIET`] after events that name it. A file a symlink points at elsewhere is not
/// followed (SIGHUP reloads it). `None` (logged) when no watch can be set up.
pub fn config_file(file: &Path, changed: impl Fn() + Send + 'static) -> Option<RecommendedWatcher> {
    let file = std::path::absolute(file).ok()?;
    let (folder, name) = (
        file.parent()?.to_path_buf(),
        file.file_name()?.to_os_string(),
    );
    let (events, received) = mpsc::channel::<notify::Result<Event>>();
    let watching = notify::recommended_watcher(move |event| {
        let _ = events.send(event);
    })
    .and_then(|mut watcher| {
        watcher.watch(&folder, RecursiveMode::NonRecursive)?;
        Ok(watcher)
    });
    let watcher = match watching {
        Ok(watcher) => watcher,
        Err(error) => {
            warn!(%error, "cannot watch the config file; SIGHUP reloads it");
            return None;
        }
    };
    let names_it = move |event: &notify::Result<Event>| match event {
        // Our own reads of it change nothing.
        Ok(event) if is_read_only(&event.kind) => false,
        Ok(event) => event
            .paths
            .iter()
            .any(|p| p.file_name() == Some(name.as_os_str())),
        Err(_) => false,
    };
    let spawned = std::thread::Builder::new()
        .name("seedfeed-config".into())
        .spawn(move || {
            // Ends when the watcher is dropped (the channel closes).
            while let Ok(event) = received.recv() {
                if !names_it(&event) {
                    continue;
                }
                while received.recv_timeout(CONFIG_QUIET).is_ok() {}
                changed();
            }
        });
    spawned.ok().map(|_| watcher)
}

/// How long the folder must be quiet before a batch in which every file was finished (closed
/// after writing, renamed, deleted) is handed over: enough to gather a burst such as `cp -r`,
/// far below any reader's notice.
const SETTLED_QUIET: Duration = Duration::from_millis(2);
/// How long a burst in which every file is finished may go on before a batch is handed over
/// anyway: a `git pull` or a `mv` of thousands of files reaches the update loop in batches
/// this far apart, and a single change made meanwhile waits no longer than this here.
const SETTLED_LONGEST: Duration = Duration::from_millis(10);

/// Gathers events until the folder is quiet — for [`SETTLED_QUIET`] when no file in the batch
/// is still open for writing, else for `debounce` — or a burst has lasted
/// [`SETTLED_LONGEST`] (every file finished) or eight times `debounce`, then hands over the
/// batch.
fn debounce_loop(
    root: &Path,
    received: &Receiver<notify::Result<Event>>,
    debounce: Duration,
    sink: &dyn Fn(Batch, Instant),
) {
    let longest = debounce * 8;
    let mut pending: Vec<notify::Result<Event>> = Vec::new();
    let mut writing = Writing::default();
    let mut first: Option<Instant> = None;
    let mut last = Instant::now();
    loop {
        let next = match first {
            None => received.recv().map_err(|_| RecvTimeoutError::Disconnected),
            Some(first) => {
                let (quiet, cut_after) = if writing.is_empty() {
                    (SETTLED_QUIET.min(debounce), SETTLED_LONGEST.min(longest))
                } else {
                    (debounce, longest)
                };
                let quiet_at = last + quiet;
                let cut_at = first + cut_after;
                let wait = quiet_at
                    .min(cut_at)
                    .saturating_duration_since(Instant::now());
                received.recv_timeout(wait)
            }
        };
        match next {
            Ok(event) => {
                // Our own reads of seed files show up as access events: they change nothing.
                if matches!(&event, Ok(e) if is_read_only(&e.kind)) {
                    continue;
                }
                match &event {
                    Ok(event) => writing.follow(event),
                    Err(_) => writing.unsure(),
                }
                pending.push(event);
                last = Instant::now();
                first.get_or_insert(last);
            }
            Err(RecvTimeoutError::Timeout) => {
                if let Some(batch) = batch_from(root, std::mem::take(&mut pending)) {
                    sink(batch, first.unwrap_or(last));
                }
                writing = Writing::default();
                first = None;
            }
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// Which files of the current burst may still be being written: created or written to, and not
/// yet closed, renamed or deleted. A batch waits out the full debounce only while this is not
/// empty, so a file saved in one go (`cp`, `write` + `close`, an atomic rename) shows at once
/// and a writer that keeps a file open gets the debounce. Events that say nothing about
/// closing (the polling watcher's, unknown kinds) count as still writing.
#[derive(Default)]
struct Writing {
    paths: std::collections::HashSet<PathBuf>,
    /// An error or an event without paths: nothing can be said to be finished.
    unsure: bool,
}

impl Writing {
    fn is_empty(&self) -> bool {
        self.paths.is_empty() && !self.unsure
    }

    fn unsure(&mut self) {
        self.unsure = true;
    }

    fn follow(&mut self, event: &Event) {
        use notify::event::{CreateKind, ModifyKind};
        match event.kind {
            EventKind::Access(AccessKind::Close(AccessMode::Write))
            | EventKind::Remove(_)
            | EventKind::Modify(ModifyKind::Name(_)) => {
                for path in &event.paths {
                    self.paths.remove(path);
                }
            }
            // Nothing written: a new folder, a touch, a chmod.
            EventKind::Create(CreateKind::Folder) | EventKind::Modify(ModifyKind::Metadata(_)) => {}
            _ if event.paths.is_empty() => self.unsure = true,
            _ => self.paths.extend(event.paths.iter().cloned()),
        }
    }
}

/// The pure core: which paths a burst touched, skipping reads and ignored names.
pub fn batch_from(root: &Path, events: Vec<notify::Result<Event>>) -> Option<Batch> {
    let mut paths = Vec::new();
    let mut errors = Vec::new();
    for event in events {
        match event {
            Err(error) => errors.push(error.to_string()),
            Ok(event) if event.need_rescan() => {
                return Some(Batch::Rescan(
                    "the kernel dropped events (queue overflow)".into(),
                ));
            }
            Ok(event) if is_read_only(&event.kind) => {}
            Ok(event) => paths.extend(
                event
                    .paths
                    .into_iter()
                    .filter(|p| p.starts_with(root) && !is_ignored_path(root, p)),
            ),
        }
    }
    if !errors.is_empty() {
        return Some(Batch::Rescan(format!(
            "watcher error: {}",
            errors.join("; ")
        )));
    }
    let paths = last_of_each(paths);
    (!paths.is_empty()).then_some(Batch::Paths(paths))
}

/// Each path once, where it came last: the order of the changes is kept, so the update loop
/// can take a big batch's newest paths first.
fn last_of_each(paths: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut seen = std::collections::HashSet::with_capacity(paths.len());
    let mut keep: Vec<bool> = paths.iter().rev().map(|path| seen.insert(path)).collect();
    drop(seen);
    keep.reverse();
    paths
        .into_iter()
        .zip(keep)
        .filter_map(|(path, kept)| kept.then_some(path))
        .collect()
}

fn is_read_only(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Access(
            AccessKind::Open(_) | AccessKind::Read | AccessKind::Close(AccessMode::Read)
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{CreateKind, Flag, ModifyKind, RemoveKind, RenameMode};

    fn event(kind: EventKind, paths: &[&str]) -> Event {
        paths
            .iter()
            .fold(Event::new(kind), |e, p| e.add_path(PathBuf::from(p)))
    }

    fn paths(list: &[&str]) -> Option<Batch> {
        Some(Batch::Paths(list.iter().map(PathBuf::from).collect()))
    }

    #[test]
    fn events_become_paths() {
        let root = Path::new("/s");
        let cases: Vec<(Vec<Event>, Option<Batch>)> = vec![
            (
                vec![event(EventKind::Create(CreateKind::File), &["/s/a.txt"])],
                paths(&["/s/a.txt"]),
            ),
            (
                vec![
                    event(
                        EventKind::Modify(ModifyKind::Name(RenameMode::Both)),
                        &["/s/b.txt", "/s/sub/c.txt"],
                    ),
                    event(EventKind::Modify(ModifyKind::Any), &["/s/b.txt"]),
                ],
                // Each path once, in the order of its last event.
                paths(&["/s/sub/c.txt", "/s/b.txt"]),
            ),
            (
                // Renamed, then the new name deleted: both names are re-checked.
                vec![
                    event(
                        EventKind::Modify(ModifyKind::Name(RenameMode::From)),
                        &["/s/w.txt"],
                    ),
                    event(
                        EventKind::Modify(ModifyKind::Name(RenameMode::To)),
                        &["/s/x.txt"],
                    ),
                    event(EventKind::Remove(RemoveKind::File), &["/s/x.txt"]),
                ],
                paths(&["/s/w.txt", "/s/x.txt"]),
            ),
            (
                vec![event(EventKind::Remove(RemoveKind::Folder), &["/s/2020"])],
                paths(&["/s/2020"]),
            ),
            (
                vec![event(
                    EventKind::Access(AccessKind::Open(notify::event::AccessMode::Any)),
                    &["/s/a"],
                )],
                None,
            ),
            (
                vec![event(
                    EventKind::Access(AccessKind::Close(AccessMode::Write)),
                    &["/s/a"],
                )],
                paths(&["/s/a"]),
            ),
            (
                vec![event(
                    EventKind::Create(CreateKind::File),
                    &["/s/.a.txt.swp", "/s/.git/x", "/s/x~"],
                )],
                None,
            ),
            (
                vec![event(
                    EventKind::Create(CreateKind::File),
                    &["/elsewhere/x"],
                )],
                None,
            ),
            (vec![], None),
        ];
        for (events, want) in cases {
            let described = format!("{events:?}");
            let events = events.into_iter().map(Ok).collect();
            assert_eq!(batch_from(root, events), want, "{described}");
        }
    }

    #[test]
    fn overflow_and_errors_mean_rescan() {
        let root = Path::new("/s");
        let overflow = event(EventKind::Other, &[]).set_flag(Flag::Rescan);
        assert!(matches!(
            batch_from(root, vec![Ok(overflow)]),
            Some(Batch::Rescan(_))
        ));
        let error = notify::Error::generic("inotify died");
        let created = event(EventKind::Create(CreateKind::File), &["/s/a.txt"]);
        assert!(
            matches!(batch_from(root, vec![Ok(created), Err(error)]), Some(Batch::Rescan(m)) if m.contains("inotify died"))
        );
    }

    #[test]
    fn a_batch_is_settled_once_every_written_file_is_finished() {
        use notify::event::{DataChange, MetadataKind};
        let write = EventKind::Modify(ModifyKind::Data(DataChange::Any));
        let closed = EventKind::Access(AccessKind::Close(AccessMode::Write));
        let renamed = EventKind::Modify(ModifyKind::Name(RenameMode::Both));
        let removed = EventKind::Remove(RemoveKind::File);
        let created = EventKind::Create(CreateKind::File);
        let folder = EventKind::Create(CreateKind::Folder);
        let touched = EventKind::Modify(ModifyKind::Metadata(MetadataKind::Any));
        let polled = EventKind::Modify(ModifyKind::Any);
        let cases: Vec<(Vec<Event>, bool)> = vec![
            // `write` + `close`, as `cp` and `fs::write` do
            (
                vec![
                    event(created, &["/s/a"]),
                    event(write, &["/s/a"]),
                    event(closed, &["/s/a"]),
                ],
                true,
            ),
            // still open: the debounce applies
            (
                vec![event(created, &["/s/a"]), event(write, &["/s/a"])],
                false,
            ),
            (
                vec![event(write, &["/s/a"]), event(closed, &["/s/b"])],
                false,
            ),
            // an atomic save: the temp file written and closed, then renamed over the seed
            (
                vec![
                    event(created, &["/s/.a.tmp"]),
                    event(closed, &["/s/.a.tmp"]),
                    event(renamed, &["/s/.a.tmp", "/s/a"]),
                ],
                true,
            ),
            // renamed or deleted while being written: nothing left to wait for
            (
                vec![event(write, &["/s/a"]), event(renamed, &["/s/a", "/s/b"])],
                true,
            ),
            (
                vec![event(write, &["/s/a"]), event(removed, &["/s/a"])],
                true,
            ),
            (
                vec![event(folder, &["/s/d"]), event(touched, &["/s/a"])],
                true,
            ),
            // the polling watcher says nothing about closing
            (vec![event(polled, &["/s/a"])], false),
            (vec![event(EventKind::Other, &[])], false),
        ];
        for (events, settled) in cases {
            let mut writing = Writing::default();
            for e in &events {
                writing.follow(e);
            }
            assert_eq!(writing.is_empty(), settled, "{events:?}");
        }
    }
}

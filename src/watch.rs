//! notify + debouncer on the seeds folder, and a pure function that turns what it reports into
//! "these paths changed" or "rescan everything". No parsing here.

use std::path::{Path, PathBuf};
use std::time::Duration;

use notify_debouncer_full::notify::event::{AccessKind, AccessMode};
use notify_debouncer_full::notify::{EventKind, PollWatcher, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{
    DebounceEventResult, DebouncedEvent, Debouncer, NoCache, new_debouncer_opt, notify,
};

use tracing::warn;

use crate::config::WatchMode;
use crate::seedfs::is_ignored_path;

/// What the update loop should do after a burst of file-system activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Batch {
    /// Re-check each of these paths (files or folders, existing or gone), sorted, unique.
    Paths(Vec<PathBuf>),
    /// Events were lost or the watcher failed: re-check the whole folder.
    Rescan(String),
}

/// Keeps the watch alive; dropping it stops the watch.
pub struct Watcher {
    mode: Mode,
    _debouncer: Running,
}

/// Held only to keep the debouncer (and its thread) alive.
enum Running {
    Native {
        _debouncer: Debouncer<RecommendedWatcher, NoCache>,
    },
    Poll {
        _debouncer: Debouncer<PollWatcher, NoCache>,
    },
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

/// Watches `root` recursively and calls `sink` with a [`Batch`] per debounced burst. In
/// [`WatchMode::Auto`] a native watcher that cannot start (inotify limits, unsupported file
/// system) gives way to polling.
pub fn start(
    root: &Path,
    mode: WatchMode,
    debounce: Duration,
    poll_interval: Duration,
    sink: impl Fn(Batch) + Send + Clone + 'static,
) -> notify::Result<Watcher> {
    let handler = |sink: Box<dyn Fn(Batch) + Send>| {
        let root = root.to_path_buf();
        move |result: DebounceEventResult| {
            if let Some(batch) = batch_from(&root, result) {
                sink(batch);
            }
        }
    };
    // Without a file-id cache: it would walk the whole tree at start, and renames are handled
    // by re-checking both paths anyway.
    let tick = Some((debounce / 4).max(Duration::from_millis(5)));
    let native = || -> notify::Result<Watcher> {
        let mut debouncer = new_debouncer_opt(
            debounce,
            tick,
            handler(Box::new(sink.clone())),
            NoCache,
            notify::Config::default(),
        )?;
        debouncer.watch(root, RecursiveMode::Recursive)?;
        Ok(Watcher {
            mode: Mode::Native,
            _debouncer: Running::Native {
                _debouncer: debouncer,
            },
        })
    };
    let poll = || -> notify::Result<Watcher> {
        let mut debouncer = new_debouncer_opt(
            debounce,
            tick,
            handler(Box::new(sink.clone())),
            NoCache,
            notify::Config::default().with_poll_interval(poll_interval),
        )?;
        debouncer.watch(root, RecursiveMode::Recursive)?;
        Ok(Watcher {
            mode: Mode::Poll,
            _debouncer: Running::Poll {
                _debouncer: debouncer,
            },
        })
    };
    match mode {
        WatchMode::Native => native(),
        WatchMode::Poll => poll(),
        WatchMode::Auto => native().or_else(|error| {
            warn!(%error, "cannot watch the seeds folder natively; polling it instead");
            poll()
        }),
    }
}

/// The pure core: which paths a burst touched, skipping reads and ignored names.
pub fn batch_from(root: &Path, result: DebounceEventResult) -> Option<Batch> {
    let events: Vec<DebouncedEvent> = match result {
        Ok(events) => events,
        Err(errors) => {
            let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            return Some(Batch::Rescan(format!("watcher error: {}", text.join("; "))));
        }
    };
    if events.iter().any(|e| e.need_rescan()) {
        return Some(Batch::Rescan(
            "the kernel dropped events (queue overflow)".into(),
        ));
    }
    let mut paths: Vec<PathBuf> = events
        .iter()
        .filter(|e| !is_read_only(&e.kind))
        .flat_map(|e| e.paths.iter())
        .filter(|p| p.starts_with(root) && !is_ignored_path(root, p))
        .cloned()
        .collect();
    paths.sort();
    paths.dedup();
    (!paths.is_empty()).then_some(Batch::Paths(paths))
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
    use notify::Event;
    use notify::event::{CreateKind, Flag, ModifyKind, RemoveKind, RenameMode};
    use std::time::Instant;

    fn event(kind: EventKind, paths: &[&str]) -> DebouncedEvent {
        let event = paths
            .iter()
            .fold(Event::new(kind), |e, p| e.add_path(PathBuf::from(p)));
        DebouncedEvent::new(event, Instant::now())
    }

    fn paths(list: &[&str]) -> Option<Batch> {
        Some(Batch::Paths(list.iter().map(PathBuf::from).collect()))
    }

    #[test]
    fn events_become_paths() {
        let root = Path::new("/s");
        let cases: Vec<(Vec<DebouncedEvent>, Option<Batch>)> = vec![
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
                paths(&["/s/b.txt", "/s/sub/c.txt"]),
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
            assert_eq!(batch_from(root, Ok(events)), want, "{described}");
        }
    }

    #[test]
    fn overflow_and_errors_mean_rescan() {
        let root = Path::new("/s");
        let overflow = event(EventKind::Other, &[]);
        let overflow = DebouncedEvent::new(
            overflow.event.clone().set_flag(Flag::Rescan),
            Instant::now(),
        );
        assert!(matches!(
            batch_from(root, Ok(vec![overflow])),
            Some(Batch::Rescan(_))
        ));
        let error = notify::Error::generic("inotify died");
        assert!(
            matches!(batch_from(root, Err(vec![error])), Some(Batch::Rescan(m)) if m.contains("inotify died"))
        );
    }
}

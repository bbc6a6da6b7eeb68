//! The changed paths the update loop has yet to apply, and which of them go this round.
//!
//! A `git pull` lands thousands of seeds at once. They are applied a slice a round, so readers
//! see the burst arrive in steps and a change made meanwhile is not held behind it: lone
//! changes (a folder with at most [`LONE`] paths waiting: a save, an atomic rename) go first,
//! then the rest in the order they came. The slice is sized to the time a round takes
//! ([`ROUND_TARGET`]): on a slow disk or a busy machine fewer paths a round, never a round
//! that holds a change for long.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::watch::Batch;

/// A folder with at most this many paths waiting holds a lone change (an editor's atomic save
/// touches two names), not a burst: its paths go first.
const LONE: usize = 2;
/// How long a round applying a slice should take: a change arriving while one runs is visible
/// after at most about two of them.
pub const ROUND_TARGET: Duration = Duration::from_millis(30);
/// The slice's bounds: never fewer paths a round than this (a burst must end) ...
const SLICE_FEWEST: usize = 32;
/// ... nor more (the rows a round gathers into the feed orders).
const SLICE_MOST: usize = 1024;
/// The first slice of a burst, before any of its rounds was timed: a burst's first rounds
/// are its slowest (new month folders are walked whole), ~200 µs a path at 1,000,000 seeds.
const SLICE_FIRST: usize = 128;

pub struct Backlog {
    /// The whole folder is to be rescanned (the reasons): it covers every path.
    rescans: Vec<String>,
    /// In the order they came, with when the watcher saw them (a folder check's: `None`); a
    /// path may be here twice (a recheck is idempotent).
    paths: VecDeque<(PathBuf, Option<Instant>)>,
    /// Paths a round, adjusted to [`ROUND_TARGET`].
    slice: usize,
}

impl Default for Backlog {
    fn default() -> Backlog {
        Backlog {
            rescans: Vec::new(),
            paths: VecDeque::new(),
            slice: SLICE_FIRST,
        }
    }
}

impl Backlog {
    /// A batch the watcher saw at `seen` (a folder check's: `None`).
    pub fn add(&mut self, batch: Batch, seen: Option<Instant>) {
        match batch {
            Batch::Paths(paths) => self
                .paths
                .extend(paths.into_iter().map(|path| (path, seen))),
            Batch::Rescan(reason) => self.rescans.push(reason),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.rescans.is_empty() && self.paths.is_empty()
    }

    /// The batches to apply this round — a rescan (which covers every path waiting), or up to
    /// a slice of paths, lone changes first — and when the watcher saw the changes they apply.
    pub fn take(&mut self) -> (Vec<Batch>, Vec<Instant>) {
        if !self.rescans.is_empty() {
            let seen = self.paths.drain(..).filter_map(|(_, seen)| seen).collect();
            let reasons = self.rescans.drain(..).collect::<Vec<_>>().join("; ");
            return (vec![Batch::Rescan(reasons)], seen);
        }
        if self.paths.is_empty() {
            return (Vec::new(), Vec::new());
        }
        let taken = if self.paths.len() <= self.slice {
            self.paths.drain(..).collect()
        } else {
            self.lone_first()
        };
        let (paths, seen): (Vec<PathBuf>, Vec<Option<Instant>>) = taken.into_iter().unzip();
        (
            vec![Batch::Paths(paths)],
            seen.into_iter().flatten().collect(),
        )
    }

    /// A slice of the paths: those in folders with few waiting, then the oldest.
    fn lone_first(&mut self) -> Vec<(PathBuf, Option<Instant>)> {
        let lone = self.lone();
        let mut taken = Vec::with_capacity(self.slice);
        let mut rest = VecDeque::with_capacity(self.paths.len());
        for (path, lone) in self.paths.drain(..).zip(lone) {
            if lone && taken.len() < self.slice {
                taken.push(path);
            } else {
                rest.push_back(path);
            }
        }
        while taken.len() < self.slice {
            match rest.pop_front() {
                Some(path) => taken.push(path),
                None => break,
            }
        }
        self.paths = rest;
        taken
    }

    /// For each path waiting: whether its folder has at most [`LONE`] paths waiting.
    fn lone(&self) -> Vec<bool> {
        let mut waiting: HashMap<&Path, usize> = HashMap::new();
        for (path, _) in &self.paths {
            *waiting.entry(folder_of(path)).or_default() += 1;
        }
        self.paths
            .iter()
            .map(|(path, _)| waiting[folder_of(path)] <= LONE)
            .collect()
    }

    /// A round applied `paths` in `took`: the next slice shrinks in proportion when the round
    /// ran long, doubles when a full one was quick, and starts again from [`SLICE_FIRST`]
    /// once the burst is over (the next one may be of another kind).
    pub fn timed(&mut self, paths: usize, took: Duration) {
        if took > ROUND_TARGET {
            let share = ROUND_TARGET.as_secs_f64() / took.as_secs_f64();
            self.slice = ((paths.min(self.slice) as f64 * share) as usize).max(SLICE_FEWEST);
        } else if self.paths.is_empty() {
            self.slice = SLICE_FIRST;
        } else if paths >= self.slice && took < ROUND_TARGET / 2 {
            self.slice = (self.slice * 2).min(SLICE_MOST);
        }
    }
}

fn folder_of(path: &Path) -> &Path {
    path.parent().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths((batches, _): &(Vec<Batch>, Vec<Instant>)) -> Vec<String> {
        batches
            .iter()
            .flat_map(|batch| match batch {
                Batch::Paths(paths) => paths.iter().map(|p| p.display().to_string()).collect(),
                Batch::Rescan(reason) => vec![format!("rescan: {reason}")],
            })
            .collect()
    }

    fn burst(folder: &str, count: usize) -> Batch {
        Batch::Paths(
            (0..count)
                .map(|i| PathBuf::from(format!("/s/{folder}/{i}.txt")))
                .collect(),
        )
    }

    #[test]
    fn a_lone_change_goes_before_a_burst_that_came_first() {
        let mut backlog = Backlog::default();
        backlog.add(burst("nyt/2021/03", 600), None);
        // The watcher put the edit in one batch with more of the burst.
        backlog.add(
            Batch::Paths(vec![
                PathBuf::from("/s/bbc/2020/01/7.txt"),
                PathBuf::from("/s/nyt/2021/03/600.txt"),
            ]),
            Some(Instant::now()),
        );
        let first = paths(&backlog.take());
        assert_eq!(first.len(), SLICE_FIRST);
        assert_eq!(first[0], "/s/bbc/2020/01/7.txt");
        // Then the burst in the order it came.
        assert_eq!(first[1], "/s/nyt/2021/03/0.txt");
        assert_eq!(
            first[SLICE_FIRST - 1],
            format!("/s/nyt/2021/03/{}.txt", SLICE_FIRST - 2)
        );
        let mut rest = Vec::new();
        while !backlog.is_empty() {
            rest.extend(paths(&backlog.take()));
        }
        // Nothing lost, nothing twice.
        assert_eq!(first.len() + rest.len(), 602);
        assert_eq!(rest.last().unwrap(), "/s/nyt/2021/03/600.txt");
    }

    #[test]
    fn a_rescan_covers_the_paths_waiting() {
        let mut backlog = Backlog::default();
        let seen = Instant::now();
        backlog.add(burst("a", 3), Some(seen));
        backlog.add(Batch::Rescan("overflow".into()), Some(seen));
        backlog.add(Batch::Rescan("watcher error".into()), None);
        let taken = backlog.take();
        assert_eq!(paths(&taken), ["rescan: overflow; watcher error"]);
        // The changes the rescan covers are visible with it.
        assert_eq!(taken.1, [seen; 3]);
        assert!(backlog.is_empty());
        assert!(backlog.take().0.is_empty());
    }

    #[test]
    fn the_slice_follows_the_time_a_round_takes() {
        let mut backlog = Backlog::default();
        backlog.add(burst("a", 100_000), None);
        fn took(backlog: &mut Backlog, ms: u64) -> usize {
            let taken = paths(&backlog.take()).len();
            backlog.timed(taken, Duration::from_millis(ms));
            taken
        }
        assert_eq!(took(&mut backlog, 90), SLICE_FIRST);
        // Three times too long: a third of it.
        assert_eq!(took(&mut backlog, 1), SLICE_FIRST / 3);
        assert_eq!(took(&mut backlog, 1), SLICE_FIRST / 3 * 2);
        assert_eq!(took(&mut backlog, 20), SLICE_FIRST / 3 * 4);
        // Between half the target and the target: kept.
        assert_eq!(took(&mut backlog, 10_000), SLICE_FIRST / 3 * 4);
        assert_eq!(took(&mut backlog, 1), SLICE_FEWEST);
        for _ in 0..20 {
            took(&mut backlog, 0);
        }
        assert_eq!(took(&mut backlog, 0), SLICE_MOST);
        // The burst over, the next one starts small.
        let mut backlog = Backlog::default();
        backlog.add(burst("b", SLICE_FIRST * 3), None);
        took(&mut backlog, 0);
        assert_eq!(took(&mut backlog, 0), SLICE_FIRST * 2);
        backlog.add(burst("c", SLICE_FIRST * 3), None);
        assert_eq!(took(&mut backlog, 0), SLICE_FIRST);
    }
}

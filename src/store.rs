//! The index of all seeds: for each file the [`Key`] of its entry (id and dates) and the stamp
//! it was read at; which file wins a shared link; the feed order. Whole entries are not kept
//! here — only the few in the documents are (see `index.rs`), so memory does not grow with the
//! bodies. No I/O, no locks: one writer owns it.

use chrono::{DateTime, Utc};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ffi::OsStr;
use std::ops::Bound;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::seed::Key;
use crate::seedfs::Stamp;

/// Feed order: newest `published` first, ties by id.
type OrderKey = (Reverse<DateTime<Utc>>, String);

/// Files claiming one link, oldest first by (fetch time, file mtime, path): the last one, the
/// newest fetch, wins. A seed that states no fetch time loses to one that does. The mtime
/// alone cannot decide: after a `git clone` or a copy every file has the same one.
type Claims = BTreeSet<Claim>;
type Claim = (Option<DateTime<Utc>>, DateTime<Utc>, PathBuf);

fn claim(key: &Key, stamp: Stamp, path: &Path) -> Claim {
    (key.fetched, stamp.modified, path.to_path_buf())
}

/// A path as a map key, ordered by its bytes. `Path`'s own order compares component by
/// component, which made it most of the time of a restart from the index cache at 100,000
/// seeds; bytes compare with one `memcmp`, and a folder's descendants (`dir/…`) are still one
/// contiguous range.
type PathKey = Box<[u8]>;

fn key_of(path: &Path) -> &[u8] {
    path.as_os_str().as_bytes()
}

fn path_of(key: &[u8]) -> &Path {
    Path::new(OsStr::from_bytes(key))
}

struct Stored {
    key: Key,
    stamp: Stamp,
}

#[derive(Default)]
pub struct Store {
    /// By path, in byte order: everything under a folder is one contiguous range.
    files: BTreeMap<PathKey, Stored>,
    claims: HashMap<String, Claims>,
    order: BTreeMap<OrderKey, PathBuf>,
    /// The feed order of each top-level folder's served entries (those whose winning file
    /// lies in it), when the store knows the seeds folder.
    /// Only the order keys: the path is the global order's (one copy per entry, not two).
    folders: BTreeMap<String, BTreeSet<OrderKey>>,
    root: Option<PathBuf>,
    rejected: BTreeMap<PathKey, String>,
}

/// Two files hold the same link; `winner` is served, `loser` is not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    pub link: String,
    pub winner: PathBuf,
    pub loser: PathBuf,
}

impl Store {
    pub fn new() -> Store {
        Store::default()
    }

    /// A store that also keeps the feed order of each top-level folder of `root`.
    pub fn with_folders(root: &Path) -> Store {
        Store {
            root: Some(root.to_path_buf()),
            ..Store::default()
        }
    }

    /// The top-level folder of the seeds folder that `path` lies in (not a file directly in
    /// the seeds folder); `None` also for a name that is not UTF-8, which no URL could carry.
    pub fn folder_of(&self, path: &Path) -> Option<String> {
        let relative = path.strip_prefix(self.root.as_ref()?).ok()?;
        let mut components = relative.components();
        let first = components.next()?;
        components.next()?;
        first.as_os_str().to_str().map(str::to_string)
    }

    /// Puts the key parsed from `path` (read at `stamp`), replacing what that file held
    /// before. Reports a duplicate when another file already holds the same link.
    pub fn upsert(&mut self, path: &Path, key: Key, stamp: Stamp) -> Option<Duplicate> {
        self.remove(path);
        let link = key.id.clone();
        let claims = self.claims.entry(link.clone()).or_default();
        claims.insert(claim(&key, stamp, path));
        self.files
            .insert(key_of(path).into(), Stored { key, stamp });
        let winner = claims.last().map(|(_, _, p)| p.clone())?;
        let loser = if winner == path {
            claims.iter().rev().nth(1).map(|(_, _, p)| p.clone())
        } else {
            Some(path.to_path_buf())
        };
        self.reorder(&link);
        loser.map(|loser| Duplicate {
            link,
            winner,
            loser,
        })
    }

    /// Records that `path` could not be used; whatever it held before is gone.
    pub fn reject(&mut self, path: &Path, reason: String) {
        self.remove(path);
        self.rejected.insert(key_of(path).into(), reason);
    }

    /// Forgets `path`: its entry and any rejection. True when it knew the path.
    pub fn remove(&mut self, path: &Path) -> bool {
        let was_rejected = self.rejected.remove(key_of(path)).is_some();
        let Some(stored) = self.files.remove(key_of(path)) else {
            return was_rejected;
        };
        let link = stored.key.id.clone();
        self.unorder(&stored.key, path);
        if let Some(claims) = self.claims.get_mut(&link) {
            claims.remove(&claim(&stored.key, stored.stamp, path));
            if claims.is_empty() {
                self.claims.remove(&link);
            }
        }
        self.reorder(&link);
        true
    }

    /// Every path the store knows (entries and rejections) at or below `dir`.
    /// In O(log n + found).
    pub fn paths_under(&self, dir: &Path) -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = keys_under(&self.files, dir)
            .chain(keys_under(&self.rejected, dir))
            .map(|key| path_of(key).to_path_buf())
            .collect();
        paths.sort();
        paths.dedup();
        paths
    }

    /// Makes the link's current winner (if any) the one in the feed order.
    fn reorder(&mut self, link: &str) {
        let winner = self
            .claims
            .get(link)
            .and_then(|c| c.last())
            .map(|(_, _, p)| p.clone());
        let claimants: Vec<(Key, PathBuf)> = self
            .claims
            .get(link)
            .into_iter()
            .flatten()
            .filter_map(|(_, _, path)| {
                let stored = self.files.get(key_of(path))?;
                Some((stored.key.clone(), path.clone()))
            })
            .collect();
        for (key, path) in &claimants {
            self.unorder(key, path);
        }
        if let Some(winner) = winner
            && let Some(stored) = self.files.get(key_of(&winner))
        {
            let order = order_key(&stored.key);
            if let Some(folder) = self.folder_of(&winner) {
                self.folders
                    .entry(folder)
                    .or_default()
                    .insert(order.clone());
            }
            self.order.insert(order, winner);
        }
    }

    /// Takes the entry `key` read from `path` out of the feed orders.
    fn unorder(&mut self, key: &Key, path: &Path) {
        let order = order_key(key);
        self.order.remove(&order);
        if let Some(folder) = self.folder_of(path)
            && let Some(folder_order) = self.folders.get_mut(&folder)
        {
            folder_order.remove(&order);
            if folder_order.is_empty() {
                self.folders.remove(&folder);
            }
        }
    }

    /// The top-level folders that hold at least one served entry, in name order.
    pub fn folders(&self) -> impl Iterator<Item = &str> {
        self.folders.keys().map(String::as_str)
    }

    /// One folder's entries in feed order, newest first.
    pub fn newest_in<'s>(
        &'s self,
        folder: &str,
    ) -> impl Iterator<Item = (&'s Path, &'s Key, Stamp)> + 's {
        self.folders
            .get(folder)
            .into_iter()
            .flatten()
            .filter_map(|order| self.order.get(order))
            .filter_map(|path| {
                self.files
                    .get(key_of(path))
                    .map(|s| (path.as_path(), &s.key, s.stamp))
            })
    }

    /// Entries in feed order, newest first: the file, its key, and the stamp it was read at.
    pub fn newest(&self) -> impl Iterator<Item = (&Path, &Key, Stamp)> {
        self.order.values().filter_map(|path| {
            self.files
                .get(key_of(path))
                .map(|s| (path.as_path(), &s.key, s.stamp))
        })
    }

    /// Every seed that holds an entry (duplicates included): file, stamp, key.
    pub fn all(&self) -> impl ExactSizeIterator<Item = (&Path, &Stamp, &Key)> {
        self.files
            .iter()
            .map(|(key, s)| (path_of(key), &s.stamp, &s.key))
    }

    /// Entries served (duplicates counted once).
    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Files that could not be used, with the reason, in path order.
    pub fn rejected(&self) -> impl ExactSizeIterator<Item = (&Path, &str)> {
        self.rejected
            .iter()
            .map(|(key, reason)| (path_of(key), reason.as_str()))
    }

    /// Why `path` could not be used, if it could not.
    pub fn rejection(&self, path: &Path) -> Option<&str> {
        self.rejected.get(key_of(path)).map(String::as_str)
    }
}

/// `dir` itself and every key below it (`dir/…`, one range in byte order).
fn keys_under<'a, V>(
    map: &'a BTreeMap<PathKey, V>,
    dir: &Path,
) -> impl Iterator<Item = &'a [u8]> + 'a {
    let dir = key_of(dir).strip_suffix(b"/").unwrap_or(key_of(dir));
    let itself = map.get_key_value(dir).map(|(key, _)| &key[..]);
    let prefix: Vec<u8> = [dir, b"/"].concat();
    let below = map
        .range::<[u8], _>((Bound::Included(&prefix[..]), Bound::Unbounded))
        .map(|(key, _)| &key[..])
        .take_while(move |key| key.starts_with(&prefix));
    itself.into_iter().chain(below)
}

fn order_key(key: &Key) -> OrderKey {
    (Reverse(key.published), key.id.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hour: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(hour * 3600, 0).unwrap()
    }

    fn entry(link: &str, published_hour: i64) -> Key {
        Key {
            id: link.into(),
            published: at(published_hour),
            updated: at(published_hour),
            fetched: None,
        }
    }

    fn stamp(modified: DateTime<Utc>) -> Stamp {
        Stamp {
            size: 1,
            modified,
            inode: 1,
        }
    }

    fn links(store: &Store) -> Vec<String> {
        store.newest().map(|(_, k, _)| k.id.clone()).collect()
    }

    fn newest_published(store: &Store) -> DateTime<Utc> {
        store.newest().next().unwrap().1.published
    }

    fn links_in(store: &Store, folder: &str) -> Vec<String> {
        store
            .newest_in(folder)
            .map(|(_, k, _)| k.id.clone())
            .collect()
    }

    #[test]
    fn each_top_level_folder_has_its_own_order_of_the_entries_it_wins() {
        let mut store = Store::with_folders(Path::new("/s"));
        let put = |store: &mut Store, path: &str, link: &str, hour: i64| {
            store.upsert(Path::new(path), entry(link, hour), stamp(at(hour)));
        };
        put(&mut store, "/s/top.txt", "t", 1);
        put(&mut store, "/s/a/2020/1.txt", "a1", 2);
        put(&mut store, "/s/a/2.txt", "a2", 3);
        put(&mut store, "/s/b/1.txt", "b1", 4);
        assert_eq!(store.folders().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(links_in(&store, "a"), ["a2", "a1"]);
        assert_eq!(links_in(&store, "b"), ["b1"]);
        assert_eq!(store.folder_of(Path::new("/s/top.txt")), None);
        assert_eq!(store.folder_of(Path::new("/elsewhere/a/x")), None);
        // The same link in b, fetched later, wins: a no longer shows it.
        let mut later = entry("a2", 3);
        later.fetched = Some(at(9));
        store.upsert(Path::new("/s/b/copy.txt"), later, stamp(at(3)));
        assert_eq!(links_in(&store, "a"), ["a1"]);
        assert_eq!(links_in(&store, "b"), ["b1", "a2"]);
        // A folder whose last entry goes is no longer a folder with entries.
        store.remove(Path::new("/s/b/1.txt"));
        store.remove(Path::new("/s/b/copy.txt"));
        assert_eq!(store.folders().collect::<Vec<_>>(), ["a"]);
        assert_eq!(links_in(&store, "a"), ["a2", "a1"], "a's copy wins again");
        assert!(links_in(&store, "b").is_empty());
        assert_eq!(links(&store), ["a2", "a1", "t"]);
    }

    #[test]
    fn order_is_newest_first_then_id() {
        let mut s = Store::new();
        s.upsert(Path::new("/s/a"), entry("https://x/a", 1), stamp(at(0)));
        s.upsert(Path::new("/s/c"), entry("https://x/c", 2), stamp(at(0)));
        s.upsert(Path::new("/s/b"), entry("https://x/b", 2), stamp(at(0)));
        assert_eq!(links(&s), ["https://x/b", "https://x/c", "https://x/a"]);
        s.upsert(Path::new("/s/a"), entry("https://x/a", 3), stamp(at(1)));
        assert_eq!(links(&s), ["https://x/a", "https://x/b", "https://x/c"]);
        assert!(s.remove(Path::new("/s/b")));
        assert_eq!(links(&s), ["https://x/a", "https://x/c"]);
        assert!(!s.remove(Path::new("/s/b")));
    }

    #[test]
    fn newer_file_wins_a_shared_link() {
        let mut s = Store::new();
        assert!(s.is_empty());
        assert_eq!(
            s.upsert(
                Path::new("/s/old"),
                entry("https://x/same", 1),
                stamp(at(1))
            ),
            None
        );
        let dup = s
            .upsert(
                Path::new("/s/new"),
                entry("https://x/same", 5),
                stamp(at(2)),
            )
            .unwrap();
        assert_eq!(
            (dup.winner.as_path(), dup.loser.as_path()),
            (Path::new("/s/new"), Path::new("/s/old"))
        );
        assert_eq!(s.len(), 1);
        assert!(!s.is_empty());
        assert_eq!(newest_published(&s), at(5));
        // an older file arriving later still loses
        let dup = s
            .upsert(
                Path::new("/s/older"),
                entry("https://x/same", 9),
                stamp(at(0)),
            )
            .unwrap();
        assert_eq!(dup.loser, Path::new("/s/older"));
        assert_eq!(newest_published(&s), at(5));
        // the winner goes: the next newest file takes over
        s.remove(Path::new("/s/new"));
        assert_eq!(newest_published(&s), at(1));
        s.remove(Path::new("/s/old"));
        s.remove(Path::new("/s/older"));
        assert!(s.is_empty());
    }

    #[test]
    fn the_newest_fetch_wins_a_shared_link_whatever_the_mtimes_and_names() {
        let fetched = |hour: i64, published_hour: i64| Key {
            fetched: Some(at(hour)),
            ..entry("https://x/live", published_hour)
        };
        let mut s = Store::new();
        // same mtime (a fresh clone), and the newest fetch sorts first by name
        s.upsert(Path::new("/s/a"), fetched(30, 30), stamp(at(100)));
        s.upsert(Path::new("/s/b"), fetched(10, 10), stamp(at(100)));
        s.upsert(Path::new("/s/c"), fetched(20, 20), stamp(at(100)));
        assert_eq!(newest_published(&s), at(30));
        // a newer mtime does not beat a newer fetch
        let dup = s
            .upsert(Path::new("/s/d"), fetched(25, 25), stamp(at(200)))
            .unwrap();
        assert_eq!(
            (dup.winner.as_path(), dup.loser.as_path()),
            (Path::new("/s/a"), Path::new("/s/d"))
        );
        // a seed stating no fetch time loses to those that do
        s.upsert(
            Path::new("/s/e"),
            entry("https://x/live", 99),
            stamp(at(300)),
        );
        assert_eq!(newest_published(&s), at(30));
        // the newest fetch goes: the next newest takes over
        s.remove(Path::new("/s/a"));
        assert_eq!(newest_published(&s), at(25));
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn rejection_replaces_the_entry() {
        let mut s = Store::new();
        s.upsert(Path::new("/s/a"), entry("https://x/a", 1), stamp(at(0)));
        s.reject(Path::new("/s/a"), "broken".into());
        assert!(s.is_empty());
        assert_eq!(s.rejection(Path::new("/s/a")), Some("broken"));
        s.upsert(Path::new("/s/a"), entry("https://x/a", 1), stamp(at(0)));
        assert_eq!(s.rejected().len(), 0);
        assert_eq!(s.paths_under(Path::new("/s")), [PathBuf::from("/s/a")]);
        assert!(s.paths_under(Path::new("/t")).is_empty());
    }

    #[test]
    fn paths_under_a_folder_are_its_descendants_only() {
        let mut s = Store::new();
        for (i, name) in [
            "/s/a", "/s/a-b", "/s/a.txt", "/s/a/x", "/s/a/y/z", "/s/ab", "/s/b",
        ]
        .iter()
        .enumerate()
        {
            s.upsert(
                Path::new(name),
                entry(&format!("https://x/{i}"), 1),
                stamp(at(0)),
            );
        }
        s.reject(Path::new("/s/a/bad"), "broken".into());
        let under = |dir: &str| -> Vec<PathBuf> { s.paths_under(Path::new(dir)) };
        assert_eq!(
            under("/s/a"),
            ["/s/a", "/s/a/bad", "/s/a/x", "/s/a/y/z"].map(PathBuf::from)
        );
        assert_eq!(under("/s/a/"), under("/s/a"));
        assert_eq!(under("/s/a/y"), [PathBuf::from("/s/a/y/z")]);
        assert_eq!(under("/s").len(), 8);
        assert!(under("/s/c").is_empty());
    }
}

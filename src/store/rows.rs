//! Every file the store holds an entry for, one numbered row each: its path, key and stamp;
//! found by path, and by link with the other files that hold the same link.
//!
//! Rows are numbered so that the orders can hold 4-byte numbers instead of keys and paths; a
//! removed row's number is used again. The path and link tables hold only row numbers too
//! (`hashbrown::HashTable`: the key is read from the row), so a path is kept once, in its row.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, RandomState};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use hashbrown::HashTable;

use super::order::Place;
use crate::seed::Key;
use crate::seedfs::Stamp;
use crate::urls::entry_hash;

pub type RowId = u32;

/// The end of a list of claims.
const NO_ROW: RowId = RowId::MAX;

pub struct Row {
    pub path: Box<Path>,
    pub key: Key,
    pub stamp: Stamp,
    /// [`entry_hash`] of the key's id: the link's place in the link table, the entry page's
    /// lookup.
    pub hash: u64,
    /// Whether the row is in the feed orders: it wins its link.
    pub listed: bool,
    /// The next row holding the same link.
    next_claim: RowId,
}

impl Row {
    pub fn new(path: &Path, key: Key, stamp: Stamp) -> Row {
        Row {
            path: path.into(),
            hash: entry_hash(&key.id),
            key,
            stamp,
            listed: false,
            next_claim: NO_ROW,
        }
    }
}

#[derive(Default)]
pub struct Rows {
    rows: Vec<Option<Row>>,
    free: Vec<RowId>,
    /// Row numbers by path.
    paths: HashTable<RowId>,
    /// For each link, the first of the rows holding it (the rest follow `next_claim`).
    links: HashTable<RowId>,
    hasher: RandomState,
    /// How many rows each folder holds directly: whether a path has rows below it, without
    /// looking at every row.
    folders: BTreeMap<Box<[u8]>, usize>,
}

fn bytes(path: &Path) -> &[u8] {
    path.as_os_str().as_bytes()
}

/// The folder part of a path (`a/b` of `a/b/c.md`), as bytes.
fn folder(path: &Path) -> &[u8] {
    path.parent().map(bytes).unwrap_or_default()
}

impl Rows {
    pub fn len(&self) -> usize {
        self.rows.len() - self.free.len()
    }

    /// The row; every number an order or a list holds is a row.
    pub fn get(&self, id: RowId) -> &Row {
        self.rows[id as usize]
            .as_ref()
            .expect("a row number held anywhere is a row")
    }

    pub fn get_mut(&mut self, id: RowId) -> &mut Row {
        self.rows[id as usize]
            .as_mut()
            .expect("a row number held anywhere is a row")
    }

    pub fn place(&self, id: RowId) -> Place<'_> {
        let key = &self.get(id).key;
        Place {
            published: key.published,
            id: &key.id,
        }
    }

    pub fn find(&self, path: &Path) -> Option<RowId> {
        let hash = self.hasher.hash_one(bytes(path));
        let rows = &self.rows;
        self.paths
            .find(hash, |&r| {
                rows[r as usize]
                    .as_ref()
                    .is_some_and(|row| *row.path == *path)
            })
            .copied()
    }

    /// Files `row`'s path in a new row (the path must not have one) and returns its number.
    pub fn insert(&mut self, mut row: Row) -> RowId {
        let Rows {
            rows,
            free,
            paths,
            links,
            hasher,
            folders,
        } = self;
        let id = free.pop().unwrap_or(rows.len() as RowId);
        *folders.entry(folder(&row.path).into()).or_default() += 1;
        let path_hash = hasher.hash_one(bytes(&row.path));
        let link_hash = row.hash;
        let first = links
            .find(link_hash, |&r| {
                rows[r as usize]
                    .as_ref()
                    .is_some_and(|o| o.key.id == row.key.id)
            })
            .copied();
        row.next_claim = first.unwrap_or(NO_ROW);
        match rows.get_mut(id as usize) {
            Some(slot) => *slot = Some(row),
            None => rows.push(Some(row)),
        }
        let rows = &*rows;
        let path_of =
            |r: &RowId| hasher.hash_one(bytes(&rows[*r as usize].as_ref().expect("filed").path));
        paths.insert_unique(path_hash, id, path_of);
        let link_of = |r: &RowId| rows[*r as usize].as_ref().expect("filed").hash;
        match links.find_mut(link_hash, |&r| Some(r) == first) {
            Some(head) => *head = id,
            None => {
                links.insert_unique(link_hash, id, link_of);
            }
        }
        id
    }

    /// Takes row `id` out of every table and returns it.
    pub fn remove(&mut self, id: RowId) -> Row {
        let row = self.rows[id as usize]
            .take()
            .expect("a row number held anywhere is a row");
        self.free.push(id);
        let path_hash = self.hasher.hash_one(bytes(&row.path));
        if let Ok(entry) = self.paths.find_entry(path_hash, |&r| r == id) {
            entry.remove();
        }
        let folder = folder(&row.path);
        if let Some(count) = self.folders.get_mut(folder) {
            *count -= 1;
            if *count == 0 {
                self.folders.remove(folder);
            }
        }
        self.unclaim(id, &row);
        row
    }

    /// Takes `row` (numbered `id`, already out of `rows`) out of its link's list of claims.
    fn unclaim(&mut self, id: RowId, row: &Row) {
        let rows = &self.rows;
        let Ok(mut first) = self.links.find_entry(row.hash, |&r| {
            r == id
                || rows[r as usize]
                    .as_ref()
                    .is_some_and(|o| o.key.id == row.key.id)
        }) else {
            return;
        };
        let mut at = *first.get();
        if at == id {
            match row.next_claim {
                NO_ROW => {
                    first.remove();
                }
                next => *first.get_mut() = next,
            }
            return;
        }
        while at != NO_ROW {
            let this = self.get_mut(at);
            if this.next_claim == id {
                this.next_claim = row.next_claim;
                return;
            }
            at = this.next_claim;
        }
    }

    /// Every row holding the link `id` holds (itself too).
    pub fn claims(&self, id: RowId) -> Vec<RowId> {
        let row = self.get(id);
        self.claims_of(row.hash, &row.key.id)
    }

    /// Every row holding `link` (whose [`entry_hash`] is `hash`).
    pub fn claims_of(&self, hash: u64, link: &str) -> Vec<RowId> {
        let rows = &self.rows;
        let first = self.links.find(hash, |&r| {
            rows[r as usize]
                .as_ref()
                .is_some_and(|o| &*o.key.id == link)
        });
        let mut claims = Vec::new();
        let mut at = first.copied().unwrap_or(NO_ROW);
        while at != NO_ROW {
            claims.push(at);
            at = self.get(at).next_claim;
        }
        claims
    }

    /// The rows of the links whose [`entry_hash`] is `hash` (one link but for a collision).
    pub fn claims_by_hash(&self, hash: u64) -> Vec<RowId> {
        let rows = &self.rows;
        self.links
            .iter_hash(hash)
            .filter(|&&r| rows[r as usize].as_ref().is_some_and(|o| o.hash == hash))
            .flat_map(|&first| {
                let mut claims = Vec::new();
                let mut at = first;
                while at != NO_ROW {
                    claims.push(at);
                    at = self.get(at).next_claim;
                }
                claims
            })
            .collect()
    }

    /// The row of `dir` itself (a file) and every row below it.
    pub fn under(&self, dir: &Path) -> Vec<RowId> {
        let dir_bytes = bytes(dir).strip_suffix(b"/").unwrap_or(bytes(dir));
        let mut found: Vec<RowId> = self
            .find(Path::new(std::ffi::OsStr::from_bytes(dir_bytes)))
            .into_iter()
            .collect();
        let prefix: Vec<u8> = [dir_bytes, b"/"].concat();
        let any_below = self.folders.contains_key(dir_bytes)
            || self
                .folders
                .range::<[u8], _>((
                    std::ops::Bound::Included(&prefix[..]),
                    std::ops::Bound::Unbounded,
                ))
                .next()
                .is_some_and(|(folder, _)| folder.starts_with(&prefix));
        if any_below {
            found.extend(
                self.iter()
                    .filter_map(|(id, row)| bytes(&row.path).starts_with(&prefix).then_some(id)),
            );
        }
        found
    }

    /// Every row, by number.
    pub fn iter(&self) -> impl Iterator<Item = (RowId, &Row)> {
        self.rows
            .iter()
            .enumerate()
            .filter_map(|(id, row)| row.as_ref().map(|row| (id as RowId, row)))
    }
}

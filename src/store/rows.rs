//! Every file the store holds an entry for, one numbered row each: where the file is, the
//! entry's key and the stamp it was read at; found by path, and by link with the other files
//! that hold the same link.
//!
//! Rows are numbered so that the orders can hold 4-byte numbers instead of keys and paths; a
//! removed row's number is used again. A row keeps what ordering and filtering need and
//! nothing twice: its folder is a number into a table of folders (a million seeds live in a
//! few thousand), its section a number into a table of sections, its strings packed in the
//! rows' arena ([`Texts`]). The path and link tables hold only row numbers
//! (`hashbrown::HashTable`: the key is read from the row).

use std::collections::{BTreeMap, HashMap};
use std::ffi::OsStr;
use std::hash::{BuildHasher, RandomState};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use hashbrown::HashTable;

use std::ops::Deref;

use super::interned::Interned;
use super::text::{Link, Text, TextAt, Texts, pack, pack_with_authors};
use crate::seed::{Key, Section, SiteParts};
use crate::seedfs::Stamp;
use crate::urls::entry_hash;

pub type RowId = u32;
type FolderId = u32;
type SectionId = u32;

/// The end of a list of claims.
const NO_ROW: RowId = RowId::MAX;

/// A row without a section.
const NO_SECTION: SectionId = SectionId::MAX;

/// What the row's flag byte says.
const LISTED: u8 = 1;
const IMAGE_IS_SITE: u8 = 2;
const CLOSING_IS_SITE: u8 = 4;

/// `fetched` when the seed states no fetch time.
const NOT_FETCHED: i64 = i64::MIN;

/// An instant to the microsecond, 8 bytes where a `DateTime` takes 12 (16 as an `Option`).
/// Nothing served shows less than a second; the dates only order and file entries.
pub(super) fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

fn instant(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).expect("made from a DateTime")
}

/// A row: 88 bytes, where keeping the key's own types took 136 (a million rows are 48 MB
/// less). Dates are microseconds, the stamp's mtime nanoseconds (exact: [`Stamp::of`] keeps
/// mtimes in that range), the flags one byte.
pub struct Row {
    /// The row's strings in the store's arena.
    text: TextAt,
    /// [`entry_hash`] of the id: the link's place in the link table, the entry page's lookup.
    pub hash: u64,
    published: i64,
    updated: i64,
    fetched: i64,
    size: u64,
    modified: i64,
    inode: u64,
    lead_image: u32,
    closing: u32,
    folder: FolderId,
    section: SectionId,
    /// The next row holding the same link.
    next_claim: RowId,
    flags: u8,
}

// The layout the comment above describes (a free row costs no more: `TextAt` is never 0).
const _: () = assert!(std::mem::size_of::<Option<Row>>() == 88);

impl Row {
    /// The number of the folder the file is in (see [`Rows::folder_path`]).
    pub fn folder(&self) -> u32 {
        self.folder
    }

    /// The number of the row's section, if it has one (see [`Rows::section`]).
    pub fn section_number(&self) -> Option<u32> {
        (self.section != NO_SECTION).then_some(self.section)
    }

    /// Whether the row is in the feed orders: it wins its link.
    pub fn listed(&self) -> bool {
        self.flags & LISTED != 0
    }

    pub fn published(&self) -> DateTime<Utc> {
        instant(self.published)
    }

    /// `published` in microseconds, what orders compare.
    pub fn published_micros(&self) -> i64 {
        self.published
    }

    pub fn updated(&self) -> DateTime<Utc> {
        instant(self.updated)
    }

    pub fn fetched(&self) -> Option<DateTime<Utc>> {
        (self.fetched != NOT_FETCHED).then(|| instant(self.fetched))
    }

    pub fn stamp(&self) -> Stamp {
        Stamp {
            size: self.size,
            modified: DateTime::from_timestamp_nanos(self.modified),
            inode: self.inode,
        }
    }

    pub fn site(&self) -> SiteParts {
        SiteParts {
            lead_image: self.lead_image,
            closing: self.closing,
            image_is_site: self.flags & IMAGE_IS_SITE != 0,
            closing_is_site: self.flags & CLOSING_IS_SITE != 0,
        }
    }
}

/// A row with its strings, as the store reads it.
#[derive(Clone, Copy)]
pub struct Filed<'r> {
    row: &'r Row,
    text: Text<'r>,
}

impl Deref for Filed<'_> {
    type Target = Row;

    fn deref(&self) -> &Row {
        self.row
    }
}

impl<'r> Filed<'r> {
    /// The entry's id, its link.
    pub fn id(&self) -> Link<'r> {
        self.text.id()
    }

    pub fn title(&self) -> &'r str {
        self.text.title()
    }

    /// The authors, or `None` while a whole-body read has still to find them.
    pub fn authors(&self) -> Option<impl Iterator<Item = &'r str> + Clone + use<'r>> {
        self.text.authors()
    }

    /// The file's name.
    fn name(&self) -> &'r [u8] {
        self.text.name()
    }
}

/// A file's folder (with its trailing `/`; empty for a bare name) and its name: split at the
/// last `/`, so that folder + name gives the very bytes back.
fn split(path: &Path) -> (&[u8], &[u8]) {
    let bytes = path.as_os_str().as_bytes();
    let at = bytes.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
    bytes.split_at(at)
}

/// The folders rows live in, numbered, each with how many rows it holds (a folder goes when
/// its last row does).
#[derive(Default)]
struct Folders {
    by_path: BTreeMap<Box<[u8]>, FolderId>,
    table: Vec<(Box<[u8]>, usize)>,
    free: Vec<FolderId>,
    /// The folder entered last: files come folder by folder (a walk, the index cache), and
    /// looking each one's folder up in the map was a tenth of a restart.
    last: Option<FolderId>,
}

impl Folders {
    fn find(&self, folder: &[u8]) -> Option<FolderId> {
        match self.last {
            Some(last) if self.path(last) == folder => Some(last),
            _ => self.by_path.get(folder).copied(),
        }
    }

    fn path(&self, id: FolderId) -> &[u8] {
        &self.table[id as usize].0
    }

    /// The folder's number, counting one more row in it.
    fn enter(&mut self, folder: &[u8]) -> FolderId {
        let id = match self.find(folder) {
            Some(id) => id,
            None => {
                let entry = (Box::from(folder), 0);
                let id = match self.free.pop() {
                    Some(id) => {
                        self.table[id as usize] = entry;
                        id
                    }
                    None => {
                        self.table.push(entry);
                        (self.table.len() - 1) as FolderId
                    }
                };
                self.by_path.insert(folder.into(), id);
                id
            }
        };
        self.table[id as usize].1 += 1;
        self.last = Some(id);
        id
    }

    /// Counts one row fewer in folder `id`.
    fn leave(&mut self, id: FolderId) {
        let (path, count) = &mut self.table[id as usize];
        *count -= 1;
        if *count == 0 {
            self.by_path.remove(&path[..]);
            *path = Box::default();
            self.free.push(id);
            if self.last == Some(id) {
                self.last = None;
            }
        }
    }

    /// The folders at or below `dir` (given without its trailing `/`; folders are kept with
    /// theirs, so `dir/` is the first), sorted by number.
    fn under(&self, dir: &[u8]) -> Vec<FolderId> {
        let prefix: Vec<u8> = [dir, b"/"].concat();
        let mut ids: Vec<FolderId> = self
            .by_path
            .range::<[u8], _>((
                std::ops::Bound::Included(&prefix[..]),
                std::ops::Bound::Unbounded,
            ))
            .take_while(|(path, _)| path.starts_with(&prefix))
            .map(|(_, &id)| id)
            .collect();
        ids.sort_unstable();
        ids
    }
}

/// The sections rows are filed under, each kept once. Never shrinks: an archive names a few
/// hundred sections, whatever its size.
#[derive(Default)]
struct Sections {
    table: Vec<Section>,
    ids: HashMap<Section, SectionId>,
}

impl Sections {
    fn id(&mut self, section: &Section) -> SectionId {
        if let Some(&id) = self.ids.get(section) {
            return id;
        }
        let id = self.table.len() as SectionId;
        self.table.push(section.clone());
        self.ids.insert(section.clone(), id);
        id
    }

    fn get(&self, id: SectionId) -> Option<&Section> {
        self.table.get(id as usize)
    }
}

/// Row `id`, one the tables hold.
fn filed(rows: &[Option<Row>], id: RowId) -> &Row {
    rows[id as usize].as_ref().expect("filed")
}

/// The hash `row` is filed under in the path table (its folder and name).
fn path_hash_of(hasher: &RandomState, texts: &Texts, interned: &Interned, row: &Row) -> u64 {
    hasher.hash_one((row.folder, Text::at(texts.get(row.text), interned).name()))
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
    folders: Folders,
    sections: Sections,
    texts: Texts,
    /// The link heads and author names rows' strings share.
    interned: Interned,
    /// Where a row's strings are packed before they go to `texts`.
    packing: Vec<u8>,
}

impl Rows {
    pub fn len(&self) -> usize {
        self.rows.len() - self.free.len()
    }

    /// One more than the highest row number in use (or used before).
    pub fn numbers(&self) -> usize {
        self.rows.len()
    }

    /// The row; every number an order or a list holds is a row.
    pub fn get(&self, id: RowId) -> Filed<'_> {
        let row = self.rows[id as usize]
            .as_ref()
            .expect("a row number held anywhere is a row");
        self.filed(row)
    }

    fn filed<'r>(&'r self, row: &'r Row) -> Filed<'r> {
        Filed {
            row,
            text: Text::at(self.texts.get(row.text), &self.interned),
        }
    }

    /// Whether `id` is a row now (not one removed since it was noted) and listed.
    pub fn is_listed(&self, id: RowId) -> bool {
        self.rows
            .get(id as usize)
            .and_then(Option::as_ref)
            .is_some_and(Row::listed)
    }

    fn get_mut(&mut self, id: RowId) -> &mut Row {
        self.rows[id as usize]
            .as_mut()
            .expect("a row number held anywhere is a row")
    }

    /// Room for `more` rows beyond those held, in the rows and the path and link tables: a
    /// restart files a million rows, and growing the tables as it went was a tenth of it.
    pub fn reserve(&mut self, more: usize) {
        self.rows.reserve(more);
        let Rows {
            rows,
            paths,
            links,
            hasher,
            texts,
            interned,
            ..
        } = self;
        paths.reserve(more, |&r| {
            path_hash_of(hasher, texts, interned, filed(rows, r))
        });
        links.reserve(more, |&r| filed(rows, r).hash);
    }

    /// Folder `folder`'s path, with its trailing `/`.
    pub fn folder_path(&self, folder: u32) -> &[u8] {
        self.folders.path(folder)
    }

    /// The file of row `id`.
    pub fn path(&self, id: RowId) -> PathBuf {
        let row = self.get(id);
        let bytes = [self.folders.path(row.folder), row.name()].concat();
        PathBuf::from(std::ffi::OsString::from_vec(bytes))
    }

    pub fn section(&self, row: &Row) -> Option<&Section> {
        self.sections.get(row.section)
    }

    /// Row `id`'s key, whole.
    pub fn key(&self, id: RowId) -> Key {
        let row = self.get(id);
        Key {
            id: row.id().to_string().into(),
            published: row.published(),
            updated: row.updated(),
            fetched: row.fetched(),
            title: row.title().into(),
            section: self.section(&row).cloned(),
            authors: row
                .authors()
                .map(|authors| authors.map(String::from).collect::<Vec<_>>().into()),
            site: row.site(),
        }
    }

    fn path_hash(&self, folder: FolderId, name: &[u8]) -> u64 {
        self.hasher.hash_one((folder, name))
    }

    pub fn find(&self, path: &Path) -> Option<RowId> {
        let (folder, name) = split(path);
        let folder = self.folders.find(folder)?;
        self.paths
            .find(self.path_hash(folder, name), |&r| {
                self.rows[r as usize]
                    .as_ref()
                    .is_some_and(|row| row.folder == folder && self.filed(row).name() == name)
            })
            .copied()
    }

    /// Files `path`'s key in a new row (the path must not have one) and returns its number.
    pub fn insert(&mut self, path: &Path, key: &Key, stamp: Stamp) -> RowId {
        let (folder, name) = split(path);
        let id = self.free.pop().unwrap_or(self.rows.len() as RowId);
        pack(
            &mut self.packing,
            &mut self.interned,
            name,
            &key.id,
            &key.title,
            key.authors.as_deref(),
        );
        let site = key.site;
        let flags = (u8::from(site.image_is_site) * IMAGE_IS_SITE)
            | (u8::from(site.closing_is_site) * CLOSING_IS_SITE);
        let row = Row {
            text: self.texts.add(id, &self.packing),
            hash: entry_hash(&key.id),
            published: micros(key.published),
            updated: micros(key.updated),
            fetched: key.fetched.map_or(NOT_FETCHED, micros),
            size: stamp.size,
            modified: stamp.modified_nanos(),
            inode: stamp.inode,
            lead_image: site.lead_image,
            closing: site.closing,
            folder: self.folders.enter(folder),
            section: key
                .section
                .as_ref()
                .map_or(NO_SECTION, |s| self.sections.id(s)),
            next_claim: NO_ROW,
            flags,
        };
        let path_hash = self.path_hash(row.folder, name);
        let first = self.first_claim(row.hash, |link| link.is(&key.id));
        let link_hash = row.hash;
        let row = Row {
            next_claim: first.unwrap_or(NO_ROW),
            ..row
        };
        let Rows {
            rows,
            paths,
            links,
            hasher,
            texts,
            interned,
            ..
        } = self;
        match rows.get_mut(id as usize) {
            Some(slot) => *slot = Some(row),
            None => rows.push(Some(row)),
        }
        let rows = &*rows;
        paths.insert_unique(path_hash, id, |&r| {
            path_hash_of(hasher, texts, interned, filed(rows, r))
        });
        match links.find_mut(link_hash, |&r| Some(r) == first) {
            Some(head) => *head = id,
            None => {
                links.insert_unique(link_hash, id, |&r| filed(rows, r).hash);
            }
        }
        id
    }

    /// The first of the rows holding the link `is` picks (whose [`entry_hash`] is `hash`).
    fn first_claim(&self, hash: u64, is: impl Fn(Link<'_>) -> bool) -> Option<RowId> {
        self.links
            .find(hash, |&r| {
                self.rows[r as usize]
                    .as_ref()
                    .is_some_and(|o| is(self.filed(o).id()))
            })
            .copied()
    }

    /// Gives row `id` the authors a whole-body read found.
    pub fn set_authors(&mut self, id: RowId, authors: &[String]) {
        let old = self.get_mut(id).text;
        pack_with_authors(
            &mut self.packing,
            &mut self.interned,
            self.texts.get(old),
            authors,
        );
        let new = self.texts.add(id, &self.packing);
        self.get_mut(id).text = new;
        self.forget_text(old);
    }

    /// Forgets the strings at `at`, compacting their chunk if it is due.
    fn forget_text(&mut self, at: TextAt) {
        if let Some(chunk) = self.texts.remove(at, &mut self.interned) {
            self.compact_texts(chunk);
        }
    }

    /// Compacts up to `chunks` chunks of the rows' strings that hold any dead ones; returns
    /// whether any are left.
    pub fn tidy_texts(&mut self, chunks: usize) -> bool {
        for _ in 0..chunks {
            match self.texts.untidy() {
                Some(chunk) => self.compact_texts(chunk),
                None => return false,
            }
        }
        self.texts.untidy().is_some()
    }

    /// Moves the live strings of chunk `chunk` and points their rows at their new places.
    fn compact_texts(&mut self, chunk: usize) {
        let rows = &self.rows;
        let moves = self.texts.compact(chunk, |owner, at| {
            rows.get(owner as usize)
                .and_then(Option::as_ref)
                .is_some_and(|row| row.text == at)
        });
        for (owner, at) in moves {
            self.get_mut(owner).text = at;
        }
    }

    pub fn set_listed(&mut self, id: RowId, listed: bool) {
        let row = self.get_mut(id);
        row.flags = if listed {
            row.flags | LISTED
        } else {
            row.flags & !LISTED
        };
    }

    /// Takes row `id` out of every table, with its path and link.
    pub fn remove(&mut self, id: RowId) {
        let row = self.rows[id as usize]
            .take()
            .expect("a row number held anywhere is a row");
        self.free.push(id);
        let path_hash = self.path_hash(row.folder, self.filed(&row).name());
        if let Ok(entry) = self.paths.find_entry(path_hash, |&r| r == id) {
            entry.remove();
        }
        self.folders.leave(row.folder);
        self.unclaim(id, &row);
        self.forget_text(row.text);
    }

    /// Takes `row` (numbered `id`, already out of `rows`) out of its link's list of claims.
    fn unclaim(&mut self, id: RowId, row: &Row) {
        let (rows, texts, interned) = (&self.rows, &self.texts, &self.interned);
        let link_of = |row: &Row| Text::at(texts.get(row.text), interned).id();
        let link = link_of(row);
        let Ok(mut first) = self.links.find_entry(row.hash, |&r| {
            r == id
                || rows[r as usize]
                    .as_ref()
                    .is_some_and(|o| link_of(o) == link)
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
        let link = row.id();
        self.chain(self.first_claim(row.hash, |o| o == link).unwrap_or(NO_ROW))
    }

    /// Every row holding `link` (whose [`entry_hash`] is `hash`).
    pub fn claims_of(&self, hash: u64, link: &str) -> Vec<RowId> {
        self.chain(self.first_claim(hash, |o| o.is(link)).unwrap_or(NO_ROW))
    }

    /// `first` and the rows after it in its list of claims.
    fn chain(&self, first: RowId) -> Vec<RowId> {
        let mut claims = Vec::new();
        let mut at = first;
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
            .flat_map(|&first| self.chain(first))
            .collect()
    }

    /// The row of `dir` itself (a file) and every row below it.
    pub fn under(&self, dir: &Path) -> Vec<RowId> {
        let dir_bytes = dir.as_os_str().as_bytes();
        let dir_bytes = dir_bytes.strip_suffix(b"/").unwrap_or(dir_bytes);
        let mut found: Vec<RowId> = self
            .find(Path::new(OsStr::from_bytes(dir_bytes)))
            .into_iter()
            .collect();
        let folders = self.folders.under(dir_bytes);
        if !folders.is_empty() {
            found.extend(
                self.iter().filter_map(|(id, row)| {
                    folders.binary_search(&row.folder).is_ok().then_some(id)
                }),
            );
        }
        found
    }

    /// How many link heads and author names the rows share.
    #[cfg(test)]
    pub fn shared_strings(&self) -> usize {
        self.interned.len()
    }

    /// Every row, by number.
    pub fn iter(&self) -> impl Iterator<Item = (RowId, Filed<'_>)> {
        self.rows
            .iter()
            .enumerate()
            .filter_map(|(id, row)| row.as_ref().map(|row| (id as RowId, self.filed(row))))
    }
}

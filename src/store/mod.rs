//! The index of all seeds: for each file the [`Key`] of its entry (id and dates) and the stamp
//! it was read at; which file wins a shared link; the feed orders. Whole entries are not kept
//! here — only the few in the documents are (see `index/`), so memory does not grow with the
//! bodies. No I/O, no locks: one writer owns it.
//!
//! Each file is a numbered row (`rows.rs`); the orders (`order.rs`) hold row numbers. A big
//! batch (a scan) defers the orders: rows are only marked listed, and [`Store::settle`] sorts
//! every order once at the end (`settle.rs`); a smaller one (a `git pull` into a big store)
//! gathers its rows and merges them into the orders they touch (`gather.rs`), instead of
//! inserting into sorted arrays a row at a time.

mod gather;
mod interned;
mod order;
mod rows;
mod settle;
mod text;

use chrono::{DateTime, Utc};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::ops::Bound;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::scope::{Month, Scope, slug};
use crate::seed::{Key, Section, SiteParts};
use crate::seedfs::Stamp;
use order::{Order, Place};
use rows::{Filed, RowId, Rows};
use text::Link;

/// A seed as it is taken to be shown: its path, its key (with what it shares with its site
/// judged: [`SiteParts`]) and its stamp.
pub type Seed = (PathBuf, Key, Stamp);

/// How many of the entries published just before one, in its folder, are looked at to tell
/// what is the site's (a graphic, a closing line) from what is the article's own.
const SITE_LOOKBACK: usize = 20;

/// How many of those must share it for it to be the site's: a subscription banner or a site's
/// one picture leads most entries (Solidot's all 22, Zaobao's banner 5 of 23), a news photo
/// reused for a developing story a few.
const SITE_SEEN: usize = 5;

/// Among files claiming one link, the newest by (fetch time, file mtime, path) wins. A seed
/// that states no fetch time loses to one that does. The mtime alone cannot decide: after a
/// `git clone` or a copy every file has the same one.
fn claim(rows: &Rows, id: RowId) -> (Option<DateTime<Utc>>, DateTime<Utc>, PathBuf) {
    let row = rows.get(id);
    (row.fetched(), row.stamp().modified, rows.path(id))
}

/// A path as a map key, ordered by its bytes (a folder's descendants are one range).
type PathKey = Box<[u8]>;

fn key_of(path: &Path) -> &[u8] {
    path.as_os_str().as_bytes()
}

fn path_of(key: &[u8]) -> &Path {
    Path::new(OsStr::from_bytes(key))
}

#[derive(Default)]
pub struct Store {
    rows: Rows,
    /// Every listed row (the winner of its link), in feed order.
    order: Order,
    /// The feed order of each top-level folder's listed rows, when the store knows the seeds
    /// folder.
    folders: BTreeMap<String, Facet>,
    root: Option<PathBuf>,
    rejected: BTreeMap<PathKey, String>,
    /// The listed rows of each author and each section, by slug.
    authors: BTreeMap<String, Facet>,
    sections: BTreeMap<String, Facet>,
    /// How many rows are listed.
    listed: usize,
    /// Rows whose key does not hold its authors yet (see [`Key::authors`]).
    unread_authors: BTreeSet<RowId>,
    /// Whether the orders wait for [`Store::settle`] (a big batch is under way).
    deferred: bool,
    /// The rows a batch listed or unlisted, when the orders they touch wait for
    /// [`Store::settle`] to be made anew ([`Store::gather`]).
    gathered: Option<gather::Gathered>,
    /// Each (feed, month) whose served entries changed, once [`Store::keep_journal`] is on:
    /// what the long tail of rendered documents must forget.
    journal: Option<BTreeSet<(Scope, Month)>>,
    /// The feeds whose listed entries (or their keys or stamps) changed since
    /// [`Store::take_touched_feeds`]: whose windows must be taken again.
    touched: TouchedFeeds,
}

/// Feeds whose order changed: the root's, and which top-level folders'.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TouchedFeeds {
    pub root: bool,
    pub folders: BTreeSet<String>,
}

/// Where a walk of a feed order stopped: the entry it looked at last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor(Reverse<DateTime<Utc>>, Arc<str>);

impl Cursor {
    /// Just after `entry`, in feed order.
    pub fn after(entry: &Entry<'_>) -> Cursor {
        Cursor(Reverse(entry.published()), entry.id().to_string().into())
    }

    fn place(&self) -> Place<'_> {
        Place {
            published: self.0.0,
            id: &self.1,
        }
    }
}

/// A folder, an author or a section: the name its first entry writes, and its entries' feed
/// order.
#[derive(Debug, Default)]
pub struct Facet {
    pub name: String,
    order: Order,
}

impl Facet {
    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

/// A slug and the name it was made from.
type Named<'k> = (String, &'k str);

fn named(name: &str) -> Option<Named<'_>> {
    Some((slug(name), name)).filter(|(s, _)| !s.is_empty())
}

/// A section's slug (made from its term, as its feed's URL is) and the name readers see.
fn section_named(section: &Section) -> Option<Named<'_>> {
    Some((slug(&section.term), &*section.name)).filter(|(s, _)| !s.is_empty())
}

/// The slugs of a row's authors and section, each with the name it is written as.
fn facets_of<'r>(rows: &'r Rows, row: Filed<'r>) -> (Vec<Named<'r>>, Option<Named<'r>>) {
    let mut authors: Vec<Named> = row
        .authors()
        .into_iter()
        .flatten()
        .filter_map(named)
        .collect();
    authors.sort();
    authors.dedup_by(|a, b| a.0 == b.0);
    (authors, rows.section(&row).and_then(section_named))
}

/// What a check of the folder against the store found so far (see [`Store::differing`]).
#[derive(Debug, Default)]
pub struct Seen {
    /// By row number: whether the walk found the row's file.
    rows: Vec<bool>,
    rejected: BTreeSet<PathKey>,
    /// Files found as the store holds them.
    pub unchanged: usize,
}

/// Two files hold the same link; `winner` is served, `loser` is not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    pub link: String,
    pub winner: PathBuf,
    pub loser: PathBuf,
}

/// The feeds one listed row is in: its folder's (if any), its authors' and its section's.
struct Listing {
    folder: Option<String>,
    authors: Vec<(String, String)>,
    section: Option<(String, String)>,
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
        folder_in(self.root.as_deref(), path)
    }

    /// Room for `more` rows beyond those held (a restart knows how many it will file).
    pub fn reserve(&mut self, more: usize) {
        self.rows.reserve(more);
    }

    /// Puts the key parsed from `path` (read at `stamp`), replacing what that file held
    /// before. Reports a duplicate when another file already holds the same link.
    pub fn upsert(&mut self, path: &Path, key: Key, stamp: Stamp) -> Option<Duplicate> {
        self.remove(path);
        let unread = key.authors.is_none();
        let id = self.rows.insert(path, &key, stamp);
        if unread {
            self.unread_authors.insert(id);
        }
        let claims = self.rows.claims(id);
        let winner = self.relist(&claims)?;
        let loser = if winner == id {
            self.ranked(&claims).into_iter().rev().nth(1)
        } else {
            Some(id)
        };
        let path_of = |r: RowId| self.rows.path(r);
        loser.map(|loser| Duplicate {
            link: self.rows.get(id).id().to_string(),
            winner: path_of(winner),
            loser: path_of(loser),
        })
    }

    /// `claims` oldest first: the last wins.
    fn ranked(&self, claims: &[RowId]) -> Vec<RowId> {
        let mut ranked = claims.to_vec();
        ranked.sort_by_cached_key(|&r| claim(&self.rows, r));
        ranked
    }

    /// Makes the winner of `claims` (the rows holding one link) the one listed; returns it.
    /// Every claimant is taken out first, the winner too: whatever changed among them, the
    /// winner's feeds are noted as touched.
    fn relist(&mut self, claims: &[RowId]) -> Option<RowId> {
        let winner = self.ranked(claims).last().copied();
        for &row in claims {
            self.unlist(row);
        }
        if let Some(winner) = winner {
            self.list(winner);
        }
        winner
    }

    /// Records that `path` could not be used; whatever it held before is gone.
    pub fn reject(&mut self, path: &Path, reason: String) {
        self.remove(path);
        self.rejected.insert(key_of(path).into(), reason);
    }

    /// Forgets `path`: its entry and any rejection. True when it knew the path.
    pub fn remove(&mut self, path: &Path) -> bool {
        let was_rejected = self.rejected.remove(key_of(path)).is_some();
        let Some(id) = self.rows.find(path) else {
            return was_rejected;
        };
        self.unlist(id);
        self.unread_authors.remove(&id);
        let row = self.rows.get(id);
        let (hash, link) = (row.hash, row.id().to_string());
        self.rows.remove(id);
        let claims = self.rows.claims_of(hash, &link);
        self.relist(&claims);
        true
    }

    /// Forgets every path at or below `dir` (entries and rejections) that is not in
    /// `present`, what a walk of `dir` found. Marks rows by number rather than hashing every
    /// path: at 1,000,000 seeds a set of the walk's paths and a list of the store's were
    /// ~200 MB on top of the store at a restart.
    pub fn keep_only<'p>(&mut self, dir: &Path, present: impl Iterator<Item = &'p Path>) {
        let mut seen = Seen::default();
        for path in present {
            self.mark_seen(path, &mut seen);
        }
        for path in self.not_found(dir, &seen) {
            self.remove(&path);
        }
    }

    /// Notes in `seen` that a walk found `path`; its row, if it has one.
    fn mark_seen(&self, path: &Path, seen: &mut Seen) -> Option<RowId> {
        let Some(id) = self.rows.find(path) else {
            if self.rejected.contains_key(key_of(path)) {
                seen.rejected.insert(key_of(path).into());
            }
            return None;
        };
        if seen.rows.len() <= id as usize {
            seen.rows.resize(id as usize + 1, false);
        }
        seen.rows[id as usize] = true;
        Some(id)
    }

    /// What differs between the store and one slice of what a walk found (each file with
    /// its stamp, `None` if it was gone when looked at): the paths to read again — files
    /// whose stamp is not the one held, or that hold no entry. Notes in `seen` what was found
    /// (rows by number) and how many files are as held;
    /// [`Store::not_found`] then gives what the walk did not find.
    pub fn differing<'p>(
        &self,
        found: impl Iterator<Item = (&'p Path, &'p Option<Stamp>)>,
        seen: &mut Seen,
    ) -> Vec<PathBuf> {
        let mut differing = Vec::new();
        for (path, stamp) in found {
            let held = self
                .mark_seen(path, seen)
                .map(|id| self.rows.get(id).stamp());
            if stamp.is_some() && *stamp == held {
                seen.unchanged += 1;
            } else {
                differing.push(path.to_path_buf());
            }
        }
        differing
    }

    /// The entries and rejections at or below `dir` that a walk did not find (see
    /// [`Store::differing`]): gone, or made since the walk passed (a recheck tells which).
    pub fn not_found(&self, dir: &Path, seen: &Seen) -> Vec<PathBuf> {
        let unseen = |id: &RowId| !seen.rows.get(*id as usize).is_some_and(|&s| s);
        let mut paths: Vec<PathBuf> = self
            .rows
            .under(dir)
            .into_iter()
            .filter(unseen)
            .map(|id| self.rows.path(id))
            .collect();
        let rejected_gone = rejections_under(&self.rejected, dir)
            .filter(|key| !seen.rejected.contains(*key))
            .map(|key| path_of(key).to_path_buf());
        paths.extend(rejected_gone);
        paths
    }

    /// Every path the store knows (entries and rejections) at or below `dir`.
    pub fn paths_under(&self, dir: &Path) -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = self
            .rows
            .under(dir)
            .into_iter()
            .map(|id| self.rows.path(id))
            .chain(rejections_under(&self.rejected, dir).map(|key| path_of(key).to_path_buf()))
            .collect();
        paths.sort();
        paths.dedup();
        paths
    }

    /// The feeds row `id` is listed in.
    fn listing(&self, id: RowId) -> Listing {
        let (authors, section) = facets_of(&self.rows, self.rows.get(id));
        let owned = |(slug, name): Named<'_>| (slug, name.to_string());
        Listing {
            folder: self.folder_of(&self.rows.path(id)),
            authors: authors.into_iter().map(owned).collect(),
            section: section.map(owned),
        }
    }

    /// Puts row `id` in the feed orders (if it is not already).
    fn list(&mut self, id: RowId) {
        let row = self.rows.get(id);
        if row.listed() {
            return;
        }
        self.rows.set_listed(id, true);
        self.listed += 1;
        if self.deferred {
            self.note_deferred(id);
            return;
        }
        let listing = self.note_row(id);
        if let Some(gathered) = &mut self.gathered {
            gathered.listed(id);
            return;
        }
        let rows = &self.rows;
        self.order.insert(rows, id);
        let add = |facets: &mut BTreeMap<String, Facet>, slug: String, name: &str| {
            let facet = facets.entry(slug).or_insert_with(|| Facet {
                name: name.to_string(),
                order: Order::default(),
            });
            facet.order.insert(rows, id);
        };
        if let Some(folder) = &listing.folder {
            add(&mut self.folders, folder.clone(), folder);
        }
        for (slug, name) in listing.authors {
            add(&mut self.authors, slug, &name);
        }
        if let Some((slug, name)) = listing.section {
            add(&mut self.sections, slug, &name);
        }
    }

    /// Takes row `id` out of the feed orders (if it is listed).
    fn unlist(&mut self, id: RowId) {
        let row = self.rows.get(id);
        if !row.listed() {
            return;
        }
        self.rows.set_listed(id, false);
        self.listed -= 1;
        if self.deferred {
            self.note_deferred(id);
            return;
        }
        let listing = self.note_row(id);
        if let Some(gathered) = &mut self.gathered {
            gathered.unlisted(id, &listing);
            return;
        }
        let rows = &self.rows;
        self.order.remove(rows, id);
        let remove = |facets: &mut BTreeMap<String, Facet>, slug: &str| {
            if let Some(facet) = facets.get_mut(slug) {
                facet.order.remove(rows, id);
                if facet.order.is_empty() {
                    facets.remove(slug);
                }
            }
        };
        if let Some(folder) = &listing.folder {
            remove(&mut self.folders, folder);
        }
        for (slug, _) in &listing.authors {
            remove(&mut self.authors, slug);
        }
        if let Some((slug, _)) = &listing.section {
            remove(&mut self.sections, slug);
        }
    }

    /// Notes that row `id`'s entry went into or out of its feeds (see [`Store::note`]);
    /// returns those feeds.
    fn note_row(&mut self, id: RowId) -> Listing {
        let month = Month::of(self.rows.get(id).published());
        let listing = self.listing(id);
        self.note(month, &listing);
        listing
    }

    /// [`Store::note_row`] in a deferred batch: only the journal, if it is kept (the first
    /// scan keeps none, and working out a million rows' feeds was a tenth of a restart);
    /// [`Store::settle`] marks every feed touched.
    fn note_deferred(&mut self, id: RowId) {
        if self.journal.is_some() {
            self.note_row(id);
        }
    }

    /// Notes that an entry of `month` went into or out of the feeds of `listing` and the
    /// root's: their windows are taken again, and the journal names each (feed, month).
    fn note(&mut self, month: Month, listing: &Listing) {
        self.touched.root = true;
        if let Some(folder) = &listing.folder
            && !self.touched.folders.contains(folder)
        {
            self.touched.folders.insert(folder.clone());
        }
        let Some(journal) = &mut self.journal else {
            return;
        };
        journal.insert((Scope::All, month));
        if let Some(folder) = &listing.folder {
            journal.insert((Scope::Folder(folder.clone()), month));
        }
        for (slug, _) in &listing.authors {
            journal.insert((Scope::Author(slug.clone()), month));
        }
        if let Some((slug, _)) = &listing.section {
            journal.insert((Scope::Section(slug.clone()), month));
        }
    }

    /// From now until [`Store::settle`], rows are marked listed or not, and the orders are
    /// sorted once at the end: a big batch inserted into sorted arrays a row at a time would
    /// move most of each array for each row. Nothing may read the orders meanwhile.
    pub fn defer(&mut self) {
        self.deferred = true;
    }

    /// From now on, note every (feed, month) whose entries change (off during the first scan,
    /// when nothing has been rendered on request yet).
    pub fn keep_journal(&mut self) {
        self.journal.get_or_insert_default();
    }

    /// The (feed, month)s changed since the last call.
    pub fn take_journal(&mut self) -> Vec<(Scope, Month)> {
        self.journal
            .as_mut()
            .map(|journal| std::mem::take(journal).into_iter().collect())
            .unwrap_or_default()
    }

    /// The feeds whose windows may have changed since the last call (every feed, the first
    /// time: the store starts empty, and each entry listed touches its feeds).
    pub fn take_touched_feeds(&mut self) -> TouchedFeeds {
        std::mem::take(&mut self.touched)
    }

    /// Gives the file's key the authors a whole-body read found, if the file is still the
    /// version (`stamp`) that was read.
    pub fn set_authors(&mut self, path: &Path, stamp: Stamp, authors: Vec<String>) {
        self.set_authors_of(vec![(path.to_path_buf(), stamp, authors)]);
    }

    /// [`Store::set_authors`] for many files at once. Only the authors' orders change (the
    /// row keeps its place in the others), and each author's order takes its new rows in one
    /// merge: taking every row out of the million-long root order and putting it back moved
    /// megabytes a row, and the background read at 1,000,000 seeds never finished.
    pub fn set_authors_of(&mut self, read: Vec<(PathBuf, Stamp, Vec<String>)>) {
        // Bylines come between batches; should one come inside, the batch's rows go in first.
        if let Some(gathered) = self.gathered.take() {
            self.place_gathered(gathered);
        }
        let mut added: BTreeMap<String, (String, Vec<RowId>)> = BTreeMap::new();
        for (path, stamp, authors) in read {
            let Some(id) = self.rows.find(&path) else {
                continue;
            };
            let row = self.rows.get(id);
            if row.stamp() != stamp || row.authors().is_some() {
                continue;
            }
            self.rows.set_authors(id, &authors);
            self.unread_authors.remove(&id);
            let row = self.rows.get(id);
            if !row.listed() {
                continue;
            }
            let listing = self.note_row(id);
            if self.deferred {
                continue;
            }
            for (slug, name) in listing.authors {
                added
                    .entry(slug)
                    .or_insert_with(|| (name, Vec::new()))
                    .1
                    .push(id);
            }
        }
        for (slug, (name, ids)) in added {
            let facet = self.authors.entry(slug).or_insert_with(|| Facet {
                name,
                order: Order::default(),
            });
            facet.order.merge(&self.rows, ids);
        }
    }

    /// Compacts up to `chunks` MiB of the rows' strings where some are dead (a background
    /// read of authors replaced most of them); returns whether there is more to do.
    pub fn tidy(&mut self, chunks: usize) -> bool {
        self.rows.tidy_texts(chunks)
    }

    /// Up to `count` files whose authors are not read yet, with the stamp they were indexed at.
    pub fn seeds_without_authors(&self, count: usize) -> Vec<(PathBuf, Stamp)> {
        self.unread_authors
            .iter()
            .take(count)
            .map(|&id| (self.rows.path(id), self.rows.get(id).stamp()))
            .collect()
    }

    /// How many files' authors are still to be read: while any are, an author's feed may
    /// still be missing entries.
    pub fn authors_unread(&self) -> usize {
        self.unread_authors.len()
    }

    /// The `count` authors or sections with the most entries, busiest first (then by slug).
    pub fn top(&self, kind: FacetKind, count: usize) -> Vec<(&str, &Facet)> {
        let mut all: Vec<(&str, &Facet)> = self
            .facets(kind)
            .iter()
            .map(|(slug, facet)| (slug.as_str(), facet))
            .collect();
        let busiest_first =
            |a: &(&str, &Facet), b: &(&str, &Facet)| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0));
        // Every change renders the root's page with this: O(n), not a sort of every author.
        if count < all.len() {
            all.select_nth_unstable_by(count, busiest_first);
            all.truncate(count);
        }
        all.sort_by(busiest_first);
        all
    }

    fn facets(&self, kind: FacetKind) -> &BTreeMap<String, Facet> {
        match kind {
            FacetKind::Author => &self.authors,
            FacetKind::Section => &self.sections,
        }
    }

    /// The author or section `scope` names, if it has entries.
    pub fn facet(&self, scope: &Scope) -> Option<&Facet> {
        match scope {
            Scope::Author(slug) => self.authors.get(slug),
            Scope::Section(slug) => self.sections.get(slug),
            _ => None,
        }
    }

    /// `scope`'s feed order, if it has one.
    fn order_of(&self, scope: &Scope) -> Option<&Order> {
        match scope {
            Scope::All => Some(&self.order),
            Scope::Folder(folder) => self.folders.get(folder).map(|f| &f.order),
            Scope::Author(_) | Scope::Section(_) => self.facet(scope).map(|f| &f.order),
        }
    }

    /// Whether the part of `key` that `part` picks (a hash; 0: none) is the site's rather
    /// than the article's: at least [`SITE_SEEN`] of the [`SITE_LOOKBACK`] entries published
    /// before it in its folder (the root's order for a seed directly in the seeds folder) have
    /// the same. Judged against older entries only, so a newer seed never changes what an
    /// older entry shows; the first few entries of a graphic keep it.
    fn recurs_before(&self, path: &Path, key: &Key, part: fn(&SiteParts) -> u32) -> bool {
        let mine = part(&key.site);
        if mine == 0 {
            return false;
        }
        let scope = self.folder_of(path).map_or(Scope::All, Scope::Folder);
        let Some(order) = self.order_of(&scope) else {
            return false;
        };
        let place = Place {
            published: key.published,
            id: &key.id,
        };
        let seen = order
            .from(&self.rows, place, false)
            .take(SITE_LOOKBACK)
            .filter(|&id| part(&self.rows.get(id).site()) == mine)
            .count();
        seen >= SITE_SEEN
    }

    /// `entry` as it is taken to be shown: whether its lead image and its closing paragraph
    /// are the site's, judged.
    pub fn seed(&self, entry: Entry<'_>) -> Seed {
        let (path, mut key) = (entry.path(), entry.key());
        key.site = SiteParts {
            image_is_site: self.recurs_before(&path, &key, |s| s.lead_image),
            closing_is_site: self.recurs_before(&path, &key, |s| s.closing),
            ..key.site
        };
        (path, key, entry.stamp())
    }

    /// Row `id` as callers see an entry.
    fn entry(&self, id: RowId) -> Entry<'_> {
        Entry {
            rows: &self.rows,
            id,
        }
    }

    /// `scope`'s entries in feed order, newest first, published before `before` if given.
    pub fn newest_of<'s>(
        &'s self,
        scope: &Scope,
        before: Option<DateTime<Utc>>,
    ) -> impl Iterator<Item = Entry<'s>> + 's {
        let listed = self
            .order_of(scope)
            .map(|order| order.before(&self.rows, before));
        listed.into_iter().flatten().map(|id| self.entry(id))
    }

    /// `scope`'s entries in feed order after the one `cursor` names (whether or not it is
    /// still there): a long walk taken up again after the store changed.
    pub fn newest_after<'s>(
        &'s self,
        scope: &Scope,
        cursor: &Cursor,
    ) -> impl Iterator<Item = Entry<'s>> + 's {
        let after = self
            .order_of(scope)
            .map(|order| order.from(&self.rows, cursor.place(), false));
        after.into_iter().flatten().map(|id| self.entry(id))
    }

    /// `scope`'s entries published in `month`, newest first.
    pub fn in_month<'s>(
        &'s self,
        scope: &Scope,
        month: Month,
    ) -> impl Iterator<Item = Entry<'s>> + 's {
        let start = month.start();
        self.newest_of(scope, month.end())
            .take_while(move |entry| start.is_some_and(|s| entry.published() >= s))
    }

    /// The served entry whose id has this [`entry_hash`](crate::urls::entry_hash).
    pub fn entry_by_hash(&self, hash: u64) -> Option<Entry<'_>> {
        self.rows
            .claims_by_hash(hash)
            .into_iter()
            .find(|&id| self.rows.get(id).listed())
            .map(|id| self.entry(id))
    }

    /// The months in which `scope` has entries, newest first: one search per month.
    pub fn months(&self, scope: &Scope) -> Vec<Month> {
        let mut months = Vec::new();
        let Some(order) = self.order_of(scope) else {
            return months;
        };
        let mut before = None;
        while let Some(id) = order.before(&self.rows, before).next() {
            let month = Month::of(self.rows.get(id).published());
            months.push(month);
            before = month.start();
            if before.is_none() {
                break;
            }
        }
        months
    }

    /// The top-level folders that hold at least one served entry, in name order.
    pub fn folders(&self) -> impl Iterator<Item = &str> {
        self.folders.keys().map(String::as_str)
    }

    /// Every seed that holds an entry (duplicates included).
    pub fn all(&self) -> impl ExactSizeIterator<Item = Entry<'_>> {
        let len = self.rows.len();
        Counted {
            rows: self.rows.iter().map(|(id, _)| self.entry(id)),
            left: len,
        }
    }

    /// Entries served (duplicates counted once).
    pub fn len(&self) -> usize {
        self.listed
    }

    pub fn is_empty(&self) -> bool {
        self.listed == 0
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

/// An entry the store holds, read in place: what ordering and filtering need borrowed,
/// the path and the whole key made on request.
#[derive(Clone, Copy)]
pub struct Entry<'s> {
    rows: &'s Rows,
    id: RowId,
}

impl<'s> Entry<'s> {
    fn row(&self) -> Filed<'s> {
        self.rows.get(self.id)
    }

    pub fn path(&self) -> PathBuf {
        self.rows.path(self.id)
    }

    pub fn stamp(&self) -> Stamp {
        self.row().stamp()
    }

    pub fn id(&self) -> Link<'s> {
        self.row().id()
    }

    pub fn title(&self) -> &'s str {
        self.row().title()
    }

    pub fn published(&self) -> DateTime<Utc> {
        self.row().published()
    }

    pub fn section(&self) -> Option<&'s Section> {
        self.rows.section(&self.row())
    }

    /// The authors, or `None` while they are unread (see [`Key::authors`]).
    pub fn authors(&self) -> Option<impl Iterator<Item = &'s str> + Clone> {
        self.row().authors()
    }

    /// The whole key.
    pub fn key(&self) -> Key {
        self.rows.key(self.id)
    }
}

/// An iterator that knows how many items it has left.
struct Counted<I> {
    rows: I,
    left: usize,
}

impl<I: Iterator> Iterator for Counted<I> {
    type Item = I::Item;

    fn next(&mut self) -> Option<I::Item> {
        let next = self.rows.next()?;
        self.left -= 1;
        Some(next)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<I: Iterator> ExactSizeIterator for Counted<I> {}

/// The top-level folder of `root` that `path` lies in (see [`Store::folder_of`]).
fn folder_in(root: Option<&Path>, path: &Path) -> Option<String> {
    let relative = path.strip_prefix(root?).ok()?;
    let mut components = relative.components();
    let first = components.next()?;
    components.next()?;
    first.as_os_str().to_str().map(str::to_string)
}

/// Authors or sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FacetKind {
    Author,
    Section,
}

/// The rejected paths at or below `dir` (one range in byte order).
fn rejections_under<'a>(
    map: &'a BTreeMap<PathKey, String>,
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

#[cfg(test)]
mod tests;

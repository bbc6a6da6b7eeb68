//! The index of all seeds: for each file the [`Key`] of its entry (id and dates) and the stamp
//! it was read at; which file wins a shared link; the feed order. Whole entries are not kept
//! here — only the few in the documents are (see `index/`), so memory does not grow with the
//! bodies. No I/O, no locks: one writer owns it.

use chrono::{DateTime, Utc};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ffi::OsStr;
use std::ops::Bound;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::scope::{Month, Scope, slug};
use crate::seed::{Key, Section, SiteParts};
use crate::seedfs::Stamp;
use crate::urls::entry_hash;

/// Feed order: newest `published` first, ties by id.
/// The id is the key's own `Arc`: the copies in every order share one string.
type OrderKey = (Reverse<DateTime<Utc>>, Arc<str>);

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

/// Files claiming one link, oldest first by (fetch time, file mtime, path): the last one, the
/// newest fetch, wins. A seed that states no fetch time loses to one that does. The mtime
/// alone cannot decide: after a `git clone` or a copy every file has the same one.
type Claim = (Option<DateTime<Utc>>, DateTime<Utc>, PathBuf);

/// A sorted `Vec`, not a `BTreeSet`: almost every link has one claim, and a B-tree's first
/// node holds room for eleven (~650 bytes per link, 65 MB at 100,000 seeds).
#[derive(Debug, Default)]
struct Claims(Vec<Claim>);

impl Claims {
    fn insert(&mut self, claim: Claim) {
        if let Err(at) = self.0.binary_search(&claim) {
            self.0.insert(at, claim);
        }
    }

    fn remove(&mut self, claim: &Claim) {
        if let Ok(at) = self.0.binary_search(claim) {
            self.0.remove(at);
        }
    }

    fn last(&self) -> Option<&Claim> {
        self.0.last()
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn iter(&self) -> std::slice::Iter<'_, Claim> {
        self.0.iter()
    }
}

impl<'a> IntoIterator for &'a Claims {
    type Item = &'a Claim;
    type IntoIter = std::slice::Iter<'a, Claim>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

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
    claims: HashMap<Arc<str>, Claims>,
    order: BTreeMap<OrderKey, PathBuf>,
    /// The feed order of each top-level folder's served entries (those whose winning file
    /// lies in it), when the store knows the seeds folder.
    /// Only the order keys: the path is the global order's (one copy per entry, not two).
    folders: BTreeMap<String, Facet>,
    root: Option<PathBuf>,
    rejected: BTreeMap<PathKey, String>,
    /// The served entries of each author and each section, by slug.
    authors: BTreeMap<String, Facet>,
    sections: BTreeMap<String, Facet>,
    /// Files whose key does not hold its authors yet (see [`Key::authors`]).
    unread_authors: BTreeSet<PathKey>,
    /// When each served entry was published, by [`entry_hash`] of its id: its page's lookup.
    by_hash: HashMap<u64, DateTime<Utc>>,
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

/// An author or a section: the name its first entry writes, and its entries' feed order.
/// Where a walk of a feed order stopped: the entry it looked at last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor(OrderKey);

impl Cursor {
    /// Just after the entry of `key`, in feed order.
    pub fn after(key: &Key) -> Cursor {
        Cursor(order_key(key))
    }
}

#[derive(Debug, Default)]
pub struct Facet {
    pub name: String,
    order: BTreeSet<OrderKey>,
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

/// The slugs of an entry's authors and section, each with the name it is written as.
fn facets_of(key: &Key) -> (Vec<Named<'_>>, Option<Named<'_>>) {
    let mut authors: Vec<Named> = key
        .authors
        .iter()
        .flat_map(|a| a.iter())
        .filter_map(|a| named(a))
        .collect();
    authors.sort();
    authors.dedup_by(|a, b| a.0 == b.0);
    (authors, key.section.as_ref().and_then(section_named))
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
        folder_in(self.root.as_deref(), path)
    }

    /// Puts the key parsed from `path` (read at `stamp`), replacing what that file held
    /// before. Reports a duplicate when another file already holds the same link.
    pub fn upsert(&mut self, path: &Path, key: Key, stamp: Stamp) -> Option<Duplicate> {
        self.remove(path);
        let link = key.id.clone();
        if key.authors.is_none() {
            self.unread_authors.insert(key_of(path).into());
        }
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
            link: link.to_string(),
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
        self.unread_authors.remove(key_of(path));
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
            let folder = self.folder_of(&winner);
            let facets = facets_of(&stored.key);
            let changed = (&mut self.journal, &mut self.touched);
            note(changed, &stored.key, folder.as_deref(), &facets);
            let (authors, section) = facets;
            if let Some(folder) = folder {
                add_to(&mut self.folders, folder.clone(), &folder, &order);
            }
            for (slug, name) in authors {
                add_to(&mut self.authors, slug, name, &order);
            }
            if let Some((slug, name)) = section {
                add_to(&mut self.sections, slug, name, &order);
            }
            self.by_hash
                .insert(entry_hash(&stored.key.id), stored.key.published);
            self.order.insert(order, winner);
        }
    }

    /// Takes the entry `key` read from `path` out of the feed orders, if it is listed there.
    /// What is listed under its order key may be another file's version of the link (the
    /// winner): that one's key and folder say where it is listed, as they did when it went in.
    fn unorder(&mut self, key: &Key, path: &Path) {
        let order = order_key(key);
        // Not listed (a new seed, a losing duplicate): nothing else to look up.
        let Some(listed_path) = self.order.remove(&order) else {
            return;
        };
        let listed = match self.files.get(key_of(&listed_path)) {
            Some(stored) if listed_path != path => stored.key.clone(),
            _ => key.clone(),
        };
        self.by_hash.remove(&entry_hash(&listed.id));
        let folder = self.folder_of(&listed_path);
        let facets = facets_of(&listed);
        note(
            (&mut self.journal, &mut self.touched),
            &listed,
            folder.as_deref(),
            &facets,
        );
        if let Some(folder) = &folder {
            remove_from(&mut self.folders, folder, &order);
        }
        let (authors, section) = facets;
        for (slug, _) in authors {
            remove_from(&mut self.authors, &slug, &order);
        }
        if let Some((slug, _)) = section {
            remove_from(&mut self.sections, &slug, &order);
        }
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
        let Some(stored) = self.files.get(key_of(path)) else {
            return;
        };
        if stored.stamp != stamp || stored.key.authors.is_some() {
            return;
        }
        let key = stored.key.clone();
        self.unorder(&key, path);
        if let Some(stored) = self.files.get_mut(key_of(path)) {
            stored.key.authors = Some(authors.into());
        }
        self.unread_authors.remove(key_of(path));
        self.reorder(&key.id);
    }

    /// Up to `count` files whose authors are not read yet, with the stamp they were indexed at.
    pub fn seeds_without_authors(&self, count: usize) -> Vec<(PathBuf, Stamp)> {
        self.unread_authors
            .iter()
            .take(count)
            .filter_map(|key| {
                let stored = self.files.get(key)?;
                Some((path_of(key).to_path_buf(), stored.stamp))
            })
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

    /// The feed order of `scope`'s entries from `from` on (the newest when `None`), newest
    /// first: only entries published before `from`.
    fn order_of<'s>(
        &'s self,
        scope: &Scope,
        from: Option<DateTime<Utc>>,
    ) -> Box<dyn Iterator<Item = &'s OrderKey> + 's> {
        let start = from.map(|at| (Reverse(at), Arc::<str>::from("")));
        let lower = match &start {
            Some(start) => Bound::Included(start),
            None => Bound::Unbounded,
        };
        let orders = self.orders_from(scope, lower);
        Box::new(orders.skip_while(move |k| from.is_some_and(|at| k.0.0 >= at)))
    }

    /// `scope`'s feed order from `lower` on.
    fn orders_from<'s>(
        &'s self,
        scope: &Scope,
        lower: Bound<&OrderKey>,
    ) -> Box<dyn Iterator<Item = &'s OrderKey> + 's> {
        let listed = match scope {
            Scope::All => {
                return Box::new(self.order.range((lower, Bound::Unbounded)).map(|(k, _)| k));
            }
            Scope::Folder(folder) => self.folders.get(folder),
            Scope::Author(_) | Scope::Section(_) => self.facet(scope),
        };
        match listed {
            Some(facet) => Box::new(facet.order.range((lower, Bound::Unbounded))),
            None => Box::new(std::iter::empty()),
        }
    }

    /// Whether the part of `key` that `part` picks (a hash; 0: none) is the site's rather
    /// than the article's: at least [`SITE_SEEN`] of the [`SITE_LOOKBACK`] entries published
    /// before it in its folder (the root's order for a seed directly in the seeds folder) have
    /// the same. Judged against older entries only, so a newer seed never changes what an
    /// older entry shows; the first few entries of a graphic keep it.
    fn recurs_before(&self, path: &Path, key: &Key, part: fn(&SiteParts) -> u64) -> bool {
        let mine = part(&key.site);
        if mine == 0 {
            return false;
        }
        let scope = self.folder_of(path).map_or(Scope::All, Scope::Folder);
        let seen = self
            .orders_from(&scope, Bound::Excluded(&order_key(key)))
            .take(SITE_LOOKBACK)
            .filter_map(|order| self.entry_at(order))
            .filter(|(_, older, _)| part(&older.site) == mine)
            .count();
        seen >= SITE_SEEN
    }

    /// The seed at `path` as it is taken to be shown: whether its lead image and its closing
    /// paragraph are the site's, judged.
    pub fn seed(&self, path: &Path, key: &Key, stamp: Stamp) -> Seed {
        let site = SiteParts {
            image_is_site: self.recurs_before(path, key, |s| s.lead_image),
            closing_is_site: self.recurs_before(path, key, |s| s.closing),
            ..key.site
        };
        (
            path.to_path_buf(),
            Key {
                site,
                ..key.clone()
            },
            stamp,
        )
    }

    /// The entry an order key names.
    fn entry_at(&self, order: &OrderKey) -> Option<(&Path, &Key, Stamp)> {
        let path = self.order.get(order)?;
        let stored = self.files.get(key_of(path))?;
        Some((path.as_path(), &stored.key, stored.stamp))
    }

    /// `scope`'s entries in feed order, newest first, published before `before` if given.
    pub fn newest_of<'s>(
        &'s self,
        scope: &Scope,
        before: Option<DateTime<Utc>>,
    ) -> impl Iterator<Item = (&'s Path, &'s Key, Stamp)> + 's {
        self.order_of(scope, before)
            .filter_map(|order| self.entry_at(order))
    }

    /// `scope`'s entries in feed order after the one `cursor` names (whether or not it is
    /// still there): a long walk taken up again after the store changed.
    pub fn newest_after<'s>(
        &'s self,
        scope: &Scope,
        cursor: &Cursor,
    ) -> impl Iterator<Item = (&'s Path, &'s Key, Stamp)> + 's {
        self.orders_from(scope, Bound::Excluded(&cursor.0))
            .filter_map(|order| self.entry_at(order))
    }

    /// `scope`'s entries published in `month`, newest first.
    pub fn in_month<'s>(
        &'s self,
        scope: &Scope,
        month: Month,
    ) -> impl Iterator<Item = (&'s Path, &'s Key, Stamp)> + 's {
        let start = month.start();
        self.newest_of(scope, month.end())
            .take_while(move |(_, key, _)| start.is_some_and(|s| key.published >= s))
    }

    /// The served entry whose id has this [`entry_hash`]: one hash lookup and one range.
    pub fn entry_by_hash(&self, hash: u64) -> Option<(&Path, &Key, Stamp)> {
        let published = *self.by_hash.get(&hash)?;
        let at = (Reverse(published), Arc::<str>::from(""));
        self.order
            .range(at..)
            .take_while(|(order, _)| order.0.0 == published)
            .map(|(_, path)| path)
            .filter_map(|path| {
                let stored = self.files.get(key_of(path))?;
                Some((path.as_path(), &stored.key, stored.stamp))
            })
            .find(|(_, key, _)| entry_hash(&key.id) == hash)
    }

    /// The months in which `scope` has entries, newest first: one range lookup per month.
    pub fn months(&self, scope: &Scope) -> Vec<Month> {
        let mut months = Vec::new();
        let mut before = None;
        while let Some(order) = self.order_of(scope, before).next() {
            let month = Month::of(order.0.0);
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

/// The top-level folder of `root` that `path` lies in (see [`Store::folder_of`]).
fn folder_in(root: Option<&Path>, path: &Path) -> Option<String> {
    let relative = path.strip_prefix(root?).ok()?;
    let mut components = relative.components();
    let first = components.next()?;
    components.next()?;
    first.as_os_str().to_str().map(str::to_string)
}

/// The record of what changed in the feeds: the journal (when kept) and the touched feeds.
type Changed<'s> = (
    &'s mut Option<BTreeSet<(Scope, Month)>>,
    &'s mut TouchedFeeds,
);

/// Notes that the entry `key` went into or out of the feeds it is listed in: the root's,
/// `folder`'s, and those of its `facets` (authors, section). Their windows are taken again,
/// and the journal names each (feed, month).
fn note(
    (journal, touched): Changed<'_>,
    key: &Key,
    folder: Option<&str>,
    (authors, section): &(Vec<Named<'_>>, Option<Named<'_>>),
) {
    touched.root = true;
    if let Some(folder) = folder
        && !touched.folders.contains(folder)
    {
        touched.folders.insert(folder.to_string());
    }
    let Some(journal) = journal else {
        return;
    };
    let month = Month::of(key.published);
    journal.insert((Scope::All, month));
    if let Some(folder) = folder {
        journal.insert((Scope::Folder(folder.to_string()), month));
    }
    for (slug, _) in authors {
        journal.insert((Scope::Author(slug.clone()), month));
    }
    if let Some((slug, _)) = section {
        journal.insert((Scope::Section(slug.clone()), month));
    }
}

/// Authors or sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FacetKind {
    Author,
    Section,
}

fn add_to(facets: &mut BTreeMap<String, Facet>, slug: String, name: &str, order: &OrderKey) {
    let facet = facets.entry(slug).or_insert_with(|| Facet {
        name: name.to_string(),
        order: BTreeSet::new(),
    });
    facet.order.insert(order.clone());
}

fn remove_from(facets: &mut BTreeMap<String, Facet>, slug: &str, order: &OrderKey) {
    if let Some(facet) = facets.get_mut(slug) {
        facet.order.remove(order);
        if facet.order.is_empty() {
            facets.remove(slug);
        }
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
            title: format!("title of {link}").into(),
            section: None,
            authors: Some(Arc::from(Vec::new())),
            site: SiteParts::default(),
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
        store
            .newest_of(&Scope::All, None)
            .map(|(_, k, _)| k.id.to_string())
            .collect()
    }

    fn newest_published(store: &Store) -> DateTime<Utc> {
        store
            .newest_of(&Scope::All, None)
            .next()
            .unwrap()
            .1
            .published
    }

    fn links_in(store: &Store, folder: &str) -> Vec<String> {
        store
            .newest_of(&Scope::Folder(folder.into()), None)
            .map(|(_, k, _)| k.id.to_string())
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

    fn by(link: &str, hour: i64, authors: Option<&[&str]>, section: Option<&str>) -> Key {
        Key {
            authors: authors.map(|a| a.iter().map(|s| s.to_string()).collect()),
            section: section.map(|term| Section::named(term.into(), None)),
            ..entry(link, hour)
        }
    }

    fn scope_links(store: &Store, scope: &Scope) -> Vec<String> {
        store
            .newest_of(scope, None)
            .map(|(_, k, _)| k.id.to_string())
            .collect()
    }

    #[test]
    fn authors_and_sections_hold_the_entries_they_win_and_go_with_the_last() {
        let mut store = Store::with_folders(Path::new("/s"));
        let amy = Scope::Author("amy-qin".into());
        let world = Scope::Section("world".into());
        store.upsert(
            Path::new("/s/a/1"),
            by("x1", 1, Some(&["Amy Qin", "Li Yuan"]), Some("World")),
            stamp(at(1)),
        );
        store.upsert(
            Path::new("/s/a/2"),
            by("x2", 2, Some(&["AMY QIN"]), None),
            stamp(at(2)),
        );
        // Authors not read yet: in no author's feed, and counted as unread.
        store.upsert(Path::new("/s/a/3"), by("x3", 3, None, None), stamp(at(3)));
        assert_eq!(scope_links(&store, &amy), ["x2", "x1"]);
        assert_eq!(store.facet(&amy).unwrap().name, "Amy Qin");
        assert!(!store.facet(&amy).unwrap().is_empty());
        assert!(Facet::default().is_empty());
        assert_eq!(scope_links(&store, &world), ["x1"]);
        // Each author of an entry written by two has it.
        assert_eq!(
            scope_links(&store, &Scope::Author("li-yuan".into())),
            ["x1"]
        );
        assert_eq!(store.authors_unread(), 1);
        assert_eq!(
            store.seeds_without_authors(10),
            [(PathBuf::from("/s/a/3"), stamp(at(3)))]
        );
        // A read for an older version of the file is not taken.
        store.set_authors(Path::new("/s/a/3"), stamp(at(9)), vec!["Amy Qin".into()]);
        assert_eq!(store.authors_unread(), 1);
        store.set_authors(Path::new("/s/a/3"), stamp(at(3)), vec!["Amy Qin".into()]);
        assert_eq!(store.authors_unread(), 0);
        assert_eq!(scope_links(&store, &amy), ["x3", "x2", "x1"]);
        let top = store.top(FacetKind::Author, 1);
        assert_eq!(top.len(), 1);
        assert_eq!((top[0].0, top[0].1.len()), ("amy-qin", 3));
        // A duplicate that loses is in no feed; the winner moves the entry.
        store.upsert(
            Path::new("/s/b/1"),
            Key {
                fetched: Some(at(50)),
                ..by("x1", 1, Some(&["Li Yuan"]), None)
            },
            stamp(at(50)),
        );
        assert_eq!(scope_links(&store, &amy), ["x3", "x2"]);
        assert_eq!(scope_links(&store, &world), Vec::<String>::new());
        assert!(store.facet(&world).is_none(), "an empty section is gone");
        for path in ["/s/a/2", "/s/a/3"] {
            store.remove(Path::new(path));
        }
        assert!(store.facet(&amy).is_none());
        assert_eq!(
            scope_links(&store, &Scope::Author("li-yuan".into())),
            ["x1"]
        );
    }

    #[test]
    fn months_and_their_entries_come_from_range_lookups() {
        let mut store = Store::with_folders(Path::new("/s"));
        let day = |d: i64| d * 24;
        // 2020-01-31, 2020-02-01 00:00, 2020-03-15, and 1970 for the edge of time.
        for (name, hour) in [
            ("a", day(18_292)),
            ("b", day(18_293)),
            ("c", day(18_336)),
            ("d", 0),
        ] {
            store.upsert(
                Path::new(&format!("/s/f/{name}")),
                entry(name, hour),
                stamp(at(hour)),
            );
        }
        let folder = Scope::Folder("f".into());
        let months: Vec<String> = store
            .months(&folder)
            .iter()
            .map(|m| m.to_string())
            .collect();
        assert_eq!(months, ["2020-03", "2020-02", "2020-01", "1970-01"]);
        let feb = Month::parse("2020-02").unwrap();
        let in_feb: Vec<String> = store
            .in_month(&folder, feb)
            .map(|(_, k, _)| k.id.to_string())
            .collect();
        assert_eq!(in_feb, ["b"], "the first instant of a month is in it");
        let jan = Month::parse("2020-01").unwrap();
        let in_jan: Vec<String> = store
            .in_month(&Scope::All, jan)
            .map(|(_, k, _)| k.id.to_string())
            .collect();
        assert_eq!(in_jan, ["a"]);
        assert_eq!(
            store.months(&Scope::Folder("none".into())),
            Vec::<Month>::new()
        );
        let before_feb: Vec<String> = store
            .newest_of(&folder, feb.start())
            .map(|(_, k, _)| k.id.to_string())
            .collect();
        assert_eq!(before_feb, ["a", "d"]);
    }

    #[test]
    fn an_entry_is_found_by_its_hash_while_it_is_served() {
        let mut store = Store::with_folders(Path::new("/s"));
        store.upsert(Path::new("/s/f/a"), entry("https://x/a", 5), stamp(at(5)));
        store.upsert(Path::new("/s/f/b"), entry("https://x/b", 5), stamp(at(5)));
        let hash = entry_hash("https://x/b");
        assert_eq!(&*store.entry_by_hash(hash).unwrap().1.id, "https://x/b");
        assert!(store.entry_by_hash(hash ^ 1).is_none());
        store.remove(Path::new("/s/f/b"));
        assert!(store.entry_by_hash(hash).is_none());
    }

    #[test]
    fn the_journal_names_each_feed_and_month_a_change_touched_once_it_is_kept() {
        let mut store = Store::with_folders(Path::new("/s"));
        store.upsert(
            Path::new("/s/f/a"),
            by("a", 5, Some(&["Amy"]), Some("world")),
            stamp(at(5)),
        );
        assert!(store.take_journal().is_empty(), "off until asked for");
        store.keep_journal();
        store.remove(Path::new("/s/f/a"));
        let month = Month::of(at(5));
        let touched: Vec<(Scope, Month)> = store.take_journal();
        assert_eq!(
            touched,
            [
                (Scope::All, month),
                (Scope::Folder("f".into()), month),
                (Scope::Author("amy".into()), month),
                (Scope::Section("world".into()), month),
            ]
        );
        assert!(store.take_journal().is_empty());
    }

    #[test]
    fn every_change_to_what_a_feed_lists_touches_that_feed_and_the_root() {
        let mut store = Store::with_folders(Path::new("/s"));
        let touched = |store: &mut Store, root: bool, folders: &[&str]| {
            let expected = TouchedFeeds {
                root,
                folders: folders.iter().map(|f| f.to_string()).collect(),
            };
            assert_eq!(store.take_touched_feeds(), expected);
        };
        store.upsert(Path::new("/s/f/a"), entry("https://x/a", 5), stamp(at(5)));
        let unread = by("https://x/b", 6, None, None);
        store.upsert(Path::new("/s/g/b"), unread, stamp(at(6)));
        touched(&mut store, true, &["f", "g"]);
        touched(&mut store, false, &[]);
        // A seed straight in the seeds folder is the root's only.
        store.upsert(Path::new("/s/top"), entry("https://x/t", 7), stamp(at(7)));
        touched(&mut store, true, &[]);
        // A new version of a listed seed, even with the same key.
        store.upsert(Path::new("/s/f/a"), entry("https://x/a", 5), stamp(at(8)));
        touched(&mut store, true, &["f"]);
        // A duplicate that loses, then wins by a later fetch: the winner's folder both times.
        store.upsert(Path::new("/s/g/a"), entry("https://x/a", 5), stamp(at(1)));
        touched(&mut store, true, &["f"]);
        let mut newer = entry("https://x/a", 5);
        newer.fetched = Some(at(9));
        store.upsert(Path::new("/s/g/a"), newer, stamp(at(9)));
        touched(&mut store, true, &["f", "g"]);
        // Authors read later change the listed key.
        store.set_authors(Path::new("/s/g/b"), stamp(at(6)), vec!["Amy".into()]);
        touched(&mut store, true, &["g"]);
        store.remove(Path::new("/s/g/b"));
        touched(&mut store, true, &["g"]);
        // Something that lists nothing touches nothing.
        store.reject(Path::new("/s/f/bad"), "bad".into());
        store.remove(Path::new("/s/nothing"));
        touched(&mut store, false, &[]);
    }

    /// An image leading 5 of the 20 entries published before one in its folder is the site's
    /// for that entry; older entries are never judged by newer ones; folders apart.
    #[test]
    fn a_lead_image_seen_before_in_its_folder_is_the_site_s() {
        let mut store = Store::with_folders(Path::new("/s"));
        let graphic = 42;
        let put = |store: &mut Store, name: &str, hour: i64, lead: u64| {
            let key = Key {
                site: SiteParts {
                    lead_image: lead,
                    closing: 7,
                    ..SiteParts::default()
                },
                ..entry(&format!("https://x.example/{name}"), hour)
            };
            let path = PathBuf::from(format!("/s/{name}"));
            store.upsert(&path, key.clone(), stamp(at(hour)));
            (path, key)
        };
        // the site graphic leads every other entry of folder a, and one entry of folder b
        let mut a = Vec::new();
        for hour in 0..16 {
            let lead = if hour % 2 == 0 {
                graphic
            } else {
                100 + hour as u64
            };
            a.push(put(&mut store, &format!("a/{hour}"), hour, lead));
        }
        let b = put(&mut store, "b/0", 20, graphic);
        let judged = |store: &Store, (path, key): &(PathBuf, Key)| {
            store.seed(path, key, stamp(at(0))).1.site.image_is_site
        };
        let verdicts: Vec<bool> = a.iter().map(|seed| judged(&store, seed)).collect();
        // entries 0, 2, 4, 6, 8 have 0..4 graphics before them; 10, 12, 14 have 5, 6, 7
        let want: Vec<bool> = (0..16).map(|h| h % 2 == 0 && h >= 10).collect();
        assert_eq!(verdicts, want);
        assert!(!judged(&store, &b), "another folder's count");
        // a newer seed changes no older verdict
        put(&mut store, "a/99", 99, graphic);
        let again: Vec<bool> = a.iter().map(|seed| judged(&store, seed)).collect();
        assert_eq!(again, want);
        let (path, key) = &a[10];
        let site = store.seed(path, key, stamp(at(10))).1.site;
        assert!(site.image_is_site && site.closing_is_site, "{site:?}");
        let (path, key) = &a[4];
        let site = store.seed(path, key, stamp(at(4))).1.site;
        assert!(
            !site.image_is_site && !site.closing_is_site,
            "4 before: {site:?}"
        );
    }
}

//! Every feed order made at once after a big batch (see [`Store::defer`]): the listed rows
//! are sorted into feed order once, each given its rank there; then, walking the rows by
//! number (the order they sit in memory), each is dealt to its folder's, authors' and
//! section's orders, which are sorted by rank alone. Sorting each of those orders apart by
//! dates and ids, after working out every row's folder from its path and its slugs from its
//! names, took 16 s of a restart at 1,000,000 seeds; dealing rows in feed order, a cache miss
//! a row, still 4 s.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::order::Order;
#[cfg(doc)]
use super::order::rows_compared;
use super::rows::{RowId, Rows};
use super::{Facet, Store, folder_in, named, section_named};

/// The feeds of one kind (folders, authors or sections) a settle deals rows out to.
#[derive(Default)]
struct Groups<'r> {
    by_slug: HashMap<String, usize>,
    groups: Vec<Group<'r>>,
}

struct Group<'r> {
    slug: String,
    /// The name its first row (the lowest number: the first the batch filed) writes it as;
    /// none for a folder, whose name is its slug.
    name: Option<&'r str>,
    rows: Vec<RowId>,
}

impl<'r> Groups<'r> {
    /// The group of `slug`, made if new.
    fn of(&mut self, slug: String) -> usize {
        if let Some(&at) = self.by_slug.get(&slug) {
            return at;
        }
        self.groups.push(Group {
            slug: slug.clone(),
            name: None,
            rows: Vec::new(),
        });
        self.by_slug.insert(slug, self.groups.len() - 1);
        self.groups.len() - 1
    }

    /// Adds `row` (rows come by number) to group `at`, written `name` there.
    fn add(&mut self, at: usize, name: &'r str, row: RowId) {
        let group = &mut self.groups[at];
        group.name.get_or_insert(name);
        group.rows.push(row);
    }

    /// The facets, each keeping the name it had in `old` (a new one its first row's), their
    /// rows put in feed order by `rank` (each row's place in it).
    fn into_facets(self, old: &BTreeMap<String, Facet>, rank: &[u32]) -> BTreeMap<String, Facet> {
        self.groups
            .into_iter()
            .map(|mut group| {
                group.rows.sort_unstable_by_key(|&row| rank[row as usize]);
                // Grown a push at a time: up to twice the room it needs, held for good.
                group.rows.shrink_to_fit();
                let name = match (old.get(&group.slug), group.name) {
                    (Some(facet), _) => facet.name.clone(),
                    (None, Some(name)) => name.to_string(),
                    (None, None) => group.slug.clone(),
                };
                let order = Order::of_sorted(group.rows);
                (group.slug, Facet { name, order })
            })
            .collect()
    }
}

/// Looks up each folder, section and author name once for a whole settle.
struct Dealer<'r> {
    rows: &'r Rows,
    root: Option<&'r Path>,
    folders: Groups<'r>,
    authors: Groups<'r>,
    sections: Groups<'r>,
    folder_of: HashMap<u32, Option<usize>>,
    section_of: HashMap<u32, Option<usize>>,
    author_of: HashMap<&'r str, Option<usize>>,
}

impl<'r> Dealer<'r> {
    fn new(rows: &'r Rows, root: Option<&'r Path>) -> Dealer<'r> {
        Dealer {
            rows,
            root,
            folders: Groups::default(),
            authors: Groups::default(),
            sections: Groups::default(),
            folder_of: HashMap::new(),
            section_of: HashMap::new(),
            author_of: HashMap::new(),
        }
    }

    /// Puts listed row `id` in its feeds' orders (rows come by number).
    fn deal(&mut self, id: RowId) {
        let (rows, root) = (self.rows, self.root);
        let row = rows.get(id);
        let folder = *self.folder_of.entry(row.folder()).or_insert_with(|| {
            // A file in the folder, as `folder_in` takes it.
            let file = Path::new(OsStr::from_bytes(rows.folder_path(row.folder())));
            let name = folder_in(root, &file.join("-"))?;
            Some(self.folders.of(name))
        });
        if let Some(at) = folder {
            self.folders.groups[at].rows.push(id);
        }
        if let Some(number) = row.section_number() {
            let section = *self.section_of.entry(number).or_insert_with(|| {
                let (slug, _) = rows.section(&row).and_then(section_named)?;
                Some(self.sections.of(slug))
            });
            if let Some(at) = section {
                let name = rows.section(&row).map_or("", |s| &s.name);
                self.sections.add(at, name, id);
            }
        }
        let mut joined: Vec<(usize, &'r str)> = Vec::new();
        for name in row.authors().into_iter().flatten() {
            let author = *self.author_of.entry(name).or_insert_with(|| {
                let (slug, _) = named(name)?;
                Some(self.authors.of(slug))
            });
            joined.extend(author.map(|at| (at, name)));
        }
        // Two names of one slug in a row: the row is in that order once, by the lesser name.
        joined.sort_unstable();
        joined.dedup_by_key(|(at, _)| *at);
        for (at, name) in joined {
            self.authors.add(at, name, id);
        }
    }
}

/// The listed rows (`listed` of them) in feed order (as [`rows_compared`] orders them): sorted
/// by date in a compact array of their own, then each run of one date by id. Comparing rows
/// in place read two rows and two ids (cache misses each) a comparison: 3 s of a restart at
/// 1,000,000 seeds.
fn in_feed_order(rows: &Rows, listed: usize) -> Vec<RowId> {
    let mut dated: Vec<(Reverse<i64>, RowId)> = Vec::with_capacity(listed);
    dated.extend(
        rows.iter()
            .filter(|(_, row)| row.listed())
            .map(|(id, row)| (Reverse(row.published_micros()), id)),
    );
    dated.sort_unstable_by_key(|&(date, _)| date);
    for run in dated.chunk_by_mut(|a, b| a.0 == b.0) {
        if run.len() > 1 {
            // Each id fetched once (a cache miss), not twice a comparison.
            run.sort_by_cached_key(|&(_, id)| rows.get(id).id());
        }
    }
    let mut all: Vec<RowId> = dated.into_iter().map(|(_, id)| id).collect();
    // Collected in place into the dates' array, four times the room it needs, all of it
    // written: 12 MB resident for nothing at a million rows.
    all.shrink_to_fit();
    all
}

impl Store {
    /// Makes every order from the listed rows, after [`Store::defer`]. A folder, author or
    /// section keeps the name it had; a new one takes its first row's (by row number: the
    /// order the batch filed them in).
    pub fn settle(&mut self) {
        if let Some(gathered) = self.gathered.take() {
            self.place_gathered(gathered);
        }
        if !std::mem::take(&mut self.deferred) {
            return;
        }
        let rows = &self.rows;
        let all = in_feed_order(rows, self.listed);
        let mut rank = vec![0; rows.numbers()];
        for (at, &id) in all.iter().enumerate() {
            rank[id as usize] = at as u32;
        }
        let mut dealer = Dealer::new(rows, self.root.as_deref());
        for (id, row) in rows.iter() {
            if row.listed() {
                dealer.deal(id);
            }
        }
        let Dealer {
            folders,
            authors,
            sections,
            ..
        } = dealer;
        // Whatever the batch changed, every feed's window is taken again (~3 ms).
        self.touched.root = true;
        let touched = &mut self.touched.folders;
        touched.extend(self.folders.keys().cloned());
        touched.extend(folders.groups.iter().map(|group| group.slug.clone()));
        let folders = folders.into_facets(&self.folders, &rank);
        let authors = authors.into_facets(&self.authors, &rank);
        let sections = sections.into_facets(&self.sections, &rank);
        (self.folders, self.authors, self.sections) = (folders, authors, sections);
        self.order = Order::of_sorted(all);
    }
}

//! A batch of thousands of seeds into a big store (a `git pull` into a million): the rows it
//! lists or unlists are gathered, and at the end each order they were or are in drops them in
//! one pass and takes them back in one merge. Settling every order (`settle.rs`) sorts the
//! whole store, 0.6 s at a million rows, where this costs a pass over the orders touched; a
//! row at a time would move most of a million-long array for each row.

use std::collections::{BTreeMap, BTreeSet};

use super::order::Order;
use super::rows::RowId;
use super::{Facet, Listing, Store};
use crate::scope::Scope;

/// What a gathered batch changed in the orders.
#[derive(Debug, Default)]
pub(super) struct Gathered {
    /// Rows listed or unlisted during the batch (some more than once).
    rows: Vec<RowId>,
    /// The feeds those rows were listed in before the batch took them out (the root's order
    /// always loses them).
    left: BTreeSet<Scope>,
}

impl Gathered {
    /// Row `id` was listed: it is put in its orders at the end.
    pub(super) fn listed(&mut self, id: RowId) {
        self.rows.push(id);
    }

    /// Row `id` was taken out of the feeds of `listing`.
    pub(super) fn unlisted(&mut self, id: RowId, listing: &Listing) {
        self.rows.push(id);
        self.left.extend(listing.folder.clone().map(Scope::Folder));
        let authors = listing.authors.iter().map(|(slug, _)| slug.clone());
        self.left.extend(authors.map(Scope::Author));
        self.left.extend(
            listing
                .section
                .iter()
                .map(|(slug, _)| Scope::Section(slug.clone())),
        );
    }
}

impl Store {
    /// From now until [`Store::settle`], the rows a batch lists or unlists are gathered and
    /// the orders they touch are made once at the end (see the module's note). Nothing may
    /// read the orders meanwhile.
    pub fn gather(&mut self) {
        if !self.deferred {
            self.gathered.get_or_insert_default();
        }
    }

    /// Puts a gathered batch's rows where they now belong: out of every order they were in,
    /// then into those of the listed ones, each order in one pass.
    pub(super) fn place_gathered(&mut self, gathered: Gathered) {
        let mut moved = vec![false; self.rows.numbers()];
        for &id in &gathered.rows {
            moved[id as usize] = true;
        }
        let stays = |id: &RowId| !moved[*id as usize];
        self.order.retain(stays);
        for scope in &gathered.left {
            let Some((facets, slug)) = facets_of(
                &mut self.folders,
                &mut self.authors,
                &mut self.sections,
                scope,
            ) else {
                continue;
            };
            if let Some(facet) = facets.get_mut(slug) {
                facet.order.retain(stays);
                if facet.order.is_empty() {
                    facets.remove(slug);
                }
            }
        }
        let mut rows = gathered.rows;
        rows.sort_unstable();
        rows.dedup();
        // Some were removed since (their numbers perhaps taken by new rows, noted too).
        rows.retain(|&id| self.rows.is_listed(id));
        let mut joining: BTreeMap<Scope, (String, Vec<RowId>)> = BTreeMap::new();
        for &id in &rows {
            let listing = self.listing(id);
            let mut join = |scope: Scope, name: &str| {
                let (_, ids) = joining
                    .entry(scope)
                    .or_insert_with(|| (name.to_string(), Vec::new()));
                ids.push(id);
            };
            if let Some(folder) = &listing.folder {
                join(Scope::Folder(folder.clone()), folder);
            }
            for (slug, name) in &listing.authors {
                join(Scope::Author(slug.clone()), name);
            }
            if let Some((slug, name)) = &listing.section {
                join(Scope::Section(slug.clone()), name);
            }
        }
        self.order.merge(&self.rows, rows);
        for (scope, (name, ids)) in joining {
            let Some((facets, slug)) = facets_of(
                &mut self.folders,
                &mut self.authors,
                &mut self.sections,
                &scope,
            ) else {
                continue;
            };
            let facet = facets.entry(slug.to_string()).or_insert_with(|| Facet {
                name,
                order: Order::default(),
            });
            facet.order.merge(&self.rows, ids);
        }
    }
}

/// The facets a scope's order is kept among (the store's folders, authors or sections), and
/// its slug there; `None` for the root's.
fn facets_of<'f, 's>(
    folders: &'f mut BTreeMap<String, Facet>,
    authors: &'f mut BTreeMap<String, Facet>,
    sections: &'f mut BTreeMap<String, Facet>,
    scope: &'s Scope,
) -> Option<(&'f mut BTreeMap<String, Facet>, &'s str)> {
    match scope {
        Scope::All => None,
        Scope::Folder(slug) => Some((folders, slug)),
        Scope::Author(slug) => Some((authors, slug)),
        Scope::Section(slug) => Some((sections, slug)),
    }
}

//! A feed order as row numbers: newest `published` first, ties by id, 4 bytes an entry (a
//! B-tree of `(date, id)` keys cost ~45 bytes an entry per order, and every entry is in four
//! or five orders: the root's, its folder's, its section's, each author's).
//!
//! The keys live in the rows ([`Rows`]); an order only holds row numbers, so every lookup is
//! given the rows. A listed row's key never changes while it is listed (the store takes it
//! out first), so the order stays sorted.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};

use super::rows::{RowId, Rows};

/// A place in feed order: an entry's `published` and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place<'k> {
    pub published: DateTime<Utc>,
    pub id: &'k str,
}

/// Feed order: newer first, then by id.
pub fn compare(a: Place<'_>, b: Place<'_>) -> Ordering {
    b.published.cmp(&a.published).then_with(|| a.id.cmp(b.id))
}

/// Row numbers in feed order.
#[derive(Debug, Default)]
pub struct Order(Vec<RowId>);

impl Order {
    /// An order of `rows` (any order), sorted.
    pub fn sorted(mut ids: Vec<RowId>, rows: &Rows) -> Order {
        ids.sort_unstable_by(|&a, &b| compare(rows.place(a), rows.place(b)));
        ids.shrink_to_fit();
        Order(ids)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Where `place` is, or would go.
    fn position(&self, rows: &Rows, place: Place<'_>) -> usize {
        self.0
            .partition_point(|&r| compare(rows.place(r), place) == Ordering::Less)
    }

    pub fn insert(&mut self, rows: &Rows, row: RowId) {
        let at = self.position(rows, rows.place(row));
        self.0.insert(at, row);
    }

    pub fn remove(&mut self, rows: &Rows, row: RowId) {
        let at = self.position(rows, rows.place(row));
        if self.0.get(at) == Some(&row) {
            self.0.remove(at);
        } else if let Some(at) = self.0.iter().position(|&r| r == row) {
            // Only if a key changed while listed, which the store never does.
            self.0.remove(at);
        }
    }

    /// The rows from the first at or after `place` (or strictly after it), in order.
    pub fn from<'o>(
        &'o self,
        rows: &Rows,
        place: Place<'_>,
        inclusive: bool,
    ) -> impl Iterator<Item = RowId> + use<'o> {
        let at = self
            .0
            .partition_point(|&r| match compare(rows.place(r), place) {
                Ordering::Less => true,
                Ordering::Equal => !inclusive,
                Ordering::Greater => false,
            });
        self.0[at..].iter().copied()
    }

    /// The rows published before `before` (all when `None`), in order.
    pub fn before<'o>(
        &'o self,
        rows: &Rows,
        before: Option<DateTime<Utc>>,
    ) -> impl Iterator<Item = RowId> + use<'o> {
        let at = match before {
            Some(at) => self.0.partition_point(|&r| rows.place(r).published >= at),
            None => 0,
        };
        self.0[at..].iter().copied()
    }
}

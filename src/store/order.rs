//! A feed order as row numbers: newest `published` first, ties by id, 4 bytes an entry (a
//! B-tree of `(date, id)` keys cost ~45 bytes an entry per order, and every entry is in four
//! or five orders: the root's, its folder's, its section's, each author's).
//!
//! The keys live in the rows ([`Rows`]); an order only holds row numbers, so every lookup is
//! given the rows. A listed row's key never changes while it is listed (the store takes it
//! out first), so the order stays sorted.

use std::cmp::Ordering;

use chrono::{DateTime, TimeDelta, Utc};

use super::rows::{RowId, Rows, micros};

/// A place in feed order: an entry's `published` and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place<'k> {
    pub published: DateTime<Utc>,
    pub id: &'k str,
}

/// Where row `row` stands against `place` in feed order (newer first, then by id). Its id (in a box of its own, a
/// cache miss away) is read only on a tie of dates: a restart at 100,000 seeds spent a fifth
/// of its time reading ids its sorts did not need.
fn row_against(rows: &Rows, row: RowId, place: Place<'_>) -> Ordering {
    let row = rows.get(row);
    micros(place.published)
        .cmp(&row.published_micros())
        .then_with(|| row.id().cmp_str(place.id))
}

/// Feed order of two rows (see [`row_against`]).
pub(super) fn rows_compared(rows: &Rows, a: RowId, b: RowId) -> Ordering {
    let (row_a, row_b) = (rows.get(a), rows.get(b));
    row_b
        .published_micros()
        .cmp(&row_a.published_micros())
        .then_with(|| row_a.id().cmp(&row_b.id()))
}

/// Row numbers in feed order.
#[derive(Debug, Default)]
pub struct Order(Vec<RowId>);

impl Order {
    /// An order of `rows` already in feed order (taken from a sorted order).
    pub fn of_sorted(ids: Vec<RowId>) -> Order {
        Order(ids)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Where `place` is, or would go.
    fn position(&self, rows: &Rows, row: RowId) -> usize {
        self.0
            .partition_point(|&r| rows_compared(rows, r, row) == Ordering::Less)
    }

    pub fn insert(&mut self, rows: &Rows, row: RowId) {
        let at = self.position(rows, row);
        self.0.insert(at, row);
    }

    /// Puts `new` rows (none of them in the order yet) in their places: each found by a
    /// binary search, the order copied once around them. A merge comparing every row cost a
    /// busy author's whole order in comparisons (each a cache miss) for every 128 bylines
    /// read.
    pub fn merge(&mut self, rows: &Rows, mut new: Vec<RowId>) {
        new.sort_unstable_by(|&a, &b| rows_compared(rows, a, b));
        let old = std::mem::take(&mut self.0);
        let mut merged = Vec::with_capacity(old.len() + new.len());
        let mut rest = &old[..];
        for row in new {
            let at = rest.partition_point(|&r| rows_compared(rows, r, row) == Ordering::Less);
            merged.extend_from_slice(&rest[..at]);
            merged.push(row);
            rest = &rest[at..];
        }
        merged.extend_from_slice(rest);
        self.0 = merged;
    }

    /// Keeps only the rows `keep` says to, in one pass.
    pub fn retain(&mut self, keep: impl FnMut(&RowId) -> bool) {
        self.0.retain(keep);
    }

    pub fn remove(&mut self, rows: &Rows, row: RowId) {
        let at = self.position(rows, row);
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
            .partition_point(|&r| match row_against(rows, r, place) {
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
        // Rows hold whole microseconds: one published within the microsecond before `before`
        // is before it.
        let at = match before {
            Some(before) => {
                let bound = micros(
                    before
                        .checked_add_signed(TimeDelta::nanoseconds(999))
                        .unwrap_or(before),
                );
                self.0
                    .partition_point(|&r| rows.get(r).published_micros() >= bound)
            }
            None => 0,
        };
        self.0[at..].iter().copied()
    }
}

//! Strings many rows share, kept once and numbered: the head of each link (its scheme and host,
//! `https://cn.nytimes.com/`) and each author's name. A million seeds come from a few dozen
//! sites and a few thousand bylines, and each row held both again (~40 bytes a row of the
//! generated archive). Each string counts the rows holding it and goes with the last.

use std::hash::{BuildHasher, RandomState};

use hashbrown::HashTable;

/// What a row holds in place of a string: its number here plus one (0 is "none").
pub type StringId = u32;

#[derive(Default)]
pub struct Interned {
    /// Each string and how many rows hold it (a freed number's string is empty).
    table: Vec<(Box<str>, u32)>,
    /// Numbers by string (the string is read from `table`).
    index: HashTable<StringId>,
    free: Vec<StringId>,
    hasher: RandomState,
    /// The string held last: rows come folder by folder (a walk, the index cache), and most
    /// of a folder's links have one head.
    last: Option<StringId>,
}

impl Interned {
    /// String `id` (from [`Interned::hold`]).
    pub fn get(&self, id: StringId) -> &str {
        &self.table[id as usize - 1].0
    }

    /// `string`'s number, counting one more row holding it.
    pub fn hold(&mut self, string: &str) -> StringId {
        if let Some(last) = self.last {
            let (held, count) = &mut self.table[last as usize - 1];
            if **held == *string && *count > 0 {
                *count += 1;
                return last;
            }
        }
        let id = self.hold_hashed(string);
        self.last = Some(id);
        id
    }

    fn hold_hashed(&mut self, string: &str) -> StringId {
        let hash = self.hasher.hash_one(string);
        let table = &self.table;
        if let Some(&id) = self
            .index
            .find(hash, |&id| &*table[id as usize - 1].0 == string)
        {
            self.table[id as usize - 1].1 += 1;
            return id;
        }
        let entry = (Box::from(string), 1);
        let id = match self.free.pop() {
            Some(id) => {
                self.table[id as usize - 1] = entry;
                id
            }
            None => {
                self.table.push(entry);
                self.table.len() as StringId
            }
        };
        let (table, hasher) = (&self.table, &self.hasher);
        self.index
            .insert_unique(hash, id, |&id| hasher.hash_one(&*table[id as usize - 1].0));
        id
    }

    /// Counts one more row holding string `id`.
    pub fn hold_again(&mut self, id: StringId) {
        self.table[id as usize - 1].1 += 1;
    }

    /// Counts one row fewer holding string `id`.
    pub fn release(&mut self, id: StringId) {
        let (string, count) = &mut self.table[id as usize - 1];
        *count -= 1;
        if *count > 0 {
            return;
        }
        let hash = self.hasher.hash_one(&**string);
        *string = Box::default();
        if let Ok(entry) = self.index.find_entry(hash, |&held| held == id) {
            entry.remove();
        }
        self.free.push(id);
    }

    /// How many strings are held.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.index.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_string_is_kept_once_while_any_row_holds_it() {
        let mut interned = Interned::default();
        let a = interned.hold("李四");
        assert_eq!(interned.hold("李四"), a);
        let b = interned.hold("B");
        assert_ne!(a, b);
        assert_eq!(
            (interned.get(a), interned.get(b), interned.len()),
            ("李四", "B", 2)
        );
        interned.release(a);
        assert_eq!(interned.get(a), "李四");
        interned.release(a);
        assert_eq!(interned.len(), 1);
        // The number is used again; the string it named is gone.
        let c = interned.hold("C");
        assert_eq!((c, interned.get(c)), (a, "C"));
        assert_ne!(interned.hold("李四"), a);
    }
}

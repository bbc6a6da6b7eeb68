//! A row's strings packed together: the file's name, the entry's id (its link: the head —
//! scheme and host — as a number into [`Interned`], then the rest) and title, and its authors
//! once read (numbers into [`Interned`]). Lengths and numbers are LEB128. The packed strings
//! of all rows live in one arena of 1 MiB chunks ([`Texts`]), each behind the number of the
//! row that owns it: a row pays 8 bytes for its strings' place and 4 for its number, where a
//! box of its own cost a 16-byte pointer, an allocator header and its rounding, and —
//! allocated between a scan's short-lived buffers — ~60 MB of a million-seed heap that could
//! not be returned. (Before the packing, separate `Arc<str>`s and a `Box<Path>` cost ~100
//! bytes a row.)

use std::cmp::Ordering;
use std::fmt;
use std::num::NonZeroU64;

use super::interned::{Interned, StringId};

/// A row's packed strings, read in place.
#[derive(Clone, Copy)]
pub struct Text<'t> {
    bytes: &'t [u8],
    interned: &'t Interned,
}

/// The authors field: 0 while they are unread, else one more than how many there are.
const UNREAD: usize = 0;

/// The head field of a link without one.
const NO_HEAD: usize = 0;

fn put_length(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn put(out: &mut Vec<u8>, bytes: &[u8]) {
    put_length(out, bytes.len());
    out.extend_from_slice(bytes);
}

/// Reads one field after another from packed bytes (written by [`pack`] only).
#[derive(Clone, Copy)]
struct Fields<'t>(&'t [u8]);

impl<'t> Fields<'t> {
    fn length(&mut self) -> usize {
        let mut n = 0;
        let mut shift = 0;
        for (i, &byte) in self.0.iter().enumerate() {
            n |= usize::from(byte & 0x7f) << shift;
            shift += 7;
            if byte & 0x80 == 0 {
                self.0 = &self.0[i + 1..];
                return n;
            }
        }
        unreachable!("a packed length always ends")
    }

    fn bytes(&mut self) -> &'t [u8] {
        let n = self.length();
        let (field, rest) = self.0.split_at(n);
        self.0 = rest;
        field
    }

    /// A field written from a `&str`.
    fn str(&mut self) -> &'t str {
        std::str::from_utf8(self.bytes()).expect("packed from a str")
    }

    /// The link's head field (after the name).
    fn head(mut self) -> usize {
        self.bytes();
        self.length()
    }

    /// Skips the name and the link: the title is next.
    fn to_title(mut self) -> Self {
        self.bytes();
        self.length();
        self.bytes();
        self
    }

    /// Skips the name, the link and the title: the authors field is next.
    fn to_authors(self) -> Self {
        let mut fields = self.to_title();
        fields.bytes();
        fields
    }

    /// The shared strings the fields hold: the link's head, the authors.
    fn held(self) -> impl Iterator<Item = StringId> {
        let head = self.head();
        let mut fields = self.to_authors();
        let count = fields.length().saturating_sub(1);
        (head != NO_HEAD)
            .then_some(head as StringId)
            .into_iter()
            .chain((0..count).map(move |_| fields.length() as StringId))
    }
}

/// A link's head (scheme and host, with the `/` after it) and the rest: `https://a.com/` and
/// `x/1`. A link without a host has no head. No head is a prefix of another (each ends at
/// the first `/` after `://`), so heads then rests order as whole links do.
fn split_link(link: &str) -> (&str, &str) {
    let head = link
        .find("://")
        .and_then(|at| link[at + 3..].find('/').map(|slash| at + 3 + slash + 1));
    link.split_at(head.unwrap_or(0))
}

/// Packs a row's strings into `out` (cleared first), holding the shared ones in `interned`.
pub fn pack(
    out: &mut Vec<u8>,
    interned: &mut Interned,
    name: &[u8],
    id: &str,
    title: &str,
    authors: Option<&[String]>,
) {
    out.clear();
    put(out, name);
    let (head, rest) = split_link(id);
    let head = match head {
        "" => NO_HEAD,
        head => interned.hold(head) as usize,
    };
    put_length(out, head);
    put(out, rest.as_bytes());
    put(out, title.as_bytes());
    put_authors(out, interned, authors);
}

fn put_authors(out: &mut Vec<u8>, interned: &mut Interned, authors: Option<&[String]>) {
    match authors {
        None => put_length(out, UNREAD),
        Some(authors) => {
            put_length(out, authors.len() + 1);
            for author in authors {
                put_length(out, interned.hold(author) as usize);
            }
        }
    }
}

/// Packs the strings `packed` holds again into `out`, with the authors a read found in place
/// of any it held.
pub fn pack_with_authors(
    out: &mut Vec<u8>,
    interned: &mut Interned,
    packed: &[u8],
    authors: &[String],
) {
    let before_authors = packed.len() - Fields(packed).to_authors().0.len();
    out.clear();
    out.extend_from_slice(&packed[..before_authors]);
    // The copy holds the link's head too (the old strings let go of theirs when they go).
    match Fields(packed).head() {
        NO_HEAD => {}
        head => interned.hold_again(head as StringId),
    }
    put_authors(out, interned, Some(authors));
}

impl<'t> Text<'t> {
    /// The packed strings at the start of `bytes` (which may run on past them).
    pub fn at(bytes: &'t [u8], interned: &'t Interned) -> Text<'t> {
        Text { bytes, interned }
    }

    pub fn name(&self) -> &'t [u8] {
        Fields(self.bytes).bytes()
    }

    pub fn id(&self) -> Link<'t> {
        let mut fields = Fields(self.bytes);
        fields.bytes();
        let head = match fields.length() {
            NO_HEAD => "",
            head => self.interned.get(head as StringId),
        };
        Link {
            head,
            rest: fields.bytes(),
        }
    }

    pub fn title(&self) -> &'t str {
        Fields(self.bytes).to_title().str()
    }

    /// The authors, or `None` while they are unread.
    pub fn authors(&self) -> Option<impl Iterator<Item = &'t str> + Clone + use<'t>> {
        let mut fields = Fields(self.bytes).to_authors();
        let count = fields.length().checked_sub(1)?;
        let interned = self.interned;
        Some((0..count).map(move |_| interned.get(fields.length() as StringId)))
    }
}

/// How many bytes the packed strings at the start of `bytes` take.
fn packed_len(bytes: &[u8]) -> usize {
    let mut fields = Fields(bytes).to_authors();
    for _ in 0..fields.length().saturating_sub(1) {
        fields.length();
    }
    bytes.len() - fields.0.len()
}

/// An entry's id (its link) read from a row: head and rest, compared and shown as the whole.
/// The rest is left unchecked as UTF-8 until shown (it was packed from a `str`; checking it
/// for every comparison was a sixth of a restart's sort).
#[derive(Debug, Clone, Copy)]
pub struct Link<'t> {
    head: &'t str,
    rest: &'t [u8],
}

impl Link<'_> {
    /// Whether this is `link`.
    pub fn is(&self, link: &str) -> bool {
        link.len() == self.head.len() + self.rest.len()
            && link.starts_with(self.head)
            && link.as_bytes().ends_with(self.rest)
    }

    /// Where this stands against `link` in byte order.
    pub fn cmp_str(&self, link: &str) -> Ordering {
        match link.strip_prefix(self.head) {
            Some(rest) => self.rest.cmp(rest.as_bytes()),
            None => self.bytes().cmp(link.bytes()),
        }
    }

    fn bytes(&self) -> impl Iterator<Item = u8> {
        self.head.bytes().chain(self.rest.iter().copied())
    }
}

impl PartialEq for Link<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.head == other.head && self.rest == other.rest
    }
}

impl Eq for Link<'_> {}

impl Ord for Link<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        if self.head == other.head {
            return self.rest.cmp(other.rest);
        }
        // Heads are prefix-free (see `split_link`), so two differ before either ends; only no
        // head (a prefix of any) needs the whole links compared.
        match self.head.is_empty() || other.head.is_empty() {
            false => self.head.cmp(other.head),
            true => self.bytes().cmp(other.bytes()),
        }
    }
}

impl PartialOrd for Link<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Link<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rest = std::str::from_utf8(self.rest).expect("packed from a str");
        write!(f, "{}{rest}", self.head)
    }
}

/// Where a row's strings are in [`Texts`]: chunk number + 1, and offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextAt(NonZeroU64);

impl TextAt {
    fn new(chunk: usize, offset: usize) -> TextAt {
        let bits = ((chunk as u64 + 1) << 32) | offset as u64;
        TextAt(NonZeroU64::new(bits).expect("the chunk part is at least 1"))
    }

    fn chunk(self) -> usize {
        (self.0.get() >> 32) as usize - 1
    }

    fn offset(self) -> usize {
        (self.0.get() & u64::from(u32::MAX)) as usize
    }
}

/// A chunk's size: at glibc's mmap threshold (set in `allocator.rs`), so each is a mapping of
/// its own and goes back to the system whole when emptied.
const CHUNK: usize = 1 << 20;

/// Strings bigger than this get a chunk of their own (of their size).
const ALONE: usize = CHUNK / 4;

/// A chunk is compacted (its live strings moved to the open chunk) once this share of it
/// (1/8) is strings no row holds any more: at most an eighth of the arena is waste, and each
/// byte freed moves at most seven.
const DEAD_SHARE: usize = 8;

/// The bytes before each row's strings: the row's number, to find the row when its strings
/// are moved.
const OWNER: usize = 4;

#[derive(Default)]
struct Chunk {
    bytes: Vec<u8>,
    /// Bytes of strings no row holds.
    dead: usize,
}

/// The arena of every row's packed strings.
#[derive(Default)]
pub struct Texts {
    chunks: Vec<Chunk>,
    /// The chunk new strings go to.
    open: Option<usize>,
    /// Numbers of chunks emptied and released, to use again.
    spare: Vec<usize>,
}

impl Texts {
    /// The packed strings at `at` (and whatever follows them in their chunk).
    pub fn get(&self, at: TextAt) -> &[u8] {
        &self.chunks[at.chunk()].bytes[at.offset() + OWNER..]
    }

    /// Stores `packed` (from [`pack`]) for row `owner`.
    pub fn add(&mut self, owner: u32, packed: &[u8]) -> TextAt {
        let need = OWNER + packed.len();
        let chunk = if need > ALONE {
            self.new_chunk(need)
        } else {
            match self.open {
                Some(open) if self.room(open) >= need => open,
                _ => {
                    let open = self.new_chunk(CHUNK);
                    self.open = Some(open);
                    open
                }
            }
        };
        let bytes = &mut self.chunks[chunk].bytes;
        let at = TextAt::new(chunk, bytes.len());
        bytes.extend_from_slice(&owner.to_le_bytes());
        bytes.extend_from_slice(packed);
        at
    }

    /// How many more bytes chunk `number` takes.
    fn room(&self, number: usize) -> usize {
        let bytes = &self.chunks[number].bytes;
        bytes.capacity() - bytes.len()
    }

    fn new_chunk(&mut self, capacity: usize) -> usize {
        let chunk = Chunk {
            bytes: Vec::with_capacity(capacity),
            dead: 0,
        };
        match self.spare.pop() {
            Some(number) => {
                self.chunks[number] = chunk;
                number
            }
            None => {
                self.chunks.push(chunk);
                self.chunks.len() - 1
            }
        }
    }

    /// Forgets the strings at `at`, letting go of the shared ones they hold; returns a chunk
    /// now due to be compacted (see [`Texts::compact`]).
    #[must_use]
    pub fn remove(&mut self, at: TextAt, interned: &mut Interned) -> Option<usize> {
        let number = at.chunk();
        let packed = self.get(at);
        for held in Fields(packed).held() {
            interned.release(held);
        }
        let len = OWNER + packed_len(packed);
        let chunk = &mut self.chunks[number];
        chunk.dead += len;
        if chunk.dead == chunk.bytes.len() {
            if self.open == Some(number) {
                chunk.bytes.clear();
                chunk.dead = 0;
            } else {
                *chunk = Chunk::default();
                self.spare.push(number);
            }
            return None;
        }
        (self.open != Some(number) && chunk.dead * DEAD_SHARE > chunk.bytes.len()).then_some(number)
    }

    /// A chunk (not the open one) holding any dead strings, to compact when there is time
    /// (see [`Texts::compact`]): a chunk is only compacted on its own once an eighth is dead.
    pub fn untidy(&self) -> Option<usize> {
        (0..self.chunks.len()).find(|&n| self.open != Some(n) && self.chunks[n].dead > 0)
    }

    /// Moves the live strings of chunk `number` to the open chunk and releases it: `holds`
    /// tells whether a row (by number) still holds the strings at a place. Returns each moved
    /// string's row and new place.
    pub fn compact(
        &mut self,
        number: usize,
        holds: impl Fn(u32, TextAt) -> bool,
    ) -> Vec<(u32, TextAt)> {
        let mut moves = Vec::new();
        let old = std::mem::take(&mut self.chunks[number]);
        let mut offset = 0;
        while offset < old.bytes.len() {
            let owner = u32::from_le_bytes(
                old.bytes[offset..offset + OWNER]
                    .try_into()
                    .expect("four bytes"),
            );
            let start = offset + OWNER;
            let len = packed_len(&old.bytes[start..]);
            if holds(owner, TextAt::new(number, offset)) {
                moves.push((owner, self.add(owner, &old.bytes[start..start + len])));
            }
            offset = start + len;
        }
        // Only now: a string moved into a chunk of this number could be taken for one of the
        // old chunk's still to be looked at.
        self.spare.push(number);
        moves
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packed(
        interned: &mut Interned,
        name: &[u8],
        id: &str,
        title: &str,
        authors: Option<&[String]>,
    ) -> Vec<u8> {
        let mut out = Vec::new();
        pack(&mut out, interned, name, id, title, authors);
        out
    }

    #[test]
    fn every_field_reads_back_as_written_whatever_its_length() {
        let long = "长".repeat(100);
        let mut interned = Interned::default();
        for (name, id, title) in [
            (&b""[..], "", ""),
            (b"a.md", "https://x/1", "Title"),
            (b"a.md", "https://x/", "Title"),
            (b"a.md", "https://x", "Title"),
            (b"a.md", "urn:x:1", "Title"),
            (b"\xff.md", long.as_str(), long.as_str()),
        ] {
            let authors = ["李四".to_string(), String::new(), long.clone()];
            for written in [None, Some(&authors[..0]), Some(&authors[..])] {
                let bytes = packed(&mut interned, name, id, title, written);
                let text = Text::at(&bytes, &interned);
                assert_eq!(text.name(), name);
                assert!(text.id().is(id));
                assert_eq!(text.id().to_string(), id);
                assert_eq!(text.title(), title);
                let read = text
                    .authors()
                    .map(|a| a.map(String::from).collect::<Vec<_>>());
                assert_eq!(read.as_deref(), written);
                assert_eq!(packed_len(&bytes), bytes.len());
            }
        }
    }

    #[test]
    fn authors_read_later_keep_the_other_fields() {
        let mut interned = Interned::default();
        let bytes = packed(&mut interned, b"a.md", "https://x/1", "T", None);
        let mut again = Vec::new();
        pack_with_authors(&mut again, &mut interned, &bytes, &["A".into()]);
        let read = Text::at(&again, &interned);
        assert_eq!(
            (read.name(), read.id().to_string().as_str(), read.title()),
            (&b"a.md"[..], "https://x/1", "T")
        );
        assert_eq!(read.authors().unwrap().collect::<Vec<_>>(), ["A"]);
    }

    #[test]
    fn links_order_and_compare_as_their_whole_strings_do() {
        let links = [
            "",
            "urn:x:1",
            "a",
            "https://a.com/",
            "https://a.com/x",
            "https://a.com.cn/x",
            "https://a.co/x",
            "https://a.com",
            "https://b.org/",
            "http://a.com/x",
            "https:/a.com/x",
            "z://",
            "z:///x",
        ];
        let mut interned = Interned::default();
        let packed: Vec<Vec<u8>> = links
            .iter()
            .map(|link| packed(&mut interned, b"n", link, "", None))
            .collect();
        let read = |i: usize| Text::at(&packed[i], &interned).id();
        for (i, a) in links.iter().enumerate() {
            for (j, b) in links.iter().enumerate() {
                assert_eq!(read(i).cmp(&read(j)), a.cmp(b), "{a} against {b}");
                assert_eq!(read(i).cmp_str(b), a.cmp(b), "{a} against {b}");
                assert_eq!(read(i) == read(j), a == b);
                assert_eq!(read(i).is(b), a == b);
            }
        }
    }

    /// Rows as the store keeps them: each row's place in the arena.
    struct Owners {
        texts: Texts,
        interned: Interned,
        places: Vec<Option<TextAt>>,
    }

    impl Owners {
        fn id(&self, row: usize) -> String {
            let packed = self.texts.get(self.places[row].unwrap());
            Text::at(packed, &self.interned).id().to_string()
        }

        fn forget(&mut self, row: usize) {
            let at = self.places[row].take().unwrap();
            if let Some(chunk) = self.texts.remove(at, &mut self.interned) {
                let places = &self.places;
                let moves = self
                    .texts
                    .compact(chunk, |owner, at| places[owner as usize] == Some(at));
                for (owner, at) in moves {
                    self.places[owner as usize] = Some(at);
                }
            }
        }

        /// Bytes held in chunks.
        fn held(&self) -> usize {
            self.texts.chunks.iter().map(|c| c.bytes.capacity()).sum()
        }
    }

    #[test]
    fn strings_kept_stay_readable_as_others_go_and_emptied_chunks_are_released() {
        let mut owners = Owners {
            texts: Texts::default(),
            interned: Interned::default(),
            places: Vec::new(),
        };
        let id = |row: usize| format!("https://x/{row}/{}", "y".repeat(row % 300));
        let mut bytes = Vec::new();
        for row in 0..40_000 {
            pack(
                &mut bytes,
                &mut owners.interned,
                b"n.md",
                &id(row),
                "T",
                None,
            );
            owners
                .places
                .push(Some(owners.texts.add(row as u32, &bytes)));
        }
        // One very long string, alone in a chunk of its own.
        let long = "z".repeat(2 * CHUNK);
        pack(&mut bytes, &mut owners.interned, b"n.md", &long, "T", None);
        owners.places.push(Some(owners.texts.add(40_000, &bytes)));
        let full = owners.held();
        // Two rows in three go, scattered over every chunk; the long one too.
        for row in (0..40_000).filter(|row| row % 3 != 0) {
            owners.forget(row);
        }
        owners.forget(40_000);
        for row in (0..40_000).step_by(3) {
            assert_eq!(owners.id(row), id(row), "row {row}");
        }
        let live: usize = (0..40_000)
            .step_by(3)
            .map(|row| OWNER + packed_len(owners.texts.get(owners.places[row].unwrap())))
            .sum();
        assert!(
            owners.held() <= live * DEAD_SHARE / (DEAD_SHARE - 1) + 2 * CHUNK,
            "{} bytes held for {live} live of {full}",
            owners.held()
        );
    }
}

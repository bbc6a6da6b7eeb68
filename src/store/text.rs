//! A row's strings in one allocation: the file's name, the entry's id and title, and its
//! authors once read. Each is a LEB128 length then its bytes, so a row pays one 16-byte box
//! and one allocator header for all of them, where separate `Arc<str>`s and a `Box<Path>` cost
//! ~100 bytes of headers and padding a row (heaptrack at 100,000 seeds: the rows' strings were
//! 240 of their 600 bytes).

/// The strings of a row, packed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(Box<[u8]>);

/// The authors field: 0 while they are unread, else one more than how many there are.
const UNREAD: usize = 0;

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

/// Reads one field after another from packed bytes (written by [`Text::new`] only).
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
}

impl Text {
    pub fn new(name: &[u8], id: &str, title: &str, authors: Option<&[String]>) -> Text {
        let mut out = Vec::with_capacity(name.len() + id.len() + title.len() + 8);
        put(&mut out, name);
        put(&mut out, id.as_bytes());
        put(&mut out, title.as_bytes());
        match authors {
            None => put_length(&mut out, UNREAD),
            Some(authors) => {
                put_length(&mut out, authors.len() + 1);
                for author in authors {
                    put(&mut out, author.as_bytes());
                }
            }
        }
        Text(out.into_boxed_slice())
    }

    /// The same strings with the authors a read found.
    pub fn with_authors(&self, authors: &[String]) -> Text {
        Text::new(self.name(), self.id(), self.title(), Some(authors))
    }

    pub fn name(&self) -> &[u8] {
        Fields(&self.0).bytes()
    }

    pub fn id(&self) -> &str {
        let mut fields = Fields(&self.0);
        fields.bytes();
        fields.str()
    }

    /// The id's bytes, unchecked: what orders compare (the bytes of two `str`s order as
    /// they do; checking them as UTF-8 was a sixth of a restart's sort).
    pub fn id_bytes(&self) -> &[u8] {
        let mut fields = Fields(&self.0);
        fields.bytes();
        fields.bytes()
    }

    pub fn title(&self) -> &str {
        let mut fields = Fields(&self.0);
        fields.bytes();
        fields.bytes();
        fields.str()
    }

    /// The authors, or `None` while they are unread.
    pub fn authors(&self) -> Option<impl Iterator<Item = &str> + Clone> {
        let mut fields = Fields(&self.0);
        fields.bytes();
        fields.bytes();
        fields.bytes();
        let count = fields.length().checked_sub(1)?;
        Some((0..count).map(move |_| fields.str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_reads_back_as_written_whatever_its_length() {
        let long = "长".repeat(100);
        for (name, id, title) in [
            (&b""[..], "", ""),
            (b"a.md", "https://x/1", "Title"),
            (b"\xff.md", long.as_str(), long.as_str()),
        ] {
            let authors = ["李四".to_string(), String::new(), long.clone()];
            for written in [None, Some(&authors[..0]), Some(&authors[..])] {
                let text = Text::new(name, id, title, written);
                assert_eq!(text.name(), name);
                assert_eq!(text.id(), id);
                assert_eq!(text.title(), title);
                let read = text
                    .authors()
                    .map(|a| a.map(String::from).collect::<Vec<_>>());
                assert_eq!(read.as_deref(), written);
            }
        }
    }

    #[test]
    fn authors_read_later_keep_the_other_fields() {
        let text = Text::new(b"a.md", "https://x/1", "T", None);
        let read = text.with_authors(&["A".into()]);
        assert_eq!(
            (read.name(), read.id(), read.title()),
            (&b"a.md"[..], "https://x/1", "T")
        );
        assert_eq!(read.authors().unwrap().collect::<Vec<_>>(), ["A"]);
    }
}

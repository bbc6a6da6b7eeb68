//! The on-disk index cache: for every seed, the stamp (size, mtime, inode) it was read at and
//! the key it gave, so that a restart on an unchanged folder stats files instead of parsing
//! them. A cache that is missing, corrupt, from another version or made with other settings is
//! ignored (and rebuilt); it can never change what is served, only how fast the start is.
//!
//! Format: magic, format version, settings fingerprint, record count, records, SHA-256 of all
//! that. Integers are little-endian; strings and paths are length-prefixed bytes.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::seed::outlets::Outlets;
use crate::seed::{Key, Section, SiteParts};
use crate::seedfs::Stamp;

const MAGIC: &[u8; 16] = b"seedfeed-index\0\0";
const FORMAT: u32 = 6;

/// What a cache file holds, by path.
/// The cache's keys by path. Looked up by the path's bytes: hashing a `Path` parses its
/// components, a measurable share of a restart at 100,000 seeds.
#[derive(Debug, Default)]
pub struct Records(HashMap<Box<[u8]>, (Stamp, Key)>);

impl Records {
    pub fn new() -> Records {
        Records::default()
    }

    pub fn get(&self, path: &Path) -> Option<&(Stamp, Key)> {
        self.0.get(path.as_os_str().as_bytes())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Everything besides the file that decides its key: another value means another parse.
pub fn fingerprint(timezone: &str, outlets: &Outlets, max_file_bytes: u64) -> String {
    format!(
        "seedfeed {} / keys {} / timezone {timezone} / max {max_file_bytes} / outlets\n{}",
        env!("CARGO_PKG_VERSION"),
        crate::seed::KEY_RULES,
        outlets.fingerprint()
    )
}

/// Reads the cache at `path`; `Err` says why it cannot be used.
pub fn load(path: &Path, fingerprint: &str) -> Result<Records, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let (body, checksum) = bytes
        .split_at_checked(bytes.len().saturating_sub(32))
        .ok_or("too short")?;
    if Sha256::digest(body).as_slice() != checksum {
        return Err("checksum mismatch (corrupt or truncated)".into());
    }
    let mut reader = Reader {
        bytes: body,
        sections: HashSet::new(),
    };
    if reader.take(MAGIC.len())? != MAGIC {
        return Err("not a seedfeed index cache".into());
    }
    if reader.u32()? != FORMAT {
        return Err("written by another format version".into());
    }
    if reader.bytes_field()? != fingerprint.as_bytes() {
        return Err("written with other settings or by another seedfeed version".into());
    }
    let count = reader.u64()? as usize;
    let mut records = Records(HashMap::with_capacity(count.min(10_000_000)));
    for _ in 0..count {
        let path: Box<[u8]> = reader.bytes_field()?.into();
        let stamp = Stamp {
            size: reader.u64()?,
            modified: reader.time()?,
            inode: reader.u64()?,
        };
        let key = Key {
            id: reader.shared()?,
            published: reader.time()?,
            updated: reader.time()?,
            fetched: reader.optional_time()?,
            title: reader.shared()?,
            section: reader.optional(Reader::section)?,
            authors: reader
                .optional(|r| {
                    let count = r.u32()? as usize;
                    (0..count).map(|_| r.text()).collect::<Result<Vec<_>, _>>()
                })?
                .map(Arc::from),
            site: SiteParts {
                lead_image: reader.u64()?,
                closing: reader.u64()?,
                ..SiteParts::default()
            },
        };
        records.0.insert(path, (stamp, key));
    }
    if !reader.bytes.is_empty() {
        return Err("trailing bytes".into());
    }
    Ok(records)
}

/// Writes the cache atomically (a temp file renamed over the old one).
pub fn save<'a>(
    path: &Path,
    fingerprint: &str,
    records: impl ExactSizeIterator<Item = (&'a Path, &'a Stamp, &'a Key)>,
) -> std::io::Result<()> {
    // Streamed record by record: one buffer for the whole file would double as it grew (a
    // transient of ~100 MB at 100,000 seeds).
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let temporary = path.with_extension("tmp");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&temporary)?);
    let mut hasher = Sha256::new();
    let mut out = Vec::with_capacity(1024);
    let mut flush = |out: &mut Vec<u8>| -> std::io::Result<()> {
        hasher.update(&out[..]);
        file.write_all(out)?;
        out.clear();
        Ok(())
    };
    write_records(&mut out, &mut flush, fingerprint, records)?;
    file.write_all(&hasher.finalize())?;
    let file = file.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)
}

/// The cache's bytes before its checksum, handed to `flush` a record at a time.
fn write_records<'a>(
    out: &mut Vec<u8>,
    flush: &mut impl FnMut(&mut Vec<u8>) -> std::io::Result<()>,
    fingerprint: &str,
    records: impl ExactSizeIterator<Item = (&'a Path, &'a Stamp, &'a Key)>,
) -> std::io::Result<()> {
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_le_bytes());
    put_bytes(out, fingerprint.as_bytes());
    out.extend_from_slice(&(records.len() as u64).to_le_bytes());
    flush(out)?;
    for (record, stamp, key) in records {
        put_bytes(out, record.as_os_str().as_bytes());
        out.extend_from_slice(&stamp.size.to_le_bytes());
        put_time(out, stamp.modified);
        out.extend_from_slice(&stamp.inode.to_le_bytes());
        put_bytes(out, key.id.as_bytes());
        put_time(out, key.published);
        put_time(out, key.updated);
        put_optional_time(out, key.fetched);
        put_bytes(out, key.title.as_bytes());
        put_optional(out, key.section.as_ref(), |out, section| {
            put_bytes(out, section.term.as_bytes());
            let renamed = section.name != section.term;
            put_optional(out, renamed.then_some(&section.name), |out, name| {
                put_bytes(out, name.as_bytes())
            });
        });
        put_optional(out, key.authors.as_ref(), |out, authors| {
            out.extend_from_slice(&(authors.len() as u32).to_le_bytes());
            for author in authors.iter() {
                put_bytes(out, author.as_bytes());
            }
        });
        out.extend_from_slice(&key.site.lead_image.to_le_bytes());
        out.extend_from_slice(&key.site.closing.to_le_bytes());
        flush(out)?;
    }
    Ok(())
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(bytes);
}

fn put_time(out: &mut Vec<u8>, time: DateTime<Utc>) {
    out.extend_from_slice(&time.timestamp().to_le_bytes());
    out.extend_from_slice(&time.timestamp_subsec_nanos().to_le_bytes());
}

/// A flag byte (0: none, 1: a time follows), then the time.
fn put_optional_time(out: &mut Vec<u8>, time: Option<DateTime<Utc>>) {
    put_optional(out, time.as_ref(), |out, time| put_time(out, *time));
}

fn put_optional<T>(out: &mut Vec<u8>, value: Option<&T>, put: impl Fn(&mut Vec<u8>, &T)) {
    match value {
        None => out.push(0),
        Some(value) => {
            out.push(1);
            put(out, value);
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    /// Section terms and names read so far: a few hundred strings shared by every key.
    sections: HashSet<Arc<str>>,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let (head, rest) = self.bytes.split_at_checked(n).ok_or("truncated")?;
        self.bytes = rest;
        Ok(head)
    }

    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().map_err(|_| "truncated")?,
        ))
    }

    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().map_err(|_| "truncated")?,
        ))
    }

    fn bytes_field(&mut self) -> Result<&'a [u8], String> {
        let length = self.u32()? as usize;
        self.take(length)
    }

    fn time(&mut self) -> Result<DateTime<Utc>, String> {
        let seconds = self.u64()? as i64;
        let nanos = self.u32()?;
        DateTime::from_timestamp(seconds, nanos).ok_or_else(|| "bad time".to_string())
    }

    fn text(&mut self) -> Result<String, String> {
        self.str().map(str::to_string)
    }

    /// A shared string straight from the bytes: one allocation (a restart reads 300,000+).
    fn shared(&mut self) -> Result<Arc<str>, String> {
        self.str().map(Arc::from)
    }

    /// A text many keys hold, one `Arc` for all of them.
    fn interned(&mut self) -> Result<Arc<str>, String> {
        let text = self.str()?;
        if let Some(shared) = self.sections.get(text) {
            return Ok(shared.clone());
        }
        let shared: Arc<str> = Arc::from(text);
        self.sections.insert(shared.clone());
        Ok(shared)
    }

    /// A section's term, then its name where that differs (one `Arc` where it does not).
    fn section(&mut self) -> Result<Section, String> {
        let term = self.interned()?;
        let name = self.optional(Reader::interned)?;
        Ok(Section {
            name: name.unwrap_or_else(|| term.clone()),
            term,
        })
    }

    fn str(&mut self) -> Result<&'a str, String> {
        std::str::from_utf8(self.bytes_field()?).map_err(|_| "bad text".to_string())
    }

    fn optional_time(&mut self) -> Result<Option<DateTime<Utc>>, String> {
        self.optional(Reader::time)
    }

    fn optional<T>(
        &mut self,
        read: impl FnOnce(&mut Self) -> Result<T, String>,
    ) -> Result<Option<T>, String> {
        match self.take(1)? {
            [0] => Ok(None),
            [1] => read(self).map(Some),
            _ => Err("bad optional field".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn sample(section: Section) -> (PathBuf, Stamp, Key) {
        let at = DateTime::from_timestamp(1_712_707_200, 123_456_789).unwrap();
        (
            PathBuf::from("/seeds/2024/日本.txt"),
            Stamp {
                size: 4500,
                modified: at,
                inode: 42,
            },
            Key {
                id: "https://x.example/a".into(),
                published: at,
                updated: at,
                fetched: Some(at),
                title: "标题 <t>".into(),
                section: Some(section),
                authors: Some(Arc::from(vec!["储百亮".to_string(), "Amy Qin".to_string()])),
                site: SiteParts {
                    lead_image: 0x1234_5678_9abc_def0,
                    closing: 7,
                    ..SiteParts::default()
                },
            },
        )
    }

    #[test]
    fn round_trips_and_refuses_anything_else() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sub/index");
        let as_named = Section::named("world".into(), None);
        let renamed = Section {
            term: "gangtai".into(),
            name: "港台".into(),
        };
        for section in [as_named, renamed] {
            let (path, stamp, key) = sample(section);
            save(&file, "fp", std::iter::once((path.as_path(), &stamp, &key))).unwrap();
            let records = load(&file, "fp").unwrap();
            assert_eq!(records.get(&path), Some(&(stamp, key)));
        }

        assert!(load(&file, "other settings").is_err());
        let mut bytes = std::fs::read(&file).unwrap();
        bytes[40] ^= 1;
        std::fs::write(&file, &bytes).unwrap();
        assert!(load(&file, "fp").unwrap_err().contains("checksum"));
        std::fs::write(&file, b"short").unwrap();
        assert!(load(&file, "fp").is_err());
        assert!(load(&dir.path().join("missing"), "fp").is_err());
    }
}

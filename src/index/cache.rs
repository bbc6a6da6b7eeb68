//! The on-disk index cache: for every seed, the stamp (size, mtime, inode) it was read at and
//! the key it gave, so that a restart on an unchanged folder stats files instead of parsing
//! them. A cache that is missing, corrupt, from another version or made with other settings is
//! ignored (and rebuilt); it can never change what is served, only how fast the start is.
//!
//! Format: magic, format version, settings fingerprint, record count, records, SHA-256 of all
//! that. Integers are little-endian; strings and paths are length-prefixed bytes.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::seed::outlets::Outlets;
use crate::seed::{Key, Section, SiteParts};
use crate::seedfs::Stamp;

const MAGIC: &[u8; 16] = b"seedfeed-index\0\0";
const FORMAT: u32 = 7;

/// Everything besides the file that decides its key: another value means another parse.
pub fn fingerprint(timezone: &str, outlets: &Outlets, max_file_bytes: u64) -> String {
    format!(
        "seedfeed {} / keys {} / timezone {timezone} / max {max_file_bytes} / outlets\n{}",
        env!("CARGO_PKG_VERSION"),
        crate::seed::KEY_RULES,
        outlets.fingerprint()
    )
}

/// Where a load hands what it reads: first how many records follow, then each record.
pub trait Sink {
    fn expect(&mut self, records: usize);
    fn record(&mut self, path: PathBuf, stamp: Stamp, key: Key);
}

impl<F: FnMut(PathBuf, Stamp, Key)> Sink for F {
    fn expect(&mut self, _: usize) {}

    fn record(&mut self, path: PathBuf, stamp: Stamp, key: Key) {
        self(path, stamp, key)
    }
}

/// Reads the cache at `path`, handing each record to `file` as it is read: the file is
/// streamed, never held whole (at 1,000,000 seeds it is ~360 MB, which a restart held on top of
/// every key). `Ok` gives how many records there were; `Err` says why the cache cannot be
/// used — a bad checksum is only known at the end, so the caller must then drop everything
/// it was handed.
pub fn load(path: &Path, fingerprint: &str, file: &mut impl Sink) -> Result<usize, String> {
    let opened = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let length = opened
        .metadata()
        .map_err(|e| format!("cannot read: {e}"))?
        .len();
    let mut input = Input {
        bytes: std::io::BufReader::with_capacity(READ_BUFFER, opened),
        left: length.checked_sub(32).ok_or("too short")?,
        hasher: Sha256::new(),
        scratch: Vec::new(),
    };
    if input.take(MAGIC.len())? != MAGIC {
        return Err("not a seedfeed index cache".into());
    }
    if input.u32()? != FORMAT {
        return Err("written by another format version".into());
    }
    if input.bytes_field()? != fingerprint.as_bytes() {
        return Err("written with other settings or by another seedfeed version".into());
    }
    let count = input.u64()? as usize;
    // Not trusted further than the file's length (a corrupt count must not reserve terabytes).
    file.expect(count.min((length / MIN_RECORD) as usize));
    let mut reader = Reader {
        input,
        sections: HashSet::new(),
    };
    for _ in 0..count {
        let (path, stamp, key) = reader.record()?;
        file.record(path, stamp, key);
    }
    let Reader { mut input, .. } = reader;
    if input.left != 0 {
        return Err("trailing bytes".into());
    }
    let digest = std::mem::take(&mut input.hasher).finalize();
    let mut checksum = [0; 32];
    input
        .bytes
        .read_exact(&mut checksum)
        .map_err(|_| "truncated")?;
    if digest.as_slice() != checksum {
        return Err("checksum mismatch (corrupt or truncated)".into());
    }
    Ok(count)
}

/// The fewest bytes a record takes (every field empty or absent).
const MIN_RECORD: u64 = 4 + 8 + 12 + 8 + 4 + 12 + 12 + 1 + 4 + 1 + 1 + 8 + 8;

/// How much of the cache file is read at a time.
const READ_BUFFER: usize = 1024 * 1024;

/// Writes the cache atomically (a temp file renamed over the old one).
pub fn save(
    path: &Path,
    fingerprint: &str,
    records: impl ExactSizeIterator<Item = (PathBuf, Stamp, Key)>,
) -> std::io::Result<()> {
    let mut writing = Writing::start(path, fingerprint, records.len())?;
    writing.write(records)?;
    writing.finish()
}

/// A cache file being written, a slice of records at a time (the update thread writes a
/// million records in slices between its rounds), streamed record by record: one buffer for
/// the whole file would double as it grew (a transient of ~100 MB at 100,000 seeds). Dropped
/// unfinished (a change came), it removes its temp file: at a million seeds a dropped write
/// left ~270 MB on disk until the next one.
pub struct Writing {
    path: PathBuf,
    temporary: PathBuf,
    file: std::io::BufWriter<std::fs::File>,
    hasher: Sha256,
    out: Vec<u8>,
}

impl Writing {
    /// Starts the file at `path` for `count` records.
    pub fn start(path: &Path, fingerprint: &str, count: usize) -> std::io::Result<Writing> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let temporary = path.with_extension("tmp");
        let file = std::io::BufWriter::new(std::fs::File::create(&temporary)?);
        let mut writing = Writing {
            path: path.to_path_buf(),
            temporary,
            file,
            hasher: Sha256::new(),
            out: Vec::with_capacity(1024),
        };
        writing.out.extend_from_slice(MAGIC);
        writing.out.extend_from_slice(&FORMAT.to_le_bytes());
        put_bytes(&mut writing.out, fingerprint.as_bytes());
        writing.out.extend_from_slice(&(count as u64).to_le_bytes());
        writing.flush()?;
        Ok(writing)
    }

    /// Appends `records`.
    pub fn write(
        &mut self,
        records: impl Iterator<Item = (PathBuf, Stamp, Key)>,
    ) -> std::io::Result<()> {
        for (record, stamp, key) in records {
            put_record(&mut self.out, &record, stamp, &key);
            self.flush()?;
        }
        Ok(())
    }

    /// The checksum, to disk, and in place of the old file.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.file.write_all(&self.hasher.finalize_reset())?;
        self.file.flush()?;
        self.file.get_ref().sync_all()?;
        std::fs::rename(&self.temporary, &self.path)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.hasher.update(&self.out[..]);
        self.file.write_all(&self.out)?;
        self.out.clear();
        Ok(())
    }
}

impl Drop for Writing {
    fn drop(&mut self) {
        // After `finish` the temp file is the cache file: nothing is left to remove.
        let _ = std::fs::remove_file(&self.temporary);
    }
}

/// One record's bytes.
fn put_record(out: &mut Vec<u8>, record: &Path, stamp: Stamp, key: &Key) {
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

/// The cache file's bytes, read in order and hashed as they go.
struct Input {
    bytes: std::io::BufReader<std::fs::File>,
    /// Bytes left before the checksum.
    left: u64,
    hasher: Sha256,
    /// The last field read.
    scratch: Vec<u8>,
}

impl Input {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        // A corrupt length must not ask for more than the file holds.
        if n as u64 > self.left {
            return Err("truncated".into());
        }
        self.scratch.resize(n, 0);
        self.bytes
            .read_exact(&mut self.scratch)
            .map_err(|_| "truncated")?;
        self.left -= n as u64;
        self.hasher.update(&self.scratch);
        Ok(&self.scratch)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        Ok(self.take(N)?.try_into().expect("N bytes taken"))
    }

    fn u32(&mut self) -> Result<u32, String> {
        self.array().map(u32::from_le_bytes)
    }

    fn u64(&mut self) -> Result<u64, String> {
        self.array().map(u64::from_le_bytes)
    }

    fn bytes_field(&mut self) -> Result<&[u8], String> {
        let length = self.u32()? as usize;
        self.take(length)
    }

    fn str(&mut self) -> Result<&str, String> {
        std::str::from_utf8(self.bytes_field()?).map_err(|_| "bad text".to_string())
    }

    fn time(&mut self) -> Result<DateTime<Utc>, String> {
        let seconds = self.u64()? as i64;
        let nanos = self.u32()?;
        DateTime::from_timestamp(seconds, nanos).ok_or_else(|| "bad time".to_string())
    }

    /// A flag byte (0: none, 1: the value follows).
    fn flag(&mut self) -> Result<bool, String> {
        match self.array()? {
            [0] => Ok(false),
            [1] => Ok(true),
            _ => Err("bad optional field".into()),
        }
    }
}

struct Reader {
    input: Input,
    /// Section terms and names read so far: a few hundred strings shared by every key.
    sections: HashSet<Arc<str>>,
}

impl Reader {
    fn record(&mut self) -> Result<(PathBuf, Stamp, Key), String> {
        let input = &mut self.input;
        let path = PathBuf::from(OsStr::from_bytes(input.bytes_field()?));
        let stamp = Stamp {
            size: input.u64()?,
            modified: input.time()?,
            inode: input.u64()?,
        };
        let id = Arc::from(input.str()?);
        let published = input.time()?;
        let updated = input.time()?;
        let fetched = input.flag()?.then(|| input.time()).transpose()?;
        let title = Arc::from(input.str()?);
        let section = self.input.flag()?.then(|| self.section()).transpose()?;
        let input = &mut self.input;
        let authors = if input.flag()? {
            let count = input.u32()? as usize;
            let authors = (0..count)
                .map(|_| input.str().map(str::to_string))
                .collect::<Result<Vec<_>, _>>()?;
            Some(Arc::from(authors))
        } else {
            None
        };
        let site = SiteParts {
            lead_image: input.u32()?,
            closing: input.u32()?,
            ..SiteParts::default()
        };
        let key = Key {
            id,
            published,
            updated,
            fetched,
            title,
            section,
            authors,
            site,
        };
        Ok((path, stamp, key))
    }

    /// A text many keys hold, one `Arc` for all of them.
    fn interned(&mut self) -> Result<Arc<str>, String> {
        let text = self.input.str()?;
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
        let name = self.input.flag()?.then(|| self.interned()).transpose()?;
        Ok(Section {
            name: name.unwrap_or_else(|| term.clone()),
            term,
        })
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
                    lead_image: 0x1234_5678,
                    closing: 7,
                    ..SiteParts::default()
                },
            },
        )
    }

    fn load_all(file: &Path, fingerprint: &str) -> Result<Vec<(PathBuf, Stamp, Key)>, String> {
        let mut records = Vec::new();
        load(file, fingerprint, &mut |path, stamp, key| {
            records.push((path, stamp, key))
        })?;
        Ok(records)
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
            save(
                &file,
                "fp",
                std::iter::once((path.clone(), stamp, key.clone())),
            )
            .unwrap();
            assert_eq!(load_all(&file, "fp").unwrap(), [(path, stamp, key)]);
        }

        assert!(load_all(&file, "other settings").is_err());
        let saved = std::fs::read(&file).unwrap();
        let mut bytes = saved.clone();
        bytes[40] ^= 1;
        std::fs::write(&file, &bytes).unwrap();
        assert!(load_all(&file, "fp").unwrap_err().contains("checksum"));
        for cut in [saved.len() - 1, saved.len() - 40, 50] {
            std::fs::write(&file, &saved[..cut]).unwrap();
            assert!(load_all(&file, "fp").is_err(), "cut at {cut}");
        }
        std::fs::write(&file, [&saved[..], b"x"].concat()).unwrap();
        assert!(load_all(&file, "fp").is_err(), "a byte too many");
        std::fs::write(&file, b"short").unwrap();
        assert!(load_all(&file, "fp").is_err());
        assert!(load_all(&dir.path().join("missing"), "fp").is_err());
    }
}

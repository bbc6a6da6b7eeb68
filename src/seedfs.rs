//! The seeds folder on disk: which names are seeds, walking the tree, and reading one file
//! safely (size cap, no blocking on FIFOs, symlinks only within the folder). Every error names
//! what went wrong; the caller adds the path.

use std::ffi::OsStr;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

/// Names that are never seeds: dot-files and the temp files editors and sync tools leave.
pub fn is_ignored_name(name: &OsStr) -> bool {
    let Some(name) = name.to_str() else {
        return false;
    };
    name.starts_with('.')
        || name.ends_with('~')
        || [".swp", ".swx", ".tmp", ".part", ".crdownload"]
            .iter()
            .any(|s| name.ends_with(s))
        || name == "4913" // vim's probe file
}

/// True when some component of `path` below `root` is ignored (a file in `.git/`, a `*.swp`).
pub fn is_ignored_path(root: &Path, path: &Path) -> bool {
    path.strip_prefix(root)
        .map(|rel| rel.iter().any(is_ignored_name))
        .unwrap_or(true)
}

/// Paths one after another in one buffer: a walk of a million seeds held as ~60 MB rather
/// than a million `PathBuf`s (~90 MB, held through a whole scan).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PathList {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl PathList {
    pub fn push(&mut self, path: &Path) {
        self.bytes.extend_from_slice(path.as_os_str().as_bytes());
        self.ends.push(self.bytes.len());
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn get(&self, i: usize) -> &Path {
        let start = i.checked_sub(1).map_or(0, |before| self.ends[before]);
        Path::new(OsStr::from_bytes(&self.bytes[start..self.ends[i]]))
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &Path> + Clone {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Paths `range` as `PathBuf`s.
    pub fn slice(&self, range: std::ops::Range<usize>) -> Vec<PathBuf> {
        range.map(|i| self.get(i).to_path_buf()).collect()
    }
}

impl<'p> FromIterator<&'p Path> for PathList {
    fn from_iter<I: IntoIterator<Item = &'p Path>>(paths: I) -> PathList {
        let mut list = PathList::default();
        for path in paths {
            list.push(path);
        }
        list
    }
}

/// Every candidate seed path at or below `dir` (files, and symlinks for `read` to judge),
/// sorted. Unreadable sub-folders are returned in `errors`.
pub fn walk(root: &Path, dir: &Path) -> (PathList, Vec<(PathBuf, String)>) {
    let mut files = PathList::default();
    let mut errors = Vec::new();
    walk_each(
        root,
        dir,
        |path| files.push(path),
        |path, reason| errors.push((path, reason)),
    );
    (files, errors)
}

/// [`walk`], handing each path to `file` as it is found and each unreadable sub-folder to
/// `error`, holding none of them.
pub fn walk_each(
    root: &Path,
    dir: &Path,
    mut file: impl FnMut(&Path),
    mut error: impl FnMut(PathBuf, String),
) {
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter();
    for item in walker.filter_entry(|e| e.depth() == 0 || !is_ignored_name(e.file_name())) {
        match item {
            Ok(e) if !e.file_type().is_dir() && !is_ignored_path(root, e.path()) => file(e.path()),
            Ok(_) => {}
            Err(err) => {
                let path = err
                    .path()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| dir.to_path_buf());
                if err.io_error().map(io::Error::kind) != Some(io::ErrorKind::NotFound) {
                    error(path, describe_io(err.io_error()))
                }
            }
        }
    }
}

/// What identifies one version of a file without reading it: if size, mtime and inode are
/// the same, the bytes are taken to be the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stamp {
    pub size: u64,
    pub modified: DateTime<Utc>,
    pub inode: u64,
}

impl Stamp {
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        use std::os::unix::fs::MetadataExt;
        Stamp {
            size: meta.len(),
            modified: meta
                .modified()
                .map(|at| DateTime::<Utc>::from(at).clamp(EARLIEST_MTIME, LATEST_MTIME))
                .unwrap_or(DateTime::UNIX_EPOCH),
            inode: meta.ino(),
        }
    }

    /// The mtime in nanoseconds since 1970, exact for every stamp [`Stamp::of`] makes.
    pub fn modified_nanos(&self) -> i64 {
        self.modified
            .clamp(EARLIEST_MTIME, LATEST_MTIME)
            .timestamp_nanos_opt()
            .expect("clamped to what nanoseconds hold")
    }
}

/// The mtimes a stamp tells apart (1677–2262: what an `i64` of nanoseconds holds, so the store
/// keeps a stamp in 8 bytes and gives it back equal); a file dated beyond is taken to be
/// dated at the end, which only its identity uses.
const EARLIEST_MTIME: DateTime<Utc> = DateTime::from_timestamp_nanos(i64::MIN);
const LATEST_MTIME: DateTime<Utc> = DateTime::from_timestamp_nanos(i64::MAX);

/// What is at a path now.
#[derive(Debug)]
pub enum Found {
    /// A seed's bytes, and the stamp of the file they were read from.
    Seed { bytes: Vec<u8>, stamp: Stamp },
    /// A directory: walk it.
    Dir,
    /// Nothing, or something that is not a seed (a dangling link, a FIFO, a socket, a device):
    /// whatever the path held before is gone.
    Nothing,
}

/// Why an existing file cannot be used as a seed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("file is {size} bytes, more than max_file_bytes ({limit})")]
    TooLarge { size: u64, limit: u64 },
    #[error("symlink points outside the seeds folder")]
    OutsideRoot,
    #[error("cannot read: {0}")]
    Io(String),
}

/// Looks at `path` (inside the canonical `root`) and reads it if it is a seed.
pub fn read(root: &Path, path: &Path, max_bytes: u64) -> Result<Found, ReadError> {
    let link_meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if gone(&e) => return Ok(Found::Nothing),
        Err(e) => return Err(ReadError::Io(describe(&e))),
    };
    if link_meta.file_type().is_symlink() {
        match std::fs::canonicalize(path) {
            Ok(target) if !target.starts_with(root) => return Err(ReadError::OutsideRoot),
            Ok(_) => {}
            Err(e) if gone(&e) => return Ok(Found::Nothing),
            Err(e) => return Err(ReadError::Io(describe(&e))),
        }
    }
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if gone(&e) => return Ok(Found::Nothing),
        Err(e) => return Err(ReadError::Io(describe(&e))),
    };
    if meta.is_dir() {
        // A symlinked folder is not followed: walking it could loop or leave the root.
        return Ok(if link_meta.file_type().is_symlink() {
            Found::Nothing
        } else {
            Found::Dir
        });
    }
    if !meta.is_file() {
        return Ok(Found::Nothing);
    }
    if meta.len() > max_bytes {
        return Err(ReadError::TooLarge {
            size: meta.len(),
            limit: max_bytes,
        });
    }
    // O_NONBLOCK: if the path was swapped for a FIFO since the check, open must not hang.
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if gone(&e) => return Ok(Found::Nothing),
        Err(e) => return Err(ReadError::Io(describe(&e))),
    };
    let (bytes, stamp) = read_capped(file, max_bytes)?;
    Ok(Found::Seed { bytes, stamp })
}

/// The bytes of an open file, and the stamp of exactly that file (fstat, not the path).
fn read_capped(file: File, max_bytes: u64) -> Result<(Vec<u8>, Stamp), ReadError> {
    let opened = file.metadata().map_err(|e| ReadError::Io(describe(&e)))?;
    if !opened.is_file() {
        return Err(ReadError::Io("not a regular file".into()));
    }
    let stamp = Stamp::of(&opened);
    let size = opened.len().min(max_bytes) as usize;
    let mut bytes = Vec::new();
    crate::uncached::read_start(&file, size, &mut bytes);
    // All of it but for a partial or refused read, or a file that grew since the fstat.
    if bytes.len() != size {
        read_rest(file, max_bytes, &mut bytes).map_err(|e| ReadError::Io(describe(&e)))?;
    }
    if bytes.len() as u64 > max_bytes {
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
            limit: max_bytes,
        });
    }
    Ok((bytes, stamp))
}

/// Reads on from `bytes.len()` to the end of `file`, or one byte past `max_bytes`.
fn read_rest(mut file: File, max_bytes: u64, bytes: &mut Vec<u8>) -> io::Result<()> {
    let from = bytes.len() as u64;
    file.seek(io::SeekFrom::Start(from))?;
    file.take((max_bytes + 1).saturating_sub(from))
        .read_to_end(bytes)?;
    Ok(())
}

fn gone(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
    )
}

fn describe(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string().to_lowercase(),
    }
}

fn describe_io(e: Option<&io::Error>) -> String {
    e.map(describe).unwrap_or_else(|| "symlink loop".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_list_gives_back_each_path_as_pushed() {
        let paths = ["/s/a.txt", "", "/s/日本/b", "/s/\u{1}"].map(PathBuf::from);
        let mut odd = PathBuf::from("/s");
        odd.push(OsStr::from_bytes(b"x\xff.md"));
        let all: Vec<PathBuf> = paths.into_iter().chain([odd]).collect();
        let list: PathList = all.iter().map(PathBuf::as_path).collect();
        assert_eq!(list.len(), all.len());
        assert_eq!(
            list.iter().collect::<Vec<_>>(),
            all.iter().map(PathBuf::as_path).collect::<Vec<_>>()
        );
        assert_eq!(list.slice(2..4), all[2..4]);
        assert!(PathList::default().is_empty());
    }

    #[test]
    fn ignored_names() {
        for name in [
            ".hidden", ".#lock", "a.swp", "a.txt~", "x.tmp", "y.part", "4913",
        ] {
            assert!(is_ignored_name(OsStr::new(name)), "{name}");
        }
        for name in ["000_67399eae5ff3ec9e.txt", "nyt_1.md", "tmp", "swp.txt"] {
            assert!(!is_ignored_name(OsStr::new(name)), "{name}");
        }
        assert!(is_ignored_path(
            Path::new("/s"),
            Path::new("/s/.git/objects/x")
        ));
        assert!(!is_ignored_path(
            Path::new("/s"),
            Path::new("/s/2020/a.txt")
        ));
    }
}

//! Reading a file the page cache does not hold, straight from the disk into a buffer of our
//! own (`O_DIRECT`), for a cold scan of a million seeds.
//!
//! Why: with the page cache dropped, reading this machine's million generated seeds through
//! the cache cost 49 s of kernel CPU (8 threads, 34 s), most of it copying freshly filled
//! cache pages out; read direct when the cache misses, 22 s (27 s): the kernel's CPU was half
//! a cold start's, on two cores that parsing needs too (`bench/README.md`, "Cold start").
//! A file the cache holds (a change just written, a warm folder) is read from it as before,
//! in the same one call: the first read asks the cache only (`RWF_NOWAIT`) and goes to the
//! disk only when the cache has none of it. Where direct reads are not supported (tmpfs,
//! some network and overlay file systems) or anything is unexpected, the caller reads as
//! usual: this only ever saves work.

use std::cell::RefCell;
use std::fs::File;
use std::os::fd::AsRawFd;

/// Direct reads want the buffer's address, the length and the offset aligned to the
/// device's logical block: 4 KiB covers every block size in use.
const ALIGN: usize = 4096;

/// A landing buffer up to this size is kept for the thread's next read; a larger one (a seed
/// far longer than most) is freed after its read.
const KEEP: usize = 64 << 10;

thread_local! {
    /// The aligned buffer direct reads land in, one a thread.
    static LANDING: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Reads the start of `file` (`size` bytes when opened; the file position is not used or
/// moved) into `bytes`, which must be empty: from the page cache when it holds the start,
/// else straight from the disk. What was read is in `bytes` (the whole file, or a prefix of
/// it: the caller reads on from `bytes.len()`); nothing when the caller should read as usual.
pub fn read_start(file: &File, size: usize, bytes: &mut Vec<u8>) {
    debug_assert!(bytes.is_empty());
    // One byte more than the size, so a read that fills it says the file grew.
    let want = size + 1;
    bytes.reserve(want);
    match read_cached(file, &mut bytes.spare_capacity_mut()[..want]) {
        Ok(read) => {
            // SAFETY: the kernel wrote `read` bytes at the start of the spare capacity.
            unsafe { bytes.set_len(read) }
        }
        Err(e) if e.raw_os_error() == Some(libc::EAGAIN) => read_direct(file, want, bytes),
        // Anything else (an old kernel without RWF_NOWAIT): the caller reads as usual.
        Err(_) => {}
    }
}

/// A read of what the page cache holds from offset 0, without waiting for the disk
/// (`EAGAIN` when the cache has none of it).
fn read_cached(file: &File, into: &mut [std::mem::MaybeUninit<u8>]) -> std::io::Result<usize> {
    let vector = libc::iovec {
        iov_base: into.as_mut_ptr().cast(),
        iov_len: into.len(),
    };
    // SAFETY: one vector over memory we own and may write; the fd is open for reading.
    let read = unsafe { libc::preadv2(file.as_raw_fd(), &vector, 1, 0, libc::RWF_NOWAIT) };
    usize::try_from(read).map_err(|_| std::io::Error::last_os_error())
}

/// Reads the first `want` bytes of `file` direct from the disk into `bytes`; leaves it
/// empty when the file system refuses direct reads.
fn read_direct(file: &File, want: usize, bytes: &mut Vec<u8>) {
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on an fd we own, flags read and then set with one more bit.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags | libc::O_DIRECT) } < 0 {
        return;
    }
    let length = want.div_ceil(ALIGN) * ALIGN;
    let mut land = |landing: &mut Vec<u8>| {
        landing.resize(length + ALIGN, 0);
        let start = landing.as_ptr().align_offset(ALIGN);
        let area = &mut landing[start..start + length];
        // SAFETY: `area` is ours to write, `length` bytes at an aligned address.
        let read = unsafe { libc::pread(fd, area.as_mut_ptr().cast(), length, 0) };
        if let Ok(read) = usize::try_from(read) {
            bytes.extend_from_slice(&area[..read.min(want)]);
        }
    };
    if length + ALIGN <= KEEP {
        LANDING.with_borrow_mut(land);
    } else {
        land(&mut Vec::new());
    }
    // The caller may read on (a file that grew): buffered, at any offset.
    // SAFETY: as above, the flags as they were.
    unsafe { libc::fcntl(fd, libc::F_SETFL, flags) };
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::os::fd::AsRawFd;

    use super::*;

    /// A file of `size` bytes, written through and then dropped from the page cache, so the
    /// read goes to the disk (where the file system allows direct reads; else as usual).
    fn uncached_file(dir: &std::path::Path, size: usize) -> (std::path::PathBuf, Vec<u8>) {
        let path = dir.join(format!("seed-{size}.md"));
        let content: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
        let mut file = File::create(&path).unwrap();
        file.write_all(&content).unwrap();
        file.sync_all().unwrap();
        // SAFETY: advice on an fd we own; clean pages are dropped, nothing else changes.
        unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
        (path, content)
    }

    #[test]
    fn a_file_out_of_the_cache_reads_the_same_bytes_at_every_size_around_a_block() {
        let dir = tempfile::tempdir().unwrap();
        for size in [0, 1, 4095, 4096, 4097, 12_345, KEEP, KEEP + 1, 200_000] {
            let (path, content) = uncached_file(dir.path(), size);
            let mut bytes = Vec::new();
            read_start(&File::open(&path).unwrap(), size, &mut bytes);
            assert_eq!(bytes, content, "{size} bytes");
            // Read again, now from wherever the first read left it.
            let mut again = Vec::new();
            read_start(&File::open(&path).unwrap(), size, &mut again);
            assert_eq!(again, content, "{size} bytes, read again");
        }
    }

    #[test]
    fn a_file_longer_than_its_stated_size_gives_one_byte_more_to_say_so() {
        let dir = tempfile::tempdir().unwrap();
        let (path, content) = uncached_file(dir.path(), 9_000);
        let mut bytes = Vec::new();
        read_start(&File::open(&path).unwrap(), 100, &mut bytes);
        assert_eq!(bytes, content[..101]);
    }

    #[test]
    fn the_whole_read_of_an_uncached_seed_is_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        for size in [3, 5000, 70_000] {
            let (path, content) = uncached_file(&root, size);
            match crate::seedfs::read(&root, &path, 1 << 20).unwrap() {
                crate::seedfs::Found::Seed { bytes, stamp } => {
                    assert_eq!(bytes, content);
                    assert_eq!(stamp.size, size as u64);
                }
                other => panic!("{size} bytes: {other:?}"),
            }
        }
    }
}

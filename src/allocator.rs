//! The process's dealings with glibc's allocator: how it is set up, and when it hands freed
//! memory back to the system.

/// Two settings of glibc's allocator, made once before other threads start:
/// - allocations of 1 MiB and more (large documents, the compressors' windows) get their own
///   mappings, returned to the OS when freed: glibc's default raises that threshold after the
///   first such free, and from then on keeps up to twice the largest freed block resident in
///   each thread's arena (13 MB of a 29 MB process serving 1,000 seeds); smaller documents come
///   from the reused heap (faster to write → visible than a fresh mapping each);
/// - two arenas per core, not glibc's eight: each arena keeps its own freed memory, and a
///   storm of long-tail renders (render, parse, compress and HTTP threads all allocating)
///   peaked 181 MB with the default on 2 cores, 163 MB with four arenas, 153 MB with two (the
///   archive sample, `bench/storm.sh`); but with two the HTTP workers wait for each other's
///   allocations (~10% fewer requests a second), with four they do not.
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        libc::mallopt(libc::M_ARENA_MAX, (2 * cores).max(4) as libc::c_int);
    }
}

/// Hands freed heap memory back to the OS (after the scan, after a storm of renders, after a
/// burst of changes), so the resident size reflects what is kept, not what was briefly needed.
pub fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free heap pages; it touches no live allocation.
    unsafe {
        libc::malloc_trim(0);
    }
}

//! Wiring: initial scan → store → render → publish; then the watcher feeds change batches to
//! one update thread, which publishes a new immutable snapshot after each. A compressor thread
//! then swaps in the same snapshot with every coding filled in, unless a newer one got there
//! first. The socket is bound only after the initial scan, so the first request sees the whole
//! feed.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::{self, JoinHandle};
use std::time::Instant;

use arc_swap::ArcSwap;
use tracing::{debug, info};

use crate::config::Config;
use crate::index::{Indexer, ScanReport};
use crate::snapshot::Snapshot;
use crate::watch::{self, Batch};
use crate::{feed, http};

/// The state every request reads: swapped whole, never mutated.
pub type Published = Arc<ArcSwap<Snapshot>>;

/// Why the server could not start. Every variant means "fix the setup", exit status 2.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("[seeds] dir: cannot open {path}: {source}")]
    Seeds {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("[server] bind: cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot watch the seeds folder {path}: {source}")]
    Watch {
        path: PathBuf,
        source: notify_debouncer_full::notify::Error,
    },
    #[error("cannot start the HTTP server: {0}")]
    Http(std::io::Error),
}

/// A running server: its address, and the handles that stop it.
pub struct Running {
    pub addr: SocketAddr,
    pub report: ScanReport,
    published: Published,
    server: actix_web::dev::ServerHandle,
    server_thread: JoinHandle<std::io::Result<()>>,
    watcher: Option<watch::Watcher>,
    updates: Option<JoinHandle<()>>,
    compressor: Option<JoinHandle<()>>,
}

/// Scans, binds, starts watching and serving; returns once requests can be answered.
pub fn start(config: Config) -> Result<Running, StartError> {
    let mut indexer = Indexer::open(&config).map_err(|source| StartError::Seeds {
        path: config.seeds.dir.clone(),
        source,
    })?;
    let report = indexer.scan();
    info!(
        entries = report.entries,
        rejected = report.rejected,
        ms = report.elapsed.as_millis() as u64,
        folder = %indexer.root().display(),
        "initial scan done"
    );
    let published: Published = Arc::new(ArcSwap::from_pointee(indexer.render().first_snapshot()));

    let listener = TcpListener::bind(config.server.bind).map_err(|source| StartError::Bind {
        addr: config.server.bind,
        source,
    })?;
    let addr = listener.local_addr().map_err(StartError::Http)?;

    let (sender, batches) = mpsc::channel();
    let root = indexer.root().to_path_buf();
    let watcher = watch::start(&root, config.seeds.debounce, sender)
        .map_err(|source| StartError::Watch { path: root, source })?;
    let (to_compress, uncompressed) = mpsc::channel();
    let _ = to_compress.send(published.load_full());
    let compressor = {
        let published = published.clone();
        thread::Builder::new()
            .name("seedfeed-compress".into())
            .spawn(move || compress_loop(uncompressed, published))
            .map_err(StartError::Http)?
    };
    let updates = {
        let published = published.clone();
        thread::Builder::new()
            .name("seedfeed-update".into())
            .spawn(move || update_loop(indexer, batches, published, to_compress))
            .map_err(StartError::Http)?
    };

    let (handle_sender, handle_receiver) = mpsc::channel();
    let workers = config.server.workers;
    let feed_urls: Vec<(String, &str)> = feed::home::FORMATS
        .iter()
        .map(|(path, media_type, _)| (feed::home::absolute(&config.feed, path), *media_type))
        .collect();
    let settings = http::Settings::new(config.server.cache_max_age, &feed_urls);
    let state = published.clone();
    let server_thread = thread::Builder::new()
        .name("seedfeed-http".into())
        .spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = http::server(listener, state, settings, workers)?;
                let _ = handle_sender.send(server.handle());
                server.await
            })
        })
        .map_err(StartError::Http)?;
    let server = match handle_receiver.recv() {
        Ok(handle) => handle,
        Err(_) => {
            let error = server_thread.join().ok().and_then(Result::err);
            return Err(StartError::Http(
                error.unwrap_or_else(|| std::io::Error::other("HTTP thread ended")),
            ));
        }
    };
    info!(%addr, "serving /, /rss.xml, /atom.xml and /feed.json");
    Ok(Running {
        addr,
        report,
        published,
        server,
        server_thread,
        watcher: Some(watcher),
        updates: Some(updates),
        compressor: Some(compressor),
    })
}

impl Running {
    /// The snapshot being served now.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.published.load_full()
    }

    /// Blocks until the HTTP server stops (on SIGINT/SIGTERM, or `stop`).
    pub fn wait(mut self) -> std::io::Result<()> {
        let result = self.join_server();
        self.stop_updates();
        result
    }

    /// Stops accepting, lets in-flight responses finish, stops watching.
    pub fn stop(mut self) -> std::io::Result<()> {
        actix_web::rt::System::new().block_on(self.server.stop(true));
        let result = self.join_server();
        self.stop_updates();
        result
    }

    fn join_server(&mut self) -> std::io::Result<()> {
        let thread = std::mem::replace(&mut self.server_thread, thread::spawn(|| Ok(())));
        thread
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("HTTP thread panicked")))
    }

    fn stop_updates(&mut self) {
        // Dropping the watcher closes the channel, which ends the update loop, whose end
        // closes the compressor's channel.
        drop(self.watcher.take());
        for thread in [self.updates.take(), self.compressor.take()]
            .into_iter()
            .flatten()
        {
            let _ = thread.join();
        }
    }
}

/// The one writer: applies batches (coalescing any that queued up meanwhile), publishes the
/// new state at once (uncompressed where it changed), and hands it to the compressor.
fn update_loop(
    mut indexer: Indexer,
    batches: Receiver<Batch>,
    published: Published,
    to_compress: Sender<Arc<Snapshot>>,
) {
    while let Ok(first) = batches.recv() {
        let started = Instant::now();
        let mut count = 0;
        for batch in std::iter::once(first).chain(batches.try_iter()) {
            indexer.apply(&batch);
            count += 1;
        }
        let next = Arc::new(indexer.render().snapshot_after(&published.load()));
        published.store(next.clone());
        debug!(
            batches = count,
            us = started.elapsed().as_micros() as u64,
            "change applied"
        );
        if !next.is_compressed() {
            let _ = to_compress.send(next);
        }
    }
}

/// Fills in the codings of the newest state and swaps it in, only if that state is still the
/// one published: a newer state is never replaced by an older one. Runs on one core at low
/// priority: identity bytes are already served, and the next change must not wait for this.
fn compress_loop(uncompressed: Receiver<Arc<Snapshot>>, published: Published) {
    lower_priority_of_this_thread();
    while let Ok(first) = uncompressed.recv() {
        let newest = uncompressed.try_iter().last().unwrap_or(first);
        let started = Instant::now();
        let compressed = Arc::new(newest.compressed());
        let previous = published.compare_and_swap(&newest, compressed);
        debug!(
            us = started.elapsed().as_micros() as u64,
            swapped = Arc::ptr_eq(&previous, &newest),
            "compressed"
        );
    }
}

/// `nice 10` for the calling thread only (Linux applies priorities per thread).
fn lower_priority_of_this_thread() {
    // SAFETY: plain syscalls on the calling thread's id; failure only leaves the priority as is.
    unsafe {
        let thread_id = libc::syscall(libc::SYS_gettid) as libc::id_t;
        let _ = libc::setpriority(libc::PRIO_PROCESS, thread_id, 10);
    }
}

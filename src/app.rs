//! Wiring: the initial scan, then the threads — the update thread (`update/`), which applies
//! change batches and publishes immutable snapshots; the compressor, which fills in their
//! codings; the render thread, which renders the long tail; the HTTP server — and the handle
//! that stops them. The socket is bound first, so a port taken fails the start at once; until
//! the first state is published (after the initial scan) every document is answered 503 with
//! `Retry-After` — `/healthz` says the process is up, `/readyz` that it is not ready yet — so
//! no request ever sees part of the feed.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, Sender};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use tracing::{info, warn};

use crate::compressor::Compressor;
use crate::config::Config;
use crate::inbox::Update;
use crate::index::{self, Indexer, ScanReport};
use crate::metrics::Metrics;
use crate::progress::ScanProgress;
use crate::render_thread::RenderThread;
use crate::snapshot::{Published, Snapshot};
use crate::tail::Tail;
use crate::update::{self, AUTHORS_PER_ROUND, UpdateLoop};
use crate::{allocator, http, watch, websub};

/// Why the server could not start. Every variant means "fix the setup", exit status 2.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("[seeds] dir: cannot open {path}: {source}")]
    Seeds {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("[server] {key}: cannot listen on {addr}: {source}")]
    Bind {
        key: &'static str,
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot start the HTTP server: {0}")]
    Http(std::io::Error),
}

/// A running server: its address, and the handles that stop it.
pub struct Running {
    pub addr: SocketAddr,
    /// Where the operator's own listener is bound (`[server] operator_bind`), if anywhere.
    pub operator_addr: Option<SocketAddr>,
    /// Watches the config file while the server runs.
    _config_watch: Option<notify::RecommendedWatcher>,
    pub report: ScanReport,
    published: Published,
    server: actix_web::dev::ServerHandle,
    server_thread: JoinHandle<std::io::Result<()>>,
    updates_sender: Sender<Update>,
    /// The update, compressor and render threads.
    threads: Vec<JoinHandle<()>>,
}

/// SIGTERM or SIGINT → exit within 5 s whatever the server is doing: in-flight responses get
/// this long, then the update, compressor and render threads [`THREADS_GRACE`] more (a
/// thread still busy then is abandoned).
const RESPONSES_GRACE: Duration = Duration::from_secs(3);
const THREADS_GRACE: Duration = Duration::from_millis(1500);
/// Up to this many unread bylines at start are read before the bind: ~0.15 s on two cores.
const AUTHORS_BEFORE_BIND: usize = 2_000;

/// Scans, binds, starts watching and serving; returns once requests can be answered.
pub fn start(config: Config) -> Result<Running, StartError> {
    let (listener, operator_listener) = bind_all(&config)?;
    let addr = listener.local_addr().map_err(StartError::Http)?;
    let operator_addr = operator_listener
        .as_ref()
        .map(TcpListener::local_addr)
        .transpose()
        .map_err(StartError::Http)?;
    let (updates_sender, updates) = mpsc::channel();
    let tail = Arc::new(Tail::new(config.server.memory_budget));
    // Empty (generation 0: not ready) until the first state is published below.
    let published: Published = Arc::new(ArcSwap::from_pointee(Snapshot::default()));
    let metrics = Metrics::new(published.clone(), tail.clone());
    let sources = http::Sources {
        published: published.clone(),
        tail: tail.clone(),
        updates: updates_sender.clone(),
        metrics: metrics.clone(),
    };
    let settings = shared_settings(&config, operator_addr);
    let (server, server_thread) = serve(
        listener,
        operator_listener,
        sources,
        settings.clone(),
        &config,
    )?;
    // The index cache (a restart) or the folder (a cold start) read while the port answers
    // 503: at a million seeds the cache alone takes ~2 s to load.
    let (indexer, report, scanned) = match open_and_scan(&config, &updates_sender) {
        Ok(scanned) => scanned,
        Err(error) => {
            actix_web::rt::System::new().block_on(server.stop(false));
            return Err(error);
        }
    };
    let (compressor, compressor_thread) =
        Compressor::start(published.clone(), tail.clone()).map_err(StartError::Http)?;
    let (renderer, render_thread) =
        RenderThread::start(tail.clone(), metrics.clone()).map_err(StartError::Http)?;
    let mut update_loop = UpdateLoop::new(update::Parts {
        indexer,
        seeds: config.seeds.clone(),
        updates: updates_sender.clone(),
        tail: tail.clone(),
        renderer,
        compressor: compressor.clone(),
        websub: websub::Pinger::start(config.feed.hubs.clone(), metrics.clone()),
        scanned,
        metrics,
        config: config.clone(),
        settings,
    });
    published.store(Arc::new(update_loop.first_snapshot()));
    compressor.snapshot(published.load_full());

    let published_too = published.clone();
    let updates_thread = thread::Builder::new()
        .name("seedfeed-update".into())
        .spawn(move || update_loop.run(updates, published_too))
        .map_err(StartError::Http)?;
    let config_watch = watch_config(&config, &updates_sender);
    info!(%addr, "serving /, /rss.xml, /atom.xml, /feed.json, each folder's feeds under /<folder>/, /opml.xml and /status");
    Ok(Running {
        addr,
        operator_addr,
        _config_watch: config_watch,
        report,
        published,
        server,
        server_thread,
        updates_sender,
        threads: vec![updates_thread, compressor_thread, render_thread],
    })
}

/// The first state. A cold start scans the folder (on every core, with progress) and reads a
/// small folder's bylines; a restart serves the index cache's keys at once. Either way the
/// watcher's set-up and a check of the folder against the store are left to a thread of its
/// own, which hands both to the update loop ([`Update::Watching`], [`Update::Checked`] a
/// slice at a time), and what changed meanwhile is read again: while the server was down (a
/// restart) or while the scan read the folder (a cold start: a file changed after it was read
/// would otherwise wait for its next change). At 1,000,000 seeds the walk, a million stats and
/// notify's set-up took 5–15 s warm, far more with the page cache dropped. The watcher comes
/// after the scan: each of its opens would have been an event to sift (the benchmark's cold
/// start measured 1.16× the reference with the watcher beside it, 1.07× without). Returns the
/// report, and whether the state came from a scan.
fn scan_and_watch(
    indexer: &mut Indexer,
    config: &Config,
    updates: &Sender<Update>,
) -> Result<(ScanReport, bool), StartError> {
    let root = indexer.root().to_path_buf();
    let resuming = indexer.has_cached_keys();
    let report = match resuming {
        true => indexer.resume_from_cache(),
        false => {
            let progress = ScanProgress::new();
            indexer.scan_with_progress(&|done, total| progress.update(done, total))
        }
    };
    info!(
        entries = report.entries,
        rejected = report.rejected,
        ms = report.elapsed.as_millis() as u64,
        folder = %root.display(),
        from = if resuming { "the index cache" } else { "a scan" },
        "first state ready (the folder is checked again meanwhile)"
    );
    read_few_bylines(indexer);
    allocator::release_freed_memory();
    let (seeds, sender) = (config.seeds.clone(), updates.clone());
    thread::Builder::new()
        .name("seedfeed-check".into())
        .spawn(move || {
            // Watching first: a change after the walk passed a file is then an event.
            let watcher = update::start_watcher(&seeds, &root, &sender);
            let _ = sender.send(Update::Watching(watcher));
            index::check_folder(&root, |check| {
                // The receiver is gone only while shutting down.
                let _ = sender.send(Update::Checked(Box::new(check)));
            });
        })
        .map_err(StartError::Http)?;
    Ok((report, !resuming))
}

/// A small folder's bylines are read before the bind (a fraction of a second), so its first
/// pages already list its authors and do not change a moment later; a large one's are read
/// in the background by the update loop.
fn read_few_bylines(indexer: &mut Indexer) {
    if indexer.store().authors_unread() > AUTHORS_BEFORE_BIND {
        return;
    }
    indexer.read_every_author(AUTHORS_PER_ROUND);
    indexer.take_journal();
}

/// What the handlers read of the config; the update thread swaps it on a reload.
fn shared_settings(config: &Config, operator_addr: Option<SocketAddr>) -> http::SharedSettings {
    let settings = http::Settings::new(
        &config.server,
        &config.feed.base_url,
        &config.feed.hubs,
        operator_addr,
    );
    Arc::new(ArcSwap::from_pointee(settings))
}

/// An edit to the config file reloads it, like SIGHUP.
fn watch_config(config: &Config, updates: &Sender<Update>) -> Option<notify::RecommendedWatcher> {
    let file = config.file.as_deref()?;
    let updates = updates.clone();
    watch::config_file(file, move || {
        let _ = updates.send(Update::Reload("the config file changed"));
    })
}

/// The index opened (a restart's cache loaded) and its first state read: see
/// [`scan_and_watch`].
fn open_and_scan(
    config: &Config,
    updates: &Sender<Update>,
) -> Result<(Indexer, ScanReport, bool), StartError> {
    let mut indexer = Indexer::open(config).map_err(|source| StartError::Seeds {
        path: config.seeds.dir.clone(),
        source,
    })?;
    let (report, scanned) = scan_and_watch(&mut indexer, config, updates)?;
    Ok((indexer, report, scanned))
}

/// The public listener and the operator's own, if configured.
fn bind_all(config: &Config) -> Result<(TcpListener, Option<TcpListener>), StartError> {
    let listener = bind("bind", config.server.bind)?;
    let operator = config.server.operator_bind;
    let operator_listener = operator
        .map(|addr| bind("operator_bind", addr))
        .transpose()?;
    Ok((listener, operator_listener))
}

fn bind(key: &'static str, addr: SocketAddr) -> Result<TcpListener, StartError> {
    TcpListener::bind(addr).map_err(|source| StartError::Bind { key, addr, source })
}

/// Starts the HTTP server on its own thread; returns once it accepts connections.
fn serve(
    listener: TcpListener,
    operator_listener: Option<TcpListener>,
    sources: http::Sources,
    settings: http::SharedSettings,
    config: &Config,
) -> Result<
    (
        actix_web::dev::ServerHandle,
        JoinHandle<std::io::Result<()>>,
    ),
    StartError,
> {
    let (handle_sender, handle_receiver) = mpsc::channel();
    let workers = config.server.workers;
    let server_thread = thread::Builder::new()
        .name("seedfeed-http".into())
        .spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = http::server(
                    listener,
                    operator_listener,
                    sources,
                    settings,
                    workers,
                    RESPONSES_GRACE,
                )?;
                let _ = handle_sender.send(server.handle());
                server.await
            })
        })
        .map_err(StartError::Http)?;
    match handle_receiver.recv() {
        Ok(handle) => Ok((handle, server_thread)),
        Err(_) => {
            let error = server_thread.join().ok().and_then(Result::err);
            Err(StartError::Http(error.unwrap_or_else(|| {
                std::io::Error::other("HTTP thread ended")
            })))
        }
    }
}

impl Running {
    /// The snapshot being served now.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.published.load_full()
    }

    /// Blocks until the HTTP server stops (on SIGINT/SIGTERM, or `stop`), then stops the
    /// update, compressor and render threads within [`THREADS_GRACE`]. An error names a thread that
    /// panicked while the server ran.
    pub fn wait(mut self) -> std::io::Result<()> {
        let served = self.join_server();
        let stopped = self.stop_updates();
        served.and(stopped)
    }

    /// Stops accepting, lets in-flight responses finish, stops watching.
    pub fn stop(mut self) -> std::io::Result<()> {
        actix_web::rt::System::new().block_on(self.server.stop(true));
        let served = self.join_server();
        let stopped = self.stop_updates();
        served.and(stopped)
    }

    fn join_server(&mut self) -> std::io::Result<()> {
        let thread = std::mem::replace(&mut self.server_thread, thread::spawn(|| Ok(())));
        thread
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("HTTP thread panicked")))
    }

    /// Tells the update loop to stop (it saves the index cache, drops the watcher and, ending,
    /// stops the compressor and the render thread) and waits for the three threads until
    /// [`THREADS_GRACE`] has passed. A thread still busy then, such as the compressor halfway
    /// through a large document, is abandoned: the process exits without it, and the next
    /// start compresses again. The cache is written to a temporary file and renamed, so an
    /// abandoned save leaves the previous cache whole.
    fn stop_updates(&mut self) -> std::io::Result<()> {
        let _ = self.updates_sender.send(Update::Stop);
        let deadline = Instant::now() + THREADS_GRACE;
        let mut result = Ok(());
        for thread in std::mem::take(&mut self.threads) {
            if let Err(error) = join_before(thread, deadline) {
                result = result.and(Err(error));
            }
        }
        result
    }
}

/// Joins `thread` if it ends before `deadline`; one still running then is left behind. An
/// error says the thread panicked.
fn join_before(thread: JoinHandle<()>, deadline: Instant) -> std::io::Result<()> {
    let name = thread.thread().name().unwrap_or("a worker").to_string();
    while !thread.is_finished() {
        if Instant::now() >= deadline {
            warn!(thread = %name, "still busy at shutdown; abandoned");
            return Ok(());
        }
        thread::sleep(Duration::from_millis(5));
    }
    thread
        .join()
        .map_err(|_| std::io::Error::other(format!("thread {name} panicked")))
}

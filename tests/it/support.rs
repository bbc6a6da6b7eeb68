//! The harness: a temp seeds folder, the real server on 127.0.0.1:0, HTTP over loopback.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use seedfeed::app::Running;
use seedfeed::config::Config;

pub const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus");
pub const PROJECT_SEEDS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/seeds");

/// A seed file's text.
pub fn seed(title: &str, link: &str, epoch_ms: i64, body: &str) -> String {
    format!("<!--{epoch_ms}-->\n[{title}]({link})\n------\n\n{body}\n")
}

/// The `i`-th of a numbered series: link `https://x.example/world/{i}`, published `i` minutes
/// after a fixed start, so higher numbers are newer.
pub fn numbered_seed(i: usize, title: &str) -> String {
    seed(
        title,
        &format!("https://x.example/world/{i}"),
        1_600_000_000_000 + i as i64 * 60_000,
        "<p>body</p>",
    )
}

/// Config text for a seeds folder, listening on an ephemeral loopback port.
pub fn config_text(seeds: &Path, limit: usize) -> String {
    format!(
        r#"[server]
bind = "127.0.0.1:0"
workers = 1
[seeds]
dir = "{}"
timezone = "Asia/Shanghai"
debounce_ms = 20
cache = ""
[feed]
title = "Test feed"
description = "Seeds under test"
base_url = "http://127.0.0.1:8080/"
site_url = "https://cn.nytimes.com/"
language = "zh-CN"
limit = {limit}
"#,
        seeds.display()
    )
}

/// [`config_text`] with the index cache kept at `cache`.
pub fn config_with_cache(seeds: &Path, limit: usize, cache: &Path) -> String {
    config_text(seeds, limit).replace(
        "cache = \"\"",
        &format!("cache = {:?}", cache.display().to_string()),
    )
}

pub struct Server {
    running: Option<Running>,
    pub seeds: PathBuf,
    pub base: String,
    _dir: Option<tempfile::TempDir>,
}

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("body is UTF-8")
    }
}

impl Server {
    /// A temp seeds folder holding `files` (relative path, text), served with `limit`.
    pub fn with_files(files: &[(&str, String)], limit: usize) -> Server {
        Server::with_files_and_config(files, |seeds| config_text(seeds, limit))
    }

    /// Like `with_files`, with the config text made by `config` from the seeds folder.
    pub fn with_files_and_config(
        files: &[(&str, String)],
        config: impl FnOnce(&Path) -> String,
    ) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let seeds = dir.path().join("seeds");
        std::fs::create_dir(&seeds).unwrap();
        for (name, text) in files {
            write(&seeds.join(name), text.as_bytes());
        }
        let mut server = Server::start(&seeds, &config(&seeds));
        server._dir = Some(dir);
        server
    }

    /// Serves an existing folder (read-only use).
    pub fn serving(seeds: &Path, limit: usize) -> Server {
        Server::start(seeds, &config_text(seeds, limit))
    }

    pub fn start(seeds: &Path, config_text: &str) -> Server {
        let config = Config::parse(config_text, Path::new("/")).expect("test config is valid");
        let running = seedfeed::app::start(config).expect("server starts");
        let base = format!("http://{}", running.addr);
        let seeds = std::fs::canonicalize(seeds).unwrap();
        let server = Server {
            running: Some(running),
            seeds,
            base,
            _dir: None,
        };
        server.wait_for_the_folder_check();
        server
    }

    /// A restart from the index cache answers before it has checked the folder against the
    /// cache (`/status` says `started_from_cache: null` until then): tests look at the state
    /// after the check.
    fn wait_for_the_folder_check(&self) {
        let started = Instant::now();
        loop {
            // The operator's own address, where one is configured.
            let base = self
                .operator_addr()
                .map_or(self.base.clone(), |a| format!("http://{a}"));
            let status = request("GET", &format!("{base}/status"), &[]).body;
            let status: serde_json::Value =
                serde_json::from_slice(&status).expect("/status is JSON");
            if !status["started_from_cache"].is_null() {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the folder check after a restart did not finish: {status}"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// The state being served now.
    pub fn snapshot(&self) -> std::sync::Arc<seedfeed::snapshot::Snapshot> {
        self.running.as_ref().expect("running").snapshot()
    }

    /// Where the operator's own listener is bound (`[server] operator_bind`).
    pub fn operator_addr(&self) -> Option<std::net::SocketAddr> {
        self.running
            .as_ref()
            .and_then(|running| running.operator_addr)
    }

    pub fn get(&self, path: &str) -> Response {
        request("GET", &format!("{}{path}", self.base), &[])
    }

    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Response {
        request(method, &format!("{}{path}", self.base), headers)
    }

    /// Fetches and parses a feed document with feed-rs, checking the status and media type.
    pub fn feed(&self, path: &str) -> feed_rs::model::Feed {
        let response = self.get(path);
        assert_eq!(response.status, 200, "{path}");
        feed_rs::parser::parse(response.body.as_slice())
            .unwrap_or_else(|e| panic!("{path} does not parse: {e}"))
    }

    pub fn titles(&self, path: &str) -> Vec<String> {
        self.feed(path)
            .entries
            .iter()
            .map(|e| {
                e.title
                    .as_ref()
                    .map(|t| t.content.clone())
                    .unwrap_or_else(|| panic!("{path}: entry {} has no title", e.id))
            })
            .collect()
    }

    /// Polls both feeds until `check` holds for each; returns how long it took.
    pub fn wait_until(&self, what: &str, check: impl Fn(&[String]) -> bool) -> Duration {
        let started = Instant::now();
        loop {
            let rss = self.titles("/rss.xml");
            let atom = self.titles("/atom.xml");
            if check(&rss) && check(&atom) {
                return started.elapsed();
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "timed out waiting for {what}; rss titles now: {rss:?}"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.seeds.join(name)
    }

    /// Writes `folder/new.txt`, a seed newer than any other titled "Breaking", and waits until
    /// both feeds show it first; returns how long that took.
    pub fn break_news(&self, folder: &str) -> Duration {
        let text = seed(
            "Breaking",
            "https://cn.nytimes.com/world/new/",
            1_700_000_000_000,
            "<p>x</p>",
        );
        write(&self.path(&format!("{folder}/new.txt")), text.as_bytes());
        self.wait_until("the new seed", |titles| {
            titles.first().map(String::as_str) == Some("Breaking")
        })
    }
}

impl Drop for Server {
    /// Stops the server and fails the test if its update or compressor thread panicked
    /// meanwhile (`stop` reports that), unless the test is already failing.
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            let stopped = running.stop();
            if !std::thread::panicking() {
                stopped.unwrap_or_else(|e| panic!("the server did not stop cleanly: {e}"));
            }
        }
    }
}

pub fn write(path: &Path, bytes: &[u8]) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, bytes).unwrap();
}

pub fn request(method: &str, url: &str, headers: &[(&str, &str)]) -> Response {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        // A redirect is an answer to check, not to follow.
        .max_redirects(0)
        .max_redirects_will_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into();
    let mut builder = ureq::http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let mut response = agent
        .run(builder.body(()).unwrap())
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| {
            let value = v
                .to_str()
                .unwrap_or_else(|e| panic!("{method} {url}: header {n} is not text: {e}"));
            (n.as_str().to_string(), value.to_string())
        })
        .collect();
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_vec()
        .unwrap_or_else(|e| panic!("{method} {url}: reading the body failed: {e}"));
    Response {
        status,
        headers,
        body,
    }
}

impl Response {
    /// The body with its `Content-Encoding` undone.
    pub fn decoded(&self) -> Vec<u8> {
        use std::io::Read;
        let mut out = Vec::new();
        match self.header("content-encoding") {
            None => out.clone_from(&self.body),
            Some("gzip") => {
                flate2::read::GzDecoder::new(self.body.as_slice())
                    .read_to_end(&mut out)
                    .expect("gzip body decodes");
            }
            Some("br") => {
                brotli::Decompressor::new(self.body.as_slice(), 4096)
                    .read_to_end(&mut out)
                    .expect("brotli body decodes");
            }
            Some(other) => panic!("unexpected content-encoding {other}"),
        }
        out
    }

    /// True when the `ETag` is the one the README promises for these exact bytes: the first
    /// 128 bits of their SHA-256, in hex, quoted.
    pub fn etag_matches_body(&self) -> bool {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(&self.body);
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        self.header("etag") == Some(format!("\"{hex}\"").as_str())
    }
}

impl Server {
    /// Polls until `path` is served with `coding` (the compressor runs after each change).
    pub fn wait_for_coding(&self, path: &str, coding: &str) -> Response {
        let started = Instant::now();
        loop {
            let response = self.request("GET", path, &[("accept-encoding", coding)]);
            if response.header("content-encoding") == Some(coding) {
                return response;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{path} never served as {coding}"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// A small deterministic PRNG (SplitMix64) for fuzzing and soaking: a failing case is
/// reproduced by its seed number.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..bound` (0 when `bound` is 0).
    pub fn below(&mut self, bound: usize) -> usize {
        if bound == 0 {
            return 0;
        }
        (self.next() % bound as u64) as usize
    }

    pub fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}

/// The real `seedfeed serve` binary in a child process, its log drained in the background.
pub struct Process {
    child: std::process::Child,
    pub address: String,
    log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Process {
    /// Starts the binary on `config` and waits for the line that names its address.
    pub fn start(config: &Path) -> Process {
        Process::spawn(
            std::process::Command::new(env!("CARGO_BIN_EXE_seedfeed")),
            config,
        )
    }

    /// Like `start`, but never as root: root reads any file, so permission errors only show
    /// for an ordinary user. As root, a copy of the binary beside `config` runs as `nobody`;
    /// `config`'s folder and everything the server reads must be open to others.
    pub fn start_unprivileged(config: &Path) -> Process {
        use std::os::unix::fs::PermissionsExt;
        use std::os::unix::process::CommandExt;
        if unsafe { libc::geteuid() } != 0 {
            return Process::start(config);
        }
        const NOBODY: u32 = 65534;
        let binary = config.with_file_name("seedfeed-unprivileged");
        std::fs::copy(env!("CARGO_BIN_EXE_seedfeed"), &binary).unwrap();
        std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut command = std::process::Command::new(&binary);
        command.uid(NOBODY).gid(NOBODY);
        Process::spawn(command, config)
    }

    fn spawn(mut command: std::process::Command, config: &Path) -> Process {
        use std::io::{BufRead, BufReader};
        let mut child = command
            .args(["serve", "--config"])
            .arg(config)
            .env("SEEDFEED_LOG", "info")
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("seedfeed starts");
        let mut reader = BufReader::new(child.stderr.take().unwrap());
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let address = loop {
            let mut line = String::new();
            assert!(
                reader.read_line(&mut line).unwrap() > 0,
                "seedfeed exited early"
            );
            log.lock().unwrap().push_str(&line);
            if let Some(at) = line.find("addr=") {
                break line[at + 5..].trim().to_string();
            }
        };
        // A full pipe would block the server's logging: keep reading to the end, whatever the
        // bytes (a line that is not UTF-8 must not stop the reader).
        let sink = log.clone();
        std::thread::spawn(move || {
            let mut line = Vec::new();
            while reader.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&line));
                line.clear();
            }
        });
        Process {
            child,
            address,
            log,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    pub fn signal(&self, signal: i32) {
        unsafe { libc::kill(self.child.id() as libc::pid_t, signal) };
    }

    pub fn wait_for_exit(&mut self, limit: Duration) -> std::process::ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                started.elapsed() < limit,
                "seedfeed did not exit within {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Resident memory in KiB and open file descriptors, from /proc.
    pub fn memory_and_fds(&self) -> (u64, usize) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        let rss = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no VmRSS in /proc/{}/status", self.pid()));
        let fds = std::fs::read_dir(format!("/proc/{}/fd", self.pid()))
            .unwrap()
            .count();
        (rss, fds)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

//! Behind a cache (issue #22): Debian's nginx as a caching reverse proxy in front of the
//! server (`proxy_cache`, `proxy_cache_revalidate on`). A revalidation reaches the server as a
//! conditional request answered 304, a change is visible once max-age has passed, nothing
//! stale is served as fresh, and each coding is cached apart.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Response, Server, config_text, numbered_seed, request, write};

const INSTALL: &str = "this test needs nginx (apt-get install nginx; .ci/run installs it)";

/// nginx as a child process, caching what it proxies to `upstream`.
struct Nginx {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Nginx {
    fn in_front_of(upstream: &str) -> Nginx {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let at = dir.path().display();
        let upstream = upstream.trim_start_matches("http://");
        // `user root`: a master run as root would hand its workers to `nobody`, who cannot
        // enter the temp folder (ignored, with a warning, when not root).
        let config = format!(
            r#"daemon off;
user root;
worker_processes 1;
pid {at}/nginx.pid;
error_log {at}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {at}/body;
    proxy_temp_path {at}/proxy;
    fastcgi_temp_path {at}/fastcgi;
    uwsgi_temp_path {at}/uwsgi;
    scgi_temp_path {at}/scgi;
    proxy_cache_path {at}/cache levels=1 keys_zone=feeds:1m max_size=64m inactive=1h use_temp_path=off;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://{upstream};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_cache feeds;
            proxy_cache_revalidate on;
            add_header X-Cache $upstream_cache_status always;
        }}
    }}
}}
"#
        );
        let conf = dir.path().join("nginx.conf");
        std::fs::write(&conf, config).unwrap();
        let nginx = ["nginx", "/usr/sbin/nginx"]
            .into_iter()
            .find(|binary| Command::new(binary).arg("-v").output().is_ok())
            .unwrap_or_else(|| panic!("{INSTALL}"));
        let child = Command::new(nginx)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("nginx: {e}; {INSTALL}"));
        let base = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            let log = std::fs::read_to_string(dir.path().join("error.log")).unwrap_or_default();
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "nginx did not start: {log}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        Nginx {
            child,
            base,
            _dir: dir,
        }
    }

    fn get(&self, path: &str, headers: &[(&str, &str)]) -> Response {
        request("GET", &format!("{}{path}", self.base), headers)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM: the master stops its workers (SIGKILL would leave them behind, listening).
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The server's count of 304s for feeds, from its own `/metrics`.
fn not_modified(server: &Server) -> String {
    let text = server.get("/metrics").text();
    text.lines()
        .find(|line| line.starts_with("seedfeed_http_not_modified_total{route=\"feed\"}"))
        .map_or("0".into(), |line| {
            line.rsplit(' ').next().unwrap().to_string()
        })
}

#[test]
fn nginx_in_front_revalidates_with_304s_shows_changes_after_max_age_and_keeps_codings_apart() {
    const MAX_AGE: u64 = 2;
    // nginx keeps time in whole seconds and a copy is fresh while `valid <= now`: up to a
    // second past max-age.
    let expired = Duration::from_secs(MAX_AGE + 1) + Duration::from_millis(300);
    let config = |seeds: &Path| {
        config_text(seeds, 10).replace(
            "workers = 1",
            &format!("workers = 1\ncache_max_age = {MAX_AGE}"),
        )
    };
    let server = Server::with_files_and_config(&[("a.txt", numbered_seed(1, "First"))], config);
    let nginx = Nginx::in_front_of(&server.base);
    let cache = |response: &Response| response.header("x-cache").unwrap_or("").to_string();

    // Fetched once, then served from the cache while fresh: the same bytes and validators.
    let direct = server.get("/rss.xml");
    let first = nginx.get("/rss.xml", &[]);
    assert_eq!((first.status, cache(&first).as_str()), (200, "MISS"));
    assert!(first.body == direct.body);
    assert_eq!(first.header("etag"), direct.header("etag"));
    let fresh = nginx.get("/rss.xml", &[]);
    assert_eq!(cache(&fresh), "HIT");
    assert!(fresh.body == direct.body);

    // Stale: nginx asks again with the validators, the server answers 304, the cached copy is
    // served on.
    let before = not_modified(&server);
    std::thread::sleep(expired);
    let revalidated = nginx.get("/rss.xml", &[]);
    assert_eq!(cache(&revalidated), "REVALIDATED");
    assert!(revalidated.body == direct.body);
    assert_ne!(
        not_modified(&server),
        before,
        "the server answered no conditional request"
    );

    // Each coding apart: gzip is its own entry (Vary: Accept-Encoding), identity stays plain.
    server.wait_for_coding("/rss.xml", "gzip");
    let gzip = [("Accept-Encoding", "gzip")];
    let zipped = nginx.get("/rss.xml", &gzip);
    assert_eq!(
        cache(&zipped),
        "MISS",
        "gzip must not be served from identity's entry"
    );
    assert_eq!(zipped.header("content-encoding"), Some("gzip"));
    assert!(zipped.decoded() == direct.body);
    let zipped_again = nginx.get("/rss.xml", &gzip);
    assert_eq!(zipped_again.header("content-encoding"), Some("gzip"));
    let plain = nginx.get("/rss.xml", &[]);
    assert_eq!(plain.header("content-encoding"), None);
    assert!(plain.body == direct.body);

    // A change: the cached copy may be served while it is fresh, never after.
    write(&server.path("b.txt"), numbered_seed(2, "Second").as_bytes());
    server.wait_until("the change", |titles| titles.iter().any(|t| t == "Second"));
    let changed_at = Instant::now();
    let changed = server.get("/rss.xml");
    loop {
        let through = nginx.get("/rss.xml", &[]);
        if through.body == changed.body {
            assert_eq!(through.header("etag"), changed.header("etag"));
            break;
        }
        // The old bytes only as a cache hit of a copy fetched within max-age.
        assert_eq!(
            cache(&through),
            "HIT",
            "old bytes served as fresh from upstream"
        );
        assert!(
            changed_at.elapsed() < expired,
            "stale bytes served after max-age"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // The gzip entry follows too.
    server.wait_for_coding("/rss.xml", "gzip");
    std::thread::sleep(expired);
    let zipped = nginx.get("/rss.xml", &gzip);
    assert!(
        zipped.decoded() == changed.body,
        "the gzip entry still holds the old bytes"
    );
}

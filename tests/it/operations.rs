//! Running it as a service (issue #22): `/metrics` read back with a Prometheus text parser,
//! `/healthz` and `/readyz`, and the operator's views closed to everyone but operators.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::fd::FromRawFd;
use std::time::{Duration, Instant};

use crate::support::{Response, Server, config_text, numbered_seed, write};

/// The samples of a scrape, by name and labels.
struct Scrape(prometheus_parse::Scrape);

impl Scrape {
    fn of(server: &Server) -> Scrape {
        let response = server.get("/metrics");
        assert_eq!(response.status, 200, "{}", response.text());
        assert!(
            response
                .header("content-type")
                .is_some_and(|t| t.starts_with("application/openmetrics-text")),
            "{:?}",
            response.headers
        );
        assert_eq!(response.header("cache-control"), Some("no-store"));
        let lines = response
            .text()
            .lines()
            .map(|l| Ok(l.to_string()))
            .collect::<Vec<_>>();
        Scrape(prometheus_parse::Scrape::parse(lines.into_iter()).expect("/metrics parses"))
    }

    /// The value of the sample `name` whose labels include `labels` (0 when there is none).
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        use prometheus_parse::Value;
        self.0
            .samples
            .iter()
            .filter(|s| s.metric == name)
            .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
            .map(|s| match &s.value {
                Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
                Value::Histogram(buckets) => buckets.last().map_or(0.0, |b| b.count),
                Value::Summary(_) => f64::NAN,
            })
            .sum()
    }
}

#[test]
fn metrics_move_with_requests_and_with_seed_changes() {
    let files: Vec<(String, String)> = (0..3)
        .map(|i| {
            (
                format!("nyt/{i}.txt"),
                numbered_seed(i, &format!("Story {i}")),
            )
        })
        .collect();
    let files: Vec<(&str, String)> = files.iter().map(|(n, t)| (n.as_str(), t.clone())).collect();
    let server = Server::with_files(&files, 10);
    let before = Scrape::of(&server);
    assert_eq!(before.value("seedfeed_entries", &[]), 3.0);
    assert_eq!(before.value("seedfeed_folders", &[]), 1.0);
    assert_eq!(before.value("seedfeed_rejected_seeds", &[]), 0.0);

    let feed = [("route", "feed"), ("status", "200"), ("coding", "identity")];
    let first = server.get("/rss.xml");
    server.get("/rss.xml");
    let etag = first.header("etag").unwrap().to_string();
    let again = server.request("GET", "/rss.xml", &[("If-None-Match", &etag)]);
    assert_eq!(again.status, 304);
    server.get("/no/such/thing.php");
    let after = Scrape::of(&server);
    let requests = "seedfeed_http_requests_total";
    assert_eq!(
        after.value(requests, &feed) - before.value(requests, &feed),
        2.0
    );
    let sent = "seedfeed_http_sent_bytes_total";
    assert_eq!(
        after.value(sent, &[("route", "feed")]) - before.value(sent, &[("route", "feed")]),
        2.0 * first.body.len() as f64
    );
    let not_modified = "seedfeed_http_not_modified_total";
    assert_eq!(after.value(not_modified, &[("route", "feed")]), 1.0);
    assert_eq!(
        after.value(requests, &[("route", "other"), ("status", "404")]),
        1.0
    );
    // The scrape before this one was counted too.
    assert!(after.value(requests, &[("route", "operator"), ("status", "200")]) >= 1.0);

    // A seed written: entries, the write → visible histogram, the generation all move.
    let generation = after.value("seedfeed_snapshot_generation", &[]);
    let visible = after.value("seedfeed_write_visible_seconds_count", &[]);
    write(
        &server.path("bbc/9.txt"),
        numbered_seed(9, "Breaking").as_bytes(),
    );
    server.wait_until("the new seed", |titles| {
        titles.iter().any(|t| t == "Breaking")
    });
    let changed = Scrape::of(&server);
    assert_eq!(changed.value("seedfeed_entries", &[]), 4.0);
    assert_eq!(changed.value("seedfeed_folders", &[]), 2.0);
    assert!(changed.value("seedfeed_snapshot_generation", &[]) > generation);
    assert!(changed.value("seedfeed_write_visible_seconds_count", &[]) > visible);
    assert!(changed.value("seedfeed_change_parse_seconds_count", &[]) >= 1.0);
    assert!(changed.value("seedfeed_render_seconds_count", &[("kind", "current")]) >= 1.0);

    // A broken seed is counted as rejected; a long-tail document as rendered on request.
    write(&server.path("bbc/broken.txt"), b"not a seed at all");
    let started = Instant::now();
    while Scrape::of(&server).value("seedfeed_rejected_seeds", &[]) != 1.0 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the rejection never counted"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(server.get("/nyt/archive/2020-09/rss.xml").status, 200);
    let tail = Scrape::of(&server);
    assert!(tail.value("seedfeed_render_seconds_count", &[("kind", "on_request")]) >= 1.0);
    assert!(tail.value("seedfeed_tail_documents", &[]) >= 1.0);
}

#[test]
fn health_and_readiness_answer_and_are_never_cached() {
    let server = Server::with_files(&[("a.txt", numbered_seed(1, "One"))], 10);
    for (path, body) in [("/healthz", "up\n"), ("/readyz", "ready\n")] {
        let response = server.get(path);
        assert_eq!(
            (response.status, response.text().as_str()),
            (200, body),
            "{path}"
        );
        assert_eq!(response.header("cache-control"), Some("no-store"), "{path}");
    }
}

#[test]
fn until_the_first_scan_is_done_documents_answer_503_and_readyz_says_not_ready() {
    // Enough seeds that the scan takes a moment; the port is taken before it starts.
    let dir = tempfile::tempdir().unwrap();
    let seeds = dir.path().join("seeds");
    for i in 0..20_000 {
        write(
            &seeds.join(format!("{}/{i}.txt", i % 20)),
            numbered_seed(i, "Story").as_bytes(),
        );
    }
    let port = free_port();
    let text = config_text(&seeds, 10).replace("127.0.0.1:0", &format!("127.0.0.1:{port}"));
    let config = seedfeed::config::Config::parse(&text, std::path::Path::new("/")).unwrap();
    let starting = std::thread::spawn(move || seedfeed::app::start(config).expect("starts"));
    let base = format!("http://127.0.0.1:{port}");
    let mut seen = Vec::new();
    loop {
        let ready = raw_get(Ipv4Addr::LOCALHOST, port, "/readyz", &[]);
        let feed = raw_get(Ipv4Addr::LOCALHOST, port, "/rss.xml", &[]);
        match (ready, feed) {
            (Some(ready), Some(feed)) => {
                if ready.status == 200 {
                    break;
                }
                seen.push((
                    ready.status,
                    feed.status,
                    feed.header("retry-after").map(String::from),
                ));
            }
            _ => std::thread::sleep(Duration::from_millis(2)),
        }
        assert!(!starting.is_finished() || seen.len() < 100_000);
    }
    assert!(
        seen.iter().any(|s| *s == (503, 503, Some("5".into()))),
        "never seen starting: {seen:?}"
    );
    let running = starting.join().unwrap();
    assert_eq!(
        crate::support::request("GET", &format!("{base}/rss.xml"), &[]).status,
        200
    );
    running.stop().unwrap();
}

#[test]
fn operator_views_answer_operators_only() {
    let configured = |seeds: &std::path::Path| {
        config_text(seeds, 10).replace(
            "workers = 1",
            "workers = 1\noperator_networks = [\"127.0.0.1/32\"]",
        )
    };
    let server = Server::with_files_and_config(&[("a.txt", numbered_seed(1, "One"))], configured);
    let port = server.base.rsplit(':').next().unwrap().parse().unwrap();
    let other = Ipv4Addr::new(127, 0, 0, 2);
    for path in ["/status", "/metrics"] {
        let operator = raw_get(Ipv4Addr::LOCALHOST, port, path, &[]).unwrap();
        assert_eq!(operator.status, 200, "{path} from 127.0.0.1");
        let someone = raw_get(other, port, path, &[]).unwrap();
        assert_eq!(someone.status, 404, "{path} from 127.0.0.2");
        assert!(
            !someone.text().contains("rejected"),
            "{path}: {}",
            someone.text()
        );
        // An escaped spelling of the path is the same path.
        let escaped = path.replacen('s', "%73", 1).replacen('m', "%6d", 1);
        assert_eq!(
            raw_get(other, port, &escaped, &[]).unwrap().status,
            404,
            "{escaped}"
        );
        // Through a proxy on this machine every reader would look local.
        let proxied = raw_get(
            Ipv4Addr::LOCALHOST,
            port,
            path,
            &[("X-Forwarded-For", "203.0.113.9")],
        );
        assert_eq!(proxied.unwrap().status, 404, "{path} through a proxy");
    }
    // Readers from anywhere still get the feeds and health.
    for path in ["/rss.xml", "/healthz", "/readyz"] {
        assert_eq!(
            raw_get(other, port, path, &[]).unwrap().status,
            200,
            "{path}"
        );
    }
}

#[test]
fn the_operator_address_serves_the_operator_views_and_nothing_else() {
    let configured = |seeds: &std::path::Path| {
        config_text(seeds, 10).replace(
            "workers = 1",
            "workers = 1\noperator_networks = []\noperator_bind = \"127.0.0.1:0\"",
        )
    };
    let server = Server::with_files_and_config(&[("a.txt", numbered_seed(1, "One"))], configured);
    let operator = server.operator_addr().expect("an operator address");
    let public = server.base.rsplit(':').next().unwrap().parse().unwrap();
    for path in ["/status", "/metrics"] {
        // No network is an operator's on the public address, not even this machine.
        assert_eq!(
            raw_get(Ipv4Addr::LOCALHOST, public, path, &[])
                .unwrap()
                .status,
            404
        );
        let on_operator = raw_get(Ipv4Addr::LOCALHOST, operator.port(), path, &[]).unwrap();
        assert_eq!(on_operator.status, 200, "{path} on the operator address");
    }
    let feed = raw_get(Ipv4Addr::LOCALHOST, operator.port(), "/rss.xml", &[]).unwrap();
    assert_eq!(
        feed.status, 404,
        "feeds are not served on the operator address"
    );
}

/// A port free a moment ago.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `GET path` to 127.0.0.1:`port` from the local address `from` (any 127.x.y.z is this
/// machine), one request on its own connection; `None` when nothing listens yet.
fn raw_get(from: Ipv4Addr, port: u16, path: &str, headers: &[(&str, &str)]) -> Option<Response> {
    let mut stream = connect_from(from, SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?;
    let mut head = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.lines();
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Some(Response {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    })
}

/// A TCP connection to `to` whose local address is `from` (std cannot bind before connecting).
fn connect_from(from: Ipv4Addr, to: SocketAddr) -> Option<TcpStream> {
    let SocketAddr::V4(to) = to else { return None };
    let address = |ip: Ipv4Addr, port: u16| libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from(ip).to_be(),
        },
        sin_zero: [0; 8],
    };
    let length = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    // SAFETY: plain socket calls on a descriptor owned here; it is closed on every failure
    // (by the TcpStream that takes it over).
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return None;
        }
        let stream = TcpStream::from_raw_fd(fd);
        let local = address(from, 0);
        let remote = address(*to.ip(), to.port());
        let bound = libc::bind(fd, (&raw const local).cast(), length);
        let connected = libc::connect(fd, (&raw const remote).cast(), length);
        (bound == 0 && connected == 0).then_some(stream)
    }
}

/// Every URL a reader could reach from `/` and `/opml.xml` by following this server's links
/// (pages, feeds, archives, author and section feeds, entry pages), as paths.
fn crawl(server: &Server) -> Vec<String> {
    let base = "http://127.0.0.1:8080";
    let mut seen = std::collections::BTreeSet::new();
    let mut queue = vec!["/".to_string(), "/opml.xml".to_string()];
    while let Some(path) = queue.pop() {
        if !seen.insert(path.clone()) || seen.len() > 2_000 {
            continue;
        }
        let response = server.get(&path);
        let text = String::from_utf8_lossy(&response.body).to_string();
        for quote in ['"', '\''] {
            for piece in text.split(quote).skip(1).step_by(2) {
                let link = piece.replace("&amp;", "&");
                let path = match link.strip_prefix(base) {
                    Some(rest) => rest.to_string(),
                    None if link.starts_with('/') && !link.starts_with("//") => link,
                    None => continue,
                };
                if !path.contains(char::is_whitespace) && !seen.contains(&path) {
                    queue.push(path);
                }
            }
        }
    }
    seen.into_iter().collect()
}

#[test]
fn two_servers_over_one_folder_answer_every_url_with_the_same_bytes_and_validators() {
    let seeds = std::path::Path::new(crate::support::PROJECT_SEEDS);
    let one = Server::serving(seeds, 50);
    let two = Server::serving(seeds, 50);
    let paths = crawl(&one);
    assert!(
        paths.len() > 60,
        "only {} URLs found: {paths:?}",
        paths.len()
    );
    assert!(
        paths.iter().any(|p| p.starts_with("/entries/")),
        "{paths:?}"
    );
    assert!(
        paths.iter().any(|p| p.starts_with("/authors/")),
        "{paths:?}"
    );
    assert!(paths.iter().any(|p| p.contains("/archive/")), "{paths:?}");
    let validators = [
        "etag",
        "last-modified",
        "content-type",
        "cache-control",
        "vary",
    ];
    // `/status` says when each started: the operator's view, not a document.
    for path in paths
        .iter()
        .filter(|p| !seedfeed::urls::is_operator_view(p))
    {
        let (a, b) = (one.get(path), two.get(path));
        assert_eq!(a.status, b.status, "{path}");
        assert!(a.body == b.body, "{path}: the bytes differ");
        for name in validators {
            assert_eq!(a.header(name), b.header(name), "{path}: {name}");
        }
        // A reader that polled one server revalidates on the other: 304.
        if a.status == 200 {
            let etag = a.header("etag").unwrap();
            let again = two.request("GET", path, &[("If-None-Match", etag)]);
            assert_eq!(again.status, 304, "{path}: the other server's ETag");
        }
    }
    // The compressed copies too, for the documents readers poll.
    for path in ["/rss.xml", "/atom.xml", "/feed.json", "/", "/opml.xml"] {
        for coding in ["gzip", "br"] {
            let (a, b) = (
                one.wait_for_coding(path, coding),
                two.wait_for_coding(path, coding),
            );
            assert!(a.body == b.body, "{path} as {coding}: the bytes differ");
            assert_eq!(a.header("etag"), b.header("etag"), "{path} as {coding}");
        }
    }
}

#[test]
fn build_writes_every_current_document_as_the_server_serves_it() {
    let archive = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/archive-sample/articles"
    ));
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, config_text(archive, 50)).unwrap();
    let out = dir.path().join("site");
    let built = std::process::Command::new(env!("CARGO_BIN_EXE_seedfeed"))
        .arg("--config")
        .arg(&config)
        .args(["build", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(built.status.success(), "{built:?}");

    let server = Server::serving(archive, 50);
    let snapshot = server.snapshot();
    let paths: Vec<&str> = snapshot
        .paths()
        .filter(|p| !seedfeed::urls::is_operator_view(p))
        .collect();
    // The root's and the 15 folders' four documents, and the OPML.
    assert_eq!(paths.len(), 16 * 4 + 1, "{paths:?}");
    for path in paths {
        let file = out.join(seedfeed::mirror::file_of(path));
        let served = server.get(path);
        let written = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(written == served.body, "{path}: {} differs", file.display());
        // Dated as the server dates it.
        let modified = std::fs::metadata(&file).unwrap().modified().unwrap();
        let modified = chrono::DateTime::<chrono::Utc>::from(modified);
        let http_date = modified.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        assert_eq!(
            served.header("last-modified"),
            Some(http_date.as_str()),
            "{path}"
        );
        for (coding, suffix) in [("gzip", "gz"), ("br", "br")] {
            let sibling = format!("{}.{suffix}", file.display());
            let written = std::fs::read(&sibling).unwrap_or_else(|e| panic!("{sibling}: {e}"));
            let served = server.wait_for_coding(path, coding);
            assert!(
                written == served.body,
                "{sibling} differs from {path} as {coding}"
            );
        }
    }
}

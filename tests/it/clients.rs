//! Hostile and careless clients: oversized heads, slowloris, traversal, odd methods, long
//! query strings, idle connections; and a graceful shutdown of the real binary on SIGTERM.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::support::{CORPUS, Process, Server, config_text, seed};

fn one() -> Vec<(&'static str, String)> {
    vec![(
        "a.txt",
        seed("Only", "https://x.example/only", 1, "<p>o</p>"),
    )]
}

/// Sends raw bytes on a new connection; returns what came back until the server closed the
/// connection or `wait` passed, and whether it closed.
fn raw(server: &Server, request: &[u8], wait: Duration) -> (String, bool) {
    let address = server.base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(wait)).unwrap();
    // The server may answer and close before it has read everything; that is fine.
    let _ = stream.write_all(request);
    let mut answer = Vec::new();
    let closed = match stream.read_to_end(&mut answer) {
        Ok(_) => true,
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    };
    (String::from_utf8_lossy(&answer).into_owned(), closed)
}

fn status_of(answer: &str) -> u16 {
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

fn short_timeouts(seeds: &std::path::Path) -> String {
    config_text(seeds, 50).replace(
        "workers = 1",
        "workers = 1\nrequest_timeout_ms = 500\nmax_connections = 8",
    )
}

#[test]
fn oversized_heads_are_refused_and_the_server_goes_on() {
    let server = Server::with_files(&one(), 50);
    let huge_header = format!(
        "GET /rss.xml HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(256 * 1024)
    );
    let many_headers = format!(
        "GET /rss.xml HTTP/1.1\r\nHost: x\r\n{}\r\n",
        (0..500)
            .map(|i| format!("X-{i}: v\r\n"))
            .collect::<String>()
    );
    let long_target = format!(
        "GET /{} HTTP/1.1\r\nHost: x\r\n\r\n",
        "a".repeat(256 * 1024)
    );
    for (what, request) in [
        ("one huge header", huge_header),
        ("500 headers", many_headers),
        ("a 256 KB path", long_target),
    ] {
        let (answer, _) = raw(&server, request.as_bytes(), Duration::from_secs(5));
        assert_eq!(status_of(&answer), 431, "{what}: {answer:.200}");
    }
    assert_eq!(server.get("/rss.xml").status, 200);
}

#[test]
fn a_slowloris_client_is_cut_off_while_others_are_served() {
    let server = Server::with_files_and_config(&one(), short_timeouts);
    let address = server.base.trim_start_matches("http://").to_string();
    let started = Instant::now();
    let slow = std::thread::spawn(move || {
        let mut stream = TcpStream::connect(&address).unwrap();
        stream.write_all(b"GET /rss.xml HTTP/1.1\r\n").unwrap();
        // One header line every 100 ms, never finishing the head.
        for i in 0..100 {
            std::thread::sleep(Duration::from_millis(100));
            if stream
                .write_all(format!("X-Drip-{i}: x\r\n").as_bytes())
                .is_err()
            {
                return started.elapsed();
            }
            let mut byte = [0u8; 512];
            stream.set_nonblocking(true).unwrap();
            let read = stream.read(&mut byte);
            stream.set_nonblocking(false).unwrap();
            if matches!(read, Ok(0)) || matches!(read, Ok(n) if n > 0) {
                return started.elapsed(); // closed, or a 408 before closing
            }
        }
        panic!("the slow client was never cut off");
    });
    for _ in 0..10 {
        assert_eq!(server.get("/rss.xml").status, 200);
    }
    let cut_after = slow.join().unwrap();
    assert!(
        cut_after < Duration::from_secs(3),
        "cut off after {cut_after:?}"
    );
}

#[test]
fn idle_connections_beyond_the_limit_do_not_lock_readers_out_for_long() {
    let server = Server::with_files_and_config(&one(), short_timeouts);
    let address = server.base.trim_start_matches("http://");
    // Twice the connection limit, all silent.
    let idle: Vec<TcpStream> = (0..16)
        .map(|_| TcpStream::connect(address).unwrap())
        .collect();
    let started = Instant::now();
    let response = server.get("/rss.xml");
    assert_eq!(response.status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    drop(idle);
}

#[test]
fn no_url_reaches_the_file_system() {
    let server = Server::with_files(&one(), 50);
    for target in [
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "/rss.xml/../../../etc/passwd",
        "/..%2f..%2fetc%2fpasswd",
        "//etc/passwd",
        "/a.txt",
        "/seeds/a.txt",
        "/%00",
        "http://evil.example/etc/passwd",
    ] {
        let request = format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let (answer, _) = raw(&server, request.as_bytes(), Duration::from_secs(5));
        let status = status_of(&answer);
        assert!(status == 404 || status == 400, "{target}: {answer:.200}");
        assert!(
            !answer.contains("root:") && !answer.contains("Only"),
            "{target}"
        );
    }
}

#[test]
fn methods_queries_and_garbage() {
    // A short request timeout: a head that never completes (only blank lines) is cut off well
    // within `raw`'s wait, rather than racing the default 5 s timeout against it.
    let server = Server::with_files_and_config(&one(), short_timeouts);
    let plain = server.get("/rss.xml").body;
    for method in ["TRACE", "CONNECT", "FOO", "PROPFIND"] {
        let request = format!("{method} /rss.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let (answer, _) = raw(&server, request.as_bytes(), Duration::from_secs(5));
        let status = status_of(&answer);
        assert!(status == 405 || status == 400, "{method}: {answer:.200}");
    }
    // Feed URLs take filters (issue #12): anything else in a query is a clear 400, at once.
    let query = format!("/rss.xml?{}", "a=1&".repeat(2000));
    let started = Instant::now();
    let response = server.get(&query);
    assert_eq!(response.status, 400);
    assert!(
        response.text().contains("longer than 1024 bytes"),
        "{}",
        response.text()
    );
    let response = server.get("/rss.xml?a=1");
    assert_eq!(response.status, 400);
    assert!(
        response.text().contains("unknown parameter `a`"),
        "{}",
        response.text()
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    let entries = |body: &[u8]| feed_rs::parser::parse(body).unwrap().entries.len();
    let filtered = server.get("/rss.xml?limit=50");
    assert_eq!(filtered.status, 200);
    assert_eq!(entries(&filtered.body), entries(&plain));
    for garbage in [
        &b"GARBAGE\r\n\r\n"[..],
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
        b"GET /rss.xml HTTP/9.9\r\n\r\n",
        b"\r\n\r\n\r\n",
    ] {
        let (answer, closed) = raw(&server, garbage, Duration::from_secs(5));
        assert!(
            status_of(&answer) >= 400 || (answer.is_empty() && closed),
            "{garbage:?}: {answer:.200}"
        );
    }
    assert_eq!(server.get("/rss.xml").status, 200);
}

/// Two threads spinning on both cores until dropped: the machine as busy as a loaded CI host.
struct BusyLoops {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl BusyLoops {
    fn start() -> BusyLoops {
        use std::sync::atomic::{AtomicBool, Ordering};
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let threads = (0..2)
            .map(|_| {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    let mut x = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
                    }
                })
            })
            .collect();
        BusyLoops { stop, threads }
    }
}

impl Drop for BusyLoops {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// The real binary on the 2020 corpus with every seed shown (~1 MB documents, so the
/// compressor is busy for a while after every start), with `in_flight` requests for
/// /rss.xml whose responses have begun to arrive.
fn serving_large_documents(
    dir: &std::path::Path,
    in_flight: usize,
) -> (Process, Vec<(TcpStream, Vec<u8>)>) {
    let config = dir.join("config.toml");
    let corpus = std::fs::canonicalize(CORPUS).unwrap();
    std::fs::write(&config, config_text(&corpus.join("2020"), 500)).unwrap();
    let process = Process::start(&config);
    let streams = (0..in_flight)
        .map(|_| {
            let mut stream = TcpStream::connect(&process.address).unwrap();
            stream
                .write_all(b"GET /rss.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut first = vec![0u8; 1];
            stream.read_exact(&mut first).unwrap();
            (stream, first)
        })
        .collect();
    (process, streams)
}

/// Reads the rest of a response whose first bytes are `head`: a whole 200 with its body.
fn assert_whole_rss_response(stream: &mut TcpStream, head: Vec<u8>) {
    let mut answer = head;
    stream.read_to_end(&mut answer).unwrap();
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 200"), "{text:.200}");
    let length: usize = text
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .and_then(|v| v.trim().parse().ok())
        .expect("content-length");
    let head_end = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert_eq!(answer.len() - head_end, length, "a whole body");
    assert!(text.trim_end().ends_with("</rss>"));
}

/// SIGTERM and SIGINT, with both cores kept busy and the compressor still at work on the
/// large documents: in-flight responses complete, and the process exits 0 within 5 s.
#[test]
fn a_stop_signal_under_load_finishes_in_flight_responses_and_exits_zero_within_5_s() {
    for signal in [libc::SIGTERM, libc::SIGINT] {
        let dir = tempfile::tempdir().unwrap();
        let (mut process, mut streams) = serving_large_documents(dir.path(), 10);
        let address = process.address.clone();
        let load = BusyLoops::start();
        let signalled = Instant::now();
        process.signal(signal);
        for (stream, head) in &mut streams {
            assert_whole_rss_response(stream, std::mem::take(head));
        }
        let status = process.wait_for_exit(Duration::from_secs(20));
        let took = signalled.elapsed();
        drop(load);
        assert!(status.success(), "signal {signal}: exit status {status}");
        assert!(
            took < Duration::from_secs(5),
            "signal {signal}: exit took {took:?}\n{}",
            process.log()
        );
        assert!(process.log().contains("graceful"), "{}", process.log());
        assert!(
            TcpStream::connect(&address).is_err(),
            "still accepting after exit"
        );
    }
}

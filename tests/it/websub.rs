//! WebSub (issue #12): with hubs configured, every feed names them (`<link rel="hub">`, the
//! `Link` header, JSON Feed `hubs`), and after a change each hub is told exactly which feed URLs
//! changed — retried when the hub fails, never blocking the server. The hub is a stand-in on
//! loopback that records what it is sent.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::{Server, config_text, numbered_seed, write};

/// What the stand-in hub was sent: (form body fields, the status it answered).
type Log = Arc<Mutex<Vec<(Vec<(String, String)>, u16)>>>;

/// A hub on 127.0.0.1 answering 503 to its first request and 204 to the rest.
fn hub() -> (String, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hub", listener.local_addr().unwrap());
    let log: Log = Arc::default();
    let recorded = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            let mut line = String::new();
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            assert!(request_line.starts_with("POST /hub "), "{request_line}");
            loop {
                line.clear();
                reader.read_line(&mut line).unwrap();
                if line.trim().is_empty() {
                    break;
                }
                if let Some((name, value)) = line.split_once(':')
                    && name.eq_ignore_ascii_case("content-length")
                {
                    length = value.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let fields = url::form_urlencoded::parse(&body).into_owned().collect();
            let mut log = recorded.lock().unwrap();
            let status = if log.is_empty() { 503 } else { 204 };
            log.push((fields, status));
            drop(log);
            let reason = if status == 503 {
                "Service Unavailable"
            } else {
                "No Content"
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status} {reason}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            );
        }
    });
    (url, log)
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn hubs_are_named_in_every_feed_and_told_exactly_which_feeds_changed() {
    let (hub_url, log) = hub();
    let server = Server::with_files_and_config(
        &[
            ("a/1.txt", numbered_seed(1, "A one")),
            ("b/2.txt", numbered_seed(2, "B two")),
        ],
        |seeds| {
            format!(
                "{}[websub]\nhubs = [\"{hub_url}\"]\n",
                config_text(seeds, 50)
            )
        },
    );

    // Every feed names the hub, in its bytes and in its Link header.
    let hub_link = format!("<{hub_url}>; rel=\"hub\"");
    for path in ["/atom.xml", "/rss.xml", "/feed.json", "/a/atom.xml"] {
        let response = server.get(path);
        let links = response.header("link").unwrap_or_default();
        assert!(links.contains(&hub_link), "{path}: {links}");
        let self_link = format!("<http://127.0.0.1:8080{path}>; rel=\"self\"");
        assert!(links.contains(&self_link), "{path}: {links}");
    }
    let atom = server.feed("/atom.xml");
    assert!(
        atom.links
            .iter()
            .any(|l| l.rel.as_deref() == Some("hub") && l.href == hub_url)
    );
    let rss = server.get("/rss.xml").text();
    assert!(
        rss.contains(&format!(r#"<atom:link href="{hub_url}" rel="hub"/>"#)),
        "{rss}"
    );
    let json: serde_json::Value = serde_json::from_slice(&server.get("/feed.json").body).unwrap();
    assert_eq!(json["hubs"][0]["type"], "WebSub");
    assert_eq!(json["hubs"][0]["url"], hub_url.as_str());
    // Pages are not feeds: no hub there.
    assert!(
        !server
            .get("/")
            .header("link")
            .unwrap_or_default()
            .contains("rel=\"hub\"")
    );

    // A seed added under a/: the root's and a/'s three feeds changed, b/'s did not.
    write(
        &server.path("a/3.txt"),
        numbered_seed(3, "A three").as_bytes(),
    );
    let want: BTreeSet<String> = [
        "/rss.xml",
        "/atom.xml",
        "/feed.json",
        "/a/rss.xml",
        "/a/atom.xml",
        "/a/feed.json",
    ]
    .iter()
    .map(|p| format!("http://127.0.0.1:8080{p}"))
    .collect();
    let started = Instant::now();
    let acknowledged = loop {
        let log = log.lock().unwrap().clone();
        let acknowledged: BTreeSet<String> = log
            .iter()
            .filter(|(_, status)| *status == 204)
            .map(|(fields, _)| {
                assert_eq!(field(fields, "hub.mode"), Some("publish"), "{fields:?}");
                field(fields, "hub.url").unwrap().to_string()
            })
            .collect();
        if acknowledged.len() >= want.len() {
            break log;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the hub heard {log:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let told: BTreeSet<String> = acknowledged
        .iter()
        .filter(|(_, status)| *status == 204)
        .map(|(fields, _)| field(fields, "hub.url").unwrap().to_string())
        .collect();
    assert_eq!(told, want);
    // The hub failed the first ping; that feed was told again, once more.
    let (first, status) = &acknowledged[0];
    assert_eq!(*status, 503);
    let retried = field(first, "hub.url").unwrap();
    let times = acknowledged
        .iter()
        .filter(|(fields, _)| field(fields, "hub.url") == Some(retried))
        .count();
    assert_eq!(times, 2, "{retried}");
}

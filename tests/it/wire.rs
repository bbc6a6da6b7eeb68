//! The bytes on the wire for HEAD and 304, on one keep-alive connection. An HTTP client
//! library cannot check these: it never reads a body after HEAD or 304, so bytes the server
//! wrongly sends there only show as garbage at the start of the *next* response on the same
//! connection. Here the next response must begin exactly where the previous head ended.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::support::{Server, seed};

/// A response head as read off the wire: status and headers (names lower-cased).
struct Head {
    status_line: String,
    headers: Vec<(String, String)>,
}

impl Head {
    fn status(&self) -> u16 {
        let mut parts = self.status_line.split(' ');
        assert_eq!(
            parts.next(),
            Some("HTTP/1.1"),
            "not a response head: {:?}",
            self.status_line
        );
        parts
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status in {:?}", self.status_line))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn content_length(&self) -> usize {
        self.header("content-length")
            .unwrap_or_else(|| panic!("no content-length: {:?}", self.headers))
            .parse()
            .expect("content-length is a number")
    }
}

/// One keep-alive connection: requests written whole, responses read strictly in order.
struct Connection {
    reader: BufReader<TcpStream>,
}

impl Connection {
    fn open(server: &Server) -> Connection {
        let stream = TcpStream::connect(server.base.trim_start_matches("http://")).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Connection {
            reader: BufReader::new(stream),
        }
    }

    fn send(&mut self, method: &str, path: &str, headers: &[(&str, &str)]) {
        let mut request = format!("{method} {path} HTTP/1.1\r\nHost: test\r\n");
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        self.reader.get_mut().write_all(request.as_bytes()).unwrap();
    }

    /// Reads one response head, starting at the very next byte on the connection: anything
    /// left over from the previous response makes the status line wrong.
    fn head(&mut self) -> Head {
        let mut lines = Vec::new();
        loop {
            let mut line = Vec::new();
            let read = self.reader.read_until(b'\n', &mut line).unwrap();
            assert!(read > 0, "connection closed; head so far: {lines:?}");
            let line = String::from_utf8(line)
                .unwrap_or_else(|e| panic!("head line is not text: {e}; so far {lines:?}"));
            let line = line
                .strip_suffix("\r\n")
                .unwrap_or_else(|| panic!("head line without CRLF: {line:?}"))
                .to_string();
            if line.is_empty() {
                break;
            }
            lines.push(line);
        }
        let status_line = lines.remove(0);
        let headers = lines
            .iter()
            .map(|l| {
                let (name, value) = l.split_once(':').expect("header line has a colon");
                (name.to_ascii_lowercase(), value.trim().to_string())
            })
            .collect();
        let head = Head {
            status_line,
            headers,
        };
        head.status(); // a proper status line, or fail here
        head
    }

    fn body(&mut self, length: usize) -> Vec<u8> {
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).unwrap();
        body
    }
}

#[test]
fn head_and_304_send_no_body_bytes_on_a_keep_alive_connection() {
    let server = Server::with_files(
        &[(
            "a.txt",
            seed(
                "Only",
                "https://x.example/world/only",
                1_700_000_000_000,
                "<p>A body of some length, so that a stray body would be noticed.</p>",
            ),
        )],
        50,
    );
    let mut connection = Connection::open(&server);
    for path in ["/rss.xml", "/atom.xml", "/feed.json", "/"] {
        connection.send("HEAD", path, &[]);
        let head = connection.head();
        assert_eq!(head.status(), 200, "HEAD {path}");
        let stated = head.content_length();
        assert!(
            stated > 100,
            "HEAD {path} states the GET's length: {stated}"
        );
        let etag = head.header("etag").expect("HEAD has an ETag").to_string();

        // Any body bytes after the HEAD or the 304 would be read as the next status line.
        connection.send("GET", path, &[("If-None-Match", &etag)]);
        let not_modified = connection.head();
        assert_eq!(not_modified.status(), 304, "GET {path} with its ETag");
        assert_eq!(not_modified.header("etag"), Some(etag.as_str()));
        assert!(
            not_modified
                .header("content-length")
                .is_none_or(|l| l == "0"),
            "304 {path}: {:?}",
            not_modified.headers
        );

        connection.send("GET", path, &[]);
        let full = connection.head();
        assert_eq!(full.status(), 200, "GET {path}");
        assert_eq!(full.content_length(), stated, "GET {path} as HEAD said");
        assert_eq!(full.header("etag"), Some(etag.as_str()));
        let body = connection.body(stated);
        if path != "/" {
            feed_rs::parser::parse(body.as_slice())
                .unwrap_or_else(|e| panic!("{path} as read after HEAD and 304: {e}"));
        } else {
            assert!(
                body.ends_with(b"</html>\n"),
                "{}",
                String::from_utf8_lossy(&body)
            );
        }
    }
    // And after the last response, nothing but the end of the connection.
    connection.send("GET", "/status", &[("Connection", "close")]);
    let last = connection.head();
    assert_eq!(last.status(), 200);
    let length = last.content_length();
    let mut rest = Vec::new();
    connection.reader.read_to_end(&mut rest).unwrap();
    assert_eq!(
        rest.len(),
        length,
        "exactly the /status body, then the close"
    );
    serde_json::from_slice::<serde_json::Value>(&rest).expect("/status is JSON");
}

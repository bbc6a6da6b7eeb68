//! The URL space: every path the server answers, written and read in one place.
//!
//! A feed lives under its prefix — `/`, `/<folder>/`, `/authors/<slug>/`,
//! `/sections/<slug>/` — with its four documents ([`Format`]: `rss.xml`, `atom.xml`,
//! `feed.json`, and its page at the prefix itself); its archive under
//! `<prefix>archive/YYYY-MM/` (later pages of a month `…/YYYY-MM/N/`); an entry's page at
//! `/entries/<16 hex>/`; beside them `/opml.xml` and `/status`. [`Location::path`] writes a
//! path and [`Location::parse`] reads it back: a round trip, tested on random locations.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::scope::{Month, Period, Scope};

/// One of a feed's documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Rss,
    Atom,
    Json,
    /// The feed's HTML page.
    Page,
}

impl Format {
    /// The three feed formats, in the order pages and headers list them.
    pub const FEEDS: [Format; 3] = [Format::Rss, Format::Atom, Format::Json];
    /// A feed's four documents.
    pub const ALL: [Format; 4] = [Format::Rss, Format::Atom, Format::Json, Format::Page];

    /// The document's name under its feed's prefix (the page is the prefix itself).
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Rss => "rss.xml",
            Format::Atom => "atom.xml",
            Format::Json => "feed.json",
            Format::Page => "",
        }
    }

    /// The media type links name it by (`<link type=…>`, `Link` headers): no parameters.
    pub fn link_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml",
            Format::Atom => "application/atom+xml",
            Format::Json => "application/feed+json",
            Format::Page => "text/html",
        }
    }

    /// The `Content-Type` it is served with.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::Json => "application/feed+json; charset=utf-8",
            Format::Page => HTML_MEDIA_TYPE,
        }
    }

    /// What a reader calls it.
    pub fn label(self) -> &'static str {
        match self {
            Format::Rss => "RSS",
            Format::Atom => "Atom",
            Format::Json => "JSON Feed",
            Format::Page => "HTML",
        }
    }

    /// The format whose document is named `name` under a prefix.
    pub fn of_file_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.file_name() == name)
    }
}

/// Every HTML page's `Content-Type`: feeds' pages and entries' pages.
pub const HTML_MEDIA_TYPE: &str = "text/html; charset=utf-8";
/// Every feed in one file, for a reader's import.
pub const OPML_PATH: &str = "/opml.xml";
pub const OPML_MEDIA_TYPE: &str = "text/x-opml; charset=utf-8";
/// The operator's view.
pub const STATUS_PATH: &str = "/status";
pub const STATUS_MEDIA_TYPE: &str = "application/json; charset=utf-8";
/// The operator's figures for Prometheus.
pub const METRICS_PATH: &str = "/metrics";
/// Up (the process answers) and ready (the first state is published).
pub const HEALTH_PATH: &str = "/healthz";
pub const READY_PATH: &str = "/readyz";

/// Whether `path` is one of the operator's views, shown to operators only.
pub fn is_operator_view(path: &str) -> bool {
    path == STATUS_PATH || path == METRICS_PATH
}

/// What a request for `path` (`filtered`: with a query) asks for, as the request metrics
/// count it: a small fixed set of kinds, never the path itself (which readers choose).
pub fn route_kind(path: &str, filtered: bool) -> &'static str {
    if is_operator_view(path) {
        return "operator";
    }
    if path == HEALTH_PATH || path == READY_PATH {
        return "health";
    }
    if path == OPML_PATH {
        return "opml";
    }
    match Location::parse(path) {
        Some(Location::Entry(_)) => "entry",
        Some(Location::Feed { .. }) if filtered => "view",
        Some(Location::Feed {
            period: Some(_), ..
        }) => "archive",
        Some(Location::Feed {
            scope: Scope::Author(_) | Scope::Section(_),
            ..
        }) => "facet",
        Some(Location::Feed {
            format: Format::Page,
            ..
        }) => "page",
        Some(Location::Feed { .. }) => "feed",
        None => "other",
    }
}

/// The URL folders of author and section feeds, of a feed's archive, and of entry pages.
const AUTHORS: &str = "authors";
const SECTIONS: &str = "sections";
const ARCHIVE: &str = "archive";
const ENTRIES: &str = "entries";

impl Scope {
    /// Where the feed's documents live: `/`, `/<folder>/`, `/authors/<slug>/` or
    /// `/sections/<slug>/`, the name percent-encoded as one segment (every byte but the
    /// unreserved ASCII ones, so `/纽约时报/` is `/%E7%BA%BD…/`).
    pub fn prefix(&self) -> String {
        match self {
            Scope::All => "/".into(),
            Scope::Folder(name) => format!("/{}/", encode_segment(name)),
            Scope::Author(slug) => format!("/{AUTHORS}/{}/", encode_segment(slug)),
            Scope::Section(slug) => format!("/{SECTIONS}/{}/", encode_segment(slug)),
        }
    }

    /// The feed whose documents live under `prefix` (canonical, ending in `/`).
    fn at(prefix: &str) -> Option<Scope> {
        if prefix == "/" {
            return Some(Scope::All);
        }
        let rest = prefix.strip_prefix('/')?.strip_suffix('/')?;
        let (kind, name) = match rest.split_once('/') {
            Some((kind, name)) => (Some(kind), name),
            None => (None, rest),
        };
        let name = percent_decode_str(name).decode_utf8().ok()?.into_owned();
        if name.is_empty() || name.contains('/') {
            return None;
        }
        match kind {
            None => Some(Scope::Folder(name)),
            Some(AUTHORS) => Some(Scope::Author(name)),
            Some(SECTIONS) => Some(Scope::Section(name)),
            Some(_) => None,
        }
    }
}

/// Where a period of `scope`'s archive lives: `<prefix>archive/2024-05/`, and the month's
/// later pages `<prefix>archive/2024-05/2/`.
pub fn archive_dir(scope: &Scope, period: Period) -> String {
    let (prefix, month) = (scope.prefix(), period.month);
    match period.page {
        1 => format!("{prefix}{ARCHIVE}/{month}/"),
        page => format!("{prefix}{ARCHIVE}/{month}/{page}/"),
    }
}

/// An entry's stable number: the first 8 bytes of the SHA-256 of its id. Its page lives at
/// [`entry_path`]; the store finds an entry by it.
pub fn entry_hash(id: &str) -> u64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(id.as_bytes());
    let mut first = [0; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

/// Where an entry's page lives, relative to the root: `entries/<16 hex>/`.
pub fn entry_path(id: &str) -> String {
    entry_dir(entry_hash(id))
}

fn entry_dir(hash: u64) -> String {
    format!("{ENTRIES}/{hash:016x}/")
}

/// A document's place in the URL space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// One of a feed's documents: its current one (`period: None`) or a page of a month of
    /// its archive.
    Feed {
        scope: Scope,
        period: Option<Period>,
        format: Format,
    },
    /// An entry's page, by [`entry_hash`].
    Entry(u64),
}

impl Location {
    /// The canonical path of the document.
    pub fn path(&self) -> String {
        match self {
            Location::Feed {
                scope,
                period,
                format,
            } => {
                let dir = match period {
                    Some(period) => archive_dir(scope, *period),
                    None => scope.prefix(),
                };
                format!("{dir}{}", format.file_name())
            }
            Location::Entry(hash) => format!("/{}", entry_dir(*hash)),
        }
    }

    /// The document at canonical `path`, if it names one (whether or not it exists).
    pub fn parse(path: &str) -> Option<Location> {
        let (dir, name) = path.rsplit_once('/')?;
        let format = Format::of_file_name(name)?;
        let dir = format!("{dir}/");
        if let Some(hash) = entry_at(&dir) {
            return (format == Format::Page).then_some(Location::Entry(hash));
        }
        let (prefix, period) = match archive_period(&dir) {
            Some((prefix, period)) => (prefix, Some(period)),
            None => (dir.as_str(), None),
        };
        Some(Location::Feed {
            scope: Scope::at(prefix)?,
            period,
            format,
        })
    }
}

/// The hash of the entry whose page is `dir` (`/entries/<16 hex>/`, either case).
fn entry_at(dir: &str) -> Option<u64> {
    let hex = dir
        .strip_prefix(&format!("/{ENTRIES}/"))?
        .strip_suffix('/')?;
    let is_hash = hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit());
    is_hash.then(|| u64::from_str_radix(hex, 16).ok())?
}

/// `<prefix>archive/2024-05/` (page 1) or `<prefix>archive/2024-05/3/` → the feed's prefix and
/// the period. Page 1 has one URL only: `…/2024-05/1/` names nothing.
fn archive_period(dir: &str) -> Option<(&str, Period)> {
    let rest = dir.strip_suffix('/')?;
    let (rest, last) = rest.rsplit_once('/')?;
    let (rest, month, page) = match Month::parse(last) {
        Some(month) => (rest, month, 1),
        None => {
            let well_formed = !last.starts_with('0') && last.bytes().all(|b| b.is_ascii_digit());
            let page = last
                .parse::<usize>()
                .ok()
                .filter(|p| well_formed && *p >= 2)?;
            let (rest, month) = rest.rsplit_once('/')?;
            (rest, Month::parse(month)?, page)
        }
    };
    let prefix = rest.strip_suffix(ARCHIVE)?;
    prefix
        .ends_with('/')
        .then_some((prefix, Period { month, page }))
}

/// RSS, Atom or JSON Feed at `path`: what a WebSub hub announces.
pub fn is_feed_document(path: &str) -> bool {
    path.rsplit_once('/')
        .and_then(|(_, name)| Format::of_file_name(name))
        .is_some_and(|format| format != Format::Page)
}

/// RFC 3986 unreserved characters stay; everything else is escaped.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// One path segment, percent-encoded (upper-case escapes, as RFC 3986 calls canonical).
pub fn encode_segment(name: &str) -> String {
    utf8_percent_encode(name, SEGMENT).to_string()
}

/// A request path in the form [`Scope::prefix`] writes it: escapes decoded, then everything
/// outside the unreserved set escaped again, segment by segment. `None` when the escapes do
/// not decode to UTF-8. A path already in that form (every request for an ASCII name) is
/// returned as it is, without copying.
pub fn canonical_path(path: &str) -> Option<Cow<'_, str>> {
    let unreserved =
        |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/');
    if path.bytes().all(unreserved) {
        return Some(Cow::Borrowed(path));
    }
    let mut out = String::with_capacity(path.len());
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        let decoded = percent_decode_str(segment).decode_utf8().ok()?;
        out.push_str(&encode_segment(&decoded));
    }
    Some(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_feeds_archives_and_entries_and_nothing_else() {
        let feed = |path: &str| match Location::parse(path) {
            Some(Location::Feed {
                scope,
                period,
                format,
            }) => (scope, period.map(|p| (p.month.to_string(), p.page)), format),
            other => panic!("{path}: {other:?}"),
        };
        assert_eq!(
            feed("/authors/amy-qin/atom.xml"),
            (Scope::Author("amy-qin".into()), None, Format::Atom)
        );
        assert_eq!(
            feed("/nyt/archive/2024-05/"),
            (
                Scope::Folder("nyt".into()),
                Some(("2024-05".into(), 1)),
                Format::Page
            )
        );
        assert_eq!(
            feed("/archive/2024-05/3/feed.json").1,
            Some(("2024-05".into(), 3))
        );
        assert_eq!(
            feed("/sections/%E4%B8%AD%E5%9B%BD/rss.xml").0,
            Scope::Section("中国".into())
        );
        // A folder may be called like a part of the URL space.
        assert_eq!(
            feed("/entries/archive/2024-05/").0,
            Scope::Folder("entries".into())
        );
        assert_eq!(feed("/authors/").0, Scope::Folder("authors".into()));
        assert_eq!(
            Location::parse("/entries/0123456789ABCDEF/"),
            Some(Location::Entry(0x0123_4567_89ab_cdef))
        );
        for nothing in [
            "/nyt/archive/2024-13/rss.xml",
            "/nyt/archive/24-05/rss.xml",
            "/a/b/rss.xml",
            "/nyt/index.html",
            "/entries/xyz/",
            "/entries/0123456789abcdef/rss.xml",
            "/nyt/archive/2024-05/1/",
            "/nyt/archive/2024-05/02/",
            "/nyt/archive/2024-05/x/",
            "/nyt/archive/2/",
            "/tags/x/",
            "/nyt/%FF/",
            // a name that is empty, or holds a `/` once decoded, names no feed
            "/authors//rss.xml",
            "/sections/a%2Fb/rss.xml",
            "/%2F/",
            "rss.xml",
        ] {
            assert_eq!(Location::parse(nothing), None, "{nothing}");
        }
    }

    #[test]
    fn a_request_path_is_written_the_way_prefixes_write_it() {
        let cases = [
            ("/nyt/rss.xml", Some("/nyt/rss.xml")),
            ("/纽约/a b/", Some("/%E7%BA%BD%E7%BA%A6/a%20b/")),
            ("/%e7%ba%bd%e7%ba%a6/", Some("/%E7%BA%BD%E7%BA%A6/")),
            ("/a%2Fb/", Some("/a%2Fb/")),
            ("/%FF/", None),
        ];
        for (path, want) in cases {
            assert_eq!(canonical_path(path).as_deref(), want, "{path}");
        }
        assert!(
            matches!(canonical_path("/nyt/"), Some(Cow::Borrowed(_))),
            "no copy"
        );
        // and a location is written back at the path it was read from
        for path in [
            "/nyt/atom.xml",
            "/authors/amy/archive/2024-05/2/",
            "/entries/0123456789abcdef/",
        ] {
            let location = Location::parse(path).unwrap();
            assert_eq!(location.path(), path);
        }
    }

    #[test]
    fn formats_name_their_documents_one_way() {
        for format in Format::ALL {
            assert_eq!(Format::of_file_name(format.file_name()), Some(format));
            assert!(format.media_type().starts_with(format.link_type()));
        }
        assert!(is_feed_document("/nyt/atom.xml") && is_feed_document("/rss.xml"));
        assert!(!is_feed_document("/nyt/") && !is_feed_document("/opml.xml"));
        assert_eq!(entry_path("amy"), "entries/1906bc7c801f03c4/");
        let folder = Scope::Folder("纽约时报".into());
        assert_eq!(folder.prefix(), "/%E7%BA%BD%E7%BA%A6%E6%97%B6%E6%8A%A5/");
    }

    #[test]
    fn route_kinds_name_what_a_request_asks_for() {
        let cases = [
            ("/rss.xml", false, "feed"),
            ("/nyt/atom.xml", false, "feed"),
            ("/", false, "page"),
            ("/nyt/", false, "page"),
            ("/rss.xml", true, "view"),
            ("/nyt/archive/2024-05/feed.json", false, "archive"),
            ("/authors/jane-doe/rss.xml", false, "facet"),
            ("/sections/world/", false, "facet"),
            ("/opml.xml", false, "opml"),
            ("/status", false, "operator"),
            ("/metrics", true, "operator"),
            ("/healthz", false, "health"),
            ("/readyz", false, "health"),
            ("/wp-login.php", false, "other"),
        ];
        for (path, filtered, kind) in cases {
            assert_eq!(route_kind(path, filtered), kind, "{path}");
        }
        let entry = Location::Entry(entry_hash("https://example.com/a")).path();
        assert_eq!(route_kind(&entry, false), "entry");
    }
}

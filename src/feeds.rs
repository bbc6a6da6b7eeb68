//! Which feeds the server publishes and where: the root (every seed) at `/`, and one per
//! top-level folder of the seeds folder at `/<folder>/`, each with its metadata — the config's
//! `[feeds.<folder>]` where it says something, else what the outlet rules and the root `[feed]`
//! suggest. Pure: no I/O.

use std::borrow::Cow;

use chrono::{DateTime, Datelike, TimeZone, Utc};
use std::collections::BTreeMap;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::config::{Config, FeedMeta, FolderFeed, Person};
use crate::seed::outlets::Outlets;

/// Which entries a feed holds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Every seed.
    All,
    /// The seeds under one top-level folder.
    Folder(String),
    /// The entries an author (by slug, see [`slug`]) wrote.
    Author(String),
    /// The entries filed under a section (by slug).
    Section(String),
}

/// The URL folder of author feeds (`/authors/<slug>/`) and of section feeds.
pub const AUTHORS: &str = "authors";
pub const SECTIONS: &str = "sections";

impl Scope {
    /// Where the feed's documents live: `/`, or `/<folder>/` with the folder's name
    /// percent-encoded (every byte but the unreserved ASCII ones, so `/纽约时报/` is
    /// `/%E7%BA%BD…/`).
    pub fn prefix(&self) -> String {
        match self {
            Scope::All => "/".into(),
            Scope::Folder(name) => format!("/{}/", encode_segment(name)),
            Scope::Author(slug) => format!("/{AUTHORS}/{}/", encode_segment(slug)),
            Scope::Section(slug) => format!("/{SECTIONS}/{}/", encode_segment(slug)),
        }
    }

    /// The scope whose documents live under `prefix` (as [`Scope::prefix`] writes it) — for
    /// authors and sections only, which are rendered on request.
    pub fn facet_of(prefix: &str) -> Option<Scope> {
        let rest = prefix.strip_prefix('/')?.strip_suffix('/')?;
        let (kind, slug) = rest.split_once('/')?;
        let slug = percent_decode_str(slug).decode_utf8().ok()?;
        if slug.is_empty() || slug.contains('/') {
            return None;
        }
        match kind {
            AUTHORS => Some(Scope::Author(slug.into_owned())),
            SECTIONS => Some(Scope::Section(slug.into_owned())),
            _ => None,
        }
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
    format!("entries/{:016x}/", entry_hash(id))
}

/// The stable URL name of an author or a section: lower case, letters and digits of any script
/// kept, every run of anything else one `-`. `""` when nothing is left (no feed then).
pub fn slug(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

/// A calendar month (UTC): the period of one archive document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    pub fn of(instant: DateTime<Utc>) -> Month {
        Month {
            year: instant.year(),
            month: instant.month(),
        }
    }

    /// `2024-05`, as in the archive's URL.
    pub fn parse(text: &str) -> Option<Month> {
        let (year, month) = text.split_once('-')?;
        let well_formed = year.len() == 4 && month.len() == 2;
        let month = Month {
            year: year.parse().ok().filter(|_| well_formed)?,
            month: month.parse().ok().filter(|m| (1..=12).contains(m))?,
        };
        month.start().map(|_| month)
    }

    /// Its first instant.
    pub fn start(self) -> Option<DateTime<Utc>> {
        Utc.with_ymd_and_hms(self.year, self.month, 1, 0, 0, 0)
            .single()
    }

    /// The first instant after it.
    pub fn end(self) -> Option<DateTime<Utc>> {
        let (year, month) = match self.month {
            12 => (self.year.checked_add(1)?, 1),
            m => (self.year, m + 1),
        };
        Month { year, month }.start()
    }
}

/// One archive document: a month, or one page of a month with more entries than the feed's
/// limit (page 1 holds its newest). A change in a month moves entries between its pages only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub month: Month,
    pub page: usize,
}

impl Period {
    pub fn first(month: Month) -> Period {
        Period { month, page: 1 }
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.page {
            1 => write!(f, "{}", self.month),
            page => write!(f, "{}, page {page}", self.month),
        }
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
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

/// The metadata of every feed.
#[derive(Debug, Clone)]
pub struct Feeds {
    root: FeedMeta,
    folders: BTreeMap<String, FolderFeed>,
    outlets: Outlets,
}

impl Feeds {
    pub fn new(config: &Config) -> Feeds {
        Feeds {
            root: config.feed.clone(),
            folders: config.folders.clone(),
            outlets: config.outlets.clone(),
        }
    }

    pub fn root(&self) -> &FeedMeta {
        &self.root
    }

    /// How many entries `scope`'s feed shows: [`Feeds::meta`]'s `limit`, without building the
    /// rest (every change asks it of every folder).
    pub fn limit(&self, scope: &Scope) -> usize {
        match scope {
            Scope::Folder(folder) => self
                .folders
                .get(folder)
                .and_then(|said| said.limit)
                .unwrap_or(self.root.limit),
            _ => self.root.limit,
        }
    }

    /// The metadata of `scope`'s feed. A folder's: the config's `[feeds.<folder>]` fields; for
    /// the rest, a folder named like an outlet (`nyt`, `bbc`: the keys of `src/outlets.toml`)
    /// takes its display name and site, and everything else is the root feed's.
    pub fn meta(&self, scope: &Scope) -> FeedMeta {
        let folder = match scope {
            Scope::All => return self.root.clone(),
            Scope::Folder(folder) => folder,
            Scope::Author(slug) | Scope::Section(slug) => return self.facet_meta(scope, slug),
        };
        let said = self.folders.get(folder).cloned().unwrap_or_default();
        let outlet = self.outlets.iter().find(|o| o.key == *folder);
        let title = said
            .title
            .or_else(|| outlet.map(|o| o.name.clone()))
            .unwrap_or_else(|| folder.clone());
        let site_url = said
            .site_url
            .or_else(|| {
                let host = outlet?.hosts.first()?;
                url::Url::parse(&format!("https://{host}/")).ok()
            })
            .unwrap_or_else(|| self.root.site_url.clone());
        let base_url = self
            .root
            .base_url
            .join(&format!("{}/", encode_segment(folder)))
            .unwrap_or_else(|_| self.root.base_url.clone());
        FeedMeta {
            description: said
                .description
                .unwrap_or_else(|| format!("{title} · {}", self.root.title)),
            base_url,
            site_url,
            language: said.language.unwrap_or_else(|| self.root.language.clone()),
            limit: said.limit.unwrap_or(self.root.limit),
            // Atom wants a feed author when an entry has none: the folder's feed speaks for it.
            authors: vec![Person {
                name: title.clone(),
                email: None,
                uri: None,
            }],
            icon: said.icon.or_else(|| self.root.icon.clone()),
            logo: said.logo.or_else(|| self.root.logo.clone()),
            rights: said.rights.or_else(|| self.root.rights.clone()),
            hubs: self.root.hubs.clone(),
            title,
        }
    }

    /// An author's or a section's feed: the root's, titled with `name` (as the entries write
    /// it), at its own URL.
    pub fn facet_meta(&self, scope: &Scope, name: &str) -> FeedMeta {
        let (title, description) = match scope {
            Scope::Author(_) => (
                format!("{name} · {}", self.root.title),
                format!("Everything by {name} in {}", self.root.title),
            ),
            _ => (
                format!("{name} · {}", self.root.title),
                format!("The {name} section of {}", self.root.title),
            ),
        };
        let base_url = self
            .root
            .base_url
            .join(scope.prefix().trim_start_matches('/'))
            .unwrap_or_else(|_| self.root.base_url.clone());
        FeedMeta {
            title,
            description,
            base_url,
            ..self.root.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_s_feed_takes_the_config_then_the_outlet_then_the_root() {
        let text = "[server]\nbind = \"127.0.0.1:8080\"\n[seeds]\ndir = \"s\"\n\
                    timezone = \"UTC\"\n[feed]\ntitle = \"Root\"\ndescription = \"D\"\n\
                    base_url = \"http://h/feeds/\"\nsite_url = \"https://site/\"\n\
                    language = \"zh-CN\"\nlimit = 50\n[feeds.bbc]\nlimit = 7\n\
                    [feeds.mine]\ntitle = \"Mine\"\nsite_url = \"https://mine.example/\"\n";
        let config = Config::parse(text, std::path::Path::new("/")).unwrap();
        let feeds = Feeds::new(&config);
        let nyt = feeds.meta(&Scope::Folder("nyt".into()));
        assert_eq!(nyt.title, "纽约时报中文网");
        assert_eq!(nyt.site_url.as_str(), "https://cn.nytimes.com/");
        assert_eq!(nyt.description, "纽约时报中文网 · Root");
        assert_eq!(nyt.base_url.as_str(), "http://h/feeds/nyt/");
        assert_eq!((nyt.limit, nyt.language.as_str()), (50, "zh-CN"));
        assert_eq!(feeds.meta(&Scope::Folder("bbc".into())).limit, 7);
        for scope in [
            Scope::All,
            Scope::Folder("bbc".into()),
            Scope::Folder("nyt".into()),
        ] {
            assert_eq!(feeds.limit(&scope), feeds.meta(&scope).limit, "{scope:?}");
        }
        let mine = feeds.meta(&Scope::Folder("mine".into()));
        assert_eq!(
            (mine.title.as_str(), mine.site_url.as_str()),
            ("Mine", "https://mine.example/")
        );
        let other = feeds.meta(&Scope::Folder("其他".into()));
        assert_eq!(other.title, "其他");
        assert_eq!(other.site_url.as_str(), "https://site/");
        assert_eq!(
            other.base_url.as_str(),
            "http://h/feeds/%E5%85%B6%E4%BB%96/"
        );
        assert_eq!(feeds.meta(&Scope::All), config.feed);
    }

    #[test]
    fn folder_names_are_one_canonical_segment() {
        assert_eq!(Scope::All.prefix(), "/");
        assert_eq!(Scope::Folder("nyt".into()).prefix(), "/nyt/");
        assert_eq!(
            Scope::Folder("纽约 时报".into()).prefix(),
            "/%E7%BA%BD%E7%BA%A6%20%E6%97%B6%E6%8A%A5/"
        );
        assert_eq!(Scope::Folder("a/b?#%".into()).prefix(), "/a%2Fb%3F%23%25/");
        // requests in any escaping find the same document
        for asked in [
            "/%e7%ba%bd%e7%ba%a6%20%e6%97%b6%e6%8a%a5/rss.xml",
            "/纽约 时报/rss.xml",
            "/%E7%BA%BD%E7%BA%A6%20%E6%97%B6%E6%8A%A5/rss.xml",
        ] {
            assert_eq!(
                canonical_path(asked).as_deref(),
                Some("/%E7%BA%BD%E7%BA%A6%20%E6%97%B6%E6%8A%A5/rss.xml"),
                "{asked}"
            );
        }
        assert_eq!(canonical_path("/%FF/rss.xml"), None);
    }

    #[test]
    fn author_and_section_prefixes_name_their_facet_and_nothing_else() {
        for scope in [
            Scope::Author("amy-qin".into()),
            Scope::Section("中国".into()),
        ] {
            assert_eq!(Scope::facet_of(&scope.prefix()), Some(scope));
        }
        for nothing in [
            "/authors//",
            "/authors/a%2Fb/",
            "/authors/a/b/",
            "/authors/",
            "/authors/amy",
            "authors/amy/",
            "/nyt/amy/",
            "/",
            "/sections/%FF/",
        ] {
            assert_eq!(Scope::facet_of(nothing), None, "{nothing}");
        }
    }

    #[test]
    fn slugs_hashes_and_months_are_written_one_way() {
        assert_eq!(slug("  Amy  QIN!! "), "amy-qin");
        assert_eq!(slug("中国 / 新闻"), "中国-新闻");
        assert_eq!(slug("ÉLAN"), "élan");
        assert_eq!(slug("--"), "");
        // The first 8 bytes of SHA-256("amy"): 1906bc7c801f03c4…
        assert_eq!(entry_hash("amy"), 0x1906_bc7c_801f_03c4);
        assert_eq!(entry_path("amy"), "entries/1906bc7c801f03c4/");
        let may = Month {
            year: 2024,
            month: 5,
        };
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(Month::of(at("2024-05-31T23:59:59Z")), may);
        assert_eq!(Month::parse("2024-05"), Some(may));
        for bad in [
            "2024-5", "02024-05", "2024-00", "2024-13", "2024_05", "x-05",
        ] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
        assert_eq!(may.start(), Some(at("2024-05-01T00:00:00Z")));
        assert_eq!(may.end(), Some(at("2024-06-01T00:00:00Z")));
        let december = Month::parse("2023-12").unwrap();
        assert_eq!(december.end(), Some(at("2024-01-01T00:00:00Z")));
        assert_eq!(Month { year: 5, month: 1 }.to_string(), "0005-01");
        assert_eq!(Period::first(may).to_string(), "2024-05");
        assert_eq!(
            Period {
                month: may,
                page: 3
            }
            .to_string(),
            "2024-05, page 3"
        );
    }

    #[test]
    fn author_and_section_feeds_are_the_root_s_titled_with_their_name() {
        let text = "[server]\nbind = \"127.0.0.1:8080\"\n[seeds]\ndir = \"s\"\n\
                    timezone = \"UTC\"\n[feed]\ntitle = \"Root\"\ndescription = \"D\"\n\
                    base_url = \"http://h/feeds/\"\nsite_url = \"https://site/\"\n\
                    language = \"en\"\nlimit = 50\n";
        let config = Config::parse(text, std::path::Path::new("/")).unwrap();
        let feeds = Feeds::new(&config);
        let amy = feeds.meta(&Scope::Author("amy-qin".into()));
        assert_eq!(amy.title, "amy-qin · Root");
        let amy = feeds.facet_meta(&Scope::Author("amy-qin".into()), "Amy Qin");
        assert_eq!(amy.title, "Amy Qin · Root");
        assert_eq!(amy.description, "Everything by Amy Qin in Root");
        assert_eq!(amy.base_url.as_str(), "http://h/feeds/authors/amy-qin/");
        assert_eq!((amy.site_url.as_str(), amy.limit), ("https://site/", 50));
        let world = feeds.facet_meta(&Scope::Section("中国".into()), "中国");
        assert_eq!(world.title, "中国 · Root");
        assert_eq!(world.description, "The 中国 section of Root");
        assert_eq!(
            world.base_url.as_str(),
            "http://h/feeds/sections/%E4%B8%AD%E5%9B%BD/"
        );
    }
}

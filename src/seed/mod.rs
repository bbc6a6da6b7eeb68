//! Seed bytes → [`Entry`], or a [`SeedError`] saying why not. The only user of scraper,
//! ammonia, encoding_rs and chardetng. Pure: no I/O, no clock (the file's mtime comes in through [`SeedContext`]), no panics.

mod byline;
pub mod dates;
mod decode;
mod dom;
mod embeds;
mod furniture;
pub mod header;
mod images;
mod links;
mod media;
mod names;
pub mod outlets;
mod sanitize;
mod site_text;
mod summary;
pub mod text;

use std::borrow::Cow;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use scraper::Html;
use url::Url;

pub use crate::entry::Entry;
use outlets::Outlets;
use text::{decode_entities, one_line, truncate_chars};

/// What a parse needs besides the bytes.
#[derive(Debug, Clone, Copy)]
pub struct SeedContext<'a> {
    /// Zone for dates written without an offset, where the outlet has none of its own.
    pub timezone: Tz,
    /// The file's modification time: the date of last resort.
    pub modified: DateTime<Utc>,
    /// What is known about each outlet, found by the link's host.
    pub outlets: &'a Outlets,
    /// What of this seed the index judged the site's rather than the article's (its lead
    /// image, its closing paragraph: [`SiteParts`]); dropped by the whole parse.
    pub site: SiteParts,
}

impl SeedContext<'_> {
    /// The outlet the link belongs to, if any is known.
    fn outlet_of(&self, link: &Url) -> Option<&outlets::Outlet> {
        link.host_str().and_then(|host| self.outlets.for_host(host))
    }

    /// The zone for dates the seed at `link` writes without an offset.
    fn zone_for(&self, link: &Url) -> Tz {
        self.outlet_of(link)
            .and_then(|outlet| outlet.timezone)
            .unwrap_or(self.timezone)
    }
}

/// Why a seed cannot become an entry. Messages are lowercase and name the problem, not the file
/// (the caller adds the path).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SeedError {
    #[error("empty file")]
    Empty,
    #[error("binary data (NUL bytes), not a text seed")]
    Binary,
    #[error("not UTF-8 text (invalid byte at offset {0}), nor GB18030/GBK or Big5")]
    NotUtf8(usize),
    #[error("{0}")]
    Undecodable(String),
    #[error("no ------ line between header and body")]
    NoSeparator,
    #[error("{0}")]
    NoTitleLink(String),
    #[error("link is not an absolute http(s) URL: {0}")]
    BadLink(String),
    #[error("title is empty")]
    EmptyTitle,
}

/// Names the rules that turn a seed into its [`Key`]. Change it whenever a seed may now get
/// another id or other dates: index caches written under other rules are then rebuilt, not
/// trusted.
pub const KEY_RULES: &str = "2026-12-07h rfa, bbc, cdt 撰文 bylines; cdt 文｜, section-named title endings, page-kind folders skipped, co-authors of cut leads, ago to 48 h, programme codes, outlet zones, days at noon UTC in the outlet calendar, hours ago, link days, fetch-time bound, canonical ids; title, section, quick authors";

pub use summary::SUMMARY_CHARS;
const TITLE_CHARS: usize = 500;

/// What ordering and lookups need of a seed, and nothing more: exactly the values a full
/// [`parse`] gives for these fields, at a fraction of its cost (no sanitising, no media).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// The entry's id, which is its link.
    pub id: Arc<str>,
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    /// When the archive fetched the article (the `<!--epoch-->`), if the seed says: among
    /// seeds sharing a link, the newest fetch is served.
    pub fetched: Option<DateTime<Utc>>,
    /// The entry's title (for `q=` searches and lists). Shared: keys are cloned often.
    pub title: Arc<str>,
    /// The section it is filed under (its first category, unless that is only the outlet).
    pub section: Option<Section>,
    /// Its authors, when the body's first few KB settle them; `None` when only a whole-body
    /// parse can tell ([`read_authors`]): that costs about as much again as the key, so the
    /// index reads them after the feeds are served.
    pub authors: Option<Arc<[String]>>,
    /// What the seed may share with its site (its lead image, its closing paragraph).
    pub site: SiteParts,
}

/// What a seed may share with its site rather than hold of its own: hashes of its lead image's
/// address and of its short closing paragraph (0: none), read by [`parse_key`]; and whether
/// each is the site's, judged by the store when the seed is taken to be shown (it recurs in
/// the entries published just before it in its folder: `Store::seed`), never by a parse.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SiteParts {
    pub lead_image: u32,
    pub closing: u32,
    pub image_is_site: bool,
    pub closing_is_site: bool,
}

/// A section: the term that names it in the link or a title label (`gangtai`), which the
/// section feed's URL is made from and `?section=` matches, and the name readers are shown
/// (港台: the outlet's `sections` table; the term itself where that lists none, one `Arc`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Section {
    pub term: Arc<str>,
    pub name: Arc<str>,
}

impl Section {
    /// The section `term` names at `outlet`.
    pub fn named(term: String, outlet: Option<&outlets::Outlet>) -> Section {
        let term: Arc<str> = Arc::from(term);
        let name = outlet.and_then(|o| o.section_name(&term)).cloned();
        Section {
            name: name.unwrap_or_else(|| term.clone()),
            term,
        }
    }
}

impl Key {
    /// Whether a whole [`parse`] of the same bytes gave `entry`: the fields the key holds are
    /// equal (authors only when the key holds them).
    pub fn agrees_with(&self, entry: &Entry) -> bool {
        let section = match entry.categories.as_slice() {
            [section, _outlet] => Some(section),
            _ => None,
        };
        *self.id == *entry.id
            && self.published == entry.published
            && self.updated == entry.updated
            && *self.title == *entry.title
            && self.section.as_ref().map(|s| &*s.name) == section.map(String::as_str)
            && self.authors.as_ref().is_none_or(|a| **a == *entry.authors)
    }
}

/// Parses one seed file's bytes into a whole entry.
pub fn parse(bytes: &[u8], context: &SeedContext) -> Result<Entry, SeedError> {
    let text = decode::decode(bytes)?;
    let mut seed = Essentials::read(&text, context)?;
    // After the dates are read (they must equal `parse_key`'s), before anything else is.
    let site = context.site;
    // Both dropped when the index judged them the site's: `|` evaluates each.
    let site_parts_gone = (site.image_is_site
        && images::drop_site_graphic(&mut seed.html, site.lead_image))
        | (site.closing_is_site && site_text::drop_closing_paragraph(&mut seed.html, site.closing));
    let images_settled = images::settle(&mut seed.html) || site_parts_gone;
    let outlet = context.outlet_of(&seed.link);
    let furniture_gone = furniture::strip(&mut seed.html, outlet, &seed.link);
    let cleaned = (images_settled || furniture_gone).then(|| seed.html.root_element().inner_html());
    let body = cleaned.as_deref().unwrap_or(&seed.body);
    let root = seed.html.root_element();
    let summary = summary::summary(root, &seed.title);
    Ok(Entry {
        id: canonical_id(&seed.link),
        title: seed.title,
        authors: seed.authors,
        published: seed.published,
        updated: seed.updated,
        summary,
        content: sanitize::content(body, &seed.link, context.outlets),
        media: media::extract(root, &seed.link),
        categories: categories(
            &seed.link,
            context.outlet_of(&seed.link),
            seed.title_section,
        ),
        language: outlet.and_then(|o| o.language.clone()),
        link: seed.link.to_string(),
    })
}

/// Parses only what the index needs; a seed rejected here is rejected by [`parse`] too.
/// The date usually shows in the body's first few KB; the whole body is parsed only when it
/// does not (see [`byline::quick`]).
pub fn parse_key(bytes: &[u8], context: &SeedContext) -> Result<Key, SeedError> {
    parse_key_with_doubts(bytes, context).map(|(key, _)| key)
}

/// [`parse_key`], with what the index should log about the seed: dates it did not trust, and
/// control bytes dropped from its text.
pub fn parse_key_with_doubts(
    bytes: &[u8],
    context: &SeedContext,
) -> Result<(Key, Vec<String>), SeedError> {
    let decode::Decoded { text, dropped } = decode::decode_counting(bytes)?;
    let heading = Heading::read(&text, context)?;
    let zone = context.zone_for(&heading.link);
    let (stated, authors) = match byline::quick(heading.head.body, zone) {
        Some(quick) => (quick.date, quick.authors),
        // Only the date is wanted: the outlet's byline rules would cost time for nothing.
        None => {
            let html = Html::parse_fragment(heading.head.body);
            (byline::read(html.root_element(), zone, None).date, None)
        }
    };
    let mut dates = heading.dates(stated, context);
    if dropped > 0 {
        let doubt =
            format!("{dropped} control bytes (NUL or other C0 codes) dropped from the text");
        dates.doubts.push(doubt);
    }
    let outlet = context.outlet_of(&heading.link);
    let key = Key {
        id: canonical_id(&heading.link).into(),
        published: dates.published,
        updated: dates.updated,
        fetched: dates.fetched,
        section: section(&heading.link, outlet, heading.title_section),
        title: heading.title.into(),
        authors: authors.map(Arc::from),
        site: SiteParts {
            lead_image: images::lead_image(heading.head.body),
            closing: site_text::closing_paragraph(heading.head.body),
            ..SiteParts::default()
        },
    };
    Ok((key, dates.doubts))
}

/// The authors a whole [`parse`] gives, at the cost of the body's DOM and the byline rules
/// only (no cleaning, sanitising or media).
pub fn read_authors(bytes: &[u8], context: &SeedContext) -> Result<Vec<String>, SeedError> {
    let text = decode::decode(bytes)?;
    let heading = Heading::read(&text, context)?;
    let html = Html::parse_fragment(heading.head.body);
    let link = &heading.link;
    let byline = byline::read(
        html.root_element(),
        context.zone_for(link),
        context.outlet_of(link),
    );
    Ok(byline.authors)
}

/// The header's fields, checked: everything a seed is rejected for, without touching the body.
struct Heading<'t> {
    head: header::Header<'t>,
    link: Url,
    title: String,
    /// The section a label before the title named (`[World] …`), when the outlet's rules
    /// read one.
    title_section: Option<String>,
}

impl<'t> Heading<'t> {
    fn read(text: &'t str, context: &SeedContext) -> Result<Heading<'t>, SeedError> {
        if text.chars().all(char::is_whitespace) {
            return Err(SeedError::Empty);
        }
        let head = header::split(text)?;
        let link = parse_link(head.raw_link)?;
        let title = one_line(&decode_entities(head.raw_title));
        let outlet = context.outlet_of(&link);
        let (title, title_section) = match outlet {
            Some(outlet) => {
                let (title, section) = outlet.without_title_prefix(&title);
                (outlet.without_title_suffix(title), section)
            }
            None => (title.as_str(), None),
        };
        // A label the outlet names a section for is one (BBC's `[Chinese]` is its China news).
        let title_section = title_section
            .map(str::to_lowercase)
            .filter(|s| is_section_name(s) || outlet.is_some_and(|o| o.section_name(s).is_some()));
        let section = section(&link, outlet, title_section.clone());
        let title = without_section_suffix(title, section.as_ref());
        let title = truncate_chars(without_programme_code(title), TITLE_CHARS);
        if title.is_empty() {
            return Err(SeedError::EmptyTitle);
        }
        Ok(Heading {
            head,
            link,
            title,
            title_section,
        })
    }

    /// `published` and `updated` from the date the body states (if any), the header's `日期`
    /// line, the header's epoch and the file's mtime, in that order of trust. The epoch is
    /// when the archive fetched the article, so a stated date later than it is a wrong zone or
    /// a wrong read: it is passed over (and noted) for the next one. Then the link's day, if
    /// it names one, holds `published` back (see [`held_to_link_day`]).
    fn dates(&self, stated: Option<dates::Stated>, context: &SeedContext) -> Dates {
        let zone = context.zone_for(&self.link);
        let epoch = self
            .head
            .epoch_ms
            .and_then(DateTime::from_timestamp_millis)
            .filter(|&d| dates::plausible(d));
        let from_body = stated.map(|stated| match (epoch, stated.ago) {
            // The page said how long before it was saved: more precise than its day.
            (Some(e), Some(ago)) => e - ago,
            // A bare date is less precise than the archive's timestamp of the same day.
            (Some(e), None)
                if stated.date_only && dates::on_day(stated.instant.date_naive(), e, zone) =>
            {
                e
            }
            _ => stated.instant,
        });
        let from_header = self
            .head
            .stated_date
            .and_then(|d| dates::parse(d, zone))
            .map(|s| s.instant);
        let mut doubts = Vec::new();
        // An epoch before the web archives existed is a broken header, not a fetch time.
        let fetched_at = epoch.filter(|e| e.timestamp() >= FETCH_TIMES_FROM);
        let mut trusted = |candidate: Option<DateTime<Utc>>, what: &str| {
            let candidate = candidate?;
            match fetched_at {
                Some(fetched) if candidate > fetched => {
                    doubts.push(format!(
                        "{what} {} is later than the fetch time {}; not used",
                        candidate.to_rfc3339(),
                        fetched.to_rfc3339()
                    ));
                    None
                }
                _ => Some(candidate),
            }
        };
        let found = trusted(from_body, "the date in the body")
            .or_else(|| trusted(from_header, "the 日期 line"))
            .or(epoch)
            .unwrap_or(context.modified);
        let published = held_to_link_day(found, dates::in_link(&self.link), zone);
        let updated = epoch.into_iter().chain([found]).max().unwrap_or(found);
        Dates {
            published,
            updated: updated.max(published),
            fetched: epoch,
            doubts,
        }
    }
}

/// A link that names a day was made the day the article first appeared, in the outlet's
/// calendar, so a date found on a later day is not the first publication: a republication
/// (NYT's `pudate` a week on, while the `<time>` text and `/20210416/` agree), or the fetch
/// time of a seed that states no time, after midnight (Zaobao's `story20210412-…` fetched at
/// 00:30 on the 13th). The entry is then published on the link's day; the later date is kept
/// as `updated`. An earlier date stands: print editions date links ahead of the web.
fn held_to_link_day(found: DateTime<Utc>, link_day: Option<NaiveDate>, zone: Tz) -> DateTime<Utc> {
    match link_day {
        Some(day) if found.with_timezone(&zone).date_naive() > day => {
            dates::Stated::day(day).instant
        }
        _ => found,
    }
}

/// 2000-01-01T00:00:00Z: the earliest epoch taken as the time the archive fetched a seed.
const FETCH_TIMES_FROM: i64 = 946_684_800;

/// An entry's dates, and why any date the seed states was passed over.
struct Dates {
    published: DateTime<Utc>,
    updated: DateTime<Utc>,
    fetched: Option<DateTime<Utc>>,
    doubts: Vec<String>,
}

/// What a whole parse starts from: the checked header and the body's DOM.
struct Essentials<'t> {
    link: Url,
    title: String,
    title_section: Option<String>,
    body: Cow<'t, str>,
    html: Html,
    authors: Vec<String>,
    published: DateTime<Utc>,
    updated: DateTime<Utc>,
}

impl<'t> Essentials<'t> {
    fn read(text: &'t str, context: &SeedContext) -> Result<Essentials<'t>, SeedError> {
        let heading = Heading::read(text, context)?;
        // Players the parser would mangle become iframes first; they hold no byline, so the
        // authors stay `parse_key`'s.
        let body = embeds::players(heading.head.body);
        let html = Html::parse_fragment(&body);
        let byline = byline::read(
            html.root_element(),
            context.zone_for(&heading.link),
            context.outlet_of(&heading.link),
        );
        let Dates {
            published, updated, ..
        } = heading.dates(byline.date, context);
        Ok(Essentials {
            body,
            link: heading.link,
            title: heading.title,
            title_section: heading.title_section,
            html,
            authors: byline.authors,
            published,
            updated,
        })
    }
}

/// `… 不收手續費、不查帳 - 200722-2` → `… 不收手續費、不查帳`: a broadcaster's code for the
/// programme an item aired in (RTI's `YYMMDD-N`), not part of the title.
fn without_programme_code(title: &str) -> &str {
    let Some((rest, code)) = title.rsplit_once(" - ") else {
        return title;
    };
    let is_code = code.split_once('-').is_some_and(|(day, n)| {
        day.len() == 6
            && (1..=3).contains(&n.len())
            && day.bytes().chain(n.bytes()).all(|b| b.is_ascii_digit())
    });
    match is_code && !rest.trim().is_empty() {
        true => rest.trim_end(),
        false => title,
    }
}

/// The entry's id: its link with every percent-escape in upper case, the form RFC 3986 calls
/// canonical (validators warn on `%e4`). Seeds that differ only in that case are one article.
fn canonical_id(link: &Url) -> String {
    let link = link.as_str();
    let mut id = String::with_capacity(link.len());
    let mut rest = link;
    while let Some(at) = rest.find('%') {
        id.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        if let Some(hex) = rest.get(..2)
            && hex.bytes().all(|b| b.is_ascii_hexdigit())
        {
            id.push_str(&hex.to_ascii_uppercase());
            rest = &rest[2..];
        }
    }
    id.push_str(rest);
    id
}

fn parse_link(raw: &str) -> Result<Url, SeedError> {
    let bad = || SeedError::BadLink(header::preview(raw));
    let url = Url::parse(raw.trim()).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(bad());
    }
    Ok(url)
}

/// The section, where the link has a real one, and the outlet's display name (the host for an
/// outlet nobody described). A known outlet's section is the path folder its rules name, if
/// any; for others, the first folder that reads as a section name. Path pieces that only say
/// language, script or page kind (`zh`, `cn`, `article`, `story`, `mandarin`…) never are.
/// Without one, the label the archive put before the title (`[World] …`) names the section.
fn categories(
    link: &Url,
    outlet: Option<&outlets::Outlet>,
    title_section: Option<String>,
) -> Vec<String> {
    let mut categories: Vec<String> = section(link, outlet, title_section)
        .map(|s| s.name.to_string())
        .into_iter()
        .collect();
    match outlet {
        Some(outlet) => categories.push(outlet.name.clone()),
        None => {
            if let Some(host) = link.host_str() {
                categories.push(
                    host.strip_prefix("www.")
                        .unwrap_or(host)
                        .to_ascii_lowercase(),
                );
            }
        }
    }
    categories
}

/// The section an entry is filed under: a folder of its link the outlet's rules (or, for an
/// unknown outlet, the first one that reads as a section) name, else its title's label.
fn section(
    link: &Url,
    outlet: Option<&outlets::Outlet>,
    title_section: Option<String>,
) -> Option<Section> {
    let folders: Vec<String> = link
        .path_segments()
        .map(|segments| {
            // `http://www.rfi.fr//cn/…`: an empty piece is no folder.
            let segments: Vec<&str> = segments.filter(|s| !s.is_empty()).collect();
            segments[..segments.len().saturating_sub(1)]
                .iter()
                .map(|s| percent_encoding_decode(s).trim().to_lowercase())
                .collect()
        })
        .unwrap_or_default();
    let section = match outlet {
        // A folder that only names a kind of page (RFI's `专栏检索`, column index) hands
        // over to the next (`/专栏检索/法国世界报/`).
        Some(outlet) => outlet
            .section_segment
            .and_then(|at| folders.get(at..))
            .and_then(|from| from.iter().find(|s| !NOT_SECTIONS.contains(&s.as_str())))
            .filter(|s| is_section_name(s)),
        None => folders.iter().find(|s| is_section_name(s)),
    };
    let term = section.cloned().or(title_section)?;
    Some(Section::named(term, outlet))
}

/// `title` without a closing ` - NAME` that names its section, the column it ran in (RFI's
/// `… - 法国世界报`, filed under `/专栏检索/法国世界报/`), unless nothing would be left.
fn without_section_suffix<'t>(title: &'t str, section: Option<&Section>) -> &'t str {
    let Some(section) = section else {
        return title;
    };
    [&*section.name, &*section.term]
        .into_iter()
        .find_map(|name| {
            let before = title.strip_suffix(name)?.trim_end();
            before.strip_suffix(['-', '–', '|']).map(str::trim_end)
        })
        .filter(|rest| !rest.is_empty())
        .unwrap_or(title)
}

/// A path segment with its percent-escapes decoded, if they decode to UTF-8.
fn percent_encoding_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).and_then(|&b| hex(b)),
                bytes.get(i + 2).and_then(|&b| hex(b)),
            )
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| segment.to_string())
}

/// Path pieces that name a language, a script, an edition or a kind of page, not a section.
const NOT_SECTIONS: &[&str] = &[
    "a",
    "article",
    "articles",
    "story",
    "stories",
    "news",
    "zh",
    "cn",
    "zh-cn",
    "zh-hans",
    "zh-hant",
    "zh-tw",
    "zh-hk",
    "gb",
    "b5",
    "big5",
    "simp",
    "trad",
    "chinese",
    "mandarin",
    "cantonese",
    "zhongwen",
    "contenu",
    "content",
    "realtime",
    "amp",
    "index",
    "html",
    "www",
    "专栏检索",
];

fn is_section_name(segment: &str) -> bool {
    let length = segment.chars().count();
    (2..=30).contains(&length)
        && !NOT_SECTIONS.contains(&segment)
        && segment
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
        && !segment.chars().any(|c| c.is_ascii_digit())
        && segment.chars().next().is_some_and(char::is_alphabetic)
}

#[cfg(test)]
mod tests;

//! What a request for a long-tail document asks for, checked: which feed (root, folder,
//! author, section), which month of its archive, which format (the path, read by `urls.rs`),
//! which filters (the query); or which entry page. Pure: handlers call it to answer a bad query
//! with a 400 at once, and the update thread renders what it describes.

use chrono::{DateTime, NaiveDate, Utc};

use crate::scope::{Period, Scope, slug};
use crate::urls::{Format, Location};

/// A document the snapshot does not hold, as a request describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    Feed(FeedRequest),
    /// The entry whose id has this [`crate::urls::entry_hash`].
    Entry(u64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRequest {
    pub scope: Scope,
    /// A month (or page of one) of the archive; `None` for the feed's current documents.
    pub period: Option<Period>,
    pub format: Format,
    pub query: Option<Query>,
}

/// The filters of a feed URL's query string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// The query string as requested: the view's `rel="self"` repeats it.
    pub raw: String,
    pub limit: Option<usize>,
    /// Slugs, as the author and section feeds' URLs write them.
    pub author: Option<String>,
    pub section: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Words that must all appear in the title (case-insensitive).
    pub words: Vec<String>,
}

/// The most entries a `limit` may ask for.
pub const MAX_LIMIT: usize = 500;
const MAX_QUERY_BYTES: usize = 1024;
const MAX_WORDS: usize = 10;
const MAX_Q_CHARS: usize = 200;

/// Why a request cannot be answered: the 400's text.
pub type BadRequest = String;

/// The long-tail document at canonical `path` with the raw `query` string; `Ok(None)` when the
/// path names no such document (a 404), `Err` when the query is wrong (a 400).
pub fn wanted(path: &str, query: &str) -> Result<Option<Wanted>, BadRequest> {
    let Some(location) = Location::parse(path) else {
        return Ok(None);
    };
    let (scope, period, format) = match location {
        Location::Entry(_) if !query.is_empty() => {
            return Err("an entry page takes no query parameters".into());
        }
        Location::Entry(hash) => return Ok(Some(Wanted::Entry(hash))),
        Location::Feed {
            scope,
            period,
            format,
        } => (scope, period, format),
    };
    let query = match query {
        "" => None,
        _ if period.is_some() => {
            return Err(
                "archive documents take no query parameters: filter the current feed".into(),
            );
        }
        raw => Some(parse_query(raw)?),
    };
    Ok(Some(Wanted::Feed(FeedRequest {
        scope,
        period,
        format,
        query,
    })))
}

fn parse_query(raw: &str) -> Result<Query, BadRequest> {
    if raw.len() > MAX_QUERY_BYTES {
        return Err(format!(
            "the query string is longer than {MAX_QUERY_BYTES} bytes"
        ));
    }
    let mut query = Query {
        raw: raw.to_string(),
        ..Query::default()
    };
    let mut seen: Vec<String> = Vec::new();
    for (name, value) in url::form_urlencoded::parse(raw.as_bytes()) {
        if seen.iter().any(|s| *s == name) {
            return Err(format!("`{name}` is given twice"));
        }
        seen.push(name.to_string());
        let value = value.trim();
        if value.is_empty() {
            return Err(format!("`{name}` is empty"));
        }
        match &*name {
            "limit" => {
                let limit = value
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=MAX_LIMIT).contains(n));
                query.limit = Some(limit.ok_or_else(|| {
                    format!("`limit` must be a whole number from 1 to {MAX_LIMIT}, not `{value}`")
                })?);
            }
            "author" | "section" => {
                let slug = slug(value);
                if slug.is_empty() {
                    return Err(format!("`{name}` names no one: `{value}`"));
                }
                if name == "author" {
                    query.author = Some(slug);
                } else {
                    query.section = Some(slug);
                }
            }
            "since" => query.since = Some(instant(&name, value, false)?),
            "until" => query.until = Some(instant(&name, value, true)?),
            "q" => {
                if value.chars().count() > MAX_Q_CHARS {
                    return Err(format!("`q` is longer than {MAX_Q_CHARS} characters"));
                }
                query.words = value.split_whitespace().map(str::to_lowercase).collect();
                if query.words.len() > MAX_WORDS {
                    return Err(format!("`q` has more than {MAX_WORDS} words"));
                }
            }
            other => {
                return Err(format!(
                    "unknown parameter `{other}`: use limit, author, section, since, until or q"
                ));
            }
        }
    }
    if let (Some(since), Some(until)) = (query.since, query.until)
        && since > until
    {
        return Err("`since` is later than `until`".into());
    }
    Ok(query)
}

/// An RFC 3339 date-time, or a date (`2024-05-01`, UTC): that day's first instant, or with
/// `whole_day` (for `until`) its last, so `since=D&until=D` is the day D.
fn instant(name: &str, value: &str, whole_day: bool) -> Result<DateTime<Utc>, BadRequest> {
    let parsed = DateTime::parse_from_rfc3339(value)
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            let date = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()?;
            let start = date.and_hms_opt(0, 0, 0)?.and_utc();
            Some(match whole_day {
                true => start + chrono::Duration::days(1) - chrono::Duration::nanoseconds(1),
                false => start,
            })
        });
    parsed.ok_or_else(|| {
        format!("`{name}` must be a date (2024-05-01) or an RFC 3339 time (2024-05-01T08:00:00Z), not `{value}`")
    })
}

impl Query {
    /// Whether an entry with this title, section and authors (as the seed names them) passes
    /// the filters. Checked against every key of a feed (a view of a rare word reads them
    /// all): names are slugged and the title lower-cased only for a filter that needs them.
    pub fn admits(
        &self,
        title: &str,
        published: DateTime<Utc>,
        section: Option<&str>,
        mut authors: impl Iterator<Item = impl AsRef<str>>,
    ) -> bool {
        self.since.is_none_or(|since| published >= since)
            && self.until.is_none_or(|until| published <= until)
            && self
                .section
                .as_ref()
                .is_none_or(|wanted| section.is_some_and(|name| slug(name) == *wanted))
            && self
                .author
                .as_ref()
                .is_none_or(|wanted| authors.any(|name| slug(name.as_ref()) == *wanted))
            && (self.words.is_empty() || {
                let title = title.to_lowercase();
                self.words.iter().all(|word| title.contains(word.as_str()))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(path: &str, query: &str) -> FeedRequest {
        match wanted(path, query) {
            Ok(Some(Wanted::Feed(request))) => request,
            other => panic!("{path}?{query}: {other:?}"),
        }
    }

    /// The path is `urls.rs`'s to read (tested there): here, what a request carries over.
    #[test]
    fn a_path_gives_the_request_its_feed_period_and_format_or_nothing() {
        let r = feed("/nyt/archive/2024-05/12/atom.xml", "");
        assert_eq!(
            (r.scope, r.format),
            (Scope::Folder("nyt".into()), Format::Atom)
        );
        assert_eq!(
            r.period.map(|p| p.to_string()).as_deref(),
            Some("2024-05, page 12")
        );
        assert_eq!(
            wanted("/entries/0123456789ABCDEF/", ""),
            Ok(Some(Wanted::Entry(0x0123_4567_89ab_cdef)))
        );
        assert_eq!(wanted("/nyt/archive/2024-13/rss.xml", ""), Ok(None));
        assert_eq!(
            wanted("/nyt/index.html", "limit=5"),
            Ok(None),
            "no document, no 400"
        );
    }

    #[test]
    fn every_parameter_is_checked() {
        let q = feed(
            "/rss.xml",
            "limit=5&author=Amy%20Qin&section=World&since=2024-05-01&until=2024-06-01T00:00:00%2B08:00&q=Trade+War",
        )
        .query
        .unwrap();
        assert_eq!(q.limit, Some(5));
        assert_eq!(q.author.as_deref(), Some("amy-qin"));
        assert_eq!(q.section.as_deref(), Some("world"));
        assert_eq!(q.since.unwrap().to_rfc3339(), "2024-05-01T00:00:00+00:00");
        assert_eq!(q.until.unwrap().to_rfc3339(), "2024-05-31T16:00:00+00:00");
        let day = feed("/rss.xml", "since=2024-05-01&until=2024-05-01")
            .query
            .unwrap();
        assert_eq!(day.since.unwrap().to_rfc3339(), "2024-05-01T00:00:00+00:00");
        assert_eq!(
            day.until.unwrap().to_rfc3339(),
            "2024-05-01T23:59:59.999999999+00:00"
        );
        assert_eq!(q.words, ["trade", "war"]);
        // The view's `rel="self"` repeats the query as it was asked.
        assert_eq!(
            feed("/rss.xml", "limit=5&q=a+b").query.unwrap().raw,
            "limit=5&q=a+b"
        );
        let long = "x".repeat(2000);
        let bad = [
            "limit=0",
            "limit=501",
            "limit=-1",
            "limit=ten",
            "limit=99999999999999999999999",
            "limit=",
            "limit=5&limit=6",
            "author=%20-%20",
            "since=yesterday",
            "since=2024-02-30",
            "since=2024-06-01&until=2024-05-01",
            "sort=asc",
            "q=a+b+c+d+e+f+g+h+i+j+k",
            &long,
        ];
        for query in bad {
            assert!(
                wanted("/nyt/atom.xml", query).is_err(),
                "{query} should be refused"
            );
        }
        assert!(wanted("/nyt/archive/2024-05/atom.xml", "limit=5").is_err());
        assert!(wanted("/entries/0123456789abcdef/", "limit=5").is_err());
        assert_eq!(
            feed("/rss.xml", "limit=500").query.unwrap().limit,
            Some(500)
        );
    }

    #[test]
    fn filters_admit_what_they_say() {
        let q = parse_query("q=trade&author=amy-qin&since=2024-05-01").unwrap();
        let at = |d: &str| DateTime::parse_from_rfc3339(d).unwrap().with_timezone(&Utc);
        let authors = ["amy-qin".to_string()];
        assert!(q.admits(
            "US-China TRADE talks",
            at("2024-05-02T00:00:00Z"),
            None,
            authors.iter()
        ));
        assert!(!q.admits(
            "US-China talks",
            at("2024-05-02T00:00:00Z"),
            None,
            authors.iter()
        ));
        assert!(!q.admits("trade", at("2024-04-30T23:59:59Z"), None, authors.iter()));
        assert!(!q.admits("trade", at("2024-05-02T00:00:00Z"), None, [""; 0].iter()));
    }

    #[test]
    fn limits_are_inclusive_and_only_the_right_names_are_paths() {
        let at_most = |name: &str, fill: usize| format!("{name}={}", "a".repeat(fill));
        // The whole query string: 1024 bytes pass, 1025 do not.
        assert!(parse_query(&at_most("author", 1024 - 7)).is_ok());
        assert!(parse_query(&at_most("author", 1025 - 7)).is_err());
        // `q`: 200 characters and 10 words pass.
        assert!(parse_query(&at_most("q", 200)).is_ok());
        assert!(parse_query(&at_most("q", 201)).is_err());
        assert_eq!(
            parse_query("q=a+b+c+d+e+f+g+h+i+j").unwrap().words.len(),
            10
        );
        // `since` may equal `until`.
        assert!(parse_query("since=2024-05-01&until=2024-05-01").is_ok());
        assert_eq!(
            feed("/nyt/archive/2024-05/2/", "").period.map(|p| p.page),
            Some(2)
        );
        for nothing in [
            "/entries/0123456789abcdeg/",
            "/entries/0123456789abcdef0/",
            "/nytarchive/2024-05/",
            "/nyt/archive/2024-05/2x/",
        ] {
            assert_eq!(wanted(nothing, ""), Ok(None), "{nothing}");
        }
    }

    #[test]
    fn dates_bound_the_filter_inclusively_and_a_section_is_matched_by_slug() {
        let q = parse_query("since=2024-05-01&until=2024-05-31T00:00:00Z&section=World").unwrap();
        let at = |d: &str| DateTime::parse_from_rfc3339(d).unwrap().with_timezone(&Utc);
        let admits =
            |when: &str, section: Option<&str>| q.admits("t", at(when), section, [""; 0].iter());
        assert!(admits("2024-05-01T00:00:00Z", Some("world")));
        assert!(admits("2024-05-31T00:00:00Z", Some("World")));
        assert!(!admits("2024-05-31T00:00:01Z", Some("world")));
        assert!(!admits("2024-05-15T00:00:00Z", Some("asia")));
        assert!(!admits("2024-05-15T00:00:00Z", None));
        // A bare date for `until` takes in its whole day, and nothing after.
        let day = parse_query("until=2024-05-31").unwrap();
        assert!(day.admits("t", at("2024-05-31T23:59:59Z"), None, [""; 0].iter()));
        assert!(!day.admits("t", at("2024-06-01T00:00:00Z"), None, [""; 0].iter()));
        let by = parse_query("author=amy-qin").unwrap();
        let amy = ["Li Yuan".to_string(), "Amy Qin".to_string()];
        assert!(by.admits("t", at("2024-05-15T00:00:00Z"), None, amy.iter()));
        assert!(!by.admits("t", at("2024-05-15T00:00:00Z"), None, amy[..1].iter()));
    }
}

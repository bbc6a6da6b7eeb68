//! Conditional GET (RFC 9110 §13): does the client already hold these bytes?

use chrono::{DateTime, Utc};

use crate::document::parse_http_date;

/// True when a GET/HEAD should be answered `304 Not Modified`. `If-None-Match` takes
/// precedence: when present, `If-Modified-Since` is ignored.
pub fn not_modified(
    if_none_match: Option<&str>,
    if_modified_since: Option<&str>,
    etag: &str,
    last_modified: DateTime<Utc>,
) -> bool {
    if let Some(list) = if_none_match {
        return matches_any(list, etag);
    }
    match if_modified_since.and_then(parse_http_date) {
        Some(since) => last_modified <= since,
        None => false,
    }
}

/// Weak comparison, as `If-None-Match` uses: `W/"x"` matches `"x"`; `*` matches anything.
fn matches_any(list: &str, etag: &str) -> bool {
    let ours = opaque(etag);
    if list.trim() == "*" {
        return true;
    }
    entity_tags(list).any(|theirs| opaque(theirs) == ours)
}

fn opaque(tag: &str) -> &str {
    tag.strip_prefix("W/").unwrap_or(tag)
}

/// Splits a list of entity-tags at the commas between them (an opaque tag may hold a comma).
fn entity_tags(list: &str) -> impl Iterator<Item = &str> {
    let mut rest = list;
    std::iter::from_fn(move || {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        if rest.is_empty() {
            return None;
        }
        let prefix = if rest.starts_with("W/") { 2 } else { 0 };
        let end = if rest[prefix..].starts_with('"') {
            // Up to and including the closing quote.
            rest[prefix + 1..]
                .find('"')
                .map_or(rest.len(), |i| prefix + i + 2)
        } else {
            // Not a valid tag; skip to the next comma so it matches nothing.
            rest.find(',').unwrap_or(rest.len())
        };
        let (tag, remainder) = rest.split_at(end);
        rest = remainder;
        Some(tag.trim())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ETAG: &str = "\"abc\"";

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap()
    }

    #[test]
    fn if_none_match_forms() {
        let cases = [
            ("\"abc\"", true),
            ("W/\"abc\"", true),
            ("\"xyz\", \"abc\"", true),
            ("\"xyz\",W/\"abc\"", true),
            ("*", true),
            (" * ", true),
            ("\"xyz\"", false),
            ("abc", false),
            ("\"ab\"", false),
            ("\"abc", false),
            ("\"a,b\", \"abc\"", true),
            ("", false),
            (",,,", false),
            ("W/", false),
        ];
        for (header, expected) in cases {
            assert_eq!(
                not_modified(Some(header), None, ETAG, at(0)),
                expected,
                "{header:?}"
            );
        }
    }

    #[test]
    fn if_modified_since_compares_whole_seconds() {
        let modified = at(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        let cases = [
            ("Sun, 06 Nov 1994 08:49:37 GMT", true),
            ("Sun, 06 Nov 1994 08:49:38 GMT", true),
            ("Sun, 06 Nov 1994 08:49:36 GMT", false),
            ("Sunday, 06-Nov-94 08:49:37 GMT", true),
            ("Sun Nov  6 08:49:37 1994", true),
            ("not a date", false),
        ];
        for (header, expected) in cases {
            assert_eq!(
                not_modified(None, Some(header), ETAG, modified),
                expected,
                "{header:?}"
            );
        }
    }

    #[test]
    fn if_none_match_takes_precedence() {
        let modified = at(784_111_777);
        let later = "Mon, 07 Nov 1994 08:49:37 GMT";
        assert!(!not_modified(Some("\"old\""), Some(later), ETAG, modified));
        assert!(not_modified(Some(ETAG), Some("garbage"), ETAG, modified));
    }
}

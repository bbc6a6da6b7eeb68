//! `Accept-Encoding` (RFC 9110 §12.5.3): which of the codings we hold the client gets.

use crate::document::Coding;

/// The coding to send, given the request's `Accept-Encoding` (if any) and which codings are
/// ready. `None` means nothing acceptable is available: the answer is 406.
pub fn choose(accept_encoding: Option<&str>, ready: impl Fn(Coding) -> bool) -> Option<Coding> {
    // No header: send the bytes as they are, which every client understands.
    let Some(header) = accept_encoding else {
        return Some(Coding::Identity);
    };
    let preferences = parse(header);
    let mut best: Option<(Coding, u16)> = None;
    for coding in Coding::PREFERENCE {
        let q = quality(&preferences, coding);
        if q == 0 || !ready(coding) {
            continue;
        }
        // Ties keep the earlier (smaller) coding.
        if best.is_none_or(|(_, best_q)| q > best_q) {
            best = Some((coding, q));
        }
    }
    best.map(|(coding, _)| coding)
}

/// One element of the header: a coding name (lowercase) and its weight in thousandths.
#[derive(Debug, PartialEq, Eq)]
struct Preference {
    name: String,
    q: u16,
}

fn parse(header: &str) -> Vec<Preference> {
    header
        .split(',')
        .filter_map(|element| {
            let mut parts = element.split(';');
            let name = parts.next()?.trim().to_ascii_lowercase();
            if name.is_empty() {
                return None;
            }
            let mut q = 1000;
            for parameter in parts {
                let (key, value) = parameter.split_once('=')?;
                if key.trim().eq_ignore_ascii_case("q") {
                    // A malformed weight makes the element meaningless; drop it.
                    q = parse_q(value.trim())?;
                }
            }
            Some(Preference { name, q })
        })
        .collect()
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`, in thousandths.
fn parse_q(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths: u16 = format!("{fraction:0<3}").parse().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

fn quality(preferences: &[Preference], coding: Coding) -> u16 {
    let named = |name: &str| match coding {
        Coding::Gzip => name == "gzip" || name == "x-gzip",
        other => name == other.token(),
    };
    if let Some(explicit) = preferences
        .iter()
        .filter(|p| named(&p.name))
        .map(|p| p.q)
        .max()
    {
        return explicit;
    }
    if let Some(wildcard) = preferences.iter().find(|p| p.name == "*") {
        return wildcard.q;
    }
    // Identity is acceptable unless excluded; other codings only when listed.
    if coding == Coding::Identity { 1 } else { 0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Coding::*;

    fn all_ready(_: Coding) -> bool {
        true
    }

    #[test]
    fn picks_the_highest_weight_then_the_smallest_coding() {
        let cases: &[(Option<&str>, Option<Coding>)] = &[
            (None, Some(Identity)),
            (Some(""), Some(Identity)),
            (Some("gzip"), Some(Gzip)),
            (Some("x-gzip"), Some(Gzip)),
            (Some("GZIP, deflate"), Some(Gzip)),
            (Some("gzip, deflate, br"), Some(Brotli)),
            (Some("br;q=0.5, gzip"), Some(Gzip)),
            (Some("br;q=1.0, gzip;q=0.8"), Some(Brotli)),
            (Some("gzip;q=0.2, identity;q=0.5"), Some(Identity)),
            (Some("*"), Some(Brotli)),
            (Some("*;q=0.5, gzip"), Some(Gzip)),
            (Some("br;q=0, *"), Some(Gzip)),
            (Some("gzip;q=0"), Some(Identity)),
            (Some("deflate"), Some(Identity)),
            (Some("identity;q=0"), None),
            (Some("*;q=0"), None),
            (Some("*;q=0, identity"), Some(Identity)),
            (Some("gzip;q=0, identity;q=0"), None),
            (Some("gzip ; q=0.001"), Some(Gzip)),
            (Some("br;q=2, gzip"), Some(Gzip)),
            (Some("br;q=abc, gzip;q=0.1"), Some(Gzip)),
            (Some("br;q=0.0001, gzip;q=0.1"), Some(Gzip)),
            (Some(",,;,gzip"), Some(Gzip)),
        ];
        for (header, expected) in cases {
            assert_eq!(choose(*header, all_ready), *expected, "{header:?}");
        }
    }

    #[test]
    fn only_ready_codings_are_chosen() {
        let identity_only = |c: Coding| c == Identity;
        assert_eq!(choose(Some("br, gzip"), identity_only), Some(Identity));
        assert_eq!(choose(Some("gzip, identity;q=0"), identity_only), None);
    }

    #[test]
    fn weights_parse_as_the_grammar_says() {
        let cases = [
            ("1", Some(1000)),
            ("1.000", Some(1000)),
            ("1.001", None),
            ("0", Some(0)),
            ("0.5", Some(500)),
            ("0.25", Some(250)),
            ("0.125", Some(125)),
            (".5", None),
            ("0.", Some(0)),
            ("-1", None),
            ("", None),
            // at most three decimals, all digits
            ("0.1234", None),
            ("0.12a", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_q(text), expected, "{text:?}");
        }
    }
}

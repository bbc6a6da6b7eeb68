//! Plain-text clean-up shared by every field of an entry.

/// True for characters XML 1.0 forbids, plus C1 controls and other invisible format
/// characters that make readers show boxes or drop the feed.
fn is_unwanted(c: char) -> bool {
    match c {
        '\t' | '\n' | '\r' => false,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        '\u{fffe}' | '\u{ffff}' | '\u{feff}' => true,
        _ => false,
    }
}

/// Removes characters that are illegal or invisible in XML text. Safe on any string.
pub fn strip_illegal(text: &str) -> String {
    if text.chars().any(is_unwanted) {
        text.chars().filter(|&c| !is_unwanted(c)).collect()
    } else {
        text.to_string()
    }
}

/// White space as a reader sees it: Unicode spaces, including no-break and ideographic.
fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{3000}'
}

/// Zero-width space and word joiner: invisible in the article, so they vanish from plain text
/// rather than becoming a visible space (`特朗\u{200b}普` is 特朗普). The zero-width (non-)joiners
/// stay: emoji sequences and some scripts need them.
fn is_zero_width(c: char) -> bool {
    matches!(c, '\u{200b}' | '\u{2060}')
}

/// One line of clean text: illegal and zero-width characters removed, every run of white
/// space a single ASCII space, no space at either end.
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text
        .chars()
        .filter(|&c| !is_unwanted(c) && !is_zero_width(c))
    {
        if is_space(c) {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Cuts to at most `max_chars` characters, preferring the last space or CJK/Latin sentence
/// end in the final fifth, and marks the cut with an ellipsis.
pub fn truncate_chars(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let cut: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    let floor = cut.len() * 4 / 5;
    let boundary = cut
        .char_indices()
        .rev()
        .take_while(|(i, _)| *i >= floor)
        .find(|(_, c)| matches!(c, ' ' | '。' | '，' | '；' | '、' | ',' | ';'))
        .map(|(i, _)| i);
    let kept = match boundary {
        Some(i) => cut[..i].trim_end(),
        None => cut.trim_end(),
    };
    format!("{kept}…")
}

/// A name a picture's file was saved under (`cm0715a.jpg`, `000_322U39U.JPG`), not words about
/// the picture.
pub fn is_file_name(text: &str) -> bool {
    let lower = text.trim().to_lowercase();
    [".jpg", ".jpeg", ".png", ".gif", ".webp"]
        .iter()
        .any(|ext| lower.ends_with(ext))
        && !lower.contains(' ')
}

/// Decodes HTML character references (`&amp;`, `&#39;`, `&#x4E2D;`, the common named ones).
/// Unknown references stay as written.
pub fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after.find(';').filter(|&e| e > 0 && e <= 10);
        match end.and_then(|e| decode_reference(&after[..e]).map(|c| (e, c))) {
            Some((e, c)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn decode_reference(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code).filter(|&c| c != '\0');
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "ensp" => '\u{2002}',
        "emsp" => '\u{2003}',
        "thinsp" => '\u{2009}',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "laquo" => '«',
        "raquo" => '»',
        "middot" => '·',
        "bull" => '•',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "times" => '×',
        "deg" => '°',
        "euro" => '€',
        "pound" => '£',
        "yen" => '¥',
        _ => return None,
    })
}

/// A hash of `text` that is the same in every build and on every machine (32-bit FNV-1a), for
/// what the index keeps of a seed to compare with other seeds' (its lead image, its closing
/// paragraph) without keeping the text; 0 only for empty text. 32 bits suffice: a hash is only
/// compared with those of the 20 entries before it, and five must match (`store/mod.rs`);
/// it is 8 bytes less in each of a million rows.
pub fn stable_hash(text: &str) -> u32 {
    if text.is_empty() {
        return 0;
    }
    let hash = text.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    });
    hash.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_collapses_and_strips() {
        let cases = [
            ("  a \u{a0} b\n\tc  ", "a b c"),
            ("x\u{200b}\u{3000}y", "x y"),
            ("特朗\u{200b}\u{200b}普", "特朗普"),
            ("a\u{2060}b \u{200b} c", "ab c"),
            ("👨\u{200d}👩", "👨\u{200d}👩"),
            ("t\u{1}i\u{7}t\u{9c}le", "title"),
            ("", ""),
            ("\u{feff}中文 ", "中文"),
        ];
        for (input, want) in cases {
            assert_eq!(one_line(input), want, "{input:?}");
        }
    }

    #[test]
    fn entities_decode() {
        let cases = [
            ("英国&quot;接近&quot;", "英国\"接近\""),
            ("a &amp; b", "a & b"),
            ("&#39;q&#x27;", "'q'"),
            ("&#20013;", "中"),
            ("AT&T & co", "AT&T & co"),
            ("&bogus; &#0; &", "&bogus; &#0; &"),
        ];
        for (input, want) in cases {
            assert_eq!(decode_entities(input), want, "{input:?}");
        }
    }

    #[test]
    fn truncation_is_on_char_boundaries() {
        let long = "中".repeat(400);
        let cut = truncate_chars(&long, 300);
        assert_eq!(cut.chars().count(), 300);
        assert!(cut.ends_with('…'));
        assert_eq!(truncate_chars("short", 300), "short");
        let words = "word ".repeat(100);
        let cut = truncate_chars(words.trim(), 52);
        assert_eq!(cut, format!("{}…", "word ".repeat(10).trim()));
    }
}

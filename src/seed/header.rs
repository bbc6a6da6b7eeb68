//! The seed's header: the optional `<!--epoch-ms-->` line, the `[title](url)` block, the
//! `------` separator and the optional `日期：` line that opens the body.

use super::SeedError;

#[derive(Debug, PartialEq, Eq)]
pub struct Header<'a> {
    /// When the source feed published the item, in milliseconds since the epoch.
    pub epoch_ms: Option<i64>,
    /// As written: entities and odd white space still in it.
    pub raw_title: &'a str,
    pub raw_link: &'a str,
    /// The value of a `日期：` line (old China Digital Times files).
    pub stated_date: Option<&'a str>,
    pub body: &'a str,
}

/// Splits a seed into header fields and body. Fails only when the header cannot be read.
pub fn split(text: &str) -> Result<Header<'_>, SeedError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rest = text.trim_start_matches(['\n', '\r', ' ', '\t']);

    let mut epoch_ms = None;
    let (first, after_first) = split_line(rest);
    if let Some(inner) = first
        .trim()
        .strip_prefix("<!--")
        .and_then(|s| s.strip_suffix("-->"))
    {
        epoch_ms = inner.trim().parse::<i64>().ok();
        rest = after_first;
    }

    let mut block_end = None;
    let mut cursor = 0;
    while cursor < rest.len() {
        let (line, tail) = split_line(&rest[cursor..]);
        if is_separator(line) {
            block_end = Some((cursor, rest.len() - tail.len()));
            break;
        }
        cursor = rest.len() - tail.len();
    }
    let Some((block_end, body_start)) = block_end else {
        return Err(SeedError::NoSeparator);
    };

    let block = rest[..block_end].trim();
    if block.is_empty() {
        return Err(SeedError::NoTitleLink(
            "nothing before the ------ line".into(),
        ));
    }
    let (raw_title, raw_link) = split_title_link(block)?;

    let mut body = rest[body_start..].trim_start_matches(['\n', '\r', ' ', '\t']);
    let mut stated_date = None;
    let (line, tail) = split_line(body);
    if let Some(date) = line
        .trim()
        .strip_prefix("日期：")
        .or_else(|| line.trim().strip_prefix("日期:"))
    {
        stated_date = Some(date.trim());
        body = tail.trim_start_matches(['\n', '\r']);
    }
    Ok(Header {
        epoch_ms,
        raw_title,
        raw_link,
        stated_date,
        body: body.trim_end(),
    })
}

/// `[title](url)`, split at the last `](` so titles may hold brackets and parentheses.
fn split_title_link(block: &str) -> Result<(&str, &str), SeedError> {
    let inner = block
        .strip_prefix('[')
        .and_then(|b| b.strip_suffix(')'))
        .ok_or_else(|| {
            SeedError::NoTitleLink(format!("header is not [title](url): {}", preview(block)))
        })?;
    let split = inner
        .rfind("](")
        .ok_or_else(|| SeedError::NoTitleLink(format!("no ]( in header: {}", preview(block))))?;
    Ok((&inner[..split], inner[split + 2..].trim()))
}

fn is_separator(line: &str) -> bool {
    let line = line.trim();
    line.len() >= 3 && line.bytes().all(|b| b == b'-')
}

/// The first line (without its `\n` or `\r\n`) and what follows it.
fn split_line(text: &str) -> (&str, &str) {
    match text.find('\n') {
        Some(i) => (text[..i].trim_end_matches('\r'), &text[i + 1..]),
        None => (text.trim_end_matches('\r'), ""),
    }
}

/// A short, single-line excerpt for error messages.
pub fn preview(text: &str) -> String {
    let flat: String = text
        .chars()
        .take(80)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().count() > 80 {
        format!("{flat}…")
    } else {
        flat
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preview_is_one_line_of_at_most_80_characters() {
        let eighty = "字".repeat(80);
        assert_eq!(preview(&eighty), eighty, "80 characters fit");
        assert_eq!(preview(&format!("{eighty}x")), format!("{eighty}…"));
        assert_eq!(preview("a\nb\tc"), "a b c");
        assert_eq!(preview(""), "");
    }

    fn header(text: &str) -> Header<'_> {
        split(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    #[test]
    fn title_and_link_oddities() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "[plain](https://a.example/x)",
                "plain",
                "https://a.example/x",
            ),
            (
                "[[World] 中美关系](http://www.bbc.com/zhongwen/simp/world-1)",
                "[World] 中美关系",
                "http://www.bbc.com/zhongwen/simp/world-1",
            ),
            (
                "[a (b) | c [d]](https://x.example/p?q=1&r=2)",
                "a (b) | c [d]",
                "https://x.example/p?q=1&r=2",
            ),
            (
                "[英国与欧盟&quot;接近&quot;](http://www.rfi.fr//cn/%E4%B8%AD)",
                "英国与欧盟&quot;接近&quot;",
                "http://www.rfi.fr//cn/%E4%B8%AD",
            ),
            (
                "[  spaced  ](https://x.example/)",
                "  spaced  ",
                "https://x.example/",
            ),
            (
                "[line one\nline two\n](https://dw.example/a-1)",
                "line one\nline two\n",
                "https://dw.example/a-1",
            ),
            ("[t](https://x.example/](y))", "t](https://x.example/", "y)"),
        ];
        for (block, title, link) in cases {
            let text = format!("<!--1712711221000-->\n{block}\n------\n\n<p>body</p>\n");
            let h = header(&text);
            assert_eq!((h.raw_title, h.raw_link), (*title, *link), "{block:?}");
            assert_eq!(h.epoch_ms, Some(1712711221000));
            assert_eq!(h.body, "<p>body</p>");
        }
    }

    #[test]
    fn date_line_without_epoch() {
        let h = header(
            "[t](https://x.example/)\r\n------\r\n\r\n日期：Sat, 27 Jun 2020 13:30:55 +0000\r\n<p>b</p>\r\n",
        );
        assert_eq!(h.epoch_ms, None);
        assert_eq!(h.stated_date, Some("Sat, 27 Jun 2020 13:30:55 +0000"));
        assert_eq!(h.body, "<p>b</p>");
    }

    #[test]
    fn unreadable_headers_are_refused() {
        let cases = [
            "",
            "<!--1-->\n",
            "just text\nno separator\n",
            "<!--1-->\n------\n\nbody",
            "title without link\n------\n\nbody",
            "[t]\n------\n",
            "<p>body without header</p>",
        ];
        for text in cases {
            assert!(split(text).is_err(), "{text:?} should be refused");
        }
    }

    #[test]
    fn header_without_body_is_fine() {
        let h = header("<!--5-->\n[t](https://x.example/)\n------\n");
        assert_eq!(h.body, "");
    }
}

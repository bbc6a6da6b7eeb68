//! A short closing paragraph that many entries of one folder end with is the site's, not the
//! article's (a subscription prompt, a disclaimer, a standing sign-off): the text-side twin of
//! a site graphic (`images.rs`). The index keeps a hash of each seed's closing paragraph, read
//! from the text without a DOM; the store judges it (`Store::seed`); the whole parse drops it.

use scraper::{ElementRef, Html};

use super::dom::{self, static_selector};
use super::text::{decode_entities, stable_hash};

static_selector!(PARAGRAPH, "p");
static_selector!(LINK, "a");

/// A closing paragraph longer than this (in characters, white space aside) is article text.
const CLOSING_CHARS: usize = 120;

/// The hash of the body's last `<p>…</p>` when it is short (0 otherwise): its text without
/// tags, entities decoded, white space left out.
pub fn closing_paragraph(body: &str) -> u32 {
    let bytes = body.as_bytes();
    // The last `</p>` (either case): found from the end, where it nearly always is.
    let last_close = memchr::memrchr_iter(b'<', bytes).find(|&at| {
        bytes
            .get(at + 1..at + 4)
            .is_some_and(|t| t[0] == b'/' && t[1].eq_ignore_ascii_case(&b'p') && t[2] == b'>')
    });
    let Some(close) = last_close else {
        return 0;
    };
    let opening = memchr::memrchr_iter(b'<', &bytes[..close]).find(|&at| {
        let name = bytes.get(at + 1..at + 3);
        name.is_some_and(|n| {
            n[0].eq_ignore_ascii_case(&b'p') && (n[1] == b'>' || n[1].is_ascii_whitespace())
        })
    });
    let Some(open) = opening else {
        return 0;
    };
    let Some(inner_start) = body[open..close].find('>').map(|e| open + e + 1) else {
        return 0;
    };
    let mut text = String::new();
    let mut links = Vec::new();
    let mut tag: Option<String> = None;
    for c in body[inner_start..close].chars() {
        match (&mut tag, c) {
            (None, '<') => tag = Some(String::new()),
            (Some(written), '>') => {
                let is_link = written.len() > 1
                    && written.as_bytes()[0].eq_ignore_ascii_case(&b'a')
                    && written.as_bytes()[1].is_ascii_whitespace();
                if is_link && let Some(href) = dom::tag_attribute(&format!("<{written}>"), "href") {
                    links.push(decode_entities(&href));
                }
                tag = None;
            }
            (Some(written), c) => written.push(c),
            (None, c) => text.push(c),
        }
    }
    short_text_hash(&decode_entities(&text), &links)
}

/// Labels of a credit line (a byline, a translator, an editor): a person's, never the site's,
/// however often it recurs.
const PERSON_CREDITS: &[&str] = &[
    "记者", "記者", "编辑", "編輯", "作者", "撰文", "撰稿", "译者", "譯者", "翻译", "翻譯", "责编",
    "責編", "报道", "報導", "报导", "報道",
];

/// The hash of a closing paragraph's text and the links in it, as [`closing_paragraph`]
/// takes them: 0 when it is empty, long or a credit. Its links count: "点击查看本文英文版"
/// says the same under every NYT article but leads to each one's original.
fn short_text_hash(text: &str, links: &[String]) -> u32 {
    let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let credit = PERSON_CREDITS.iter().any(|label| text.contains(label));
    match text.chars().count() {
        1..=CLOSING_CHARS if !credit => stable_hash(format!("{text}\n{}", links.join("\n")).trim()),
        _ => 0,
    }
}

/// Drops the last paragraph when its text hashes to `closing` (the site's: see
/// `Store::seed`); true when the DOM changed.
pub fn drop_closing_paragraph(html: &mut Html, closing: u32) -> bool {
    let last = html.root_element().select(&PARAGRAPH).last();
    let hash = |p: ElementRef<'_>| {
        let links: Vec<String> = p
            .select(&LINK)
            .filter_map(|a| a.value().attr("href"))
            .map(|href| href.trim().to_string())
            .collect();
        short_text_hash(&p.text().collect::<String>(), &links)
    };
    let Some(last) = last.filter(|p| hash(*p) == closing) else {
        return false;
    };
    let id = last.id();
    if let Some(mut node) = html.tree.get_mut(id) {
        node.detach();
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closing_paragraph_is_known_by_its_text_with_or_without_a_dom() {
        let body = "<p>The article, long enough to be one.</p><P class=x>订阅<b>我们的</b>&nbsp;<a href=\"https://x.example/s?a=1&amp;b=2\">新闻信</a></P>\n";
        let closing = closing_paragraph(body);
        assert_ne!(closing, 0);
        let mut html = Html::parse_fragment(body);
        assert!(drop_closing_paragraph(&mut html, closing));
        let left = html.root_element().html();
        assert!(
            left.contains("The article") && !left.contains("高静"),
            "{left}"
        );
        assert!(
            !drop_closing_paragraph(&mut html, closing),
            "only the closing one"
        );
        // long closings are text; no paragraph, no closing
        assert_eq!(
            closing_paragraph(&format!("<p>{}</p>", "字".repeat(121))),
            0
        );
        assert_eq!(closing_paragraph("<div>x</div>"), 0);
        assert_eq!(closing_paragraph("<pre>x</pre></p>"), 0);
        // a credit is a person's; the same words leading to another page are another closing
        assert_eq!(closing_paragraph("<p>x</p><p>译者/何黎</p>"), 0);
        let english = |href: &str| {
            closing_paragraph(&format!(
                "<p><a href=\"{href}\">点击查看本文英文版。</a></p>"
            ))
        };
        assert_ne!(
            english("https://www.nytimes.com/a.html"),
            english("https://www.nytimes.com/b.html")
        );
    }
}

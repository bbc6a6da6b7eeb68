//! The body as HTML a feed reader can show safely: allow-listed tags and attributes only,
//! absolute URLs, embeds turned into links, the archive's advert removed.

use std::collections::HashSet;

use url::Url;

use super::embeds;
use super::links;
use super::outlets::Outlets;
use super::text::{is_file_name, strip_illegal};

/// Sanitised HTML for `content:encoded` and Atom `content`.
pub fn content(body: &str, base: &Url, outlets: &Outlets) -> String {
    let body = without_filing_codes(cut_advert(strip_lead_byline(body)));
    let body = markdown_bold_headings(&body);
    let body = embeds::as_links(&body, base);
    let clean = builder(base, outlets).clean(&body).to_string();
    // `]]>` cannot occur in text (ammonia escapes `>`), but can in an attribute value; `&gt;`
    // means the same there and keeps any CDATA section that carries this HTML intact.
    strip_illegal(&clean.replace("]]>", "]]&gt;"))
}

fn builder(base: &Url, outlets: &Outlets) -> ammonia::Builder<'static> {
    let outlets = outlets.clone();
    let mut b = ammonia::Builder::default();
    b.rm_tags(["time"])
        .add_tags(["video", "audio", "source", "picture"])
        .add_tag_attributes("video", ["src", "poster", "controls", "width", "height"])
        .add_tag_attributes("audio", ["src", "controls"])
        .add_tag_attributes("source", ["src", "type"])
        .clean_content_tags(HashSet::from([
            "script", "style", "noscript", "template", "iframe", "object", "embed", "applet",
            "form", "button", "select", "textarea", "svg", "math", "address", "time", "title",
            "head",
        ]))
        // Before the base is applied: a doubled host or a tracking parameter is cut first.
        // A `<span>`'s title is a CMS's tooltip, not the article's (DW's topic words all say
        // `Automatische Themenseite`); a link's or a picture's stays.
        .attribute_filter(
            move |element, attribute, value| match (element, attribute) {
                (_, "href" | "src") => Some(links::cleaned(value, &outlets)),
                ("span", "title") => None,
                // A picture's file name as its tooltip (RFA's `title="000_322U39U.jpg"`).
                ("img", "title") if is_file_name(value) => None,
                _ => Some(value.into()),
            },
        )
        .url_relative(ammonia::UrlRelative::RewriteWithBase(base.clone()))
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .link_rel(Some("noopener noreferrer nofollow"));
    b
}

/// Drops what the archive appended after the article: everything after the last `</footer>`,
/// and the `<hr><div>获取更多RSS…` block in files without a footer.
fn cut_advert(body: &str) -> &str {
    let mut end = body.len();
    if let Some(i) = body.rfind("</footer>") {
        end = i + "</footer>".len();
    }
    if let Some(i) = body[..end].find("获取更多RSS") {
        let window_start = body[..i].char_indices().rev().nth(60).map_or(0, |(j, _)| j);
        let hr = body[window_start..i].rfind("<hr").map(|j| window_start + j);
        end = match hr {
            Some(hr) => body[..hr].strip_suffix("<br>").map_or(hr, |s| s.len()),
            None => i,
        };
    }
    &body[..end]
}

/// CNA closes each story `（編輯：楊蘭軒）1100512`: the editor, then the filing day in the
/// Republic of China calendar (year 110 is 2021), a code for the newsroom. The code goes; the
/// editor stays.
fn without_filing_codes(body: &str) -> std::borrow::Cow<'_, str> {
    static FILING_CODE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(（編輯：[^）<]{1,30}）)\s*\d{7}(\s*</p>|\s*$)").expect("valid pattern")
    });
    FILING_CODE.replace_all(body, "$1$2")
}

/// Reuters' subheadings as the archive saved them, in Markdown inside the HTML
/// (`<p>**第二波**</p>`): bold, as they were on the page, not asterisks.
fn markdown_bold_headings(body: &str) -> std::borrow::Cow<'_, str> {
    static HEADING: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"<p>\s*\*\*([^<*]{1,80}?)\*\*\s*</p>").expect("valid pattern")
    });
    HEADING.replace_all(body, "<p><strong>$1</strong></p>")
}

/// The leading `<div><i>AUTHOR<br>DATE</i></div>` (VOA, DW, Reuters, NYT 2020) or
/// `<div>dd/mm/yyyy - hh:mm</div>` (RFI): metadata the feed already carries, not article text.
fn strip_lead_byline(body: &str) -> &str {
    let trimmed = body.trim_start();
    if let Some(rest) = trimmed.strip_prefix("<div><i>")
        && let Some(end) = rest.find("</i></div>").filter(|&e| e < 400)
    {
        return &rest[end + "</i></div>".len()..];
    }
    if let Some(rest) = trimmed.strip_prefix("<div>")
        && let Some(end) = rest.find("</div>").filter(|&e| e < 40)
        && rest[..end]
            .bytes()
            .all(|b| b.is_ascii_digit() || b" /-:".contains(&b))
        && rest[..end].bytes().any(|b| b.is_ascii_digit())
    {
        return &rest[end + "</div>".len()..];
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(body: &str) -> String {
        let outlets = crate::config::builtin_outlets();
        content(
            body,
            &Url::parse("https://www.rfi.fr/cn/a/b.html").unwrap(),
            &outlets,
        )
    }

    #[test]
    fn a_markdown_bold_paragraph_is_a_bold_heading() {
        assert_eq!(
            clean("<p>**汽车制造商担心**</p><p>a ** b ** c</p>"),
            "<p><strong>汽车制造商担心</strong></p><p>a ** b ** c</p>"
        );
    }

    #[test]
    fn a_span_s_tooltip_goes_a_link_s_stays() {
        assert_eq!(
            clean(
                r#"<p><span title="Automatische Themenseite">新冠</span> <a href="https://x.org/" title="X">x</a></p>"#
            ),
            r#"<p><span>新冠</span> <a href="https://x.org/" title="X" rel="noopener noreferrer nofollow">x</a></p>"#
        );
    }

    #[test]
    fn dangerous_markup_is_removed() {
        let cases: &[(&str, &str)] = &[
            ("<p>a<script>alert(1)</script>b</p>", "<p>ab</p>"),
            ("<style>p{}</style><p>x</p>", "<p>x</p>"),
            ("<p onclick=\"x()\">x</p>", "<p>x</p>"),
            (
                "<a href=\"javascript:alert(1)\">x</a>",
                "<a rel=\"noopener noreferrer nofollow\">x</a>",
            ),
            ("<form><input name=q></form><p>x</p>", "<p>x</p>"),
            ("<p>]]&gt; and ]]></p>", "<p>]]&gt; and ]]&gt;</p>"),
            (
                "<a title=\"]]>\" href=\"/x\">x</a>",
                "<a title=\"]]&gt;\" href=\"https://www.rfi.fr/x\" rel=\"noopener noreferrer nofollow\">x</a>",
            ),
            ("<p>a\u{1}b\u{b}c</p>", "<p>abc</p>"),
            (
                "<address>A, B</address><time datetime=\"x\">10 分钟前</time><p>x</p>",
                "<p>x</p>",
            ),
        ];
        for (body, want) in cases {
            assert_eq!(clean(body), *want, "{body}");
        }
    }

    #[test]
    fn relative_urls_become_absolute() {
        assert_eq!(
            clean("<img src=\"../img/p.jpg\"><a href=\"other.html\">o</a>"),
            "<img src=\"https://www.rfi.fr/cn/img/p.jpg\"><a href=\"https://www.rfi.fr/cn/a/other.html\" rel=\"noopener noreferrer nofollow\">o</a>"
        );
    }

    #[test]
    fn filing_codes_go_and_the_editor_stays() {
        assert_eq!(
            clean("<p>線上繳納。（編輯：楊蘭軒）1100512</p><p>x</p>"),
            "<p>線上繳納。（編輯：楊蘭軒）</p><p>x</p>"
        );
        assert_eq!(
            clean("<p>（編輯：沈朋達/周慧盈）1090926</p>"),
            "<p>（編輯：沈朋達/周慧盈）</p>"
        );
        assert_eq!(clean("<p>電話 1100512</p>"), "<p>電話 1100512</p>");
    }

    #[test]
    fn lead_bylines_are_not_content() {
        assert_eq!(
            clean("<div><i>KONEY BAI<br>2020-07-03 09:47:13</i></div><p>x</p>"),
            "<p>x</p>"
        );
        assert_eq!(clean("<div>09/07/2020 - 13:26</div><p>x</p>"), "<p>x</p>");
        assert_eq!(
            clean("<div>not a date</div><p>x</p>"),
            "<div>not a date</div><p>x</p>"
        );
        assert_eq!(
            clean("<div><i>italic lead that never closes"),
            "<div><i>italic lead that never closes</i></div>"
        );
    }

    #[test]
    fn adverts_after_the_article_are_cut() {
        let advert = "<br><hr><div>获取更多RSS：<br><a href=\"https://feedx.net\">https://feedx.net</a></div>";
        assert_eq!(
            clean(&format!("<footer><p>bio</p></footer>{advert}")),
            "<footer><p>bio</p></footer>"
        );
        assert_eq!(clean(&format!("<p>last</p>{advert}")), "<p>last</p>");
        assert_eq!(clean("<p>no advert</p>"), "<p>no advert</p>");
    }
}

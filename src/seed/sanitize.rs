//! The body as HTML a feed reader can show safely: allow-listed tags and attributes only,
//! absolute URLs, embeds turned into links, the archive's advert removed.

use std::collections::HashSet;

use url::Url;

use super::text::{decode_entities, one_line, strip_illegal};

/// Sanitised HTML for `content:encoded` and Atom `content`.
pub fn content(body: &str, base: &Url) -> String {
    let body = cut_advert(strip_lead_byline(body));
    let body = iframes_to_links(body);
    let clean = builder(base).clean(&body).to_string();
    // `]]>` cannot occur in text (ammonia escapes `>`), but can in an attribute value; `&gt;`
    // means the same there and keeps any CDATA section that carries this HTML intact.
    strip_illegal(&clean.replace("]]>", "]]&gt;"))
}

fn builder(base: &Url) -> ammonia::Builder<'static> {
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

/// `<iframe src=X …></iframe>` → a paragraph with a readable link to the page X embeds
/// ("YouTube 视频" → `youtube.com/watch?v=…`), so embeds stay reachable without running
/// third-party pages inside a reader, and no raw embed URL is ever the link's text.
fn iframes_to_links(body: &str) -> std::borrow::Cow<'_, str> {
    let lower = body.to_ascii_lowercase();
    if !lower.contains("<iframe") {
        return body.into();
    }
    let mut out = String::with_capacity(body.len());
    let mut pos = 0;
    while let Some(found) = lower[pos..].find("<iframe") {
        let start = pos + found;
        out.push_str(&body[pos..start]);
        let tag_end = lower[start..]
            .find('>')
            .map_or(body.len(), |e| start + e + 1);
        let close = lower[tag_end..].find("</iframe").map(|c| tag_end + c);
        let after = match close {
            Some(c) => lower[c..].find('>').map_or(body.len(), |e| c + e + 1),
            None => tag_end,
        };
        let tag = &body[start..tag_end];
        // Attribute values are HTML: entities are decoded here once, and escaped once below.
        if let Some(src) = attribute(tag, "src").map(|v| decode_entities(&v)) {
            let title = attribute(tag, "title").map(|v| one_line(&decode_entities(&v)));
            let (href, text) = embed_link(&src, title.as_deref());
            out.push_str(&format!(
                "<p><a href=\"{}\">{}</a></p>",
                escape_attribute(&href),
                escape_attribute(&text)
            ));
        }
        pos = after;
    }
    out.push_str(&body[pos..]);
    out.into()
}

/// The page an embed shows, and words for a link to it: the provider's own page for the
/// embeds seeds carry (YouTube, Facebook, Vimeo, WordPress post embeds), else the embed's
/// address under its title or host.
fn embed_link(src: &str, title: Option<&str>) -> (String, String) {
    let Ok(url) = Url::parse(src.trim()) else {
        return (src.trim().to_string(), "嵌入内容".to_string());
    };
    let host = url
        .host_str()
        .unwrap_or("")
        .trim_start_matches("www.")
        .to_string();
    let segments: Vec<&str> = url.path_segments().map(|s| s.collect()).unwrap_or_default();
    let query = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let named = |fallback: &str| match title {
        Some(t) if !t.is_empty() && !t.eq_ignore_ascii_case("youtube") => t.to_string(),
        _ => fallback.to_string(),
    };
    match (host.as_str(), segments.as_slice()) {
        ("youtube.com" | "youtube-nocookie.com", ["embed", id, ..]) if !id.is_empty() => (
            format!("https://www.youtube.com/watch?v={id}"),
            named("YouTube 视频"),
        ),
        ("player.vimeo.com", ["video", id, ..]) => {
            (format!("https://vimeo.com/{id}"), named("Vimeo 视频"))
        }
        ("facebook.com", ["plugins", kind, ..]) if query("href").is_some() => {
            let what = if kind.starts_with("video") {
                "Facebook 视频"
            } else {
                "Facebook 帖子"
            };
            (query("href").unwrap_or_default(), named(what))
        }
        // WordPress post embeds: `…/post-slug/embed/#?secret=…` is the post at `…/post-slug/`.
        (_, [.., "embed", ""]) | (_, [.., "embed"]) => {
            let mut page = url.clone();
            page.set_fragment(None);
            page.set_query(None);
            let path = page
                .path()
                .trim_end_matches('/')
                .trim_end_matches("embed")
                .to_string();
            page.set_path(&path);
            (page.to_string(), named(&host))
        }
        _ => (url.to_string(), named(&format!("{host} 嵌入内容"))),
    }
}

/// The value of `name="…"`, `name='…'` or `name=…` inside one start tag.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(name) {
        let at = from + i;
        from = at + name.len();
        let preceded_ok = lower[..at].ends_with([' ', '\t', '\n', '\r']);
        let rest = lower[from..].trim_start();
        if !preceded_ok || !rest.starts_with('=') {
            continue;
        }
        let value_start = tag.len() - rest.len() + 1;
        let value = tag[value_start..].trim_start();
        return Some(match value.chars().next() {
            Some(q @ ('"' | '\'')) => value[1..].split(q).next().unwrap_or("").to_string(),
            _ => value
                .split([' ', '>', '\t', '\n'])
                .next()
                .unwrap_or("")
                .to_string(),
        });
    }
    None
}

fn escape_attribute(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(body: &str) -> String {
        content(body, &Url::parse("https://www.rfi.fr/cn/a/b.html").unwrap())
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
    fn iframes_become_readable_links_to_the_page_they_embed() {
        let cases = [
            (
                "<p>before</p><center><iframe title=\"YouTube\" src=\"https://www.youtube.com/embed/abc?x=1&y=2\" width=\"560\"></iframe></center><p>after</p>",
                "<p>before</p><center><p><a href=\"https://www.youtube.com/watch?v=abc\" rel=\"noopener noreferrer nofollow\">YouTube 视频</a></p></center><p>after</p>",
            ),
            (
                r#"<iframe src="https://www.youtube.com/embed/UE3PCzvmXi0?&&&enablejsapi=1"></iframe>"#,
                r#"<p><a href="https://www.youtube.com/watch?v=UE3PCzvmXi0" rel="noopener noreferrer nofollow">YouTube 视频</a></p>"#,
            ),
            (
                r#"<iframe src="https://www.facebook.com/plugins/video.php?href=https%3A%2F%2Fwww.facebook.com%2FRFAChinese%2Fvideos%2F265271474765228%2F&amp;show_text=0&amp;width=622"></iframe>"#,
                r#"<p><a href="https://www.facebook.com/RFAChinese/videos/265271474765228/" rel="noopener noreferrer nofollow">Facebook 视频</a></p>"#,
            ),
            (
                r#"<iframe src="https://www.facebook.com/plugins/post.php?href=https%3A%2F%2Fwww.facebook.com%2Fx%2Fposts%2F1&amp;width=500"></iframe>"#,
                r#"<p><a href="https://www.facebook.com/x/posts/1" rel="noopener noreferrer nofollow">Facebook 帖子</a></p>"#,
            ),
            (
                r#"<iframe class="wp-embedded-content" title="《【真理部】不得传播》—中国数字时代" src="https://chinadigitaltimes.net/chinese/2020/07/%e3%80%90x/embed/#?secret=yUqFtdaTGL"></iframe>"#,
                r#"<p><a href="https://chinadigitaltimes.net/chinese/2020/07/%e3%80%90x/" rel="noopener noreferrer nofollow">《【真理部】不得传播》—中国数字时代</a></p>"#,
            ),
            (
                r#"<iframe src="https://maps.example.org/view?a=1&amp;b=2"></iframe>"#,
                r#"<p><a href="https://maps.example.org/view?a=1&amp;b=2" rel="noopener noreferrer nofollow">maps.example.org 嵌入内容</a></p>"#,
            ),
            (
                "<iframe src=x>",
                "<p><a href=\"https://www.rfi.fr/cn/a/x\" rel=\"noopener noreferrer nofollow\">嵌入内容</a></p>",
            ),
            ("<IFRAME></IFRAME>x", "x"),
        ];
        for (body, want) in cases {
            assert_eq!(clean(body), want, "{body}");
        }
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

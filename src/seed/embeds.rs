//! Embedded players and posts (`<iframe>`) as plain links: a reader never runs a third-party
//! page inside the article, and no raw embed URL is ever a link's text. The link goes to the
//! page the embed shows (a YouTube video's own page, not its player) and reads in the
//! article's language.

use std::borrow::Cow;

use url::Url;

use super::dom;
use super::text::{decode_entities, one_line};

/// `<iframe src=X …></iframe>` → `<p><a href="page X shows">words</a></p>`. A lazily loaded
/// embed's address is in `data-src` (CNA's YouTube players); `//host/…` and relative ones are
/// read against `base`, the article's link.
pub fn as_links<'b>(body: &'b str, base: &Url) -> Cow<'b, str> {
    let lower = body.to_ascii_lowercase();
    if !lower.contains("<iframe") {
        return body.into();
    }
    let words = Words::for_text(body);
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
        let src = ["src", "data-src", "data-lazy-src"]
            .iter()
            .filter_map(|name| dom::tag_attribute(tag, name))
            .map(|v| decode_entities(&v).trim().to_string())
            .find(|v| !v.is_empty());
        if let Some(src) = src {
            let title = dom::tag_attribute(tag, "title").map(|v| one_line(&decode_entities(&v)));
            let (href, text) = match base.join(&src) {
                Ok(url) => page_shown(&url, title.as_deref(), &words),
                Err(_) => (src, words.embed.to_string()),
            };
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

/// A player written as a custom element that names its video in attributes (RFI since 2022:
/// `<video-player video-type="youtube" video-id="llO6SULUJq0" source="https://www.youtube.com/
/// embed/llO6SULUJq0">`) → `<iframe src=…></iframe>`, which [`as_links`] makes a link to the
/// video. Read from the text before any parser sees it: the archive saved these tags without
/// the space after the tag's name (`<video-playermedia-id="…"video-type="youtube"…`), so the
/// parser takes the attributes for the tag's name, lower-cased, and the video with them.
pub fn players(body: &str) -> Cow<'_, str> {
    const OPEN: &str = "<video-player";
    const CLOSE: &str = "</video-player>";
    if !body.contains(OPEN) {
        return body.into();
    }
    let mut out = String::with_capacity(body.len());
    let mut pos = 0;
    while let Some(found) = body[pos..].find(OPEN) {
        let start = pos + found;
        out.push_str(&body[pos..start]);
        let tag_end = body[start..]
            .find('>')
            .map_or(body.len(), |e| start + e + 1);
        let tag = &body[start..tag_end];
        if let Some(src) = player_source(tag) {
            out.push_str(&format!(
                "<iframe src=\"{}\"></iframe>",
                escape_attribute(&src)
            ));
        }
        pos = body[tag_end..]
            .find(CLOSE)
            .map_or(tag_end, |c| tag_end + c + CLOSE.len());
    }
    out.push_str(&body[pos..]);
    out.into()
}

/// The address of the video a player tag names: YouTube's by its id, else its `source`.
fn player_source(tag: &str) -> Option<String> {
    let attribute = |name: &str| {
        glued_attribute(tag, name)
            .map(|v| decode_entities(&v).trim().to_string())
            .filter(|v| !v.is_empty())
    };
    match (attribute("video-type"), attribute("video-id")) {
        (Some(kind), Some(id)) if kind.eq_ignore_ascii_case("youtube") => {
            Some(format!("https://www.youtube.com/embed/{id}"))
        }
        _ => attribute("source").filter(|s| {
            s.starts_with("https://") || s.starts_with("http://") || s.starts_with("//")
        }),
    }
}

/// The quoted value of `name="…"` in a start tag whose attributes may follow one another
/// without a space (`"video-type="youtube"source="…"`, as HTML's tokenizer allows after a quoted
/// value); a name inside another (`data-source`) is not it.
fn glued_attribute(tag: &str, name: &str) -> Option<String> {
    let mut from = 0;
    while let Some(i) = tag[from..].find(name) {
        let at = from + i;
        from = at + name.len();
        let starts_name = tag[..at].ends_with([' ', '\t', '\n', '\r', '"', '\'']);
        let rest = &tag[from..];
        let Some(q) = rest.strip_prefix('=').and_then(|r| r.chars().next()) else {
            continue;
        };
        if starts_name && (q == '"' || q == '\'') {
            return rest[2..].split(q).next().map(str::to_string);
        }
    }
    None
}

/// What a link to an embed says when its title says nothing, in the article's language.
struct Words {
    video: &'static str,
    post: &'static str,
    podcast: &'static str,
    embed: &'static str,
}

impl Words {
    /// Chinese words for an article with any Chinese in it, else English (the Economist's).
    fn for_text(text: &str) -> Words {
        let chinese = text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        match chinese {
            true => Words {
                video: "视频",
                post: "帖子",
                podcast: "播客",
                embed: "嵌入内容",
            },
            false => Words {
                video: "video",
                post: "post",
                podcast: "podcast",
                embed: "embedded content",
            },
        }
    }
}

/// Titles players give themselves, which say nothing about what they play.
const GENERIC_TITLES: &[&str] = &[
    "youtube",
    "youtube iframe",
    "youtube video player",
    "youtube player",
    "vimeo",
    "vimeo player",
    "iframe",
    "video player",
    "audio player",
    "embedded content",
    "spotify embed",
];

/// The page an embed shows, and words for a link to it: the provider's own page for the
/// embeds seeds carry (YouTube, Facebook, Vimeo, Acast, WordPress post embeds), else the
/// embed's address under its title or host.
fn page_shown(url: &Url, title: Option<&str>, words: &Words) -> (String, String) {
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
    let named = |fallback: String| match title {
        Some(t) if !t.is_empty() && !GENERIC_TITLES.contains(&t.to_lowercase().as_str()) => {
            t.to_string()
        }
        _ => fallback,
    };
    let video = |provider: &str| named(format!("{provider} {}", words.video));
    match (host.as_str(), segments.as_slice()) {
        ("youtube.com" | "youtube-nocookie.com", ["embed", id, ..]) if !id.is_empty() => (
            format!("https://www.youtube.com/watch?v={id}"),
            video("YouTube"),
        ),
        ("player.vimeo.com", ["video", id, ..]) => {
            (format!("https://vimeo.com/{id}"), video("Vimeo"))
        }
        ("facebook.com", ["plugins", kind, ..]) if query("href").is_some() => {
            let what = match kind.starts_with("video") {
                true => words.video,
                false => words.post,
            };
            (
                query("href").unwrap_or_default(),
                named(format!("Facebook {what}")),
            )
        }
        ("embed.acast.com", [_show, episode, ..]) if !episode.is_empty() => (
            url.to_string(),
            named(format!("Acast {}: {episode}", words.podcast)),
        ),
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
            (page.to_string(), named(host.clone()))
        }
        _ => (url.to_string(), named(format!("{host} {}", words.embed))),
    }
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

    fn links(body: &str) -> String {
        let base = Url::parse("https://www.cna.com.tw/news/aipl/202105070364.aspx").unwrap();
        as_links(body, &base).into_owned()
    }

    #[test]
    fn players_become_links_to_the_page_they_show() {
        let cases = [
            (
                "<p>前</p><center><iframe title=\"YouTube\" src=\"https://www.youtube.com/embed/abc?x=1&y=2\" width=\"560\"></iframe></center>",
                "<p>前</p><center><p><a href=\"https://www.youtube.com/watch?v=abc\">YouTube 视频</a></p></center>",
            ),
            // CNA's lazily loaded, protocol-relative players, with a title that says nothing
            (
                "中<iframe title='youtube iframe' data-src='//www.youtube.com/embed/t6suqlOFph4?rel=0&showinfo=0' class='lazyload' allowfullscreen></iframe>",
                "中<p><a href=\"https://www.youtube.com/watch?v=t6suqlOFph4\">YouTube 视频</a></p>",
            ),
            (
                r#"文<iframe title="面试，你打老婆孩子吗？" src="https://www.youtube.com/embed/NbiDFjp3Euc?feature=oembed"></iframe>"#,
                r#"文<p><a href="https://www.youtube.com/watch?v=NbiDFjp3Euc">面试，你打老婆孩子吗？</a></p>"#,
            ),
            (
                r#"文<iframe src="https://www.facebook.com/plugins/video.php?href=https%3A%2F%2Fwww.facebook.com%2FRFAChinese%2Fvideos%2F265271474765228%2F&amp;show_text=0"></iframe>"#,
                r#"文<p><a href="https://www.facebook.com/RFAChinese/videos/265271474765228/">Facebook 视频</a></p>"#,
            ),
            (
                r#"文<iframe src="https://www.facebook.com/plugins/post.php?href=https%3A%2F%2Fwww.facebook.com%2Fx%2Fposts%2F1&amp;width=500"></iframe>"#,
                r#"文<p><a href="https://www.facebook.com/x/posts/1">Facebook 帖子</a></p>"#,
            ),
            (
                r#"<iframe class="wp-embedded-content" title="《【真理部】不得传播》—中国数字时代" src="https://chinadigitaltimes.net/chinese/2020/07/%e3%80%90x/embed/#?secret=yUqFtdaTGL"></iframe>"#,
                r#"<p><a href="https://chinadigitaltimes.net/chinese/2020/07/%e3%80%90x/">《【真理部】不得传播》—中国数字时代</a></p>"#,
            ),
            (
                r#"文<iframe src="https://maps.example.org/view?a=1&amp;b=2"></iframe>"#,
                r#"文<p><a href="https://maps.example.org/view?a=1&amp;b=2">maps.example.org 嵌入内容</a></p>"#,
            ),
            // an English article (the Economist's podcasts) gets English words
            (
                r#"<p>Listen</p><iframe height="215" src="//embed.acast.com/theintelligencepodcast/insuperable-europe-sfootballfiasco"></iframe>"#,
                r#"<p>Listen</p><p><a href="https://embed.acast.com/theintelligencepodcast/insuperable-europe-sfootballfiasco">Acast podcast: insuperable-europe-sfootballfiasco</a></p>"#,
            ),
            (
                r#"<iframe src="https://player.vimeo.com/video/42" title="Vimeo"></iframe>"#,
                r#"<p><a href="https://vimeo.com/42">Vimeo video</a></p>"#,
            ),
            (
                "中<iframe src=x>",
                "中<p><a href=\"https://www.cna.com.tw/news/aipl/x\">cna.com.tw 嵌入内容</a></p>",
            ),
            ("<IFRAME></IFRAME>x", "x"),
            ("<iframe data-src=\"\" src=\"\"></iframe>x", "x"),
        ];
        for (body, want) in cases {
            assert_eq!(links(body), want, "{body}");
        }
    }

    #[test]
    fn custom_players_become_iframes_of_their_video() {
        let cases = [
            // RFI's, as the archive saved it: attributes glued to the name and to each other
            (
                r#"<div><video-playermedia-id="W1"video-type="youtube"source="https://www.youtube.com/embed/llO6SULUJq0"video-id="llO6SULUJq0"autoplay title=""><div></div></video-player></div>"#,
                r#"<div><iframe src="https://www.youtube.com/embed/llO6SULUJq0"></iframe></div>"#,
            ),
            (
                r#"a<video-player video-type="mp4" source="https://s.rfi.fr/v.mp4?a=1&amp;b=2"></video-player>b"#,
                r#"a<iframe src="https://s.rfi.fr/v.mp4?a=1&amp;b=2"></iframe>b"#,
            ),
            // nothing to play: the player goes; a `data-source` is not its source
            (
                r#"a<video-player data-source="https://x.example/v"></video-player>b"#,
                "ab",
            ),
            ("<p>no player</p>", "<p>no player</p>"),
        ];
        for (body, want) in cases {
            assert_eq!(players(body), want, "{body}");
        }
    }
}

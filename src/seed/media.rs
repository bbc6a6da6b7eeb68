//! Images, videos and audio in a body, with captions, credits and MIME types.

use scraper::ElementRef;
use url::Url;

use super::dom::{self, static_selector};
use super::furniture::is_screen_reader_only;
use super::text::{is_file_name, one_line};
use crate::entry::{Media, Medium};

static_selector!(MEDIA, "img, video, audio");
static_selector!(SOURCE, "source[src]");
static_selector!(FIGCAPTION, "figcaption");
static_selector!(SMALL, "small");
static_selector!(CITE, "cite");

/// Every media item in document order, each URL once. `<img>` without a usable `src` is skipped.
pub fn extract(root: ElementRef<'_>, base: &Url) -> Vec<Media> {
    let mut found: Vec<Media> = Vec::new();
    for element in root.select(&MEDIA) {
        let Some(item) = media_item(element, base) else {
            continue;
        };
        if !found.iter().any(|m| m.url == item.url) {
            found.push(item);
        }
    }
    found
}

fn media_item(element: ElementRef<'_>, base: &Url) -> Option<Media> {
    let e = element.value();
    let medium = match e.name() {
        "img" => Medium::Image,
        "video" => Medium::Video,
        _ => Medium::Audio,
    };
    let source = element.select(&SOURCE).next();
    let raw_src = e
        .attr("src")
        .or_else(|| source.and_then(|s| s.value().attr("src")))?;
    let url = absolute_url(raw_src, base)?;
    let declared_type = source
        .and_then(|s| s.value().attr("type"))
        .or_else(|| e.attr("type"))
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| {
            t.split_once('/')
                .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty() && !t.contains(' '))
        });
    let mime = declared_type.unwrap_or_else(|| mime_from_url(&url, medium).to_string());
    let (caption, credit) = caption_and_credit(element);
    Some(Media {
        url: url.to_string(),
        medium,
        mime,
        width: dimension(e.attr("width")),
        height: dimension(e.attr("height")),
        length: stated_length(element, source),
        caption,
        credit,
        poster: (medium == Medium::Video)
            .then(|| e.attr("poster").and_then(|p| absolute_url(p, base)))
            .flatten()
            .map(|p| p.to_string()),
    })
}

/// Resolves `src` against the article; only http(s) results count (no `data:`, no `javascript:`).
pub fn absolute_url(raw: &str, base: &Url) -> Option<Url> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > 4096 {
        return None;
    }
    let url = base.join(raw).ok()?;
    (matches!(url.scheme(), "http" | "https") && url.host().is_some()).then_some(url)
}

/// Attributes that state a file's size in bytes: `length` as in an RSS enclosure, and the
/// `data-` spellings some publishing systems use. `data-size` is left out on purpose: on
/// images it is as often a pixel size as a byte count.
const LENGTH_ATTRIBUTES: [&str; 4] = ["length", "data-length", "data-filesize", "data-bytes"];

/// The size in bytes the seed states for this medium (on the element or its `<source>`), if
/// any: plain decimal digits, at least one byte and at most 1 TB.
fn stated_length(element: ElementRef<'_>, source: Option<ElementRef<'_>>) -> Option<u64> {
    std::iter::once(element)
        .chain(source)
        .flat_map(|e| {
            LENGTH_ATTRIBUTES
                .iter()
                .filter_map(move |a| e.value().attr(a))
        })
        .find_map(|value| {
            let value = value.trim();
            if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            value
                .parse::<u64>()
                .ok()
                .filter(|&bytes| (1..=1_000_000_000_000).contains(&bytes))
        })
}

/// Pixel sizes such as `1050`; percentages and nonsense are not sizes.
fn dimension(value: Option<&str>) -> Option<u32> {
    value?.trim().parse::<u32>().ok().filter(|&v| v > 0)
}

/// Caption and credit from the markup around a media element:
/// `<figure>…<figcaption>caption <cite>credit</cite></figcaption></figure>`,
/// `<p><img><small>caption</small></p>`, `<img><div><small>caption</small></div>`, or `alt`.
fn caption_and_credit(element: ElementRef<'_>) -> (Option<String>, Option<String>) {
    // The caption of this medium alone: the nearest container with a figcaption, if that
    // container holds no other medium (else the caption is another's, such as the lead's).
    let holder = dom::ancestor(element, 4, &|a| a.select(&FIGCAPTION).next().is_some())
        .filter(|h| h.select(&MEDIA).filter(|m| is_medium(*m)).count() <= 1);
    if let Some(figcaption) = holder.and_then(|h| h.select(&FIGCAPTION).next()) {
        let caption = dom::text_without(figcaption, &|e| {
            e.value().name() == "cite" || is_screen_reader_only(e)
        });
        let credit = figcaption
            .select(&CITE)
            .next()
            .map(dom::text_of)
            .or_else(|| holder.and_then(copyright_note));
        // NYT's zh-hans pages glue the credit on: `星舰火箭爆炸前的瞬间。Credit...Patrick T. Fallon`
        if credit.is_none()
            && let Some((caption, credit)) = caption.split_once("Credit...")
        {
            return (non_empty(caption), non_empty(credit));
        }
        return (non_empty(&caption), credit.as_deref().and_then(non_empty));
    }
    // Zaobao: `<div class="figure-media"><img …></div><figcaption>…` beside the picture's box
    let beside = dom::ancestor(element, 2, &|a| {
        dom::next_element(a).is_some_and(|n| n.value().name() == "figcaption")
    })
    .and_then(dom::next_element);
    if let Some(figcaption) = beside {
        return (non_empty(&dom::text_of(figcaption)), None);
    }
    if let Some(parent) = element.parent().and_then(ElementRef::wrap)
        && parent.value().name() == "p"
        && let Some(small) = parent.select(&SMALL).next()
    {
        return (non_empty(&dom::text_of(small)), None);
    }
    if let Some(next) = dom::next_element(element)
        && next.value().name() == "div"
        && let Some(small) = next
            .child_elements()
            .next()
            .filter(|c| c.value().name() == "small")
    {
        return (non_empty(&dom::text_of(small)), None);
    }
    let described = ["alt", "title"]
        .iter()
        .filter_map(|name| element.value().attr(name))
        .filter_map(non_empty)
        .find(|text| says_something(text));
    (described, None)
}

/// Whether an `alt` or `title` describes the picture: not a mark (`。`, `1`), a word for any
/// picture (`image`, `图片`) or a file name (`cm0715a.jpg`).
fn says_something(text: &str) -> bool {
    const NOTHING: &[&str] = &[
        "image", "img", "photo", "picture", "图片", "圖片", "照片", "图像",
    ];
    let lower = text.to_lowercase();
    text.chars().filter(|c| c.is_alphabetic()).count() >= 2
        && !NOTHING.contains(&lower.as_str())
        && !is_file_name(text)
}

/// BBC's older pages put the credit in a `…copyright` span next to the image.
fn copyright_note(holder: ElementRef<'_>) -> Option<String> {
    holder
        .descendent_elements()
        .find(|e| {
            e.value().classes().any(|c| c.ends_with("copyright")) && !is_screen_reader_only(*e)
        })
        .map(dom::text_of)
}

/// An element `extract` may take: a video or audio, or an image with an address.
fn is_medium(e: ElementRef<'_>) -> bool {
    e.value().name() != "img" || e.value().attr("src").is_some_and(|s| !s.trim().is_empty())
}

fn non_empty(text: &str) -> Option<String> {
    let text = one_line(text);
    (!text.is_empty()).then_some(text)
}

/// MIME type from the file extension, looking inside `?url=` image proxies
/// (`https://images.weserv.nl/?url=static01.nyt.com/….jpg`).
pub fn mime_from_url(url: &Url, medium: Medium) -> &'static str {
    let proxied = url
        .query_pairs()
        .find(|(k, _)| k == "url")
        .map(|(_, v)| v.into_owned());
    let path = proxied.unwrap_or_else(|| url.path().to_string());
    let path = path.split(['?', '#']).next().unwrap_or("");
    let extension = path
        .rsplit('/')
        .next()
        .and_then(|name| name.rsplit_once('.'))
        .map(|(_, ext)| ext.to_ascii_lowercase());
    let by_extension = match extension.as_deref() {
        Some("jpg" | "jpeg" | "jpe" | "jfif") => Some("image/jpeg"),
        Some("png") => Some("image/png"),
        Some("gif") => Some("image/gif"),
        Some("webp") => Some("image/webp"),
        Some("avif") => Some("image/avif"),
        Some("svg") => Some("image/svg+xml"),
        Some("bmp") => Some("image/bmp"),
        Some("mp4" | "m4v") => Some("video/mp4"),
        Some("webm") => Some("video/webm"),
        Some("mov") => Some("video/quicktime"),
        Some("m3u8") => Some("application/vnd.apple.mpegurl"),
        Some("mp3") => Some("audio/mpeg"),
        Some("m4a" | "aac") => Some("audio/mp4"),
        Some("ogg" | "oga") => Some("audio/ogg"),
        Some("opus") => Some("audio/opus"),
        Some("wav") => Some("audio/wav"),
        _ => None,
    };
    let fits = |mime: &str| match medium {
        Medium::Image => mime.starts_with("image/"),
        Medium::Video => mime.starts_with("video/") || mime.starts_with("application/"),
        Medium::Audio => mime.starts_with("audio/"),
    };
    match (by_extension, medium) {
        (Some(mime), _) if fits(mime) => mime,
        (_, Medium::Image) => "image/jpeg",
        (_, Medium::Video) => "video/mp4",
        (_, Medium::Audio) => "audio/mpeg",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    fn media(body: &str) -> Vec<Media> {
        let base = Url::parse("https://cn.nytimes.com/world/20240410/x/").unwrap();
        extract(Html::parse_fragment(body).root_element(), &base)
    }

    #[test]
    fn lead_figure_with_caption_and_credit() {
        let m = media(
            r#"<figure><img src="https://images.weserv.nl/?url=static01.nyt.com/a/b-master1050.jpg" width="1050" height="700"><figcaption>俄罗斯外长。 <cite>Russian Foreign Ministry, via AP</cite></figcaption></figure>"#,
        );
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].mime, "image/jpeg");
        assert_eq!((m[0].width, m[0].height), (Some(1050), Some(700)));
        assert_eq!(m[0].caption.as_deref(), Some("俄罗斯外长。"));
        assert_eq!(
            m[0].credit.as_deref(),
            Some("Russian Foreign Ministry, via AP")
        );
    }

    #[test]
    fn a_stated_byte_size_is_the_length_and_anything_else_is_unknown() {
        let cases = [
            (
                r#"<audio src="https://a.example/1.mp3" length="5242880"></audio>"#,
                Some(5_242_880),
            ),
            (
                r#"<video src="https://a.example/2.mp4" data-filesize=" 1234 "></video>"#,
                Some(1234),
            ),
            (
                r#"<audio data-length="77"><source src="https://a.example/3.mp3"></audio>"#,
                Some(77),
            ),
            (
                r#"<video><source src="https://a.example/4.mp4" data-bytes="99"></video>"#,
                Some(99),
            ),
            (r#"<audio src="https://a.example/5.mp3"></audio>"#, None),
            (
                r#"<audio src="https://a.example/6.mp3" length="5 MB"></audio>"#,
                None,
            ),
            (
                r#"<audio src="https://a.example/7.mp3" length="-5"></audio>"#,
                None,
            ),
            (
                r#"<audio src="https://a.example/8.mp3" length="0"></audio>"#,
                None,
            ),
            (
                r#"<audio src="https://a.example/9.mp3" length="99999999999999999"></audio>"#,
                None,
            ),
            (
                r#"<img src="https://a.example/10.jpg" data-size="1050">"#,
                None,
            ),
        ];
        for (body, length) in cases {
            let m = media(body);
            assert_eq!(m.len(), 1, "{body}");
            assert_eq!(m[0].length, length, "{body}");
        }
    }

    #[test]
    fn each_medium_has_its_own_caption_or_none() {
        let m = media(concat!(
            r#"<figure><img src="https://x.example/lead.jpg"><figcaption>Lead caption<cite>AP</cite></figcaption></figure>"#,
            r#"<section><p>text</p><figure><img src="https://x.example/second.jpg"><figcaption>Second caption</figcaption></figure>"#,
            r#"<p><img src="https://x.example/bare.jpg"></p>"#,
            r#"<video src="https://x.example/v.mp4" poster="/poster.jpg"></video></section>"#,
        ));
        let captions: Vec<_> = m
            .iter()
            .map(|m| (m.caption.as_deref(), m.credit.as_deref()))
            .collect();
        assert_eq!(
            captions,
            [
                (Some("Lead caption"), Some("AP")),
                (Some("Second caption"), None),
                (None, None),
                (None, None),
            ]
        );
        assert_eq!(
            m[3].poster.as_deref(),
            Some("https://cn.nytimes.com/poster.jpg"),
            "a video's poster, made absolute"
        );
        assert_eq!(m[0].poster, None);
    }

    #[test]
    fn inline_forms_and_oddities() {
        let m = media(concat!(
            r#"<p><img src="/images/in.png"><small>inline caption</small></p>"#,
            r#"<img src="https://images.weserv.nl?url=gdb.voanews.com/x_w900.jpg" width="100%"><div><small>voa caption</small></div>"#,
            r#"<img alt="no src"><img src=""><img src="data:image/png;base64,AAAA"><img src="javascript:alert(1)">"#,
            r#"<video poster="p.jpg" src="https://av.voanews.com/v_240p.mp4" controls></video>"#,
            r#"<audio src="https://av.voanews.com/clip.mp3" controls></audio>"#,
            r#"<video><source src="https://x.example/v.webm" type="video/webm"></video>"#,
            r#"<img src="/images/in.png">"#,
            r#"<img src="https://x.example/pic.webp" alt="alt caption">"#,
        ));
        let got: Vec<(&str, &str, Option<&str>)> = m
            .iter()
            .map(|m| (m.url.as_str(), m.mime.as_str(), m.caption.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "https://cn.nytimes.com/images/in.png",
                    "image/png",
                    Some("inline caption")
                ),
                (
                    "https://images.weserv.nl/?url=gdb.voanews.com/x_w900.jpg",
                    "image/jpeg",
                    Some("voa caption")
                ),
                ("https://av.voanews.com/v_240p.mp4", "video/mp4", None),
                ("https://av.voanews.com/clip.mp3", "audio/mpeg", None),
                ("https://x.example/v.webm", "video/webm", None),
                (
                    "https://x.example/pic.webp",
                    "image/webp",
                    Some("alt caption")
                ),
            ]
        );
        assert_eq!(m[1].width, None);
        assert_eq!(m[2].medium, Medium::Video);
        assert_eq!(m[3].medium, Medium::Audio);
    }

    #[test]
    fn bbc_2020_caption_and_copyright() {
        let m = media(concat!(
            r#"<div class="media-landscape"><span class="image-and-copyright-container"><img src="https://ichef.bbci.co.uk/a.jpg"><span class="off-screen">图片版权</span><span class="story-image-copyright">ALEX LEUNG</span></span>"#,
            r#"<figcaption class="media-caption"><span class="off-screen">Image caption</span><span class="media-caption__text">在广州任外教</span></figcaption></div>"#,
        ));
        assert_eq!(m[0].caption.as_deref(), Some("在广州任外教"));
        assert_eq!(m[0].credit.as_deref(), Some("ALEX LEUNG"));
    }

    #[test]
    fn mime_defaults_by_medium() {
        let url = |s: &str| Url::parse(s).unwrap();
        assert_eq!(
            mime_from_url(&url("https://x.example/a"), Medium::Image),
            "image/jpeg"
        );
        assert_eq!(
            mime_from_url(&url("https://x.example/a.JPG?w=1"), Medium::Image),
            "image/jpeg"
        );
        assert_eq!(
            mime_from_url(&url("https://x.example/a.mp3"), Medium::Image),
            "image/jpeg"
        );
        assert_eq!(
            mime_from_url(&url("https://x.example/a.gif"), Medium::Image),
            "image/gif"
        );
        assert_eq!(
            mime_from_url(&url("https://x.example/a"), Medium::Audio),
            "audio/mpeg"
        );
    }

    #[test]
    fn a_caption_is_words_about_the_picture() {
        let caption = |body: &str| media(body)[0].caption.clone();
        // marks, words for any picture and file names say nothing; a title may
        for alt in [
            "。",
            "1",
            "image",
            "图片",
            "cm0715a.jpg",
            "20201208_tw_dsca-1_Large.jpg",
        ] {
            let body = format!(r#"<img src="https://x.example/a.jpg" alt="{alt}">"#);
            assert_eq!(caption(&body), None, "{alt}");
        }
        assert_eq!(
            caption(r#"<img src="https://x.example/a.jpg" alt="" title="中國駐休士頓總領事館。 (AP/達志影像)">"#).as_deref(),
            Some("中國駐休士頓總領事館。 (AP/達志影像)")
        );
        // Zaobao: the caption after the picture's box
        assert_eq!(
            caption(r#"<div class="figure-media"><img src="https://x.example/a.jpg" alt=""></div><figcaption>美国国务院批准对台军售。</figcaption>"#).as_deref(),
            Some("美国国务院批准对台军售。")
        );
        // NYT zh-hans: the credit glued to the caption
        let m = media(
            r#"<figure aria-label="media" role="group"><img src="https://x.example/a.jpg">Image<figcaption>星舰火箭爆炸前的瞬间。Credit...Patrick T. Fallon/Agence France-Presse — Getty Images</figcaption></figure>"#,
        );
        assert_eq!(m[0].caption.as_deref(), Some("星舰火箭爆炸前的瞬间。"));
        assert_eq!(
            m[0].credit.as_deref(),
            Some("Patrick T. Fallon/Agence France-Presse — Getty Images")
        );
    }
}

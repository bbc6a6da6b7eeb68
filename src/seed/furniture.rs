//! Publisher furniture out of the article before anything reads it: what screen readers alone
//! were meant to hear, links with nothing to click, and what each outlet's rules name (share
//! rows, badges, ad slots, subscription blurbs, a blog engine's footer). Generic rules first,
//! as Readability does; outlet rules only where needed.

use ego_tree::NodeId;
use scraper::{ElementRef, Html};
use url::Url;

use super::dom::{self, static_selector};
use super::outlets::Outlet;
use super::text::one_line;

// What only screen readers were meant to hear, by the usual class names and by the generated
// ones of CSS-in-JS sites (BBC since 2021: `css-ow3j0s-VisuallyHiddenText`, "图像加注文字，"
// before every caption).
static_selector!(
    SCREEN_READER_ONLY,
    r#".off-screen, .visually-hidden, .sr-only, [class*="VisuallyHidden"]"#
);

/// Whether `e` holds text only screen readers were meant to hear.
pub fn is_screen_reader_only(e: scraper::ElementRef<'_>) -> bool {
    SCREEN_READER_ONLY.matches(&e)
}
static_selector!(LINK, "a");
// Not svg: the sanitiser drops it, and a link holding only an icon is then empty.
static_selector!(HAS_MEDIA, "img, video, audio, picture");
static_selector!(BLOCK, "p, li, div, small, figcaption, aside, footer");
static_selector!(LABEL, "h2, h3, h4, h5, h6, p, strong, b");
static_selector!(LIST, "ul, ol");
static_selector!(LIST_ITEM, "li");
static_selector!(PARAGRAPH, "p");
static_selector!(FIGURE, "figure");
static_selector!(FIGURE_CAPTION, "figcaption");
// What a figure shows a reader, once the sanitiser is done (a `<picture>` without an `<img>`
// shows nothing; svg goes).
static_selector!(
    SHOWN,
    "img, video, audio, iframe, object, embed, canvas, table, blockquote, pre"
);

/// Text a figure may hold beside its caption and still be only a picture's frame: a label
/// (NYT's `Image`) or a video's length (`10:36`).
const FRAME_LABEL_CHARS: usize = 12;

/// Headings that introduce a list of links to other articles ("相关报道：" and the like).
const RELATED_LABELS: &[&str] = &[
    "相关报道",
    "相关新闻",
    "相关阅读",
    "相关文章",
    "延伸阅读",
    "推荐阅读",
    "更多报道",
    "相關報導",
    "相關新聞",
    "延伸閱讀",
    "Related",
    "Related stories",
    "Read more",
];

/// A block whose text holds an outlet's marker is furniture only when it is this short: a long
/// one is article text that happens to mention it.
const MAX_MARKED_BLOCK_CHARS: usize = 400;

/// Removes the furniture from the article at `link` in `html`; true when anything went.
pub fn strip(html: &mut Html, outlet: Option<&Outlet>, link: &Url) -> bool {
    let root = html.root_element();
    let mut doomed: Vec<NodeId> = root.select(&SCREEN_READER_ONLY).map(|e| e.id()).collect();
    doomed.extend(
        root.select(&LINK)
            .filter(|a| is_empty_link(*a))
            .map(|a| a.id()),
    );
    doomed.extend(related_link_lists(root));
    doomed.extend(
        root.select(&FIGURE)
            .filter(|f| is_pictureless(*f))
            .map(|f| f.id()),
    );
    let site = Site::of(link, outlet);
    doomed.extend(
        root.select(&LIST)
            .filter(|list| is_link_list(*list) && links_within(*list, &site))
            .map(|list| list.id()),
    );
    if let Some(outlet) = outlet {
        for rule in &outlet.strip {
            doomed.extend(root.select(&rule.selector).map(|e| e.id()));
        }
        if !outlet.strip_text.is_empty() {
            doomed.extend(marked_blocks(root, &outlet.strip_text));
        }
    }
    let removed = !doomed.is_empty();
    for id in doomed {
        if let Some(mut node) = html.tree.get_mut(id) {
            node.detach();
        }
    }
    removed
}

/// A figure with a caption and nothing to show: a picture the saved page never held (NYT's
/// 2021 newsletters: `<figure>Image<figcaption>…</figcaption></figure>`) or one written so no
/// parser can read it (RFI's video posters: `<imgsrc="…">`). Its caption describes nothing a
/// reader sees.
fn is_pictureless(figure: ElementRef<'_>) -> bool {
    figure.select(&SHOWN).next().is_none()
        && figure.select(&FIGURE_CAPTION).next().is_some()
        && one_line(&dom::text_without(figure, &|e| {
            e.value().name() == "figcaption"
        }))
        .chars()
        .count()
            <= FRAME_LABEL_CHARS
}

/// `<a href="…"></a>`: nothing to read, nothing to click.
fn is_empty_link(a: ElementRef<'_>) -> bool {
    one_line(&dom::text_of(a)).is_empty() && a.select(&HAS_MEDIA).next().is_none()
}

/// A "相关报道" heading and the list of links right after it (NYT, BBC): other articles, not
/// this one. The heading goes only with such a list; a heading before prose stays.
fn related_link_lists(root: ElementRef<'_>) -> Vec<NodeId> {
    let mut doomed = Vec::new();
    for label in root.select(&LABEL) {
        let text = one_line(&dom::text_of(label));
        let text = text.trim_end_matches([':', '：', ' ']);
        if !RELATED_LABELS.iter().any(|l| l.eq_ignore_ascii_case(text)) {
            continue;
        }
        // BBC wraps the heading: `<div><h2>相关报道：</h2></div><div><ul>…`
        let mut block = label;
        while let Some(parent) = block.parent().and_then(ElementRef::wrap) {
            if parent.id() == root.id()
                || one_line(&dom::text_of(parent)) != one_line(&dom::text_of(block))
            {
                break;
            }
            block = parent;
        }
        if let Some(list) = dom::next_element(block).filter(|n| is_link_list(*n)) {
            doomed.extend([block.id(), list.id()]);
        }
    }
    // RFI, between paragraphs: `<p><strong><em>相关报道：<a>TITLE</a></em></strong></p>`
    for paragraph in root.select(&PARAGRAPH) {
        let text = one_line(&dom::text_of(paragraph));
        let Some((label, rest)) = text.split_once(['：', ':']) else {
            continue;
        };
        let linked: String = paragraph
            .select(&LINK)
            .map(|a| one_line(&dom::text_of(a)))
            .collect();
        let unlinked = rest.replace(&linked, "");
        if RELATED_LABELS
            .iter()
            .any(|l| l.eq_ignore_ascii_case(label.trim()))
            && !linked.is_empty()
            && unlinked.trim().is_empty()
        {
            doomed.push(paragraph.id());
        }
    }
    doomed
}

/// The hosts an article's own site answers at: its link's, and its outlet's.
struct Site {
    hosts: Vec<String>,
}

impl Site {
    fn of(link: &Url, outlet: Option<&Outlet>) -> Site {
        let own = link
            .host_str()
            .map(|h| h.trim_start_matches("www.").to_ascii_lowercase());
        let outlets = outlet.into_iter().flat_map(|o| o.hosts.iter().cloned());
        Site {
            hosts: own.into_iter().chain(outlets).collect(),
        }
    }

    /// Whether `href` leads to another page of the site (a relative one always does).
    fn holds(&self, href: &str) -> bool {
        let Ok(url) = Url::parse(href.trim()) else {
            return !href.trim().is_empty();
        };
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        self.hosts.iter().any(|h| {
            host == *h
                || host
                    .strip_suffix(h.as_str())
                    .is_some_and(|r| r.ends_with('.'))
        })
    }
}

/// Whether every link in `list` leads to another page of the article's own site: an untitled
/// list of related articles (BBC since 2021, RFA's three single-link lists of 2020), wherever it
/// stands in the text.
fn links_within(list: ElementRef<'_>, site: &Site) -> bool {
    list.select(&LINK)
        .all(|a| a.value().attr("href").is_some_and(|href| site.holds(href)))
}

/// A list (or a wrapper holding only one) whose every item is a single link.
fn is_link_list(element: ElementRef<'_>) -> bool {
    let list = if LIST.matches(&element) {
        Some(element)
    } else {
        element
            .select(&LIST)
            .next()
            .filter(|l| one_line(&dom::text_of(*l)) == one_line(&dom::text_of(element)))
    };
    let Some(list) = list else { return false };
    let mut items = list.select(&LIST_ITEM).peekable();
    items.peek().is_some()
        && items.all(|item| {
            let mut links = item.select(&LINK);
            match (links.next(), links.next()) {
                (Some(a), None) => one_line(&dom::text_of(a)) == one_line(&dom::text_of(item)),
                _ => false,
            }
        })
}

/// The smallest short blocks whose text holds one of `markers`.
fn marked_blocks(root: ElementRef<'_>, markers: &[String]) -> Vec<NodeId> {
    let marked: Vec<ElementRef<'_>> = root
        .select(&BLOCK)
        .filter(|block| {
            let text = one_line(&dom::text_of(*block));
            text.chars().count() <= MAX_MARKED_BLOCK_CHARS
                && markers.iter().any(|m| text.contains(m.as_str()))
        })
        .collect();
    // An outer block that holds a marked inner one keeps the rest of what it holds.
    marked
        .iter()
        .filter(|outer| {
            !marked.iter().any(|inner| {
                inner.id() != outer.id() && inner.ancestors().any(|a| a.id() == outer.id())
            })
        })
        .map(|block| block.id())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::outlets::CssSelector;

    fn outlet(strip: &[&str], strip_text: &[&str]) -> Outlet {
        Outlet {
            key: "x".into(),
            name: "x".into(),
            hosts: vec!["x.example".into()],
            strip: strip.iter().map(|s| CssSelector::new(s).unwrap()).collect(),
            strip_text: strip_text.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    fn stripped(body: &str, outlet: Option<&Outlet>) -> String {
        let mut html = Html::parse_fragment(body);
        let link = Url::parse("https://www.x.example/news/1").unwrap();
        strip(&mut html, outlet, &link);
        html.root_element().inner_html()
    }

    #[test]
    fn an_untitled_list_of_links_to_the_site_goes_one_to_elsewhere_or_with_text_stays() {
        let cases = [
            // The site's other articles, one list or three of one item each.
            (
                r#"<p>a</p><ul><li><a href="https://x.example/2">T2</a></li><li><a href="/3">T3</a></li></ul><p>b</p>"#,
                "<p>a</p><p>b</p>",
            ),
            (
                r#"<ul><li><b><a class="external-link" href="http://www.x.example/9">T</a></b></li></ul><p>b</p>"#,
                "<p>b</p>",
            ),
            // Links elsewhere are sources; items with words of their own are article text.
            (
                r#"<ul><li><a href="https://other.example/2">T2</a></li></ul>"#,
                r#"<ul><li><a href="https://other.example/2">T2</a></li></ul>"#,
            ),
            (
                r#"<ul><li>see <a href="/2">T2</a></li></ul>"#,
                r#"<ul><li>see <a href="/2">T2</a></li></ul>"#,
            ),
            (
                r#"<ul><li>one</li><li>two</li></ul>"#,
                "<ul><li>one</li><li>two</li></ul>",
            ),
        ];
        for (body, want) in cases {
            assert_eq!(stripped(body, None), want, "{body}");
        }
    }

    #[test]
    fn generic_furniture_goes_everywhere() {
        let cases = [
            (
                r#"<figure><img src="a.jpg"><span class="off-screen">图片版权</span><span>Getty</span></figure>"#,
                r#"<figure><img src="a.jpg"><span>Getty</span></figure>"#,
            ),
            (
                r#"<p>text<a href="https://x/share"></a> <a href="/y"> </a><a href="/z"><img src="i.png"></a></p>"#,
                r#"<p>text <a href="/z"><img src="i.png"></a></p>"#,
            ),
            // BBC since 2021: generated class names
            (
                r#"<figcaption><span class="css-ow3j0s-VisuallyHiddenText e1yt7oin0">图像加注文字，</span><p>耿潇男（左）和许章润</p></figcaption>"#,
                r#"<figcaption><p>耿潇男（左）和许章润</p></figcaption>"#,
            ),
            ("<p>nothing here</p>", "<p>nothing here</p>"),
        ];
        for (body, want) in cases {
            assert_eq!(stripped(body, None), want, "{body}");
        }
    }

    #[test]
    fn a_related_articles_heading_goes_with_its_list_of_links() {
        let cases = [
            // NYT
            (
                r#"<p>正文。</p><h4>相关报道</h4><ul><li><a href="/a">《无依之地》获三项奥斯卡奖</a></li><li><a href="/b">赵婷</a></li></ul>"#,
                "<p>正文。</p>",
            ),
            // BBC wraps both
            (
                r#"<div><p>正文。</p></div><div><h2>相关报道：</h2></div><div><div><ul><li><a href="/a">李显龙专访</a></li></ul></div></div><p>后文。</p>"#,
                "<div><p>正文。</p></div><p>后文。</p>",
            ),
            // RFI: inline, between paragraphs
            (
                r#"<p>一。</p><p><strong><em>相关报道：<a href="/a">人物-香港媒体大亨黎智英</a></em></strong></p><p>二。</p>"#,
                "<p>一。</p><p>二。</p>",
            ),
            (
                "<p>相关报道：英国《卫报》引述。</p>",
                "<p>相关报道：英国《卫报》引述。</p>",
            ),
            // a heading before prose is the article's own
            (
                "<h2>相关报道</h2><p>英国《卫报》也在相关报道中引述。</p>",
                "<h2>相关报道</h2><p>英国《卫报》也在相关报道中引述。</p>",
            ),
            // a list with text besides its links is the article's own
            (
                r#"<h4>相关报道</h4><ul><li><a href="/a">一</a>：评论</li></ul>"#,
                r#"<h4>相关报道</h4><ul><li><a href="/a">一</a>：评论</li></ul>"#,
            ),
        ];
        for (body, want) in cases {
            assert_eq!(stripped(body, None), want, "{body}");
        }
    }

    #[test]
    fn outlet_rules_strip_by_selector_and_by_marker_text() {
        let rules = outlet(
            &[".trustBadge", "#zoomattribute", "ul:has(span.result-title)"],
            &["点击此处订阅", "get_post_time"],
        );
        let cases = [
            (
                r#"<p>正文。</p><div class="trustBadge"><span>我们的标准：</span></div>"#,
                "<p>正文。</p>",
            ),
            (
                r#"<p><i>（欢迎</i><a href="/s"><i>点击此处</i></a><i>订阅</i><a href="/b"><i>NYT简报</i></a><i>）</i></p><p>正文。</p>"#,
                "<p>正文。</p>",
            ),
            (
                r#"<div><p>正文。</p><p><small>© A for B, get_post_time('Y'). |<a href="/p">Permalink</a></small></p></div>"#,
                "<div><p>正文。</p><p></p></div>",
            ),
            // RFA's related articles inside the text: a list of `span.result-title` links
            (
                r#"<p>甲。</p><ul><li><strong><span class="result-title"><a href="/a.html">另一篇</a></span></strong></li><li><span class="result-title"><a href="/b.html"><strong>又一篇</strong></a></span></li></ul><p>乙。</p><ul><li>文中的列表</li></ul>"#,
                "<p>甲。</p><p>乙。</p><ul><li>文中的列表</li></ul>",
            ),
            // a long paragraph that mentions a marker is article text
            (
                &format!("<p>{}点击此处订阅</p>", "正文".repeat(300)),
                &format!("<p>{}点击此处订阅</p>", "正文".repeat(300)),
            ),
        ];
        for (body, want) in cases {
            assert_eq!(stripped(body, Some(&rules)), *want, "{body}");
        }
    }
}

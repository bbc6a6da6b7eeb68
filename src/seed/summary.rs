//! The entry's summary: the article's opening as plain text, as a reader's list shows it under
//! the title. Not a caption, byline, credit, editor's note, heading, dateline, a programme's
//! greeting or a book's listing: the first paragraph that is the article itself.

use std::borrow::Cow;

use scraper::{ElementRef, Node};

use super::dom::{self, static_selector};
use super::text::{one_line, truncate_chars};

/// Summaries are cut to about this many characters.
pub const SUMMARY_CHARS: usize = 300;

static_selector!(PARAGRAPH, "p, div");
static_selector!(IMG, "img");

/// Elements that sit inside a line of text.
const INLINE: &[&str] = &[
    "span", "a", "b", "strong", "i", "em", "u", "small", "sub", "sup", "br", "font", "mark", "q",
    "cite", "abbr",
];

/// A picture's credit or caption, by its class or its box's (BBC 2020: `<p class="Copyright-sc-…">
/// <span>图像来源，</span><span>Getty Images</span>`, whose label only screen readers hear, and
/// captions in a `div.Figure-sc-…`; WordPress's `<p class="wp-caption-text">`).
fn is_credit(element: ElementRef<'_>) -> bool {
    let credit = |e: ElementRef<'_>| {
        e.value().attr("class").is_some_and(|c| {
            let class = c.to_ascii_lowercase();
            class.contains("copyright") || class.contains("caption") || class.contains("figure")
        })
    };
    credit(element) || dom::ancestor(element, 4, &credit).is_some()
}

/// A picture's credit or caption by where it stands, for pages that mark neither (BBC from
/// 2021): a paragraph beside the `<img>` in a small box (`<div><img><p>图像来源，Getty
/// Images</p></div>`), or the whole text of a block right after a block that holds only a
/// picture and such notes, the two alone in a box of their own (`<div><div><img>…</div>
/// <div><p>普京和…曾于上月会面</p></div></div>`; a lead after a captionless picture is not in
/// its box).
fn is_picture_note(p: ElementRef<'_>) -> bool {
    beside_picture(p) || after_picture(p)
}

fn beside_picture(p: ElementRef<'_>) -> bool {
    p.parent().and_then(ElementRef::wrap).is_some_and(|parent| {
        parent.value().name() == "div"
            && parent.child_elements().count() <= 3
            && parent
                .child_elements()
                .any(|c| matches!(c.value().name(), "img" | "picture"))
    })
}

fn after_picture(p: ElementRef<'_>) -> bool {
    let mut block = p;
    while let Some(parent) = block.parent().and_then(ElementRef::wrap)
        && parent.value().name() == "div"
        && parent.child_elements().count() == 1
    {
        block = parent;
    }
    let boxed = block
        .parent()
        .and_then(ElementRef::wrap)
        .is_some_and(|parent| parent.child_elements().count() == 2);
    boxed
        && dom::previous_element(block).is_some_and(|previous| {
            previous.select(&IMG).next().is_some()
                && one_line(&dom::text_without(previous, &|e| {
                    e.value().name() == "p" && beside_picture(e)
                }))
                .is_empty()
        })
}

/// A `<p>`, or a `<div>` written as one: only text and inline elements in it, and paragraphs
/// after it (CNA writes its opening so, around a glossary term: `<div class="dictionary">
/// <span>（中央社…）美國政府…</span>…</div><p>…`; a caption's `<div>` ends its figure).
fn is_paragraph(element: ElementRef<'_>) -> bool {
    if element.value().name() == "p" {
        return true;
    }
    let inline_only = element.children().all(|child| match child.value() {
        scraper::Node::Element(e) => INLINE.contains(&e.name()),
        _ => true,
    });
    let text_goes_on = dom::next_element(element).is_some_and(|next| next.value().name() == "p");
    inline_only && text_goes_on && !dom::text_of(element).trim().is_empty()
}

/// Containers whose paragraphs are not the article's opening.
const NOT_OPENING: &[&str] = &[
    "footer",
    "figcaption",
    "figure",
    "aside",
    "nav",
    "header",
    "address",
    "time",
];

/// The first real paragraph as plain text, without a leading dateline: not a caption or
/// footer, not only an aside in italics or links (such as a subscription blurb), not about the
/// article, not the headline again (FT bodies repeat it). Falls back to the body's text. A
/// teaser's trailing `......more` (RTI's) is `…`.
pub fn summary(root: ElementRef<'_>, title: &str) -> String {
    let opening = root
        .select(&PARAGRAPH)
        .filter(|p| is_paragraph(*p) && !dom::inside(*p, NOT_OPENING))
        .filter(|p| !is_credit(*p) && !is_picture_note(*p))
        .find_map(|p| {
            let text = one_line(&first_block(p));
            if text == title {
                return None;
            }
            let main_text = dom::text_without(p, &|e| {
                matches!(e.value().name(), "i" | "em" | "small" | "a")
            });
            let opening = without_dateline(&text);
            let real = text.chars().any(char::is_alphanumeric)
                && one_line(&main_text).chars().any(char::is_alphanumeric)
                && !is_about_the_article(p, &text)
                && is_article_text(opening);
            real.then(|| opening.to_string())
        });
    let text = opening.unwrap_or_else(|| {
        let whole = one_line(&dom::text_without(root, &|e| {
            NOT_OPENING.contains(&e.value().name())
        }));
        without_dateline(&whole).to_string()
    });
    truncate_chars(&without_read_more(&text), SUMMARY_CHARS)
}

/// A paragraph's text up to its first blank line: VOA writes several paragraphs into one `<p>`,
/// each ending `<br /><br />`, and the opening is the first of them.
fn first_block(p: ElementRef<'_>) -> String {
    let mut text = String::new();
    let mut after_break = false;
    for child in p.children() {
        match child.value() {
            Node::Element(e) if e.name() == "br" => {
                if after_break && !text.trim().is_empty() {
                    return text;
                }
                after_break = true;
                text.push('\n');
            }
            Node::Text(t) if t.trim().is_empty() => text.push_str(t),
            Node::Text(t) => {
                after_break = false;
                text.push_str(t);
            }
            _ => {
                after_break = false;
                if let Some(e) = ElementRef::wrap(child) {
                    text.push_str(&dom::text_of(e));
                }
            }
        }
    }
    text
}

/// A paragraph this short that does not end as a sentence is a label, not the opening.
const LABEL_CHARS: usize = 8;

/// Labels that open a byline, a credit or an editor's note rather than the article.
const BYLINE_LABELS: &[&str] = &[
    "作者", "文/", "文／", "文｜", "记者", "编译", "撰文", "撰稿", "By ",
];
const CREDIT_LABELS: &[&str] = &[
    "图像来源",
    "图片来源",
    "图片版权",
    "图片：",
    "图：",
    "Photo",
    "摄影",
    "©",
];
const NOTE_MARKERS: &[&str] = &["编辑注", "编者注", "编注："];

/// A paragraph about the article, not of it: a byline (`作者 张金栋`), a credit
/// (`图像来源，AFP`), an editor's note (`（新增…回应）`, `CDT编辑注：…`), a salutation or label
/// (`致编辑：`), a heading written as a bold paragraph (a bold sentence is a lead, not a
/// heading), or a label of a few characters that is no sentence (`遗孀` under a name). Only
/// short ones: a long paragraph that starts so is article text.
fn is_about_the_article(p: ElementRef<'_>, text: &str) -> bool {
    let chars = text.chars().count();
    if chars > 80 {
        return false;
    }
    let short = chars <= 40;
    let bracketed = (text.starts_with('（') && text.ends_with('）'))
        || (text.starts_with('(') && text.ends_with(')'));
    let starts_with_any = |labels: &[&str]| labels.iter().any(|l| text.starts_with(l));
    let all_bold = one_line(&dom::text_without(p, &|e| {
        matches!(e.value().name(), "strong" | "b")
    }))
    .is_empty();
    bracketed
        || (chars <= LABEL_CHARS && !is_sentence(text))
        || NOTE_MARKERS.iter().any(|m| text.contains(m))
        || (short
            && (starts_with_any(BYLINE_LABELS)
                || starts_with_any(CREDIT_LABELS)
                || text.ends_with(['：', ':'])
                || (all_bold && !is_sentence(text))))
}

/// Whether `text` ends as a sentence does (`。`, `?`, `！”`…), as a heading does not.
fn is_sentence(text: &str) -> bool {
    text.trim_end_matches(['”', '"', '’', '」', '』', ')', '）', ' '])
        .ends_with(['。', '！', '？', '.', '!', '?'])
}

/// How a programme greets its audience before it starts (Epoch Times' shows, VOA's).
const GREETINGS: &[&str] = &[
    "大家好",
    "观众朋友",
    "觀眾朋友",
    "各位观众",
    "各位觀眾",
    "听众朋友",
    "聽眾朋友",
    "各位听众",
    "各位聽眾",
    "欢迎收看",
    "歡迎收看",
    "欢迎收听",
    "歡迎收聽",
    "欢迎来到",
    "歡迎來到",
];

/// Whether an opening (its dateline gone) is the article's text: not empty, not a greeting or
/// a programme's `今天是4月27日，星期二。`, not a book's listing (`… 354 pages; $39.99`).
fn is_article_text(text: &str) -> bool {
    let chars = text.chars().count();
    let greeting = chars <= 100 && GREETINGS.iter().any(|g| text.starts_with(g));
    let date_line = chars <= 25 && text.starts_with("今天是") && text.contains("星期");
    let listing = text.contains(" pages; ") && text.contains(['$', '£', '€']);
    text.chars().any(char::is_alphanumeric) && !greeting && !date_line && !listing
}

/// What a leading bracket holds when it is a dateline or a byline, not text.
const DATELINE_MARKS: &[&str] = &[
    "讯",
    "訊",
    "电",
    "電",
    "记者",
    "記者",
    "报导",
    "報導",
    "报道",
    "報道",
    "编译",
    "編譯",
    "撰文",
    "中文网",
    "中文網",
];

/// Wire services whose stories open `路透上海10月13日 - …`.
const WIRES: &[&str] = &["路透", "法新社", "美联社", "彭博"];

/// `text` without its leading datelines, sources and bracketed bylines
/// (`【大纪元2021年06月20日讯】`, `【财新网】`, `（大纪元记者易如采访报导）`,
/// `（中央社記者張雄風台北28日電）`) and list bullets: the feed carries the date and the authors
/// already.
fn without_dateline(text: &str) -> &str {
    let mut rest = text.trim_start_matches(['•', '●', '▪', ' ']);
    while let Some(after) = [('【', '】'), ('（', '）'), ('(', ')')]
        .iter()
        .find_map(|&(open, close)| bracketed_dateline(rest, open, close))
    {
        rest = after.trim_start();
    }
    wire_dateline(rest).unwrap_or(rest)
}

/// The text after a wire story's `路透上海10月13日 - ` (a place and a day, then a dash).
fn wire_dateline(text: &str) -> Option<&str> {
    WIRES.iter().find(|w| text.starts_with(*w))?;
    let (line, rest) = text.split_once(" - ")?;
    (line.chars().count() <= 24 && line.ends_with('日')).then_some(rest.trim_start())
}

/// The text after a leading `open…close` that is a dateline (short, with a dateline's words).
fn bracketed_dateline(text: &str, open: char, close: char) -> Option<&str> {
    let inner = text.strip_prefix(open)?;
    let end = inner.find(close)?;
    let inside = &inner[..end];
    let chars = inside.chars().count();
    // `【财新网】`, `【网络民议】`: a short label in these brackets names a source or a column
    let label = open == '【' && chars <= 12;
    let dateline = chars <= 40 && (label || DATELINE_MARKS.iter().any(|m| inside.contains(m)));
    dateline.then(|| &inner[end + close.len_utf8()..])
}

/// `…我們認為在關閉的領事館出現火......more` → `…出現火…`: the teaser's link to the rest.
fn without_read_more(text: &str) -> Cow<'_, str> {
    match text.trim_end().strip_suffix("more") {
        Some(rest) if rest.ends_with("...") || rest.ends_with('…') => {
            format!("{}…", rest.trim_end_matches(['.', '…', ' '])).into()
        }
        _ => text.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    fn of(body: &str) -> String {
        summary(Html::parse_fragment(body).root_element(), "标题")
    }

    #[test]
    fn the_opening_is_the_article_not_its_dateline_greeting_or_listing() {
        let cases = [
            (
                "<p>【大纪元2021年06月20日讯】（大纪元记者易如采访报导）近期，广东疫情再起。</p>",
                "近期，广东疫情再起。",
            ),
            (
                "<p>（中央社記者張雄風台北28日電）疫情影響，許多民眾上網購買生鮮蔬果。</p>",
                "疫情影響，許多民眾上網購買生鮮蔬果。",
            ),
            (
                "<p>（中央社台北12日電）大樂透今晚開獎。</p>",
                "大樂透今晚開獎。",
            ),
            // a bracket that is text stays
            ("<p>（見下圖）照片如下。</p>", "（見下圖）照片如下。"),
            ("<p>（本報訊）照片如下。</p>", "照片如下。"),
            (
                "<p>【大纪元2021年02月06日讯】大家好，欢迎来到《时事纵横》，我是扶摇。今天是2021年2月5日，星期五。</p><p>美国总统拜登周四表示……</p>",
                "美国总统拜登周四表示……",
            ),
            (
                "<p>【大纪元2021年04月28日讯】今天是4月27日，星期二。</p><p>正文。</p>",
                "正文。",
            ),
            (
                "<p><strong>The Antichrist. </strong>By Philip Almond. <em>Cambridge University Press; 354 pages; $39.99 and £29.99</em></p><p>IN THE 1970s, a book…</p>",
                "IN THE 1970s, a book…",
            ),
            (
                "<p>• 商界领袖对特朗普失去耐心。</p>",
                "商界领袖对特朗普失去耐心。",
            ),
            // a short bold sentence is the lead; a bold heading is not
            ("<p><b>疫情再起。</b></p><p>正文。</p>", "疫情再起。"),
            ("<p><b>背景</b></p><p>正文。</p>", "正文。"),
            // a label under a name, the headline repeated: neither opens the article
            (
                "<p><strong>尤利娅·纳瓦利娜娅</strong></p><p>遗孀</p><p>廖沙，谢谢你。</p>",
                "廖沙，谢谢你。",
            ),
            ("<p>标题</p><p>正文。</p>", "正文。"),
            // the same with the picture in a <picture> (sixth reading, bbc 1044477)
            (
                r#"<div><div><div><picture><source srcset="x.webp"><img src="x.jpg"></picture><p role="text"><span>Getty Images</span></p></div></div><div><p>俄罗斯无人驾驶核潜艇在水下执行任务</p></div></div><div><p><b>普京下令将威慑力量置于特别战斗任务状态。</b></p></div>"#,
                "普京下令将威慑力量置于特别战斗任务状态。",
            ),
            // a bold lead after a captionless picture is the lead
            (
                r#"<div><div><picture><img src="x.jpg"></picture></div></div><div><p><b>众所周知，总统不喜爱接受采访。</b></p></div><div><p>正文。</p></div>"#,
                "众所周知，总统不喜爱接受采访。",
            ),
            ("<p><img src=x.jpg></p><p>导语。</p><p>正文。</p>", "导语。"),
            // BBC from 2021: a picture's credit and caption marked by nothing but where they
            // stand
            (
                r#"<div><div><div><div data-e2e="image-placeholder"><img src="x.jpg"><p role="text"><span>Getty Images</span></p></div></div><div><p>普京和勒沃瓦-贝洛娃曾于上月会面</p></div></div></div><div><p><b>国际刑事法院已对普京发出拘捕令。</b></p></div><div><p>正文。</p></div>"#,
                "国际刑事法院已对普京发出拘捕令。",
            ),
            (
                "<div class=\"Figure\"><p role=\"text\" class=\"Copyright-sc-11lgtw-0\"><span lang=\"en-GB\">Getty Images</span></p></div><p>研究结果凸显勤洗手。</p>",
                "研究结果凸显勤洗手。",
            ),
            // CNA's opening around a glossary term (the pop-up already gone), after a caption
            (
                "<div class=\"fullPic\"><div class=\"wrap\"><img src=x></div><div class=\"picinfo\">圖為美國空軍偵察機。</div></div><div class=\"paragraph\"><div class=\"dictionary\"><span>（中央社華盛頓22日綜合外電報導）美國政府今天宣布正式退出「</span><span class=\"news-dic-inline\"><span>開放天空條約</span></span><span>」。</span></div><p>美國國務院透過聲明指出。</p></div>",
                "美國政府今天宣布正式退出「開放天空條約」。",
            ),
            (
                "<img src=x><br>美國與中國緊張關係持續升溫。我們認為在關閉的領事館出現火...<a href=y>...more</a>",
                "美國與中國緊張關係持續升溫。我們認為在關閉的領事館出現火…",
            ),
        ];
        for (body, want) in cases {
            assert_eq!(of(body), want, "{body}");
        }
    }
}

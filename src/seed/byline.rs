//! Who wrote it and when, as the body states it, across the outlets' dialects.

use chrono_tz::Tz;
use scraper::ElementRef;

use super::dates::{self, Stated};
use super::dom::{self, static_selector};
use super::names;
use super::outlets::Outlet;
use super::text::one_line;

static_selector!(ADDRESS, "address");
static_selector!(TIME, "time");
static_selector!(LEAD_I, "div > i");
static_selector!(BR, "br");
static_selector!(LABEL, "strong, b, span");
static_selector!(
    META_AUTHOR,
    "meta[itemprop=author], meta[itemprop=\"author\"], meta[name=author]"
);

/// What the body says about its authors and its date.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Byline {
    pub authors: Vec<String>,
    pub date: Option<Stated>,
}

pub fn read(root: ElementRef<'_>, zone: Tz, outlet: Option<&Outlet>) -> Byline {
    let mut byline = Byline::default();

    // NYT 2021 onward: <address>A, B</address><time pudate="…" datetime="…">
    if let Some(address) = root.select(&ADDRESS).next() {
        byline.authors = names::split(&dom::text_of(address));
    }
    if let Some(time) = root.select(&TIME).next() {
        byline.date = time_date(time, zone);
    }
    let lead = Lead::of(dom::first_element(root), zone);
    if byline.authors.is_empty() {
        byline.authors = names::split(&lead.author);
        if lead.cut_to_first
            && let Some(outlet) = outlet
        {
            add_coauthors(&mut byline.authors, root, outlet);
        }
    }
    byline.date = byline.date.or(lead.date);

    if byline.authors.is_empty()
        && let Some(outlet) = outlet
    {
        byline.authors = outlet_byline(root, outlet);
    }
    if byline.authors.is_empty() {
        byline.authors = labelled_author(root)
            .or_else(|| meta_author(root))
            .map(|name| names::split(&name))
            .unwrap_or_default();
    }
    byline
}

/// The byline where the outlet's rules say it is: an element they name, else the last match
/// of the first of their patterns that matches the body's text.
fn outlet_byline(root: ElementRef<'_>, outlet: &Outlet) -> Vec<String> {
    for author in &outlet.author_selectors {
        for element in root.select(&author.selector) {
            let text = dom::text_of(element);
            let found = names::reads_as_byline(&text).then(|| names::split(&text));
            if let Some(found) = found.filter(|f| !f.is_empty()) {
                return found;
            }
        }
    }
    if outlet.byline_patterns.is_empty() {
        return Vec::new();
    }
    // A line per block: a pattern can keep a byline to its block (`(?m)^…$`, `[^\n]`), so
    // `BBC网络安全事务记者` closing one paragraph does not take `这些` from the next.
    let text = dom::blocks_of(root).join("\n");
    outlet
        .byline_patterns
        .iter()
        .find_map(|pattern| pattern.last_match(&text))
        .map(names::split)
        .unwrap_or_default()
}

/// The authors the outlet's co-author patterns find in the body (the NYT's closing bios,
/// `孟建国(Paul Mozur)是一名科技记者…`), after those already named. A name written with
/// another in brackets is the same person as an author named either way.
fn add_coauthors(authors: &mut Vec<String>, root: ElementRef<'_>, outlet: &Outlet) {
    if outlet.coauthor_patterns.is_empty() {
        return;
    }
    let text = dom::blocks_of(root).join("\n");
    let found = outlet
        .coauthor_patterns
        .iter()
        .flat_map(|pattern| pattern.all_matches(&text));
    for written in found {
        let (name, alias) = match written.split_once(['(', '（']) {
            Some((name, rest)) => (name.trim(), rest.trim_end_matches([')', '）']).trim()),
            None => (written.trim(), ""),
        };
        let known =
            |n: &str| !n.is_empty() && authors.iter().any(|a| a.to_lowercase() == n.to_lowercase());
        if !name.is_empty() && !known(name) && !known(alias) {
            authors.push(name.to_string());
        }
    }
}

/// What the body's first bytes ([`QUICK_PREFIXES`]) settle: the date [`read`] finds (see
/// [`quick`]) and, when they settle those too, its authors.
pub struct QuickByline {
    pub date: Option<Stated>,
    /// `None` when only the whole body (and the outlet's rules) can tell.
    pub authors: Option<Vec<String>>,
}

/// The date [`read`] finds, settled from the body's first bytes ([`QUICK_PREFIXES`]) when they
/// can settle it; `None` when only the whole body can (then parse it all). Parsing the whole
/// body is most of the cost of indexing a seed, and in every dialect the date sits at the top.
///
/// Why a prefix gives the same answer: html5ever sees the same tokens up to the cut, so every
/// node whose start tag lies before it is built the same way, in the same place. What could
/// still differ is guarded: a later node placed before earlier ones (foster parenting out of a
/// `<table>`: no fast answer when one starts in the prefix), the first element growing past
/// the cut (it must be followed by a sibling in the prefix), and a `<time>` anywhere later (it
/// wins over the leading element, so the fast answer without one in the prefix needs none in
/// the whole body; a tag name is matched case-insensitively, as the tokenizer does).
///
/// The authors too, for the dialects that state them at the top without outlet rules: from an `<address>` closed within the prefix (the first in the whole body, as no
/// node can be placed before it) or, with no `<address>` anywhere, from the leading element.
/// `None` when the date is not settled (then parse it all).
pub fn quick(body: &str, zone: Tz) -> Option<QuickByline> {
    // The shorter prefix settles most seeds at a quarter of the cost; the longer one is tried
    // when it settles neither the date nor the authors.
    let mut settled = None;
    for &length in QUICK_PREFIXES {
        let Some(quick) = Quick::read(body, length) else {
            continue;
        };
        let Some(date) = quick.date(zone) else {
            continue;
        };
        let authors = quick.authors(zone);
        let done = authors.is_some();
        settled = Some(QuickByline {
            date,
            authors: authors.filter(|a| !a.is_empty()),
        });
        if done {
            break;
        }
    }
    settled
}

/// A long body's first bytes (up to a prefix length) and their DOM, when that DOM holds every
/// node of the prefix where the whole body's would (no `<table>` to foster-parent out of).
struct Quick<'b> {
    body: &'b str,
    prefix: &'b str,
    html: scraper::Html,
}

impl<'b> Quick<'b> {
    fn read(body: &'b str, length: usize) -> Option<Quick<'b>> {
        if body.len() <= length {
            return None;
        }
        let mut cut = length;
        while !body.is_char_boundary(cut) {
            cut -= 1;
        }
        let prefix = &body[..cut];
        if find_tag(prefix, "table").is_some() {
            return None;
        }
        let html = scraper::Html::parse_fragment(prefix);
        Some(Quick { body, prefix, html })
    }

    fn authors(&self, zone: Tz) -> Option<Vec<String>> {
        let root = self.html.root_element();
        match find_tag(self.body, "address") {
            Some(at) => {
                let closed = self
                    .prefix
                    .get(at..)
                    .is_some_and(|r| r.contains("</address"));
                // Closed in the text and in the DOM: something follows it within the prefix (a
                // `<![CDATA[` inside it is a comment to HTML, which can swallow the close tag).
                let address = root
                    .select(&ADDRESS)
                    .next()
                    .filter(|a| closed && a.next_sibling().is_some())?;
                Some(names::split(&dom::text_of(address)))
            }
            None => {
                // The leading element must end within the prefix, as for the date.
                let first = dom::first_element(root)?;
                first.next_sibling()?;
                // A byline cut to its first name may name the others at the end.
                let lead = Lead::of(Some(first), zone);
                (!lead.cut_to_first).then(|| names::split(&lead.author))
            }
        }
    }

    fn date(&self, zone: Tz) -> Option<Option<Stated>> {
        let root = self.html.root_element();
        if let Some(time) = root.select(&TIME).next() {
            // The first <time> in the whole body: a parsable one is the answer whatever follows.
            return time_date(time, zone).map(Some);
        }
        if find_tag(self.body, "time").is_some() {
            return None;
        }
        let first = dom::first_element(root)?;
        first.next_sibling()?;
        Some(Lead::of(Some(first), zone).date)
    }
}

/// How much of a body [`quick`] reads, shortest first; bodies no longer than the last are
/// parsed whole anyway.
const QUICK_PREFIXES: &[usize] = &[256, 1024, 4096];

/// Where `<NAME` opens a tag (ASCII case-insensitive, followed by white space, `/` or `>`), or
/// could, at the very end of `text`.
fn find_tag(text: &str, name: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let name = name.as_bytes();
    memchr::memchr_iter(b'<', bytes).find(|&i| {
        bytes.len() > i + name.len()
            && bytes[i + 1..i + 1 + name.len()].eq_ignore_ascii_case(name)
            && bytes
                .get(i + 1 + name.len())
                .is_none_or(|&c| c.is_ascii_whitespace() || c == b'/' || c == b'>')
    })
}

fn time_date(time: ElementRef<'_>, zone: Tz) -> Option<Stated> {
    let stated = ["pudate", "datetime"]
        .iter()
        .filter_map(|a| time.value().attr(a))
        .find_map(|v| dates::parse(v, zone))?;
    Some(Stated {
        ago: stated
            .date_only
            .then(|| dates::ago(&dom::text_of(time)))
            .flatten(),
        ..stated
    })
}

/// What the body's leading element states, for the dialects that put the byline there.
#[derive(Default)]
struct Lead {
    author: String,
    /// The lead names one author twice (`A,A`): the NYT's 2020 pages as archived, where the
    /// byline was cut to its first name and the others are named only at the end.
    cut_to_first: bool,
    date: Option<Stated>,
}

impl Lead {
    /// VOA, DW, Reuters, NYT 2020, BBC 2020: a leading `<div><i>[AUTHOR<br>]DATE</i></div>`;
    /// RFI: a leading `<div>dd/mm/yyyy - hh:mm</div>`.
    fn of(first: Option<ElementRef<'_>>, zone: Tz) -> Lead {
        let Some(first) = first.filter(|f| f.value().name() == "div") else {
            return Lead::default();
        };
        let italic = first
            .select(&LEAD_I)
            .next()
            .filter(|i| i.parent() == Some(*first));
        if let Some(italic) = italic {
            let (author, date) = lead_italic(italic);
            let doubled = author
                .split_once(',')
                .map(|(a, b)| (a.trim(), b.trim()))
                .filter(|(a, b)| !a.is_empty() && a == b);
            return Lead {
                cut_to_first: doubled.is_some(),
                author: doubled.map_or(author.clone(), |(a, _)| a.to_string()),
                date: dates::parse(&one_line(&date), zone),
            };
        }
        if first.child_elements().next().is_some() {
            return Lead::default();
        }
        Lead {
            author: String::new(),
            cut_to_first: false,
            date: dates::parse(&one_line(&dom::text_of(first)), zone),
        }
    }
}

/// Splits `<i>AUTHOR<br>DATE</i>` into its two parts; without `<br>` it is all date.
fn lead_italic(italic: ElementRef<'_>) -> (String, String) {
    if italic.select(&BR).next().is_none() {
        return (String::new(), dom::text_of(italic));
    }
    let mut author = String::new();
    let mut date = String::new();
    let mut seen_br = false;
    for node in italic.children() {
        if node.value().as_element().is_some_and(|e| e.name() == "br") {
            seen_br = true;
        } else if let Some(text) = node.value().as_text() {
            if seen_br {
                date.push_str(text)
            } else {
                author.push_str(text)
            }
        }
    }
    (author, date)
}

/// China Digital Times' archive card, `<strong>作者：</strong><a>NAME</a>`; RFI's closing
/// card, `<span>作者：</span><a title="NAME">NAME</a>`.
fn labelled_author(root: ElementRef<'_>) -> Option<String> {
    root.select(&LABEL).find_map(|label| {
        let text = one_line(&dom::text_of(label));
        if text != "作者：" && text != "作者:" {
            return None;
        }
        let mut value = String::new();
        for node in label.next_siblings() {
            if node
                .value()
                .as_element()
                .is_some_and(|e| ["br", "strong", "b", "span"].contains(&e.name()))
            {
                break;
            }
            match ElementRef::wrap(node) {
                Some(e) => value.push_str(&dom::text_of(e)),
                None => value.push_str(node.value().as_text().map(|t| &**t).unwrap_or("")),
            }
        }
        Some(value).filter(|v| !one_line(v).is_empty())
    })
}

/// `<meta itemprop="author" content="The Economist">`.
fn meta_author(root: ElementRef<'_>) -> Option<String> {
    root.select(&META_AUTHOR)
        .find_map(|m| m.value().attr("content").map(str::to_string))
        .filter(|v| !one_line(v).is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::outlets::BylinePattern;
    use chrono::{DateTime, Utc};
    use chrono_tz::Asia::Shanghai;
    use scraper::Html;

    fn byline(body: &str) -> (Vec<String>, Option<DateTime<Utc>>) {
        let html = Html::parse_fragment(body);
        let b = read(html.root_element(), Shanghai, None);
        (b.authors, b.date.map(|d| d.instant))
    }

    fn utc(text: &str) -> Option<DateTime<Utc>> {
        Some(
            DateTime::parse_from_rfc3339(text)
                .unwrap()
                .with_timezone(&Utc),
        )
    }

    #[test]
    fn each_dialect() {
        type Case<'a> = (&'a str, &'a [&'a str], Option<DateTime<Utc>>);
        let cases: &[Case] = &[
            (
                r#"<address>DAVID PIERSON, IVAN NECHEPURENKO</address><time pudate="2024-04-10 08:37:36" datetime="2024-04-10 08:37:36">2024年4月10日</time><p>x</p>"#,
                &["DAVID PIERSON", "IVAN NECHEPURENKO"],
                utc("2024-04-10T00:37:36Z"),
            ),
            (
                // The paper as the source of a translation: not a person.
                "<address>《纽约时报》</address><p>x</p>",
                &[],
                None,
            ),
            (
                "<address>储百亮、王月眉，Amy Qin</address>",
                &["储百亮", "王月眉", "Amy Qin"],
                None,
            ),
            (
                "<div><i>KONEY BAI,KONEY BAI<br>2020-07-03 09:47:13</i></div><p>x</p>",
                &["KONEY BAI"],
                utc("2020-07-03T01:47:13Z"),
            ),
            (
                "<div><i>Thu, 09 Jul 2020 20:53:26 GMT</i></div><p>x</p>",
                &[],
                utc("2020-07-09T20:53:26Z"),
            ),
            (
                "<div><i>  张平（摘编）<br>2020-07-12T10:32:44.372Z</i></div>",
                &["张平"],
                utc("2020-07-12T10:32:44.372Z"),
            ),
            (
                "<div>09/07/2020 - 13:26</div><img src=x>",
                &[],
                utc("2020-07-09T05:26:00Z"),
            ),
            (
                "<div><i>2020年 6月 29日</i></div>",
                &[],
                utc("2020-06-29T12:00:00Z"),
            ),
            (
                r#"<div><strong>标题：</strong>t<br><strong>作者：</strong><a href="x">廖宇彬</a><br><strong>发表日期：</strong>2025.2.11</div>"#,
                &["廖宇彬"],
                None,
            ),
            (
                r#"<aside><time dateTime="2020-12-05T00:00:00Z">Dec 5th 2020</time><meta itemProp="author" content="The Economist"/></aside>"#,
                &["The Economist"],
                utc("2020-12-05T12:00:00Z"),
            ),
            ("<p>nothing marked here, 2020-07-03 09:47:13</p>", &[], None),
            ("", &[], None),
        ];
        for (body, authors, date) in cases {
            let (got_authors, got_date) = byline(body);
            assert_eq!(got_authors, *authors, "{body}");
            assert_eq!(got_date, *date, "{body}");
        }
    }

    /// `<![CDATA[` is a comment to HTML: it can swallow `</address>`, leaving the address open
    /// to the end of the prefix; the quick answer must then be the whole parse's or none.
    #[test]
    fn an_address_the_dom_never_closes_is_not_settled_from_the_prefix() {
        let filler = "<p>正文段落，足够长的一段文字。</p>".repeat(200);
        let body = format!(
            r#"<address>黄<![CDATA[瑞黎, ELSIE CHEN</address><time pudate="2021-06-02 10:29:49">2021年6月2日</time>{filler}"#
        );
        let zone = chrono_tz::Asia::Shanghai;
        let whole = read(Html::parse_fragment(&body).root_element(), zone, None);
        if let Some(authors) = quick(&body, zone).and_then(|q| q.authors) {
            assert_eq!(authors, whole.authors);
        }
    }

    /// A lead that names its first author twice was cut to that name: the rest of the body
    /// (the outlet's co-author patterns) can add more, so the prefix settles no authors.
    #[test]
    fn a_lead_cut_to_its_first_author_is_not_settled_from_the_prefix() {
        let filler = "<p>正文段落，足够长的一段文字。</p>".repeat(200);
        let zone = chrono_tz::Asia::Shanghai;
        let cut = format!("<div><i>黄安伟,黄安伟<br>2020-07-16 16:44:26</i></div>{filler}");
        let quick_cut = quick(&cut, zone).unwrap();
        assert!(quick_cut.date.is_some());
        assert_eq!(quick_cut.authors, None);
        let whole = format!("<div><i>黄安伟<br>2020-07-16 16:44:26</i></div>{filler}");
        let settled = quick(&whole, zone).and_then(|q| q.authors);
        assert_eq!(settled, Some(vec!["黄安伟".to_string()]));
    }

    #[test]
    fn co_authors_are_added_only_to_a_lead_cut_to_its_first_name() {
        let outlet = Outlet {
            coauthor_patterns: vec![
                BylinePattern::new(r"(?m)^(?P<names>[^\n是]+)是[^\n]*记者").unwrap(),
            ],
            ..Outlet::default()
        };
        let zone = chrono_tz::Asia::Shanghai;
        let authors = |body: &str| {
            read(
                Html::parse_fragment(body).root_element(),
                zone,
                Some(&outlet),
            )
            .authors
        };
        let bios = "<p>x</p><p>孟建国(Paul Mozur)是一名科技记者。<br/>Edward Wong是记者。</p>";
        assert_eq!(
            authors(&format!(
                "<div><i>EDWARD WONG,EDWARD WONG<br>2020-07-16</i></div>{bios}"
            )),
            ["EDWARD WONG", "孟建国"]
        );
        assert_eq!(
            authors(&format!(
                "<div><i>PAUL MOZUR,PAUL MOZUR<br>2020-07-16</i></div>{bios}"
            )),
            ["PAUL MOZUR", "Edward Wong"]
        );
        assert_eq!(
            authors(&format!(
                "<div><i>EDWARD WONG<br>2020-07-16</i></div>{bios}"
            )),
            ["EDWARD WONG"]
        );
        assert_eq!(authors(&format!("<address>A B</address>{bios}")), ["A B"]);
    }
}

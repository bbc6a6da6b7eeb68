//! Images as the reader should get them, settled in the DOM before media and content are read:
//! the real address behind lazy loading (`data-src`, `data-srcset`, a `<noscript>` copy, a
//! `<picture><source>`), the largest `srcset` candidate, and no furniture (icons, spacers,
//! tracking pixels); an emoji drawn as an image becomes the emoji itself.

use ego_tree::NodeId;
use html5ever::{LocalName, QualName, ns};
use scraper::node::Text;
use scraper::{ElementRef, Html, Node};

use super::dom::{self, static_selector};
use super::text::{decode_entities, stable_hash};

static_selector!(IMG, "img");
static_selector!(SOURCE, "source");
static_selector!(NOSCRIPT, "noscript");

/// Where lazy-loading scripts keep the real address, most common first.
const LAZY_SOURCES: &[&str] = &[
    "data-src",
    "data-original",
    "data-lazy-src",
    "data-actualsrc",
];
const LAZY_SRCSETS: &[&str] = &["data-srcset", "srcset", "data-lazy-srcset"];

/// File names of page furniture drawn as images.
const FURNITURE_NAMES: &[&str] = &[
    "icon",
    "spacer",
    "blank",
    "pixel",
    "divider",
    "transparent",
    "clear.gif",
    "1x1",
];

/// Widths or heights at most this many pixels are spacers, pixels or rules, not pictures.
const MAX_FURNITURE_PIXELS: u32 = 2;

/// Settles every image; true when the DOM changed.
pub fn settle(html: &mut Html) -> bool {
    let restored = restore_noscript_pictures(html);
    let root = html.root_element();
    let mut plan: Vec<(NodeId, Settled)> = Vec::new();
    for img in root.select(&IMG) {
        let settled = settle_one(img);
        if !matches!(settled, Settled::AsIs) {
            plan.push((img.id(), settled));
        }
    }
    let changed = restored || !plan.is_empty();
    for (id, settled) in plan {
        let Some(mut node) = html.tree.get_mut(id) else {
            continue;
        };
        match settled {
            Settled::AsIs => {}
            Settled::Source(src) => {
                if let Node::Element(element) = node.value() {
                    element.attrs.retain(|(name, _)| {
                        let n = &*name.local;
                        n != "src" && n != "srcset" && !n.starts_with("data-")
                    });
                    element.attrs.push((
                        QualName::new(None, ns!(), LocalName::from("src")),
                        src.into(),
                    ));
                    // `Element::attr` looks attributes up by binary search.
                    element.attrs.sort_unstable_by(|a, b| a.0.cmp(&b.0));
                }
            }
            Settled::Text(text) => {
                node.insert_before(Node::Text(Text { text: text.into() }));
                node.detach();
            }
            Settled::Gone => node.detach(),
        }
    }
    changed
}

/// Puts back a picture shown only to readers without scripts, with nothing beside it for
/// readers with them (BBC from 2022: an empty placeholder, then `<noscript><picture>…<img
/// src alt></picture></noscript>`). The parser keeps a `<noscript>`'s content as text, so the
/// picture would go with it and leave its caption alone: it becomes an `<img>` in its place.
fn restore_noscript_pictures(html: &mut Html) -> bool {
    let root = html.root_element();
    // A copy of a picture shown elsewhere on the page (a social embed's) is not put back.
    let address = |img: ElementRef<'_>| {
        let element = img.value();
        ["src"]
            .iter()
            .chain(LAZY_SOURCES)
            .filter_map(|a| element.attr(a))
            .map(str::trim)
            .find(|s| is_real(s))
            .map(str::to_string)
    };
    let shown: std::collections::HashSet<String> = root.select(&IMG).filter_map(address).collect();
    let plan: Vec<(NodeId, String, Option<String>)> = root
        .select(&NOSCRIPT)
        .filter(|noscript| !beside_an_image(*noscript))
        .filter_map(|noscript| {
            let copy = Html::parse_fragment(&noscript.text().collect::<String>());
            let img = copy.root_element().select(&IMG).next()?;
            let src = match settle_one(img) {
                Settled::Source(src) => src,
                Settled::AsIs => img.value().attr("src")?.trim().to_string(),
                Settled::Text(_) | Settled::Gone => return None,
            };
            let copied = address(img).is_some_and(|a| shown.contains(&a)) || shown.contains(&src);
            let alt = img.value().attr("alt").map(str::to_string);
            (!copied).then(|| (noscript.id(), src, alt))
        })
        .collect();
    let restored = !plan.is_empty();
    for (id, src, alt) in plan {
        let Some(mut node) = html.tree.get_mut(id) else {
            continue;
        };
        let attribute = |name: &str, value: String| html5ever::Attribute {
            name: QualName::new(None, ns!(), LocalName::from(name)),
            value: value.into(),
        };
        let mut attributes = vec![attribute("src", src)];
        attributes.extend(alt.map(|alt| attribute("alt", alt)));
        let img = scraper::node::Element::new(
            QualName::new(None, ns!(html), LocalName::from("img")),
            attributes,
        );
        node.insert_before(Node::Element(img));
        node.detach();
    }
    restored
}

/// Whether an `<img>` stands beside `noscript` (then it is that image's copy: [`noscript_copy`]).
fn beside_an_image(noscript: ElementRef<'_>) -> bool {
    noscript
        .next_siblings()
        .chain(noscript.prev_siblings())
        .filter_map(ElementRef::wrap)
        .any(|e| e.value().name() == "img")
}

enum Settled {
    AsIs,
    /// The real address, to be the only one.
    Source(String),
    /// An emoji, as text.
    Text(String),
    /// Furniture, or nothing to show.
    Gone,
}

fn settle_one(img: ElementRef<'_>) -> Settled {
    let e = img.value();
    if e.classes().any(|c| c == "emoji" || c == "wp-smiley")
        || e.attr("src")
            .is_some_and(|s| s.contains("/images/core/emoji/"))
    {
        return match e.attr("alt").map(str::trim) {
            Some(alt) if !alt.is_empty() && alt.chars().count() <= 8 => Settled::Text(alt.into()),
            _ => Settled::Gone,
        };
    }
    let tiny = |attr| {
        e.attr(attr)
            .and_then(|v| v.trim().parse::<u32>().ok())
            .is_some_and(|px| px <= MAX_FURNITURE_PIXELS)
    };
    if tiny("width") || tiny("height") {
        return Settled::Gone;
    }
    let src = e.attr("src").map(str::trim).filter(|s| is_real(s));
    let best = LAZY_SOURCES
        .iter()
        .filter_map(|a| e.attr(a))
        .map(str::trim)
        .find(|s| is_real(s))
        .map(str::to_string)
        .or_else(|| {
            LAZY_SRCSETS
                .iter()
                .filter_map(|a| e.attr(a))
                .find_map(largest)
                // The archive routes `src` through an image proxy (images.weserv.nl) for
                // readers who cannot reach the outlet: a larger candidate elsewhere is no gain.
                .filter(|candidate| src.is_none_or(|src| host(src) == host(candidate)))
        })
        .or_else(|| picture_source(img))
        .or_else(|| src.map(str::to_string))
        .or_else(|| noscript_copy(img));
    match best {
        Some(best) if is_furniture_name(&best) => Settled::Gone,
        Some(best) if Some(best.as_str()) == src && !has_alternatives(img) => Settled::AsIs,
        Some(best) => Settled::Source(best),
        None => Settled::Gone,
    }
}

/// Whether the element carries other addresses (srcset, lazy-loading attributes) that the
/// sanitiser would drop anyway: settled, it keeps `src` alone.
fn has_alternatives(img: ElementRef<'_>) -> bool {
    img.value()
        .attrs()
        .any(|(name, _)| name == "srcset" || name.starts_with("data-"))
}

/// The host part of an address (`//host/…`), or "" for a relative one.
fn host(address: &str) -> &str {
    address.split_once("//").map_or("", |(_, rest)| {
        rest.split(['/', '?', '#']).next().unwrap_or("")
    })
}

/// Not empty, not an inline placeholder (`data:image/svg+xml,…`), not script.
fn is_real(src: &str) -> bool {
    let lower = src.trim().to_ascii_lowercase();
    !lower.is_empty() && !lower.starts_with("data:") && !lower.starts_with("javascript:")
}

fn is_furniture_name(src: &str) -> bool {
    let path = src.split(['?', '#']).next().unwrap_or(src);
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    FURNITURE_NAMES.iter().any(|f| name.contains(f))
}

/// The largest candidate of a `srcset` (`a.jpg 320w, b.jpg 1024w` → `b.jpg`; `2x` beats `1x`).
pub fn largest(srcset: &str) -> Option<String> {
    srcset
        .split(',')
        .filter_map(|candidate| {
            let mut parts = candidate.split_whitespace();
            let url = parts.next()?;
            let size = parts
                .next()
                .and_then(|d| {
                    let number = d.trim_end_matches(['w', 'x', 'W', 'X']);
                    number.parse::<f64>().ok().map(|n| {
                        if d.ends_with(['x', 'X']) {
                            n * 10_000.0
                        } else {
                            n
                        }
                    })
                })
                .unwrap_or(1.0);
            is_real(url).then(|| (size, url.to_string()))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, url)| url)
}

/// In `<picture>`, the largest candidate of the first `<source>` that has one.
fn picture_source(img: ElementRef<'_>) -> Option<String> {
    let picture = img
        .parent()
        .and_then(ElementRef::wrap)
        .filter(|p| p.value().name() == "picture")?;
    picture.select(&SOURCE).find_map(|source| {
        ["srcset", "data-srcset"]
            .iter()
            .filter_map(|a| source.value().attr(a))
            .find_map(largest)
    })
}

/// The address in a `<noscript>` next to the image, which holds the same image for readers
/// without scripts (its content is text to the parser: read its `src="…"`).
fn noscript_copy(img: ElementRef<'_>) -> Option<String> {
    let noscript = img
        .next_siblings()
        .chain(img.prev_siblings())
        .filter_map(ElementRef::wrap)
        .find(|e| e.value().name() == "noscript")?;
    let text: String = noscript.text().collect();
    let at = text.find("src=")? + 4;
    let rest = &text[at..];
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = rest[1..].split(quote).next()?;
    is_real(value).then(|| value.to_string())
}

/// A stable hash of an image's address as written (entities decoded, white space trimmed):
/// what a seed's key keeps of its lead image, so that the store can see a site graphic recur
/// without keeping addresses.
pub fn image_hash(src: &str) -> u32 {
    stable_hash(src.trim())
}

/// The hash of the body's first `<img src>` (0 when it has none), read from the text without
/// building its DOM: the index keeps it for every seed.
pub fn lead_image(body: &str) -> u32 {
    let bytes = body.as_bytes();
    let Some(start) = body.match_indices('<').map(|(i, _)| i).find(|&i| {
        bytes
            .get(i + 1..i + 4)
            .is_some_and(|name| name.eq_ignore_ascii_case(b"img"))
            && bytes
                .get(i + 4)
                .is_some_and(|c| c.is_ascii_whitespace() || *c == b'/')
    }) else {
        return 0;
    };
    let end = body[start..].find('>').map_or(body.len(), |e| start + e);
    dom::tag_attribute(&body[start..end], "src").map_or(0, |src| image_hash(&decode_entities(&src)))
}

/// Drops every image whose address hashes to `graphic` (the site's, not the article's: see
/// `Store::lead_is_site_graphic`); true when the DOM changed.
pub fn drop_site_graphic(html: &mut Html, graphic: u32) -> bool {
    let ids: Vec<NodeId> = html
        .root_element()
        .select(&IMG)
        .filter(|img| {
            img.value()
                .attr("src")
                .is_some_and(|src| image_hash(src) == graphic)
        })
        .map(|img| img.id())
        .collect();
    for id in &ids {
        if let Some(mut node) = html.tree.get_mut(*id) {
            node.detach();
        }
    }
    !ids.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settled(body: &str) -> String {
        let mut html = Html::parse_fragment(body);
        settle(&mut html);
        // What later readers look up must be found.
        for img in html.root_element().select(&IMG) {
            let listed = img
                .value()
                .attrs()
                .find(|(n, _)| *n == "src")
                .map(|(_, v)| v);
            assert_eq!(img.value().attr("src"), listed);
        }
        html.root_element().inner_html()
    }

    #[test]
    fn each_image_gets_its_real_address_or_goes() {
        let cases = [
            (
                r#"<img src="https://x/a.jpg" alt="a">"#,
                r#"<img alt="a" src="https://x/a.jpg">"#,
            ),
            // WordPress lazy loading: an SVG placeholder, the real one in data-src
            (
                r#"<img src="data:image/svg+xml,%3Csvg%3E" data-src="https://x/real.jpg" data-srcset="https://x/real-300.jpg 300w, https://x/real-1024.jpg 1024w">"#,
                r#"<img src="https://x/real.jpg">"#,
            ),
            (
                r#"<img class="lazyload" data-src="https://x/z.jpg" alt="">"#,
                r#"<img alt="" class="lazyload" src="https://x/z.jpg">"#,
            ),
            // the largest srcset candidate
            (
                r#"<img src="https://x/s.jpg" srcset="https://x/s.jpg 300w, https://x/l.jpg 1024w, https://x/m.jpg 768w">"#,
                r#"<img src="https://x/l.jpg">"#,
            ),
            // not away from the archive's image proxy
            (
                r#"<img src="https://images.weserv.nl/?url=ichef.bbci.co.uk/640/a.jpg" srcset="https://ichef.bbci.co.uk/800/a.jpg 800w">"#,
                r#"<img src="https://images.weserv.nl/?url=ichef.bbci.co.uk/640/a.jpg">"#,
            ),
            // <picture><source srcset> with an <img> that has no src
            (
                r#"<picture><source srcset="https://x/p-600.jpg 600w, https://x/p-1200.jpg 1200w"><img></picture>"#,
                r#"<picture><source srcset="https://x/p-600.jpg 600w, https://x/p-1200.jpg 1200w"><img src="https://x/p-1200.jpg"></picture>"#,
            ),
            // a picture only in <noscript>, beside an empty placeholder (BBC from 2022)
            (
                r#"<p><img src="https://x/lead.jpg" width="976"></p><div><div></div></div><noscript><picture><source srcSet="https://x/p.jpg.webp 240w" type="image/webp"/><img alt="加油站" src="https://x/p.jpg" width="976"/></picture></noscript>"#,
                // (the picture's largest source, as for any `<picture>`)
                r#"<p><img src="https://x/lead.jpg" width="976"></p><div><div></div></div><img alt="加油站" src="https://x/p.jpg.webp">"#,
            ),
            // …but not a copy of a picture shown elsewhere
            (
                r#"<div><img src="https://x/s.jpg"></div><a><noscript><img src="https://x/s.jpg"></noscript></a>"#,
                r#"<div><img src="https://x/s.jpg"></div><a><noscript>&lt;img src="https://x/s.jpg"&gt;</noscript></a>"#,
            ),
            // the real image only in <noscript>
            (
                r#"<img src="data:image/gif;base64,R0lG"><noscript><img src="https://x/n.jpg"></noscript>"#,
                // (the noscript's content is text to the parser; the sanitiser drops it)
                r#"<img src="https://x/n.jpg"><noscript>&lt;img src="https://x/n.jpg"&gt;</noscript>"#,
            ),
            // furniture: icons, spacers, tracking pixels, nothing at all
            (
                r#"<p>a<img src="/rfa_resources/graphics/icon-zoom.png">b</p>"#,
                "<p>ab</p>",
            ),
            (r#"<img src="https://x/spacer.gif">"#, ""),
            (
                r#"<img src="//ads.example/e/ir?t=1" width="1" height="1">"#,
                "",
            ),
            ("<img>", ""),
            // an emoji image is the emoji
            (
                r#"<p>好<img class="emoji" alt="😀" src="https://s.w.org/images/core/emoji/13.0.0/72x72/1f600.png"></p>"#,
                "<p>好😀</p>",
            ),
        ];
        for (body, want) in cases {
            assert_eq!(settled(body), want, "{body}");
        }
    }

    #[test]
    fn largest_srcset_candidate() {
        assert_eq!(largest("a.jpg 1x, b.jpg 2x").as_deref(), Some("b.jpg"));
        assert_eq!(largest("a.jpg").as_deref(), Some("a.jpg"));
        assert_eq!(largest("data:x 100w, b.jpg 50w").as_deref(), Some("b.jpg"));
        assert_eq!(largest(""), None);
    }

    #[test]
    fn a_lead_image_is_known_by_the_hash_of_its_address_with_or_without_a_dom() {
        let body = r#"<p>x</p><IMG alt="a" src=" https://x.example/a.jpg?w=1&amp;h=2 "><img src="https://x.example/b.jpg">"#;
        let lead = lead_image(body);
        assert_eq!(lead, image_hash("https://x.example/a.jpg?w=1&h=2"));
        assert_ne!(lead, 0);
        assert_eq!(lead_image("<p>no picture, an <imgur> word</p>"), 0);
        assert_eq!(lead_image(r#"<img src="">"#), 0);
        let mut html = Html::parse_fragment(body);
        assert!(drop_site_graphic(&mut html, lead));
        let left = html.root_element().html();
        assert!(!left.contains("a.jpg") && left.contains("b.jpg"), "{left}");
        assert!(!drop_site_graphic(&mut html, lead));
    }
}

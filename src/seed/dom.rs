//! Small read-only helpers over scraper's tree, shared by the body extractors.

use std::sync::LazyLock;

use ego_tree::iter::Edge;
use scraper::{ElementRef, Node, Selector};

/// Compiles a selector written in this crate; the strings are constants, so failure is a bug
/// caught by the unit tests, and even then it degrades to a selector matching nothing.
pub fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|_| {
        debug_assert!(false, "bad selector {css}");
        Selector::parse("seedfeed-never-matches").expect("a bare tag name always parses")
    })
}

macro_rules! static_selector {
    ($name:ident, $css:expr) => {
        pub static $name: std::sync::LazyLock<scraper::Selector> =
            std::sync::LazyLock::new(|| $crate::seed::dom::selector($css));
    };
}
pub(crate) use static_selector;

/// Elements whose text is never article text.
fn is_invisible(name: &str) -> bool {
    matches!(
        name,
        "script"
            | "style"
            | "noscript"
            | "template"
            | "svg"
            | "iframe"
            | "button"
            | "select"
            | "textarea"
    )
}

/// Elements after which text from the next element starts a new word.
fn breaks_text(name: &str) -> bool {
    matches!(
        name,
        "br" | "p"
            | "div"
            | "li"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "tr"
            | "td"
            | "th"
            | "figcaption"
            | "section"
            | "header"
            | "footer"
            | "blockquote"
            | "ul"
            | "ol"
            | "dd"
            | "dt"
            | "hr"
    )
}

/// The text a reader sees in `root`, leaving out subtrees for which `skip` answers true.
/// White space is not collapsed here; callers pass the result through `text::one_line`.
pub fn text_without(root: ElementRef<'_>, skip: &dyn Fn(ElementRef<'_>) -> bool) -> String {
    text_with_breaks(root, skip, ' ')
}

/// The visible text of `root` a block at a time (paragraphs, list items, lines broken by
/// `<br>`), each with its white space collapsed; empty blocks left out.
pub fn blocks_of(root: ElementRef<'_>) -> Vec<String> {
    text_with_breaks(root, &|_| false, '\n')
        .split('\n')
        .map(super::text::one_line)
        .filter(|block| !block.is_empty())
        .collect()
}

/// [`text_without`], with `block_break` after each element that ends a block of text.
fn text_with_breaks(
    root: ElementRef<'_>,
    skip: &dyn Fn(ElementRef<'_>) -> bool,
    block_break: char,
) -> String {
    let mut out = String::new();
    let mut skipping = 0usize;
    for edge in root.traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(e) => {
                    let element = ElementRef::wrap(node).expect("element node");
                    if skipping > 0
                        || (node.id() != root.id() && (is_invisible(e.name()) || skip(element)))
                    {
                        skipping += 1;
                    }
                }
                Node::Text(t) if skipping == 0 => out.push_str(t),
                _ => {}
            },
            Edge::Close(node) => {
                if let Node::Element(e) = node.value() {
                    if skipping > 0 {
                        skipping -= 1;
                    } else if breaks_text(e.name()) {
                        out.push(block_break);
                    }
                }
            }
        }
    }
    out
}

/// The visible text of `root`.
pub fn text_of(root: ElementRef<'_>) -> String {
    text_without(root, &|_| false)
}

/// The nearest ancestor element (not `element` itself) for which `want` answers true,
/// looking at most `levels` levels up.
pub fn ancestor<'a>(
    element: ElementRef<'a>,
    levels: usize,
    want: &dyn Fn(ElementRef<'a>) -> bool,
) -> Option<ElementRef<'a>> {
    element
        .ancestors()
        .filter_map(ElementRef::wrap)
        .take(levels)
        .find(|&a| want(a))
}

/// True when `element` has an ancestor named one of `names`.
pub fn inside(element: ElementRef<'_>, names: &[&str]) -> bool {
    element
        .ancestors()
        .filter_map(ElementRef::wrap)
        .any(|a| names.contains(&a.value().name()))
}

/// The next sibling that is an element.
pub fn next_element(element: ElementRef<'_>) -> Option<ElementRef<'_>> {
    element.next_siblings().find_map(ElementRef::wrap)
}

/// The previous sibling that is an element.
pub fn previous_element(element: ElementRef<'_>) -> Option<ElementRef<'_>> {
    element.prev_siblings().find_map(ElementRef::wrap)
}

/// The first element of the body, in document order.
pub fn first_element(root: ElementRef<'_>) -> Option<ElementRef<'_>> {
    static FIRST: LazyLock<Selector> = LazyLock::new(|| selector("*"));
    root.select(&FIRST).next()
}

/// The value of `name="…"`, `name='…'` or `name=…` inside one start tag (`src` is not the
/// end of `data-src`: a name starts after white space).
pub fn tag_attribute(tag: &str, name: &str) -> Option<String> {
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

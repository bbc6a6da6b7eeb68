//! Media RSS (`media:content` with its caption, credit and poster), shared by RSS and Atom.
//!
//! rss and atom_syndication each have their own extension type with the same four fields, so the
//! element is built once as a neutral tree and converted at the end.

use std::collections::BTreeMap;

use super::{clean, escape};
use crate::entry::Media;

pub const MEDIA_NS: &str = "http://search.yahoo.com/mrss/";

/// One XML element of an extension: what both crates' `Extension` types hold.
pub struct Element {
    name: String,
    value: Option<String>,
    attrs: BTreeMap<String, String>,
    children: BTreeMap<String, Vec<Element>>,
}

/// The entry's `media` extension map (`media:content` for each medium), empty without media.
pub fn extension_map(media: &[Media]) -> BTreeMap<String, BTreeMap<String, Vec<Element>>> {
    if media.is_empty() {
        return BTreeMap::new();
    }
    let contents = media.iter().map(media_content).collect();
    BTreeMap::from([(
        "media".to_string(),
        BTreeMap::from([("content".to_string(), contents)]),
    )])
}

/// `<media:content url medium type width height fileSize>` with its caption and credit.
fn media_content(media: &Media) -> Element {
    let mut attrs = BTreeMap::from([
        ("url".to_string(), media.url.clone()),
        ("medium".to_string(), media.medium.as_str().to_string()),
        ("type".to_string(), media.mime.clone()),
    ]);
    let numbers = [
        ("width", media.width.map(u64::from)),
        ("height", media.height.map(u64::from)),
        ("fileSize", media.length),
    ];
    for (name, value) in numbers {
        if let Some(value) = value {
            attrs.insert(name.to_string(), value.to_string());
        }
    }
    let mut children = BTreeMap::new();
    if let Some(caption) = &media.caption {
        let description = Element {
            name: "media:description".into(),
            value: Some(clean(caption)),
            attrs: BTreeMap::from([("type".to_string(), "plain".to_string())]),
            children: BTreeMap::new(),
        };
        children.insert("description".to_string(), vec![description]);
    }
    if let Some(poster) = &media.poster {
        let thumbnail = Element {
            name: "media:thumbnail".into(),
            value: None,
            attrs: BTreeMap::from([("url".to_string(), poster.clone())]),
            children: BTreeMap::new(),
        };
        children.insert("thumbnail".to_string(), vec![thumbnail]);
    }
    if let Some(credit) = &media.credit {
        let credit = Element {
            name: "media:credit".into(),
            value: Some(clean(credit)),
            attrs: BTreeMap::new(),
            children: BTreeMap::new(),
        };
        children.insert("credit".to_string(), vec![credit]);
    }
    Element {
        name: "media:content".into(),
        value: None,
        attrs,
        children,
    }
}

/// Converts a map of neutral elements into either crate's extension map.
pub fn convert_map<E>(
    map: BTreeMap<String, BTreeMap<String, Vec<Element>>>,
    convert: fn(Element) -> E,
) -> BTreeMap<String, BTreeMap<String, Vec<E>>> {
    map.into_iter()
        .map(|(prefix, elements)| (prefix, convert_children(elements, convert)))
        .collect()
}

fn convert_children<E>(
    children: BTreeMap<String, Vec<Element>>,
    convert: fn(Element) -> E,
) -> BTreeMap<String, Vec<E>> {
    children
        .into_iter()
        .map(|(name, list)| (name, list.into_iter().map(convert).collect()))
        .collect()
}

pub fn into_rss(element: Element) -> rss::extension::Extension {
    rss::extension::Extension {
        name: element.name,
        value: element.value,
        attrs: element.attrs,
        children: convert_children(element.children, into_rss),
    }
}

pub fn into_atom(element: Element) -> atom_syndication::extension::Extension {
    // atom_syndication 0.12 writes extension attributes as raw bytes (quick-xml escapes only
    // `&str` pairs), so a URL's `&` would break the document; element values it does escape.
    let attrs = element
        .attrs
        .into_iter()
        .map(|(name, value)| (name, escape(&value)))
        .collect();
    atom_syndication::extension::Extension {
        name: element.name,
        value: element.value,
        attrs,
        children: convert_children(element.children, into_atom),
    }
}

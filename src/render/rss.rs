//! RSS 2.0 with the content, Dublin Core, Media RSS and Atom namespaces.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rss::extension::atom::AtomExtension;
use rss::extension::dublincore::DublinCoreExtension;
use rss::{Category, Channel, Enclosure, Guid, Image, Item};

use super::{
    HISTORY_NS, ITEMS_GO_HERE, Place, Prepared, body, bylines, clean, enclosed, media, title,
    whole_seconds, with_items,
};
use crate::config::FeedMeta;
use crate::entry::Entry;
use crate::urls::Format;

const CONTENT_NS: &str = "http://purl.org/rss/1.0/modules/content/";
const DC_NS: &str = "http://purl.org/dc/elements/1.1/";
const ATOM_NS: &str = "http://www.w3.org/2005/Atom";

/// The channel with `entries`' items copied in (written whole if one is missing).
pub fn render(
    meta: &FeedMeta,
    entries: &[&Prepared],
    updated: Option<DateTime<Utc>>,
    place: &Place,
) -> Vec<u8> {
    let head = channel(meta, updated, place);
    // An archive's `<fh:archive/>` is in the head, before every item.
    let write_with = |items| {
        let channel = Channel {
            items,
            ..head.clone()
        };
        match place.archive.is_archive {
            true => self_closing_marker(write(&channel)),
            false => write(&channel),
        }
    };
    let prepared = entries.iter().map(|e| e.rss.as_deref()).collect();
    let whole = || entries.iter().map(|e| item(&e.entry)).collect();
    with_items(b"", prepared, marker_item(), written, whole, write_with)
}

/// An entry's `<item>…</item>` as the crate writes it in a channel.
pub fn item_bytes(entry: &Entry) -> Option<Vec<u8>> {
    written(item(entry))
}

/// `item` as written inside an otherwise empty channel.
fn written(item: Item) -> Option<Vec<u8>> {
    let channel = Channel {
        items: vec![item],
        ..Default::default()
    };
    enclosed(&write(&channel), b"<item>", b"</item>").map(<[u8]>::to_vec)
}

/// The stand-in for the items in a render of the channel's head and foot.
fn marker_item() -> Item {
    Item {
        title: Some(ITEMS_GO_HERE.into()),
        ..Default::default()
    }
}

fn write(channel: &Channel) -> Vec<u8> {
    channel.write_to(Vec::new()).unwrap_or_default()
}

/// The channel's own elements, without items.
fn channel(meta: &FeedMeta, updated: Option<DateTime<Utc>>, place: &Place) -> Channel {
    let is_archive = place.archive.is_archive;
    let editor = meta.authors.iter().find_map(|p| {
        p.email
            .as_ref()
            .map(|e| format!("{e} ({})", clean(&p.name)))
    });
    let image = meta.logo.as_ref().or(meta.icon.as_ref()).map(|url| Image {
        url: url.to_string(),
        title: clean(&meta.title),
        link: meta.site_url.to_string(),
        ..Default::default()
    });
    Channel {
        title: clean(&meta.title),
        link: meta.site_url.to_string(),
        description: clean(&meta.description),
        language: Some(meta.language.clone()),
        copyright: meta.rights.as_deref().map(clean),
        managing_editor: editor,
        last_build_date: updated.map(|u| whole_seconds(u).to_rfc2822()),
        generator: Some("seedfeed".into()),
        docs: Some("https://www.rssboard.org/rss-specification".into()),
        ttl: meta.ttl.map(|minutes| minutes.to_string()),
        image,
        // self and RFC 5005's archive links as `atom:link`s, then the hubs.
        atom_ext: Some(AtomExtension {
            links: place
                .links(meta, Format::Rss)
                .into_iter()
                .map(|(rel, href)| rss::extension::atom::Link {
                    href,
                    rel: rel.into(),
                    mime_type: Some(Format::Rss.link_type().into()),
                    ..Default::default()
                })
                .chain(meta.hubs.iter().map(|hub| rss::extension::atom::Link {
                    href: hub.to_string(),
                    rel: "hub".into(),
                    ..Default::default()
                }))
                .collect(),
        }),
        namespaces: BTreeMap::from([
            ("atom".to_string(), ATOM_NS.to_string()),
            ("content".to_string(), CONTENT_NS.to_string()),
            ("dc".to_string(), DC_NS.to_string()),
            ("media".to_string(), media::MEDIA_NS.to_string()),
        ])
        .into_iter()
        .chain(is_archive.then(|| ("fh".to_string(), HISTORY_NS.to_string())))
        .collect(),
        extensions: if is_archive {
            archive_marker()
        } else {
            BTreeMap::new()
        },
        ..Default::default()
    }
}

/// RFC 5005's `<fh:archive/>` as a channel extension (the crate writes those before the items).
fn archive_marker() -> rss::extension::ExtensionMap {
    let marker = rss::extension::Extension {
        name: "fh:archive".into(),
        ..Default::default()
    };
    BTreeMap::from([(
        "fh".to_string(),
        BTreeMap::from([("archive".to_string(), vec![marker])]),
    )])
}

/// The crate writes an empty extension as a start and an end tag; RFC 5005 spells the marker
/// `<fh:archive/>`. The first occurrence is the channel's: it comes before every item.
fn self_closing_marker(xml: Vec<u8>) -> Vec<u8> {
    const WRITTEN: &[u8] = b"<fh:archive></fh:archive>";
    let Some(at) = xml.windows(WRITTEN.len()).position(|w| w == WRITTEN) else {
        return xml;
    };
    [
        &xml[..at],
        b"<fh:archive/>".as_slice(),
        &xml[at + WRITTEN.len()..],
    ]
    .concat()
}

fn item(entry: &Entry) -> Item {
    let creators = bylines(entry);
    let enclosure = entry.media.first().map(|m| Enclosure {
        url: m.url.clone(),
        // RSS 2.0 requires the attribute; "0" is the RSS Advisory Board's value for a size
        // nobody stated (Atom and JSON Feed simply leave theirs out).
        length: m.length.unwrap_or(0).to_string(),
        mime_type: m.mime.clone(),
    });
    let extensions = media::convert_map(media::extension_map(&entry.media), media::into_rss);
    Item {
        title: Some(title(entry)),
        link: Some(entry.link.clone()),
        description: Some(clean(&entry.summary)),
        content: Some(body(entry)),
        guid: Some(Guid {
            value: entry.id.clone(),
            // A permalink guid must be the link itself; the id differs where the link has
            // lower-case percent-escapes.
            permalink: entry.id == entry.link,
        }),
        pub_date: Some(whole_seconds(entry.published).to_rfc2822()),
        categories: entry
            .categories
            .iter()
            .map(|c| Category {
                name: clean(c),
                domain: None,
            })
            .collect(),
        enclosure,
        // RSS has no item language; Dublin Core's names the outlet's where it is not the feed's.
        dublin_core_ext: (!creators.is_empty() || entry.language.is_some()).then(|| {
            DublinCoreExtension {
                creators,
                languages: entry.language.iter().cloned().collect(),
                ..Default::default()
            }
        }),
        extensions,
        ..Default::default()
    }
}

//! Atom 1.0 (RFC 4287) with the Media RSS namespace.

use std::collections::BTreeMap;

use atom_syndication::{Category, Content, Feed, Generator, Link, Person, Text};
use chrono::{DateTime, Duration, FixedOffset, Utc};

use super::{
    HISTORY_NS, ITEMS_GO_HERE, Place, Prepared, body, bylines, clean, enclosed, media, title,
    whole_seconds, with_items,
};
use crate::config::FeedMeta;
use crate::entry::Entry;
use crate::urls::{Format, entry_hash};

/// The feed with `entries`' `<entry>` elements copied in (written whole if one is missing).
pub fn render(
    meta: &FeedMeta,
    entries: &[&Prepared],
    updated: Option<DateTime<Utc>>,
    place: &Place,
) -> Vec<u8> {
    const DECLARATION: &[u8] = b"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
    // The feed's `updated` is its newest entry's, as that entry writes it.
    let newest = entries.iter().map(|e| distinct_updated(&e.entry)).max();
    let head = feed(meta, newest.or(updated), place);
    // An archive's `<fh:archive/>` is in the head, right after the feed's `<id>`.
    let write_with = |items| {
        let feed = Feed {
            entries: items,
            ..head.clone()
        };
        match place.archive.is_archive {
            true => with_archive_marker(write(&feed)),
            false => write(&feed),
        }
    };
    let prepared = entries.iter().map(|e| e.atom.as_deref()).collect();
    let whole = || entries.iter().map(|e| entry(&e.entry)).collect();
    with_items(
        DECLARATION,
        prepared,
        marker_entry(),
        written,
        whole,
        write_with,
    )
}

/// An entry's `<entry>…</entry>` as the crate writes it in a feed.
pub fn entry_bytes(entry: &Entry) -> Option<Vec<u8>> {
    written(self::entry(entry))
}

/// `entry` as written inside an otherwise empty feed.
fn written(entry: atom_syndication::Entry) -> Option<Vec<u8>> {
    let feed = Feed {
        entries: vec![entry],
        ..Default::default()
    };
    enclosed(&write(&feed), b"<entry>", b"</entry>").map(<[u8]>::to_vec)
}

/// The stand-in for the entries in a render of the feed's head and foot.
fn marker_entry() -> atom_syndication::Entry {
    atom_syndication::Entry {
        title: Text::plain(ITEMS_GO_HERE),
        ..Default::default()
    }
}

/// The feed without the XML declaration (written by `render`, with its encoding).
fn write(feed: &Feed) -> Vec<u8> {
    let config = atom_syndication::WriteConfig {
        write_document_declaration: false,
        indent_size: None,
    };
    feed.write_with_config(Vec::new(), config)
        .unwrap_or_default()
}

/// The feed's own elements, without entries.
fn feed(meta: &FeedMeta, updated: Option<DateTime<Utc>>, place: &Place) -> Feed {
    let mut namespaces = BTreeMap::from([("media".to_string(), media::MEDIA_NS.to_string())]);
    if place.archive.is_archive {
        namespaces.insert("fh".to_string(), HISTORY_NS.to_string());
    }
    Feed {
        title: Text::plain(clean(&meta.title)),
        id: meta.base_url.to_string(),
        // An empty feed still needs an `updated`; the epoch keeps output independent of the clock.
        updated: updated.unwrap_or(DateTime::UNIX_EPOCH).fixed_offset(),
        authors: meta.authors.iter().map(person).collect(),
        generator: Some(Generator {
            value: "seedfeed".into(),
            uri: None,
            version: None,
        }),
        icon: meta.icon.as_ref().map(|u| u.to_string()),
        logo: meta.logo.as_ref().map(|u| u.to_string()),
        // self, RFC 5005's archive links, then the site.
        links: place
            .links(meta, Format::Atom)
            .into_iter()
            .map(|(rel, href)| link(&href, rel, Format::Atom.link_type()))
            .chain(std::iter::once(link(
                meta.site_url.as_str(),
                "alternate",
                Format::Page.link_type(),
            )))
            .chain(meta.hubs.iter().map(|hub| Link {
                href: hub.to_string(),
                rel: "hub".into(),
                ..Default::default()
            }))
            .collect(),
        rights: meta.rights.as_deref().map(|r| Text::plain(clean(r))),
        subtitle: Some(Text::plain(clean(&meta.description))),
        lang: Some(meta.language.clone()),
        namespaces,
        ..Default::default()
    }
}

/// Puts RFC 5005's `<fh:archive/>` among the feed's metadata, right after its `<id>`.
/// atom_syndication writes feed extensions after the entries, where RFC 4287's schema has no
/// room for them (an `atom:feed` is its metadata, then its entries), so it is placed here
/// instead. The feed's `</id>` is the first one in the document: the title before it is
/// escaped text, where no markup can occur.
fn with_archive_marker(xml: Vec<u8>) -> Vec<u8> {
    const AFTER: &[u8] = b"</id>";
    const MARKER: &[u8] = b"<fh:archive/>";
    let Some(at) = xml.windows(AFTER.len()).position(|w| w == AFTER) else {
        return xml;
    };
    let at = at + AFTER.len();
    let mut out = Vec::with_capacity(xml.len() + MARKER.len());
    out.extend_from_slice(&xml[..at]);
    out.extend_from_slice(MARKER);
    out.extend_from_slice(&xml[at..]);
    out
}

fn entry(entry: &Entry) -> atom_syndication::Entry {
    let mut links = vec![link(&entry.link, "alternate", Format::Page.link_type())];
    // An Atom enclosure is a download ("potentially large in size"); a reader sizes it from
    // `length`. Media of unknown size are still all in `media:content` below, with their
    // captions, as in RSS.
    let downloads = entry.media.iter().filter(|m| m.length.is_some());
    links.extend(downloads.map(|m| Link {
        href: m.url.clone(),
        rel: "enclosure".into(),
        mime_type: Some(m.mime.clone()),
        title: m.caption.as_deref().map(clean),
        length: m.length.map(|l| l.to_string()),
        hreflang: None,
    }));
    // The entry's language where its outlet writes in another than the feed's (xml:lang on
    // what readers show: the title, the summary, the text).
    let lang = entry.language.clone();
    let text = |value: String| Text {
        lang: lang.clone(),
        ..Text::plain(value)
    };
    atom_syndication::Entry {
        title: text(title(entry)),
        id: entry.id.clone(),
        updated: distinct_updated(entry).fixed_offset(),
        published: Some(fixed(entry.published)),
        authors: bylines(entry)
            .into_iter()
            .map(|name| Person {
                name,
                ..Default::default()
            })
            .collect(),
        categories: entry
            .categories
            .iter()
            .map(|c| Category {
                term: clean(c),
                scheme: None,
                label: None,
            })
            .collect(),
        links,
        summary: (!entry.summary.is_empty()).then(|| text(clean(&entry.summary))),
        content: Some(Content {
            value: Some(body(entry)),
            content_type: Some("html".into()),
            lang: entry.language.clone(),
            ..Default::default()
        }),
        extensions: media::convert_map(media::extension_map(&entry.media), media::into_atom),
        ..Default::default()
    }
}

fn person(p: &crate::config::Person) -> Person {
    Person {
        name: clean(&p.name),
        email: p.email.clone(),
        uri: p.uri.as_ref().map(|u| u.to_string()),
        ..Default::default()
    }
}

fn link(href: &str, rel: &str, mime_type: &str) -> Link {
    Link {
        href: href.into(),
        rel: rel.into(),
        mime_type: Some(mime_type.into()),
        ..Default::default()
    }
}

/// An entry's `updated` as Atom writes it: its instant to the second, with a sub-second part
/// drawn from its id. Seeds of one crawl share the archive's fetch time to the millisecond (5
/// pairs among the 15 folders of the archive sample), and two entries with one `updated` are
/// a validator warning (DuplicateUpdated); a part drawn from the id is the same in every
/// document and after every restart, never earlier than `published`, and moves the instant by
/// less than the second it is known to.
fn distinct_updated(entry: &Entry) -> DateTime<Utc> {
    let micros = entry_hash(&entry.id) % 1_000_000;
    whole_seconds(entry.updated) + Duration::microseconds(micros as i64)
}

fn fixed(instant: DateTime<Utc>) -> DateTime<FixedOffset> {
    whole_seconds(instant).fixed_offset()
}

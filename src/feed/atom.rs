//! Atom 1.0 (RFC 4287) with the Media RSS namespace.

use std::collections::BTreeMap;

use atom_syndication::{Category, Content, Feed, Generator, Link, Person, Text};
use chrono::{DateTime, FixedOffset, Utc};

use super::{ATOM_PATH, body, bylines, clean, media, title, whole_seconds};
use crate::config::FeedMeta;
use crate::entry::Entry;

pub fn render(meta: &FeedMeta, entries: &[&Entry], updated: Option<DateTime<Utc>>) -> Vec<u8> {
    let self_link = meta
        .base_url
        .join(ATOM_PATH)
        .map(|u| u.to_string())
        .unwrap_or_default();
    let feed = Feed {
        title: Text::plain(clean(&meta.title)),
        id: meta.base_url.to_string(),
        // An empty feed still needs an `updated`; the epoch keeps output independent of the clock.
        updated: fixed(updated.unwrap_or(DateTime::UNIX_EPOCH)),
        authors: meta.authors.iter().map(person).collect(),
        generator: Some(Generator {
            value: "seedfeed".into(),
            uri: None,
            version: None,
        }),
        icon: meta.icon.as_ref().map(|u| u.to_string()),
        logo: meta.logo.as_ref().map(|u| u.to_string()),
        links: [
            link(&self_link, "self", "application/atom+xml"),
            link(meta.site_url.as_str(), "alternate", "text/html"),
        ]
        .into_iter()
        .chain(meta.hubs.iter().map(|hub| Link {
            href: hub.to_string(),
            rel: "hub".into(),
            ..Default::default()
        }))
        .collect(),
        rights: meta.rights.as_deref().map(|r| Text::plain(clean(r))),
        subtitle: Some(Text::plain(clean(&meta.description))),
        lang: Some(meta.language.clone()),
        namespaces: BTreeMap::from([("media".to_string(), media::MEDIA_NS.to_string())]),
        entries: entries.iter().map(|e| entry(e)).collect(),
        ..Default::default()
    };
    let mut out = br#"<?xml version="1.0" encoding="utf-8"?>"#.to_vec();
    out.push(b'\n');
    let config = atom_syndication::WriteConfig {
        write_document_declaration: false,
        indent_size: None,
    };
    let mut out = feed.write_with_config(out, config).unwrap_or_default();
    out.push(b'\n');
    out
}

fn entry(entry: &Entry) -> atom_syndication::Entry {
    let mut links = vec![link(&entry.link, "alternate", "text/html")];
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
    atom_syndication::Entry {
        title: Text::plain(title(entry)),
        id: entry.id.clone(),
        updated: fixed(entry.updated),
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
        summary: (!entry.summary.is_empty()).then(|| Text::plain(clean(&entry.summary))),
        content: Some(Content {
            value: Some(body(entry)),
            content_type: Some("html".into()),
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

fn fixed(instant: DateTime<Utc>) -> DateTime<FixedOffset> {
    whole_seconds(instant).fixed_offset()
}

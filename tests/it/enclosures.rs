//! Enclosure sizes as each format states them: the seed's byte count where it gives one; where
//! it does not, RSS says `length="0"` (the attribute is required), Atom and JSON Feed say nothing
//! (in Atom such media are `media:content` only, not enclosures).

use crate::support::{Server, seed};

const MEDIA_NS: &str = "http://search.yahoo.com/mrss/";

fn seeds() -> Vec<(&'static str, String)> {
    vec![
        (
            "sized.txt",
            seed(
                "Sized podcast",
                "https://x.example/world/sized",
                1_700_000_000_000,
                r#"<p>An episode.</p><audio src="https://cdn.example/episode.mp3" type="audio/mpeg" length="5242880" controls></audio>"#,
            ),
        ),
        (
            "unsized.txt",
            seed(
                "Unsized video",
                "https://x.example/world/unsized",
                1_600_000_000_000,
                r#"<p>A clip.</p><video src="https://cdn.example/clip.mp4" controls></video>"#,
            ),
        ),
    ]
}

/// The one element named `name` inside the item/entry whose text contains `title`.
fn attribute_in<'a>(
    doc: &'a roxmltree::Document,
    item: &str,
    title: &str,
    name: &str,
    attribute: &str,
) -> Option<&'a str> {
    let holder = doc
        .descendants()
        .filter(|n| n.tag_name().name() == item)
        .find(|n| {
            n.children()
                .any(|c| c.tag_name().name() == "title" && c.text() == Some(title))
        })
        .unwrap_or_else(|| panic!("no {item} titled {title}"));
    let elements: Vec<_> = holder
        .children()
        .filter(|c| {
            c.tag_name().name() == name
                && (name != "link" || c.attribute("rel") == Some("enclosure"))
                // Atom's own `<content>` is the article; the media one is Media RSS's.
                && (name != "content" || c.tag_name().namespace() == Some(MEDIA_NS))
        })
        .collect();
    assert_eq!(elements.len(), 1, "{title}: one {name}");
    elements[0].attribute(attribute)
}

#[test]
fn a_stated_size_is_served_and_an_unknown_one_is_said_the_way_each_format_allows() {
    let server = Server::with_files(&seeds(), 50);

    let rss = server.get("/rss.xml").text();
    let rss = roxmltree::Document::parse(&rss).unwrap();
    let length = |title| attribute_in(&rss, "item", title, "enclosure", "length");
    assert_eq!(length("Sized podcast"), Some("5242880"));
    assert_eq!(length("Unsized video"), Some("0"));
    let file_size = |title| attribute_in(&rss, "item", title, "content", "fileSize");
    assert_eq!(file_size("Sized podcast"), Some("5242880"));
    assert_eq!(file_size("Unsized video"), None);

    let atom = server.get("/atom.xml").text();
    let atom = roxmltree::Document::parse(&atom).unwrap();
    let length = |title| attribute_in(&atom, "entry", title, "link", "length");
    assert_eq!(length("Sized podcast"), Some("5242880"));
    // An Atom enclosure is a download sized by `length`: unsized media are `media:content` only.
    let file_size = |title| attribute_in(&atom, "entry", title, "content", "fileSize");
    assert_eq!(file_size("Sized podcast"), Some("5242880"));
    assert_eq!(file_size("Unsized video"), None);
    let unsized_entry_enclosures = atom
        .descendants()
        .filter(|n| n.tag_name().name() == "entry")
        .find(|n| n.children().any(|c| c.text() == Some("Unsized video")))
        .unwrap()
        .children()
        .filter(|c| c.attribute("rel") == Some("enclosure"))
        .count();
    assert_eq!(unsized_entry_enclosures, 0);

    let json: serde_json::Value = serde_json::from_slice(&server.get("/feed.json").body).unwrap();
    let attachment = |title: &str| {
        let item = json["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["title"] == title)
            .unwrap_or_else(|| panic!("no item titled {title}"));
        let attachments = item["attachments"].as_array().unwrap();
        assert_eq!(attachments.len(), 1, "{title}");
        attachments[0].clone()
    };
    assert_eq!(attachment("Sized podcast")["size_in_bytes"], 5_242_880);
    assert!(attachment("Unsized video").get("size_in_bytes").is_none());

    // And as a real parser reads them.
    let feed = server.feed("/atom.xml");
    let sized = feed
        .entries
        .iter()
        .find(|e| {
            e.title
                .as_ref()
                .is_some_and(|t| t.content == "Sized podcast")
        })
        .unwrap();
    let enclosure = sized
        .links
        .iter()
        .find(|l| l.rel.as_deref() == Some("enclosure"))
        .unwrap();
    assert_eq!(enclosure.length, Some(5_242_880));
    let unsized_entry = feed
        .entries
        .iter()
        .find(|e| {
            e.title
                .as_ref()
                .is_some_and(|t| t.content == "Unsized video")
        })
        .unwrap();
    let video = &unsized_entry.media[0].content[0];
    assert_eq!(video.size, None);
    assert!(video.url.as_ref().unwrap().as_str().ends_with(".mp4"));
}

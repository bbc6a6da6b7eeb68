//! Several authors in one byline reach every format, one element per author: read back with
//! feed-rs as a reader would, and counted in the served bytes with roxmltree, so neither a
//! dropped author nor authors joined into one element can pass.

use crate::support::{Server, seed};

const AUTHORS: [&str; 3] = ["Ann Author", "Bo Writer", "陈记者"];

/// A NYT-style seed whose `<address>` names three authors, with each separator the byline
/// reader splits on (`,`, `、`); and a seed with one author, which must stay one.
fn files() -> Vec<(&'static str, String)> {
    vec![
        (
            "three.txt",
            seed(
                "Three authors",
                "https://x.example/world/three",
                1_700_000_000_000,
                "<address>Ann Author, Bo Writer、陈记者</address>\
                 <time pudate=\"2024-04-10 08:37:36\"></time><section><p>Text.</p></section>",
            ),
        ),
        (
            "one.txt",
            seed(
                "One author",
                "https://x.example/world/one",
                1_600_000_000_000,
                "<address>Solo Writer</address><section><p>Text.</p></section>",
            ),
        ),
    ]
}

fn names(entry: &feed_rs::model::Entry) -> Vec<String> {
    entry
        .authors
        .iter()
        .map(|p| p.name.clone().expect("every author has a name"))
        .collect()
}

/// Texts of the children named `name` (namespace URI `ns`, or none) of each element named
/// `parent`, in document order.
fn children_texts(xml: &str, parent: &str, ns: Option<&str>, name: &str) -> Vec<Vec<String>> {
    let document = roxmltree::Document::parse(xml).expect("well-formed XML");
    document
        .descendants()
        .filter(|n| n.has_tag_name(parent))
        .map(|item| {
            item.children()
                .filter(|c| c.tag_name().name() == name && c.tag_name().namespace() == ns)
                .map(|c| {
                    // Atom's <author> holds <name>; RSS's dc:creator holds the text itself.
                    c.children()
                        .find(|n| n.has_tag_name("name"))
                        .unwrap_or(c)
                        .text()
                        .unwrap_or("")
                        .to_string()
                })
                .collect()
        })
        .collect()
}

#[test]
fn rss_has_one_dc_creator_per_author() {
    let server = Server::with_files(&files(), 50);
    let body = server.get("/rss.xml").text();
    assert_eq!(
        children_texts(
            &body,
            "item",
            Some("http://purl.org/dc/elements/1.1/"),
            "creator"
        ),
        [AUTHORS.to_vec(), vec!["Solo Writer"]],
        "{body}"
    );
    let feed = server.feed("/rss.xml");
    assert_eq!(names(&feed.entries[0]), AUTHORS);
    assert_eq!(names(&feed.entries[1]), ["Solo Writer"]);
}

#[test]
fn atom_has_one_author_element_per_author() {
    let server = Server::with_files(&files(), 50);
    let body = server.get("/atom.xml").text();
    assert_eq!(
        children_texts(
            &body,
            "entry",
            Some("http://www.w3.org/2005/Atom"),
            "author"
        ),
        [AUTHORS.to_vec(), vec!["Solo Writer"]],
        "{body}"
    );
    let feed = server.feed("/atom.xml");
    assert_eq!(names(&feed.entries[0]), AUTHORS);
    assert_eq!(names(&feed.entries[1]), ["Solo Writer"]);
}

#[test]
fn json_feed_lists_every_author_as_its_own_object() {
    let server = Server::with_files(&files(), 50);
    let json: serde_json::Value = serde_json::from_slice(&server.get("/feed.json").body).unwrap();
    let authors = |item: &serde_json::Value| -> Vec<serde_json::Value> {
        item["authors"]
            .as_array()
            .expect("authors is a list")
            .clone()
    };
    let expected: Vec<serde_json::Value> = AUTHORS
        .iter()
        .map(|name| serde_json::json!({ "name": name }))
        .collect();
    assert_eq!(authors(&json["items"][0]), expected);
    assert_eq!(
        authors(&json["items"][1]),
        [serde_json::json!({ "name": "Solo Writer" })]
    );
    let feed = server.feed("/feed.json");
    assert_eq!(names(&feed.entries[0]), AUTHORS);
}

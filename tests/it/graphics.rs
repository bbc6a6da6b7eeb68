//! A site's own picture (a banner, a logo, a subscription offer) leading many entries of one
//! folder is not the articles' picture: it is left out of the text, the attachments and the
//! entry's image; a short closing paragraph many of them end with (a subscription prompt) is
//! not their text. Each entry is judged against the entries published before it in its folder,
//! so a newer seed never changes what an older entry shows.

use std::collections::BTreeMap;

use crate::support::{Server, seed, write};

const BANNER: &str = "https://blog.example.org/banner.png";
const PROMPT: &str = "Subscribe to the Blog Weekly!";

/// The `i`-th post of a blog nobody wrote rules for: the banner first, then its own photo.
fn post(i: i64, banner: bool) -> String {
    let lead = match banner {
        true => format!(r#"<p><img src="{BANNER}"></p>"#),
        false => String::new(),
    };
    seed(
        &format!("Post {i}"),
        &format!("https://blog.example.org/posts/{i}"),
        1_600_000_000_000 + i * 3_600_000,
        &format!(
            r#"{lead}<p>Post {i} says something.</p><figure><img src="https://blog.example.org/photo-{i}.jpg"><figcaption>Photo {i}</figcaption></figure><p>By Ann Lee</p><p><a href="https://blog.example.org/subscribe">{PROMPT}</a></p>"#
        ),
    )
}

/// Each item of `path` (a JSON Feed) by title: whether it shows the banner anywhere (and the
/// closing prompt, which every post but the last ends with, exactly where the banner is), and
/// the item as served.
fn items(server: &Server, path: &str) -> BTreeMap<String, (bool, serde_json::Value)> {
    let feed: serde_json::Value = serde_json::from_slice(&server.get(path).body).unwrap();
    feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let served = item.to_string();
            let shows = served.contains(BANNER);
            let title = item["title"].as_str().unwrap();
            if title != "Post 9" {
                assert_eq!(
                    served.contains(PROMPT),
                    shows,
                    "{title}: the prompt as the banner"
                );
            }
            assert!(
                served.contains("By Ann Lee"),
                "{title}: only the closing paragraph goes"
            );
            (
                item["title"].as_str().unwrap().to_string(),
                (shows, item.clone()),
            )
        })
        .collect()
}

#[test]
fn a_picture_leading_many_entries_of_a_folder_is_the_site_s_and_newer_seeds_change_no_older_entry()
{
    let mut files: Vec<(String, String)> = (0..8)
        .map(|i| (format!("blog/{i}.txt"), post(i, true)))
        .collect();
    // another folder leads once with the same picture: one use is the article's
    files.push(("news/0.txt".into(), post(50, true)));
    let named: Vec<(&str, String)> = files.iter().map(|(n, t)| (n.as_str(), t.clone())).collect();
    let server = Server::with_files(&named, 50);

    let blog = items(&server, "/blog/feed.json");
    for i in 0..8 {
        let (shows, item) = &blog[&format!("Post {i}")];
        // the first five are judged before the banner was seen five times
        assert_eq!(*shows, i < 5, "Post {i}: {item}");
        let own = format!("https://blog.example.org/photo-{i}.jpg");
        assert!(item.to_string().contains(&own), "Post {i} keeps its photo");
        if i >= 5 {
            assert_eq!(
                item["image"],
                own.as_str(),
                "Post {i}'s image is its own photo"
            );
        }
    }
    assert!(items(&server, "/news/feed.json")["Post 50"].0);
    // the root's feed shows each entry as its folder's does
    let root = items(&server, "/feed.json");
    for (title, (shows, _)) in &blog {
        assert_eq!(root[title].0, *shows, "{title}");
    }

    // a newer post with the banner, and one without: no older entry changes
    write(&server.path("blog/8.txt"), post(8, true).as_bytes());
    write(&server.path("blog/9.txt"), post(9, false).as_bytes());
    server.wait_until("the new posts", |titles| {
        titles.iter().any(|t| t == "Post 8") && titles.iter().any(|t| t == "Post 9")
    });
    let after = items(&server, "/blog/feed.json");
    for (title, (shows, item)) in &blog {
        assert_eq!(&after[title], &(*shows, item.clone()), "{title} changed");
    }
    assert!(
        !after["Post 8"].0,
        "the new post leads with the site's picture: left out"
    );
    assert!(!after["Post 9"].0);
}

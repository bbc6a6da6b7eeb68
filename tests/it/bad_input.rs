//! Whatever lands in the folder, the feed stays valid and complete and the bad file is named
//! with a reason.

use std::fs;
use std::os::unix::fs::symlink;
use std::process::Command;

use crate::support::{Server, config_text, seed, write};
use crate::validity::{atom_problems, rss_problems};

const GOOD_TITLE: &str = "Good seed";

fn good() -> String {
    seed(
        GOOD_TITLE,
        "https://x.example/world/good",
        1_600_000_000_000,
        "<p>fine</p>",
    )
}

/// A file to drop into the folder, and what must come of it.
struct Hostile {
    name: &'static str,
    bytes: Vec<u8>,
    /// The entry title it becomes, if it is a usable seed.
    title: Option<&'static str>,
    /// Part of the rejection reason, if it is not.
    reason: Option<&'static str>,
}

fn hostile(
    name: &'static str,
    bytes: impl Into<Vec<u8>>,
    title: Option<&'static str>,
    reason: Option<&'static str>,
) -> Hostile {
    Hostile {
        name,
        bytes: bytes.into(),
        title,
        reason,
    }
}

/// A seed in a legacy encoding, as Chinese archives hold them.
fn encoded(title: &str, link: &str, encoding: &'static encoding_rs::Encoding) -> Vec<u8> {
    let text = seed(
        title,
        link,
        1_450_000_000_000,
        "<p>中国国家航天局宣布，首辆火星漫游车被命名为祝融号。在南京举行的中国航天日启动仪式上，\
         国家航天局称，经全球征名、专家评审、网络投票等层层遴选，最终祝融号脱颖而出。</p>",
    );
    let traditional = text
        .replace("国家航天局", "國家航天局")
        .replace("层层", "層層");
    let source = if encoding == encoding_rs::BIG5 {
        &traditional
    } else {
        &text
    };
    encoding.encode(source).0.into_owned()
}

fn hostile_files() -> Vec<Hostile> {
    let mut truncated_gbk = encoded("截断", "https://x.example/cut", encoding_rs::GBK);
    truncated_gbk.push(0x81);
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(
        seed(
            "UTF-16 seed",
            "https://x.example/u16",
            1_300_000_000_000,
            "<p>x</p>",
        )
        .encode_utf16()
        .flat_map(u16::to_le_bytes),
    );
    let mut huge = seed("Huge", "https://x.example/huge", 1, "").into_bytes();
    huge.extend(std::iter::repeat_n(b'x', 20 * 1024 * 1024));
    vec![
        hostile("empty.txt", Vec::new(), None, Some("empty file")),
        hostile(
            "garbage.bin",
            (0..=255u8).cycle().take(5000).collect::<Vec<u8>>(),
            None,
            Some("binary data"),
        ),
        hostile(
            "latin1.txt",
            b"[caf\xe9](https://x.example/cafe)\n------\n\n<p>\xe9</p>\n".to_vec(),
            None,
            Some("not UTF-8"),
        ),
        hostile("huge.txt", huge, None, Some("more than max_file_bytes")),
        hostile(
            "gbk.txt",
            encoded(
                "火星车命名为祝融号",
                "https://x.example/gbk",
                encoding_rs::GBK,
            ),
            Some("火星车命名为祝融号"),
            None,
        ),
        hostile(
            "gb18030.txt",
            encoded(
                "首辆火星漫游车",
                "https://x.example/gb18030",
                encoding_rs::GB18030,
            ),
            Some("首辆火星漫游车"),
            None,
        ),
        hostile(
            "big5.txt",
            encoded(
                "火星車命名為祝融號",
                "https://x.example/big5",
                encoding_rs::BIG5,
            ),
            Some("火星車命名為祝融號"),
            None,
        ),
        hostile("truncated-gbk.txt", truncated_gbk, None, Some("not UTF-8")),
        hostile("utf16.txt", utf16, Some("UTF-16 seed"), None),
        hostile(
            "header-only.txt",
            b"<!--1600000000000-->\n[Header only](https://x.example/h)\n------\n".to_vec(),
            Some("Header only"),
            None,
        ),
        hostile(
            "body-only.txt",
            b"<p>a body without any header</p>\n".to_vec(),
            None,
            Some("no ------ line"),
        ),
        hostile(
            "script.txt",
            seed(
                "Script and CDATA",
                "https://x.example/s",
                1_500_000_000_000,
                "<script>alert(1)</script><p>]]> x</p>",
            )
            .into_bytes(),
            Some("Script and CDATA"),
            None,
        ),
        hostile(
            "control.txt",
            seed(
                "Con\u{1}trol\u{7} chars\u{1b}",
                "https://x.example/c",
                1_400_000_000_000,
                "<p>\u{0b}x</p>",
            )
            .into_bytes(),
            Some("Control chars"),
            None,
        ),
        hostile(
            "relative.txt",
            seed("Relative", "/not/absolute", 1, "<p>x</p>").into_bytes(),
            None,
            Some("absolute http(s) URL"),
        ),
    ]
}

#[test]
fn hostile_seeds_never_break_the_feed() {
    let server = Server::with_files(&[("good.txt", good())], 50);
    let mut want: Vec<&str> = vec![GOOD_TITLE];
    for Hostile {
        name, bytes, title, ..
    } in hostile_files()
    {
        write(&server.path(name), &bytes);
        if let Some(title) = title {
            want.push(title);
        }
        // A marker written after the hostile file shows it has been processed.
        let marker = format!("marker-{name}");
        write(
            &server.path(&marker),
            seed(
                &marker,
                &format!("https://x.example/{marker}"),
                1,
                "<p>m</p>",
            )
            .as_bytes(),
        );
        server.wait_until(name, |titles| titles.contains(&marker));
        let titles = server.titles("/rss.xml");
        for title in &want {
            assert!(
                titles.iter().any(|t| t == title),
                "{name}: {title} missing from {titles:?}"
            );
        }
        assert_eq!(
            rss_problems(&server.get("/rss.xml").body),
            Vec::<String>::new(),
            "{name}"
        );
        assert_eq!(
            atom_problems(&server.get("/atom.xml").body),
            Vec::<String>::new(),
            "{name}"
        );
    }
    let rss = server.get("/rss.xml").text();
    assert!(!rss.contains("<script") && !rss.contains("alert(1)"));
}

#[test]
fn check_names_every_rejected_seed_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let seeds = dir.path().join("seeds");
    write(&seeds.join("good.txt"), good().as_bytes());
    for Hostile { name, bytes, .. } in hostile_files() {
        write(&seeds.join(name), &bytes);
    }
    let config = dir.path().join("config.toml");
    fs::write(&config, config_text(&seeds, 50)).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_seedfeed"))
        .args(["check", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    for Hostile { name, reason, .. } in hostile_files() {
        let Some(reason) = reason else { continue };
        let line = stdout
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("{name} not reported:\n{stdout}"));
        assert!(
            line.starts_with("rejected ") && line.contains(reason),
            "{line}"
        );
        assert!(
            stderr.contains("seed rejected") && stderr.contains(name),
            "log line for {name}"
        );
    }
    assert!(
        stdout
            .lines()
            .last()
            .unwrap()
            .contains("8 entries, 7 rejected"),
        "{stdout}"
    );
}

#[test]
fn directories_symlinks_and_vanishing_files_are_handled() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.txt");
    write(
        &secret,
        seed("Outside secret", "https://x.example/secret", 1, "<p>s</p>").as_bytes(),
    );

    let server = Server::with_files(&[("good.txt", good())], 50);
    fs::create_dir(server.path("dir-named-like.txt")).unwrap();
    symlink(server.path("good.txt"), server.path("link-inside.txt")).unwrap();
    symlink(&secret, server.path("link-outside.txt")).unwrap();
    symlink(server.path("missing.txt"), server.path("dangling.txt")).unwrap();
    symlink(server.path("."), server.path("loop")).unwrap();
    for i in 0..50 {
        let path = server.path(&format!("flash-{i}.txt"));
        write(
            &path,
            seed(
                "Flash",
                &format!("https://x.example/flash{i}"),
                1,
                "<p>f</p>",
            )
            .as_bytes(),
        );
        fs::remove_file(&path).unwrap();
    }
    write(
        &server.path("marker.txt"),
        seed("Marker", "https://x.example/marker", 1, "").as_bytes(),
    );
    // Events are applied in order: once the marker shows, every earlier change was seen.
    server.wait_until("marker", |t| t.contains(&"Marker".to_string()));
    let titles = server.titles("/rss.xml");
    assert_eq!(
        titles,
        [GOOD_TITLE, "Marker"],
        "the inside link duplicates good.txt; nothing else is served"
    );
    assert_eq!(
        rss_problems(&server.get("/rss.xml").body),
        Vec::<String>::new()
    );
}

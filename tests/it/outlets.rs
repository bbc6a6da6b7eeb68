//! Outlet rules as a reader sees them: every corpus entry's time read in its outlet's zone,
//! never after the archive fetched it, and a config's `[outlets.*]` table taking effect.

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Utc};

use crate::support::{CORPUS, Server, config_text};

/// The link a seed's header gives (`[title](link)` before the `------` line), as written.
fn link_of(seed: &str) -> String {
    let header = seed.split("\n------").next().unwrap();
    let (_, link) = header.rsplit_once("](").unwrap();
    link.trim_end().trim_end_matches(')').to_string()
}

/// Every corpus seed's link and newest fetch time (its `<!--epoch-->`), by link.
fn fetch_times() -> HashMap<String, DateTime<Utc>> {
    let mut times = HashMap::new();
    for folder in ["2020", "2021", "modern"] {
        for file in std::fs::read_dir(Path::new(CORPUS).join(folder)).unwrap() {
            let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
            let Some(epoch) = text
                .strip_prefix("<!--")
                .and_then(|t| t.split_once("-->"))
                .and_then(|(ms, _)| ms.parse::<i64>().ok())
            else {
                continue;
            };
            let link = link_of(&text);
            // Seeds sharing a link are several fetches of one article: the newest is served.
            let time = DateTime::from_timestamp_millis(epoch).unwrap();
            let newest = times.entry(link.to_string()).or_insert(time);
            *newest = (*newest).max(time);
        }
    }
    times
}

#[test]
fn no_corpus_entry_is_published_after_the_archive_fetched_it() {
    let server = Server::serving(Path::new(CORPUS), 1000);
    let fetched = fetch_times();
    let feed = server.feed("/atom.xml");
    assert!(feed.entries.len() > 450, "{}", feed.entries.len());
    let mut checked = 0;
    for entry in &feed.entries {
        let link = &entry.links[0].href;
        let Some(fetched) = fetched.get(link.as_str()).or_else(|| {
            // The served link is normalised (e.g. `//` in the path); match by the id then.
            fetched
                .iter()
                .find(|(l, _)| url::Url::parse(l).is_ok_and(|u| u.as_str() == link))
                .map(|(_, t)| t)
        }) else {
            continue;
        };
        let published = entry.published.expect("published");
        assert!(
            published <= *fetched,
            "{link}: published {published} after the fetch at {fetched}"
        );
        checked += 1;
    }
    assert!(
        checked > 450,
        "only {checked} entries matched a corpus seed"
    );
}

/// The entry served for the seed `file` (relative to the corpus), as feed-rs reads it.
fn published_of(server: &Server, file: &str) -> DateTime<Utc> {
    let text = std::fs::read_to_string(Path::new(CORPUS).join(file)).unwrap();
    let link = url::Url::parse(&link_of(&text)).unwrap().to_string();
    let feed = server.feed("/atom.xml");
    feed.entries
        .iter()
        .find(|e| e.id == link)
        .unwrap_or_else(|| panic!("{file}: no entry {link}"))
        .published
        .expect("published")
}

#[test]
fn each_outlet_s_stated_times_are_read_in_its_own_zone() {
    let server = Server::serving(Path::new(CORPUS), 1000);
    // (seed, what its lead states, the instant that means)
    let cases = [
        // Reuters: `2020-07-17T00:23:25`, UTC without the Z
        ("2020/060_d0920b148aab30fc.txt", "2020-07-17T00:23:25Z"),
        // RFI: `09/07/2020 - 13:26`, Paris summer time (UTC+2)
        ("2020/095_2564725e17eec75d.txt", "2020-07-09T11:26:00Z"),
        // VOA: `Thu, 09 Jul 2020 20:53:26 GMT`
        ("2020/135_082986170b2ece08.txt", "2020-07-09T20:53:26Z"),
        // DW: `2020-07-12T10:32:44.372Z` (whole seconds in the feed)
        ("2020/170_ffd53efe115a8bbe.txt", "2020-07-12T10:32:44Z"),
    ];
    for (file, want) in cases {
        let want: DateTime<Utc> = want.parse().unwrap();
        assert_eq!(published_of(&server, file), want, "{file}");
    }
}

#[test]
fn titles_and_summaries_read_as_the_article_not_the_outlet() {
    let server = Server::serving(Path::new(CORPUS), 1000);
    let feed = server.feed("/atom.xml");
    let rfi: Vec<_> = feed
        .entries
        .iter()
        .filter(|e| e.id.contains("rfi.fr"))
        .map(|e| e.title.as_ref().unwrap().content.clone())
        .collect();
    assert!(rfi.len() > 40, "{}", rfi.len());
    for title in &rfi {
        assert!(
            !title.contains("RFI") && !title.contains("法国国际广播电台"),
            "{title}"
        );
    }
    // The archive's `[World] …` labels (BBC 2021, RTI) are cut; the section they name is a
    // category.
    let labelled: Vec<_> = feed
        .entries
        .iter()
        .filter(|e| e.title.as_ref().unwrap().content.starts_with('['))
        .map(|e| &e.id)
        .collect();
    assert!(labelled.is_empty(), "{labelled:?}");
    let atr = feed
        .entries
        .iter()
        .find(|e| e.id.ends_with("/world-57746922"))
        .expect("the BBC entry labelled [World]");
    assert_eq!(
        atr.title.as_ref().unwrap().content,
        "美国在台协会公布新任处长 拜登政府重新布局东亚外交官员"
    );
    let terms: Vec<&str> = atr.categories.iter().map(|c| c.term.as_str()).collect();
    assert_eq!(terms, ["国际", "BBC中文"]);
    // `特朗\u{200b}\u{200b}普` in a VOA body: no visible space inside the name
    for entry in &feed.entries {
        let summary = entry.summary.as_ref().map_or("", |s| s.content.as_str());
        assert!(!summary.contains("特朗 普"), "{}: {summary}", entry.id);
        // The article's own opening, not a byline, credit or note about it.
        for not_opening in [
            "作者 ",
            "作者：",
            "文/",
            "图像来源",
            "图片来源",
            "CDT编辑注",
            "致编辑：",
        ] {
            assert!(!summary.starts_with(not_opening), "{}: {summary}", entry.id);
        }
        let bracketed = summary.starts_with('（') && summary.ends_with('）');
        assert!(!bracketed, "{}: {summary}", entry.id);
    }
}

#[test]
fn categories_are_the_outlet_and_a_real_section_never_url_noise() {
    let server = Server::serving(Path::new(CORPUS), 1000);
    let outlets = seedfeed::config::builtin_outlets();
    let feed = server.feed("/rss.xml");
    let noise = [
        "zh", "cn", "article", "story", "mandarin", "chinese", "zhongwen", "a", "simp",
    ];
    let mut sections = std::collections::BTreeSet::new();
    for entry in &feed.entries {
        let terms: Vec<&str> = entry.categories.iter().map(|c| c.term.as_str()).collect();
        let host = url::Url::parse(&entry.links[0].href).unwrap();
        let outlet = outlets
            .for_host(host.host_str().unwrap())
            .expect("a known outlet");
        assert_eq!(terms.last(), Some(&outlet.name.as_str()), "{}", entry.id);
        assert!(terms.len() <= 2, "{}: {terms:?}", entry.id);
        for term in &terms {
            assert!(!noise.contains(term), "{}: {terms:?}", entry.id);
        }
        if terms.len() == 2 {
            sections.insert(terms[0].to_string());
        }
    }
    // Real sections where the links have them: NYT's, RFI's, RFA's…
    for section in ["中国", "观点与评论", "港澳台", "港台"] {
        assert!(sections.contains(section), "{section} not in {sections:?}");
    }
}

#[test]
fn every_byline_the_body_states_is_an_author_and_only_names_are() {
    let server = Server::serving(Path::new(CORPUS), 1000);
    let feed = server.feed("/atom.xml");
    let authors_of = |host: &str| -> Vec<(String, Vec<String>)> {
        feed.entries
            .iter()
            .filter(|e| e.id.contains(host))
            .map(|e| {
                (
                    e.id.clone(),
                    e.authors.iter().filter_map(|a| a.name.clone()).collect(),
                )
            })
            .collect()
    };
    // RFA signs every article off (`记者：NAME`, `自由亚洲电台记者NAME台北报导`); Reuters'
    // 2020 articles all end `编译 NAME；审校 …` or `记者 NAME` or `发稿 NAME`.
    for (id, names) in authors_of("rfa.org") {
        assert!(!names.is_empty(), "{id}");
    }
    let in_2020: Vec<String> = std::fs::read_dir(Path::new(CORPUS).join("2020"))
        .unwrap()
        .map(|f| link_of(&std::fs::read_to_string(f.unwrap().path()).unwrap()))
        .collect();
    let reuters_2020: Vec<_> = authors_of("cn.reuters.com")
        .into_iter()
        .filter(|(id, _)| in_2020.contains(id))
        .collect();
    assert!(reuters_2020.len() >= 30, "{}", reuters_2020.len());
    for (id, names) in reuters_2020 {
        assert!(!names.is_empty(), "{id}");
    }
    // BBC: the 2021 byline list and the 2020 correspondent crosshead.
    for (id_end, want) in [
        ("/world-53427977", "安东尼泽克尔（Anthony Zurcher）"),
        ("/chinese-news-57281238", "白麦克（Michael Bristow）"),
    ] {
        let names: Vec<_> = feed
            .entries
            .iter()
            .find(|e| e.id.ends_with(id_end))
            .unwrap_or_else(|| panic!("no entry {id_end}"))
            .authors
            .iter()
            .filter_map(|a| a.name.as_deref())
            .collect();
        assert_eq!(names, [want], "{id_end}");
    }
    // Nothing but names: no placeholders, roles, labels, places or sentences.
    for entry in &feed.entries {
        for author in &entry.authors {
            let name = author.name.as_deref().unwrap_or_default();
            assert!(
                name.chars().count() <= 40 && !name.contains(['。', '“', '”']),
                "{}: author {name:?}",
                entry.id
            );
            for bad in [
                "null", "综合", "记者", "摘编", "责编", "审校", "报道", "报导", "：", "台北",
            ] {
                assert!(!name.contains(bad), "{}: author {name:?}", entry.id);
            }
        }
    }
}

#[test]
fn a_config_outlet_table_changes_how_its_seeds_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let seeds = dir.path().join("seeds");
    std::fs::create_dir(&seeds).unwrap();
    let reuters = "2020/060_d0920b148aab30fc.txt";
    std::fs::copy(Path::new(CORPUS).join(reuters), seeds.join("reuters.txt")).unwrap();
    // Read as Beijing time, the lead's 00:23:25 is 16:23:25 UTC the day before.
    let config = format!(
        "{}[outlets.reuters]\ntimezone = \"Asia/Shanghai\"\n",
        config_text(&seeds, 10)
    );
    let server = Server::start(&seeds, &config);
    let feed = server.feed("/atom.xml");
    let want: DateTime<Utc> = "2020-07-16T16:23:25Z".parse().unwrap();
    assert_eq!(feed.entries[0].published, Some(want));
}

/// Publisher furniture named in the issue, as a reader would spot it in an article.
const FURNITURE: &[&str] = &[
    "点击此处订阅",
    "get_post_time",
    "Feed enhanced by",
    "del.icio.us",
    "我们的标准",
    "Image caption",
    "图片版权",
    "你的器材不支持播放多媒体材料",
    ">广告<",
    "icon-zoom",
    "告知：第三方内容",
    // the NYT's and BBC's lists of other articles
    ">相关报道<",
    ">相关报道：<",
];

#[test]
fn no_article_carries_publisher_furniture() {
    let server = Server::serving(Path::new(CORPUS), 1000);
    let feed: serde_json::Value = serde_json::from_slice(&server.get("/feed.json").body).unwrap();
    let items = feed["items"].as_array().unwrap();
    assert!(items.len() > 450);
    let empty_link = regex::Regex::new(r"<a [^>]*>\s*</a>").unwrap();
    let raw_link_text = regex::Regex::new(r"<a [^>]*>(https?://[^<]*)</a>").unwrap();
    let image_tag = regex::Regex::new(r"<img\b[^>]*>").unwrap();
    for item in items {
        let content = item["content_html"].as_str().unwrap_or_default();
        let url = item["url"].as_str().unwrap();
        for marker in FURNITURE {
            assert!(!content.contains(marker), "{url}: {marker}");
        }
        assert!(!empty_link.is_match(content), "{url}: an empty link");
        // Embeds are links to the page they show, under words, with entities decoded once.
        for link_text in raw_link_text.captures_iter(content) {
            let text = &link_text[1];
            assert!(
                !text.contains("/embed") && !text.contains("/plugins/"),
                "{url}: a raw embed URL as link text: {text}"
            );
        }
        assert!(
            !content.contains("&amp;amp;"),
            "{url}: entities escaped twice"
        );
        // Every image shows something, and none is furniture.
        for img in image_tag.find_iter(content) {
            assert!(
                img.as_str().contains(" src=\"http"),
                "{url}: {}",
                img.as_str()
            );
        }
        let attachments = item["attachments"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        for attachment in attachments {
            let address = attachment["url"].as_str().unwrap();
            let name = address.rsplit('/').next().unwrap().to_ascii_lowercase();
            for furniture in ["icon", "emoji", "spacer", "blank.gif", "pixel"] {
                assert!(!name.contains(furniture), "{url}: attachment {address}");
            }
        }
    }
}

/// The same seeds laid out as the real archive stores them (`articles/<outlet>/<file>.md`)
/// serve the same entries as the flat corpus: the folder layout changes nothing.
#[test]
fn the_per_outlet_archive_layout_serves_the_same_entries() {
    let flat = Server::serving(Path::new(CORPUS), 1000);
    let archive = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/archive-sample/articles");
    let by_outlet = Server::serving(&archive, 1000);
    let ids = |server: &Server| {
        let mut ids: Vec<String> = server
            .feed("/atom.xml")
            .entries
            .into_iter()
            .map(|e| e.id)
            .collect();
        ids.sort();
        ids
    };
    // The sample also holds 20 more seeds of each small outlet, beyond the corpus.
    let from_corpus = ids(&flat);
    let from_archive: Vec<String> = ids(&by_outlet)
        .into_iter()
        .filter(|id| from_corpus.contains(id))
        .collect();
    assert!(from_archive.len() > 450, "{}", from_archive.len());
    assert_eq!(from_archive, from_corpus);
}

/// The whole archive sample, every outlet's folder, as a subscriber reads it (issue #19): the
/// reviews' findings, each a check that failed before its rule.
mod every_folder {
    use super::*;

    const ARCHIVE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/archive-sample/articles");

    /// Text each outlet's furniture shows, never article text.
    const FURNITURE: &[(&str, &[&str])] = &[
        (
            "nyt",
            &[
                "top10-in-article",
                "免费下载 纽约时报中文网",
                "The New York Times Company",
                "欢迎阅读本期",
                "栏目新闻电邮",
            ],
        ),
        ("cna", &["延伸閱讀", "小百科", "看更多", "訂閱《早安世界》"]),
        ("zaobao", &["freemium_images", "subscribe.sph.com.sg"]),
        (
            "economist",
            &[
                "Listen on:",
                "Enjoy more audio and podcasts",
                "subscribe here",
            ],
        ),
        (
            "dw",
            &[
                "德国之声版权声明",
                "德国之声致力于为您提供客观中立的新闻报道",
                "Feed-URL:",
            ],
        ),
        ("ft", &["来自FT中文网的温馨提示"]),
        ("cdt", &["appeared first on", "CDT 档案卡", "请点击购买"]),
        (
            "voa",
            &["每星期一到四", "并不代表美国之音", "YouTube播放列表"],
        ),
        (
            "bbc",
            &["Skip podcast promotion", "的更多报道：", "grey_line"],
        ),
        ("rfa", &["external-link"]),
        ("rfi", &["© 2020 AFP", "revue-de-presse"]),
        ("solidot", &["liiLIZF8Uh6yM"]),
    ];

    /// (seed, the authors its body states).
    const BYLINES: &[(&str, &[&str])] = &[
        ("cna/nbw_d19279602dfa.md", &["張雄風"]),
        ("cna/nbw_8fa3208ce121.md", &["陳偉婷", "許秩維"]),
        ("epochtimes/157_e0e2a526fac04ff2.md", &["易如"]),
        ("rti/nbw_0e90d90985a0.md", &["王韋婷"]),
        ("economist/nbw_7efa30322904.md", &["Luke Leitch"]),
        ("ft/ft_1044801.md", &["何越"]),
        ("dw/176_c4fc515fa908ccbd.md", &["李澄欣", "邹宗翰"]),
        ("bbc/243_4d3974cbb77371b6.md", &["吕嘉鸿"]),
        ("nyt/081_5a2d1429d3d6abc5.md", &["荣筱箐"]),
        ("rfi/112_af1e12fe76945dd0.md", &["纪锦玲"]),
        // a byline closing one block, the text going on in the next (`这些…` is no name)
        ("bbc/241_cd807e9716445e75.md", &["乔·泰迪（Joe Tidy）"]),
        ("cna/145_2760d97314d6eb94.md", &["陳彥鈞"]),
        // the NYT's 2020 lead names its first author twice; the others close the article in
        // their bios (not `Julian E. Barnes对本文有报道贡献`, a contributor)
        ("nyt/002_7d4cfc402942bdb3.md", &["黄安伟", "孟建国"]),
        (
            "nyt/006_dd1c0fd6c6bcc6f5.md",
            &["ALAN FEUER", "Maggie Haberman"],
        ),
        ("nyt/036_9bc17fbd9f15af64.md", &["KEITH BRADSHER", "储百亮"]),
        // the lead's author's own bio adds nobody, nor does a photographer of a 2021 page
        ("nyt/016_b08a3b76cea7354f.md", &["DANIEL VICTOR"]),
        ("nyt/023_a74922dfcd13be9f.md", &["FERRIS JABR"]),
    ];

    fn items(server: &Server, folder: &str) -> Vec<serde_json::Value> {
        let response = server.get(&format!("/{folder}/feed.json"));
        assert_eq!(
            response.status,
            200,
            "/{folder}/feed.json: {}",
            response.text()
        );
        let feed: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
        feed["items"].as_array().cloned().unwrap_or_default()
    }

    #[test]
    fn no_folder_serves_its_outlet_s_furniture_promos_or_organisations_as_people() {
        let server = Server::serving(Path::new(ARCHIVE), 1000);
        for (folder, markers) in FURNITURE {
            let items = items(&server, folder);
            assert!(items.len() >= 20, "{folder}: {} entries", items.len());
            for item in &items {
                let url = item["url"].as_str().unwrap();
                let served = item.to_string();
                for marker in *markers {
                    assert!(!served.contains(marker), "{folder} {url}: {marker}");
                }
                for author in item["authors"].as_array().into_iter().flatten() {
                    let name = author["name"].as_str().unwrap_or_default();
                    for organisation in ["《纽约时报》", "德国之声中文网", "ARD"] {
                        assert_ne!(name, organisation, "{folder} {url}");
                    }
                }
            }
        }
        // RFI's column names are no part of a title.
        for item in items(&server, "rfi") {
            let title = item["title"].as_str().unwrap();
            assert!(
                !title.ends_with("公民论坛") && !title.ends_with("法国报纸摘要"),
                "{title}"
            );
        }
    }

    #[test]
    fn every_byline_the_bodies_state_is_served() {
        let server = Server::serving(Path::new(ARCHIVE), 1000);
        for (seed, want) in BYLINES {
            let text = std::fs::read_to_string(Path::new(ARCHIVE).join(seed)).unwrap();
            let link = link_of(&text);
            let folder = seed.split('/').next().unwrap();
            let item = items(&server, folder)
                .into_iter()
                .find(|item| item["url"] == link.as_str())
                .unwrap_or_else(|| panic!("{seed}: {link} not served"));
            let names: Vec<&str> = item["authors"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|a| a["name"].as_str())
                .collect();
            assert_eq!(names, *want, "{seed}");
        }
    }

    /// A summary is the article's opening: no dateline or bracketed byline (the feed carries
    /// both), no programme greeting, no book listing, no teaser's `......more`.
    #[test]
    fn summaries_are_the_article_s_text() {
        let server = Server::serving(Path::new(ARCHIVE), 1000);
        let mut checked = 0;
        for (folder, _) in FURNITURE {
            for item in items(&server, folder) {
                let summary = item["summary"].as_str().unwrap_or_default();
                let url = item["url"].as_str().unwrap_or_default();
                let starts = [
                    "【",
                    "（中央社",
                    "(中央社",
                    "（德国之声中文网）",
                    "路透上海",
                    "路透北京",
                    "大家好",
                    "观众朋友",
                    "•",
                ];
                assert!(
                    !starts.iter().any(|s| summary.starts_with(s)),
                    "{folder} {url}: {summary}"
                );
                assert!(!summary.ends_with("more"), "{folder} {url}: {summary}");
                assert!(!summary.contains(" pages; $"), "{folder} {url}: {summary}");
                checked += 1;
            }
        }
        assert!(checked > 500, "{checked}");
        // CNA's opening sits around a glossary term, not in a <p>
        let cna = items(&server, "cna");
        let opening = cna
            .iter()
            .find(|i| i["url"] == "https://www.cna.com.tw/news/firstnews/202011230005.aspx")
            .unwrap();
        let summary = opening["summary"].as_str().unwrap();
        assert!(
            summary.starts_with("美國政府今天宣布正式退出「"),
            "{summary}"
        );
    }

    /// BBC pages show a day and `3 小时前` ("3 hours ago"): the entry is published that long
    /// before the archive saved the page.
    #[test]
    fn a_day_shown_as_hours_ago_is_that_long_before_the_fetch() {
        let server = Server::serving(Path::new(ARCHIVE), 1000);
        let served: HashMap<String, String> = items(&server, "bbc")
            .iter()
            .map(|i| {
                (
                    i["url"].as_str().unwrap().to_string(),
                    i["date_published"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let mut checked = 0;
        for file in std::fs::read_dir(Path::new(ARCHIVE).join("bbc")).unwrap() {
            let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
            let Some(ago) = text
                .split("</time>")
                .next()
                .and_then(|t| t.rsplit_once('>'))
                .map(|(_, ago)| ago.to_string())
            else {
                continue;
            };
            let Some(amount) = ago
                .strip_suffix(" 小时前")
                .map(|n| (n, 3600))
                .or_else(|| ago.strip_suffix(" 分钟前").map(|n| (n, 60)))
            else {
                continue;
            };
            let epoch: i64 = text[4..text.find("-->").unwrap()].parse().unwrap();
            let seconds = amount.0.parse::<i64>().unwrap() * amount.1;
            let want = DateTime::from_timestamp(epoch / 1000 - seconds, 0).unwrap();
            let published = &served[&link_of(&text)];
            assert_eq!(
                DateTime::parse_from_rfc3339(published).unwrap(),
                want,
                "{ago}"
            );
            checked += 1;
        }
        assert!(checked >= 10, "{checked}");
    }

    /// A picture's caption says something about it (not `。`, `1`, `image` or a file name);
    /// titles carry no programme code; CNA's closing filing code is gone, its editor kept.
    #[test]
    fn captions_titles_and_closing_lines_read_as_written_for_readers() {
        let server = Server::serving(Path::new(ARCHIVE), 1000);
        let mut captions = 0;
        for (folder, _) in FURNITURE {
            for item in items(&server, folder) {
                let url = item["url"].as_str().unwrap_or_default();
                let title = item["title"].as_str().unwrap_or_default();
                assert!(
                    !title.ends_with("-2") || !title.contains(" - 2007"),
                    "{url}: {title}"
                );
                for attachment in item["attachments"].as_array().into_iter().flatten() {
                    let Some(caption) = attachment["title"].as_str() else {
                        continue;
                    };
                    let junk = ["。", "1", "image", "Image"].contains(&caption)
                        || caption.ends_with(".jpg")
                        || caption.ends_with(".jpeg");
                    assert!(!junk, "{folder} {url}: caption {caption:?}");
                    captions += 1;
                }
            }
        }
        assert!(captions > 200, "{captions}");
        let cna = items(&server, "cna");
        let closing = cna
            .iter()
            .map(|i| i["content_html"].as_str().unwrap_or_default())
            .filter(|c| c.contains("（編輯："))
            .count();
        assert!(closing >= 20, "CNA's editors kept: {closing}");
        for item in &cna {
            let html = item["content_html"].as_str().unwrap_or_default();
            let code = html.split("（編輯：").skip(1).any(|after| {
                let rest = after.split_once('）').map_or("", |(_, r)| r);
                rest.chars().take(7).all(|c| c.is_ascii_digit()) && rest.len() >= 7
            });
            assert!(!code, "{}: a filing code left", item["url"]);
        }
    }

    /// CNA and RTI write Traditional Chinese for Taiwan, the Economist English: their folders'
    /// feeds are in that language, and so is each of their entries in the root's Chinese feed.
    #[test]
    fn each_outlet_s_entries_are_in_its_language() {
        let server = Server::serving(Path::new(ARCHIVE), 1000);
        for (folder, language) in [("cna", "zh-TW"), ("rti", "zh-TW"), ("economist", "en")] {
            let feed = server.feed(&format!("/{folder}/atom.xml"));
            assert_eq!(feed.language.as_deref(), Some(language), "{folder}");
            for item in items(&server, folder) {
                assert_eq!(item["language"], language, "{folder} {}", item["url"]);
            }
        }
        let root: serde_json::Value =
            serde_json::from_slice(&server.get("/feed.json?limit=500").body).unwrap();
        for item in root["items"].as_array().unwrap() {
            let url = item["url"].as_str().unwrap();
            let want = if url.contains("cna.com.tw") || url.contains("rti.org.tw") {
                Some("zh-TW")
            } else if url.contains("economist.com") {
                Some("en")
            } else {
                None
            };
            assert_eq!(item["language"].as_str(), want, "{url}");
        }
        assert_eq!(
            server.feed("/nyt/atom.xml").language.as_deref(),
            Some("zh-CN")
        );
    }

    /// Embedded players are links to what they play, in the article's language; links go where
    /// they say, without the archive subscriber's tracking.
    #[test]
    fn embeds_and_links_lead_where_they_say() {
        let server = Server::serving(Path::new(ARCHIVE), 1000);
        let content = |folder: &str| -> Vec<String> {
            items(&server, folder)
                .iter()
                .map(|item| {
                    item["content_html"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string()
                })
                .collect()
        };
        let economist = content("economist");
        assert!(economist.iter().all(|c| !c.contains("嵌入内容")));
        assert!(economist.iter().any(|c| c.contains(">Acast podcast: ")));
        let cna_videos: usize = content("cna")
            .iter()
            .map(|c| c.matches("href=\"https://www.youtube.com/watch?v=").count())
            .sum();
        assert!(cna_videos >= 3, "CNA's lazily loaded players: {cna_videos}");
        for folder in FURNITURE.iter().map(|(folder, _)| *folder) {
            for html in content(folder) {
                assert!(!html.contains(">youtube iframe<"), "{folder}: {html}");
                let hrefs = html
                    .split("href=\"")
                    .skip(1)
                    .filter_map(|h| h.split('"').next());
                for href in hrefs {
                    for wrong in [
                        "comhttp",
                        "user_id=",
                        "emc=edit",
                        "utm_source",
                        "ref_src=",
                        "api.dw.com",
                    ] {
                        assert!(!href.contains(wrong), "{folder}: {wrong} in {href}");
                    }
                }
            }
        }
    }

    /// Readers are shown a section's name (港台, 观点与评论, Middle East & Africa), never the
    /// link's pinyin or English slug; its feed keeps the slug's URL and shows the name.
    #[test]
    fn sections_are_shown_by_their_names_at_their_slugs_urls() {
        let server = Server::serving(Path::new(ARCHIVE), 1000);
        let mut shown = std::collections::BTreeSet::new();
        for folder in [
            "nyt",
            "rfa",
            "zaobao",
            "cna",
            "bbc",
            "rfi",
            "rti",
            "economist",
        ] {
            let feed = server.feed(&format!("/{folder}/atom.xml"));
            for entry in &feed.entries {
                let [section, _outlet] = entry.categories.as_slice() else {
                    continue;
                };
                let term = section.term.as_str();
                let slug_like = term
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c == '_');
                assert!(!slug_like, "{folder} {}: section {term}", entry.id);
                shown.insert(term.to_string());
            }
        }
        for name in [
            "港台",
            "经贸",
            "观点与评论",
            "商业与经济",
            "中国",
            "Middle East & Africa",
        ] {
            assert!(shown.contains(name), "{name} not in {shown:?}");
        }
        let feed = server.feed("/sections/gangtai/atom.xml");
        let title = feed.title.map(|t| t.content).unwrap_or_default();
        assert!(title.starts_with("港台 · "), "{title}");
        assert!(feed.entries.len() >= 10, "{}", feed.entries.len());
        for entry in &feed.entries {
            assert_eq!(entry.categories[0].term, "港台", "{}", entry.id);
        }
        let filtered = server.feed("/rfa/atom.xml?section=gangtai");
        assert_eq!(filtered.entries.len(), feed.entries.len());
    }

    /// (folder, the outlet's zone, the day its link names, as the link writes it).
    fn link_day(folder: &str, link: &str) -> Option<(chrono_tz::Tz, chrono::NaiveDate)> {
        let (zone, marker, digits): (chrono_tz::Tz, &str, usize) = match folder {
            "nyt" => (chrono_tz::Asia::Shanghai, "cn.nytimes.com/", 8),
            "zaobao" => (chrono_tz::Asia::Singapore, "/story", 8),
            "cna" => (chrono_tz::Asia::Taipei, "/news/", 8),
            _ => return None,
        };
        let after = &link[link.find(marker)? + marker.len()..];
        // nyt: `section/20210416/slug`, cna: `firstnews/202105070364.aspx`
        let after = after.split('/').find(|part| {
            part.len() >= digits && part[..digits].bytes().all(|b| b.is_ascii_digit())
        })?;
        let day = chrono::NaiveDate::parse_from_str(&after[..digits], "%Y%m%d").ok()?;
        Some((zone, day))
    }

    #[test]
    fn no_entry_is_dated_after_the_day_its_link_names() {
        let server = Server::serving(Path::new(ARCHIVE), 1000);
        let mut checked = 0;
        for folder in ["nyt", "zaobao", "cna"] {
            for item in items(&server, folder) {
                let url = item["url"].as_str().unwrap();
                let Some((zone, day)) = link_day(folder, url) else {
                    continue;
                };
                let published: DateTime<Utc> =
                    item["date_published"].as_str().unwrap().parse().unwrap();
                let local = published.with_timezone(&zone).date_naive();
                assert!(
                    local <= day,
                    "{url}: published {published}, on {local} in {zone}"
                );
                checked += 1;
            }
        }
        assert!(checked > 70, "{checked}");
    }

    #[test]
    fn a_republished_article_keeps_its_first_day_and_a_day_reads_as_that_day_everywhere() {
        let server = Server::serving(Path::new(ARCHIVE), 1000);
        let item = |seed: &str| {
            let text = std::fs::read_to_string(Path::new(ARCHIVE).join(seed)).unwrap();
            let (folder, link) = (seed.split('/').next().unwrap(), link_of(&text));
            items(&server, folder)
                .into_iter()
                .find(|item| item["url"] == link.as_str())
                .unwrap_or_else(|| panic!("{seed}: {link} not served"))
        };
        let date = |item: &serde_json::Value, field: &str| -> DateTime<Utc> {
            item[field].as_str().unwrap().parse().unwrap()
        };
        // `<time pudate="2021-04-23 07:22:31">2021年4月16日</time>` at `/20210416/`, fetched
        // on the 26th: published on the 16th, updated when fetched (after the republication)
        let nyt = item("nyt/025_f348d62ef8ae68cd.md");
        let day = |text: &str| text.parse::<chrono::NaiveDate>().unwrap();
        let beijing = chrono_tz::Asia::Shanghai;
        assert_eq!(
            date(&nyt, "date_published")
                .with_timezone(&beijing)
                .date_naive(),
            day("2021-04-16")
        );
        assert_eq!(
            date(&nyt, "date_modified"),
            "2021-04-26T03:07:01Z".parse::<DateTime<Utc>>().unwrap()
        );
        // `<time dateTime="2020-08-26T00:00:00Z">Aug 26th 2020</time>`, fetched at 00:09 on the
        // 27th in London: the 26th in London, New York and Beijing alike
        let economist = date(&item("economist/152_91036da427799f0c.md"), "date_published");
        for zone in [
            chrono_tz::Europe::London,
            chrono_tz::America::New_York,
            beijing,
        ] {
            assert_eq!(
                economist.with_timezone(&zone).date_naive(),
                day("2020-08-26"),
                "{zone}"
            );
        }
    }
}

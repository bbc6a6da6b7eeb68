use super::*;
use crate::urls::entry_hash;

fn at(hour: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(hour * 3600, 0).unwrap()
}

fn entry(link: &str, published_hour: i64) -> Key {
    Key {
        id: link.into(),
        published: at(published_hour),
        updated: at(published_hour),
        fetched: None,
        title: format!("title of {link}").into(),
        section: None,
        authors: Some(Arc::from(Vec::new())),
        site: SiteParts::default(),
    }
}

fn stamp(modified: DateTime<Utc>) -> Stamp {
    Stamp {
        size: 1,
        modified,
        inode: 1,
    }
}

/// A store holding a seed at each of `paths`, each with its own link, all of one date.
fn filed(paths: &[&str]) -> Store {
    let mut s = Store::new();
    for (i, name) in paths.iter().enumerate() {
        s.upsert(
            Path::new(name),
            entry(&format!("https://x/{i}"), 1),
            stamp(at(0)),
        );
    }
    s
}

/// The seed at `path` as the store takes it to be shown.
fn seed_at(store: &Store, path: &Path) -> Seed {
    store.seed(store.entry(store.rows.find(path).expect("filed")))
}

fn links(store: &Store) -> Vec<String> {
    store
        .newest_of(&Scope::All, None)
        .map(|e| e.id().to_string())
        .collect()
}

fn newest_published(store: &Store) -> DateTime<Utc> {
    store
        .newest_of(&Scope::All, None)
        .next()
        .unwrap()
        .published()
}

fn links_in(store: &Store, folder: &str) -> Vec<String> {
    store
        .newest_of(&Scope::Folder(folder.into()), None)
        .map(|e| e.id().to_string())
        .collect()
}

#[test]
fn each_top_level_folder_has_its_own_order_of_the_entries_it_wins() {
    let mut store = Store::with_folders(Path::new("/s"));
    let put = |store: &mut Store, path: &str, link: &str, hour: i64| {
        store.upsert(Path::new(path), entry(link, hour), stamp(at(hour)));
    };
    put(&mut store, "/s/top.txt", "t", 1);
    put(&mut store, "/s/a/2020/1.txt", "a1", 2);
    put(&mut store, "/s/a/2.txt", "a2", 3);
    put(&mut store, "/s/b/1.txt", "b1", 4);
    assert_eq!(store.folders().collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(links_in(&store, "a"), ["a2", "a1"]);
    assert_eq!(links_in(&store, "b"), ["b1"]);
    assert_eq!(store.folder_of(Path::new("/s/top.txt")), None);
    assert_eq!(store.folder_of(Path::new("/elsewhere/a/x")), None);
    // The same link in b, fetched later, wins: a no longer shows it.
    let mut later = entry("a2", 3);
    later.fetched = Some(at(9));
    store.upsert(Path::new("/s/b/copy.txt"), later, stamp(at(3)));
    assert_eq!(links_in(&store, "a"), ["a1"]);
    assert_eq!(links_in(&store, "b"), ["b1", "a2"]);
    // A folder whose last entry goes is no longer a folder with entries.
    store.remove(Path::new("/s/b/1.txt"));
    store.remove(Path::new("/s/b/copy.txt"));
    assert_eq!(store.folders().collect::<Vec<_>>(), ["a"]);
    assert_eq!(links_in(&store, "a"), ["a2", "a1"], "a's copy wins again");
    assert!(links_in(&store, "b").is_empty());
    assert_eq!(links(&store), ["a2", "a1", "t"]);
}

#[test]
fn order_is_newest_first_then_id() {
    let mut s = Store::new();
    s.upsert(Path::new("/s/a"), entry("https://x/a", 1), stamp(at(0)));
    s.upsert(Path::new("/s/c"), entry("https://x/c", 2), stamp(at(0)));
    s.upsert(Path::new("/s/b"), entry("https://x/b", 2), stamp(at(0)));
    assert_eq!(links(&s), ["https://x/b", "https://x/c", "https://x/a"]);
    s.upsert(Path::new("/s/a"), entry("https://x/a", 3), stamp(at(1)));
    assert_eq!(links(&s), ["https://x/a", "https://x/b", "https://x/c"]);
    assert!(s.remove(Path::new("/s/b")));
    assert_eq!(links(&s), ["https://x/a", "https://x/c"]);
    assert!(!s.remove(Path::new("/s/b")));
}

#[test]
fn newer_file_wins_a_shared_link() {
    let mut s = Store::new();
    assert!(s.is_empty());
    assert_eq!(
        s.upsert(
            Path::new("/s/old"),
            entry("https://x/same", 1),
            stamp(at(1))
        ),
        None
    );
    let dup = s
        .upsert(
            Path::new("/s/new"),
            entry("https://x/same", 5),
            stamp(at(2)),
        )
        .unwrap();
    assert_eq!(
        (dup.winner.as_path(), dup.loser.as_path()),
        (Path::new("/s/new"), Path::new("/s/old"))
    );
    assert_eq!(s.len(), 1);
    assert!(!s.is_empty());
    assert_eq!(newest_published(&s), at(5));
    // an older file arriving later still loses
    let dup = s
        .upsert(
            Path::new("/s/older"),
            entry("https://x/same", 9),
            stamp(at(0)),
        )
        .unwrap();
    assert_eq!(dup.loser, Path::new("/s/older"));
    assert_eq!(newest_published(&s), at(5));
    // the winner goes: the next newest file takes over
    s.remove(Path::new("/s/new"));
    assert_eq!(newest_published(&s), at(1));
    s.remove(Path::new("/s/old"));
    s.remove(Path::new("/s/older"));
    assert!(s.is_empty());
}

#[test]
fn the_newest_fetch_wins_a_shared_link_whatever_the_mtimes_and_names() {
    let fetched = |hour: i64, published_hour: i64| Key {
        fetched: Some(at(hour)),
        ..entry("https://x/live", published_hour)
    };
    let mut s = Store::new();
    // same mtime (a fresh clone), and the newest fetch sorts first by name
    s.upsert(Path::new("/s/a"), fetched(30, 30), stamp(at(100)));
    s.upsert(Path::new("/s/b"), fetched(10, 10), stamp(at(100)));
    s.upsert(Path::new("/s/c"), fetched(20, 20), stamp(at(100)));
    assert_eq!(newest_published(&s), at(30));
    // a newer mtime does not beat a newer fetch
    let dup = s
        .upsert(Path::new("/s/d"), fetched(25, 25), stamp(at(200)))
        .unwrap();
    assert_eq!(
        (dup.winner.as_path(), dup.loser.as_path()),
        (Path::new("/s/a"), Path::new("/s/d"))
    );
    // a seed stating no fetch time loses to those that do
    s.upsert(
        Path::new("/s/e"),
        entry("https://x/live", 99),
        stamp(at(300)),
    );
    assert_eq!(newest_published(&s), at(30));
    // the newest fetch goes: the next newest takes over
    s.remove(Path::new("/s/a"));
    assert_eq!(newest_published(&s), at(25));
    assert_eq!(s.len(), 1);
}

#[test]
fn rejection_replaces_the_entry() {
    let mut s = Store::new();
    s.upsert(Path::new("/s/a"), entry("https://x/a", 1), stamp(at(0)));
    s.reject(Path::new("/s/a"), "broken".into());
    assert!(s.is_empty());
    assert_eq!(s.rejection(Path::new("/s/a")), Some("broken"));
    s.upsert(Path::new("/s/a"), entry("https://x/a", 1), stamp(at(0)));
    assert_eq!(s.rejected().len(), 0);
    assert_eq!(s.paths_under(Path::new("/s")), [PathBuf::from("/s/a")]);
    assert!(s.paths_under(Path::new("/t")).is_empty());
}

#[test]
fn a_walk_keeps_what_it_found_below_its_folder_and_nothing_else_there() {
    let mut s = filed(&[
        "/s/a/x",
        "/s/a/y/z",
        "/s/a-b",
        "/s/b",
        "/s/a/gone",
        "/s/a/y/gone",
    ]);
    s.reject(Path::new("/s/a/bad"), "broken".into());
    s.reject(Path::new("/s/a/bad-gone"), "broken".into());
    s.reject(Path::new("/s/c"), "broken".into());
    let present = ["/s/a/x", "/s/a/y/z", "/s/a/bad", "/s/a/new"].map(PathBuf::from);
    s.keep_only(Path::new("/s/a"), present.iter().map(PathBuf::as_path));
    assert_eq!(
        s.paths_under(Path::new("/s")),
        ["/s/a/bad", "/s/a/x", "/s/a/y/z", "/s/a-b", "/s/b", "/s/c"].map(PathBuf::from)
    );
    assert_eq!(links(&s).len(), 4);
}

#[test]
fn paths_under_a_folder_are_its_descendants_only() {
    let mut s = filed(&[
        "/s/a", "/s/a-b", "/s/a.txt", "/s/a/x", "/s/a/y/z", "/s/ab", "/s/b",
    ]);
    s.reject(Path::new("/s/a/bad"), "broken".into());
    let under = |dir: &str| -> Vec<PathBuf> { s.paths_under(Path::new(dir)) };
    assert_eq!(
        under("/s/a"),
        ["/s/a", "/s/a/bad", "/s/a/x", "/s/a/y/z"].map(PathBuf::from)
    );
    assert_eq!(under("/s/a/"), under("/s/a"));
    assert_eq!(under("/s/a/y"), [PathBuf::from("/s/a/y/z")]);
    assert_eq!(under("/s").len(), 8);
    assert!(under("/s/c").is_empty());
}

fn by(link: &str, hour: i64, authors: Option<&[&str]>, section: Option<&str>) -> Key {
    Key {
        authors: authors.map(|a| a.iter().map(|s| s.to_string()).collect()),
        section: section.map(|term| Section::named(term.into(), None)),
        ..entry(link, hour)
    }
}

fn scope_links(store: &Store, scope: &Scope) -> Vec<String> {
    store
        .newest_of(scope, None)
        .map(|e| e.id().to_string())
        .collect()
}

#[test]
fn authors_and_sections_hold_the_entries_they_win_and_go_with_the_last() {
    let mut store = Store::with_folders(Path::new("/s"));
    let amy = Scope::Author("amy-qin".into());
    let world = Scope::Section("world".into());
    store.upsert(
        Path::new("/s/a/1"),
        by("x1", 1, Some(&["Amy Qin", "Li Yuan"]), Some("World")),
        stamp(at(1)),
    );
    store.upsert(
        Path::new("/s/a/2"),
        by("x2", 2, Some(&["AMY QIN"]), None),
        stamp(at(2)),
    );
    // Authors not read yet: in no author's feed, and counted as unread.
    store.upsert(Path::new("/s/a/3"), by("x3", 3, None, None), stamp(at(3)));
    assert_eq!(scope_links(&store, &amy), ["x2", "x1"]);
    assert_eq!(store.facet(&amy).unwrap().name, "Amy Qin");
    assert!(!store.facet(&amy).unwrap().is_empty());
    assert!(Facet::default().is_empty());
    assert_eq!(scope_links(&store, &world), ["x1"]);
    // Each author of an entry written by two has it.
    assert_eq!(
        scope_links(&store, &Scope::Author("li-yuan".into())),
        ["x1"]
    );
    assert_eq!(store.authors_unread(), 1);
    assert_eq!(
        store.seeds_without_authors(10),
        [(PathBuf::from("/s/a/3"), stamp(at(3)))]
    );
    // A read for an older version of the file is not taken.
    store.set_authors(Path::new("/s/a/3"), stamp(at(9)), vec!["Amy Qin".into()]);
    assert_eq!(store.authors_unread(), 1);
    store.set_authors(Path::new("/s/a/3"), stamp(at(3)), vec!["Amy Qin".into()]);
    assert_eq!(store.authors_unread(), 0);
    assert_eq!(scope_links(&store, &amy), ["x3", "x2", "x1"]);
    let top = store.top(FacetKind::Author, 1);
    assert_eq!(top.len(), 1);
    assert_eq!((top[0].0, top[0].1.len()), ("amy-qin", 3));
    // A duplicate that loses is in no feed; the winner moves the entry.
    store.upsert(
        Path::new("/s/b/1"),
        Key {
            fetched: Some(at(50)),
            ..by("x1", 1, Some(&["Li Yuan"]), None)
        },
        stamp(at(50)),
    );
    assert_eq!(scope_links(&store, &amy), ["x3", "x2"]);
    assert_eq!(scope_links(&store, &world), Vec::<String>::new());
    assert!(store.facet(&world).is_none(), "an empty section is gone");
    for path in ["/s/a/2", "/s/a/3"] {
        store.remove(Path::new(path));
    }
    assert!(store.facet(&amy).is_none());
    assert_eq!(
        scope_links(&store, &Scope::Author("li-yuan".into())),
        ["x1"]
    );
}

#[test]
fn months_and_their_entries_come_from_range_lookups() {
    let mut store = Store::with_folders(Path::new("/s"));
    let day = |d: i64| d * 24;
    // 2020-01-31, 2020-02-01 00:00, 2020-03-15, and 1970 for the edge of time.
    for (name, hour) in [
        ("a", day(18_292)),
        ("b", day(18_293)),
        ("c", day(18_336)),
        ("d", 0),
    ] {
        store.upsert(
            Path::new(&format!("/s/f/{name}")),
            entry(name, hour),
            stamp(at(hour)),
        );
    }
    let folder = Scope::Folder("f".into());
    let months: Vec<String> = store
        .months(&folder)
        .iter()
        .map(|m| m.to_string())
        .collect();
    assert_eq!(months, ["2020-03", "2020-02", "2020-01", "1970-01"]);
    let feb = Month::parse("2020-02").unwrap();
    let in_feb: Vec<String> = store
        .in_month(&folder, feb)
        .map(|e| e.id().to_string())
        .collect();
    assert_eq!(in_feb, ["b"], "the first instant of a month is in it");
    let jan = Month::parse("2020-01").unwrap();
    let in_jan: Vec<String> = store
        .in_month(&Scope::All, jan)
        .map(|e| e.id().to_string())
        .collect();
    assert_eq!(in_jan, ["a"]);
    assert_eq!(
        store.months(&Scope::Folder("none".into())),
        Vec::<Month>::new()
    );
    let before_feb: Vec<String> = store
        .newest_of(&folder, feb.start())
        .map(|e| e.id().to_string())
        .collect();
    assert_eq!(before_feb, ["a", "d"]);
}

#[test]
fn an_entry_is_found_by_its_hash_while_it_is_served() {
    let mut store = Store::with_folders(Path::new("/s"));
    store.upsert(Path::new("/s/f/a"), entry("https://x/a", 5), stamp(at(5)));
    store.upsert(Path::new("/s/f/b"), entry("https://x/b", 5), stamp(at(5)));
    let hash = entry_hash("https://x/b");
    assert!(store.entry_by_hash(hash).unwrap().id().is("https://x/b"));
    assert!(store.entry_by_hash(hash ^ 1).is_none());
    store.remove(Path::new("/s/f/b"));
    assert!(store.entry_by_hash(hash).is_none());
}

#[test]
fn the_journal_names_each_feed_and_month_a_change_touched_once_it_is_kept() {
    let mut store = Store::with_folders(Path::new("/s"));
    store.upsert(
        Path::new("/s/f/a"),
        by("a", 5, Some(&["Amy"]), Some("world")),
        stamp(at(5)),
    );
    assert!(store.take_journal().is_empty(), "off until asked for");
    store.keep_journal();
    store.remove(Path::new("/s/f/a"));
    let month = Month::of(at(5));
    let touched: Vec<(Scope, Month)> = store.take_journal();
    assert_eq!(
        touched,
        [
            (Scope::All, month),
            (Scope::Folder("f".into()), month),
            (Scope::Author("amy".into()), month),
            (Scope::Section("world".into()), month),
        ]
    );
    assert!(store.take_journal().is_empty());
}

#[test]
fn every_change_to_what_a_feed_lists_touches_that_feed_and_the_root() {
    let mut store = Store::with_folders(Path::new("/s"));
    let touched = |store: &mut Store, root: bool, folders: &[&str]| {
        let expected = TouchedFeeds {
            root,
            folders: folders.iter().map(|f| f.to_string()).collect(),
        };
        assert_eq!(store.take_touched_feeds(), expected);
    };
    store.upsert(Path::new("/s/f/a"), entry("https://x/a", 5), stamp(at(5)));
    let unread = by("https://x/b", 6, None, None);
    store.upsert(Path::new("/s/g/b"), unread, stamp(at(6)));
    touched(&mut store, true, &["f", "g"]);
    touched(&mut store, false, &[]);
    // A seed straight in the seeds folder is the root's only.
    store.upsert(Path::new("/s/top"), entry("https://x/t", 7), stamp(at(7)));
    touched(&mut store, true, &[]);
    // A new version of a listed seed, even with the same key.
    store.upsert(Path::new("/s/f/a"), entry("https://x/a", 5), stamp(at(8)));
    touched(&mut store, true, &["f"]);
    // A duplicate that loses, then wins by a later fetch: the winner's folder both times.
    store.upsert(Path::new("/s/g/a"), entry("https://x/a", 5), stamp(at(1)));
    touched(&mut store, true, &["f"]);
    let mut newer = entry("https://x/a", 5);
    newer.fetched = Some(at(9));
    store.upsert(Path::new("/s/g/a"), newer, stamp(at(9)));
    touched(&mut store, true, &["f", "g"]);
    // Authors read later change the listed key.
    store.set_authors(Path::new("/s/g/b"), stamp(at(6)), vec!["Amy".into()]);
    touched(&mut store, true, &["g"]);
    store.remove(Path::new("/s/g/b"));
    touched(&mut store, true, &["g"]);
    // Something that lists nothing touches nothing.
    store.reject(Path::new("/s/f/bad"), "bad".into());
    store.remove(Path::new("/s/nothing"));
    touched(&mut store, false, &[]);
}

/// An image leading 5 of the 20 entries published before one in its folder is the site's
/// for that entry; older entries are never judged by newer ones; folders apart.
#[test]
fn a_lead_image_seen_before_in_its_folder_is_the_site_s() {
    let mut store = Store::with_folders(Path::new("/s"));
    let graphic = 42;
    let put = |store: &mut Store, name: &str, hour: i64, lead: u32| {
        let key = Key {
            site: SiteParts {
                lead_image: lead,
                closing: 7,
                ..SiteParts::default()
            },
            ..entry(&format!("https://x.example/{name}"), hour)
        };
        let path = PathBuf::from(format!("/s/{name}"));
        store.upsert(&path, key.clone(), stamp(at(hour)));
        (path, key)
    };
    // the site graphic leads every other entry of folder a, and one entry of folder b
    let mut a = Vec::new();
    for hour in 0..16 {
        let lead = if hour % 2 == 0 {
            graphic
        } else {
            100 + hour as u32
        };
        a.push(put(&mut store, &format!("a/{hour}"), hour, lead));
    }
    let b = put(&mut store, "b/0", 20, graphic);
    let judged =
        |store: &Store, (path, _): &(PathBuf, Key)| seed_at(store, path).1.site.image_is_site;
    let verdicts: Vec<bool> = a.iter().map(|seed| judged(&store, seed)).collect();
    // entries 0, 2, 4, 6, 8 have 0..4 graphics before them; 10, 12, 14 have 5, 6, 7
    let want: Vec<bool> = (0..16).map(|h| h % 2 == 0 && h >= 10).collect();
    assert_eq!(verdicts, want);
    assert!(!judged(&store, &b), "another folder's count");
    // a newer seed changes no older verdict
    put(&mut store, "a/99", 99, graphic);
    let again: Vec<bool> = a.iter().map(|seed| judged(&store, seed)).collect();
    assert_eq!(again, want);
    let site = seed_at(&store, &a[10].0).1.site;
    assert!(site.image_is_site && site.closing_is_site, "{site:?}");
    let site = seed_at(&store, &a[4].0).1.site;
    assert!(
        !site.image_is_site && !site.closing_is_site,
        "4 before: {site:?}"
    );
}

#[test]
fn authors_read_in_a_batch_give_the_orders_known_authors_give() {
    let unread = |link: &str, hour: i64| Key {
        authors: None,
        ..entry(link, hour)
    };
    let names = |i: i64| -> Vec<String> {
        let mut names = vec!["Amy Qin".to_string()];
        if i % 3 == 0 {
            names.push("Li Yuan".into());
        }
        names
    };
    let (mut read, mut known) = (Store::new(), Store::new());
    // Dates with ties (i / 2), so ids decide too; Amy already has entries before the batch.
    for i in 0..40 {
        let path = PathBuf::from(format!("/s/{i}"));
        let link = format!("https://x/{:02}", (i * 7) % 40);
        if i < 10 {
            read.upsert(
                &path,
                Key {
                    authors: Some(names(i).into()),
                    ..entry(&link, i / 2)
                },
                stamp(at(i)),
            );
        } else {
            read.upsert(&path, unread(&link, i / 2), stamp(at(i)));
        }
        known.upsert(
            &path,
            Key {
                authors: Some(names(i).into()),
                ..entry(&link, i / 2)
            },
            stamp(at(i)),
        );
    }
    let batch = (10..40)
        .map(|i| (PathBuf::from(format!("/s/{i}")), stamp(at(i)), names(i)))
        .collect();
    read.set_authors_of(batch);
    assert_eq!(read.authors_unread(), 0);
    for author in ["amy-qin", "li-yuan"] {
        let scope = Scope::Author(author.into());
        assert_eq!(
            scope_links(&read, &scope),
            scope_links(&known, &scope),
            "{author}"
        );
    }
    assert_eq!(links(&read), links(&known));
}

/// Every order a reader can ask for, as links: the root's, each folder's, author's and
/// section's (with its name), and the folders, authors and sections listed.
fn every_order(store: &Store) -> Vec<(String, Vec<String>)> {
    let of = |scope: &Scope| -> Vec<String> {
        store
            .newest_of(scope, None)
            .map(|e| e.id().to_string())
            .collect()
    };
    let mut orders = vec![("all".to_string(), of(&Scope::All))];
    for folder in store.folders() {
        orders.push((
            format!("folder {folder}"),
            of(&Scope::Folder(folder.into())),
        ));
    }
    for (kind, scope) in [
        (FacetKind::Author, Scope::Author as fn(String) -> Scope),
        (FacetKind::Section, Scope::Section),
    ] {
        for (slug, facet) in store.top(kind, usize::MAX) {
            let label = format!("{kind:?} {slug} named {}", facet.name);
            orders.push((label, of(&scope(slug.to_string()))));
        }
    }
    orders
}

#[test]
fn a_gathered_batch_leaves_every_order_as_the_same_changes_made_one_by_one() {
    let keyed = |link: &str, hour: i64, author: &str, section: &str| Key {
        authors: Some(Arc::from(vec![author.to_string()])),
        section: Some(Section {
            term: section.into(),
            name: section.to_uppercase().into(),
        }),
        ..entry(link, hour)
    };
    let path = |i: u64| format!("/s/{}/{i}.txt", ["a", "b", "c"][(i % 3) as usize]);
    let filled = || {
        let mut store = Store::with_folders(Path::new("/s"));
        for i in 0..300u64 {
            let author = format!("w{}", i % 7);
            let key = keyed(&format!("l{i}"), (i % 40) as i64, &author, "s");
            store.upsert(Path::new(&path(i)), key, stamp(at(0)));
        }
        store
    };
    let (mut one_by_one, mut gathered) = (filled(), filled());
    assert_eq!(every_order(&gathered), every_order(&one_by_one));

    // A batch: new seeds, removed ones, a seed's date, author and section changed, a second
    // file with a link already served (the newer file wins it), a seed added then removed,
    // and a seed changed twice.
    let batch = |store: &mut Store| {
        for i in 300..420u64 {
            let key = keyed(
                &format!("l{i}"),
                (i % 50) as i64,
                &format!("w{}", i % 9),
                "n",
            );
            store.upsert(Path::new(&path(i)), key, stamp(at(0)));
        }
        for i in (0..300u64).step_by(7) {
            store.remove(Path::new(&path(i)));
        }
        for i in (1..300u64).step_by(11) {
            let key = keyed(&format!("l{i}"), 60 + (i % 5) as i64, "moved", "m");
            store.upsert(Path::new(&path(i)), key, stamp(at(1)));
        }
        for i in (2..300u64).step_by(13) {
            let key = keyed(&format!("l{i}"), 3, "copy", "s");
            store.upsert(Path::new(&format!("/s/d/{i}.txt")), key, stamp(at(5)));
        }
        store.upsert(
            Path::new("/s/e/brief.txt"),
            keyed("brief", 9, "x", "y"),
            stamp(at(0)),
        );
        store.remove(Path::new("/s/e/brief.txt"));
        for hour in [70, 2] {
            store.upsert(
                Path::new(&path(5)),
                keyed("l5", hour, "w1", "t"),
                stamp(at(hour)),
            );
        }
    };
    batch(&mut one_by_one);
    gathered.gather();
    batch(&mut gathered);
    gathered.settle();
    let orders = every_order(&gathered);
    assert_eq!(orders, every_order(&one_by_one));
    assert!(orders.iter().any(|(name, _)| name.contains("moved")));
    assert!(!orders.iter().any(|(name, _)| name.contains("Author x")));
}

#[test]
fn link_heads_and_authors_are_kept_once_and_go_with_the_last_row_holding_them() {
    let mut store = Store::with_folders(Path::new("/s"));
    let files = [
        (
            "/s/a/1",
            "https://a.com/1",
            Some(&["Amy Qin", "Li Yuan"][..]),
        ),
        ("/s/a/2", "https://a.com/2", Some(&["Amy Qin"][..])),
        ("/s/b/1", "https://b.org/x/1", None),
    ];
    for (hour, (path, link, authors)) in files.into_iter().enumerate() {
        store.upsert(
            Path::new(path),
            by(link, hour as i64, authors, None),
            stamp(at(0)),
        );
    }
    store.set_authors(Path::new("/s/b/1"), stamp(at(0)), vec!["Li Yuan".into()]);
    // Two heads, two names.
    assert_eq!(store.rows.shared_strings(), 4);
    assert_eq!(
        links(&store),
        ["https://b.org/x/1", "https://a.com/2", "https://a.com/1"]
    );
    assert_eq!(
        scope_links(&store, &Scope::Author("li-yuan".into())),
        ["https://b.org/x/1", "https://a.com/1"]
    );
    store.remove(Path::new("/s/a/1"));
    assert_eq!(store.rows.shared_strings(), 4);
    store.remove(Path::new("/s/b/1"));
    // Li Yuan and b.org went with the last rows holding them.
    assert_eq!(store.rows.shared_strings(), 2);
    store.remove(Path::new("/s/a/2"));
    assert_eq!(store.rows.shared_strings(), 0);
}

#[test]
fn tidying_after_the_authors_read_keeps_every_row_s_strings() {
    let mut store = Store::with_folders(Path::new("/s"));
    let path = |i: usize| PathBuf::from(format!("/s/f{}/{i}.md", i % 7));
    let link = |i: usize| format!("https://h{}.example/{i}/{}", i % 3, "x".repeat(i % 200));
    for i in 0..20_000 {
        store.upsert(&path(i), by(&link(i), i as i64, None, None), stamp(at(0)));
    }
    let read = (0..20_000)
        .map(|i| (path(i), stamp(at(0)), vec![format!("Author {}", i % 50)]))
        .collect();
    store.set_authors_of(read);
    let mut rounds = 0;
    while store.tidy(1) {
        rounds += 1;
        assert!(rounds < 1000, "tidying ends");
    }
    assert!(rounds > 0, "the read left chunks to tidy");
    assert!(!store.tidy(1));
    for i in 0..20_000 {
        let id = store.rows.find(&path(i)).expect("filed");
        let entry = store.entry(id);
        assert!(entry.id().is(&link(i)), "{i}");
        let authors: Vec<&str> = entry.authors().unwrap().collect();
        assert_eq!(authors, [format!("Author {}", i % 50)]);
    }
}

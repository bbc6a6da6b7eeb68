//! The URL space read back from what it writes: every document's path, for random feeds,
//! periods, formats and entries — names that look like the URL space's own words included.

use seedfeed::scope::{Month, Period, Scope};
use seedfeed::urls::{Format, Location, canonical_path};

use crate::support::Rng;

/// A name as folders, authors and sections have them: the URL space's own words, digits
/// that look like months and pages, escapes, other scripts, spaces.
fn name(rng: &mut Rng) -> String {
    const PARTS: &[&str] = &[
        "nyt",
        "authors",
        "sections",
        "archive",
        "entries",
        "2024-05",
        "2",
        "0123456789abcdef",
        "纽约时报",
        "%",
        "%2F",
        " ",
        "-",
        "a.b",
        "~",
        "rss.xml",
        "Amy Qin",
        "é",
        "?",
        "#",
    ];
    let name: String = (0..1 + rng.below(3))
        .map(|_| PARTS[rng.below(PARTS.len())])
        .collect();
    match name.as_str() {
        "." | ".." => "dot".into(),
        _ => name,
    }
}

fn location(rng: &mut Rng) -> Location {
    if rng.below(8) == 0 {
        return Location::Entry(rng.next());
    }
    let scope = match rng.below(4) {
        0 => Scope::All,
        1 => Scope::Folder(name(rng)),
        2 => Scope::Author(name(rng)),
        _ => Scope::Section(name(rng)),
    };
    let period = (rng.below(2) == 0).then(|| Period {
        month: Month {
            year: 1990 + rng.below(60) as i32,
            month: 1 + rng.below(12) as u32,
        },
        page: match rng.below(3) {
            0 => 2 + rng.below(200),
            _ => 1,
        },
    });
    let format = Format::ALL[rng.below(4)];
    Location::Feed {
        scope,
        period,
        format,
    }
}

#[test]
fn every_location_is_read_back_from_the_path_it_is_written_at() {
    for seed in 0..20_000 {
        let mut rng = Rng::new(seed);
        let location = location(&mut rng);
        let path = location.path();
        assert_eq!(Location::parse(&path), Some(location.clone()), "{path}");
        assert_eq!(canonical_path(&path).as_deref(), Some(path.as_str()));
        // Any escaping of it is the same document.
        let lower = path.replace("%E", "%e").replace("%2F", "%2f");
        assert_eq!(
            canonical_path(&lower).as_deref(),
            Some(path.as_str()),
            "{lower}"
        );
    }
}

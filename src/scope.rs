//! Which entries a feed holds: the root's (every seed), a top-level folder's, an author's, a
//! section's ([`Scope`]); the slugs that name authors and sections; the months (and pages of a
//! month) an archive is cut into. Where they are served is `urls.rs`, what they are called is
//! `catalog.rs`.

use chrono::{DateTime, Datelike, TimeZone, Utc};

/// Which entries a feed holds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Every seed.
    All,
    /// The seeds under one top-level folder.
    Folder(String),
    /// The entries an author (by slug, see [`slug`]) wrote.
    Author(String),
    /// The entries filed under a section (by slug).
    Section(String),
}

/// The stable URL name of an author or a section: lower case, letters and digits of any script
/// kept, every run of anything else one `-`. `""` when nothing is left (no feed then).
pub fn slug(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

/// A calendar month (UTC): the period of one archive document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    pub fn of(instant: DateTime<Utc>) -> Month {
        Month {
            year: instant.year(),
            month: instant.month(),
        }
    }

    /// `2024-05`, as in the archive's URL.
    pub fn parse(text: &str) -> Option<Month> {
        let (year, month) = text.split_once('-')?;
        let well_formed = year.len() == 4 && month.len() == 2;
        let month = Month {
            year: year.parse().ok().filter(|_| well_formed)?,
            month: month.parse().ok().filter(|m| (1..=12).contains(m))?,
        };
        month.start().map(|_| month)
    }

    /// Its first instant.
    pub fn start(self) -> Option<DateTime<Utc>> {
        Utc.with_ymd_and_hms(self.year, self.month, 1, 0, 0, 0)
            .single()
    }

    /// The first instant after it.
    pub fn end(self) -> Option<DateTime<Utc>> {
        let (year, month) = match self.month {
            12 => (self.year.checked_add(1)?, 1),
            m => (self.year, m + 1),
        };
        Month { year, month }.start()
    }
}

/// One archive document: a month, or one page of a month with more entries than the feed's
/// limit (page 1 holds its newest). A change in a month moves entries between its pages only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub month: Month,
    pub page: usize,
}

impl Period {
    pub fn first(month: Month) -> Period {
        Period { month, page: 1 }
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.page {
            1 => write!(f, "{}", self.month),
            page => write!(f, "{}, page {page}", self.month),
        }
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_months_are_written_one_way() {
        assert_eq!(slug("  Amy  QIN!! "), "amy-qin");
        assert_eq!(slug("中国 / 新闻"), "中国-新闻");
        assert_eq!(slug("ÉLAN"), "élan");
        assert_eq!(slug("--"), "");
        let may = Month {
            year: 2024,
            month: 5,
        };
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(Month::of(at("2024-05-31T23:59:59Z")), may);
        assert_eq!(Month::parse("2024-05"), Some(may));
        for bad in [
            "2024-5", "02024-05", "2024-00", "2024-13", "2024_05", "x-05",
        ] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
        assert_eq!(may.start(), Some(at("2024-05-01T00:00:00Z")));
        assert_eq!(may.end(), Some(at("2024-06-01T00:00:00Z")));
        let december = Month::parse("2023-12").unwrap();
        assert_eq!(december.end(), Some(at("2024-01-01T00:00:00Z")));
        assert_eq!(Month { year: 5, month: 1 }.to_string(), "0005-01");
        assert_eq!(Period::first(may).to_string(), "2024-05");
        assert_eq!(
            Period {
                month: may,
                page: 3
            }
            .to_string(),
            "2024-05, page 3"
        );
    }
}

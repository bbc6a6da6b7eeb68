//! Dates as seeds write them, each read to a UTC instant.
//!
//! Dates without an offset are wall-clock times in the outlet's zone (the NYT seeds write
//! Beijing time without saying so, Reuters UTC, RFI Paris time). A date without a time of
//! day is that calendar day, starting at midnight UTC, in any zone.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// A date the seed states, and whether it carried a time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stated {
    pub instant: DateTime<Utc>,
    pub date_only: bool,
}

/// Reads any of the date forms found in the corpus:
/// `2024-04-10 08:37:36`, `2020-07-17T00:23:25`, `2020-07-12T10:32:44.372Z`,
/// `Thu, 09 Jul 2020 20:53:26 GMT`, `09/07/2020 - 13:26`, `2020年 6月 29日`, `2021-05-06`.
pub fn parse(text: &str, zone: Tz) -> Option<Stated> {
    let text = text.trim();
    if text.is_empty() || text.len() > 64 {
        return None;
    }
    let stated = with_offset(text)
        .map(|instant| Stated {
            instant,
            date_only: false,
        })
        .or_else(|| {
            without_offset(text)
                .and_then(|naive| local(naive, zone))
                .map(|instant| Stated {
                    instant,
                    date_only: false,
                })
        })
        .or_else(|| {
            date_only(text).map(|d| Stated {
                instant: d.and_time(NaiveTime::MIN).and_utc(),
                date_only: true,
            })
        })?;
    plausible(stated.instant).then_some(stated)
}

/// Years a news article can carry; anything else is a parse accident. Keeping four-digit
/// years also keeps RFC 822 and RFC 3339 output valid.
pub fn plausible(instant: DateTime<Utc>) -> bool {
    use chrono::Datelike;
    (1970..=2999).contains(&instant.year())
}

fn with_offset(text: &str) -> Option<DateTime<Utc>> {
    let parsed: Option<DateTime<FixedOffset>> = DateTime::parse_from_rfc3339(text)
        .ok()
        .or_else(|| DateTime::parse_from_rfc2822(text).ok())
        .or_else(|| DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S %z").ok());
    parsed.map(|d| d.with_timezone(&Utc))
}

fn without_offset(text: &str) -> Option<NaiveDateTime> {
    const FORMATS: &[&str] = &[
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%d/%m/%Y - %H:%M",
        "%d/%m/%Y %H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
    ];
    FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
}

fn date_only(text: &str) -> Option<NaiveDate> {
    const FORMATS: &[&str] = &["%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y", "%Y.%m.%d"];
    if let Some(d) = FORMATS
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(text, f).ok())
    {
        return Some(d);
    }
    // `2020年 6月 29日`, `2024年4月10日`
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let (year, rest) = compact.split_once('年')?;
    let (month, rest) = rest.split_once('月')?;
    let day = rest.strip_suffix('日')?;
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
}

/// A wall-clock time in `zone`; in a DST gap the time an hour later, in an overlap the earlier.
fn local(naive: NaiveDateTime, zone: Tz) -> Option<DateTime<Utc>> {
    let resolved = zone.from_local_datetime(&naive).earliest().or_else(|| {
        zone.from_local_datetime(&(naive + chrono::Duration::hours(1)))
            .earliest()
    })?;
    Some(resolved.with_timezone(&Utc))
}

/// Whether `instant` falls on the day that starts at `midnight`.
pub fn same_day(midnight: DateTime<Utc>, instant: DateTime<Utc>) -> bool {
    instant >= midnight && instant < midnight + chrono::Duration::hours(24)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Shanghai;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn corpus_forms_read_to_utc() {
        let cases = [
            ("2024-04-10 08:37:36", "2024-04-10T00:37:36Z", false),
            ("2020-07-17T00:23:25", "2020-07-16T16:23:25Z", false),
            (
                "2020-07-12T10:32:44.372Z",
                "2020-07-12T10:32:44.372Z",
                false,
            ),
            (
                "Thu, 09 Jul 2020 20:53:26 GMT",
                "2020-07-09T20:53:26Z",
                false,
            ),
            (
                "Sat, 27 Jun 2020 13:30:55 +0000",
                "2020-06-27T13:30:55Z",
                false,
            ),
            ("09/07/2020 - 13:26", "2020-07-09T05:26:00Z", false),
            ("2020年 6月 29日", "2020-06-29T00:00:00Z", true),
            ("2021-05-06", "2021-05-06T00:00:00Z", true),
            ("2020-12-05T00:00:00Z", "2020-12-05T00:00:00Z", false),
        ];
        for (input, want, date_only) in cases {
            let got = parse(input, Shanghai).unwrap_or_else(|| panic!("{input:?} did not parse"));
            assert_eq!(got.instant, utc(want), "{input:?}");
            assert_eq!(got.date_only, date_only, "{input:?}");
        }
    }

    #[test]
    fn nonsense_is_not_a_date() {
        for input in [
            "",
            "10 分钟前",
            "Dec 5th 2020",
            "0000-01-01 00:00:00",
            "9999-99-99",
            "2020年13月1日",
        ] {
            assert_eq!(parse(input, Shanghai), None, "{input:?}");
        }
    }

    #[test]
    fn a_day_is_from_its_midnight_up_to_the_next() {
        let midnight = utc("2020-07-17T00:00:00Z");
        let second = chrono::Duration::seconds(1);
        let day = chrono::Duration::hours(24);
        assert!(same_day(midnight, midnight));
        assert!(same_day(midnight, midnight + day - second));
        assert!(!same_day(midnight, midnight + day));
        assert!(!same_day(midnight, midnight - second));
    }

    #[test]
    fn texts_longer_than_a_date_are_not_read() {
        // The 年月日 form drops inner white space, so padding keeps it a date: up to 64 bytes
        // it is read, past that it is not.
        let padded = |bytes: usize| {
            let core = "2020年6月29日";
            format!("2020年{}6月29日", " ".repeat(bytes - core.len()))
        };
        assert_eq!(padded(64).len(), 64);
        assert!(parse(&padded(64), Shanghai).is_some());
        assert_eq!(parse(&padded(65), Shanghai), None);
    }

    #[test]
    fn dst_gap_moves_forward() {
        let got = parse("2021-03-14 02:30:00", chrono_tz::America::New_York).unwrap();
        assert_eq!(got.instant, utc("2021-03-14T07:30:00Z"));
    }
}

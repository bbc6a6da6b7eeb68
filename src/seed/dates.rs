//! Dates as seeds write them, each read to a UTC instant.
//!
//! Dates without an offset are wall-clock times in the outlet's zone (the NYT seeds write
//! Beijing time without saying so, Reuters UTC, RFI Paris time). A date without a time of
//! day is that calendar day, served at noon UTC: the same calendar day from UTC−12 to UTC+11,
//! where midnight UTC is the evening before in the Americas.
//!
//! A link can name a day too (`/20210416/`, `story20210412-`, `/2020/12/05/`): [`in_link`].

use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc,
};
use chrono_tz::Tz;
use url::Url;

/// A date the seed states, and whether it carried a time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stated {
    pub instant: DateTime<Utc>,
    pub date_only: bool,
    /// A day the page showed as `3 小时前` ("3 hours ago", BBC): that long before the archive
    /// fetched it ([`ago`]), which says more than the day.
    pub ago: Option<TimeDelta>,
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
        .or_else(|| {
            without_offset(text)
                .and_then(|naive| local(naive, zone))
                .map(|instant| Stated {
                    instant,
                    date_only: false,
                    ago: None,
                })
        })
        .or_else(|| date_only(text).map(Stated::day))?;
    plausible(stated.instant).then_some(stated)
}

impl Stated {
    /// A calendar day, as an instant: see the module's note.
    pub fn day(day: NaiveDate) -> Stated {
        Stated {
            instant: day.and_time(NOON).and_utc(),
            date_only: true,
            ago: None,
        }
    }
}

const NOON: NaiveTime = NaiveTime::from_hms_opt(12, 0, 0).unwrap();

/// `2020-12-05T00:00:00Z` is how sites write a day (the Economist's `<time dateTime>`): an
/// article published at midnight UTC to the second is far rarer than a date-only field.
fn midnight_utc(instant: DateTime<Utc>) -> Option<NaiveDate> {
    (instant.time() == NaiveTime::MIN).then(|| instant.date_naive())
}

/// `3 小时前`, `28 分钟前` (the text of BBC's `<time datetime="2021-07-08">`): how long before
/// the page was saved it appeared.
pub fn ago(text: &str) -> Option<TimeDelta> {
    let text = text.trim().strip_suffix('前')?.trim_end();
    let (number, unit) = [("分钟", 60), ("分鐘", 60), ("小时", 3600), ("小時", 3600)]
        .iter()
        .find_map(|&(unit, seconds)| Some((text.strip_suffix(unit)?.trim_end(), seconds)))?;
    let count: i64 = number.parse().ok()?;
    // Pages say "N 小时前" up to a day or two; anything longer is no such page.
    Some(TimeDelta::seconds(count * unit))
        .filter(|ago| (0..=48 * 3600).contains(&ago.num_seconds()))
}

/// Years a news article can carry; anything else is a parse accident. Keeping four-digit
/// years also keeps RFC 822 and RFC 3339 output valid.
pub fn plausible(instant: DateTime<Utc>) -> bool {
    (1970..=2999).contains(&instant.year())
}

/// A date with its offset; midnight at offset zero is a day (see [`midnight_utc`]), midnight at
/// +08:00 a time.
fn with_offset(text: &str) -> Option<Stated> {
    let parsed: DateTime<FixedOffset> = DateTime::parse_from_rfc3339(text)
        .ok()
        .or_else(|| DateTime::parse_from_rfc2822(text).ok())
        .or_else(|| DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S %z").ok())?;
    let instant = parsed.with_timezone(&Utc);
    Some(match midnight_utc(instant) {
        Some(day) if parsed.offset().local_minus_utc() == 0 => Stated::day(day),
        _ => Stated {
            instant,
            date_only: false,
            ago: None,
        },
    })
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

/// Whether `instant` falls on `day` in `zone`: a day an outlet prints is its own calendar's.
pub fn on_day(day: NaiveDate, instant: DateTime<Utc>, zone: Tz) -> bool {
    instant.with_timezone(&zone).date_naive() == day
}

/// The day a link names, if it names exactly one: a run of digits that reads as `YYYYMMDD` or
/// `MMDDYYYY`, alone or followed by a 4-digit serial or a 6-digit time (NYT `/20210416/`,
/// Zaobao `story20210412-…`, CNA `/202105070364.aspx`, RFA `-07152020104912.html`, VOA
/// `-12242020/`), or three folders `YYYY/MM/DD` or `YY/M/D` (the Economist, Epoch Times).
/// Only the path counts; links naming two different days name none.
pub fn in_link(link: &Url) -> Option<NaiveDate> {
    let path = link.path();
    let mut days = digit_runs(path).filter_map(run_day).chain(folder_day(path));
    let first = days.next()?;
    days.all(|d| d == first).then_some(first)
}

/// Maximal runs of ASCII digits.
fn digit_runs(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|run| !run.is_empty())
}

fn run_day(run: &str) -> Option<NaiveDate> {
    if !matches!(run.len(), 8 | 12 | 14) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| run[range].parse::<u32>().ok();
    let ymd = || linked_day(number(0..4)?, number(4..6)?, number(6..8)?);
    let mdy = || linked_day(number(4..8)?, number(0..2)?, number(2..4)?);
    ymd().or_else(mdy)
}

fn folder_day(path: &str) -> Option<NaiveDate> {
    let folders: Vec<&str> = path.split('/').collect();
    folders.windows(3).find_map(|w| {
        let all_digits = w
            .iter()
            .all(|f| !f.is_empty() && f.len() <= 4 && f.bytes().all(|b| b.is_ascii_digit()));
        if !all_digits || w[1].len() > 2 || w[2].len() > 2 {
            return None;
        }
        let year: u32 = w[0].parse().ok()?;
        let year = match w[0].len() {
            4 => year,
            2 => 2000 + year,
            _ => return None,
        };
        linked_day(year, w[1].parse().ok()?, w[2].parse().ok()?)
    })
}

/// Years of the web's news archives: a number outside them is an id, not a date.
fn linked_day(year: u32, month: u32, day: u32) -> Option<NaiveDate> {
    if !(1995..=2099).contains(&year) {
        return None;
    }
    NaiveDate::from_ymd_opt(year as i32, month, day)
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
            ("2020年 6月 29日", "2020-06-29T12:00:00Z", true),
            ("2021-05-06", "2021-05-06T12:00:00Z", true),
            // a day written as midnight UTC; midnight at another offset is a time
            ("2020-12-05T00:00:00Z", "2020-12-05T12:00:00Z", true),
            ("2020-12-05T00:00:00+08:00", "2020-12-04T16:00:00Z", false),
            ("2020-12-05T00:00:01Z", "2020-12-05T00:00:01Z", false),
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
    fn a_day_is_the_outlets_calendar_day() {
        let day = NaiveDate::from_ymd_opt(2021, 4, 12).unwrap();
        let singapore = chrono_tz::Asia::Singapore;
        // 00:30 on the 13th in Singapore is still the 12th in UTC
        assert!(!on_day(day, utc("2021-04-12T16:30:00Z"), singapore));
        assert!(on_day(day, utc("2021-04-12T16:30:00Z"), chrono_tz::UTC));
        assert!(on_day(day, utc("2021-04-11T16:00:00Z"), singapore));
        assert!(on_day(day, utc("2021-04-12T15:59:59Z"), singapore));
        assert!(!on_day(day, utc("2021-04-11T15:59:59Z"), singapore));
    }

    #[test]
    fn links_name_their_day() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        let cases = [
            (
                "https://cn.nytimes.com/health/20210416/coronavirus-vaccines/",
                day(2021, 4, 16),
            ),
            (
                "https://www.zaobao.com/realtime/china/story20210412-1138869",
                day(2021, 4, 12),
            ),
            (
                "https://www.cna.com.tw/news/firstnews/202105070364.aspx",
                day(2021, 5, 7),
            ),
            (
                "https://www.rfa.org/mandarin/yataibaodao/gangtai/ql1-07212020062426.html",
                day(2020, 7, 21),
            ),
            (
                "https://www.voachinese.com/a/covid-19-part-1-12242020/5712310.html",
                day(2020, 12, 24),
            ),
            (
                "https://www.voachinese.com/a/china-economy-20200709/5496497.html",
                day(2020, 7, 9),
            ),
            (
                "https://www.economist.com/leaders/2020/12/05/does-it-matter",
                day(2020, 12, 5),
            ),
            (
                "https://www.epochtimes.com/gb/21/4/1/n12852711.htm",
                day(2021, 4, 1),
            ),
            (
                "http://www.rfi.fr//cn/%E4%B8%AD%E5%9B%BD/20200714-%E6%BD%98",
                day(2020, 7, 14),
            ),
            // ids, months, numbers that are no day, and two days that disagree
            ("https://www.bbc.com/zhongwen/simp/world-57007009", None),
            ("https://cn.ft.com/story/001088460?full=y", None),
            ("https://chinadigitaltimes.net/chinese/2020/07/slug/", None),
            ("https://www.rti.org.tw/news/view/id/2073206", None),
            ("https://www.solidot.org/story?sid=67591&d=20210412", None),
            ("https://example.com/a/20210230/", None),
            ("https://example.com/20210412/story20210413-1", None),
            ("https://example.com/20210412/2021/04/12/", day(2021, 4, 12)),
        ];
        for (link, want) in cases {
            assert_eq!(in_link(&Url::parse(link).unwrap()), want, "{link}");
        }
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

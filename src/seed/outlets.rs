//! Per-outlet knowledge as data: which link hosts belong to which outlet, and what the parser
//! should assume for it. The rows come from `src/outlets.toml` (embedded) and the config's
//! `[outlets.*]` tables, read by `config/outlets.rs`; this module only looks them up.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono_tz::Tz;
use regex::Regex;
use scraper::Selector;

/// One outlet's rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outlet {
    /// The table's name in `outlets.toml` (`nyt`, `rfi`, …).
    pub key: String,
    /// Display name.
    pub name: String,
    /// Lower-case hosts; each also matches its subdomains.
    pub hosts: Vec<String>,
    /// Zone for dates written without an offset; `None`: the configured default.
    pub timezone: Option<Tz>,
    /// The language its articles are written in (`zh-TW`, `en`), where that is not the
    /// feed's; `None`: the feed's.
    pub language: Option<String>,
    /// Endings of titles that name the outlet, not the article (`– 法国国际广播电台 - RFI`),
    /// white space already collapsed.
    pub title_suffixes: Vec<String>,
    /// Labels the archive put before titles (`[World] …`), cut; the first that matches.
    pub title_prefixes: Vec<TitlePrefix>,
    /// Which folder of the link's path names the section (0: the first), if any does.
    pub section_segment: Option<usize>,
    /// What readers are shown for a section the link or a title label names, by that name in
    /// lower case (`gangtai` → 港台); a section not listed is shown as named.
    pub sections: BTreeMap<String, Arc<str>>,
    /// Patterns over the body's text whose `names` group is a byline (RFA's closing
    /// `记者：NAME 责编：…`); the last match of the first pattern that matches is taken.
    pub byline_patterns: Vec<BylinePattern>,
    /// Patterns over the body's text whose every `names` match adds an author to a byline
    /// cut to its first name (the NYT's 2020 lead `A,A`; the others close the article in
    /// their bios).
    pub coauthor_patterns: Vec<BylinePattern>,
    /// Elements whose text is the byline (BBC's `<ul role="list"><li>NAME</li>…`).
    pub author_selectors: Vec<CssSelector>,
    /// Elements that are furniture, not article (Reuters' trust badge, RFI's ad slots).
    pub strip: Vec<CssSelector>,
    /// Text that marks a short block as furniture (the NYT's subscription blurb).
    pub strip_text: Vec<String>,
    /// Query parameters that only track a click, on links to this outlet's hosts (the NYT
    /// newsletters' `user_id`, `emc`).
    pub tracking_parameters: Vec<String>,
    /// Links to this outlet's hosts written another way before they are served (DW's data
    /// interface → the article's page).
    pub link_rewrites: Vec<LinkRewrite>,
    /// The outlet's table as read (built in and config merged), in TOML: any of its fields
    /// may change a seed's key, so the index cache is trusted only when this is unchanged.
    pub rules: String,
}

/// The lazy DFA's transition cache of each outlet pattern, per thread that runs it. regex's
/// default, 2 MiB, let the byline patterns (run over whole article texts, on every parsing
/// thread) hold 38 MB of caches at 100,000 seeds, a quarter of the heap (heaptrack); past the
/// bound the cache is cleared and refilled, which these short patterns barely notice.
const PATTERN_CACHE_BYTES: usize = 64 * 1024;

fn compile(pattern: &str) -> Result<Regex, String> {
    regex::RegexBuilder::new(pattern)
        .dfa_size_limit(PATTERN_CACHE_BYTES)
        .build()
        .map_err(|e| format!("not a valid pattern: {e}"))
}

/// A link of the outlet's that reads better another way: a pattern over the whole link and
/// its replacement (`$1` for the first group); equal when written the same.
#[derive(Debug, Clone)]
pub struct LinkRewrite {
    pattern: Regex,
    replacement: String,
}

impl LinkRewrite {
    pub fn new(pattern: &str, replacement: &str) -> Result<LinkRewrite, String> {
        let pattern = compile(&format!("^(?:{pattern})$"))?;
        Ok(LinkRewrite {
            pattern,
            replacement: replacement.to_string(),
        })
    }

    /// `link` rewritten, if the pattern matches it whole.
    pub fn apply(&self, link: &str) -> Option<String> {
        self.pattern
            .is_match(link)
            .then(|| self.pattern.replace(link, &self.replacement).into_owned())
    }
}

impl PartialEq for LinkRewrite {
    fn eq(&self, other: &Self) -> bool {
        self.pattern.as_str() == other.pattern.as_str() && self.replacement == other.replacement
    }
}

impl Eq for LinkRewrite {}

/// A compiled byline pattern; equal when written the same.
#[derive(Debug, Clone)]
pub struct BylinePattern(Regex);

impl BylinePattern {
    /// Compiles `pattern`, which must have a `names` group.
    pub fn new(pattern: &str) -> Result<BylinePattern, String> {
        let regex = compile(pattern)?;
        if !regex.capture_names().any(|n| n == Some("names")) {
            return Err("the pattern needs a (?P<names>…) group".into());
        }
        Ok(BylinePattern(regex))
    }

    /// The `names` group of the last match in `text`.
    pub fn last_match<'t>(&self, text: &'t str) -> Option<&'t str> {
        self.all_matches(text).last()
    }

    /// The `names` group of every match in `text`, in order.
    pub fn all_matches<'t>(&self, text: &'t str) -> impl Iterator<Item = &'t str> {
        self.0
            .captures_iter(text)
            .filter_map(|c| c.name("names"))
            .map(|m| m.as_str())
    }
}

impl PartialEq for BylinePattern {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}

impl Eq for BylinePattern {}

/// A pattern for a label before a title, anchored at its start; its `section` group, if it has
/// one, names the article's section. Equal when written the same.
#[derive(Debug, Clone)]
pub struct TitlePrefix(Regex);

impl TitlePrefix {
    pub fn new(pattern: &str) -> Result<TitlePrefix, String> {
        let regex = compile(&format!("^(?:{pattern})"))?;
        Ok(TitlePrefix(regex))
    }
}

impl PartialEq for TitlePrefix {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}

impl Eq for TitlePrefix {}

/// A compiled CSS selector; equal when written the same.
#[derive(Debug, Clone)]
pub struct CssSelector {
    pub selector: Selector,
    written: String,
}

impl CssSelector {
    pub fn new(selector: &str) -> Result<CssSelector, String> {
        let compiled =
            Selector::parse(selector).map_err(|e| format!("not a valid CSS selector: {e}"))?;
        Ok(CssSelector {
            selector: compiled,
            written: selector.to_string(),
        })
    }
}

impl PartialEq for CssSelector {
    fn eq(&self, other: &Self) -> bool {
        self.written == other.written
    }
}

impl Eq for CssSelector {}

impl Outlet {
    /// The name readers are shown for the section `term` (a link folder or a title label).
    pub fn section_name(&self, term: &str) -> Option<&Arc<str>> {
        self.sections.get(&term.to_lowercase())
    }

    /// `title` without the first of the outlet's title suffixes it ends with, unless nothing
    /// would be left.
    pub fn without_title_suffix<'t>(&self, title: &'t str) -> &'t str {
        self.title_suffixes
            .iter()
            .find_map(|suffix| title.strip_suffix(suffix.as_str()))
            .map(str::trim_end)
            .filter(|rest| !rest.is_empty())
            .unwrap_or(title)
    }

    /// `title` without the first of the outlet's title prefixes it starts with (unless nothing
    /// would be left), and the section that prefix names, if any.
    pub fn without_title_prefix<'t>(&self, title: &'t str) -> (&'t str, Option<&'t str>) {
        self.title_prefixes
            .iter()
            .find_map(|prefix| {
                let found = prefix.0.captures(title)?;
                let rest = title[found.get(0)?.end()..].trim_start();
                let section = found.name("section").map(|s| s.as_str().trim());
                (!rest.is_empty()).then_some((rest, section))
            })
            .unwrap_or((title, None))
    }
}

/// Every known outlet, looked up by a link's host. Cheap to clone (shared): a seed's links
/// are cleaned by a callback that must own what it reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outlets {
    outlets: Arc<[Outlet]>,
}

impl Outlets {
    pub fn new(outlets: Vec<Outlet>) -> Outlets {
        Outlets {
            outlets: outlets.into(),
        }
    }

    /// A copy of its own: each pattern cloned, which `regex` gives an empty pool of per-thread
    /// caches (a copy of the `Arc` would share the old ones).
    pub fn fresh(&self) -> Outlets {
        Outlets::new(self.outlets.to_vec())
    }

    /// The outlet a host belongs to: the one with the longest matching host, so that
    /// `cn.nytimes.com` can have rules of its own beside `nytimes.com`.
    pub fn for_host(&self, host: &str) -> Option<&Outlet> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.outlets
            .iter()
            .flat_map(|o| o.hosts.iter().map(move |h| (h, o)))
            .filter(|(h, _)| {
                host == **h
                    || host
                        .strip_suffix(h.as_str())
                        .is_some_and(|rest| rest.ends_with('.'))
            })
            .max_by_key(|(h, _)| h.len())
            .map(|(_, o)| o)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Outlet> {
        self.outlets.iter()
    }

    /// Everything that can change a seed's key: each outlet's rules as read (which outlet a
    /// link belongs to, its zone, titles, sections, bylines); the index cache is trusted only
    /// when this is unchanged.
    pub fn fingerprint(&self) -> String {
        self.outlets
            .iter()
            .map(|o| format!("[{}]\n{}\n", o.key, o.rules))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outlet(key: &str, hosts: &[&str]) -> Outlet {
        Outlet {
            key: key.into(),
            name: key.into(),
            hosts: hosts.iter().map(|h| h.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn hosts_match_themselves_and_subdomains_and_the_longest_wins() {
        let outlets = Outlets::new(vec![
            outlet("nyt", &["nytimes.com"]),
            outlet("nyt-cn", &["cn.nytimes.com"]),
            outlet("rfi", &["rfi.fr"]),
        ]);
        let key = |host| outlets.for_host(host).map(|o| o.key.as_str());
        assert_eq!(key("nytimes.com"), Some("nyt"));
        assert_eq!(key("www.nytimes.com"), Some("nyt"));
        assert_eq!(key("cn.nytimes.com"), Some("nyt-cn"));
        assert_eq!(key("CN.NYTimes.com."), Some("nyt-cn"));
        assert_eq!(key("www.rfi.fr"), Some("rfi"));
        assert_eq!(key("notrfi.fr"), None);
        assert_eq!(key("rfi.fr.example"), None);
        assert_eq!(key("example.com"), None);
    }

    #[test]
    fn a_title_loses_the_outlet_s_suffix_but_never_all_of_it() {
        let rfi = Outlet {
            title_suffixes: vec!["– 法国国际广播电台 - RFI".into(), "- RFI".into()],
            ..outlet("rfi", &["rfi.fr"])
        };
        let cases = [
            (
                "香港国安公署揭牌 – 法国国际广播电台 - RFI",
                "香港国安公署揭牌",
            ),
            ("香港国安公署揭牌 - RFI", "香港国安公署揭牌"),
            ("香港国安公署揭牌", "香港国安公署揭牌"),
            ("– 法国国际广播电台 - RFI", "– 法国国际广播电台 - RFI"),
            ("RFI 专访 - RFI", "RFI 专访"),
        ];
        for (title, want) in cases {
            assert_eq!(rfi.without_title_suffix(title), want, "{title}");
        }
    }
}

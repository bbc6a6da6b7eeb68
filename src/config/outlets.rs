//! `[outlets.<key>]`: what is known about each outlet (`src/outlets.toml`, built in), changed or
//! added by the config's tables. A table for a known outlet replaces the fields it states; a
//! new one must list its `hosts`. The tables are merged as tables, then read once into an
//! [`Outlet`]: the fields are listed in `RawOutlet` and in its validation, nowhere else.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use chrono_tz::Tz;
use serde::Deserialize;
use toml::Spanned;

use super::ConfigError;
use super::check::{Table, language_tag};
use crate::seed::outlets::{BylinePattern, CssSelector, LinkRewrite, Outlet, Outlets, TitlePrefix};
use crate::seed::text::one_line;

/// The outlet rules shipped in the binary.
const BUILTIN: &str = include_str!("../outlets.toml");
const BUILTIN_FILE: &str = "src/outlets.toml";

/// The config's `[outlets.*]` tables as written: each field's value, with where.
pub(super) type RawOutlets = BTreeMap<String, Spanned<BTreeMap<String, Spanned<toml::Value>>>>;

/// One outlet's table, built-in and config merged.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutlet {
    name: Option<String>,
    hosts: Option<Vec<String>>,
    timezone: Option<String>,
    language: Option<String>,
    title_suffixes: Option<Vec<String>>,
    title_prefixes: Option<Vec<String>>,
    section_segment: Option<usize>,
    sections: Option<BTreeMap<String, String>>,
    byline_patterns: Option<Vec<String>>,
    coauthor_patterns: Option<Vec<String>>,
    author_selectors: Option<Vec<String>>,
    strip: Option<Vec<String>>,
    strip_text: Option<Vec<String>>,
    tracking_parameters: Option<Vec<String>>,
    link_rewrites: Option<Vec<(String, String)>>,
}

/// Where the config writes an outlet's table: its header, and each field it states.
struct Written {
    header: usize,
    fields: BTreeMap<String, usize>,
}

/// The built-in outlet rules, as a config without `[outlets.*]` tables gets them.
pub fn builtin_outlets() -> Outlets {
    validate(BTreeMap::new(), "").unwrap_or_default()
}

/// The built-in outlets with the config's tables applied. Outlets new in the config come after
/// the built-in ones, so on a host both claim, the config's wins.
pub(super) fn validate(config: RawOutlets, text: &str) -> Result<Outlets, ConfigError> {
    let builtin: BTreeMap<String, toml::Table> =
        toml::from_str(BUILTIN).map_err(|e| ConfigError {
            file: Some(PathBuf::from(BUILTIN_FILE)),
            line: None,
            key: "(built-in outlet rules)".into(),
            message: e.message().to_string(),
        })?;
    let mut merged: Vec<(String, toml::Table, Option<Written>)> = builtin
        .into_iter()
        .map(|(key, table)| (key, table, None))
        .collect();
    for (key, table) in config {
        let header = table.span().start;
        let stated = table.into_inner();
        let written = Written {
            header,
            fields: stated
                .iter()
                .map(|(f, v)| (f.clone(), v.span().start))
                .collect(),
        };
        let at = match merged.iter().position(|(k, _, _)| *k == key) {
            Some(at) => at,
            None => {
                merged.push((key, toml::Table::new(), None));
                merged.len() - 1
            }
        };
        let (_, fields, origin) = &mut merged[at];
        fields.extend(stated.into_iter().map(|(f, v)| (f, v.into_inner())));
        *origin = Some(written);
    }
    merged
        .into_iter()
        .map(|(key, fields, written)| {
            let refuse = |field: &str, message: String| match &written {
                Some(written) => {
                    let at = written.fields.get(field).copied().unwrap_or(written.header);
                    Table::new(format!("outlets.{key}"), text).refuse(field, Some(at), message)
                }
                None => ConfigError {
                    file: Some(PathBuf::from(BUILTIN_FILE)),
                    line: None,
                    key: format!("[outlets.{key}] {field}"),
                    message,
                },
            };
            let rules = toml::to_string(&fields).unwrap_or_default();
            let raw = RawOutlet::deserialize(toml::Value::Table(fields)).map_err(|error| {
                let message = error.message().to_string();
                let field = unknown_field(&message).unwrap_or("").to_string();
                refuse(&field, message)
            })?;
            raw.validate(key.clone(), rules, &refuse)
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Outlets::new)
}

/// `zone` in serde's "unknown field `zone`, expected one of …".
fn unknown_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("unknown field `")?
        .split_once('`')
        .map(|(field, _)| field)
}

/// How a field's refusal is made: its name and the message.
type Refuse<'r> = &'r dyn Fn(&str, String) -> ConfigError;

impl RawOutlet {
    /// The outlet `key`, checked; a refusal names the field through `refuse`.
    fn validate(self, key: String, rules: String, refuse: Refuse) -> Result<Outlet, ConfigError> {
        let selector = |s: &str| CssSelector::new(s).map_err(|e| format!("{s:?}: {e}"));
        Ok(Outlet {
            name: self
                .name
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| key.clone()),
            key,
            hosts: hosts(self.hosts, refuse)?,
            timezone: timezone(self.timezone, refuse)?,
            language: self
                .language
                .map(language_tag)
                .transpose()
                .map_err(|message| refuse("language", message))?
                .flatten(),
            title_suffixes: lines(
                "title_suffixes",
                self.title_suffixes,
                "a title suffix",
                refuse,
            )?,
            title_prefixes: each_one(
                "title_prefixes",
                self.title_prefixes,
                TitlePrefix::new,
                refuse,
            )?,
            section_segment: self.section_segment,
            sections: section_names(self.sections, refuse)?,
            byline_patterns: each_one(
                "byline_patterns",
                self.byline_patterns,
                BylinePattern::new,
                refuse,
            )?,
            coauthor_patterns: each_one(
                "coauthor_patterns",
                self.coauthor_patterns,
                BylinePattern::new,
                refuse,
            )?,
            author_selectors: each_one(
                "author_selectors",
                self.author_selectors,
                selector,
                refuse,
            )?,
            strip: each_one("strip", self.strip, selector, refuse)?,
            strip_text: lines("strip_text", self.strip_text, "a marker", refuse)?,
            tracking_parameters: lines(
                "tracking_parameters",
                self.tracking_parameters,
                "a parameter name",
                refuse,
            )?,
            link_rewrites: link_rewrites(self.link_rewrites, refuse)?,
            rules,
        })
    }
}

/// `hosts`: lower case, without a final dot, at least one, each a host name.
fn hosts(written: Option<Vec<String>>, refuse: Refuse) -> Result<Vec<String>, ConfigError> {
    let hosts: Vec<String> = written
        .unwrap_or_default()
        .iter()
        .map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase())
        .collect();
    if hosts.is_empty() || hosts.iter().any(|h| !is_host_name(h)) {
        return Err(refuse(
            "hosts",
            "must list the outlet's link hosts, such as [\"cn.nytimes.com\"]".into(),
        ));
    }
    Ok(hosts)
}

/// `timezone`: an IANA zone, if written.
fn timezone(written: Option<String>, refuse: Refuse) -> Result<Option<Tz>, ConfigError> {
    written
        .map(|zone| {
            zone.parse::<Tz>().map_err(|_| {
                let message = format!("unknown IANA time zone {zone:?} (e.g. \"Europe/Paris\")");
                refuse("timezone", message)
            })
        })
        .transpose()
}

/// A field of texts, each on one line; none empty.
fn lines(
    field: &str,
    written: Option<Vec<String>>,
    what: &str,
    refuse: Refuse,
) -> Result<Vec<String>, ConfigError> {
    let lines: Vec<String> = written
        .unwrap_or_default()
        .iter()
        .map(|s| one_line(s))
        .collect();
    match lines.iter().any(String::is_empty) {
        true => Err(refuse(field, format!("{what} must not be empty"))),
        false => Ok(lines),
    }
}

/// `link_rewrites`: each [pattern, replacement] compiled.
fn link_rewrites(
    written: Option<Vec<(String, String)>>,
    refuse: Refuse,
) -> Result<Vec<LinkRewrite>, ConfigError> {
    written
        .unwrap_or_default()
        .iter()
        .map(|(pattern, to)| LinkRewrite::new(pattern, to))
        .collect::<Result<_, _>>()
        .map_err(|e| refuse("link_rewrites", e))
}

/// `sections`: each section's display name by its name in lower case; none empty.
fn section_names(
    written: Option<BTreeMap<String, String>>,
    refuse: Refuse,
) -> Result<BTreeMap<String, Arc<str>>, ConfigError> {
    let mut names = BTreeMap::new();
    for (term, name) in written.unwrap_or_default() {
        let (term, name) = (one_line(&term).to_lowercase(), one_line(&name));
        if term.is_empty() || name.is_empty() {
            let message = format!("{term:?} = {name:?}: a section and its name must not be empty");
            return Err(refuse("sections", message));
        }
        names.insert(term, Arc::from(name));
    }
    Ok(names)
}

/// Each of the strings written for `field`, parsed.
fn each_one<T>(
    field: &str,
    written: Option<Vec<String>>,
    parse: impl Fn(&str) -> Result<T, String>,
    refuse: Refuse,
) -> Result<Vec<T>, ConfigError> {
    written
        .unwrap_or_default()
        .iter()
        .map(|s| parse(s).map_err(|e| refuse(field, e)))
        .collect()
}

fn is_host_name(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

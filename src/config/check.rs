//! What every table's validation shares: refusals that name the key and its line (from the
//! spans toml keeps for each value), the checks several keys make, and the reading of toml's
//! own errors.

use std::fmt::Display;

use toml::Spanned;
use url::Url;

use super::ConfigError;

/// One table of the config text, for refusals that name its keys and their lines.
pub(super) struct Table<'a> {
    /// `server`, `feeds.nyt`, `outlets.rfi`.
    name: String,
    text: &'a str,
}

impl Table<'_> {
    pub fn new(name: impl Into<String>, text: &str) -> Table<'_> {
        Table {
            name: name.into(),
            text,
        }
    }

    /// A refusal of `key` (the whole table when empty), at the value or header that starts at
    /// byte `at` of the text.
    pub fn refuse(&self, key: &str, at: Option<usize>, message: impl Into<String>) -> ConfigError {
        ConfigError {
            file: None,
            line: at.map(|offset| line_at(self.text, offset)),
            key: match key {
                "" => format!("[{}]", self.name),
                key => format!("[{}] {key}", self.name),
            },
            message: message.into(),
        }
    }

    /// `value` of `key`, checked: `check` gives the value kept, or why it is refused (a value
    /// that counts as not written is refused as missing).
    pub fn required<T, U>(
        &self,
        key: &str,
        value: Spanned<T>,
        check: impl FnOnce(T) -> Result<Option<U>, String>,
    ) -> Result<U, ConfigError> {
        let at = value.span().start;
        match check(value.into_inner()) {
            Ok(Some(value)) => Ok(value),
            Ok(None) => Err(self.missing(key, at)),
            Err(message) => Err(self.refuse(key, Some(at), message)),
        }
    }

    /// `value` of `key` if it is written, checked: `check` gives the value kept (`None`: as if
    /// not written), or why it is refused.
    pub fn optional<T, U>(
        &self,
        key: &str,
        value: Option<Spanned<T>>,
        check: impl FnOnce(T) -> Result<Option<U>, String>,
    ) -> Result<Option<U>, ConfigError> {
        let Some(value) = value else {
            return Ok(None);
        };
        let at = value.span().start;
        check(value.into_inner()).map_err(|message| self.refuse(key, Some(at), message))
    }

    /// The refusal of a table (whose header starts at byte `at`) that lacks `key`, worded as
    /// toml's own.
    pub fn missing(&self, key: &str, at: usize) -> ConfigError {
        self.refuse(key, Some(at), format!("missing field `{key}`"))
    }
}

/// The 1-based line of a byte offset in the config text (bytes: any offset is safe).
pub(super) fn line_at(text: &str, offset: usize) -> usize {
    let before = &text.as_bytes()[..offset.min(text.len())];
    before.iter().filter(|&&b| b == b'\n').count() + 1
}

/// A number from `low` to `high` (`unit` follows the bound in the message).
pub(super) fn between<T: PartialOrd + Display>(
    low: T,
    high: T,
    unit: &'static str,
) -> impl FnOnce(T) -> Result<Option<T>, String> {
    move |value| match low <= value && value <= high {
        true => Ok(Some(value)),
        false => Err(format!("must be {low} to {high}{unit}, got {value}")),
    }
}

/// A number of at least `low`.
pub(super) fn at_least<T: PartialOrd + Display>(
    low: T,
) -> impl FnOnce(T) -> Result<Option<T>, String> {
    move |value| match value >= low {
        true => Ok(Some(value)),
        false => Err(format!("must be at least {low}, got {value}")),
    }
}

/// A number of at most `high` (`unit` follows the bound in the message).
pub(super) fn at_most<T: PartialOrd + Display>(
    high: T,
    unit: &'static str,
) -> impl FnOnce(T) -> Result<Option<T>, String> {
    move |value| match value <= high {
        true => Ok(Some(value)),
        false => Err(format!("must be at most {high}{unit}, got {value}")),
    }
}

/// Text that must say something: trimmed, and refused when nothing is left.
pub(super) fn non_empty(value: String) -> Result<Option<String>, String> {
    match value.trim() {
        "" => Err("must not be empty".into()),
        text => Ok(Some(text.to_string())),
    }
}

/// An absolute http(s) URL with a host.
pub(super) fn web_url(value: String) -> Result<Option<Url>, String> {
    let url = Url::parse(value.trim())
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some());
    match url {
        Some(url) => Ok(Some(url)),
        None => Err(format!("must be an absolute http(s) URL, got {value:?}")),
    }
}

/// A language tag such as `zh-CN` or `zh-Hant-TW`.
pub(super) fn language_tag(value: String) -> Result<Option<String>, String> {
    let language = non_empty(value)?.unwrap_or_default();
    let well_formed = language.split('-').all(|part| {
        (1..=8).contains(&part.len()) && part.chars().all(|c| c.is_ascii_alphanumeric())
    });
    match well_formed {
        true => Ok(Some(language)),
        false => Err(format!(
            "expected a language tag such as \"zh-CN\", got {language:?}"
        )),
    }
}

/// The top-level tables; no table has a key named like one of them.
const TABLES: [&str; 3] = ["server", "seeds", "feed"];

/// Turns a toml/serde error into a `ConfigError` naming the key and line it points at.
pub(super) fn toml_error(text: &str, err: &toml::de::Error) -> ConfigError {
    let message = err.message().trim().to_string();
    let Some(span) = err.span() else {
        return ConfigError {
            file: None,
            line: None,
            key: "(document)".into(),
            message,
        };
    };
    let mut line = Some(line_at(text, span.start));
    let at = line.unwrap_or(1);
    let line_text = text.lines().nth(at - 1).unwrap_or("");
    let table = table_at_line(text, at);
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split_once('`'))
        .map(|(field, _)| field);
    let key = match (line_text.split_once('='), missing) {
        // A whole table is missing (serde points at the whole document): no line holds it.
        (_, Some(field)) if table.is_empty() || TABLES.contains(&field) => {
            line = None;
            format!("[{field}]")
        }
        // serde points at the table that lacks the field: name the field in it.
        (_, Some(field)) => format!("[{table}] {field}"),
        (Some((k, _)), _) => format!("[{table}] {}", k.trim()),
        (None, _) if line_text.trim_start().starts_with('[') => line_text.trim().to_string(),
        (None, _) => format!("[{table}]"),
    };
    ConfigError {
        file: None,
        line,
        key,
        message,
    }
}

/// The `[table]` (or `[[table]]`) a 1-based line belongs to; empty at the top.
fn table_at_line(text: &str, line: usize) -> String {
    text.lines()
        .take(line)
        .filter_map(|l| {
            let l = l.trim();
            l.strip_prefix('[').map(|h| {
                h.trim_start_matches('[')
                    .split(']')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_string()
            })
        })
        .last()
        .unwrap_or_default()
}

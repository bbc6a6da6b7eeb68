//! `[feeds.<folder>]`: metadata for the feed of one top-level folder of the seeds folder. Every
//! field is optional; what is left out comes from the outlet rules and the root `[feed]` (see
//! `crate::feeds`). Line numbers come from toml's spans, not from scanning the text.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;
use url::Url;

use super::{ConfigError, is_language_tag, line_at, parse_web_url};

/// What the config says about one folder's feed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FolderFeed {
    pub title: Option<String>,
    pub description: Option<String>,
    pub site_url: Option<Url>,
    pub language: Option<String>,
    pub limit: Option<usize>,
    pub icon: Option<Url>,
    pub logo: Option<Url>,
    pub rights: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFolderFeed {
    title: Option<Spanned<String>>,
    description: Option<Spanned<String>>,
    site_url: Option<Spanned<String>>,
    language: Option<Spanned<String>>,
    limit: Option<Spanned<usize>>,
    icon: Option<Spanned<String>>,
    logo: Option<Spanned<String>>,
    rights: Option<Spanned<String>>,
}

/// Validates every `[feeds.<folder>]` table.
pub(super) fn validate(
    raw: BTreeMap<Spanned<String>, RawFolderFeed>,
    text: &str,
) -> Result<BTreeMap<String, FolderFeed>, ConfigError> {
    raw.into_iter()
        .map(|(folder, raw)| {
            let at = folder.span().start;
            let folder = folder.into_inner();
            let feed = validate_one(&folder, at, raw, text)?;
            Ok((folder, feed))
        })
        .collect()
}

fn validate_one(
    folder: &str,
    at: usize,
    raw: RawFolderFeed,
    text: &str,
) -> Result<FolderFeed, ConfigError> {
    let table = format!("feeds.{folder}");
    let refuse = |field: &str, at: Option<usize>, message: String| ConfigError {
        file: None,
        line: at.map(|offset| line_at(text, offset)),
        key: format!("[{table}] {field}"),
        message,
    };
    if !is_folder_name(folder) {
        return Err(ConfigError {
            file: None,
            line: Some(line_at(text, at)),
            key: format!("[{table}]"),
            message: "must name a top-level folder of the seeds folder (no '/', not hidden)".into(),
        });
    }
    let text_field = |field: &str, value: Option<Spanned<String>>| {
        value
            .map(|v| {
                let at = v.span().start;
                let trimmed = v.into_inner().trim().to_string();
                if trimmed.is_empty() {
                    Err(refuse(field, Some(at), "must not be empty".into()))
                } else {
                    Ok(trimmed)
                }
            })
            .transpose()
    };
    let url_field = |field: &str, value: Option<Spanned<String>>| {
        value
            .map(|v| {
                let at = v.span().start;
                parse_web_url(v.get_ref()).ok_or_else(|| {
                    refuse(
                        field,
                        Some(at),
                        format!("must be an absolute http(s) URL, got {:?}", v.get_ref()),
                    )
                })
            })
            .transpose()
    };
    let language = text_field("language", raw.language.clone())?;
    if let (Some(language), Some(spanned)) = (&language, &raw.language)
        && !is_language_tag(language)
    {
        return Err(refuse(
            "language",
            Some(spanned.span().start),
            format!("expected a language tag such as \"zh-CN\", got {language:?}"),
        ));
    }
    let limit = match raw.limit {
        Some(limit) if !(1..=100_000).contains(limit.get_ref()) => {
            return Err(refuse(
                "limit",
                Some(limit.span().start),
                format!("must be 1 to 100000, got {}", limit.get_ref()),
            ));
        }
        limit => limit.map(Spanned::into_inner),
    };
    Ok(FolderFeed {
        title: text_field("title", raw.title)?,
        description: text_field("description", raw.description)?,
        site_url: url_field("site_url", raw.site_url)?,
        language,
        limit,
        icon: url_field("icon", raw.icon)?,
        logo: url_field("logo", raw.logo)?,
        rights: text_field("rights", raw.rights)?,
    })
}

/// A name that can be one path segment below the seeds folder and is not skipped as hidden.
fn is_folder_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(['/', '\\', '\0']) && !name.starts_with('.')
}

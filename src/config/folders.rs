//! `[feeds.<folder>]`: what the config says about the feed of one top-level folder of the seeds
//! folder — any of the fields `[feed]` has (`feed.rs`); what it leaves out comes from the
//! outlet rules and the root `[feed]` (see `crate::catalog`).

use std::collections::BTreeMap;

use toml::Spanned;

use super::ConfigError;
use super::check::Table;
use super::feed::{FeedFields, RawFolderFeed};

pub(super) type RawFolders = BTreeMap<Spanned<String>, RawFolderFeed>;

/// Every `[feeds.<folder>]` table, checked.
pub(super) fn validate(
    raw: RawFolders,
    text: &str,
) -> Result<BTreeMap<String, FeedFields>, ConfigError> {
    raw.into_iter()
        .map(|(folder, raw)| {
            let at = folder.span().start;
            let folder = folder.into_inner();
            let table = Table::new(format!("feeds.{folder}"), text);
            if !is_folder_name(&folder) {
                let message =
                    "must name a top-level folder of the seeds folder (no '/', not hidden)";
                return Err(table.refuse("", Some(at), message));
            }
            Ok((folder, raw.fields(&table)?))
        })
        .collect()
}

/// A name that can be one path segment below the seeds folder and is not skipped as hidden.
fn is_folder_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(['/', '\\', '\0']) && !name.starts_with('.')
}

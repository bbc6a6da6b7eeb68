//! `[websub] hubs`: the WebSub hubs each feed names and every change is announced to.

use serde::Deserialize;
use toml::Spanned;
use url::Url;

use super::ConfigError;
use super::check::{Table, web_url};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWebSub {
    hubs: Vec<Spanned<String>>,
}

/// The hubs, each once.
pub(super) fn validate(raw: Option<RawWebSub>, text: &str) -> Result<Vec<Url>, ConfigError> {
    let table = Table::new("websub", text);
    let mut hubs: Vec<Url> = Vec::new();
    for hub in raw.map(|raw| raw.hubs).unwrap_or_default() {
        let url = table.required("hubs", hub, web_url)?;
        if !hubs.contains(&url) {
            hubs.push(url);
        }
    }
    Ok(hubs)
}

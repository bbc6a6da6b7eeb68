//! `[websub] hubs`: the WebSub hubs each feed names and every change is announced to.

use serde::Deserialize;
use toml::Spanned;
use url::Url;

use super::{ConfigError, line_at, parse_web_url};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWebSub {
    hubs: Vec<Spanned<String>>,
}

pub(super) fn validate(raw: Option<RawWebSub>, text: &str) -> Result<Vec<Url>, ConfigError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let mut hubs: Vec<Url> = Vec::new();
    for hub in raw.hubs {
        let url = parse_web_url(hub.get_ref()).ok_or_else(|| ConfigError {
            file: None,
            line: Some(line_at(text, hub.span().start)),
            key: "[websub] hubs".into(),
            message: format!("must be absolute http(s) URLs, got {:?}", hub.get_ref()),
        })?;
        if !hubs.contains(&url) {
            hubs.push(url);
        }
    }
    Ok(hubs)
}

//! `[log]`: how the log is written.

use serde::Deserialize;
use toml::Spanned;

use super::ConfigError;
use super::check::Table;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Lines for a person (colours only on a terminal).
    #[default]
    Human,
    /// One JSON object per line, for a log collector.
    Json,
}

#[derive(Debug, Clone, Default)]
pub struct LogConfig {
    pub format: LogFormat,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLog {
    format: Option<Spanned<String>>,
}

impl RawLog {
    pub(super) fn validate(self, text: &str) -> Result<LogConfig, ConfigError> {
        let table = Table::new("log", text);
        let format = table.optional("format", self.format, |format| match format.as_str() {
            "human" => Ok(Some(LogFormat::Human)),
            "json" => Ok(Some(LogFormat::Json)),
            other => Err(format!("expected \"human\" or \"json\", got {other:?}")),
        })?;
        Ok(LogConfig {
            format: format.unwrap_or_default(),
        })
    }
}

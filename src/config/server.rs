//! `[server]`: where and how the HTTP server listens, and what it may hold.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::ConfigError;
use super::check::{Table, at_most, between};
use super::network::{LOOPBACK, Network};

#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub bind: SocketAddr,
    /// HTTP worker threads.
    pub workers: usize,
    /// `Cache-Control: max-age` for the documents, in seconds.
    pub cache_max_age: u32,
    /// A client must send its whole request head within this (slowloris defence).
    pub request_timeout: Duration,
    /// Open connections at most, across all workers; more wait in the kernel's backlog.
    pub max_connections: usize,
    /// Bytes the long tail may hold beyond the steady state: documents rendered on request,
    /// those still being sent, and renders under way (see `tail::budget`).
    pub memory_budget: usize,
    /// Clients that may see `/status` and `/metrics` on `bind` (everyone else gets 404).
    pub operator_networks: Vec<Network>,
    /// A second address serving only the operator's views (and health), to anyone who can
    /// reach it.
    pub operator_bind: Option<SocketAddr>,
}

/// The long tail's memory budget when the config names none: with a steady state of ~150 MB at
/// 100,000 seeds, room on a 1 GB machine for the kernel, the page cache and a margin.
pub const DEFAULT_MEMORY_BUDGET: usize = 128 << 20;

/// Where the server listens when the config names no address: this machine only.
pub const DEFAULT_BIND: SocketAddr =
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(127, 0, 0, 1), 8080));

/// Five minutes: readers poll every 15-60 minutes, so this costs them nothing, while a shared
/// cache or CDN in front can absorb a burst of polls; a new article still shows within minutes.
pub const DEFAULT_CACHE_MAX_AGE: u32 = 300;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawServer {
    bind: Option<Spanned<String>>,
    workers: Option<Spanned<usize>>,
    cache_max_age: Option<Spanned<u32>>,
    request_timeout_ms: Option<Spanned<u64>>,
    max_connections: Option<Spanned<usize>>,
    memory_budget_mb: Option<Spanned<usize>>,
    operator_networks: Option<Spanned<Vec<String>>>,
    operator_bind: Option<Spanned<String>>,
}

impl RawServer {
    pub(super) fn validate(self, text: &str) -> Result<ServerConfig, ConfigError> {
        let table = Table::new("server", text);
        let bind = table
            .optional("bind", self.bind, socket_address)?
            .unwrap_or(DEFAULT_BIND);
        let operator_bind_at = self.operator_bind.as_ref().map(|at| at.span().start);
        let operator_bind = table.optional("operator_bind", self.operator_bind, socket_address)?;
        let operator_networks = table
            .optional("operator_networks", self.operator_networks, |networks| {
                networks
                    .iter()
                    .map(|network| Network::parse(network))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Some)
            })?
            .unwrap_or_else(|| {
                LOOPBACK
                    .iter()
                    .filter_map(|n| Network::parse(n).ok())
                    .collect()
            });
        if operator_bind == Some(bind) && bind.port() != 0 {
            return Err(table.refuse(
                "operator_bind",
                operator_bind_at,
                "must differ from `bind` (use `operator_networks` to open the views on `bind`)",
            ));
        }
        // One day at most: a longer max-age would hide new articles from anyone behind a cache.
        let cache_max_age = at_most(86_400, " seconds (one day)");
        let request_timeout_ms = table.optional(
            "request_timeout_ms",
            self.request_timeout_ms,
            between(100, 60_000, ""),
        )?;
        // Less would shed most long-tail requests of a large folder; more is a typo.
        let memory_budget_mb = table.optional(
            "memory_budget_mb",
            self.memory_budget_mb,
            between(32, 65_536, " (MiB)"),
        )?;
        Ok(ServerConfig {
            bind,
            workers: table
                .optional("workers", self.workers, between(1, 256, ""))?
                .unwrap_or(2),
            cache_max_age: table
                .optional("cache_max_age", self.cache_max_age, cache_max_age)?
                .unwrap_or(DEFAULT_CACHE_MAX_AGE),
            request_timeout: Duration::from_millis(request_timeout_ms.unwrap_or(5_000)),
            max_connections: table
                .optional(
                    "max_connections",
                    self.max_connections,
                    between(1, 1_000_000, ""),
                )?
                .unwrap_or(10_000),
            memory_budget: memory_budget_mb.map_or(DEFAULT_MEMORY_BUDGET, |mb| mb << 20),
            operator_networks,
            operator_bind,
        })
    }
}

fn socket_address(text: String) -> Result<Option<SocketAddr>, String> {
    match text.parse() {
        Ok(address) => Ok(Some(address)),
        Err(_) => Err(format!(
            "expected IP:PORT such as \"127.0.0.1:8080\", got {text:?}"
        )),
    }
}

//! One integration-test binary: the real server on 127.0.0.1:0 over temp seed folders, read back
//! over HTTP with real feed parsers.

mod authors;
mod bad_input;
mod browser;
mod caching;
mod cli;
mod clients;
mod concurrency;
mod corpus;
mod cost;
mod damaged;
mod enclosures;
mod faults;
mod fetches;
mod folders;
mod formats;
mod fuzz;
mod graphics;
mod http;
mod layout;
mod live;
mod operations;
mod outlets;
mod packaging;
mod proxy;
mod reload;
mod restart;
mod snapshots;
mod soak;
mod storm;
mod support;
mod tail;
mod urls;
mod validity;
mod websub;
mod wire;

//! seedfeed: a folder of news-article seed files served as live RSS 2.0 and Atom 1.0 feeds.
//!
//! Data flows one way: file event → read → parse → store → render → publish snapshot → HTTP.
//! See ARCHITECTURE.md for the map and the rules each module keeps.

pub mod allocator;
pub mod app;
pub mod catalog;
pub mod compressor;
pub mod config;
pub mod document;
pub mod entry;
pub mod http;
pub mod inbox;
pub mod index;
pub mod metrics;
pub mod mirror;
pub mod progress;
pub mod render;
pub mod render_thread;
pub mod scope;
pub mod seed;
pub mod seedfs;
pub mod snapshot;
pub mod status;
pub mod store;
pub mod tail;
pub mod uncached;
pub mod update;
pub mod urls;
pub mod wanted;
pub mod watch;
pub mod websub;

//! `GET /metrics`: what the server does, in the Prometheus text format (OpenMetrics 1.0),
//! encoded by prometheus-client. Counters and histograms move where things happen (handlers,
//! the update thread, the render thread, the WebSub thread) and are atomics: nothing waits
//! on them. What is a state rather than an event — entries, rejected seeds, folders, the
//! snapshot's generation, the long tail's documents — is read from the published snapshot
//! and the tail when scraped.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::snapshot::Published;
use crate::tail::Tail;

/// The media type of `/metrics`.
pub const METRICS_MEDIA_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// One answered request: what kind of document, the status, the coding sent.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Answered {
    route: &'static str,
    status: u16,
    coding: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Route {
    route: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Rendered {
    /// `current` (a change's feeds and pages) or `on_request` (the long tail).
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Ping {
    /// `sent` or `failed` (after the retries).
    outcome: &'static str,
}

/// Every metric the server keeps, behind one `Arc` every thread holds.
pub struct Metrics {
    registry: Registry,
    requests: Family<Answered, Counter>,
    sent_bytes: Family<Route, Counter>,
    not_modified: Family<Route, Counter>,
    write_visible: Histogram,
    parse: Histogram,
    render: Family<Rendered, Histogram>,
    pings: Family<Ping, Counter>,
}

/// Seconds from 0.5 ms to ~16 s, doubling.
fn seconds_buckets() -> impl Iterator<Item = f64> {
    exponential_buckets(0.0005, 2.0, 16)
}

impl Metrics {
    /// The metrics, with the published state and the tail read at each scrape.
    pub fn new(published: Published, tail: Arc<Tail>) -> Arc<Metrics> {
        let mut registry = Registry::with_prefix("seedfeed");
        let requests = Family::<Answered, Counter>::default();
        registry.register(
            "http_requests",
            "Requests answered, by route kind, status and content coding",
            requests.clone(),
        );
        let sent_bytes = Family::<Route, Counter>::default();
        registry.register(
            "http_sent_bytes",
            "Body bytes sent (as coded), by route kind",
            sent_bytes.clone(),
        );
        let not_modified = Family::<Route, Counter>::default();
        registry.register(
            "http_not_modified",
            "Conditional requests answered 304 Not Modified, by route kind",
            not_modified.clone(),
        );
        let write_visible = Histogram::new(seconds_buckets());
        registry.register(
            "write_visible_seconds",
            "From the watcher's first event of a change to the state that shows it being published",
            write_visible.clone(),
        );
        let parse = Histogram::new(seconds_buckets());
        registry.register(
            "change_parse_seconds",
            "Reading, parsing and filing the seeds of one round of changes",
            parse.clone(),
        );
        let render = Family::<Rendered, Histogram>::new_with_constructor(|| {
            Histogram::new(seconds_buckets())
        });
        registry.register(
            "render_seconds",
            "Rendering the documents a change touched (current) or one long-tail document (on_request)",
            render.clone(),
        );
        let pings = Family::<Ping, Counter>::default();
        registry.register(
            "websub_pings",
            "WebSub publish pings to hubs, by outcome",
            pings.clone(),
        );
        registry.register_collector(Box::new(State { published, tail }));
        Arc::new(Metrics {
            registry,
            requests,
            sent_bytes,
            not_modified,
            write_visible,
            parse,
            render,
            pings,
        })
    }

    /// A request answered with `status`, `bytes` of body in `coding` (`identity` when none
    /// was sent).
    pub fn answered(&self, route: &'static str, status: u16, coding: &'static str, bytes: usize) {
        self.requests
            .get_or_create(&Answered {
                route,
                status,
                coding,
            })
            .inc();
        if bytes > 0 {
            self.sent_bytes
                .get_or_create(&Route { route })
                .inc_by(bytes as u64);
        }
        if status == 304 {
            self.not_modified.get_or_create(&Route { route }).inc();
        }
    }

    pub fn write_visible(&self, took: Duration) {
        self.write_visible.observe(took.as_secs_f64());
    }

    pub fn parsed(&self, took: Duration) {
        self.parse.observe(took.as_secs_f64());
    }

    pub fn rendered(&self, on_request: bool, took: Duration) {
        let kind = if on_request { "on_request" } else { "current" };
        self.render
            .get_or_create(&Rendered { kind })
            .observe(took.as_secs_f64());
    }

    pub fn pinged(&self, sent: bool) {
        let outcome = if sent { "sent" } else { "failed" };
        self.pings.get_or_create(&Ping { outcome }).inc();
    }

    /// The text a scrape gets.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail; a collector's error would leave the text cut.
        if prometheus_client::encoding::text::encode(&mut text, &self.registry).is_err() {
            text.push_str("# EOF\n");
        }
        text
    }
}

/// The figures read at a scrape.
struct State {
    published: Published,
    tail: Arc<Tail>,
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("State")
    }
}

impl Collector for State {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), fmt::Error> {
        let snapshot = self.published.load();
        let load = self.tail.load();
        let gauges = [
            (
                "entries",
                "Entries served (seeds that won their link).",
                snapshot.entries,
            ),
            (
                "rejected_seeds",
                "Seeds refused, each with its reason in /status.",
                snapshot.rejected,
            ),
            (
                "folders",
                "Top-level folders with a feed of their own.",
                snapshot.folders,
            ),
            (
                "tail_documents",
                "Long-tail documents rendered on request and held.",
                load.documents,
            ),
            (
                "tail_bytes",
                "Bytes the long-tail documents held take (every coding).",
                load.bytes,
            ),
        ]
        .map(|(name, help, value)| (name, help, value as i64));
        let generation = (
            "snapshot_generation",
            "States published since start.",
            snapshot.generation as i64,
        );
        for (name, help, value) in gauges.into_iter().chain([generation]) {
            let gauge = ConstGauge::new(value);
            gauge.encode(encoder.encode_descriptor(name, help, None, gauge.metric_type())?)?;
        }
        let counters = [
            (
                "tail_evicted",
                "Long-tail documents dropped to fit the memory budget.",
                load.evicted,
            ),
            (
                "tail_expired",
                "Long-tail documents dropped for sitting unused.",
                load.expired,
            ),
            ("shed", "Requests answered 503 for lack of room.", load.shed),
        ];
        for (name, help, value) in counters {
            let counter = ConstCounter::new(value);
            counter.encode(encoder.encode_descriptor(
                name,
                help,
                None,
                counter.metric_type(),
            )?)?;
        }
        Ok(())
    }
}

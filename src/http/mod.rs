//! actix-web: routes and handlers. Handlers only pick pre-rendered, pre-compressed bytes out of
//! the current snapshot and answer conditional requests; they never parse, render, compress,
//! or hold a lock across `.await`.

mod body;
mod conditional;
mod negotiate;

use std::net::{SocketAddr, TcpListener};
use std::time::{Duration, Instant};

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use url::Url;

use std::sync::Arc;
use std::sync::mpsc::Sender;

use chrono::Utc;

use crate::config::{Network, ServerConfig};
use crate::document::{Coding, Document};
use crate::inbox::{RenderRequest, Update};
use crate::metrics::{METRICS_MEDIA_TYPE, Metrics};
use crate::scope::Month;
use crate::snapshot::Published;
use crate::tail::{Reply, Tail, Waiter};
use crate::urls::{
    Format, HEALTH_PATH, Location, METRICS_PATH, READY_PATH, STATUS_PATH, canonical_path,
    is_feed_document, is_operator_view, route_kind,
};
use crate::wanted::{self, Wanted};
use body::Slices;

/// Settings the server and handlers need, built once for all workers.
#[derive(Clone)]
pub struct Settings {
    /// The `Cache-Control` value for documents.
    cache_control: HeaderValue,
    /// The public URL of `/`: pages' `Link` headers point at their feeds under it.
    base_url: Url,
    /// WebSub hubs, named in every feed document's `Link` header.
    hubs: Vec<Url>,
    request_timeout: Duration,
    max_connections: usize,
    /// Clients who may see the operator's views on the public address.
    operator_networks: Vec<Network>,
    /// The operator's own address, as bound: everyone reaching it is an operator, and it
    /// serves nothing else.
    operator_addr: Option<SocketAddr>,
}

impl Settings {
    /// `operator_addr`: where the operator's listener is bound, if there is one.
    pub fn new(
        server: &ServerConfig,
        base_url: &Url,
        hubs: &[Url],
        operator_addr: Option<SocketAddr>,
    ) -> Settings {
        let max_age = server.cache_max_age;
        Settings {
            cache_control: HeaderValue::from_str(&format!("public, max-age={max_age}"))
                .unwrap_or(HeaderValue::from_static("no-cache")),
            base_url: base_url.clone(),
            hubs: hubs.to_vec(),
            request_timeout: server.request_timeout,
            max_connections: server.max_connections,
            operator_networks: server.operator_networks.clone(),
            operator_addr,
        }
    }

    /// The settings of a reloaded config: the operator's listener stays where it is bound.
    pub fn reloaded(&self, server: &ServerConfig, base_url: &Url, hubs: &[Url]) -> Settings {
        Settings::new(server, base_url, hubs, self.operator_addr)
    }

    /// Whether `request` came in on the operator's own listener.
    fn on_operator_listener(&self, request: &HttpRequest) -> bool {
        self.operator_addr == Some(request.app_config().local_addr())
    }

    /// Whether `request` may see the operator's views: it came in on the operator's
    /// listener, or straight (not through a proxy, which would make every reader look local)
    /// from one of the operator's networks.
    fn is_operator(&self, request: &HttpRequest) -> bool {
        if self.on_operator_listener(request) {
            return true;
        }
        let headers = request.headers();
        let proxied = headers.contains_key(header::FORWARDED)
            || headers.contains_key("x-forwarded-for")
            || headers.contains_key("x-real-ip");
        !proxied
            && request.peer_addr().is_some_and(|peer| {
                self.operator_networks
                    .iter()
                    .any(|network| network.contains(peer.ip()))
            })
    }

    /// The `Link` header of the page at `path` (`/`, `/nyt/`, `/nyt/archive/2024-05/`): every
    /// format of its feed's current documents. An entry page has none: its HTML names the
    /// feeds it belongs to.
    fn alternates(&self, path: &str) -> Option<HeaderValue> {
        let feed = match Location::parse(path) {
            Some(Location::Feed { scope, .. }) => scope.prefix(),
            Some(Location::Entry(_)) => return None,
            None => path.to_string(),
        };
        let folder = feed.trim_start_matches('/');
        let links: Vec<String> = Format::FEEDS
            .iter()
            .filter_map(|format| {
                let name = format.file_name();
                let url = self.base_url.join(&format!("{folder}{name}")).ok()?;
                let media_type = format.link_type();
                Some(format!("<{url}>; rel=\"alternate\"; type=\"{media_type}\""))
            })
            .collect();
        HeaderValue::from_str(&links.join(", ")).ok()
    }

    /// The `Link` header of the feed document at `path` when hubs are configured: where to
    /// subscribe (WebSub 4: `rel="hub"` and `rel="self"`).
    fn websub_links(&self, path: &str) -> Option<HeaderValue> {
        if self.hubs.is_empty() || !is_feed_document(path) {
            return None;
        }
        let feed = self.base_url.join(path.trim_start_matches('/')).ok()?;
        let mut links: Vec<String> = self
            .hubs
            .iter()
            .map(|hub| format!("<{hub}>; rel=\"hub\""))
            .collect();
        links.push(format!("<{feed}>; rel=\"self\""));
        HeaderValue::from_str(&links.join(", ")).ok()
    }
}

/// Where handlers find documents: the published state, the long tail, and the update thread
/// that has what the tail lacks rendered.
pub struct Sources {
    pub published: Published,
    pub tail: Arc<Tail>,
    pub updates: Sender<Update>,
    pub metrics: Arc<Metrics>,
}

struct State {
    sources: Sources,
    /// Replaced whole when the config is reloaded.
    settings: SharedSettings,
}

/// The settings handlers read, swapped by the update thread when the config is reloaded.
pub type SharedSettings = Arc<arc_swap::ArcSwap<Settings>>;

/// The server on `listener` (and the operator's own, if any), with `workers` threads; at
/// shutdown in-flight responses get `grace` (whole seconds) to finish.
pub fn server(
    listener: TcpListener,
    operator_listener: Option<TcpListener>,
    sources: Sources,
    settings: SharedSettings,
    workers: usize,
    grace: Duration,
) -> std::io::Result<actix_web::dev::Server> {
    let per_worker_connections = settings.load().max_connections.div_ceil(workers).max(1);
    let request_timeout = settings.load().request_timeout;
    let updates = sources.updates.clone();
    let state = web::Data::new(State { sources, settings });
    let mut server =
        HttpServer::new(move || App::new().app_data(state.clone()).configure(configure))
            .workers(workers)
            .shutdown_timeout(grace.as_secs())
            // A client that dribbles its request head (slowloris) is cut off after this; idle
            // keep-alive connections after the keep-alive time (5 s).
            .client_request_timeout(request_timeout)
            .max_connections(per_worker_connections)
            // Like nginx's tcp_nodelay: the tail segment of a response is not held back waiting
            // for an ACK.
            .tcp_nodelay(true)
            // actix stops at once on SIGINT; both signals must let in-flight responses finish.
            .disable_signals()
            .listen(listener)?;
    if let Some(operator_listener) = operator_listener {
        server = server.listen(operator_listener)?;
    }
    let server = server.run();
    actix_web::rt::spawn(on_signals(server.handle(), updates));
    Ok(server)
}

/// SIGHUP: the update thread reloads the config. SIGTERM or SIGINT: stop accepting and let
/// in-flight responses finish (up to the server's shutdown grace).
async fn on_signals(server: actix_web::dev::ServerHandle, updates: Sender<Update>) {
    use actix_web::rt::signal::unix::{SignalKind, signal};
    let (Ok(mut terminate), Ok(mut interrupt), Ok(mut hangup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
    ) else {
        tracing::warn!("cannot listen for SIGTERM/SIGINT/SIGHUP; stop the server with SIGKILL");
        return;
    };
    let name = std::future::poll_fn(|context| {
        while hangup.poll_recv(context).is_ready() {
            let _ = updates.send(Update::Reload("SIGHUP"));
        }
        if terminate.poll_recv(context).is_ready() {
            std::task::Poll::Ready("SIGTERM")
        } else if interrupt.poll_recv(context).is_ready() {
            std::task::Poll::Ready("SIGINT")
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    tracing::info!(
        signal = name,
        "stopping: graceful shutdown, finishing in-flight responses"
    );
    server.stop(true).await;
}

/// The routes; tests mount the same function. Every document lives in the snapshot under its
/// path, so one handler serves them all.
pub fn configure(config: &mut web::ServiceConfig) {
    config.default_service(web::to(answer));
}

/// Every request: the answer, counted in the metrics and, at debug level, logged.
async fn answer(request: HttpRequest, state: web::Data<State>) -> HttpResponse {
    let started = Instant::now();
    // Every check below reads the path as the snapshot knows it: `/%73tatus` is `/status`.
    let path = canonical_path(request.path());
    let response = match path.as_deref() {
        None => not_found(),
        Some(path) => match operator_or_health(&request, path, &state) {
            Some(response) => response,
            None => document(&request, path, &state).await,
        },
    };
    let route = route_kind(
        path.as_deref().unwrap_or(""),
        !request.query_string().is_empty(),
    );
    let sent = response.headers().get(header::CONTENT_ENCODING);
    let coding = Coding::PREFERENCE
        .into_iter()
        .find(|coding| sent.is_some_and(|value| value == coding.token()))
        .unwrap_or(Coding::Identity)
        .token();
    let bytes = match response.body().size() {
        BodySize::Sized(bytes) if request.method() != Method::HEAD => bytes as usize,
        _ => 0,
    };
    let status = response.status().as_u16();
    state.sources.metrics.answered(route, status, coding, bytes);
    tracing::debug!(
        target: "seedfeed::access",
        peer = %request.peer_addr().map_or_else(String::new, |peer| peer.ip().to_string()),
        method = %request.method(),
        path = request.path(),
        query = request.query_string(),
        status,
        coding,
        bytes,
        us = started.elapsed().as_micros() as u64,
        "answered"
    );
    response
}

/// The answers that are not documents — health, readiness, the operator's views (to
/// operators only), and 503 for every document until the first state is published — or
/// `None` for a document.
fn operator_or_health(request: &HttpRequest, path: &str, state: &State) -> Option<HttpResponse> {
    if path == HEALTH_PATH {
        return Some(uncached(
            StatusCode::OK,
            "text/plain; charset=utf-8",
            "up\n",
        ));
    }
    let ready = state.sources.published.load().generation > 0;
    if path == READY_PATH {
        return Some(match ready {
            true => uncached(StatusCode::OK, "text/plain; charset=utf-8", "ready\n"),
            false => starting(),
        });
    }
    let settings = state.settings.load();
    if is_operator_view(path) && !settings.is_operator(request) {
        return Some(not_found());
    }
    if settings.on_operator_listener(request) && !is_operator_view(path) {
        return Some(not_found());
    }
    if !ready {
        return Some(starting());
    }
    if path == METRICS_PATH {
        if !is_read(request) {
            return Some(method_not_allowed());
        }
        let text = state.sources.metrics.encode();
        return Some(uncached(StatusCode::OK, METRICS_MEDIA_TYPE, text));
    }
    None
}

/// An answer no cache may keep.
fn uncached(status: StatusCode, media_type: &'static str, body: impl Into<String>) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type(media_type)
        .body(body.into())
}

/// Before the first state: the scan of the seeds folder is still under way.
fn starting() -> HttpResponse {
    let mut response = uncached(
        StatusCode::SERVICE_UNAVAILABLE,
        "text/plain; charset=utf-8",
        "starting: the seeds folder is being read; try again shortly\n",
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}

/// The document at the canonical `path`.
async fn document(request: &HttpRequest, path: &str, state: &State) -> HttpResponse {
    let request = request.clone();
    let query = request.query_string();
    let snapshot = state.sources.published.load();
    if let Some(document) = snapshot.document(path).filter(|_| query.is_empty()) {
        return with_links(serve(&request, state, document, None), state, path);
    }
    let wanted = match wanted::wanted(path, query) {
        Err(message) => return bad_request(&message),
        Ok(Some(wanted)) => wanted,
        Ok(None) => {
            if let Some(document) = snapshot.document(path) {
                // `/status?x`, `/opml.xml?x`: no filters there; the query means nothing.
                return with_links(serve(&request, state, document, None), state, path);
            }
            // `/nyt` is the folder's page at `/nyt/`: relative links on it need the slash.
            let page = format!("{path}/");
            if !path.ends_with('/') && snapshot.document(&page).is_some() {
                let location = match query {
                    "" => page,
                    query => format!("{page}?{query}"),
                };
                return HttpResponse::PermanentRedirect()
                    .insert_header((header::LOCATION, location))
                    .finish();
            }
            return not_found();
        }
    };
    drop(snapshot);
    if !is_read(&request) {
        return method_not_allowed();
    }
    let key = match query {
        "" => path.to_string(),
        query => format!("{path}?{query}"),
    };
    let document = match state.sources.tail.get(&key) {
        Some(document) => document,
        None => match render_on_request(&state.sources, wanted.clone(), key).await {
            Reply::Found(document) => document,
            Reply::NotFound => return not_found(),
            Reply::Unavailable(message) => return unavailable(&message),
        },
    };
    let mut response = serve(&request, state, &document, Some(&document));
    if let Wanted::Feed(feed) = &wanted
        && let Some(period) = feed.period
        && period.month < Month::of(Utc::now())
        && response.status() == StatusCode::OK
    {
        // A past month changes only when one of its seeds does: rare.
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(ARCHIVE_CACHE),
        );
    }
    with_links(response, state, path)
}

/// `Cache-Control` of the archive of a month gone by.
const ARCHIVE_CACHE: &str = "public, max-age=604800";
/// How long a handler waits for the update thread to render a long-tail document.
const RENDER_DEADLINE: Duration = Duration::from_secs(10);

/// Asks the update thread for a document the tail lacks, if the tail lets one more render
/// in (else a 503 at once), and waits (without blocking the worker) up to
/// [`RENDER_DEADLINE`].
async fn render_on_request(sources: &Sources, wanted: Wanted, key: String) -> Reply {
    let admission = match sources.tail.admit() {
        Ok(admission) => admission,
        Err(shed) => return Reply::Unavailable(shed.message().into()),
    };
    let (reply, answer) = tokio::sync::oneshot::channel();
    let waiter = Waiter::new(reply, admission);
    let request = RenderRequest {
        wanted,
        key,
        waiter,
    };
    if sources
        .updates
        .send(Update::Render(Box::new(request)))
        .is_err()
    {
        return Reply::Unavailable("the server is stopping\n".into());
    }
    match tokio::time::timeout(RENDER_DEADLINE, answer).await {
        Ok(Ok(reply)) => reply,
        _ => {
            sources.tail.count_shed();
            Reply::Unavailable(
                "busy: the document could not be rendered in time; try again\n".into(),
            )
        }
    }
}

/// The `Link` and `Cache-Control` headers particular to the document at `path`.
fn with_links(mut response: HttpResponse, state: &State, path: &str) -> HttpResponse {
    let answered =
        response.status() == StatusCode::OK || response.status() == StatusCode::NOT_MODIFIED;
    if path == STATUS_PATH && answered {
        // The operator's view must be fresh, never a cached copy.
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    } else if path.ends_with('/')
        && answered
        && let Some(links) = state.settings.load().alternates(path)
    {
        response.headers_mut().insert(header::LINK, links);
    } else if answered && let Some(links) = state.settings.load().websub_links(path) {
        response.headers_mut().insert(header::LINK, links);
    }
    response
}

/// GET and HEAD of one document: negotiation, then validators, then bytes. A long-tail
/// document (`held`) is sent in slices and held until they are out, so the tail counts it
/// while a slow reader takes it; a published state's documents are sent whole, one copy into
/// actix's buffer and one write each (at most `max_connections` copies of feeds the snapshot
/// bounds), as the hot path always was.
fn serve(
    request: &HttpRequest,
    state: &State,
    document: &Document,
    held: Option<&Arc<Document>>,
) -> HttpResponse {
    if !is_read(request) {
        return method_not_allowed();
    }
    let headers = request.headers();
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let coding = negotiate::choose(text(header::ACCEPT_ENCODING), |c| {
        document.variant(c).is_some()
    });
    let Some(variant) = coding.and_then(|c| document.variant(c)) else {
        return HttpResponse::NotAcceptable()
            .insert_header((header::VARY, "Accept-Encoding"))
            .content_type("text/plain; charset=utf-8")
            .body("not acceptable: this document is available as br, gzip or identity\n");
    };
    let unchanged = conditional::not_modified(
        text(header::IF_NONE_MATCH),
        text(header::IF_MODIFIED_SINCE),
        &variant.etag,
        document.last_modified,
    );
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, variant.etag.as_str()))
        .insert_header((header::LAST_MODIFIED, document.last_modified_http.as_str()))
        .insert_header((
            header::CACHE_CONTROL,
            state.settings.load().cache_control.clone(),
        ))
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if unchanged {
        return response.finish();
    }
    if let Some(coding) = coding.filter(|&c| c != Coding::Identity) {
        response.insert_header((header::CONTENT_ENCODING, coding.token()));
    }
    response
        .insert_header((header::CONTENT_TYPE, document.media_type))
        .body(match held {
            Some(held) => BoxBody::new(Slices::new(variant.body.clone(), held.clone())),
            None => BoxBody::new(variant.body.clone()),
        })
}

fn is_read(request: &HttpRequest) -> bool {
    request.method() == Method::GET || request.method() == Method::HEAD
}

fn method_not_allowed() -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, "GET, HEAD"))
        .content_type("text/plain; charset=utf-8")
        .body("method not allowed: use GET or HEAD\n")
}

fn bad_request(message: &str) -> HttpResponse {
    HttpResponse::BadRequest()
        .content_type("text/plain; charset=utf-8")
        .body(format!("bad request: {message}\n"))
}

fn unavailable(message: &str) -> HttpResponse {
    HttpResponse::ServiceUnavailable()
        .insert_header((header::RETRY_AFTER, "5"))
        .content_type("text/plain; charset=utf-8")
        .body(message.to_string())
}

fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .content_type("text/plain; charset=utf-8")
        .body("not found: the feeds are /rss.xml, /atom.xml and /feed.json, each folder's under /<folder>/, all of them in /opml.xml\n")
}

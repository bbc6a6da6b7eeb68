//! actix-web: routes and handlers. Handlers only pick pre-rendered bytes out of the current
//! snapshot; they never parse, render, or hold a lock across `.await`.

use std::net::TcpListener;

use actix_web::http::header::{self, ContentType};
use actix_web::{App, HttpResponse, HttpServer, guard, web};

use crate::app::Published;
use crate::index::Snapshot;

/// How long shutdown waits for in-flight responses.
const SHUTDOWN_SECONDS: u64 = 5;

pub fn server(
    listener: TcpListener,
    published: Published,
    workers: usize,
) -> std::io::Result<actix_web::dev::Server> {
    let state = web::Data::new(published);
    let server = HttpServer::new(move || App::new().app_data(state.clone()).configure(configure))
        .workers(workers)
        .shutdown_timeout(SHUTDOWN_SECONDS)
        .listen(listener)?
        .run();
    Ok(server)
}

/// The routes; tests mount the same function.
pub fn configure(config: &mut web::ServiceConfig) {
    let get_or_head = || guard::Any(guard::Get()).or(guard::Head());
    config
        .route("/rss.xml", web::route().guard(get_or_head()).to(rss))
        .route("/atom.xml", web::route().guard(get_or_head()).to(atom))
        .default_service(web::to(not_found));
}

async fn rss(published: web::Data<Published>) -> HttpResponse {
    document(&published.load(), Format::Rss)
}

async fn atom(published: web::Data<Published>) -> HttpResponse {
    document(&published.load(), Format::Atom)
}

#[derive(Clone, Copy)]
enum Format {
    Rss,
    Atom,
}

fn document(snapshot: &Snapshot, format: Format) -> HttpResponse {
    let (body, mime) = match format {
        Format::Rss => (snapshot.rss.clone(), "application/rss+xml; charset=utf-8"),
        Format::Atom => (snapshot.atom.clone(), "application/atom+xml; charset=utf-8"),
    };
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, mime))
        .body(body)
}

async fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .content_type(ContentType::plaintext())
        .body("not found: try /rss.xml or /atom.xml\n")
}

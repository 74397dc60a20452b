//! The files only the door page, the ticket page and the live pages load, embedded in
//! the binary: the door's script, the QR reader (WebAssembly, built from
//! `web/qr-decoder` by build.rs), the offline helper with its service worker, and the
//! live pages' script; and the share button's script (`web/share.js`, loaded by pages
//! with a share box). No other page loads them, so the home page's budget is untouched.
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sha2::Digest;
use std::sync::LazyLock;

const DOOR_JS: &str = include_str!("../../web/door.js");
const OFFLINE_JS: &str = include_str!("../../web/offline.js");
const SERVICE_WORKER_JS: &str = include_str!("../../web/offline-sw.js");
const LIVE_JS: &str = include_str!("../../web/live.js");
const SHARE_JS: &str = include_str!("../../web/share.js");
const QR_DECODER_WASM: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/qr_decoder.wasm"));

/// Where the service worker is served: at the root, so it may keep `/doors/` and
/// `/tickets/` (a worker's scope is at or below its own path).
pub const SERVICE_WORKER: &str = "/offline-sw.js";

/// A file and the tag that names its content: browsers revalidate (`no-cache`) and get
/// "not modified" while the binary is the same.
struct Embedded {
    body: &'static [u8],
    content_type: &'static str,
    etag: LazyLock<String>,
}

macro_rules! embedded {
    ($body:expr, $type:expr) => {
        Embedded { body: $body, content_type: $type, etag: LazyLock::new(|| tag($body)) }
    };
}

fn tag(body: &[u8]) -> String {
    let digest = sha2::Sha256::digest(body);
    format!("\"{}\"", digest.iter().take(8).map(|b| format!("{b:02x}")).collect::<String>())
}

static DOOR: Embedded = embedded!(DOOR_JS.as_bytes(), "text/javascript; charset=utf-8");
static OFFLINE: Embedded = embedded!(OFFLINE_JS.as_bytes(), "text/javascript; charset=utf-8");
static WORKER: Embedded = embedded!(SERVICE_WORKER_JS.as_bytes(), "text/javascript; charset=utf-8");
static LIVE: Embedded = embedded!(LIVE_JS.as_bytes(), "text/javascript; charset=utf-8");
static SHARE: Embedded = embedded!(SHARE_JS.as_bytes(), "text/javascript; charset=utf-8");
static DECODER: Embedded = embedded!(QR_DECODER_WASM, "application/wasm");

fn serve(file: &'static Embedded, request: &HeaderMap) -> Response {
    if file.body.is_empty() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let etag = HeaderValue::from_str(&file.etag).unwrap_or(HeaderValue::from_static("\"\""));
    let headers = [(header::CONTENT_TYPE, HeaderValue::from_static(file.content_type)), (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")), (header::ETAG, etag)];
    if request.get(header::IF_NONE_MATCH).is_some_and(|v| v.as_bytes() == file.etag.as_bytes()) {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    (headers, file.body).into_response()
}

async fn door_script(headers: HeaderMap) -> Response {
    serve(&DOOR, &headers)
}

async fn offline_script(headers: HeaderMap) -> Response {
    serve(&OFFLINE, &headers)
}

async fn live_script(headers: HeaderMap) -> Response {
    serve(&LIVE, &headers)
}

async fn share_script(headers: HeaderMap) -> Response {
    serve(&SHARE, &headers)
}

async fn qr_decoder(headers: HeaderMap) -> Response {
    serve(&DECODER, &headers)
}

/// The worker's own policy (a worker takes it from its script's response): it fetches
/// only this site's pages and files.
async fn service_worker(headers: HeaderMap) -> Response {
    let mut response = serve(&WORKER, &headers);
    response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'self'"));
    response
}

/// The routes of these files.
pub fn routes<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router
        .route(crate::pages::organizer::door::DOOR_SCRIPT, get(door_script))
        .route(crate::pages::organizer::door::QR_DECODER, get(qr_decoder))
        .route(crate::pages::fan::ticket::OFFLINE_SCRIPT, get(offline_script))
        .route(SERVICE_WORKER, get(service_worker))
        .route(crate::pages::live::screen::LIVE_SCRIPT, get(live_script))
        .route(crate::components::share::SHARE_SCRIPT, get(share_script))
}

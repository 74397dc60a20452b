//! The HTTP routes: server functions under /api, pages rendered by Leptos, static files.
use crate::infra::state::AppState;
use crate::app::{shell, App};
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, Request, StatusCode};
use tower::ServiceBuilder;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::set_header::SetResponseHeaderLayer;
use crate::error::AppError;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use crate::cities::Catalogue;
use crate::components::flash::Flash;
use super::page_cache::{Lookup, PageCache};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, handle_server_fns_with_context, LeptosRoutes};

/// What server functions and pages find in their context: the infrastructure's state
/// and the domains' shared data.
fn provide(state: &AppState, cities: &Catalogue) {
    provide_context(state.clone());
    provide_context(cities.clone());
}

/// A form posted by the browser itself (no WASM): answered with a redirect back to the
/// page, which then needs the outcome (`Flash`).
fn is_plain_form_post(request: &Request<Body>) -> bool {
    let header = |name| request.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default();
    request.method() == axum::http::Method::POST
        && header(header::ACCEPT).contains("text/html")
        && header(header::CONTENT_TYPE).starts_with("application/x-www-form-urlencoded")
}

/// The first field holding a NUL character. PostgreSQL cannot store one and no form
/// needs one, so such a field is refused beside itself before any function runs (the
/// same on both databases).
fn field_with_nul(form: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(form).find(|(k, v)| k.contains('\0') || v.contains('\0')).map(|(k, _)| k.replace('\0', ""))
}

async fn server_fn_handler(State(state): State<AppState>, Extension(cities): Extension<Catalogue>, request: Request<Body>) -> Response {
    let plain_form = is_plain_form_post(&request);
    let (parts, body) = request.into_parts();
    // The body limit middleware has already capped the size.
    let form = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    if let Some(field) = field_with_nul(&form) {
        return AppError::field(&field, crate::msg!(errors.nul_character)).into_json_response();
    }
    let request = Request::from_parts(parts, Body::from(form.clone()));
    if !plain_form {
        let response = handle_server_fns_with_context(move || provide(&state, &cities), request).await;
        return with_error_status(response.into_response()).await;
    }
    let (secure, flash_name) = (state.config.secure_cookies(), state.config.cookie_name(crate::infra::flash::COOKIE));
    let path = request.uri().path().to_string();
    let response = handle_server_fns_with_context(move || provide(&state, &cities), request).await.into_response();
    if !response.status().is_redirection() {
        return response;
    }
    let failed = response.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).is_some_and(|l| l.contains("__err="));
    let (mut parts, body) = response.into_parts();
    let fresh = parts.headers.get(header::LOCATION).and_then(|l| l.to_str().ok()).map(|l| crate::infra::flash::fresh_return(l, failed));
    if let Some(location) = fresh.and_then(|l| HeaderValue::from_str(&l).ok()) {
        parts.headers.insert(header::LOCATION, location);
    }
    let answer = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
    let flash = if failed {
        let fields = url::form_urlencoded::parse(&form).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        Flash { path, ok: None, fields }
    } else {
        Flash { path, ok: Some(String::from_utf8_lossy(&answer).into_owned()), fields: Vec::new() }
    };
    if let Some(value) = crate::infra::flash::set_cookie(&flash, &flash_name, secure).and_then(|c| HeaderValue::from_str(&c).ok()) {
        parts.headers.append(header::SET_COOKIE, value);
    }
    Response::from_parts(parts, Body::from(answer))
}

/// Server functions answer every error with 500; give each `AppError` its own status,
/// so a user's mistake is a 4xx. (Form posts without JavaScript get a redirect instead,
/// which is left alone.)
async fn with_error_status(response: Response) -> Response {
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR || !response.headers().contains_key("serverfnerror") {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = error.status_code();
    }
    Response::from_parts(parts, Body::from(bytes))
}

async fn page_handler(State(state): State<AppState>, Extension(cities): Extension<Catalogue>, Extension(cache): Extension<PageCache>, request: Request<Body>) -> Response {
    if let Some(without_key) = crate::live::screen_key::trade_for_cookie(&state, request.uri()).await {
        return without_key;
    }
    let language = request.extensions().get::<crate::infra::locale::RequestLocale>().map_or_else(String::new, |l| format!("{}{}", crate::i18n::I18nLocaleTrait::as_str(l.locale), if l.chosen { "!" } else { "" }));
    let kept = match cache.lookup(&request, &language) {
        Lookup::Hit(page) => return page,
        Lookup::Render { key, keep: true, started } => Some((key, started)),
        Lookup::Render { .. } | Lookup::Private => None,
    };
    let response = render_page(state, cities, request).await;
    let mut response = match kept {
        Some((key, started)) => cache.keep(key, started, response).await,
        None => response,
    };
    response.headers_mut().remove(crate::infra::headers::PAGE_ERROR);
    response
}

async fn render_page(state: AppState, cities: Catalogue, mut request: Request<Body>) -> Response {
    let options = state.leptos_options.clone();
    let page_request = crate::infra::request::PageRequest::new();
    request.extensions_mut().insert(page_request);
    let flash_cookie = (state.config.cookie_name(crate::infra::flash::COOKIE), state.config.secure_cookies());
    let flash = crate::infra::flash::read(request.headers(), &flash_cookie.0);
    let retired_cookies = if flash_cookie.1 { crate::infra::host_cookies::retired_sent(request.headers(), &super::start::PREFIXED_COOKIES) } else { Vec::new() };
    let arrival = crate::sharing::arrival::cookie_for(&state, request.uri(), request.headers(), crate::infra::clock::now()).await;
    let shown = flash.is_some();
    let context = move || {
        provide(&state, &cities);
        provide_context(crate::infra::request::PageReads::new(page_request));
        if let Some(flash) = flash.clone() {
            provide_context(flash);
        }
    };
    // Rendered whole before sending, so pages are complete without JavaScript.
    let handler = leptos_axum::render_app_async_with_context(context, move || shell(options.clone()));
    let mut response = with_page_policy(render_patiently(handler, request, RENDER_PATIENCE).await).await;
    if let Some(arrival) = arrival {
        response.headers_mut().append(header::SET_COOKIE, arrival);
    }
    if shown {
        // Removed once the page has shown it.
        if let Ok(value) = HeaderValue::from_str(&crate::infra::headers::cookie_removal(&flash_cookie.0, flash_cookie.1)) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    crate::infra::host_cookies::remove_retired(response.headers_mut(), &retired_cookies);
    response
}

/// How long a page may take to render before it is rendered afresh, and how often.
const RENDER_PATIENCE: std::time::Duration = std::time::Duration::from_secs(10);
const RENDER_ATTEMPTS: usize = 3;

/// Renders a page; a render that stalls is dropped and the page rendered again. Leptos
/// 0.8 occasionally never resolves a `<Suspense>` during server rendering (a race in
/// its suspense bookkeeping, leptos-rs/leptos#4851 and #4673: idle, no error), which
/// would leave the visitor waiting forever. The stall may also come after the page's
/// head has gone out (the resources' chunks that follow it), so the whole body is
/// awaited here, within the same patience. Pages are reads, so rendering again is safe.
async fn render_patiently<H, F, R>(handler: H, request: Request<Body>, patience: std::time::Duration) -> Response
where
    H: Fn(Request<Body>) -> F,
    F: std::future::Future<Output = R>,
    R: IntoResponse,
{
    let (parts, _) = request.into_parts();
    for attempt in 1..=RENDER_ATTEMPTS {
        let fresh = Request::from_parts(parts.clone(), Body::empty());
        let whole = async {
            let (head, body) = handler(fresh).await.into_response().into_parts();
            axum::body::to_bytes(body, usize::MAX).await.map(|body| Response::from_parts(head, Body::from(body)))
        };
        match tokio::time::timeout(patience, whole).await {
            Ok(Ok(response)) => return response,
            Ok(Err(error)) => {
                tracing::warn!(path = parts.uri.path(), attempt, %error, "a page's body broke off; rendering it again");
                metrics::counter!("page_renders_stalled_total").increment(1);
            }
            Err(_) => {
                tracing::warn!(path = parts.uri.path(), attempt, "a page stopped rendering; rendering it again");
                metrics::counter!("page_renders_stalled_total").increment(1);
            }
        }
    }
    // Both languages: the locale is the page's, which never rendered.
    let busy = crate::msg!(errors.internal);
    (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "5")], format!("{}\n{}", busy.zh, busy.en)).into_response()
}

/// Everything no route names: a file under the site root, else the "page not found"
/// page. That page renders like every other (suspense and all), so it is rendered
/// patiently too: a stalled 404 once left a visitor waiting for a minute.
async fn not_found_or_file(state: AppState, cities: Catalogue, request: Request<Body>) -> Response {
    let context_state = state.clone();
    let handler = leptos_axum::file_and_error_handler_with_context::<AppState, _>(move || provide(&context_state, &cities), shell);
    let attempt = move |request: Request<Body>| handler(request.uri().clone(), State(state.clone()), request);
    let response = render_patiently(attempt, request, RENDER_PATIENCE).await;
    // The 404 page needs its scripts' policy like every page; a file must not be searched
    // for a nonce.
    let page = response.headers().get(header::CONTENT_TYPE).and_then(|t| t.to_str().ok()).is_some_and(|t| t.starts_with("text/html"));
    match page {
        true => with_page_policy(response).await,
        false => response,
    }
}

/// Static files under /pkg. With hashed names (release builds) a name never changes
/// content, so browsers keep it for a year; otherwise they revalidate every time.
/// Precompressed `.br`/`.gz` files are sent when the browser accepts them.
fn static_files<S: Clone + Send + Sync + 'static>(router: Router<S>, options: &leptos::config::LeptosOptions) -> Router<S> {
    if !options.hash_files {
        return router;
    }
    let immutable = |response: &Response<tower_http::services::fs::ServeFileSystemResponseBody>| {
        response.status().is_success().then(|| HeaderValue::from_static("public, max-age=31536000, immutable"))
    };
    let pkg = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, immutable))
        .service(leptos_axum::site_pkg_dir_service(options));
    router.route_service(&leptos_axum::site_pkg_dir_service_route_path(options), pkg)
}

/// Makes sure a page carries the policy naming its scripts' nonce. The shell sets it
/// while rendering, but Leptos occasionally drops that header when the same page is
/// rendered again in quick succession; the page's own nonce is the source of truth.
async fn with_page_policy(response: Response) -> Response {
    if response.headers().contains_key(header::CONTENT_SECURITY_POLICY) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let html = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let nonce = std::str::from_utf8(&html)
        .ok()
        .and_then(|page| page.split("nonce=\"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .filter(|nonce| nonce.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '/' | '=')));
    if let Some(policy) = nonce.and_then(|n| HeaderValue::from_str(&crate::infra::headers::page_policy(n, false)).ok()) {
        parts.headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    Response::from_parts(parts, Body::from(html))
}

/// Every request runs under a reactive owner of its own. leptos_axum makes a server
/// function's owner (and a static file's) a child of whatever owner the thread ran last,
/// which may be another request's page, whose contexts (its reads, its response
/// options) this request would then find. A fresh root cuts that line; pages make their
/// own roots anyway.
async fn in_own_owner(request: Request<Body>, next: axum::middleware::Next) -> Response {
    let root = leptos::prelude::Owner::new_root(None);
    // `new_root` makes the root the thread's current owner: the future keeps it, the
    // thread lets it go.
    let run = leptos::reactive::computed::ScopedFuture::new_untracked(next.run(request));
    root.unset();
    run.await
}

/// How hard responses are compressed as they go out: brotli's own default is its best and
/// slowest setting (11), meant for files compressed once; pages and answers are made
/// for each request, and phones send `Accept-Encoding: br` with every one. Quality 4
/// (gzip level 4) is the usual setting for such content: several times quicker than 11 for a few
/// per cent more bytes.
const COMPRESSION: CompressionLevel = CompressionLevel::Precise(4);

/// What is worth compressing: bodies of a kilobyte or more (an answer to a press is a
/// few hundred bytes and goes in one packet either way), never images (compressed
/// already) or event streams (each event must leave as it is written). A page streamed
/// as it renders (its size unknown) is compressed.
fn worth_compressing() -> impl Predicate {
    SizeAbove::new(1024).and(NotForContentType::GRPC).and(NotForContentType::IMAGES).and(NotForContentType::SSE)
}

pub fn build(state: AppState, cities: Catalogue) -> Router {
    let routes = generate_route_list(App);
    let (fallback_state, fallback_cities) = (state.clone(), cities.clone());
    let options = state.leptos_options.clone();
    let router = Router::new()
        .route("/api/{*fn_name}", get(server_fn_handler).post(server_fn_handler))
        .route("/lang", get(super::locale::switch))
        .route("/healthz", get(super::health::healthz))
        .route("/readyz", get(super::health::readyz))
        .route("/metrics", get(super::health::metrics))
        .route("/events/{id}/live/stream", get(crate::live::stream::live_stream))
        .route("/calendar/city/{file}", get(crate::meetups::feeds::city_feed))
        .route("/calendar/me/{file}", get(crate::meetups::feeds::personal_feed))
        .route("/staff/meetups/{id}/attendees.csv", get(crate::meetups::feeds::attendees_csv))
        .route(crate::privacy::EXPORT_PATH, get(crate::privacy::export::download))
        // Mail apps' one-click unsubscribe; the page at the same URL is Leptos's (GET).
        .route(crate::accounts::unsubscribe::PATH, axum::routing::post(crate::accounts::unsubscribe::one_click))
        .leptos_routes_with_handler(routes, get(page_handler));
    let router = crate::sharing::poster_route::routes(crate::participation::door_files::routes(router));
    static_files(router, &options)
        .fallback(move |request: Request<Body>| not_found_or_file(fallback_state.clone(), fallback_cities.clone(), request))
        // One stack, outermost first (why one: server::start).
        .layer(
            ServiceBuilder::new()
                // brotli or gzip for HTML, JSON and uncompressed files (precompressed ones pass as they are).
                .layer(CompressionLayer::new().quality(COMPRESSION).compress_when(worth_compressing()))
                // Pages and answers depend on the session (a fan's page carries their referral
                // code): never reused without asking, never kept by a shared cache.
                .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache")))
                .layer(axum::middleware::from_fn(in_own_owner))
                .layer(Extension(PageCache::new(super::page_cache::Rule::of(&state.config))))
                .layer(Extension(cities)),
        )
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    /// A handler whose first `stalls` renders never finish.
    fn stalling(stalls: usize, calls: &AtomicUsize) -> impl Fn(Request<Body>) -> futures::future::BoxFuture<'static, &'static str> + '_ {
        move |_| {
            let call = calls.fetch_add(1, Ordering::SeqCst);
            Box::pin(async move {
                if call < stalls {
                    futures::future::pending::<()>().await;
                }
                "the page"
            })
        }
    }

    async fn body(response: Response) -> (StatusCode, String) {
        let status = response.status();
        (status, String::from_utf8_lossy(&axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap_or_default()).into_owned())
    }

    /// A site root with one hashed WASM file and its brotli copy, as a release build
    /// leaves it; the router serves it as `static_files` would.
    async fn fetch_static(hash_files: bool, path: &str) -> Response {
        use tower::ServiceExt as _;
        let site = tempfile::tempdir().expect("site root");
        let pkg = site.path().join("pkg");
        std::fs::create_dir(&pkg).expect("pkg");
        std::fs::write(pkg.join("tongcheng.0a1b2c.wasm"), b"\0asm the module").expect("wasm");
        std::fs::write(pkg.join("tongcheng.0a1b2c.wasm.br"), b"brotli bytes").expect("brotli");
        let options = leptos::config::LeptosOptions::builder()
            .output_name("tongcheng")
            .site_root(site.path().to_string_lossy().to_string())
            .site_pkg_dir("pkg")
            .hash_files(hash_files)
            .build();
        let request = Request::get(path).header(header::ACCEPT_ENCODING, "br, gzip").body(Body::empty()).expect("request");
        static_files(Router::new(), &options).oneshot(request).await.expect("response")
    }

    #[tokio::test]
    async fn hashed_files_are_sent_precompressed_and_kept_for_a_year() {
        let found = fetch_static(true, "/pkg/tongcheng.0a1b2c.wasm").await;
        assert_eq!(found.status(), StatusCode::OK);
        assert_eq!(found.headers()[header::CONTENT_ENCODING], "br");
        assert_eq!(found.headers()[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
        let missing = fetch_static(true, "/pkg/tongcheng.ffffff.wasm").await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        assert!(missing.headers().get(header::CACHE_CONTROL).is_none(), "a missing file is not cached for a year");
        // Without hashed names a file changes under the same name: no year-long route
        // (the site's fallback serves /pkg then, revalidated like every page).
        assert_eq!(fetch_static(false, "/pkg/tongcheng.0a1b2c.wasm").await.status(), StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn a_stalled_render_is_rendered_again() {
        let calls = AtomicUsize::new(0);
        let response = render_patiently(stalling(2, &calls), Request::new(Body::empty()), Duration::from_millis(20)).await;
        assert_eq!(body(response).await, (StatusCode::OK, "the page".to_string()));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_page_whose_body_stalls_after_its_head_is_rendered_again() {
        use futures::StreamExt as _;
        let calls = AtomicUsize::new(0);
        let handler = |_| {
            let call = calls.fetch_add(1, Ordering::SeqCst);
            async move {
                let head = futures::stream::once(async { Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"<html>the head")) });
                if call == 0 {
                    // The head goes out, the rest never comes.
                    Body::from_stream(head.chain(futures::stream::pending()))
                } else {
                    Body::from_stream(head.chain(futures::stream::once(async { Ok(axum::body::Bytes::from_static(b" and the rest</html>")) })))
                }
            }
        };
        let response = render_patiently(handler, Request::new(Body::empty()), Duration::from_millis(20)).await;
        let whole = tokio::time::timeout(Duration::from_secs(5), body(response)).await.expect("the body arrives whole, not stalled");
        assert_eq!(whole, (StatusCode::OK, "<html>the head and the rest</html>".to_string()));
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_page_that_never_renders_is_answered_busy_in_both_languages() {
        let calls = AtomicUsize::new(0);
        let response = render_patiently(stalling(usize::MAX, &calls), Request::new(Body::empty()), Duration::from_millis(20)).await;
        let (status, text) = body(response).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(text.contains("请重试") && text.contains("Please try again"), "{text}");
        assert_eq!(calls.load(Ordering::SeqCst), RENDER_ATTEMPTS);
    }
}

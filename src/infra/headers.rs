//! Security headers on every response. Pages get a Content-Security-Policy that allows
//! only this site's files and the inline scripts carrying the page's nonce (Leptos puts
//! it on its hydration scripts); everything else gets a policy that allows nothing.
use axum::extract::Request;
use axum::http::header::{HeaderName, HeaderValue, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS};
use axum::middleware::Next;
use axum::response::Response;

/// For responses that are not pages (server functions, calendars, CSV, files).
const DEFAULT_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The policy of a rendered page. WebAssembly needs `'wasm-unsafe-eval'` to compile;
/// `cargo leptos watch` reloads pages over a WebSocket on another port.
pub fn page_policy(nonce: &str, live_reload: bool) -> String {
    let connect = if live_reload { "'self' ws:" } else { "'self'" };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src {connect}; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// Called while a page renders: sends the policy with this response's nonce.
pub fn set_page_policy() {
    use leptos::prelude::use_context;
    let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>()) else {
        return;
    };
    let live_reload = std::env::var("LEPTOS_WATCH").is_ok();
    if let Ok(value) = HeaderValue::from_str(&page_policy(&nonce, live_reload)) {
        response.insert_header(CONTENT_SECURITY_POLICY, value);
    }
}

/// Marks a page rendered with an error in it (a header the page handler takes off
/// again): such a page is never kept for other visitors.
pub const PAGE_ERROR: &str = "x-page-error";

/// Called while a page renders an error.
pub fn mark_page_error() {
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(HeaderName::from_static(PAGE_ERROR), HeaderValue::from_static("1"));
    }
}

/// Called while a page renders: the service worker may keep this page for offline use
/// (a door the user may run, a ticket they hold; never an error or a log-in page).
pub fn keep_offline() {
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(HeaderName::from_static("x-keep-offline"), HeaderValue::from_static("1"));
        // Personal (a ticket, a door's list): kept by the page's own worker, by no other cache.
        response.insert_header(axum::http::header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    }
}

/// `; Secure` for a `Set-Cookie` written by hand, when the site is served over HTTPS.
pub fn secure_attribute(secure: bool) -> &'static str {
    if secure { "; Secure" } else { "" }
}

/// The `Set-Cookie` value removing the site's cookie `name` (the attributes it was set
/// with: a `__Host-` cookie is replaced only by one that is `Secure` too).
pub fn cookie_removal(name: &str, secure: bool) -> String {
    format!("{name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{}", secure_attribute(secure))
}

/// The value of the request's cookie `name`.
pub fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value)
}

pub async fn add_security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let defaults: [(HeaderName, &'static str); 4] = [
        (CONTENT_SECURITY_POLICY, DEFAULT_POLICY),
        (X_FRAME_OPTIONS, "DENY"),
        (X_CONTENT_TYPE_OPTIONS, "nosniff"),
        // Links carry one-time tokens (/verify?token=…): never tell other sites. Same-site
        // requests keep the referrer, which form posts without JavaScript return to.
        (REFERRER_POLICY, "same-origin"),
    ];
    for (name, value) in defaults {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_policy_allows_only_nonced_inline_scripts() {
        let policy = page_policy("abc123", false);
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"));
        assert!(!policy.contains("unsafe-inline"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(policy.contains("connect-src 'self';"));
        assert!(page_policy("n", true).contains("connect-src 'self' ws:;"));
    }
}

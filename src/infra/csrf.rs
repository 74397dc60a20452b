//! Cross-site request forgery protection: a state-changing request must come from a
//! page of this site. Browsers say where a request comes from (`Sec-Fetch-Site`,
//! `Origin`), and the session cookie is `SameSite=Lax` on top. `Origin` is compared
//! with `PUBLIC_URL`, not with `Host`, which a reverse proxy may rewrite.
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// `scheme://host[:port]` of the site as browsers see it (from `PUBLIC_URL`).
#[derive(Clone)]
pub struct PublicOrigin(pub Arc<str>);

pub async fn refuse_cross_site_writes(State(origin): State<PublicOrigin>, request: Request, next: Next) -> Response {
    // A mail provider's one-click unsubscribe comes from its servers, not from our
    // pages; the secret in its URL is its authority, and all it can do is stop mail.
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || request.uri().path() == crate::accounts::unsubscribe::PATH;
    if !safe && is_cross_site(request.headers(), &origin.0) {
        tracing::warn!(uri = %request.uri(), "refused a cross-site request");
        return (StatusCode::FORBIDDEN, "This form must be sent from the Tongcheng site itself.").into_response();
    }
    next.run(request).await
}

/// True when the browser reports a sender other than `public_origin`.
pub fn is_cross_site(headers: &HeaderMap, public_origin: &str) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site") {
        if !matches!(site, "same-origin" | "none") {
            return true;
        }
    }
    match header("origin") {
        None => false,
        Some(origin) => url::Url::parse(origin).map(|u| u.origin().ascii_serialization()).as_deref() != Ok(public_origin),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SITE: &str = "https://meetups.example.com";

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn same_origin_passes() {
        assert!(!is_cross_site(&headers(&[("origin", "https://meetups.example.com")]), SITE));
        assert!(!is_cross_site(&headers(&[("origin", "https://Meetups.Example.com:443")]), SITE));
        assert!(!is_cross_site(&headers(&[("sec-fetch-site", "same-origin"), ("host", "a.cn")]), SITE));
        assert!(!is_cross_site(&headers(&[("host", "a.cn")]), SITE), "non-browser clients send neither");
    }

    #[test]
    fn behind_a_proxy_the_host_does_not_matter() {
        let proxied = headers(&[("origin", "https://meetups.example.com"), ("host", "127.0.0.1:3000")]);
        assert!(!is_cross_site(&proxied, SITE));
        let internal = headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")]);
        assert!(is_cross_site(&internal, SITE), "matching Host is not enough");
    }

    #[test]
    fn other_sites_are_refused() {
        assert!(is_cross_site(&headers(&[("origin", "https://evil.example"), ("host", "a.cn")]), SITE));
        assert!(is_cross_site(&headers(&[("origin", "http://meetups.example.com")]), SITE), "another scheme");
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site"), ("host", "a.cn")]), SITE));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "same-site"), ("host", "a.cn")]), SITE));
        assert!(is_cross_site(&headers(&[("origin", "null"), ("host", "a.cn")]), SITE));
    }
}

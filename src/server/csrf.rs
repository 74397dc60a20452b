//! Cross-site request forgery protection: a state-changing request must come from a
//! page of this site. Browsers say where a request comes from (`Sec-Fetch-Site`,
//! `Origin`), and the session cookie is `SameSite=Lax` on top.
use axum::extract::Request;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn refuse_cross_site_writes(request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && is_cross_site(request.headers()) {
        tracing::warn!(uri = %request.uri(), "refused a cross-site request");
        return (StatusCode::FORBIDDEN, "This form must be sent from the Tongcheng site itself.").into_response();
    }
    next.run(request).await
}

/// True when the browser reports another site as the sender.
pub fn is_cross_site(headers: &HeaderMap) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site") {
        if !matches!(site, "same-origin" | "none") {
            return true;
        }
    }
    match (header("origin"), header("host")) {
        (Some("null"), _) => true,
        (Some(origin), Some(host)) => origin.split_once("://").map(|(_, authority)| authority) != Some(host),
        (Some(_), None) => true,
        (None, _) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn same_origin_passes() {
        assert!(!is_cross_site(&headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")])));
        assert!(!is_cross_site(&headers(&[("sec-fetch-site", "same-origin"), ("host", "a.cn")])));
        assert!(!is_cross_site(&headers(&[("host", "a.cn")])), "non-browser clients send neither");
    }

    #[test]
    fn other_sites_are_refused() {
        assert!(is_cross_site(&headers(&[("origin", "https://evil.example"), ("host", "a.cn")])));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site"), ("host", "a.cn")])));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "same-site"), ("host", "a.cn")])));
        assert!(is_cross_site(&headers(&[("origin", "null"), ("host", "a.cn")])));
    }
}

//! The room's screen link carries its key in the address (`/events/{id}/live?key=…`).
//! Left there it would stay in the projector's address bar, in sight of the room, in the
//! browser's history, and in a proxy's access log at every reload. The first visit trades
//! it for a cookie kept only for that screen's address (its page, and its stream below
//! it) and goes on to the address without the key; the page and the stream read the key
//! from the cookie. Whether the key still opens anything is decided where it is read.
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

/// The cookie's name (one per screen address, so one name serves every event).
pub const COOKIE: &str = "tongcheng_screen";
/// How long the browser keeps it; the key itself stops opening hours after the meetup
/// ends (`live::SCREEN_LINK_AFTER_END_SECS`).
const KEPT_SECS: i64 = 7 * 24 * 3600;

/// The event whose screen page `path` is.
fn screen_of(path: &str) -> Option<i64> {
    let id = path.strip_prefix("/events/")?.strip_suffix("/live")?;
    id.bytes().all(|b| b.is_ascii_digit()).then(|| id.parse().ok()).flatten()
}

/// A key as `secrets::random_secret` makes them (URL-safe base64): anything else opens
/// nothing and is not worth a cookie.
fn well_formed(key: &str) -> bool {
    (16..=128).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// For a screen page opened by its link: the way on to the same page without the key,
/// setting the cookie (`None` for any other request).
pub fn trade_for_cookie(uri: &Uri, secure: bool) -> Option<Response> {
    let event = screen_of(uri.path())?;
    let key = url::form_urlencoded::parse(uri.query()?.as_bytes()).find(|(name, _)| name == "key")?.1;
    let page = format!("/events/{event}/live");
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, page.clone())]).into_response();
    let headers = response.headers_mut();
    if well_formed(&key) {
        let cookie = format!("{COOKIE}={key}; Path={page}; Max-Age={KEPT_SECS}; HttpOnly; SameSite=Lax{}", crate::infra::headers::secure_attribute(secure));
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            headers.append(header::SET_COOKIE, value);
        }
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    Some(response)
}

/// The screen key the request carries (its cookie; the browser sends it only under the
/// screen's own address).
pub fn from_cookie(headers: &HeaderMap) -> Option<String> {
    crate::infra::headers::cookie(headers, COOKIE).filter(|key| well_formed(key)).map(str::to_string)
}

/// The key of the server function's request, if it carries one.
pub fn of_request() -> Option<String> {
    leptos::prelude::use_context::<axum::http::request::Parts>().and_then(|parts| from_cookie(&parts.headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "Wq3vY0b2_x-8s7tKpLmN4oRzA1cD5eFgHiJkLmNoPqR";

    fn uri(text: &str) -> Uri {
        text.parse().expect("uri")
    }

    #[test]
    fn a_screen_link_goes_on_without_its_key_which_goes_into_a_cookie_for_that_screen_only() {
        let response = trade_for_cookie(&uri(&format!("/events/42/live?key={KEY}")), true).expect("traded");
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()[header::LOCATION], "/events/42/live");
        let cookie = response.headers()[header::SET_COOKIE].to_str().expect("text");
        assert_eq!(cookie, format!("{COOKIE}={KEY}; Path=/events/42/live; Max-Age=604800; HttpOnly; SameSite=Lax; Secure"));
        let mut sent = HeaderMap::new();
        sent.insert(header::COOKIE, HeaderValue::from_str(&format!("lang=en; {COOKIE}={KEY}")).expect("header"));
        assert_eq!(from_cookie(&sent).as_deref(), Some(KEY));
    }

    #[test]
    fn other_addresses_and_keys_that_cannot_be_one_are_left_alone() {
        for other in ["/events/42/live", "/events/42/live?lang=en", "/events/42/play?key=x", "/events/42/live/run?key=x", "/events/4x2/live?key=x", "/events//live?key=x"] {
            assert!(trade_for_cookie(&uri(other), false).is_none(), "{other}");
        }
        let odd = trade_for_cookie(&uri("/events/42/live?key=a%3Bb%3DPath%3D%2F"), false).expect("still goes on without it");
        assert!(odd.headers().get(header::SET_COOKIE).is_none(), "no cookie made of a key that cannot be one");
        let mut sent = HeaderMap::new();
        sent.insert(header::COOKIE, HeaderValue::from_static("tongcheng_screen=short"));
        assert_eq!(from_cookie(&sent), None);
    }
}

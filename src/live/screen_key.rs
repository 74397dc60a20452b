//! The room's screen link carries its key in the address (`/events/{id}/live?key=…`).
//! Left there it would stay in the projector's address bar, in sight of the room, and in
//! a proxy's access log at every reload. The first visit trades it for a cookie kept only
//! for that screen's address (its page, and its stream below it) and goes on to the
//! address without the key; the page and the stream read the key from the cookie.
//!
//! Only a key that opens the screen becomes a cookie: a link from anywhere could
//! otherwise fill a browser's cookies (one per event's address) until it dropped its
//! log-in, or overwrite a projector's working key. Over HTTPS the cookie is named
//! `__Secure-…` (`__Host-` needs `Path=/`), so a page over plain HTTP cannot plant one;
//! a planted cookie still cannot hide the real one: every key sent is tried.
use crate::infra::state::AppState;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

/// The cookie's name (one per screen address, so one name serves every event).
const COOKIE: &str = "tongcheng_screen";
/// How long the browser keeps it; the key itself stops opening hours after the meetup
/// ends (`live::SCREEN_LINK_AFTER_END_SECS`).
const KEPT_SECS: i64 = 7 * 24 * 3600;
/// Screen keys read from one request at most (the real one among a few planted).
const KEYS_READ: usize = 3;

fn cookie_name(secure: bool) -> &'static str {
    if secure { "__Secure-tongcheng_screen" } else { COOKIE }
}

/// The event of a screen page's address (`None` for an address of that shape whose id
/// is not one: it goes on to the home page).
fn screen_of(path: &str) -> Option<Option<i64>> {
    let id = path.strip_prefix("/events/")?.strip_suffix("/live")?;
    Some(id.bytes().all(|b| b.is_ascii_digit()).then(|| id.parse().ok()).flatten())
}

/// A key as `secrets::random_secret` makes them (URL-safe base64): anything else opens
/// nothing and is not worth a cookie.
fn well_formed(key: &str) -> bool {
    (16..=128).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// For a screen page opened by its link: the way on to the same page without the key,
/// setting the cookie if the key opens the screen (`None` for any other request).
pub async fn trade_for_cookie(state: &AppState, uri: &Uri) -> Option<Response> {
    let event = screen_of(uri.path())?;
    let key = url::form_urlencoded::parse(uri.query()?.as_bytes()).find(|(name, _)| name == "key")?.1;
    let page = event.map_or_else(|| "/".to_string(), |event| format!("/events/{event}/live"));
    let secure = state.config.secure_cookies();
    let cookie = match event {
        Some(event) if well_formed(&key) && opens(state, event, &key).await => {
            HeaderValue::from_str(&format!("{}={key}; Path={page}; Max-Age={KEPT_SECS}; HttpOnly; SameSite=Lax{}", cookie_name(secure), crate::infra::headers::secure_attribute(secure))).ok()
        }
        _ => None,
    };
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, page)]).into_response();
    let headers = response.headers_mut();
    headers.extend(cookie.map(|value| (header::SET_COOKIE, value)));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    Some(response)
}

async fn opens(state: &AppState, event: i64, key: &str) -> bool {
    match crate::meetups::repo::event_info(&state.db.pool, event).await {
        Ok(Some(info)) => first_that_opens(&state.db.pool, &info, vec![key.to_string()]).await.ok().flatten().is_some(),
        _ => false,
    }
}

/// The first of `keys` (from the address, then the cookies) that opens `event`'s screen now.
pub async fn first_that_opens(pool: &sqlx::AnyPool, event: &crate::meetups::repo::EventInfo, keys: Vec<String>) -> Result<Option<String>, sqlx::Error> {
    for key in keys {
        if super::repo::screen_key_opens(pool, event, &key, crate::infra::clock::now()).await? {
            return Ok(Some(key));
        }
    }
    Ok(None)
}

/// The screen keys the request carries (its cookies; the browser sends them only under
/// the screen's own address), well-formed ones only, a few at most.
pub fn from_cookies(headers: &HeaderMap, secure: bool) -> Vec<String> {
    let name = cookie_name(secure);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(n, key)| *n == name && well_formed(key))
        .map(|(_, key)| key.to_string())
        .take(KEYS_READ)
        .collect()
}

/// The keys of the server function's request.
pub fn of_request(secure: bool) -> Vec<String> {
    leptos::prelude::use_context::<axum::http::request::Parts>().map_or_else(Vec::new, |parts| from_cookies(&parts.headers, secure))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "Wq3vY0b2_x-8s7tKpLmN4oRzA1cD5eFgHiJkLmNoPqR";

    #[test]
    fn only_a_screen_pages_address_with_a_key_is_traded() {
        assert_eq!(screen_of("/events/42/live"), Some(Some(42)));
        assert_eq!(screen_of("/events/%34%32/live"), Some(None), "not an id: goes on home");
        assert_eq!(screen_of("/events/99999999999999999999/live"), Some(None));
        for other in ["/events/42/play", "/events/42/live/run", "/events/42/live/stream", "/meetups/42"] {
            assert_eq!(screen_of(other), None, "{other}");
        }
        assert!(well_formed(KEY));
        for odd in ["short", "a;b=Path=/aaaaaaaaaaaaaaa", "space in it aaaaaaaaa"] {
            assert!(!well_formed(odd), "{odd}");
        }
    }

    #[test]
    fn every_well_formed_key_sent_is_read_under_the_right_name() {
        let mut sent = HeaderMap::new();
        let planted = "Planted0123456789abcdef";
        sent.insert(header::COOKIE, HeaderValue::from_str(&format!("lang=en; tongcheng_screen={planted}; tongcheng_screen=bad; tongcheng_screen={KEY}")).expect("header"));
        assert_eq!(from_cookies(&sent, false), [planted, KEY], "a planted cookie first does not hide the real one");
        assert!(from_cookies(&sent, true).is_empty(), "over HTTPS only the __Secure- name counts");
        sent.insert(header::COOKIE, HeaderValue::from_str(&format!("__Secure-tongcheng_screen={KEY}")).expect("header"));
        assert_eq!(from_cookies(&sent, true), [KEY]);
    }
}

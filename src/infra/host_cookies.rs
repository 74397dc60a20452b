//! Over HTTPS the site's cookies are named `__Host-…` (`Config::cookie_name`), which
//! browsers accept only with `Secure` — their removal too. tower-sessions writes a
//! session's removal (log-out, an ended session) from the cookie the browser sent, name
//! and value only, without `Secure`: the browser would ignore it and keep sending a dead
//! session, whose pages are then never the shared visitor's copy. `secure_removals` adds
//! the flag to every response (a plain map of the response, mounted over HTTPS only, the
//! lightest layer there is). Pages also
//! remove, once, the bare-named cookies of before the prefix (`remove_retired`).
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;

/// The response with `Secure` on every `__Host-` cookie it sets (for `map_response`).
pub fn secure_removals(mut response: Response) -> Response {
    secure_host_cookies(response.headers_mut());
    response
}

/// Which of the bare-named cookies (`retired`) the request still carries: over HTTPS
/// nothing reads them any more, and any cookie keeps a visitor's pages private.
pub fn retired_sent(request: &HeaderMap, retired: &[&'static str]) -> Vec<&'static str> {
    retired.iter().copied().filter(|name| super::headers::cookie(request, name).is_some()).collect()
}

/// Removes the cookies `names` (bare names, set before the prefix) from the browser.
pub fn remove_retired(response: &mut HeaderMap, names: &[&str]) {
    for name in names {
        if let Ok(removal) = HeaderValue::from_str(&super::headers::cookie_removal(name, true)) {
            response.append(SET_COOKIE, removal);
        }
    }
}

/// Adds `Secure` to every `__Host-` cookie set without it.
pub fn secure_host_cookies(headers: &mut HeaderMap) {
    let needs_flag = |value: &HeaderValue| {
        let text = value.to_str().unwrap_or("");
        text.starts_with("__Host-") && !text.split(';').skip(1).any(|attribute| attribute.trim().eq_ignore_ascii_case("secure"))
    };
    if !headers.get_all(SET_COOKIE).iter().any(needs_flag) {
        return;
    }
    let cookies: Vec<HeaderValue> = headers.get_all(SET_COOKIE).iter().cloned().collect();
    headers.remove(SET_COOKIE);
    for cookie in cookies {
        let fixed = if needs_flag(&cookie) { HeaderValue::from_str(&format!("{}; Secure", cookie.to_str().unwrap_or(""))).unwrap_or(cookie) } else { cookie };
        headers.append(SET_COOKIE, fixed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set_cookies(values: &[&'static str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(SET_COOKIE, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn a_host_cookie_removed_without_secure_gets_it() {
        let mut headers = set_cookies(&["__Host-s=; Path=/; Max-Age=0", "lang=en; Path=/", "__Host-r=x; Path=/; Secure; HttpOnly"]);
        secure_host_cookies(&mut headers);
        let all: Vec<&str> = headers.get_all(SET_COOKIE).iter().map(|v| v.to_str().unwrap()).collect();
        assert_eq!(all, ["__Host-s=; Path=/; Max-Age=0; Secure", "lang=en; Path=/", "__Host-r=x; Path=/; Secure; HttpOnly"]);
    }

    #[test]
    fn cookies_already_right_are_left_alone() {
        let mut headers = set_cookies(&["__Host-s=v; secure; Path=/", "other=1"]);
        secure_host_cookies(&mut headers);
        let all: Vec<&str> = headers.get_all(SET_COOKIE).iter().map(|v| v.to_str().unwrap()).collect();
        assert_eq!(all, ["__Host-s=v; secure; Path=/", "other=1"]);
    }
}

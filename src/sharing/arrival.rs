//! Remembering the link that brought a visitor: the first page they open with a fan's
//! `?ref=` sets a cookie for 30 days (first touch: a later link does not replace it);
//! registering reads it (`arrival`) and clears it, so one browser brings one account.
use super::{parse_arrival, parse_code, ARRIVAL_WINDOW_SECS, REF_COOKIE, REF_PARAM};
use crate::infra::state::AppState;
use axum::http::{HeaderMap, HeaderValue, Uri};

/// The cookie to set for a page request, if it arrived through a fan's link and the
/// browser has none yet. Unknown codes are ignored.
pub async fn cookie_for(state: &AppState, uri: &Uri, headers: &HeaderMap, now: i64) -> Option<HeaderValue> {
    let code = url::form_urlencoded::parse(uri.query()?.as_bytes()).find(|(k, _)| k == REF_PARAM).and_then(|(_, v)| parse_code(&v))?;
    let name = state.config.cookie_name(REF_COOKIE);
    if crate::infra::headers::cookie(headers, &name).and_then(parse_arrival).is_some() {
        return None;
    }
    match super::referrals::referrer(&state.db, &code).await {
        Ok(Some(_)) => {}
        Ok(None) => return None,
        Err(error) => {
            tracing::warn!(%error, "referral code lookup");
            return None;
        }
    }
    let secure = crate::infra::headers::secure_attribute(state.config.secure_cookies());
    HeaderValue::from_str(&format!("{name}={code}.{now}; Path=/; Max-Age={ARRIVAL_WINDOW_SECS}; HttpOnly; SameSite=Lax{secure}")).ok()
}

/// The remembered arrival of the request being served (a server function's).
pub fn arrival() -> Option<(String, i64)> {
    let parts = leptos::prelude::use_context::<axum::http::request::Parts>()?;
    let config = &crate::infra::request::state().ok()?.config;
    crate::infra::headers::cookie(&parts.headers, &config.cookie_name(REF_COOKIE)).and_then(parse_arrival)
}

/// Clears the cookie once a registration has used it.
pub fn clear() {
    let Ok(state) = crate::infra::request::state() else { return };
    let removal = crate::infra::headers::cookie_removal(&state.config.cookie_name(REF_COOKIE), state.config.secure_cookies());
    if let (Some(options), Ok(value)) = (leptos::prelude::use_context::<leptos_axum::ResponseOptions>(), HeaderValue::from_str(&removal)) {
        options.append_header(axum::http::header::SET_COOKIE, value);
    }
}

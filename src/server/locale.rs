//! The language switch (中文 / EN): a plain link, so it works before the WASM has
//! loaded. It remembers the choice in a cookie and, for a logged-in fan, on the account,
//! so their emails follow it.
use crate::i18n::Locale;
use crate::infra::locale::cookie;
use crate::infra::request::USER_ID;
use crate::infra::state::AppState;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

#[derive(Deserialize)]
pub struct Switch {
    to: String,
    next: Option<String>,
}

/// `GET /lang?to=en&next=/meetups`: sets the language and goes back (never off-site).
pub async fn switch(State(state): State<AppState>, session: Session, headers: HeaderMap, Query(switch): Query<Switch>) -> Response {
    // The one reader of redirect targets, as log-in uses it.
    let next = crate::accounts::safe_next(switch.next.as_deref(), &state.config.public_url);
    let Ok(locale) = switch.to.parse::<Locale>() else {
        return Redirect::to(&next).into_response();
    };
    // Only a switch clicked on this site changes the account (a link elsewhere may not).
    let same_site = !crate::infra::csrf::is_cross_site(&headers, &state.config.public_origin());
    if same_site {
        if let Ok(Some(user_id)) = session.get::<i64>(USER_ID).await {
            if let Err(error) = crate::accounts::repo::set_locale(&state.db, user_id, locale).await {
                tracing::warn!(%error, "saving the account's language");
            }
        }
    }
    ([(header::SET_COOKIE, cookie(locale, state.config.secure_cookies()))], Redirect::to(&next)).into_response()
}

//! Request-scoped helpers for server functions: the app state, the session and the
//! client's address. (Who is logged in is the accounts domain's: `accounts::auth`.)
use super::state::AppState;
use crate::error::AppError;
use axum::extract::ConnectInfo;
use leptos::prelude::use_context;
use std::net::SocketAddr;
use tower_sessions::Session;

pub const USER_ID: &str = "user_id";
pub const SESSION_VERSION: &str = "session_version";

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| AppError::internal("context", "AppState missing"))
}

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>()
        .await
        .map_err(|e| AppError::internal("session extractor", e))
}

/// The client, for rate limits: the connection's peer, or, when that peer is listed in
/// `TRUSTED_PROXIES`, the address the proxy forwarded (`X-Forwarded-For`); an IPv6
/// client by its /64 (`rate_limit::address_key`).
pub async fn client_key() -> String {
    let Ok(ConnectInfo(addr)) = leptos_axum::extract::<ConnectInfo<SocketAddr>>().await else {
        return "unknown".into();
    };
    let trusted = state().map(|s| s.config.trusted_proxies.clone()).unwrap_or_default();
    let forwarded = use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()).map(str::to_string));
    super::rate_limit::client_key(addr.ip(), forwarded.as_deref(), &trusted)
}

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

/// The client's address, for rate limits. Behind a proxy every client shares the
/// proxy's address, which errs on the safe side.
pub async fn client_ip() -> String {
    match leptos_axum::extract::<ConnectInfo<SocketAddr>>().await {
        Ok(ConnectInfo(addr)) => addr.ip().to_string(),
        Err(_) => "unknown".into(),
    }
}

//! Request-scoped helpers for server functions: the app state, the session, the
//! logged-in user and the checks that guard every server function.
use super::state::AppState;
use crate::accounts::{repo, CurrentUser};
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

/// The logged-in user, or `None`. A session whose password has since been reset is
/// no longer valid.
pub async fn current_user() -> Result<Option<CurrentUser>, AppError> {
    let session = session().await?;
    let Some(user_id) = session.get::<i64>(USER_ID).await? else {
        return Ok(None);
    };
    let version = session.get::<i64>(SESSION_VERSION).await?.unwrap_or(-1);
    let state = state()?;
    match repo::load_current(&state.db, user_id, version).await? {
        Some(user) => Ok(Some(user)),
        None => {
            session.flush().await?;
            Ok(None)
        }
    }
}

pub async fn require_user() -> Result<CurrentUser, AppError> {
    current_user().await?.ok_or(AppError::Unauthorized)
}

pub async fn require_staff() -> Result<CurrentUser, AppError> {
    let user = require_user().await?;
    if user.role.is_staff() {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

pub async fn require_admin() -> Result<CurrentUser, AppError> {
    let user = require_user().await?;
    if user.role == crate::accounts::Role::Admin {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

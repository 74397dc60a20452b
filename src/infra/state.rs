//! What every request handler and server function can reach.
use super::config::Config;
use super::db::Db;
use super::rate_limit::RateLimits;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
    pub db: Db,
    pub rate_limits: Arc<RateLimits>,
    /// Where presses of "sign up" are served together (`meetups::desk`).
    pub sign_ups: crate::meetups::desk::SignUpDesk,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

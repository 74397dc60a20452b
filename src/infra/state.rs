//! What every request handler and server function can reach.
use super::config::Config;
use super::db::Db;
use super::rate_limit::RateLimits;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

/// The app's services, shared: a request clones this handle several times (its
/// extractors, the server function's and the page's contexts), so a clone is one
/// reference count, not one per service.
#[derive(Clone)]
pub struct AppState(Arc<AppServices>);

pub struct AppServices {
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
    pub db: Db,
    pub rate_limits: Arc<RateLimits>,
    /// Where presses of "sign up" are served together (`meetups::desk`).
    pub sign_ups: crate::meetups::desk::SignUpDesk,
}

impl AppState {
    pub fn new(services: AppServices) -> AppState {
        AppState(Arc::new(services))
    }
}

impl std::ops::Deref for AppState {
    type Target = AppServices;

    fn deref(&self) -> &AppServices {
        &self.0
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

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

/// Reads shared by one page's render. A page asks for the same rows from several
/// widgets (the logged-in user from the menu, the page and each section; the event from
/// the page and its conversation); each is read once per render. Only page renders
/// provide it: a render changes nothing, so what was read stays true until it ends.
/// Server functions called on their own read afresh.
///
/// The reads belong to one request (`PageRequest`, in that request's extensions): left
/// to itself leptos_axum makes a server function's owner a child of whatever owner the
/// thread last ran, which can be another request's page. Every request runs under a root
/// of its own (`server::routes::in_own_owner`); should anything still find another
/// request's reads, the token makes it read afresh.
#[derive(Clone)]
pub struct PageReads {
    request: PageRequest,
    slots: std::sync::Arc<std::sync::Mutex<PageSlots>>,
}

/// Marks the request a page is rendered for (random: nobody can name another's).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct PageRequest(u128);

impl PageRequest {
    pub fn new() -> PageRequest {
        PageRequest(rand::random())
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self::new()
    }
}

type PageSlots = std::collections::HashMap<(std::any::TypeId, i64), std::sync::Arc<dyn std::any::Any + Send + Sync>>;

impl PageReads {
    /// Reads for the page rendered for `request` (in its extensions too).
    pub fn new(request: PageRequest) -> PageReads {
        PageReads { request, slots: std::sync::Arc::default() }
    }

    /// `read()`'s answer, read once per render for `key` (outside a render: every time).
    pub async fn once<T, E, F, Fut>(key: i64, read: F) -> Result<T, E>
    where
        T: Clone + Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
    {
        let Some(reads) = use_context::<PageReads>() else {
            return read().await;
        };
        // The nearest `Parts` is always the request's own.
        let own = use_context::<axum::http::request::Parts>().and_then(|parts| parts.extensions.get::<PageRequest>().copied());
        if own != Some(reads.request) {
            return read().await;
        }
        let slot = {
            let mut slots = reads.slots.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let slot = slots.entry((std::any::TypeId::of::<T>(), key)).or_insert_with(|| std::sync::Arc::new(tokio::sync::OnceCell::<T>::new()));
            slot.clone().downcast::<tokio::sync::OnceCell<T>>()
        };
        match slot {
            Ok(cell) => cell.get_or_try_init(read).await.cloned(),
            Err(_) => read().await,
        }
    }
}

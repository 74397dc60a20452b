//! Presses that take places (sign up, apply for a seat) wait here, in this process, in
//! the order they came, before they touch the database. The database serves only so
//! many at once; without this queue each waiting press also waited in the read pool's
//! queue (its session, its account), and a fan merely loading a page waited behind
//! thousands of presses: 20–30 s for the meetup page during a sign-up rush
//! (BENCHMARKS.md, the refresh storm). Presses still wait their turn; pages do not.
//! A press that waits longer than `WAIT_AT_MOST` is answered "busy, press again" with
//! nothing done (pressing again is safe: a sign-up is idempotent).
use crate::error::AppError;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// The server functions whose presses queue.
pub const PATHS: &[&str] = &["/api/sign_up", "/api/apply_for_seat"];
/// As long as a request waits for a database connection before it is told "unavailable".
pub const WAIT_AT_MOST: Duration = Duration::from_secs(10);

/// Turns for presses: `at_once` run, the rest wait in arrival order (tokio's
/// semaphore is fair).
#[derive(Clone)]
pub struct PressQueue {
    turns: Arc<Semaphore>,
    wait_at_most: Duration,
}

impl PressQueue {
    /// Twice the write pool: while some presses are in their transaction, the next are
    /// reading their session, so the writers never wait for work.
    pub fn for_pool(connections: u32) -> PressQueue {
        PressQueue::new(2 * connections.max(1) as usize, WAIT_AT_MOST)
    }

    pub fn new(at_once: usize, wait_at_most: Duration) -> PressQueue {
        PressQueue { turns: Arc::new(Semaphore::new(at_once)), wait_at_most }
    }
}

/// Middleware (outside the session layer, so a waiting press has not read its session
/// yet): a press runs in its turn; every other request passes.
pub async fn in_turn(State(queue): State<PressQueue>, request: Request, next: Next) -> Response {
    if request.method() != axum::http::Method::POST || !PATHS.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    let Ok(Ok(_turn)) = tokio::time::timeout(queue.wait_at_most, queue.turns.acquire()).await else {
        metrics::counter!("presses_busy_total").increment(1);
        return AppError::Busy.into_response();
    };
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::StatusCode;
    use axum::routing::{get, post};
    use axum::Router;
    use tower::ServiceExt;

    /// One turn, held by a press that waits until the test lets it go.
    fn site(queue: PressQueue, release: Arc<tokio::sync::Notify>, started: Arc<tokio::sync::Notify>) -> Router {
        Router::new()
            .route(
                "/api/sign_up",
                post(move || {
                    let (release, started) = (release.clone(), started.clone());
                    async move {
                        started.notify_one();
                        release.notified().await;
                        "signed up"
                    }
                }),
            )
            .route("/meetups/1", get(|| async { "the page" }))
            .layer(axum::middleware::from_fn_with_state(queue, in_turn))
    }

    fn request(method: &str, path: &str) -> Request {
        Request::builder().method(method).uri(path).body(Body::empty()).unwrap_or_default()
    }

    #[tokio::test]
    async fn a_press_without_a_turn_is_told_busy_and_pages_never_wait() {
        let (release, started) = (Arc::new(tokio::sync::Notify::new()), Arc::new(tokio::sync::Notify::new()));
        let site = site(PressQueue::new(1, Duration::from_millis(50)), release.clone(), started.clone());
        let first = tokio::spawn(site.clone().oneshot(request("POST", "/api/sign_up")));
        started.notified().await;
        let page = site.clone().oneshot(request("GET", "/meetups/1")).await.map(|r| r.status());
        assert_eq!(page.ok(), Some(StatusCode::OK), "a page passes while the press has the turn");
        let second = site.clone().oneshot(request("POST", "/api/sign_up")).await.map(|r| r.status());
        assert_eq!(second.ok(), Some(StatusCode::SERVICE_UNAVAILABLE), "no turn within the wait: busy");
        release.notify_one();
        let first = first.await.ok().and_then(Result::ok).map(|r| r.status());
        assert_eq!(first, Some(StatusCode::OK));
        // The turn is free again: the next press runs.
        let third = tokio::spawn(site.clone().oneshot(request("POST", "/api/sign_up")));
        started.notified().await;
        release.notify_one();
        assert_eq!(third.await.ok().and_then(Result::ok).map(|r| r.status()), Some(StatusCode::OK));
    }
}

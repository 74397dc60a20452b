//! Presses that take places (sign up, apply for a seat, a festival session) wait here,
//! in this process, in the order they came, before they touch the database. When more fans press than the
//! two cores can serve (a sign-up opening in the middle of a refresh storm: 1,785 presses
//! and 400 page loads a second), every request slows down unless some wait: without this
//! queue each waiting press also waited in the pool's queue (its session, its account)
//! and a fan merely loading the meetup page waited behind them, 7–17 s (BENCHMARKS.md,
//! the refresh storm). Presses still wait their turn, in order; pages do not. A turn
//! covers reading the press's session and fan; a sign-up then gives it back and waits
//! at the sign-up desk, which serves all presses waiting there together (`turn_done`).
//! A press that waits longer than `press_wait_seconds` is answered "busy, press again"
//! with nothing done (pressing again is safe: a sign-up is idempotent); so, at once, is
//! a press arriving behind one that has already waited half that (`press_line`).
use crate::error::AppError;
use crate::infra::config::Config;
use crate::infra::press_line::{self, PressLine};
use crate::infra::press_pace::{Held, Pace};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// The server functions whose presses queue.
pub const PATHS: &[&str] = &["/api/sign_up", "/api/apply_for_seat", "/api/switch_session"];

/// Turns for presses: `at_once` run, the rest wait in arrival order (tokio's
/// semaphore is fair); and the pages being answered, which go first.
#[derive(Clone)]
pub struct PressQueue {
    turns: Pace,
    wait_at_most: Duration,
    pages: Arc<watch::Sender<usize>>,
    give_way: Duration,
    line: PressLine,
    turn_away_after: Duration,
}

/// The share of `press_wait_seconds` the press longest in line may have waited before
/// newcomers are told busy at once: half (5 s by default) keeps the line to about five
/// seconds of arrivals (8,900 connections at the moment's 1,785 presses a second, inside
/// the open-file limits) while a line that drains in time takes everyone (at 2 s, a
/// storm's line emptied and refilled in turns and a third of its fans were told busy).
const TURN_AWAY_SHARE: u32 = 2;

/// Pages being answered in this process beyond which a press waits for them before
/// taking a turn, for at most `GIVE_WAY`: pages go first, but a site always busy with
/// pages still takes sign-ups.
const PAGES_AHEAD: usize = 1;
const GIVE_WAY: Duration = Duration::from_millis(50);

impl PressQueue {
    /// As the settings say (`PRESSES_AT_ONCE`, `PRESS_WAIT_SECONDS`, `PRESS_PAGE_TARGET_MS`).
    pub fn of(config: &Config) -> PressQueue {
        let target = Some(Duration::from_millis(config.press_page_target_ms.into())).filter(|t| !t.is_zero());
        PressQueue::paced(config.presses_at_once as usize, Duration::from_secs(config.press_wait_seconds.into()), GIVE_WAY, target)
    }

    pub fn new(at_once: usize, wait_at_most: Duration, give_way: Duration) -> PressQueue {
        PressQueue::paced(at_once, wait_at_most, give_way, None)
    }

    fn paced(at_once: usize, wait_at_most: Duration, give_way: Duration, page_target: Option<Duration>) -> PressQueue {
        PressQueue {
            turns: Pace::new(at_once, page_target),
            wait_at_most,
            pages: Arc::new(watch::channel(0).0),
            give_way,
            line: PressLine::default(),
            turn_away_after: wait_at_most / TURN_AWAY_SHARE,
        }
    }

    /// A turn, once the pages ahead have been answered (or `give_way` has passed);
    /// `None` after `wait_at_most`, or at once behind a line that has waited too long.
    async fn turn(&self) -> Option<Held> {
        if press_line::turns_away(self.line.longest_waited(), self.turn_away_after) {
            metrics::counter!("presses_turned_away_total").increment(1);
            return None;
        }
        let _in_line = self.line.join();
        let arrived = tokio::time::Instant::now();
        let mut pages = self.pages.subscribe();
        let turn = async {
            // Before taking a turn: a press giving way while holding one would hold up
            // the presses behind it too.
            let _ = tokio::time::timeout(self.give_way, pages.wait_for(|n| *n <= PAGES_AHEAD)).await;
            self.turns.turn().await
        };
        let turn = tokio::time::timeout(self.wait_at_most, turn).await.ok().flatten();
        if turn.is_some() {
            metrics::histogram!("press_line_seconds").record(arrived.elapsed().as_secs_f64());
        }
        turn
    }

    /// Counts a page until the guard is dropped.
    fn page(&self) -> impl Drop + use<> {
        struct Page(Arc<watch::Sender<usize>>);
        impl Drop for Page {
            fn drop(&mut self) {
                self.0.send_modify(|n| *n = n.saturating_sub(1));
            }
        }
        self.pages.send_modify(|n| *n += 1);
        Page(self.pages.clone())
    }
}

/// A press's turn, in its request's extensions, so the press can give it up early
/// (`turn_done`).
#[derive(Clone, Default)]
pub struct Turn(Arc<Mutex<Option<Held>>>);

/// Middleware (outside the session layer, so a waiting press has not read its session
/// yet): a press runs in its turn; every other request passes.
pub async fn in_turn(State(queue): State<PressQueue>, mut request: Request, next: Next) -> Response {
    let accepts_html = request.headers().get(axum::http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"));
    if request.method() == axum::http::Method::GET && accepts_html {
        let _page = queue.page();
        let started = tokio::time::Instant::now();
        let response = next.run(request).await;
        let took = started.elapsed();
        queue.turns.page_took(took);
        metrics::histogram!("page_in_app_seconds").record(took.as_secs_f64());
        return response;
    }
    if request.method() != axum::http::Method::POST || !PATHS.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    let arrived = tokio::time::Instant::now();
    let Some(turn) = queue.turn().await else {
        metrics::counter!("presses_busy_total").increment(1);
        // The page's script reads the error as server functions send it (and shows it
        // beside the button); a form posted without it goes back to its page, which
        // shows it there too (else the sentence in both languages).
        let mut busy = match accepts_html {
            true => back_with_busy(&request).unwrap_or_else(|| AppError::Busy.into_response()),
            false => AppError::Busy.into_json_response(),
        };
        busy.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("2"));
        return busy;
    };
    // Kept here until the answer is ready (unless given back), whatever the handler
    // does with the request and its extensions.
    let turn = Turn(Arc::new(Mutex::new(Some(turn))));
    request.extensions_mut().insert(turn.clone());
    let response = next.run(request).await;
    drop(turn);
    // With the stages' own times (line, turn, desk), where a press's time goes.
    metrics::histogram!("press_in_app_seconds").record(arrived.elapsed().as_secs_f64());
    response
}

/// A plain form's press told busy goes back to the page it came from, with the error
/// in the URL as Leptos puts it after a server function's error (`__path`, `__err`), so
/// the page shows it beside the button. Only the Referer's path and query are kept: the
/// redirect never leaves the site.
fn back_with_busy(request: &Request) -> Option<Response> {
    let referer = url::Url::parse(request.headers().get(axum::http::header::REFERER)?.to_str().ok()?).ok()?;
    let path = referer.path();
    if !path.starts_with('/') || path.starts_with("//") {
        return None;
    }
    let mut page = format!("http://site{path}{}", referer.query().map(|q| format!("?{q}")).unwrap_or_default());
    leptos::server_fn::error::ServerFnUrlError::<AppError>::strip_error_info(&mut page);
    let back = leptos::server_fn::error::ServerFnUrlError::new(request.uri().path(), AppError::Busy).to_url(&page).ok()?;
    let location = format!("{}?{}", back.path(), back.query().unwrap_or_default());
    Some((axum::http::StatusCode::SEE_OTHER, [(axum::http::header::LOCATION, location)]).into_response())
}

/// Gives the press's turn to the next press before the press is over. The sign-up desk
/// serves every press waiting at it in one transaction, so a press that has read its
/// fan and only waits for the desk costs nothing more: holding its turn there would cap
/// how many the desk can serve together (and with it how many a second).
pub fn turn_done() {
    if let Some(turn) = leptos::prelude::use_context::<axum::http::request::Parts>().and_then(|parts| parts.extensions.get::<Turn>().cloned()) {
        turn.give_back();
    }
}

impl Turn {
    fn give_back(&self) {
        drop(self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take());
    }
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

    async fn answer(response: Result<Response, std::convert::Infallible>) -> (StatusCode, String) {
        let Ok(response) = response;
        let status = response.status();
        (status, String::from_utf8_lossy(&axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap_or_default()).into_owned())
    }

    fn request(method: &str, path: &str) -> Request {
        Request::builder().method(method).uri(path).body(Body::empty()).unwrap_or_default()
    }

    #[tokio::test]
    async fn a_press_without_a_turn_is_told_busy_and_pages_never_wait() {
        let (release, started) = (Arc::new(tokio::sync::Notify::new()), Arc::new(tokio::sync::Notify::new()));
        let site = site(PressQueue::new(1, Duration::from_millis(50), GIVE_WAY), release.clone(), started.clone());
        let first = tokio::spawn(site.clone().oneshot(request("POST", "/api/sign_up")));
        within(started.notified()).await;
        let page = site.clone().oneshot(request("GET", "/meetups/1")).await.map(|r| r.status());
        assert_eq!(page.ok(), Some(StatusCode::OK), "a page passes while the press has the turn");
        let busy = within(site.clone().oneshot(request("POST", "/api/sign_up"))).await;
        assert_eq!(busy.as_ref().ok().and_then(|r| r.headers().get(axum::http::header::RETRY_AFTER)).map(|v| v.as_bytes()), Some(&b"2"[..]));
        let (status, body) = answer(busy).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "no turn within the wait: busy");
        assert_eq!(serde_json::from_str::<AppError>(&body).ok(), Some(AppError::Busy), "the page's script reads it as a server function's error: {body}");
        let mut plain = request("POST", "/api/sign_up");
        plain.headers_mut().insert(axum::http::header::ACCEPT, axum::http::HeaderValue::from_static("text/html"));
        let (status, body) = answer(within(site.clone().oneshot(plain)).await).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(body.contains("请再按一次") && body.contains("Please press again"), "a plain form without a Referer gets both languages: {body}");
        for (referer, back) in [("http://x.example/meetups/1?__path=%2Fapi%2Fsign_up&__err=old", "/meetups/1"), ("http://x.example//evil.example/a", "")] {
            let mut plain = request("POST", "/api/sign_up");
            plain.headers_mut().insert(axum::http::header::ACCEPT, axum::http::HeaderValue::from_static("text/html"));
            plain.headers_mut().insert(axum::http::header::REFERER, axum::http::HeaderValue::from_static(referer));
            let Ok(answer) = within(site.clone().oneshot(plain)).await;
            let location = answer.headers().get(axum::http::header::LOCATION).and_then(|l| l.to_str().ok()).unwrap_or_default().to_string();
            if back.is_empty() {
                assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE, "never back to another site: {location}");
                continue;
            }
            assert_eq!(answer.status(), StatusCode::SEE_OTHER);
            let url = url::Url::parse(&format!("http://site{location}")).expect("a local address");
            assert_eq!(url.path(), back);
            let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
            assert_eq!(pairs.iter().filter(|(k, _)| k == "__err").count(), 1, "{location}");
            let err = pairs.iter().find(|(k, _)| k == "__err").map(|(_, v)| v.as_str()).unwrap_or_default();
            assert_eq!(leptos::server_fn::error::ServerFnUrlError::<AppError>::decode_err(err), AppError::Busy, "the page shows it beside the button");
        }
        release.notify_one();
        let first = first.await.ok().and_then(Result::ok).map(|r| r.status());
        assert_eq!(first, Some(StatusCode::OK));
        // The turn is free again: the next press runs.
        let third = tokio::spawn(site.clone().oneshot(request("POST", "/api/sign_up")));
        within(started.notified()).await;
        release.notify_one();
        assert_eq!(third.await.ok().and_then(Result::ok).map(|r| r.status()), Some(StatusCode::OK));
    }

    #[tokio::test(start_paused = true)]
    async fn behind_a_line_that_has_waited_too_long_a_press_is_told_busy_at_once() {
        let (release, started) = (Arc::new(tokio::sync::Notify::new()), Arc::new(tokio::sync::Notify::new()));
        const WAIT: Duration = Duration::from_secs(3600);
        const TURN_AWAY: Duration = WAIT.checked_div(TURN_AWAY_SHARE).expect("a share");
        let queue = PressQueue::new(1, WAIT, GIVE_WAY);
        let site = site(queue.clone(), release.clone(), started.clone());
        let first = tokio::spawn(site.clone().oneshot(request("POST", "/api/sign_up")));
        within(started.notified()).await;
        let second = tokio::spawn(site.clone().oneshot(request("POST", "/api/sign_up")));
        while queue.line.longest_waited().is_none() {
            tokio::task::yield_now().await;
        }
        tokio::time::advance(TURN_AWAY - Duration::from_millis(1)).await;
        assert!(queue.line.longest_waited().is_some_and(|w| w < TURN_AWAY));
        tokio::time::advance(Duration::from_millis(1)).await;
        // At once: paused, the clock would jump to the end of a wait (`within`'s first).
        let (status, body) = answer(within(site.clone().oneshot(request("POST", "/api/sign_up"))).await).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "the press ahead waited {TURN_AWAY:?}: busy at once");
        assert_eq!(serde_json::from_str::<AppError>(&body).ok(), Some(AppError::Busy));
        // The press in line keeps its place and goes in when the turn comes free.
        release.notify_one();
        within(started.notified()).await;
        release.notify_one();
        for press in [first, second] {
            assert_eq!(press.await.ok().and_then(Result::ok).map(|r| r.status()), Some(StatusCode::OK));
        }
        assert_eq!(queue.line.longest_waited(), None, "nobody left in line");
    }

    /// Fails a test that would otherwise hang (a guard, not a synchronisation).
    async fn within<T>(future: impl std::future::Future<Output = T>) -> T {
        tokio::time::timeout(Duration::from_secs(10), future).await.expect("the test hung")
    }

    /// A press that goes in (its handler starts) rather than being told busy.
    async fn goes_in(site: &Router, started: &tokio::sync::Semaphore) {
        let mut press = tokio::spawn(site.clone().oneshot(request("POST", "/api/sign_up")));
        within(async {
            tokio::select! {
                _ = started.acquire() => press.abort(),
                done = &mut press => panic!("the press did not go in: {:?}", done.map(|r| r.map(|r| r.status()))),
            }
        })
        .await;
    }

    fn page_request(path: &str) -> Request {
        let mut page = request("GET", path);
        page.headers_mut().insert(axum::http::header::ACCEPT, axum::http::HeaderValue::from_static("text/html"));
        page
    }

    /// Pages that stay open until released, and a sign-up that gives its turn back
    /// (as the real one does before waiting at the desk) and then waits.
    fn site_with_slow_pages(queue: PressQueue, pages: Arc<tokio::sync::Semaphore>, started: Arc<tokio::sync::Semaphore>) -> Router {
        let (page_started, press_started) = (started.clone(), started);
        Router::new()
            .route(
                "/meetups/2",
                get(move || {
                    let (pages, started) = (pages.clone(), page_started.clone());
                    async move {
                        started.add_permits(1);
                        drop(pages.acquire().await);
                        "the page"
                    }
                }),
            )
            .route(
                "/api/sign_up",
                post(move |axum::Extension(turn): axum::Extension<Turn>| {
                    let started = press_started.clone();
                    async move {
                        turn.give_back();
                        started.add_permits(1);
                        futures::future::pending::<()>().await;
                        "signed up"
                    }
                }),
            )
            .layer(axum::middleware::from_fn_with_state(queue, in_turn))
    }

    #[tokio::test]
    async fn a_press_waits_for_the_pages_being_answered() {
        let (pages, started) = (Arc::new(tokio::sync::Semaphore::new(0)), Arc::new(tokio::sync::Semaphore::new(0)));
        // Giving way for longer than it may wait: the press is told busy.
        let site = site_with_slow_pages(PressQueue::new(4, Duration::from_millis(50), Duration::from_secs(3600)), pages.clone(), started.clone());
        let _first = tokio::spawn(site.clone().oneshot(page_request("/meetups/2")));
        let _second = tokio::spawn(site.clone().oneshot(page_request("/meetups/2")));
        within(started.acquire_many(2)).await.expect("open").forget();
        let (status, _) = answer(within(site.clone().oneshot(request("POST", "/api/sign_up"))).await).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "two pages being answered: the press waits, then is told busy");
        // One page answered: one left, no more than PAGES_AHEAD, so the press goes in.
        pages.add_permits(1);
        goes_in(&site, &started).await;
    }

    #[tokio::test]
    async fn a_sign_up_gives_its_turn_back_before_the_desk() {
        let (pages, started) = (Arc::new(tokio::sync::Semaphore::new(0)), Arc::new(tokio::sync::Semaphore::new(0)));
        let site = site_with_slow_pages(PressQueue::new(1, Duration::from_millis(50), GIVE_WAY), pages, started.clone());
        // One turn in all: the second press gets it only because the first gave it back.
        let first = tokio::spawn(site.clone().oneshot(request("POST", "/api/sign_up")));
        within(started.acquire()).await.expect("open").forget();
        goes_in(&site, &started).await;
        first.abort();
    }

    #[tokio::test]
    async fn pages_that_never_end_hold_presses_back_only_so_long() {
        let (pages, started) = (Arc::new(tokio::sync::Semaphore::new(0)), Arc::new(tokio::sync::Semaphore::new(0)));
        let site = site_with_slow_pages(PressQueue::new(4, Duration::from_secs(3600), Duration::from_millis(20)), pages, started.clone());
        let _first = tokio::spawn(site.clone().oneshot(page_request("/meetups/2")));
        let _second = tokio::spawn(site.clone().oneshot(page_request("/meetups/2")));
        within(started.acquire_many(2)).await.expect("open").forget();
        goes_in(&site, &started).await;
    }
}

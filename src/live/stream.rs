//! The live stream of an event (`GET /events/{id}/live/stream`, server-sent events): the
//! room's screen (with its link's key), those running it and fans with a seat get the
//! event's `LiveState` as JSON each time it changes, numbered by its change (the SSE
//! event id). A phone that reconnects sends the last number it saw (`Last-Event-ID`)
//! and hears nothing until something newer exists. Who may listen is checked when the
//! stream opens and again every `RECHECK`: a revoked screen link or a lost role ends it.
//!
//! One state is made per change and process and shared by all its streams (a room of
//! 500 phones asks the database once, not 500 times).
use super::LiveState;
use crate::infra::db::Db;
use crate::infra::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::RecvError;

/// How often a stream checks, without being told, that nothing was missed and that its
/// listener may still listen.
const RECHECK: Duration = Duration::from_secs(15);

#[derive(serde::Deserialize)]
pub struct StreamQuery {
    key: Option<String>,
}

/// Who listens: the room's screen by its key, or a logged-in user.
#[derive(Clone)]
enum Listener {
    Screen(String),
    User(i64),
}

/// Whether `listener` may (still) follow `event`.
async fn allowed(state: &AppState, event: &crate::meetups::repo::EventInfo, listener: &Listener, session: &tower_sessions::Session) -> bool {
    match listener {
        Listener::Screen(key) => {
            let stored = super::repo::screen_key_hash(&state.db.pool, event.id).await.ok().flatten();
            stored.is_some_and(|hash| crate::infra::secrets::digest(key) == hash)
        }
        Listener::User(id) => match crate::accounts::auth::user_of_session(&state.db, session).await {
            Some(user) if user.id == *id => {
                crate::participation::api::may_run_the_door(&user, event) || super::repo::has_seat(&state.db.pool, event.id, user.id).await.unwrap_or(false)
            }
            _ => false,
        },
    }
}

pub async fn live_stream(State(state): State<AppState>, Path(event): Path<i64>, Query(query): Query<StreamQuery>, session: tower_sessions::Session, headers: HeaderMap) -> Response {
    let Ok(Some(info)) = crate::meetups::repo::event_info(&state.db.pool, event).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let listener = match (query.key, crate::accounts::auth::user_of_session(&state.db, &session).await) {
        (Some(key), _) => Listener::Screen(key),
        (None, Some(user)) => Listener::User(user.id),
        (None, None) => return StatusCode::UNAUTHORIZED.into_response(),
    };
    if !allowed(&state, &info, &listener, &session).await {
        return StatusCode::FORBIDDEN.into_response();
    }
    let seen = headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let follow = Follow { changes: state.db.live_changes(), state, info: Arc::new(info), listener, session, seen, woke: Instant::now(), checked: Instant::now(), first: true };
    let stream = futures::stream::unfold(follow, |mut follow| async move {
        let json = follow.next().await?;
        Some((Ok::<Event, std::convert::Infallible>(Event::default().id(follow.seen.to_string()).data(json.as_ref())), follow))
    });
    metrics::counter!("live_streams_opened_total").increment(1);
    Sse::new(stream).keep_alive(KeepAlive::default()).into_response()
}

/// One stream's place: what it sent last, and the changes it hears of.
struct Follow {
    state: AppState,
    info: Arc<crate::meetups::repo::EventInfo>,
    listener: Listener,
    session: tower_sessions::Session,
    changes: tokio::sync::broadcast::Receiver<i64>,
    seen: i64,
    woke: Instant,
    checked: Instant,
    first: bool,
}

impl Follow {
    /// The next state to send (newer than the last sent); `None` ends the stream.
    async fn next(&mut self) -> Option<Arc<str>> {
        loop {
            if !self.first {
                self.wait().await?;
            }
            self.first = false;
            if self.checked.elapsed() >= RECHECK {
                self.checked = Instant::now();
                if !allowed(&self.state, &self.info, &self.listener, &self.session).await {
                    return None;
                }
            }
            let (version, json) = snapshot(&self.state.db, &self.info, self.woke).await?;
            if version > self.seen {
                self.seen = version;
                return Some(json);
            }
        }
    }

    /// Until this event changes (here or in another process), or `RECHECK` passes.
    async fn wait(&mut self) -> Option<()> {
        let deadline = tokio::time::sleep(RECHECK);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                heard = self.changes.recv() => match heard {
                    Ok(event) if event == self.info.id => break,
                    Ok(_) => continue,
                    // Fell behind: whatever was missed, the state is read afresh.
                    Err(RecvError::Lagged(_)) => break,
                    Err(RecvError::Closed) => return None,
                },
                _ = &mut deadline => break,
            }
        }
        self.woke = Instant::now();
        Some(())
    }
}

/// The state of one event made once for every stream woken by the same change.
struct Snapshot {
    made: Instant,
    version: i64,
    json: Arc<str>,
}

type Shared = Arc<tokio::sync::Mutex<Option<Snapshot>>>;

/// Per database (tests run several apps in one process) and event.
static SNAPSHOTS: LazyLock<Mutex<HashMap<(usize, i64), Shared>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// The event's state as of a moment after `woke`: the one made for another stream
/// since then, or a fresh one.
async fn snapshot(db: &Db, info: &crate::meetups::repo::EventInfo, woke: Instant) -> Option<(i64, Arc<str>)> {
    let shared: Shared = {
        let mut all = SNAPSHOTS.lock().ok()?;
        all.entry((db.identity(), info.id)).or_default().clone()
    };
    let mut slot = shared.lock().await;
    if let Some(made) = slot.as_ref().filter(|s| s.made >= woke) {
        return Some((made.version, made.json.clone()));
    }
    let made = Instant::now();
    let state: LiveState = match super::repo::state(db, info.id, &info.title, super::api::ssr::now_ms()).await {
        Ok(state) => state,
        Err(error) => {
            tracing::warn!(%error, event = info.id, "live state");
            return None;
        }
    };
    let json: Arc<str> = serde_json::to_string(&state).ok()?.into();
    *slot = Some(Snapshot { made, version: state.version, json: json.clone() });
    Some((state.version, json))
}

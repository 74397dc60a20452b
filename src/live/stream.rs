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
/// Changes heard within this time go out as one (500 answers in ten seconds are not
/// 500 messages to every phone).
const COALESCE: Duration = Duration::from_millis(200);
/// Streams one account may have open per event (a phone or two, a laptop), and one
/// screen link (a few projectors); one more ends the oldest.
const PER_USER: usize = 4;
const PER_SCREEN: usize = 20;

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

impl Listener {
    fn name(&self) -> String {
        match self {
            Listener::Screen(key) => format!("screen:{}", crate::infra::secrets::digest(key)),
            Listener::User(id) => format!("user:{id}"),
        }
    }

    fn most(&self) -> usize {
        match self {
            Listener::Screen(_) => PER_SCREEN,
            Listener::User(_) => PER_USER,
        }
    }
}

/// One open stream: its number and what ends it early.
type Opened = (u64, Arc<tokio::sync::Notify>);

/// The streams open in this process, per database and event and listener, oldest first.
static OPEN: LazyLock<Mutex<HashMap<(usize, i64), HashMap<String, Vec<Opened>>>>> = LazyLock::new(|| Mutex::new(HashMap::new()));
static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A map's lock, also after a panic elsewhere left it poisoned (its counts stay right:
/// every change to them is one statement).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One open stream, counted while it lives. A listener over its limit gets its new
/// stream and its oldest ends (a phone that changed networks left a connection behind;
/// refusing the new one would strand it). The last of an event's streams to close also
/// drops the event's shared state.
struct Presence {
    at: (usize, i64),
    listener: String,
    number: u64,
    ended: Arc<tokio::sync::Notify>,
}

impl Presence {
    fn enter(at: (usize, i64), listener: &Listener) -> Presence {
        let number = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let ended = Arc::new(tokio::sync::Notify::new());
        let mut open = lock(&OPEN);
        let streams = open.entry(at).or_default().entry(listener.name()).or_default();
        while streams.len() >= listener.most() {
            let (_, oldest) = streams.remove(0);
            oldest.notify_one();
        }
        streams.push((number, ended.clone()));
        Presence { at, listener: listener.name(), number, ended }
    }
}

impl Drop for Presence {
    fn drop(&mut self) {
        let mut open = lock(&OPEN);
        let Some(event) = open.get_mut(&self.at) else { return };
        if let Some(streams) = event.get_mut(&self.listener) {
            streams.retain(|(number, _)| *number != self.number);
            if streams.is_empty() {
                event.remove(&self.listener);
            }
        }
        if event.is_empty() {
            open.remove(&self.at);
            lock(&SNAPSHOTS).remove(&self.at);
        }
    }
}

/// Whether `listener` may (still) follow the event, as it is now (its end moved, or
/// cancelled, since the stream began).
async fn allowed(state: &AppState, event: i64, listener: &Listener, session: &tower_sessions::Session) -> bool {
    let Ok(Some(event)) = crate::meetups::repo::event_info(&state.db.pool, event).await else { return false };
    let event = &event;
    match listener {
        Listener::Screen(key) => super::repo::screen_key_opens(&state.db.pool, event, key, crate::infra::clock::now()).await.unwrap_or(false),
        Listener::User(id) => match crate::accounts::auth::user_of_session(&state.db, session).await {
            Some(user) if user.id == *id => {
                crate::participation::api::may_run_the_door(&user, event) || super::repo::has_seat(&state.db.pool, event.id, user.id).await.unwrap_or(false)
            }
            _ => false,
        },
    }
}

/// Who follows: someone logged in who may follow the event follows as themselves,
/// whatever screen key their browser holds (a runner who once opened the screen's link
/// on their phone), so their stream ends with their seat or role and never counts as the
/// screen's; otherwise the first key sent that opens the screen (a stale one, e.g. a
/// link whose time is over, is passed over).
async fn listener_for(state: &AppState, info: &crate::meetups::repo::EventInfo, user: Option<i64>, keys: Vec<String>, session: &tower_sessions::Session) -> Result<Listener, StatusCode> {
    if let Some(user) = user {
        let me = Listener::User(user);
        if allowed(state, info.id, &me, session).await {
            return Ok(me);
        }
    }
    let refused = if user.is_none() && keys.is_empty() { StatusCode::UNAUTHORIZED } else { StatusCode::FORBIDDEN };
    match super::screen_key::first_that_opens(&state.db.pool, info, keys).await {
        Ok(Some(key)) => Ok(Listener::Screen(key)),
        _ => Err(refused),
    }
}

pub async fn live_stream(State(state): State<AppState>, Path(event): Path<i64>, Query(query): Query<StreamQuery>, session: tower_sessions::Session, headers: HeaderMap) -> Response {
    let Ok(Some(info)) = crate::meetups::repo::event_info(&state.db.pool, event).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let user = crate::accounts::auth::user_of_session(&state.db, &session).await;
    let keys: Vec<String> = query.key.into_iter().chain(super::screen_key::from_cookies(&headers, state.config.secure_cookies())).collect();
    let listener = match listener_for(&state, &info, user.map(|u| u.id), keys, &session).await {
        Ok(listener) => listener,
        Err(refused) => return refused.into_response(),
    };
    let presence = Presence::enter((state.db.identity(), event), &listener);
    let seen = headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let follow = Follow {
        changes: state.db.live_changes(),
        state,
        info: Arc::new(info),
        listener,
        session,
        seen,
        sent: None,
        fresh_after: Instant::now(),
        checked: Instant::now(),
        first: true,
        _presence: presence,
    };
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
    /// What it sent last: a change committed after a newer-numbered one (PostgreSQL
    /// numbers changes when they are made, not when they commit) still goes out.
    sent: Option<u64>,
    /// A state made after this will do.
    fresh_after: Instant,
    checked: Instant,
    first: bool,
    _presence: Presence,
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
                if !allowed(&self.state, self.info.id, &self.listener, &self.session).await {
                    return None;
                }
            }
            let made = snapshot(&self.state.db, &self.info, self.fresh_after).await?;
            let changed = self.sent.is_some_and(|sent| sent != made.content);
            if made.version > self.seen || (changed && made.version >= self.seen) {
                self.seen = made.version;
                self.sent = Some(made.content);
                return Some(made.json);
            }
            self.sent.get_or_insert(made.content);
        }
    }

    /// Until this event changes (here or in another process), or `RECHECK` passes.
    async fn wait(&mut self) -> Option<()> {
        let deadline = tokio::time::sleep(RECHECK);
        tokio::pin!(deadline);
        let told = loop {
            tokio::select! {
                heard = self.changes.recv() => match heard {
                    Ok(event) if event == self.info.id => break true,
                    Ok(_) => continue,
                    // Fell behind: whatever was missed, the state is read afresh.
                    Err(RecvError::Lagged(_)) => break true,
                    Err(RecvError::Closed) => return None,
                },
                _ = &mut deadline => break false,
                // The same listener opened one stream too many: this, the oldest, ends.
                _ = self._presence.ended.notified() => return None,
            }
        };
        if told {
            // Whatever else changes meanwhile goes out with it; a state made after the
            // first change heard serves every stream that heard it, unless another change
            // came while waiting (then only a state made after now has it).
            let heard = Instant::now();
            tokio::time::sleep(COALESCE).await;
            let mut more = false;
            loop {
                match self.changes.try_recv() {
                    Ok(event) => more |= event == self.info.id,
                    Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_)) => more = true,
                    Err(_) => break,
                }
            }
            self.fresh_after = if more { Instant::now() } else { heard };
        } else {
            // Only checking: a state up to a second old will do (streams' timers differ).
            self.fresh_after = Instant::now().checked_sub(Duration::from_secs(1)).unwrap_or_else(Instant::now);
        }
        Some(())
    }
}

/// The state of one event made once for every stream woken by the same change.
#[derive(Clone)]
struct Snapshot {
    made: Instant,
    version: i64,
    json: Arc<str>,
    /// A digest of what it says, the clock aside.
    content: u64,
}

type Shared = Arc<tokio::sync::Mutex<Option<Snapshot>>>;

/// Per database (tests run several apps in one process) and event.
static SNAPSHOTS: LazyLock<Mutex<HashMap<(usize, i64), Shared>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// The event's state as of a moment after `fresh_after`: the one made for another
/// stream since then, or a fresh one.
async fn snapshot(db: &Db, info: &crate::meetups::repo::EventInfo, fresh_after: Instant) -> Option<Snapshot> {
    let shared: Shared = lock(&SNAPSHOTS).entry((db.identity(), info.id)).or_default().clone();
    let mut slot = shared.lock().await;
    if let Some(made) = slot.as_ref().filter(|s| s.made >= fresh_after) {
        return Some(made.clone());
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
    let content = {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        serde_json::to_string(&LiveState { now_ms: 0, ..state.clone() }).ok()?.hash(&mut hasher);
        hasher.finish()
    };
    let fresh = Snapshot { made, version: state.version, json, content };
    *slot = Some(fresh.clone());
    Some(fresh)
}

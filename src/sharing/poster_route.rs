//! `/meetups/{id}/poster.png`, `/festival/{id}/poster.png`, `/fans/{id}/poster.png`:
//! the poster of a public page in the reader's language, its QR code carrying the
//! reader's referral when they are logged in. What is not public is "not found".
use super::poster::{self, PosterText};
use crate::i18n::{td_string, Locale};
use crate::infra::clock::{format_local, now};
use crate::infra::state::AppState;
use crate::language::city_name;
use crate::meetups::{EventKind, EventStatus};
use crate::infra::rate_limit::{client_key, Limit};
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use std::net::SocketAddr;
use tower_sessions::Session;

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router
        .route("/meetups/{id}/poster.png", get(meetup_poster))
        .route("/festival/{id}/poster.png", get(festival_poster))
        .route("/fans/{id}/poster.png", get(fan_poster))
}

fn internal(error: impl std::fmt::Display) -> Response {
    tracing::error!(%error, "poster");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

/// The reader's link to `path` (with their code when logged in), and who they are.
async fn link(state: &AppState, session: &Session, path: &str) -> Result<(String, Option<i64>), sqlx::Error> {
    let url = format!("{}{path}", state.config.public_url);
    match crate::accounts::auth::user_of_session(&state.db, session).await.filter(|u| u.email_verified) {
        Some(user) => Ok((super::with_ref(&url, Some(&super::referrals::code_for(&state.db, user.id, now()).await?)), Some(user.id))),
        None => Ok((url, None)),
    }
}

/// Posters drawn at once in this process: drawing takes a core for a few milliseconds,
/// and the site's other requests keep the other.
static DRAWING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// Whose allowance a new poster takes: the logged-in reader's (many fans may share one
/// address behind a campus or carrier NAT), else the client address's.
fn client(state: &AppState, peer: SocketAddr, reader: Option<i64>, headers: &HeaderMap) -> String {
    if let Some(id) = reader {
        return format!("user:{id}");
    }
    let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
    client_key(peer.ip(), forwarded, &state.config.trusted_proxies)
}

/// Sends the poster: "not modified" when the browser has this one, the kept copy when
/// it was drawn before, else drawn now (off the async workers, one at a time, within
/// the client's allowance of new posters).
async fn send(state: &AppState, peer: SocketAddr, reader: Option<i64>, text: &PosterText, headers: &HeaderMap) -> Response {
    let prepared = poster::prepare(text);
    let tag = format!("\"{}\"", &prepared.digest[..32]);
    // Per reader (their referral), so private; revalidated, so a changed event shows.
    let cache = [(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"))];
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(tag.as_str()) {
        return (StatusCode::NOT_MODIFIED, cache, [(header::ETAG, tag)]).into_response();
    }
    let png = match poster::kept(&prepared) {
        Some(png) => png,
        None => {
            if let Err(e) = state.rate_limits.check(&state.db, Limit::PosterDraw, &[client(state, peer, reader, headers)]).await {
                return e.into_response();
            }
            let Ok(turn) = DRAWING.acquire().await else { return internal("drawing closed") };
            // The turn goes with the drawing: a reader who hangs up does not free it early.
            let drawing = tokio::task::spawn_blocking(move || {
                let _turn = turn;
                poster::draw(&prepared)
            });
            match drawing.await {
                Ok(Ok(png)) => png,
                Ok(Err(e)) => return internal(e),
                Err(e) => return internal(e),
            }
        }
    };
    (cache, [(header::CONTENT_TYPE, "image/png".to_string()), (header::ETAG, tag)], png.as_ref().clone()).into_response()
}

fn call(l: Locale) -> String {
    td_string!(l, sharing.poster.call).to_string()
}

async fn meetup_poster(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(l): Extension<Locale>,
    session: Session,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Response {
    let event = match crate::meetups::repo::event_info(&state.db.pool, id).await {
        Ok(Some(e)) if matches!(e.status, EventStatus::Published | EventStatus::Postponed) => e,
        Ok(_) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => return internal(e),
    };
    let names: Option<(String, String)> = match sqlx::query_as("SELECT name_zh, name_en FROM cities WHERE id = $1").bind(event.city_id).fetch_optional(&state.db.pool).await {
        Ok(names) => names,
        Err(e) => return internal(e),
    };
    let (zh, en) = names.unwrap_or_default();
    let mut lines = vec![format_local(event.starts_at, &event.timezone, l), format!("{} · {}", city_name(l, &zh, &en), event.venue)];
    if let (EventKind::Gathering, Some((_, organizer))) = (event.kind, &event.organizer) {
        lines.push(td_string!(l, sharing.poster.organizer, name = organizer.clone()).to_string());
    }
    if event.status == EventStatus::Postponed {
        lines.push(td_string!(l, sharing.poster.postponed).to_string());
    } else if event.starts_at > now() {
        lines.push(seats_line(l, event.capacity, event.confirmed, event.awaiting_draw));
    }
    let kind = match (event.kind, event.festival_id) {
        (_, Some(_)) => td_string!(l, sharing.poster.kind_festival),
        (EventKind::Gathering, _) => td_string!(l, sharing.poster.kind_gathering),
        _ => td_string!(l, sharing.poster.kind_meetup),
    };
    let (url, reader) = match link(&state, &session, &format!("/meetups/{id}")).await {
        Ok(url) => url,
        Err(e) => return internal(e),
    };
    let text = PosterText { community: community(l), kind: kind.into(), title: event.title, lines, call: call(l), url };
    send(&state, peer, reader, &text, &headers).await
}

/// "12 seats left", "full: waiting list open", "sign up for the draw", "open to all".
pub fn seats_line(l: Locale, capacity: Option<i64>, confirmed: i64, awaiting_draw: bool) -> String {
    match capacity {
        _ if awaiting_draw => td_string!(l, sharing.poster.draw).to_string(),
        None => td_string!(l, sharing.poster.open_to_all).to_string(),
        Some(c) if c > confirmed => td_string!(l, sharing.poster.seats_left, count = c - confirmed).to_string(),
        Some(_) => td_string!(l, sharing.poster.waiting_list).to_string(),
    }
}

fn community(l: Locale) -> String {
    td_string!(l, common.site.name).to_string()
}

async fn festival_poster(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(l): Extension<Locale>,
    session: Session,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Response {
    let festival: Option<(String, String, Option<i64>)> =
        match sqlx::query_as("SELECT name, festival_day, invited_at FROM festivals WHERE id = $1").bind(id).fetch_optional(&state.db.pool).await {
            Ok(f) => f,
            Err(e) => return internal(e),
        };
    // Announced festivals only (as its page): one staff are still planning is nobody's yet.
    let staff = crate::accounts::auth::user_of_session(&state.db, &session).await.is_some_and(|u| u.role.is_staff());
    let Some((name, day, _)) = festival.filter(|f| f.2.is_some() || staff) else { return StatusCode::NOT_FOUND.into_response() };
    let sessions: Result<(i64, i64, i64, i64), _> = sqlx::query_as(
        "SELECT COUNT(*), COUNT(DISTINCT city_id), CAST(COALESCE(SUM(capacity), 0) AS BIGINT), CAST(COALESCE(SUM(confirmed_count), 0) AS BIGINT) \
         FROM events WHERE festival_id = $1 AND status IN ('published', 'postponed')",
    )
    .bind(id)
    .fetch_one(&state.db.pool)
    .await;
    let (count, cities, capacity, confirmed) = match sessions {
        Ok(s) => s,
        Err(e) => return internal(e),
    };
    let mut lines = vec![day, td_string!(l, sharing.poster.sessions, sessions = count, cities = cities).to_string()];
    if count > 0 {
        lines.push(seats_line(l, Some(capacity), confirmed, false));
    }
    let (url, reader) = match link(&state, &session, &format!("/festival/{id}")).await {
        Ok(url) => url,
        Err(e) => return internal(e),
    };
    let text = PosterText { community: community(l), kind: td_string!(l, sharing.poster.kind_festival).into(), title: name, lines, call: call(l), url };
    send(&state, peer, reader, &text, &headers).await
}

async fn fan_poster(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(l): Extension<Locale>,
    session: Session,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Response {
    let viewer = crate::accounts::auth::user_of_session(&state.db, &session).await;
    let fan: Option<(String, i64, String, String)> = match sqlx::query_as(
        "SELECT u.display_name, u.public_profile, c.name_zh, c.name_en FROM users u JOIN cities c ON c.id = u.home_city_id \
         WHERE u.id = $1 AND u.email_verified_at IS NOT NULL",
    )
    .bind(id)
    .fetch_optional(&state.db.pool)
    .await
    {
        Ok(f) => f,
        Err(e) => return internal(e),
    };
    // A private page has no poster, except for the fan themselves.
    let Some((name, _, zh, en)) = fan.filter(|f| f.1 == 1 || viewer.as_ref().is_some_and(|v| v.id == id)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let counts: Result<(i64, i64, i64), _> = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM attendance WHERE user_id = $1 AND outcome = 'attended'), \
                (SELECT COUNT(*) FROM badges WHERE user_id = $1), \
                (SELECT COUNT(*) FROM referrals WHERE referrer_id = $1 AND counted_at IS NOT NULL)",
    )
    .bind(id)
    .fetch_one(&state.db.pool)
    .await;
    let (attended, badges, brought) = match counts {
        Ok(c) => c,
        Err(e) => return internal(e),
    };
    let mut lines = vec![
        td_string!(l, sharing.poster.fan_of, city = city_name(l, &zh, &en)).to_string(),
        td_string!(l, sharing.poster.fan_record, attended = attended, badges = badges).to_string(),
    ];
    if brought > 0 {
        lines.push(td_string!(l, sharing.brought, count = brought).to_string());
    }
    let (url, reader) = match link(&state, &session, &format!("/fans/{id}")).await {
        Ok(url) => url,
        Err(e) => return internal(e),
    };
    let text = PosterText { community: community(l), kind: td_string!(l, sharing.poster.kind_fan).into(), title: name, lines, call: call(l), url };
    send(&state, peer, reader, &text, &headers).await
}

//! `/meetups/{id}/poster.png`, `/festival/{id}/poster.png`, `/fans/{id}/poster.png`:
//! the poster of a public page in the reader's language, its QR code carrying the
//! reader's referral when they are logged in. What is not public is "not found".
use super::poster::{self, PosterText};
use crate::i18n::{td_string, Locale};
use crate::infra::clock::{format_local, now};
use crate::infra::state::AppState;
use crate::language::city_name;
use crate::meetups::{EventKind, EventStatus};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
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

/// The reader's link to `path`: with their code when logged in.
async fn link(state: &AppState, session: &Session, path: &str) -> Result<String, sqlx::Error> {
    let url = format!("{}{path}", state.config.public_url);
    match crate::accounts::auth::user_of_session(&state.db, session).await {
        Some(user) => Ok(super::with_ref(&url, Some(&super::referrals::code_for(&state.db, user.id, now()).await?))),
        None => Ok(url),
    }
}

/// Sends the poster (or "not modified" when the browser has this one).
fn send(text: &PosterText, headers: &HeaderMap) -> Response {
    let drawn = match poster::draw(text) {
        Ok(drawn) => drawn,
        Err(e) => return internal(e),
    };
    let tag = format!("\"{}\"", &drawn.digest[..32]);
    // Per reader (their referral), so private; revalidated, so a changed event shows.
    let cache = [(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"))];
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(tag.as_str()) {
        return (StatusCode::NOT_MODIFIED, cache, [(header::ETAG, tag)]).into_response();
    }
    let png = drawn.png.as_ref().clone();
    (cache, [(header::CONTENT_TYPE, "image/png".to_string()), (header::ETAG, tag)], png).into_response()
}

fn call(l: Locale) -> String {
    td_string!(l, sharing.poster.call).to_string()
}

async fn meetup_poster(State(state): State<AppState>, Extension(l): Extension<Locale>, session: Session, Path(id): Path<i64>, headers: HeaderMap) -> Response {
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
    let url = match link(&state, &session, &format!("/meetups/{id}")).await {
        Ok(url) => url,
        Err(e) => return internal(e),
    };
    let text = PosterText { community: community(l), kind: kind.into(), title: event.title, lines, call: call(l), url };
    send(&text, &headers)
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

async fn festival_poster(State(state): State<AppState>, Extension(l): Extension<Locale>, session: Session, Path(id): Path<i64>, headers: HeaderMap) -> Response {
    let festival: Option<(String, String)> = match sqlx::query_as("SELECT name, festival_day FROM festivals WHERE id = $1").bind(id).fetch_optional(&state.db.pool).await {
        Ok(f) => f,
        Err(e) => return internal(e),
    };
    let Some((name, day)) = festival else { return StatusCode::NOT_FOUND.into_response() };
    let sessions: Result<(i64, i64, i64, i64), _> = sqlx::query_as(
        "SELECT COUNT(*), COUNT(DISTINCT city_id), CAST(COALESCE(SUM(capacity), 0) AS BIGINT), CAST(COALESCE(SUM(confirmed_count), 0) AS BIGINT) \
         FROM events WHERE festival_id = $1 AND status = 'published'",
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
    let url = match link(&state, &session, &format!("/festival/{id}")).await {
        Ok(url) => url,
        Err(e) => return internal(e),
    };
    let text = PosterText { community: community(l), kind: td_string!(l, sharing.poster.kind_festival).into(), title: name, lines, call: call(l), url };
    send(&text, &headers)
}

async fn fan_poster(State(state): State<AppState>, Extension(l): Extension<Locale>, session: Session, Path(id): Path<i64>, headers: HeaderMap) -> Response {
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
    let url = match link(&state, &session, &format!("/fans/{id}")).await {
        Ok(url) => url,
        Err(e) => return internal(e),
    };
    let text = PosterText { community: community(l), kind: td_string!(l, sharing.poster.kind_fan).into(), title: name, lines, call: call(l), url };
    send(&text, &headers)
}

//! Plain HTTP endpoints: calendar feeds (.ics) for a city and for a fan (with the fan's
//! feed secret), and the attendee export (CSV) for staff and organizers.
use super::repo::{self, EventInfo};
use crate::i18n::{td_string, Locale};
use crate::infra::clock::now;
use crate::infra::db::{Db, Tx};
use crate::infra::state::AppState;
use axum::extract::{Path, State};
use axum::Extension;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

fn ics_response(locale: Locale, name: &str, events: &[EventInfo], base: &str) -> Response {
    ([(header::CONTENT_TYPE, "text/calendar; charset=utf-8")], super::ics::calendar_of(locale, name, events, base, now())).into_response()
}

fn internal(error: sqlx::Error, locale: Locale) -> Response {
    tracing::error!(%error, "feed");
    (StatusCode::INTERNAL_SERVER_ERROR, crate::msg!(errors.internal).get(locale).to_string()).into_response()
}

/// `/calendar/city/{id}.ics`: the city's meetups, for any calendar app, named in the
/// language of the request.
pub async fn city_feed(
    State(state): State<AppState>,
    Extension(cities): Extension<crate::cities::Catalogue>,
    Extension(locale): Extension<Locale>,
    Path(file): Path<String>,
) -> Response {
    let Some(city_id) = file.strip_suffix(".ics").and_then(|id| id.parse::<i64>().ok()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(city) = cities.iter().find(|c| c.id == city_id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match repo::city_calendar(&state.db, city_id, now() - 30 * 24 * 3600).await {
        Ok(events) => {
            let name = td_string!(locale, email.calendar.city, city = crate::language::city_name(locale, &city.name_zh, &city.name_en)).to_string();
            ics_response(locale, &name, &events, &state.config.public_url)
        }
        Err(e) => internal(e, locale),
    }
}

/// `/calendar/me/{secret}.ics`: the meetups a fan has a place at, in the fan's language
/// (calendar apps send none of their own). The request log shows this path as
/// `/calendar/me/(hidden).ics` (`server::telemetry`).
pub async fn personal_feed(State(state): State<AppState>, Extension(locale): Extension<Locale>, Path(file): Path<String>) -> Response {
    let Some(secret) = file.strip_suffix(".ics") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let user = match user_by_calendar_secret(&state.db, secret).await {
        Ok(Some(user)) => user,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => return internal(e, locale),
    };
    let locale = match crate::accounts::repo::locale(&state.db, user.0).await {
        Ok(theirs) => theirs.unwrap_or(locale),
        Err(e) => return internal(e, locale),
    };
    match repo::for_user(&state.db, user.0).await {
        Ok(events) => ics_response(locale, &td_string!(locale, email.calendar.mine, name = &user.1).to_string(), &events, &state.config.public_url),
        Err(e) => internal(e, locale),
    }
}

/// Characters that make a spreadsheet read a cell as a formula (OWASP's list, with
/// the full-width forms that Chinese input methods type).
const FORMULA_STARTS: [char; 10] = ['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠'];

fn csv_field(value: &str) -> String {
    // Quote, and defuse spreadsheet formulas with a leading apostrophe.
    let value = if value.starts_with(FORMULA_STARTS) { format!("'{value}") } else { value.to_string() };
    format!("\"{}\"", value.replace('"', "\"\""))
}

/// `/staff/meetups/{id}/attendees.csv`: confirmed fans and the waiting list, for staff
/// and for the organizer of a gathering.
pub async fn attendees_csv(State(state): State<AppState>, Extension(locale): Extension<Locale>, session: Session, Path(id): Path<i64>) -> Response {
    let user = crate::accounts::auth::user_of_session(&state.db, &session).await;
    let event = match repo::event_info(&state.db.pool, id).await {
        Ok(event) => event,
        Err(e) => return internal(e, locale),
    };
    // Staff export any list; an organizer only that of a gathering whose fans they may reach.
    let allowed = |u: &crate::accounts::CurrentUser| {
        u.role.is_staff()
            || event.as_ref().is_some_and(|e| {
                e.kind == super::EventKind::Gathering && super::may_reach_attendees(u, e.organizer.as_ref().map(|(uid, _)| *uid), e.status)
            })
    };
    match user {
        None => return (StatusCode::UNAUTHORIZED, crate::msg!(errors.unauthorized).get(locale).to_string()).into_response(),
        Some(u) if !allowed(&u) => return (StatusCode::FORBIDDEN, crate::msg!(errors.forbidden).get(locale).to_string()).into_response(),
        Some(_) => {}
    }
    let attendees = match repo::attendees(&state.db, id).await {
        Ok(a) => a,
        Err(e) => return internal(e, locale),
    };
    let l = locale;
    let header = [
        td_string!(l, email.export.status),
        td_string!(l, email.export.position),
        td_string!(l, email.export.name),
        td_string!(l, email.export.email),
        td_string!(l, email.export.ticket),
        td_string!(l, email.export.checked_in),
    ];
    // A byte-order mark, so spreadsheet apps read the Chinese names as UTF-8.
    let mut csv = format!("\u{feff}{}\r\n", header.join(","));
    for a in attendees {
        let status = match a.status {
            super::PlaceStatus::Confirmed => td_string!(l, email.export.confirmed),
            super::PlaceStatus::Waitlisted => td_string!(l, email.export.waitlisted),
            super::PlaceStatus::Cancelled => td_string!(l, email.export.cancelled),
        };
        let position = a.position.map(|p| p.to_string()).unwrap_or_default();
        let checked_in = if a.checked_in { td_string!(l, email.export.yes) } else { td_string!(l, email.export.no) };
        let row = [status, position.as_str(), &a.name, &a.email, &a.ticket_code, checked_in];
        csv.push_str(&row.iter().map(|v| csv_field(v)).collect::<Vec<_>>().join(","));
        csv.push_str("\r\n");
    }
    let disposition = format!("attachment; filename=\"meetup-{id}-attendees.csv\"");
    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, disposition)], csv).into_response()
}

/// A new secret for the fan's personal calendar feed; the old link stops working. Only
/// its SHA-256 is kept, so the link is shown once, when it is made.
pub async fn new_calendar_secret(tx: &mut Tx, user_id: i64) -> Result<String, sqlx::Error> {
    let secret = crate::infra::secrets::random_secret();
    sqlx::query("UPDATE users SET calendar_secret_hash = $1 WHERE id = $2")
        .bind(crate::infra::secrets::digest(&secret))
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(secret)
}

/// Whether the fan has a calendar link that works.
pub async fn has_calendar_feed(db: &Db, user_id: i64) -> Result<bool, sqlx::Error> {
    let hash: Option<Option<String>> = sqlx::query_scalar("SELECT calendar_secret_hash FROM users WHERE id = $1").bind(user_id).fetch_optional(&db.pool).await?;
    Ok(hash.flatten().is_some())
}

pub async fn user_by_calendar_secret(db: &Db, secret: &str) -> Result<Option<(i64, String)>, sqlx::Error> {
    sqlx::query_as("SELECT id, display_name FROM users WHERE calendar_secret_hash = $1")
        .bind(crate::infra::secrets::digest(secret))
        .fetch_optional(&db.pool)
        .await
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("Li \"Lei\""), "\"Li \"\"Lei\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "\"'=HYPERLINK(1)\"");
        for cell in ["+1", "-1+2", "@SUM(A1)", "\tx", "\rx", "＝1+1"] {
            assert!(csv_field(cell).starts_with("\"'"), "{cell:?}");
        }
        assert_eq!(csv_field("Li 1+1=2"), "\"Li 1+1=2\"", "only the first character counts");
    }
}

//! `GET /account/export.json`: everything the site holds about the logged-in fan, as
//! one JSON file: the account, their places, applications, attendance, points, badges,
//! what they wrote (questions, feedback, reports, applications to organize, gatherings)
//! and the mail sent to them. Secrets are left out: the password hash, the calendar
//! feed's secret, and the secret of every link in the mail (`without_links`).
use super::addresses;
use crate::infra::state::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde_json::{Map, Value};
use sqlx::{Column, Row};

/// Each section: its name in the file, and the query listing the fan's rows (`$1`).
const SECTIONS: &[(&str, &str)] = &[
    (
        "registrations",
        "SELECT r.event_id, e.title, e.starts_at, r.status, r.waitlist_seq, r.ticket_code, r.checked_in_at, r.created_at, r.updated_at \
         FROM registrations r JOIN events e ON e.id = r.event_id WHERE r.user_id = $1 ORDER BY r.id",
    ),
    (
        "applications",
        "SELECT a.event_id, e.title, a.status, a.answer, a.picked_at, a.created_at, a.updated_at \
         FROM applications a JOIN events e ON e.id = a.event_id WHERE a.user_id = $1 ORDER BY a.id",
    ),
    ("draws", "SELECT event_id, position, selected, drawn_at FROM draw_entries WHERE user_id = $1 ORDER BY drawn_at"),
    (
        "reconfirmations",
        "SELECT event_id, asked_at, due_at, confirmed_at, released_at FROM reconfirmations WHERE user_id = $1 ORDER BY asked_at",
    ),
    ("festival_places", "SELECT festival_id, event_id, created_at FROM festival_places WHERE user_id = $1 ORDER BY created_at"),
    (
        "attendance",
        "SELECT a.event_id, e.title, a.outcome, a.recorded_at FROM attendance a JOIN events e ON e.id = a.event_id \
         WHERE a.user_id = $1 ORDER BY a.recorded_at",
    ),
    ("points", "SELECT amount, reason, created_at FROM points_ledger WHERE user_id = $1 ORDER BY id"),
    ("badges", "SELECT badge, earned_at, city_id, city_rank FROM badges WHERE user_id = $1 ORDER BY earned_at"),
    (
        "questions",
        "SELECT q.id, q.event_id, e.title, q.body, q.answered_at, q.hidden, q.created_at FROM questions q \
         JOIN events e ON e.id = q.event_id WHERE q.user_id = $1 ORDER BY q.id",
    ),
    ("question_votes", "SELECT question_id, created_at FROM question_votes WHERE user_id = $1 ORDER BY created_at"),
    (
        "feedback",
        "SELECT f.event_id, e.title, f.rating, f.comment, f.created_at FROM feedback f JOIN events e ON e.id = f.event_id \
         WHERE f.user_id = $1 ORDER BY f.created_at",
    ),
    (
        "reports",
        "SELECT event_id, question_id, category, details, status, created_at FROM reports WHERE reporter_id = $1 ORDER BY id",
    ),
    (
        "organizer_applications",
        "SELECT city_id, reason, status, decision_reason, created_at, decided_at FROM organizer_applications WHERE user_id = $1 ORDER BY id",
    ),
    (
        "gatherings",
        "SELECT id, title, description, venue, address, starts_at, ends_at, capacity, status, created_at FROM events \
         WHERE organizer_id = $1 ORDER BY id",
    ),
    ("email_changes", "SELECT old_email, new_email, created_at, confirmed_at FROM email_changes WHERE user_id = $1 ORDER BY created_at"),
    // Sharing: the fan's code, the fans they brought (when, never who), and how they came.
    ("referral_code", "SELECT code, created_at FROM referral_codes WHERE user_id = $1"),
    ("fans_brought", "SELECT registered_at, counted_at, withdrawn_at FROM referrals WHERE referrer_id = $1 ORDER BY id"),
    ("brought_by_a_fan", "SELECT arrived_at, registered_at, counted_at FROM referrals WHERE fan_id = $1"),
];

const ACCOUNT: &str = "SELECT u.id, u.email, u.display_name, u.role, u.locale, u.home_city_id, c.name_zh AS home_city_zh, \
     c.name_en AS home_city_en, u.email_verified_at, u.wants_invitations, u.public_profile, u.trusted_organizer, u.created_at, u.updated_at \
     FROM users u JOIN cities c ON c.id = u.home_city_id WHERE u.id = $1";

/// A row as a JSON object, each column as a number, text or null.
fn object(row: &sqlx::any::AnyRow) -> Value {
    let mut map = Map::new();
    for (i, column) in row.columns().iter().enumerate() {
        let value = if let Ok(n) = row.try_get::<Option<i64>, _>(i) {
            n.map_or(Value::Null, Value::from)
        } else if let Ok(text) = row.try_get::<Option<String>, _>(i) {
            text.map_or(Value::Null, Value::from)
        } else {
            row.try_get::<Option<f64>, _>(i).ok().flatten().map_or(Value::Null, Value::from)
        };
        map.insert(column.name().to_string(), value);
    }
    Value::Object(map)
}

/// A message's text without the secret of any link it carries. A one-time link proves
/// that its reader holds the inbox it went to: the export proves only a log-in, so
/// whatever the mail's status (waiting, deferred, failed), no link leaves through it.
fn without_links(mut mail: Value) -> Value {
    if let Some(Value::String(text)) = mail.get_mut("body_text") {
        *text = crate::email::retention::mask_secrets(text);
    }
    mail
}

/// Everything about the fan, as one JSON document.
pub async fn collect(db: &crate::infra::db::Db, user_id: i64) -> Result<Value, sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    let mut out = Map::new();
    out.insert("exported_at".into(), Value::from(crate::infra::clock::now()));
    let account = sqlx::query(ACCOUNT).bind(user_id).fetch_optional(&mut *conn).await?;
    out.insert("account".into(), account.as_ref().map_or(Value::Null, object));
    for (name, sql) in SECTIONS {
        let rows = sqlx::query(sql).bind(user_id).fetch_all(&mut *conn).await?;
        out.insert((*name).into(), Value::Array(rows.iter().map(object).collect()));
    }
    let held = addresses::held(&mut conn, user_id).await?;
    let sql = format!(
        "SELECT id, kind, recipient, subject, status, created_at, sent_at, body_text FROM outbox WHERE {} ORDER BY id",
        addresses::mail_condition(&held)
    );
    let mail = addresses::bind_held(sqlx::query(&sql), user_id, &held).fetch_all(&mut *conn).await?;
    out.insert("emails".into(), Value::Array(mail.iter().map(object).map(without_links).collect()));
    Ok(Value::Object(out))
}

/// The download, for the logged-in fan only.
pub async fn download(
    State(state): State<AppState>,
    Extension(locale): Extension<crate::i18n::Locale>,
    session: tower_sessions::Session,
) -> Response {
    let Some(user) = crate::accounts::auth::user_of_session(&state.db, &session).await else {
        return (StatusCode::UNAUTHORIZED, crate::msg!(errors.unauthorized).get(locale).to_string()).into_response();
    };
    match collect(&state.db, user.id).await {
        Ok(data) => {
            let body = serde_json::to_string_pretty(&data).unwrap_or_default();
            let disposition = format!("attachment; filename=\"tongcheng-data-{}.json\"", user.id);
            ([(header::CONTENT_TYPE, "application/json; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, disposition)], body).into_response()
        }
        Err(error) => {
            tracing::error!(%error, "data export");
            (StatusCode::INTERNAL_SERVER_ERROR, crate::msg!(errors.internal).get(locale).to_string()).into_response()
        }
    }
}

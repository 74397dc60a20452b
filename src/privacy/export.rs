//! `GET /account/export.json`: everything the site holds about the logged-in fan, as
//! one JSON file: the account, their places, applications, attendance, points, badges,
//! what they wrote (questions, feedback, reports, applications to organize, gatherings,
//! club news and messages), their clubs, their answers and wins at the meetups' live
//! screens, and the mail sent to them. Secrets are left out: the password hash, the calendar
//! feed's secret, and the secret of every link in the mail (`without_links`).
use super::addresses;
use crate::infra::state::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde_json::{Map, Value};
use sqlx::{Column, Row};

/// Each section: its name in the file, the column that names the fan in the table it
/// lists (`table.column`: every such column is here or in `NOT_EXPORTED`, checked by a
/// test), and the query listing the fan's rows (`$1`).
pub const SECTIONS: &[(&str, &str, &str)] = &[
    (
        "registrations",
        "registrations.user_id",
        "SELECT r.event_id, e.title, e.starts_at, r.status, r.waitlist_seq, r.ticket_code, r.checked_in_at, r.created_at, r.updated_at \
         FROM registrations r JOIN events e ON e.id = r.event_id WHERE r.user_id = $1 ORDER BY r.id",
    ),
    (
        "applications",
        "applications.user_id",
        "SELECT a.event_id, e.title, a.status, a.answer, a.picked_at, a.created_at, a.updated_at \
         FROM applications a JOIN events e ON e.id = a.event_id WHERE a.user_id = $1 ORDER BY a.id",
    ),
    ("draws", "draw_entries.user_id", "SELECT event_id, position, selected, drawn_at FROM draw_entries WHERE user_id = $1 ORDER BY drawn_at"),
    (
        "reconfirmations",
        "reconfirmations.user_id",
        "SELECT event_id, asked_at, due_at, confirmed_at, released_at FROM reconfirmations WHERE user_id = $1 ORDER BY asked_at",
    ),
    ("festival_places", "festival_places.user_id", "SELECT festival_id, event_id, created_at FROM festival_places WHERE user_id = $1 ORDER BY created_at"),
    (
        "attendance",
        "attendance.user_id",
        "SELECT a.event_id, e.title, a.outcome, a.recorded_at FROM attendance a JOIN events e ON e.id = a.event_id \
         WHERE a.user_id = $1 ORDER BY a.recorded_at",
    ),
    ("points", "points_ledger.user_id", "SELECT amount, reason, created_at FROM points_ledger WHERE user_id = $1 ORDER BY id"),
    ("badges", "badges.user_id", "SELECT badge, earned_at, city_id, city_rank FROM badges WHERE user_id = $1 ORDER BY earned_at"),
    (
        "questions",
        "questions.user_id",
        "SELECT q.id, q.event_id, e.title, q.body, q.answered_at, q.hidden, q.created_at FROM questions q \
         JOIN events e ON e.id = q.event_id WHERE q.user_id = $1 ORDER BY q.id",
    ),
    ("question_votes", "question_votes.user_id", "SELECT question_id, created_at FROM question_votes WHERE user_id = $1 ORDER BY created_at"),
    (
        "feedback",
        "feedback.user_id",
        "SELECT f.event_id, e.title, f.rating, f.comment, f.created_at FROM feedback f JOIN events e ON e.id = f.event_id \
         WHERE f.user_id = $1 ORDER BY f.created_at",
    ),
    (
        "reports",
        "reports.reporter_id",
        "SELECT event_id, question_id, category, details, status, created_at FROM reports WHERE reporter_id = $1 ORDER BY id",
    ),
    (
        "organizer_applications",
        "organizer_applications.user_id",
        "SELECT city_id, reason, status, decision_reason, created_at, decided_at FROM organizer_applications WHERE user_id = $1 ORDER BY id",
    ),
    (
        "gatherings",
        "events.organizer_id",
        "SELECT id, title, description, venue, address, starts_at, ends_at, capacity, status, created_at FROM events \
         WHERE organizer_id = $1 ORDER BY id",
    ),
    ("email_changes", "email_changes.user_id", "SELECT old_email, new_email, created_at, confirmed_at FROM email_changes WHERE user_id = $1 ORDER BY created_at"),
    // Sharing: the fan's code, the fans they brought (when, never who), and how they came.
    ("referral_code", "referral_codes.user_id", "SELECT code, created_at FROM referral_codes WHERE user_id = $1"),
    ("fans_brought", "referrals.referrer_id", "SELECT registered_at, counted_at, withdrawn_at FROM referrals WHERE referrer_id = $1 ORDER BY id"),
    ("brought_by_a_fan", "referrals.fan_id", "SELECT arrived_at, registered_at, counted_at FROM referrals WHERE fan_id = $1"),
    (
        "admission_decisions",
        "admission_log.fan_id",
        "SELECT event_id, action, created_at FROM admission_log WHERE fan_id = $1 ORDER BY id",
    ),
    // Clubs: the offices held, the clubs followed, and what the fan wrote as an officer or reported.
    (
        "club_offices",
        "club_officers.user_id",
        "SELECT city_id, role, starts_at, ends_at, ended_at, reason, created_at FROM club_officers WHERE user_id = $1 ORDER BY id",
    ),
    ("clubs_followed", "club_follows.user_id", "SELECT city_id, created_at FROM club_follows WHERE user_id = $1 ORDER BY created_at"),
    ("club_news_written", "club_news.author_id", "SELECT id, city_id, title, body, status, created_at FROM club_news WHERE author_id = $1 ORDER BY id"),
    (
        "club_messages_written",
        "club_messages.author_id",
        "SELECT id, city_id, subject, body, recipients, created_at FROM club_messages WHERE author_id = $1 ORDER BY id",
    ),
    (
        "club_news_reports",
        "club_news_reports.reporter_id",
        "SELECT news_id, category, details, status, created_at FROM club_news_reports WHERE reporter_id = $1 ORDER BY id",
    ),
    // Live at the meetup: the fan's answers to polls and quizzes, their quiz places and lucky draws won.
    (
        "live_answers",
        "live_answers.user_id",
        "SELECT i.event_id, i.kind, i.question, i.options, a.choice, a.score, a.elapsed_ms, a.answered_at FROM live_answers a \
         JOIN live_items i ON i.id = a.item_id WHERE a.user_id = $1 ORDER BY a.answered_at",
    ),
    ("quiz_places", "quiz_winners.user_id", "SELECT event_id, place, score, decided_at FROM quiz_winners WHERE user_id = $1 ORDER BY decided_at"),
    ("lucky_draws_won", "live_draws.winner_id", "SELECT event_id, round, winner_name, drawn_at FROM live_draws WHERE winner_id = $1 ORDER BY drawn_at"),
];

/// Sections found through the fan's own rows rather than a column naming them.
const FOUND_THROUGH_THEIRS: &[(&str, &str)] = &[
    // Staff's and officers' decisions about the fan and what they wrote or ran (who
    // decided stays out: another person).
    (
        "decisions_about_them",
        "SELECT l.subject, l.subject_id, l.action, l.reason, l.created_at FROM moderation_log l \
         WHERE (l.subject = 'organizer' AND l.subject_id = $1) \
            OR (l.subject = 'application' AND l.subject_id IN (SELECT a.id FROM organizer_applications a WHERE a.user_id = $1)) \
            OR (l.subject = 'report' AND l.subject_id IN (SELECT r.id FROM reports r WHERE r.reporter_id = $1)) \
            OR (l.subject = 'officer' AND l.subject_id IN (SELECT o.id FROM club_officers o WHERE o.user_id = $1)) \
            OR (l.subject = 'gathering' AND l.subject_id IN (SELECT e.id FROM events e WHERE e.organizer_id = $1)) \
            OR (l.subject = 'question' AND l.subject_id IN (SELECT q.id FROM questions q WHERE q.user_id = $1)) \
            OR (l.subject = 'news' AND l.subject_id IN (SELECT n.id FROM club_news n WHERE n.author_id = $1)) \
         ORDER BY l.id",
    ),
    // Every scan of their tickets at a door (a ticket shown twice is there too).
    (
        "door_scans_of_their_tickets",
        "SELECT s.event_id, s.door, s.outcome, s.scanned_at FROM door_scans s JOIN registrations r ON r.id = s.registration_id \
         WHERE r.user_id = $1 ORDER BY s.scanned_at",
    ),
];

/// The columns naming a user (by a foreign key: the test reads them from the schema)
/// that the export leaves out, and why: what staff, officers or door keepers did at
/// work is the site's record of that work — the export is the fan's, and the people a
/// decision concerned find it in their own sections (`decisions_about_them`) — and one-time
/// links are kept only as hashes, useless to anyone. Also left out, without a foreign
/// key: the sessions (the log-ins themselves), rate-limit counts, the ids of everyone
/// who could win a lucky draw (`live_draws.eligible`: others' ids; a draw the fan won is
/// theirs) and the names logs keep of who decided.
pub const NOT_EXPORTED: &[(&str, &str)] = &[
    ("tokens.user_id", "one-time links' hashes"),
    ("events.created_by", "staff's work"),
    ("events.drawn_by", "staff's work"),
    ("festivals.created_by", "staff's work"),
    ("host_decisions.decided_by", "staff's work"),
    ("moderation_log.staff_id", "staff's work"),
    ("applications.picked_by", "staff's work"),
    ("admission_log.actor_id", "staff's work"),
    ("club_officers.appointed_by", "staff's work"),
    ("live_items.created_by", "organizers' work"),
    ("live_draws.drawn_by", "organizers' work"),
    ("live_screens.created_by", "organizers' work"),
    ("door_scans.user_id", "the door keeper's work (the fan's own check-in is in registrations)"),
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
    for (name, sql) in SECTIONS.iter().map(|(name, _, sql)| (name, sql)).chain(FOUND_THROUGH_THEIRS.iter().map(|(name, sql)| (name, sql))) {
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

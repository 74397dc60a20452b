//! Storage of admission: an event's mode and window, applications, staff picks and
//! their log. The draw's own statements are in `run`, the reconfirmations' in
//! `reconfirm`.
use super::Admission;
use crate::error::AppError;
use crate::infra::db::{Db, Tx};

/// An event's admission settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Settings {
    pub admission: Admission,
    pub closes_at: Option<i64>,
    pub question: String,
}

/// Settings and where the draw stands.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventAdmission {
    pub admission: String,
    pub application_closes_at: Option<i64>,
    pub application_question: String,
    pub draw_seed: Option<String>,
    pub drawn_at: Option<i64>,
    pub drawn_by: Option<i64>,
    pub drawn_by_name: Option<String>,
}

impl EventAdmission {
    pub fn mode(&self) -> Admission {
        Admission::parse(&self.admission).unwrap_or_default()
    }

    /// Applications are taken (the draw has not run): sign-ups wait for the draw.
    pub fn awaiting_draw(&self) -> bool {
        super::awaits_draw(&self.admission, self.drawn_at)
    }
}

const SELECT: &str = "SELECT e.admission, e.application_closes_at, e.application_question, e.draw_seed, e.drawn_at, e.drawn_by, \
     d.display_name AS drawn_by_name FROM events e LEFT JOIN users d ON d.id = e.drawn_by WHERE e.id = $1";

pub async fn event_admission<'c, E: sqlx::Executor<'c, Database = sqlx::Any>>(executor: E, event_id: i64) -> Result<Option<EventAdmission>, sqlx::Error> {
    sqlx::query_as(SELECT).bind(event_id).fetch_optional(executor).await
}

/// Saves an event's admission settings. The mode changes only while nobody has a place
/// or an application (a switch would strand them). The close of applications may
/// move, but never into the past (that would draw at once
/// and shut out fans about to apply), and every move is logged with who made it.
///
/// The caller holds the event row for update (`meetups::editing` locks it, or inserted
/// it): applications and sign-ups hold it shared, so none lands between the count
/// below and the switch.
pub async fn save_settings(tx: &mut Tx, event_id: i64, settings: &Settings, editor: (i64, &str), now: i64) -> Result<(), AppError> {
    let current = event_admission(&mut **tx, event_id).await?.ok_or(AppError::NotFound)?;
    let status: String = sqlx::query_scalar("SELECT status FROM events WHERE id = $1").bind(event_id).fetch_one(&mut **tx).await?;
    let moved = current.application_closes_at != settings.closes_at && current.drawn_at.is_none();
    // Never into the past, whatever the status: a gathering in review would be drawn
    // the moment staff publish it.
    if moved && settings.closes_at.is_some_and(|c| c <= now) {
        return Err(AppError::field("application_closes", crate::msg!(admission.errors.close_in_past)));
    }
    // A move is logged once the event leaves the drafts (a gathering in review may keep
    // its applicants); setting the first close is not a move.
    if moved && status != "draft" && current.application_closes_at.is_some() {
        let time = |t: Option<i64>| t.map_or("-".to_string(), |t| t.to_string());
        let detail = format!("{} {}", time(current.application_closes_at), time(settings.closes_at));
        log(tx, event_id, Some(editor), None, "schedule", &detail, now).await?;
    }
    if current.mode() != settings.admission {
        let taken: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM registrations WHERE event_id = $1) + (SELECT COUNT(*) FROM applications WHERE event_id = $1)",
        )
        .bind(event_id)
        .fetch_one(&mut **tx)
        .await?;
        if taken > 0 || current.drawn_at.is_some() {
            return Err(AppError::field("admission", crate::msg!(admission.errors.mode_locked)));
        }
    }
    sqlx::query("UPDATE events SET admission = $1, application_closes_at = $2, application_question = $3 WHERE id = $4")
        .bind(settings.admission.as_str())
        .bind(settings.closes_at)
        .bind(&settings.question)
        .bind(event_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The event as an application sees it, locked against the draw (see `Dialect::lock_shared`).
#[derive(Debug, sqlx::FromRow)]
pub struct ApplyTarget {
    pub status: String,
    pub admission: String,
    pub application_closes_at: Option<i64>,
    pub signup_opens_at: Option<i64>,
    pub drawn_at: Option<i64>,
    pub capacity: Option<i64>,
}

pub async fn apply_target(tx: &mut Tx, event_id: i64) -> Result<Option<ApplyTarget>, sqlx::Error> {
    let sql = format!(
        "SELECT e.status, e.admission, e.application_closes_at, e.signup_opens_at, e.drawn_at, e.capacity FROM events e WHERE e.id = $1 {}",
        tx.dialect.lock_shared()
    );
    sqlx::query_as(&sql).bind(event_id).fetch_optional(&mut **tx).await
}

/// Why applications are not taken at `now`, or `None` when they are.
pub fn closed_reason(t: &ApplyTarget, now: i64) -> Option<crate::language::Text> {
    if t.admission != Admission::Draw.as_str() || t.status != "published" {
        return Some(crate::msg!(admission.errors.not_taking_applications));
    }
    if t.signup_opens_at.is_some_and(|o| now < o) {
        return Some(crate::msg!(admission.errors.not_open_yet));
    }
    if t.drawn_at.is_some() || t.application_closes_at.is_none_or(|c| now >= c) {
        return Some(crate::msg!(admission.errors.closed));
    }
    None
}

/// Applies (or updates the answer, or applies again after withdrawing): one
/// application per fan and event, by the unique key. Returns its id.
pub async fn upsert_application(tx: &mut Tx, event_id: i64, user_id: i64, answer: &str, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO applications (event_id, user_id, status, answer, created_at, updated_at) VALUES ($1, $2, 'applied', $3, $4, $4) \
         ON CONFLICT (event_id, user_id) DO UPDATE SET status = 'applied', answer = excluded.answer, updated_at = excluded.updated_at \
         RETURNING id",
    )
    .bind(event_id)
    .bind(user_id)
    .bind(answer)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

/// Withdraws the fan's application; whether there was one. A staff pick goes with it,
/// and the admission log says so (the fan withdrew, the pick lapsed).
pub async fn withdraw(tx: &mut Tx, event_id: i64, user_id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let sql = format!(
        "SELECT picked_at FROM applications WHERE event_id = $1 AND user_id = $2 AND status = 'applied' {}",
        tx.dialect.row_lock()
    );
    let Some(picked_at): Option<Option<i64>> = sqlx::query_scalar(&sql).bind(event_id).bind(user_id).fetch_optional(&mut **tx).await? else {
        return Ok(false);
    };
    sqlx::query(
        "UPDATE applications SET status = 'withdrawn', picked_by = NULL, picked_at = NULL, updated_at = $1 \
         WHERE event_id = $2 AND user_id = $3 AND status = 'applied'",
    )
    .bind(now)
    .bind(event_id)
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    if picked_at.is_some() {
        let name: String = sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1").bind(user_id).fetch_one(&mut **tx).await?;
        log(tx, event_id, Some((user_id, &name)), Some(user_id), "withdraw", "", now).await?;
    }
    Ok(true)
}

/// The fan's live application: (answer, picked).
pub async fn my_application(db: &Db, event_id: i64, user_id: i64) -> Result<Option<(String, bool)>, sqlx::Error> {
    let row: Option<(String, Option<i64>)> =
        sqlx::query_as("SELECT answer, picked_at FROM applications WHERE event_id = $1 AND user_id = $2 AND status = 'applied'")
            .bind(event_id)
            .bind(user_id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.map(|(answer, picked)| (answer, picked.is_some())))
}

pub async fn count_applied<'c, E: sqlx::Executor<'c, Database = sqlx::Any>>(executor: E, event_id: i64) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN picked_at IS NOT NULL THEN 1 ELSE 0 END), 0) FROM applications WHERE event_id = $1 AND status = 'applied'",
    )
    .bind(event_id)
    .fetch_one(executor)
    .await
}

/// Marks (or unmarks) a staff pick and logs it: who, when, which fan. Returns the fan's
/// id, or `None` when the application is not there (or already in that state).
pub async fn set_pick(tx: &mut Tx, event_id: i64, application_id: i64, staff: (i64, &str), pick: bool, now: i64) -> Result<Option<i64>, sqlx::Error> {
    let fan: Option<i64> = if pick {
        sqlx::query_scalar(
            "UPDATE applications SET picked_by = $1, picked_at = $2, updated_at = $2 \
             WHERE id = $3 AND event_id = $4 AND status = 'applied' AND picked_at IS NULL RETURNING user_id",
        )
        .bind(staff.0)
        .bind(now)
        .bind(application_id)
        .bind(event_id)
        .fetch_optional(&mut **tx)
        .await?
    } else {
        sqlx::query_scalar(
            "UPDATE applications SET picked_by = NULL, picked_at = NULL, updated_at = $1 \
             WHERE id = $2 AND event_id = $3 AND status = 'applied' AND picked_at IS NOT NULL RETURNING user_id",
        )
        .bind(now)
        .bind(application_id)
        .bind(event_id)
        .fetch_optional(&mut **tx)
        .await?
    };
    if let Some(fan) = fan {
        log(tx, event_id, Some(staff), Some(fan), if pick { "pick" } else { "unpick" }, "", now).await?;
    }
    Ok(fan)
}

/// Who wrote a line of the admission log: a person (id and name at the time), or the
/// timer (`None`).
pub type Actor<'a> = Option<(i64, &'a str)>;

/// Writes a line of the admission log. `detail`: what changed, for `schedule` lines
/// ("old new" close times, `-` for none).
pub async fn log(tx: &mut Tx, event_id: i64, actor: Actor<'_>, fan: Option<i64>, action: &str, detail: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO admission_log (event_id, actor_id, actor_name, fan_id, fan_name, action, detail, created_at) \
         VALUES ($1, $2, $3, $4, COALESCE((SELECT display_name FROM users WHERE id = $4), ''), $5, $6, $7)",
    )
    .bind(event_id)
    .bind(actor.map(|a| a.0))
    .bind(actor.map_or("", |a| a.1))
    .bind(fan)
    .bind(action)
    .bind(detail)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A line of the admission log as stored: (time, actor name, action, fan name, detail).
pub type StoredLogLine = (i64, String, String, String, String);

/// Every line of the event's admission log, oldest first.
pub async fn log_lines(db: &Db, event_id: i64) -> Result<Vec<StoredLogLine>, sqlx::Error> {
    sqlx::query_as("SELECT created_at, actor_name, action, fan_name, detail FROM admission_log WHERE event_id = $1 ORDER BY id")
        .bind(event_id)
        .fetch_all(&db.pool)
        .await
}

#[derive(Debug, sqlx::FromRow)]
pub struct ApplicantRow {
    pub id: i64,
    pub display_name: String,
    pub email: String,
    pub answer: String,
    pub attended: i64,
    pub no_shows: i64,
    pub picked_by_name: Option<String>,
    pub picked_at: Option<i64>,
    pub position: Option<i64>,
    pub selected: Option<i64>,
}

/// The first `limit` applicants with their history: picks first, then in draw order
/// (once drawn) or application order.
pub async fn applicants(db: &Db, event_id: i64, limit: i64) -> Result<Vec<ApplicantRow>, sqlx::Error> {
    // The record the draw weighs (`rules::counted_event`).
    let counted = super::rules::counted_event("x");
    sqlx::query_as(&format!(
        "SELECT a.id, u.display_name, u.email, a.answer, \
           (SELECT COUNT(*) FROM attendance t JOIN events x ON x.id = t.event_id WHERE t.user_id = a.user_id AND t.outcome = 'attended' AND {counted}) AS attended, \
           (SELECT COUNT(*) FROM attendance t JOIN events x ON x.id = t.event_id WHERE t.user_id = a.user_id AND t.outcome = 'no_show' AND {counted}) AS no_shows, \
           p.display_name AS picked_by_name, a.picked_at, d.position, d.selected \
         FROM applications a JOIN users u ON u.id = a.user_id LEFT JOIN users p ON p.id = a.picked_by \
         LEFT JOIN draw_entries d ON d.event_id = a.event_id AND d.application_id = a.id \
         WHERE a.event_id = $1 AND (a.status = 'applied' OR d.position IS NOT NULL) \
         ORDER BY CASE WHEN d.position IS NULL THEN 1 ELSE 0 END, d.position, CASE WHEN a.picked_at IS NULL THEN 1 ELSE 0 END, a.picked_at, a.id LIMIT $2",
    ))
    .bind(event_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// A fan applies (or changes their answer): refused once the window has closed or the
/// draw has run. The event row is locked against the draw, so an application either
/// commits before the draw reads the applicants or sees the draw and is refused.
pub async fn apply(db: &Db, event_id: i64, user_id: i64, answer: &str, now: i64) -> Result<i64, AppError> {
    let mut tx = db.begin_write().await?;
    let target = apply_target(&mut tx, event_id).await?.ok_or(AppError::NotFound)?;
    if let Some(reason) = closed_reason(&target, now) {
        return Err(AppError::field("apply", reason));
    }
    let id = upsert_application(&mut tx, event_id, user_id, answer, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// A fan withdraws before the draw.
pub async fn withdraw_application(db: &Db, event_id: i64, user_id: i64, now: i64) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    let target = apply_target(&mut tx, event_id).await?.ok_or(AppError::NotFound)?;
    if target.drawn_at.is_some() || !withdraw(&mut tx, event_id, user_id, now).await? {
        return Err(AppError::field("apply", crate::msg!(admission.errors.nothing_to_withdraw)));
    }
    tx.commit().await?;
    Ok(())
}

/// Staff pick (or unpick) an applicant before the draw; picks never exceed the seats.
pub async fn pick(db: &Db, event_id: i64, application_id: i64, staff: (i64, &str), pick: bool, now: i64) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    let target = apply_target(&mut tx, event_id).await?.ok_or(AppError::NotFound)?;
    if target.admission != Admission::Draw.as_str() || target.drawn_at.is_some() {
        return Err(AppError::field("pick", crate::msg!(admission.errors.pick_before_draw)));
    }
    if pick {
        let (_, picks) = count_applied(&mut *tx, event_id).await?;
        if target.capacity.is_some_and(|c| picks >= c) {
            return Err(AppError::field("pick", crate::msg!(admission.errors.picks_fill_seats)));
        }
    }
    if set_pick(&mut tx, event_id, application_id, staff, pick, now).await?.is_none() {
        return Err(AppError::field("pick", crate::msg!(admission.errors.no_such_applicant)));
    }
    tx.commit().await?;
    Ok(())
}

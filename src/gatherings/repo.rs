//! Storage for organizer applications, reports and the moderation log.
use super::{ApplicationView, LogEntry, ReportView};
use crate::infra::clock::format_local;
use crate::infra::db::{Db, Tx};


const APPLICATION_SELECT: &str = "SELECT a.id, a.user_id, u.display_name AS name, u.email, c.name_zh || ' ' || c.name_en AS city, a.reason, a.status, a.decision_reason \
     FROM organizer_applications a JOIN users u ON u.id = a.user_id JOIN cities c ON c.id = a.city_id";


pub async fn latest_application(db: &Db, user_id: i64) -> Result<Option<ApplicationView>, sqlx::Error> {
    let row: Option<ApplicationView> = sqlx::query_as(&format!("{APPLICATION_SELECT} WHERE a.user_id = $1 ORDER BY a.id DESC LIMIT 1"))
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row)
}

pub async fn pending_applications(db: &Db) -> Result<Vec<ApplicationView>, sqlx::Error> {
    let rows: Vec<ApplicationView> = sqlx::query_as(&format!("{APPLICATION_SELECT} WHERE a.status = 'pending' ORDER BY a.id"))
        .fetch_all(&db.pool)
        .await?;
    Ok(rows)
}

/// The club a moderation subject belongs to, and whose it is: (city, owner) for an
/// application to organize, a gathering and a report about a gathering (its organizer's);
/// `None` for what only staff decide.
pub async fn club_business(tx: &mut Tx, subject: &str, id: i64) -> Result<Option<(i64, Option<i64>)>, sqlx::Error> {
    let sql = match subject {
        "application" => "SELECT city_id, user_id FROM organizer_applications WHERE id = $1",
        "gathering" => "SELECT city_id, organizer_id FROM events WHERE id = $1 AND kind = 'gathering'",
        // A report about a question is about its asker, not the gathering's organizer.
        "report" => "SELECT e.city_id, CASE WHEN r.question_id IS NULL THEN e.organizer_id ELSE q.user_id END \
             FROM reports r JOIN events e ON e.id = r.event_id LEFT JOIN questions q ON q.id = r.question_id WHERE r.id = $1 AND e.kind = 'gathering'",
        _ => return Ok(None),
    };
    sqlx::query_as(sql).bind(id).fetch_optional(&mut **tx).await
}

/// Whether staff already decided about `subject` #`id` (hid, sent back, restored it…):
/// staff's decisions stick, officers do not undo or redo them.
pub async fn decided_by_staff(tx: &mut Tx, subject: &str, id: i64) -> Result<bool, sqlx::Error> {
    let decided: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM moderation_log l JOIN users u ON u.id = l.staff_id WHERE l.subject = $1 AND l.subject_id = $2 AND u.role IN ('staff', 'admin')",
    )
    .bind(subject)
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(decided > 0)
}

/// The gathering a report is about.
pub async fn reported_event(tx: &mut Tx, report_id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT event_id FROM reports WHERE id = $1").bind(report_id).fetch_optional(&mut **tx).await
}

/// Whether staff once declined `user_id`'s application to organize or revoked them.
pub async fn refused_by_staff_before(tx: &mut Tx, user_id: i64) -> Result<bool, sqlx::Error> {
    let refused: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organizer_applications WHERE user_id = $1 AND status IN ('declined', 'revoked')")
        .bind(user_id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(refused > 0)
}

/// Applications to organize in one city, waiting for a decision.
pub async fn applications_in(db: &Db, city_id: i64) -> Result<Vec<ApplicationView>, sqlx::Error> {
    sqlx::query_as(&format!("{APPLICATION_SELECT} WHERE a.status = 'pending' AND a.city_id = $1 ORDER BY a.id")).bind(city_id).fetch_all(&db.pool).await
}

pub async fn insert_application(tx: &mut Tx, user_id: i64, city_id: i64, reason: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO organizer_applications (user_id, city_id, reason, status, created_at) VALUES ($1, $2, $3, 'pending', $4)")
        .bind(user_id)
        .bind(city_id)
        .bind(reason)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Moves an application from `from` to `to`; the applicant's id if it was in `from`.
pub async fn decide_application(tx: &mut Tx, id: i64, from: &str, to: &str, reason: &str, now: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE organizer_applications SET status = $1, decision_reason = $2, decided_at = $3 WHERE id = $4 AND status = $5 RETURNING user_id",
    )
    .bind(to)
    .bind(reason)
    .bind(now)
    .bind(id)
    .bind(from)
    .fetch_optional(&mut **tx)
    .await
}

/// The city an organizer was approved for.
pub async fn approved_city(db: &Db, user_id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT city_id FROM organizer_applications WHERE user_id = $1 AND status = 'approved' ORDER BY id DESC LIMIT 1")
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await
}

pub async fn is_trusted(db: &Db, user_id: i64) -> Result<bool, sqlx::Error> {
    let trusted: Option<i64> = sqlx::query_scalar("SELECT trusted_organizer FROM users WHERE id = $1").bind(user_id).fetch_optional(&db.pool).await?;
    Ok(trusted == Some(1))
}

pub async fn set_trusted(tx: &mut Tx, user_id: i64, trusted: bool) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET trusted_organizer = $1 WHERE id = $2").bind(i64::from(trusted)).bind(user_id).execute(&mut **tx).await?;
    Ok(())
}

pub async fn log(tx: &mut Tx, subject: &str, subject_id: i64, action: &str, reason: &str, staff: (i64, &str), now: i64) -> Result<(), sqlx::Error> {
    log_for_club(tx, None, subject, subject_id, action, reason, staff, now).await
}

/// A line of the one audit log, for a decision about a club's business (`city`):
/// staff's or an officer's (`actor`, named as they were then).
#[allow(clippy::too_many_arguments)]
pub async fn log_for_club(tx: &mut Tx, city: Option<i64>, subject: &str, subject_id: i64, action: &str, reason: &str, actor: (i64, &str), now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO moderation_log (subject, subject_id, action, reason, staff_id, staff_name, created_at, city_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(subject)
    .bind(subject_id)
    .bind(action)
    .bind(reason)
    .bind(actor.0)
    .bind(actor.1)
    .bind(now)
    .bind(city)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct LogRow {
    created_at: i64,
    staff_name: String,
    subject: String,
    subject_id: i64,
    action: String,
    reason: String,
}

fn log_entry(l: LogRow) -> LogEntry {
    LogEntry { when: format_local(l.created_at, "Asia/Shanghai", crate::infra::locale::current()), staff: l.staff_name, subject: format!("{} #{}", l.subject, l.subject_id), action: l.action, reason: l.reason }
}

pub async fn recent_log(db: &Db, limit: i64) -> Result<Vec<LogEntry>, sqlx::Error> {
    let rows: Vec<LogRow> = sqlx::query_as(
        "SELECT created_at, staff_name, subject, subject_id, action, reason FROM moderation_log ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(log_entry).collect())
}

/// The decisions made for one club, newest first (staff's and its officers').
pub async fn log_for_city(db: &Db, city_id: i64, limit: i64) -> Result<Vec<LogEntry>, sqlx::Error> {
    let rows: Vec<LogRow> = sqlx::query_as(
        "SELECT created_at, staff_name, subject, subject_id, action, reason FROM moderation_log WHERE city_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(city_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(log_entry).collect())
}

/// Decisions about one organizer: their applications, their gatherings, themselves.
pub async fn log_for_organizer(db: &Db, user_id: i64) -> Result<Vec<LogEntry>, sqlx::Error> {
    let rows: Vec<LogRow> = sqlx::query_as(
        "SELECT l.created_at, l.staff_name, l.subject, l.subject_id, l.action, l.reason FROM moderation_log l \
         WHERE (l.subject = 'organizer' AND l.subject_id = $1) \
            OR (l.subject = 'application' AND l.subject_id IN (SELECT id FROM organizer_applications WHERE user_id = $1)) \
            OR (l.subject = 'gathering' AND l.subject_id IN (SELECT id FROM events WHERE organizer_id = $1)) \
         ORDER BY l.id DESC",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(log_entry).collect())
}

/// The reason staff gave the last time they rejected a gathering.
pub async fn rejection_reason(db: &Db, event_id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT reason FROM moderation_log WHERE subject = 'gathering' AND subject_id = $1 AND action = 'reject' ORDER BY id DESC LIMIT 1")
        .bind(event_id)
        .fetch_optional(&db.pool)
        .await
}

/// Files a fan's report about an event, or about a question on its page (`question_id`);
/// `false` when the fan has already reported this gathering (or this
/// question): one report each (`reports_one_per_fan`).
pub async fn insert_report(tx: &mut Tx, event_id: i64, question_id: Option<i64>, reporter: i64, category: &str, details: &str, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO reports (event_id, question_id, reporter_id, category, details, status, created_at) VALUES ($1, $2, $3, $4, $5, 'open', $6) \
         ON CONFLICT DO NOTHING",
    )
    .bind(event_id)
    .bind(question_id)
    .bind(reporter)
    .bind(category)
    .bind(details)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(sqlx::FromRow)]
struct ReportRow {
    id: i64,
    event_id: i64,
    title: String,
    category: String,
    details: String,
    display_name: Option<String>,
    status: String,
    question_id: Option<i64>,
    question: Option<String>,
}

const REPORT_SELECT: &str = "SELECT r.id, r.event_id, e.title, r.category, r.details, u.display_name, r.status, r.question_id, q.body AS question \
     FROM reports r JOIN events e ON e.id = r.event_id LEFT JOIN users u ON u.id = r.reporter_id LEFT JOIN questions q ON q.id = r.question_id";

fn report(r: ReportRow) -> ReportView {
    let reporter = r.display_name.unwrap_or_else(|| crate::i18n::td_string!(crate::infra::locale::current(), organizer.events.deleted_account).into());
    ReportView { id: r.id, event_id: r.event_id, event_title: r.title, category: r.category, details: r.details, reporter, status: r.status, question: r.question_id.zip(r.question) }
}

pub async fn open_reports(db: &Db) -> Result<Vec<ReportView>, sqlx::Error> {
    let rows: Vec<ReportRow> = sqlx::query_as(&format!("{REPORT_SELECT} WHERE r.status = 'open' ORDER BY r.id")).fetch_all(&db.pool).await?;
    Ok(rows.into_iter().map(report).collect())
}

/// Open reports about one city's gatherings. For an officer (`officer`: their id and
/// now) only those they may answer: not about their own gathering, a fellow officer's
/// or staff's (those go to staff).
pub async fn open_reports_in(db: &Db, city_id: i64, officer: Option<(i64, i64)>) -> Result<Vec<ReportView>, sqlx::Error> {
    let mut sql = format!("{REPORT_SELECT} WHERE r.status = 'open' AND e.city_id = $1 AND e.kind = 'gathering'");
    if officer.is_some() {
        // Whose it is: the question's asker, or the gathering's organizer (`club_business`).
        let owner = "(CASE WHEN r.question_id IS NULL THEN e.organizer_id ELSE q.user_id END)";
        sql.push_str(&format!(
            " AND {owner} IS NOT NULL AND {owner} <> $2 \
              AND NOT EXISTS (SELECT 1 FROM users s WHERE s.id = {owner} AND s.role IN ('staff', 'admin')) \
              AND NOT EXISTS (SELECT 1 FROM club_officers o WHERE o.city_id = e.city_id AND o.user_id = {owner} \
                AND o.starts_at <= $3 AND o.ends_at > $3 AND (o.ended_at IS NULL OR o.ended_at > $3))"
        ));
    }
    sql.push_str(" ORDER BY r.id");
    let (viewer, now) = officer.unwrap_or_default();
    let mut query = sqlx::query_as(&sql).bind(city_id);
    if officer.is_some() {
        query = query.bind(viewer).bind(now);
    }
    let rows: Vec<ReportRow> = query.fetch_all(&db.pool).await?;
    // Officers learn what is reported, not who reported it.
    let anonymous = || crate::i18n::td_string!(crate::infra::locale::current(), clubs.a_fan).to_string();
    Ok(rows.into_iter().map(report).map(|r| if officer.is_some() { ReportView { reporter: anonymous(), ..r } } else { r }).collect())
}

pub async fn reports_about_organizer(db: &Db, user_id: i64) -> Result<Vec<ReportView>, sqlx::Error> {
    let rows: Vec<ReportRow> = sqlx::query_as(&format!("{REPORT_SELECT} WHERE e.organizer_id = $1 ORDER BY r.id DESC"))
        .bind(user_id)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.into_iter().map(report).collect())
}

/// Marks an open report resolved; the gathering it is about.
pub async fn resolve_report(tx: &mut Tx, id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("UPDATE reports SET status = 'resolved' WHERE id = $1 AND status = 'open' RETURNING event_id")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
}

/// Length of the random id that tells one organizer message from another.
pub const MESSAGE_ID_LEN: usize = 8;

/// Messages sent to one gathering's attendees in the last day. Each message is one
/// outbox row per attendee, keyed `organizer_message:{event}:{message id}:{registration}`.
pub async fn messages_today(tx: &mut Tx, event_id: i64, now: i64) -> Result<i64, sqlx::Error> {
    let prefix_len = format!("organizer_message:{event_id}:").len() + MESSAGE_ID_LEN;
    sqlx::query_scalar(
        "SELECT COUNT(DISTINCT substr(idempotency_key, 1, CAST($1 AS INTEGER))) FROM outbox \
         WHERE kind = 'organizer_message' AND event_id = $2 AND created_at > $3",
    )
    .bind(prefix_len as i64)
    .bind(event_id)
    .bind(now - 24 * 3600)
    .fetch_one(&mut **tx)
    .await
}

/// Locks an event's row until the transaction ends (`row_lock` from `Db::row_lock`).
pub async fn lock_event(tx: &mut Tx, row_lock: &str, event_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(&format!("SELECT id FROM events WHERE id = $1 {row_lock}")).bind(event_id).fetch_optional(&mut **tx).await?;
    Ok(())
}

/// (confirmed, checked in) for an event.
pub async fn attendance(db: &Db, event_id: i64) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        "SELECT COUNT(*), COUNT(checked_in_at) FROM registrations WHERE event_id = $1 AND status = 'confirmed'",
    )
    .bind(event_id)
    .fetch_one(&db.pool)
    .await
}

/// Ends an organizer's approved application (their organizer role was revoked).
pub async fn revoke_application(tx: &mut Tx, user_id: i64, reason: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE organizer_applications SET status = 'revoked', decision_reason = $1, decided_at = $2 WHERE user_id = $3 AND status = 'approved'")
        .bind(reason)
        .bind(now)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

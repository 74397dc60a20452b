//! Officers' terms: who holds which post in which club, and when. A power check reads
//! the term in the transaction of the action it allows, so a term ended (or run out) a
//! moment before refuses the action — no cached role.
use super::OfficerRole;
use crate::error::AppError;
use crate::infra::db::{Db, Tx};

const IN_TERM: &str = "starts_at <= $3 AND ends_at > $3 AND (ended_at IS NULL OR ended_at > $3)";

/// The highest post `user_id` holds in the club of `city_id` at `now`.
pub async fn role_in(conn: &mut sqlx::AnyConnection, city_id: i64, user_id: i64, now: i64) -> Result<Option<OfficerRole>, sqlx::Error> {
    let roles: Vec<String> = sqlx::query_scalar(&format!("SELECT role FROM club_officers WHERE city_id = $1 AND user_id = $2 AND {IN_TERM}"))
        .bind(city_id)
        .bind(user_id)
        .bind(now)
        .fetch_all(&mut *conn)
        .await?;
    Ok(OfficerRole::ALL.into_iter().find(|r| roles.iter().any(|s| s == r.as_str())))
}

/// The post `user` holds in the club, or `Forbidden`: staff act everywhere as staff, so
/// this is for officers' powers only. The term is held until `tx` commits, so a removal
/// made meanwhile waits for the decision it allowed and then stops the next one.
pub async fn require(tx: &mut Tx, city_id: i64, user_id: i64, now: i64) -> Result<OfficerRole, AppError> {
    let sql = format!("SELECT role FROM club_officers WHERE city_id = $1 AND user_id = $2 AND {IN_TERM} {}", tx.dialect.hold_rows());
    let roles: Vec<String> = sqlx::query_scalar(&sql).bind(city_id).bind(user_id).bind(now).fetch_all(&mut **tx).await?;
    OfficerRole::ALL.into_iter().find(|r| roles.iter().any(|s| s == r.as_str())).ok_or(AppError::Forbidden)
}

/// Clubs (city ids) `user_id` is an officer of at `now`.
pub async fn clubs_of(db: &Db, user_id: i64, now: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT city_id FROM club_officers WHERE user_id = $1 AND starts_at <= $2 AND ends_at > $2 AND (ended_at IS NULL OR ended_at > $2)",
    )
    .bind(user_id)
    .bind(now)
    .fetch_all(&db.pool)
    .await
}

pub struct NewTerm<'a> {
    pub city_id: i64,
    pub user_id: i64,
    pub role: OfficerRole,
    pub starts_at: i64,
    pub ends_at: i64,
    pub appointed_by: i64,
    pub reason: &'a str,
}

/// Appoints an officer; the club's row is locked so two appointments never give it two
/// presidents at once. Returns the term's id.
pub async fn appoint(tx: &mut Tx, term: &NewTerm<'_>, now: i64) -> Result<i64, AppError> {
    sqlx::query(&format!("SELECT id FROM cities WHERE id = $1 {}", tx.dialect.row_lock())).bind(term.city_id).fetch_optional(&mut **tx).await?;
    if term.role == OfficerRole::President {
        let overlapping: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM club_officers WHERE city_id = $1 AND role = 'president' AND ended_at IS NULL AND ends_at > $2 AND starts_at < $3",
        )
        .bind(term.city_id)
        .bind(term.starts_at)
        .bind(term.ends_at)
        .fetch_one(&mut **tx)
        .await?;
        if overlapping > 0 {
            return Err(AppError::field("role", crate::msg!(clubs.errors.has_president)));
        }
    }
    let id = sqlx::query_scalar(
        "INSERT INTO club_officers (city_id, user_id, role, starts_at, ends_at, appointed_by, reason, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(term.city_id)
    .bind(term.user_id)
    .bind(term.role.as_str())
    .bind(term.starts_at)
    .bind(term.ends_at)
    .bind(term.appointed_by)
    .bind(term.reason)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}

/// A term as stored: (id, city, user).
pub async fn term(tx: &mut Tx, term_id: i64) -> Result<Option<(i64, i64, Option<i64>)>, sqlx::Error> {
    sqlx::query_as("SELECT id, city_id, user_id FROM club_officers WHERE id = $1").bind(term_id).fetch_optional(&mut **tx).await
}

/// Ends a term now (resignation or removal); `false` when it had already ended.
pub async fn end(tx: &mut Tx, term_id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE club_officers SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL AND ends_at > $1")
        .bind(now)
        .bind(term_id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A term with its officer: (term id, user id, name, role, starts, ends, ended).
pub type TermRow = (i64, Option<i64>, String, String, i64, i64, Option<i64>);

/// The club's terms: those in force at `now`, or (`all`) every term, newest first.
pub async fn terms(db: &Db, city_id: i64, now: i64, all: bool) -> Result<Vec<TermRow>, sqlx::Error> {
    let filter = if all { "1 = 1 AND $2 = $2" } else { "o.starts_at <= $2 AND o.ends_at > $2 AND (o.ended_at IS NULL OR o.ended_at > $2)" };
    sqlx::query_as(&format!(
        "SELECT o.id, o.user_id, COALESCE(u.display_name, '—'), o.role, o.starts_at, o.ends_at, o.ended_at \
         FROM club_officers o LEFT JOIN users u ON u.id = o.user_id WHERE o.city_id = $1 AND {filter} \
         ORDER BY CASE o.role WHEN 'president' THEN 0 WHEN 'vice_president' THEN 1 ELSE 2 END, o.starts_at DESC"
    ))
    .bind(city_id)
    .bind(now)
    .fetch_all(&db.pool)
    .await
}

/// An officer's record across their terms: (city, role, starts, ends, gatherings run,
/// fans who came, average rating, the city's time zone).
pub type RecordRow = (i64, String, i64, i64, i64, i64, Option<f64>, String);

pub async fn record(db: &Db, user_id: i64) -> Result<Vec<RecordRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT o.city_id, o.role, o.starts_at, COALESCE(o.ended_at, o.ends_at), \
           (SELECT COUNT(*) FROM events e WHERE e.organizer_id = o.user_id AND e.city_id = o.city_id AND e.starts_at >= o.starts_at AND e.starts_at < COALESCE(o.ended_at, o.ends_at)), \
           (SELECT COUNT(*) FROM attendance a JOIN events e ON e.id = a.event_id WHERE e.organizer_id = o.user_id AND e.city_id = o.city_id \
              AND e.starts_at >= o.starts_at AND e.starts_at < COALESCE(o.ended_at, o.ends_at) AND a.outcome = 'attended'), \
           (SELECT CAST(AVG(f.rating) AS DOUBLE PRECISION) FROM feedback f JOIN events e ON e.id = f.event_id WHERE e.organizer_id = o.user_id AND e.city_id = o.city_id \
              AND e.starts_at >= o.starts_at AND e.starts_at < COALESCE(o.ended_at, o.ends_at)), \
           c.timezone \
         FROM club_officers o JOIN cities c ON c.id = o.city_id WHERE o.user_id = $1 ORDER BY o.starts_at DESC",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await
}

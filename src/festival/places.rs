//! One place per fan per festival: `festival_places (festival_id, user_id)` is the
//! primary key, and the row names the session the place is at. The seat engine writes
//! it in the same transaction as the registration (sign-up, cancel, switch), always
//! before the registration row and after the event row, so two transactions take the
//! locks in one order. When a fan presses two sessions at once, both insert the same
//! key: the database makes the second wait for the first and then see its session.
//!
//! On PostgreSQL a row lock alone does not give that order: a transaction that locks
//! the fan's place does not see (nor wait for) a place another has just inserted, goes
//! on to the registration, and the two deadlock. So every transaction that touches a
//! fan's place first takes a transaction lock on (festival, fan); SQLite has one writer.
use crate::error::AppError;
use crate::infra::db::Tx;
use crate::infra::dialect::Dialect;

/// Serializes the transactions about one fan's place in one festival (PostgreSQL).
const ONE_AT_A_TIME: &str = "SELECT pg_advisory_xact_lock(hashint8($1), hashint8($2))";

/// Holds the fan's place in the festival for `event_id`, or finds the one they already
/// hold; either way the row stays locked until the transaction ends. Returns the event
/// the fan's place is at (`event_id` unless they hold another session).
pub async fn hold(tx: &mut Tx, festival_id: i64, user_id: i64, event_id: i64, now: i64) -> Result<i64, sqlx::Error> {
    // One statement on the busiest path: the lock is taken by the row source of the insert.
    let source = match tx.dialect {
        Dialect::Postgres => format!("SELECT $1, $2, $3, $4 FROM ({ONE_AT_A_TIME}) AS one_at_a_time"),
        Dialect::Sqlite => "VALUES ($1, $2, $3, $4)".to_string(),
    };
    let sql = format!(
        "INSERT INTO festival_places (festival_id, user_id, event_id, created_at) {source} \
         ON CONFLICT (festival_id, user_id) DO UPDATE SET festival_id = festival_places.festival_id \
         RETURNING event_id"
    );
    sqlx::query_scalar(&sql)
        .bind(festival_id)
    .bind(user_id)
    .bind(event_id)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

/// The session the fan's place is at, locked for the rest of the transaction.
pub async fn lock(tx: &mut Tx, festival_id: i64, user_id: i64) -> Result<Option<i64>, sqlx::Error> {
    if tx.dialect == Dialect::Postgres {
        sqlx::query(ONE_AT_A_TIME).bind(festival_id).bind(user_id).execute(&mut **tx).await?;
    }
    let sql = format!("SELECT event_id FROM festival_places WHERE festival_id = $1 AND user_id = $2 {}", tx.dialect.row_lock());
    sqlx::query_scalar(&sql).bind(festival_id).bind(user_id).fetch_optional(&mut **tx).await
}

/// Moves the fan's (locked) place to another session.
pub async fn move_to(tx: &mut Tx, festival_id: i64, user_id: i64, event_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE festival_places SET event_id = $1 WHERE festival_id = $2 AND user_id = $3")
        .bind(event_id)
        .bind(festival_id)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Frees the fan's place if it is at `event_id` (after a cancellation there).
pub async fn release(tx: &mut Tx, festival_id: i64, user_id: i64, event_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM festival_places WHERE festival_id = $1 AND user_id = $2 AND event_id = $3")
        .bind(festival_id)
        .bind(user_id)
        .bind(event_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Frees every place at a session (it was cancelled: its fans may choose another).
pub async fn release_event(tx: &mut Tx, event_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM festival_places WHERE event_id = $1").bind(event_id).execute(&mut **tx).await?;
    Ok(())
}

/// The refusal when a fan already holds another session of the festival: names it.
pub async fn held_elsewhere(tx: &mut Tx, held: i64) -> Result<AppError, AppError> {
    let event = crate::meetups::repo::event_info(&mut **tx, held).await?.ok_or(AppError::NotFound)?;
    let message = crate::language::Text::build(|l| {
        let city = crate::meetups::emails::city_in(&event, l);
        crate::i18n::td_string!(l, festival.errors.held_elsewhere, city = city).to_string()
    });
    Ok(AppError::field("signup", message))
}

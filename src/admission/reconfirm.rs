//! No-shows, fairly: a fan with `no_shows` or more no-shows in the window who holds a
//! seat at an official meetup is asked to reconfirm (`ask_hours` before it) and, if
//! they have not by the deadline (`deadline_hours` before it), the seat passes to the
//! waiting list through the engine (whose promotion email tells the next fan).
//!
//! Safe in several processes at once: asking is an insert on the (event, fan) key, and
//! releasing an update guarded by `released_at IS NULL AND confirmed_at IS NULL`; every
//! email has an idempotency key.
use super::NoShowRule;
use crate::email::outbox;
use crate::error::AppError;
use crate::infra::db::Db;
use crate::meetups::engine::{self, Events};

/// Asks and releases what is due at the engine's clock; returns (asked, released).
pub async fn run_due(events: &Events, rule: &NoShowRule) -> Result<(usize, usize), AppError> {
    let now = events.clock.now();
    let mut asked = 0;
    let candidates: Vec<(i64, i64, i64)> = sqlx::query_as(&format!(
        "SELECT r.event_id, r.user_id, e.starts_at FROM registrations r JOIN events e ON e.id = r.event_id \
         WHERE r.status = 'confirmed' AND e.kind = 'official' AND e.status = 'published' AND e.starts_at <= $1 AND e.starts_at > $2 \
           AND NOT EXISTS (SELECT 1 FROM reconfirmations c WHERE c.event_id = r.event_id AND c.user_id = r.user_id) \
           AND (SELECT COUNT(*) FROM attendance t JOIN events x ON x.id = t.event_id \
                WHERE t.user_id = r.user_id AND t.outcome = 'no_show' AND x.starts_at >= $3 AND {}) >= $4",
        super::rules::counted_event("x")
    ))
    .bind(now + i64::from(rule.ask_hours) * 3600)
    .bind(now + i64::from(rule.deadline_hours) * 3600)
    .bind(rule.window_start(now))
    .bind(i64::from(rule.no_shows))
    .fetch_all(&events.db.pool)
    .await?;
    for (event_id, user_id, starts_at) in candidates {
        let mut tx = events.begin().await?;
        let due_at = rule.due_at(starts_at);
        let inserted = sqlx::query(
            "INSERT INTO reconfirmations (event_id, user_id, asked_at, due_at) VALUES ($1, $2, $3, $4) ON CONFLICT (event_id, user_id) DO NOTHING",
        )
        .bind(event_id)
        .bind(user_id)
        .bind(now)
        .bind(due_at)
        .execute(&mut **tx)
        .await?;
        if inserted.rows_affected() == 1 {
            let event = crate::meetups::repo::event_info(&mut **tx, event_id).await?.ok_or(AppError::NotFound)?;
            let fan = crate::accounts::repo::contact(&mut tx, user_id).await?.ok_or(AppError::NotFound)?;
            let mail = super::emails::reconfirm_ask(fan.locale, &event, user_id, &fan.email, &fan.display_name, due_at, tx.base_url());
            outbox::enqueue(&mut tx, &mail, now).await?;
            asked += 1;
        }
        tx.commit().await?;
    }
    let mut released = 0;
    let overdue: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT c.event_id, c.user_id FROM reconfirmations c JOIN events e ON e.id = c.event_id \
         WHERE c.confirmed_at IS NULL AND c.released_at IS NULL AND c.due_at <= $1 AND e.starts_at > $1",
    )
    .bind(now)
    .fetch_all(&events.db.pool)
    .await?;
    for (event_id, user_id) in overdue {
        let mut tx = events.begin().await?;
        let claimed = sqlx::query(
            "UPDATE reconfirmations SET released_at = $1 WHERE event_id = $2 AND user_id = $3 AND released_at IS NULL AND confirmed_at IS NULL",
        )
        .bind(now)
        .bind(event_id)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
        if claimed.rows_affected() == 1 && is_confirmed(&mut tx, event_id, user_id).await? && engine::cancel_in(&mut tx, event_id, user_id).await? {
            let event = crate::meetups::repo::event_info(&mut **tx, event_id).await?.ok_or(AppError::NotFound)?;
            let fan = crate::accounts::repo::contact(&mut tx, user_id).await?.ok_or(AppError::NotFound)?;
            let mail = super::emails::seat_released(fan.locale, &event, user_id, &fan.email, &fan.display_name, tx.base_url());
            outbox::enqueue(&mut tx, &mail, now).await?;
            released += 1;
        }
        tx.commit().await?;
    }
    Ok((asked, released))
}

async fn is_confirmed(tx: &mut crate::infra::db::Tx, event_id: i64, user_id: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM registrations WHERE event_id = $1 AND user_id = $2 AND status = 'confirmed'")
        .bind(event_id)
        .bind(user_id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(n > 0)
}

/// The fan reconfirms ("I'm coming"); whether there was a request to answer.
pub async fn reconfirm(db: &Db, event_id: i64, user_id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let done = sqlx::query(
        "UPDATE reconfirmations SET confirmed_at = $1 WHERE event_id = $2 AND user_id = $3 AND confirmed_at IS NULL AND released_at IS NULL",
    )
    .bind(now)
    .bind(event_id)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

/// A pending or answered request for the fan's seat: (due at, confirmed).
pub async fn state(db: &Db, event_id: i64, user_id: i64) -> Result<Option<(i64, bool)>, sqlx::Error> {
    let row: Option<(i64, Option<i64>)> =
        sqlx::query_as("SELECT due_at, confirmed_at FROM reconfirmations WHERE event_id = $1 AND user_id = $2 AND released_at IS NULL")
            .bind(event_id)
            .bind(user_id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.map(|(due, confirmed)| (due, confirmed.is_some())))
}

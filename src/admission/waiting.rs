//! The drawn waiting list, written in drawn order: its head in the draw's own
//! transaction, the rest in batches right after (`finish_draw`), each batch a
//! transaction of its own. The draw's decision (seed, inputs, order, seats, tickets) is
//! durable at the draw's commit; a long tail only adds rows the order already fixes.
//!
//! `events.draw_pending_from` is the first drawn position still to be written (NULL when
//! none). Each batch advances it in the transaction that writes the batch, under a lock
//! on the event's row, so a crash loses nothing and several processes finishing the same
//! draw (the timer resumes unfinished ones) write each fan once. While the tail is being
//! written the head already holds the lowest numbers, so a seat freed meanwhile goes to
//! the right fan.
use super::emails;
use crate::email::outbox;
use crate::error::AppError;
use crate::infra::db::Tx;
use crate::meetups::engine::{EventTx, Events};
use crate::meetups::repo as events_repo;
use crate::meetups::EventStatus;

/// How a waiting list is written: the first `in_draw` fans in the draw's transaction,
/// the rest `per_batch` at a time after it.
#[derive(Debug, Clone, Copy)]
pub struct Batches {
    pub in_draw: i64,
    pub per_batch: i64,
}

impl Default for Batches {
    /// A thousand fans waiting cover every promotion of a meetup's first minutes; ten
    /// thousand rows a transaction keep each batch well inside PostgreSQL's buffers.
    fn default() -> Self {
        Batches { in_draw: 1_000, per_batch: 10_000 }
    }
}

/// Writes the waiting places of drawn positions `from..to` (numbered `position - seats`,
/// ticket codes made by the database) and queues their "not this time, number N" mail.
/// A fan who already holds a registration (one who signed up in the moment after the
/// draw) keeps it.
pub async fn write_positions(tx: &mut EventTx, event_id: i64, seats: i64, from: i64, to: i64) -> Result<(), AppError> {
    let now = tx.now;
    let (per_row_random, code) = crate::meetups::tickets::sql_codes(tx.dialect);
    // In the order of the fans (the order of the registrations' keys).
    let sql = format!(
        "INSERT INTO registrations (event_id, user_id, status, waitlist_seq, ticket_code, created_at, updated_at, generation) \
         SELECT $1, w.user_id, 'waitlisted', w.position - $2, {code}, $3, $3, 1 \
         FROM (SELECT d.user_id, d.position, {per_row_random} AS r FROM draw_entries d \
               WHERE d.event_id = $1 AND d.selected = 0 AND d.user_id IS NOT NULL AND d.position >= $4 AND d.position < $5) w \
         ORDER BY w.user_id ON CONFLICT (event_id, user_id) DO NOTHING"
    );
    sqlx::query(&sql).bind(event_id).bind(seats).bind(now).bind(from).bind(to).execute(&mut ***tx).await?;
    let event = events_repo::event_info(&mut ***tx, event_id).await?.ok_or(AppError::NotFound)?;
    let mail = emails::not_this_time(&event, tx.base_url());
    let from_where = "FROM draw_entries d JOIN users u ON u.id = d.user_id \
                      WHERE d.event_id = $1 AND d.selected = 0 AND d.position >= $2 AND d.position < $3";
    let number = format!("d.position - {seats}");
    outbox::enqueue_numbered_copies(tx, &mail, &crate::meetups::emails::draw_notice_prefix(event_id), "d.user_id", &number, from_where, &[event_id, from, to], now).await?;
    // Fans now wait who were not on the list a moment ago: a seat freed meanwhile is theirs.
    tx.may_free_a_seat(event_id);
    Ok(())
}

/// Records where the draw's transaction stopped writing the list (`None`: it wrote all).
pub async fn leave_pending(tx: &mut Tx, event_id: i64, from: Option<i64>) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE events SET draw_pending_from = $1 WHERE id = $2").bind(from).bind(event_id).execute(&mut **tx).await?;
    Ok(())
}

/// Writes the rest of a drawn waiting list, one batch per transaction, until none is
/// left; returns how many batches this call wrote. Safe to run in several processes.
pub async fn finish_draw(events: &Events, event_id: i64, per_batch: i64) -> Result<usize, AppError> {
    // Fixed by the draw: how many it seated and its last position.
    let (seats, last): (i64, i64) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(selected), 0) AS BIGINT), CAST(COALESCE(MAX(position), 0) AS BIGINT) FROM draw_entries WHERE event_id = $1",
    )
    .bind(event_id)
    .fetch_one(&events.db.pool)
    .await?;
    let mut written = 0;
    loop {
        let mut tx = events.begin().await?;
        if let Some(sql) = tx.dialect.without_jit() {
            // Each batch reads the draw's rows once or twice: compiling costs more.
            sqlx::query(sql).execute(&mut **tx).await?;
        }
        let sql = format!("SELECT draw_pending_from, status FROM events WHERE id = $1 {}", tx.dialect.row_lock());
        let pending: Option<(Option<i64>, String)> = sqlx::query_as(&sql).bind(event_id).fetch_optional(&mut **tx).await?;
        let Some((Some(from), status)) = pending else {
            return Ok(written);
        };
        let to = from + per_batch.max(1);
        // A cancelled event needs no waiting list, and its fans were told.
        if status != EventStatus::Cancelled.as_str() {
            write_positions(&mut tx, event_id, seats, from, to).await?;
        }
        let next = (to <= last && status != EventStatus::Cancelled.as_str()).then_some(to);
        leave_pending(&mut tx, event_id, next).await?;
        tx.commit().await?;
        written += 1;
    }
}

/// Finishes every draw whose waiting list is not fully written (after a crash, or
/// while another process writes it); returns how many batches this call wrote.
pub async fn finish_unfinished_draws(events: &Events, per_batch: i64) -> Result<usize, AppError> {
    let unfinished: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM events WHERE draw_pending_from IS NOT NULL ORDER BY id LIMIT 100").fetch_all(&events.db.pool).await?;
    let mut written = 0;
    for event_id in unfinished {
        written += finish_draw(events, event_id, per_batch).await?;
    }
    Ok(written)
}

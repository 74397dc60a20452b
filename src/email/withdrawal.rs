//! Mail that should no longer go out, taken back in the transaction that makes it
//! pointless. Only mail not yet sent and not taken by a worker: a leased message is on
//! its way, and stays recorded (staff views, the fan's mailbox, the data export).
use crate::infra::db::Tx;

/// The message with this key, if it has not gone out.
pub async fn withdraw(tx: &mut Tx, key: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM outbox WHERE idempotency_key = $1 AND status = 'pending' AND (locked_until IS NULL OR locked_until <= $2)")
        .bind(key)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Every message of `kind` about `event_id` that has not gone out.
pub async fn withdraw_of_event(tx: &mut Tx, kind: &str, event_id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM outbox WHERE kind = $1 AND event_id = $2 AND status = 'pending' AND (locked_until IS NULL OR locked_until <= $3)")
        .bind(kind)
        .bind(event_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

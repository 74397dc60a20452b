//! The outbox table: a durable queue of messages, filled inside business transactions
//! and drained by the worker with leases, so no message is lost or sent twice by design.
use super::{MailMessage, MailSummary, OutgoingEmail};
use crate::server::db::{Db, Tx};

/// After this many failed attempts a message is marked failed and left for staff.
pub const MAX_ATTEMPTS: i64 = 10;
/// How long a worker may hold a claimed message before another may retry it.
pub const LEASE_SECS: i64 = 120;

/// Seconds to wait before attempt `attempts + 1`: 30 s doubling, at most an hour.
pub fn backoff_secs(attempts: i64) -> i64 {
    let exponent = attempts.clamp(1, 8) - 1;
    (30_i64 << exponent).min(3600)
}

/// Queues a message in the caller's transaction. Returns `false` when a message with
/// the same idempotency key is already queued.
pub async fn enqueue(tx: &mut Tx, email: &OutgoingEmail, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO outbox (idempotency_key, kind, recipient, subject, body_text, body_html, event_id, attachments, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(&email.idempotency_key)
    .bind(email.kind)
    .bind(&email.to)
    .bind(&email.subject)
    .bind(&email.text)
    .bind(&email.html)
    .bind(email.event_id)
    .bind(serde_json::to_string(&email.attachments).unwrap_or_else(|_| "[]".into()))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub struct Claimed {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub attempts: i64,
    pub attachments: Vec<super::Attachment>,
}

/// Leases up to `limit` due messages to this worker and counts the attempt.
pub async fn claim_due(db: &Db, limit: i64, now: i64) -> Result<Vec<Claimed>, sqlx::Error> {
    let sql = format!(
        "UPDATE outbox SET locked_until = $1, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM outbox \
                      WHERE status = 'pending' AND next_attempt_at <= $2 AND (locked_until IS NULL OR locked_until <= $2) \
                      ORDER BY id LIMIT $3 {}) \
         RETURNING id, recipient, subject, body_text, body_html, attempts, attachments",
        db.skip_locked()
    );
    let mut tx = db.begin_write().await?;
    let rows: Vec<(i64, String, String, String, String, i64, String)> = sqlx::query_as(&sql)
        .bind(now + LEASE_SECS)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|(id, recipient, subject, body_text, body_html, attempts, attachments)| Claimed {
            id,
            recipient,
            subject,
            body_text,
            body_html,
            attempts,
            attachments: serde_json::from_str(&attachments).unwrap_or_default(),
        })
        .collect())
}

/// Records delivered messages, a whole batch in one write (the writer is shared with
/// sign-ups, so fewer, larger writes leave it free for them).
pub async fn mark_sent(db: &Db, ids: &[i64], via: &str, now: i64) -> Result<(), sqlx::Error> {
    if ids.is_empty() {
        return Ok(());
    }
    let placeholders: Vec<String> = (3..ids.len() + 3).map(|i| format!("${i}")).collect();
    // Mail delivered by SMTP keeps no one-time link (see `retention`).
    let forget = format!("$2 = 'smtp' AND kind IN ({})", super::retention::secret_kinds_sql());
    let sql = format!(
        "UPDATE outbox SET status = 'sent', sent_at = $1, delivered_via = $2, locked_until = NULL, last_error = NULL, \
         body_text = CASE WHEN {forget} THEN '' ELSE body_text END, body_html = CASE WHEN {forget} THEN '' ELSE body_html END \
         WHERE id IN ({})",
        placeholders.join(", ")
    );
    let mut query = sqlx::query(&sql).bind(now).bind(via);
    for id in ids {
        query = query.bind(*id);
    }
    let mut tx = db.begin_write().await?;
    query.execute(&mut *tx).await?;
    tx.commit().await
}

/// Records a failed attempt: retry later with backoff, or give up after `MAX_ATTEMPTS`.
pub async fn mark_failed_attempt(db: &Db, message: &Claimed, error: &str, now: i64) -> Result<(), sqlx::Error> {
    let status = if message.attempts >= MAX_ATTEMPTS { "failed" } else { "pending" };
    let error: String = error.chars().take(500).collect();
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE outbox SET status = $1, next_attempt_at = $2, locked_until = NULL, last_error = $3 WHERE id = $4")
        .bind(status)
        .bind(now + backoff_secs(message.attempts))
        .bind(error)
        .bind(message.id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

type SummaryRow = (i64, String, String, String, i64, i64, Option<String>);

fn summary((id, recipient, subject, status, attempts, created_at, delivered_via): SummaryRow) -> MailSummary {
    MailSummary { id, recipient, subject, status, attempts, created_at, delivered_via }
}

const SUMMARY_COLUMNS: &str = "id, recipient, subject, status, attempts, created_at, delivered_via";

/// Newest messages first, optionally only those to one address.
pub async fn recent(db: &Db, recipient: Option<&str>, limit: i64) -> Result<Vec<MailSummary>, sqlx::Error> {
    let rows: Vec<SummaryRow> = match recipient {
        Some(to) => {
            sqlx::query_as(&format!("SELECT {SUMMARY_COLUMNS} FROM outbox WHERE recipient = $1 ORDER BY id DESC LIMIT $2"))
                .bind(to)
                .bind(limit)
                .fetch_all(&db.pool)
                .await?
        }
        None => {
            sqlx::query_as(&format!("SELECT {SUMMARY_COLUMNS} FROM outbox ORDER BY id DESC LIMIT $1"))
                .bind(limit)
                .fetch_all(&db.pool)
                .await?
        }
    };
    Ok(rows.into_iter().map(summary).collect())
}

pub async fn message(db: &Db, id: i64) -> Result<Option<MailMessage>, sqlx::Error> {
    let row: Option<(i64, String, String, String, i64, i64, Option<String>, String, Option<String>)> = sqlx::query_as(
        &format!("SELECT {SUMMARY_COLUMNS}, body_text, last_error FROM outbox WHERE id = $1"),
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|(id, recipient, subject, status, attempts, created_at, delivered_via, body_text, last_error)| MailMessage {
        summary: summary((id, recipient, subject, status, attempts, created_at, delivered_via)),
        body_text,
        last_error,
    }))
}

/// Messages of one kind about one meetup, by status, e.g. `[("pending", 3), ("sent", 120)]`.
pub async fn counts_for_event(db: &Db, event_id: i64, kind: &str) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT status, COUNT(*) FROM outbox WHERE event_id = $1 AND kind = $2 GROUP BY status ORDER BY status")
        .bind(event_id)
        .bind(kind)
        .fetch_all(&db.pool)
        .await
}

#[cfg(test)]
mod tests {
    use super::backoff_secs;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff_secs(1), 30);
        assert_eq!(backoff_secs(2), 60);
        assert_eq!(backoff_secs(3), 120);
        assert_eq!(backoff_secs(7), 1920);
        assert_eq!(backoff_secs(8), 3600);
        assert_eq!(backoff_secs(50), 3600);
    }
}

//! The outbox worker: claims due messages, delivers them, records the outcome.
use super::mailer::Mailer;
use super::outbox;
use crate::server::clock::now;
use crate::server::db::Db;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

const BATCH: i64 = 20;
/// Also look now and then: retries come due, and other processes may queue mail.
const POLL: Duration = Duration::from_secs(2);

/// Delivers every message due now; returns how many were attempted.
pub async fn drain_once(db: &Db, mailer: &Mailer) -> Result<usize, sqlx::Error> {
    let mut attempted = 0;
    loop {
        let batch = outbox::claim_due(db, BATCH, now()).await?;
        if batch.is_empty() {
            return Ok(attempted);
        }
        attempted += batch.len();
        let mut sent = Vec::with_capacity(batch.len());
        for message in &batch {
            match mailer.deliver(message).await {
                Ok(()) => sent.push(message.id),
                Err(error) => {
                    tracing::warn!(id = message.id, attempts = message.attempts, %error, "email delivery failed");
                    outbox::mark_failed_attempt(db, message, &error, now()).await?;
                }
            }
        }
        outbox::mark_sent(db, &sent, mailer.via(), now()).await?;
    }
}

pub async fn run(db: Db, mailer: Mailer, wake: Arc<Notify>) {
    loop {
        if let Err(error) = drain_once(&db, &mailer).await {
            tracing::error!(%error, "outbox worker");
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(POLL) => {}
        }
    }
}

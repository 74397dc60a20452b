//! The outbox worker: claims due messages, delivers them, records the outcome.
use super::mailer::Mailer;
use super::outbox::{self, DeliveryError, BATCH, SEND_CONCURRENCY, SEND_TIMEOUT_SECS};
use crate::infra::clock::now;
use crate::infra::db::Db;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// Also look now and then: retries come due, and other processes may queue mail.
const POLL: Duration = Duration::from_secs(2);

/// Once woken, mail queued in the next moments joins the same batch: during a sign-up
/// burst one claim and one record (two commits the database must flush) then serve
/// dozens of messages instead of one or two, leaving the database to the sign-ups.
const GATHER: Duration = Duration::from_millis(50);

/// Delivers every message due now; returns how many were attempted.
pub async fn drain_once(db: &Db, mailer: &Mailer) -> Result<usize, sqlx::Error> {
    drain(db, mailer, &CancellationToken::new()).await
}

/// Delivers due messages batch after batch until none is due or `shutdown` is
/// cancelled (a batch once claimed is always finished and recorded).
async fn drain(db: &Db, mailer: &Mailer, shutdown: &CancellationToken) -> Result<usize, sqlx::Error> {
    let mut attempted = 0;
    while !shutdown.is_cancelled() {
        let claim = outbox::claim_due(db, BATCH, now(), rush_now(db, super::rush::on()).await).await?;
        if claim.messages.is_empty() {
            break;
        }
        attempted += claim.messages.len();
        deliver_batch(db, mailer, &claim).await?;
        if claim.messages.len() < BATCH as usize {
            // Nothing more was due; asking again would only cost a round trip.
            break;
        }
    }
    Ok(attempted)
}

/// Whether notices wait now: a rush in this process (`local`, asked first: the probe
/// costs a statement) or in another (`rush::anywhere`). A failed probe counts as a rush:
/// tickets still go out, notices wait at most `rush::HOLD_AT_MOST`.
pub async fn rush_now(db: &Db, local: bool) -> bool {
    local
        || super::rush::anywhere(db, now()).await.unwrap_or_else(|error| {
            tracing::warn!(%error, "looking for a rush in another process");
            true
        })
}

async fn deliver_batch(db: &Db, mailer: &Mailer, claim: &outbox::Claim) -> Result<(), sqlx::Error> {
    use futures::stream::{self, StreamExt};
    let limit = Duration::from_secs(SEND_TIMEOUT_SECS as u64);
    // Owned copies: the sends run concurrently inside the worker's spawned task.
    let sends = claim.messages.iter().cloned().map(|message| {
        let mailer = mailer.clone();
        async move {
            let outcome = tokio::time::timeout(limit, mailer.deliver(&message)).await.unwrap_or_else(|_| Err(DeliveryError::transient("timed out")));
            (message, outcome)
        }
    });
    let outcomes: Vec<_> = stream::iter(sends).buffer_unordered(SEND_CONCURRENCY as usize).collect().await;
    let mut sent = Vec::with_capacity(claim.messages.len());
    let mut failed = Vec::new();
    for (message, outcome) in outcomes {
        match outcome {
            Ok(()) => sent.push(message.id),
            Err(error) => {
                tracing::warn!(id = message.id, attempts = message.attempts, permanent = error.permanent, error = %error.message, "email delivery failed");
                failed.push((message, error));
            }
        }
    }
    metrics::counter!("emails_sent_total").increment(sent.len() as u64);
    metrics::counter!("emails_failed_attempts_total").increment(failed.len() as u64);
    // Delivered messages are recorded first: whatever goes wrong while recording a
    // failure below, they are never sent again.
    outbox::mark_sent(db, claim, &sent, mailer.via(), now()).await?;
    let mut first_error = None;
    for (message, error) in failed {
        if let Err(e) = outbox::mark_failed_attempt(db, claim, &message, &error, now()).await {
            // Left leased: it is retried when the lease runs out.
            tracing::error!(id = message.id, error = %e, "recording a failed delivery");
            first_error.get_or_insert(e);
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// Runs until `shutdown`: drains the outbox whenever woken, and every `POLL` anyway.
pub async fn run(db: Db, mailer: Mailer, wake: Arc<Notify>, shutdown: CancellationToken) {
    while !shutdown.is_cancelled() {
        if let Err(error) = drain(&db, &mailer, &shutdown).await {
            tracing::error!(%error, "outbox worker");
        }
        tokio::select! {
            _ = wake.notified() => {
                tokio::select! {
                    _ = tokio::time::sleep(GATHER) => {}
                    _ = shutdown.cancelled() => {}
                }
            }
            _ = tokio::time::sleep(POLL) => {}
            _ = shutdown.cancelled() => {}
        }
    }
}

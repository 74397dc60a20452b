//! Reminders: an email to every confirmed fan a day before their meetup, once.
use super::{emails, repo};
use crate::infra::clock::now;
use crate::infra::state::AppState;

/// Queues the 24-hour reminders that are due; returns how many.
pub async fn send_due_reminders(state: &AppState) -> Result<usize, sqlx::Error> {
    let due = repo::due_reminders(&state.db, now()).await?;
    for (registration_id, event_id, email, name, ticket) in &due {
        let mut tx = state.db.begin_write().await?;
        if let Some(event) = repo::event_info(&mut *tx, *event_id).await? {
            let mail = emails::reminder(&event, email, name, ticket, *registration_id, &state.config.public_url);
            crate::email::outbox::enqueue(&mut tx, &mail, now()).await?;
        }
        repo::mark_reminded(&mut tx, *registration_id, now()).await?;
        tx.commit().await?;
    }
    if !due.is_empty() {
    }
    Ok(due.len())
}

pub async fn remind_forever(state: AppState) {
    loop {
        if let Err(error) = send_due_reminders(&state).await {
            tracing::error!(%error, "reminders");
        }
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    }
}

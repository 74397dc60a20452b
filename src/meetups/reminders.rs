//! Reminders: an email to every confirmed fan a day before their meetup, once, in the
//! fan's language.
use super::{emails, repo};
use crate::infra::clock::now;
use crate::infra::state::AppState;

/// Queues the 24-hour reminders that are due; returns how many.
pub async fn send_due_reminders(state: &AppState) -> Result<usize, sqlx::Error> {
    let due = super::places::due_reminders(&state.db, now()).await?;
    for seat in &due {
        let mut tx = state.db.begin_write().await?;
        if let Some(event) = repo::event_info(&mut *tx, seat.event_id).await? {
            let locale = crate::language::locale_from_tag(&seat.locale);
            let mail = emails::reminder(locale, &event, &seat.email, &seat.display_name, &seat.ticket_code, seat.registration_id, &state.config.public_url);
            crate::email::outbox::enqueue(&mut tx, &mail, now()).await?;
        }
        super::places::mark_reminded(&mut tx, seat.registration_id, now()).await?;
        tx.commit().await?;
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

//! Switching sessions: one transaction that takes a seat in the new session and, only
//! if it got one, gives up the fan's place in the old (its seat passing to the first
//! fan waiting there, as any cancellation does). If the new session is full, or not
//! open, nothing changes.
use crate::error::AppError;
use crate::meetups::engine::{self, Events, Fan};
use crate::meetups::repo::{self, EventLock};
use crate::meetups::{places, signup_state, Place, PlaceStatus, SignupState};

/// Moves the fan's place in `festival_id` to the session `to`.
pub async fn switch(events: &Events, festival_id: i64, to: i64, fan: &Fan<'_>) -> Result<Place, AppError> {
    let locale = crate::accounts::repo::locale(&events.db, fan.id).await?.unwrap_or_default();
    // The fan's place may move between the look and the lock (another tab): look again.
    for _ in 0..3 {
        let Some(from) = super::repo::place_of(&events.db, festival_id, fan.id).await? else {
            return Err(AppError::field("signup", crate::msg!(festival.errors.nothing_to_switch)));
        };
        if from == to {
            return events.place(to, fan.id).await?.ok_or(AppError::Internal);
        }
        if let Some(place) = switch_from(events, festival_id, from, to, fan, locale).await? {
            return Ok(place);
        }
    }
    Err(AppError::field("signup", crate::msg!(festival.errors.nothing_to_switch)))
}

/// One switch transaction; `None` when the fan's place is no longer at `from`.
async fn switch_from(events: &Events, festival_id: i64, from: i64, to: i64, fan: &Fan<'_>, locale: crate::i18n::Locale) -> Result<Option<Place>, AppError> {
    let mut tx = events.begin().await?;
    let now = tx.now;
    // Locks in the engine's order: both sessions against status changes (in id order),
    // the fan's festival place, the registration, then the seat counters (id order).
    let (first, second) = (from.min(to), from.max(to));
    repo::event_info_locked(&mut tx, first, EventLock::AgainstStatusChange).await?.ok_or(AppError::NotFound)?;
    repo::event_info_locked(&mut tx, second, EventLock::AgainstStatusChange).await?.ok_or(AppError::NotFound)?;
    if super::places::lock(&mut tx, festival_id, fan.id).await? != Some(from) {
        tx.rollback().await?;
        return Ok(None);
    }
    let event = repo::event_info(&mut **tx, to).await?.filter(|e| e.festival_id == Some(festival_id)).ok_or(AppError::NotFound)?;
    let state = signup_state(event.status, event.signup_opens_at, event.signup_closes_at, event.starts_at, now);
    if state != SignupState::Open {
        return Err(engine::refusal(state, &event));
    }
    let full = || AppError::field("signup", crate::msg!(festival.errors.switch_full));
    if event.capacity.is_some_and(|c| event.confirmed >= c) {
        return Err(full());
    }
    let claimed = places::claim(&mut tx, to, fan.id, &crate::meetups::tickets::new_ticket_code(), now).await?;
    if claimed.status != PlaceStatus::Cancelled.as_str() {
        tracing::error!(festival_id, to, user_id = fan.id, "a registration without its festival place");
        return Err(AppError::Internal);
    }
    super::places::move_to(&mut tx, festival_id, fan.id, to).await?;
    if from < to {
        engine::cancel_in(&mut tx, from, fan.id).await?;
    }
    let Some(place) = engine::decide(&mut tx, &event, &claimed, fan, locale, true).await? else {
        tx.rollback().await?;
        return Err(full());
    };
    if from > to {
        engine::cancel_in(&mut tx, from, fan.id).await?;
    }
    tx.commit().await?;
    Ok(Some(place))
}

//! The seat engine. Every change of a place happens in one write transaction together
//! with the email it causes:
//! - sign-up: insert the registration (or find the fan's existing one), then take a
//!   seat with a conditional update of the event's `confirmed_count` (the database
//!   refuses to go past the capacity), else join the waiting list with the next number;
//! - cancel: free the place; a freed seat passes straight to the first fan waiting.
use super::emails;
use super::repo::{self, EventInfo, EventLock};
use super::{signup_state, Place, PlaceStatus, SignupState};
use crate::email::outbox;
use crate::error::AppError;
use crate::infra::db::{Db, Tx};

/// Who is signing up, for the confirmation email.
pub struct Fan<'a> {
    pub id: i64,
    pub email: &'a str,
    pub name: &'a str,
}

async fn take_seat(tx: &mut Tx, event_id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let taken: Option<i64> = sqlx::query_scalar(
        "UPDATE events SET confirmed_count = confirmed_count + 1, updated_at = $2 \
         WHERE id = $1 AND (capacity IS NULL OR confirmed_count < capacity) RETURNING confirmed_count",
    )
    .bind(event_id)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(taken.is_some())
}

/// The fan's number on the event's waiting list and their place in it. Numbers grow
/// with every fan joining, so the place is the number minus the fans who have left
/// the list since (`waitlist_left`): no counting of the list (see
/// `Dialect::next_waitlist_number` for where the numbers come from).
async fn join_waitlist_number(tx: &mut Tx, event_id: i64) -> Result<(i64, i64), sqlx::Error> {
    let (number, left): (i64, i64) = sqlx::query_as(tx.dialect.next_waitlist_number()).bind(event_id).fetch_one(&mut **tx).await?;
    Ok((number, super::place_on_joining(number, left)))
}

/// Records that a fan left the waiting list (cancelled, or promoted to a seat).
async fn count_left_waitlist(tx: &mut Tx, event_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE events SET waitlist_left = waitlist_left + 1 WHERE id = $1").bind(event_id).execute(&mut **tx).await?;
    Ok(())
}

/// The fan's registration, inserting a placeholder (status `cancelled`, never visible
/// outside the transaction) when there is none, and locking it either way: a second
/// sign-up by the same fan waits here for the first to commit, then sees its outcome.
/// (Without the lock, two re-sign-ups after a cancellation both read `cancelled` and
/// both took a seat.)
async fn claim_registration(tx: &mut Tx, event_id: i64, user_id: i64, now: i64) -> Result<(i64, PlaceStatus, i64), sqlx::Error> {
    let (id, status, generation): (i64, String, i64) = sqlx::query_as(
        "INSERT INTO registrations (event_id, user_id, status, ticket_code, created_at, updated_at, generation) \
         VALUES ($1, $2, 'cancelled', $3, $4, $4, 0) \
         ON CONFLICT (event_id, user_id) DO UPDATE SET generation = registrations.generation \
         RETURNING id, status, generation",
    )
    .bind(event_id)
    .bind(user_id)
    .bind(super::tickets::new_ticket_code())
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    Ok((id, PlaceStatus::parse(&status), generation))
}

/// Moves a claimed registration to its new status. The status and generation it was
/// claimed with guard the update, a backstop to the lock taken by `claim_registration`.
async fn set_place(tx: &mut Tx, registration_id: i64, claimed_generation: i64, status: PlaceStatus, waitlist_seq: Option<i64>, now: i64) -> Result<String, AppError> {
    let status = match status {
        PlaceStatus::Confirmed => "confirmed",
        PlaceStatus::Waitlisted => "waitlisted",
        PlaceStatus::Cancelled => "cancelled",
    };
    let ticket: Option<String> = sqlx::query_scalar(
        "UPDATE registrations SET status = $1, waitlist_seq = $2, generation = $3 + 1, updated_at = $4 \
         WHERE id = $5 AND status = 'cancelled' AND generation = $3 RETURNING ticket_code",
    )
    .bind(status)
    .bind(waitlist_seq)
    .bind(claimed_generation)
    .bind(now)
    .bind(registration_id)
    .fetch_optional(&mut **tx)
    .await?;
    ticket.ok_or_else(|| {
        tracing::error!(registration_id, "registration changed while it was claimed");
        AppError::Internal
    })
}

/// Signs a fan up: a seat if one is free, else a place on the waiting list. Pressing
/// again (double click, retry, second tab) returns the place the fan already has.
pub async fn sign_up(db: &Db, event_id: i64, fan: &Fan<'_>, base_url: &str, now: i64) -> Result<Place, AppError> {
    let place = match try_sign_up(db, event_id, fan, base_url, now, true).await? {
        Some(place) => place,
        // The last seats went while this fan tried: the waiting list it is.
        None => try_sign_up(db, event_id, fan, base_url, now, false).await?.ok_or(AppError::Internal)?,
    };
    if place.status == PlaceStatus::Waitlisted && fill_free_seats(db, event_id, base_url, now).await? > 0 {
        // A seat came free while this fan joined the list; they may be the one who got it.
        return self::place(db, event_id, fan.id).await?.ok_or(AppError::Internal);
    }
    Ok(place)
}

/// One sign-up transaction. A seat is tried for only when the event looked free at the
/// start, and taken by the last statement before commit, so the event row stays locked
/// for the shortest time; `None` when the seats ran out meanwhile (nothing is kept).
/// Fans joining the waiting list take no lock on the event row on PostgreSQL.
async fn try_sign_up(db: &Db, event_id: i64, fan: &Fan<'_>, base_url: &str, now: i64, seat_if_free: bool) -> Result<Option<Place>, AppError> {
    let mut tx = db.begin_write().await?;
    let event = repo::event_info_locked(&mut tx, event_id, EventLock::AgainstStatusChange).await?.ok_or(AppError::NotFound)?;
    let (registration_id, status, generation) = claim_registration(&mut tx, event_id, fan.id, now).await?;
    if status != PlaceStatus::Cancelled {
        tx.commit().await?;
        return Ok(Some(place(db, event_id, fan.id).await?.ok_or(AppError::Internal)?));
    }
    let state = signup_state(&event.status, event.signup_opens_at, event.signup_closes_at, event.starts_at, now);
    if state != SignupState::Open {
        return Err(AppError::field("signup", state.message()));
    }
    let looks_free = event.capacity.is_none_or(|capacity| event.confirmed < capacity);
    let (place, mail) = if seat_if_free && looks_free {
        let ticket = set_place(&mut tx, registration_id, generation, PlaceStatus::Confirmed, None, now).await?;
        let mail = emails::seat_confirmed(&event, fan.email, fan.name, &ticket, registration_id, generation + 1, base_url, false);
        let place = Place { registration_id, status: PlaceStatus::Confirmed, position: None, ticket_code: Some(ticket), checked_in: false };
        (place, mail)
    } else {
        let (seq, position) = join_waitlist_number(&mut tx, event_id).await?;
        set_place(&mut tx, registration_id, generation, PlaceStatus::Waitlisted, Some(seq), now).await?;
        let mail = emails::waitlisted(&event, fan.email, fan.name, position, registration_id, generation + 1, base_url);
        let place = Place { registration_id, status: PlaceStatus::Waitlisted, position: Some(position), ticket_code: None, checked_in: false };
        (place, mail)
    };
    outbox::enqueue(&mut tx, &mail, now).await?;
    if place.status == PlaceStatus::Confirmed && !take_seat(&mut tx, event_id, now).await? {
        tx.rollback().await?;
        return Ok(None);
    }
    tx.commit().await?;
    Ok(Some(place))
}

/// The fan's current place at a meetup.
pub async fn place(db: &Db, event_id: i64, user_id: i64) -> Result<Option<Place>, sqlx::Error> {
    let row: Option<(i64, String, Option<i64>, String, Option<i64>)> = sqlx::query_as(
        "SELECT id, status, waitlist_seq, ticket_code, checked_in_at FROM registrations WHERE event_id = $1 AND user_id = $2",
    )
    .bind(event_id)
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?;
    let Some((registration_id, status, seq, ticket, checked_in_at)) = row else {
        return Ok(None);
    };
    let status = PlaceStatus::parse(&status);
    let position = match seq.filter(|_| status == PlaceStatus::Waitlisted) {
        Some(seq) => Some(
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM registrations WHERE event_id = $1 AND status = 'waitlisted' AND waitlist_seq <= $2",
            )
            .bind(event_id)
            .bind(seq)
            .fetch_one(&db.pool)
            .await?,
        ),
        None => None,
    };
    Ok(Some(Place {
        registration_id,
        status,
        position,
        ticket_code: (status == PlaceStatus::Confirmed).then_some(ticket),
        checked_in: checked_in_at.is_some(),
    }))
}

/// Gives the next fan on the waiting list the seat; `false` when nobody is waiting.
async fn promote_next(tx: &mut Tx, skip_locked: &str, event: &EventInfo, base_url: &str, now: i64) -> Result<bool, sqlx::Error> {
    let sql = format!(
        "UPDATE registrations SET status = 'confirmed', waitlist_seq = NULL, generation = generation + 1, updated_at = $2 \
         WHERE status = 'waitlisted' AND id = (SELECT id FROM registrations WHERE event_id = $1 AND status = 'waitlisted' \
                                               ORDER BY waitlist_seq LIMIT 1 {skip_locked}) \
         RETURNING id, user_id, ticket_code, generation"
    );
    let promoted: Option<(i64, i64, String, i64)> =
        sqlx::query_as(&sql).bind(event.id).bind(now).fetch_optional(&mut **tx).await?;
    let Some((registration_id, user_id, ticket, generation)) = promoted else {
        return Ok(false);
    };
    count_left_waitlist(tx, event.id).await?;
    let (email, name): (String, String) = sqlx::query_as("SELECT email, display_name FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&mut **tx)
        .await?;
    let mail = emails::seat_confirmed(event, &email, &name, &ticket, registration_id, generation, base_url, true);
    outbox::enqueue(tx, &mail, now).await?;
    Ok(true)
}

async fn cancel_with_status(tx: &mut Tx, event_id: i64, user_id: i64, status: &str, now: i64) -> Result<bool, sqlx::Error> {
    let cancelled: Option<i64> = sqlx::query_scalar(
        "UPDATE registrations SET status = 'cancelled', waitlist_seq = NULL, updated_at = $1 \
         WHERE event_id = $2 AND user_id = $3 AND status = $4 RETURNING id",
    )
    .bind(now)
    .bind(event_id)
    .bind(user_id)
    .bind(status)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(cancelled.is_some())
}

/// Cancels a fan's place in the caller's transaction. A freed seat goes to the first
/// fan waiting (the seat count stays) while the event still takes fans; otherwise the
/// count goes down. Returns whether there was a place to cancel.
pub async fn cancel_in(tx: &mut Tx, skip_locked: &str, event_id: i64, user_id: i64, base_url: &str, now: i64) -> Result<bool, sqlx::Error> {
    let event = repo::event_info_locked(tx, event_id, EventLock::AgainstStatusChange).await?.ok_or(sqlx::Error::RowNotFound)?;
    if cancel_with_status(tx, event_id, user_id, "confirmed", now).await? {
        if !(promotes(&event, now) && promote_next(tx, skip_locked, &event, base_url, now).await?) {
            sqlx::query("UPDATE events SET confirmed_count = confirmed_count - 1, updated_at = $2 WHERE id = $1")
                .bind(event_id)
                .bind(now)
                .execute(&mut **tx)
                .await?;
        }
        return Ok(true);
    }
    let left = cancel_with_status(tx, event_id, user_id, "waitlisted", now).await?;
    if left {
        count_left_waitlist(tx, event_id).await?;
    }
    Ok(left)
}

/// Postpones or cancels an event and tells everyone signed up, in one transaction that
/// holds the event against sign-ups still deciding (see `EventLock`).
pub async fn change_status(db: &Db, id: i64, status: &str, base_url: &str, now: i64) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    let event = repo::event_info_locked(&mut tx, id, EventLock::ForStatusChange).await?.ok_or(AppError::NotFound)?;
    let allowed = match status {
        "postponed" => event.status == "published",
        "cancelled" => event.status != "cancelled",
        _ => false,
    };
    if !allowed {
        return Err(AppError::field("status", format!("A {} meetup cannot be {status}.", event.status)));
    }
    repo::set_status(&mut tx, id, status, now).await?;
    let event = EventInfo { status: status.to_string(), ..event };
    repo::notify_attendees(&mut tx, &emails::notice(&event, status, base_url), id, &now.to_string(), now).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether a freed seat passes to the waiting list: only while the event is on and has
/// not started (nobody is told "you're in" for a cancelled or past meetup).
pub fn promotes(event: &EventInfo, now: i64) -> bool {
    matches!(event.status.as_str(), "published" | "postponed") && now < event.starts_at
}

/// Saves an edited event, or explains (beside the capacity field) why the capacity
/// cannot be that low. The update itself checks it, so a racing sign-up never makes the
/// database refuse the save halfway.
pub async fn save_changes(tx: &mut Tx, id: i64, changes: &repo::EventChanges<'_>, now: i64) -> Result<(), AppError> {
    if repo::update_event(tx, id, changes, now).await? {
        return Ok(());
    }
    let confirmed: i64 = sqlx::query_scalar("SELECT confirmed_count FROM events WHERE id = $1").bind(id).fetch_one(&mut **tx).await?;
    Err(AppError::field("capacity", format!("{confirmed} fans already have seats; the capacity cannot be lower.")))
}

pub async fn cancel(db: &Db, event_id: i64, user_id: i64, base_url: &str, now: i64) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    if !cancel_in(&mut tx, db.dialect.skip_locked(), event_id, user_id, base_url, now).await? {
        return Err(AppError::field("signup", "You have no place at this meetup to cancel."));
    }
    tx.commit().await?;
    fill_free_seats(db, event_id, base_url, now).await?;
    Ok(())
}

/// Moves fans from the waiting list into seats while there is room (after the
/// capacity grows). Returns how many moved up.
async fn fill_from_waitlist(tx: &mut Tx, skip_locked: &str, event_id: i64, base_url: &str, now: i64) -> Result<i64, sqlx::Error> {
    let event = repo::event_info_locked(tx, event_id, EventLock::AgainstStatusChange).await?.ok_or(sqlx::Error::RowNotFound)?;
    if !promotes(&event, now) {
        return Ok(0);
    }
    let mut moved = 0;
    while take_seat(tx, event_id, now).await? {
        if !promote_next(tx, skip_locked, &event, base_url, now).await? {
            sqlx::query("UPDATE events SET confirmed_count = confirmed_count - 1 WHERE id = $1")
                .bind(event_id)
                .execute(&mut **tx)
                .await?;
            break;
        }
        moved += 1;
    }
    Ok(moved)
}

/// Gives free seats to fans waiting, if there are both. Called after every commit that
/// may leave a seat free (a cancellation with nobody visibly waiting, a larger capacity)
/// and after a fan joins a waiting list: on PostgreSQL either side may not yet see the
/// other's uncommitted change, but whichever commits second sees the first here.
pub async fn fill_free_seats(db: &Db, event_id: i64, base_url: &str, now: i64) -> Result<i64, sqlx::Error> {
    let seat_and_fan_waiting: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM events WHERE id = $1 AND (capacity IS NULL OR confirmed_count < capacity) \
         AND EXISTS (SELECT 1 FROM registrations WHERE event_id = $1 AND status = 'waitlisted')",
    )
    .bind(event_id)
    .fetch_one(&db.pool)
    .await?;
    if seat_and_fan_waiting == 0 {
        return Ok(0);
    }
    let mut tx = db.begin_write().await?;
    let moved = fill_from_waitlist(&mut tx, db.dialect.skip_locked(), event_id, base_url, now).await?;
    tx.commit().await?;
    Ok(moved)
}

/// Fills every free seat that has a fan waiting, at every event still taking fans.
/// `fill_free_seats` runs after each commit that may free a seat; this sweep repairs
/// what a crash or an error between such a commit and its fill left behind. Safe to run
/// in several processes at once: each fill is its own transaction, seats are taken by
/// the conditional update and fans promoted one row at a time.
pub async fn sweep_free_seats(db: &Db, base_url: &str, now: i64) -> Result<i64, sqlx::Error> {
    let events: Vec<i64> = sqlx::query_scalar(
        "SELECT e.id FROM events e WHERE e.status IN ('published', 'postponed') AND e.starts_at > $1 \
         AND (e.capacity IS NULL OR e.confirmed_count < e.capacity) \
         AND EXISTS (SELECT 1 FROM registrations r WHERE r.event_id = e.id AND r.status = 'waitlisted')",
    )
    .bind(now)
    .fetch_all(&db.pool)
    .await?;
    let mut moved = 0;
    for event_id in events {
        moved += fill_free_seats(db, event_id, base_url, now).await?;
    }
    Ok(moved)
}

/// Cancels every place a fan holds (before the account is deleted), passing seats on.
/// Returns the events, for `fill_free_seats` once the transaction has committed.
pub async fn cancel_all_for_user(tx: &mut Tx, skip_locked: &str, user_id: i64, base_url: &str, now: i64) -> Result<Vec<i64>, sqlx::Error> {
    let events: Vec<i64> = sqlx::query_scalar("SELECT event_id FROM registrations WHERE user_id = $1 AND status <> 'cancelled'")
        .bind(user_id)
        .fetch_all(&mut **tx)
        .await?;
    for &event_id in &events {
        cancel_in(tx, skip_locked, event_id, user_id, base_url, now).await?;
    }
    Ok(events)
}

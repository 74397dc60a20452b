//! Storage of places: registrations, seat counts and waiting-list numbers. The seat
//! engine (`engine`) decides; these statements (and the desk's, for many fans at once,
//! in `desk_places`) are its only way to the tables.
use super::{Place, PlaceStatus};
use crate::infra::db::{Db, Tx};

/// Takes a seat if one is free: the database refuses to go past the capacity.
pub async fn take_seat(tx: &mut Tx, event_id: i64, now: i64) -> Result<bool, sqlx::Error> {
    take_seats(tx, event_id, 1, now).await
}

/// Takes `seats` seats at once; false (nothing taken) if fewer are free.
pub async fn take_seats(tx: &mut Tx, event_id: i64, seats: i64, now: i64) -> Result<bool, sqlx::Error> {
    let taken = sqlx::query(
        "UPDATE events SET confirmed_count = confirmed_count + $2, updated_at = $3 \
         WHERE id = $1 AND (capacity IS NULL OR confirmed_count + $2 <= capacity)",
    )
    .bind(event_id)
    .bind(seats)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(taken.rows_affected() == 1)
}

pub async fn release_seat(tx: &mut Tx, event_id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE events SET confirmed_count = confirmed_count - 1, updated_at = $2 WHERE id = $1")
        .bind(event_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn confirmed_count(tx: &mut Tx, event_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT confirmed_count FROM events WHERE id = $1").bind(event_id).fetch_one(&mut **tx).await
}

/// Records that a fan left the waiting list (cancelled, or promoted to a seat).
pub async fn count_left_waitlist(tx: &mut Tx, event_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE events SET waitlist_left = waitlist_left + 1 WHERE id = $1").bind(event_id).execute(&mut **tx).await?;
    Ok(())
}

/// A registration as the engine holds it while deciding.
#[derive(Debug, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub status: String,
    pub generation: i64,
}

/// The fan's registration, inserting a placeholder (status `cancelled`, never visible
/// outside the transaction) when there is none, and locking it either way: a second
/// sign-up by the same fan waits here for the first to commit, then sees its outcome.
/// (Without the lock, two re-sign-ups after a cancellation both read `cancelled` and
/// both took a seat.)
pub async fn claim(tx: &mut Tx, event_id: i64, user_id: i64, ticket_code: &str, now: i64) -> Result<Claimed, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO registrations (event_id, user_id, status, ticket_code, created_at, updated_at, generation) \
         VALUES ($1, $2, 'cancelled', $3, $4, $4, 0) \
         ON CONFLICT (event_id, user_id) DO UPDATE SET generation = registrations.generation \
         RETURNING id, status, generation",
    )
    .bind(event_id)
    .bind(user_id)
    .bind(ticket_code)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

/// Moves a claimed registration to its new status; the status and generation it was
/// claimed with guard the update (a backstop to the lock of `claim`). Returns the
/// ticket code, or `None` if the registration changed meanwhile.
pub async fn settle(tx: &mut Tx, claimed: &Claimed, status: PlaceStatus, waitlist_seq: Option<i64>, now: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE registrations SET status = $1, waitlist_seq = $2, generation = $3 + 1, updated_at = $4 \
         WHERE id = $5 AND status = 'cancelled' AND generation = $3 RETURNING ticket_code",
    )
    .bind(status.as_str())
    .bind(waitlist_seq)
    .bind(claimed.generation)
    .bind(now)
    .bind(claimed.id)
    .fetch_optional(&mut **tx)
    .await
}

/// Moves a claimed registration to the end of the waiting list (guarded like `settle`);
/// returns its number and the count of fans who have left the list, or `None` if the
/// registration changed meanwhile.
pub async fn settle_waitlisted(tx: &mut Tx, claimed: &Claimed, event_id: i64, now: i64) -> Result<Option<(i64, i64)>, sqlx::Error> {
    let (numbers, left) = take_waitlist_numbers(tx, event_id, 1).await?;
    let Some(number) = numbers.first().copied() else { return Ok(None) };
    Ok(settle(tx, claimed, PlaceStatus::Waitlisted, Some(number), now).await?.map(|_| (number, left)))
}

/// Takes the next `count` numbers on the event's waiting list, in order, and the count
/// of fans who have left it. The counter is on the event's row, locked until commit:
/// numbers commit in the order they were taken, and a transaction that rolls back gives
/// them back (see migrations/postgres/0029).
pub async fn take_waitlist_numbers(tx: &mut Tx, event_id: i64, count: usize) -> Result<(Vec<i64>, i64), sqlx::Error> {
    let (last, left): (i64, i64) =
        sqlx::query_as("UPDATE events SET waitlist_counter = waitlist_counter + $2 WHERE id = $1 RETURNING waitlist_counter, waitlist_left")
            .bind(event_id)
            .bind(count as i64)
            .fetch_one(&mut **tx)
            .await?;
    Ok(((last - count as i64 + 1..=last).collect(), left))
}

/// A fan moved from the waiting list to a seat.
#[derive(Debug, sqlx::FromRow)]
pub struct Promoted {
    pub id: i64,
    pub user_id: i64,
    pub ticket_code: String,
    pub generation: i64,
}

/// Gives the first fan waiting the seat; `None` when nobody waits.
pub async fn promote_first_waiting(tx: &mut Tx, event_id: i64, now: i64) -> Result<Option<Promoted>, sqlx::Error> {
    let sql = format!(
        "UPDATE registrations SET status = 'confirmed', waitlist_seq = NULL, generation = generation + 1, updated_at = $2 \
         WHERE status = 'waitlisted' AND id = (SELECT id FROM registrations WHERE event_id = $1 AND status = 'waitlisted' \
                                               ORDER BY waitlist_seq LIMIT 1 {}) \
         RETURNING id, user_id, ticket_code, generation",
        tx.dialect.skip_locked()
    );
    let promoted: Option<Promoted> = sqlx::query_as(&sql).bind(event_id).bind(now).fetch_optional(&mut **tx).await?;
    if let Some(p) = &promoted {
        withdraw_waitlist_notices(tx, (event_id, p.user_id), p.id, p.generation - 1, now).await?;
    }
    Ok(promoted)
}

/// Cancels the fan's place if it has `status`; whether it had.
pub async fn cancel_if(tx: &mut Tx, event_id: i64, user_id: i64, status: PlaceStatus, now: i64) -> Result<bool, sqlx::Error> {
    let cancelled: Option<(i64, i64)> = sqlx::query_as(
        "UPDATE registrations SET status = 'cancelled', waitlist_seq = NULL, updated_at = $1 \
         WHERE event_id = $2 AND user_id = $3 AND status = $4 RETURNING id, generation",
    )
    .bind(now)
    .bind(event_id)
    .bind(user_id)
    .bind(status.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    if let Some((id, generation)) = cancelled.filter(|_| status == PlaceStatus::Waitlisted) {
        withdraw_waitlist_notices(tx, (event_id, user_id), id, generation, now).await?;
    }
    Ok(cancelled.is_some())
}

/// Kinds of mail that tell a fan their number on the waiting list: the sign-up's and
/// the draw's ("not this time, you are number N").
const WAITING_NOTICES: [&str; 2] = ["waitlisted", "draw_waitlisted"];

/// A cancelled meetup's waiting list hears of the cancellation, not of its numbers
/// afterwards: the notices still waiting to go out are withdrawn (as below).
pub async fn withdraw_waitlist_notices_of(tx: &mut Tx, event_id: i64, now: i64) -> Result<(), sqlx::Error> {
    for kind in WAITING_NOTICES {
        crate::email::withdrawal::withdraw_of_event(tx, kind, event_id, now).await?;
    }
    Ok(())
}

/// A place that left the waiting list (moved up, given up) before its "you are number
/// N" notice went out (held while a rush is on, the mail server down, or behind a
/// draw's hundred thousand) loses the notice, the sign-up's and the draw's: a fan told
/// of their seat is never told afterwards that they wait.
async fn withdraw_waitlist_notices(tx: &mut Tx, (event_id, user_id): (i64, i64), registration: i64, generation: i64, now: i64) -> Result<(), sqlx::Error> {
    crate::email::withdrawal::withdraw(tx, &super::emails::waitlist_notice_key(registration, generation), now).await?;
    crate::email::withdrawal::withdraw(tx, &super::emails::draw_notice_key(event_id, user_id), now).await
}

/// The events that have not started where the fan holds a place.
pub async fn upcoming_events_of(tx: &mut Tx, user_id: i64, now: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT r.event_id FROM registrations r JOIN events e ON e.id = r.event_id \
         WHERE r.user_id = $1 AND r.status <> 'cancelled' AND e.starts_at > $2",
    )
    .bind(user_id)
    .bind(now)
    .fetch_all(&mut **tx)
    .await
}

/// Removes the fan's (cancelled) rows at events that have not started.
pub async fn delete_upcoming(tx: &mut Tx, user_id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM registrations WHERE user_id = $1 AND event_id IN (SELECT id FROM events WHERE starts_at > $2)")
        .bind(user_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct PlaceRow {
    id: i64,
    status: String,
    waitlist_seq: Option<i64>,
    ticket_code: String,
    checked_in_at: Option<i64>,
}

/// The fan's current place at an event, with their live position on the waiting list.
pub async fn place(db: &Db, event_id: i64, user_id: i64) -> Result<Option<Place>, sqlx::Error> {
    let row: Option<PlaceRow> = sqlx::query_as(
        "SELECT id, status, waitlist_seq, ticket_code, checked_in_at FROM registrations WHERE event_id = $1 AND user_id = $2",
    )
    .bind(event_id)
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let status = PlaceStatus::from_db(&row.status)?;
    let position = match row.waitlist_seq.filter(|_| status == PlaceStatus::Waitlisted) {
        Some(seq) => Some(super::waiting_ranks::place(db, event_id, seq).await?),
        None => None,
    };
    Ok(Some(Place {
        registration_id: row.id,
        status,
        position,
        ticket_code: (status == PlaceStatus::Confirmed).then_some(row.ticket_code),
        checked_in: row.checked_in_at.is_some(),
    }))
}

/// Whether event `$1` has a free seat and a fan waiting for one. The first fan waiting is
/// looked up only when a seat is free, through the list's index: asked after every sign-up
/// turn that put fans on the list, the `EXISTS` form was planned once for any event and
/// then scanned the table from older meetups' rows on (1.2 ms a turn after three sales).
pub const SEAT_FREE_WHILE_FANS_WAIT: &str = "SELECT COUNT(*) FROM events e WHERE e.id = $1 AND (e.capacity IS NULL OR e.confirmed_count < e.capacity) \
     AND (SELECT r.id FROM registrations r WHERE r.event_id = e.id AND r.status = 'waitlisted' ORDER BY r.waitlist_seq LIMIT 1) IS NOT NULL";

pub async fn seat_free_while_fans_wait(db: &Db, event_id: i64) -> Result<bool, sqlx::Error> {
    let found: i64 = sqlx::query_scalar(SEAT_FREE_WHILE_FANS_WAIT).bind(event_id).fetch_one(&db.pool).await?;
    Ok(found > 0)
}

/// Events still taking fans that have a free seat and fans waiting.
pub async fn events_with_seats_free_while_fans_wait(db: &Db, now: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT e.id FROM events e WHERE e.status IN ('published', 'postponed') AND e.starts_at > $1 \
         AND (e.capacity IS NULL OR e.confirmed_count < e.capacity) \
         AND EXISTS (SELECT 1 FROM registrations r WHERE r.event_id = e.id AND r.status = 'waitlisted')",
    )
    .bind(now)
    .fetch_all(&db.pool)
    .await
}

/// A ticket as the door sees it.
#[derive(Debug, sqlx::FromRow)]
pub struct Ticket {
    pub id: i64,
    pub event_id: i64,
    pub user_id: i64,
    pub display_name: String,
    pub status: String,
    pub checked_in_at: Option<i64>,
    /// When the event's door closed, if it has.
    pub door_closed_at: Option<i64>,
}

/// The ticket with this code (spaces and case forgiven).
pub async fn find_ticket(tx: &mut Tx, code: &str) -> Result<Option<Ticket>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.id, r.event_id, r.user_id, u.display_name, r.status, r.checked_in_at, e.door_closed_at \
         FROM registrations r JOIN users u ON u.id = r.user_id JOIN events e ON e.id = r.event_id WHERE r.ticket_code = $1",
    )
    .bind(super::tickets::normalize_code(code))
    .fetch_optional(&mut **tx)
    .await
}

/// Records the check-in (at `door`, when it has a name); false if the ticket was already
/// checked in or its seat is no longer confirmed (cancelled a moment ago).
pub async fn mark_checked_in(tx: &mut Tx, registration_id: i64, now: i64, door: Option<&str>) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE registrations SET checked_in_at = $1, checked_in_door = $3 WHERE id = $2 AND checked_in_at IS NULL AND status = 'confirmed'")
        .bind(now)
        .bind(registration_id)
        .bind(door)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Confirmed seats of published meetups starting within a day that have had no reminder.
#[derive(Debug, sqlx::FromRow)]
pub struct DueReminder {
    pub registration_id: i64,
    pub event_id: i64,
    pub email: String,
    pub display_name: String,
    pub ticket_code: String,
    /// The fan's language tag (`users.locale`).
    pub locale: String,
}

pub async fn due_reminders(db: &Db, now: i64) -> Result<Vec<DueReminder>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.id AS registration_id, r.event_id, u.email, u.display_name, r.ticket_code, u.locale FROM registrations r \
         JOIN events e ON e.id = r.event_id JOIN users u ON u.id = r.user_id \
         WHERE r.status = 'confirmed' AND r.reminded_at IS NULL AND e.status = 'published' \
           AND e.starts_at > $1 AND e.starts_at <= $2",
    )
    .bind(now)
    .bind(now + 24 * 3600)
    .fetch_all(&db.pool)
    .await
}

pub async fn mark_reminded(tx: &mut Tx, registration_id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE registrations SET reminded_at = $1 WHERE id = $2").bind(now).bind(registration_id).execute(&mut **tx).await?;
    Ok(())
}

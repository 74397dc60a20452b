//! Event storage: meetups, their attendees, check-in, and bulk email to a city or to
//! everyone signed up.
use super::{Attendee, EventKind, EventStatus, PlaceStatus};
use crate::email::templates::Localized;
use crate::infra::db::{Db, Tx};
use sqlx::{Any, Executor};

pub struct NewEvent<'a> {
    pub kind: EventKind,
    pub city_id: i64,
    pub title: &'a str,
    pub starts_at: i64,
    pub ends_at: i64,
    pub capacity: Option<i64>,
    pub status: EventStatus,
    pub created_by: Option<i64>,
    /// The organizer of a gathering.
    pub organizer_id: Option<i64>,
}

pub async fn insert_event(tx: &mut Tx, event: &NewEvent<'_>, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO events (kind, city_id, title, starts_at, ends_at, capacity, status, created_by, organizer_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    )
    .bind(event.kind.as_str())
    .bind(event.city_id)
    .bind(event.title)
    .bind(event.starts_at)
    .bind(event.ends_at)
    .bind(event.capacity)
    .bind(event.status.as_str())
    .bind(event.created_by)
    .bind(event.organizer_id)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

/// An event with its city, as pages and emails need it.
#[derive(Debug, Clone)]
pub struct EventInfo {
    pub id: i64,
    pub kind: EventKind,
    pub status: EventStatus,
    pub title: String,
    pub description: String,
    pub city_id: i64,
    pub city: String,
    pub timezone: String,
    pub venue: String,
    pub address: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub capacity: Option<i64>,
    pub confirmed: i64,
    pub signup_opens_at: Option<i64>,
    pub signup_closes_at: Option<i64>,
    /// For gatherings: the organizer's id and display name.
    pub organizer: Option<(i64, String)>,
    /// For a festival session: its festival (one place per fan per festival).
    pub festival_id: Option<i64>,
    /// How it gives its seats: first come, or by draw.
    pub admission: crate::admission::Admission,
    /// Admission by draw that has not run yet: sign-ups wait for the draw. Read with
    /// the event so the sign-up transaction needs no statement of its own for it.
    pub awaiting_draw: bool,
    /// When the door closed (attendance final), if it has.
    pub door_closed_at: Option<i64>,
    /// Waiting-list numbers handed out so far: none, and nobody waits.
    pub waitlist_numbered: i64,
}

const EVENT_COLUMNS: &str = "e.id, e.kind, e.status, e.title, e.description, e.city_id, c.name_zh || ' ' || c.name_en AS city, c.timezone, \
     e.venue, e.address, e.starts_at, e.ends_at, e.capacity, e.confirmed_count AS confirmed, e.signup_opens_at, e.signup_closes_at, \
     e.organizer_id, o.display_name AS organizer_name, e.festival_id, e.admission, e.drawn_at, e.door_closed_at, \
     e.waitlist_counter AS waitlist_numbered";

/// Events with their city and organizer.
const EVENT_FROM: &str = "FROM events e JOIN cities c ON c.id = e.city_id LEFT JOIN users o ON o.id = e.organizer_id";

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    kind: String,
    status: String,
    title: String,
    description: String,
    city_id: i64,
    city: String,
    timezone: String,
    venue: String,
    address: String,
    starts_at: i64,
    ends_at: i64,
    capacity: Option<i64>,
    confirmed: i64,
    signup_opens_at: Option<i64>,
    signup_closes_at: Option<i64>,
    organizer_id: Option<i64>,
    organizer_name: Option<String>,
    festival_id: Option<i64>,
    admission: String,
    drawn_at: Option<i64>,
    door_closed_at: Option<i64>,
    waitlist_numbered: i64,
}

fn event_from_row(row: EventRow) -> Result<EventInfo, sqlx::Error> {
    let EventRow { id, kind, status, title, description, city_id, city, timezone, venue, address, starts_at, ends_at, capacity, confirmed, signup_opens_at, signup_closes_at, organizer_id, organizer_name, festival_id, admission, drawn_at, door_closed_at, waitlist_numbered } = row;
    Ok(EventInfo {
        id,
        kind: EventKind::from_db(&kind)?,
        status: EventStatus::from_db(&status)?,
        title,
        description,
        city_id,
        city,
        timezone,
        venue,
        address,
        starts_at,
        ends_at,
        capacity,
        confirmed,
        signup_opens_at,
        signup_closes_at,
        organizer: organizer_id.zip(organizer_name),
        festival_id,
        awaiting_draw: crate::admission::awaits_draw(&admission, drawn_at),
        admission: crate::admission::Admission::parse(&admission).unwrap_or_default(),
        door_closed_at,
        waitlist_numbered,
    })
}

pub async fn event_info<'c, E: Executor<'c, Database = Any>>(executor: E, id: i64) -> Result<Option<EventInfo>, sqlx::Error> {
    let sql = format!("SELECT {EVENT_COLUMNS} {EVENT_FROM} WHERE e.id = $1");
    let row: Option<EventRow> = sqlx::query_as(&sql).bind(id).fetch_optional(executor).await?;
    row.map(event_from_row).transpose()
}

/// The event as a page shows it: read once per page render (`PageReads`), however many
/// of the page's sections need it.
pub async fn event_for_page(db: &crate::infra::db::Db, id: i64) -> Result<Option<EventInfo>, sqlx::Error> {
    crate::infra::request::PageReads::once(id, || event_info(&db.pool, id)).await
}

/// How a transaction holds an event while it decides on places.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventLock {
    /// Sign-ups and cancellations: status changes wait for them (and they for a status
    /// change), but they do not wait for each other.
    AgainstStatusChange,
    /// Status changes (cancel, postpone, hide): everyone signed up by the time the
    /// change commits is seen by it, so nobody misses the notice.
    ForStatusChange,
}

/// The event, locked for the rest of the transaction (see `EventLock`).
pub async fn event_info_locked(tx: &mut Tx, id: i64, lock: EventLock) -> Result<Option<EventInfo>, sqlx::Error> {
    let backend = tx.dialect;
    let clause = match lock {
        EventLock::AgainstStatusChange => backend.lock_against_status_change(),
        EventLock::ForStatusChange => backend.lock_for_status_change(),
    };
    let sql = format!("SELECT {EVENT_COLUMNS} {EVENT_FROM} WHERE e.id = $1 {clause}");
    let row: Option<EventRow> = sqlx::query_as(&sql).bind(id).fetch_optional(&mut **tx).await?;
    row.map(event_from_row).transpose()
}

/// Published (or postponed) meetups that have not ended, soonest first.
pub async fn upcoming(db: &Db, now: i64, limit: i64) -> Result<Vec<EventInfo>, sqlx::Error> {
    let sql = format!(
        "SELECT {EVENT_COLUMNS} {EVENT_FROM} \
         WHERE e.status IN ('published', 'postponed') AND e.ends_at >= $1 ORDER BY e.starts_at, e.id LIMIT $2"
    );
    let rows: Vec<EventRow> = sqlx::query_as(&sql).bind(now).bind(limit).fetch_all(&db.pool).await?;
    rows.into_iter().map(event_from_row).collect()
}

/// Published meetups of one city, for its calendar feed.
pub async fn city_calendar(db: &Db, city_id: i64, since: i64) -> Result<Vec<EventInfo>, sqlx::Error> {
    let sql = format!(
        "SELECT {EVENT_COLUMNS} {EVENT_FROM} \
         WHERE e.city_id = $1 AND e.status IN ('published', 'postponed', 'cancelled') AND e.ends_at >= $2 ORDER BY e.starts_at"
    );
    let rows: Vec<EventRow> = sqlx::query_as(&sql).bind(city_id).bind(since).fetch_all(&db.pool).await?;
    rows.into_iter().map(event_from_row).collect()
}

/// Every official meetup, newest first, for staff.
pub async fn official(db: &Db, limit: i64) -> Result<Vec<EventInfo>, sqlx::Error> {
    let sql = format!(
        "SELECT {EVENT_COLUMNS} {EVENT_FROM} WHERE e.kind = 'official' ORDER BY e.starts_at DESC LIMIT $1"
    );
    let rows: Vec<EventRow> = sqlx::query_as(&sql).bind(limit).fetch_all(&db.pool).await?;
    rows.into_iter().map(event_from_row).collect()
}

/// Published events of a city (meetups and gatherings) in a time window, soonest first.
pub async fn city_events(db: &Db, city_id: i64, from: i64, until: i64) -> Result<Vec<EventInfo>, sqlx::Error> {
    let sql = format!(
        "SELECT {EVENT_COLUMNS} {EVENT_FROM} WHERE e.city_id = $1 AND e.status IN ('published', 'postponed') \
         AND e.ends_at >= $2 AND e.starts_at < $3 ORDER BY e.starts_at, e.id"
    );
    let rows: Vec<EventRow> = sqlx::query_as(&sql).bind(city_id).bind(from).bind(until).fetch_all(&db.pool).await?;
    rows.into_iter().map(event_from_row).collect()
}

/// A city's last `limit` events that have ended (as fans saw them), latest first.
pub async fn past_city_events(db: &Db, city_id: i64, now: i64, limit: i64) -> Result<Vec<EventInfo>, sqlx::Error> {
    let sql = format!("SELECT {EVENT_COLUMNS} {EVENT_FROM} WHERE e.city_id = $1 AND e.status IN ('published', 'postponed') AND e.ends_at < $2 ORDER BY e.starts_at DESC, e.id DESC LIMIT $3");
    let rows: Vec<EventRow> = sqlx::query_as(&sql).bind(city_id).bind(now).bind(limit).fetch_all(&db.pool).await?;
    rows.into_iter().map(event_from_row).collect()
}

/// Gatherings, optionally of one organizer and/or one status, newest first.
pub async fn gatherings(db: &Db, organizer_id: Option<i64>, status: Option<&str>) -> Result<Vec<EventInfo>, sqlx::Error> {
    let sql = format!(
        "SELECT {EVENT_COLUMNS} {EVENT_FROM} WHERE e.kind = 'gathering' AND ($1 = 0 OR e.organizer_id = $2) AND ($3 = '' OR e.status = $3) \
         ORDER BY e.starts_at DESC"
    );
    let rows: Vec<EventRow> = sqlx::query_as(&sql)
        .bind(i64::from(organizer_id.is_some()))
        .bind(organizer_id.unwrap_or(0))
        .bind(status.unwrap_or(""))
        .fetch_all(&db.pool)
        .await?;
    rows.into_iter().map(event_from_row).collect()
}

/// The meetups a fan has a place at (or had, if cancelled by the fan: not listed).
pub async fn for_user(db: &Db, user_id: i64) -> Result<Vec<EventInfo>, sqlx::Error> {
    let sql = format!(
        "SELECT {EVENT_COLUMNS} {EVENT_FROM} JOIN registrations r ON r.event_id = e.id \
         WHERE r.user_id = $1 AND r.status <> 'cancelled' ORDER BY e.starts_at DESC"
    );
    let rows: Vec<EventRow> = sqlx::query_as(&sql).bind(user_id).fetch_all(&db.pool).await?;
    rows.into_iter().map(event_from_row).collect()
}

/// The meetups a fan applied to whose draw is still to come (soonest first): not yet a
/// place, but theirs to follow.
pub async fn applied_for(db: &Db, user_id: i64) -> Result<Vec<EventInfo>, sqlx::Error> {
    let sql = format!(
        "SELECT {EVENT_COLUMNS} {EVENT_FROM} JOIN applications a ON a.event_id = e.id \
         WHERE a.user_id = $1 AND a.status = 'applied' AND e.drawn_at IS NULL AND e.status <> 'cancelled' \
         AND NOT EXISTS (SELECT 1 FROM registrations r WHERE r.event_id = e.id AND r.user_id = $1 AND r.status <> 'cancelled') \
         ORDER BY e.starts_at"
    );
    let rows: Vec<EventRow> = sqlx::query_as(&sql).bind(user_id).fetch_all(&db.pool).await?;
    rows.into_iter().map(event_from_row).collect()
}

/// The sessions of a festival (every status), by city.
pub async fn festival_sessions(db: &Db, festival_id: i64) -> Result<Vec<EventInfo>, sqlx::Error> {
    let sql = format!("SELECT {EVENT_COLUMNS} {EVENT_FROM} WHERE e.festival_id = $1 ORDER BY c.name_en, e.starts_at, e.id");
    let rows: Vec<EventRow> = sqlx::query_as(&sql).bind(festival_id).fetch_all(&db.pool).await?;
    rows.into_iter().map(event_from_row).collect()
}

/// Fans on the event's waiting list (see `waiting_ranks` for long lists).
pub async fn waitlisted_count(db: &Db, event: &EventInfo) -> Result<i64, sqlx::Error> {
    if event.waitlist_numbered == 0 {
        return Ok(0);
    }
    super::waiting_ranks::waiting(db, event.id).await
}

#[derive(sqlx::FromRow)]
struct AttendeeRow {
    id: i64,
    display_name: String,
    email: String,
    status: String,
    ticket_code: String,
    checked_in_at: Option<i64>,
    attended: i64,
    no_shows: i64,
}

/// Confirmed fans (by name), then the waiting list in order, each with their record.
pub async fn attendees(db: &Db, event_id: i64) -> Result<Vec<Attendee>, sqlx::Error> {
    let rows: Vec<AttendeeRow> = sqlx::query_as(
        "SELECT r.id, u.display_name, u.email, r.status, r.ticket_code, r.checked_in_at, \
           (SELECT COUNT(*) FROM attendance t WHERE t.user_id = r.user_id AND t.outcome = 'attended') AS attended, \
           (SELECT COUNT(*) FROM attendance t WHERE t.user_id = r.user_id AND t.outcome = 'no_show') AS no_shows \
         FROM registrations r JOIN users u ON u.id = r.user_id \
         WHERE r.event_id = $1 AND r.status <> 'cancelled' \
         ORDER BY CASE WHEN r.status = 'confirmed' THEN 0 ELSE 1 END, r.waitlist_seq, u.display_name, r.id",
    )
    .bind(event_id)
    .fetch_all(&db.pool)
    .await?;
    let mut waiting = 0;
    let mut attendees = Vec::with_capacity(rows.len());
    for row in rows {
        let status = PlaceStatus::from_db(&row.status)?;
        let position = (status == PlaceStatus::Waitlisted).then(|| {
            waiting += 1;
            waiting
        });
        attendees.push(Attendee {
            registration_id: row.id,
            name: row.display_name,
            email: row.email,
            status,
            position,
            ticket_code: row.ticket_code,
            checked_in: row.checked_in_at.is_some(),
            attended: row.attended,
            no_shows: row.no_shows,
        });
    }
    Ok(attendees)
}

pub struct EventChanges<'a> {
    pub city_id: i64,
    pub title: &'a str,
    pub description: &'a str,
    pub venue: &'a str,
    pub address: &'a str,
    pub starts_at: i64,
    pub ends_at: i64,
    pub capacity: Option<i64>,
    pub signup_opens_at: Option<i64>,
    pub signup_closes_at: Option<i64>,
}

/// Saves an event's fields. `Ok(false)` when the new capacity is below the seats
/// already taken: the condition is checked by the update itself, so a sign-up racing
/// the edit can never make the database refuse it (`CHECK`) halfway.
pub async fn update_event(tx: &mut Tx, id: i64, e: &EventChanges<'_>, now: i64) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query(
        "UPDATE events SET city_id = $1, title = $2, description = $3, venue = $4, address = $5, starts_at = $6, ends_at = $7, \
         capacity = $8, signup_opens_at = $9, signup_closes_at = $10, updated_at = $11 \
         WHERE id = $12 AND ($8 IS NULL OR confirmed_count <= $8)",
    )
    .bind(e.city_id)
    .bind(e.title)
    .bind(e.description)
    .bind(e.venue)
    .bind(e.address)
    .bind(e.starts_at)
    .bind(e.ends_at)
    .bind(e.capacity)
    .bind(e.signup_opens_at)
    .bind(e.signup_closes_at)
    .bind(now)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Changes an event's status. Locks the event first, so sign-ups still deciding wait
/// for this change and those already decided are committed (and seen by the notice
/// that follows in the same transaction).
pub async fn set_status(tx: &mut Tx, id: i64, status: EventStatus, now: i64) -> Result<(), sqlx::Error> {
    event_info_locked(tx, id, EventLock::ForStatusChange).await?;
    sqlx::query("UPDATE events SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(status.as_str())
        .bind(now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Invites every verified fan who wants invitations and lives in one of `cities`.
pub async fn invite_cities(tx: &mut Tx, mail: &Localized, event_id: i64, cities: &[i64], now: i64) -> Result<u64, sqlx::Error> {
    let placeholders: Vec<String> = (1..=cities.len()).map(|i| format!("${i}")).collect();
    let from_where = format!(
        "FROM users u WHERE u.home_city_id IN ({}) AND u.email_verified_at IS NOT NULL AND u.wants_invitations = 1",
        placeholders.join(", ")
    );
    crate::email::outbox::enqueue_copies(tx, mail, &format!("invitation:{event_id}:"), "u.id", &from_where, cities, now).await
}

/// Tells everyone with a place (seat or waiting list) about a change. `change` makes
/// the key unique per change.
pub async fn notify_attendees(tx: &mut Tx, mail: &Localized, event_id: i64, change: &str, now: i64) -> Result<u64, sqlx::Error> {
    let from_where = "FROM registrations r JOIN users u ON u.id = r.user_id WHERE r.event_id = $1 AND r.status IN ('confirmed', 'waitlisted')";
    crate::email::outbox::enqueue_copies(tx, mail, &format!("{}:{event_id}:{change}:", mail.kind), "r.id", from_where, &[event_id], now).await
}

/// Cities within `radius_km` of a city (the city itself included).
pub async fn cities_within(db: &Db, city_id: i64, radius_km: f64) -> Result<Vec<i64>, sqlx::Error> {
    let all: Vec<(i64, f64, f64)> = sqlx::query_as("SELECT id, latitude, longitude FROM cities").fetch_all(&db.pool).await?;
    let Some(&(_, lat, lon)) = all.iter().find(|(id, _, _)| *id == city_id) else {
        return Ok(Vec::new());
    };
    Ok(all
        .into_iter()
        .filter(|&(id, la, lo)| id == city_id || super::distance_km(lat, lon, la, lo) <= radius_km)
        .map(|(id, _, _)| id)
        .collect())
}

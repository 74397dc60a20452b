//! Festival storage: the festival row, its sessions (events with `festival_id`), the
//! seat counts the page shows, and the invitations to every participating city.
use crate::email::templates::Localized;
use crate::infra::db::{Db, Tx};
use crate::meetups::repo::{insert_event, NewEvent};
use crate::meetups::{EventKind, EventStatus};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Festival {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub festival_day: String,
    pub opens_at: i64,
    pub invited_at: Option<i64>,
}

const COLUMNS: &str = "id, name, description, festival_day, opens_at, invited_at";

pub struct FestivalFields<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub day: &'a str,
    pub opens_at: i64,
}

pub async fn insert(tx: &mut Tx, f: &FestivalFields<'_>, created_by: i64, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO festivals (name, description, festival_day, opens_at, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(f.name)
    .bind(f.description)
    .bind(f.day)
    .bind(f.opens_at)
    .bind(created_by)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

/// Saves the festival; every session opens at the new instant, and moves with the day
/// (keeping its local start time).
pub async fn update(tx: &mut Tx, id: i64, f: &FestivalFields<'_>, day_shift_secs: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE festivals SET name = $1, description = $2, festival_day = $3, opens_at = $4, updated_at = $5 WHERE id = $6")
        .bind(f.name)
        .bind(f.description)
        .bind(f.day)
        .bind(f.opens_at)
        .bind(now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "UPDATE events SET signup_opens_at = $1, starts_at = starts_at + $2, ends_at = ends_at + $2, title = $3, updated_at = $4 \
         WHERE festival_id = $5",
    )
    .bind(f.opens_at)
    .bind(day_shift_secs)
    .bind(f.name)
    .bind(now)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn get<'c, E: sqlx::Executor<'c, Database = sqlx::Any>>(executor: E, id: i64) -> Result<Option<Festival>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM festivals WHERE id = $1")).bind(id).fetch_optional(executor).await
}

/// Every festival with its number of sessions, the latest day first.
pub async fn all(db: &Db) -> Result<Vec<(Festival, i64)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        festival: Festival,
        sessions: i64,
    }
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS}, (SELECT COUNT(*) FROM events e WHERE e.festival_id = f.id) AS sessions FROM festivals f \
         ORDER BY festival_day DESC, id DESC"
    ))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.festival, r.sessions)).collect())
}

/// The festival fans are pointed to: the next one that has invited fans (else none).
pub async fn current(db: &Db, today: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM festivals WHERE invited_at IS NOT NULL AND festival_day >= $1 ORDER BY festival_day, id LIMIT 1",
    )
    .bind(today)
    .fetch_optional(&db.pool)
    .await
}

pub struct NewSession<'a> {
    pub festival: &'a Festival,
    pub city_id: i64,
    pub venue: &'a str,
    pub address: &'a str,
    pub starts_at: i64,
    pub capacity: i64,
    pub created_by: i64,
}

/// Adds a session: a draft until the festival's invitations go out, published after.
pub async fn insert_session(tx: &mut Tx, s: &NewSession<'_>, now: i64) -> Result<i64, sqlx::Error> {
    let status = if s.festival.invited_at.is_some() { EventStatus::Published } else { EventStatus::Draft };
    let event = NewEvent {
        kind: EventKind::Official,
        city_id: s.city_id,
        title: &s.festival.name,
        starts_at: s.starts_at,
        ends_at: s.starts_at + super::SESSION_HOURS * 3600,
        capacity: Some(s.capacity),
        status,
        created_by: Some(s.created_by),
        organizer_id: None,
    };
    let id = insert_event(tx, &event, now).await?;
    sqlx::query("UPDATE events SET festival_id = $1, venue = $2, address = $3, description = $4, signup_opens_at = $5 WHERE id = $6")
        .bind(s.festival.id)
        .bind(s.venue)
        .bind(s.address)
        .bind(&s.festival.description)
        .bind(s.festival.opens_at)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(id)
}

/// The cities that already have a session at the festival.
pub async fn session_cities(db: &Db, festival_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT city_id FROM events WHERE festival_id = $1 AND status <> 'cancelled'").bind(festival_id).fetch_all(&db.pool).await
}

/// (session, capacity, confirmed) for every session taking fans: what the seat cache holds.
pub async fn seat_counts(db: &Db, festival_id: i64) -> Result<Vec<(i64, Option<i64>, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT id, capacity, confirmed_count FROM events WHERE festival_id = $1 AND status IN ('published', 'postponed')")
        .bind(festival_id)
        .fetch_all(&db.pool)
        .await
}

/// The session the fan's place is at.
pub async fn place_of(db: &Db, festival_id: i64, user_id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT event_id FROM festival_places WHERE festival_id = $1 AND user_id = $2")
        .bind(festival_id)
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await
}

/// Publishes the draft sessions and marks the festival invited; `false` if it already was
/// (another staff member pressed first).
pub async fn mark_invited(tx: &mut Tx, festival_id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let marked = sqlx::query("UPDATE festivals SET invited_at = $1, updated_at = $1 WHERE id = $2 AND invited_at IS NULL")
        .bind(now)
        .bind(festival_id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if marked == 0 {
        return Ok(false);
    }
    sqlx::query("UPDATE events SET status = 'published', updated_at = $1 WHERE festival_id = $2 AND status = 'draft'")
        .bind(now)
        .bind(festival_id)
        .execute(&mut **tx)
        .await?;
    Ok(true)
}

/// Queues the invitation to one session's city: every verified fan living there who
/// wants invitations, once per festival (the key names the festival and the fan, so a
/// fan is invited once even if their city has two sessions). The copies carry the
/// session's id, so staff can count them per city.
pub async fn invite_city(tx: &mut Tx, mail: &Localized, festival_id: i64, city_id: i64, now: i64) -> Result<u64, sqlx::Error> {
    let from_where = "FROM users u WHERE u.home_city_id = $1 AND u.email_verified_at IS NOT NULL AND u.wants_invitations = 1";
    crate::email::outbox::enqueue_copies(tx, mail, &format!("festival_invitation:{festival_id}:"), "u.id", from_where, &[city_id], now).await
}

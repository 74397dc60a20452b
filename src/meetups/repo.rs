//! Event storage.
use crate::server::db::Tx;

pub struct NewEvent<'a> {
    pub kind: &'a str,
    pub city_id: i64,
    pub title: &'a str,
    pub starts_at: i64,
    pub ends_at: i64,
    pub capacity: Option<i64>,
    pub status: &'a str,
    pub created_by: Option<i64>,
}

pub async fn insert_event(tx: &mut Tx, event: &NewEvent<'_>, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO events (kind, city_id, title, starts_at, ends_at, capacity, status, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(event.kind)
    .bind(event.city_id)
    .bind(event.title)
    .bind(event.starts_at)
    .bind(event.ends_at)
    .bind(event.capacity)
    .bind(event.status)
    .bind(event.created_by)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

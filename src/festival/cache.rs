//! Seats left per session, as the festival page and its island show them: read from
//! `events.confirmed_count` at most once every `TTL` per festival and process, however
//! many fans watch. Only for display: the seat itself is decided by the database.
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

pub const TTL: Duration = Duration::from_secs(2);

/// What the festival page polls: whether fans were invited (before that only staff see
/// the festival), and (session, seats left) for every session taking fans.
#[derive(Debug, Default)]
pub struct Live {
    pub invited: bool,
    pub seats: Vec<(i64, i64)>,
}

type Seats = Arc<Live>;

/// Keyed by database and festival: tests run several apps (databases) in one process.
static CACHE: LazyLock<Mutex<HashMap<(String, i64), (Instant, Seats)>>> = LazyLock::new(Default::default);

/// The festival's live state (`Live`); an unknown festival is one nobody was invited to.
pub async fn seats_left(db: &crate::infra::db::Db, database: &str, festival_id: i64) -> Result<Seats, sqlx::Error> {
    let key = (database.to_string(), festival_id);
    if let Some((at, seats)) = CACHE.lock().ok().and_then(|c| c.get(&key).cloned()) {
        if at.elapsed() < TTL {
            return Ok(seats);
        }
    }
    let rows = super::repo::seat_counts(db, festival_id).await?;
    let invited = super::repo::get(&db.pool, festival_id).await?.is_some_and(|f| f.invited_at.is_some());
    let seats: Seats = Arc::new(Live {
        invited,
        seats: rows.into_iter().map(|(id, capacity, confirmed)| (id, super::seats_left(capacity, confirmed))).collect(),
    });
    if let Ok(mut cache) = CACHE.lock() {
        cache.retain(|_, (at, _)| at.elapsed() < TTL);
        cache.insert(key, (Instant::now(), seats.clone()));
    }
    Ok(seats)
}

//! Recomputing everyone's record: attendance of every closed event, then points and
//! badges, fan by fan in id batches (with a progress bar on the terminal). On a
//! consistent database it finds nothing to change.
use super::awards::{self, Fans, Settled};
use crate::infra::db::Db;

/// What the backfill changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Backfilled {
    pub attendance_recorded: u64,
    pub settled: Settled,
}

impl Backfilled {
    pub fn nothing(&self) -> bool {
        *self == Backfilled::default()
    }
}

/// Fans per transaction: small enough to keep each write short, large enough that the
/// set-based statements do the work.
const BATCH: i64 = 5_000;

pub async fn run(db: &Db, now: i64, base_url: &str, progress: &indicatif::ProgressBar) -> Result<Backfilled, sqlx::Error> {
    let mut done = Backfilled::default();
    let (lo, hi): (Option<i64>, Option<i64>) = sqlx::query_as("SELECT MIN(id), MAX(id) FROM users").fetch_one(&db.pool).await?;
    let (Some(lo), Some(hi)) = (lo, hi) else { return Ok(done) };
    progress.set_length((hi - lo + 1) as u64);
    let mut start = lo;
    while start <= hi {
        let end = (start + BATCH - 1).min(hi);
        let mut tx = db.begin_write().await?;
        awards::write_the_record_alone(&mut tx).await?;
        let recorded = sqlx::query(
            "INSERT INTO attendance (event_id, user_id, outcome, recorded_at) \
             SELECT r.event_id, r.user_id, CASE WHEN r.checked_in_at IS NULL THEN 'no_show' ELSE 'attended' END, e.door_closed_at \
             FROM registrations r JOIN events e ON e.id = r.event_id \
             WHERE e.door_closed_at IS NOT NULL AND r.status = 'confirmed' AND r.user_id BETWEEN $1 AND $2 \
             ON CONFLICT (event_id, user_id) DO NOTHING",
        )
        .bind(start)
        .bind(end)
        .execute(&mut *tx)
        .await?;
        done.attendance_recorded += recorded.rows_affected();
        done.settled += awards::settle(&mut tx, Fans::Ids(start, end), now, base_url).await?;
        tx.commit().await?;
        progress.inc((end - start + 1) as u64);
        start = end + 1;
    }
    progress.finish();
    Ok(done)
}

//! Mail that can wait waits for the rush to pass. When sign-up opens like a flash sale,
//! nearly every press puts a fan on the waiting list and queues a "you are number N"
//! notice; delivering those as they come took the cores the presses needed (at 1,200
//! presses a second on two cores, p99 2.6 s with the notices going out, 12 ms without:
//! BENCHMARKS.md, issue 29). So while this process has taken a sign-up within
//! `QUIET_AFTER`, its outbox worker delivers everything else at once — tickets, account
//! mail — and leaves the waiting-list notices until the presses stop. The page already
//! showed each fan their number; the email follows seconds later.
//!
//! A rush is also on in every process while any of them queues notices (`anywhere`):
//! with presses routed to one process, or the desk working elsewhere, the others'
//! workers delivered the notices on the same cores during the sale.
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Kinds of mail held during a rush.
pub const DEFERRABLE: &[&str] = &["waitlisted"];

/// `DEFERRABLE` as an SQL list, `('waitlisted')`: spelt out in statements so the planner
/// sees that the outbox's partial indexes (`outbox_urgent`, `outbox_held`) apply.
pub fn deferrable_sql() -> String {
    format!("('{}')", DEFERRABLE.join("', '"))
}
/// How long after the last sign-up the rush is over.
pub const QUIET_AFTER: Duration = Duration::from_secs(3);
/// The longest a notice is held: a rush that never stops (or a steady stream of
/// sign-ups) still lets the oldest notices out.
pub const HOLD_AT_MOST: Duration = Duration::from_secs(60);

static LAST_SIGN_UP_MS: AtomicI64 = AtomicI64::new(0);

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// A sign-up was just taken by this process.
pub fn note_sign_up() {
    LAST_SIGN_UP_MS.store(now_ms(), Ordering::Relaxed);
}

/// Whether a rush is on: a sign-up within `QUIET_AFTER`.
pub fn on() -> bool {
    is_rush(LAST_SIGN_UP_MS.load(Ordering::Relaxed), now_ms())
}

/// The probe of `anywhere`: when the newest notice still held was queued (the last
/// entry of the `outbox_held` index).
pub fn newest_held_sql() -> String {
    format!("SELECT created_at FROM outbox WHERE status = 'pending' AND kind IN {} ORDER BY created_at DESC LIMIT 1", deferrable_sql())
}

/// Whether a rush is on in any process sharing the database: a notice of a kind that
/// waits was queued within `QUIET_AFTER` (the sign-up desk queues one for every fan it
/// puts on a waiting list, whichever process it runs in).
pub async fn anywhere(db: &crate::infra::db::Db, now: i64) -> Result<bool, sqlx::Error> {
    let newest: Option<i64> = sqlx::query_scalar(&newest_held_sql()).fetch_optional(&db.pool).await?;
    Ok(newest.is_some_and(|queued| queued_lately(queued, now)))
}

/// Queued at `queued` (unix seconds), within `QUIET_AFTER` of `now`.
fn queued_lately(queued: i64, now: i64) -> bool {
    now - queued < QUIET_AFTER.as_secs() as i64
}

fn is_rush(last_ms: i64, now_ms: i64) -> bool {
    last_ms > 0 && now_ms - last_ms < QUIET_AFTER.as_millis() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rush_lasts_until_the_presses_have_stopped_for_a_while() {
        assert!(!is_rush(0, 10_000), "no sign-up yet");
        assert!(is_rush(10_000, 10_000 + 2_999));
        assert!(!is_rush(10_000, 10_000 + 3_000));
    }

    #[test]
    fn a_notice_queued_in_the_last_seconds_means_a_rush_somewhere() {
        assert!(queued_lately(100, 100));
        assert!(queued_lately(100, 102));
        assert!(!queued_lately(100, 103), "quiet for QUIET_AFTER");
    }
}

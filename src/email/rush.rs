//! Mail that can wait waits for the rush to pass. When sign-up opens like a flash sale,
//! nearly every press puts a fan on the waiting list and queues a "you are number N"
//! notice; delivering those as they come took the cores the presses needed (at 1,200
//! presses a second on two cores, p99 2.6 s with the notices going out, 12 ms without:
//! BENCHMARKS.md, issue 29). So while notices are being queued — by this process
//! (`note_held_mail`) or by any process sharing the database (`anywhere`: with presses
//! routed to one process, or the desk working elsewhere, the others' workers delivered
//! them on the same cores during the sale) — the outbox workers deliver everything else
//! at once (tickets, account mail) and leave the waiting-list notices until the presses
//! stop, or until they have waited `HOLD_AT_MOST`. The page already showed each fan
//! their number; the email follows seconds later. Only new places queue a notice, so
//! pressing again cannot hold anyone's mail back.
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Kinds of mail held during a rush.
pub const DEFERRABLE: &[&str] = &["waitlisted"];

/// `DEFERRABLE` as an SQL list, `('waitlisted')`: spelt out in statements so the planner
/// sees that the outbox's partial indexes (`outbox_urgent`, `outbox_held`) apply.
pub fn deferrable_sql() -> String {
    format!("('{}')", DEFERRABLE.join("', '"))
}
/// How long after the last notice queued the rush is over (2–3 s for `anywhere`, which
/// sees whole seconds).
pub const QUIET_AFTER: Duration = Duration::from_secs(3);
/// The longest a notice is held: a rush that never stops (or a steady stream of
/// sign-ups) still lets the oldest notices out.
pub const HOLD_AT_MOST: Duration = Duration::from_secs(60);

static LAST_HELD_MAIL_MS: AtomicI64 = AtomicI64::new(0);

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// This process has just queued mail of a kind that waits (`outbox::enqueue_all`).
pub fn note_held_mail() {
    LAST_HELD_MAIL_MS.store(now_ms(), Ordering::Relaxed);
}

/// Whether a rush is on in this process: mail that waits queued within `QUIET_AFTER`.
pub fn on() -> bool {
    is_rush(LAST_HELD_MAIL_MS.load(Ordering::Relaxed), now_ms())
}

/// The probe of `anywhere` (`$1` the start of the quiet window, `$2` its end): a range of
/// the `outbox_held` index's leading column, one entry read at most.
pub fn recently_held_sql() -> String {
    format!("SELECT created_at FROM outbox WHERE status = 'pending' AND kind IN {} AND created_at > $1 AND created_at <= $2 LIMIT 1", deferrable_sql())
}

/// Whether a rush is on in any process sharing the database: a notice of a kind that
/// waits was queued within `QUIET_AFTER` (the sign-up desk queues one for every fan it
/// puts on a waiting list, whichever process it runs in). A notice dated further ahead
/// than that (a process's clock running fast) does not count: it would hold everyone's.
pub async fn anywhere(db: &crate::infra::db::Db, now: i64) -> Result<bool, sqlx::Error> {
    let (from, to) = quiet_window(now);
    let found: Option<i64> = sqlx::query_scalar(&recently_held_sql()).bind(from).bind(to).fetch_optional(&db.pool).await?;
    Ok(found.is_some())
}

/// The creation times (unix seconds, after the first, up to the second) that mean a
/// rush at `now`.
fn quiet_window(now: i64) -> (i64, i64) {
    let quiet = QUIET_AFTER.as_secs() as i64;
    (now - quiet, now + quiet)
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
        let (from, to) = quiet_window(100);
        let rush = |queued: i64| queued > from && queued <= to;
        assert!(rush(100) && rush(98), "queued this second or two seconds ago");
        assert!(!rush(97), "quiet for QUIET_AFTER");
        assert!(rush(103) && !rush(104), "a clock a little fast counts, one far ahead does not");
    }
}

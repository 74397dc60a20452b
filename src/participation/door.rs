//! The door: when a ticket may be checked in, and closing the door after an event, which
//! writes the attendance record (attended / no-show) once.

/// Whether a ticket may be checked in at `now`: from the start of the event's day (local
/// midnight in its city) until `grace` seconds after it ends. Check-ins after the door
/// closed but within the grace still count as attended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckInTime {
    Open,
    /// Too early: the ticket is for a later day.
    NotYet,
    /// The event and its grace period are over.
    Over,
}

pub fn check_in_time(now: i64, day_starts_at: i64, ends_at: i64, grace_secs: i64) -> CheckInTime {
    if now < day_starts_at {
        CheckInTime::NotYet
    } else if now > ends_at + grace_secs {
        CheckInTime::Over
    } else {
        CheckInTime::Open
    }
}

/// The door may be closed on the event's day (from local midnight): once everyone who
/// is coming is in; later arrivals within the grace still count.
pub fn may_close(now: i64, day_starts_at: i64) -> bool {
    now >= day_starts_at
}

/// The door closes by itself when the grace after the end has passed.
pub fn closes_by_itself(now: i64, ends_at: i64, grace_secs: i64) -> bool {
    now > ends_at + grace_secs
}

#[cfg(feature = "ssr")]
pub use ssr::*;

#[cfg(feature = "ssr")]
mod ssr {
    use super::super::awards::{self, Fans};
    use super::super::DoorClosed;
    use crate::infra::db::Tx;

    /// Closes the door of `event_id` in the caller's transaction: every confirmed fan
    /// checked in is recorded as attended, every other confirmed fan as a no-show, and
    /// points and badges follow. Closing twice changes nothing (`now: false`).
    pub async fn close(tx: &mut Tx, event_id: i64, now: i64, base_url: &str) -> Result<DoorClosed, sqlx::Error> {
        awards::write_the_record_alone(tx).await?;
        let closed = sqlx::query("UPDATE events SET door_closed_at = $1 WHERE id = $2 AND door_closed_at IS NULL")
            .bind(now)
            .bind(event_id)
            .execute(&mut **tx)
            .await?;
        if closed.rows_affected() == 1 {
            sqlx::query(
                "INSERT INTO attendance (event_id, user_id, outcome, recorded_at) \
                 SELECT event_id, user_id, CASE WHEN checked_in_at IS NULL THEN 'no_show' ELSE 'attended' END, $1 \
                 FROM registrations WHERE event_id = $2 AND status = 'confirmed' ON CONFLICT (event_id, user_id) DO NOTHING",
            )
            .bind(now)
            .bind(event_id)
            .execute(&mut **tx)
            .await?;
            awards::settle(tx, Fans::Event(event_id), now, base_url).await?;
        }
        let (attended, no_shows) = super::super::repo::attendance_counts(&mut **tx, event_id).await?;
        Ok(DoorClosed { attended, no_shows, now: closed.rows_affected() == 1 })
    }

    /// A check-in after the door closed (within the grace): the no-show becomes an
    /// attendance, and what it earns is paid.
    pub async fn late_check_in(tx: &mut Tx, event_id: i64, user_id: i64, now: i64, base_url: &str) -> Result<(), sqlx::Error> {
        awards::write_the_record_alone(tx).await?;
        let changed = sqlx::query("UPDATE attendance SET outcome = 'attended', recorded_at = $1 WHERE event_id = $2 AND user_id = $3 AND outcome = 'no_show'")
            .bind(now)
            .bind(event_id)
            .bind(user_id)
            .execute(&mut **tx)
            .await?;
        if changed.rows_affected() == 1 {
            awards::settle(tx, Fans::Event(event_id), now, base_url).await?;
        }
        Ok(())
    }

    /// Closes the doors whose grace has passed; returns how many. Safe in several
    /// processes at once: closing is guarded by `door_closed_at IS NULL`.
    pub async fn close_due_doors(state: &crate::infra::state::AppState, now: i64) -> Result<usize, sqlx::Error> {
        let grace = i64::from(state.config.check_in_grace_minutes) * 60;
        let due = due(&state.db, now, grace).await?;
        for event_id in &due {
            let mut tx = state.db.begin_write().await?;
            close(&mut tx, *event_id, now, &state.config.public_url).await?;
            tx.commit().await?;
        }
        Ok(due.len())
    }

    pub async fn close_doors_forever(state: crate::infra::state::AppState) {
        loop {
            if let Err(error) = close_due_doors(&state, crate::infra::clock::now()).await {
                tracing::error!(%error, "closing doors");
            }
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
        }
    }

    /// Events whose door should have closed by itself.
    pub async fn due(db: &crate::infra::db::Db, now: i64, grace_secs: i64) -> Result<Vec<i64>, sqlx::Error> {
        sqlx::query_scalar("SELECT id FROM events WHERE door_closed_at IS NULL AND status = 'published' AND ends_at < $1 ORDER BY ends_at LIMIT 100")
            .bind(now - grace_secs)
            .fetch_all(&db.pool)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_checks_in_on_its_day_until_the_grace_ends() {
        let (day, starts, ends, grace) = (1_000, 50_000, 60_000, 7_200);
        assert_eq!(check_in_time(day - 1, day, ends, grace), CheckInTime::NotYet, "the day before");
        assert_eq!(check_in_time(day, day, ends, grace), CheckInTime::Open, "that morning");
        assert_eq!(check_in_time(starts, day, ends, grace), CheckInTime::Open);
        assert_eq!(check_in_time(ends + grace, day, ends, grace), CheckInTime::Open, "late, within the grace");
        assert_eq!(check_in_time(ends + grace + 1, day, ends, grace), CheckInTime::Over);
    }

    #[test]
    fn the_door_closes_on_the_day_by_hand_and_after_the_grace_by_itself() {
        assert!(!may_close(99, 100));
        assert!(may_close(100, 100));
        assert!(!closes_by_itself(200 + 60, 200, 60));
        assert!(closes_by_itself(200 + 61, 200, 60));
    }
}

//! Places on long waiting lists. A fan's place is how many fans wait with a number up
//! to theirs; the database counts that a row at a time (about 10 ms at 85,000 waiting),
//! and in a flash sale every meetup page and every second press asks. Up to
//! `COUNTED_EXACTLY` the database counts (exact, and the count stops there); beyond,
//! this process keeps the list's numbers, sorted, read at most `FRESH_FOR` ago, ranks in
//! memory and counts in the database only the fans who joined since it was read. So on
//! a long list a fan who left within the last second still counts for those behind
//! them until the next read; short lists are always exact. A read adds only the numbers
//! taken since the last one unless fans have left since (the event's `waitlist_left`
//! moved), a draw is still writing its places (`draw_pending_from`: numbers below the
//! last may still appear) or the whole list was last read `READ_WHOLE_EVERY` ago: in a flash sale the
//! list only grows, and reading it whole each second was the database's biggest read
//! (100,000 numbers a second at the end of the minute).
use crate::infra::db::Db;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

/// Lists up to this long are counted by the database every time.
const COUNTED_EXACTLY: i64 = 2_000;
/// How long a list's numbers read from the database stand for it.
const FRESH_FOR: Duration = Duration::from_secs(1);
/// Lists kept before the unused ones are forgotten.
const LISTS_KEPT: usize = 64;
/// A list is read whole at least this often, even when no departure was counted.
const READ_WHOLE_EVERY: Duration = Duration::from_secs(10);

/// One long list's numbers, as read at `read_at`.
struct Numbers {
    sorted: Arc<Vec<i64>>,
    read_at: Instant,
    /// The event's count of fans who left the list, and whether a draw was still writing
    /// places, read before the list was last read whole, at `whole_at`.
    left: i64,
    drawing: bool,
    whole_at: Instant,
}

type List = Arc<tokio::sync::Mutex<Option<Numbers>>>;

/// The long lists this process knows, by database handle and event.
static LISTS: LazyLock<Mutex<HashMap<(usize, i64), List>>> = LazyLock::new(Default::default);

/// Everyone waiting at the event.
pub async fn waiting(db: &Db, event_id: i64) -> Result<i64, sqlx::Error> {
    place(db, event_id, i64::MAX).await
}

/// How many fans wait at the event with a number up to `number`: the place of the fan
/// who holds it.
pub async fn place(db: &Db, event_id: i64, number: i64) -> Result<i64, sqlx::Error> {
    let key = (db.identity(), event_id);
    let known_long = lists().get(&key).cloned();
    if let Some(list) = known_long {
        return ranked(db, event_id, number, &list).await;
    }
    let counted = count(db, event_id, i64::MIN, number, Some(COUNTED_EXACTLY + 1)).await?;
    if counted <= COUNTED_EXACTLY {
        return Ok(counted);
    }
    let list = {
        let mut lists = lists();
        if lists.len() >= LISTS_KEPT {
            // Forget lists nobody is reading (the next ask reads them again).
            lists.retain(|_, list| Arc::strong_count(list) > 1);
        }
        lists.entry(key).or_default().clone()
    };
    ranked(db, event_id, number, &list).await
}

fn lists() -> std::sync::MutexGuard<'static, HashMap<(usize, i64), List>> {
    // A panic elsewhere while the map was held leaves it usable.
    LISTS.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The place from the kept numbers (read again when stale: one reader reads, the others
/// wait for it), plus the fans who joined since they were read (counted with the list
/// let go, so readers do not queue behind each other's counts). A list read at any
/// moment holds every number below its last that is still waiting: numbers commit in
/// the order they are taken (`places::take_waitlist_numbers`).
async fn ranked(db: &Db, event_id: i64, number: i64, list: &List) -> Result<i64, sqlx::Error> {
    let sorted = {
        let mut kept = list.lock().await;
        match kept.as_ref().filter(|n| n.read_at.elapsed() <= FRESH_FOR) {
            Some(numbers) => numbers.sorted.clone(),
            None => {
                let numbers = read(db, event_id, kept.take()).await?;
                if numbers.sorted.len() as i64 <= COUNTED_EXACTLY {
                    // Short again: exact counts from now on.
                    lists().remove(&(db.identity(), event_id));
                }
                let sorted = numbers.sorted.clone();
                *kept = Some(numbers);
                sorted
            }
        }
    };
    let last = sorted.last().copied().unwrap_or(i64::MIN);
    let joined_since = match number > last {
        true => count(db, event_id, last, number, None).await?,
        false => 0,
    };
    Ok(rank_in(&sorted, number) + joined_since)
}

/// The list's numbers now: `before` and those taken since, or (fans having left since,
/// or the whole list read long ago) the whole list. Departures are counted before the
/// list is read, so one counted while it is read shows at the next read.
async fn read(db: &Db, event_id: i64, before: Option<Numbers>) -> Result<Numbers, sqlx::Error> {
    let (left, drawing): (i64, bool) = sqlx::query_as::<_, (i64, Option<i64>)>("SELECT waitlist_left, draw_pending_from FROM events WHERE id = $1")
        .bind(event_id)
        .fetch_optional(&db.pool)
        .await?
        .map_or((0, false), |(left, pending)| (left, pending.is_some()));
    let waiting_after = |after: i64| {
        sqlx::query_scalar("SELECT waitlist_seq FROM registrations WHERE event_id = $1 AND status = 'waitlisted' AND waitlist_seq > $2 ORDER BY waitlist_seq")
            .bind(event_id)
            .bind(after)
            .fetch_all(&db.pool)
    };
    match before.filter(|b| b.left == left && !b.drawing && !drawing && b.whole_at.elapsed() < READ_WHOLE_EVERY) {
        Some(before) => {
            let last = before.sorted.last().copied().unwrap_or(i64::MIN);
            let joined: Vec<i64> = waiting_after(last).await?;
            let mut sorted = Arc::unwrap_or_clone(before.sorted);
            sorted.extend(joined);
            Ok(Numbers { sorted: Arc::new(sorted), read_at: Instant::now(), ..before })
        }
        None => {
            let whole_at = Instant::now();
            let sorted = waiting_after(i64::MIN).await?;
            Ok(Numbers { sorted: Arc::new(sorted), read_at: Instant::now(), left, drawing, whole_at })
        }
    }
}

/// Makes the kept numbers of the event's list stale, as a second later (for tests: the
/// next place is read, not taken from what was kept).
pub async fn make_stale(db: &Db, event_id: i64) {
    let list = lists().get(&(db.identity(), event_id)).cloned();
    if let Some(list) = list {
        if let Some(numbers) = list.lock().await.as_mut() {
            numbers.read_at = Instant::now().checked_sub(FRESH_FOR * 2).unwrap_or(numbers.read_at);
        }
    }
}

/// How many of `sorted` are at most `number`.
pub fn rank_in(sorted: &[i64], number: i64) -> i64 {
    sorted.partition_point(|n| *n <= number) as i64
}

/// Fans waiting with a number in `(after, up_to]`, counting no further than `limit`.
async fn count(db: &Db, event_id: i64, after: i64, up_to: i64, limit: Option<i64>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT 1 FROM registrations WHERE event_id = $1 AND status = 'waitlisted' \
         AND waitlist_seq > $2 AND waitlist_seq <= $3 LIMIT $4) w",
    )
    .bind(event_id)
    .bind(after)
    .bind(up_to)
    .bind(limit.unwrap_or(i64::MAX))
    .fetch_one(&db.pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::rank_in;

    #[test]
    fn a_place_is_the_numbers_up_to_ones_own() {
        let numbers = [2, 3, 5, 8, 9];
        assert_eq!(rank_in(&numbers, 2), 1, "first");
        assert_eq!(rank_in(&numbers, 8), 4, "numbers 1, 4, 6 and 7 have left");
        assert_eq!(rank_in(&numbers, i64::MAX), 5, "everyone");
        assert_eq!(rank_in(&numbers, 1), 0);
        assert_eq!(rank_in(&[], 7), 0);
    }
}

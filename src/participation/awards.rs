//! Paying what the record earns: points for attending and organizing, badges by the
//! rules in `badges`, and one email per new badge. Every payment is keyed (ledger
//! `source_key`, badge primary key, mail idempotency key), so settling again, twice at
//! once, or in two processes pays nothing twice. Set-based: one statement per kind of
//! payment for a whole event or a range of fans.
use super::badges::{self, Badge, FanRecord, EARLY_FANS};
use super::points;
use crate::infra::db::Tx;
use std::collections::HashMap;

/// Whose record to settle.
#[derive(Debug, Clone, Copy)]
pub enum Fans {
    /// The fans recorded at one event, and its organizer.
    Event(i64),
    /// Fans with ids in `lo..=hi` (the backfill's batches).
    Ids(i64, i64),
    One(i64),
}

impl Fans {
    /// A condition on `column` (a user id) and its two binds, `$2` and `$3` (`$1` is
    /// left for the statement's own use).
    fn condition(self, column: &str) -> (String, i64, i64) {
        match self {
            Fans::Event(event) => (format!("{column} IN (SELECT user_id FROM attendance WHERE event_id = $2 AND $3 = $3)"), event, 0),
            Fans::Ids(lo, hi) => (format!("{column} BETWEEN $2 AND $3"), lo, hi),
            Fans::One(user) => (format!("{column} = $2 AND $3 = $3"), user, 0),
        }
    }

    fn organizer_condition(self) -> (String, i64, i64) {
        match self {
            Fans::Event(event) => ("e.id = $2 AND $3 = $3".into(), event, 0),
            other => other.condition("e.organizer_id"),
        }
    }
}

/// What settling paid.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Settled {
    pub points_paid: u64,
    pub badges_awarded: u64,
}

impl std::ops::AddAssign for Settled {
    fn add_assign(&mut self, other: Settled) {
        self.points_paid += other.points_paid;
        self.badges_awarded += other.badges_awarded;
    }
}

/// Makes the caller's transaction the only one writing the record until it commits.
/// Closing a door, a late check-in and the backfill all touch the same attendance,
/// ledger and badge rows in different orders; on PostgreSQL, taken one at a time
/// (a transaction-scoped advisory lock) they cannot deadlock. SQLite has one writer
/// anyway. Take it before the first write to those tables; taking it again is free.
pub async fn write_the_record_alone(tx: &mut Tx) -> Result<(), sqlx::Error> {
    if tx.dialect == crate::infra::db::Dialect::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(72110412)").execute(&mut **tx).await?;
    }
    Ok(())
}

/// Pays everything the fans' records have earned and nobody has paid yet.
pub async fn settle(tx: &mut Tx, fans: Fans, now: i64, base_url: &str) -> Result<Settled, sqlx::Error> {
    write_the_record_alone(tx).await?;
    let mut settled = Settled { points_paid: pay_points(tx, fans, now).await?, badges_awarded: 0 };
    let records = records(tx, fans).await?;
    let held = held_badges(tx, fans).await?;
    let due: Vec<(&FanRecord, Badge)> = records
        .iter()
        .flat_map(|record| badges::earned(record).into_iter().map(move |badge| (record, badge)))
        .filter(|(record, badge)| !held.contains(&(record.user_id, badge.key().to_string())))
        .collect();
    for chunk in due.chunks(AWARDS_PER_STATEMENT) {
        let awarded = award(tx, chunk, now).await?;
        super::emails::queue_badge_emails(tx, &awarded, now, base_url).await?;
        settled.badges_awarded += awarded.len() as u64;
    }
    settled.points_paid += pay_badge_points(tx, fans, now).await?;
    Ok(settled)
}

/// Attendance and organizing points, one statement each.
async fn pay_points(tx: &mut Tx, fans: Fans, now: i64) -> Result<u64, sqlx::Error> {
    let (condition, a, b) = fans.condition("a.user_id");
    let attend = format!(
        "INSERT INTO points_ledger (user_id, source_key, amount, reason, created_at) \
         SELECT a.user_id, 'attend:' || a.event_id || ':' || a.user_id, CASE WHEN e.kind = 'gathering' THEN $4 ELSE $5 END, 'attended', $1 \
         FROM attendance a JOIN events e ON e.id = a.event_id WHERE a.outcome = 'attended' AND {condition} \
         ON CONFLICT (source_key) DO NOTHING"
    );
    let paid = sqlx::query(&attend)
        .bind(now)
        .bind(a)
        .bind(b)
        .bind(points::ATTEND_GATHERING)
        .bind(points::ATTEND_OFFICIAL)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    let (condition, a, b) = fans.organizer_condition();
    let organize = format!(
        "INSERT INTO points_ledger (user_id, source_key, amount, reason, created_at) \
         SELECT e.organizer_id, 'organize:' || e.id, $4, 'organized', $1 FROM events e \
         WHERE e.kind = 'gathering' AND e.door_closed_at IS NOT NULL AND e.organizer_id IS NOT NULL AND {condition} \
           AND EXISTS (SELECT 1 FROM attendance x WHERE x.event_id = e.id AND x.outcome = 'attended') \
         ON CONFLICT (source_key) DO NOTHING"
    );
    let organized = sqlx::query(&organize).bind(now).bind(a).bind(b).bind(points::ORGANIZE_GATHERING).execute(&mut **tx).await?.rows_affected();
    // The live quiz's places (`live::scoring::PLACE_POINTS`), one payment per event and fan.
    let (condition, a, b) = fans.condition("w.user_id");
    let [first, second, third] = crate::live::scoring::PLACE_POINTS;
    let quiz = format!(
        "INSERT INTO points_ledger (user_id, source_key, amount, reason, created_at) \
         SELECT w.user_id, 'quiz:' || w.event_id || ':' || w.user_id, CASE w.place WHEN 1 THEN $4 WHEN 2 THEN $5 ELSE $6 END, 'quiz', $1 \
         FROM quiz_winners w WHERE {condition} ON CONFLICT (source_key) DO NOTHING"
    );
    let quizzed = sqlx::query(&quiz).bind(now).bind(a).bind(b).bind(first).bind(second).bind(third).execute(&mut **tx).await?.rows_affected();
    Ok(paid + organized + quizzed)
}

/// Counts, per fan, the attended events that were festival sessions.
const FESTIVAL_SESSIONS: &str = "CAST(COALESCE(SUM(CASE WHEN e.festival_id IS NULL THEN 0 ELSE 1 END), 0) AS BIGINT)";

/// The points of every badge held, for those not paid yet.
async fn pay_badge_points(tx: &mut Tx, fans: Fans, now: i64) -> Result<u64, sqlx::Error> {
    let (condition, a, b) = match fans {
        // The event's fans and its organizer: one list (with `OR`, PostgreSQL read every
        // badge ever awarded, 0.3 s of a door's closing with 3,000,000 badges).
        Fans::Event(event) => (
            "b.user_id IN (SELECT user_id FROM attendance WHERE event_id = $2 \
             UNION SELECT organizer_id FROM events WHERE id = $2 AND organizer_id IS NOT NULL) AND $3 = $3"
                .to_string(),
            event,
            0,
        ),
        other => other.condition("b.user_id"),
    };
    let sql = format!(
        "INSERT INTO points_ledger (user_id, source_key, amount, reason, created_at) \
         SELECT b.user_id, 'badge:' || b.user_id || ':' || b.badge, $4, 'badge', $1 FROM badges b WHERE {condition} \
         ON CONFLICT (source_key) DO NOTHING"
    );
    Ok(sqlx::query(&sql).bind(now).bind(a).bind(b).bind(points::BADGE).execute(&mut **tx).await?.rows_affected())
}

/// The records of the fans in question who could have earned anything.
pub async fn records(tx: &mut Tx, fans: Fans) -> Result<Vec<FanRecord>, sqlx::Error> {
    let mut by_user: HashMap<i64, FanRecord> = HashMap::new();
    let (condition, a, b) = fans.condition("a.user_id");
    let sql = format!(
        "SELECT a.user_id, COUNT(*), COUNT(DISTINCT e.city_id), {FESTIVAL_SESSIONS} \
         FROM attendance a JOIN events e ON e.id = a.event_id WHERE a.outcome = 'attended' AND {condition} AND $1 = $1 GROUP BY a.user_id"
    );
    let rows: Vec<(i64, i64, i64, i64)> = sqlx::query_as(&sql).bind(0_i64).bind(a).bind(b).fetch_all(&mut **tx).await?;
    for (user_id, attended, cities, festivals) in rows {
        let r = by_user.entry(user_id).or_insert_with(|| FanRecord { user_id, ..FanRecord::default() });
        (r.attended, r.cities_attended, r.festivals_attended) = (attended, cities, festivals);
    }
    let (condition, a, b) = fans.organizer_condition();
    let sql = format!(
        "SELECT e.organizer_id, COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM attendance x WHERE x.event_id = e.id AND x.outcome = 'attended') THEN 1 ELSE 0 END) \
         FROM events e WHERE e.kind = 'gathering' AND e.door_closed_at IS NOT NULL AND e.organizer_id IS NOT NULL AND {condition} AND $1 = $1 \
         GROUP BY e.organizer_id"
    );
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(&sql).bind(0_i64).bind(a).bind(b).fetch_all(&mut **tx).await?;
    // For one event, the organizer's record is counted over all their gatherings.
    for (organizer, _, _) in rows.clone() {
        if let Fans::Event(_) = fans {
            let (count, with_attendees): (i64, i64) = sqlx::query_as(
                "SELECT COUNT(*), COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM attendance x WHERE x.event_id = e.id AND x.outcome = 'attended') THEN 1 ELSE 0 END), 0) \
                 FROM events e WHERE e.kind = 'gathering' AND e.door_closed_at IS NOT NULL AND e.organizer_id = $1",
            )
            .bind(organizer)
            .fetch_one(&mut **tx)
            .await?;
            let r = by_user.entry(organizer).or_insert_with(|| FanRecord { user_id: organizer, ..FanRecord::default() });
            (r.gatherings_organized, r.gatherings_with_attendees) = (count, with_attendees);
        }
    }
    if !matches!(fans, Fans::Event(_)) {
        for (organizer, count, with_attendees) in rows {
            let r = by_user.entry(organizer).or_insert_with(|| FanRecord { user_id: organizer, ..FanRecord::default() });
            (r.gatherings_organized, r.gatherings_with_attendees) = (count, with_attendees);
        }
    }
    // Quiz wins (the live quiz's first place, `quiz_winners`); for one event, its fans'.
    let (condition, a, b) = fans.condition("w.user_id");
    let sql = format!("SELECT w.user_id, COUNT(*) FROM quiz_winners w WHERE w.place = 1 AND {condition} AND $1 = $1 GROUP BY w.user_id");
    let rows: Vec<(i64, i64)> = sqlx::query_as(&sql).bind(0_i64).bind(a).bind(b).fetch_all(&mut **tx).await?;
    for (user_id, wins) in rows {
        by_user.entry(user_id).or_insert_with(|| FanRecord { user_id, ..FanRecord::default() }).quiz_wins = wins;
    }
    // Fans brought (`sharing::referrals`): counted once the new fan confirmed their email.
    let (condition, a, b) = fans.condition("r.referrer_id");
    let sql = format!("SELECT r.referrer_id, COUNT(*) FROM referrals r WHERE r.counted_at IS NOT NULL AND {condition} AND $1 = $1 GROUP BY r.referrer_id");
    let rows: Vec<(i64, i64)> = sqlx::query_as(&sql).bind(0_i64).bind(a).bind(b).fetch_all(&mut **tx).await?;
    for (user_id, brought) in rows {
        by_user.entry(user_id).or_insert_with(|| FanRecord { user_id, ..FanRecord::default() }).fans_brought = brought;
    }
    for (user_id, early) in early_fans(tx, fans).await? {
        by_user.entry(user_id).or_insert_with(|| FanRecord { user_id, ..FanRecord::default() }).early_fan = Some(early);
    }
    let mut records: Vec<FanRecord> = by_user.into_values().collect();
    records.sort_by_key(|r| r.user_id);
    Ok(records)
}

/// The fans in question who are among the first [`EARLY_FANS`] verified fans of their
/// home city, with (city, place). One indexed query per city concerned.
async fn early_fans(tx: &mut Tx, fans: Fans) -> Result<Vec<(i64, (i64, i64))>, sqlx::Error> {
    let (condition, a, b) = fans.condition("u.id");
    let sql = format!("SELECT DISTINCT u.home_city_id FROM users u WHERE u.email_verified_at IS NOT NULL AND {condition} AND $1 = $1");
    let cities: Vec<i64> = sqlx::query_scalar(&sql).bind(0_i64).bind(a).bind(b).fetch_all(&mut **tx).await?;
    let in_question = |user: i64| match fans {
        Fans::Ids(lo, hi) => (lo..=hi).contains(&user),
        Fans::One(one) => user == one,
        // Checked by the city query above: only cities of the event's fans.
        Fans::Event(_) => true,
    };
    let mut early = Vec::new();
    for city in cities {
        for (user, place) in first_fans_of(tx, city).await? {
            if in_question(user) {
                early.push((user, (city, place)));
            }
        }
    }
    if let Fans::Event(event) = fans {
        let at_event: Vec<i64> = sqlx::query_scalar("SELECT user_id FROM attendance WHERE event_id = $1 AND user_id IS NOT NULL").bind(event).fetch_all(&mut **tx).await?;
        early.retain(|(user, _)| at_event.contains(user));
    }
    Ok(early)
}

/// A city's first verified fans, with their place (1-based). Staff accounts are not fans.
pub async fn first_fans_of(tx: &mut Tx, city_id: i64) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM users WHERE home_city_id = $1 AND email_verified_at IS NOT NULL AND role IN ('fan', 'organizer') \
         ORDER BY email_verified_at, id LIMIT $2",
    )
    .bind(city_id)
    .bind(EARLY_FANS)
    .fetch_all(&mut **tx)
    .await?;
    Ok(ids.into_iter().zip(1..).collect())
}

async fn held_badges(tx: &mut Tx, fans: Fans) -> Result<std::collections::HashSet<(i64, String)>, sqlx::Error> {
    let (condition, a, b) = fans.condition("b.user_id");
    let sql = format!("SELECT b.user_id, b.badge FROM badges b WHERE {condition} AND $1 = $1");
    let mut held: std::collections::HashSet<(i64, String)> =
        sqlx::query_as(&sql).bind(0_i64).bind(a).bind(b).fetch_all(&mut **tx).await?.into_iter().collect();
    if let Fans::Event(event) = fans {
        // The organizer is not among the event's attendance rows.
        let organizer: Vec<(i64, String)> = sqlx::query_as(
            "SELECT b.user_id, b.badge FROM badges b JOIN events e ON e.organizer_id = b.user_id WHERE e.id = $1",
        )
        .bind(event)
        .fetch_all(&mut **tx)
        .await?;
        held.extend(organizer);
    }
    Ok(held)
}

/// Badges inserted by one statement (4 binds each). Not more: SQLite's parser looks
/// each `$N` up in a list of the statement's names, so the cost of a statement grows with
/// the square of its binds (1,000 rows a statement made a SQLite backfill 2.6 times slower).
const AWARDS_PER_STATEMENT: usize = 100;

/// Awards badges, one statement for the lot; returns those that were not held yet
/// (their emails are queued by the caller, their points follow in `pay_badge_points`).
async fn award(tx: &mut Tx, due: &[(&FanRecord, Badge)], now: i64) -> Result<Vec<(i64, Badge)>, sqlx::Error> {
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<String> = (0..due.len()).map(|i| format!("(${}, ${}, $1, ${}, ${})", 4 * i + 2, 4 * i + 3, 4 * i + 4, 4 * i + 5)).collect();
    let sql = format!(
        "INSERT INTO badges (user_id, badge, earned_at, city_id, city_rank) VALUES {} ON CONFLICT (user_id, badge) DO NOTHING RETURNING user_id, badge",
        rows.join(", ")
    );
    let mut query = sqlx::query_as::<_, (i64, String)>(&sql).bind(now);
    for (record, badge) in due {
        let (city, place) = match (badge, record.early_fan) {
            (Badge::EarlyFan, Some((city, place))) => (Some(city), Some(place)),
            _ => (None, None),
        };
        query = query.bind(record.user_id).bind(badge.key()).bind(city).bind(place);
    }
    let inserted = query.fetch_all(&mut **tx).await?;
    Ok(inserted.into_iter().filter_map(|(user, key)| Badge::from_key(&key).map(|badge| (user, badge))).collect())
}

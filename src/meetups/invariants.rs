//! The seat engine's invariants (see DESIGN.md), checked on a live database: by the
//! randomized concurrency test after every run, and by `tongcheng check`.
use crate::infra::db::Db;

/// Rows without a fan (`user_id` NULL) are the history of deleted accounts at events
/// that had started: they count, but hold no fan's place, mail or festival place.
/// Each query lists one kind of violation, one row per offender, as a line of text.
const CHECKS: &[(&str, &str)] = &[
    (
        "seat count differs from the confirmed registrations",
        "SELECT 'event ' || e.id || ': confirmed_count ' || e.confirmed_count || ', confirmed registrations ' || \
         (SELECT COUNT(*) FROM registrations r WHERE r.event_id = e.id AND r.status = 'confirmed') FROM events e \
         WHERE e.confirmed_count <> (SELECT COUNT(*) FROM registrations r WHERE r.event_id = e.id AND r.status = 'confirmed')",
    ),
    (
        "more seats taken than the capacity",
        "SELECT 'event ' || id || ': ' || confirmed_count || ' seats taken, capacity ' || capacity FROM events \
         WHERE capacity IS NOT NULL AND confirmed_count > capacity",
    ),
    (
        "a fan with two registrations for one event",
        "SELECT 'event ' || event_id || ', user ' || user_id || ': ' || COUNT(*) || ' registrations' FROM registrations \
         WHERE user_id IS NOT NULL GROUP BY event_id, user_id HAVING COUNT(*) > 1",
    ),
    (
        "a waiting fan without a place in line",
        "SELECT 'registration ' || id || ' (event ' || event_id || ') waits without a number' FROM registrations \
         WHERE status = 'waitlisted' AND waitlist_seq IS NULL",
    ),
    (
        "two waiting fans with the same place in line",
        "SELECT 'event ' || event_id || ': number ' || waitlist_seq || ' held by ' || COUNT(*) || ' fans' FROM registrations \
         WHERE status = 'waitlisted' GROUP BY event_id, waitlist_seq HAVING COUNT(*) > 1",
    ),
    (
        "a confirmed fan without a ticket email",
        "SELECT 'registration ' || r.id || ' (event ' || r.event_id || ') is confirmed but no ticket email is queued' \
         FROM registrations r WHERE r.status = 'confirmed' AND r.user_id IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.idempotency_key = 'seat:' || r.id || ':' || r.generation)",
    ),
    (
        "a fan waiting while a seat is free",
        "SELECT 'event ' || e.id || ': ' || (e.capacity - e.confirmed_count) || ' free seats while fans wait' FROM events e \
         WHERE e.status IN ('published', 'postponed') AND e.starts_at > $1 AND e.capacity IS NOT NULL \
         AND e.confirmed_count < e.capacity \
         AND EXISTS (SELECT 1 FROM registrations r WHERE r.event_id = e.id AND r.status = 'waitlisted')",
    ),
    (
        "a fan with two places in one festival",
        "SELECT 'festival ' || e.festival_id || ', user ' || r.user_id || ': ' || COUNT(*) || ' places' FROM registrations r \
         JOIN events e ON e.id = r.event_id WHERE e.festival_id IS NOT NULL AND e.status <> 'cancelled' AND r.status <> 'cancelled' \
         AND r.user_id IS NOT NULL GROUP BY e.festival_id, r.user_id HAVING COUNT(*) > 1",
    ),
    (
        "a festival place without its registration, or the other way round",
        "SELECT 'festival ' || p.festival_id || ', user ' || p.user_id || ': place at event ' || p.event_id || ' without a registration' \
         FROM festival_places p WHERE NOT EXISTS (SELECT 1 FROM registrations r WHERE r.event_id = p.event_id AND r.user_id = p.user_id \
         AND r.status <> 'cancelled') \
         UNION ALL SELECT 'registration ' || r.id || ' (event ' || r.event_id || ') without its festival place' FROM registrations r \
         JOIN events e ON e.id = r.event_id WHERE e.festival_id IS NOT NULL AND e.status <> 'cancelled' AND r.status <> 'cancelled' \
         AND r.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM festival_places p WHERE p.festival_id = e.festival_id AND p.user_id = r.user_id AND p.event_id = r.event_id)",
    ),
    (
        "a city's fan count differs from a recount",
        "SELECT 'city ' || c.id || ': verified_fans ' || c.verified_fans || ', recount ' || \
         (SELECT COUNT(*) FROM users u WHERE u.home_city_id = c.id AND u.email_verified_at IS NOT NULL) FROM cities c \
         WHERE c.verified_fans <> (SELECT COUNT(*) FROM users u WHERE u.home_city_id = c.id AND u.email_verified_at IS NOT NULL)",
    ),
];

/// Every violation found, as "what: where" lines; empty when the database is sound.
/// `now` decides which events still take fans (a fan may wait at a past meetup).
pub async fn violations(db: &Db, now: i64) -> Result<Vec<String>, sqlx::Error> {
    let mut found = Vec::new();
    for (what, sql) in CHECKS {
        let query = sqlx::query_scalar::<_, String>(sql);
        let query = if sql.contains("$1") { query.bind(now) } else { query };
        for line in query.fetch_all(&db.pool).await? {
            found.push(format!("{what}: {line}"));
        }
    }
    Ok(found)
}

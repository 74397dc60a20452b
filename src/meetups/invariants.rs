//! The seat engine's invariants (see DESIGN.md), checked on a live database: by the
//! randomized concurrency test after every run, and by `tongcheng check`.
use crate::i18n::{td_string, Locale};
use crate::infra::db::Db;

/// One kind of violation. Its query lists the offenders, one row each, as three
/// numbers (ids and counts, padded with 0) that `Violation::describe` puts into words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    SeatCount,
    OverCapacity,
    TwoRegistrations,
    WaitingWithoutNumber,
    SameNumber,
    NoTicketEmail,
    WaitingWhileFree,
    TwoFestivalPlaces,
    PlaceWithoutRegistration,
    RegistrationWithoutPlace,
    FanCount,
}

/// Rows without a fan (`user_id` NULL) are the history of deleted accounts at events
/// that had started: they count, but hold no fan's place, mail or festival place.
const CHECKS: &[(Check, &str)] = &[
    (
        Check::SeatCount,
        "SELECT CAST(e.id AS BIGINT), CAST(e.confirmed_count AS BIGINT), \
         CAST((SELECT COUNT(*) FROM registrations r WHERE r.event_id = e.id AND r.status = 'confirmed') AS BIGINT) FROM events e \
         WHERE e.confirmed_count <> (SELECT COUNT(*) FROM registrations r WHERE r.event_id = e.id AND r.status = 'confirmed')",
    ),
    (
        Check::OverCapacity,
        "SELECT CAST(id AS BIGINT), CAST(confirmed_count AS BIGINT), CAST(capacity AS BIGINT) FROM events \
         WHERE capacity IS NOT NULL AND confirmed_count > capacity",
    ),
    (
        Check::TwoRegistrations,
        "SELECT CAST(event_id AS BIGINT), CAST(user_id AS BIGINT), CAST(COUNT(*) AS BIGINT) FROM registrations \
         WHERE user_id IS NOT NULL GROUP BY event_id, user_id HAVING COUNT(*) > 1",
    ),
    (
        Check::WaitingWithoutNumber,
        "SELECT CAST(id AS BIGINT), CAST(event_id AS BIGINT), CAST(0 AS BIGINT) FROM registrations \
         WHERE status = 'waitlisted' AND waitlist_seq IS NULL",
    ),
    (
        Check::SameNumber,
        "SELECT CAST(event_id AS BIGINT), CAST(waitlist_seq AS BIGINT), CAST(COUNT(*) AS BIGINT) FROM registrations \
         WHERE status = 'waitlisted' GROUP BY event_id, waitlist_seq HAVING COUNT(*) > 1",
    ),
    (
        Check::NoTicketEmail,
        "SELECT CAST(r.id AS BIGINT), CAST(r.event_id AS BIGINT), CAST(0 AS BIGINT) \
         FROM registrations r WHERE r.status = 'confirmed' AND r.user_id IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.idempotency_key = 'seat:' || r.id || ':' || r.generation)",
    ),
    (
        Check::WaitingWhileFree,
        "SELECT CAST(e.id AS BIGINT), CAST(e.capacity - e.confirmed_count AS BIGINT), CAST(0 AS BIGINT) FROM events e \
         WHERE e.status IN ('published', 'postponed') AND e.starts_at > $1 AND e.capacity IS NOT NULL \
         AND e.confirmed_count < e.capacity \
         AND EXISTS (SELECT 1 FROM registrations r WHERE r.event_id = e.id AND r.status = 'waitlisted')",
    ),
    (
        Check::TwoFestivalPlaces,
        "SELECT CAST(e.festival_id AS BIGINT), CAST(r.user_id AS BIGINT), CAST(COUNT(*) AS BIGINT) FROM registrations r \
         JOIN events e ON e.id = r.event_id WHERE e.festival_id IS NOT NULL AND e.status <> 'cancelled' AND r.status <> 'cancelled' \
         AND r.user_id IS NOT NULL GROUP BY e.festival_id, r.user_id HAVING COUNT(*) > 1",
    ),
    (
        Check::PlaceWithoutRegistration,
        "SELECT CAST(p.festival_id AS BIGINT), CAST(p.user_id AS BIGINT), CAST(p.event_id AS BIGINT) \
         FROM festival_places p WHERE NOT EXISTS (SELECT 1 FROM registrations r WHERE r.event_id = p.event_id AND r.user_id = p.user_id \
         AND r.status <> 'cancelled')",
    ),
    (
        Check::RegistrationWithoutPlace,
        "SELECT CAST(r.id AS BIGINT), CAST(r.event_id AS BIGINT), CAST(0 AS BIGINT) FROM registrations r \
         JOIN events e ON e.id = r.event_id WHERE e.festival_id IS NOT NULL AND e.status <> 'cancelled' AND r.status <> 'cancelled' \
         AND r.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM festival_places p WHERE p.festival_id = e.festival_id AND p.user_id = r.user_id AND p.event_id = r.event_id)",
    ),
    (
        Check::FanCount,
        "SELECT CAST(c.id AS BIGINT), CAST(c.verified_fans AS BIGINT), \
         CAST((SELECT COUNT(*) FROM users u WHERE u.home_city_id = c.id AND u.email_verified_at IS NOT NULL) AS BIGINT) FROM cities c \
         WHERE c.verified_fans <> (SELECT COUNT(*) FROM users u WHERE u.home_city_id = c.id AND u.email_verified_at IS NOT NULL)",
    ),
];

/// One offender of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Violation {
    pub check: Check,
    pub numbers: (i64, i64, i64),
}

impl Violation {
    /// "what: where", in `locale` (`tongcheng check` speaks the terminal's language).
    pub fn describe(&self, l: Locale) -> String {
        let (a, b, c) = self.numbers;
        match self.check {
            Check::SeatCount => td_string!(l, email.cli.check.seat_count, event = a, taken = b, registrations = c).to_string(),
            Check::OverCapacity => td_string!(l, email.cli.check.over_capacity, event = a, taken = b, capacity = c).to_string(),
            Check::TwoRegistrations => td_string!(l, email.cli.check.two_registrations, event = a, user = b, registrations = c).to_string(),
            Check::WaitingWithoutNumber => td_string!(l, email.cli.check.waiting_without_number, registration = a, event = b).to_string(),
            Check::SameNumber => td_string!(l, email.cli.check.same_number, event = a, number = b, fans = c).to_string(),
            Check::NoTicketEmail => td_string!(l, email.cli.check.no_ticket_email, registration = a, event = b).to_string(),
            Check::WaitingWhileFree => td_string!(l, email.cli.check.waiting_while_free, event = a, free = b).to_string(),
            Check::TwoFestivalPlaces => td_string!(l, email.cli.check.two_festival_places, festival = a, user = b, places = c).to_string(),
            Check::PlaceWithoutRegistration => td_string!(l, email.cli.check.place_without_registration, festival = a, user = b, event = c).to_string(),
            Check::RegistrationWithoutPlace => td_string!(l, email.cli.check.registration_without_place, registration = a, event = b).to_string(),
            Check::FanCount => td_string!(l, email.cli.check.fan_count, city = a, fans = b, recount = c).to_string(),
        }
    }
}

/// Every violation found; empty when the database is sound. `now` decides which events
/// still take fans (a fan may wait at a past meetup).
pub async fn found(db: &Db, now: i64) -> Result<Vec<Violation>, sqlx::Error> {
    let mut found = Vec::new();
    for (check, sql) in CHECKS {
        let query = sqlx::query_as::<_, (i64, i64, i64)>(sql);
        let query = if sql.contains("$1") { query.bind(now) } else { query };
        found.extend(query.fetch_all(&db.pool).await?.into_iter().map(|numbers| Violation { check: *check, numbers }));
    }
    Ok(found)
}

/// Every violation found, as English "what: where" lines (for tests and logs).
pub async fn violations(db: &Db, now: i64) -> Result<Vec<String>, sqlx::Error> {
    Ok(found(db, now).await?.iter().map(|v| v.describe(Locale::en)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_violation_is_said_in_the_terminals_language() {
        let free = Violation { check: Check::WaitingWhileFree, numbers: (7, 5, 0) };
        assert_eq!(free.describe(Locale::en), "a fan waiting while a seat is free: event 7: 5 free seats while fans wait");
        assert_eq!(free.describe(Locale::zh_CN), "有空位时仍有粉丝候补：活动 7 有 5 个空位，但仍有粉丝在候补");
        let checks = [
            Check::SeatCount,
            Check::OverCapacity,
            Check::TwoRegistrations,
            Check::WaitingWithoutNumber,
            Check::SameNumber,
            Check::NoTicketEmail,
            Check::WaitingWhileFree,
            Check::TwoFestivalPlaces,
            Check::PlaceWithoutRegistration,
            Check::RegistrationWithoutPlace,
            Check::FanCount,
        ];
        assert_eq!(checks.len(), CHECKS.len());
        for check in checks {
            let v = Violation { check, numbers: (11, 22, 33) };
            let (zh, en) = (v.describe(Locale::zh_CN), v.describe(Locale::en));
            assert!(zh.contains("11") && en.contains("11"), "{check:?}");
            assert!(!zh.chars().any(|c| c.is_ascii_alphabetic()), "{check:?}: {zh}");
            assert!(en.is_ascii(), "{check:?}: {en}");
        }
    }
}

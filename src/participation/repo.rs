//! Reading the record: a fan's page and a city's honour lists.
use super::{Badge, CityHonour, EarnedBadge, EventLine, FanPage, Honoured};
use crate::i18n::{td_string, Locale};
use crate::infra::clock::format_local;
use crate::infra::db::Db;
use crate::language::city_name;

/// Who is looking at a fan's page.
#[derive(Debug, Clone, Copy)]
pub struct Viewer {
    pub user_id: Option<i64>,
    pub staff: bool,
}

#[derive(sqlx::FromRow)]
struct FanRow {
    display_name: String,
    created_at: i64,
    public_profile: i64,
    city_id: i64,
    name_zh: String,
    name_en: String,
    timezone: String,
}

#[derive(sqlx::FromRow)]
struct LineRow {
    id: i64,
    title: String,
    starts_at: i64,
    kind: String,
    name_zh: String,
    name_en: String,
    timezone: String,
}

impl LineRow {
    fn line(self, l: Locale) -> EventLine {
        EventLine {
            id: self.id,
            title: self.title,
            when: format_local(self.starts_at, &self.timezone, l),
            city: city_name(l, &self.name_zh, &self.name_en).to_string(),
            official: self.kind != "gathering",
        }
    }
}

/// How many events a fan page lists (the totals count them all).
const LISTED: i64 = 20;

/// A fan's page as `viewer` may see it: `None` if there is no such fan, or the page is
/// private and the viewer is neither the fan nor staff.
pub async fn fan_page(db: &Db, id: i64, viewer: Viewer, l: Locale) -> Result<Option<FanPage>, sqlx::Error> {
    let fan: Option<FanRow> = sqlx::query_as(
        "SELECT u.display_name, u.created_at, u.public_profile, c.id AS city_id, c.name_zh, c.name_en, c.timezone \
         FROM users u JOIN cities c ON c.id = u.home_city_id WHERE u.id = $1 AND u.email_verified_at IS NOT NULL",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(fan) = fan else { return Ok(None) };
    let own = viewer.user_id == Some(id);
    let public = fan.public_profile == 1;
    if !(own || public || viewer.staff) {
        return Ok(None);
    }
    let points: i64 = sqlx::query_scalar("SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM points_ledger WHERE user_id = $1").bind(id).fetch_one(&db.pool).await?;
    let held: Vec<(String, i64, Option<i64>, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT b.badge, b.earned_at, b.city_rank, c.name_zh, c.name_en FROM badges b LEFT JOIN cities c ON c.id = b.city_id WHERE b.user_id = $1",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    let mut early_fan = None;
    let mut badges: Vec<(usize, EarnedBadge)> = Vec::new();
    for (key, earned_at, rank, zh, en) in held {
        let Some(badge) = Badge::from_key(&key) else { continue };
        if let (Badge::EarlyFan, Some(rank), Some(zh), Some(en)) = (badge, rank, &zh, &en) {
            early_fan = Some(td_string!(l, participation.fan.early_fan, number = rank, city = city_name(l, zh, en)).to_string());
        }
        let order = super::badges::RULES.iter().position(|r| r.badge == badge).unwrap_or(usize::MAX);
        let earned = format_local(earned_at, &fan.timezone, l);
        badges.push((order, EarnedBadge { key, name: badge.name(l).into(), about: badge.about(l).into(), earned }));
    }
    badges.sort_by_key(|(order, _)| *order);
    let attended: Vec<LineRow> = sqlx::query_as(
        "SELECT e.id, e.title, e.starts_at, e.kind, c.name_zh, c.name_en, c.timezone FROM attendance a \
         JOIN events e ON e.id = a.event_id JOIN cities c ON c.id = e.city_id \
         WHERE a.user_id = $1 AND a.outcome = 'attended' ORDER BY e.starts_at DESC LIMIT $2",
    )
    .bind(id)
    .bind(LISTED)
    .fetch_all(&db.pool)
    .await?;
    let counts: Vec<(String, i64)> = sqlx::query_as("SELECT outcome, COUNT(*) FROM attendance WHERE user_id = $1 GROUP BY outcome")
        .bind(id)
        .fetch_all(&db.pool)
        .await?;
    let count = |outcome: &str| counts.iter().find(|(o, _)| o == outcome).map_or(0, |(_, n)| *n);
    let organized: Vec<LineRow> = sqlx::query_as(
        "SELECT e.id, e.title, e.starts_at, e.kind, c.name_zh, c.name_en, c.timezone FROM events e JOIN cities c ON c.id = e.city_id \
         WHERE e.organizer_id = $1 AND e.kind = 'gathering' AND e.status = 'published' ORDER BY e.starts_at DESC LIMIT $2",
    )
    .bind(id)
    .bind(LISTED)
    .fetch_all(&db.pool)
    .await?;
    let organized_total: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE organizer_id = $1 AND kind = 'gathering' AND status = 'published'")
            .bind(id)
            .fetch_one(&db.pool)
            .await?;
    Ok(Some(FanPage {
        id,
        name: fan.display_name,
        city_id: fan.city_id,
        city: city_name(l, &fan.name_zh, &fan.name_en).to_string(),
        member_since: format_local(fan.created_at, &fan.timezone, l),
        points,
        badges: badges.into_iter().map(|(_, b)| b).collect(),
        early_fan,
        attended: attended.into_iter().map(|r| r.line(l)).collect(),
        attended_total: count("attended"),
        organized: organized.into_iter().map(|r| r.line(l)).collect(),
        organized_total,
        no_shows: (own || viewer.staff).then(|| count("no_show")),
        own,
        public,
        officer_terms: Vec::new(),
        brought: 0,
    }))
}

pub async fn set_public_profile(db: &Db, user_id: i64, public: bool, now: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE users SET public_profile = $1, updated_at = $2 WHERE id = $3")
        .bind(i64::from(public))
        .bind(now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// How many a city's honour lists show.
const MOST_ACTIVE: i64 = 10;
const ORGANIZERS: i64 = 20;

/// A city's early fans (their badge's place; only those who show their page), this
/// year's most active fans at its events (likewise) and its organizers (public by role:
/// their name is on their gatherings).
pub async fn city_honour(db: &Db, city_id: i64, year_starts_at: i64, year: i32) -> Result<CityHonour, sqlx::Error> {
    let early: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT u.id, u.display_name, b.city_rank FROM badges b JOIN users u ON u.id = b.user_id \
         WHERE b.badge = 'early_fan' AND b.city_id = $1 AND u.public_profile = 1 ORDER BY b.city_rank",
    )
    .bind(city_id)
    .fetch_all(&db.pool)
    .await?;
    let active: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT u.id, u.display_name, COUNT(*) AS n FROM events e JOIN attendance a ON a.event_id = e.id JOIN users u ON u.id = a.user_id \
         WHERE e.city_id = $1 AND e.starts_at >= $2 AND a.outcome = 'attended' AND u.public_profile = 1 \
         GROUP BY u.id, u.display_name ORDER BY n DESC, u.id LIMIT $3",
    )
    .bind(city_id)
    .bind(year_starts_at)
    .bind(MOST_ACTIVE)
    .fetch_all(&db.pool)
    .await?;
    let organizers: Vec<(i64, String, i64, i64)> = sqlx::query_as(
        "SELECT u.id, u.display_name, COUNT(*) AS n, u.public_profile FROM events e JOIN users u ON u.id = e.organizer_id \
         WHERE e.city_id = $1 AND e.kind = 'gathering' AND e.status = 'published' \
         GROUP BY u.id, u.display_name, u.public_profile ORDER BY n DESC, u.id LIMIT $2",
    )
    .bind(city_id)
    .bind(ORGANIZERS)
    .fetch_all(&db.pool)
    .await?;
    let named = |rows: Vec<(i64, String, i64)>| rows.into_iter().map(|(id, name, figure)| Honoured { id, name, figure, public: true }).collect();
    Ok(CityHonour {
        early_fans: named(early),
        most_active: named(active),
        organizers: organizers.into_iter().map(|(id, name, figure, public)| Honoured { id, name, figure, public: public == 1 }).collect(),
        year,
    })
}

/// Attendance counts once the door has closed; `None` while it is open.
pub async fn door_status(db: &Db, event_id: i64) -> Result<Option<super::DoorClosed>, sqlx::Error> {
    let closed: Option<Option<i64>> = sqlx::query_scalar("SELECT door_closed_at FROM events WHERE id = $1").bind(event_id).fetch_optional(&db.pool).await?;
    if closed.flatten().is_none() {
        return Ok(None);
    }
    let (attended, no_shows) = attendance_counts(&db.pool, event_id).await?;
    Ok(Some(super::DoorClosed { attended, no_shows, now: false }))
}

/// (attended, no-shows) recorded for an event.
pub async fn attendance_counts<'c, E: sqlx::Executor<'c, Database = sqlx::Any>>(executor: E, event_id: i64) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        "SELECT COALESCE(SUM(CASE WHEN outcome = 'attended' THEN 1 ELSE 0 END), 0), \
                COALESCE(SUM(CASE WHEN outcome = 'no_show' THEN 1 ELSE 0 END), 0) FROM attendance WHERE event_id = $1",
    )
    .bind(event_id)
    .fetch_one(executor)
    .await
}

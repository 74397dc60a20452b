//! Loading the figures the ranking needs, the planning settings, and host decisions.
use super::planner::Schedule;
use super::ranking::{CityFigures, RankedCity, RankingRules};
use super::DecisionView;
use crate::infra::db::{Db, Tx};
use chrono::{NaiveTime, Weekday};
use std::collections::HashMap;

const DAY: i64 = 24 * 3600;
/// Waiting lists of official meetups this recent count as unmet demand.
const UNMET_WINDOW: i64 = 180 * DAY;

#[derive(sqlx::FromRow)]
struct CityRow {
    id: i64,
    name_zh: String,
    name_en: String,
    province_en: String,
    population: i64,
    verified_fans: i64,
    timezone: String,
    latitude: f64,
    longitude: f64,
}

/// Every city's figures at `now`: five small queries, merged here.
pub async fn city_figures(db: &Db, now: i64) -> Result<Vec<CityFigures>, sqlx::Error> {
    let cities: Vec<CityRow> = sqlx::query_as(
        "SELECT id, name_zh, name_en, province_en, population, verified_fans, timezone, latitude, longitude FROM cities",
    )
    .fetch_all(&db.pool)
    .await?;
    let per_city = |rows: Vec<(i64, i64)>| rows.into_iter().collect::<HashMap<i64, i64>>();
    let joined = per_city(
        sqlx::query_as("SELECT city_id, CAST(SUM(fans) AS BIGINT) FROM city_daily_joins WHERE day >= $1 GROUP BY city_id")
            .bind((now - 30 * DAY).div_euclid(DAY))
            .fetch_all(&db.pool)
            .await?,
    );
    let unmet = per_city(
        sqlx::query_as(
            "SELECT e.city_id, COUNT(*) FROM registrations r JOIN events e ON e.id = r.event_id \
             WHERE r.status = 'waitlisted' AND e.kind = 'official' AND e.starts_at >= $1 GROUP BY e.city_id",
        )
        .bind(now - UNMET_WINDOW)
        .fetch_all(&db.pool)
        .await?,
    );
    let last = per_city(
        sqlx::query_as(
            "SELECT city_id, MAX(starts_at) FROM events \
             WHERE kind = 'official' AND status = 'published' AND starts_at < $1 GROUP BY city_id",
        )
        .bind(now)
        .fetch_all(&db.pool)
        .await?,
    );
    let next = per_city(
        sqlx::query_as(
            "SELECT city_id, MIN(starts_at) FROM events \
             WHERE kind = 'official' AND status IN ('draft', 'published', 'postponed') AND starts_at >= $1 GROUP BY city_id",
        )
        .bind(now)
        .fetch_all(&db.pool)
        .await?,
    );
    Ok(cities
        .into_iter()
        .map(|c| CityFigures {
            joined_30d: joined.get(&c.id).copied().unwrap_or(0),
            unmet_demand: unmet.get(&c.id).copied().unwrap_or(0),
            last_official_at: last.get(&c.id).copied(),
            next_official_at: next.get(&c.id).copied(),
            city_id: c.id,
            name_zh: c.name_zh,
            name_en: c.name_en,
            province_en: c.province_en,
            population: c.population,
            verified_fans: c.verified_fans,
            timezone: c.timezone,
            latitude: c.latitude,
            longitude: c.longitude,
        })
        .collect())
}

/// Start of the latest official meetup that is scheduled (drafts included).
pub async fn latest_scheduled(db: &Db) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT MAX(starts_at) FROM events WHERE kind = 'official' AND status IN ('draft', 'published', 'postponed')",
    )
    .fetch_one(&db.pool)
    .await
}

async fn setting(db: &Db, key: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(&db.pool).await
}

async fn set_setting(tx: &mut Tx, key: &str, value: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind(key)
        .bind(value)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub fn weekday_from_index(index: u32) -> Weekday {
    Weekday::try_from(index.min(6) as u8).unwrap_or(Weekday::Sat)
}

/// The ranking rules and meetup schedule staff have set, or the defaults.
pub async fn planning_settings(db: &Db) -> Result<(RankingRules, Schedule), sqlx::Error> {
    let defaults = RankingRules::default();
    let number = |v: Option<String>, d: i64| v.and_then(|v| v.parse().ok()).unwrap_or(d);
    let rules = RankingRules {
        min_fans: number(setting(db, "ranking.min_fans").await?, defaults.min_fans),
        cooldown_weeks: number(setting(db, "ranking.cooldown_weeks").await?, defaults.cooldown_weeks),
    };
    let mut schedule = Schedule::default();
    if let Some(day) = setting(db, "planner.weekday").await?.and_then(|v| v.parse::<u32>().ok()) {
        schedule.weekday = weekday_from_index(day);
    }
    if let Some(time) = setting(db, "planner.local_time").await?.and_then(|v| NaiveTime::parse_from_str(&v, "%H:%M").ok()) {
        schedule.local_time = time;
    }
    Ok((rules, schedule))
}

pub async fn save_planning_settings(tx: &mut Tx, rules: &RankingRules, schedule: &Schedule) -> Result<(), sqlx::Error> {
    set_setting(tx, "ranking.min_fans", &rules.min_fans.to_string()).await?;
    set_setting(tx, "ranking.cooldown_weeks", &rules.cooldown_weeks.to_string()).await?;
    set_setting(tx, "planner.weekday", &schedule.weekday.num_days_from_monday().to_string()).await?;
    set_setting(tx, "planner.local_time", &schedule.local_time.format("%H:%M").to_string()).await
}

pub struct NewDecision<'a> {
    pub city: &'a RankedCity,
    pub event_id: i64,
    pub slot_starts_at: i64,
    pub source: &'a str,
    pub decided_by: i64,
    pub decided_by_name: &'a str,
}

pub async fn record_decision(tx: &mut Tx, decision: &NewDecision<'_>, now: i64) -> Result<(), sqlx::Error> {
    let figures = serde_json::to_string(decision.city).unwrap_or_default();
    sqlx::query(
        "INSERT INTO host_decisions (city_id, event_id, slot_starts_at, source, decided_by, decided_by_name, decided_at, figures) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(decision.city.figures.city_id)
    .bind(decision.event_id)
    .bind(decision.slot_starts_at)
    .bind(decision.source)
    .bind(decision.decided_by)
    .bind(decision.decided_by_name)
    .bind(now)
    .bind(figures)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct DecisionRow {
    id: i64,
    city: String,
    slot_starts_at: i64,
    timezone: String,
    source: String,
    decided_at: i64,
    decided_by_name: String,
    event_id: Option<i64>,
    figures: String,
}

/// Newest decisions first; times shown in the host city's zone.
pub async fn decisions(db: &Db, limit: i64) -> Result<Vec<DecisionView>, sqlx::Error> {
    let rows: Vec<DecisionRow> = sqlx::query_as(
        "SELECT d.id, c.name_zh || ' ' || c.name_en AS city, d.slot_starts_at, c.timezone, d.source, d.decided_at, d.decided_by_name, d.event_id, d.figures \
         FROM host_decisions d JOIN cities c ON c.id = d.city_id ORDER BY d.id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|d| DecisionView {
            slot: crate::infra::clock::format_local(d.slot_starts_at, &d.timezone, crate::infra::locale::current()),
            decided_at: crate::infra::clock::format_local(d.decided_at, "Asia/Shanghai", crate::infra::locale::current()),
            figures: serde_json::from_str::<RankedCity>(&d.figures).map(|c| c.explanation).unwrap_or_default(),
            id: d.id,
            city: d.city,
            source: d.source,
            decided_by: d.decided_by_name,
            event_id: d.event_id,
        })
        .collect())
}

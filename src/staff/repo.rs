//! Loading the figures the ranking needs, the planning settings, and host decisions.
use super::planner::Schedule;
use super::ranking::{CityFigures, RankedCity, RankingRules};
use super::DecisionView;
use crate::i18n::Locale;
use crate::infra::clock::format_local;
use crate::infra::db::{Db, Tx};
use crate::language::{city_name, Text};
use chrono::{NaiveTime, Weekday};
use serde::{Deserialize, Serialize};
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
    province_zh: String,
    population: i64,
    verified_fans: i64,
    timezone: String,
    latitude: f64,
    longitude: f64,
}

/// Every city's figures at `now`: five small queries, merged here.
pub async fn city_figures(db: &Db, now: i64) -> Result<Vec<CityFigures>, sqlx::Error> {
    let cities: Vec<CityRow> = sqlx::query_as(
        "SELECT id, name_zh, name_en, province_en, province_zh, population, verified_fans, timezone, latitude, longitude FROM cities",
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
    // The planner's club rule (`ranking::CLUB_BONUS`): gatherings fans came to.
    let club = per_city(
        sqlx::query_as(
            "SELECT e.city_id, COUNT(*) FROM events e WHERE e.kind = 'gathering' AND e.status IN ('published', 'postponed') \
             AND e.starts_at >= $1 AND e.starts_at < $2 AND EXISTS (SELECT 1 FROM attendance a WHERE a.event_id = e.id AND a.outcome = 'attended') \
             GROUP BY e.city_id",
        )
        .bind(now - 90 * DAY)
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
            province_zh: c.province_zh,
            population: c.population,
            verified_fans: c.verified_fans,
            timezone: c.timezone,
            latitude: c.latitude,
            longitude: c.longitude,
            club_gatherings_90d: club.get(&c.id).copied().unwrap_or(0),
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
    /// Why the city stood where it did, in every language, for the decision log.
    pub explanation: &'a Text,
    pub event_id: i64,
    pub slot_starts_at: i64,
    pub source: &'a str,
    pub decided_by: i64,
    pub decided_by_name: &'a str,
}

/// The city's ranking row as the decision log keeps it: the figures, and the
/// explanation in every language (rows from before it was kept have only `explanation`).
#[derive(Serialize, Deserialize)]
struct StoredFigures {
    #[serde(flatten)]
    city: RankedCity,
    #[serde(default)]
    explanations: Option<Text>,
}

pub async fn record_decision(tx: &mut Tx, decision: &NewDecision<'_>, now: i64) -> Result<(), sqlx::Error> {
    let stored = StoredFigures { city: decision.city.clone(), explanations: Some(decision.explanation.clone()) };
    let figures = serde_json::to_string(&stored).unwrap_or_default();
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
    name_zh: String,
    name_en: String,
    slot_starts_at: i64,
    timezone: String,
    source: String,
    decided_at: i64,
    decided_by_name: String,
    event_id: Option<i64>,
    figures: String,
}

/// Newest decisions first; times shown in the host city's zone, words in `locale`.
pub async fn decisions(db: &Db, limit: i64, locale: Locale) -> Result<Vec<DecisionView>, sqlx::Error> {
    let rows: Vec<DecisionRow> = sqlx::query_as(
        "SELECT d.id, c.name_zh, c.name_en, d.slot_starts_at, c.timezone, d.source, d.decided_at, d.decided_by_name, d.event_id, d.figures \
         FROM host_decisions d JOIN cities c ON c.id = d.city_id ORDER BY d.id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|d| DecisionView {
            slot: format_local(d.slot_starts_at, &d.timezone, locale),
            decided_at: format_local(d.decided_at, "Asia/Shanghai", locale),
            figures: serde_json::from_str::<StoredFigures>(&d.figures)
                .map(|f| f.explanations.map(|t| t.get(locale).to_string()).unwrap_or(f.city.explanation))
                .unwrap_or_default(),
            id: d.id,
            city: city_name(locale, &d.name_zh, &d.name_en).to_string(),
            source: d.source,
            decided_by: d.decided_by_name,
            event_id: d.event_id,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::staff::ranking::{rank, CityFigures};

    fn ranked() -> RankedCity {
        let figures = CityFigures {
            city_id: 1,
            name_zh: "成都".into(),
            name_en: "Chengdu".into(),
            province_en: "Sichuan".into(),
            province_zh: "四川".into(),
            population: 1_000_000,
            verified_fans: 300,
            joined_30d: 0,
            unmet_demand: 0,
            last_official_at: None,
            next_official_at: None,
            timezone: "Asia/Shanghai".into(),
            latitude: 30.6,
            longitude: 104.1,
            club_gatherings_90d: 0,
        };
        rank(vec![figures], &RankingRules::default(), 0, Locale::en).remove(0)
    }

    #[test]
    fn decisions_keep_the_explanation_in_every_language() {
        let city = ranked();
        let stored = StoredFigures { city: city.clone(), explanations: Some(Text { zh: "中文".into(), en: "English".into() }) };
        let back: StoredFigures = serde_json::from_str(&serde_json::to_string(&stored).unwrap()).unwrap();
        assert_eq!(back.city, city);
        assert_eq!(back.explanations.unwrap().get(Locale::zh_CN), "中文");
        // Rows written before: the bare ranking row, without the province's Chinese name.
        let mut old = serde_json::to_value(&city).unwrap();
        old["figures"].as_object_mut().unwrap().remove("province_zh");
        let back: StoredFigures = serde_json::from_value(old).unwrap();
        assert!(back.explanations.is_none());
        assert_eq!(back.city.explanation, "30.0 fans per 100k, 300 fans, never hosted");
    }
}

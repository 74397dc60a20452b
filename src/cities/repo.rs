//! City storage: the reference data ships in `data/cities/*.csv` and is loaded into an
//! empty `cities` table at start-up.
use super::{CityFans, CityOption};
use crate::infra::db::Db;
use serde::Deserialize;

/// Mainland China, from GeoNames (see data/cities/SOURCE.md).
const CHINA_CSV: &str = include_str!("../../data/cities/cn.csv");

#[derive(Debug, Deserialize)]
struct CsvCity {
    geonames_id: i64,
    country: String,
    province_en: String,
    province_zh: String,
    name_en: String,
    name_zh: String,
    pinyin: String,
    population: i64,
    latitude: f64,
    longitude: f64,
    timezone: String,
}

fn parse_csv(text: &str) -> Result<Vec<CsvCity>, csv::Error> {
    csv::Reader::from_reader(text.as_bytes()).deserialize().collect()
}

/// Loads the shipped cities if the table is empty; returns how many were added.
pub async fn load_reference_data(db: &Db) -> Result<usize, String> {
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cities")
        .fetch_one(&db.pool)
        .await
        .map_err(|e| e.to_string())?;
    if existing > 0 {
        return Ok(0);
    }
    let cities = parse_csv(CHINA_CSV).map_err(|e| format!("data/cities/cn.csv: {e}"))?;
    let mut tx = db.begin_write().await.map_err(|e| e.to_string())?;
    for c in &cities {
        sqlx::query(
            "INSERT INTO cities (id, country, province_en, province_zh, name_en, name_zh, pinyin, population, latitude, longitude, timezone) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(c.geonames_id)
        .bind(&c.country)
        .bind(&c.province_en)
        .bind(&c.province_zh)
        .bind(&c.name_en)
        .bind(&c.name_zh)
        .bind(&c.pinyin)
        .bind(c.population)
        .bind(c.latitude)
        .bind(c.longitude)
        .bind(&c.timezone)
        .execute(&mut *tx)
        .await
        .map_err(|e| format!("loading city {}: {e}", c.name_en))?;
    }
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(cities.len())
}

pub async fn options(db: &Db) -> Result<Vec<CityOption>, sqlx::Error> {
    sqlx::query_as("SELECT id, name_zh, name_en, pinyin, province_en, province_zh, population FROM cities ORDER BY population DESC, id")
        .fetch_all(&db.pool)
        .await
}

pub async fn most_fans(db: &Db, limit: i64) -> Result<Vec<CityFans>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name_zh, name_en, province_en, verified_fans FROM cities \
         WHERE verified_fans > 0 ORDER BY verified_fans DESC, id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// Sets every city's verified-fan counts (total and per day) from a full recount,
/// after bulk loads.
pub async fn recount_verified_fans(tx: &mut crate::infra::db::Tx) -> Result<(), sqlx::Error> {
    for sql in [
        "UPDATE cities SET verified_fans = \
         (SELECT COUNT(*) FROM users u WHERE u.home_city_id = cities.id AND u.email_verified_at IS NOT NULL)",
        "DELETE FROM city_daily_joins",
        "INSERT INTO city_daily_joins (city_id, day, fans) \
         SELECT home_city_id, email_verified_at / 86400, COUNT(*) FROM users \
         WHERE email_verified_at IS NOT NULL GROUP BY home_city_id, email_verified_at / 86400",
    ] {
        sqlx::query(sql).execute(&mut **tx).await?;
    }
    Ok(())
}


/// A city's IANA time zone (Shanghai's if the city is unknown).
pub async fn timezone(db: &Db, city_id: i64) -> Result<String, sqlx::Error> {
    let tz: Option<String> = sqlx::query_scalar("SELECT timezone FROM cities WHERE id = $1").bind(city_id).fetch_optional(&db.pool).await?;
    Ok(tz.unwrap_or_else(|| "Asia/Shanghai".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_data_covers_mainland_china() {
        let cities = parse_csv(CHINA_CSV).unwrap();
        assert!(cities.len() >= 330, "{} cities", cities.len());
        for name in ["北京", "上海", "天津", "重庆", "深圳", "乌鲁木齐", "拉萨"] {
            assert!(cities.iter().any(|c| c.name_zh == name), "{name} missing");
        }
        assert!(cities.iter().all(|c| c.country == "CN" && !c.timezone.is_empty() && !c.pinyin.is_empty()));
        let mut ids: Vec<i64> = cities.iter().map(|c| c.geonames_id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), cities.len(), "ids are unique");
    }
}

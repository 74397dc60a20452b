//! Demo data: synthetic verified fans spread unevenly over the cities, and staff
//! accounts. Everything here is idempotent.
use crate::i18n::td_string;
use crate::infra::clock::now;
use crate::infra::locale::terminal;
use leptos_i18n::Locale as _;
use crate::infra::db::Db;
use crate::accounts::{password, repo, DisplayName, Email, NewPassword, Role};
use indicatif::{ProgressBar, ProgressStyle};

/// Every demo fan logs in with this password.
pub const DEMO_PASSWORD: &str = "demo-password";
const BATCH: usize = 500;
const SURNAMES: [&str; 16] = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭"];
const GIVEN: [&str; 16] = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "霞"];

/// A well-mixed 64-bit hash: fan `i` always gets the same city and dates, so seeding
/// again adds nothing new.
fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn unit(x: u64) -> f64 {
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// Cumulative weights: bigger cities get more fans, and a per-city enthusiasm factor
/// (0.2× to 5×) makes densities differ, as real fan bases do.
pub fn city_weights(cities: &[(i64, i64)]) -> Vec<f64> {
    let mut total = 0.0;
    cities
        .iter()
        .map(|&(id, population)| {
            let enthusiasm = (unit(splitmix(id as u64)) * 2.0 - 1.0) * 5f64.ln();
            total += (population.max(10_000) as f64).powf(0.8) * enthusiasm.exp();
            total
        })
        .collect()
}

pub fn pick_city(cumulative: &[f64], fan: u64) -> usize {
    let target = unit(splitmix(fan)) * cumulative.last().copied().unwrap_or(0.0);
    cumulative.partition_point(|&w| w <= target).min(cumulative.len().saturating_sub(1))
}

pub fn demo_email(fan: u64) -> String {
    format!("demo-fan-{fan}@example.com")
}

/// Adds demo fans 1..=`fans` that are missing; returns how many were added.
pub async fn seed_demo(db: &Db, fans: u64, show_progress: bool) -> Result<u64, String> {
    let cities: Vec<(i64, i64)> = sqlx::query_as("SELECT id, population FROM cities ORDER BY id")
        .fetch_all(&db.pool)
        .await
        .map_err(|e| e.to_string())?;
    if cities.is_empty() {
        return Err(td_string!(terminal(), email.cli.no_cities).into());
    }
    let cumulative = city_weights(&cities);
    let hash = password::hash(DEMO_PASSWORD.into()).await.map_err(|e| e.to_string())?;
    let bar = if show_progress { ProgressBar::new(fans) } else { ProgressBar::hidden() };
    let template = format!("{{bar:40}} {{pos}}/{{len}} {}", td_string!(terminal(), email.cli.seeding, rate = "{per_sec}", eta = "{eta}"));
    bar.set_style(ProgressStyle::with_template(&template).map_err(|e| e.to_string())?);
    let now = now();
    // Demo fans read the language of whoever seeds them (their emails are in it).
    let locale = terminal().as_str();
    let mut added = 0;
    let mut start = 1;
    while start <= fans {
        let end = (start + BATCH as u64 - 1).min(fans);
        added += insert_batch(db, &cities, &cumulative, &hash, locale, start..=end, now).await.map_err(|e| e.to_string())?;
        bar.set_position(end);
        start = end + 1;
    }
    bar.finish();
    let mut tx = db.begin_write().await.map_err(|e| e.to_string())?;
    crate::cities::repo::recount_verified_fans(&mut tx).await.map_err(|e| e.to_string())?;
    crate::sharing::referrals::give_codes_to_verified(&mut tx, db.dialect, now).await.map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(added)
}

async fn insert_batch(
    db: &Db,
    cities: &[(i64, i64)],
    cumulative: &[f64],
    hash: &str,
    locale: &str,
    fans: std::ops::RangeInclusive<u64>,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let count = (fans.end() - fans.start() + 1) as usize;
    let token = db.dialect.random_token();
    let rows: Vec<String> = (0..count)
        .map(|i| {
            let p = i * 6 + 1;
            // Demo addresses have no aliases: the inbox is the address.
            format!("(${}, ${}, ${}, ${}, 'fan', $1, ${}, ${}, ${}, ${}, {token})", p + 1, p + 2, p + 3, p + 4, p + 5, p + 5, p + 6, p + 1)
        })
        .collect();
    let sql = format!(
        "INSERT INTO users (email, display_name, password_hash, home_city_id, role, locale, email_verified_at, created_at, updated_at, inbox, unsubscribe_token) \
         VALUES {} ON CONFLICT (email) DO NOTHING",
        rows.join(", ")
    );
    let mut query = sqlx::query(&sql).bind(locale.to_string());
    for fan in fans {
        let mixed = splitmix(fan ^ 0xD1B5_4A32_D192_ED03);
        let name = format!("{}{}{}", SURNAMES[(mixed % 16) as usize], GIVEN[((mixed >> 8) % 16) as usize], fan);
        // Joined some time in the last year, so "new fans in the last 30 days" varies.
        let joined = now - ((mixed >> 16) % (365 * 24 * 3600)) as i64;
        query = query
            .bind(demo_email(fan))
            .bind(name)
            .bind(hash.to_string())
            .bind(cities[pick_city(cumulative, fan)].0)
            .bind(joined)
            .bind(now);
    }
    let mut tx = db.begin_write().await?;
    let done = query.execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(done.rows_affected())
}

/// Creates a verified staff (or admin) account, or promotes an existing one. Returns
/// the password when one was generated.
pub async fn create_staff(
    db: &Db,
    email: &str,
    name: &str,
    password: Option<&str>,
    city: &str,
    role: Role,
    locale: crate::i18n::Locale,
) -> Result<Option<String>, String> {
    let email = Email::parse(email).map_err(|m| format!("--email: {}", m.get(terminal())))?;
    let name = DisplayName::parse(name).map_err(|m| format!("--name: {}", m.get(terminal())))?;
    let cities = crate::cities::repo::options(db).await.map_err(|e| e.to_string())?;
    let city = crate::cities::resolve(&cities, city).ok_or_else(|| td_string!(terminal(), email.cli.unknown_city, city = format!("{city:?}")).to_string())?;
    let generated = password.is_none().then(|| crate::accounts::tokens::random_secret()[..16].to_string());
    let password = NewPassword::parse(password.or(generated.as_deref()).unwrap_or_default()).map_err(|m| format!("--password: {}", m.get(terminal())))?;
    let hash = password::hash(password.expose().to_string()).await.map_err(|e| e.to_string())?;
    let now = now();
    let mut tx = db.begin_write().await.map_err(|e| e.to_string())?;
    let user = repo::NewUser { email: &email, display_name: &name, password_hash: &hash, home_city_id: city.id, role, locale };
    let user_id = match repo::insert_user(&mut tx, &user, now).await.map_err(|e| e.to_string())? {
        Some(id) => id,
        None => {
            let (id, _, _) = repo::find_by_email(&mut tx, &email).await.map_err(|e| e.to_string())?.ok_or(td_string!(terminal(), email.cli.account_vanished))?;
            repo::set_role(&mut tx, id, role, now).await.map_err(|e| e.to_string())?;
            repo::set_password(&mut tx, id, &hash, now).await.map_err(|e| e.to_string())?;
            id
        }
    };
    if repo::mark_verified(&mut tx, user_id, now).await.map_err(|e| e.to_string())? {
        crate::sharing::referrals::give_code(&mut tx, user_id, now).await.map_err(|e| e.to_string())?;
    }
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(generated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_are_deterministic_and_uneven() {
        let cities: Vec<(i64, i64)> = (1..=50).map(|id| (id, 1_000_000)).collect();
        let cumulative = city_weights(&cities);
        assert_eq!(pick_city(&cumulative, 42), pick_city(&cumulative, 42));
        let mut counts = vec![0u32; cities.len()];
        for fan in 0..50_000 {
            counts[pick_city(&cumulative, fan)] += 1;
        }
        let (min, max) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
        assert!(*min > 0, "every city gets fans");
        assert!(*max > 4 * *min, "same population, different enthusiasm: {min}..{max}");
    }
}

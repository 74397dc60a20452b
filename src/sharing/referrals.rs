//! Who brought whom, stored: referral codes, the registration a link brought, the count
//! once the new fan confirms their email, and what an account's deletion takes back.
//! The rules are `sharing::referral_rule` and `sharing::deletion_takes_back`.
use super::inbox;
use crate::infra::db::{Db, Tx};
use crate::infra::secrets::digest;
use rand::RngCore;

/// The fan's referral code, made on first use.
pub async fn code_for(db: &Db, user_id: i64, now: i64) -> Result<String, sqlx::Error> {
    let kept: Option<String> = sqlx::query_scalar("SELECT code FROM referral_codes WHERE user_id = $1").bind(user_id).fetch_optional(&db.pool).await?;
    if let Some(code) = kept {
        return Ok(code);
    }
    let mut tx = db.begin_write().await?;
    // 32^10 codes: a collision is unlikely, but a second try costs nothing.
    for _ in 0..4 {
        let mut bytes = [0u8; super::CODE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        sqlx::query("INSERT INTO referral_codes (user_id, code, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(user_id)
            .bind(super::code_from(bytes))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let code: Option<String> = sqlx::query_scalar("SELECT code FROM referral_codes WHERE user_id = $1").bind(user_id).fetch_optional(&mut *tx).await?;
        if let Some(code) = code {
            tx.commit().await?;
            return Ok(code);
        }
    }
    Err(sqlx::Error::RowNotFound)
}

/// The fan whose code this is, if any: (id, email).
pub async fn referrer(db: &Db, code: &str) -> Result<Option<(i64, String)>, sqlx::Error> {
    sqlx::query_as("SELECT u.id, u.email FROM referral_codes r JOIN users u ON u.id = r.user_id WHERE r.code = $1")
        .bind(code)
        .fetch_optional(&db.pool)
        .await
}

/// At registration (in its transaction): notes that the link of the fan with `code`
/// brought the new account, if the rule lets it count. `true` if noted.
pub async fn note_registration(tx: &mut Tx, fan_id: i64, fan_email: &str, arrival: Option<(String, i64)>, logged_in: bool, now: i64) -> Result<bool, sqlx::Error> {
    let Some((code, arrived_at)) = arrival else { return Ok(false) };
    let referrer: Option<(i64, String)> =
        sqlx::query_as("SELECT u.id, u.email FROM referral_codes r JOIN users u ON u.id = r.user_id WHERE r.code = $1")
            .bind(&code)
            .fetch_optional(&mut **tx)
            .await?;
    let Some((referrer_id, referrer_email)) = referrer else { return Ok(false) };
    let new_inbox = inbox::normalize(fan_email);
    if super::referral_rule(arrived_at, now, &inbox::normalize(&referrer_email), &new_inbox, logged_in).is_err() || referrer_id == fan_id {
        return Ok(false);
    }
    // One row per inbox ever: an alias of an inbox already brought does not count again.
    let noted = sqlx::query(
        "INSERT INTO referrals (referrer_id, fan_id, inbox, arrived_at, registered_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(referrer_id)
    .bind(fan_id)
    .bind(digest(&new_inbox))
    .bind(arrived_at)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(noted.rows_affected() == 1)
}

/// When the new fan confirms an address: from now on they count. The address confirmed
/// is the one checked (it may have been changed since registering): the referrer's own
/// inbox, or one already brought, takes the referral back. Returns the referrer to
/// settle (their badges), once.
pub async fn count_confirmed(tx: &mut Tx, fan_id: i64, now: i64) -> Result<Option<i64>, sqlx::Error> {
    let row: Option<(i64, i64, String, String)> = sqlx::query_as(
        "SELECT r.id, r.referrer_id, u.email, b.email FROM referrals r JOIN users u ON u.id = r.fan_id JOIN users b ON b.id = r.referrer_id \
         WHERE r.fan_id = $1 AND r.counted_at IS NULL",
    )
    .bind(fan_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((id, referrer, email, referrer_email)) = row else { return Ok(None) };
    let inbox = inbox::normalize(&email);
    let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM referrals WHERE inbox = $1 AND id <> $2").bind(digest(&inbox)).bind(id).fetch_optional(&mut **tx).await?;
    if taken.is_some() || inbox == inbox::normalize(&referrer_email) {
        sqlx::query("DELETE FROM referrals WHERE id = $1").bind(id).execute(&mut **tx).await?;
        return Ok(None);
    }
    sqlx::query("UPDATE referrals SET counted_at = $1, inbox = $2 WHERE id = $3").bind(now).bind(digest(&inbox)).bind(id).execute(&mut **tx).await?;
    Ok(Some(referrer))
}

/// Before an account is deleted: a registration younger than the grace period never
/// counted; an older one keeps counting (the row loses its fan by `ON DELETE SET NULL`).
pub async fn forget_deleted(tx: &mut Tx, fan_id: i64, now: i64) -> Result<(), sqlx::Error> {
    let registered: Option<i64> = sqlx::query_scalar("SELECT registered_at FROM referrals WHERE fan_id = $1").bind(fan_id).fetch_optional(&mut **tx).await?;
    if registered.is_some_and(|at| super::deletion_takes_back(at, now)) {
        sqlx::query("DELETE FROM referrals WHERE fan_id = $1").bind(fan_id).execute(&mut **tx).await?;
    }
    Ok(())
}

/// How many fans `user_id` brought (confirmed).
pub async fn brought(db: &Db, user_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM referrals WHERE referrer_id = $1 AND counted_at IS NOT NULL").bind(user_id).fetch_one(&db.pool).await
}

/// How many the club's top bringers list shows.
const TOP_BRINGERS: i64 = 10;

/// A city's fans who brought the most fans this month, in the city's time (those who
/// show their page): (id, name, fans brought).
pub async fn top_bringers(db: &Db, city_id: i64, now: i64) -> Result<Vec<(i64, String, i64)>, sqlx::Error> {
    let tz: Option<String> = sqlx::query_scalar("SELECT timezone FROM cities WHERE id = $1").bind(city_id).fetch_optional(&db.pool).await?;
    let since = crate::infra::clock::local_month_start(now, tz.as_deref().unwrap_or("Asia/Shanghai"));
    sqlx::query_as(
        "SELECT u.id, u.display_name, COUNT(*) AS n FROM referrals r JOIN users u ON u.id = r.referrer_id \
         WHERE u.home_city_id = $1 AND u.public_profile = 1 AND r.counted_at >= $2 \
         GROUP BY u.id, u.display_name ORDER BY n DESC, u.id LIMIT $3",
    )
    .bind(city_id)
    .bind(since)
    .bind(TOP_BRINGERS)
    .fetch_all(&db.pool)
    .await
}

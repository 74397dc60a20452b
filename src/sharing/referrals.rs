//! Who brought whom, stored: referral codes, the registration a link brought, the count
//! once the new fan confirms their email, and what an account's deletion takes back.
//! The rules are `sharing::referral_rule` and `sharing::deletion_takes_back`.
use super::inbox;
use crate::infra::db::{Db, Tx};
use crate::infra::secrets::digest;
use rand::RngCore;

/// A new random code (32^10 of them: a clash is unlikely, and only means another try).
fn new_code() -> String {
    let mut bytes = [0u8; super::CODE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    super::code_from(bytes)
}

/// Gives a fan their code when their address is confirmed, so that the pages showing it
/// (the share box on every meetup page) only ever read it: a page view that wrote would
/// cost a commit for each fan's first look during a refresh storm. A clash with another
/// fan's code leaves them without one until `code_for` makes one.
pub async fn give_code(tx: &mut Tx, user_id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO referral_codes (user_id, code, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(user_id)
        .bind(new_code())
        .bind(now)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// Gives every verified fan without a code one (fans seeded in bulk; migration 0032 did
/// the same for accounts confirmed before codes were made on confirmation). The codes
/// are ten hexadecimal digits with 0 and 1 written g and h: within the code alphabet.
pub async fn give_codes_to_verified(tx: &mut Tx, dialect: crate::infra::dialect::Dialect, now: i64) -> Result<u64, sqlx::Error> {
    let code = match dialect {
        crate::infra::dialect::Dialect::Sqlite => "replace(replace(lower(hex(randomblob(5))), '0', 'g'), '1', 'h')",
        crate::infra::dialect::Dialect::Postgres => "translate(substr(md5(random()::text || u.id::text), 1, 10), '01', 'gh')",
    };
    let sql = format!(
        "INSERT INTO referral_codes (user_id, code, created_at) SELECT u.id, {code}, $1 FROM users u \
         WHERE u.email_verified_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM referral_codes r WHERE r.user_id = u.id) ON CONFLICT DO NOTHING"
    );
    sqlx::query(&sql).bind(now).execute(&mut **tx).await.map(|done| done.rows_affected())
}

/// The fan's referral code: given when their address was confirmed, made here for the
/// rare fan without one.
pub async fn code_for(db: &Db, user_id: i64, now: i64) -> Result<String, sqlx::Error> {
    let kept: Option<String> = sqlx::query_scalar("SELECT code FROM referral_codes WHERE user_id = $1").bind(user_id).fetch_optional(&db.pool).await?;
    if let Some(code) = kept {
        return Ok(code);
    }
    let mut tx = db.begin_write().await?;
    for _ in 0..4 {
        give_code(&mut tx, user_id, now).await?;
        let code: Option<String> = sqlx::query_scalar("SELECT code FROM referral_codes WHERE user_id = $1").bind(user_id).fetch_optional(&mut *tx).await?;
        if let Some(code) = code {
            tx.commit().await?;
            return Ok(code);
        }
    }
    Err(sqlx::Error::RowNotFound)
}

/// The verified fan whose code this is, if any.
pub async fn referrer(db: &Db, code: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT u.id FROM referral_codes r JOIN users u ON u.id = r.user_id WHERE r.code = $1 AND u.email_verified_at IS NOT NULL")
        .bind(code)
        .fetch_optional(&db.pool)
        .await
}

/// The stored name of an inbox: a digest salted with this install's own secret, so the
/// row a deleted account leaves behind does not give its address away to a guess.
async fn inbox_key(tx: &mut Tx, inbox: &str) -> Result<String, sqlx::Error> {
    sqlx::query("INSERT INTO settings (key, value) VALUES ('referral_salt', $1) ON CONFLICT (key) DO NOTHING")
        .bind(crate::infra::secrets::random_secret())
        .execute(&mut **tx)
        .await?;
    let salt: String = sqlx::query_scalar("SELECT value FROM settings WHERE key = 'referral_salt'").fetch_one(&mut **tx).await?;
    Ok(digest(&format!("{salt}:{inbox}")))
}

/// Whether another account (the referrer's included) has this inbox: an alias of an
/// existing account is never a new fan. `verified_only` when confirming: an alias
/// registered since by someone who cannot open the inbox must not take the count away.
async fn inbox_has_another_account(tx: &mut Tx, inbox: &str, fan_id: i64, verified_only: bool) -> Result<bool, sqlx::Error> {
    let verified = if verified_only { "AND email_verified_at IS NOT NULL" } else { "" };
    let sql = format!("SELECT id FROM users WHERE inbox = $1 AND id <> $2 {verified} LIMIT 1");
    let other: Option<i64> = sqlx::query_scalar(&sql).bind(inbox).bind(fan_id).fetch_optional(&mut **tx).await?;
    Ok(other.is_some())
}

/// At registration (in its transaction): notes that the link of the fan with `code`
/// brought the new account, if the rules let it count. `true` if noted.
pub async fn note_registration(tx: &mut Tx, fan_id: i64, fan_email: &str, arrival: Option<(String, i64)>, logged_in: bool, now: i64) -> Result<bool, sqlx::Error> {
    let Some((code, arrived_at)) = arrival else { return Ok(false) };
    let referrer: Option<(i64, String)> = sqlx::query_as(
        "SELECT u.id, u.email FROM referral_codes r JOIN users u ON u.id = r.user_id WHERE r.code = $1 AND u.email_verified_at IS NOT NULL",
    )
    .bind(&code)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((referrer_id, referrer_email)) = referrer else { return Ok(false) };
    let new_inbox = inbox::normalize(fan_email);
    if super::referral_rule(arrived_at, now, &inbox::normalize(&referrer_email), &new_inbox, logged_in).is_err()
        || referrer_id == fan_id
        || inbox_has_another_account(tx, &new_inbox, fan_id, false).await?
    {
        return Ok(false);
    }
    // One row per inbox ever: an alias of an inbox already brought does not count again.
    let key = inbox_key(tx, &new_inbox).await?;
    let noted = sqlx::query(
        "INSERT INTO referrals (referrer_id, fan_id, inbox, arrived_at, registered_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(referrer_id)
    .bind(fan_id)
    .bind(key)
    .bind(arrived_at)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(noted.rows_affected() == 1)
}

/// When the new fan confirms an address: from now on they count. The address confirmed
/// is the one checked (it may have been changed since registering): another account's
/// inbox (the referrer's included), or one already brought, withdraws the referral.
/// Returns the referrer to settle (their badges), once.
pub async fn count_confirmed(tx: &mut Tx, fan_id: i64, now: i64) -> Result<Option<i64>, sqlx::Error> {
    let row: Option<(i64, i64, String, String)> = sqlx::query_as(
        "SELECT r.id, r.referrer_id, r.inbox, u.email FROM referrals r JOIN users u ON u.id = r.fan_id \
         WHERE r.fan_id = $1 AND r.counted_at IS NULL AND r.withdrawn_at IS NULL",
    )
    .bind(fan_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((id, referrer, noted, email)) = row else { return Ok(None) };
    let inbox = inbox::normalize(&email);
    let key = inbox_key(tx, &inbox).await?;
    let mut counts = !inbox_has_another_account(tx, &inbox, fan_id, true).await?;
    if counts && key != noted {
        // Another registration may be noting this inbox right now: the unique index
        // decides, and losing is "brought already", not an error.
        sqlx::query("SAVEPOINT referral_inbox").execute(&mut **tx).await?;
        match sqlx::query("UPDATE referrals SET inbox = $1 WHERE id = $2").bind(&key).bind(id).execute(&mut **tx).await {
            Ok(_) => sqlx::query("RELEASE SAVEPOINT referral_inbox").execute(&mut **tx).await.map(|_| ())?,
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                sqlx::query("ROLLBACK TO SAVEPOINT referral_inbox").execute(&mut **tx).await?;
                counts = false;
            }
            Err(e) => return Err(e),
        }
    }
    if !counts {
        sqlx::query("UPDATE referrals SET withdrawn_at = $1 WHERE id = $2").bind(now).bind(id).execute(&mut **tx).await?;
        return Ok(None);
    }
    sqlx::query("UPDATE referrals SET counted_at = $1 WHERE id = $2").bind(now).bind(id).execute(&mut **tx).await?;
    Ok(Some(referrer))
}

/// Before an account is deleted: a registration younger than the grace period is
/// withdrawn (its inbox stays used: brought once is brought), and the bringer's badges
/// it alone earned are taken back with their points; an older one keeps counting (the
/// row loses its fan by `ON DELETE SET NULL`).
pub async fn forget_deleted(tx: &mut Tx, fan_id: i64, now: i64) -> Result<(), sqlx::Error> {
    let row: Option<(i64, i64)> = sqlx::query_as("SELECT referrer_id, registered_at FROM referrals WHERE fan_id = $1").bind(fan_id).fetch_optional(&mut **tx).await?;
    let Some((referrer, _)) = row.filter(|(_, registered_at)| super::deletion_takes_back(*registered_at, now)) else { return Ok(()) };
    crate::participation::awards::write_the_record_alone(tx).await?;
    sqlx::query("UPDATE referrals SET counted_at = NULL, withdrawn_at = $1 WHERE fan_id = $2").bind(now).bind(fan_id).execute(&mut **tx).await?;
    let brought: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM referrals WHERE referrer_id = $1 AND counted_at IS NOT NULL").bind(referrer).fetch_one(&mut **tx).await?;
    for (threshold, badge) in super::BRINGER_BADGES.iter().zip(crate::participation::badges::BRINGER_BADGE_KEYS) {
        if brought < *threshold {
            sqlx::query("DELETE FROM badges WHERE user_id = $1 AND badge = $2").bind(referrer).bind(badge).execute(&mut **tx).await?;
            sqlx::query("DELETE FROM points_ledger WHERE source_key = $1").bind(format!("badge:{referrer}:{badge}")).execute(&mut **tx).await?;
        }
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
         WHERE u.home_city_id = $1 AND u.public_profile = 1 AND u.email_verified_at IS NOT NULL AND r.counted_at >= $2 \
         GROUP BY u.id, u.display_name ORDER BY n DESC, u.id LIMIT $3",
    )
    .bind(city_id)
    .bind(since)
    .bind(TOP_BRINGERS)
    .fetch_all(&db.pool)
    .await
}

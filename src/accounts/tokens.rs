//! Single-use secrets sent by email (verification, password reset). Only their SHA-256
//! is stored, so a leaked database holds no usable link.
use crate::infra::db::Tx;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::ResetPassword => "reset_password",
        }
    }

    fn lifetime_secs(self) -> i64 {
        match self {
            Purpose::VerifyEmail => 7 * 24 * 3600,
            Purpose::ResetPassword => 3600,
        }
    }
}

pub use crate::infra::secrets::{digest, random_secret};

/// Makes a new secret for `user_id` and returns it (to put in the emailed link).
pub async fn issue(tx: &mut Tx, user_id: i64, purpose: Purpose, now: i64) -> Result<String, sqlx::Error> {
    let secret = random_secret();
    sqlx::query("INSERT INTO tokens (token_hash, user_id, purpose, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(digest(&secret))
        .bind(user_id)
        .bind(purpose.as_str())
        .bind(now + purpose.lifetime_secs())
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(secret)
}

/// Uses up a secret: the user it belongs to, if it is known, unused and unexpired.
pub async fn consume(tx: &mut Tx, secret: &str, purpose: Purpose, now: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE tokens SET used_at = $1 \
         WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1 \
         RETURNING user_id",
    )
    .bind(now)
    .bind(digest(secret.trim()))
    .bind(purpose.as_str())
    .fetch_optional(&mut **tx)
    .await
}

/// Whether a secret is usable now, without using it up (so a password is hashed only
/// for a link that works).
pub async fn is_usable(db: &crate::infra::db::Db, secret: &str, purpose: Purpose, now: i64) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar("SELECT user_id FROM tokens WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3")
        .bind(digest(secret.trim()))
        .bind(purpose.as_str())
        .bind(now)
        .fetch_optional(&db.pool)
        .await?;
    Ok(found.is_some())
}

/// Uses up every outstanding secret of one purpose for `user_id`.
pub async fn revoke_all(tx: &mut Tx, user_id: i64, purpose: Purpose, now: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("UPDATE tokens SET used_at = $1 WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL")
        .bind(now)
        .bind(user_id)
        .bind(purpose.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_is_hex_sha256() {
        assert_eq!(digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}

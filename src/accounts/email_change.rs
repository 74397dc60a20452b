//! Moving an account to another email address while logged in. The fan types the new
//! address and their password; a link goes to the new address and a notice to the old
//! one. Until the link is used the old address stays in use (log-in, mail); using it
//! switches, unless the address has meanwhile become another account's.
use crate::error::AppError;
use leptos::prelude::*;

/// Asks to move the account to `new_email`; returns the address the link went to. An
/// address that already has an account gets a note instead of a link, and the answer
/// here is the same.
#[server(endpoint = "request_email_change")]
pub async fn request_email_change(new_email: String, password: String) -> Result<String, AppError> {
    use crate::accounts::{emails, repo, Email, TypedPassword};
    use crate::email::outbox;
    use crate::infra::rate_limit::Limit;
    let state = crate::infra::request::state()?;
    let user = crate::accounts::auth::require_user().await?;
    let new_email = Email::parse(&new_email).map_err(|m| AppError::field("new_email", m))?;
    let password = TypedPassword::parse(&password).map_err(|m| AppError::field("password", m))?;
    if !crate::accounts::auth::password_matches(&user, &password).await? {
        return Err(AppError::field("password", crate::msg!(errors.wrong_password)));
    }
    if new_email.as_str() == user.email {
        return Err(AppError::field("new_email", crate::msg!(errors.email_same)));
    }
    // Every request mails two addresses.
    state.rate_limits.check(&state.db, Limit::EmailChange, &[format!("user:{}", user.id)]).await?;
    // Many accounts asking for one address would flood its inbox: 5 an hour, as the
    // sign-in forms' mail (`api::mail_allowed`).
    let may_mail = super::api::mail_allowed(&state, new_email.as_str()).await?;
    let now = crate::infra::clock::now();
    let secret = crate::infra::secrets::random_secret();
    let base = &state.config.public_url;
    let mut tx = state.db.begin_write().await?;
    let me = repo::contact(&mut tx, user.id).await?.ok_or(AppError::Unauthorized)?;
    start(&mut tx, user.id, &me.email, new_email.as_str(), &secret, now).await?;
    let taken = repo::find_by_email(&mut tx, &new_email).await?.is_some();
    if may_mail && taken {
        outbox::enqueue(&mut tx, &emails::address_taken(base, new_email.as_str(), &secret), now).await?;
    } else if may_mail {
        let link = emails::confirm_new_address(me.locale, base, new_email.as_str(), &me.display_name, &secret);
        outbox::enqueue(&mut tx, &link, now).await?;
    }
    let notice = emails::change_requested(me.locale, base, &me.email, &me.display_name, new_email.as_str(), &secret);
    outbox::enqueue(&mut tx, &notice, now).await?;
    tx.commit().await?;
    Ok(new_email.as_str().to_string())
}

/// Uses the link sent to the new address (from its page's button): the account moves to
/// it, counting it as confirmed. Returns the new address.
#[server(endpoint = "confirm_email_change")]
pub async fn confirm_email_change(token: String) -> Result<String, AppError> {
    use crate::accounts::tokens::{self, Purpose};
    let state = crate::infra::request::state()?;
    let now = crate::infra::clock::now();
    let mut tx = state.db.begin_write().await?;
    let (user_id, new_email) = match finish(&mut tx, &token, now).await? {
        Switched::Done { user_id, new_email } => (user_id, new_email),
        Switched::Taken => return Err(AppError::field("new_email", crate::msg!(errors.email_taken_meanwhile))),
        Switched::InvalidLink => return Err(AppError::InvalidLink),
    };
    // Confirmed for the first time? As when the first link is used.
    crate::accounts::api::ssr::confirm_first_address(&mut tx, user_id, now, &state.config.public_url).await?;
    // Links mailed to the old address stop working.
    tokens::revoke_all(&mut tx, user_id, Purpose::VerifyEmail, now).await?;
    tokens::revoke_all(&mut tx, user_id, Purpose::ResetPassword, now).await?;
    tx.commit().await?;
    Ok(new_email)
}

/// What using a link to a new address did.
#[cfg(feature = "ssr")]
pub enum Switched {
    Done { user_id: i64, new_email: String },
    /// The address became another account's after the link was sent.
    Taken,
    /// Unknown, used, replaced by a newer request, or expired.
    InvalidLink,
}

/// How long the link to the new address works.
#[cfg(feature = "ssr")]
const LINK_LIFETIME_SECS: i64 = 24 * 3600;

/// Records a request (the older ones' links stop working).
#[cfg(feature = "ssr")]
async fn start(tx: &mut crate::infra::db::Tx, user_id: i64, old: &str, new: &str, secret: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE email_changes SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL").bind(now).bind(user_id).execute(&mut **tx).await?;
    sqlx::query(
        "INSERT INTO email_changes (token_hash, user_id, old_email, new_email, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(crate::infra::secrets::digest(secret))
    .bind(user_id)
    .bind(old)
    .bind(new)
    .bind(now + LINK_LIFETIME_SECS)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Uses a link: moves its account to the new address, if the account still has the
/// address the change started from and no other account has taken the new one.
#[cfg(feature = "ssr")]
async fn finish(tx: &mut crate::infra::db::Tx, secret: &str, now: i64) -> Result<Switched, sqlx::Error> {
    let change: Option<(i64, String, String)> = sqlx::query_as(
        "UPDATE email_changes SET used_at = $1, confirmed_at = $1 \
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id, old_email, new_email",
    )
    .bind(now)
    .bind(crate::infra::secrets::digest(secret.trim()))
    .fetch_optional(&mut **tx)
    .await?;
    let Some((user_id, old, new)) = change else {
        return Ok(Switched::InvalidLink);
    };
    let holder: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(&new).fetch_optional(&mut **tx).await?;
    if holder.is_some() {
        return Ok(Switched::Taken);
    }
    let moved = sqlx::query("UPDATE users SET email = $1, updated_at = $2, inbox = $5 WHERE id = $3 AND email = $4")
        .bind(&new)
        .bind(now)
        .bind(user_id)
        .bind(&old)
        .bind(crate::sharing::inbox::normalize(&new))
        .execute(&mut **tx)
        .await;
    match moved {
        Ok(done) if done.rows_affected() == 1 => Ok(Switched::Done { user_id, new_email: new }),
        Ok(_) => Ok(Switched::InvalidLink),
        // Another account took the address between the check and the update.
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(Switched::Taken),
        Err(e) => Err(e),
    }
}

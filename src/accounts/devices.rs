//! A logged-in fan's sign-in security: changing the password (which logs out every other
//! device) and logging out the other devices alone. The current browser stays logged in.
use crate::error::AppError;
use leptos::prelude::*;

/// Ends every session of the account but the current one: the account's session version
/// moves on, and only this session learns the new one.
#[cfg(feature = "ssr")]
async fn keep_only_this_session(tx: crate::infra::db::Tx, new_version: i64) -> Result<(), AppError> {
    tx.commit().await?;
    crate::infra::request::session().await?.insert(crate::infra::request::SESSION_VERSION, new_version).await?;
    Ok(())
}

#[server(endpoint = "change_password")]
pub async fn change_password(current_password: String, new_password: String) -> Result<(), AppError> {
    use crate::accounts::{password, repo, NewPassword, TypedPassword};
    let state = crate::infra::request::state()?;
    let user = crate::accounts::auth::require_user().await?;
    let current = TypedPassword::parse(&current_password).map_err(|m| AppError::field("current_password", m))?;
    if !crate::accounts::auth::password_matches(&user, &current).await? {
        return Err(AppError::field("current_password", crate::msg!(errors.wrong_current_password)));
    }
    let new = NewPassword::parse(&new_password).map_err(|m| AppError::field("new_password", m))?;
    let hash = password::hash(new.expose().to_string()).await?;
    let mut tx = state.db.begin_write().await?;
    repo::set_password(&mut tx, user.id, &hash, crate::infra::clock::now()).await?;
    let version = repo::session_version(&mut tx, user.id).await?;
    keep_only_this_session(tx, version).await
}

#[server(endpoint = "log_out_other_devices")]
pub async fn log_out_other_devices() -> Result<(), AppError> {
    let state = crate::infra::request::state()?;
    let user = crate::accounts::auth::require_user().await?;
    let mut tx = state.db.begin_write().await?;
    let version = crate::accounts::repo::end_sessions(&mut tx, user.id).await?;
    keep_only_this_session(tx, version).await
}

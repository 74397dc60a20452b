//! What a fan controls about their own data: downloading it and deleting the account.
//! It spans domains (places pass on to fans waiting, mail and logs forget the fan, the
//! account goes), so it sits above them.
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub mod addresses;
#[cfg(feature = "ssr")]
pub mod erase;
#[cfg(feature = "ssr")]
pub mod export;

/// Where the account page's download link points.
pub const EXPORT_PATH: &str = "/account/export.json";

/// Deletes the account after checking the password, with the confirmation box ticked;
/// the fan stops counting at once.
#[server(endpoint = "delete_account")]
pub async fn delete_account(password: String, confirm: Option<String>) -> Result<(), AppError> {
    use crate::accounts::auth::{password_matches, require_user};
    use crate::accounts::{repo, TypedPassword};
    use crate::infra::request::session;
    let user = require_user().await?;
    // Both mistakes in one answer; the password is checked (which counts against the
    // account's allowance) only once the box is ticked.
    let password = TypedPassword::parse(&password);
    let mut errors = crate::error::FieldErrors::default();
    if let Err(message) = &password {
        errors.add("delete_password", message.clone());
    }
    crate::infra::form::confirmed(&mut errors, confirm.as_deref());
    errors.into_result()?;
    let password = password.map_err(|m| AppError::field("delete_password", m))?;
    if !password_matches(&user, &password).await? {
        return Err(AppError::field("delete_password", crate::msg!(errors.wrong_password)));
    }
    let mut tx = crate::meetups::engine::Events::current()?.begin().await?;
    // Withdrawing a referral below may take back badges: the record's lock comes first,
    // in the order every writer of badges takes it (before any event's row).
    crate::participation::awards::write_the_record_alone(&mut tx).await?;
    // Seats at events to come pass to the next fans waiting before the account goes.
    crate::meetups::engine::leave_upcoming_events(&mut tx, user.id).await?;
    // Then their address and words go from mail, logs and sessions; then the account.
    erase::forget(&mut tx, user.id).await?;
    // A registration a fan's link brought, deleted within 7 days, never counted for them.
    crate::sharing::referrals::forget_deleted(&mut tx, user.id, crate::infra::clock::now()).await?;
    repo::delete_user(&mut tx, user.id).await?;
    tx.commit().await?;
    session().await?.flush().await?;
    leptos_axum::redirect("/?deleted=1");
    Ok(())
}

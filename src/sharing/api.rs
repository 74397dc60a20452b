//! Server functions of sharing: the reader's referral code for their links.
use crate::error::AppError;
use leptos::prelude::*;

/// The logged-in fan's referral code (made on first use); nothing for visitors, nor
/// before the fan has confirmed their email (only verified fans bring fans).
#[server(endpoint = "load_referral_code")]
pub async fn load_referral_code() -> Result<Option<String>, AppError> {
    let Some(user) = crate::accounts::auth::current_user().await?.filter(|u| u.email_verified) else { return Ok(None) };
    let state = crate::infra::request::state()?;
    Ok(Some(super::referrals::code_for(&state.db, user.id, crate::infra::clock::now()).await?))
}

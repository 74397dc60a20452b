//! Server functions of sharing: the reader's referral code for their links.
use crate::error::AppError;
use leptos::prelude::*;

/// The logged-in fan's referral code (made on first use); nothing for visitors, nor
/// before the fan has confirmed their email (only verified fans bring fans).
#[server(endpoint = "load_referral_code")]
pub async fn load_referral_code() -> Result<Option<String>, AppError> {
    let Some(user) = crate::accounts::auth::current_user().await?.filter(|u| u.email_verified) else { return Ok(None) };
    let state = crate::infra::request::state()?;
    // Once per page: Leptos runs a component under `Suspense` more than once on the
    // server, and each run's share box asks.
    let read = || async { super::referrals::code_for(&state.db, user.id, crate::infra::clock::now()).await.map(ReferralCode) };
    Ok(Some(crate::infra::request::PageReads::once(user.id, read).await?.0))
}

/// A fan's code, as a page read keeps it (its own type: reads are kept by type and key).
#[cfg(feature = "ssr")]
#[derive(Clone)]
struct ReferralCode(String);

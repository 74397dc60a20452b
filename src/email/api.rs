//! Server functions for the local mailbox: without SMTP, the site keeps its mail here.
//! It is a development aid: with `SMTP_URL` set it is off; staff see every message with
//! its one-time links hidden, everyone else only their own messages, links included.
use super::{MailMessage, MailSummary};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
async fn reader() -> Result<(crate::infra::state::AppState, crate::accounts::CurrentUser), AppError> {
    let state = crate::infra::request::state()?;
    let user = crate::accounts::auth::require_user().await?;
    if state.config.smtp_url.is_some() {
        return Err(AppError::MailboxOff);
    }
    Ok((state, user))
}

#[server(endpoint = "mailbox")]
pub async fn mailbox(recipient: Option<String>) -> Result<Vec<MailSummary>, AppError> {
    let (state, user) = reader().await?;
    let recipient = match user.role.is_staff() {
        true => recipient.map(|r| r.trim().to_lowercase()).filter(|r| !r.is_empty()),
        false => Some(user.email),
    };
    Ok(super::outbox::recent(&state.db, recipient.as_deref(), 200).await?)
}

#[server(endpoint = "mailbox_message")]
pub async fn mailbox_message(id: i64) -> Result<MailMessage, AppError> {
    let (state, user) = reader().await?;
    let mut message = super::outbox::message(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if message.summary.recipient != user.email {
        if !user.role.is_staff() {
            return Err(AppError::NotFound);
        }
        message.body_text = super::retention::mask_secrets(&message.body_text);
    }
    Ok(message)
}

/// Messages that could not be delivered (permanent failures, or out of attempts).
#[server(endpoint = "failed_mail")]
pub async fn failed_mail() -> Result<Vec<super::FailedMail>, AppError> {
    use crate::infra::request::state;
use crate::accounts::auth::require_staff;
    require_staff().await?;
    Ok(super::outbox::failed(&state()?.db, 200).await?)
}

/// Sends a failed message again (e.g. once the address or the mail server is fixed).
#[server(endpoint = "retry_mail")]
pub async fn retry_mail(id: i64) -> Result<(), AppError> {
    use crate::infra::request::state;
use crate::accounts::auth::require_staff;
    require_staff().await?;
    let state = state()?;
    if !super::outbox::retry_failed(&state.db, id, crate::infra::clock::now()).await? {
        return Err(AppError::field("retry", crate::msg!(errors.not_waiting_retry)));
    }
    Ok(())
}

//! Server functions for the staff mailbox.
use super::{MailMessage, MailSummary};
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "mailbox")]
pub async fn mailbox(recipient: Option<String>) -> Result<Vec<MailSummary>, AppError> {
    use crate::server::request::{require_staff, state};
    require_staff().await?;
    let recipient = recipient.map(|r| r.trim().to_lowercase()).filter(|r| !r.is_empty());
    Ok(super::outbox::recent(&state()?.db, recipient.as_deref(), 200).await?)
}

#[server(endpoint = "mailbox_message")]
pub async fn mailbox_message(id: i64) -> Result<MailMessage, AppError> {
    use crate::server::request::{require_staff, state};
    require_staff().await?;
    super::outbox::message(&state()?.db, id).await?.ok_or(AppError::NotFound)
}

/// Messages that could not be delivered (permanent failures, or out of attempts).
#[server(endpoint = "failed_mail")]
pub async fn failed_mail() -> Result<Vec<super::FailedMail>, AppError> {
    use crate::server::request::{require_staff, state};
    require_staff().await?;
    Ok(super::outbox::failed(&state()?.db, 200).await?)
}

/// Sends a failed message again (e.g. once the address or the mail server is fixed).
#[server(endpoint = "retry_mail")]
pub async fn retry_mail(id: i64) -> Result<(), AppError> {
    use crate::server::request::{require_staff, state};
    require_staff().await?;
    let state = state()?;
    if !super::outbox::retry_failed(&state.db, id, crate::server::clock::now()).await? {
        return Err(AppError::field("retry", "This message is not waiting for a retry."));
    }
    state.mail_waiting.notify_one();
    Ok(())
}

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

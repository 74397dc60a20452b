//! Officers write to their club: one email to every member and follower who wants
//! club mail, in their language for the frame and the message as written, at most
//! `MESSAGES_PER_WEEK` a week per club. Every message is kept (`club_messages`): staff
//! and the club's officers see what was sent, by whom, to how many.
use crate::error::AppError;
use leptos::prelude::*;

/// Sends a message to the club's members and followers; returns how many it reached.
#[server(endpoint = "message_club_members")]
pub async fn message_club_members(city: i64, subject: String, body: String) -> Result<u64, AppError> {
    let user = crate::accounts::auth::require_user().await?;
    let state = crate::infra::request::state()?;
    let mut errors = crate::error::FieldErrors::default();
    let subject = crate::infra::form::text(&mut errors, "subject", &subject, 120, true);
    let body = crate::infra::form::multiline(&mut errors, "body", &body, 5000, true);
    errors.into_result()?;
    let now = crate::infra::clock::now();
    let names = crate::clubs::api::club_names(city)?;
    let mut tx = state.db.begin_write().await?;
    let role = if user.role.is_staff() { None } else { Some(super::officers::require(&mut tx, city, user.id, now).await?) };
    if super::repo::messages_this_week(&mut tx, city, now).await? >= super::MESSAGES_PER_WEEK {
        return Err(AppError::field("body", crate::msg!(clubs.errors.messages_per_week, count = super::MESSAGES_PER_WEEK)));
    }
    let id = super::repo::insert_message(&mut tx, city, (user.id, &user.display_name), &subject, &body, now).await?;
    let mail = letter(&names, role, &user.display_name, &subject, &body, &state.config.public_url, city);
    let key = format!("club_message:{id}:");
    let reached = crate::email::copies::enqueue_copies(&mut tx, &mail, &key, "u.id", super::repo::MEMBERS, &[city], now).await?;
    super::repo::set_message_recipients(&mut tx, id, reached).await?;
    tx.commit().await?;
    Ok(reached)
}

#[cfg(feature = "ssr")]
fn letter(names: &(String, String), role: Option<super::OfficerRole>, author: &str, subject: &str, body: &str, base: &str, city: i64) -> crate::email::templates::Localized {
    use crate::email::templates::{self, Body, Localized};
    use crate::i18n::td_string;
    let url = format!("{base}/clubs/{city}");
    Localized::build(|l| {
        let club = td_string!(l, clubs.title, city = crate::language::city_name(l, &names.0, &names.1)).to_string();
        let from = match role {
            Some(role) => td_string!(l, clubs.message.from_officer, name = author, role = role.label(l), club = club.as_str()).to_string(),
            None => td_string!(l, clubs.message.from_staff, name = author, club = club.as_str()).to_string(),
        };
        let body = Body { greeting: td_string!(l, email.hello).to_string(), paragraphs: vec![from, body.to_string()], link: Some((td_string!(l, clubs.digest.button), &url)) };
        let mail = templates::message(l, "club_message", String::new(), "", format!("[{club}] {subject}"), &body);
        templates::unsubscribable_copy(mail, l, base)
    })
}

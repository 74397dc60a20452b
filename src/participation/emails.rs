//! The email announcing a new badge, once per fan and badge, in the fan's language.
use super::Badge;
use crate::email::templates::{message, Body};
use crate::i18n::td_string;
use crate::infra::db::Tx;

pub async fn queue_badge_email(tx: &mut Tx, user_id: i64, badge: Badge, now: i64, base_url: &str) -> Result<bool, sqlx::Error> {
    let fan: Option<(String, String, String)> = sqlx::query_as("SELECT email, display_name, locale FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut **tx)
        .await?;
    let Some((to, name, tag)) = fan else { return Ok(false) };
    let l = crate::language::locale_from_tag(&tag);
    let url = format!("{base_url}/fans/{user_id}");
    let body = Body {
        greeting: td_string!(l, email.hello_name, name = &name).to_string(),
        paragraphs: vec![
            td_string!(l, participation.email.earned, badge = badge.name(l)).to_string(),
            badge.about(l).to_string(),
        ],
        link: Some((td_string!(l, participation.email.button), &url)),
    };
    let subject = td_string!(l, participation.email.subject, badge = badge.name(l)).to_string();
    let mail = message(l, "badge", super::points::badge_key(user_id, badge), &to, subject, &body);
    crate::email::outbox::enqueue(tx, &mail, now).await
}

//! The email announcing a new badge, once per fan and badge, in the fan's language.
use super::Badge;
use crate::email::templates::{message, Body};
use crate::email::OutgoingEmail;
use crate::i18n::td_string;
use crate::infra::db::Tx;
use std::collections::HashMap;

/// Fans read by one statement (one bind each; see `awards::AWARDS_PER_STATEMENT`).
const FANS_PER_STATEMENT: usize = 100;

/// Queues the emails of newly awarded badges `(fan, badge)`: the fans are read and the
/// messages queued a chunk at a time, not one statement per badge (a backfill awards
/// millions). Badge mail is bulk mail: it carries the fan's unsubscribe link and skips
/// fans who unsubscribed (the badge is theirs all the same). Returns how many were queued.
pub async fn queue_badge_emails(tx: &mut Tx, awarded: &[(i64, Badge)], now: i64, base_url: &str) -> Result<u64, sqlx::Error> {
    if awarded.is_empty() {
        return Ok(0);
    }
    crate::accounts::unsubscribe::ensure_tokens(tx).await?;
    let mut queued = 0;
    for chunk in awarded.chunks(FANS_PER_STATEMENT) {
        let mut ids: Vec<i64> = chunk.iter().map(|(user, _)| *user).collect();
        ids.sort_unstable();
        ids.dedup();
        let binds: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT id, email, display_name, locale, COALESCE(unsubscribe_token, '') FROM users WHERE wants_invitations = 1 AND id IN ({})",
            binds.join(", ")
        );
        let mut query = sqlx::query_as::<_, (i64, String, String, String, String)>(&sql);
        for id in &ids {
            query = query.bind(*id);
        }
        let fans: HashMap<i64, Fan> = query
            .fetch_all(&mut **tx)
            .await?
            .into_iter()
            .map(|(id, to, name, tag, unsubscribe)| (id, Fan { id, to, name, tag, unsubscribe }))
            .collect();
        let mails: Vec<OutgoingEmail> = chunk.iter().filter_map(|(user, badge)| fans.get(user).map(|fan| badge_email(fan, *badge, base_url))).collect();
        queued += crate::email::outbox::enqueue_all(tx, &mails, now).await?;
    }
    Ok(queued)
}

/// A fan to tell: address, name, language, unsubscribe secret.
struct Fan {
    id: i64,
    to: String,
    name: String,
    tag: String,
    unsubscribe: String,
}

fn badge_email(fan: &Fan, badge: Badge, base_url: &str) -> OutgoingEmail {
    let (user_id, name) = (fan.id, fan.name.as_str());
    let l = crate::language::locale_from_tag(&fan.tag);
    let url = format!("{base_url}/fans/{user_id}");
    let body = Body {
        greeting: td_string!(l, email.hello_name, name = name).to_string(),
        paragraphs: vec![
            td_string!(l, participation.email.earned, badge = badge.name(l)).to_string(),
            badge.about(l).to_string(),
        ],
        link: Some((td_string!(l, participation.email.button), &url)),
    };
    let subject = td_string!(l, participation.email.subject, badge = badge.name(l)).to_string();
    let mail = message(l, "badge", super::points::badge_key(user_id, badge), &fan.to, subject, &body);
    crate::email::templates::unsubscribable(mail, l, &crate::accounts::unsubscribe::url(base_url, &fan.unsubscribe))
}

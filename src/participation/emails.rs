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
/// millions). Returns how many were queued.
pub async fn queue_badge_emails(tx: &mut Tx, awarded: &[(i64, Badge)], now: i64, base_url: &str) -> Result<u64, sqlx::Error> {
    let mut queued = 0;
    for chunk in awarded.chunks(FANS_PER_STATEMENT) {
        let mut ids: Vec<i64> = chunk.iter().map(|(user, _)| *user).collect();
        ids.sort_unstable();
        ids.dedup();
        let binds: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!("SELECT id, email, display_name, locale FROM users WHERE id IN ({})", binds.join(", "));
        let mut query = sqlx::query_as::<_, (i64, String, String, String)>(&sql);
        for id in &ids {
            query = query.bind(*id);
        }
        let fans: HashMap<i64, (String, String, String)> =
            query.fetch_all(&mut **tx).await?.into_iter().map(|(id, to, name, tag)| (id, (to, name, tag))).collect();
        let mails: Vec<OutgoingEmail> = chunk
            .iter()
            .filter_map(|(user, badge)| fans.get(user).map(|(to, name, tag)| badge_email(*user, *badge, to, name, tag, base_url)))
            .collect();
        queued += crate::email::outbox::enqueue_all(tx, &mails, now).await?;
    }
    Ok(queued)
}

fn badge_email(user_id: i64, badge: Badge, to: &str, name: &str, tag: &str, base_url: &str) -> OutgoingEmail {
    let l = crate::language::locale_from_tag(tag);
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
    message(l, "badge", super::points::badge_key(user_id, badge), to, subject, &body)
}

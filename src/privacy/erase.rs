//! What deleting an account removes beyond its row (whose foreign keys remove or unsign
//! the rest): the fan's address and words wherever else they were written down. Counts
//! stay: the outbox keeps one row per message sent (kind, meetup, status, times), logs
//! keep their entries, questions, reports and club posts stay, unsigned, and so do the
//! places, attendance, ratings and votes of events that had started (migration 0020).
use super::addresses::{self, like_literal};
use crate::infra::db::Tx;

use crate::email::outbox::ERASED_RECIPIENT;

/// What logs show instead of a deleted fan's name.
pub const DELETED_NAME: &str = "—";

/// For mail whose words go with its author: what was not sent yet never will be (sent
/// empty it would tell its readers nothing), and it is not offered for another try.
const UNSENT_GOES_NOWHERE: &str = "last_error = CASE WHEN status = 'pending' THEN 'its author deleted their account' ELSE last_error END, \
     status = CASE WHEN status = 'pending' THEN 'failed' ELSE status END";

/// Anonymises everything about `user_id` outside its own rows; run in the deleting
/// transaction, before the account's row goes.
pub async fn forget(tx: &mut Tx, user_id: i64) -> Result<(), sqlx::Error> {
    let held = addresses::held(tx, user_id).await?;
    if held.is_empty() {
        return Ok(());
    }
    // Mail to the fan: no address, subject, words or attachments; mail not sent yet
    // never will be.
    let sql = format!(
        "UPDATE outbox SET recipient = '{ERASED_RECIPIENT}', subject = '', body_text = '', body_html = '', attachments = '[]', \
         list_unsubscribe = NULL, idempotency_key = 'deleted:' || CAST(id AS TEXT), \
         last_error = CASE WHEN status = 'pending' THEN 'the recipient deleted their account' ELSE last_error END, \
         status = CASE WHEN status = 'pending' THEN 'failed' ELSE status END \
         WHERE {}",
        addresses::mail_condition(&held)
    );
    addresses::bind_held(sqlx::query(&sql), user_id, &held).execute(&mut **tx).await?;
    // Mail to others that quotes the fan: their messages as an organizer.
    sqlx::query(&format!(
        "UPDATE outbox SET body_text = '', body_html = '', {UNSENT_GOES_NOWHERE} \
         WHERE kind = 'organizer_message' AND event_id IN (SELECT id FROM events WHERE organizer_id = $1)"
    ))
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    forget_in_clubs(tx, user_id).await?;
    // Lucky draws the fan won keep the draw, not the name.
    sqlx::query(&format!("UPDATE live_draws SET winner_name = '{DELETED_NAME}' WHERE winner_id = $1")).bind(user_id).execute(&mut **tx).await?;
    // A door's verdicts that name the fan ("… already in: 19:02 at door A").
    sqlx::query("UPDATE door_scans SET message = '' WHERE registration_id IN (SELECT id FROM registrations WHERE user_id = $1)").bind(user_id).execute(&mut **tx).await?;
    // Logs that name the fan (as the one picked, or as the one acting), and their club
    // posts and messages (after `forget_in_clubs` found the digests quoting the name).
    for (table, name, id) in [
        ("club_news", "author_name", "author_id"),
        ("club_messages", "author_name", "author_id"),
        ("admission_log", "fan_name", "fan_id"),
        ("admission_log", "actor_name", "actor_id"),
        ("moderation_log", "staff_name", "staff_id"),
        ("host_decisions", "decided_by_name", "decided_by"),
    ] {
        let sql = format!("UPDATE {table} SET {name} = '{DELETED_NAME}' WHERE {id} = $1");
        sqlx::query(&sql).bind(user_id).execute(&mut **tx).await?;
    }
    // The account's own sessions (every session stored since 0030 names its user).
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut **tx).await?;
    for address in &held {
        let literal = like_literal(&address.email);
        // Browsers' sessions that remember the address (one that registered it).
        sqlx::query("DELETE FROM sessions WHERE data LIKE $1 ESCAPE '\\'").bind(format!("%{literal}%")).execute(&mut **tx).await?;
        // Rate-limit counts kept under the address (`kind:address`, or `kind:address|client`).
        sqlx::query("DELETE FROM rate_limit_hits WHERE limit_key LIKE $1 ESCAPE '\\' OR limit_key LIKE $2 ESCAPE '\\'")
            .bind(format!("%:{literal}"))
            .bind(format!("%:{literal}|%"))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// What the fan did as a club's officer stays (the club's record), unsigned: the log of
/// their appointment loses their name (their posts and messages too, in `forget`), the
/// mail that carried their messages loses its words (as an organizer's), and the weekly
/// digests sent with their posts lose theirs where they name them. A digest still waiting to go is left as it is: it
/// carries other clubs' news too, and all mail loses its words after `MAIL_RETENTION_DAYS`.
async fn forget_in_clubs(tx: &mut Tx, user_id: i64) -> Result<(), sqlx::Error> {
    let digested: Vec<(String, String)> = sqlx::query_as("SELECT DISTINCT digest_week, author_name FROM club_news WHERE author_id = $1 AND digest_week IS NOT NULL")
        .bind(user_id)
        .fetch_all(&mut **tx)
        .await?;
    for (week, name) in digested {
        sqlx::query(
            "UPDATE outbox SET body_text = '', body_html = '' WHERE kind = 'club_digest' AND status <> 'pending' \
             AND idempotency_key LIKE $1 ESCAPE '\\' AND body_text LIKE $2 ESCAPE '\\'",
        )
        .bind(format!("digest:{}:%", like_literal(&week)))
        .bind(format!("%{}%", like_literal(&name)))
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query(&format!(
        "UPDATE outbox SET body_text = '', body_html = '', {UNSENT_GOES_NOWHERE} WHERE kind = 'club_message' \
         AND EXISTS (SELECT 1 FROM club_messages m WHERE m.author_id = $1 AND outbox.idempotency_key LIKE 'club_message:' || CAST(m.id AS TEXT) || ':%')"
    ))
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    // The club's log names whom staff appointed (`appoint {role} {name}`).
    let appointed = format!(
        "UPDATE moderation_log SET action = (SELECT 'appoint ' || o.role || ' {DELETED_NAME}' FROM club_officers o WHERE o.id = moderation_log.subject_id) \
         WHERE subject = 'officer' AND action LIKE 'appoint %' AND subject_id IN (SELECT id FROM club_officers WHERE user_id = $1)"
    );
    sqlx::query(&appointed).bind(user_id).execute(&mut **tx).await?;
    Ok(())
}

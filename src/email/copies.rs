//! Mail copied per recipient in SQL: one statement queues a message for every fan a
//! `FROM … WHERE …` clause finds (a city's fans, a meetup's attendees), in each fan's
//! language. Bulk mail (invitations, draw results) carries each fan's own unsubscribe
//! link, filled in by the same statement, and skips the fans who unsubscribed.
use super::outbox::{attachments_json, Letter, INSERT_COLUMNS};
use super::templates::{Localized, UNSUBSCRIBE_TOKEN};
use super::OutgoingEmail;
use crate::i18n::Locale;
use crate::infra::db::Tx;
use leptos_i18n::Locale as _;

/// Queues one copy of `mail` per recipient. `from_where` is a `FROM … WHERE …` clause
/// exposing the user as `u` and ending with its conditions (a condition on the user's
/// language is appended when the mail is in every language: one statement per language);
/// `id_column` makes each copy's idempotency key unique; `binds` fill `$1…` of
/// `from_where`. Returns how many were queued.
pub async fn enqueue_copies<'a>(
    tx: &mut Tx,
    mail: impl Into<Letter<'a>>,
    key_prefix: &str,
    id_column: &str,
    from_where: &str,
    binds: &[i64],
    now: i64,
) -> Result<u64, sqlx::Error> {
    let mut queued = 0;
    match mail.into() {
        Letter::One(mail) => queued += insert_copies(tx, mail, key_prefix, id_column, None, from_where, binds, now).await?,
        Letter::Every(every) => {
            for (locale, mail) in every.copies() {
                let from_where = format!("{from_where} AND {}", language_condition(*locale));
                queued += insert_copies(tx, mail, key_prefix, id_column, None, &from_where, binds, now).await?;
            }
        }
    }
    tx.queued_mail();
    Ok(queued)
}

/// Where a numbered copy's number goes in its subject and texts; random per process,
/// like `UNSUBSCRIBE_TOKEN`, so no text written by a user can name it.
pub static NUMBER: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| super::templates::placeholder("number"));

/// Like `enqueue_copies` with a mail in every language, each copy with its own number:
/// `NUMBER` in the subject and texts becomes `number_sql` (an integer expression over the
/// `from_where` tables), e.g. a place on a waiting list.
#[allow(clippy::too_many_arguments)]
pub async fn enqueue_numbered_copies(
    tx: &mut Tx,
    mail: &Localized,
    key_prefix: &str,
    id_column: &str,
    number_sql: &str,
    from_where: &str,
    binds: &[i64],
    now: i64,
) -> Result<u64, sqlx::Error> {
    let mut queued = 0;
    for (locale, copy) in mail.copies() {
        let from_where = format!("{from_where} AND {}", language_condition(*locale));
        queued += insert_copies(tx, copy, key_prefix, id_column, Some(number_sql), &from_where, binds, now).await?;
    }
    tx.queued_mail();
    Ok(queued)
}

/// The users who read `locale`: those who chose it, and for the default language also
/// those whose stored language is one we do not have.
fn language_condition(locale: Locale) -> String {
    // Tags come from the catalogue ("zh-CN", "en"), never from users.
    let quoted = |l: &Locale| format!("'{}'", l.as_str());
    if locale == Locale::default() {
        let others: Vec<String> = Locale::get_all().iter().filter(|l| **l != locale).map(quoted).collect();
        if others.is_empty() {
            return "1 = 1".into();
        }
        format!("u.locale NOT IN ({})", others.join(", "))
    } else {
        format!("u.locale = {}", quoted(&locale))
    }
}

/// Inserts one copy of `mail` per recipient of `from_where`. Bulk mail (one with a
/// `list_unsubscribe`) gets each fan's link secret in place of `UNSUBSCRIBE_TOKEN`, and
/// goes only to the fans who want it.
#[allow(clippy::too_many_arguments)]
async fn insert_copies(tx: &mut Tx, mail: &OutgoingEmail, key_prefix: &str, id_column: &str, number_sql: Option<&str>, from_where: &str, binds: &[i64], now: i64) -> Result<u64, sqlx::Error> {
    let bulk = mail.list_unsubscribe.is_some();
    if bulk {
        crate::accounts::unsubscribe::ensure_tokens(tx).await?;
    }
    let p = binds.len() + 1;
    let numbered = |param: usize| match number_sql {
        Some(number) => format!("REPLACE(${param}, '{}', CAST({number} AS TEXT))", *NUMBER),
        None => format!("${param}"),
    };
    let personal = |expr: String| if bulk { format!("REPLACE({expr}, '{}', u.unsubscribe_token)", *UNSUBSCRIBE_TOKEN) } else { expr };
    let wanted = if bulk { " AND u.wants_invitations = 1" } else { "" };
    let sql = format!(
        "{INSERT_COLUMNS} SELECT ${p} || {id_column}, ${}, u.email, {}, {}, {}, ${}, ${}, ${}, ${}, {} {from_where}{wanted} \
         ON CONFLICT (idempotency_key) DO NOTHING",
        p + 1,
        numbered(p + 2),
        personal(numbered(p + 3)),
        personal(numbered(p + 4)),
        p + 5,
        p + 6,
        p + 7,
        p + 7,
        personal(format!("${}", p + 8)),
    );
    let mut query = sqlx::query(&sql);
    for value in binds {
        query = query.bind(*value);
    }
    let done = query
        .bind(key_prefix)
        .bind(mail.kind)
        .bind(&mail.subject)
        .bind(&mail.text)
        .bind(&mail.html)
        .bind(mail.event_id)
        .bind(attachments_json(mail))
        .bind(now)
        .bind(mail.list_unsubscribe.as_deref())
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_language_has_its_readers() {
        assert_eq!(language_condition(Locale::en), "u.locale = 'en'");
        assert_eq!(language_condition(Locale::zh_CN), "u.locale NOT IN ('en')", "unknown tags read the default");
    }
}

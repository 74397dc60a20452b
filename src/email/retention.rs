//! What the outbox keeps, and for how long. A row must not hold a usable secret longer
//! than needed: idempotency keys name a link's secret by its SHA-256 only; mail with a
//! one-time link loses its text as soon as it is delivered by SMTP (without SMTP the
//! local mailbox shows it to its recipient until it expires); and all delivered or
//! failed mail loses its text after `MAIL_RETENTION_DAYS`.
use crate::infra::db::Db;

/// Kinds of mail whose text holds a one-time secret (a `token=` link).
pub const KINDS_WITH_SECRETS: [&str; 3] = ["verify_email", "reset_password", "email_change"];

/// `'verify_email', 'reset_password', …`, for `kind IN (…)` (constants, not user input).
pub fn secret_kinds_sql() -> String {
    KINDS_WITH_SECRETS.iter().map(|k| format!("'{k}'")).collect::<Vec<_>>().join(", ")
}

/// Blanks the text, HTML and attachments of mail created before `before` that is no
/// longer waiting to be sent; returns how many messages were blanked.
pub async fn purge_bodies(db: &Db, before: i64) -> Result<u64, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let done = sqlx::query(
        "UPDATE outbox SET body_text = '', body_html = '', attachments = '[]' \
         WHERE status <> 'pending' AND created_at < $1 AND (body_text <> '' OR body_html <> '' OR attachments <> '[]')",
    )
    .bind(before)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(done.rows_affected())
}

const HIDDEN: &str = "(hidden)";

/// The text with the secret of every `token=…` replaced, for readers of the mailbox
/// other than the recipient.
pub fn mask_secrets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("token=") {
        let value_start = at + "token=".len();
        out.push_str(&rest[..value_start]);
        rest = &rest[value_start..];
        let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '%')).unwrap_or(rest.len());
        if end > 0 {
            out.push_str(HIDDEN);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_and_the_rest_kept() {
        let text = "Confirm:\nhttps://x.cn/verify?token=Ab-_9z\n\nor https://x.cn/reset-password?token=q1&x=2 token=";
        assert_eq!(
            mask_secrets(text),
            "Confirm:\nhttps://x.cn/verify?token=(hidden)\n\nor https://x.cn/reset-password?token=(hidden)&x=2 token="
        );
        assert_eq!(mask_secrets("no links here"), "no links here");
    }

    #[test]
    fn mails_with_links_are_listed_as_secret() {
        use crate::email::templates;
        for mail in [templates::verify_email("http://x", "a@b.cn", "A", "S"), templates::reset_password("http://x", "a@b.cn", "A", "S")] {
            assert!(KINDS_WITH_SECRETS.contains(&mail.kind), "{}", mail.kind);
        }
        let change = crate::accounts::emails::confirm_new_address(crate::i18n::Locale::en, "http://x", "a@b.cn", "A", "S");
        assert!(KINDS_WITH_SECRETS.contains(&change.kind));
        assert_eq!(secret_kinds_sql(), "'verify_email', 'reset_password', 'email_change'");
    }
}

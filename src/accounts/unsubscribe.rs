//! Unsubscribing from bulk mail (invitations, draw results, badges) without logging in.
//! Every such message carries the fan's link in its text and HTML and as
//! `List-Unsubscribe` with `List-Unsubscribe-Post` (RFC 8058). Opening the link changes
//! nothing (mail scanners open links): its page's button posts, and a mail app's
//! one-click POST to the same URL works too. Mail about the fan's own places and
//! account (tickets, changes, links) still goes out. The account page turns bulk mail
//! back on.
use crate::error::AppError;
use leptos::prelude::*;

/// The page, and the URL mail apps post to.
pub const PATH: &str = "/unsubscribe";

/// Stops bulk mail to the fan whose link holds `token` (the page's button).
#[server(endpoint = "unsubscribe")]
pub async fn unsubscribe(token: String) -> Result<(), AppError> {
    let state = crate::infra::request::state()?;
    if stop(&state.db, &token).await? {
        Ok(())
    } else {
        Err(AppError::InvalidLink)
    }
}

/// A fan's unsubscribe link.
#[cfg(feature = "ssr")]
pub fn url(base: &str, token: &str) -> String {
    format!("{base}{PATH}?token={token}")
}

/// Stops bulk mail to the fan with this link secret; `false` if no account has it.
#[cfg(feature = "ssr")]
pub async fn stop(db: &crate::infra::db::Db, token: &str) -> Result<bool, sqlx::Error> {
    let token = token.trim();
    if token.is_empty() || token.len() > 64 {
        return Ok(false);
    }
    let mut tx = db.begin_write().await?;
    let done = sqlx::query("UPDATE users SET wants_invitations = 0, updated_at = $1 WHERE unsubscribe_token = $2")
        .bind(crate::infra::clock::now())
        .bind(token)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

/// Gives every account without a link secret one (accounts made by the demo seed or
/// before the secret existed); bulk mail calls it before copying its links.
#[cfg(feature = "ssr")]
pub async fn ensure_tokens(tx: &mut crate::infra::db::Tx) -> Result<u64, sqlx::Error> {
    let sql = format!("UPDATE users SET unsubscribe_token = {} WHERE unsubscribe_token IS NULL", tx.dialect.random_token());
    Ok(sqlx::query(&sql).execute(&mut **tx).await?.rows_affected())
}

#[cfg(feature = "ssr")]
#[derive(serde::Deserialize)]
pub struct LinkQuery {
    #[serde(default)]
    token: String,
}

/// `POST /unsubscribe?token=…`: a mail app's one-click unsubscribe (RFC 8058; the body,
/// `List-Unsubscribe=One-Click`, says nothing the URL does not). No session and no
/// page: the secret in the URL is the authority.
#[cfg(feature = "ssr")]
pub async fn one_click(
    axum::extract::State(state): axum::extract::State<crate::infra::state::AppState>,
    axum::Extension(locale): axum::Extension<crate::i18n::Locale>,
    axum::extract::Query(query): axum::extract::Query<LinkQuery>,
) -> axum::response::Response {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    match stop(&state.db, &query.token).await {
        Ok(true) => (StatusCode::OK, crate::msg!(fan.unsubscribe.done).get(locale).to_string()).into_response(),
        Ok(false) => (StatusCode::NOT_FOUND, crate::msg!(errors.invalid_link).get(locale).to_string()).into_response(),
        Err(error) => {
            tracing::error!(%error, "one-click unsubscribe");
            (StatusCode::INTERNAL_SERVER_ERROR, crate::msg!(errors.internal).get(locale).to_string()).into_response()
        }
    }
}

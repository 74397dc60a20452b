//! Reports about club news and staff's answers to them, and putting back what was
//! hidden. News is written by officers, so reports about it are staff's to answer
//! (nobody reviews their own or a fellow officer's post).
use super::NewsReportView;
use crate::error::AppError;
use leptos::prelude::*;

/// A verified fan reports a published news post (not their own), once per post.
#[server(endpoint = "report_club_news")]
pub async fn report_club_news(id: i64, category: String, details: String) -> Result<(), AppError> {
    let (user, state, details) = crate::gatherings::api::reporter(&category, &details).await?;
    let now = crate::infra::clock::now();
    let mut tx = state.db.begin_write().await?;
    // Only what the fan can see: a published post, and not their own.
    let (author, status): (Option<i64>, String) = sqlx::query_as("SELECT author_id, status FROM club_news WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AppError::NotFound)?;
    if status != "published" || author == Some(user.id) {
        return Err(AppError::NotFound);
    }
    if !super::repo::insert_news_report(&mut tx, id, user.id, &category, &details, now).await? {
        return Err(AppError::field("details", crate::msg!(errors.already_reported)));
    }
    tx.commit().await?;
    Ok(())
}

/// Open reports about news for staff, of every club.
#[server(endpoint = "load_news_reports")]
pub async fn load_news_reports() -> Result<Vec<NewsReportView>, AppError> {
    crate::accounts::auth::require_staff().await?;
    let state = crate::infra::request::state()?;
    news_reports(&state.db, None).await
}

#[cfg(feature = "ssr")]
pub async fn news_reports(db: &crate::infra::db::Db, city: Option<i64>) -> Result<Vec<NewsReportView>, AppError> {
    let locale = crate::infra::locale::current();
    Ok(super::repo::open_news_reports(db, city)
        .await?
        .into_iter()
        .map(|(id, news_id, city_id, zh, en, title, author, category, details, reporter)| NewsReportView {
            id,
            news_id,
            city_id,
            club: crate::i18n::td_string!(locale, clubs.title, city = crate::language::city_name(locale, &zh, &en)).to_string(),
            title,
            author,
            category,
            details,
            reporter: reporter.unwrap_or_else(|| crate::i18n::td_string!(locale, organizer.events.deleted_account).into()),
        })
        .collect())
}

/// Staff answer a news report: `dismiss` it, or `hide` the post (reason required).
/// Logged for the club, with the post as subject.
#[server(endpoint = "answer_news_report")]
pub async fn answer_news_report(id: i64, action: String, reason: Option<String>) -> Result<(), AppError> {
    let staff = crate::accounts::auth::require_staff().await?;
    let state = crate::infra::request::state()?;
    let mut errors = crate::error::FieldErrors::default();
    let reason = crate::infra::form::text(&mut errors, "reason", &reason.unwrap_or_default(), 500, action == "hide");
    errors.into_result()?;
    if !matches!(action.as_str(), "dismiss" | "hide") {
        return Err(AppError::field("action", crate::msg!(errors.unknown_action)));
    }
    let now = crate::infra::clock::now();
    let mut tx = state.db.begin_write().await?;
    let news = super::repo::resolve_news_report(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let (city, _) = super::repo::news_club(&mut tx, news).await?.ok_or(AppError::NotFound)?;
    if action == "hide" {
        super::repo::set_news_status(&mut tx, news, "hidden").await?;
    }
    let what = if action == "hide" { "hide" } else { "dismiss report" };
    crate::gatherings::repo::log_for_club(&mut tx, Some(city), "news", news, what, &reason, (staff.id, &staff.display_name), now).await?;
    tx.commit().await?;
    Ok(())
}

/// Staff put a hidden post back (overriding an officer's or their own decision).
#[server(endpoint = "restore_club_news")]
pub async fn restore_club_news(id: i64, reason: String) -> Result<(), AppError> {
    let staff = crate::accounts::auth::require_staff().await?;
    let state = crate::infra::request::state()?;
    let mut errors = crate::error::FieldErrors::default();
    let reason = crate::infra::form::text(&mut errors, "reason", &reason, 500, true);
    errors.into_result()?;
    let now = crate::infra::clock::now();
    let mut tx = state.db.begin_write().await?;
    let (city, status) = super::repo::news_club(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if status != "hidden" {
        return Err(AppError::field("action", crate::msg!(clubs.errors.not_hidden)));
    }
    super::repo::set_news_status(&mut tx, id, "published").await?;
    crate::gatherings::repo::log_for_club(&mut tx, Some(city), "news", id, "restore", &reason, (staff.id, &staff.display_name), now).await?;
    tx.commit().await?;
    Ok(())
}

//! Server functions: a fan's page, the door, the public-page switch, a city's honour.
use super::{CityHonour, DoorClosed, DoorState, FanPage};
use crate::error::AppError;
use leptos::prelude::*;

/// A fan's page; private pages are "not found" to everyone but the fan and staff.
#[server(endpoint = "load_fan_page")]
pub async fn load_fan_page(id: i64) -> Result<FanPage, AppError> {
    let viewer = crate::accounts::auth::current_user().await?;
    let viewer = super::repo::Viewer { user_id: viewer.as_ref().map(|u| u.id), staff: viewer.is_some_and(|u| u.role.is_staff()) };
    let state = crate::infra::request::state()?;
    let locale = crate::infra::locale::current();
    let mut page = super::repo::fan_page(&state.db, id, viewer, locale).await?.ok_or(AppError::NotFound)?;
    page.officer_terms = crate::clubs::api::officer_record(&state.db, id, locale).await?;
    page.brought = crate::sharing::referrals::brought(&state.db, id).await?;
    Ok(page)
}

/// Shows (or hides) the fan's page and their name in their city's honour lists.
#[server(endpoint = "set_public_profile")]
pub async fn set_public_profile(public: Option<String>) -> Result<bool, AppError> {
    let user = crate::accounts::auth::require_user().await?;
    let state = crate::infra::request::state()?;
    let public = public.is_some();
    super::repo::set_public_profile(&state.db, user.id, public, crate::infra::clock::now()).await?;
    Ok(public)
}

#[cfg(feature = "ssr")]
pub async fn event_for_door(id: i64) -> Result<crate::meetups::repo::EventInfo, AppError> {
    let user = crate::accounts::auth::require_user().await?;
    let state = crate::infra::request::state()?;
    let event = crate::meetups::repo::event_info(&state.db.pool, id).await?.ok_or(AppError::NotFound)?;
    if !may_run_the_door(&user, &event) {
        return Err(AppError::Forbidden);
    }
    Ok(event)
}

/// Staff run the door of every event; an organizer that of their own gatherings.
#[cfg(feature = "ssr")]
pub fn may_run_the_door(user: &crate::accounts::CurrentUser, event: &crate::meetups::repo::EventInfo) -> bool {
    user.role.is_staff() || crate::meetups::may_reach_attendees(user, event.organizer.as_ref().map(|(id, _)| *id), event.status)
}

/// Where the door of an event stands.
#[server(endpoint = "door_status")]
pub async fn door_status(id: i64) -> Result<DoorState, AppError> {
    event_for_door(id).await?;
    let state = crate::infra::request::state()?;
    let closed = super::repo::door_status(&state.db, id).await?;
    Ok(DoorState { closed, grace_minutes: state.config.check_in_grace_minutes })
}

/// Closes the door: attendance recorded, points and badges paid. Closing twice changes
/// nothing; nothing happens without the confirmation box ticked.
#[server(endpoint = "close_door")]
pub async fn close_door(id: i64, confirm: Option<String>) -> Result<DoorClosed, AppError> {
    let event = event_for_door(id).await?;
    crate::infra::form::require_confirmation(confirm.as_deref())?;
    let state = crate::infra::request::state()?;
    let now = crate::infra::clock::now();
    if !super::door::may_close(now, crate::infra::clock::local_day_start(event.starts_at, &event.timezone)) {
        return Err(AppError::field("door", crate::msg!(errors.door_not_yet)));
    }
    if event.status != crate::meetups::EventStatus::Published {
        return Err(AppError::field("door", crate::msg!(errors.door_not_published)));
    }
    let mut tx = state.db.begin_write().await?;
    let closed = super::door::close(&mut tx, id, now, &state.config.public_url).await?;
    tx.commit().await?;
    Ok(closed)
}

/// A city's early fans, this year's most active fans and its organizers.
#[server(endpoint = "load_city_honour")]
pub async fn load_city_honour(city_id: i64) -> Result<CityHonour, AppError> {
    let state = crate::infra::request::state()?;
    let tz: Option<String> = sqlx::query_scalar("SELECT timezone FROM cities WHERE id = $1").bind(city_id).fetch_optional(&state.db.pool).await?;
    let tz = tz.ok_or(AppError::NotFound)?;
    let (year, starts_at) = crate::infra::clock::local_year_start(crate::infra::clock::now(), &tz);
    Ok(super::repo::city_honour(&state.db, city_id, starts_at, year).await?)
}

/// Checks a ticket in at the door; returns who it belongs to. A ticket checks in only at
/// its own event (`event`, when the door page names one), from the morning of its day
/// until the grace after it ends; once the door has closed, a late check-in turns the
/// no-show into an attendance.
#[server(endpoint = "check_in")]
pub async fn check_in(code: String, event: Option<i64>) -> Result<String, AppError> {
    use crate::accounts::Role;
    let user = crate::accounts::auth::require_user().await?;
    if !matches!(user.role, Role::Organizer | Role::Staff | Role::Admin) {
        return Err(AppError::Forbidden);
    }
    let state = crate::infra::request::state()?;
    if code.trim().is_empty() {
        return Err(AppError::field("code", crate::msg!(errors.ticket_code_required)));
    }
    let grace = i64::from(state.config.check_in_grace_minutes) * 60;
    let mut tx = state.db.begin_write().await?;
    let now = crate::infra::clock::now();
    let ticket = super::door_repo::admit(&mut tx, &user, &code, event, now, None, grace, &state.config.public_url).await?.map_err(|r| AppError::field("code", r.text()))?;
    tx.commit().await?;
    Ok(crate::i18n::td_string!(crate::infra::locale::current(), organizer.events.checked_in, name = &ticket.display_name, id = ticket.event_id).to_string())
}

//! Server functions for gatherings: organizers apply, list, edit, cancel and message;
//! fans browse their city, join and report. Staff moderate in `moderation`.
use super::{CityEvents, OrganizerStatus, OwnGathering};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod ssr {
    use crate::accounts::{CurrentUser, Role};
    use crate::error::AppError;
    use crate::meetups::repo::EventInfo;

    pub fn require_organizer(user: &CurrentUser) -> Result<(), AppError> {
        if matches!(user.role, Role::Organizer | Role::Staff | Role::Admin) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The gathering, if `user` may manage it (`super::super::may_manage`).
    pub fn manage(event: Option<EventInfo>, user: &CurrentUser) -> Result<EventInfo, AppError> {
        let event = event.filter(|e| e.kind == crate::meetups::EventKind::Gathering).ok_or(AppError::NotFound)?;
        if !super::super::may_manage(user, event.organizer.as_ref().map(|(id, _)| *id), event.status) {
            return Err(AppError::Forbidden);
        }
        Ok(event)
    }

    /// The gathering, if `user` may write to its fans (`meetups::may_reach_attendees`).
    pub fn reach_attendees(event: Option<EventInfo>, user: &CurrentUser) -> Result<EventInfo, AppError> {
        let event = manage(event, user)?;
        if !crate::meetups::may_reach_attendees(user, event.organizer.as_ref().map(|(id, _)| *id), event.status) {
            return Err(AppError::Forbidden);
        }
        Ok(event)
    }
}

/// The logged-in fan's organizer status, application and gatherings.
#[server(endpoint = "organizer_status")]
pub async fn load_organizer_status() -> Result<OrganizerStatus, AppError> {
    use crate::accounts::Role;
    let state = crate::infra::request::state()?;
    let user = crate::accounts::auth::require_user().await?;
    let is_organizer = matches!(user.role, Role::Organizer | Role::Staff | Role::Admin);
    let gatherings = crate::meetups::repo::gatherings(&state.db, Some(user.id), None).await?;
    Ok(OrganizerStatus {
        is_organizer,
        verified: user.email_verified,
        application: super::repo::latest_application(&state.db, user.id).await?,
        gatherings: gatherings.iter().map(crate::meetups::api::card).collect(),
    })
}

#[server(endpoint = "apply_organizer")]
pub async fn apply_organizer(reason: String) -> Result<(), AppError> {
    use crate::accounts::Role;
    let state = crate::infra::request::state()?;
    let user = crate::accounts::auth::require_user().await?;
    if !user.email_verified {
        return Err(AppError::field("reason", crate::msg!(errors.confirm_email_first)));
    }
    if user.role != Role::Fan {
        return Err(AppError::field("reason", crate::msg!(errors.already_organizer)));
    }
    let mut errors = crate::error::FieldErrors::default();
    let reason = crate::infra::form::multiline(&mut errors, "reason", &reason, 1000, true);
    errors.into_result()?;
    state.rate_limits.check(&state.db, crate::infra::rate_limit::Limit::OrganizerApplication, &[format!("user:{}", user.id)]).await?;
    if reason.chars().count() < 10 {
        return Err(AppError::field("reason", crate::msg!(errors.reason_length)));
    }
    if super::repo::latest_application(&state.db, user.id).await?.is_some_and(|a| a.status == "pending") {
        return Err(AppError::field("reason", crate::msg!(errors.application_waiting)));
    }
    let mut tx = state.db.begin_write().await?;
    super::repo::insert_application(&mut tx, user.id, user.home_city.id, &reason, crate::infra::clock::now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Creates (no `id`) or edits the organizer's own gathering, with how its seats are
/// given (first come, or apply then draw: the organizer's choice, the same fields and
/// rules as staff have on official meetups). New gatherings wait for staff review unless
/// the organizer is trusted. Returns the gathering's id.
#[server(endpoint = "save_gathering")]
pub async fn save_gathering(id: Option<String>, #[server(flatten)] values: crate::meetups::EventFormValues) -> Result<i64, AppError> {
    use crate::meetups::editing::{save_event, SaveEvent};
    use crate::meetups::EventKind;
    let state = crate::infra::request::state()?;
    let user = crate::accounts::auth::require_user().await?;
    ssr::require_organizer(&user)?;
    let existing = match id.and_then(|i| i.trim().parse::<i64>().ok()) {
        Some(id) => Some(ssr::manage(crate::meetups::repo::event_info(&state.db.pool, id).await?, &user)?),
        None => None,
    };
    if existing.is_none() {
        state.rate_limits.check(&state.db, crate::infra::rate_limit::Limit::Gathering, &[format!("user:{}", user.id)]).await?;
    }
    let city_id = match &existing {
        Some(e) => e.city_id,
        None => super::repo::approved_city(&state.db, user.id).await?.unwrap_or(user.home_city.id),
    };
    let city = Ok((city_id, crate::cities::repo::timezone(&state.db, city_id).await?));
    let trusted = super::repo::is_trusted(&state.db, user.id).await? || user.role.is_staff();
    // A cancelled gathering stays as its fans were told: no new text nobody reviews.
    let may_edit = |e: &crate::meetups::repo::EventInfo| match ssr::manage(Some(e.clone()), &user)?.status {
        crate::meetups::EventStatus::Cancelled => Err(AppError::field("status", crate::msg!(errors.gathering_already_cancelled))),
        _ => Ok(()),
    };
    let save = SaveEvent { kind: EventKind::Gathering, editor_id: user.id, editor_name: &user.display_name, existing, may_edit: &may_edit, city, trusted, values: &values };
    save_event(&crate::meetups::engine::Events::current()?, save).await
}

#[server(endpoint = "own_gathering")]
pub async fn load_own_gathering(id: i64) -> Result<OwnGathering, AppError> {
    let state = crate::infra::request::state()?;
    let user = crate::accounts::auth::require_user().await?;
    let event = ssr::manage(crate::meetups::repo::event_info(&state.db.pool, id).await?, &user)?;
    let rejection = if event.status == crate::meetups::EventStatus::Rejected { super::repo::rejection_reason(&state.db, id).await? } else { None };
    let mut form = crate::meetups::EventFormValues::of(&event, String::new());
    crate::admission::form::fill(&state.db, &event, &mut form).await?;
    Ok(OwnGathering {
        card: crate::meetups::api::card(&event),
        form,
        admission: crate::admission::api::meetup_admission(&state.db, &event, None, &state.config).await?,
        // A fan's record is for staff: organizers do not see no-shows.
        attendees: match crate::meetups::may_reach_attendees(&user, Some(user.id), event.status) {
            true => crate::meetups::repo::attendees(&state.db, id).await?.into_iter().map(|a| crate::meetups::Attendee { attended: 0, no_shows: 0, ..a }).collect(),
            false => Vec::new(),
        },
        rejection,
    })
}

/// Cancels the organizer's own gathering; only with the confirmation box ticked.
#[server(endpoint = "cancel_gathering")]
pub async fn cancel_gathering(id: i64, confirm: Option<String>) -> Result<(), AppError> {
    let state = crate::infra::request::state()?;
    let user = crate::accounts::auth::require_user().await?;
    ssr::manage(crate::meetups::repo::event_info(&state.db.pool, id).await?, &user)?;
    crate::infra::form::require_confirmation(confirm.as_deref())?;
    // Only a gathering fans were shown: cancelling one still in review (or sent back)
    // would show its unreviewed text as "cancelled".
    let may_cancel = |e: &crate::meetups::repo::EventInfo| {
        ssr::manage(Some(e.clone()), &user)?;
        match e.status {
            crate::meetups::EventStatus::Published | crate::meetups::EventStatus::Postponed => Ok(()),
            crate::meetups::EventStatus::Cancelled => Err(AppError::field("status", crate::msg!(errors.gathering_already_cancelled))),
            _ => Err(AppError::field("status", crate::msg!(errors.gathering_not_live))),
        }
    };
    crate::meetups::engine::Events::current()?.change_status(id, "cancelled", &may_cancel).await
}

/// Emails everyone signed up; at most `MESSAGES_PER_DAY` a day per gathering.
#[server(endpoint = "message_attendees")]
pub async fn message_attendees(id: i64, subject: String, body: String) -> Result<u64, AppError> {
    use crate::error::FieldErrors;
    let state = crate::infra::request::state()?;
    let user = crate::accounts::auth::require_user().await?;
    let event = ssr::reach_attendees(crate::meetups::repo::event_info(&state.db.pool, id).await?, &user)?;
    let mut errors = FieldErrors::default();
    let subject = crate::infra::form::text(&mut errors, "subject", &subject, 120, true);
    let body = crate::infra::form::multiline(&mut errors, "body", &body, 5000, true);
    errors.into_result()?;
    let now = crate::infra::clock::now();
    let mail = crate::meetups::emails::organizer_message(&event, &user.display_name, &subject, &body, &state.config.public_url);
    let mut tx = state.db.begin_write().await?;
    // Counted in the transaction that sends, with the gathering locked: two messages
    // sent at once cannot both pass the cap.
    super::repo::lock_event(&mut tx, state.db.dialect.row_lock(), id).await?;
    // Again with the row locked: staff may have hidden or rejected it meanwhile.
    ssr::reach_attendees(crate::meetups::repo::event_info(&mut *tx, id).await?, &user)?;
    if super::repo::messages_today(&mut tx, id, now).await? >= super::MESSAGES_PER_DAY {
        return Err(AppError::field("body", crate::msg!(errors.messages_per_day, count = super::MESSAGES_PER_DAY)));
    }
    let message_id = crate::accounts::tokens::random_secret()[..super::repo::MESSAGE_ID_LEN].to_string();
    let sent = crate::meetups::repo::notify_attendees(&mut tx, &mail, id, &message_id, now).await?;
    tx.commit().await?;
    Ok(sent)
}

/// A city's official meetups and approved gatherings between two dates (as the date
/// fields read them: "2026-12-06", "2026年12月6日"…). A date that cannot be read comes
/// back in `filter_errors`, with no events.
#[server(endpoint = "city_events")]
pub async fn load_city_events(city: i64, from: Option<String>, to: Option<String>) -> Result<CityEvents, AppError> {
    use super::CityEvent;
    let state = crate::infra::request::state()?;
    let cities = crate::cities::catalogue()?;
    let info = cities.iter().find(|c| c.id == city).ok_or(AppError::NotFound)?;
    let mut filter_errors = crate::error::FieldErrors::default();
    let mut day = |raw: Option<String>, field: &str| -> Option<i64> {
        let raw = raw.filter(|r| !r.trim().is_empty())?;
        let midnight = crate::infra::dates::parse_date(&raw)
            .and_then(|d| crate::staff::planner::local_instant(d, chrono::NaiveTime::MIN, "Asia/Shanghai"));
        if midnight.is_none() {
            filter_errors.add(field, crate::msg!(errors.date_format));
        }
        midnight
    };
    let now = crate::infra::clock::now();
    let from = day(from, "from").unwrap_or(now);
    let until = day(to, "to").map(|t| t + 24 * 3600).unwrap_or(i64::MAX);
    let events = if filter_errors.is_empty() { crate::meetups::repo::city_events(&state.db, city, from, until).await? } else { Vec::new() };
    let locale = crate::infra::locale::current();
    Ok(CityEvents {
        city_id: city,
        city: crate::language::city_name(locale, &info.name_zh, &info.name_en).to_string(),
        events: events
            .iter()
            .map(|e| CityEvent {
                card: crate::meetups::api::card(e),
                label: match &e.organizer {
                    Some((_, name)) if e.kind == crate::meetups::EventKind::Gathering => {
                        crate::i18n::td_string!(locale, organizer.events.gathering_by, name = name)
                    }
                    _ if e.kind == crate::meetups::EventKind::Gathering => crate::i18n::td_string!(locale, organizer.events.gathering).into(),
                    _ => crate::i18n::td_string!(locale, organizer.events.official).into(),
                },
            })
            .collect(),
        calendar_url: format!("{}/calendar/city/{city}.ics", state.config.public_url),
        filter_errors,
    })
}

/// A report's reporter and its checked details: a verified fan, a known category, at
/// most `Limit::Report` reports an hour (gatherings, questions and club news alike).
#[cfg(feature = "ssr")]
pub async fn reporter(category: &str, details: &str) -> Result<(crate::accounts::CurrentUser, crate::infra::state::AppState, String), AppError> {
    let state = crate::infra::request::state()?;
    let user = crate::accounts::auth::require_user().await?;
    if !user.email_verified {
        return Err(AppError::field("details", crate::msg!(errors.confirm_email_first)));
    }
    if !super::REPORT_CATEGORIES.contains(&category) {
        return Err(AppError::field("category", crate::msg!(errors.choose_report_category)));
    }
    let mut errors = crate::error::FieldErrors::default();
    let details = crate::infra::form::multiline(&mut errors, "details", details, 2000, false);
    errors.into_result()?;
    state.rate_limits.check(&state.db, crate::infra::rate_limit::Limit::Report, &[format!("user:{}", user.id)]).await?;
    Ok((user, state, details))
}

#[server(endpoint = "report_gathering")]
pub async fn report_gathering(id: i64, category: String, details: String) -> Result<(), AppError> {
    let (user, state, details) = reporter(&category, &details).await?;
    // Only what the fan can see: a gathering shown to fans.
    let event = crate::meetups::repo::event_info(&state.db.pool, id)
        .await?
        .filter(|e| e.kind == crate::meetups::EventKind::Gathering && e.status.shown_to_fans())
        .ok_or(AppError::NotFound)?;
    let mut tx = state.db.begin_write().await?;
    if !super::repo::insert_report(&mut tx, event.id, None, user.id, &category, &details, crate::infra::clock::now()).await? {
        return Err(AppError::field("details", crate::msg!(errors.already_reported)));
    }
    tx.commit().await?;
    Ok(())
}

//! Server functions for gatherings: organizers apply, list, edit, cancel and message;
//! fans browse their city, join and report. Staff moderate in `moderation`.
use super::{CityEvents, OrganizerStatus, OwnGathering};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod ssr {
    use super::super::GatheringFormValues;
    use crate::accounts::{CurrentUser, Role};
    use crate::error::{AppError, FieldErrors};
    use crate::meetups::repo::EventInfo;
    use crate::infra::clock::format_input;
    use crate::infra::form::{local_time, multiline, text};

    pub fn form_values(e: &EventInfo) -> GatheringFormValues {
        GatheringFormValues {
            title: e.title.clone(),
            description: e.description.clone(),
            venue: e.venue.clone(),
            address: e.address.clone(),
            starts: format_input(e.starts_at, &e.timezone),
            ends: format_input(e.ends_at, &e.timezone),
            capacity: e.capacity.map(|c| c.to_string()).unwrap_or_default(),
            signup_deadline: e.signup_closes_at.map(|t| format_input(t, &e.timezone)).unwrap_or_default(),
        }
    }

    pub fn require_organizer(user: &CurrentUser) -> Result<(), AppError> {
        if matches!(user.role, Role::Organizer | Role::Staff | Role::Admin) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The gathering, if `user` may manage it (`super::super::may_manage`).
    pub fn manage(event: Option<EventInfo>, user: &CurrentUser) -> Result<EventInfo, AppError> {
        let event = event.filter(|e| e.kind == "gathering").ok_or(AppError::NotFound)?;
        if !super::super::may_manage(user, event.organizer.as_ref().map(|(id, _)| *id), &event.status) {
            return Err(AppError::Forbidden);
        }
        Ok(event)
    }

    /// What fans read changed (so staff should look again).
    pub fn text_changed(before: &EventInfo, after: &Parsed) -> bool {
        before.title != after.title || before.description != after.description || before.venue != after.venue || before.address != after.address
    }

    pub struct Parsed {
        pub title: String,
        pub description: String,
        pub venue: String,
        pub address: String,
        pub starts_at: i64,
        pub ends_at: i64,
        pub capacity: Option<i64>,
        pub deadline: Option<i64>,
    }

    pub fn parse(v: &GatheringFormValues, tz: &str) -> Result<Parsed, AppError> {
        let mut errors = FieldErrors::default();
        let title = text(&mut errors, "title", &v.title, 120, true);
        let description = multiline(&mut errors, "description", &v.description, 5000, false);
        let venue = text(&mut errors, "venue", &v.venue, 200, true);
        let address = text(&mut errors, "address", &v.address, 300, false);
        let starts_at = local_time(&mut errors, "starts", &v.starts, tz, true);
        let ends_at = local_time(&mut errors, "ends", &v.ends, tz, false).or(starts_at.map(|s| s + 2 * 3600));
        let deadline = local_time(&mut errors, "signup_deadline", &v.signup_deadline, tz, false);
        if let (Some(s), Some(e)) = (starts_at, ends_at) {
            if e <= s {
                errors.add("ends", "The end must be after the start.");
            }
        }
        if let (Some(d), Some(s)) = (deadline, starts_at) {
            if d > s {
                errors.add("signup_deadline", "The sign-up deadline must be before the start.");
            }
        }
        let capacity = match v.capacity.trim() {
            "" => Ok(None),
            raw => match raw.parse::<i64>() {
                Ok(n) if (1..=10_000).contains(&n) => Ok(Some(n)),
                _ => Err(()),
            },
        };
        if capacity.is_err() {
            errors.add("capacity", "Leave empty for no limit, or enter 1 to 10000 seats.");
        }
        match (starts_at, ends_at, capacity) {
            (Some(starts_at), Some(ends_at), Ok(capacity)) if errors.is_empty() => {
                Ok(Parsed { title, description, venue, address, starts_at, ends_at, capacity, deadline })
            }
            _ => Err(AppError::Invalid(errors)),
        }
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
        return Err(AppError::field("reason", "Confirm your email address first."));
    }
    if user.role != Role::Fan {
        return Err(AppError::field("reason", "You can already organize gatherings."));
    }
    let mut errors = crate::error::FieldErrors::default();
    let reason = crate::infra::form::multiline(&mut errors, "reason", &reason, 1000, true);
    errors.into_result()?;
    if reason.chars().count() < 10 {
        return Err(AppError::field("reason", "Tell staff in 10 to 1000 characters why you want to organize."));
    }
    if super::repo::latest_application(&state.db, user.id).await?.is_some_and(|a| a.status == "pending") {
        return Err(AppError::field("reason", "Your application is already waiting for staff."));
    }
    let mut tx = state.db.begin_write().await?;
    super::repo::insert_application(&mut tx, user.id, user.home_city.id, &reason, crate::infra::clock::now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Creates (no `id`) or edits the organizer's own gathering. New gatherings wait for
/// staff review unless the organizer is trusted. Returns the gathering's id.
#[server(endpoint = "save_gathering")]
#[allow(clippy::too_many_arguments)]
pub async fn save_gathering(
    id: Option<String>,
    title: String,
    description: String,
    venue: String,
    address: String,
    starts: String,
    ends: String,
    capacity: String,
    signup_deadline: String,
) -> Result<i64, AppError> {
    use super::GatheringFormValues;
    use crate::meetups::repo::{self as events, EventChanges, NewEvent};
    let state = crate::infra::request::state()?;
    let user = crate::accounts::auth::require_user().await?;
    ssr::require_organizer(&user)?;
    let values = GatheringFormValues { title, description, venue, address, starts, ends, capacity, signup_deadline };
    let id = id.and_then(|i| i.trim().parse::<i64>().ok());
    let existing = match id {
        Some(id) => Some(ssr::manage(events::event_info(&state.db.pool, id).await?, &user)?),
        None => None,
    };
    let city_id = match &existing {
        Some(e) => e.city_id,
        None => super::repo::approved_city(&state.db, user.id).await?.unwrap_or(user.home_city.id),
    };
    let tz: String = sqlx::query_scalar("SELECT timezone FROM cities WHERE id = $1").bind(city_id).fetch_one(&state.db.pool).await?;
    let form = ssr::parse(&values, &tz)?;
    let changes = EventChanges {
        city_id,
        title: &form.title,
        description: &form.description,
        venue: &form.venue,
        address: &form.address,
        starts_at: form.starts_at,
        ends_at: form.ends_at,
        capacity: form.capacity,
        signup_opens_at: None,
        signup_closes_at: form.deadline,
    };
    let now = crate::infra::clock::now();
    let base = &state.config.public_url;
    let trusted = super::repo::is_trusted(&state.db, user.id).await? || user.role.is_staff();
    let mut tx = state.db.begin_write().await?;
    let id = match existing {
        None => {
            let new = NewEvent {
                kind: "gathering",
                city_id,
                title: &form.title,
                starts_at: form.starts_at,
                ends_at: form.ends_at,
                capacity: form.capacity,
                status: if trusted { "published" } else { "pending_review" },
                created_by: Some(user.id),
            };
            let id = events::insert_event(&mut tx, &new, now).await?;
            sqlx::query("UPDATE events SET organizer_id = $1 WHERE id = $2").bind(user.id).bind(id).execute(&mut *tx).await?;
            events::update_event(&mut tx, id, &changes, now).await?;
            id
        }
        Some(before) => {
            crate::meetups::engine::save_changes(&mut tx, before.id, &changes, now).await?;
            if let Some(status) = super::status_after_edit(&before.status, ssr::text_changed(&before, &form), trusted) {
                events::set_status(&mut tx, before.id, status, now).await?;
            }
            let moved = before.starts_at != form.starts_at || before.venue != form.venue || before.address != form.address;
            if moved && before.status == "published" {
                let after = events::event_info(&mut *tx, before.id).await?.ok_or(AppError::NotFound)?;
                events::notify_attendees(&mut tx, &crate::meetups::emails::notice(&after, "changed", base), before.id, &now.to_string(), now).await?;
            }
            before.id
        }
    };
    tx.commit().await?;
    // A larger capacity moves fans up from the waiting list.
    crate::meetups::engine::fill_free_seats(&state.db, id, base, now).await?;
    Ok(id)
}

#[server(endpoint = "own_gathering")]
pub async fn load_own_gathering(id: i64) -> Result<OwnGathering, AppError> {
    let state = crate::infra::request::state()?;
    let user = crate::accounts::auth::require_user().await?;
    let event = ssr::manage(crate::meetups::repo::event_info(&state.db.pool, id).await?, &user)?;
    let rejection = if event.status == "rejected" { super::repo::rejection_reason(&state.db, id).await? } else { None };
    Ok(OwnGathering {
        card: crate::meetups::api::card(&event),
        form: ssr::form_values(&event),
        attendees: crate::meetups::repo::attendees(&state.db, id).await?,
        rejection,
    })
}

#[server(endpoint = "cancel_gathering")]
pub async fn cancel_gathering(id: i64) -> Result<(), AppError> {
    let state = crate::infra::request::state()?;
    let user = crate::accounts::auth::require_user().await?;
    let event = ssr::manage(crate::meetups::repo::event_info(&state.db.pool, id).await?, &user)?;
    if event.status == "cancelled" {
        return Err(AppError::field("status", "This gathering is already cancelled."));
    }
    let now = crate::infra::clock::now();
    let mut tx = state.db.begin_write().await?;
    crate::meetups::repo::set_status(&mut tx, id, "cancelled", now).await?;
    let event = crate::meetups::repo::event_info(&mut *tx, id).await?.ok_or(AppError::NotFound)?;
    let notice = crate::meetups::emails::notice(&event, "cancelled", &state.config.public_url);
    crate::meetups::repo::notify_attendees(&mut tx, &notice, id, &now.to_string(), now).await?;
    tx.commit().await?;
    Ok(())
}

/// Emails everyone signed up; at most `MESSAGES_PER_DAY` a day per gathering.
#[server(endpoint = "message_attendees")]
pub async fn message_attendees(id: i64, subject: String, body: String) -> Result<u64, AppError> {
    use crate::error::FieldErrors;
    let state = crate::infra::request::state()?;
    let user = crate::accounts::auth::require_user().await?;
    let event = ssr::manage(crate::meetups::repo::event_info(&state.db.pool, id).await?, &user)?;
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
    if super::repo::messages_today(&mut tx, id, now).await? >= super::MESSAGES_PER_DAY {
        return Err(AppError::field("body", format!("You can send {} messages a day to this gathering; try again tomorrow.", super::MESSAGES_PER_DAY)));
    }
    let message_id = crate::accounts::tokens::random_secret()[..super::repo::MESSAGE_ID_LEN].to_string();
    let sent = crate::meetups::repo::notify_attendees(&mut tx, &mail, id, &message_id, now).await?;
    tx.commit().await?;
    Ok(sent)
}

/// A city's official meetups and approved gatherings between two dates (YYYY-MM-DD).
#[server(endpoint = "city_events")]
pub async fn load_city_events(city: i64, from: Option<String>, to: Option<String>) -> Result<CityEvents, AppError> {
    use super::CityEvent;
    let state = crate::infra::request::state()?;
    let cities = crate::cities::catalogue()?;
    let info = cities.iter().find(|c| c.id == city).ok_or(AppError::NotFound)?;
    let day = |raw: Option<String>, field: &str| -> Result<Option<i64>, AppError> {
        match raw.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            None => Ok(None),
            Some(raw) => crate::infra::clock::parse_input(&format!("{raw}T00:00"), "Asia/Shanghai")
                .map(Some)
                .ok_or_else(|| AppError::field(field, "Enter a date like 2026-12-05.")),
        }
    };
    let now = crate::infra::clock::now();
    let from = day(from, "from")?.unwrap_or(now);
    let until = day(to, "to")?.map(|t| t + 24 * 3600).unwrap_or(i64::MAX);
    let events = crate::meetups::repo::city_events(&state.db, city, from, until).await?;
    Ok(CityEvents {
        city_id: city,
        city: format!("{} {}", info.name_zh, info.name_en),
        events: events
            .iter()
            .map(|e| CityEvent {
                card: crate::meetups::api::card(e),
                label: match &e.organizer {
                    Some((_, name)) if e.kind == "gathering" => format!("Gathering by {name}"),
                    _ if e.kind == "gathering" => "Gathering".into(),
                    _ => "Official meetup".into(),
                },
            })
            .collect(),
        calendar_url: format!("{}/calendar/city/{city}.ics", state.config.public_url),
    })
}

#[server(endpoint = "report_gathering")]
pub async fn report_gathering(id: i64, category: String, details: String) -> Result<(), AppError> {
    let state = crate::infra::request::state()?;
    let user = crate::accounts::auth::require_user().await?;
    if !super::REPORT_CATEGORIES.iter().any(|(c, _)| *c == category) {
        return Err(AppError::field("category", "Choose what is wrong."));
    }
    let mut errors = crate::error::FieldErrors::default();
    let details = crate::infra::form::multiline(&mut errors, "details", &details, 2000, false);
    errors.into_result()?;
    state.rate_limits.check_auth(&[format!("report:{}", user.id)])?;
    let event = crate::meetups::repo::event_info(&state.db.pool, id).await?.filter(|e| e.kind == "gathering").ok_or(AppError::NotFound)?;
    let mut tx = state.db.begin_write().await?;
    super::repo::insert_report(&mut tx, event.id, user.id, &category, &details, crate::infra::clock::now()).await?;
    tx.commit().await?;
    Ok(())
}

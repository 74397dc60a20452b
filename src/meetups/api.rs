//! Server functions for meetups: fans browse, sign up and cancel; staff create, publish,
//! postpone, cancel, export and check in.
use super::{MeetupCard, MeetupPage, Place, StaffMeetup};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyMeetups {
    pub items: Vec<(MeetupCard, Place)>,
    /// Meetups they applied to, waiting for the draw.
    #[serde(default)]
    pub applied: Vec<MeetupCard>,
    /// Whether the fan has a working link to their personal calendar feed (shown only
    /// when made: `new_calendar_link`).
    pub calendar_feed: bool,
}

#[cfg(feature = "ssr")]
pub use ssr::card;

#[cfg(feature = "ssr")]
mod ssr {
    use super::super::repo::EventInfo;
    use super::super::{signup_state, MeetupCard, MeetupPage, Place, PlaceStatus};
    use crate::error::AppError;
    use crate::infra::clock::{format_local, now};
    use crate::infra::db::Db;

    /// The event as lists show it, in the language of the request being answered.
    pub fn card(e: &EventInfo) -> MeetupCard {
        let locale = crate::infra::locale::current();
        MeetupCard {
            id: e.id,
            kind: e.kind,
            title: e.title.clone(),
            city_id: e.city_id,
            city: city_name(e, locale),
            starts: format_local(e.starts_at, &e.timezone, locale),
            starts_at: e.starts_at,
            venue: e.venue.clone(),
            capacity: e.capacity,
            confirmed: e.confirmed,
            status: e.status,
        }
    }

    /// The event's city in the reader's language (from the city catalogue; the stored
    /// "中文 English" pair if the catalogue lacks it).
    fn city_name(e: &EventInfo, locale: crate::i18n::Locale) -> String {
        crate::cities::catalogue()
            .ok()
            .and_then(|cities| {
                cities.iter().find(|c| c.id == e.city_id).map(|c| crate::language::city_name(locale, &c.name_zh, &c.name_en).to_string())
            })
            .unwrap_or_else(|| e.city.clone())
    }

    pub async fn page(db: &Db, e: &EventInfo, place: Option<Place>, base: &str, logged_in: bool) -> Result<MeetupPage, AppError> {
        let ticket_qr = place
            .as_ref()
            .filter(|p| p.status == PlaceStatus::Confirmed)
            .and_then(|p| p.ticket_code.as_deref())
            .and_then(|code| super::super::tickets::ticket_qr(base, e.id, code));
        let locale = crate::infra::locale::current();
        Ok(MeetupPage {
            card: card(e),
            description_html: crate::text::render(&e.description),
            organizer: e.organizer.as_ref().map(|(_, name)| name.clone()),
            address: e.address.clone(),
            ends: format_local(e.ends_at, &e.timezone, locale),
            timezone: crate::infra::clock::zone_label(&e.timezone, locale),
            waitlisted: super::super::repo::waitlisted_count(db, e).await?,
            signup: signup_state(e.status, e.signup_opens_at, e.signup_closes_at, e.starts_at, now()),
            signup_opens: e.signup_opens_at.map(|t| format_local(t, &e.timezone, locale)),
            signup_closes: e.signup_closes_at.map(|t| format_local(t, &e.timezone, locale)),
            place,
            ticket_qr,
            logged_in,
            admission: None,
        })
    }
}

#[server(endpoint = "upcoming_meetups")]
pub async fn upcoming_meetups() -> Result<Vec<MeetupCard>, AppError> {
    let state = crate::infra::request::state()?;
    let home = crate::accounts::auth::current_user().await?.map(|u| u.home_city.id);
    let mut cards: Vec<MeetupCard> =
        super::repo::upcoming(&state.db, crate::infra::clock::now(), 200).await?.iter().map(ssr::card).collect();
    // The fan's own city first, then by date.
    cards.sort_by_key(|c| (Some(c.city_id) != home, c.starts_at));
    Ok(cards)
}

#[server(endpoint = "load_meetup")]
pub async fn load_meetup(id: i64) -> Result<MeetupPage, AppError> {
    let state = crate::infra::request::state()?;
    let user = crate::accounts::auth::current_user().await?;
    let event = super::repo::event_for_page(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let is_staff = user.as_ref().is_some_and(|u| u.role.is_staff());
    let is_organizer = user.as_ref().is_some_and(|u| event.organizer.as_ref().is_some_and(|(id, _)| *id == u.id));
    if !is_staff && !is_organizer && !matches!(event.status, super::EventStatus::Published | super::EventStatus::Postponed | super::EventStatus::Cancelled) {
        return Err(AppError::NotFound);
    }
    let place = match &user {
        Some(u) => super::places::place(&state.db, id, u.id).await?,
        None => None,
    };
    let seat_holder = place.as_ref().is_some_and(|p| p.status == super::PlaceStatus::Confirmed);
    let mut page = ssr::page(&state.db, &event, place, &state.config.public_url, user.is_some()).await?;
    page.admission = crate::admission::api::meetup_admission(&state.db, &event, user.as_ref().map(|u| (u.id, seat_holder)), &state.config).await?;
    Ok(page)
}

/// Takes a seat, or a place on the waiting list. Pressing again returns the same place.
#[server(endpoint = "sign_up")]
pub async fn sign_up(id: i64) -> Result<Place, AppError> {
    let user = crate::accounts::auth::require_user().await?;
    if !user.email_verified {
        return Err(AppError::field("signup", crate::msg!(errors.confirm_email_to_sign_up)));
    }
    let fan = super::desk::Presser { id: user.id, email: user.email.clone(), name: user.display_name.clone(), locale: crate::language::locale_from_tag(&user.email_language) };
    let state = crate::infra::request::state()?;
    // Waiting at the desk costs nothing: the next press may read its fan meanwhile.
    let place = state.sign_ups.sign_up_then(id, fan, crate::infra::press_queue::turn_done).await;
    let outcome = match &place {
        Ok(p) if p.status == super::PlaceStatus::Confirmed => "confirmed",
        Ok(_) => "waitlisted",
        Err(AppError::Invalid(_)) => "refused",
        Err(_) => "error",
    };
    metrics::counter!("signups_total", "outcome" => outcome).increment(1);
    place
}

/// Gives the place up; only with the confirmation box ticked.
#[server(endpoint = "cancel_place")]
pub async fn cancel_place(id: i64, confirm: Option<String>) -> Result<(), AppError> {
    let user = crate::accounts::auth::require_user().await?;
    crate::infra::form::require_confirmation(confirm.as_deref())?;
    // Signing up again is idempotent; churning (sign up, cancel, sign up…) is bounded here,
    // off the sign-up path that must stay fast.
    let state = crate::infra::request::state()?;
    state.rate_limits.check(&state.db, crate::infra::rate_limit::Limit::Seats, &[format!("user:{}", user.id)]).await?;
    super::engine::Events::current()?.cancel(id, user.id).await
}

#[server(endpoint = "list_my_meetups")]
pub async fn list_my_meetups() -> Result<MyMeetups, AppError> {
    let state = crate::infra::request::state()?;
    let user = crate::accounts::auth::require_user().await?;
    let mut items = Vec::new();
    for event in super::repo::for_user(&state.db, user.id).await? {
        if let Some(place) = super::places::place(&state.db, event.id, user.id).await? {
            items.push((ssr::card(&event), place));
        }
    }
    let applied = super::repo::applied_for(&state.db, user.id).await?.iter().map(ssr::card).collect();
    Ok(MyMeetups { items, applied, calendar_feed: super::feeds::has_calendar_feed(&state.db, user.id).await? })
}

/// Makes a new link to the fan's personal calendar feed and returns it; the old link
/// stops working. Only the secret's hash is kept, so the link is shown this once.
#[server(endpoint = "new_calendar_link")]
pub async fn new_calendar_link() -> Result<String, AppError> {
    let state = crate::infra::request::state()?;
    let user = crate::accounts::auth::require_user().await?;
    let mut tx = state.db.begin_write().await?;
    let secret = super::feeds::new_calendar_secret(&mut tx, user.id).await?;
    tx.commit().await?;
    Ok(format!("{}/calendar/me/{secret}.ics", state.config.public_url))
}

#[server(endpoint = "staff_meetups")]
pub async fn staff_meetups() -> Result<Vec<MeetupCard>, AppError> {
    crate::accounts::auth::require_staff().await?;
    let state = crate::infra::request::state()?;
    Ok(super::repo::official(&state.db, 500).await?.iter().map(ssr::card).collect())
}

/// How a meetup's invitations are getting on (the staff page follows it live).
#[server(endpoint = "invitation_progress")]
pub async fn invitation_progress(id: i64) -> Result<super::DeliveryCounts, AppError> {
    crate::accounts::auth::require_staff().await?;
    let state = crate::infra::request::state()?;
    Ok(super::DeliveryCounts::from_statuses(&crate::email::outbox::counts_for_event(&state.db, id, "invitation").await?))
}

#[server(endpoint = "load_staff_meetup")]
pub async fn load_staff_meetup(id: i64) -> Result<StaffMeetup, AppError> {
    use super::{DeliveryCounts, PlaceStatus};
    crate::accounts::auth::require_staff().await?;
    let state = crate::infra::request::state()?;
    let event = super::repo::event_info(&state.db.pool, id).await?.ok_or(AppError::NotFound)?;
    let cities = crate::cities::catalogue()?;
    let city_label = cities.iter().find(|c| c.id == event.city_id).map(|c| c.label()).unwrap_or_default();
    let page = ssr::page(&state.db, &event, None, &state.config.public_url, true).await?;
    let (confirmed, waitlist): (Vec<_>, Vec<_>) =
        super::repo::attendees(&state.db, id).await?.into_iter().partition(|a| a.status == PlaceStatus::Confirmed);
    let invitations = DeliveryCounts::from_statuses(&crate::email::outbox::counts_for_event(&state.db, id, "invitation").await?);
    let mut form = super::EventFormValues::of(&event, city_label);
    crate::admission::form::fill(&state.db, &event, &mut form).await?;
    Ok(StaffMeetup {
        form,
        checked_in: confirmed.iter().filter(|a| a.checked_in).count() as i64,
        page,
        confirmed,
        waitlist,
        invitations,
    })
}

/// Creates (no `id`) or edits an official meetup (see `editing::save_event`).
#[server(endpoint = "save_meetup")]
pub async fn save_meetup(id: Option<String>, #[server(flatten)] values: super::EventFormValues) -> Result<i64, AppError> {
    use super::editing::{save_event, SaveEvent};
    use super::EventKind;
    let staff = crate::accounts::auth::require_staff().await?;
    let state = crate::infra::request::state()?;
    let existing = match id.and_then(|i| i.trim().parse::<i64>().ok()) {
        Some(id) => Some(super::repo::event_info(&state.db.pool, id).await?.filter(|e| e.kind == super::EventKind::Official).ok_or(AppError::NotFound)?),
        None => None,
    };
    let is_new = existing.is_none();
    let city = match crate::cities::resolve(&crate::cities::catalogue()?, &values.city) {
        Some(city) => Ok((city.id, crate::cities::repo::timezone(&state.db, city.id).await?)),
        None if values.city.trim().is_empty() => Err(crate::msg!(errors.fill_in)),
        None => Err(crate::msg!(errors.unknown_city)),
    };
    let official = |e: &super::repo::EventInfo| if e.kind == EventKind::Official { Ok(()) } else { Err(AppError::NotFound) };
    let save = SaveEvent { kind: EventKind::Official, editor_id: staff.id, editor_name: &staff.display_name, existing, may_edit: &official, city, trusted: true, values: &values };
    let id = save_event(&super::engine::Events::current()?, save).await?;
    if is_new {
        leptos_axum::redirect(&format!("/staff/meetups/{id}"));
    }
    Ok(id)
}

/// Publishes a meetup and invites the host city's fans (and, with a radius, fans of
/// nearby cities). Returns how many invitations were queued.
#[server(endpoint = "publish_meetup")]
pub async fn publish_meetup(id: i64, radius_km: Option<String>) -> Result<u64, AppError> {
    use super::EventStatus;
    crate::accounts::auth::require_staff().await?;
    let state = crate::infra::request::state()?;
    let radius = match radius_km.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        None => 0.0,
        Some(raw) => match raw.parse::<f64>() {
            Ok(r) if (0.0..=2000.0).contains(&r) => r,
            _ => return Err(AppError::field("radius_km", crate::msg!(errors.radius))),
        },
    };
    let now = crate::infra::clock::now();
    let base = &state.config.public_url;
    let event = super::repo::event_info(&state.db.pool, id).await?.ok_or(AppError::NotFound)?;
    let cities = super::repo::cities_within(&state.db, event.city_id, radius).await?;
    let mut tx = state.db.begin_write().await?;
    let status = super::repo::event_info_locked(&mut tx, id, super::repo::EventLock::ForStatusChange).await?.ok_or(AppError::NotFound)?.status;
    let invited = match status {
        EventStatus::Draft => {
            super::repo::set_status(&mut tx, id, EventStatus::Published, now).await?;
            let event = super::repo::event_info(&mut *tx, id).await?.ok_or(AppError::NotFound)?;
            let admission = crate::admission::repo::event_admission(&mut *tx, id).await?.ok_or(AppError::NotFound)?;
            let draw_closes = admission.application_closes_at.filter(|_| admission.mode() == crate::admission::Admission::Draw);
            super::repo::invite_cities(&mut tx, &super::emails::invitation(&event, draw_closes, base), id, &cities, now).await?
        }
        EventStatus::Postponed => {
            super::repo::set_status(&mut tx, id, EventStatus::Published, now).await?;
            let event = super::repo::event_info(&mut *tx, id).await?.ok_or(AppError::NotFound)?;
            super::repo::notify_attendees(&mut tx, &super::emails::notice(&event, "changed", base), id, &now.to_string(), now).await?;
            0
        }
        EventStatus::Published => return Err(AppError::field("publish", crate::msg!(errors.already_published))),
        _ => return Err(AppError::field("publish", crate::msg!(errors.cancelled_not_republished))),
    };
    tx.commit().await?;
    Ok(invited)
}

/// Postpones or cancels a meetup and tells everyone signed up.
#[server(endpoint = "change_meetup_status")]
pub async fn change_meetup_status(id: i64, status: String, confirm: Option<String>) -> Result<(), AppError> {
    crate::accounts::auth::require_staff().await?;
    if matches!(status.as_str(), "cancelled" | "postponed") {
        crate::infra::form::require_confirmation(confirm.as_deref())?;
    }
    super::engine::Events::current()?.change_status(id, &status, &|_| Ok(())).await
}


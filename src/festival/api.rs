//! Server functions of the festival: fans see it (with live seat counts) and switch
//! sessions (signing up is the meetups' `sign_up`: sessions are events); staff create
//! it, add sessions (by hand or the ranking's top cities) and invite every city at once.
use super::{FestivalCard, FestivalPage, LiveSeats, StaffFestival};
use crate::error::AppError;
use crate::meetups::Place;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod ssr {
    use super::super::repo::{self, Festival, FestivalFields};
    use super::super::{FestivalCard, OPENING_TIMEZONE};
    use crate::error::{AppError, FieldErrors};
    use crate::infra::clock::format_local;
    use crate::infra::form::{local_time, multiline, text};

    pub fn card(f: &Festival, sessions: i64) -> FestivalCard {
        let locale = crate::infra::locale::current();
        FestivalCard {
            id: f.id,
            name: f.name.clone(),
            day: f.festival_day.clone(),
            opens: format_local(f.opens_at, OPENING_TIMEZONE, locale),
            sessions,
            invited: f.invited_at.is_some(),
        }
    }

    /// The checked festival form: (name, description, day, opens_at).
    pub fn parse_festival(name: &str, description: &str, day: &str, opens: &str, now: i64) -> Result<(String, String, chrono::NaiveDate, i64), AppError> {
        let mut errors = FieldErrors::default();
        let name = text(&mut errors, "name", name, 80, true);
        let description = multiline(&mut errors, "description", description, 5000, false);
        let day = crate::infra::dates::parse_date(day);
        if day.is_none() {
            errors.add("day", crate::msg!(festival.errors.day_format));
        }
        let opens_at = local_time(&mut errors, "opens", opens, OPENING_TIMEZONE, true);
        if let (Some(d), Some(o)) = (day, opens_at) {
            let day_starts = crate::staff::planner::local_instant(d, chrono::NaiveTime::MIN, OPENING_TIMEZONE).unwrap_or_default();
            if o >= day_starts {
                errors.add("opens", crate::msg!(festival.errors.opens_before_day));
            } else if o <= now - 60 {
                errors.add("opens", crate::msg!(errors.start_in_future));
            }
        }
        errors.into_result()?;
        match (day, opens_at) {
            (Some(day), Some(opens_at)) => Ok((name, description, day, opens_at)),
            _ => Err(AppError::Internal),
        }
    }

    pub fn fields<'a>(name: &'a str, description: &'a str, day: &'a str, opens_at: i64) -> FestivalFields<'a> {
        FestivalFields { name, description, day, opens_at }
    }

    pub fn parse_capacity(raw: &str, field: &str) -> Result<i64, AppError> {
        match raw.trim() {
            "" => Ok(super::super::DEFAULT_SESSION_CAPACITY),
            raw => match raw.parse::<i64>() {
                Ok(n) if (1..=super::super::MAX_SESSION_CAPACITY).contains(&n) => Ok(n),
                _ => Err(AppError::field(field, crate::msg!(errors.capacity_range, max = super::super::MAX_SESSION_CAPACITY))),
            },
        }
    }

    /// The session's start: the festival's day at `time` ("14:00", "下午2点") in the city's zone.
    pub fn session_start(festival: &Festival, time: &str, tz: &str, field: &str) -> Result<i64, AppError> {
        let bad = || AppError::field(field, crate::msg!(errors.time_format));
        let time = crate::infra::dates::parse_time(time).ok_or_else(bad)?;
        let day = chrono::NaiveDate::parse_from_str(&festival.festival_day, "%Y-%m-%d").map_err(|_| AppError::Internal)?;
        crate::staff::planner::local_instant(day, time, tz).ok_or_else(bad)
    }

    pub async fn festival(db: &crate::infra::db::Db, id: i64) -> Result<Festival, AppError> {
        repo::get(&db.pool, id).await?.ok_or(AppError::NotFound)
    }
}

/// The festival page: `id`, or without it the next festival fans were invited to.
#[server(endpoint = "load_festival")]
pub async fn load_festival(id: Option<i64>) -> Result<FestivalPage, AppError> {
    use super::{order_sessions, FestivalPlace, SessionView, OPENING_TIMEZONE};
    use crate::infra::clock::{format_local, now};
    let state = crate::infra::request::state()?;
    let user = crate::accounts::auth::current_user().await?;
    let locale = crate::infra::locale::current();
    let today = chrono::DateTime::from_timestamp(now(), 0).map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default();
    let id = match id {
        Some(id) => id,
        None => super::repo::current(&state.db, &today).await?.ok_or(AppError::NotFound)?,
    };
    let festival = ssr::festival(&state.db, id).await?;
    if festival.invited_at.is_none() && !user.as_ref().is_some_and(|u| u.role.is_staff()) {
        return Err(AppError::NotFound);
    }
    let seats = super::cache::seats_left(&state.db, &state.config.database_url, id).await?;
    let events = crate::meetups::repo::festival_sessions(&state.db, id).await?;
    let mut sessions: Vec<SessionView> = events
        .iter()
        .filter(|e| e.status != crate::meetups::EventStatus::Cancelled)
        .map(|e| {
            let card = crate::meetups::api::card(e);
            SessionView {
                event_id: e.id,
                city_id: e.city_id,
                city: card.city,
                venue: e.venue.clone(),
                starts: card.starts,
                capacity: e.capacity.unwrap_or_default(),
                seats_left: seats.seats.iter().find(|(s, _)| *s == e.id).map_or(super::seats_left(e.capacity, e.confirmed), |(_, left)| *left),
            }
        })
        .collect();
    order_sessions(&mut sessions, user.as_ref().map(|u| u.home_city.id));
    let place = match &user {
        Some(u) => match super::repo::place_of(&state.db, id, u.id).await? {
            Some(event_id) => crate::meetups::places::place(&state.db, event_id, u.id).await?.map(|p| FestivalPlace {
                event_id,
                city: sessions.iter().find(|s| s.event_id == event_id).map(|s| s.city.clone()).unwrap_or_default(),
                ticket_qr: p.ticket_code.as_deref().and_then(|code| crate::meetups::tickets::ticket_qr(&state.config.public_url, event_id, code)),
                status: p.status,
                position: p.position,
                ticket_code: p.ticket_code,
            }),
            None => None,
        },
        None => None,
    };
    Ok(FestivalPage {
        id,
        name: festival.name.clone(),
        description_html: crate::text::render(&festival.description),
        day: festival.festival_day.clone(),
        opens_at: festival.opens_at,
        opens: format_local(festival.opens_at, OPENING_TIMEZONE, locale),
        now: now(),
        sessions,
        place,
        logged_in: user.is_some(),
    })
}

/// Seats left per session (cached for a couple of seconds) and the server's clock: what
/// the festival page polls.
#[server(endpoint = "festival_seats")]
pub async fn festival_seats(id: i64) -> Result<LiveSeats, AppError> {
    let state = crate::infra::request::state()?;
    let live = super::cache::seats_left(&state.db, &state.config.database_url, id).await?;
    // As the festival page: before the invitations go out, staff only (asked only then,
    // so the fans' polling costs no session lookup).
    if !live.invited && !crate::accounts::auth::current_user().await?.is_some_and(|u| u.role.is_staff()) {
        return Err(AppError::NotFound);
    }
    let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    Ok(LiveSeats { now_ms, seats: live.seats.clone() })
}

/// Moves the fan's place to session `id`: granted only with a seat there, and then the
/// old place is given up in the same transaction.
#[server(endpoint = "switch_session")]
pub async fn switch_session(festival_id: i64, id: i64) -> Result<Place, AppError> {
    let user = crate::accounts::auth::require_user().await?;
    if !user.email_verified {
        return Err(AppError::field("signup", crate::msg!(errors.confirm_email_to_sign_up)));
    }
    let fan = crate::meetups::engine::Fan { id: user.id, email: &user.email, name: &user.display_name };
    super::switch::switch(&crate::meetups::engine::Events::current()?, festival_id, id, &fan).await
}

#[server(endpoint = "staff_festivals")]
pub async fn staff_festivals() -> Result<Vec<FestivalCard>, AppError> {
    crate::accounts::auth::require_staff().await?;
    let state = crate::infra::request::state()?;
    Ok(super::repo::all(&state.db).await?.iter().map(|(f, n)| ssr::card(f, *n)).collect())
}

/// Creates (no `id`) or edits a festival. Every session opens at its opening instant.
#[server(endpoint = "save_festival")]
pub async fn save_festival(id: Option<String>, name: String, description: String, day: String, opens: String) -> Result<i64, AppError> {
    let staff = crate::accounts::auth::require_staff().await?;
    let state = crate::infra::request::state()?;
    let now = crate::infra::clock::now();
    let (name, description, date, opens_at) = ssr::parse_festival(&name, &description, &day, &opens, now)?;
    let day = date.format("%Y-%m-%d").to_string();
    let fields = ssr::fields(&name, &description, &day, opens_at);
    let existing = match id.as_deref().map(str::trim).filter(|i| !i.is_empty()) {
        Some(raw) => Some(ssr::festival(&state.db, raw.parse().map_err(|_| AppError::NotFound)?).await?),
        None => None,
    };
    let mut tx = state.db.begin_write().await?;
    let id = match existing {
        Some(before) => {
            let old = chrono::NaiveDate::parse_from_str(&before.festival_day, "%Y-%m-%d").unwrap_or(date);
            super::repo::update(&mut tx, before.id, &fields, (date - old).num_days() * 86_400, now).await?;
            before.id
        }
        None => super::repo::insert(&mut tx, &fields, staff.id, now).await?,
    };
    tx.commit().await?;
    leptos_axum::redirect(&format!("/staff/festival/{id}"));
    Ok(id)
}

#[server(endpoint = "load_staff_festival")]
pub async fn load_staff_festival(id: i64) -> Result<StaffFestival, AppError> {
    use super::{StaffSession, OPENING_TIMEZONE};
    use crate::infra::clock::{format_input, format_local};
    use crate::meetups::DeliveryCounts;
    crate::accounts::auth::require_staff().await?;
    let state = crate::infra::request::state()?;
    let festival = ssr::festival(&state.db, id).await?;
    let mut sessions = Vec::new();
    for e in crate::meetups::repo::festival_sessions(&state.db, id).await? {
        let invitations = DeliveryCounts::from_statuses(&crate::email::outbox::counts_for_event(&state.db, e.id, "festival_invitation").await?);
        let card = crate::meetups::api::card(&e);
        sessions.push(StaffSession {
            event_id: e.id,
            city: card.city,
            venue: e.venue.clone(),
            starts: card.starts,
            capacity: e.capacity.unwrap_or_default(),
            confirmed: e.confirmed,
            waitlisted: crate::meetups::repo::waitlisted_count(&state.db, &e).await?,
            invitations,
        });
    }
    Ok(StaffFestival {
        id,
        name: festival.name.clone(),
        description: festival.description.clone(),
        day: festival.festival_day.clone(),
        opens_input: format_input(festival.opens_at, OPENING_TIMEZONE),
        opens: format_local(festival.opens_at, OPENING_TIMEZONE, crate::infra::locale::current()),
        invited: festival.invited_at.is_some(),
        sessions,
    })
}

/// Adds a session in `city`. After the invitations went out, the session is published
/// and its city invited in the same transaction.
#[server(endpoint = "add_festival_session")]
pub async fn add_festival_session(festival_id: i64, city: String, venue: String, address: String, start_time: String, capacity: String) -> Result<i64, AppError> {
    use crate::error::FieldErrors;
    use crate::infra::form::text;
    let staff = crate::accounts::auth::require_staff().await?;
    let state = crate::infra::request::state()?;
    let festival = ssr::festival(&state.db, festival_id).await?;
    let mut errors = FieldErrors::default();
    let venue = text(&mut errors, "venue", &venue, 200, false);
    let address = text(&mut errors, "address", &address, 300, false);
    errors.into_result()?;
    let city = crate::cities::resolve(&crate::cities::catalogue()?, &city).map(|c| c.id).ok_or_else(|| AppError::field("city", crate::msg!(errors.unknown_city)))?;
    let tz = crate::cities::repo::timezone(&state.db, city).await?;
    let starts_at = ssr::session_start(&festival, &start_time, &tz, "start_time")?;
    let capacity = ssr::parse_capacity(&capacity, "capacity")?;
    let now = crate::infra::clock::now();
    let new = super::repo::NewSession { festival: &festival, city_id: city, venue: &venue, address: &address, starts_at, capacity, created_by: staff.id };
    let mut tx = state.db.begin_write().await?;
    let id = super::repo::insert_session(&mut tx, &new, now).await?;
    if festival.invited_at.is_some() {
        let session = crate::meetups::repo::event_info(&mut *tx, id).await?.ok_or(AppError::NotFound)?;
        let mail = super::emails::invitation(&festival, &session, &state.config.public_url);
        super::repo::invite_city(&mut tx, &mail, festival_id, city, now).await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Adds sessions in the ranking's top `count` cities that have none yet. Returns how
/// many were added.
#[server(endpoint = "propose_festival_cities")]
pub async fn propose_festival_cities(festival_id: i64, count: String, propose_time: String, propose_capacity: String) -> Result<u64, AppError> {
    let staff = crate::accounts::auth::require_staff().await?;
    let state = crate::infra::request::state()?;
    let festival = ssr::festival(&state.db, festival_id).await?;
    let count = match count.trim().parse::<usize>() {
        Ok(n) if (1..=100).contains(&n) => n,
        _ => return Err(AppError::field("count", crate::msg!(errors.whole_number, min = 1, max = 100))),
    };
    let capacity = ssr::parse_capacity(&propose_capacity, "propose_capacity")?;
    let now = crate::infra::clock::now();
    let (rules, _) = crate::staff::repo::planning_settings(&state.db).await?;
    let figures = crate::staff::repo::city_figures(&state.db, now).await?;
    let mut ranked = crate::staff::ranking::rank(figures, &rules, now, crate::infra::locale::current());
    // Top cities by density among those with enough fans; the festival ignores the
    // biweekly cool-down (every city may take part).
    ranked.retain(|c| c.figures.verified_fans >= rules.min_fans && c.density.is_some());
    ranked.sort_by(|a, b| b.density.partial_cmp(&a.density).unwrap_or(std::cmp::Ordering::Equal));
    let existing = super::repo::session_cities(&state.db, festival_id).await?;
    let mut starts = Vec::new();
    for city in ranked.iter().take(count).filter(|c| !existing.contains(&c.figures.city_id)) {
        starts.push((city.figures.city_id, ssr::session_start(&festival, &propose_time, &city.figures.timezone, "propose_time")?));
    }
    let mut tx = state.db.begin_write().await?;
    for (city_id, starts_at) in &starts {
        let new = super::repo::NewSession { festival: &festival, city_id: *city_id, venue: "", address: "", starts_at: *starts_at, capacity, created_by: staff.id };
        let id = super::repo::insert_session(&mut tx, &new, now).await?;
        if festival.invited_at.is_some() {
            let session = crate::meetups::repo::event_info(&mut *tx, id).await?.ok_or(AppError::NotFound)?;
            super::repo::invite_city(&mut tx, &super::emails::invitation(&festival, &session, &state.config.public_url), festival_id, *city_id, now).await?;
        }
    }
    tx.commit().await?;
    Ok(starts.len() as u64)
}

/// Publishes every session and queues the invitations to all their cities' fans, in
/// one transaction. Returns how many invitations were queued.
#[server(endpoint = "invite_festival")]
pub async fn invite_festival(festival_id: i64) -> Result<u64, AppError> {
    crate::accounts::auth::require_staff().await?;
    let state = crate::infra::request::state()?;
    let festival = ssr::festival(&state.db, festival_id).await?;
    let sessions: Vec<_> = crate::meetups::repo::festival_sessions(&state.db, festival_id)
        .await?
        .into_iter()
        .filter(|e| e.status == crate::meetups::EventStatus::Draft || e.status == crate::meetups::EventStatus::Published)
        .collect();
    if sessions.is_empty() {
        return Err(AppError::field("invite", crate::msg!(festival.errors.no_sessions)));
    }
    let now = crate::infra::clock::now();
    let mut tx = state.db.begin_write().await?;
    if !super::repo::mark_invited(&mut tx, festival_id, now).await? {
        return Err(AppError::field("invite", crate::msg!(festival.errors.already_invited)));
    }
    let mut queued = 0;
    for session in &sessions {
        let mail = super::emails::invitation(&festival, session, &state.config.public_url);
        queued += super::repo::invite_city(&mut tx, &mail, festival_id, session.city_id, now).await?;
    }
    tx.commit().await?;
    Ok(queued)
}

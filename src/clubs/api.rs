//! Server functions for clubs. Every power is checked here, on the server: staff act on
//! every club; an officer only on their own club and only while their term is in force,
//! read in the transaction of the action.
use super::{ClubHealth, ClubPage};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod ssr {
    use super::super::{officers, repo, ClubStanding, Membership, NewsView, OfficerRole, OfficerView, PastEvent};
    use crate::accounts::CurrentUser;
    use crate::error::AppError;
    use crate::infra::db::Db;
    use crate::infra::state::AppState;

    pub fn city(id: i64) -> Result<crate::cities::CityOption, AppError> {
        crate::cities::catalogue()?.iter().find(|c| c.id == id).cloned().ok_or(AppError::NotFound)
    }

    /// Every city's standing in the reader's language, ranked at most once every
    /// `STANDINGS_TTL` per process and language: ranking all 337 cities for each club
    /// page view would cost more than the rest of the page.
    pub async fn standing(db: &Db, database: &str, city_id: i64) -> Result<Option<ClubStanding>, AppError> {
        use std::collections::HashMap;
        use std::sync::{Arc, LazyLock, Mutex};
        use std::time::{Duration, Instant};
        type Standings = Arc<HashMap<i64, ClubStanding>>;
        static CACHE: LazyLock<Mutex<HashMap<(String, &'static str), (Instant, Standings)>>> = LazyLock::new(Default::default);
        const STANDINGS_TTL: Duration = Duration::from_secs(30);
        use leptos_i18n::Locale as _;
        let key = (database.to_string(), crate::infra::locale::current().as_str());
        let cached = CACHE.lock().ok().and_then(|c| c.get(&key).filter(|(at, _)| at.elapsed() < STANDINGS_TTL).map(|(_, s)| s.clone()));
        let standings = match cached {
            Some(standings) => standings,
            None => {
                let (ranked, _, _) = crate::staff::api::ssr::ranking_now(db).await?;
                let standings: Standings = Arc::new(
                    ranked
                        .into_iter()
                        .map(|c| (c.figures.city_id, ClubStanding { position: c.position, fans_needed: c.fans_needed, explanation: c.explanation }))
                        .collect(),
                );
                if let Ok(mut cache) = CACHE.lock() {
                    cache.insert(key, (Instant::now(), standings.clone()));
                }
                standings
            }
        };
        Ok(standings.get(&city_id).cloned())
    }

    pub async fn officers(db: &Db, city_id: i64, now: i64) -> Result<Vec<OfficerView>, AppError> {
        // Terms run to dates typed for the city: shown in its time zone.
        let tz = crate::cities::repo::timezone(db, city_id).await?;
        let date = |t: i64| crate::infra::clock::date_in(t, &tz);
        Ok(officers::terms(db, city_id, now, false)
            .await?
            .into_iter()
            .filter_map(|(term_id, user_id, name, role, starts, ends, _)| {
                Some(OfficerView { term_id, user_id, name, role: OfficerRole::parse(&role)?, since: date(starts), until: date(ends) })
            })
            .collect())
    }

    pub async fn past(state: &AppState, city_id: i64, now: i64) -> Result<Vec<PastEvent>, AppError> {
        let events = crate::meetups::repo::past_city_events(&state.db, city_id, now, 10).await?;
        let outcomes = repo::event_outcomes(&state.db, &events.iter().map(|e| e.id).collect::<Vec<_>>()).await?;
        Ok(events
            .iter()
            .map(|e| {
                let (attended, rating) = outcomes.iter().find(|o| o.0 == e.id).map_or((0, None), |o| (o.1, o.2.map(|r| (r, o.3))));
                PastEvent { card: crate::meetups::api::card(e), attended, rating }
            })
            .collect())
    }

    pub async fn news(db: &Db, city_id: i64) -> Result<Vec<NewsView>, AppError> {
        let locale = crate::infra::locale::current();
        Ok(repo::news(db, city_id, 0, 20)
            .await?
            .into_iter()
            .map(|(id, title, body, author, at)| NewsView {
                id,
                title,
                body_html: crate::text::render(&body),
                author,
                posted: crate::infra::clock::format_local(at, "Asia/Shanghai", locale),
            })
            .collect())
    }

    pub async fn membership(db: &Db, user: &CurrentUser, city_id: i64, now: i64) -> Result<Membership, AppError> {
        let followed = repo::followed(db, user.id).await?;
        let mut conn = db.pool.acquire().await?;
        let officer = officers::role_in(&mut conn, city_id, user.id, now).await?;
        Ok(Membership {
            user_id: user.id,
            home: user.home_city.id == city_id,
            following: followed.contains(&city_id),
            follows: followed.len(),
            officer,
            verified: user.email_verified,
        })
    }

    /// Who decides, and the reason they give (required: it goes to the log).
    pub async fn decider_with_reason(reason: &str) -> Result<(CurrentUser, AppState, String), AppError> {
        let user = crate::accounts::auth::require_user().await?;
        let mut errors = crate::error::FieldErrors::default();
        let reason = crate::infra::form::text(&mut errors, "reason", reason, 500, true);
        errors.into_result()?;
        Ok((user, crate::infra::request::state()?, reason))
    }

    /// The officer's club decisions are theirs only while in term; staff always.
    pub async fn officer_or_staff(tx: &mut crate::infra::db::Tx, user: &CurrentUser, city_id: i64, now: i64) -> Result<(), AppError> {
        if user.role.is_staff() {
            return Ok(());
        }
        officers::require(tx, city_id, user.id, now).await.map(|_| ())
    }
}

/// The club's city names (zh, en), or `NotFound`.
#[cfg(feature = "ssr")]
pub fn club_names(city: i64) -> Result<(String, String), AppError> {
    ssr::city(city).map(|c| (c.name_zh, c.name_en))
}

/// A fan's terms as an officer with what they ran (for their fan page).
#[cfg(feature = "ssr")]
pub async fn officer_record(db: &crate::infra::db::Db, user_id: i64, locale: crate::i18n::Locale) -> Result<Vec<super::OfficerRecord>, AppError> {
    let cities = crate::cities::catalogue()?;
    Ok(super::officers::record(db, user_id)
        .await?
        .into_iter()
        .filter_map(|(city_id, role, from, until, gatherings, came, rating, tz)| {
            let city = cities.iter().find(|c| c.id == city_id)?;
            Some(super::OfficerRecord {
                city_id,
                club: crate::i18n::td_string!(locale, clubs.title, city = crate::language::city_name(locale, &city.name_zh, &city.name_en)).to_string(),
                role: super::OfficerRole::parse(&role)?,
                from: crate::infra::clock::date_in(from, &tz),
                until: crate::infra::clock::date_in(until, &tz),
                gatherings,
                came,
                rating,
            })
        })
        .collect())
}

/// A city's club page: officers, members, events to come and past, news, standing.
#[server(endpoint = "load_club")]
pub async fn load_club(city: i64) -> Result<ClubPage, AppError> {
    let state = crate::infra::request::state()?;
    let info = ssr::city(city)?;
    let user = crate::accounts::auth::current_user().await?;
    let locale = crate::infra::locale::current();
    let now = crate::infra::clock::now();
    let (members, followers) = super::repo::counts(&state.db, city).await?;
    let upcoming = crate::meetups::repo::city_events(&state.db, city, now, i64::MAX).await?;
    Ok(ClubPage {
        city_id: city,
        city: crate::language::city_name(locale, &info.name_zh, &info.name_en).to_string(),
        province: info.province(locale).to_string(),
        officers: ssr::officers(&state.db, city, now).await?,
        members,
        followers,
        standing: ssr::standing(&state.db, &state.config.database_url, city).await?,
        upcoming: upcoming.iter().take(12).map(crate::meetups::api::card).collect(),
        past: ssr::past(&state, city, now).await?,
        news: ssr::news(&state.db, city).await?,
        me: match &user {
            Some(u) => Some(ssr::membership(&state.db, u, city, now).await?),
            None => None,
        },
        staff: user.as_ref().is_some_and(|u| u.role.is_staff()),
        top_bringers: crate::sharing::referrals::top_bringers(&state.db, city, now)
            .await?
            .into_iter()
            .map(|(id, name, figure)| crate::participation::Honoured { id, name, figure, public: true })
            .collect(),
    })
}

/// Follows a club (not one's own: that one is theirs already); at most `MAX_FOLLOWS`.
#[server(endpoint = "follow_club")]
pub async fn follow_club(city: i64) -> Result<bool, AppError> {
    let state = crate::infra::request::state()?;
    let user = crate::accounts::auth::require_user().await?;
    ssr::city(city)?;
    if user.home_city.id == city {
        return Err(AppError::field("follow", crate::msg!(clubs.errors.own_club)));
    }
    let mut tx = state.db.begin_write().await?;
    if !super::repo::follow(&mut tx, user.id, city, super::MAX_FOLLOWS, crate::infra::clock::now()).await? {
        return Err(AppError::field("follow", crate::msg!(clubs.errors.too_many_follows, max = super::MAX_FOLLOWS)));
    }
    tx.commit().await?;
    Ok(true)
}

#[server(endpoint = "unfollow_club")]
pub async fn unfollow_club(city: i64) -> Result<bool, AppError> {
    let state = crate::infra::request::state()?;
    let user = crate::accounts::auth::require_user().await?;
    let mut tx = state.db.begin_write().await?;
    super::repo::unfollow(&mut tx, user.id, city).await?;
    tx.commit().await?;
    Ok(false)
}

/// Staff appoint a fan (by their address) as an officer of a club until a day; the
/// reason is logged. Returns the term's id.
#[server(endpoint = "appoint_officer")]
pub async fn appoint_officer(city: i64, email: String, role: String, until: String, reason: String) -> Result<i64, AppError> {
    use super::officers::{appoint, NewTerm};
    let staff = crate::accounts::auth::require_staff().await?;
    let state = crate::infra::request::state()?;
    ssr::city(city)?;
    let now = crate::infra::clock::now();
    let mut errors = crate::error::FieldErrors::default();
    let role = super::OfficerRole::parse(&role);
    if role.is_none() {
        errors.add("role", crate::msg!(clubs.errors.choose_role));
    }
    let ends_at = crate::infra::dates::parse_date(&until).and_then(|d| crate::staff::planner::local_instant(d, chrono::NaiveTime::MIN, "Asia/Shanghai"));
    match ends_at {
        None => errors.add("until", crate::msg!(errors.date_format)),
        Some(end) if end <= now || end > now + super::MAX_TERM_DAYS * 86_400 => errors.add("until", crate::msg!(clubs.errors.term_length, days = super::MAX_TERM_DAYS)),
        Some(_) => {}
    }
    let reason = crate::infra::form::text(&mut errors, "reason", &reason, 500, true);
    let email = crate::accounts::Email::parse(&email).map_err(|m| errors.add("email", m)).ok();
    errors.into_result()?;
    let (Some(role), Some(ends_at), Some(email)) = (role, ends_at, email) else {
        return Err(AppError::Internal);
    };
    let mut tx = state.db.begin_write().await?;
    let officer = crate::accounts::repo::find_by_email(&mut tx, &email).await?;
    let Some((user_id, name, _)) = officer else {
        return Err(AppError::field("email", crate::msg!(clubs.errors.no_such_fan)));
    };
    // An address nobody confirmed may not be its holder's: no powers for it.
    let confirmed: Option<i64> = sqlx::query_scalar("SELECT email_verified_at FROM users WHERE id = $1").bind(user_id).fetch_one(&mut *tx).await?;
    if confirmed.is_none() {
        return Err(AppError::field("email", crate::msg!(clubs.errors.unconfirmed)));
    }
    let term = NewTerm { city_id: city, user_id, role, starts_at: now, ends_at, appointed_by: staff.id, reason: &reason };
    let id = appoint(&mut tx, &term, now).await?;
    let what = format!("appoint {} {name}", role.as_str());
    crate::gatherings::repo::log_for_club(&mut tx, Some(city), "officer", id, &what, &reason, (staff.id, &staff.display_name), now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Ends a term at once: staff remove an officer, or the officer resigns. Logged with
/// who and why; the officer's powers end with the commit.
#[server(endpoint = "end_officer_term")]
pub async fn end_officer_term(term: i64, reason: String) -> Result<(), AppError> {
    let (user, state, reason) = ssr::decider_with_reason(&reason).await?;
    let now = crate::infra::clock::now();
    let mut tx = state.db.begin_write().await?;
    let (id, city, officer) = super::officers::term(&mut tx, term).await?.ok_or(AppError::NotFound)?;
    let own = officer == Some(user.id);
    if !user.role.is_staff() && !own {
        return Err(AppError::Forbidden);
    }
    if !super::officers::end(&mut tx, id, now).await? {
        return Err(AppError::field("term", crate::msg!(clubs.errors.term_over)));
    }
    let action = if own { "resign" } else { "remove" };
    crate::gatherings::repo::log_for_club(&mut tx, Some(city), "officer", id, action, &reason, (user.id, &user.display_name), now).await?;
    tx.commit().await?;
    Ok(())
}

/// An officer posts club news (title, text with the few marks of descriptions).
#[server(endpoint = "post_club_news")]
pub async fn post_club_news(city: i64, title: String, body: String) -> Result<i64, AppError> {
    let user = crate::accounts::auth::require_user().await?;
    let state = crate::infra::request::state()?;
    let mut errors = crate::error::FieldErrors::default();
    let title = crate::infra::form::text(&mut errors, "title", &title, 120, true);
    let body = crate::infra::form::multiline(&mut errors, "body", &body, 5000, true);
    errors.into_result()?;
    let now = crate::infra::clock::now();
    let mut tx = state.db.begin_write().await?;
    super::officers::require(&mut tx, city, user.id, now).await?;
    if super::repo::posts_today(&mut tx, user.id, now).await? >= super::NEWS_PER_DAY {
        return Err(AppError::field("body", crate::msg!(clubs.errors.news_per_day, count = super::NEWS_PER_DAY)));
    }
    let id = super::repo::insert_news(&mut tx, city, (user.id, &user.display_name), &title, &body, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Hides a post (its club's officers, or staff), with a reason for the log.
#[server(endpoint = "hide_club_news")]
pub async fn hide_club_news(id: i64, reason: String) -> Result<(), AppError> {
    let (user, state, reason) = ssr::decider_with_reason(&reason).await?;
    let now = crate::infra::clock::now();
    let mut tx = state.db.begin_write().await?;
    let (city, status) = super::repo::news_club(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    // Outsiders cannot tell a post that exists from one that does not.
    ssr::officer_or_staff(&mut tx, &user, city, now).await.map_err(|_| AppError::NotFound)?;
    if status != "published" {
        return Err(AppError::field("reason", crate::msg!(clubs.errors.not_published)));
    }
    // A post staff put back (or decided on) stays: officers do not undo staff.
    if !user.role.is_staff() && crate::gatherings::repo::decided_by_staff(&mut tx, "news", id).await? {
        return Err(AppError::Forbidden);
    }
    super::repo::set_news_status(&mut tx, id, "hidden").await?;
    crate::gatherings::repo::log_for_club(&mut tx, Some(city), "news", id, "hide", &reason, (user.id, &user.display_name), now).await?;
    tx.commit().await?;
    Ok(())
}

/// The country at a glance for staff: every club's figures, the clubs that need
/// attention first (open reports, members but no officer), grouped by province.
#[server(endpoint = "load_club_health")]
pub async fn load_club_health(sort: Option<String>) -> Result<Vec<ClubHealth>, AppError> {
    crate::accounts::auth::require_staff().await?;
    let state = crate::infra::request::state()?;
    let locale = crate::infra::locale::current();
    let mut clubs: Vec<ClubHealth> = super::repo::health(&state.db, crate::infra::clock::now())
        .await?
        .into_iter()
        .map(|(city_id, zh, en, province_zh, province_en, members, officers, gatherings_90d, attended_90d, rating, open_reports, longitude, latitude)| ClubHealth {
            city_id,
            city: crate::language::city_name(locale, &zh, &en).to_string(),
            province: crate::language::city_name(locale, &province_zh, &province_en).to_string(),
            members,
            officers,
            gatherings_90d,
            attended_90d,
            rating,
            open_reports,
            longitude,
            latitude,
        })
        .collect();
    super::sort_clubs(&mut clubs, sort.as_deref().unwrap_or_default());
    Ok(clubs)
}

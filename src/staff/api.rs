//! Server functions for the ranking, the planner and the public "Where next?" page.
use super::{CityStanding, Dashboard, PlanPage, RankingPage};
use crate::error::AppError;
use leptos::prelude::*;


#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use super::super::planner::Schedule;
    use super::super::ranking::{rank, RankedCity, RankingRules};
    use super::super::{repo, ScheduleView};
    use crate::error::AppError;
    use crate::infra::clock::now;
    use crate::infra::db::Db;
    pub use crate::infra::clock::format_local;
    use chrono::NaiveTime;

    pub fn schedule_view(schedule: &Schedule) -> ScheduleView {
        ScheduleView {
            weekday: schedule.weekday.num_days_from_monday(),
            local_time: schedule.local_time.format("%H:%M").to_string(),
        }
    }

    /// The ranking as of now, with the settings it used; explanations in the
    /// request's language.
    pub async fn ranking_now(db: &Db) -> Result<(Vec<RankedCity>, RankingRules, Schedule), AppError> {
        let (rules, schedule) = repo::planning_settings(db).await?;
        let figures = repo::city_figures(db, now()).await?;
        Ok((rank(figures, &rules, now(), crate::infra::locale::current()), rules, schedule))
    }

    pub fn parse_count(raw: &str, field: &str, min: i64, max: i64) -> Result<i64, AppError> {
        match raw.trim().parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(AppError::field(field, crate::msg!(errors.whole_number, min = min, max = max))),
        }
    }

    pub fn parse_time(raw: &str) -> Result<NaiveTime, AppError> {
        crate::infra::dates::parse_time(raw).ok_or_else(|| AppError::field("local_time", crate::msg!(errors.time_format)))
    }
}

/// The full ranking, sorted by any column and optionally one province. `page` ("1",
/// "2", …) cuts it into pages of `RANKING_PAGE_SIZE` rows; without it (or "all") every
/// row comes back.
#[server(endpoint = "city_ranking")]
pub async fn city_ranking(
    sort: Option<String>,
    desc: Option<String>,
    province: Option<String>,
    page: Option<String>,
) -> Result<RankingPage, AppError> {
    use super::ranking::{sort as sort_rows, SortKey};
    use super::{ProvinceOption, RANKING_PAGE_SIZE};
    crate::accounts::auth::require_staff().await?;
    let state = crate::infra::request::state()?;
    let (mut rows, rules, schedule) = ssr::ranking_now(&state.db).await?;
    let mut provinces: Vec<ProvinceOption> =
        rows.iter().map(|c| ProvinceOption { en: c.figures.province_en.clone(), zh: c.figures.province_zh.clone() }).collect();
    provinces.sort_by(|a, b| a.en.cmp(&b.en));
    provinces.dedup_by(|a, b| a.en == b.en);
    let province = province.filter(|p| provinces.iter().any(|o| &o.en == p));
    if let Some(p) = &province {
        rows.retain(|c| &c.figures.province_en == p);
    }
    let sort = SortKey::parse(sort.as_deref().unwrap_or_default());
    let descending = desc.as_deref() == Some("1");
    sort_rows(&mut rows, sort, descending);
    let total = rows.len();
    let pages = total.div_ceil(RANKING_PAGE_SIZE).max(1);
    let page = page.as_deref().map(str::trim).filter(|p| !p.is_empty() && *p != "all").map(|p| p.parse::<usize>().unwrap_or(1).clamp(1, pages));
    let offset = match page {
        Some(n) => {
            let offset = (n - 1) * RANKING_PAGE_SIZE;
            rows = rows.into_iter().skip(offset).take(RANKING_PAGE_SIZE).collect();
            offset
        }
        None => 0,
    };
    Ok(RankingPage { rules, schedule: ssr::schedule_view(&schedule), rows, offset, total, page, pages, provinces, sort, descending, province })
}

#[server(endpoint = "save_planning_rules")]
pub async fn save_planning_rules(min_fans: String, cooldown_weeks: String, weekday: String, local_time: String) -> Result<(), AppError> {
    use super::planner::Schedule;
    use super::ranking::RankingRules;
    use crate::error::FieldErrors;
    crate::accounts::auth::require_staff().await?;
    let state = crate::infra::request::state()?;
    let mut errors = FieldErrors::default();
    let mut take = |result: Result<i64, AppError>, field: &str| {
        result.map_err(|e| errors.add(field, e.field_text(field).cloned().unwrap_or_else(|| crate::msg!(errors.fill_in)))).ok()
    };
    let min_fans = take(ssr::parse_count(&min_fans, "min_fans", 1, 1_000_000), "min_fans");
    let cooldown = take(ssr::parse_count(&cooldown_weeks, "cooldown_weeks", 0, 520), "cooldown_weeks");
    let day = take(ssr::parse_count(&weekday, "weekday", 0, 6), "weekday");
    let time = ssr::parse_time(&local_time).map_err(|e| errors.add("local_time", e.field_text("local_time").cloned().unwrap_or_else(|| crate::msg!(errors.time_format)))).ok();
    let (Some(min_fans), Some(cooldown_weeks), Some(day), Some(local_time)) = (min_fans, cooldown, day, time) else {
        return Err(AppError::Invalid(errors));
    };
    let rules = RankingRules { min_fans, cooldown_weeks };
    let schedule = Schedule { weekday: super::repo::weekday_from_index(day as u32), local_time };
    let mut tx = state.db.begin_write().await?;
    super::repo::save_planning_settings(&mut tx, &rules, &schedule).await?;
    tx.commit().await?;
    Ok(())
}

/// The next six biweekly slots with a proposed city each, the eligible cities to swap
/// in, and every decision made so far.
#[server(endpoint = "host_plan")]
pub async fn host_plan() -> Result<PlanPage, AppError> {
    use super::planner::{propose, slot_dates, SLOTS};
    use super::ranking::Standing;
    use super::ProposalView;
    crate::accounts::auth::require_staff().await?;
    let state = crate::infra::request::state()?;
    let (ranked, _, schedule) = ssr::ranking_now(&state.db).await?;
    let today = chrono::Utc::now().date_naive();
    let latest = super::repo::latest_scheduled(&state.db)
        .await?
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(|t| t.date_naive());
    let dates = slot_dates(today, latest, schedule.weekday, SLOTS);
    let locale = crate::infra::locale::current();
    let proposals = propose(&ranked, &dates, &schedule)
        .into_iter()
        .map(|p| ProposalView {
            date: p.date.format("%Y-%m-%d").to_string(),
            local_start: match (&p.city, p.starts_at) {
                (Some(c), Some(t)) => format!("{} ({})", ssr::format_local(t, &c.figures.timezone, locale), crate::infra::clock::zone_label(&c.figures.timezone, locale)),
                // No city, so no time zone: the date and the schedule's wall-clock time.
                _ => super::planner::local_instant(p.date, schedule.local_time, "UTC")
                    .map(|t| ssr::format_local(t, "UTC", locale))
                    .unwrap_or_else(|| p.date.format("%Y-%m-%d").to_string()),
            },
            city: p.city,
        })
        .collect();
    Ok(PlanPage {
        proposals,
        eligible: ranked.into_iter().filter(|c| c.standing == Standing::Eligible).collect(),
        schedule: ssr::schedule_view(&schedule),
        decisions: super::repo::decisions(&state.db, 100, locale).await?,
    })
}

/// Chooses the host city for a slot and creates its draft official meetup. `source`
/// says how: the planner's proposal, a swapped-in eligible city, or any city by hand.
/// Returns the draft meetup's id.
#[server(endpoint = "choose_host_city")]
pub async fn choose_host_city(date: String, city: String, source: String) -> Result<i64, AppError> {
    use super::planner::local_instant;
    use super::ranking::{Standing, DEFAULT_CAPACITY};
    use crate::meetups::repo::{insert_event, NewEvent};
    use crate::infra::clock::now;
    let staff = crate::accounts::auth::require_staff().await?;
    let state = crate::infra::request::state()?;
    let source = match source.as_str() {
        "proposal" | "swap" | "manual" => source,
        _ => return Err(AppError::field("city", crate::msg!(errors.choose_city_pick))),
    };
    let date = crate::infra::dates::parse_date(&date).ok_or_else(|| AppError::field("date", crate::msg!(errors.date_format)))?;
    if date <= chrono::Utc::now().date_naive() {
        return Err(AppError::field("date", crate::msg!(errors.date_after_today)));
    }
    let (ranked, rules, schedule) = ssr::ranking_now(&state.db).await?;
    let city_id = match city.trim().parse::<i64>() {
        Ok(id) => Some(id),
        Err(_) => crate::cities::resolve(&crate::cities::catalogue()?, &city).map(|c| c.id),
    };
    let chosen = city_id
        .and_then(|id| ranked.iter().find(|c| c.figures.city_id == id))
        .ok_or_else(|| AppError::field("city", crate::msg!(errors.unknown_city)))?;
    if source != "manual" && chosen.standing != Standing::Eligible {
        return Err(AppError::field("city", crate::language::Text::build(|l| crate::i18n::td_string!(l, errors.city_not_eligible, city = crate::language::city_name(l, &chosen.figures.name_zh, &chosen.figures.name_en), standing = chosen.standing.label(l)).to_string())));
    }
    let starts_at = local_instant(date, schedule.local_time, &chosen.figures.timezone)
        .ok_or_else(|| AppError::internal("planner", format!("bad time zone {}", chosen.figures.timezone)))?;
    let locale = crate::infra::locale::current();
    let city_label = crate::language::city_name(locale, &chosen.figures.name_zh, &chosen.figures.name_en);
    let title = crate::i18n::td_string!(locale, staff.planner.draft_title, city = city_label).to_string();
    let now = now();
    let explanation = crate::language::Text::build(|l| {
        super::ranking::explain(&chosen.figures, chosen.density, chosen.standing, &rules, now, l)
    });
    let mut tx = state.db.begin_write().await?;
    let draft = NewEvent {
        kind: crate::meetups::EventKind::Official,
        city_id: chosen.figures.city_id,
        title: &title,
        starts_at,
        ends_at: starts_at + 3 * 3600,
        capacity: Some(DEFAULT_CAPACITY),
        status: crate::meetups::EventStatus::Draft,
        created_by: Some(staff.id),
        organizer_id: None,
    };
    let event_id = insert_event(&mut tx, &draft, now).await?;
    let decision = super::repo::NewDecision {
        city: chosen,
        explanation: &explanation,
        event_id,
        slot_starts_at: starts_at,
        source: &source,
        decided_by: staff.id,
        decided_by_name: &staff.display_name,
    };
    super::repo::record_decision(&mut tx, &decision, now).await?;
    tx.commit().await?;
    Ok(event_id)
}

#[server(endpoint = "staff_dashboard")]
pub async fn staff_dashboard() -> Result<Dashboard, AppError> {
    use super::ranking::Standing;
    crate::accounts::auth::require_staff().await?;
    let state = crate::infra::request::state()?;
    let (ranked, rules, schedule) = ssr::ranking_now(&state.db).await?;
    let mut top: Vec<_> = ranked.iter().filter(|c| c.standing != Standing::TooFewFans && c.density.is_some()).cloned().collect();
    top.sort_by(|a, b| b.density.unwrap_or(0.0).total_cmp(&a.density.unwrap_or(0.0)));
    top.truncate(15);
    let map = ranked.into_iter().filter(|c| c.figures.verified_fans > 0).collect();
    Ok(Dashboard { rules, schedule: ssr::schedule_view(&schedule), top_by_density: top, map })
}

/// A city's standing for fans: the given city, else the logged-in fan's own.
#[server(endpoint = "where_next")]
pub async fn where_next(city: Option<String>) -> Result<Option<CityStanding>, AppError> {
    use super::ranking::Standing;
    let state = crate::infra::request::state()?;
    let city_id = match city.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(raw) => match raw.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => Some(crate::cities::resolve(&crate::cities::catalogue()?, raw).map(|c| c.id).ok_or_else(|| {
                AppError::field("city", crate::msg!(errors.unknown_city))
            })?),
        },
        None => crate::accounts::auth::current_user().await?.map(|u| u.home_city.id),
    };
    let Some(city_id) = city_id else {
        return Ok(None);
    };
    let (ranked, rules, _) = ssr::ranking_now(&state.db).await?;
    let eligible_cities = ranked.iter().filter(|c| c.standing == Standing::Eligible).count();
    let city = ranked.into_iter().find(|c| c.figures.city_id == city_id).ok_or(AppError::NotFound)?;
    let share_url = format!("{}/where-next?city={city_id}", state.config.public_url);
    Ok(Some(CityStanding { city, eligible_cities, min_fans: rules.min_fans, share_url }))
}

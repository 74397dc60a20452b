//! Server functions: fans apply, withdraw and reconfirm; staff see the applicants,
//! pick seats by hand, draw now and check the draw.
use super::{DrawOutcome, StaffAdmission};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub use ssr::meetup_admission;

#[cfg(feature = "ssr")]
mod ssr {
    use super::super::{repo, Admission, LogLine, MeetupAdmission, MyApplication, Reconfirm};
    use crate::infra::clock::{format_local, now};
    use crate::infra::db::Db;
    use crate::meetups::repo::EventInfo;
    use crate::meetups::EventKind;

    /// What the meetup page shows about admission: the draw's rules and the fan's
    /// application for a draw, the no-show rule at every official meetup. `fan`: the
    /// logged-in fan and whether they hold a confirmed seat (only a seat holder can be
    /// asked to reconfirm).
    ///
    /// First come, first served reads nothing more: nobody has applied (the mode changes
    /// only while nobody has, `repo::save_settings`), and the meetup page of a flash sale
    /// is read by every fan waiting for it to open.
    pub async fn meetup_admission(db: &Db, event: &EventInfo, fan: Option<(i64, bool)>, config: &crate::infra::config::Config) -> Result<Option<MeetupAdmission>, sqlx::Error> {
        let official = event.kind == EventKind::Official;
        let by_draw = event.admission == Admission::Draw;
        if !by_draw && !official {
            return Ok(None);
        }
        let draw = if by_draw { repo::event_admission(&db.pool, event.id).await? } else { None };
        let locale = crate::infra::locale::current();
        let at = now();
        let open = event.awaiting_draw
            && event.status == crate::meetups::EventStatus::Published
            && event.signup_opens_at.is_none_or(|o| at >= o)
            && draw.as_ref().and_then(|a| a.application_closes_at).is_some_and(|c| at < c);
        let mine = match fan.filter(|_| by_draw) {
            Some((user, _)) => repo::my_application(db, event.id, user).await?.map(|(answer, picked)| MyApplication { answer, picked }),
            None => None,
        };
        let reconfirm = match fan {
            Some((user, true)) => super::super::reconfirm::state(db, event.id, user)
                .await?
                .map(|(due, confirmed)| Reconfirm { due: format_local(due, &event.timezone, locale), confirmed }),
            _ => None,
        };
        Ok(Some(MeetupAdmission {
            admission: event.admission,
            official,
            closes: draw.as_ref().and_then(|a| a.application_closes_at).map(|c| format_local(c, &event.timezone, locale)),
            open,
            drawn: draw.as_ref().is_some_and(|a| a.drawn_at.is_some()),
            question: draw.as_ref().map(|a| a.application_question.clone()).unwrap_or_default(),
            applicants: if by_draw { repo::count_applied(&db.pool, event.id).await?.0 } else { 0 },
            weights: config.draw_weights,
            rule: config.no_show_rule,
            mine,
            reconfirm,
        }))
    }

    pub fn log_line(l: crate::i18n::Locale, tz: &str, (at, who, action, fan, detail): crate::admission::repo::StoredLogLine) -> LogLine {
        use crate::i18n::td_string;
        let time = |t: Option<&str>| match t.and_then(|t| t.parse::<i64>().ok()) {
            Some(t) => format_local(t, tz, l),
            None => "-".to_string(),
        };
        let action = match action.as_str() {
            "pick" => td_string!(l, admission.log.pick).to_string(),
            "unpick" => td_string!(l, admission.log.unpick).to_string(),
            "withdraw" => td_string!(l, admission.log.withdraw).to_string(),
            "schedule" => {
                let mut times = detail.split(' ');
                let (old, new) = (time(times.next()), time(times.next()));
                td_string!(l, admission.log.schedule, old = old, new = new).to_string()
            }
            _ => td_string!(l, admission.log.draw).to_string(),
        };
        let who = if who.is_empty() { td_string!(l, admission.log.timer).to_string() } else { who };
        LogLine { when: format_local(at, tz, l), who, action, fan }
    }
}

/// Applies for a seat at a meetup that selects by draw (again: changes the answer).
#[server(endpoint = "apply_for_seat")]
pub async fn apply_for_seat(id: i64, answer: Option<String>) -> Result<(), AppError> {
    let user = crate::accounts::auth::require_user().await?;
    if !user.email_verified {
        return Err(AppError::field("apply", crate::msg!(errors.confirm_email_to_sign_up)));
    }
    let mut errors = crate::error::FieldErrors::default();
    let answer = crate::infra::form::multiline(&mut errors, "answer", answer.as_deref().unwrap_or_default(), 1000, false);
    errors.into_result()?;
    let state = crate::infra::request::state()?;
    super::repo::apply(&state.db, id, user.id, &answer, crate::infra::clock::now()).await?;
    Ok(())
}

/// Withdraws the fan's application; only with the confirmation box ticked.
#[server(endpoint = "withdraw_application")]
pub async fn withdraw_application(id: i64, confirm: Option<String>) -> Result<(), AppError> {
    let user = crate::accounts::auth::require_user().await?;
    crate::infra::form::require_confirmation(confirm.as_deref())?;
    let state = crate::infra::request::state()?;
    super::repo::withdraw_application(&state.db, id, user.id, crate::infra::clock::now()).await
}

/// "I'm coming": answers the request to reconfirm a seat.
#[server(endpoint = "reconfirm_seat")]
pub async fn reconfirm_seat(id: i64) -> Result<(), AppError> {
    let user = crate::accounts::auth::require_user().await?;
    let state = crate::infra::request::state()?;
    if !super::reconfirm::reconfirm(&state.db, id, user.id, crate::infra::clock::now()).await? {
        return Err(AppError::field("reconfirm", crate::msg!(admission.errors.nothing_to_reconfirm)));
    }
    Ok(())
}

/// The applicants with their history, the picks, the log and the draw (seed, re-run).
#[server(endpoint = "load_staff_admission")]
pub async fn load_staff_admission(id: i64) -> Result<StaffAdmission, AppError> {
    use super::Applicant;
    use crate::infra::clock::format_local;
    crate::accounts::auth::require_staff().await?;
    let state = crate::infra::request::state()?;
    let event = crate::meetups::repo::event_info(&state.db.pool, id).await?.ok_or(AppError::NotFound)?;
    let a = super::repo::event_admission(&state.db.pool, id).await?.ok_or(AppError::NotFound)?;
    let l = crate::infra::locale::current();
    let tz = &event.timezone;
    let (total, picks) = super::repo::count_applied(&state.db.pool, id).await?;
    let applicants = super::repo::applicants(&state.db, id, 200)
        .await?
        .into_iter()
        .map(|r| Applicant {
            application_id: r.id,
            name: r.display_name,
            email: r.email,
            answer: r.answer,
            attended: r.attended,
            no_shows: r.no_shows,
            picked: r.picked_at.map(|t| format!("{}, {}", r.picked_by_name.unwrap_or_default(), format_local(t, tz, l))),
            position: r.position,
            selected: r.selected == Some(1),
        })
        .collect();
    let log = super::repo::log_lines(&state.db, id).await?.into_iter().map(|line| ssr::log_line(l, tz, line)).collect();
    Ok(StaffAdmission {
        admission: a.mode(),
        closes: a.application_closes_at.map(|c| format_local(c, tz, l)),
        question: a.application_question.clone(),
        capacity: event.capacity,
        drawn: a.drawn_at.map(|t| format_local(t, tz, l)),
        drawn_by: a.drawn_by_name.clone().unwrap_or_default(),
        seed: a.draw_seed.clone(),
        rerun_matches: super::run::rerun_matches(&state.db, id).await?,
        total,
        picks,
        applicants,
        log,
    })
}

/// Staff give an applicant a seat by hand before the draw (`pick` absent: take it back).
#[server(endpoint = "pick_applicant")]
pub async fn pick_applicant(id: i64, application: i64, pick: Option<String>) -> Result<(), AppError> {
    let staff = crate::accounts::auth::require_staff().await?;
    let state = crate::infra::request::state()?;
    super::repo::pick(&state.db, id, application, (staff.id, &staff.display_name), pick.is_some(), crate::infra::clock::now()).await
}

/// Runs the draw now instead of at the window's close.
#[server(endpoint = "draw_now")]
pub async fn draw_now(id: i64, confirm: Option<String>) -> Result<DrawOutcome, AppError> {
    let staff = crate::accounts::auth::require_staff().await?;
    crate::infra::form::require_confirmation(confirm.as_deref())?;
    let state = crate::infra::request::state()?;
    let a = super::repo::event_admission(&state.db.pool, id).await?.ok_or(AppError::NotFound)?;
    if a.mode() != super::Admission::Draw {
        return Err(AppError::field("draw", crate::msg!(admission.errors.not_a_draw)));
    }
    let events = crate::meetups::engine::Events::current()?;
    let by = super::run::DrawnBy::Staff { id: staff.id, name: &staff.display_name };
    let outcome = super::run::run_draw(&events, id, by, &state.config.draw_weights, &state.config.no_show_rule, None).await?;
    if !outcome.now && a.drawn_at.is_none() {
        return Err(AppError::field("draw", crate::msg!(admission.errors.not_published)));
    }
    Ok(outcome)
}

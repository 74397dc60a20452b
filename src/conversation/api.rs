//! Server functions of the conversation: fans ask, vote, report and rate; staff and a
//! gathering's organizer see questions and feedback and mark questions answered. Hiding
//! and restoring questions is a moderation decision (`gatherings::moderation::moderate`).
use super::{CityMonth, Conversation, EventConversation};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod ssr {
    use crate::accounts::CurrentUser;
    use crate::error::AppError;
    use crate::meetups::repo::EventInfo;

    /// The event, if the viewer may see its page (as `load_meetup` decides).
    pub async fn visible_event(id: i64, user: Option<&CurrentUser>) -> Result<EventInfo, AppError> {
        let state = crate::infra::request::state()?;
        let event = crate::meetups::repo::event_for_page(&state.db, id).await?.ok_or(AppError::NotFound)?;
        let staff = user.is_some_and(|u| u.role.is_staff());
        let organizer = user.is_some_and(|u| event.organizer.as_ref().is_some_and(|(id, _)| *id == u.id));
        if !staff && !organizer && !event.status.shown_to_fans() {
            return Err(AppError::NotFound);
        }
        Ok(event)
    }

    /// Staff look after every event's conversation, an organizer after their own
    /// gathering's (`meetups::may_reach_attendees`).
    pub fn looks_after(user: &CurrentUser, event: &EventInfo) -> bool {
        user.role.is_staff() || crate::meetups::may_reach_attendees(user, event.organizer.as_ref().map(|(id, _)| *id), event.status)
    }

    pub fn place_status(raw: Option<String>) -> Result<Option<crate::meetups::PlaceStatus>, AppError> {
        Ok(match raw {
            Some(raw) => Some(crate::meetups::PlaceStatus::from_db(&raw)?),
            None => None,
        })
    }

    /// A seat or a place on the waiting list (then an application does not matter).
    pub fn holds_place(place: Option<crate::meetups::PlaceStatus>) -> bool {
        matches!(place, Some(crate::meetups::PlaceStatus::Confirmed | crate::meetups::PlaceStatus::Waitlisted))
    }

    /// Why a fan may not ask or vote, beside `field`.
    pub fn refusal(rule: super::super::AskRule, field: &str) -> AppError {
        use super::super::AskRule;
        match rule {
            AskRule::LogIn => AppError::Unauthorized,
            AskRule::NeedPlace => AppError::field(field, crate::msg!(conversation.errors.need_place)),
            AskRule::Closed | AskRule::Open => AppError::field(field, crate::msg!(conversation.errors.closed)),
        }
    }
}

/// A meetup's questions (ranked, hidden ones left out) and what the viewer may do.
#[server(endpoint = "load_conversation")]
pub async fn load_conversation(id: i64) -> Result<Conversation, AppError> {
    use super::{ask_rule, feedback_state, rank, repo, QUESTIONS_PER_FAN};
    let user = crate::accounts::auth::current_user().await?;
    let event = ssr::visible_event(id, user.as_ref()).await?;
    let state = crate::infra::request::state()?;
    let door_closed = event.door_closed_at.is_some();
    let viewer = user.as_ref().map(|u| u.id);
    let mut questions = repo::questions(&state.db, id, viewer, false, false).await?;
    rank(&mut questions);
    let (place, applied, outcome, given, asked) = match viewer {
        Some(uid) => {
            let s = repo::standing(&state.db, id, uid).await?;
            (ssr::place_status(s.place)?, s.applied, s.outcome, s.given, s.asked)
        }
        None => (None, false, None, None, 0),
    };
    let now = crate::infra::clock::now();
    Ok(Conversation {
        event_id: id,
        questions,
        ask: ask_rule(user.is_some(), place, applied, event.status, now, event.ends_at, door_closed),
        questions_left: (QUESTIONS_PER_FAN - asked).max(0),
        feedback: if user.is_some() { feedback_state(door_closed, outcome.as_deref(), given) } else { super::FeedbackState::NotYet },
    })
}

/// A fan with a place (or an application to a drawn meetup) asks the team a question (at most `QUESTIONS_PER_FAN` per
/// meetup). Returns the question's id.
#[server(endpoint = "ask_question")]
pub async fn ask_question(id: i64, body: String) -> Result<i64, AppError> {
    use super::{ask_rule, repo, AskRule, QUESTIONS_PER_FAN, QUESTION_MAX_CHARS, QUESTION_MIN_CHARS};
    let user = crate::accounts::auth::require_user().await?;
    let state = crate::infra::request::state()?;
    let mut errors = crate::error::FieldErrors::default();
    let body = crate::infra::form::multiline(&mut errors, "body", &body, QUESTION_MAX_CHARS, true);
    if errors.is_empty() && body.chars().count() < QUESTION_MIN_CHARS {
        errors.add("body", crate::msg!(conversation.errors.too_short, min = QUESTION_MIN_CHARS));
    }
    errors.into_result()?;
    state.rate_limits.check(&state.db, crate::infra::rate_limit::Limit::Question, &[format!("user:{}", user.id)]).await?;
    let event = ssr::visible_event(id, Some(&user)).await?;
    let door_closed = event.door_closed_at.is_some();
    let now = crate::infra::clock::now();
    let mut tx = state.db.begin_write().await?;
    // The fan's registration (or application) is locked: questions asked at once are
    // counted in turn.
    let row_lock = state.db.dialect.row_lock();
    let place = ssr::place_status(repo::lock_place(&mut tx, row_lock, id, user.id).await?)?;
    let applied = !ssr::holds_place(place) && repo::live_application(&mut *tx, row_lock, id, user.id).await?;
    let rule = ask_rule(true, place, applied, event.status, now, event.ends_at, door_closed);
    if rule != AskRule::Open {
        return Err(ssr::refusal(rule, "body"));
    }
    if repo::asked(&mut *tx, id, user.id).await? >= QUESTIONS_PER_FAN {
        return Err(AppError::field("body", crate::msg!(conversation.errors.too_many, count = QUESTIONS_PER_FAN)));
    }
    let question = repo::insert_question(&mut tx, id, user.id, &body, now).await?;
    // The room's screen shows the questions wall.
    crate::live::hub::changed(&mut tx, id, now).await?;
    tx.commit().await?;
    Ok(question)
}

/// Up-votes another fan's question. Voting again changes nothing; returns whether this
/// vote counted.
#[server(endpoint = "vote_question")]
pub async fn vote_question(id: i64) -> Result<bool, AppError> {
    use super::{ask_rule, may_vote, repo, AskRule};
    let user = crate::accounts::auth::require_user().await?;
    let state = crate::infra::request::state()?;
    let question = repo::question(&state.db.pool, id).await?.ok_or(AppError::NotFound)?;
    if question.hidden == 1 {
        return Err(AppError::NotFound);
    }
    let event = ssr::visible_event(question.event_id, Some(&user)).await?;
    let door_closed = event.door_closed_at.is_some();
    let place = ssr::place_status(repo::place_status(&state.db, event.id, user.id).await?)?;
    let applied = !ssr::holds_place(place) && repo::live_application(&state.db.pool, "", event.id, user.id).await?;
    let rule = ask_rule(true, place, applied, event.status, crate::infra::clock::now(), event.ends_at, door_closed);
    let own = question.user_id == Some(user.id);
    if !may_vote(rule, own, false) {
        return Err(if own && rule == AskRule::Open { AppError::field("vote", crate::msg!(conversation.errors.own_question)) } else { ssr::refusal(rule, "vote") });
    }
    let mut tx = state.db.begin_write().await?;
    let counted = repo::vote(&mut tx, id, user.id, crate::infra::clock::now()).await?;
    if counted {
        crate::live::hub::changed(&mut tx, event.id, crate::infra::clock::now()).await?;
    }
    tx.commit().await?;
    Ok(counted)
}

/// A fan reports a question to staff; it joins the gathering reports' queue.
#[server(endpoint = "report_question")]
pub async fn report_question(id: i64, category: String, details: String) -> Result<(), AppError> {
    use super::repo;
    let (user, state, details) = crate::gatherings::api::reporter(&category, &details).await?;
    let question = repo::question(&state.db.pool, id).await?.filter(|q| q.hidden == 0).ok_or(AppError::NotFound)?;
    ssr::visible_event(question.event_id, Some(&user)).await?;
    let mut tx = state.db.begin_write().await?;
    if !crate::gatherings::repo::insert_report(&mut tx, question.event_id, Some(question.id), user.id, &category, &details, crate::infra::clock::now()).await? {
        return Err(AppError::field("details", crate::msg!(errors.already_reported)));
    }
    tx.commit().await?;
    Ok(())
}

/// An attendee rates the meetup (1–5) with an optional comment, once.
#[server(endpoint = "leave_feedback")]
pub async fn leave_feedback(id: i64, rating: Option<String>, comment: Option<String>) -> Result<(), AppError> {
    use super::{may_rate, parse_rating, repo, COMMENT_MAX_CHARS};
    let user = crate::accounts::auth::require_user().await?;
    let state = crate::infra::request::state()?;
    let mut errors = crate::error::FieldErrors::default();
    let rating = parse_rating(rating.as_deref().unwrap_or_default());
    if rating.is_none() {
        errors.add("rating", crate::msg!(conversation.errors.choose_rating));
    }
    let comment = crate::infra::form::multiline(&mut errors, "comment", &comment.unwrap_or_default(), COMMENT_MAX_CHARS, false);
    errors.into_result()?;
    let event = ssr::visible_event(id, Some(&user)).await?;
    let door_closed = event.door_closed_at.is_some();
    let mut tx = state.db.begin_write().await?;
    if !may_rate(repo::outcome(&mut *tx, id, user.id).await?.as_deref()) {
        let message = if door_closed { crate::msg!(conversation.errors.only_attendees) } else { crate::msg!(conversation.errors.not_yet) };
        return Err(AppError::field("rating", message));
    }
    if !repo::insert_feedback(&mut tx, id, user.id, rating.unwrap_or_default(), &comment, crate::infra::clock::now()).await? {
        return Err(AppError::field("rating", crate::msg!(conversation.errors.already_rated)));
    }
    tx.commit().await?;
    Ok(())
}

/// A meetup's questions (hidden ones too, with who asked) and its feedback, for staff
/// and for the organizer of a gathering.
#[server(endpoint = "event_conversation")]
pub async fn load_event_conversation(id: i64) -> Result<EventConversation, AppError> {
    use super::{rank, repo};
    let user = crate::accounts::auth::require_user().await?;
    let state = crate::infra::request::state()?;
    let event = crate::meetups::repo::event_info(&state.db.pool, id).await?.ok_or(AppError::NotFound)?;
    if !ssr::looks_after(&user, &event) {
        return Err(AppError::Forbidden);
    }
    let staff = user.role.is_staff();
    // Organizers do not moderate: hidden questions stay out of their sight.
    let mut questions = repo::questions(&state.db, id, Some(user.id), staff, true).await?;
    rank(&mut questions);
    Ok(EventConversation { event_id: id, questions, feedback: repo::feedback_summary(&state.db, id).await?, staff })
}

/// Marks a question answered (`answered` present) or not.
#[server(endpoint = "mark_answered")]
pub async fn mark_answered(id: i64, answered: Option<String>) -> Result<(), AppError> {
    use crate::accounts::Role;
    let user = crate::accounts::auth::require_user().await?;
    if !matches!(user.role, Role::Organizer | Role::Staff | Role::Admin) {
        return Err(AppError::Forbidden);
    }
    let state = crate::infra::request::state()?;
    let question = super::repo::question(&state.db.pool, id).await?.ok_or(AppError::NotFound)?;
    let event = crate::meetups::repo::event_info(&state.db.pool, question.event_id).await?.ok_or(AppError::NotFound)?;
    if !ssr::looks_after(&user, &event) {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.begin_write().await?;
    super::repo::set_answered(&mut tx, id, answered.is_some(), crate::infra::clock::now()).await?;
    crate::live::hub::changed(&mut tx, event.id, crate::infra::clock::now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Ratings per city and month (of the meetups' start, local time), for staff.
#[server(endpoint = "feedback_by_city")]
pub async fn feedback_by_city() -> Result<Vec<CityMonth>, AppError> {
    crate::accounts::auth::require_staff().await?;
    let state = crate::infra::request::state()?;
    let locale = crate::infra::locale::current();
    let rows = super::repo::feedback_per_event(&state.db)
        .await?
        .into_iter()
        .map(|(city_id, zh, en, starts_at, tz, count, sum)| {
            let month = crate::infra::clock::format_input(starts_at, &tz).chars().take(7).collect();
            (city_id, crate::language::city_name(locale, &zh, &en).to_string(), month, count, sum)
        })
        .collect();
    Ok(super::by_city_month(rows))
}

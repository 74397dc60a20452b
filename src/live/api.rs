//! Server functions of the live part: fans' phones (checked-in fans answer), those who
//! run it (staff, or the gathering's organizer: `participation::api::event_for_door`),
//! and the room's screen link. Every change is numbered for the streams (`hub`).
use super::{DrawView, PhoneView, RunView, Standing};
use crate::error::AppError;
use leptos::prelude::*;

/// The room's screen: opened with its link's key (no log-in), or by those running it.
#[server(endpoint = "live_screen")]
pub async fn load_live_screen(event: i64, key: Option<String>) -> Result<super::LiveState, AppError> {
    let state = crate::infra::request::state()?;
    let info = crate::meetups::repo::event_info(&state.db.pool, event).await?.ok_or(AppError::NotFound)?;
    // The link's key from the address (an API caller's), or as the page's first visit
    // left it (`screen_key`).
    let keys = key.into_iter().chain(super::screen_key::of_request(state.config.secure_cookies())).collect();
    let by_key = super::screen_key::first_that_opens(&state.db.pool, &info, keys).await?.is_some();
    if !by_key {
        let user = crate::accounts::auth::require_user().await?;
        if !crate::participation::api::may_run_the_door(&user, &info) {
            return Err(AppError::Forbidden);
        }
    }
    Ok(super::repo::state(&state.db, event, &info.title, ssr::now_ms()).await?)
}

/// A checked-in fan's phone (or a runner's view of it): the shared state and their own part.
#[server(endpoint = "live_phone")]
pub async fn load_live_phone(event: i64) -> Result<PhoneView, AppError> {
    let (state, user, info) = ssr::viewer(event).await?;
    let shared = super::repo::state(&state.db, event, &info.title, ssr::now_ms()).await?;
    let checked_in = super::repo::is_checked_in(&state.db.pool, event, user.id).await?;
    let answered = match shared.current.as_ref() {
        Some(item) => super::repo::my_answer(&state.db.pool, item.id, user.id).await?.map(|c| c as usize),
        None => None,
    };
    let ranked = super::scoring::standings(&super::repo::quiz_answers(&state.db.pool, event).await?);
    let mine = ranked.iter().position(|t| t.user_id == user.id);
    let me = super::Myself { checked_in, answered, score: mine.map(|i| ranked[i].score).unwrap_or(0), place: mine.map(|i| i + 1) };
    Ok(PhoneView { state: shared, me })
}

/// A checked-in fan answers the open poll or quiz question: once (pressed again, the
/// first answer stands, and is returned), and within its time.
#[server(endpoint = "answer_live")]
pub async fn answer_live(item: i64, choice: i64) -> Result<i64, AppError> {
    // Logged in first: a visitor learns nothing of which items exist.
    let user = crate::accounts::auth::require_user().await?;
    let state = crate::infra::request::state()?;
    let row = super::repo::item(&state.db.pool, item).await?.ok_or(AppError::NotFound)?;
    if !super::repo::is_checked_in(&state.db.pool, row.event_id, user.id).await? {
        return Err(AppError::field("choice", crate::msg!(live.errors.not_checked_in)));
    }
    // Those running it see the answers: they do not play.
    let info = crate::meetups::repo::event_info(&state.db.pool, row.event_id).await?.ok_or(AppError::NotFound)?;
    if crate::participation::api::may_run_the_door(&user, &info) {
        return Err(AppError::field("choice", crate::msg!(live.errors.runners_do_not_play)));
    }
    state.rate_limits.check(&state.db, crate::infra::rate_limit::Limit::LiveAnswer, &[format!("user:{}", user.id)]).await?;
    let now_ms = ssr::now_ms();
    let mut tx = state.db.begin_write().await?;
    // Held: an answer and the item's closing take turns, so none lands after it closed.
    let row = super::repo::hold_item(&mut tx, item).await?.ok_or(AppError::NotFound)?;
    if row.status() != super::ItemStatus::Open {
        return Err(AppError::field("choice", crate::msg!(live.errors.not_open)));
    }
    if row.closes_at.is_some_and(|closes| now_ms > closes + super::LATE_GRACE_MS) {
        return Err(AppError::field("choice", crate::msg!(live.errors.too_late)));
    }
    if choice < 0 || choice as usize >= row.options().len() {
        return Err(AppError::field("choice", crate::msg!(live.errors.choose)));
    }
    let opened = row.opened_at.unwrap_or(now_ms);
    let elapsed = (now_ms - opened).max(0);
    let limit = row.closes_at.map_or(0, |c| c - opened);
    let score = match (row.kind(), row.correct) {
        (super::ItemKind::Quiz, Some(correct)) => super::scoring::points(choice == correct, elapsed, limit),
        _ => 0,
    };
    let (stands, new) = super::repo::answer(&mut tx, item, user.id, choice, elapsed, score, crate::infra::clock::now()).await?;
    // Pressed again: nothing changed, nobody's screen is told.
    if new {
        super::hub::changed(&mut tx, row.event_id, crate::infra::clock::now()).await?;
    }
    tx.commit().await?;
    Ok(stands)
}

/// Everything those running the event's live part need.
#[server(endpoint = "live_run")]
pub async fn load_live_run(event: i64) -> Result<RunView, AppError> {
    let info = crate::participation::api::event_for_door(event).await?;
    let user = crate::accounts::auth::require_user().await?;
    let state = crate::infra::request::state()?;
    let shared = super::repo::state(&state.db, event, &info.title, ssr::now_ms()).await?;
    Ok(RunView {
        items: super::repo::items(&state.db.pool, event, true).await?,
        bank: super::repo::bank(&state.db.pool, event, user.id, user.role.is_staff()).await?,
        has_screen: super::repo::screen_key_hash(&state.db.pool, event).await?.is_some(),
        quiz_decided: super::repo::quiz_decided(&state.db.pool, event).await?,
        state: shared,
    })
}

/// Prepares a poll or quiz question (shown once opened).
#[server(endpoint = "save_live_item")]
pub async fn save_live_item(event: i64, kind: String, question: String, options: String, correct: Option<String>, seconds: Option<String>) -> Result<i64, AppError> {
    let info = crate::participation::api::event_for_door(event).await?;
    let user = crate::accounts::auth::require_user().await?;
    let state = crate::infra::request::state()?;
    let item = super::check_item(&kind, &question, &options, correct.as_deref().unwrap_or(""), seconds.as_deref().unwrap_or("")).map_err(ssr::item_errors)?;
    ssr::limit_runner(&state, user.id).await?;
    let now = crate::infra::clock::now();
    let mut tx = state.db.begin_write().await?;
    // A draft shows nowhere but the run page: nobody's screen is told.
    let id = super::repo::insert_item(&mut tx, info.id, &item, user.id, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Copies a question from the bank (another event its runner may run) into `event`,
/// as a draft.
#[server(endpoint = "copy_live_item")]
pub async fn copy_live_item(item: i64, event: i64) -> Result<i64, AppError> {
    let info = crate::participation::api::event_for_door(event).await?;
    let user = crate::accounts::auth::require_user().await?;
    let state = crate::infra::request::state()?;
    let source = super::repo::item(&state.db.pool, item).await?.ok_or(AppError::NotFound)?;
    ssr::limit_runner(&state, user.id).await?;
    // The source is theirs to read too: another organizer's questions stay theirs.
    crate::participation::api::event_for_door(source.event_id).await?;
    let now = crate::infra::clock::now();
    let mut tx = state.db.begin_write().await?;
    let copy = super::repo::copy_item(&mut tx, &source, info.id, user.id, now).await?;
    tx.commit().await?;
    Ok(copy)
}

/// Opens an item (closing whichever was open; a quiz's time starts) or closes it.
#[server(endpoint = "switch_live_item")]
pub async fn switch_live_item(item: i64, action: String) -> Result<(), AppError> {
    let user = crate::accounts::auth::require_user().await?;
    let state = crate::infra::request::state()?;
    let row = super::repo::item(&state.db.pool, item).await?.ok_or(AppError::NotFound)?;
    crate::participation::api::event_for_door(row.event_id).await?;
    ssr::limit_runner(&state, user.id).await?;
    let (now, now_ms) = (crate::infra::clock::now(), ssr::now_ms());
    let mut tx = state.db.begin_write().await?;
    // One item opens at a time per event, whoever presses.
    super::repo::lock_event(&mut tx, row.event_id).await?;
    let row = super::repo::hold_item(&mut tx, item).await?.ok_or(AppError::NotFound)?;
    match action.as_str() {
        "open" => {
            // A quiz question opens once: closed, it showed its answer (opened again it
            // would be a gift); open, opening again would restart its time.
            if row.kind() == super::ItemKind::Quiz && row.status() != super::ItemStatus::Draft {
                return Err(AppError::field("action", crate::msg!(live.errors.reopen_quiz)));
            }
            if row.kind() == super::ItemKind::Quiz && super::repo::quiz_decided(&state.db.pool, row.event_id).await? {
                return Err(AppError::field("action", crate::msg!(live.errors.quiz_over)));
            }
            super::repo::open_item(&mut tx, &row, now_ms).await?
        }
        "close" => {
            super::repo::close_open_items(&mut tx, row.event_id, now_ms).await?;
        }
        _ => return Err(AppError::field("action", crate::msg!(live.errors.action))),
    }
    super::hub::changed(&mut tx, row.event_id, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Draws one winner among the checked-in fans who have not won yet (without staff and
/// club officers when `team` is "exclude"); the seed goes on the screen and the record.
#[server(endpoint = "lucky_draw")]
pub async fn lucky_draw(event: i64, team: Option<String>) -> Result<DrawView, AppError> {
    let (info, user, state) = ssr::runner(event).await?;
    let now = crate::infra::clock::now();
    let mut tx = state.db.begin_write().await?;
    // One draw at a time per event.
    super::repo::lock_event(&mut tx, event).await?;
    let eligible = super::repo::eligible(&mut tx, event, team.as_deref() == Some("exclude"), now).await?;
    let seed = super::lucky::new_seed();
    let winner = super::lucky::pick(&seed, &eligible).ok_or_else(|| AppError::field("draw", crate::msg!(live.errors.nobody_to_draw)))?;
    let name = super::repo::names(&state.db.pool, &[winner]).await?.remove(&winner).unwrap_or_default();
    let round = super::repo::insert_draw(&mut tx, info.id, &seed, &eligible, winner, &name, user.id, now).await?;
    super::hub::changed(&mut tx, event, now).await?;
    tx.commit().await?;
    tracing::info!(event, round, %seed, eligible = eligible.len(), winner, "lucky draw");
    Ok(DrawView { round, seed, winner: name, eligible: eligible.len() })
}

/// Decides the quiz once its questions are done: the first three places earn points,
/// the first the quiz champion's badge (through the participation ledger, once).
#[server(endpoint = "decide_quiz")]
pub async fn decide_quiz(event: i64) -> Result<Vec<Standing>, AppError> {
    let (_, _, state) = ssr::runner(event).await?;
    let now = crate::infra::clock::now();
    let mut tx = state.db.begin_write().await?;
    // Decided once, in turn: the event's live lock first, then whether it was decided.
    super::repo::lock_event(&mut tx, event).await?;
    crate::participation::awards::write_the_record_alone(&mut tx).await?;
    let decided: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM quiz_winners WHERE event_id = $1").bind(event).fetch_one(&mut *tx).await?;
    if decided == 0 {
        if super::repo::quiz_open(&mut tx, event).await? {
            return Err(AppError::field("quiz", crate::msg!(live.errors.quiz_still_open)));
        }
        // A handful of friends at a tiny gathering earn nobody points.
        if super::repo::quiz_players(&state.db.pool, event).await? < super::QUIZ_MIN_PLAYERS {
            return Err(AppError::field("quiz", crate::msg!(live.errors.too_few_players, count = super::QUIZ_MIN_PLAYERS)));
        }
        let ranked = super::scoring::standings(&super::repo::quiz_answers(&state.db.pool, event).await?);
        let winners = super::scoring::winners(&ranked);
        if winners.is_empty() {
            return Err(AppError::field("quiz", crate::msg!(live.errors.no_winner)));
        }
        super::repo::decide_quiz(&mut tx, event, &winners, now).await?;
        super::hub::changed(&mut tx, event, now).await?;
    }
    let decided: Vec<(i64, i64, i64)> = sqlx::query_as("SELECT place, user_id, score FROM quiz_winners WHERE event_id = $1 AND user_id IS NOT NULL ORDER BY place").bind(event).fetch_all(&mut *tx).await?;
    for (_, fan, _) in &decided {
        crate::participation::awards::settle(&mut tx, crate::participation::awards::Fans::One(*fan), now, &state.config.public_url).await?;
    }
    tx.commit().await?;
    let names = super::repo::names(&state.db.pool, &decided.iter().map(|d| d.1).collect::<Vec<_>>()).await?;
    Ok(decided.into_iter().map(|(place, fan, score)| Standing { place: place as usize, name: names.get(&fan).cloned().unwrap_or_default(), score }).collect())
}

/// Makes the room's screen link (a new one replaces the old): the screen opens it
/// without logging in. Returns the link, shown to whoever made it.
#[server(endpoint = "screen_link")]
pub async fn make_screen_link(event: i64) -> Result<String, AppError> {
    let (info, user, state) = ssr::runner(event).await?;
    // A link that would open nothing is not made: the meetup cancelled, or its time over.
    if info.status == crate::meetups::EventStatus::Cancelled {
        return Err(AppError::field("screen", crate::msg!(common.signup.cancelled)));
    }
    if !super::screen_link_opens(info.ends_at, crate::infra::clock::now()) {
        return Err(AppError::field("screen", crate::msg!(live.errors.screen_over, hours = super::SCREEN_LINK_AFTER_END_SECS / 3600)));
    }
    let key = crate::infra::secrets::random_secret();
    let mut tx = state.db.begin_write().await?;
    super::repo::set_screen_key(&mut tx, info.id, &ssr::key_hash(&key), user.id, crate::infra::clock::now()).await?;
    tx.commit().await?;
    Ok(format!("{}/events/{event}/live?key={key}", state.config.public_url))
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use crate::accounts::CurrentUser;
    use crate::error::{AppError, FieldErrors};
    use crate::infra::state::AppState;
    use crate::meetups::repo::EventInfo;

    pub fn now_ms() -> i64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
    }

    /// The screen key as stored.
    pub fn key_hash(key: &str) -> String {
        crate::infra::secrets::digest(key)
    }

    /// A phone's viewer: those running the event, or a fan with a confirmed seat.
    pub async fn viewer(event: i64) -> Result<(AppState, CurrentUser, EventInfo), AppError> {
        let user = crate::accounts::auth::require_user().await?;
        let state = crate::infra::request::state()?;
        let info = crate::meetups::repo::event_info(&state.db.pool, event).await?.ok_or(AppError::NotFound)?;
        if !crate::participation::api::may_run_the_door(&user, &info) && !super::super::repo::has_seat(&state.db.pool, event, user.id).await? {
            return Err(AppError::Forbidden);
        }
        Ok((state, user, info))
    }

    /// One who runs the event's live part (staff, or the gathering's organizer), within
    /// the runners' rate limit: the event, them, and the state.
    pub async fn runner(event: i64) -> Result<(EventInfo, CurrentUser, AppState), AppError> {
        let info = crate::participation::api::event_for_door(event).await?;
        let user = crate::accounts::auth::require_user().await?;
        let state = crate::infra::request::state()?;
        limit_runner(&state, user.id).await?;
        Ok((info, user, state))
    }

    /// Those running the live part act often, but not without end.
    pub async fn limit_runner(state: &AppState, user: i64) -> Result<(), AppError> {
        state.rate_limits.check(&state.db, crate::infra::rate_limit::Limit::LiveRun, &[format!("user:{user}")]).await
    }

    pub fn item_errors(problems: Vec<super::super::ItemProblem>) -> AppError {
        use super::super::ItemProblem;
        let mut errors = FieldErrors::default();
        for problem in problems {
            let text = match problem {
                ItemProblem::Kind => crate::msg!(live.errors.kind),
                ItemProblem::Question => crate::msg!(live.errors.question, max = super::super::QUESTION_MAX_CHARS),
                ItemProblem::OptionCount => crate::msg!(live.errors.option_count, min = super::super::OPTIONS.0, max = super::super::OPTIONS.1),
                ItemProblem::OptionLength => crate::msg!(live.errors.option_length, max = super::super::OPTION_MAX_CHARS),
                ItemProblem::Correct => crate::msg!(live.errors.correct),
                ItemProblem::Seconds => crate::msg!(live.errors.seconds, min = super::super::QUIZ_SECONDS.0, max = super::super::QUIZ_SECONDS.1),
            };
            errors.add(problem.field(), text);
        }
        errors.into_result().err().unwrap_or(AppError::Internal)
    }
}

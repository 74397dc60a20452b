//! Running the draw: one write transaction, guarded so that only one process draws
//! (`UPDATE events SET drawn_at = … WHERE drawn_at IS NULL`); the pure `draw::draw`
//! orders the applicants; staff picks and then the drawn take the seats through the
//! engine's conditional update; the head of the waiting list joins it in drawn order;
//! the tickets and those fans' "not this time" emails are queued in the same
//! transaction. The rest of the waiting list follows in batches (`waiting`).
//!
//! The draw's rows are written set-based: one statement stores the whole draw (a JSON
//! array bound once), one `INSERT … SELECT` from it registers a range of waiting fans
//! (ticket codes made by the database), and one statement per language queues their
//! numbered emails. 100,000 applicants: a handful of statements, not 300,000.
use super::draw::{self, Entrant};
use super::rules::{self, DrawWeights, History, NoShowRule};
use super::waiting::{self, Batches};
use super::DrawOutcome;
use crate::email::outbox;
use crate::error::AppError;
use crate::infra::db::Tx;
use crate::meetups::engine::Events;
use crate::meetups::{places, repo as events_repo, PlaceStatus};
use std::fmt::Write as _;
use std::time::Instant;

/// Who starts a draw: the timer at the window's close, or a staff member ("draw now").
#[derive(Debug, Clone, Copy)]
pub enum DrawnBy<'a> {
    Timer,
    Staff { id: i64, name: &'a str },
}

#[derive(Debug, sqlx::FromRow)]
struct ApplicationRow {
    id: i64,
    user_id: i64,
    picked_at: Option<i64>,
    email: String,
    attended: i64,
    recent_no_shows: i64,
    last_selected: Option<i64>,
}

/// Draws event `event_id` unless it has been drawn, and writes its whole waiting list;
/// `seed` for tests (else a fresh one).
pub async fn run_draw(events: &Events, event_id: i64, by: DrawnBy<'_>, weights: &DrawWeights, rule: &NoShowRule, seed: Option<[u8; 32]>) -> Result<DrawOutcome, AppError> {
    let batches = Batches::default();
    let outcome = draw_transaction(events, event_id, by, weights, rule, seed, batches).await?;
    // Also when another process drew: it may have stopped before the list was written.
    waiting::finish_draw(events, event_id, batches.per_batch).await?;
    Ok(outcome)
}

/// The draw itself (see the module): when it returns, the order, the seats and the head
/// of the waiting list are committed; `waiting::finish_draw` writes the rest.
pub async fn draw_transaction(
    events: &Events,
    event_id: i64,
    by: DrawnBy<'_>,
    weights: &DrawWeights,
    rule: &NoShowRule,
    seed: Option<[u8; 32]>,
    batches: Batches,
) -> Result<DrawOutcome, AppError> {
    let seed = seed.unwrap_or_else(draw::random_seed);
    let mut timer = Phases::start();
    let mut tx = events.begin().await?;
    if let Some(sql) = tx.dialect.without_jit() {
        // PostgreSQL would compile the applicants' query (100,000 rows) for ~0.1 s first.
        sqlx::query(sql).execute(&mut **tx).await?;
    }
    let now = tx.now;
    let staff_id = match by {
        DrawnBy::Staff { id, .. } => Some(id),
        DrawnBy::Timer => None,
    };
    let claimed: Option<i64> = sqlx::query_scalar(
        "UPDATE events SET drawn_at = $1, draw_seed = $2, drawn_by = $3, updated_at = $1 \
         WHERE id = $4 AND admission = 'draw' AND drawn_at IS NULL AND status = 'published' RETURNING id",
    )
    .bind(now)
    .bind(draw::seed_to_hex(&seed))
    .bind(staff_id)
    .bind(event_id)
    .fetch_optional(&mut **tx)
    .await?;
    if claimed.is_none() {
        drop(tx);
        return outcome_of(events, event_id).await;
    }
    let event = events_repo::event_info(&mut **tx, event_id).await?.ok_or(AppError::NotFound)?;
    let rows = applicants(&mut tx, event_id, rule.window_start(now)).await?;
    timer.lap("load");
    // Staff picks first, in the order they were picked; then the draw.
    let mut picks: Vec<&ApplicationRow> = rows.iter().filter(|r| r.picked_at.is_some()).collect();
    picks.sort_by_key(|r| (r.picked_at, r.id));
    // One entry per inbox: a second application from `li+2@…` draws nothing (weight 0
    // puts it after everyone drawn, `draw::draw`), whatever accounts it came from.
    let mut inboxes = std::collections::HashSet::new();
    let second_entries: std::collections::HashSet<i64> =
        rows.iter().filter(|r| !inboxes.insert(crate::accounts::canonical_inbox(&r.email))).map(|r| r.id).collect();
    let weight_of = |r: &ApplicationRow| match second_entries.contains(&r.id) && r.picked_at.is_none() {
        true => 0,
        false => rules::weight(weights, &History { attended: r.attended, recent_no_shows: r.recent_no_shows, passed_over_last_time: r.last_selected == Some(0) }),
    };
    let entrants: Vec<Entrant> = rows.iter().filter(|r| r.picked_at.is_none()).map(|r| Entrant { application_id: r.id, weight: weight_of(r) }).collect();
    let drawn = draw::draw(&seed, &entrants);
    let by_id: std::collections::HashMap<i64, &ApplicationRow> = rows.iter().map(|r| (r.id, r)).collect();
    let order: Vec<&ApplicationRow> = picks.iter().copied().chain(drawn.iter().filter_map(|id| by_id.get(id).copied())).collect();
    let free = event.capacity.map_or(i64::MAX, |c| (c - event.confirmed).max(0));
    let seats = (order.len() as i64).min(free) as usize;
    timer.lap("draw");

    // The draw's inputs and result, kept for anyone to re-run.
    let entries: Vec<[i64; 4]> = order.iter().zip(1..).map(|(r, position)| [r.id, r.user_id, weight_of(r) as i64, position]).collect();
    store_entries(&mut tx, event_id, &entries, picks.len(), seats, now).await?;
    timer.lap("store");
    // Seats, one by one through the engine's conditional update, each with its ticket.
    for row in &order[..seats] {
        let claimed = places::claim(&mut tx, event_id, row.user_id, &crate::meetups::tickets::new_ticket_code(), now).await?;
        let Some(ticket) = places::settle(&mut tx, &claimed, PlaceStatus::Confirmed, None, now).await? else {
            tracing::error!(event_id, user_id = row.user_id, "a registration existed before the draw");
            return Err(AppError::Internal);
        };
        if !places::take_seat(&mut tx, event_id, now).await? {
            tracing::error!(event_id, "the draw found fewer seats than it counted");
            return Err(AppError::Internal);
        }
        let fan = crate::accounts::repo::contact(&mut tx, row.user_id).await?.ok_or(AppError::NotFound)?;
        let mail = crate::meetups::emails::seat_confirmed(fan.locale, &event, &fan.email, &fan.display_name, &ticket, claimed.id, claimed.generation + 1, tx.base_url(), false);
        outbox::enqueue(&mut tx, &mail, now).await?;
    }
    timer.lap("seats");

    let waiting = order.len() - seats;
    if waiting > 0 {
        // Later sign-ups queue behind the whole list, written or not yet.
        sqlx::query("UPDATE events SET waitlist_counter = $2 WHERE id = $1").bind(event_id).bind(waiting as i64).execute(&mut **tx).await?;
        let (from, last) = (seats as i64 + 1, order.len() as i64);
        let to = (from + batches.in_draw.max(1)).min(last + 1);
        waiting::write_positions(&mut tx, event_id, seats as i64, from, to).await?;
        waiting::leave_pending(&mut tx, event_id, (to <= last).then_some(to)).await?;
        timer.lap("waiting list head and emails");
    }
    // Every draw is logged: by whom, or by the timer at the close of applications.
    let actor = match by {
        DrawnBy::Staff { id, name } => Some((id, name)),
        DrawnBy::Timer => None,
    };
    super::repo::log(&mut tx, event_id, actor, None, "draw", "", now).await?;
    tx.commit().await?;
    timer.lap("commit");
    tracing::info!(event_id, applicants = order.len(), seats, phases = %timer, "draw");
    Ok(DrawOutcome { selected: seats as i64, waitlisted: waiting as i64, now: true })
}

/// The applicants with their record (for the weights), in application order.
async fn applicants(tx: &mut Tx, event_id: i64, no_show_window_start: i64) -> Result<Vec<ApplicationRow>, sqlx::Error> {
    let counted = super::rules::counted_event("x");
    sqlx::query_as(&format!(
        "SELECT a.id, a.user_id, a.picked_at, u.email, \
           (SELECT COUNT(*) FROM attendance t JOIN events x ON x.id = t.event_id \
             WHERE t.user_id = a.user_id AND t.outcome = 'attended' AND {counted}) AS attended, \
           (SELECT COUNT(*) FROM attendance t JOIN events x ON x.id = t.event_id \
             WHERE t.user_id = a.user_id AND t.outcome = 'no_show' AND x.starts_at >= $2 AND {counted}) AS recent_no_shows, \
           (SELECT d.selected FROM draw_entries d JOIN events x ON x.id = d.event_id \
             WHERE d.user_id = a.user_id AND d.event_id <> a.event_id AND {counted} \
             ORDER BY d.drawn_at DESC, d.event_id DESC LIMIT 1) AS last_selected \
         FROM applications a JOIN users u ON u.id = a.user_id WHERE a.event_id = $1 AND a.status = 'applied' ORDER BY a.id",
    ))
    .bind(event_id)
    .bind(no_show_window_start)
    .fetch_all(&mut **tx)
    .await
}

/// Stores the draw, one row per applicant: `[application, user, weight, position]`
/// (positions from 1 in drawn order; the first `picks` picked by staff, the first
/// `seats` selected). One statement: the rows go in as one JSON array, in application
/// order (the order of the table's keys: each row lands at the end of its indexes).
async fn store_entries(tx: &mut Tx, event_id: i64, entries: &[[i64; 4]], picks: usize, seats: usize, now: i64) -> Result<(), sqlx::Error> {
    let mut sorted = entries.to_vec();
    sorted.sort_unstable();
    let mut json = String::with_capacity(sorted.len() * 32 + 2);
    json.push('[');
    for (i, [application, user, weight, position]) in sorted.iter().enumerate() {
        let comma = if i == 0 { "" } else { "," };
        let _ = write!(json, "{comma}[{application},{user},{weight},{position}]");
    }
    json.push(']');
    let sql = format!(
        "INSERT INTO draw_entries (event_id, application_id, user_id, weight, position, picked, selected, drawn_at) \
         SELECT $1, j.c0, j.c1, j.c2, j.c3, CASE WHEN j.c3 <= $3 THEN 1 ELSE 0 END, CASE WHEN j.c3 <= $4 THEN 1 ELSE 0 END, $5 FROM {} j",
        tx.dialect.json_rows("$2", 4)
    );
    sqlx::query(&sql).bind(event_id).bind(json).bind(picks as i64).bind(seats as i64).bind(now).execute(&mut **tx).await?;
    Ok(())
}

/// How long each part of a draw took, for its log line.
struct Phases {
    last: Instant,
    laps: Vec<(&'static str, u128)>,
}

impl Phases {
    fn start() -> Phases {
        Phases { last: Instant::now(), laps: Vec::new() }
    }

    fn lap(&mut self, name: &'static str) {
        self.laps.push((name, self.last.elapsed().as_millis()));
        self.last = Instant::now();
    }
}

impl std::fmt::Display for Phases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.laps.iter().map(|(name, ms)| format!("{name} {ms} ms")).collect();
        f.write_str(&parts.join(", "))
    }
}

/// What an earlier draw did.
async fn outcome_of(events: &Events, event_id: i64) -> Result<DrawOutcome, AppError> {
    let (selected, total): (i64, i64) =
        sqlx::query_as("SELECT CAST(COALESCE(SUM(selected), 0) AS BIGINT), COUNT(*) FROM draw_entries WHERE event_id = $1").bind(event_id).fetch_one(&events.db.pool).await?;
    Ok(DrawOutcome { selected, waitlisted: total - selected, now: false })
}

/// Re-runs a stored draw from its seed and inputs: whether it gives the stored order.
/// `None` when the event has not been drawn.
pub async fn rerun_matches(db: &crate::infra::db::Db, event_id: i64) -> Result<Option<bool>, sqlx::Error> {
    let seed: Option<Option<String>> = sqlx::query_scalar("SELECT draw_seed FROM events WHERE id = $1").bind(event_id).fetch_optional(&db.pool).await?;
    let Some(seed) = seed.flatten().and_then(|s| draw::seed_from_hex(&s)) else { return Ok(None) };
    let stored: Vec<(i64, i64, i64)> =
        sqlx::query_as("SELECT application_id, weight, position FROM draw_entries WHERE event_id = $1 AND picked = 0 ORDER BY position")
            .bind(event_id)
            .fetch_all(&db.pool)
            .await?;
    let entrants: Vec<Entrant> = stored.iter().map(|(id, weight, _)| Entrant { application_id: *id, weight: *weight as u64 }).collect();
    let again = draw::draw(&seed, &entrants);
    Ok(Some(again == stored.iter().map(|(id, _, _)| *id).collect::<Vec<_>>()))
}

/// Events whose application window has closed and that have not been drawn.
pub async fn due(db: &crate::infra::db::Db, now: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM events WHERE admission = 'draw' AND drawn_at IS NULL AND status = 'published' AND application_closes_at <= $1 ORDER BY application_closes_at LIMIT 100",
    )
    .bind(now)
    .fetch_all(&db.pool)
    .await
}

/// Draws every event whose window has closed. Safe in several processes at once: the
/// guarded update lets one draw each event; the others find it drawn.
pub async fn draw_due(state: &crate::infra::state::AppState, events: &Events) -> Result<usize, AppError> {
    let due = due(&state.db, events.clock.now()).await?;
    for event_id in &due {
        run_draw(events, *event_id, DrawnBy::Timer, &state.config.draw_weights, &state.config.no_show_rule, None).await?;
    }
    Ok(due.len())
}

/// Every 30 s: the draws that are due, then the reconfirmations (asks and releases).
pub async fn admission_timers_forever(state: crate::infra::state::AppState) {
    loop {
        let events = Events::new(state.db.clone(), &state.config.public_url, crate::infra::clock::Clock::System);
        if let Err(error) = draw_due(&state, &events).await {
            tracing::error!(%error, "draws");
        }
        if let Err(error) = waiting::finish_unfinished_draws(&events, Batches::default().per_batch).await {
            tracing::error!(%error, "waiting lists of draws");
        }
        if let Err(error) = super::reconfirm::run_due(&events, &state.config.no_show_rule).await {
            tracing::error!(%error, "reconfirmations");
        }
        tokio::time::sleep(std::time::Duration::from_secs(30)).await;
    }
}


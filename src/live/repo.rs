//! Storage of the live part of an event: items and answers, draws, the quiz's result,
//! the screen's key, and what the streams show (`state`).
use super::{scoring, DrawView, ItemKind, ItemStatus, LiveItem, LiveState, NewItem, Standing, WallQuestion, LEADERBOARD, WALL};
use crate::infra::db::{Db, Tx};
use sqlx::AnyPool;

/// An item as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemRow {
    pub id: i64,
    pub event_id: i64,
    pub kind: String,
    pub question: String,
    pub options: String,
    pub correct: Option<i64>,
    pub seconds: Option<i64>,
    pub status: String,
    pub opened_at: Option<i64>,
    pub closes_at: Option<i64>,
}

const ITEM: &str = "SELECT id, event_id, kind, question, options, correct, seconds, status, opened_at, closes_at FROM live_items";

impl ItemRow {
    pub fn kind(&self) -> ItemKind {
        ItemKind::parse(&self.kind).unwrap_or(ItemKind::Poll)
    }

    pub fn status(&self) -> ItemStatus {
        ItemStatus::parse(&self.status).unwrap_or(ItemStatus::Draft)
    }

    pub fn options(&self) -> Vec<String> {
        serde_json::from_str(&self.options).unwrap_or_default()
    }

    /// As shown: a quiz's answer and counts only once closed, unless `runner`.
    fn view(&self, counts: Vec<i64>, runner: bool) -> LiveItem {
        let (kind, status) = (self.kind(), self.status());
        let shown = runner || kind == ItemKind::Poll || status == ItemStatus::Closed;
        let answers = counts.iter().sum();
        LiveItem {
            id: self.id,
            kind,
            question: self.question.clone(),
            options: self.options(),
            status,
            seconds: self.seconds,
            opened_at_ms: self.opened_at,
            closes_at_ms: self.closes_at,
            counts: if shown { counts } else { Vec::new() },
            answers,
            correct: self.correct.filter(|_| runner || status == ItemStatus::Closed).map(|c| c as usize),
        }
    }
}

pub async fn insert_item(tx: &mut Tx, event: i64, item: &NewItem, by: i64, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO live_items (event_id, kind, question, options, correct, seconds, status, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'draft', $7, $8) RETURNING id",
    )
    .bind(event)
    .bind(item.kind.as_str())
    .bind(&item.question)
    .bind(serde_json::to_string(&item.options).unwrap_or_else(|_| "[]".into()))
    .bind(item.correct.map(|c| c as i64))
    .bind(item.seconds)
    .bind(by)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

/// Questions of other events that `user` may run (staff: any; an organizer: their own
/// gatherings'), newest first: the question bank.
pub async fn bank(pool: &AnyPool, event: i64, user: i64, staff: bool) -> Result<Vec<super::BankItem>, sqlx::Error> {
    let rows: Vec<(i64, String, String, String)> = sqlx::query_as(&format!(
        "SELECT i.id, i.kind, i.question, e.title FROM live_items i JOIN events e ON e.id = i.event_id \
         WHERE i.event_id <> $1 AND ($2 = 1 OR e.organizer_id = $3) ORDER BY i.id DESC LIMIT {}",
        super::BANK
    ))
    .bind(event)
    .bind(i64::from(staff))
    .bind(user)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|(id, kind, question, event_title)| super::BankItem { id, kind: ItemKind::parse(&kind).unwrap_or(ItemKind::Poll), question, event_title }).collect())
}

/// Copies an item into `event` as a draft; the copy's id.
pub async fn copy_item(tx: &mut Tx, item: &ItemRow, event: i64, by: i64, now: i64) -> Result<i64, sqlx::Error> {
    let new = NewItem { kind: item.kind(), question: item.question.clone(), options: item.options(), correct: item.correct.map(|c| c as usize), seconds: item.seconds };
    insert_item(tx, event, &new, by, now).await
}

pub async fn item(pool: &AnyPool, id: i64) -> Result<Option<ItemRow>, sqlx::Error> {
    sqlx::query_as(&format!("{ITEM} WHERE id = $1")).bind(id).fetch_optional(pool).await
}

/// The item's row, held until the transaction ends (answers and closing take turns).
pub async fn hold_item(tx: &mut Tx, id: i64) -> Result<Option<ItemRow>, sqlx::Error> {
    let sql = format!("{ITEM} WHERE id = $1 {}", tx.dialect.hold_rows());
    sqlx::query_as(&sql).bind(id).fetch_optional(&mut **tx).await
}

/// Opening items, drawing and deciding the quiz take turns per event: a lock of the
/// event's live part only (PostgreSQL: a transaction-scoped advisory lock; SQLite has
/// one writer). Not the event's row: the door takes that row and the record's lock in
/// an order a live action must not cross. Take it before any other lock.
pub async fn lock_event(tx: &mut Tx, event: i64) -> Result<(), sqlx::Error> {
    if tx.dialect == crate::infra::db::Dialect::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(72110427, CAST($1 AS INTEGER))").bind(event).execute(&mut **tx).await?;
    }
    Ok(())
}

/// Opens an item (closing whichever was open): a quiz's time starts now.
pub async fn open_item(tx: &mut Tx, item: &ItemRow, now_ms: i64) -> Result<(), sqlx::Error> {
    close_open_items(tx, item.event_id, now_ms).await?;
    let closes = item.seconds.filter(|_| item.kind() == ItemKind::Quiz).map(|s| now_ms + s * 1000);
    sqlx::query("UPDATE live_items SET status = 'open', opened_at = $1, closes_at = $2, closed_at = NULL WHERE id = $3")
        .bind(now_ms)
        .bind(closes)
        .bind(item.id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn close_open_items(tx: &mut Tx, event: i64, now_ms: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("UPDATE live_items SET status = 'closed', closed_at = $1 WHERE event_id = $2 AND status = 'open'")
        .bind(now_ms)
        .bind(event)
        .execute(&mut **tx)
        .await?
        .rows_affected())
}

/// Records a fan's answer once: pressed again, from any phone, the first stands. The
/// answer that stands, and whether it is this one.
pub async fn answer(tx: &mut Tx, item: i64, user: i64, choice: i64, elapsed_ms: i64, score: i64, now: i64) -> Result<(i64, bool), sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO live_answers (item_id, user_id, choice, elapsed_ms, score, answered_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (item_id, user_id) DO NOTHING",
    )
    .bind(item)
    .bind(user)
    .bind(choice)
    .bind(elapsed_ms)
    .bind(score)
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1;
    let stands = sqlx::query_scalar("SELECT choice FROM live_answers WHERE item_id = $1 AND user_id = $2").bind(item).bind(user).fetch_one(&mut **tx).await?;
    Ok((stands, inserted))
}

pub async fn my_answer(pool: &AnyPool, item: i64, user: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT choice FROM live_answers WHERE item_id = $1 AND user_id = $2").bind(item).bind(user).fetch_optional(pool).await
}

/// Whether the fan's seat at the event is confirmed and checked in.
pub async fn is_checked_in(pool: &AnyPool, event: i64, user: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM registrations WHERE event_id = $1 AND user_id = $2 AND status = 'confirmed' AND checked_in_at IS NOT NULL")
        .bind(event)
        .bind(user)
        .fetch_one(pool)
        .await?;
    Ok(n > 0)
}

/// Whether the fan holds a confirmed seat (the phone page is theirs to see).
pub async fn has_seat(pool: &AnyPool, event: i64, user: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM registrations WHERE event_id = $1 AND user_id = $2 AND status = 'confirmed'").bind(event).bind(user).fetch_one(pool).await?;
    Ok(n > 0)
}

/// Every closed quiz answer of the event: (user, score, elapsed ms).
pub async fn quiz_answers(pool: &AnyPool, event: i64) -> Result<Vec<(i64, i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.user_id, a.score, a.elapsed_ms FROM live_answers a JOIN live_items i ON i.id = a.item_id \
         WHERE i.event_id = $1 AND i.kind = 'quiz' AND i.status = 'closed'",
    )
    .bind(event)
    .fetch_all(pool)
    .await
}

/// The quiz's places, decided once: the rows written now (none if decided before).
pub async fn decide_quiz(tx: &mut Tx, event: i64, winners: &[scoring::Total], now: i64) -> Result<u64, sqlx::Error> {
    let mut written = 0;
    for (place, winner) in winners.iter().enumerate() {
        written += sqlx::query("INSERT INTO quiz_winners (event_id, place, user_id, score, decided_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id, place) DO NOTHING")
            .bind(event)
            .bind(place as i64 + 1)
            .bind(winner.user_id)
            .bind(winner.score)
            .bind(now)
            .execute(&mut **tx)
            .await?
            .rows_affected();
    }
    Ok(written)
}

/// How many fans answered the event's closed quiz questions.
pub async fn quiz_players(pool: &AnyPool, event: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(DISTINCT a.user_id) FROM live_answers a JOIN live_items i ON i.id = a.item_id WHERE i.event_id = $1 AND i.kind = 'quiz'")
        .bind(event)
        .fetch_one(pool)
        .await
}

/// Whether one of the event's quiz questions is open.
pub async fn quiz_open(tx: &mut Tx, event: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM live_items WHERE event_id = $1 AND kind = 'quiz' AND status = 'open'").bind(event).fetch_one(&mut **tx).await?;
    Ok(n > 0)
}

pub async fn quiz_decided(pool: &AnyPool, event: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM quiz_winners WHERE event_id = $1").bind(event).fetch_one(pool).await?;
    Ok(n > 0)
}

/// Who may win the next lucky draw: checked-in fans with a confirmed seat who have not
/// won at this event, without staff and current club officers when `team_excluded`.
pub async fn eligible(tx: &mut Tx, event: i64, team_excluded: bool, now: i64) -> Result<Vec<i64>, sqlx::Error> {
    let team = if team_excluded {
        "AND u.role = 'fan' AND NOT EXISTS (SELECT 1 FROM club_officers o WHERE o.user_id = r.user_id AND o.starts_at <= $2 AND o.ends_at > $2 AND o.ended_at IS NULL)"
    } else {
        "AND $2 = $2"
    };
    let sql = format!(
        "SELECT r.user_id FROM registrations r JOIN users u ON u.id = r.user_id \
         WHERE r.event_id = $1 AND r.status = 'confirmed' AND r.checked_in_at IS NOT NULL {team} \
           AND NOT EXISTS (SELECT 1 FROM live_draws d WHERE d.event_id = r.event_id AND d.winner_id = r.user_id) ORDER BY r.user_id"
    );
    sqlx::query_scalar(&sql).bind(event).bind(now).fetch_all(&mut **tx).await
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_draw(tx: &mut Tx, event: i64, seed: &str, eligible: &[i64], winner: i64, name: &str, by: i64, now: i64) -> Result<i64, sqlx::Error> {
    let round: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(round), 0) + 1 FROM live_draws WHERE event_id = $1").bind(event).fetch_one(&mut **tx).await?;
    sqlx::query("INSERT INTO live_draws (event_id, round, seed, eligible, winner_id, winner_name, drawn_by, drawn_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(event)
        .bind(round)
        .bind(seed)
        .bind(serde_json::to_string(eligible).unwrap_or_else(|_| "[]".into()))
        .bind(winner)
        .bind(name)
        .bind(by)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(round)
}

pub async fn set_screen_key(tx: &mut Tx, event: i64, key_hash: &str, by: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM live_screens WHERE event_id = $1").bind(event).execute(&mut **tx).await?;
    sqlx::query("INSERT INTO live_screens (event_id, key_hash, created_by, created_at) VALUES ($1, $2, $3, $4)").bind(event).bind(key_hash).bind(by).bind(now).execute(&mut **tx).await?;
    Ok(())
}

pub async fn screen_key_hash(pool: &AnyPool, event: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT key_hash FROM live_screens WHERE event_id = $1").bind(event).fetch_optional(pool).await
}

/// Whether `key` is the event's current screen link's, and the link still opens
/// (`screen_link_opens`; never at a cancelled meetup).
pub async fn screen_key_opens(pool: &AnyPool, event: &crate::meetups::repo::EventInfo, key: &str, now: i64) -> Result<bool, sqlx::Error> {
    if event.status == crate::meetups::EventStatus::Cancelled || !super::screen_link_opens(event.ends_at, now) {
        return Ok(false);
    }
    let stored = screen_key_hash(pool, event.id).await?;
    Ok(stored.is_some_and(|hash| crate::infra::secrets::digest(key) == hash))
}

/// The number of the event's latest change (0 before any).
pub async fn version(pool: &AnyPool, event: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM live_changes WHERE event_id = $1").bind(event).fetch_one(pool).await
}

/// Every item of the event, in the order made, with its answers per option.
pub async fn items(pool: &AnyPool, event: i64, runner: bool) -> Result<Vec<LiveItem>, sqlx::Error> {
    let rows: Vec<ItemRow> = sqlx::query_as(&format!("{ITEM} WHERE event_id = $1 ORDER BY id")).bind(event).fetch_all(pool).await?;
    let counts: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT a.item_id, a.choice, COUNT(*) FROM live_answers a JOIN live_items i ON i.id = a.item_id WHERE i.event_id = $1 GROUP BY a.item_id, a.choice",
    )
    .bind(event)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .map(|row| {
            let mut per_option = vec![0; row.options().len()];
            for (_, choice, n) in counts.iter().filter(|c| c.0 == row.id) {
                if let Some(slot) = per_option.get_mut(*choice as usize) {
                    *slot = *n;
                }
            }
            row.view(per_option, runner)
        })
        .collect())
}

/// What every screen and phone shows.
pub async fn state(db: &Db, event: i64, title: &str, now_ms: i64) -> Result<LiveState, sqlx::Error> {
    let version = version(&db.pool, event).await?;
    let items = items(&db.pool, event, false).await?;
    let current = items.iter().rev().find(|i| i.status == ItemStatus::Open).or_else(|| items.iter().rev().find(|i| i.status == ItemStatus::Closed)).cloned();
    let ranked = scoring::standings(&quiz_answers(&db.pool, event).await?);
    let top: Vec<&scoring::Total> = ranked.iter().filter(|t| t.score > 0).take(LEADERBOARD).collect();
    let names = names(&db.pool, &top.iter().map(|t| t.user_id).collect::<Vec<_>>()).await?;
    let leaderboard = top.iter().enumerate().map(|(i, t)| Standing { place: i + 1, name: names.get(&t.user_id).cloned().unwrap_or_default(), score: t.score }).collect();
    let questions: Vec<(String, i64, Option<i64>)> = sqlx::query_as(&format!(
        "SELECT q.body, (SELECT COUNT(*) FROM question_votes v WHERE v.question_id = q.id), q.answered_at FROM questions q \
         WHERE q.event_id = $1 AND q.hidden = 0 ORDER BY CASE WHEN q.answered_at IS NULL THEN 0 ELSE 1 END, 2 DESC, q.id LIMIT {WALL}"
    ))
    .bind(event)
    .fetch_all(&db.pool)
    .await?;
    let draws: Vec<(i64, String, String, String)> = sqlx::query_as("SELECT round, seed, winner_name, eligible FROM live_draws WHERE event_id = $1 ORDER BY round DESC").bind(event).fetch_all(&db.pool).await?;
    let checked_in: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM registrations WHERE event_id = $1 AND status = 'confirmed' AND checked_in_at IS NOT NULL").bind(event).fetch_one(&db.pool).await?;
    Ok(LiveState {
        event_id: event,
        title: title.to_string(),
        version,
        current,
        leaderboard,
        questions: questions.into_iter().map(|(body, votes, answered)| WallQuestion { body, votes, answered: answered.is_some() }).collect(),
        draws: draws
            .into_iter()
            .map(|(round, seed, winner, eligible)| DrawView { round, seed, winner, eligible: serde_json::from_str::<Vec<i64>>(&eligible).map(|e| e.len()).unwrap_or(0) })
            .collect(),
        checked_in,
        now_ms,
    })
}

pub async fn names(pool: &AnyPool, ids: &[i64]) -> Result<std::collections::HashMap<i64, String>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let rows: Vec<(i64, String)> = sqlx::query_as(&format!("SELECT id, display_name FROM users WHERE id IN ({list})")).fetch_all(pool).await?;
    Ok(rows.into_iter().collect())
}

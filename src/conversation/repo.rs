//! Storage for questions, their votes, reports about them, and feedback.
use super::{FeedbackSummary, QuestionView};
use crate::infra::db::{Db, Tx};

/// When the event's door closed; `None` for an unknown event, `Some(None)` while open.
/// Where a fan stands with an event, as its conversation needs it: their place's status,
/// a live application to an undrawn meetup, the door's verdict, the feedback they gave
/// and how many questions they asked. One statement: the meetup page is read by every
/// fan waiting for sign-up to open.
pub struct Standing {
    pub place: Option<String>,
    pub applied: bool,
    pub outcome: Option<String>,
    pub given: Option<(i64, String)>,
    pub asked: i64,
}

pub async fn standing(db: &Db, event_id: i64, user_id: i64) -> Result<Standing, sqlx::Error> {
    let (place, applied, outcome, rating, comment, asked): (Option<String>, i64, Option<String>, Option<i64>, Option<String>, i64) = sqlx::query_as(
        "SELECT (SELECT status FROM registrations WHERE event_id = $1 AND user_id = $2), \
                CAST((SELECT COUNT(*) FROM applications a JOIN events e ON e.id = a.event_id \
                      WHERE a.event_id = $1 AND a.user_id = $2 AND a.status = 'applied' AND e.admission = 'draw' AND e.drawn_at IS NULL) AS BIGINT), \
                (SELECT outcome FROM attendance WHERE event_id = $1 AND user_id = $2), \
                (SELECT rating FROM feedback WHERE event_id = $1 AND user_id = $2), \
                (SELECT comment FROM feedback WHERE event_id = $1 AND user_id = $2), \
                CAST((SELECT COUNT(*) FROM questions WHERE event_id = $1 AND user_id = $2) AS BIGINT)",
    )
    .bind(event_id)
    .bind(user_id)
    .fetch_one(&db.pool)
    .await?;
    Ok(Standing { place, applied: applied > 0, outcome, given: rating.map(|r| (r, comment.unwrap_or_default())), asked })
}

#[derive(sqlx::FromRow)]
struct QuestionRow {
    id: i64,
    body: String,
    answered_at: Option<i64>,
    hidden: i64,
    user_id: Option<i64>,
    display_name: Option<String>,
    created_at: i64,
    votes: i64,
    voted: i64,
}

/// An event's questions (unranked); hidden ones only with `include_hidden`, askers'
/// names only with `names`. `viewer` marks the viewer's own questions and votes.
pub async fn questions(db: &Db, event_id: i64, viewer: Option<i64>, include_hidden: bool, names: bool) -> Result<Vec<QuestionView>, sqlx::Error> {
    let rows: Vec<QuestionRow> = sqlx::query_as(&format!(
        "SELECT q.id, q.body, q.answered_at, q.hidden, q.user_id, u.display_name, q.created_at, \
                (SELECT COUNT(*) FROM question_votes v WHERE v.question_id = q.id) AS votes, \
                (SELECT COUNT(*) FROM question_votes v WHERE v.question_id = q.id AND v.user_id = $2) AS voted \
         FROM questions q LEFT JOIN users u ON u.id = q.user_id WHERE q.event_id = $1 {}",
        if include_hidden { "" } else { "AND q.hidden = 0" }
    ))
    .bind(event_id)
    .bind(viewer.unwrap_or(-1))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| QuestionView {
            id: r.id,
            body: r.body,
            votes: r.votes,
            answered: r.answered_at.is_some(),
            hidden: r.hidden == 1,
            mine: viewer.is_some() && r.user_id == viewer,
            voted: r.voted > 0,
            asker: if names { Some(r.display_name.unwrap_or_default()) } else { None },
            created_at: r.created_at,
        })
        .collect())
}

/// The fan's registration status at an event, locking the registration until the
/// transaction ends (`row_lock` from `Dialect::row_lock`): two questions asked at once
/// by one fan are counted one after the other.
pub async fn lock_place(tx: &mut Tx, row_lock: &str, event_id: i64, user_id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(&format!("SELECT status FROM registrations WHERE event_id = $1 AND user_id = $2 {row_lock}"))
        .bind(event_id)
        .bind(user_id)
        .fetch_optional(&mut **tx)
        .await
}

/// Whether the fan has a live application to the event (applied and not withdrawn, to a
/// meetup whose seats are drawn, before the draw); `row_lock` locks the application, so
/// questions an applicant asks at once are counted in turn.
pub async fn live_application(executor: impl sqlx::Executor<'_, Database = sqlx::Any>, row_lock: &str, event_id: i64, user_id: i64) -> Result<bool, sqlx::Error> {
    let id: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT a.id FROM applications a WHERE a.event_id = $1 AND a.user_id = $2 AND a.status = 'applied' \
         AND EXISTS (SELECT 1 FROM events e WHERE e.id = a.event_id AND e.admission = 'draw' AND e.drawn_at IS NULL) {row_lock}"
    ))
    .bind(event_id)
    .bind(user_id)
    .fetch_optional(executor)
    .await?;
    Ok(id.is_some())
}

/// The fan's registration status at an event.
pub async fn place_status(db: &Db, event_id: i64, user_id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT status FROM registrations WHERE event_id = $1 AND user_id = $2").bind(event_id).bind(user_id).fetch_optional(&db.pool).await
}

/// Questions a fan asked about an event (hidden ones count too).
pub async fn asked(executor: impl sqlx::Executor<'_, Database = sqlx::Any>, event_id: i64, user_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM questions WHERE event_id = $1 AND user_id = $2").bind(event_id).bind(user_id).fetch_one(executor).await
}

pub async fn insert_question(tx: &mut Tx, event_id: i64, user_id: i64, body: &str, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("INSERT INTO questions (event_id, user_id, body, hidden, created_at) VALUES ($1, $2, $3, 0, $4) RETURNING id")
        .bind(event_id)
        .bind(user_id)
        .bind(body)
        .bind(now)
        .fetch_one(&mut **tx)
        .await
}

/// A question's event, asker and whether it is hidden.
#[derive(sqlx::FromRow)]
pub struct QuestionRef {
    pub id: i64,
    pub event_id: i64,
    pub user_id: Option<i64>,
    pub hidden: i64,
}

pub async fn question(executor: impl sqlx::Executor<'_, Database = sqlx::Any>, id: i64) -> Result<Option<QuestionRef>, sqlx::Error> {
    sqlx::query_as("SELECT id, event_id, user_id, hidden FROM questions WHERE id = $1").bind(id).fetch_optional(executor).await
}

/// One vote; `false` if the fan had already voted (the unique key decides, so two
/// presses at once count once).
pub async fn vote(tx: &mut Tx, question_id: i64, user_id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("INSERT INTO question_votes (question_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (question_id, user_id) DO NOTHING")
        .bind(question_id)
        .bind(user_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_answered(tx: &mut Tx, id: i64, answered: bool, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE questions SET answered_at = $1 WHERE id = $2").bind(answered.then_some(now)).bind(id).execute(&mut **tx).await?;
    Ok(())
}

/// Hides or restores a question; `false` if there is no such question.
pub async fn set_hidden(tx: &mut Tx, id: i64, hidden: bool) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE questions SET hidden = $1 WHERE id = $2").bind(i64::from(hidden)).bind(id).execute(&mut **tx).await?;
    Ok(done.rows_affected() == 1)
}

/// The question a report is about, if it is about one.
pub async fn question_of_report(tx: &mut Tx, report_id: i64) -> Result<Option<i64>, sqlx::Error> {
    let found: Option<Option<i64>> = sqlx::query_scalar("SELECT question_id FROM reports WHERE id = $1").bind(report_id).fetch_optional(&mut **tx).await?;
    Ok(found.flatten())
}

/// What the door recorded for a fan at an event ('attended' or 'no_show').
pub async fn outcome(executor: impl sqlx::Executor<'_, Database = sqlx::Any>, event_id: i64, user_id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT outcome FROM attendance WHERE event_id = $1 AND user_id = $2").bind(event_id).bind(user_id).fetch_optional(executor).await
}

/// Stores a fan's feedback; `false` if they had already left some (the unique key decides).
pub async fn insert_feedback(tx: &mut Tx, event_id: i64, user_id: i64, rating: i64, comment: &str, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO feedback (event_id, user_id, rating, comment, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id, user_id) DO NOTHING",
    )
    .bind(event_id)
    .bind(user_id)
    .bind(rating)
    .bind(comment)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An event's ratings: count, average and the comments (newest first).
pub async fn feedback_summary(db: &Db, event_id: i64) -> Result<FeedbackSummary, sqlx::Error> {
    let (count, sum): (i64, i64) = sqlx::query_as("SELECT COUNT(*), CAST(COALESCE(SUM(rating), 0) AS BIGINT) FROM feedback WHERE event_id = $1")
        .bind(event_id)
        .fetch_one(&db.pool)
        .await?;
    let comments: Vec<(i64, String)> = sqlx::query_as("SELECT rating, comment FROM feedback WHERE event_id = $1 AND comment <> '' ORDER BY created_at DESC, user_id")
        .bind(event_id)
        .fetch_all(&db.pool)
        .await?;
    Ok(FeedbackSummary { count, average: super::average(sum, count), comments })
}

/// Per rated event: (city id, city "中文 English", start, time zone, ratings, sum).
pub async fn feedback_per_event(db: &Db) -> Result<Vec<(i64, String, String, i64, String, i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT e.city_id, c.name_zh, c.name_en, e.starts_at, c.timezone, COUNT(*), CAST(SUM(f.rating) AS BIGINT) \
         FROM feedback f JOIN events e ON e.id = f.event_id JOIN cities c ON c.id = e.city_id \
         GROUP BY e.id, e.city_id, c.name_zh, c.name_en, e.starts_at, c.timezone",
    )
    .fetch_all(&db.pool)
    .await
}

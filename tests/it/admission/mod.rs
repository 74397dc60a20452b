//! Admission (issue 13): apply then select by a seeded, reproducible draw, and no-shows,
//! fairly. Every rule on SQLite and PostgreSQL; times are set in the database or given
//! as fixed clocks, never waited for.
mod apply;
mod draw;
mod gatherings;
mod history;
mod no_shows;
mod waiting;

use crate::common;
use tongcheng::admission::run::{run_draw, DrawnBy};
use tongcheng::admission::{DrawOutcome, DrawWeights, NoShowRule};
use tongcheng::error::AppError;
use tongcheng::infra::clock::now;
use tongcheng::infra::db::Db;
use tongcheng::meetups::engine::Events;
use tongcheng::meetups::repo::{insert_event, NewEvent};
use tongcheng::meetups::{EventKind, EventStatus};

pub const HOUR: i64 = 3600;
pub const DAY: i64 = 24 * HOUR;
pub const SEED: [u8; 32] = [42; 32];

/// A published official meetup a week away that selects by draw; applications close
/// `closes_in` seconds from now.
pub async fn draw_event(db: &Db, city_id: i64, capacity: i64, closes_in: i64) -> i64 {
    let mut tx = db.begin_write().await.unwrap();
    let start = now() + 7 * DAY;
    let new = NewEvent { kind: EventKind::Official, city_id, title: "Meet the engineers", starts_at: start, ends_at: start + 3 * HOUR, capacity: Some(capacity), status: EventStatus::Published, created_by: None, organizer_id: None };
    let id = insert_event(&mut tx, &new, now()).await.unwrap();
    tx.commit().await.unwrap();
    common::execute(db, "UPDATE events SET admission = 'draw', application_closes_at = $1 WHERE id = $2", &[now() + closes_in, id]).await;
    id
}

pub fn engine(db: &Db) -> Events {
    common::events(db)
}

pub async fn apply_all(db: &Db, event: i64, fans: &[(i64, String)]) {
    for (id, _) in fans {
        tongcheng::admission::repo::apply(db, event, *id, "", now()).await.expect("apply");
    }
}

pub async fn draw_with(db: &Db, event: i64, seed: [u8; 32]) -> DrawOutcome {
    run_draw(&engine(db), event, DrawnBy::Timer, &DrawWeights::default(), &NoShowRule::default(), Some(seed)).await.expect("draw")
}

/// The "not this time, number N" mail to the fan drawn at `position`.
pub async fn waiting_mail(db: &Db, event: i64, position: i64) -> String {
    sqlx::query_scalar(
        "SELECT o.body_text FROM outbox o JOIN users u ON u.email = o.recipient JOIN draw_entries d ON d.user_id = u.id AND d.event_id = o.event_id \
         WHERE o.event_id = $1 AND o.kind = 'draw_waitlisted' AND d.position = $2",
    )
    .bind(event)
    .bind(position)
    .fetch_one(&db.pool)
    .await
    .expect("the mail to that position")
}

pub async fn count(db: &Db, sql: &str, event: i64) -> i64 {
    sqlx::query_scalar(sql).bind(event).fetch_one(&db.pool).await.expect(sql)
}

pub fn field_message(result: Result<impl std::fmt::Debug, AppError>, field: &str) -> String {
    match result {
        Err(AppError::Invalid(errors)) => errors.get(field).map(|m| m.en.clone()).unwrap_or_else(|| panic!("no message for {field}: {errors:?}")),
        other => panic!("expected a message beside {field}, got {other:?}"),
    }
}

/// Past official meetups a fan "attended" or "missed", `days_ago` each.
pub async fn record(db: &Db, city: i64, user: i64, outcomes: &[(&str, i64)]) {
    for (outcome, days_ago) in outcomes {
        let mut tx = db.begin_write().await.unwrap();
        let start = now() - days_ago * DAY;
        let new = NewEvent { kind: EventKind::Official, city_id: city, title: "Past", starts_at: start, ends_at: start + HOUR, capacity: Some(50), status: EventStatus::Published, created_by: None, organizer_id: None };
        let past = insert_event(&mut tx, &new, now()).await.unwrap();
        sqlx::query("INSERT INTO attendance (event_id, user_id, outcome, recorded_at) VALUES ($1, $2, $3, $4)")
            .bind(past)
            .bind(user)
            .bind(*outcome)
            .bind(start)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
}

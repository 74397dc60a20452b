//! The seat engine under concurrent presses, on both databases: exactly the capacity
//! seated, one place per fan, freed seats passed on in the order of the waiting list.
use crate::common;

use common::{demo_fans, events, published_event, sign_up_all, Backend, TestApp};
use std::collections::{HashMap, HashSet};
use tongcheng::meetups::engine::Fan;
use tongcheng::meetups::{Place, PlaceStatus};
use tongcheng::infra::db::Db;

on_both_databases!(
    five_hundred_concurrent_sign_ups_fill_fifty_seats_exactly,
    a_fan_pressing_many_times_holds_one_place,
    concurrent_cancellations_promote_in_order_and_never_overfill,
    a_seat_freed_while_a_fan_joins_the_waiting_list_goes_to_that_fan,
    the_database_refuses_more_seats_than_capacity,
);

async fn statuses(db: &Db, event: i64) -> (i64, Vec<(i64, String, Option<i64>)>) {
    let confirmed: i64 = sqlx::query_scalar("SELECT confirmed_count FROM events WHERE id = $1").bind(event).fetch_one(&db.pool).await.unwrap();
    let rows = sqlx::query_as("SELECT user_id, status, waitlist_seq FROM registrations WHERE event_id = $1 ORDER BY id")
        .bind(event)
        .fetch_all(&db.pool)
        .await
        .unwrap();
    (confirmed, rows)
}

async fn seat_emails(db: &Db, event: i64) -> HashMap<String, i64> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT recipient, COUNT(*) FROM outbox WHERE event_id = $1 AND kind IN ('seat_confirmed', 'seat_promoted') GROUP BY recipient",
    )
    .bind(event)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    rows.into_iter().collect()
}

async fn five_hundred_concurrent_sign_ups_fill_fifty_seats_exactly(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fans = demo_fans(&app, 500).await;
    let event = published_event(&app.state.db, app.city_id("深圳").await, Some(50)).await;
    let places = sign_up_all(&app, event, &fans).await;

    let confirmed: Vec<&Place> = places.iter().filter(|p| p.status == PlaceStatus::Confirmed).collect();
    let told: Vec<i64> = places.iter().filter(|p| p.status == PlaceStatus::Waitlisted).filter_map(|p| p.position).collect();
    assert_eq!(confirmed.len(), 50);
    assert!(confirmed.iter().all(|p| p.ticket_code.is_some()));
    assert_eq!(told.len(), 450, "everyone else was told they wait");
    let mut told = told;
    told.sort();
    assert_eq!(told, (1..=450).collect::<Vec<i64>>(), "each waiting fan was told a distinct place, 1..450");
    let (count, rows) = statuses(&app.state.db, event).await;
    assert_eq!(count, 50);
    assert_eq!(rows.iter().filter(|r| r.1 == "confirmed").count(), 50);
    let mut seqs: Vec<i64> = rows.iter().filter(|r| r.1 == "waitlisted").filter_map(|r| r.2).collect();
    seqs.sort();
    seqs.dedup();
    assert_eq!(seqs.len(), 450, "one distinct number per waiting fan");
    // Every waiting fan now sees a distinct position: 1..450 without gaps.
    let mut positions = Vec::new();
    for (id, _) in &fans {
        let place = tongcheng::meetups::places::place(&app.state.db, event, *id).await.unwrap().unwrap();
        positions.extend(place.position);
    }
    positions.sort();
    assert_eq!(positions, (1..=450).collect::<Vec<i64>>(), "positions 1..450, no gaps, no duplicates");

    let emails = seat_emails(&app.state.db, event).await;
    assert_eq!(emails.len(), 50);
    assert!(emails.values().all(|&n| n == 1), "exactly one seat email per confirmed fan");
    let waitlist_mail = app.scalar(&format!("SELECT COUNT(*) FROM outbox WHERE event_id = {event} AND kind = 'waitlisted'")).await;
    assert_eq!(waitlist_mail, 450);
}

async fn a_fan_pressing_many_times_holds_one_place(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fans = demo_fans(&app, 1).await;
    let event = published_event(&app.state.db, app.city_id("北京").await, Some(5)).await;
    let same_fan: Vec<(i64, String)> = std::iter::repeat_n(fans[0].clone(), 20).collect();
    let places = sign_up_all(&app, event, &same_fan).await;
    let tickets: HashSet<Option<String>> = places.iter().map(|p| p.ticket_code.clone()).collect();
    assert_eq!(tickets.len(), 1, "the same ticket every time");
    let (count, rows) = statuses(&app.state.db, event).await;
    assert_eq!((count, rows.len()), (1, 1));
    assert_eq!(seat_emails(&app.state.db, event).await.values().sum::<i64>(), 1);
}

async fn concurrent_cancellations_promote_in_order_and_never_overfill(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fans = demo_fans(&app, 231).await;
    let event = published_event(&app.state.db, app.city_id("成都").await, Some(50)).await;
    // 50 seated, 150 waiting, in a known order.
    for fan in &fans[..200] {
        events(&app.state.db).sign_up(event, &Fan { id: fan.0, email: &fan.1, name: "Fan" }).await.unwrap();
    }
    let waiting_order: Vec<i64> = fans[50..200].iter().map(|f| f.0).collect();
    // 30 seated fans cancel while 30 newcomers sign up, all at once.
    let mut tasks = Vec::new();
    for fan in fans[..30].iter().cloned() {
        let db = app.state.db.clone();
        tasks.push(tokio::spawn(async move { events(&db).cancel(event, fan.0).await.map(|_| ()) }));
    }
    for fan in fans[200..230].iter().cloned() {
        let db = app.state.db.clone();
        tasks.push(tokio::spawn(async move {
            events(&db).sign_up(event, &Fan { id: fan.0, email: &fan.1, name: "Fan" }).await.map(|_| ())
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let (count, rows) = statuses(&app.state.db, event).await;
    let confirmed: HashSet<i64> = rows.iter().filter(|r| r.1 == "confirmed").map(|r| r.0).collect();
    assert_eq!((count, confirmed.len()), (50, 50), "full, never over");
    let promoted: HashSet<i64> = waiting_order[..30].iter().copied().collect();
    assert!(promoted.is_subset(&confirmed), "the first 30 waiting moved up, in order");
    assert!(waiting_order[30..].iter().all(|id| !confirmed.contains(id)));
    let emails = seat_emails(&app.state.db, event).await;
    assert!(emails.values().all(|&n| n == 1));
    assert_eq!(emails.len(), 80, "50 first seats + 30 promotions");

    // After 30 promotions and one waiting fan cancelling, a newcomer is told the true place.
    events(&app.state.db).cancel(event, waiting_order[40]).await.unwrap();
    let late = &fans[230];
    let told = events(&app.state.db).sign_up(event, &Fan { id: late.0, email: &late.1, name: "Fan" }).await.unwrap();
    let live = tongcheng::meetups::places::place(&app.state.db, event, late.0).await.unwrap().unwrap();
    assert_eq!((told.position, live.position), (Some(150), Some(150)), "149 wait ahead");
}

async fn a_seat_freed_while_a_fan_joins_the_waiting_list_goes_to_that_fan(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fans = demo_fans(&app, 2).await;
    let (holder, joiner) = (fans[0].clone(), fans[1].clone());
    let city = app.city_id("杭州").await;
    // On PostgreSQL the cancellation may not see the joiner's uncommitted place and the
    // joiner may not see the freed seat; many rounds make that overlap happen.
    for _ in 0..60 {
        let event = published_event(&app.state.db, city, Some(1)).await;
        events(&app.state.db).sign_up(event, &Fan { id: holder.0, email: &holder.1, name: "Holder" }).await.unwrap();
        let start = std::sync::Arc::new(tokio::sync::Barrier::new(2));
        let (db, go) = (app.state.db.clone(), start.clone());
        let cancel = tokio::spawn(async move {
            go.wait().await;
            events(&db).cancel(event, holder.0).await
        });
        let (db, go, joiner) = (app.state.db.clone(), start.clone(), joiner.clone());
        let join = tokio::spawn(async move {
            go.wait().await;
            events(&db).sign_up(event, &Fan { id: joiner.0, email: &joiner.1, name: "Joiner" }).await
        });
        cancel.await.unwrap().unwrap();
        join.await.unwrap().unwrap();
        let place = tongcheng::meetups::places::place(&app.state.db, event, joiner.0).await.unwrap().unwrap();
        let (count, _) = statuses(&app.state.db, event).await;
        assert_eq!((place.status, count), (PlaceStatus::Confirmed, 1), "the free seat went to the fan waiting");
    }
}

async fn the_database_refuses_more_seats_than_capacity(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let event = published_event(&app.state.db, app.city_id("西安").await, Some(2)).await;
    let mut tx = app.state.db.begin_write().await.unwrap();
    let over = sqlx::query("UPDATE events SET confirmed_count = 3 WHERE id = $1").bind(event).execute(&mut *tx).await;
    assert!(over.is_err(), "the CHECK constraint backs the cap");
    drop(tx);
    let fans = demo_fans(&app, 1).await;
    let mut tx = app.state.db.begin_write().await.unwrap();
    let dup = sqlx::query("INSERT INTO registrations (event_id, user_id, status, ticket_code, created_at, updated_at) VALUES ($1, $2, 'cancelled', 'A', 0, 0), ($1, $2, 'cancelled', 'B', 0, 0)")
        .bind(event)
        .bind(fans[0].0)
        .execute(&mut *tx)
        .await;
    assert!(dup.is_err(), "one registration per fan and meetup");
}

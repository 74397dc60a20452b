//! No-shows, fairly: repeated no-shows reconfirm or the seat passes on; an early
//! cancellation is never a no-show.
use crate::common::{self, assert_invariants, demo_fans, execute, Backend, TestApp};
use crate::admission::{count, engine, record, HOUR};
use tongcheng::admission::NoShowRule;
use tongcheng::infra::clock::{now, Clock};
use tongcheng::meetups::engine::{Events, Fan};
use tongcheng::meetups::PlaceStatus;

on_both_databases!(
    a_fan_with_no_shows_reconfirms_or_the_seat_passes_on,
    cancelling_more_than_a_day_ahead_is_never_a_no_show,
    a_first_come_page_reads_a_reconfirmation_only_for_a_seat_holder
);

async fn a_fan_with_no_shows_reconfirms_or_the_seat_passes_on(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let db = &app.state.db;
    let city = app.city_id("深圳").await;
    let fans = demo_fans(&app, 5).await;
    // Fans 0 and 1 missed two meetups in the last 180 days; fan 2 only one; fan 3 two,
    // but one of them 200 days ago. Fan 4 waits for a seat.
    record(db, city, fans[0].0, &[("no_show", 20), ("no_show", 100)]).await;
    record(db, city, fans[1].0, &[("no_show", 20), ("no_show", 100)]).await;
    record(db, city, fans[2].0, &[("no_show", 20), ("attended", 100)]).await;
    record(db, city, fans[3].0, &[("no_show", 20), ("no_show", 200)]).await;
    let event = common::published_event(db, city, Some(4)).await;
    for (id, email) in &fans {
        engine(db).sign_up(event, &Fan { id: *id, email, name: "Fan" }).await.unwrap();
    }
    let start: i64 = count(db, "SELECT starts_at FROM events WHERE id = $1", event).await;
    let rule = NoShowRule::default();
    let at = |t: i64| Events::new(db.clone(), "http://t", Clock::Fixed(t));
    assert_eq!(tongcheng::admission::reconfirm::run_due(&at(start - 72 * HOUR), &rule).await.unwrap(), (0, 0), "too early to ask");
    assert_eq!(tongcheng::admission::reconfirm::run_due(&at(start - 47 * HOUR), &rule).await.unwrap(), (2, 0), "fans 0 and 1 are asked");
    assert_eq!(tongcheng::admission::reconfirm::run_due(&at(start - 46 * HOUR), &rule).await.unwrap(), (0, 0), "once");
    assert_eq!(count(db, "SELECT COUNT(*) FROM outbox WHERE event_id = $1 AND kind = 'reconfirm_ask'", event).await, 2);
    // Fan 1 answers through the page's button.
    let browser = app.browser();
    browser.login(&fans[1].1, tongcheng::server::seed::DEMO_PASSWORD).await;
    let (_, page) = browser.page(&format!("/meetups/{event}")).await;
    assert!(page.contains("Please confirm you are coming"), "the page asks");
    let _: () = browser.call("reconfirm_seat", &[("id", &event.to_string())]).await.expect("reconfirm");
    // The deadline (24 hours before) passes: fan 0's seat goes to fan 4.
    assert_eq!(tongcheng::admission::reconfirm::run_due(&at(start - 25 * HOUR), &rule).await.unwrap(), (0, 0), "not yet due");
    assert_eq!(tongcheng::admission::reconfirm::run_due(&at(start - 24 * HOUR), &rule).await.unwrap(), (0, 1));
    assert_eq!(tongcheng::admission::reconfirm::run_due(&at(start - 23 * HOUR), &rule).await.unwrap(), (0, 0), "released once");
    let status = |user: i64| async move { tongcheng::meetups::places::place(db, event, user).await.unwrap().unwrap().status };
    assert_eq!(status(fans[0].0).await, PlaceStatus::Cancelled);
    assert_eq!(status(fans[1].0).await, PlaceStatus::Confirmed, "reconfirmed");
    assert_eq!(status(fans[4].0).await, PlaceStatus::Confirmed, "the waiting fan moved up");
    assert_eq!(count(db, "SELECT COUNT(*) FROM outbox WHERE event_id = $1 AND kind = 'reconfirm_released'", event).await, 1);
    assert_eq!(count(db, "SELECT COUNT(*) FROM outbox WHERE event_id = $1 AND kind = 'seat_promoted'", event).await, 1);
    assert_eq!(count(db, "SELECT confirmed_count FROM events WHERE id = $1", event).await, 4);
    assert_invariants(db).await;
}

async fn cancelling_more_than_a_day_ahead_is_never_a_no_show(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let db = &app.state.db;
    let fans = demo_fans(&app, 3).await;
    let event = common::published_event(db, app.city_id("深圳").await, Some(10)).await;
    for (id, email) in &fans {
        engine(db).sign_up(event, &Fan { id: *id, email, name: "Fan" }).await.unwrap();
    }
    // Fan 0 cancels two days ahead; then the meetup happens and the door closes.
    engine(db).cancel(event, fans[0].0).await.unwrap();
    let start = now() - HOUR;
    execute(db, "UPDATE events SET starts_at = $1, ends_at = $2 WHERE id = $3", &[start, start + 2 * HOUR, event]).await;
    execute(db, "UPDATE registrations SET checked_in_at = $1 WHERE event_id = $2 AND user_id = $3", &[start, event, fans[1].0]).await;
    let mut tx = db.begin_write().await.unwrap();
    let closed = tongcheng::participation::door::close(&mut tx, event, now(), "http://t").await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!((closed.attended, closed.no_shows), (1, 1));
    assert_eq!(count(db, &format!("SELECT COUNT(*) FROM attendance WHERE event_id = $1 AND user_id = {}", fans[0].0), event).await, 0, "the fan who cancelled is not a no-show");
}

/// The meetup page of a first-come official meetup (a flash sale's, reloaded by every
/// fan waiting for it to open) reads nothing about a draw, and a fan's reconfirmation
/// only when they hold a seat: with the database out of reach, nothing else can fail.
async fn a_first_come_page_reads_a_reconfirmation_only_for_a_seat_holder(backend: Backend) {
    use tongcheng::admission::api::meetup_admission;
    let app = TestApp::spawn(backend).await;
    let db = &app.state.db;
    let config = &app.state.config;
    let id = common::published_event(db, app.city_id("深圳").await, Some(10)).await;
    let event = tongcheng::meetups::repo::event_info(&db.pool, id).await.unwrap().unwrap();
    let unreachable = tongcheng::infra::db::Db::connect(&app.database.url, 1).await.unwrap();
    unreachable.pool.close().await;
    let shown = meetup_admission(&unreachable, &event, Some((1, false)), config).await.expect("nothing read").expect("an official meetup");
    assert_eq!(shown.admission, tongcheng::admission::Admission::FirstCome);
    assert!(shown.official && shown.reconfirm.is_none() && shown.mine.is_none());
    assert!(meetup_admission(&unreachable, &event, None, config).await.is_ok(), "a visitor");
    assert!(meetup_admission(&unreachable, &event, Some((1, true)), config).await.is_err(), "a seat holder's reconfirmation is read");
    // By draw, the draw's settings are read.
    execute(db, "UPDATE events SET admission = 'draw' WHERE id = $1", &[id]).await;
    let by_draw = tongcheng::meetups::repo::event_info(&db.pool, id).await.unwrap().unwrap();
    assert!(meetup_admission(&unreachable, &by_draw, None, config).await.is_err());
    assert_eq!(meetup_admission(db, &by_draw, None, config).await.unwrap().unwrap().admission, tongcheng::admission::Admission::Draw);
}

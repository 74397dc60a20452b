//! Admission (issue 13): apply then select by a seeded, reproducible draw, and no-shows,
//! fairly. Every rule on SQLite and PostgreSQL; times are set in the database or given
//! as fixed clocks, never waited for.
mod common;

use common::moderation::{staff, user_id};
use common::{assert_invariants, demo_fans, execute, Backend, TestApp};
use tongcheng::admission::draw::{self, Entrant};
use tongcheng::admission::run::{run_draw, DrawnBy};
use tongcheng::admission::{DrawOutcome, DrawWeights, NoShowRule, StaffAdmission};
use tongcheng::error::AppError;
use tongcheng::infra::clock::{now, Clock};
use tongcheng::infra::db::Db;
use tongcheng::meetups::engine::{Events, Fan};
use tongcheng::meetups::repo::{insert_event, NewEvent};
use tongcheng::meetups::{EventKind, EventStatus, PlaceStatus};

on_both_databases!(
    applying_twice_gives_one_application_and_the_last_second_counts,
    concurrent_applications_each_count_once,
    the_draw_fills_exactly_the_seats_in_a_reproducible_order,
    the_weights_follow_the_record,
    the_draw_running_in_two_processes_at_once_gives_one_result,
    manual_picks_are_logged_and_seated_first,
    a_fan_with_no_shows_reconfirms_or_the_seat_passes_on,
    cancelling_more_than_a_day_ahead_is_never_a_no_show,
    staff_choose_the_draw_and_fans_see_the_rules_before_applying,
);

const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;
const SEED: [u8; 32] = [42; 32];

/// A published official meetup a week away that selects by draw; applications close
/// `closes_in` seconds from now.
async fn draw_event(db: &Db, city_id: i64, capacity: i64, closes_in: i64) -> i64 {
    let mut tx = db.begin_write().await.unwrap();
    let start = now() + 7 * DAY;
    let new = NewEvent { kind: EventKind::Official, city_id, title: "Meet the engineers", starts_at: start, ends_at: start + 3 * HOUR, capacity: Some(capacity), status: EventStatus::Published, created_by: None, organizer_id: None };
    let id = insert_event(&mut tx, &new, now()).await.unwrap();
    tx.commit().await.unwrap();
    execute(db, "UPDATE events SET admission = 'draw', application_closes_at = $1 WHERE id = $2", &[now() + closes_in, id]).await;
    id
}

fn engine(db: &Db) -> Events {
    common::events(db)
}

async fn apply_all(db: &Db, event: i64, fans: &[(i64, String)]) {
    for (id, _) in fans {
        tongcheng::admission::repo::apply(db, event, *id, "", now()).await.expect("apply");
    }
}

async fn draw_with(db: &Db, event: i64, seed: [u8; 32]) -> DrawOutcome {
    run_draw(&engine(db), event, DrawnBy::Timer, &DrawWeights::default(), &NoShowRule::default(), Some(seed)).await.expect("draw")
}

async fn count(db: &Db, sql: &str, event: i64) -> i64 {
    sqlx::query_scalar(sql).bind(event).fetch_one(&db.pool).await.expect(sql)
}

fn field_message(result: Result<impl std::fmt::Debug, AppError>, field: &str) -> String {
    match result {
        Err(AppError::Invalid(errors)) => errors.get(field).map(|m| m.en.clone()).unwrap_or_else(|| panic!("no message for {field}: {errors:?}")),
        other => panic!("expected a message beside {field}, got {other:?}"),
    }
}

async fn applying_twice_gives_one_application_and_the_last_second_counts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let db = &app.state.db;
    let fans = demo_fans(&app, 3).await;
    let event = draw_event(db, app.city_id("深圳").await, 10, DAY).await;
    let closes: i64 = count(db, "SELECT application_closes_at FROM events WHERE id = $1", event).await;
    let apply = |user: i64, answer: &'static str, at: i64| async move { tongcheng::admission::repo::apply(db, event, user, answer, at).await };
    let first = apply(fans[0].0, "How do you test?", now()).await.unwrap();
    let again = apply(fans[0].0, "Why Rust?", now()).await.unwrap();
    assert_eq!(first, again, "applying twice gives the one application");
    assert_eq!(count(db, "SELECT COUNT(*) FROM applications WHERE event_id = $1", event).await, 1);
    assert_eq!(app.text(&format!("SELECT answer FROM applications WHERE id = {first}")).await, "Why Rust?", "the latest answer");
    // The last second before the close counts; the close itself does not.
    apply(fans[1].0, "", closes - 1).await.expect("the last second");
    let late = apply(fans[2].0, "", closes).await;
    assert_eq!(field_message(late, "apply"), "Applications are closed.");
    // Sign-ups wait for the draw.
    let fan = Fan { id: fans[2].0, email: &fans[2].1, name: "Fan" };
    assert_eq!(field_message(engine(db).sign_up(event, &fan).await, "signup"), "Seats at this meetup are drawn among applicants: apply instead.");
    // Withdrawing, then applying again, is still the one application.
    tongcheng::admission::repo::withdraw_application(db, event, fans[0].0, now()).await.unwrap();
    assert_eq!(count(db, "SELECT COUNT(*) FROM applications WHERE event_id = $1 AND status = 'applied'", event).await, 1);
    assert_eq!(apply(fans[0].0, "", now()).await.unwrap(), first);
    // Through the server function: twice, one application.
    let browser = app.fan("applicant@example.com", "深圳").await;
    for _ in 0..2 {
        let _: () = browser.call("apply_for_seat", &[("id", &event.to_string()), ("answer", "Hi")]).await.expect("apply");
    }
    let me = user_id(&app, "applicant@example.com").await;
    assert_eq!(count(db, &format!("SELECT COUNT(*) FROM applications WHERE event_id = $1 AND user_id = {me}"), event).await, 1);
    // After the draw, applying is closed.
    draw_with(db, event, SEED).await;
    let after = browser.call::<()>("apply_for_seat", &[("id", &event.to_string())]).await.map_err(|(_, e)| e);
    assert_eq!(field_message(after, "apply"), "Applications are closed.");
}

async fn concurrent_applications_each_count_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let db = &app.state.db;
    let fans = demo_fans(&app, 40).await;
    let event = draw_event(db, app.city_id("深圳").await, 10, DAY).await;
    // Every fan presses "apply" three times at once.
    let tasks: Vec<_> = fans
        .iter()
        .flat_map(|f| std::iter::repeat_n(f.0, 3))
        .map(|user| {
            let db = db.clone();
            tokio::spawn(async move { tongcheng::admission::repo::apply(&db, event, user, "", now()).await })
        })
        .collect();
    let mut ids = std::collections::HashMap::new();
    for (task, fan) in tasks.into_iter().zip(fans.iter().flat_map(|f| std::iter::repeat_n(f.0, 3))) {
        let id = task.await.unwrap().expect("every press answers");
        assert_eq!(*ids.entry(fan).or_insert(id), id, "one application per fan");
    }
    assert_eq!(count(db, "SELECT COUNT(*) FROM applications WHERE event_id = $1", event).await, 40);
}

async fn the_draw_fills_exactly_the_seats_in_a_reproducible_order(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let db = &app.state.db;
    let fans = demo_fans(&app, 30).await;
    let event = draw_event(db, app.city_id("深圳").await, 10, DAY).await;
    apply_all(db, event, &fans).await;
    let outcome = draw_with(db, event, SEED).await;
    assert_eq!(outcome, DrawOutcome { selected: 10, waitlisted: 20, now: true });
    assert_eq!(count(db, "SELECT confirmed_count FROM events WHERE id = $1", event).await, 10);
    assert_eq!(count(db, "SELECT COUNT(*) FROM registrations WHERE event_id = $1 AND status = 'confirmed'", event).await, 10);
    // The waiting list is the drawn order: number n is position 10 + n.
    let mismatched = count(
        db,
        "SELECT COUNT(*) FROM registrations r JOIN draw_entries d ON d.event_id = r.event_id AND d.user_id = r.user_id \
         WHERE r.event_id = $1 AND ((r.status = 'confirmed') <> (d.selected = 1) OR (r.status = 'waitlisted' AND r.waitlist_seq <> d.position - 10))",
        event,
    )
    .await;
    assert_eq!(mismatched, 0);
    // Anyone re-running the pure function on the stored seed and inputs gets the list.
    let seed_hex = app.text(&format!("SELECT draw_seed FROM events WHERE id = {event}")).await;
    let seed = draw::seed_from_hex(&seed_hex).expect("stored seed");
    assert_eq!(seed, SEED);
    let stored: Vec<(i64, i64)> = sqlx::query_as("SELECT application_id, weight FROM draw_entries WHERE event_id = $1 ORDER BY position").bind(event).fetch_all(&db.pool).await.unwrap();
    let entrants: Vec<Entrant> = stored.iter().map(|(id, w)| Entrant { application_id: *id, weight: *w as u64 }).collect();
    assert_eq!(draw::draw(&seed, &entrants), stored.iter().map(|(id, _)| *id).collect::<Vec<_>>());
    assert_eq!(tongcheng::admission::run::rerun_matches(db, event).await.unwrap(), Some(true));
    // Tickets to the selected, "not this time, number N" to the rest: once each.
    assert_eq!(count(db, "SELECT COUNT(*) FROM outbox WHERE event_id = $1 AND kind = 'seat_confirmed'", event).await, 10);
    assert_eq!(count(db, "SELECT COUNT(*) FROM outbox WHERE event_id = $1 AND kind = 'draw_waitlisted'", event).await, 20);
    let first_waiting: String = sqlx::query_scalar(
        "SELECT o.body_text FROM outbox o JOIN users u ON u.email = o.recipient JOIN registrations r ON r.user_id = u.id AND r.event_id = o.event_id \
         WHERE o.event_id = $1 AND o.kind = 'draw_waitlisted' AND r.waitlist_seq = 1",
    )
    .bind(event)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(first_waiting.contains("You are number 1 on the waiting list"), "{first_waiting}");
    assert_eq!(draw_with(db, event, [1; 32]).await, DrawOutcome { selected: 10, waitlisted: 20, now: false }, "a second draw changes nothing");
    assert_eq!(app.text(&format!("SELECT draw_seed FROM events WHERE id = {event}")).await, seed_hex);
    // After the draw the engine keeps the seats: a cancellation promotes number 1.
    let number_one: i64 = count(db, "SELECT user_id FROM registrations WHERE event_id = $1 AND waitlist_seq = 1", event).await;
    let leaving: i64 = count(db, "SELECT user_id FROM registrations WHERE event_id = $1 AND status = 'confirmed' ORDER BY id LIMIT 1", event).await;
    engine(db).cancel(event, leaving).await.unwrap();
    let place = tongcheng::meetups::places::place(db, event, number_one).await.unwrap().unwrap();
    assert_eq!(place.status, PlaceStatus::Confirmed);
    // A late sign-up joins the end of the waiting list.
    let late = app.fan("late@example.com", "深圳").await;
    let late_place: tongcheng::meetups::Place = late.call("sign_up", &[("id", &event.to_string())]).await.expect("sign up after the draw");
    assert_eq!((late_place.status, late_place.position), (PlaceStatus::Waitlisted, Some(20)));
    assert_invariants(db).await;
}

/// Past official meetups a fan "attended" or "missed", `days_ago` each.
async fn record(db: &Db, city: i64, user: i64, outcomes: &[(&str, i64)]) {
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

async fn the_weights_follow_the_record(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let db = &app.state.db;
    let city = app.city_id("深圳").await;
    let fans = demo_fans(&app, 200).await;
    // 100 regulars (attended before), 100 first-timers; two regulars missed a meetup
    // recently, one long ago.
    for (id, _) in &fans[..100] {
        record(db, city, *id, &[("attended", 30)]).await;
    }
    record(db, city, fans[0].0, &[("no_show", 10)]).await;
    record(db, city, fans[1].0, &[("no_show", 400)]).await;
    let event = draw_event(db, city, 50, DAY).await;
    apply_all(db, event, &fans).await;
    draw_with(db, event, SEED).await;
    let weight = |user: i64| async move { count(db, &format!("SELECT weight FROM draw_entries WHERE event_id = $1 AND user_id = {user}"), event).await };
    assert_eq!(weight(fans[2].0).await, 100, "a regular");
    assert_eq!(weight(fans[150].0).await, 200, "a first-timer");
    assert_eq!(weight(fans[0].0).await, 50, "a recent no-show");
    assert_eq!(weight(fans[1].0).await, 100, "a no-show outside the window counts no more");
    // Statistically, with the fixed seed: twice the weight, clearly more seats.
    let first_timers: i64 = count(db, &format!("SELECT COUNT(*) FROM draw_entries WHERE event_id = $1 AND selected = 1 AND user_id >= {}", fans[100].0), event).await;
    assert!((28..=42).contains(&first_timers), "first-timers took {first_timers} of 50 seats (about 2:1 expected)");
    // A second draw: fans not selected last time weigh 150 %.
    let second = draw_event(db, city, 50, DAY).await;
    apply_all(db, second, &fans[..100]).await;
    draw_with(db, second, [7; 32]).await;
    let passed_over: i64 = count(db, &format!("SELECT COUNT(*) FROM draw_entries d WHERE d.event_id = $1 AND d.weight = 150 AND d.user_id <> {}", fans[0].0), second).await;
    let not_selected_before: i64 = count(db, &format!("SELECT COUNT(*) FROM draw_entries WHERE event_id = $1 AND selected = 0 AND user_id < {} AND user_id <> {}", fans[100].0, fans[0].0), event).await;
    assert_eq!(passed_over, not_selected_before);
    // The pure function over many seeds: a weight of 200 is about twice as likely to be
    // drawn first as a weight of 100.
    let list: Vec<Entrant> = (1..=100).map(|i| Entrant { application_id: i, weight: if i % 2 == 0 { 200 } else { 100 } }).collect();
    let heavy = (0u32..2_000)
        .filter(|t| {
            let mut seed = [0u8; 32];
            seed[..4].copy_from_slice(&t.to_le_bytes());
            draw::draw(&seed, &list)[0] % 2 == 0
        })
        .count();
    assert!((1_280..1_400).contains(&heavy), "{heavy} of 2000 first picks went to double weight (2/3 expected)");
}

async fn the_draw_running_in_two_processes_at_once_gives_one_result(backend: Backend) {
    let first = TestApp::spawn(backend).await;
    let second = TestApp::spawn_on(first.database.clone(), &[]).await;
    let fans = demo_fans(&first, 60).await;
    let event = draw_event(&first.state.db, first.city_id("深圳").await, 20, DAY).await;
    apply_all(&first.state.db, event, &fans).await;
    let tasks: Vec<_> = (0u8..8)
        .map(|i| {
            let db = if i % 2 == 0 { first.state.db.clone() } else { second.state.db.clone() };
            tokio::spawn(async move { draw_with(&db, event, [i; 32]).await })
        })
        .collect();
    let mut winners = Vec::new();
    for (i, task) in tasks.into_iter().enumerate() {
        let outcome = task.await.unwrap();
        assert_eq!((outcome.selected, outcome.waitlisted), (20, 40), "every caller sees the one result");
        if outcome.now {
            winners.push(i as u8);
        }
    }
    assert_eq!(winners.len(), 1, "one draw ran");
    let db = &first.state.db;
    assert_eq!(first.text(&format!("SELECT draw_seed FROM events WHERE id = {event}")).await, draw::seed_to_hex(&[winners[0]; 32]));
    assert_eq!(count(db, "SELECT COUNT(*) FROM draw_entries WHERE event_id = $1", event).await, 60);
    assert_eq!(count(db, "SELECT confirmed_count FROM events WHERE id = $1", event).await, 20);
    assert_eq!(count(db, "SELECT COUNT(*) FROM registrations WHERE event_id = $1", event).await, 60);
    assert_eq!(count(db, "SELECT COUNT(*) FROM outbox WHERE event_id = $1 AND kind IN ('seat_confirmed', 'draw_waitlisted')", event).await, 60);
    assert_eq!(tongcheng::admission::run::rerun_matches(db, event).await.unwrap(), Some(true));
    assert_invariants(db).await;
}

async fn manual_picks_are_logged_and_seated_first(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let db = &app.state.db;
    let staff = staff(&app).await;
    let fans = demo_fans(&app, 12).await;
    let event = draw_event(db, app.city_id("深圳").await, 3, DAY).await;
    apply_all(db, event, &fans).await;
    let application = |user: i64| async move { count(db, &format!("SELECT id FROM applications WHERE event_id = $1 AND user_id = {user}"), event).await };
    let (e, a5, a7, a9) = (event.to_string(), application(fans[5].0).await.to_string(), application(fans[7].0).await.to_string(), application(fans[9].0).await.to_string());
    for a in [&a5, &a7, &a9] {
        let _: () = staff.call("pick_applicant", &[("id", &e), ("application", a), ("pick", "yes")]).await.expect("pick");
    }
    let _: () = staff.call("pick_applicant", &[("id", &e), ("application", &a9)]).await.expect("take back");
    // Three seats: a fourth pick would leave the draw none; fine with two picked.
    let _: () = staff.call("pick_applicant", &[("id", &e), ("application", &a9), ("pick", "yes")]).await.expect("pick again");
    let too_many = staff.call::<()>("pick_applicant", &[("id", &e), ("application", &application(fans[1].0).await.to_string()), ("pick", "yes")]).await.map_err(|(_, e)| e);
    assert_eq!(field_message(too_many, "pick"), "Every seat is already picked by hand.");
    let log: Vec<(String, String, String)> = sqlx::query_as("SELECT actor_name, action, fan_name FROM admission_log WHERE event_id = $1 ORDER BY id").bind(event).fetch_all(&db.pool).await.unwrap();
    assert_eq!(log.iter().map(|(who, action, _)| format!("{who} {action}")).collect::<Vec<_>>(), ["Boss pick", "Boss pick", "Boss pick", "Boss unpick", "Boss pick"]);
    let boss = user_id(&app, "boss@example.com").await;
    assert_eq!(count(db, &format!("SELECT COUNT(*) FROM admission_log WHERE event_id = $1 AND actor_id = {boss} AND fan_id IS NOT NULL AND created_at > 0"), event).await, 5, "who, which fan, when");
    let outcome: DrawOutcome = staff.call("draw_now", &[("id", &e)]).await.expect("draw now");
    assert_eq!(outcome, DrawOutcome { selected: 3, waitlisted: 9, now: true });
    for (fan, position) in [(fans[5].0, 1), (fans[7].0, 2), (fans[9].0, 3)] {
        let place = tongcheng::meetups::places::place(db, event, fan).await.unwrap().unwrap();
        assert_eq!(place.status, PlaceStatus::Confirmed, "picked fans hold seats");
        assert_eq!(count(db, &format!("SELECT position FROM draw_entries WHERE event_id = $1 AND user_id = {fan} AND picked = 1"), event).await, position);
    }
    let late_pick = staff.call::<()>("pick_applicant", &[("id", &e), ("application", &application(fans[1].0).await.to_string()), ("pick", "yes")]).await.map_err(|(_, e)| e);
    assert_eq!(field_message(late_pick, "pick"), "Seats are picked by hand only before the draw.");
    let view: StaffAdmission = staff.call("load_staff_admission", &[("id", &e)]).await.expect("staff view");
    assert_eq!(view.rerun_matches, Some(true), "re-running without the picks gives the same list");
    assert_eq!(view.seed.as_ref().map(String::len), Some(64));
    assert_eq!(view.drawn_by, "Boss");
    assert_eq!(view.log.last().map(|l| l.action.as_str()), Some("ran the draw"));
    assert!(view.applicants[0].picked.as_deref().is_some_and(|p| p.starts_with("Boss, ")), "{:?}", view.applicants[0]);
    let (_, page) = staff.page(&format!("/staff/meetups/{event}")).await;
    assert!(page.contains("Re-running the draw from its seed and inputs gives the same list."), "the staff page shows the check");
    assert!(page.contains("0 attended · 0 no-shows"), "each registrant's record");
    assert_invariants(db).await;
}

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

async fn staff_choose_the_draw_and_fans_see_the_rules_before_applying(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let db = &app.state.db;
    let staff = staff(&app).await;
    let mut form = vec![("id", ""), ("city", "深圳"), ("title", "Meet the engineers"), ("starts", "2099-05-02T14:00"), ("capacity", "2"), ("admission", "draw"), ("application_closes", "2099-05-03T10:00"), ("question", "What would you ask?")];
    let bad = staff.call::<i64>("save_meetup", &form).await.map_err(|(_, e)| e);
    assert_eq!(field_message(bad, "application_closes"), "Applications must close before the meetup starts.");
    form[6] = ("application_closes", "2099-05-01T10:00");
    let id: i64 = staff.call("save_meetup", &form).await.expect("create");
    assert_eq!(app.text(&format!("SELECT admission FROM events WHERE id = {id}")).await, "draw");
    let e = id.to_string();
    let _: u64 = staff.call("publish_meetup", &[("id", &e), ("radius_km", "")]).await.expect("publish");
    // A visitor sees the rules before applying.
    let (_, page) = app.browser().page(&format!("/meetups/{id}")).await;
    for text in ["Log in to apply", "fans who have never attended a meetup: 200% weight", "we ask you 48 hours before the meetup", "Cancelling more than 24 hours ahead never counts"] {
        assert!(page.contains(text), "{text} not on the page");
    }
    let fan = app.fan("fan@example.com", "深圳").await;
    let (_, page) = fan.page(&format!("/meetups/{id}")).await;
    assert!(page.contains("Staff ask:") && page.contains("What would you ask?"), "the question");
    let _: () = fan.call("apply_for_seat", &[("id", &e), ("answer", "How do you test?")]).await.expect("apply");
    let (_, page) = fan.page(&format!("/meetups/{id}")).await;
    assert!(page.contains("Your application is in."), "the status");
    // Once fans applied, the mode is fixed.
    let mut edit = form.clone();
    edit[0] = ("id", &e);
    edit[5] = ("admission", "first_come");
    let locked = staff.call::<i64>("save_meetup", &edit).await.map_err(|(_, e)| e);
    assert!(field_message(locked, "admission").starts_with("Fans already applied"));
    let view: StaffAdmission = staff.call("load_staff_admission", &[("id", &e)]).await.unwrap();
    assert_eq!((view.total, view.applicants[0].answer.as_str()), (1, "How do you test?"));
    let _: DrawOutcome = staff.call("draw_now", &[("id", &e)]).await.expect("draw now");
    let (_, page) = fan.page(&format!("/meetups/{id}")).await;
    assert!(page.contains("data-testid=\"ticket-code\""), "the selected fan's ticket");
    assert_eq!(count(db, "SELECT COUNT(*) FROM outbox WHERE event_id = $1 AND kind = 'seat_confirmed'", id).await, 1);
}

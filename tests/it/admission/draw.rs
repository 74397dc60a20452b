//! The draw: exactly the seats, reproducible from its seed, weighted by the record, once
//! however many processes run it, staff picks first.
use crate::common::moderation::{staff, user_id};
use crate::common::{assert_invariants, demo_fans, Backend, TestApp};
use crate::admission::{apply_all, count, draw_event, draw_with, engine, field_message, record, waiting_mail, DAY, SEED};
use tongcheng::admission::draw::{self, Entrant};
use tongcheng::admission::{DrawOutcome, StaffAdmission};
use tongcheng::meetups::PlaceStatus;

on_both_databases!(
    the_draw_fills_exactly_the_seats_in_a_reproducible_order,
    the_weights_follow_the_record,
    the_draw_running_in_two_processes_at_once_gives_one_result,
    manual_picks_are_logged_and_seated_first,
);

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
    let first_waiting = waiting_mail(db, event, 11).await;
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
    let unticked = staff.call::<DrawOutcome>("draw_now", &[("id", &e)]).await.unwrap_err();
    assert!(unticked.1.field_text("confirm").is_some(), "the box first: {unticked:?}");
    let outcome: DrawOutcome = staff.call("draw_now", &[("id", &e), ("confirm", "on")]).await.expect("draw now");
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
//! The fan festival (issue 14) on both databases: one place per fan per festival, also
//! when a fan presses two sessions at once; switching sessions; the opening second;
//! invitations to every participating city, counted per city.
use crate::common;

use common::{assert_invariants, demo_fans, events, staff_browser, Backend, Browser, TestApp};
use tongcheng::error::AppError;
use tongcheng::festival::{FestivalPage, StaffFestival};
use tongcheng::infra::clock::{now, Clock};
use tongcheng::infra::db::Db;
use tongcheng::meetups::engine::{Events, Fan};
use tongcheng::meetups::{Place, PlaceStatus};

on_both_databases!(
    a_fan_pressing_two_sessions_at_once_gets_one_place,
    switching_gives_up_the_old_place_only_for_a_seat_in_the_new,
    sign_up_opens_at_the_opening_second_and_not_before,
    invitations_go_to_every_participating_city_in_one_go,
    staff_add_sessions_in_the_rankings_top_cities,
    a_cancelled_session_frees_its_fans_to_choose_another,
    giving_a_festival_place_up_needs_the_box_ticked,
);

/// "2026-11-28 14:00" in Beijing time, `secs` from now.
fn beijing_input(secs: i64) -> String {
    let t = chrono::DateTime::from_timestamp(now() + secs, 0).unwrap().with_timezone(&chrono_tz::Asia::Shanghai);
    t.format("%Y-%m-%d %H:%M").to_string()
}

fn festival_day() -> String {
    chrono::DateTime::from_timestamp(now() + 30 * 86_400, 0).unwrap().format("%Y-%m-%d").to_string()
}

/// A festival made by staff through the real endpoints, with one session per
/// `(city, seats)`, sign-up opening in an hour. Returns the festival and its sessions.
async fn festival(staff: &Browser, sessions: &[(&str, i64)]) -> (i64, Vec<i64>) {
    let id: i64 = staff
        .call("save_festival", &[("id", ""), ("name", "米粉节 2027"), ("description", "Once a year."), ("day", &festival_day()), ("opens", &beijing_input(3600))])
        .await
        .expect("create festival");
    let fid = id.to_string();
    let mut ids = Vec::new();
    for (city, seats) in sessions {
        let seats = seats.to_string();
        let form = [("festival_id", fid.as_str()), ("city", city), ("venue", "Hall"), ("address", ""), ("start_time", "14:00"), ("capacity", &seats)];
        let session: i64 = staff.call("add_festival_session", &form).await.expect("add session");
        ids.push(session);
    }
    (id, ids)
}

/// Moves the opening to `at` (tests cannot wait an hour).
async fn opens_at(db: &Db, festival: i64, at: i64) {
    common::execute(db, "UPDATE festivals SET opens_at = $1 WHERE id = $2", &[at, festival]).await;
    common::execute(db, "UPDATE events SET signup_opens_at = $1 WHERE festival_id = $2", &[at, festival]).await;
}

async fn invite(staff: &Browser, festival: i64) -> u64 {
    staff.call("invite_festival", &[("festival_id", &festival.to_string())]).await.expect("invite")
}

fn fan(fans: &[(i64, String)], i: usize) -> Fan<'_> {
    Fan { id: fans[i].0, email: &fans[i].1, name: "Fan" }
}

async fn scalar(db: &Db, sql: &str, bind: i64) -> i64 {
    sqlx::query_scalar(sql).bind(bind).fetch_one(&db.pool).await.expect(sql)
}

async fn status(db: &Db, event: i64, user: i64) -> PlaceStatus {
    tongcheng::meetups::places::place(db, event, user).await.unwrap().map_or(PlaceStatus::Cancelled, |p| p.status)
}

async fn a_fan_pressing_two_sessions_at_once_gets_one_place(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff_browser(&app).await;
    let (id, sessions) = festival(&staff, &[("深圳", 5), ("广州", 5)]).await;
    invite(&staff, id).await;
    opens_at(&app.state.db, id, now() - 1).await;
    let fans = demo_fans(&app, 30).await;
    let db = &app.state.db;
    // Every fan presses both sessions at the same moment (two tabs).
    let mut tasks = Vec::new();
    for (user, email) in fans.iter().cloned() {
        for &event in &sessions {
            let (db, email) = (db.clone(), email.clone());
            tasks.push(tokio::spawn(async move { events(&db).sign_up(event, &Fan { id: user, email: &email, name: "Fan" }).await }));
        }
    }
    let mut answers: Vec<Result<Place, AppError>> = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("task"));
    }
    for (i, pair) in answers.chunks(2).enumerate() {
        let granted = pair.iter().filter(|a| a.is_ok()).count();
        assert_eq!(granted, 1, "fan {i} got {pair:?}");
        let refused = pair.iter().find_map(|a| a.as_ref().err()).expect("the other press is refused");
        let message = refused.field_message("signup").unwrap_or_default();
        assert!(message.contains("already have a place"), "{message}");
    }
    assert_eq!(scalar(db, "SELECT COUNT(*) FROM festival_places WHERE festival_id = $1", id).await, 30);
    // Each fan's place is at the session whose press the database took first; when
    // most first presses went to one session the other may keep seats, but never
    // while anyone waits there.
    let mut placed = 0;
    for &session in &sessions {
        let count = |status: &str| format!("SELECT COUNT(*) FROM registrations WHERE event_id = $1 AND status = '{status}'");
        let (confirmed, waiting) = (scalar(db, &count("confirmed"), session).await, scalar(db, &count("waitlisted"), session).await);
        assert!(confirmed == 5 || (confirmed < 5 && waiting == 0), "session {session}: {confirmed} confirmed, {waiting} waiting");
        placed += confirmed + waiting;
    }
    assert_eq!(placed, 30, "every fan has one place, a seat or on a waiting list");
    // Pressing again (the same session) returns the place; the other is still refused.
    for (i, (user, _)) in fans.iter().enumerate() {
        let held = tongcheng::festival::repo::place_of(db, id, *user).await.unwrap().expect("a place");
        let again = events(db).sign_up(held, &fan(&fans, i)).await.expect("same place");
        assert_eq!(again.status, status(db, held, *user).await);
        let other = sessions.iter().copied().find(|s| *s != held).unwrap();
        assert!(events(db).sign_up(other, &fan(&fans, i)).await.is_err());
    }
    assert_invariants(db).await;
}

async fn switching_gives_up_the_old_place_only_for_a_seat_in_the_new(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff_browser(&app).await;
    let (id, s) = festival(&staff, &[("深圳", 1), ("广州", 1), ("北京", 2), ("上海", 10), ("杭州", 10)]).await;
    let (a, b, c, p, q) = (s[0], s[1], s[2], s[3], s[4]);
    invite(&staff, id).await;
    opens_at(&app.state.db, id, now() - 1).await;
    let fans = demo_fans(&app, 13).await;
    let db = &app.state.db;
    let engine = events(db);
    let switch = |i: usize, to: i64| {
        let engine = engine.clone();
        let f = fans[i].clone();
        async move { tongcheng::festival::switch::switch(&engine, id, to, &Fan { id: f.0, email: &f.1, name: "Fan" }).await }
    };
    assert!(switch(0, a).await.is_err(), "nothing to switch yet");
    assert_eq!(engine.sign_up(a, &fan(&fans, 0)).await.unwrap().status, PlaceStatus::Confirmed);
    assert_eq!(engine.sign_up(a, &fan(&fans, 1)).await.unwrap().status, PlaceStatus::Waitlisted);
    assert_eq!(engine.sign_up(b, &fan(&fans, 2)).await.unwrap().status, PlaceStatus::Confirmed);

    // B is full: the switch is refused and fan 0 keeps the seat at A.
    let refused = switch(0, b).await.expect_err("no seat at B");
    assert!(refused.field_message("signup").unwrap_or_default().contains("keep your current place"), "{refused:?}");
    assert_eq!(status(db, a, fans[0].0).await, PlaceStatus::Confirmed);
    assert_eq!(status(db, b, fans[0].0).await, PlaceStatus::Cancelled);

    // C has seats: fan 0 moves there, and the seat at A passes to fan 1, who waited.
    let moved = switch(0, c).await.expect("switch to C");
    assert_eq!(moved.status, PlaceStatus::Confirmed);
    assert!(moved.ticket_code.is_some());
    assert_eq!(status(db, a, fans[0].0).await, PlaceStatus::Cancelled);
    assert_eq!(status(db, a, fans[1].0).await, PlaceStatus::Confirmed, "promoted in the same transaction");
    assert_eq!(tongcheng::festival::repo::place_of(db, id, fans[0].0).await.unwrap(), Some(c));
    // Switching to the session one holds changes nothing.
    assert_eq!(switch(0, c).await.unwrap().status, PlaceStatus::Confirmed);

    // Ten fans switch between P and Q in opposite directions at the same moment:
    // every switch is granted and nobody waits for anybody in a cycle.
    for i in 3..13 {
        engine.sign_up(if i % 2 == 0 { p } else { q }, &fan(&fans, i)).await.unwrap();
    }
    let mut tasks = Vec::new();
    for i in 3..13 {
        let to = if i % 2 == 0 { q } else { p };
        let run = switch(i, to);
        tasks.push(tokio::spawn(async move { run.await.map(|place| place.status) }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap().expect("switch granted"), PlaceStatus::Confirmed);
    }
    assert_eq!(scalar(db, "SELECT confirmed_count FROM events WHERE id = $1", p).await, 5);
    assert_eq!(scalar(db, "SELECT confirmed_count FROM events WHERE id = $1", q).await, 5);

    // Cancelling frees the festival place: the fan may sign up anywhere again.
    engine.cancel(c, fans[0].0).await.unwrap();
    assert_eq!(tongcheng::festival::repo::place_of(db, id, fans[0].0).await.unwrap(), None);
    assert_eq!(engine.sign_up(p, &fan(&fans, 0)).await.unwrap().status, PlaceStatus::Confirmed);
    assert_invariants(db).await;
}

async fn a_cancelled_session_frees_its_fans_to_choose_another(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff_browser(&app).await;
    let (id, s) = festival(&staff, &[("深圳", 1), ("广州", 5)]).await;
    invite(&staff, id).await;
    opens_at(&app.state.db, id, now() - 1).await;
    let fans = demo_fans(&app, 2).await;
    let (db, engine) = (&app.state.db, events(&app.state.db));
    assert_eq!(engine.sign_up(s[0], &fan(&fans, 0)).await.unwrap().status, PlaceStatus::Confirmed);
    assert_eq!(engine.sign_up(s[0], &fan(&fans, 1)).await.unwrap().status, PlaceStatus::Waitlisted);
    engine.change_status(s[0], "cancelled", &|_| Ok(())).await.expect("cancel the session");
    let places = "SELECT COUNT(*) FROM festival_places WHERE festival_id = $1";
    assert_eq!(scalar(db, places, id).await, 0, "a cancelled session frees its fans' places");
    // Pressing the cancelled session again shows the kept registration, and holds no
    // place in the festival: the fan is still free to choose another session.
    let again = engine.sign_up(s[0], &fan(&fans, 0)).await.expect("the kept place");
    assert_eq!(again.status, PlaceStatus::Confirmed);
    assert_eq!(scalar(db, places, id).await, 0, "pressing a cancelled session holds no place");
    assert_eq!(engine.sign_up(s[1], &fan(&fans, 0)).await.unwrap().status, PlaceStatus::Confirmed);
    assert_eq!(engine.sign_up(s[1], &fan(&fans, 1)).await.unwrap().status, PlaceStatus::Confirmed);
    assert_eq!(tongcheng::festival::repo::place_of(db, id, fans[0].0).await.unwrap(), Some(s[1]));
    assert_invariants(db).await;
}

async fn sign_up_opens_at_the_opening_second_and_not_before(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff_browser(&app).await;
    let (id, sessions) = festival(&staff, &[("深圳", 10), ("广州", 10)]).await;
    invite(&staff, id).await;
    let db = &app.state.db;
    let opening = now() + 3600;
    opens_at(db, id, opening).await;
    let fans = demo_fans(&app, 2).await;

    // One second before: refused with the opening time, in both languages.
    let early = Events::new(db.clone(), "http://t", Clock::Fixed(opening - 1));
    let refused = early.sign_up(sessions[0], &fan(&fans, 0)).await.expect_err("not open yet");
    let text = refused.field_text("signup").expect("a message beside the button").clone();
    let when_en = tongcheng::infra::clock::format_local(opening, "Asia/Shanghai", tongcheng::i18n::Locale::en);
    let when_zh = tongcheng::infra::clock::format_local(opening, "Asia/Shanghai", tongcheng::i18n::Locale::zh_CN);
    assert!(text.en.contains("Sign-up opens at") && text.en.contains(&when_en), "{}", text.en);
    assert!(text.zh.contains("报名将于") && text.zh.contains(&when_zh), "{}", text.zh);
    assert_eq!(scalar(db, "SELECT COUNT(*) FROM festival_places WHERE festival_id = $1", id).await, 0, "nothing kept");
    assert_eq!(scalar(db, "SELECT COUNT(*) FROM registrations WHERE event_id = $1 AND status <> 'cancelled'", sessions[0]).await, 0);

    // At the opening second: a seat.
    let on_time = Events::new(db.clone(), "http://t", Clock::Fixed(opening));
    assert_eq!(on_time.sign_up(sessions[0], &fan(&fans, 0)).await.unwrap().status, PlaceStatus::Confirmed);

    // Through the site, as a plain form post before the opening: refused with the time.
    let browser = app.fan("early@example.com", "广州").await;
    let (status, error) = browser.call::<Place>("sign_up", &[("id", &sessions[1].to_string())]).await.expect_err("too early");
    assert!(status.is_client_error(), "a user mistake, not a server error: {status}");
    assert!(error.field_message("signup").unwrap_or_default().contains(&when_en), "{error:?}");

    // The page: both sessions, the visitor's city first, a countdown and a button that
    // works without WASM (the server judges the post).
    let page: FestivalPage = browser.call("load_festival", &[("id", &id.to_string())]).await.expect("festival page");
    assert_eq!(page.sessions.len(), 2);
    assert_eq!(page.sessions[0].event_id, sessions[1], "广州 first for a fan from 广州");
    assert_eq!(page.sessions[1].seats_left, 9, "seats left in 深圳 (from the cache, at most two seconds old)");
    let (code, html) = browser.page(&format!("/festival/{id}")).await;
    assert_eq!(code.as_u16(), 200);
    assert!(html.contains("data-testid=\"countdown\"") && html.contains("Sign-up opens"), "countdown shown");
    assert!(html.contains("action=\"/api/sign_up\""), "a plain form post");

    // Editing a session on the meetup page keeps it opening with its festival.
    let edit = [("id", sessions[1].to_string()), ("city", "广州".into()), ("title", "米粉节 2027".into()), ("starts", beijing_input(30 * 86_400)),
        ("capacity", "12".into()), ("signup_opens", beijing_input(10 * 86_400)), ("admission", "draw".into()), ("application_closes", beijing_input(86_400))];
    let edit: Vec<(&str, &str)> = edit.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let _: i64 = staff.call("save_meetup", &edit).await.expect("edit the session");
    assert_eq!(scalar(db, "SELECT signup_opens_at FROM events WHERE id = $1", sessions[1]).await, opening, "opens with the festival");
    assert_eq!(scalar(db, "SELECT capacity FROM events WHERE id = $1", sessions[1]).await, 12, "the rest of the edit holds");
    assert_eq!(app.text(&format!("SELECT admission FROM events WHERE id = {}", sessions[1])).await, "first_come", "no draw at a festival");
    let live: tongcheng::festival::LiveSeats = app.browser().call("festival_seats", &[("id", &id.to_string())]).await.expect("live seats");
    assert_eq!(live.seats.len(), 2);
    assert_invariants(db).await;
}

async fn invitations_go_to_every_participating_city_in_one_go(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff_browser(&app).await;
    for (email, city) in [("sz1@example.com", "深圳"), ("sz2@example.com", "深圳"), ("sz3@example.com", "深圳"), ("gz@example.com", "广州"), ("bj@example.com", "北京")] {
        app.fan(email, city).await;
    }
    // One fan of 深圳 does not want invitations.
    let opted_out = common::moderation::user_id(&app, "sz3@example.com").await;
    common::execute(&app.state.db, "UPDATE users SET wants_invitations = 0 WHERE id = $1", &[opted_out]).await;
    let (id, sessions) = festival(&staff, &[("深圳", 100), ("广州", 100)]).await;
    let fid = id.to_string();
    let count = "SELECT COUNT(*) FROM outbox WHERE kind = 'festival_invitation' AND event_id = $1";
    assert_eq!(scalar(&app.state.db, count, sessions[0]).await, 0, "nothing before the invitation");

    assert_eq!(invite(&staff, id).await, 3, "two fans of 深圳 and one of 广州");
    let again = staff.call::<u64>("invite_festival", &[("festival_id", &fid)]).await.expect_err("once only");
    assert!(again.1.field_message("invite").is_some());
    assert_eq!(scalar(&app.state.db, count, sessions[0]).await, 2);
    assert_eq!(scalar(&app.state.db, count, sessions[1]).await, 1);
    let subject: String = sqlx::query_scalar("SELECT subject FROM outbox WHERE kind = 'festival_invitation' AND recipient = 'gz@example.com'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert!(subject.contains("Guangzhou"), "in the fan's language: {subject}");

    // Staff see the invitations per city (queued, sent or failed).
    let view: StaffFestival = staff.call("load_staff_festival", &[("id", &fid)]).await.expect("staff view");
    let per_city: Vec<i64> = view.sessions.iter().map(|s| s.invitations.queued + s.invitations.sent + s.invitations.failed).collect();
    let sz = view.sessions.iter().position(|s| s.event_id == sessions[0]).unwrap();
    assert_eq!(per_city[sz], 2);
    assert_eq!(per_city.iter().sum::<i64>(), 3);

    // A session added later invites its city at once; nobody is invited twice.
    let form = [("festival_id", fid.as_str()), ("city", "北京"), ("venue", ""), ("address", ""), ("start_time", "15:00"), ("capacity", "")];
    let beijing: i64 = staff.call("add_festival_session", &form).await.expect("add 北京");
    assert_eq!(scalar(&app.state.db, count, beijing).await, 2, "the fan of 北京 and the staff member, who lives there");
    let form = [("festival_id", fid.as_str()), ("city", "深圳"), ("venue", "Second hall"), ("address", ""), ("start_time", "19:00"), ("capacity", "50")];
    let second: i64 = staff.call("add_festival_session", &form).await.expect("a second 深圳 session");
    assert_eq!(scalar(&app.state.db, count, second).await, 0, "深圳's fans were invited already");

    // The link in the email leads to the festival page, where the fan signs up.
    let body: String = sqlx::query_scalar("SELECT body_text FROM outbox WHERE kind = 'festival_invitation' AND recipient = 'bj@example.com'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert!(body.contains(&format!("/festival/{id}")), "{body}");
    opens_at(&app.state.db, id, now() - 1).await;
    let fan = app.browser();
    fan.login("bj@example.com", "password123").await;
    let place: Place = fan.call("sign_up", &[("id", &beijing.to_string())]).await.expect("sign up");
    assert_eq!(place.status, PlaceStatus::Confirmed);
    let page: FestivalPage = fan.call("load_festival", &[]).await.expect("the current festival");
    assert_eq!(page.id, id);
    assert_eq!(page.place.and_then(|p| p.ticket_code), place.ticket_code, "the ticket on the festival page");
    assert_invariants(&app.state.db).await;
}

async fn staff_add_sessions_in_the_rankings_top_cities(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff_browser(&app).await;
    let rules = [("min_fans", "1"), ("cooldown_weeks", "1"), ("weekday", "5"), ("local_time", "14:00")];
    let _: () = staff.call("save_planning_rules", &rules).await.expect("rules");
    demo_fans(&app, 400).await;
    let (id, first) = festival(&staff, &[("深圳", 100)]).await;
    let fid = id.to_string();
    let form = [("festival_id", fid.as_str()), ("count", "5"), ("propose_time", "14:00"), ("propose_capacity", "200")];
    let added: u64 = staff.call("propose_festival_cities", &form).await.expect("propose");
    let view: StaffFestival = staff.call("load_staff_festival", &[("id", &fid)]).await.expect("staff view");
    assert_eq!(view.sessions.len() as u64, 1 + added);
    assert!((4..=5).contains(&added), "the top five cities, less any that has a session already: {added}");
    let cities = "SELECT COUNT(DISTINCT city_id) FROM events WHERE festival_id = $1";
    assert_eq!(scalar(&app.state.db, cities, id).await, view.sessions.len() as i64, "one session per city");
    assert!(view.sessions.iter().filter(|s| s.event_id != first[0]).all(|s| s.capacity == 200));
    // Pressing again adds nothing: the top cities have their sessions.
    let again: u64 = staff.call("propose_festival_cities", &form).await.expect("propose again");
    assert_eq!(again, 0);
    let bad = [("festival_id", fid.as_str()), ("count", "0"), ("propose_time", "25:00"), ("propose_capacity", "")];
    let refused = staff.call::<u64>("propose_festival_cities", &bad).await.expect_err("a mistake");
    assert!(refused.1.field_message("count").is_some());
}

async fn giving_a_festival_place_up_needs_the_box_ticked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff_browser(&app).await;
    let (id, sessions) = festival(&staff, &[("深圳", 5)]).await;
    invite(&staff, id).await;
    opens_at(&app.state.db, id, now() - 1).await;
    let fan = app.fan("keeper@example.com", "深圳").await;
    let session = sessions[0].to_string();
    let _: Place = fan.call("sign_up", &[("id", &session)]).await.expect("sign up");
    common::confirm::assert_refused_unticked(&app, &fan, &format!("/festival/{id}"), "confirm-cancel-festival-place", "cancel_place", &[("id", &session)]).await;
    let places = "SELECT COUNT(*) FROM festival_places WHERE festival_id = $1";
    assert_eq!(scalar(&app.state.db, places, id).await, 1, "the place is kept");
    let _: () = fan.call("cancel_place", &[("id", &session), ("confirm", "on")]).await.expect("cancel");
    assert_eq!(scalar(&app.state.db, places, id).await, 0);
}

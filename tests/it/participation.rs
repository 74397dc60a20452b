//! Participation: the door (check-in on the event's day, closing once), the attendance
//! record, points paid once, badges by the rules, fan pages and a city's honour roll.
use crate::common;

use common::moderation::{staff, staff_member, user_id};
use common::{execute, Backend, Browser, TestApp};
use tongcheng::accounts::Role;
use tongcheng::error::AppError;
use tongcheng::infra::clock::now;
use tongcheng::meetups::engine::Fan;
use tongcheng::meetups::repo::{insert_event, NewEvent};
use tongcheng::meetups::{EventKind, EventStatus};
use tongcheng::participation::{CityHonour, DoorClosed, FanPage};

on_both_databases!(
    closing_the_door_records_who_came_once,
    closing_the_door_needs_the_box_ticked,
    a_ticket_checks_in_only_at_its_own_event_on_its_day,
    a_late_check_in_after_the_door_closed_still_counts,
    doors_closed_and_records_settled_concurrently_pay_once,
    organizers_run_the_door_of_their_own_gatherings_only,
    badges_follow_the_record,
    fan_pages_are_private_unless_the_fan_opts_in,
    the_city_page_honours_early_fans_active_fans_and_organizers,
    the_backfill_finds_nothing_on_a_consistent_database_and_repairs_what_is_missing,
    the_door_closes_by_itself_after_the_grace,
    a_festival_session_earns_the_festival_badge,
);

const HOUR: i64 = 3600;

/// A published event of `kind` in `city`, taking sign-ups now; `happening` moves it to
/// right now once fans have their seats.
async fn event(app: &TestApp, city: &str, kind: EventKind, organizer: Option<i64>) -> i64 {
    let city_id = app.city_id(city).await;
    let mut tx = app.state.db.begin_write().await.unwrap();
    let start = now() + 7 * 24 * HOUR;
    let new = NewEvent { kind, city_id, title: "Meet the team", starts_at: start, ends_at: start + 3 * HOUR, capacity: Some(50), status: EventStatus::Published, created_by: None, organizer_id: organizer };
    let id = insert_event(&mut tx, &new, now()).await.unwrap();
    tx.commit().await.unwrap();
    id
}

/// Moves the event so that it started `started_ago` seconds ago and lasts two hours.
async fn happening(app: &TestApp, event: i64, started_ago: i64) {
    let start = now() - started_ago;
    execute(&app.state.db, "UPDATE events SET starts_at = $1, ends_at = $2 WHERE id = $3", &[start, start + 2 * HOUR, event]).await;
}

/// Signs the fans up through the engine; their ticket codes, in order.
async fn seats(app: &TestApp, event: i64, fans: &[(i64, String)]) -> Vec<String> {
    let mut codes = Vec::new();
    for (id, email) in fans {
        let place = common::events(&app.state.db).sign_up(event, &Fan { id: *id, email, name: "Fan" }).await.expect("sign up");
        codes.push(place.ticket_code.expect("a seat"));
    }
    codes
}

async fn check_in(door: &Browser, event: i64, code: &str) -> Result<String, AppError> {
    door.call("check_in", &[("code", code), ("event", &event.to_string())]).await.map_err(|(_, e)| e)
}

async fn close(door: &Browser, event: i64) -> Result<DoorClosed, AppError> {
    door.call("close_door", &[("id", &event.to_string()), ("confirm", "on")]).await.map_err(|(_, e)| e)
}

// In a test database every fan is among their city's first hundred, so every fan is also
// an early fan; these helpers leave that badge (and its points and email) aside, and
// `badges_follow_the_record` checks it on its own.

async fn badges_of(app: &TestApp, user: i64) -> Vec<String> {
    sqlx::query_scalar("SELECT badge FROM badges WHERE user_id = $1 AND badge <> 'early_fan' ORDER BY badge").bind(user).fetch_all(&app.state.db.pool).await.unwrap()
}

async fn points_of(app: &TestApp, user: i64) -> i64 {
    sqlx::query_scalar("SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM points_ledger WHERE user_id = $1 AND source_key NOT LIKE '%:early_fan'")
        .bind(user)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

async fn mails(app: &TestApp, kind: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE kind = $1 AND idempotency_key NOT LIKE '%:early_fan'").bind(kind).fetch_one(&app.state.db.pool).await.unwrap()
}

async fn early_fans(app: &TestApp) -> i64 {
    app.scalar("SELECT COUNT(*) FROM badges WHERE badge = 'early_fan'").await
}

/// Demo fans (verified, far past their cities' first hundred) with seats at `event`.
async fn fans_at(app: &TestApp, event: i64, n: u64) -> (Vec<(i64, String)>, Vec<String>) {
    let fans = common::demo_fans(app, n).await;
    let codes = seats(app, event, &fans).await;
    (fans, codes)
}

async fn closing_the_door_records_who_came_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let id = event(&app, "深圳", EventKind::Official, None).await;
    let (fans, codes) = fans_at(&app, id, 3).await;
    assert_eq!(close(&staff, id).await, Err(AppError::field("door", tongcheng::msg!(errors.door_not_yet))), "not before it begins");
    happening(&app, id, HOUR).await;
    check_in(&staff, id, &codes[0]).await.expect("check in");
    check_in(&staff, id, &codes[1].to_lowercase()).await.expect("case forgiven");
    let closed = close(&staff, id).await.expect("close");
    assert_eq!(closed, DoorClosed { attended: 2, no_shows: 1, now: true });
    let again = close(&staff, id).await.expect("close again");
    assert_eq!(again, DoorClosed { attended: 2, no_shows: 1, now: false }, "closing twice changes nothing");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM attendance").await, 3, "one record per fan and event");
    for (fan, came) in fans.iter().zip([true, true, false]) {
        let outcome: String = sqlx::query_scalar("SELECT outcome FROM attendance WHERE user_id = $1").bind(fan.0).fetch_one(&app.state.db.pool).await.unwrap();
        assert_eq!(outcome, if came { "attended" } else { "no_show" });
        let expected = if came { tongcheng::participation::points::ATTEND_OFFICIAL + tongcheng::participation::points::BADGE } else { 0 };
        assert_eq!(points_of(&app, fan.0).await, expected, "meetup and first-meetup badge paid once");
        assert_eq!(badges_of(&app, fan.0).await, if came { vec!["first_meetup".to_string()] } else { vec![] });
    }
    assert_eq!(mails(&app, "badge").await, 2, "each badge announced once");
    let subject: String = app.text("SELECT subject FROM outbox WHERE kind = 'badge' ORDER BY id LIMIT 1").await;
    assert!(subject.starts_with("New badge: "), "{subject}");
    let page: tongcheng::meetups::StaffMeetup = staff.call("load_staff_meetup", &[("id", &id.to_string())]).await.unwrap();
    assert_eq!(page.checked_in, 2);
}

async fn closing_the_door_needs_the_box_ticked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let id = event(&app, "深圳", EventKind::Official, None).await;
    let (_, codes) = fans_at(&app, id, 2).await;
    happening(&app, id, HOUR).await;
    check_in(&staff, id, &codes[0]).await.expect("check in");
    let id_text = id.to_string();
    common::confirm::assert_refused_unticked(&app, &staff, &format!("/staff/meetups/{id}"), "confirm-close-door", "close_door", &[("id", &id_text)]).await;
    let closed = format!("SELECT COUNT(*) FROM events WHERE id = {id} AND door_closed_at IS NOT NULL");
    assert_eq!((app.scalar(&closed).await, app.scalar("SELECT COUNT(*) FROM attendance").await), (0, 0), "the door stays open");
    assert_eq!(close(&staff, id).await.expect("close"), DoorClosed { attended: 1, no_shows: 1, now: true });
    assert_eq!(app.scalar(&closed).await, 1);
}

async fn a_ticket_checks_in_only_at_its_own_event_on_its_day(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let today = event(&app, "深圳", EventKind::Official, None).await;
    let later = event(&app, "深圳", EventKind::Official, None).await;
    let (_, codes) = fans_at(&app, today, 1).await;
    let fan = common::demo_fans(&app, 1).await;
    let later_codes = seats(&app, later, &fan).await;
    happening(&app, today, HOUR).await;

    let wrong_door = check_in(&staff, today, &later_codes[0]).await.unwrap_err();
    assert_eq!(wrong_door.field_message("code").as_deref(), Some("This ticket is for another event: Meet the team."));
    let not_today = check_in(&staff, later, &later_codes[0]).await.unwrap_err();
    assert!(not_today.field_message("code").unwrap().starts_with("This ticket is for "), "{not_today:?}");
    let unknown = check_in(&staff, today, "ZZZZ-ZZZZ-ZZZZ").await.unwrap_err();
    assert_eq!(unknown.field_message("code").as_deref(), Some(&*tongcheng::msg!(errors.ticket_unknown).en));
    check_in(&staff, today, &codes[0]).await.expect("the right door, on the day");
    let twice = check_in(&staff, today, &codes[0]).await.unwrap_err();
    assert!(twice.field_message("code").is_some(), "a second check-in is refused");

    // Long after the end, the door no longer checks in.
    happening(&app, later, 10 * HOUR).await;
    let over = check_in(&staff, later, &later_codes[0]).await.unwrap_err();
    assert_eq!(over.field_message("code").as_deref(), Some("Check-in for this event is over."));
    // A fan cannot check anybody in.
    let fan = app.fan("nosy@example.com", "深圳").await;
    assert_eq!(check_in(&fan, today, &codes[0]).await, Err(AppError::Forbidden));
}

async fn a_late_check_in_after_the_door_closed_still_counts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let id = event(&app, "深圳", EventKind::Official, None).await;
    let (fans, codes) = fans_at(&app, id, 2).await;
    happening(&app, id, HOUR).await;
    check_in(&staff, id, &codes[0]).await.unwrap();
    assert_eq!(close(&staff, id).await.unwrap(), DoorClosed { attended: 1, no_shows: 1, now: true });
    check_in(&staff, id, &codes[1]).await.expect("late, within the grace");
    let state: tongcheng::participation::DoorState = staff.call("door_status", &[("id", &id.to_string())]).await.unwrap();
    assert_eq!(state.closed, Some(DoorClosed { attended: 2, no_shows: 0, now: false }));
    assert_eq!(badges_of(&app, fans[1].0).await, vec!["first_meetup".to_string()]);
    assert!(points_of(&app, fans[1].0).await > 0);
}

async fn doors_closed_and_records_settled_concurrently_pay_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let id = event(&app, "深圳", EventKind::Official, None).await;
    let (fans, codes) = fans_at(&app, id, 20).await;
    happening(&app, id, HOUR).await;
    for code in &codes[..15] {
        check_in(&staff, id, code).await.unwrap();
    }
    let mut runs = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let staff = staff.clone();
        runs.spawn(async move { close(&staff, id).await.map(|d| d.now) });
    }
    for _ in 0..2 {
        let db = app.state.db.clone();
        runs.spawn(async move {
            tongcheng::participation::backfill::run(&db, now(), "http://t", &indicatif::ProgressBar::hidden()).await.map_err(|_| AppError::Internal)?;
            Ok(false)
        });
    }
    let mut closed_now = 0;
    while let Some(run) = runs.join_next().await {
        closed_now += i32::from(run.unwrap().expect("every run succeeds"));
    }
    assert!(closed_now <= 1, "one closing did the work");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM attendance WHERE outcome = 'attended'").await, 15);
    let early = early_fans(&app).await;
    assert_eq!(app.scalar("SELECT COUNT(*) FROM points_ledger").await, 30 + early, "15 attendances + 15 badges, once each");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM badges").await, 15 + early);
    assert_eq!(mails(&app, "badge").await, 15);
    assert_eq!(points_of(&app, fans[0].0).await, 15);
}

async fn organizers_run_the_door_of_their_own_gatherings_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let boss = staff(&app).await;
    let organizer = common::moderation::organizer(&app, &boss, "host@example.com", "深圳").await;
    let host = user_id(&app, "host@example.com").await;
    let own = event(&app, "深圳", EventKind::Gathering, Some(host)).await;
    let official = event(&app, "深圳", EventKind::Official, None).await;
    let (_, codes) = fans_at(&app, own, 2).await;
    let fan = common::demo_fans(&app, 1).await;
    let official_codes = seats(&app, official, &fan[..1]).await;
    happening(&app, own, HOUR).await;
    happening(&app, official, HOUR).await;
    assert_eq!(check_in(&organizer, official, &official_codes[0]).await.unwrap_err().field_message("code").as_deref(), Some("You can check in tickets only at your own gatherings."));
    assert_eq!(close(&organizer, official).await, Err(AppError::Forbidden));
    check_in(&organizer, own, &codes[0]).await.expect("their own gathering");
    close(&organizer, own).await.expect("their own door");
    assert_eq!(points_of(&app, host).await, tongcheng::participation::points::ORGANIZE_GATHERING + tongcheng::participation::points::BADGE);
    assert!(badges_of(&app, host).await.contains(&"first_gathering".to_string()));
}

async fn badges_follow_the_record(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let boss = staff(&app).await;
    // The first verified fan of a city is an early fan from the moment they confirm.
    let first = app.fan("first@example.com", "拉萨").await;
    let first_id = user_id(&app, "first@example.com").await;
    assert_eq!(early_fans(&app).await, 1);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'badge'").await, 1, "announced by email");
    let page: FanPage = first.call("load_fan_page", &[("id", &first_id.to_string())]).await.unwrap();
    assert_eq!(page.early_fan.as_deref(), Some("Early fan #1 of Lhasa"));

    // Five meetups in three cities.
    let fan = vec![(first_id, "first@example.com".to_string())];
    for (i, city) in ["拉萨", "拉萨", "成都", "成都", "重庆"].iter().enumerate() {
        let id = event(&app, city, EventKind::Official, None).await;
        let codes = seats(&app, id, &fan).await;
        happening(&app, id, HOUR + i as i64).await;
        check_in(&boss, id, &codes[0]).await.unwrap();
        close(&boss, id).await.unwrap();
    }
    assert_eq!(badges_of(&app, first_id).await, vec!["first_meetup", "meetups_5", "three_cities"]);
    let page: FanPage = first.call("load_fan_page", &[("id", &first_id.to_string())]).await.unwrap();
    assert_eq!(page.attended_total, 5);
    assert_eq!(page.points, 5 * tongcheng::participation::points::ATTEND_OFFICIAL + 4 * tongcheng::participation::points::BADGE);
    assert_eq!(page.badges.first().map(|b| b.key.as_str()), Some("early_fan"), "in the rules' order");
}

async fn fan_pages_are_private_unless_the_fan_opts_in(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fan = app.fan("shy@example.com", "深圳").await;
    let id = user_id(&app, "shy@example.com").await.to_string();
    let other = app.fan("other@example.com", "深圳").await;
    let page = |b: &Browser| {
        let b = b.clone();
        let id = id.clone();
        async move { b.call::<FanPage>("load_fan_page", &[("id", &id)]).await.map_err(|(_, e)| e) }
    };
    assert_eq!(page(&other).await, Err(AppError::NotFound), "private by default");
    assert_eq!(page(&app.browser()).await, Err(AppError::NotFound));
    let own = page(&fan).await.expect("the fan sees their own page");
    assert!(own.own && !own.public && own.no_shows == Some(0));
    let staff = staff_member(&app, "duty@example.com", "Duty", Role::Staff).await;
    assert!(page(&staff).await.is_ok(), "staff see every fan");

    let public: bool = fan.call("set_public_profile", &[("public", "yes")]).await.unwrap();
    assert!(public);
    let seen = page(&other).await.expect("now public");
    assert!(!seen.own && seen.public);
    assert_eq!(seen.no_shows, None, "no-shows stay private");
    let (_, html) = app.browser().page(&format!("/fans/{id}")).await;
    assert!(html.contains("Fan") && html.contains("Badges"), "the page renders for visitors");
    let hidden: bool = fan.call("set_public_profile", &[]).await.unwrap();
    assert!(!hidden);
    let (_, html) = app.browser().page(&format!("/fans/{id}")).await;
    assert!(html.contains("private or does not exist"));
}

async fn the_city_page_honours_early_fans_active_fans_and_organizers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let boss = staff(&app).await;
    let early = app.fan("early@example.com", "拉萨").await;
    let _quiet = app.fan("quiet@example.com", "拉萨").await;
    let _: bool = early.call("set_public_profile", &[("public", "yes")]).await.unwrap();
    let early_id = user_id(&app, "early@example.com").await;
    let _host = common::moderation::organizer(&app, &boss, "host@example.com", "拉萨").await;
    let host = user_id(&app, "host@example.com").await;
    let gathering = event(&app, "拉萨", EventKind::Gathering, Some(host)).await;
    let codes = seats(&app, gathering, &[(early_id, "early@example.com".into())]).await;
    happening(&app, gathering, HOUR).await;
    check_in(&boss, gathering, &codes[0]).await.unwrap();
    close(&boss, gathering).await.unwrap();

    let city = app.city_id("拉萨").await.to_string();
    let honour: CityHonour = app.browser().call("load_city_honour", &[("city_id", &city)]).await.unwrap();
    let names = |list: &[tongcheng::participation::Honoured]| list.iter().map(|h| (h.id, h.figure)).collect::<Vec<_>>();
    assert_eq!(names(&honour.early_fans), vec![(early_id, 1)], "only early fans who opted in, with their place");
    assert_eq!(names(&honour.most_active), vec![(early_id, 1)]);
    assert_eq!(names(&honour.organizers), vec![(host, 1)]);
    let (_, html) = app.browser().page(&format!("/cities/{city}")).await;
    assert!(html.contains("Honour roll") && html.contains(&format!("/fans/{early_id}")));
}

async fn the_backfill_finds_nothing_on_a_consistent_database_and_repairs_what_is_missing(backend: Backend) {
    use tongcheng::participation::backfill::run;
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let id = event(&app, "深圳", EventKind::Official, None).await;
    let (fans, codes) = fans_at(&app, id, 5).await;
    happening(&app, id, HOUR).await;
    for code in &codes[..3] {
        check_in(&staff, id, code).await.unwrap();
    }
    close(&staff, id).await.unwrap();
    let bar = indicatif::ProgressBar::hidden();
    let first = run(&app.state.db, now(), "http://t", &bar).await.unwrap();
    assert!(first.nothing(), "a consistent database: {first:?}");

    // Lose one fan's record entirely, and another's badge.
    execute(&app.state.db, "DELETE FROM attendance WHERE user_id = $1", &[fans[0].0]).await;
    execute(&app.state.db, "DELETE FROM points_ledger WHERE user_id = $1", &[fans[0].0]).await;
    execute(&app.state.db, "DELETE FROM badges WHERE user_id = $1", &[fans[1].0]).await;
    let repaired = run(&app.state.db, now(), "http://t", &bar).await.unwrap();
    assert_eq!(repaired.attendance_recorded, 1);
    assert_eq!(repaired.settled.badges_awarded, 2, "fan 1's two badges (first meetup, early fan)");
    assert_eq!(repaired.settled.points_paid, 3, "fan 0's attendance and the points of their two badges");
    assert_eq!(mails(&app, "badge").await, 3, "no second email for a badge announced before");
    assert!(run(&app.state.db, now(), "http://t", &bar).await.unwrap().nothing());
}

async fn the_door_closes_by_itself_after_the_grace(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = event(&app, "深圳", EventKind::Official, None).await;
    fans_at(&app, id, 2).await;
    happening(&app, id, 3 * HOUR).await;
    let grace = i64::from(app.state.config.check_in_grace_minutes) * 60;
    assert_eq!(tongcheng::participation::door::close_due_doors(&app.state, now()).await.unwrap(), 0, "within the grace");
    assert_eq!(tongcheng::participation::door::close_due_doors(&app.state, now() + grace).await.unwrap(), 1);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM attendance WHERE outcome = 'no_show'").await, 2);
    assert_eq!(tongcheng::participation::door::close_due_doors(&app.state, now() + grace).await.unwrap(), 0, "closed once");
}

async fn a_festival_session_earns_the_festival_badge(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let id = event(&app, "深圳", EventKind::Official, None).await;
    let (fans, codes) = fans_at(&app, id, 1).await;
    // The meetup is a session of a festival (how festivals make their sessions).
    let mut tx = app.state.db.begin_write().await.unwrap();
    let festival: i64 = sqlx::query_scalar("INSERT INTO festivals (name, festival_day, opens_at, created_at, updated_at) VALUES ('米粉节', '2026-04-06', 0, 0, 0) RETURNING id")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    sqlx::query("UPDATE events SET festival_id = $1 WHERE id = $2").bind(festival).bind(id).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    happening(&app, id, HOUR).await;
    check_in(&staff, id, &codes[0]).await.unwrap();
    close(&staff, id).await.unwrap();
    assert_eq!(badges_of(&app, fans[0].0).await, vec!["festival".to_string(), "first_meetup".to_string()]);
}

//! The seat engine and official meetups, on both databases.
use crate::common;

use common::{events, demo_fans, published_event, sign_up_all, Backend, TestApp};
use reqwest::StatusCode;
use std::collections::{HashMap, HashSet};
use tongcheng::error::AppError;
use tongcheng::meetups::api::MyMeetups;
use tongcheng::meetups::engine::Fan;
use tongcheng::meetups::repo::{insert_event, NewEvent};
use tongcheng::meetups::{MeetupPage, Place, PlaceStatus, StaffMeetup};
use tongcheng::infra::clock::now;
use tongcheng::infra::db::Db;

on_both_databases!(
    five_hundred_concurrent_sign_ups_fill_fifty_seats_exactly,
    a_fan_pressing_many_times_holds_one_place,
    concurrent_cancellations_promote_in_order_and_never_overfill,
    a_seat_freed_while_a_fan_joins_the_waiting_list_goes_to_that_fan,
    the_database_refuses_more_seats_than_capacity,
    staff_create_publish_and_fans_sign_up_over_http,
    only_staff_manage_meetups_and_fans_see_only_their_own_ticket,
    cancelling_a_meetup_tells_everyone_and_feeds_show_it,
    reminders_are_queued_once_a_day_ahead,
    deleting_an_account_passes_the_seat_on,
    giving_a_place_up_needs_the_box_ticked,
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


fn meetup_form<'a>(id: &'a str, city: &'a str, capacity: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("id", id),
        ("city", city),
        ("title", "深圳粉丝见面会"),
        ("description", "Meet the engineers"),
        ("venue", "Hall 1"),
        ("address", "1 Science Park Rd"),
        ("starts", "2099-05-02 14:00"),
        ("ends", "2099-05-02 17:00"),
        ("capacity", capacity),
        ("signup_opens", ""),
        ("signup_closes", ""),
    ]
}

async fn staff_create_publish_and_fans_sign_up_over_http(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = common::staff_browser(&app).await;
    let first = app.fan("first@example.com", "深圳").await;
    let second = app.fan("second@example.com", "深圳").await;
    let elsewhere = app.fan("far@example.com", "乌鲁木齐").await;
    let opted_out = app.fan("quiet@example.com", "深圳").await;
    let off: bool = opted_out.call("set_invitation_preference", &[]).await.expect("preference");
    assert!(!off);

    let bad: Result<i64, _> = staff.call("save_meetup", &meetup_form("", "Gotham", "0")).await;
    let error = bad.unwrap_err().1;
    assert!(error.field_message("city").is_some() && error.field_message("capacity").is_some());
    let id: i64 = staff.call("save_meetup", &meetup_form("", "深圳", "1")).await.expect("create");
    let id_text = id.to_string();
    let draft: Result<MeetupPage, _> = first.call("load_meetup", &[("id", &id_text)]).await;
    assert_eq!(draft.unwrap_err().1, AppError::NotFound, "drafts are hidden from fans");

    let invited: u64 = staff.call("publish_meetup", &[("id", &id_text), ("radius_km", "")]).await.expect("publish");
    assert_eq!(invited, 2, "the two verified fans of Shenzhen who want invitations");
    // What the staff page follows live.
    let progress: tongcheng::meetups::DeliveryCounts = staff.call("invitation_progress", &[("id", &id_text)]).await.expect("progress");
    assert_eq!(progress.queued + progress.sent + progress.failed, 2, "{progress:?}");
    let quiet = app.scalar("SELECT COUNT(*) FROM outbox WHERE recipient = 'quiet@example.com' AND kind = 'invitation'").await;
    assert_eq!(quiet, 0, "email preferences are respected");
    let meetup: StaffMeetup = staff.call("load_staff_meetup", &[("id", &id_text)]).await.unwrap();
    assert_eq!(meetup.invitations.queued + meetup.invitations.sent, 2);
    assert_eq!(meetup.page.card.starts, "Sat 2 May 2099, 14:00", "shown in the city's time");

    let place: Place = first.call("sign_up", &[("id", &id_text)]).await.expect("sign up");
    assert_eq!(place.status, PlaceStatus::Confirmed);
    let again: Place = first.call("sign_up", &[("id", &id_text)]).await.unwrap();
    assert_eq!(again, place, "a second press returns the same place");
    let waiting: Place = second.call("sign_up", &[("id", &id_text)]).await.unwrap();
    assert_eq!((waiting.status, waiting.position), (PlaceStatus::Waitlisted, Some(1)));
    let _: Place = elsewhere.call("sign_up", &[("id", &id_text)]).await.unwrap();

    let _: () = first.call("cancel_place", &[("id", &id_text), ("confirm", "on")]).await.expect("cancel");
    let page: MeetupPage = second.call("load_meetup", &[("id", &id_text)]).await.unwrap();
    let promoted = page.place.expect("a place");
    assert_eq!(promoted.status, PlaceStatus::Confirmed, "moved up at once");
    assert!(page.ticket_qr.as_deref().is_some_and(|svg| svg.contains("<svg")));
    let subject: String = sqlx::query_scalar("SELECT subject FROM outbox WHERE recipient = 'second@example.com' AND kind = 'seat_promoted'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert!(subject.starts_with("You're in"));
    let attachments: String = sqlx::query_scalar("SELECT attachments FROM outbox WHERE recipient = 'second@example.com' AND kind = 'seat_promoted'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert!(attachments.contains("BEGIN:VCALENDAR"), "calendar invitation attached");
    assert!(attachments.contains("ticket-qr.png"), "the ticket's QR code goes with it");

    // Staff grow the meetup: the next fan waiting moves up.
    let _: i64 = staff.call("save_meetup", &meetup_form(&id_text, "深圳", "2")).await.unwrap();
    let far: MeetupPage = elsewhere.call("load_meetup", &[("id", &id_text)]).await.unwrap();
    assert_eq!(far.place.unwrap().status, PlaceStatus::Confirmed);
    let shrink: Result<i64, _> = staff.call("save_meetup", &meetup_form(&id_text, "深圳", "1")).await;
    assert!(shrink.unwrap_err().1.field_message("capacity").is_some());

    // Check-in at the door, on the meetup's day (the door's rules: tests/participation.rs).
    let now = tongcheng::infra::clock::now();
    common::execute(&app.state.db, "UPDATE events SET starts_at = $1, ends_at = $2 WHERE id = $3", &[now - 600, now + 3600, id]).await;
    let code = promoted.ticket_code.unwrap();
    let done: String = staff.call("check_in", &[("code", &code.to_lowercase())]).await.expect("check in");
    assert!(done.contains("checked in"));
    let twice: Result<String, _> = staff.call("check_in", &[("code", &code)]).await;
    assert!(twice.unwrap_err().1.field_message("code").unwrap().contains("already"));
    let unknown: Result<String, _> = staff.call("check_in", &[("code", "NOPE-NOPE-NOPE")]).await;
    assert!(unknown.unwrap_err().1.field_message("code").is_some());

    let csv = staff.client.get(format!("{}/staff/meetups/{id}/attendees.csv", app.base)).send().await.unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    let csv = csv.text().await.unwrap();
    assert!(csv.contains("second@example.com") && csv.contains("far@example.com"));
    assert!(!csv.contains("first@example.com"), "cancelled fans are not listed");

    let mine: MyMeetups = second.call("list_my_meetups", &[]).await.unwrap();
    assert_eq!(mine.items.len(), 1);
    assert!(!mine.calendar_feed, "no calendar link until the fan makes one");
    let link: String = second.call("new_calendar_link", &[]).await.unwrap();
    let feed = reqwest::get(&link).await.unwrap().text().await.unwrap();
    assert!(feed.contains("BEGIN:VEVENT") && feed.contains("SUMMARY:深圳粉丝见面会"));
    let mine: MyMeetups = second.call("list_my_meetups", &[]).await.unwrap();
    assert!(mine.calendar_feed);
}

async fn only_staff_manage_meetups_and_fans_see_only_their_own_ticket(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fan = app.fan("fan@example.com", "上海").await;
    let other = app.fan("other@example.com", "上海").await;
    let unverified = app.browser();
    let _: String = unverified
        .call("register", &[("email", "new@example.com"), ("display_name", "N"), ("password", "password123"), ("city", "上海")])
        .await
        .unwrap();
    unverified.login("new@example.com", "password123").await;
    let event = published_event(&app.state.db, app.city_id("上海").await, Some(10)).await.to_string();

    for (endpoint, form) in [
        ("save_meetup", meetup_form("", "上海", "5")),
        ("publish_meetup", vec![("id", event.as_str())]),
        ("change_meetup_status", vec![("id", event.as_str()), ("status", "cancelled"), ("confirm", "on")]),
        ("load_staff_meetup", vec![("id", event.as_str())]),
        ("check_in", vec![("code", "ABCD")]),
        ("staff_meetups", vec![]),
    ] {
        let refused: Result<serde_json::Value, _> = fan.call(endpoint, &form).await;
        assert_eq!(refused.unwrap_err(), (StatusCode::FORBIDDEN, AppError::Forbidden), "{endpoint}");
        let anonymous: Result<serde_json::Value, _> = app.browser().call(endpoint, &form).await;
        assert_eq!(anonymous.unwrap_err().0, StatusCode::UNAUTHORIZED, "{endpoint}");
    }
    let csv = fan.client.get(format!("{}/staff/meetups/{event}/attendees.csv", app.base)).send().await.unwrap();
    assert_eq!(csv.status(), StatusCode::FORBIDDEN);

    let not_verified: Result<Place, _> = unverified.call("sign_up", &[("id", &event)]).await;
    assert!(not_verified.unwrap_err().1.field_message("signup").unwrap().contains("Confirm your email"));
    let anonymous: Result<Place, _> = app.browser().call("sign_up", &[("id", &event)]).await;
    assert_eq!(anonymous.unwrap_err().1, AppError::Unauthorized);

    let mine: Place = fan.call("sign_up", &[("id", &event)]).await.unwrap();
    let seen_by_other: MeetupPage = other.call("load_meetup", &[("id", &event)]).await.unwrap();
    assert!(seen_by_other.place.is_none(), "another fan's ticket is not shown");
    let json = serde_json::to_string(&seen_by_other).unwrap();
    assert!(!json.contains(&mine.ticket_code.unwrap()) && !json.contains("fan@example.com"));
}

async fn cancelling_a_meetup_tells_everyone_and_feeds_show_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = common::staff_browser(&app).await;
    let fans = demo_fans(&app, 3).await;
    let city = app.city_id("杭州").await;
    let event = published_event(&app.state.db, city, Some(2)).await;
    sign_up_all(&app, event, &fans).await;
    let feed = reqwest::get(format!("{}/calendar/city/{city}.ics", app.base)).await.unwrap().text().await.unwrap();
    assert!(feed.contains("SUMMARY:Test meetup") && feed.contains("STATUS:CONFIRMED"));

    let event_text = event.to_string();
    // Without the box ticked: the message beside it, and nobody is told anything.
    let unticked = staff.call::<()>("change_meetup_status", &[("id", &event_text), ("status", "cancelled")]).await.unwrap_err();
    assert!(unticked.1.field_text("confirm").is_some_and(|t| t.zh == "请先勾选确认。"), "{unticked:?}");
    assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM outbox WHERE event_id = {event} AND kind = 'meetup_cancelled'")).await, 0);
    let _: () = staff.call("change_meetup_status", &[("id", &event_text), ("status", "cancelled"), ("confirm", "on")]).await.unwrap();
    let notices = app.scalar(&format!("SELECT COUNT(*) FROM outbox WHERE event_id = {event} AND kind = 'meetup_cancelled'")).await;
    assert_eq!(notices, 3, "two seated and one waiting fan are told");
    let again: Result<(), _> = staff.call("change_meetup_status", &[("id", &event_text), ("status", "cancelled"), ("confirm", "on")]).await;
    assert!(again.is_err());
    let feed = reqwest::get(format!("{}/calendar/city/{city}.ics", app.base)).await.unwrap().text().await.unwrap();
    assert!(feed.contains("STATUS:CANCELLED"));
    let fan = &fans[0];
    let closed = events(&app.state.db).sign_up(event, &Fan { id: fan.0, email: &fan.1, name: "x" }).await;
    assert!(closed.is_ok(), "an existing place is still reported");
    let missing = reqwest::get(format!("{}/calendar/city/999999999.ics", app.base)).await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

async fn reminders_are_queued_once_a_day_ahead(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fans = demo_fans(&app, 2).await;
    let soon = now() + 2 * 3600;
    let mut tx = app.state.db.begin_write().await.unwrap();
    let event = NewEvent { kind: tongcheng::meetups::EventKind::Official, city_id: app.city_id("广州").await, title: "Soon", starts_at: soon, ends_at: soon + 3600, capacity: Some(1), status: tongcheng::meetups::EventStatus::Published, created_by: None, organizer_id: None };
    let id = insert_event(&mut tx, &event, now()).await.unwrap();
    tx.commit().await.unwrap();
    sign_up_all(&app, id, &fans).await;
    let sent = tongcheng::meetups::reminders::send_due_reminders(&app.state).await.unwrap();
    assert_eq!(sent, 1, "only the confirmed fan");
    let queued = app.scalar(&format!("SELECT COUNT(*) FROM outbox WHERE event_id = {id} AND kind = 'reminder'")).await;
    assert_eq!(queued, 1);
    tongcheng::meetups::reminders::send_due_reminders(&app.state).await.unwrap();
    let queued = app.scalar(&format!("SELECT COUNT(*) FROM outbox WHERE event_id = {id} AND kind = 'reminder'")).await;
    assert_eq!(queued, 1, "once");
}

async fn deleting_an_account_passes_the_seat_on(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let leaver = app.fan("leaver@example.com", "南京").await;
    let waiter = app.fan("waiter@example.com", "南京").await;
    let event = published_event(&app.state.db, app.city_id("南京").await, Some(1)).await.to_string();
    let _: Place = leaver.call("sign_up", &[("id", &event)]).await.unwrap();
    let _: Place = waiter.call("sign_up", &[("id", &event)]).await.unwrap();
    let _: () = leaver.call("delete_account", &[("password", "password123"), ("confirm", "on")]).await.unwrap();
    let page: MeetupPage = waiter.call("load_meetup", &[("id", &event)]).await.unwrap();
    assert_eq!(page.place.unwrap().status, PlaceStatus::Confirmed);
    assert_eq!(page.card.confirmed, 1);
}

async fn giving_a_place_up_needs_the_box_ticked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fan = app.fan("keeper@example.com", "深圳").await;
    let id = published_event(&app.state.db, app.city_id("深圳").await, Some(5)).await.to_string();
    let _: Place = fan.call("sign_up", &[("id", &id)]).await.expect("sign up");
    common::confirm::assert_refused_unticked(&app, &fan, &format!("/meetups/{id}"), "confirm-cancel-place", "cancel_place", &[("id", &id)]).await;
    let seated = "SELECT COUNT(*) FROM registrations WHERE status = 'confirmed'";
    assert_eq!((app.scalar(seated).await, app.scalar("SELECT confirmed_count FROM events").await), (1, 1), "the seat is kept");
    let _: () = fan.call("cancel_place", &[("id", &id), ("confirm", "on")]).await.expect("cancel");
    assert_eq!((app.scalar(seated).await, app.scalar("SELECT confirmed_count FROM events").await), (0, 0));
}

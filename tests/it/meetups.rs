//! Official meetups over HTTP, on both databases: staff create and publish them, fans
//! sign up, cancel and read their tickets (the seat engine under load: `seat_engine`).
use crate::common;

use common::{events, demo_fans, published_event, sign_up_all, Backend, TestApp};
use reqwest::StatusCode;
use tongcheng::error::AppError;
use tongcheng::meetups::api::MyMeetups;
use tongcheng::meetups::engine::Fan;
use tongcheng::meetups::repo::{insert_event, NewEvent};
use tongcheng::meetups::{MeetupPage, Place, PlaceStatus, StaffMeetup};
use tongcheng::infra::clock::now;

on_both_databases!(
    staff_create_publish_and_fans_sign_up_over_http,
    only_staff_manage_meetups_and_fans_see_only_their_own_ticket,
    cancelling_a_meetup_tells_everyone_and_feeds_show_it,
    reminders_are_queued_once_a_day_ahead,
    deleting_an_account_passes_the_seat_on,
    giving_a_place_up_needs_the_box_ticked,
    applications_show_on_my_meetups_until_the_draw,
);

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
    // Two hours ahead is not "tomorrow"; its button opens the ticket.
    let (subject, html): (String, String) = sqlx::query_as("SELECT subject, body_html FROM outbox WHERE event_id = $1 AND kind = 'reminder'").bind(id).fetch_one(&app.state.db.pool).await.unwrap();
    assert!(!subject.contains("明天") && !subject.contains("Tomorrow"), "{subject}");
    assert!(html.contains(&format!("/tickets/{id}")), "the ticket's page");
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

/// A fan's applications to draw meetups show on "my meetups" until the draw: picked,
/// the seat shows instead; drawn and not picked, nothing.
async fn applications_show_on_my_meetups_until_the_draw(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let city = app.city_id("深圳").await;
    let fan = app.fan("applicant@example.com", "深圳").await;
    let (picked, missed) = (published_event(&app.state.db, city, Some(1)).await, published_event(&app.state.db, city, Some(1)).await);
    for draw in [picked, missed] {
        common::execute(&app.state.db, "UPDATE events SET admission = 'draw', application_closes_at = $1 WHERE id = $2", &[now() + 86_400, draw]).await;
        let _: () = fan.call("apply_for_seat", &[("id", &draw.to_string()), ("answer", "I test Rust every day")]).await.expect("apply");
    }
    let mine: MyMeetups = fan.call("list_my_meetups", &[]).await.unwrap();
    let mut applied: Vec<i64> = mine.applied.iter().map(|c| c.id).collect();
    applied.sort_unstable();
    assert_eq!((mine.items.len(), applied), (0, vec![picked.min(missed), picked.max(missed)]));
    let (_, page) = fan.page("/my-meetups").await;
    assert!(page.contains("data-testid=\"my-applications\"") && !page.contains("你还没有报名任何聚会"), "listed, not \"nothing yet\"");

    let staff = common::moderation::staff(&app).await;
    let _: serde_json::Value = staff.call("draw_now", &[("id", &picked.to_string()), ("confirm", "on")]).await.expect("the draw");
    common::execute(&app.state.db, "UPDATE events SET drawn_at = $1 WHERE id = $2", &[now(), missed]).await;
    let mine: MyMeetups = fan.call("list_my_meetups", &[]).await.unwrap();
    assert_eq!(mine.items.iter().map(|(card, _)| card.id).collect::<Vec<_>>(), vec![picked], "the seat shows");
    assert!(mine.applied.is_empty(), "neither the picked one again nor the one drawn without them: {:?}", mine.applied.iter().map(|c| c.id).collect::<Vec<_>>());
}

//! Self-run gatherings and moderation, on both databases.
use crate::common;

use common::moderation::{apply_and_approve, gathering_form, moderate, organizer, staff};
use common::{Backend, TestApp};
use reqwest::StatusCode;
use tongcheng::error::AppError;
use tongcheng::gatherings::{CityEvents, ModerationQueue, OrganizerHistory, OrganizerStatus, OwnGathering};
use tongcheng::meetups::{MeetupPage, Place, PlaceStatus};

on_both_databases!(
    a_new_end_time_of_a_gathering_is_emailed_to_its_attendees,
    a_fan_applies_staff_approve_and_the_gathering_is_reviewed_then_joined,
    cancelling_a_gathering_needs_the_box_ticked,
    organizers_cannot_touch_each_others_gatherings_and_fans_cannot_moderate,
    hidden_gatherings_are_invisible_and_reports_reach_staff,
    descriptions_with_html_render_as_harmless_text,
    trusted_organizers_publish_directly_and_messages_are_rate_limited,
);

async fn a_fan_applies_staff_approve_and_the_gathering_is_reviewed_then_joined(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let fan = app.fan("hopeful@example.com", "深圳").await;
    let short: Result<(), _> = fan.call("apply_organizer", &[("reason", "pls")]).await;
    assert!(short.unwrap_err().1.field_message("reason").is_some());
    let not_yet: Result<i64, _> = fan.call("save_gathering", &gathering_form("", "Too early", "", "")).await;
    assert_eq!(not_yet.unwrap_err().1, AppError::Forbidden, "only organizers list gatherings");

    apply_and_approve(&staff, &fan, "hopeful@example.com").await;
    let organizer = fan;
    let decision: String = sqlx::query_scalar("SELECT subject FROM outbox WHERE recipient = 'hopeful@example.com' AND kind = 'organizer_decision'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(decision, "You are now a Tongcheng organizer", "the fan is told by email");
    let status: OrganizerStatus = organizer.call("organizer_status", &[]).await.unwrap();
    assert!(status.is_organizer);

    let id: i64 = organizer.call("save_gathering", &gathering_form("", "Board games night", "Bring **games**", "2")).await.expect("list");
    let id_text = id.to_string();
    let city = app.city_id("深圳").await.to_string();
    let before: CityEvents = app.browser().call("city_events", &[("city", &city)]).await.unwrap();
    assert!(before.events.is_empty(), "not listed before review");

    let queue: ModerationQueue = staff.call("moderation_queue", &[]).await.unwrap();
    assert_eq!(queue.gatherings.len(), 1);
    moderate(&staff, "gathering", id, "reject", "Please add the address details").await;
    let own: OwnGathering = organizer.call("own_gathering", &[("id", &id_text)]).await.unwrap();
    assert_eq!(own.card.status, tongcheng::meetups::EventStatus::Rejected);
    assert_eq!(own.rejection.as_deref(), Some("Please add the address details"), "comes back with the reason");
    let _: i64 = organizer.call("save_gathering", &gathering_form(&id_text, "Board games night", "Bring **games**", "2")).await.unwrap();
    moderate(&staff, "gathering", id, "approve", "").await;

    let listed: CityEvents = app.browser().call("city_events", &[("city", &city)]).await.unwrap();
    assert_eq!(listed.events.len(), 1);
    assert_eq!(listed.events[0].label, "Gathering by Fan");
    let filtered: CityEvents = app.browser().call("city_events", &[("city", &city), ("from", "2099-03-08")]).await.unwrap();
    assert!(filtered.events.is_empty(), "date filter");
    let feed = reqwest::get(&listed.calendar_url).await.unwrap().text().await.unwrap();
    assert!(feed.contains("SUMMARY:Board games night"), "the city's feed includes gatherings");

    // Fans join with the same seat rules as official meetups.
    let a = app.fan("a@example.com", "深圳").await;
    let b = app.fan("b@example.com", "深圳").await;
    let c = app.fan("c@example.com", "深圳").await;
    for fan in [&a, &b] {
        let place: Place = fan.call("sign_up", &[("id", &id_text)]).await.unwrap();
        assert_eq!(place.status, PlaceStatus::Confirmed);
    }
    let waiting: Place = c.call("sign_up", &[("id", &id_text)]).await.unwrap();
    assert_eq!((waiting.status, waiting.position), (PlaceStatus::Waitlisted, Some(1)));
    let own: OwnGathering = organizer.call("own_gathering", &[("id", &id_text)]).await.unwrap();
    assert_eq!(own.attendees.len(), 3, "the organizer sees who is coming");
    let csv = organizer.client.get(format!("{}/staff/meetups/{id}/attendees.csv", app.base)).send().await.unwrap();
    assert_eq!(csv.status(), StatusCode::OK, "organizers export their own list");

    let _: () = organizer.call("cancel_gathering", &[("id", &id_text), ("confirm", "on")]).await.unwrap();
    let notices = app.scalar(&format!("SELECT COUNT(*) FROM outbox WHERE event_id = {id} AND kind = 'meetup_cancelled'")).await;
    assert_eq!(notices, 3, "attendees are emailed");
    let organizer_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'hopeful@example.com'").fetch_one(&app.state.db.pool).await.unwrap();
    let history: OrganizerHistory = staff.call("organizer_history", &[("user_id", &organizer_id.to_string())]).await.unwrap();
    assert_eq!(history.gatherings.len(), 1);
    assert_eq!(history.gatherings[0].1, 2, "two confirmed fans");
    assert!(history.log.iter().any(|l| l.action == "reject" && l.staff == "Boss"), "decisions recorded with who");
    assert!(history.log.iter().any(|l| l.action == "approve"));
}

async fn cancelling_a_gathering_needs_the_box_ticked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let host = organizer(&app, &staff, "host@example.com", "深圳").await;
    let id: i64 = host.call("save_gathering", &gathering_form("", "Picnic", "", "5")).await.expect("list");
    moderate(&staff, "gathering", id, "approve", "").await;
    let fan = app.fan("fan@example.com", "深圳").await;
    let id_text = id.to_string();
    let _: Place = fan.call("sign_up", &[("id", &id_text)]).await.expect("sign up");
    common::confirm::assert_refused_unticked(&app, &host, &format!("/organize/{id}"), "confirm-cancel-gathering", "cancel_gathering", &[("id", &id_text)]).await;
    let status = format!("SELECT status FROM events WHERE id = {id}");
    let told = format!("SELECT COUNT(*) FROM outbox WHERE event_id = {id} AND kind = 'meetup_cancelled'");
    assert_eq!((app.text(&status).await.as_str(), app.scalar(&told).await), ("published", 0), "still on, nobody told");
    let _: () = host.call("cancel_gathering", &[("id", &id_text), ("confirm", "on")]).await.expect("cancel");
    assert_eq!((app.text(&status).await.as_str(), app.scalar(&told).await), ("cancelled", 1));
}

async fn organizers_cannot_touch_each_others_gatherings_and_fans_cannot_moderate(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let first = organizer(&app, &staff, "one@example.com", "成都").await;
    let second = organizer(&app, &staff, "two@example.com", "成都").await;
    let id: i64 = first.call("save_gathering", &gathering_form("", "Hotpot", "", "")).await.unwrap();
    let id_text = id.to_string();
    let edit: Result<i64, _> = second.call("save_gathering", &gathering_form(&id_text, "Mine now", "", "")).await;
    assert_eq!(edit.unwrap_err(), (StatusCode::FORBIDDEN, AppError::Forbidden));
    for endpoint in ["cancel_gathering", "own_gathering"] {
        let refused: Result<serde_json::Value, _> = second.call(endpoint, &[("id", &id_text)]).await;
        assert_eq!(refused.unwrap_err().1, AppError::Forbidden, "{endpoint}");
    }
    let message: Result<u64, _> = second.call("message_attendees", &[("id", &id_text), ("subject", "hi"), ("body", "spam")]).await;
    assert_eq!(message.unwrap_err().1, AppError::Forbidden);
    let csv = second.client.get(format!("{}/staff/meetups/{id}/attendees.csv", app.base)).send().await.unwrap();
    assert_eq!(csv.status(), StatusCode::FORBIDDEN);
    let title: String = sqlx::query_scalar("SELECT title FROM events WHERE id = $1").bind(id).fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(title, "Hotpot");

    let fan = app.fan("fan@example.com", "成都").await;
    for (endpoint, form) in [
        ("moderate", vec![("subject", "gathering"), ("id", id_text.as_str()), ("action", "approve"), ("reason", "")]),
        ("moderation_queue", vec![]),
        ("organizer_history", vec![("user_id", "1")]),
    ] {
        for who in [&fan, &first] {
            let refused: Result<serde_json::Value, _> = who.call(endpoint, &form).await;
            assert_eq!(refused.unwrap_err().1, AppError::Forbidden, "{endpoint}");
        }
    }
    let status: String = sqlx::query_scalar("SELECT status FROM events WHERE id = $1").bind(id).fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(status, "pending_review");
    // Revoking the role stops new listings.
    let two_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'two@example.com'").fetch_one(&app.state.db.pool).await.unwrap();
    let no_reason: Result<(), _> = staff.call("moderate", &[("subject", "organizer"), ("id", &two_id.to_string()), ("action", "revoke"), ("reason", "")]).await;
    assert!(no_reason.unwrap_err().1.field_message("reason").is_some());
    moderate(&staff, "organizer", two_id, "revoke", "Repeated spam").await;
    let after: Result<i64, _> = second.call("save_gathering", &gathering_form("", "Another", "", "")).await;
    assert_eq!(after.unwrap_err().1, AppError::Forbidden);
    let history: OrganizerHistory = staff.call("organizer_history", &[("user_id", &two_id.to_string())]).await.unwrap();
    assert!(!history.is_organizer);
    assert!(history.log.iter().any(|l| l.action == "revoke" && l.reason == "Repeated spam" && l.staff == "Boss"), "recorded with who and why");
}

async fn hidden_gatherings_are_invisible_and_reports_reach_staff(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let organizer = organizer(&app, &staff, "org@example.com", "武汉").await;
    let id: i64 = organizer.call("save_gathering", &gathering_form("", "Suspicious sale", "", "")).await.unwrap();
    moderate(&staff, "gathering", id, "approve", "").await;
    let id_text = id.to_string();
    let fan = app.fan("fan@example.com", "武汉").await;
    let bad: Result<(), _> = fan.call("report_gathering", &[("id", &id_text), ("category", "gossip"), ("details", "")]).await;
    assert!(bad.unwrap_err().1.field_message("category").is_some());
    let _: () = fan.call("report_gathering", &[("id", &id_text), ("category", "spam"), ("details", "Selling phones")]).await.unwrap();
    let queue: ModerationQueue = staff.call("moderation_queue", &[]).await.unwrap();
    assert_eq!(queue.reports.len(), 1);
    assert_eq!((queue.reports[0].category.as_str(), queue.reports[0].details.as_str()), ("spam", "Selling phones"));

    moderate(&staff, "report", queue.reports[0].id, "hide", "Commercial spam").await;
    let hidden: Result<MeetupPage, _> = fan.call("load_meetup", &[("id", &id_text)]).await;
    assert_eq!(hidden.unwrap_err().1, AppError::NotFound, "hidden from fans");
    let city = app.city_id("武汉").await.to_string();
    let listed: CityEvents = fan.call("city_events", &[("city", &city)]).await.unwrap();
    assert!(listed.events.is_empty());
    let upcoming: Vec<serde_json::Value> = fan.call("upcoming_meetups", &[]).await.unwrap();
    assert!(upcoming.is_empty());
    let join: Result<Place, _> = fan.call("sign_up", &[("id", &id_text)]).await;
    assert!(join.is_err(), "nobody can join a hidden gathering");
    let queue: ModerationQueue = staff.call("moderation_queue", &[]).await.unwrap();
    assert!(queue.reports.is_empty(), "resolved");
    assert!(queue.log.iter().any(|l| l.action == "hide" && l.reason == "Commercial spam"));
}

async fn descriptions_with_html_render_as_harmless_text(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let organizer = organizer(&app, &staff, "org@example.com", "西安").await;
    let evil = "<script>alert('x')</script><img src=x onerror=alert(1)> **welcome**";
    let id: i64 = organizer.call("save_gathering", &gathering_form("", "<b>Title</b>", evil, "")).await.unwrap();
    moderate(&staff, "gathering", id, "approve", "").await;
    let page: MeetupPage = app.browser().call("load_meetup", &[("id", &id.to_string())]).await.unwrap();
    assert!(!page.description_html.contains("<script") && !page.description_html.contains("<img"));
    assert!(page.description_html.contains("<strong>welcome</strong>"));
    let (_, html) = app.browser().page(&format!("/meetups/{id}")).await;
    assert!(!html.contains("<script>alert('x')</script>") && !html.contains("<img src=x"), "no injected markup in the page");
    assert!(html.contains("&lt;b&gt;Title&lt;/b&gt;"), "the title is text");
}

async fn trusted_organizers_publish_directly_and_messages_are_rate_limited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let organizer = organizer(&app, &staff, "trusted@example.com", "杭州").await;
    let user_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'trusted@example.com'").fetch_one(&app.state.db.pool).await.unwrap();
    moderate(&staff, "organizer", user_id, "trust", "").await;
    let id: i64 = organizer.call("save_gathering", &gathering_form("", "Direct", "", "")).await.unwrap();
    let status: String = sqlx::query_scalar("SELECT status FROM events WHERE id = $1").bind(id).fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(status, "published");
    let fan = app.fan("fan@example.com", "杭州").await;
    let _: Place = fan.call("sign_up", &[("id", &id.to_string())]).await.unwrap();
    let id_text = id.to_string();
    for i in 0..3 {
        let subject = format!("Update {i}");
        let sent: u64 = organizer.call("message_attendees", &[("id", &id_text), ("subject", &subject), ("body", "See you")]).await.unwrap();
        assert_eq!(sent, 1);
    }
    let fourth: Result<u64, _> = organizer.call("message_attendees", &[("id", &id_text), ("subject", "More"), ("body", "See you")]).await;
    assert!(fourth.unwrap_err().1.field_message("body").unwrap().contains("3 messages a day"));
    let history: OrganizerHistory = staff.call("organizer_history", &[("user_id", &user_id.to_string())]).await.unwrap();
    assert!(history.trusted && history.gatherings.len() == 1);
    assert_eq!(history.gatherings[0].1, 1, "attendance: one confirmed");
}

/// The drift bug: the gathering copy of the "moved" check left out the end time.
async fn a_new_end_time_of_a_gathering_is_emailed_to_its_attendees(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let organizer = organizer(&app, &staff, "host@example.com", "深圳").await;
    let id: i64 = organizer.call("save_gathering", &gathering_form("", "Late night", "", "5")).await.expect("list");
    moderate(&staff, "gathering", id, "approve", "").await;
    let id_text = id.to_string();
    let fan = app.fan("guest@example.com", "深圳").await;
    let _: Place = fan.call("sign_up", &[("id", &id_text)]).await.unwrap();

    let mut later = gathering_form(&id_text, "Late night", "", "5");
    later.iter_mut().filter(|(k, _)| *k == "ends").for_each(|field| field.1 = "2099-03-07 23:30");
    let _: i64 = organizer.call("save_gathering", &later).await.expect("save the new end");
    let told = app.scalar("SELECT COUNT(*) FROM outbox WHERE recipient = 'guest@example.com' AND kind = 'meetup_changed'").await;
    assert_eq!(told, 1, "the attendee is told the new end time");
    let own: OwnGathering = organizer.call("own_gathering", &[("id", &id_text)]).await.unwrap();
    assert_eq!(own.form.ends, "2099-03-07 23:30");
    assert_eq!(own.card.status, tongcheng::meetups::EventStatus::Published, "a new time needs no new review");
}

//! Security of moderation and organizer tools (issue 10): staff are not moderated, only
//! current organizers manage their visible gatherings, edits are reviewed again, the
//! message cap holds under concurrency, and text carries no control characters.
use crate::common;

use common::moderation::{gathering_form, moderate, organizer, staff, staff_member, user_id};
use common::{Backend, Browser, TestApp};
use reqwest::StatusCode;
use tongcheng::accounts::Role;
use tongcheng::error::AppError;
use tongcheng::gatherings::{ModerationQueue, OrganizerHistory};
use tongcheng::meetups::Place;

on_both_databases!(
    staff_cannot_demote_staff_and_role_changes_are_an_admins_logged_action,
    revoked_or_hidden_organizers_lose_their_attendees,
    editing_a_published_gathering_sends_it_back_to_review_unless_trusted,
    the_daily_message_cap_holds_when_messages_are_sent_at_once,
    control_characters_are_refused_and_calendars_stay_well_formed,
);

async fn role(app: &TestApp, email: &str) -> String {
    sqlx::query_scalar("SELECT role FROM users WHERE email = $1").bind(email).fetch_one(&app.state.db.pool).await.unwrap()
}

async fn staff_cannot_demote_staff_and_role_changes_are_an_admins_logged_action(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let boss = staff(&app).await;
    let _colleague = staff_member(&app, "colleague@example.com", "Colleague", Role::Staff).await;
    let admin = staff_member(&app, "admin@example.com", "Admin", Role::Admin).await;
    let colleague_id = user_id(&app, "colleague@example.com").await;
    let admin_id = user_id(&app, "admin@example.com").await;
    for (target, action) in [(colleague_id, "revoke"), (admin_id, "revoke"), (colleague_id, "trust"), (admin_id, "distrust")] {
        let form = [("subject", "organizer"), ("id", &target.to_string()), ("action", action), ("reason", "power grab")];
        let refused: Result<(), _> = boss.call("moderate", &form).await;
        assert_eq!(refused.unwrap_err(), (StatusCode::FORBIDDEN, AppError::Forbidden), "{action} on {target}");
    }
    let by_staff: Result<(), _> = boss.call("set_role", &[("user_id", &colleague_id.to_string()), ("role", "fan")]).await;
    assert_eq!(by_staff.unwrap_err().1, AppError::Forbidden, "only admins change roles");
    assert_eq!((role(&app, "colleague@example.com").await, role(&app, "admin@example.com").await), ("staff".into(), "admin".into()));

    let own: Result<(), _> = admin.call("set_role", &[("user_id", &admin_id.to_string()), ("role", "fan")]).await;
    assert!(own.unwrap_err().1.field_message("role").is_some(), "not on their own account");
    let form = [("user_id", colleague_id.to_string()), ("role", "fan".into()), ("reason", "Left the team".into())];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let _: () = admin.call("set_role", &form).await.expect("admins change roles");
    assert_eq!(role(&app, "colleague@example.com").await, "fan");
    let history: OrganizerHistory = admin.call("organizer_history", &[("user_id", &colleague_id.to_string())]).await.unwrap();
    assert!(history.viewer_is_admin);
    assert!(
        history.log.iter().any(|l| l.action == "role staff → fan" && l.staff == "Admin" && l.reason == "Left the team"),
        "logged with who and why: {:?}",
        history.log
    );
}

/// A published gathering of `organizer` with one fan signed up; returns its id.
async fn gathering_with_a_fan(app: &TestApp, staff: &Browser, organizer: &Browser, fan_email: &str, city: &str) -> String {
    let id: i64 = organizer.call("save_gathering", &gathering_form("", "Board games", "", "")).await.unwrap();
    moderate(staff, "gathering", id, "approve", "").await;
    let fan = app.fan(fan_email, city).await;
    let _: Place = fan.call("sign_up", &[("id", &id.to_string())]).await.unwrap();
    id.to_string()
}

/// Every organizer tool refuses `organizer` for gathering `id`.
async fn assert_locked_out(app: &TestApp, organizer: &Browser, id: &str) {
    for endpoint in ["own_gathering", "cancel_gathering"] {
        let refused: Result<serde_json::Value, _> = organizer.call(endpoint, &[("id", id)]).await;
        assert_eq!(refused.unwrap_err().1, AppError::Forbidden, "{endpoint}");
    }
    let message: Result<u64, _> = organizer.call("message_attendees", &[("id", id), ("subject", "Hi"), ("body", "Hello")]).await;
    assert_eq!(message.unwrap_err().1, AppError::Forbidden, "message_attendees");
    let edit: Result<i64, _> = organizer.call("save_gathering", &gathering_form(id, "Edited", "", "")).await;
    assert_eq!(edit.unwrap_err().1, AppError::Forbidden, "save_gathering");
    let csv = organizer.client.get(format!("{}/staff/meetups/{id}/attendees.csv", app.base)).send().await.unwrap();
    assert_eq!(csv.status(), StatusCode::FORBIDDEN, "attendees.csv");
    let outbox = app.scalar(&format!("SELECT COUNT(*) FROM outbox WHERE event_id = {id} AND kind IN ('organizer_message', 'meetup_cancelled')")).await;
    assert_eq!(outbox, 0, "nothing reached the attendees");
}

async fn revoked_or_hidden_organizers_lose_their_attendees(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let hidden_owner = organizer(&app, &staff, "hidden@example.com", "深圳").await;
    let hidden = gathering_with_a_fan(&app, &staff, &hidden_owner, "fan1@example.com", "深圳").await;
    let csv = hidden_owner.client.get(format!("{}/staff/meetups/{hidden}/attendees.csv", app.base)).send().await.unwrap();
    assert_eq!(csv.status(), StatusCode::OK, "before: the organizer exports the list");
    moderate(&staff, "gathering", hidden.parse().unwrap(), "hide", "Commercial spam").await;
    assert_locked_out(&app, &hidden_owner, &hidden).await;

    let revoked_owner = organizer(&app, &staff, "revoked@example.com", "深圳").await;
    let kept = gathering_with_a_fan(&app, &staff, &revoked_owner, "fan2@example.com", "深圳").await;
    moderate(&staff, "organizer", user_id(&app, "revoked@example.com").await, "revoke", "Harassment").await;
    assert_locked_out(&app, &revoked_owner, &kept).await;
    // Staff still can.
    let csv = staff.client.get(format!("{}/staff/meetups/{kept}/attendees.csv", app.base)).send().await.unwrap();
    assert!(csv.text().await.unwrap().contains("fan2@example.com"));
}

async fn status(app: &TestApp, id: i64) -> String {
    sqlx::query_scalar("SELECT status FROM events WHERE id = $1").bind(id).fetch_one(&app.state.db.pool).await.unwrap()
}

async fn editing_a_published_gathering_sends_it_back_to_review_unless_trusted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let organizer = organizer(&app, &staff, "editor@example.com", "南京").await;
    let id: i64 = organizer.call("save_gathering", &gathering_form("", "Picnic", "Bring food", "10")).await.unwrap();
    moderate(&staff, "gathering", id, "approve", "").await;
    let id_text = id.to_string();
    // A larger capacity is not new text: it stays published.
    let _: i64 = organizer.call("save_gathering", &gathering_form(&id_text, "Picnic", "Bring food", "20")).await.unwrap();
    assert_eq!(status(&app, id).await, "published");
    let _: i64 = organizer.call("save_gathering", &gathering_form(&id_text, "Picnic", "Buy my phones at http://spam.example", "20")).await.unwrap();
    assert_eq!(status(&app, id).await, "pending_review", "new text is reviewed again");
    let queue: ModerationQueue = staff.call("moderation_queue", &[]).await.unwrap();
    assert!(queue.gatherings.iter().any(|g| g.card.id == id));
    moderate(&staff, "gathering", id, "approve", "").await;

    moderate(&staff, "organizer", user_id(&app, "editor@example.com").await, "trust", "").await;
    let _: i64 = organizer.call("save_gathering", &gathering_form(&id_text, "Picnic in the park", "Bring food", "20")).await.unwrap();
    assert_eq!(status(&app, id).await, "published", "trusted organizers publish directly");
}

async fn the_daily_message_cap_holds_when_messages_are_sent_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let organizer = organizer(&app, &staff, "loud@example.com", "长沙").await;
    let id = gathering_with_a_fan(&app, &staff, &organizer, "listener@example.com", "长沙").await;
    let mut sends = tokio::task::JoinSet::new();
    for i in 0..8 {
        // The same logged-in browser (one cookie jar), eight requests at once.
        let browser = Browser { base: organizer.base.clone(), client: organizer.client.clone() };
        let id = id.clone();
        sends.spawn(async move {
            let subject = format!("Update {i}");
            browser.call::<u64>("message_attendees", &[("id", id.as_str()), ("subject", &subject), ("body", "See you")]).await
        });
    }
    let results = sends.join_all().await;
    let sent = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(sent, 3, "{results:?}");
    for refused in results.iter().filter_map(|r| r.as_ref().err()) {
        assert!(refused.1.field_message("body").unwrap().contains("3 messages a day"));
    }
    assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM outbox WHERE event_id = {id} AND kind = 'organizer_message'")).await, 3);
}

async fn control_characters_are_refused_and_calendars_stay_well_formed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let organizer = organizer(&app, &staff, "cal@example.com", "厦门").await;
    let cases = [
        ("title", gathering_form("", "Party\rBEGIN:VEVENT", "", "")),
        ("title", gathering_form("", "Party\nSUMMARY:x", "", "")),
        ("description", gathering_form("", "Party", "one\rATTACH:http://evil.example", "")),
        ("description", gathering_form("", "Party", "bell\u{7}", "")),
    ];
    for (field, form) in cases {
        let refused: Result<i64, _> = organizer.call("save_gathering", &form).await;
        let (code, error) = refused.unwrap_err();
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(error.field_message(field).is_some(), "{field}: {error:?}");
    }
    let id: i64 = organizer.call("save_gathering", &gathering_form("", "Party", "Line one\r\nLine two", "")).await.unwrap();
    moderate(&staff, "gathering", id, "approve", "").await;
    let stored: String = sqlx::query_scalar("SELECT description FROM events WHERE id = $1").bind(id).fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(stored, "Line one\nLine two", "text areas keep their lines");
    let feed = reqwest::get(format!("{}/calendar/city/{}.ics", app.base, app.city_id("厦门").await)).await.unwrap().text().await.unwrap();
    assert!(feed.contains("DESCRIPTION:Line one\\nLine two\r\n"));
    assert_eq!(feed.matches('\r').count(), feed.matches("\r\n").count(), "every CR ends a line");
    let subject: Result<u64, _> = organizer.call("message_attendees", &[("id", &id.to_string()), ("subject", "Hi\r\nBcc: x@evil.example"), ("body", "Hello")]).await;
    assert!(subject.unwrap_err().1.field_message("subject").is_some());
    let name: Result<String, _> = organizer.call("update_display_name", &[("display_name", "Cal\u{1b}[2J")]).await;
    assert!(name.unwrap_err().1.field_message("display_name").is_some());
}

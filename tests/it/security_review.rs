//! The second security review (issue 24): each defect it found, tried as the attacker
//! would, on both databases. (Draw history and schedule: `admission::history`.)
use crate::common;

use common::moderation::{gathering_form, moderate, organizer, staff, user_id};
use common::smtp::SmtpServer;
use common::{Backend, Browser, TestApp};
use reqwest::StatusCode;
use std::time::{Duration, Instant};
use tongcheng::error::AppError;
use tongcheng::infra::clock::now;

on_both_databases!(
    the_export_holds_no_link_whatever_the_mail_status,
    the_language_switch_never_leaves_the_site,
    a_flood_of_wrong_passwords_is_held_back_and_the_site_stays_quick,
    an_attacker_cannot_lock_the_owner_out_of_log_in,
    nobody_floods_an_inbox_through_registration,
    the_calendar_secret_is_kept_hashed_and_ends_with_the_sessions,
    a_rejected_gathering_reaches_no_fans,
    one_report_per_fan_of_what_they_can_see,
    moderation_never_publishes_a_cancelled_gathering,
    a_festival_before_its_invitations_shows_no_seats,
    an_edit_never_undoes_what_staff_did_meanwhile,
);

/// A browser whose requests a trusted proxy forwards from `address`.
fn client_at(app: &TestApp, address: &str) -> Browser {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-forwarded-for", address.parse().expect("address"));
    headers.insert(reqwest::header::ACCEPT_LANGUAGE, "en".parse().expect("language"));
    app.browser_with(headers)
}

/// A verified fan registered through the form (mail may be going to a real SMTP
/// server, so the confirmation is taken as done).
async fn verified_fan(app: &TestApp, email: &str) -> Browser {
    let browser = app.browser();
    let _: String = browser
        .call("register", &[("email", email), ("display_name", "Fan"), ("password", "password123"), ("city", "深圳")])
        .await
        .expect("register");
    let id = user_id(app, email).await;
    common::execute(&app.state.db, "UPDATE users SET email_verified_at = $1 WHERE id = $2", &[now(), id]).await;
    browser.login(email, "password123").await;
    browser
}

/// Waits (bounded) until the SMTP server has answered every message to `to`: refused
/// for good (`failed`) or for now (an error noted, to be tried again).
async fn until_answered(app: &TestApp, to: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let sql = format!("SELECT COUNT(*) FROM outbox WHERE recipient = '{to}' AND status = 'pending' AND last_error IS NULL");
    while app.scalar(&sql).await > 0 {
        assert!(Instant::now() < deadline, "mail to {to} was never answered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn export(browser: &Browser) -> String {
    let response = browser.client.get(format!("{}/account/export.json", browser.base)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

async fn the_export_holds_no_link_whatever_the_mail_status(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = TestApp::spawn_with(backend, &[("SMTP_URL", &smtp.url())]).await;
    let fan = verified_fan(&app, "mover@example.com").await;
    // Addresses the fan does not own: one whose server defers (451), one that bounces (550).
    for target in ["busy-victim@example.com", "bounce-victim@example.com"] {
        let _: String = fan.call("request_email_change", &[("new_email", target), ("password", "password123")]).await.expect("asked");
        until_answered(&app, target).await;
    }
    assert_eq!(app.text("SELECT status FROM outbox WHERE recipient = 'bounce-victim@example.com'").await, "failed");
    assert_eq!(app.text("SELECT status FROM outbox WHERE recipient = 'busy-victim@example.com'").await, "pending", "deferred, to be tried again");
    let deferred = app.latest_token("busy-victim@example.com").await;
    let failed = app.latest_token("bounce-victim@example.com").await;
    let data = export(&fan).await;
    assert!(!data.contains(&deferred) && !data.contains(&failed), "no live link leaves through the export");
    assert!(data.contains("confirm-email?token=(hidden)"), "the mail is listed, its link hidden");
    let confirmed: Result<String, _> = fan.call("confirm_email_change", &[("token", "(hidden)")]).await;
    assert!(confirmed.is_err());

    // The registration link of an address that is not the fan's, still waiting.
    let squatter = app.browser();
    let _: String = squatter
        .call("register", &[("email", "busy-owner@example.com"), ("display_name", "Sq"), ("password", "password123"), ("city", "深圳")])
        .await
        .expect("register");
    until_answered(&app, "busy-owner@example.com").await;
    squatter.login("busy-owner@example.com", "password123").await;
    let link = app.latest_token("busy-owner@example.com").await;
    let data = export(&squatter).await;
    assert!(!data.contains(&link) && data.contains("verify?token=(hidden)"), "{data}");
}

async fn the_language_switch_never_leaves_the_site(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = app.browser();
    for (next, expected) in [
        ("/%09/evil.example", "/"),
        ("//evil.example", "/"),
        ("/%5Cevil.example", "/"),
        ("https://evil.example/", "/"),
        ("/%0A/evil.example", "/"),
        ("/meetups?city=3", "/meetups?city=3"),
    ] {
        let response = browser.client.get(format!("{}/lang?to=en&next={next}", app.base)).send().await.unwrap();
        assert!(response.status().is_redirection(), "{next}");
        let location = response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        assert_eq!(location, expected, "{next}");
    }
}

async fn a_flood_of_wrong_passwords_is_held_back_and_the_site_stays_quick(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("AUTH_ATTEMPTS_PER_MINUTE", "5")]).await;
    let thief = app.fan("victim@example.com", "深圳").await;
    let other = app.fan("other@example.com", "深圳").await;
    let guesses: Vec<_> = (0..60)
        .map(|n| {
            let thief = thief.clone();
            tokio::spawn(async move { thief.call::<()>("delete_account", &[("password", &format!("guess-{n}")), ("confirm", "on")]).await.unwrap_err().0 })
        })
        .collect();
    // Another fan's page, while the guesses are being answered.
    let started = Instant::now();
    let (status, _) = other.page("/my-meetups").await;
    let page_took = started.elapsed();
    let mut statuses = Vec::new();
    for guess in guesses {
        statuses.push(guess.await.unwrap());
    }
    assert_eq!(status, StatusCode::OK);
    let checked = statuses.iter().filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY).count();
    assert!(checked <= 6, "the account's allowance bounds the password checks: {checked} of 60 were checked");
    assert!(statuses.iter().all(|s| matches!(*s, StatusCode::UNPROCESSABLE_ENTITY | StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE)));
    assert!(page_took < Duration::from_secs(5), "another fan's page took {page_took:?} during the flood");
    // The allowance is the account's, shared with the other password checks: the right
    // password is refused too until it refills, so a stolen session guesses no faster.
    let right = thief.call::<()>("change_password", &[("current_password", "password123"), ("new_password", "another-one-9")]).await;
    assert_eq!(right.unwrap_err().0, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users WHERE email = 'victim@example.com'").await, 1);
    // And it is not log-in's: the owner still logs in.
    app.browser().login("victim@example.com", "password123").await;
}

async fn an_attacker_cannot_lock_the_owner_out_of_log_in(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("AUTH_ATTEMPTS_PER_MINUTE", "5"), ("TRUSTED_PROXIES", "127.0.0.1")]).await;
    app.fan("owner@example.com", "深圳").await;
    let guess = |browser: Browser| async move {
        browser.call::<()>("login", &[("email", "owner@example.com"), ("password", "guess-guess")]).await.unwrap_err().0
    };
    let attacker = client_at(&app, "203.0.113.9");
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(guess(attacker.clone()).await);
    }
    assert_eq!(&statuses[5..], &[StatusCode::TOO_MANY_REQUESTS; 3], "{statuses:?}");
    // The owner, elsewhere, is not held back.
    client_at(&app, "198.51.100.7").login("owner@example.com", "password123").await;

    // Many addresses guess: the account is under attack, and each new address gets
    // three attempts at it. The owner's first, right one goes through.
    for n in 1..=3 {
        let bot = client_at(&app, &format!("192.0.2.{n}"));
        for _ in 0..5 {
            guess(bot.clone()).await;
        }
    }
    let fresh_bot = client_at(&app, "192.0.2.200");
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(guess(fresh_bot.clone()).await);
    }
    assert_eq!(statuses[3], StatusCode::TOO_MANY_REQUESTS, "a new address guesses three times at an account under attack: {statuses:?}");
    client_at(&app, "198.51.100.99").login("owner@example.com", "password123").await;
}

async fn nobody_floods_an_inbox_through_registration(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("AUTH_ATTEMPTS_PER_MINUTE", "3"), ("TRUSTED_PROXIES", "127.0.0.1")]).await;
    app.fan("target@example.com", "深圳").await;
    // Many clients register the address (and its `+` aliases) and ask for resets: the
    // inbox gets 5 mails an hour, and every asker the usual answer (nothing revealed).
    let mut statuses = Vec::new();
    for n in 1..=8 {
        let email = if n % 2 == 0 { "target@example.com".to_string() } else { format!("target+{n}@example.com") };
        let form = [("email", email.as_str()), ("display_name", "X"), ("password", "password123"), ("city", "深圳")];
        let answer = client_at(&app, &format!("198.51.100.{n}")).call::<String>("register", &form).await;
        statuses.push(answer.map(|_| StatusCode::OK).unwrap_or_else(|e| e.0));
        let reset = client_at(&app, &format!("198.51.101.{n}")).call::<()>("request_password_reset", &[("email", "target@example.com")]).await;
        statuses.push(reset.map(|_| StatusCode::OK).unwrap_or_else(|e| e.0));
    }
    assert!(statuses.iter().all(|s| *s == StatusCode::OK), "{statuses:?}");
    let mails = app
        .scalar("SELECT COUNT(*) FROM outbox WHERE recipient LIKE 'target%@example.com' AND kind IN ('verify_email', 'already_registered', 'reset_password')")
        .await;
    assert_eq!(mails, 5, "mails to one inbox in an hour");
    // IPv6 clients count by their /64: a new address in it buys nothing.
    let mut statuses = Vec::new();
    for n in 1..=4 {
        let form = [("email", format!("v6-{n}@example.com")), ("display_name", "X".into()), ("password", "password123".into()), ("city", "深圳".into())];
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let answer = client_at(&app, &format!("2001:db8:5:6::{n}")).call::<String>("register", &form).await;
        statuses.push(answer.map(|_| StatusCode::OK).unwrap_or_else(|e| e.0));
    }
    assert_eq!(statuses[3], StatusCode::TOO_MANY_REQUESTS, "{statuses:?}");
}

async fn the_calendar_secret_is_kept_hashed_and_ends_with_the_sessions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fan = app.fan("cal@example.com", "深圳").await;
    let feed = |link: String| async move { reqwest::get(&link).await.unwrap().status() };
    let link: String = fan.call("new_calendar_link", &[]).await.unwrap();
    let secret = link.rsplit('/').next().and_then(|f| f.strip_suffix(".ics")).unwrap().to_string();
    assert_eq!(feed(link.clone()).await, StatusCode::OK);
    let stored = app.text("SELECT calendar_secret_hash FROM users WHERE email = 'cal@example.com'").await;
    assert_eq!(stored, tongcheng::infra::secrets::digest(&secret), "only the hash is kept");
    // A new link ends the old one; so do "log out my other devices" and a new password.
    let second: String = fan.call("new_calendar_link", &[]).await.unwrap();
    assert_eq!(feed(link).await, StatusCode::NOT_FOUND);
    let _: () = fan.call("log_out_other_devices", &[]).await.unwrap();
    assert_eq!(feed(second).await, StatusCode::NOT_FOUND);
    let third: String = fan.call("new_calendar_link", &[]).await.unwrap();
    let _: () = fan.call("change_password", &[("current_password", "password123"), ("new_password", "another-one-9")]).await.unwrap();
    assert_eq!(feed(third).await, StatusCode::NOT_FOUND);
    assert_eq!(tongcheng::server::telemetry::logged_path(&format!("/calendar/me/{secret}.ics")), "/calendar/me/(hidden).ics");
}

async fn a_rejected_gathering_reaches_no_fans(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let host = organizer(&app, &staff, "host@example.com", "深圳").await;
    let id: i64 = host.call("save_gathering", &gathering_form("", "Board games", "Bring one", "10")).await.unwrap();
    moderate(&staff, "gathering", id, "approve", "").await;
    let fan = app.fan("fan@example.com", "深圳").await;
    let _: tongcheng::meetups::Place = fan.call("sign_up", &[("id", &id.to_string())]).await.unwrap();
    // The organizer edits the text: back to review; staff send it back.
    let _: i64 = host.call("save_gathering", &gathering_form(&id.to_string(), "Board games and more", "Bring one", "10")).await.unwrap();
    moderate(&staff, "gathering", id, "reject", "Not a fan event").await;
    let message = host.call::<u64>("message_attendees", &[("id", &id.to_string()), ("subject", "Hi"), ("body", "Come anyway")]).await;
    assert_eq!(message.unwrap_err().1, AppError::Forbidden);
    let csv = host.client.get(format!("{}/staff/meetups/{id}/attendees.csv", app.base)).send().await.unwrap();
    assert_eq!(csv.status(), StatusCode::FORBIDDEN);
    let own: tongcheng::gatherings::OwnGathering = host.call("own_gathering", &[("id", &id.to_string())]).await.unwrap();
    assert!(own.attendees.is_empty(), "the organizer still edits it, but sees no fans");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM outbox WHERE recipient = 'fan@example.com' AND subject LIKE '%Hi%'").await, 0);
}

async fn one_report_per_fan_of_what_they_can_see(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let host = organizer(&app, &staff, "host@example.com", "深圳").await;
    let pending: i64 = host.call("save_gathering", &gathering_form("", "Not yet reviewed", "", "10")).await.unwrap();
    let live: i64 = host.call("save_gathering", &gathering_form("", "Reviewed", "", "10")).await.unwrap();
    moderate(&staff, "gathering", live, "approve", "").await;
    let report = |browser: Browser, id: i64| async move {
        browser.call::<()>("report_gathering", &[("id", &id.to_string()), ("category", "spam"), ("details", "Ads")]).await.map_err(|e| e.1)
    };
    let fan = app.fan("reporter@example.com", "深圳").await;
    assert_eq!(report(fan.clone(), pending).await, Err(AppError::NotFound), "a gathering the fan cannot see");
    report(fan.clone(), live).await.expect("a first report");
    let again = report(fan.clone(), live).await.unwrap_err();
    assert!(again.field_text("details").is_some_and(|t| t.en.contains("already reported")), "{again:?}");
    let unverified = app.browser();
    let _: String = unverified
        .call("register", &[("email", "new@example.com"), ("display_name", "N"), ("password", "password123"), ("city", "深圳")])
        .await
        .unwrap();
    unverified.login("new@example.com", "password123").await;
    assert!(matches!(report(unverified, live).await, Err(AppError::Invalid(_))), "unverified fans do not report");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM reports").await, 1);
}

async fn moderation_never_publishes_a_cancelled_gathering(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let host = organizer(&app, &staff, "host@example.com", "深圳").await;
    let id: i64 = host.call("save_gathering", &gathering_form("", "Board games", "", "10")).await.unwrap();
    moderate(&staff, "gathering", id, "approve", "").await;
    let _: () = host.call("cancel_gathering", &[("id", &id.to_string()), ("confirm", "on")]).await.unwrap();
    for action in ["approve", "reject"] {
        let again = staff.call::<()>("moderate", &[("subject", "gathering"), ("id", &id.to_string()), ("action", action), ("reason", "x")]).await;
        assert!(matches!(again, Err((_, AppError::Invalid(_)))), "{action}: {again:?}");
    }
    assert_eq!(app.text(&format!("SELECT status FROM events WHERE id = {id}")).await, "cancelled");
    moderate(&staff, "gathering", id, "hide", "Spam").await;
}

async fn a_festival_before_its_invitations_shows_no_seats(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let boss = user_id(&app, "boss@example.com").await;
    let mut tx = app.state.db.begin_write().await.unwrap();
    let fields = tongcheng::festival::repo::FestivalFields { name: "米粉节", description: "", day: "2099-04-06", opens_at: now() + 86_400 };
    let festival = tongcheng::festival::repo::insert(&mut tx, &fields, boss, now()).await.unwrap();
    tx.commit().await.unwrap();
    let id = festival.to_string();
    for stranger in [app.browser(), app.fan("fan@example.com", "深圳").await] {
        let seats = stranger.call::<tongcheng::festival::LiveSeats>("festival_seats", &[("id", &id)]).await;
        assert_eq!(seats.unwrap_err().1, AppError::NotFound);
    }
    let _: tongcheng::festival::LiveSeats = staff.call("festival_seats", &[("id", &id)]).await.expect("staff see it");
}

async fn an_edit_never_undoes_what_staff_did_meanwhile(backend: Backend) {
    use tongcheng::meetups::editing::{save_event, SaveEvent};
    use tongcheng::meetups::{EventFormValues, EventKind, EventStatus};
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let host = organizer(&app, &staff, "host@example.com", "深圳").await;
    let id: i64 = host.call("save_gathering", &gathering_form("", "Board games", "", "10")).await.unwrap();
    moderate(&staff, "gathering", id, "approve", "").await;
    let host_id = user_id(&app, "host@example.com").await;
    // The organizer's form was read; then staff hide the gathering; then the save arrives.
    let read = tongcheng::meetups::repo::event_info(&app.state.db.pool, id).await.unwrap().unwrap();
    moderate(&staff, "gathering", id, "hide", "Spam").await;
    let values = EventFormValues { title: "Board games, new text".into(), starts: "2099-03-07 19:00".into(), capacity: "10".into(), ..EventFormValues::of(&read, String::new()) };
    let not_hidden = |e: &tongcheng::meetups::repo::EventInfo| if e.status == EventStatus::Hidden { Err(AppError::Forbidden) } else { Ok(()) };
    let city = Ok((read.city_id, "Asia/Shanghai".to_string()));
    let save = SaveEvent { kind: EventKind::Gathering, editor_id: host_id, editor_name: "Fan", existing: Some(read), may_edit: &not_hidden, city, trusted: false, values: &values };
    assert_eq!(save_event(&common::events(&app.state.db), save).await, Err(AppError::Forbidden));
    assert_eq!(app.text(&format!("SELECT status FROM events WHERE id = {id}")).await, "hidden");
    assert_eq!(app.text(&format!("SELECT title FROM events WHERE id = {id}")).await, "Board games");
}

//! Unsubscribing from bulk mail (issue 16): invitations, draw results and badge mail
//! carry `List-Unsubscribe` (RFC 8058 one-click) and a visible link that works without
//! logging in and before any JavaScript; an unsubscribed fan gets no more of it, while
//! tickets still come; the account page turns it back on. Real SMTP, both databases.
use crate::common;

use common::smtp::SmtpServer;
use common::{Backend, Browser, TestApp};
use reqwest::StatusCode;
use tongcheng::error::AppError;

on_both_databases!(
    invitations_carry_a_link_that_unsubscribes_without_logging_in,
    draw_and_badge_mail_carry_each_fans_own_link,
);

fn meetup_form(title: &str) -> Vec<(&'static str, String)> {
    [
        ("id", ""),
        ("city", "深圳"),
        ("title", title),
        ("description", "Meet the engineers"),
        ("venue", "Hall 1"),
        ("address", "1 Science Park Rd"),
        ("starts", "2099-05-02 14:00"),
        ("ends", "2099-05-02 17:00"),
        ("capacity", "10"),
        ("signup_opens", ""),
        ("signup_closes", ""),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .collect()
}

/// Staff list and publish a meetup in 深圳; returns its id.
async fn publish(staff: &Browser, title: &str) -> String {
    let form = meetup_form(title);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let id: i64 = staff.call("save_meetup", &form).await.expect("save");
    let id = id.to_string();
    let _: u64 = staff.call("publish_meetup", &[("id", &id), ("radius_km", "")]).await.expect("publish");
    id
}

async fn token_of(app: &TestApp, email: &str) -> String {
    sqlx::query_scalar("SELECT unsubscribe_token FROM users WHERE email = $1").bind(email).fetch_one(&app.state.db.pool).await.expect("token")
}

async fn wants(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("SELECT wants_invitations FROM users WHERE email = $1").bind(email).fetch_one(&app.state.db.pool).await.expect("fan")
}

async fn invited(app: &TestApp, event: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT recipient FROM outbox WHERE kind = 'invitation' AND event_id = $1 ORDER BY recipient")
        .bind(event.parse::<i64>().unwrap())
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap()
}

async fn invitations_carry_a_link_that_unsubscribes_without_logging_in(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = TestApp::spawn_with(backend, &[("SMTP_URL", &smtp.url())]).await;
    let staff = common::staff_browser(&app).await;
    let leaving = app.fan("leaving@example.com", "深圳").await;
    app.fan("staying@example.com", "深圳").await;
    app.fan("oneclick@example.com", "深圳").await;
    let first = publish(&staff, "First meetup").await;

    let mail = smtp.wait_for_mail_to("leaving@example.com", "You're invited: First meetup").await;
    let token = token_of(&app, "leaving@example.com").await;
    assert_ne!(token, token_of(&app, "staying@example.com").await, "each fan has their own link");
    let url = format!("{}/unsubscribe?token={token}", app.state.config.public_url);
    assert_eq!(mail.header("List-Unsubscribe"), Some(format!("<{url}>").as_str()), "{:?}", mail.headers);
    assert_eq!(mail.header("List-Unsubscribe-Post"), Some("List-Unsubscribe=One-Click"));
    assert!(mail.text.contains(&format!("Unsubscribe: {url}")), "{}", mail.text);
    assert!(mail.html.contains(&format!("<a href=\"{url}\">Unsubscribe</a>")), "{}", mail.html);

    // Opening the link, logged out, shows a button and changes nothing.
    let visitor = app.browser();
    let page_path = format!("/unsubscribe?token={token}");
    let (status, page) = visitor.page(&page_path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("action=\"/api/unsubscribe\"") && page.contains(&format!("value=\"{token}\"")), "{page}");
    assert_eq!(wants(&app, "leaving@example.com").await, 1);

    // The button, posted by a browser without JavaScript, unsubscribes and says so.
    let posted = visitor
        .client
        .post(format!("{}/api/unsubscribe", app.base))
        .header("Accept", "text/html")
        .header("Referer", format!("{}{page_path}", app.base))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert!(posted.status().is_redirection(), "{}", posted.status());
    assert_eq!(wants(&app, "leaving@example.com").await, 0);
    let back = posted.headers()["location"].to_str().unwrap().to_string();
    let (_, page) = visitor.page(back.trim_start_matches(&app.base)).await;
    assert!(page.contains("data-testid=\"unsubscribed\""), "the page it returns to says it worked: {page}");
    let bogus: Result<(), _> = visitor.call("unsubscribe", &[("token", "not-a-token")]).await;
    assert_eq!(bogus.unwrap_err(), (StatusCode::GONE, AppError::InvalidLink));

    // A mail app's one-click POST (RFC 8058) from the provider's servers.
    let one_click = |token: String| {
        let client = reqwest::Client::new();
        let url = format!("{}/unsubscribe?token={token}", app.base);
        async move {
            client
                .post(url)
                .header("Origin", "https://mail.provider.example")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body("List-Unsubscribe=One-Click")
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(one_click(token_of(&app, "oneclick@example.com").await).await, StatusCode::OK);
    assert_eq!(wants(&app, "oneclick@example.com").await, 0);
    assert_eq!(one_click("guessed".into()).await, StatusCode::NOT_FOUND);

    // The next invitation skips them; their own ticket still comes, without the header.
    let second = publish(&staff, "Second meetup").await;
    assert_eq!(invited(&app, &second).await, vec!["staying@example.com".to_string()]);
    let _: serde_json::Value = leaving.call("sign_up", &[("id", &first)]).await.expect("sign up");
    let ticket = smtp.wait_for_mail_to("leaving@example.com", "Your ticket: First meetup").await;
    assert_eq!(ticket.header("List-Unsubscribe"), None, "transactional mail is not bulk mail");

    // The account page turns invitations back on.
    let (_, account) = leaving.page("/account").await;
    assert!(account.contains("name=\"wants_invitations\""), "the setting is on the account page");
    let on: bool = leaving.call("set_invitation_preference", &[("wants_invitations", "yes")]).await.unwrap();
    assert!(on);
    let third = publish(&staff, "Third meetup").await;
    assert_eq!(invited(&app, &third).await, vec!["leaving@example.com".to_string(), "staying@example.com".to_string()]);
}

/// (list_unsubscribe, text, html) of the newest message of `kind` to `to`.
async fn bulk_row(app: &TestApp, kind: &str, to: &str) -> Option<(Option<String>, String, String)> {
    sqlx::query_as("SELECT list_unsubscribe, body_text, body_html FROM outbox WHERE kind = $1 AND recipient = $2 ORDER BY id DESC LIMIT 1")
        .bind(kind)
        .bind(to)
        .fetch_optional(&app.state.db.pool)
        .await
        .unwrap()
}

/// The message links the fan's own unsubscribe page on `base` (the site's address).
async fn assert_carries_own_link(app: &TestApp, base: &str, kind: &str, to: &str) {
    let url = format!("{base}/unsubscribe?token={}", token_of(app, to).await);
    let (header, text, html) = bulk_row(app, kind, to).await.unwrap_or_else(|| panic!("no {kind} mail to {to}"));
    assert_eq!(header.as_deref(), Some(url.as_str()), "{kind}");
    assert!(text.contains(&url) && html.contains(&url), "{kind}: {text}");
}

async fn draw_and_badge_mail_carry_each_fans_own_link(backend: Backend) {
    use tongcheng::admission::run::{run_draw, DrawnBy};
    use tongcheng::infra::clock::now;
    let app = TestApp::spawn(backend).await;
    // Verifying makes the first fans of a city early fans, with a badge email.
    app.fan("early@example.com", "合肥").await;
    let site = app.state.config.public_url.clone();
    assert_carries_own_link(&app, &site, "badge", "early@example.com").await;
    // A fan who unsubscribed before verifying gets the badge, not the email.
    let quiet = app.browser();
    let _: String = quiet
        .call("register", &[("email", "quiet@example.com"), ("display_name", "Quiet"), ("password", "password123"), ("city", "合肥")])
        .await
        .unwrap();
    assert!(tongcheng::accounts::unsubscribe::stop(&app.state.db, &token_of(&app, "quiet@example.com").await).await.unwrap());
    let verify = app.latest_token("quiet@example.com").await;
    let _: String = quiet.call("verify_email", &[("token", &verify)]).await.unwrap();
    assert_eq!(app.scalar("SELECT COUNT(*) FROM badges b JOIN users u ON u.id = b.user_id WHERE u.email = 'quiet@example.com'").await, 1);
    assert!(bulk_row(&app, "badge", "quiet@example.com").await.is_none());

    // The draw's "not this time" goes to each fan not selected, with their own link.
    let fans = common::demo_fans(&app, 4).await;
    let start = now() + 7 * 86_400;
    let city = app.city_id("深圳").await;
    let new = tongcheng::meetups::repo::NewEvent {
        kind: tongcheng::meetups::EventKind::Official,
        city_id: city,
        title: "Drawn",
        starts_at: start,
        ends_at: start + 3600,
        capacity: Some(1),
        status: tongcheng::meetups::EventStatus::Published,
        created_by: None,
        organizer_id: None,
    };
    let mut tx = app.state.db.begin_write().await.unwrap();
    let event = tongcheng::meetups::repo::insert_event(&mut tx, &new, now()).await.unwrap();
    tx.commit().await.unwrap();
    common::execute(&app.state.db, "UPDATE events SET admission = 'draw', application_closes_at = $1 WHERE id = $2", &[now() + 60, event]).await;
    // The last fan unsubscribed: no draw mail for them.
    common::execute(&app.state.db, "UPDATE users SET wants_invitations = 0 WHERE id = $1", &[fans[3].0]).await;
    for (id, _) in &fans {
        tongcheng::admission::repo::apply(&app.state.db, event, *id, "", now()).await.unwrap();
    }
    let engine = common::events(&app.state.db);
    let outcome = run_draw(&engine, event, DrawnBy::Timer, &Default::default(), &Default::default(), Some([7; 32])).await.unwrap();
    assert_eq!((outcome.selected, outcome.waitlisted), (1, 3));
    let not_selected: Vec<String> = sqlx::query_scalar("SELECT u.email FROM draw_entries d JOIN users u ON u.id = d.user_id WHERE d.event_id = $1 AND d.selected = 0")
        .bind(event)
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    let mut mailed = 0;
    for email in &not_selected {
        if email == &fans[3].1 {
            assert!(bulk_row(&app, "draw_waitlisted", email).await.is_none(), "unsubscribed");
        } else {
            // The test engine's links point to http://t.
            assert_carries_own_link(&app, "http://t", "draw_waitlisted", email).await;
            mailed += 1;
        }
    }
    assert!(mailed >= 2, "{not_selected:?}");
}

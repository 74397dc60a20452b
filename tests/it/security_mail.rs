//! The mailbox and the outbox hold no usable secret for anyone but its recipient
//! (issue 10, item 1), on both databases.
use crate::common;

use common::moderation::staff;
use common::smtp::SmtpServer;
use common::{Backend, Browser, TestApp};
use reqwest::StatusCode;
use std::time::{Duration, Instant};
use tongcheng::accounts::tokens::digest;
use tongcheng::email::{MailMessage, MailSummary};
use tongcheng::error::AppError;
use tongcheng::infra::clock::now;

on_both_databases!(
    staff_see_mail_without_its_links_and_the_recipient_with_them,
    with_smtp_the_mailbox_is_off_and_delivered_links_are_forgotten,
    old_mail_loses_its_text,
);

async fn register(app: &TestApp, email: &str) -> Browser {
    let browser = app.browser();
    let _: String = browser
        .call("register", &[("email", email), ("display_name", "Fan"), ("password", "password123"), ("city", "深圳")])
        .await
        .expect("register");
    browser
}

async fn read(browser: &Browser, id: i64) -> Result<MailMessage, (StatusCode, AppError)> {
    browser.call("mailbox_message", &[("id", &id.to_string())]).await
}

async fn staff_see_mail_without_its_links_and_the_recipient_with_them(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let fan = register(&app, "owner@example.com").await;
    let token = app.latest_token("owner@example.com").await;
    let _: () = app.browser().call("request_password_reset", &[("email", "owner@example.com")]).await.unwrap();
    let reset_token = app.latest_token("owner@example.com").await;

    let list: Vec<MailSummary> = staff.call("mailbox", &[("recipient", "owner@example.com")]).await.unwrap();
    assert_eq!(list.len(), 2, "staff still see what was sent");
    for summary in &list {
        let seen = read(&staff, summary.id).await.unwrap();
        assert!(!seen.body_text.contains(&token) && !seen.body_text.contains(&reset_token), "staff never see a usable link");
        assert!(seen.body_text.contains("token=(hidden)"), "{}", seen.body_text);
    }
    let stolen: Result<(), _> = staff.call("reset_password", &[("token", "(hidden)"), ("password", "taken-over!")]).await;
    assert_eq!(stolen.unwrap_err().1, AppError::InvalidLink);

    // The recipient, logged in, reads their own mail with its links.
    fan.login("owner@example.com", "password123").await;
    let own: Vec<MailSummary> = fan.call("mailbox", &[]).await.unwrap();
    assert_eq!(own.len(), 2);
    let bodies = [read(&fan, own[0].id).await.unwrap().body_text, read(&fan, own[1].id).await.unwrap().body_text];
    assert!(bodies.iter().any(|b| b.contains(&token)) && bodies.iter().any(|b| b.contains(&reset_token)));

    // Another fan can neither list nor open it.
    let other = app.fan("other@example.com", "深圳").await;
    let listed: Vec<MailSummary> = other.call("mailbox", &[("recipient", "owner@example.com")]).await.unwrap();
    assert!(listed.iter().all(|m| m.recipient == "other@example.com"));
    assert_eq!(read(&other, own[0].id).await.unwrap_err().1, AppError::NotFound);
    let anonymous = read(&app.browser(), own[0].id).await;
    assert_eq!(anonymous.unwrap_err().1, AppError::Unauthorized);

    // Idempotency keys name the secret by its hash only.
    let keys: Vec<String> = sqlx::query_scalar("SELECT idempotency_key FROM outbox").fetch_all(&app.state.db.pool).await.unwrap();
    assert!(keys.contains(&format!("verify_email:{}", digest(&token))));
    assert!(keys.contains(&format!("reset_password:{}", digest(&reset_token))));
    assert!(keys.iter().all(|k| !k.contains(&token) && !k.contains(&reset_token)));
}

/// Waits (bounded) until every message is sent.
async fn wait_until_all_sent(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while app.scalar("SELECT COUNT(*) FROM outbox WHERE status <> 'sent'").await > 0 {
        assert!(Instant::now() < deadline, "mail was not sent");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn with_smtp_the_mailbox_is_off_and_delivered_links_are_forgotten(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = TestApp::spawn_with(backend, &[("SMTP_URL", &smtp.url())]).await;
    let staff = staff(&app).await;
    register(&app, "smtp@example.com").await;
    let _: () = app.browser().call("request_password_reset", &[("email", "boss@example.com")]).await.unwrap();
    let received = smtp.wait_for(2).await;
    wait_until_all_sent(&app).await;

    let off: Result<Vec<MailSummary>, _> = staff.call("mailbox", &[]).await;
    assert_eq!(off.unwrap_err(), (StatusCode::NOT_FOUND, AppError::MailboxOff));
    let id = app.scalar("SELECT MIN(id) FROM outbox").await;
    assert_eq!(read(&staff, id).await.unwrap_err().1, AppError::MailboxOff);

    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT kind, body_text, body_html FROM outbox").fetch_all(&app.state.db.pool).await.unwrap();
    assert_eq!(rows.len(), 2);
    for (kind, text, html) in rows {
        assert_eq!((text.as_str(), html.as_str()), ("", ""), "{kind}: delivered, so its link is not kept");
    }
    // The links that went out still work.
    let verify = received.iter().find(|m| m.to == "smtp@example.com").unwrap();
    let token = common::token_in(&verify.text).unwrap();
    let _: String = app.browser().call("verify_email", &[("token", &token)]).await.expect("the emailed link works");
}

async fn insert_mail(app: &TestApp, key: &str, status: &str, created_at: i64) {
    let sql = format!(
        "INSERT INTO outbox (idempotency_key, kind, recipient, subject, body_text, body_html, attachments, status, next_attempt_at, created_at) \
         VALUES ('{key}', 'notice', 'fan@example.com', 'Hello', 'text {key}', '<p>{key}</p>', '[{{\"filename\":\"a.ics\"}}]', '{status}', $1, $2)"
    );
    // Pending mail is due far in the future, so the worker leaves it alone.
    common::execute(&app.state.db, &sql, &[now() + 365 * 86_400, created_at]).await;
}

async fn old_mail_loses_its_text(backend: Backend) {
    // The app's own hourly purge keeps ten years here, so only the call below purges.
    let app = TestApp::spawn_with(backend, &[("MAIL_RETENTION_DAYS", "3650")]).await;
    let week_ago = now() - 7 * 86_400;
    insert_mail(&app, "old-sent", "sent", week_ago - 60).await;
    insert_mail(&app, "old-failed", "failed", week_ago - 60).await;
    insert_mail(&app, "old-pending", "pending", week_ago - 60).await;
    insert_mail(&app, "new-sent", "sent", week_ago + 3600).await;
    assert_eq!(tongcheng::email::retention::purge_bodies(&app.state.db, week_ago).await.unwrap(), 2);
    let rows: Vec<(String, String, String, String, String)> =
        sqlx::query_as("SELECT idempotency_key, subject, body_text, body_html, attachments FROM outbox ORDER BY id")
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
    for (key, subject, text, html, attachments) in rows {
        assert_eq!(subject, "Hello", "the subject stays for the record");
        let kept = key == "old-pending" || key == "new-sent";
        assert_eq!(!text.is_empty() && !html.is_empty() && attachments != "[]", kept, "{key}");
    }
    assert_eq!(tongcheng::email::retention::purge_bodies(&app.state.db, week_ago).await.unwrap(), 0, "done once");

    // A running app purges by itself, with its MAIL_RETENTION_DAYS.
    insert_mail(&app, "old-sent-2", "sent", week_ago - 60).await;
    let _second = TestApp::spawn_on(app.database.clone(), &[("MAIL_RETENTION_DAYS", "7")]).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while app.scalar("SELECT COUNT(*) FROM outbox WHERE idempotency_key = 'old-sent-2' AND body_text <> ''").await > 0 {
        assert!(Instant::now() < deadline, "the app never purged old mail");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

//! The outbox and its worker against a real SMTP server on loopback, on both databases.
mod common;

use common::smtp::{free_port, SmtpServer};
use common::{fresh_database, published_event, Backend, TestApp};
use std::time::{Duration, Instant};
use tongcheng::email::mailer::Mailer;
use tongcheng::email::{outbox, worker, OutgoingEmail};
use tongcheng::meetups::Place;
use tongcheng::server::clock::now;
use tongcheng::server::db::Db;

on_both_databases!(
    verification_mail_goes_out_over_smtp,
    a_ticket_arrives_with_its_qr_code_and_calendar_file,
    mail_waits_while_smtp_is_down_and_goes_out_later,
    a_dead_workers_lease_expires_and_the_message_is_retried,
    enqueueing_twice_with_one_key_sends_once,
    without_smtp_mail_is_kept_for_the_mailbox,
);

async fn register(app: &TestApp, email: &str) {
    let _: String = app
        .browser()
        .call("register", &[("email", email), ("display_name", "Mail <b>Fan</b>"), ("password", "password123"), ("city", "深圳")])
        .await
        .expect("register");
}

/// Waits (bounded) until the outbox row for `to` satisfies `done(status, attempts, last_error)`.
async fn wait_for_row(db: &Db, to: &str, done: impl Fn(&str, i64, Option<&str>) -> bool) -> (String, i64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let row: Option<(String, i64, Option<String>)> =
            sqlx::query_as("SELECT status, attempts, last_error FROM outbox WHERE recipient = $1")
                .bind(to)
                .fetch_optional(&db.pool)
                .await
                .unwrap();
        if let Some((status, attempts, _)) = row.filter(|(s, a, e)| done(s, *a, e.as_deref())) {
            return (status, attempts);
        }
        assert!(Instant::now() < deadline, "outbox row for {to} never reached the expected state");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn verification_mail_goes_out_over_smtp(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = TestApp::spawn_with(backend, &[("SMTP_URL", &smtp.url())]).await;
    register(&app, "mailfan@example.com").await;
    let mail = smtp.wait_for(1).await.remove(0);
    assert_eq!(mail.to, "mailfan@example.com");
    assert_eq!(mail.subject, "Confirm your email for Tongcheng");
    let link = format!("{}/verify?token=", app.base);
    assert!(mail.text.contains(&link), "plain text has the link: {}", mail.text);
    assert!(mail.html.contains(&link), "HTML has the link");
    assert!(mail.html.contains("Mail &lt;b&gt;Fan&lt;/b&gt;"), "names are escaped in HTML");
    let id = app.scalar("SELECT id FROM outbox").await;
    assert_eq!(mail.message_id, format!("<outbox-{id}@tongcheng.local>"));
    let (status, attempts) = wait_for_row(&app.state.db, "mailfan@example.com", |s, _, _| s == "sent").await;
    assert_eq!((status.as_str(), attempts), ("sent", 1));
    // The emailed link works.
    let token = common::token_in(&mail.text).unwrap();
    let _: String = app.browser().call("verify_email", &[("token", &token)]).await.expect("link verifies");
}

async fn a_ticket_arrives_with_its_qr_code_and_calendar_file(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = TestApp::spawn_with(backend, &[("SMTP_URL", &smtp.url())]).await;
    let fan = app.fan("ticket@example.com", "深圳").await;
    let id = published_event(&app.state.db, app.city_id("深圳").await, Some(5)).await;
    let place: Place = fan.call("sign_up", &[("id", &id.to_string())]).await.expect("sign up");
    let code = place.ticket_code.expect("a ticket");

    let mail = smtp.wait_for_subject("Your ticket").await;
    assert!(mail.text.contains(&code), "the ticket code is in the text");
    let file = |mime: &str| mail.parts.iter().find(|p| p.0 == mime).map(|p| p.1.clone()).unwrap_or_default();
    // The QR code is drawn at delivery; it is the check-in link for this ticket.
    let qr = file("image/svg+xml");
    assert!(qr.starts_with("<?xml") && qr.contains("<svg"), "a QR code image: {qr:.80}");
    assert_eq!(Some(qr), tongcheng::meetups::api::ticket_qr(&app.state.config.public_url, &code));
    assert!(file("text/calendar").contains("BEGIN:VEVENT"), "a calendar invitation");
}

async fn mail_waits_while_smtp_is_down_and_goes_out_later(backend: Backend) {
    let port = free_port();
    let url = format!("smtp://127.0.0.1:{port}");
    let app = TestApp::spawn_with(backend, &[("SMTP_URL", &url)]).await;
    register(&app, "patient@example.com").await;
    let (status, attempts) = wait_for_row(&app.state.db, "patient@example.com", |_, _, error| error.is_some()).await;
    assert_eq!((status.as_str(), attempts), ("pending", 1), "a failed attempt keeps the message for a retry");

    let smtp = SmtpServer::start_on(port);
    // Skip the backoff wait: make the retry due now, then wake the worker.
    common::execute(&app.state.db, "UPDATE outbox SET next_attempt_at = 0", &[]).await;
    app.state.mail_waiting.notify_one();
    let received = smtp.wait_for(1).await;
    assert_eq!(received[0].to, "patient@example.com");
    wait_for_row(&app.state.db, "patient@example.com", |s, _, _| s == "sent").await;
    assert_eq!(smtp.messages().len(), 1, "sent exactly once");
}

fn sample(key: &str, to: &str) -> OutgoingEmail {
    OutgoingEmail {
        kind: "test",
        idempotency_key: key.into(),
        to: to.into(),
        subject: "Hello".into(),
        text: "Hello".into(),
        html: "<p>Hello</p>".into(),
        event_id: None,
        attachments: Vec::new(),
    }
}

async fn bare_database(backend: Backend) -> (Db, common::TestDatabase) {
    let database = fresh_database(backend).await;
    let db = Db::connect(&database.url, 4).await.unwrap();
    db.migrate().await.unwrap();
    (db, database)
}

async fn a_dead_workers_lease_expires_and_the_message_is_retried(backend: Backend) {
    let smtp = SmtpServer::start();
    let (db, _database) = bare_database(backend).await;
    let mut tx = db.begin_write().await.unwrap();
    outbox::enqueue(&mut tx, &sample("lease", "lease@example.com"), now()).await.unwrap();
    tx.commit().await.unwrap();
    // A worker claims the message and dies before sending it.
    let claimed = outbox::claim_due(&db, 10, now()).await.unwrap();
    assert_eq!(claimed.len(), 1);
    let mailer = Mailer::from_config(Some(&smtp.url()), "Tongcheng <noreply@tongcheng.local>").unwrap();
    assert_eq!(worker::drain_once(&db, &mailer).await.unwrap(), 0, "leased to the dead worker");
    // Once the lease runs out, another worker delivers it.
    common::execute(&db, "UPDATE outbox SET locked_until = $1", &[now() - 1]).await;
    assert_eq!(worker::drain_once(&db, &mailer).await.unwrap(), 1);
    assert_eq!(smtp.wait_for(1).await[0].to, "lease@example.com");
    let attempts: i64 = sqlx::query_scalar("SELECT attempts FROM outbox").fetch_one(&db.pool).await.unwrap();
    assert_eq!(attempts, 2);
}

async fn enqueueing_twice_with_one_key_sends_once(backend: Backend) {
    let (db, _database) = bare_database(backend).await;
    let mut tx = db.begin_write().await.unwrap();
    assert!(outbox::enqueue(&mut tx, &sample("same", "a@example.com"), now()).await.unwrap());
    assert!(!outbox::enqueue(&mut tx, &sample("same", "a@example.com"), now()).await.unwrap());
    tx.commit().await.unwrap();
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox").fetch_one(&db.pool).await.unwrap();
    assert_eq!(count, 1);
}

async fn without_smtp_mail_is_kept_for_the_mailbox(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    register(&app, "local@example.com").await;
    wait_for_row(&app.state.db, "local@example.com", |s, _, _| s == "sent").await;
    let via: Option<String> = sqlx::query_scalar("SELECT delivered_via FROM outbox").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(via.as_deref(), Some("local"));
}

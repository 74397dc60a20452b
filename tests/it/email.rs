//! The outbox and its worker against a real SMTP server on loopback, on both databases.
use crate::common;

use common::smtp::{free_port, SmtpServer};
use common::{fresh_database, published_event, Backend, TestApp};
use std::time::{Duration, Instant};
use tongcheng::email::mailer::Mailer;
use tongcheng::email::{outbox, worker, OutgoingEmail};
use tongcheng::meetups::Place;
use tongcheng::infra::clock::now;
use tongcheng::infra::db::Db;

on_both_databases!(
    verification_mail_goes_out_over_smtp,
    a_ticket_arrives_with_its_qr_code_and_calendar_file,
    mail_waits_while_smtp_is_down_and_goes_out_later,
    a_dead_workers_lease_expires_and_the_message_is_retried,
    enqueueing_twice_with_one_key_sends_once,
    without_smtp_mail_is_kept_for_the_mailbox,
    a_permanent_failure_stops_at_once_and_staff_can_send_it_again,
    a_temporary_refusal_is_retried_later,
    an_error_recording_a_failure_never_resends_delivered_mail,
    a_worker_whose_lease_ran_out_cannot_mark_messages,
    a_big_batch_goes_out_concurrently_once_each_within_the_rate_cap,
    during_a_rush_waiting_list_notices_wait_and_tickets_do_not,
    a_worker_holds_the_notices_another_process_is_queueing,
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
    // The QR code is drawn at delivery, as a PNG shown in the HTML (mail apps show SVG
    // files as nothing), with the code as text beside it.
    assert!(mail.parts.iter().all(|p| p.0 != "image/svg+xml"), "no SVG file any more");
    let (_, content_id, png) = mail.binary.iter().find(|p| p.0 == "image/png").expect("the QR code, inline");
    assert_eq!(content_id, "<ticket-qr@tongcheng>");
    assert!(mail.html.contains("<img src=\"cid:ticket-qr@tongcheng\"") && mail.html.contains(&format!(">{code}</span>")), "{}", mail.html);
    // Read back like a phone would: the picture decodes to this ticket's check-in link.
    let mut reader = png::Decoder::new(std::io::Cursor::new(png)).read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a size")];
    let frame = reader.next_frame(&mut pixels).expect("its pixels");
    assert!(frame.width >= 240 && png.len() < 20_000, "big enough to scan, small enough to mail: {} px, {} bytes", frame.width, png.len());
    let width = frame.width as usize;
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, frame.height as usize, |x, y| pixels[y * width + x]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    let (_, decoded) = grids[0].decode().expect("it decodes");
    assert_eq!(decoded, tongcheng::meetups::tickets::check_in_url(&app.state.config.public_url, id, &code));
    assert!(file("text/calendar").contains("BEGIN:VEVENT"), "a calendar invitation, still");
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
    app.state.db.mail_waiting().notify_one();
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
        list_unsubscribe: None,
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
    let claimed = outbox::claim_due(&db, 10, now(), false).await.unwrap();
    assert_eq!(claimed.messages.len(), 1);
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

async fn queue(db: &Db, messages: &[(&str, &str)]) {
    let mut tx = db.begin_write().await.unwrap();
    for (key, to) in messages {
        outbox::enqueue(&mut tx, &sample(key, to), now()).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn status_of(db: &Db, to: &str) -> (String, i64) {
    sqlx::query_as("SELECT status, attempts FROM outbox WHERE recipient = $1").bind(to).fetch_one(&db.pool).await.unwrap()
}

async fn a_permanent_failure_stops_at_once_and_staff_can_send_it_again(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = TestApp::spawn_with(backend, &[("SMTP_URL", &smtp.url())]).await;
    register(&app, "bounce@example.com").await;
    let (status, attempts) = wait_for_row(&app.state.db, "bounce@example.com", |s, _, _| s != "pending").await;
    assert_eq!((status.as_str(), attempts), ("failed", 1), "a 550 is not retried");

    // Staff see it with the server's answer, and can send it again.
    let staff = common::staff_browser(&app).await;
    let failed: Vec<tongcheng::email::FailedMail> = staff.call("failed_mail", &[]).await.expect("staff see failures");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].recipient, "bounce@example.com");
    assert!(failed[0].last_error.contains("550"), "{}", failed[0].last_error);
    let fan = app.fan("curious@example.com", "深圳").await;
    assert!(fan.call::<Vec<tongcheng::email::FailedMail>>("failed_mail", &[]).await.is_err(), "fans do not");
    // The cause is fixed (here: the address), then staff send it again.
    common::execute(&app.state.db, "UPDATE outbox SET recipient = 'fixed@example.com' WHERE recipient = 'bounce@example.com'", &[]).await;
    let id = failed[0].id.to_string();
    let _: () = staff.call("retry_mail", &[("id", &id)]).await.expect("retry");
    let (status, attempts) = wait_for_row(&app.state.db, "fixed@example.com", |s, _, _| s == "sent").await;
    assert_eq!((status.as_str(), attempts), ("sent", 1), "a fresh round of attempts");
    assert!(smtp.messages().iter().any(|m| m.to == "fixed@example.com"), "delivered");
    let again = staff.call::<()>("retry_mail", &[("id", "999999")]).await.unwrap_err();
    assert!(again.1.field_message("retry").is_some(), "retrying a message that is not failed is a field message");
}

async fn a_temporary_refusal_is_retried_later(backend: Backend) {
    let smtp = SmtpServer::start();
    let (db, _database) = bare_database(backend).await;
    queue(&db, &[("busy", "busy@example.com")]).await;
    let mailer = Mailer::from_config(Some(&smtp.url()), "Tongcheng <noreply@tongcheng.local>").unwrap();
    assert_eq!(worker::drain_once(&db, &mailer).await.unwrap(), 1);
    let (status, attempts) = status_of(&db, "busy@example.com").await;
    assert_eq!((status.as_str(), attempts), ("pending", 1), "a 451 waits for a retry");
    let wait: i64 = sqlx::query_scalar("SELECT next_attempt_at FROM outbox").fetch_one(&db.pool).await.unwrap();
    let delay = wait - now();
    assert!((20..=40).contains(&delay), "the retry comes after a jittered backoff around 30 s, got {delay}");
}

/// A trigger makes recording the failure of one message fail, as a database error would.
async fn break_failure_recording(db: &Db, backend: Backend, recipient: &str) {
    let statements: Vec<String> = match backend {
        Backend::Sqlite => vec![format!(
            "CREATE TRIGGER break_recording BEFORE UPDATE OF last_error ON outbox \
             WHEN NEW.recipient = '{recipient}' AND NEW.last_error IS NOT NULL BEGIN SELECT RAISE(ABORT, 'injected fault'); END"
        )],
        Backend::Postgres => vec![
            format!(
                "CREATE FUNCTION break_recording() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                 IF NEW.recipient = '{recipient}' AND NEW.last_error IS NOT NULL THEN RAISE EXCEPTION 'injected fault'; END IF; \
                 RETURN NEW; END $$"
            ),
            "CREATE TRIGGER break_recording BEFORE UPDATE ON outbox FOR EACH ROW EXECUTE FUNCTION break_recording()".into(),
        ],
    };
    for sql in statements {
        common::execute(db, &sql, &[]).await;
    }
}

async fn an_error_recording_a_failure_never_resends_delivered_mail(backend: Backend) {
    let smtp = SmtpServer::start();
    let (db, _database) = bare_database(backend).await;
    queue(&db, &[("a", "first@example.com"), ("b", "bounce@example.com"), ("c", "third@example.com")]).await;
    break_failure_recording(&db, backend, "bounce@example.com").await;
    let mailer = Mailer::from_config(Some(&smtp.url()), "Tongcheng <noreply@tongcheng.local>").unwrap();
    assert!(worker::drain_once(&db, &mailer).await.is_err(), "the injected fault is reported");
    assert_eq!(smtp.wait_for(2).await.len(), 2);
    assert_eq!(status_of(&db, "first@example.com").await.0, "sent");
    assert_eq!(status_of(&db, "third@example.com").await.0, "sent");
    // The failed one stays leased; once the lease runs out, only it is tried again.
    common::execute(&db, "UPDATE outbox SET locked_until = $1 WHERE locked_until IS NOT NULL", &[now() - 1]).await;
    assert_eq!(worker::drain_once(&db, &mailer).await.map_err(|_| ()), Err(()), "still failing to record");
    let attempts: Vec<i64> = sqlx::query_scalar("SELECT attempts FROM outbox ORDER BY id").fetch_all(&db.pool).await.unwrap();
    assert_eq!(attempts, vec![1, 2, 1], "delivered messages were not claimed again");
    assert_eq!(smtp.messages().len(), 2, "and not sent again");
}

async fn a_worker_whose_lease_ran_out_cannot_mark_messages(backend: Backend) {
    let smtp = SmtpServer::start();
    let (db, _database) = bare_database(backend).await;
    queue(&db, &[("slow", "slow@example.com")]).await;
    let stale = outbox::claim_due(&db, 10, now(), false).await.unwrap();
    // Its lease runs out; another worker claims and delivers the message.
    common::execute(&db, "UPDATE outbox SET locked_until = $1", &[now() - 1]).await;
    let mailer = Mailer::from_config(Some(&smtp.url()), "Tongcheng <noreply@tongcheng.local>").unwrap();
    let fresh = outbox::claim_due(&db, 10, now(), false).await.unwrap();
    assert_eq!(fresh.messages.len(), 1);
    // The first worker comes back and tries to record a failure, then a delivery.
    let error = outbox::DeliveryError::transient("timeout");
    outbox::mark_failed_attempt(&db, &stale, &stale.messages[0], &error, now()).await.unwrap();
    assert_eq!(outbox::mark_sent(&db, &stale, &[stale.messages[0].id], mailer.via(), now()).await.unwrap(), 0);
    let row: (String, Option<String>) = sqlx::query_as("SELECT status, last_error FROM outbox").fetch_one(&db.pool).await.unwrap();
    assert_eq!(row, ("pending".to_string(), None), "the stale worker changed nothing");
    assert_eq!(outbox::mark_sent(&db, &fresh, &[fresh.messages[0].id], mailer.via(), now()).await.unwrap(), 1);
}

async fn a_big_batch_goes_out_concurrently_once_each_within_the_rate_cap(backend: Backend) {
    let smtp = SmtpServer::start();
    let (db, _database) = bare_database(backend).await;
    let keys: Vec<(String, String)> = (0..250).map(|i| (format!("bulk-{i}"), format!("fan{i}@example.com"))).collect();
    let refs: Vec<(&str, &str)> = keys.iter().map(|(k, t)| (k.as_str(), t.as_str())).collect();
    queue(&db, &refs).await;
    let mailer = Mailer::from_config(Some(&smtp.url()), "Tongcheng <noreply@tongcheng.local>").unwrap().with_rate_limit(Some(100));
    let started = Instant::now();
    assert_eq!(worker::drain_once(&db, &mailer).await.unwrap(), 250);
    let took = started.elapsed();
    // 100 a second with a burst of 100: the last 150 need at least 1.5 s.
    assert!(took >= Duration::from_millis(1400), "the cap holds: {took:?}");
    let received = smtp.wait_for(250).await;
    let mut to: Vec<String> = received.into_iter().map(|m| m.to).collect();
    to.sort();
    to.dedup();
    assert_eq!(to.len(), 250, "each message once");
    let sent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status = 'sent'").fetch_one(&db.pool).await.unwrap();
    assert_eq!(sent, 250);
}

/// Notices queued this moment by a desk in another process: a worker holds them too
/// (even one whose own process queued none lately), and sends the ticket.
async fn a_worker_holds_the_notices_another_process_is_queueing(backend: Backend) {
    let smtp = SmtpServer::start();
    let (db, _database) = bare_database(backend).await;
    let mut tx = db.begin_write().await.unwrap();
    for (kind, key) in [("waitlisted", "w1"), ("seat_confirmed", "t1")] {
        outbox::enqueue(&mut tx, &OutgoingEmail { kind, ..sample(key, &format!("{key}@example.com")) }, now()).await.unwrap();
    }
    tx.commit().await.unwrap();
    assert!(worker::rush_now(&db, false).await, "a rush, though not in this process");
    let mailer = Mailer::from_config(Some(&smtp.url()), "Tongcheng <noreply@tongcheng.local>").unwrap();
    assert_eq!(worker::drain_once(&db, &mailer).await.unwrap(), 1, "the ticket only");
    assert_eq!(status_of(&db, "t1@example.com").await.0, "sent");
    assert_eq!(status_of(&db, "w1@example.com").await, ("pending".to_string(), 0), "held, not tried");
}

/// During a sign-up rush (`email::rush`) the worker claims mail that cannot wait —
/// tickets, account mail — and leaves the waiting-list notices for after it.
async fn during_a_rush_waiting_list_notices_wait_and_tickets_do_not(backend: Backend) {
    let (db, _database) = bare_database(backend).await;
    let mut tx = db.begin_write().await.unwrap();
    for (kind, key) in [("waitlisted", "w1"), ("seat_confirmed", "t1"), ("waitlisted", "w2"), ("verify_email", "v1")] {
        outbox::enqueue(&mut tx, &OutgoingEmail { kind, ..sample(key, &format!("{key}@example.com")) }, now()).await.unwrap();
    }
    tx.commit().await.unwrap();
    // Notices just queued: a rush is on wherever they came from (another process's desk).
    assert!(tongcheng::email::rush::anywhere(&db, now()).await.unwrap());
    assert!(!tongcheng::email::rush::anywhere(&db, now() + 3).await.unwrap(), "none queued for three seconds");
    let urgent = outbox::claim_due(&db, 10, now(), true).await.unwrap();
    let mut to: Vec<&str> = urgent.messages.iter().map(|m| m.recipient.as_str()).collect();
    to.sort_unstable();
    assert_eq!(to, ["t1@example.com", "v1@example.com"], "the ticket and the account mail, not the notices");
    // A notice held past HOLD_AT_MOST goes out though the rush goes on.
    let held_since = now() - tongcheng::email::rush::HOLD_AT_MOST.as_secs() as i64 - 1;
    common::execute(&db, "UPDATE outbox SET created_at = $1 WHERE recipient = 'w1@example.com'", &[held_since]).await;
    let still_rushing = outbox::claim_due(&db, 10, now(), true).await.unwrap();
    let to: Vec<&str> = still_rushing.messages.iter().map(|m| m.recipient.as_str()).collect();
    assert_eq!(to, ["w1@example.com"], "the notice held too long, not the fresh one");
    let after = outbox::claim_due(&db, 10, now(), false).await.unwrap();
    let to: Vec<&str> = after.messages.iter().map(|m| m.recipient.as_str()).collect();
    assert_eq!(to, ["w2@example.com"], "once the rush is over, the rest");
    // Outside a rush a long queue of other mail does not hold the notices back: half of
    // each batch is theirs.
    let mut tx = db.begin_write().await.unwrap();
    for n in 0..10 {
        let key = format!("i{n}");
        outbox::enqueue(&mut tx, &OutgoingEmail { kind: "invitation", ..sample(&key, &format!("{key}@example.com")) }, now()).await.unwrap();
    }
    for key in ["w3", "w4"] {
        outbox::enqueue(&mut tx, &OutgoingEmail { kind: "waitlisted", ..sample(key, &format!("{key}@example.com")) }, now()).await.unwrap();
    }
    tx.commit().await.unwrap();
    let batch = outbox::claim_due(&db, 4, now(), false).await.unwrap();
    let notices = batch.messages.iter().filter(|m| m.recipient.starts_with('w')).count();
    assert_eq!((batch.messages.len(), notices), (4, 2), "two notices and two invitations");
    // In a rush too: a notice held too long keeps its half of a batch behind that queue.
    let mut tx = db.begin_write().await.unwrap();
    outbox::enqueue(&mut tx, &OutgoingEmail { kind: "waitlisted", ..sample("w5", "w5@example.com") }, held_since).await.unwrap();
    tx.commit().await.unwrap();
    let batch = outbox::claim_due(&db, 2, now(), true).await.unwrap();
    let to: Vec<&str> = batch.messages.iter().map(|m| m.recipient.as_str()).collect();
    assert!(to.contains(&"w5@example.com"), "{to:?}");
}

//! Two app processes on one PostgreSQL database, each with its outbox worker and
//! reminder scheduler: a sign-up burst split across both (every fan pressing twice, one
//! press to each process, as a double click behind a load balancer can), then the
//! reminders. Counted where it matters: in the database and at the SMTP server.
use crate::common;

use common::smtp::SmtpServer;
use common::{demo_fans, Backend, Browser, TestApp};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tongcheng::infra::clock::now;
use tongcheng::meetups::repo::{insert_event, NewEvent};
use tongcheng::meetups::{EventKind, EventStatus, Place, PlaceStatus};

const FANS: u64 = 80;
const SEATS: i64 = 30;

/// Waits (bounded) until the outbox holds no mail waiting to be sent.
async fn outbox_drained(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while app.scalar("SELECT COUNT(*) FROM outbox WHERE status = 'pending'").await > 0 {
        assert!(Instant::now() < deadline, "the outbox did not drain");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Messages received per recipient whose subject starts with `prefix`.
fn received(smtp: &SmtpServer, prefix: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for mail in smtp.messages().into_iter().filter(|m| m.subject.starts_with(prefix)) {
        *counts.entry(mail.to).or_insert(0) += 1;
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_double_click_burst_across_two_processes_gives_one_seat_and_one_email_each() {
    let smtp = SmtpServer::start();
    let settings = [("SMTP_URL", smtp.url())];
    let settings: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let first = TestApp::spawn_with(Backend::Postgres, &settings).await;
    let second = TestApp::spawn_on(first.database.clone(), &settings).await;
    let fans = demo_fans(&first, FANS).await;

    // A meetup two hours away: its reminders are due as soon as the seats are taken.
    let start = now() + 2 * 3600;
    let mut tx = first.state.db.begin_write().await.unwrap();
    let new = NewEvent {
        kind: EventKind::Official,
        city_id: first.city_id("深圳").await,
        title: "Two processes",
        starts_at: start,
        ends_at: start + 3600,
        capacity: Some(SEATS),
        status: EventStatus::Published,
        created_by: None,
        organizer_id: None,
    };
    let event = insert_event(&mut tx, &new, now()).await.unwrap();
    tx.commit().await.unwrap();

    // Each fan logs in once; the session works on both processes (it lives in the database).
    let mut browsers = Vec::new();
    for (_, email) in &fans {
        let browser = first.browser();
        browser.login(email, tongcheng::server::seed::DEMO_PASSWORD).await;
        browsers.push((email.clone(), browser));
    }
    let id = event.to_string();
    let mut presses = Vec::new();
    for (email, browser) in browsers {
        let other = Browser { base: second.base.clone(), client: browser.client.clone() };
        let id = id.clone();
        presses.push(tokio::spawn(async move {
            let form = [("id", id.as_str())];
            let (a, b) = tokio::join!(browser.call::<Place>("sign_up", &form), other.call::<Place>("sign_up", &form));
            (email, a.expect("answered"), b.expect("answered"))
        }));
    }
    let mut told_confirmed = Vec::new();
    for press in presses {
        let (email, a, b) = press.await.unwrap();
        assert_eq!(a.registration_id, b.registration_id, "{email}: one registration for both presses");
        if a.status == PlaceStatus::Confirmed || b.status == PlaceStatus::Confirmed {
            told_confirmed.push(email);
        }
    }

    let db = &first.state.db;
    let confirmed: Vec<String> = sqlx::query_scalar(
        "SELECT u.email FROM registrations r JOIN users u ON u.id = r.user_id WHERE r.event_id = $1 AND r.status = 'confirmed'",
    )
    .bind(event)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(confirmed.len() as i64, SEATS, "exactly the capacity");
    assert_eq!(first.scalar(&format!("SELECT COUNT(*) FROM registrations WHERE event_id = {event}")).await, FANS as i64, "one registration per fan");
    for email in &told_confirmed {
        assert!(confirmed.contains(email), "{email} was told \"confirmed\" and is");
    }
    common::assert_invariants(db).await;

    // The two schedulers fire at the same moment.
    let (a, b) = tokio::join!(
        tongcheng::meetups::reminders::send_due_reminders(&first.state),
        tongcheng::meetups::reminders::send_due_reminders(&second.state)
    );
    assert!(a.unwrap() + b.unwrap() >= SEATS as usize, "every confirmed fan is due a reminder");
    outbox_drained(&first).await;

    let tickets = received(&smtp, "Your ticket");
    let reminders = received(&smtp, "Coming up");
    assert_eq!(tickets.len() as i64, SEATS, "a ticket for each confirmed fan");
    assert!(tickets.values().all(|&n| n == 1), "exactly one ticket each: {tickets:?}");
    assert_eq!(reminders.len() as i64, SEATS, "a reminder for each confirmed fan");
    assert!(reminders.values().all(|&n| n == 1), "exactly one reminder each: {reminders:?}");
    for email in &confirmed {
        assert!(tickets.contains_key(email) && reminders.contains_key(email), "{email}");
    }
}

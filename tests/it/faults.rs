//! Faults on purpose, against the real binary: SIGKILL in the middle of a sign-up burst
//! and while the outbox is sending (nothing confirmed is lost, every message arrives, a
//! resent one keeps its Message-ID), and PostgreSQL unreachable for a while (requests fail
//! with a clear, retryable answer, and the same process recovers).
use crate::common;

use common::process::Server;
use common::smtp::SmtpServer;
use common::{fresh_database, Backend};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tongcheng::infra::clock::now;
use tongcheng::infra::db::Db;
use tongcheng::meetups::{Place, PlaceStatus};

use common::proxy;

on_both_databases!(a_crash_mid_burst_loses_no_confirmed_seat, a_crash_while_mail_goes_out_delivers_everything_once_more_at_most);

const FANS: u64 = 120;
const SEATS: i64 = 40;

/// Every setting the crashing servers share: loopback SMTP, log-ins from one address.
fn settings(smtp: &SmtpServer) -> Vec<(&'static str, String)> {
    vec![("SMTP_URL", smtp.url()), ("AUTH_ATTEMPTS_PER_MINUTE", "100000".into())]
}

async fn start(database_url: &str, settings: &[(&'static str, String)], log: &std::path::Path) -> Server {
    let (url, settings, log) = (database_url.to_string(), settings.to_vec(), log.to_path_buf());
    tokio::task::spawn_blocking(move || {
        let settings: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Server::start_with(&url, &settings, Some(&log))
    })
    .await
    .expect("server started")
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).timeout(Duration::from_secs(60)).build().expect("client")
}

/// Presses "sign up"; `None` when the connection broke (the server died).
async fn press(client: &reqwest::Client, base: &str, event: i64) -> Option<Place> {
    let response = client.post(format!("{base}/api/sign_up")).form(&[("id", event.to_string())]).send().await.ok()?;
    assert!(response.status().is_success(), "sign-up answered {}", response.status());
    response.json().await.ok()
}

/// Mail still to send, once every lease of the dead process has run out (as it would
/// after `LEASE_SECS`).
async fn expire_dead_leases(db: &Db) {
    common::execute(db, "UPDATE outbox SET locked_until = $1 WHERE status = 'pending'", &[now() - 1]).await;
}

/// The last lines a server logged, for a failure's message.
fn log_tail(log: &std::path::Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

async fn outbox_drained(db: &Db) {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status = 'pending'").fetch_one(&db.pool).await.expect("pending");
        if pending == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "{pending} messages still waiting");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Copies received per message: (recipient, subject) -> Message-IDs.
fn copies(smtp: &SmtpServer) -> HashMap<(String, String), Vec<String>> {
    let mut seen: HashMap<(String, String), Vec<String>> = HashMap::new();
    for mail in smtp.messages() {
        seen.entry((mail.to, mail.subject)).or_default().push(mail.message_id);
    }
    seen
}

/// At least once, at most one duplicate (one crash), and a duplicate is recognisable.
fn assert_delivered_once_more_at_most(seen: &HashMap<(String, String), Vec<String>>) {
    for (message, ids) in seen {
        assert!(ids.len() <= 2, "{message:?} arrived {} times", ids.len());
        assert!(ids.iter().all(|id| id == &ids[0]), "{message:?}: a resent copy keeps its Message-ID: {ids:?}");
    }
}

async fn a_crash_mid_burst_loses_no_confirmed_seat(backend: Backend) {
    let smtp = SmtpServer::start();
    let settings = settings(&smtp);
    let database = fresh_database(backend).await;
    let logs = tempfile::tempdir().expect("log dir");
    let log = logs.path().join("server.log");
    let server = start(&database.url, &settings, &log).await;
    let db = Db::connect(&database.url, 4).await.expect("db");
    tongcheng::server::seed::seed_demo(&db, FANS, false).await.expect("seed");
    common::execute(&db, "UPDATE users SET locale = 'en' WHERE id > $1", &[0]).await;
    let city: i64 = sqlx::query_scalar("SELECT id FROM cities WHERE name_zh = '深圳'").fetch_one(&db.pool).await.expect("city");
    let event = common::published_event(&db, city, Some(SEATS)).await;
    let emails: Vec<String> = sqlx::query_scalar("SELECT email FROM users WHERE email LIKE 'demo-fan-%' ORDER BY id").fetch_all(&db.pool).await.expect("fans");

    // Every fan logs in (sessions live in the database: they survive the crash).
    let base = server.base();
    let mut fans = Vec::new();
    for email in &emails {
        let browser = client();
        let form = [("email", email.as_str()), ("password", tongcheng::server::seed::DEMO_PASSWORD)];
        let answer = browser.post(format!("{base}/api/login")).form(&form).send().await.expect("log in");
        assert!(answer.status().is_success(), "{email} logged in");
        fans.push((email.clone(), browser));
    }

    // Everyone presses twice at once; the process is killed once a third of the answers are out.
    let answered = Arc::new(AtomicUsize::new(0));
    let crash_after = FANS as usize * 2 / 3;
    let crashed = Arc::new(tokio::sync::Notify::new());
    let mut presses = Vec::new();
    for (email, browser) in &fans {
        for _ in 0..2 {
            let (email, browser, base, answered, crashed) = (email.clone(), browser.clone(), base.clone(), answered.clone(), crashed.clone());
            presses.push(tokio::spawn(async move {
                let place = press(&browser, &base, event).await;
                if place.is_some() && answered.fetch_add(1, Ordering::SeqCst) + 1 == crash_after {
                    crashed.notify_one();
                }
                (email, place)
            }));
        }
    }
    crashed.notified().await;
    tokio::task::spawn_blocking(move || server.crash()).await.expect("killed");
    let mut told: HashMap<String, PlaceStatus> = HashMap::new();
    for press in presses {
        let (email, place) = press.await.expect("press");
        if let Some(place) = place {
            let earlier = told.insert(email.clone(), place.status);
            assert!(earlier.is_none_or(|s| s == place.status), "{email}: both presses give one answer");
        }
    }
    assert!(told.len() < FANS as usize, "the crash cut the burst short ({} fans answered)", told.len());

    // After the restart, everyone not answered presses again.
    expire_dead_leases(&db).await;
    let server = start(&database.url, &settings, &log).await;
    let base = server.base();
    for (email, browser) in &fans {
        let place = press(browser, &base, event).await.expect("answered after the restart");
        if let Some(status) = told.get(email) {
            assert_eq!(place.status, *status, "{email}: the answer given before the crash holds");
        }
    }
    let confirmed: Vec<String> =
        sqlx::query_scalar("SELECT u.email FROM registrations r JOIN users u ON u.id = r.user_id WHERE r.event_id = $1 AND r.status = 'confirmed'")
            .bind(event)
            .fetch_all(&db.pool)
            .await
            .expect("confirmed");
    assert_eq!(confirmed.len() as i64, SEATS, "every seat taken, none oversold");
    for (email, status) in &told {
        if *status == PlaceStatus::Confirmed {
            assert!(confirmed.contains(email), "{email} was told \"confirmed\" before the crash and is");
        }
    }
    common::assert_invariants(&db).await;

    outbox_drained(&db).await;
    let seen = copies(&smtp);
    assert_delivered_once_more_at_most(&seen);
    let tickets: Vec<&String> = seen.keys().filter(|(_, subject)| subject.starts_with("Your ticket")).map(|(to, _)| to).collect();
    assert_eq!(tickets.len() as i64, SEATS, "a ticket for every confirmed fan");
    for email in &confirmed {
        assert!(tickets.contains(&email), "{email} got a ticket");
    }
}

const MESSAGES: usize = 400;

async fn a_crash_while_mail_goes_out_delivers_everything_once_more_at_most(backend: Backend) {
    let smtp = SmtpServer::start();
    let settings = settings(&smtp);
    let database = fresh_database(backend).await;
    let logs = tempfile::tempdir().expect("log dir");
    let log = logs.path().join("server.log");
    // The schema first (without SMTP: nothing to send yet), then the mail, then the sender.
    let quiet = start(&database.url, &[], &log).await;
    tokio::task::spawn_blocking(move || quiet.crash()).await.expect("stopped");
    let db = Db::connect(&database.url, 4).await.expect("db");
    let mut tx = db.begin_write().await.expect("begin");
    for n in 0..MESSAGES {
        let email = tongcheng::email::OutgoingEmail {
            kind: "test",
            idempotency_key: format!("crash-{n}"),
            to: format!("crash-{n}@example.com"),
            subject: format!("Message {n}"),
            text: "Hello".into(),
            html: "<p>Hello</p>".into(),
            event_id: None,
            attachments: Vec::new(),
            list_unsubscribe: None,
        };
        tongcheng::email::outbox::enqueue(&mut tx, &email, now()).await.expect("enqueue");
    }
    tx.commit().await.expect("commit");

    let server = start(&database.url, &settings, &log).await;
    let arrived = |smtp: &SmtpServer| smtp.arrived();
    let deadline = Instant::now() + Duration::from_secs(60);
    while arrived(&smtp) < MESSAGES / 8 {
        assert!(Instant::now() < deadline, "mail did not start going out");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::task::spawn_blocking(move || server.crash()).await.expect("killed");
    let before = arrived(&smtp);
    assert!(before < MESSAGES, "killed while sending ({before} of {MESSAGES} out)");

    expire_dead_leases(&db).await;
    let _server = start(&database.url, &settings, &log).await;
    outbox_drained(&db).await;
    let seen = copies(&smtp);
    assert_eq!(seen.len(), MESSAGES, "every message arrived");
    assert_delivered_once_more_at_most(&seen);
    let sent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status = 'sent'").fetch_one(&db.pool).await.expect("sent");
    assert_eq!(sent, MESSAGES as i64);
}

/// PostgreSQL unreachable (every connection cut, new ones refused) and back: answers
/// say so and can be retried, nothing hangs, and the same process carries on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_unreachable_for_a_while_then_back() {
    common::within_limit(async {
        let database = fresh_database(Backend::Postgres).await;
        let upstream = url::Url::parse(&database.url).expect("url");
        let gate = proxy::Gate::start(&format!("{}:{}", upstream.host_str().unwrap_or("127.0.0.1"), upstream.port().unwrap_or(5432))).await;
        let mut through = upstream.clone();
        through.set_port(Some(gate.port)).expect("port");
        let logs = tempfile::tempdir().expect("log dir");
        let log = logs.path().join("server.log");
        let server = start(through.as_str(), &[("AUTH_ATTEMPTS_PER_MINUTE", "100000".into())], &log).await;
        let base = server.base();
        let browser = client();
        let register = [("email", "outage@example.com"), ("display_name", "Outage"), ("password", "password123"), ("city", "深圳")];
        let ok = browser.post(format!("{base}/api/register")).form(&register).send().await.expect("register");
        assert!(ok.status().is_success());

        gate.close();
        let started = Instant::now();
        let refused = browser.post(format!("{base}/api/login")).form(&[("email", "outage@example.com"), ("password", "password123")]).send().await.expect("an answer");
        assert_eq!(refused.status(), 503, "retryable; the server's log ends:\n{}", log_tail(&log));
        let error: tongcheng::error::AppError = refused.json().await.expect("an AppError");
        assert_eq!(error, tongcheng::error::AppError::Unavailable);
        assert!(error.form_text().is_some_and(|t| t.en.contains("try again") && !t.zh.is_empty()), "a clear message in both languages");
        let page = browser.get(format!("{base}/meetups")).header("Accept-Language", "en").send().await.expect("a page");
        assert!(page.status() == 200 || page.status() == 503, "no hang, no panic: {}", page.status());
        let ready = browser.get(format!("{base}/readyz")).send().await.expect("readiness");
        assert_eq!(ready.status(), 503, "not ready without its database");
        assert!(started.elapsed() < Duration::from_secs(45), "answered, not hung: {:?}", started.elapsed());

        gate.open();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let answer = browser.post(format!("{base}/api/login")).form(&[("email", "outage@example.com"), ("password", "password123")]).send().await.expect("an answer");
            if answer.status().is_success() {
                break;
            }
            assert!(Instant::now() < deadline, "the server did not recover: {}", answer.status());
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let ready = browser.get(format!("{base}/readyz")).send().await.expect("readiness");
        assert_eq!(ready.status(), 200, "ready again, same process");
        drop(server);
    })
    .await
}

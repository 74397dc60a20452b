//! What an operator relies on: health and readiness, metrics behind a token, request
//! ids, JSON logs, and a graceful stop on SIGTERM that finishes requests in flight.
use crate::common;

use common::process::Server;
use common::{fresh_database, published_event, Backend, TestApp};
use std::io::{Read, Write};
use std::process::Command;
use std::time::{Duration, Instant};
use tongcheng::infra::clock::now;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_backup_taken_while_the_site_runs_restores() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let fans = common::demo_fans(&app, 40).await;
    let event = published_event(&app.state.db, app.city_id("深圳").await, Some(10)).await;
    let signing = {
        let (db, fans) = (app.state.db.clone(), fans.clone());
        tokio::spawn(async move { common::spawn_sign_ups(&db, event, &fans) })
    };
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("backup.db");
    let run = |args: &[&str], url: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_tongcheng")).args(args).env("LC_ALL", "en_US.UTF-8").env("DATABASE_URL", url).env("RUST_LOG", "error").output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
    };
    // Taken while fans are signing up.
    let (code, output) = run(&["backup", copy.to_str().unwrap()], &app.database.url);
    assert_eq!(code, Some(0), "{output}");
    for task in signing.await.unwrap() {
        task.await.unwrap().unwrap();
    }
    let (code, output) = run(&["backup", copy.to_str().unwrap()], &app.database.url);
    assert_ne!(code, Some(0), "never overwrites: {output}");
    // Restored: the copy opens, is consistent and holds the fans.
    let restored = format!("sqlite://{}", copy.display());
    let (code, output) = run(&["check"], &restored);
    assert_eq!((code, output.trim()), (Some(0), "no violations"));
    let db = tongcheng::infra::db::Db::connect(&restored, 2).await.unwrap();
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&db.pool).await.unwrap();
    assert_eq!(users, 40);
}

on_both_databases!(
    health_and_readiness_need_no_session_and_tell_what_is_wrong,
    metrics_need_the_token_and_count_what_matters,
    sigterm_finishes_the_request_in_flight_and_exits_zero,
    a_sigterm_as_soon_as_the_port_opens_still_stops_gracefully,
    pages_are_compressed_and_revalidated,
);

/// Phones on slow networks get brotli (or gzip) pages; pages depend on the session and
/// the language, so caches revalidate them and keep languages apart.
async fn pages_are_compressed_and_revalidated(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = reqwest::Client::new();
    let page = |encoding: &'static str| client.get(format!("{}/meetups", app.base)).header("accept-encoding", encoding).send();
    let plain = page("identity").await.expect("page");
    assert!(plain.headers().get("content-encoding").is_none());
    let plain_len = plain.bytes().await.expect("body").len();
    for encoding in ["br", "gzip"] {
        let response = page(encoding).await.expect("page");
        assert_eq!(response.headers()["content-encoding"], encoding);
        assert_eq!(response.headers()["cache-control"], "private, no-cache");
        let vary: Vec<&str> = response.headers().get_all("vary").iter().filter_map(|v| v.to_str().ok()).collect();
        assert!(vary.iter().any(|v| v.contains("Accept-Language")), "{vary:?}");
        let sent = response.bytes().await.expect("body").len();
        assert!(sent * 5 < plain_len * 3, "{encoding}: {sent} bytes sent for a {plain_len}-byte page");
    }
    // A small answer (a server function's few hundred bytes) goes as it is: compressing
    // it would cost CPU for no packet saved.
    let staff = common::moderation::staff(&app).await;
    let answer = staff.client.post(format!("{}/api/get_current_user", app.base)).header("accept-encoding", "br, gzip").send().await.expect("answer");
    assert!(answer.status().is_success());
    assert!(answer.headers().get("content-encoding").is_none(), "{:?}", answer.headers());
    let len = answer.bytes().await.expect("body").len();
    assert!((100..1024).contains(&len), "an answer worth no compression: {len} bytes");
}

async fn get(url: &str, token: Option<&str>) -> (u16, String, Option<String>) {
    let mut request = reqwest::Client::new().get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request");
    let id = response.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_string);
    (response.status().as_u16(), response.text().await.expect("body"), id)
}

async fn health_and_readiness_need_no_session_and_tell_what_is_wrong(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, body, request_id) = get(&format!("{}/healthz", app.base), None).await;
    assert_eq!((status, body.as_str()), (200, r#"{"status":"ok"}"#));
    assert!(request_id.is_some_and(|id| id.len() >= 32), "every answer carries a request id");
    let (status, body, _) = get(&format!("{}/readyz", app.base), None).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""status":"ready""#), "{body}");

    // Mail that is due but nobody delivers (leased to a worker that died long ago).
    let mut tx = app.state.db.begin_write().await.unwrap();
    let mail = tongcheng::email::OutgoingEmail {
        kind: "test",
        idempotency_key: "stuck".into(),
        to: "stuck@example.com".into(),
        subject: "Stuck".into(),
        text: "Stuck".into(),
        html: "<p>Stuck</p>".into(),
        event_id: None,
        attachments: Vec::new(),
        list_unsubscribe: None,
    };
    tongcheng::email::outbox::enqueue(&mut tx, &mail, now() - 3600).await.unwrap();
    sqlx::query("UPDATE outbox SET locked_until = $1 WHERE idempotency_key = 'stuck'").bind(now() + 3600).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    let (status, body, _) = get(&format!("{}/readyz", app.base), None).await;
    assert_eq!(status, 503);
    assert!(body.contains(r#""outbox":"stuck""#), "{body}");
    common::execute(&app.state.db, "DELETE FROM outbox WHERE idempotency_key = 'stuck'", &[]).await;

    // A database that lacks this binary's newest migration.
    common::execute(&app.state.db, "DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)", &[]).await;
    let (status, body, _) = get(&format!("{}/readyz", app.base), None).await;
    assert_eq!(status, 503);
    assert!(body.contains(r#""migrations":"pending""#), "{body}");
}

async fn metrics_need_the_token_and_count_what_matters(backend: Backend) {
    const TOKEN: &str = "metrics-token-for-tests";
    let app = TestApp::spawn_with(backend, &[("METRICS_TOKEN", TOKEN)]).await;
    let url = format!("{}/metrics", app.base);
    assert_eq!(get(&url, None).await.0, 401);
    assert_eq!(get(&url, Some("metrics-token-for-testz")).await.0, 401);
    let fan = app.fan("counted@example.com", "深圳").await;
    let event = published_event(&app.state.db, app.city_id("深圳").await, Some(5)).await;
    let _: tongcheng::meetups::Place = fan.call("sign_up", &[("id", &event.to_string())]).await.unwrap();
    let _ = fan.page(&format!("/meetups/{event}")).await;
    let (status, body, _) = get(&url, Some(TOKEN)).await;
    assert_eq!(status, 200);
    for expected in [
        r#"signups_total{outcome="confirmed"}"#,
        r#"http_requests_total{method="POST",route="/api/sign_up",status="200"}"#,
        r#"route="/meetups/{id}""#,
        "http_request_duration_seconds_bucket",
        "outbox_pending",
        "outbox_oldest_due_age_seconds",
        "db_pool_connections_in_use",
        // Where a press's time goes (the flash-sale benchmark reads them), and a page's.
        "press_line_seconds_bucket",
        "press_turn_held_seconds_bucket",
        "signup_desk_wait_seconds_bucket",
        "signup_turn_seconds_bucket",
        "press_in_app_seconds_bucket",
        "page_in_app_seconds_bucket",
    ] {
        assert!(body.contains(expected), "metrics lack {expected}:\n{body}");
    }

    let without = TestApp::spawn(backend).await;
    assert_eq!(get(&format!("{}/metrics", without.base), Some(TOKEN)).await.0, 404, "off without a token");
}

async fn sigterm_finishes_the_request_in_flight_and_exits_zero(backend: Backend) {
    let database = fresh_database(backend).await;
    let url = database.url.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        let server = Server::start(&url);
        // A request in flight: headers sent, the server has started reading the body
        // (it answered "100 Continue"), the body not yet sent.
        let body = "email=nobody%40example.com&password=wrong-password";
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        write!(
            stream,
            "POST /api/login HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
            server.port,
            body.len()
        )
        .unwrap();
        let mut continued = [0u8; 25];
        stream.read_exact(&mut continued).expect("100 Continue");
        assert!(String::from_utf8_lossy(&continued).starts_with("HTTP/1.1 100 Continue"));

        server.signal("TERM");
        stream.write_all(body.as_bytes()).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("the answer");
        let started = Instant::now();
        let (code, logs) = server.wait(Duration::from_secs(10));
        (answer, code, logs, started.elapsed())
    })
    .await
    .unwrap();
    let (answer, code, logs, _) = outcome;
    assert!(answer.starts_with("HTTP/1.1 422"), "the request in flight was answered: {answer:.300}; exit {code:?}, logs:\n{}", logs.join("\n"));
    assert!(answer.contains("\"Invalid\""), "with the server's own answer (wrong password): {answer}");
    assert_eq!(code, Some(0), "exit 0 after SIGTERM; logs:\n{}", logs.join("\n"));
    // Logs are JSON lines, and request logs carry the request id.
    let parsed: Vec<serde_json::Value> = logs.iter().filter_map(|l| serde_json::from_str(l).ok()).collect();
    assert_eq!(parsed.len(), logs.len(), "every log line is JSON: {logs:#?}");
    assert!(logs.iter().any(|l| l.contains("shutting down")), "{logs:#?}");
    let request_log = parsed.iter().find(|l| l["span"]["path"] == "/api/login").unwrap_or_else(|| panic!("a log line of the request: {logs:#?}"));
    assert!(request_log["span"]["id"].as_str().is_some_and(|id| id.len() >= 32), "with its request id: {request_log}");
}

/// A deploy may stop a server that has just started: the port opens before the
/// migrations run, and a SIGTERM then must not kill the process outright (it did while
/// the handler was set up only after the site started serving).
async fn a_sigterm_as_soon_as_the_port_opens_still_stops_gracefully(backend: Backend) {
    let database = fresh_database(backend).await;
    let url = database.url.clone();
    let (code, logs) = tokio::task::spawn_blocking(move || {
        let server = Server::launch(&url, &[], None);
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", server.port)).is_err() {
            assert!(Instant::now() < deadline, "the port never opened");
            std::thread::sleep(Duration::from_millis(5));
        }
        server.signal("TERM");
        server.wait(Duration::from_secs(60))
    })
    .await
    .unwrap();
    assert_eq!(code, Some(0), "exit 0, not killed by the signal; logs:\n{}", logs.join("\n"));
    assert!(logs.iter().any(|l| l.contains("shutting down")), "{logs:#?}");
}

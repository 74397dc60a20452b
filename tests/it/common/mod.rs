//! Test harness: the real app on a fresh database (SQLite file or PostgreSQL database),
//! on an ephemeral port, driven over HTTP like a browser; a real SMTP server on loopback.
#![allow(dead_code)]
pub mod confirm;
pub mod database;
pub mod moderation;
pub mod process;
pub mod proxy;
pub mod smtp;

pub use database::{fresh_database, TestDatabase};

use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use tongcheng::error::AppError;
use tongcheng::infra::config::Config;
use tongcheng::infra::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs one async test body on SQLite and on PostgreSQL, as two test functions.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    $crate::common::within_limit(super::$name($crate::common::Backend::Sqlite)).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    $crate::common::within_limit(super::$name($crate::common::Backend::Postgres)).await
                }
            }
        )*
    };
}

/// Runs a test, failing it (instead of hanging CI) when it takes over five minutes.
pub async fn within_limit<F: std::future::Future>(test: F) -> F::Output {
    tokio::time::timeout(std::time::Duration::from_secs(300), test).await.expect("the test hung for five minutes")
}

/// A published official meetup a week from now in `city_id`.
pub async fn published_event(db: &tongcheng::infra::db::Db, city_id: i64, capacity: Option<i64>) -> i64 {
    use tongcheng::meetups::repo::{insert_event, NewEvent};
    use tongcheng::infra::clock::now;
    let mut tx = db.begin_write().await.unwrap();
    let start = now() + 7 * 24 * 3600;
    let event = NewEvent { kind: tongcheng::meetups::EventKind::Official, city_id, title: "Test meetup", starts_at: start, ends_at: start + 3 * 3600, capacity, status: tongcheng::meetups::EventStatus::Published, created_by: None, organizer_id: None };
    let id = insert_event(&mut tx, &event, now()).await.unwrap();
    tx.commit().await.unwrap();
    id
}

/// `n` verified demo fans: (id, email).
pub async fn demo_fans(app: &TestApp, n: u64) -> Vec<(i64, String)> {
    tongcheng::server::seed::seed_demo(&app.state.db, n, false).await.expect("seed");
    // Demo fans read Chinese; the tests read their mail in English.
    execute(&app.state.db, "UPDATE users SET locale = 'en' WHERE email LIKE 'demo-fan-%' AND id > $1", &[0]).await;
    sqlx::query_as("SELECT id, email FROM users WHERE email LIKE 'demo-fan-%' ORDER BY id")
        .fetch_all(&app.state.db.pool)
        .await
        .expect("demo fans")
}

/// The event engine on `db`, as an app process would hold it (links to http://t).
pub fn events(db: &tongcheng::infra::db::Db) -> tongcheng::meetups::engine::Events {
    tongcheng::meetups::engine::Events::new(db.clone(), "http://t", tongcheng::infra::clock::Clock::System)
}

/// Every fan presses "sign up" at once (through a sign-up desk as the server function
/// does, no HTTP); the answers come back in the order of `fans`.
pub fn spawn_sign_ups(
    db: &tongcheng::infra::db::Db,
    event: i64,
    fans: &[(i64, String)],
) -> Vec<tokio::task::JoinHandle<Result<tongcheng::meetups::Place, AppError>>> {
    let desk = tongcheng::meetups::desk::SignUpDesk::open(events(db));
    fans.iter()
        .cloned()
        .map(|(id, email)| {
            let (db, desk) = (db.clone(), desk.clone());
            tokio::spawn(async move { desk.sign_up(event, presser(&db, id, &email).await).await })
        })
        .collect()
}

/// The fan `id` pressing, with the language of their emails as in the database.
pub async fn presser(db: &tongcheng::infra::db::Db, id: i64, email: &str) -> tongcheng::meetups::desk::Presser {
    let locale = tongcheng::accounts::repo::locale(db, id).await.expect("locale").unwrap_or_default();
    tongcheng::meetups::desk::Presser { id, email: email.to_string(), name: "Fan".into(), locale }
}

/// Every fan presses "sign up" at once; each must get a definite answer.
pub async fn sign_up_all(app: &TestApp, event: i64, fans: &[(i64, String)]) -> Vec<tongcheng::meetups::Place> {
    let mut places = Vec::new();
    for task in spawn_sign_ups(&app.state.db, event, fans) {
        places.push(task.await.expect("task").expect("sign-up answers definitely"));
    }
    places
}

/// Fails with every invariant violation the operator's `tongcheng check` would print.
pub async fn assert_invariants(db: &tongcheng::infra::db::Db) {
    let found = tongcheng::meetups::invariants::violations(db, tongcheng::infra::clock::now()).await.expect("check");
    assert!(found.is_empty(), "invariants broken:\n{}", found.join("\n"));
}

/// A logged-in staff member's browser (boss@example.com).
pub async fn staff_browser(app: &TestApp) -> Browser {
    moderation::staff(app).await
}

/// Runs one write statement with integer parameters through the single writer (on
/// SQLite the read pool refuses writes).
pub async fn execute(db: &tongcheng::infra::db::Db, sql: &str, binds: &[i64]) -> u64 {
    let mut query = sqlx::query(sql);
    for value in binds {
        query = query.bind(*value);
    }
    let mut tx = db.begin_write().await.expect("begin");
    let done = query.execute(&mut *tx).await.expect(sql);
    tx.commit().await.expect("commit");
    done.rows_affected()
}

/// `TEST_LOG=error` (or any tracing filter) prints what the apps of a test log, e.g. the
/// cause behind an `Internal` answer.
pub fn log_if_asked() {
    if let Ok(filter) = std::env::var("TEST_LOG") {
        let _ = tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::new(filter)).with_test_writer().try_init();
    }
}

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub database: std::sync::Arc<TestDatabase>,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, &[]).await
    }

    pub async fn spawn_with(backend: Backend, settings: &[(&str, &str)]) -> TestApp {
        let database = std::sync::Arc::new(fresh_database(backend).await);
        Self::spawn_on(database, settings).await
    }

    /// Another app process on the same database (a restart, or a second instance).
    pub async fn spawn_on(database: std::sync::Arc<TestDatabase>, settings: &[(&str, &str)]) -> TestApp {
        log_if_asked();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mut vars: HashMap<String, String> = HashMap::from([
            ("DATABASE_URL".into(), database.url.clone()),
            ("SITE_ADDR".into(), addr.to_string()),
            ("AUTH_ATTEMPTS_PER_MINUTE".into(), "10000".into()),
            ("DB_MAX_CONNECTIONS".into(), "8".into()),
            // The digest goes out on Friday evenings: tests queue it themselves.
            ("CLUB_DIGESTS".into(), "off".into()),
        ]);
        for (k, v) in settings {
            vars.insert(k.to_string(), v.to_string());
        }
        let config = Config::from_vars(&vars).expect("test config");
        let app = tongcheng::server::start::start(config, listener).await.expect("start app");
        TestApp { base: format!("http://{addr}"), state: app.state, database }
    }

    /// A new browser: its own cookie jar. It asks for English pages, which the tests
    /// read; `browser_in` picks another language.
    pub fn browser(&self) -> Browser {
        self.browser_in("en")
    }

    /// A new browser whose `Accept-Language` is `language` (empty: none, so the site's
    /// default, Chinese).
    pub fn browser_in(&self, language: &str) -> Browser {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Ok(value) = reqwest::header::HeaderValue::from_str(language) {
            if !language.is_empty() {
                headers.insert(reqwest::header::ACCEPT_LANGUAGE, value);
            }
        }
        self.browser_with(headers)
    }

    /// A new browser sending `headers` with every request (e.g. a proxy's
    /// `X-Forwarded-For`).
    pub fn browser_with(&self, headers: reqwest::header::HeaderMap) -> Browser {
        Browser {
            base: self.base.clone(),
            client: reqwest::Client::builder()
                .default_headers(headers)
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
        }
    }

    /// Registers and verifies a fan through the real endpoints; returns a logged-in browser.
    pub async fn fan(&self, email: &str, city: &str) -> Browser {
        let browser = self.browser();
        let _: String = browser
            .call("register", &[("email", email), ("display_name", "Fan"), ("password", "password123"), ("city", city)])
            .await
            .expect("register");
        let token = self.latest_token(email).await;
        let _: String = browser.call("verify_email", &[("token", &token)]).await.expect("verify");
        browser.login(email, "password123").await;
        browser
    }

    /// The secret from the newest link emailed to `to` (read from the outbox).
    pub async fn latest_token(&self, to: &str) -> String {
        let body: String = sqlx::query_scalar("SELECT body_text FROM outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1")
            .bind(to)
            .fetch_one(&self.state.db.pool)
            .await
            .expect("an email to that address");
        token_in(&body).unwrap_or_else(|| panic!("no link with a token in: {body}"))
    }

    pub async fn scalar(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.state.db.pool).await.expect(sql)
    }

    pub async fn text(&self, sql: &str) -> String {
        sqlx::query_scalar(sql).fetch_one(&self.state.db.pool).await.expect(sql)
    }

    pub async fn city_id(&self, name_zh: &str) -> i64 {
        sqlx::query_scalar("SELECT id FROM cities WHERE name_zh = $1")
            .bind(name_zh)
            .fetch_one(&self.state.db.pool)
            .await
            .expect("city")
    }

    pub async fn verified_fans(&self, name_zh: &str) -> i64 {
        sqlx::query_scalar("SELECT verified_fans FROM cities WHERE name_zh = $1")
            .bind(name_zh)
            .fetch_one(&self.state.db.pool)
            .await
            .expect("city")
    }

    /// Invariant 4: the maintained per-city counts equal a full recount.
    pub async fn assert_counts_match_recount(&self) {
        let mismatches = self
            .scalar(
                "SELECT COUNT(*) FROM cities c WHERE c.verified_fans <> \
                 (SELECT COUNT(*) FROM users u WHERE u.home_city_id = c.id AND u.email_verified_at IS NOT NULL)",
            )
            .await;
        assert_eq!(mismatches, 0, "per-city fan counts differ from a recount");
        let daily = self
            .scalar(
                "SELECT COUNT(*) FROM (SELECT home_city_id AS city_id, email_verified_at / 86400 AS day, COUNT(*) AS fans \
                 FROM users WHERE email_verified_at IS NOT NULL GROUP BY home_city_id, email_verified_at / 86400) r \
                 LEFT JOIN city_daily_joins j ON j.city_id = r.city_id AND j.day = r.day \
                 WHERE j.fans IS NULL OR j.fans <> r.fans",
            )
            .await;
        let stray = self.scalar("SELECT COUNT(*) FROM city_daily_joins j WHERE j.fans <> (SELECT COUNT(*) FROM users u \
             WHERE u.home_city_id = j.city_id AND u.email_verified_at / 86400 = j.day)").await;
        assert_eq!((daily, stray), (0, 0), "per-city daily joins differ from a recount");
    }
}

pub fn token_in(text: &str) -> Option<String> {
    let start = text.find("token=")? + "token=".len();
    Some(text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect())
}

#[derive(Clone)]
pub struct Browser {
    pub base: String,
    pub client: reqwest::Client,
}

impl Browser {
    /// Calls a server function the way a form post does; decodes its answer or error.
    pub async fn call<T: DeserializeOwned>(&self, endpoint: &str, form: &[(&str, &str)]) -> Result<T, (StatusCode, AppError)> {
        let response = self
            .client
            .post(format!("{}/api/{endpoint}", self.base))
            .form(form)
            .send();
        let response = answered(endpoint, response).await;
        let status = response.status();
        let body = response.text().await.expect("body");
        if status.is_success() {
            Ok(serde_json::from_str(&body).unwrap_or_else(|e| panic!("{endpoint}: cannot decode {body:?}: {e}")))
        } else {
            let error = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{endpoint}: {status} {body:?}: {e}"));
            Err((status, error))
        }
    }

    pub async fn login(&self, email: &str, password: &str) {
        let _: () = self.call("login", &[("email", email), ("password", password)]).await.expect("login");
    }

    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header("Accept", "text/html")
            .send();
        let response = answered(path, response).await;
        let status = response.status();
        (status, whole_body(path, response).await)
    }

    pub async fn current_user(&self) -> Option<tongcheng::accounts::CurrentUser> {
        self.call("get_current_user", &[]).await.expect("current user")
    }
}

/// A page's whole body. A page whose rendering stalls fails the test within a minute,
/// naming the page and showing where it stopped (a streamed page is sent in chunks, so
/// the part before the stall has arrived).
async fn whole_body(path: &str, mut response: reqwest::Response) -> String {
    let mut body = Vec::new();
    loop {
        match tokio::time::timeout(std::time::Duration::from_secs(60), response.chunk()).await {
            Ok(Ok(Some(chunk))) => body.extend_from_slice(&chunk),
            Ok(Ok(None)) => return String::from_utf8_lossy(&body).into_owned(),
            Ok(Err(error)) => panic!("{path}: the body broke off: {error}"),
            Err(_) => {
                let text = String::from_utf8_lossy(&body);
                let tail: String = text.chars().rev().take(3000).collect::<Vec<_>>().into_iter().rev().collect();
                panic!("{path}: the page stopped rendering; it ends with:\n{tail}")
            }
        }
    }
}

/// The response to a request, or a failure naming it when no answer comes within a minute.
async fn answered(what: &str, request: impl std::future::Future<Output = reqwest::Result<reqwest::Response>>) -> reqwest::Response {
    match tokio::time::timeout(std::time::Duration::from_secs(60), request).await {
        Ok(response) => response.expect("request"),
        Err(_) => panic!("{what}: no answer within a minute"),
    }
}

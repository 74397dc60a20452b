//! Security of accounts (issue 10): where log-in may send you, password and body limits,
//! one spelling per email address, confirmation by button, and how long sessions last.
use crate::common;

use common::{Backend, TestApp};
use reqwest::StatusCode;
use tongcheng::error::AppError;
use tongcheng::infra::clock::now;

on_both_databases!(
    login_next_never_leaves_the_site,
    passwords_have_one_length_cap_everywhere,
    an_address_that_names_another_inbox_is_refused,
    opening_the_confirmation_link_changes_nothing_until_the_button_is_pressed,
    using_a_reset_link_voids_the_older_ones,
    a_used_session_is_renewed_and_an_idle_one_ends,
    sessions_end_after_the_absolute_limit_however_active,
    sessions_are_written_through_the_single_writer,
);

const DAY: i64 = 86_400;

/// A form post as a browser without JavaScript sends it.
async fn post_form(app: &TestApp, endpoint: &str, form: &[(&str, &str)]) -> reqwest::Response {
    app.browser()
        .client
        .post(format!("{}/api/{endpoint}", app.base))
        .header("Accept", "text/html")
        .form(form)
        .send()
        .await
        .expect("the server answers")
}

async fn login_next_never_leaves_the_site(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.fan("next@example.com", "北京").await;
    let cases = [
        ("/my-meetups?tab=1", "/my-meetups?tab=1"),
        ("/\t/evil.example", "/"),
        ("/\n/evil.example", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        // Control characters used to panic inside the redirect.
        ("/a\u{1}b\u{7f}", "/a%01b%7F"),
    ];
    for (next, expected) in cases {
        let response = post_form(&app, "login", &[("email", "next@example.com"), ("password", "password123"), ("next", next)]).await;
        assert_eq!(response.status(), StatusCode::FOUND, "{next:?}");
        assert_eq!(response.headers()["location"], expected, "{next:?}");
    }
}

async fn passwords_have_one_length_cap_everywhere(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fan = app.fan("long@example.com", "上海").await;
    let huge = "x".repeat(129);
    let login: Result<(), _> = app.browser().call("login", &[("email", "long@example.com"), ("password", &huge)]).await;
    let (status, error) = login.unwrap_err();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.field_message("password").unwrap().contains("at most 128"), "{error:?}");
    let delete: Result<(), _> = fan.call("delete_account", &[("password", &huge), ("confirm", "on")]).await;
    assert!(delete.unwrap_err().1.field_message("delete_password").unwrap().contains("at most 128"));
    let reset: Result<(), _> = app.browser().call("reset_password", &[("token", "whatever"), ("password", &huge)]).await;
    assert!(reset.unwrap_err().1.field_message("password").unwrap().contains("at most 128"));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, 1, "nothing was deleted");
}

async fn an_address_that_names_another_inbox_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let register = |email: &'static str| {
        let browser = app.browser();
        async move {
            let form = [("email", email), ("display_name", "Alias"), ("password", "password123"), ("city", "深圳")];
            browser.call::<String>("register", &form).await
        }
    };
    for alias in ["x<me@evil.com>", "Me <me@evil.com>", "\"x<y\"@example.com", "me@evil.com (x)", "a@[127.0.0.1]"] {
        let (status, error) = register(alias).await.expect_err(alias);
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{alias}");
        assert!(error.field_message("email").is_some(), "{alias}: {error:?}");
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, 0);
    // One address, one spelling: the Unicode and the ASCII form of a domain are the same.
    assert_eq!(register("Fan@例子.中国").await.unwrap(), "fan@xn--fsqu00a.xn--fiqs8s");
    assert_eq!(register("fan@XN--FSQU00A.xn--fiqs8s").await.unwrap(), "fan@xn--fsqu00a.xn--fiqs8s");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, 1, "the second is the same account");
    let to: Vec<String> = sqlx::query_scalar("SELECT recipient FROM outbox ORDER BY id").fetch_all(&app.state.db.pool).await.unwrap();
    assert_eq!(to, ["fan@xn--fsqu00a.xn--fiqs8s", "fan@xn--fsqu00a.xn--fiqs8s"]);
}

async fn opening_the_confirmation_link_changes_nothing_until_the_button_is_pressed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let _: String = app
        .browser()
        .call("register", &[("email", "scan@example.com"), ("display_name", "Scan"), ("password", "password123"), ("city", "深圳")])
        .await
        .unwrap();
    let token = app.latest_token("scan@example.com").await;
    let verified = || app.scalar("SELECT COUNT(*) FROM users WHERE email_verified_at IS NOT NULL");
    // A mail scanner (or the fan) opens the link, twice.
    for _ in 0..2 {
        let (status, page) = app.browser().page(&format!("/verify?token={token}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("action=\"/api/verify_email\"") && page.contains(&format!("value=\"{token}\"")), "a form posts the token");
        assert!(page.contains("Confirm my email"));
    }
    assert_eq!(verified().await, 0, "opening the page uses nothing up");
    // Pressing the button without JavaScript: a plain form post, then the confirmation.
    let response = post_form(&app, "verify_email", &[("token", &token)]).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()["location"], tongcheng::accounts::VERIFIED_PATH);
    assert_eq!(verified().await, 1);
    let (_, page) = app.browser().page(tongcheng::accounts::VERIFIED_PATH).await;
    assert!(page.contains("Email confirmed"));
}

async fn using_a_reset_link_voids_the_older_ones(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.fan("twice@example.com", "杭州").await;
    let browser = app.browser();
    let _: () = browser.call("request_password_reset", &[("email", "twice@example.com")]).await.unwrap();
    let first = app.latest_token("twice@example.com").await;
    let _: () = browser.call("request_password_reset", &[("email", "twice@example.com")]).await.unwrap();
    let second = app.latest_token("twice@example.com").await;
    assert_ne!(first, second);
    let _: () = browser.call("reset_password", &[("token", &second), ("password", "new-password-1")]).await.unwrap();
    let old: Result<(), _> = browser.call("reset_password", &[("token", &first), ("password", "new-password-2")]).await;
    assert_eq!(old.unwrap_err().1, AppError::InvalidLink, "the older link died with the reset");
    browser.login("twice@example.com", "new-password-1").await;
}

/// The logged-in session: its id, its record (JSON text: the session id is a 128-bit
/// number, too large for `serde_json::Value`) and when it expires.
async fn user_session(app: &TestApp) -> (String, String, i64) {
    let rows: Vec<(String, String, i64)> = sqlx::query_as("SELECT id, data, expires_at FROM sessions").fetch_all(&app.state.db.pool).await.unwrap();
    let mut logged_in = rows.into_iter().filter(|(_, data, _)| data.contains("\"user_id\":"));
    let session = logged_in.next().expect("a logged-in session");
    assert!(logged_in.next().is_none(), "one logged-in session");
    session
}

/// The number stored under `key` in a session record.
fn number(record: &str, key: &str) -> (usize, usize, i64) {
    let start = record.find(&format!("\"{key}\":")).expect(key) + key.len() + 3;
    let end = start + record[start..].find(|c: char| !c.is_ascii_digit()).unwrap_or(record.len() - start);
    (start, end, record[start..end].parse().expect("a number"))
}

/// Moves a session's clocks, as if time had passed.
async fn set_clocks(app: &TestApp, logged_in_at: i64, last_seen: i64) {
    let (id, mut record, expires_at) = user_session(app).await;
    for (key, value) in [("logged_in_at", logged_in_at), ("last_seen", last_seen)] {
        let (start, end, _) = number(&record, key);
        record.replace_range(start..end, &value.to_string());
    }
    let mut tx = app.state.db.begin_write().await.unwrap();
    sqlx::query("UPDATE sessions SET data = $1, expires_at = $2 WHERE id = $3")
        .bind(record)
        .bind(expires_at.min(now() + 60))
        .bind(id)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn a_used_session_is_renewed_and_an_idle_one_ends(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("SESSION_IDLE_DAYS", "7"), ("SESSION_MAX_DAYS", "30")]).await;
    let browser = app.fan("idle@example.com", "成都").await;
    let (_, _, at_login) = user_session(&app).await;
    assert!((at_login - (now() + 7 * DAY)).abs() < 60, "a log-in lasts the idle time");
    // Last used an hour ago; the stored expiry is a minute away.
    set_clocks(&app, now() - 3600, now() - 3600).await;
    assert!(browser.current_user().await.is_some());
    let (_, record, expires_at) = user_session(&app).await;
    assert!(expires_at > now() + 7 * DAY - 60, "using the session saved it again with a later expiry");
    assert!(number(&record, "last_seen").2 >= now() - 5);
    // Unused for longer than the idle time: logged out.
    set_clocks(&app, now() - 9 * DAY, now() - 8 * DAY).await;
    assert!(browser.current_user().await.is_none());
}

async fn sessions_end_after_the_absolute_limit_however_active(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("SESSION_IDLE_DAYS", "7"), ("SESSION_MAX_DAYS", "30")]).await;
    let browser = app.fan("busy@example.com", "重庆").await;
    // Logged in 29 days ago and used all along: renewing stops at the 30-day cap.
    set_clocks(&app, now() - 29 * DAY, now() - 600).await;
    assert!(browser.current_user().await.is_some());
    let (_, _, expires_at) = user_session(&app).await;
    assert!((expires_at - (now() + DAY)).abs() < 60, "capped at 30 days from log-in, not 7 days from now");
    set_clocks(&app, now() - 30 * DAY - 1, now() - 60).await;
    assert!(browser.current_user().await.is_none(), "30 days after log-in the session ends");
}

async fn sessions_are_written_through_the_single_writer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    if backend == Backend::Sqlite {
        let write = sqlx::query("DELETE FROM settings").execute(&app.state.db.pool).await;
        assert!(write.is_err(), "SQLite's read connections refuse writes");
    }
    // Registering, logging in and out all write sessions.
    let browser = app.fan("writer@example.com", "武汉").await;
    assert!(browser.current_user().await.is_some());
    let _: () = browser.call("logout", &[]).await.unwrap();
    assert!(browser.current_user().await.is_none());
    assert_eq!(app.scalar("SELECT COUNT(*) FROM sessions WHERE data LIKE '%user_id%'").await, 0);
}

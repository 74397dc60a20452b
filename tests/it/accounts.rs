//! Fan accounts end to end over HTTP, on SQLite and on PostgreSQL.
use crate::common;

use common::{Backend, TestApp};
use reqwest::StatusCode;
use tongcheng::error::AppError;

on_both_databases!(
    registration_validates_every_field_and_saves_nothing,
    registration_verification_and_login,
    duplicate_registration_reveals_nothing,
    login_refuses_wrong_password_and_refreshes_session_id,
    sessions_survive_a_restart_and_are_shared,
    password_reset_is_single_use_and_ends_old_sessions,
    reset_request_for_unknown_address_looks_the_same,
    profile_changes_move_city_counts,
    deleting_an_account_moves_city_counts,
    deleting_an_account_needs_the_box_ticked,
    staff_pages_refuse_fans_and_visitors,
    cross_site_posts_are_refused,
    login_attempts_are_rate_limited,
    pages_render_on_the_server,
);

fn invalid(result: Result<String, (StatusCode, AppError)>) -> AppError {
    let (status, error) = result.expect_err("should be refused");
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "user mistakes are 422, never 500");
    error
}

async fn registration_validates_every_field_and_saves_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = app.browser();
    let long_name = "名".repeat(41);
    let cases: [(&str, &str, &str, &str, &str); 6] = [
        ("not-an-email", "Li", "password123", "深圳", "email"),
        ("li@example.com", "", "password123", "深圳", "display_name"),
        ("li@example.com", &long_name, "password123", "深圳", "display_name"),
        ("li@example.com", "Li", "short", "深圳", "password"),
        ("li@example.com", "Li", "password123", "Atlantis", "city"),
        ("li@example.com", "Li", "password123", "", "city"),
    ];
    for (email, name, password, city, field) in cases {
        let error = invalid(
            browser.call("register", &[("email", email), ("display_name", name), ("password", password), ("city", city)]).await,
        );
        assert!(error.field_message(field).is_some(), "{field} should have a message: {error:?}");
    }
    // Every mistake at once gets a message for each field.
    let error = invalid(browser.call("register", &[("email", "x"), ("display_name", ""), ("password", "1"), ("city", "?")]).await);
    for field in ["email", "display_name", "password", "city"] {
        assert!(error.field_message(field).is_some(), "{field}");
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, 0, "nothing half-saved");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM outbox").await, 0);
}

async fn registration_verification_and_login(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let before = app.verified_fans("深圳").await;
    let browser = app.browser();
    let email: String = browser
        .call("register", &[("email", " Li.Lei@Example.com "), ("display_name", "李雷"), ("password", "password123"), ("city", "shenzhen")])
        .await
        .expect("register");
    assert_eq!(email, "li.lei@example.com");
    assert_eq!(app.verified_fans("深圳").await, before, "unverified fans do not count");
    // Registering the same address again from the same browser says so, beside the field.
    let again = invalid(
        browser.call("register", &[("email", "li.lei@example.com"), ("display_name", "李雷"), ("password", "password123"), ("city", "深圳")]).await,
    );
    assert!(again.field_message("email").unwrap().contains("just registered"));

    let token = app.latest_token("li.lei@example.com").await;
    let name: String = browser.call("verify_email", &[("token", &token)]).await.expect("verify");
    assert_eq!(name, "李雷");
    assert_eq!(app.verified_fans("深圳").await, before + 1);
    let reused: Result<String, _> = browser.call("verify_email", &[("token", &token)]).await;
    assert_eq!(reused.unwrap_err().1, AppError::InvalidLink, "links are single-use");

    browser.login("LI.LEI@example.com", "password123").await;
    let user = browser.current_user().await.expect("logged in");
    assert_eq!(user.display_name, "李雷");
    assert_eq!(user.home_city.name_en, "Shenzhen");
    assert!(user.email_verified);
    let _: () = browser.call("logout", &[]).await.expect("logout");
    assert!(browser.current_user().await.is_none());
    app.assert_counts_match_recount().await;
}

async fn duplicate_registration_reveals_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.fan("taken@example.com", "北京").await;
    let stranger = app.browser();
    let answer: String = stranger
        .call("register", &[("email", "taken@example.com"), ("display_name", "Other"), ("password", "password456"), ("city", "上海")])
        .await
        .expect("same answer as a new registration");
    assert_eq!(answer, "taken@example.com");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, 1);
    let subject: String = sqlx::query_scalar("SELECT subject FROM outbox WHERE recipient = 'taken@example.com' ORDER BY id DESC LIMIT 1")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(subject, "You already have a Tongcheng account", "the owner is told instead");
    // The original password still works, the attempted one does not.
    let check = app.browser();
    check.login("taken@example.com", "password123").await;
    let wrong: Result<(), _> = app.browser().call("login", &[("email", "taken@example.com"), ("password", "password456")]).await;
    assert!(wrong.is_err());
}

async fn login_refuses_wrong_password_and_refreshes_session_id(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.fan("fan@example.com", "广州").await;
    let browser = app.browser();
    let wrong: Result<(), _> = browser.call("login", &[("email", "fan@example.com"), ("password", "nope-nope")]).await;
    let (status, error) = wrong.unwrap_err();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.field_message("password").is_some());
    let unknown: Result<(), _> = browser.call("login", &[("email", "nobody@example.com"), ("password", "nope-nope")]).await;
    assert_eq!(unknown.unwrap_err().1, error, "unknown email and wrong password look the same");

    // A session started before log-in (e.g. planted by an attacker) is not the one after.
    let _: String = browser
        .call("register", &[("email", "fan@example.com"), ("display_name", "x"), ("password", "password123"), ("city", "广州")])
        .await
        .unwrap();
    let before: Vec<String> = sqlx::query_scalar("SELECT id FROM sessions").fetch_all(&app.state.db.pool).await.unwrap();
    browser.login("fan@example.com", "password123").await;
    let after: Vec<String> = sqlx::query_scalar("SELECT id FROM sessions").fetch_all(&app.state.db.pool).await.unwrap();
    let new_ids: Vec<&String> = after.iter().filter(|id| !before.contains(id)).collect();
    assert_eq!(new_ids.len(), 1, "log-in issues a fresh session id");
    assert!(after.len() <= before.len(), "the pre-login session id is gone");
}

async fn sessions_survive_a_restart_and_are_shared(backend: Backend) {
    let first = TestApp::spawn(backend).await;
    let browser = first.fan("stay@example.com", "成都").await;
    let second = TestApp::spawn_on(first.database.clone(), &[]).await;
    let cookie_jar_browser = common::Browser { base: second.base.clone(), client: browser.client.clone() };
    // Cookies are scoped to the host, which is the same (127.0.0.1) on another port.
    let user = cookie_jar_browser.current_user().await.expect("the session works on another process");
    assert_eq!(user.email, "stay@example.com");
}

async fn password_reset_is_single_use_and_ends_old_sessions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let old_session = app.fan("forgot@example.com", "杭州").await;
    let browser = app.browser();
    let _: () = browser.call("request_password_reset", &[("email", "Forgot@Example.com")]).await.unwrap();
    let token = app.latest_token("forgot@example.com").await;
    let short: Result<(), _> = browser.call("reset_password", &[("token", &token), ("password", "short")]).await;
    assert!(short.unwrap_err().1.field_message("password").is_some());
    let _: () = browser.call("reset_password", &[("token", &token), ("password", "brand-new-password")]).await.unwrap();
    let again: Result<(), _> = browser.call("reset_password", &[("token", &token), ("password", "another-password")]).await;
    assert_eq!(again.unwrap_err().1, AppError::InvalidLink);
    assert!(old_session.current_user().await.is_none(), "sessions from before the reset end");
    let wrong: Result<(), _> = browser.call("login", &[("email", "forgot@example.com"), ("password", "password123")]).await;
    assert!(wrong.is_err());
    browser.login("forgot@example.com", "brand-new-password").await;
    assert!(browser.current_user().await.is_some());
}

async fn reset_request_for_unknown_address_looks_the_same(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = app.browser();
    let unknown: Result<(), _> = browser.call("request_password_reset", &[("email", "ghost@example.com")]).await;
    assert!(unknown.is_ok());
    assert_eq!(app.scalar("SELECT COUNT(*) FROM outbox").await, 0);
    let malformed: Result<(), _> = browser.call("request_password_reset", &[("email", "ghost")]).await;
    assert!(malformed.unwrap_err().1.field_message("email").is_some());
}

async fn profile_changes_move_city_counts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = app.fan("mover@example.com", "深圳").await;
    let (shenzhen, wuhan) = (app.verified_fans("深圳").await, app.verified_fans("武汉").await);
    let label: String = browser.call("change_home_city", &[("city", "wuhan")]).await.unwrap();
    assert!(label.starts_with("武汉 Wuhan"));
    assert_eq!(app.verified_fans("深圳").await, shenzhen - 1);
    assert_eq!(app.verified_fans("武汉").await, wuhan + 1);
    let unknown: Result<String, _> = browser.call("change_home_city", &[("city", "Gotham")]).await;
    assert!(unknown.unwrap_err().1.field_message("city").is_some());

    let name: String = browser.call("update_display_name", &[("display_name", "  新名字 ")]).await.unwrap();
    assert_eq!(name, "新名字");
    let user = browser.current_user().await.unwrap();
    assert_eq!((user.display_name.as_str(), user.home_city.name_zh.as_str()), ("新名字", "武汉"));
    let empty: Result<String, _> = browser.call("update_display_name", &[("display_name", " ")]).await;
    assert!(empty.unwrap_err().1.field_message("display_name").is_some());
    let anonymous: Result<String, _> = app.browser().call("update_display_name", &[("display_name", "x")]).await;
    assert_eq!(anonymous.unwrap_err(), (StatusCode::UNAUTHORIZED, AppError::Unauthorized));
    app.assert_counts_match_recount().await;
}

async fn deleting_an_account_moves_city_counts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = app.fan("leaving@example.com", "南京").await;
    let before = app.verified_fans("南京").await;
    let wrong: Result<(), _> = browser.call("delete_account", &[("password", "not-my-password"), ("confirm", "on")]).await;
    assert!(wrong.unwrap_err().1.field_message("delete_password").is_some());
    let _: () = browser.call("delete_account", &[("password", "password123"), ("confirm", "on")]).await.unwrap();
    assert_eq!(app.verified_fans("南京").await, before - 1);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, 0);
    assert!(browser.current_user().await.is_none());
    app.assert_counts_match_recount().await;
}

async fn deleting_an_account_needs_the_box_ticked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = app.fan("sure@example.com", "南京").await;
    let form = [("password", "password123")];
    common::confirm::assert_refused_unticked(&app, &browser, "/account", "confirm-delete-account", "delete_account", &form).await;
    // Both mistakes at once, and nothing deleted.
    let (_, error) = browser.call::<()>("delete_account", &[("password", "")]).await.expect_err("refused");
    assert!(error.field_message("delete_password").is_some() && error.field_message("confirm").is_some(), "{error:?}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, 1, "the account stays");
    assert!(browser.current_user().await.is_some(), "still logged in");
    let _: () = browser.call("delete_account", &[("password", "password123"), ("confirm", "on")]).await.expect("deleted");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, 0);
}

async fn staff_pages_refuse_fans_and_visitors(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fan = app.fan("fan@example.com", "西安").await;
    let refused: Result<serde_json::Value, _> = fan.call("moderation_queue", &[]).await;
    assert_eq!(refused.unwrap_err(), (StatusCode::FORBIDDEN, AppError::Forbidden));
    let anonymous: Result<serde_json::Value, _> = app.browser().call("mailbox_message", &[("id", "1")]).await;
    assert_eq!(anonymous.unwrap_err(), (StatusCode::UNAUTHORIZED, AppError::Unauthorized));

    tongcheng::server::seed::create_staff(&app.state.db, "boss@example.com", "Boss", Some("staff-password"), "北京", tongcheng::accounts::Role::Staff, tongcheng::i18n::Locale::en)
        .await
        .unwrap();
    let staff = app.browser();
    staff.login("boss@example.com", "staff-password").await;
    let mail: Vec<serde_json::Value> = staff.call("mailbox", &[("recipient", "fan@example.com")]).await.unwrap();
    assert_eq!(mail.len(), 2, "the fan's confirmation email, and the early-fan badge (the city's first fan)");
    let (_, page) = staff.page("/mailbox").await;
    assert!(page.contains("Confirm your email for Tongcheng"));
    let (_, fan_page) = fan.page("/staff/moderation").await;
    assert!(fan_page.contains("You are not allowed to do that."));
    // Without SMTP, fans see their own mail only.
    let other = app.fan("other@example.com", "西安").await;
    let (_, other_page) = other.page("/mailbox").await;
    assert!(other_page.contains("Confirm your email for Tongcheng") && other_page.contains("other@example.com"), "their own confirmation");
    assert!(!other_page.contains("fan@example.com"), "not the first fan's");
    let theirs: Vec<serde_json::Value> = other.call("mailbox", &[("recipient", "fan@example.com")]).await.unwrap();
    assert!(theirs.iter().all(|m| m["recipient"] == "other@example.com"));
}

async fn cross_site_posts_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = app.fan("victim@example.com", "天津").await;
    let response = browser
        .client
        .post(format!("{}/api/update_display_name", app.base))
        .header("Origin", "https://evil.example")
        .form(&[("display_name", "pwned")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(browser.current_user().await.unwrap().display_name, "Fan");
    let same_site = browser
        .client
        .post(format!("{}/api/update_display_name", app.base))
        .header("Origin", &app.base)
        .form(&[("display_name", "Mine")])
        .send()
        .await
        .unwrap();
    assert!(same_site.status().is_success());
}

async fn login_attempts_are_rate_limited(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("AUTH_ATTEMPTS_PER_MINUTE", "5")]).await;
    let browser = app.browser();
    let mut statuses = Vec::new();
    for _ in 0..7 {
        let result: Result<(), _> = browser.call("login", &[("email", "target@example.com"), ("password", "guess-guess")]).await;
        statuses.push(result.unwrap_err().0);
    }
    assert_eq!(&statuses[..5], &[StatusCode::UNPROCESSABLE_ENTITY; 5]);
    assert_eq!(&statuses[5..], &[StatusCode::TOO_MANY_REQUESTS; 2]);
}

async fn pages_render_on_the_server(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = app.fan("page@example.com", "重庆").await;
    let (status, home) = browser.page("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("你好, Fan"), "server-rendered greeting");
    assert!(home.contains("重庆 Chongqing"));
    let (_, register) = app.browser().page("/register").await;
    assert!(register.contains("name=\"city\"") && register.contains("深圳 Shenzhen · Guangdong"), "picker options without JS");
    let (status, _) = app.browser().page("/no-such-page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.browser().page("/account").await;
    assert_eq!(status, StatusCode::FOUND, "anonymous visitors are sent to log in");
}

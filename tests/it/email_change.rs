//! Changing the email address while logged in (issue 16): a link to the new address, a
//! notice to the old one, the old address in use until the link is used, one account
//! per address, and a limit on requests. On both databases.
use crate::common;

use common::{token_in, Backend, Browser, TestApp};
use reqwest::StatusCode;
use tongcheng::error::AppError;

on_both_databases!(
    the_new_address_is_used_once_its_link_is_opened,
    an_address_taken_meanwhile_is_refused_with_a_message,
    a_newer_request_voids_the_older_link_and_requests_are_limited,
    an_unconfirmed_fan_fixes_a_mistyped_address,
);

async fn request(fan: &Browser, new_email: &str, password: &str) -> Result<String, (StatusCode, AppError)> {
    fan.call("request_email_change", &[("new_email", new_email), ("password", password)]).await
}

async fn confirm(browser: &Browser, token: &str) -> Result<String, (StatusCode, AppError)> {
    browser.call("confirm_email_change", &[("token", token)]).await
}

async fn can_log_in(app: &TestApp, email: &str) -> bool {
    app.browser().call::<()>("login", &[("email", email), ("password", "password123")]).await.is_ok()
}

/// The newest message to `to`: (kind, text).
async fn last_mail(app: &TestApp, to: &str) -> (String, String) {
    sqlx::query_as("SELECT kind, body_text FROM outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1")
        .bind(to)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("a message to that address")
}

async fn the_new_address_is_used_once_its_link_is_opened(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fan = app.fan("old@example.com", "深圳").await;
    let wrong = request(&fan, "new@example.com", "not-my-password").await.unwrap_err();
    assert!(wrong.1.field_message("password").is_some(), "{wrong:?}");
    let same = request(&fan, "OLD@example.com", "password123").await.unwrap_err();
    assert_eq!(same.1.field_message("new_email").as_deref(), Some("That is already your address."));
    let malformed = request(&fan, "new-at-example.com", "password123").await.unwrap_err();
    assert!(malformed.1.field_message("new_email").is_some());
    assert_eq!(app.scalar("SELECT COUNT(*) FROM outbox WHERE kind LIKE 'email_change%'").await, 0, "mistakes mail nobody");

    let sent = request(&fan, " New@Example.com ", "password123").await.expect("request");
    assert_eq!(sent, "new@example.com");
    let token = app.latest_token("new@example.com").await;
    let (kind, notice) = last_mail(&app, "old@example.com").await;
    assert_eq!(kind, "email_change_notice");
    assert!(notice.contains("new@example.com") && token_in(&notice).is_none(), "the old address is told, without the link: {notice}");

    // Until the link is used, the old address is the account's.
    let user = fan.current_user().await.unwrap();
    assert_eq!((user.email.as_str(), user.pending_email.as_deref()), ("old@example.com", Some("new@example.com")));
    let (status, page) = fan.page("/account").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("data-testid=\"pending-email\"") && page.contains("new@example.com"), "the account page shows the change waiting");
    assert!(can_log_in(&app, "old@example.com").await && !can_log_in(&app, "new@example.com").await);

    // Opening the link changes nothing; its button does, from any browser.
    let elsewhere = app.browser();
    let (status, page) = elsewhere.page(&format!("/confirm-email?token={token}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!("value=\"{token}\"")), "the page's button posts the link's secret");
    assert_eq!(fan.current_user().await.unwrap().email, "old@example.com");
    assert_eq!(confirm(&elsewhere, &token).await.expect("confirm"), "new@example.com");

    let user = fan.current_user().await.expect("still logged in");
    assert_eq!((user.email.as_str(), user.pending_email), ("new@example.com", None));
    assert!(can_log_in(&app, "new@example.com").await && !can_log_in(&app, "old@example.com").await);
    assert_eq!(confirm(&elsewhere, &token).await.unwrap_err().1, AppError::InvalidLink, "the link works once");
    app.assert_counts_match_recount().await;
}

async fn an_address_taken_meanwhile_is_refused_with_a_message(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fan = app.fan("mover@example.com", "武汉").await;
    request(&fan, "wanted@example.com", "password123").await.expect("request");
    let token = app.latest_token("wanted@example.com").await;
    // Someone registers the address before the link is used.
    app.fan("wanted@example.com", "武汉").await;
    let taken = confirm(&app.browser(), &token).await.unwrap_err();
    assert_eq!(taken.0, StatusCode::UNPROCESSABLE_ENTITY);
    let message = taken.1.field_message("new_email").expect("a message");
    assert!(message.contains("another account"), "{message}");
    assert_eq!(fan.current_user().await.unwrap().email, "mover@example.com", "nothing changed");

    // Asking for an address that has an account answers the same, and mails it a note,
    // not a link (the form does not tell who is registered).
    let answer = request(&fan, "wanted@example.com", "password123").await.expect("same answer");
    assert_eq!(answer, "wanted@example.com");
    let (kind, note) = last_mail(&app, "wanted@example.com").await;
    assert_eq!(kind, "email_change_taken");
    assert!(token_in(&note).is_none(), "{note}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users WHERE email = 'wanted@example.com'").await, 1);
}

async fn a_newer_request_voids_the_older_link_and_requests_are_limited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fan = app.fan("busy-mover@example.com", "成都").await;
    request(&fan, "first@example.com", "password123").await.unwrap();
    let first = app.latest_token("first@example.com").await;
    request(&fan, "second@example.com", "password123").await.unwrap();
    let second = app.latest_token("second@example.com").await;
    assert_eq!(fan.current_user().await.unwrap().pending_email.as_deref(), Some("second@example.com"));
    assert_eq!(confirm(&fan, &first).await.unwrap_err().1, AppError::InvalidLink, "replaced by the newer request");
    assert_eq!(confirm(&fan, &second).await.unwrap(), "second@example.com");

    // Five requests an hour per account: each one mails two addresses. Mistakes mail
    // nobody and do not count.
    assert!(request(&fan, "more-3@example.com", "wrong-password").await.is_err());
    for n in 3..=5 {
        request(&fan, &format!("more-{n}@example.com"), "password123").await.expect("within the limit");
    }
    let limited = request(&fan, "sixth@example.com", "password123").await.unwrap_err();
    assert_eq!(limited, (StatusCode::TOO_MANY_REQUESTS, AppError::RateLimited));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM outbox WHERE recipient = 'sixth@example.com'").await, 0);
}

async fn an_unconfirmed_fan_fixes_a_mistyped_address(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = app.browser();
    let _: String = browser
        .call("register", &[("email", "typo@exmaple.com"), ("display_name", "Typo"), ("password", "password123"), ("city", "南京")])
        .await
        .unwrap();
    browser.login("typo@exmaple.com", "password123").await;
    let before = app.verified_fans("南京").await;
    request(&browser, "right@example.com", "password123").await.unwrap();
    confirm(&browser, &app.latest_token("right@example.com").await).await.unwrap();
    let user = browser.current_user().await.unwrap();
    assert!(user.email_verified, "the link proved the new address");
    assert_eq!(app.verified_fans("南京").await, before + 1);
    app.assert_counts_match_recount().await;
}

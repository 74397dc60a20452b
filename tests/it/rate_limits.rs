//! Rate limits are counted in the database: every app process sees the same counts, and
//! behind a trusted reverse proxy each client is counted by its forwarded address.
use crate::common;

use common::{Backend, Browser, TestApp};
use reqwest::StatusCode;

on_both_databases!(
    two_processes_share_one_allowance,
    behind_a_trusted_proxy_clients_are_told_apart_and_otherwise_the_header_is_ignored,
);

/// One wrong password for `email`, optionally through a proxy naming the client.
async fn guess(browser: &Browser, email: &str, forwarded_for: Option<&str>) -> StatusCode {
    let mut request = browser.client.post(format!("{}/api/login", browser.base)).header("accept", "application/json");
    if let Some(address) = forwarded_for {
        request = request.header("x-forwarded-for", address);
    }
    request.form(&[("email", email), ("password", "guess-guess")]).send().await.expect("login").status()
}

async fn two_processes_share_one_allowance(backend: Backend) {
    let first = TestApp::spawn_with(backend, &[("AUTH_ATTEMPTS_PER_MINUTE", "6")]).await;
    let second = TestApp::spawn_on(first.database.clone(), &[("AUTH_ATTEMPTS_PER_MINUTE", "6")]).await;
    let (a, b) = (first.browser(), second.browser());
    let mut statuses = Vec::new();
    for round in 0..4 {
        statuses.push(guess(if round % 2 == 0 { &a } else { &b }, "target@example.com", None).await);
        statuses.push(guess(if round % 2 == 0 { &b } else { &a }, "target@example.com", None).await);
    }
    assert_eq!(&statuses[..6], &[StatusCode::UNPROCESSABLE_ENTITY; 6], "six guesses in all, wherever they land");
    assert_eq!(&statuses[6..], &[StatusCode::TOO_MANY_REQUESTS; 2], "then both processes refuse");
}

async fn behind_a_trusted_proxy_clients_are_told_apart_and_otherwise_the_header_is_ignored(backend: Backend) {
    let proxied = TestApp::spawn_with(backend, &[("AUTH_ATTEMPTS_PER_MINUTE", "3"), ("TRUSTED_PROXIES", "127.0.0.1")]).await;
    let browser = proxied.browser();
    // Each client guesses its own account, so only the address decides.
    let mut statuses = Vec::new();
    for client in 1..=4 {
        for _ in 0..3 {
            let (email, address) = (format!("target{client}@example.com"), format!("198.51.100.{client}"));
            statuses.push(guess(&browser, &email, Some(&address)).await);
        }
    }
    assert!(!statuses.contains(&StatusCode::TOO_MANY_REQUESTS), "three guesses per client address: {statuses:?}");

    let direct = TestApp::spawn_with(backend, &[("AUTH_ATTEMPTS_PER_MINUTE", "3")]).await;
    let browser = direct.browser();
    let mut statuses = Vec::new();
    for client in 1..=4 {
        let (email, address) = (format!("target{client}@example.com"), format!("198.51.100.{client}"));
        statuses.push(guess(&browser, &email, Some(&address)).await);
    }
    assert_eq!(statuses[3], StatusCode::TOO_MANY_REQUESTS, "without a trusted proxy a forged header buys nothing: {statuses:?}");
}

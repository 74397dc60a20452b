//! HTTP-level protections (issue 10): CSRF behind a proxy, security headers with the
//! page's script nonce, and the request body limit.
use crate::common;

use common::{Backend, TestApp};
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tongcheng::error::AppError;
use tongcheng::infra::body_limit::MAX_BODY_BYTES;

on_both_databases!(
    behind_a_proxy_the_public_origin_is_what_counts,
    pages_carry_a_content_security_policy_with_their_nonce,
    oversized_bodies_are_refused_with_413,
    a_nul_character_is_refused_beside_its_field,
);

async fn behind_a_proxy_the_public_origin_is_what_counts(backend: Backend) {
    // The proxy serves http://meetups.example.com and forwards to the app's own address.
    let app = TestApp::spawn_with(backend, &[("PUBLIC_URL", "http://meetups.example.com")]).await;
    let browser = app.fan("proxied@example.com", "天津").await;
    let post = |origin: &str, name: &str| {
        browser
            .client
            .post(format!("{}/api/update_display_name", app.base))
            .header("Origin", origin)
            .header("Sec-Fetch-Site", "same-origin")
            .form(&[("display_name", name)])
            .send()
    };
    let from_the_site = post("http://meetups.example.com", "Mine").await.unwrap();
    assert!(from_the_site.status().is_success(), "a form from the public site passes, whatever Host the proxy sends");
    assert_eq!(browser.current_user().await.unwrap().display_name, "Mine");
    let by_host = post(&app.base, "Host match").await.unwrap();
    assert_eq!(by_host.status(), StatusCode::FORBIDDEN, "an origin equal to Host is not the site");
    let other = post("http://evil.example", "pwned").await.unwrap();
    assert_eq!(other.status(), StatusCode::FORBIDDEN);
    assert_eq!(browser.current_user().await.unwrap().display_name, "Mine");
}

fn attribute_values<'a>(html: &'a str, tag: &str, attribute: &str) -> Vec<Option<&'a str>> {
    html.match_indices(&format!("<{tag}"))
        .map(|(at, _)| {
            let open = &html[at..at + html[at..].find('>').unwrap_or(0)];
            open.find(&format!(" {attribute}=\"")).map(|start| {
                let value = &open[start + attribute.len() + 3..];
                &value[..value.find('"').unwrap_or(0)]
            })
        })
        .collect()
}

async fn pages_carry_a_content_security_policy_with_their_nonce(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = app.fan("csp@example.com", "大连").await;
    let mut nonces = Vec::new();
    for path in ["/", "/account", "/no-such-page"] {
        let response = browser.client.get(format!("{}{path}", app.base)).header("Accept", "text/html").send().await.unwrap();
        let headers = response.headers().clone();
        // leptos_i18n leaves an empty placeholder script, which runs nothing.
        let html = response.text().await.unwrap().replace("<script></script>", "");
        let policy = headers["content-security-policy"].to_str().unwrap().to_string();
        assert!(policy.contains("frame-ancestors 'none'") && policy.contains("'wasm-unsafe-eval'") && !policy.contains("unsafe-inline"), "{policy}");
        let nonce = policy.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce").to_string();
        let scripts = attribute_values(&html, "script", "nonce");
        assert!(!scripts.is_empty(), "{path}: the hydration scripts");
        assert!(scripts.iter().all(|n| *n == Some(nonce.as_str())), "{path}: every script carries the nonce: {scripts:?}");
        assert_eq!(headers["x-frame-options"], "DENY");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["referrer-policy"], "same-origin");
        nonces.push(nonce);
    }
    nonces.dedup();
    assert_eq!(nonces.len(), 3, "a fresh nonce for every page");
    let api = browser.client.post(format!("{}/api/get_current_user", app.base)).send().await.unwrap();
    assert!(api.headers()["content-security-policy"].to_str().unwrap().starts_with("default-src 'none'"));
    assert_eq!(api.headers()["x-content-type-options"], "nosniff");
}

/// Sends a chunked request (no Content-Length) by hand; returns the status code.
async fn chunked_post(app: &TestApp, path: &str, body: &[u8]) -> u16 {
    let mut stream = tokio::net::TcpStream::connect(app.base.trim_start_matches("http://")).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        app.base.trim_start_matches("http://")
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.chunks(8192) {
        // The server may answer and close before reading everything.
        if stream.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).await.is_err()
            || stream.write_all(chunk).await.is_err()
            || stream.write_all(b"\r\n").await.is_err()
        {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    answer.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or_else(|| panic!("no status in {answer:?}"))
}

async fn oversized_bodies_are_refused_with_413(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = app.fan("big@example.com", "青岛").await;
    let huge = "x".repeat(MAX_BODY_BYTES + 1);
    let refused: Result<(), _> = app.browser().call("login", &[("email", "big@example.com"), ("password", &huge)]).await;
    assert_eq!(refused.unwrap_err(), (StatusCode::PAYLOAD_TOO_LARGE, AppError::TooLarge), "a clear 413, before argon2");
    let refused: Result<String, _> = browser.call("update_display_name", &[("display_name", &huge)]).await;
    assert_eq!(refused.unwrap_err().0, StatusCode::PAYLOAD_TOO_LARGE);
    let body = format!("display_name={huge}");
    assert_eq!(chunked_post(&app, "/api/update_display_name", body.as_bytes()).await, 413, "also without a declared length");
    // A long form that fits still reaches the server function (and gets its field message).
    let long = "名".repeat(5000);
    let fits: Result<String, _> = browser.call("update_display_name", &[("display_name", &long)]).await;
    assert!(fits.unwrap_err().1.field_message("display_name").is_some());
}

/// PostgreSQL cannot store NUL (found by tests/fuzz_http.rs: a ticket code of "\0" was a
/// 500 there): refused beside the field on both databases, before any function runs.
async fn a_nul_character_is_refused_beside_its_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = common::staff_browser(&app).await;
    let refused: Result<String, _> = staff.call("check_in", &[("code", "\0")]).await;
    let (status, error) = refused.unwrap_err();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.field_message("code").is_some_and(|m| m.contains("NUL")), "{error:?}");
    let fan = app.fan("nul@example.com", "青岛").await;
    let refused: Result<String, _> = fan.call("update_display_name", &[("display_name", "Fan\0")]).await;
    assert!(refused.unwrap_err().1.field_message("display_name").is_some());
    let name = app.text("SELECT display_name FROM users WHERE email = 'nul@example.com'").await;
    assert_eq!(name, "Fan", "nothing stored");
}

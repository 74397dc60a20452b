//! Chinese first: the page language follows the visitor's choice, then their browser,
//! then defaults to zh-CN; the choice is kept in a cookie and on the account (emails).
mod common;

use common::{Backend, TestApp};
use reqwest::StatusCode;
use tongcheng::error::AppError;

on_both_databases!(
    pages_follow_the_browser_and_default_to_chinese,
    the_switch_is_remembered_in_a_cookie_and_on_the_account,
    logging_in_brings_back_the_account_language,
    registration_keeps_the_page_language,
    field_messages_come_in_both_languages,
);

fn html_lang(html: &str) -> &str {
    let start = html.find("<html").expect("an html element");
    let tag = &html[start..start + html[start..].find('>').expect("end of tag")];
    let lang = tag.find("lang=\"").map(|i| &tag[i + 6..]).expect("a lang attribute");
    &lang[..lang.find('"').unwrap_or(0)]
}

async fn pages_follow_the_browser_and_default_to_chinese(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (accept, lang, join) in [("", "zh-CN", "加入"), ("zh-CN,zh;q=0.9", "zh-CN", "加入"), ("en-US,en;q=0.9", "en", "Join"), ("fr-FR", "zh-CN", "加入")] {
        let (status, html) = app.browser_in(accept).page("/").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(html_lang(&html), lang, "Accept-Language {accept:?}");
        assert!(html.contains(&format!(">{join}<")), "Accept-Language {accept:?}: the nav is in {lang}");
    }
    let (status, html) = app.browser_in("").page("/no-such-page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("页面不存在"), "the 404 page is in Chinese too");
}

async fn the_switch_is_remembered_in_a_cookie_and_on_the_account(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fan = app.fan("fan@example.com", "深圳").await;
    let locale = || app.text("SELECT locale FROM users WHERE email = 'fan@example.com'");
    assert_eq!(locale().await, "en", "registered from an English browser");

    let switch = fan.client.get(format!("{}/lang?to=zh-CN&next=/meetups%3Fpage%3D2", app.base)).send().await.expect("switch");
    assert_eq!(switch.status(), StatusCode::SEE_OTHER);
    assert_eq!(switch.headers()["location"], "/meetups?page=2");
    let cookie = switch.headers()["set-cookie"].to_str().expect("cookie");
    assert!(cookie.starts_with("tongcheng_lang=zh-CN;") && cookie.contains("Max-Age=31536000"), "{cookie}");
    assert_eq!(locale().await, "zh-CN", "their emails follow the switch");
    let (_, html) = fan.page("/").await;
    assert_eq!(html_lang(&html), "zh-CN", "the cookie beats the browser's English");

    // A switch on another site's page changes this browser only, never the account.
    let foreign = fan
        .client
        .get(format!("{}/lang?to=en&next=//evil.example/", app.base))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .expect("switch");
    assert_eq!(foreign.headers()["location"], "/", "never sent off-site");
    assert_eq!(locale().await, "zh-CN");
    let unknown = fan.client.get(format!("{}/lang?to=klingon&next=/meetups", app.base)).send().await.expect("switch");
    assert_eq!(unknown.headers()["location"], "/meetups");
    assert!(unknown.headers().get("set-cookie").is_none(), "an unknown language changes nothing");
}

async fn logging_in_brings_back_the_account_language(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let _ = app.fan("fan@example.com", "深圳").await;
    common::execute(&app.state.db, "UPDATE users SET locale = 'zh-CN' WHERE id = $1", &[app.scalar("SELECT id FROM users").await]).await;
    let laptop = app.browser_in("en");
    let response = laptop
        .client
        .post(format!("{}/api/login", app.base))
        .form(&[("email", "fan@example.com"), ("password", "password123")])
        .send()
        .await
        .expect("login");
    let cookies: Vec<&str> = response.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).collect();
    assert!(cookies.iter().any(|c| c.starts_with("tongcheng_lang=zh-CN;")), "{cookies:?}");
    let (_, html) = laptop.page("/").await;
    assert_eq!(html_lang(&html), "zh-CN", "the account's language, on a new device");
}

async fn registration_keeps_the_page_language(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (accept, email, expected) in [("", "zh@example.com", "zh-CN"), ("en-GB", "en@example.com", "en")] {
        let _: String = app
            .browser_in(accept)
            .call("register", &[("email", email), ("display_name", "Fan"), ("password", "password123"), ("city", "深圳")])
            .await
            .expect("register");
        let locale = app.text(&format!("SELECT locale FROM users WHERE email = '{email}'")).await;
        assert_eq!(locale, expected, "{email}");
    }
}

async fn field_messages_come_in_both_languages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let error: AppError = app
        .browser_in("")
        .call::<String>("register", &[("email", "x"), ("display_name", "Li"), ("password", "password123"), ("city", "深圳")])
        .await
        .expect_err("bad email")
        .1;
    let text = error.field_text("email").expect("a message for the email field");
    assert!(text.zh.contains("邮箱"), "{text:?}");
    assert!(text.en.contains("email address"), "{text:?}");
}

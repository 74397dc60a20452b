//! Chinese first: the page language follows the visitor's choice, then their browser,
//! then defaults to zh-CN; the choice is kept in a cookie and on the account (emails).
use crate::common;

use common::{Backend, TestApp};
use reqwest::StatusCode;
use tongcheng::error::AppError;

on_both_databases!(
    pages_follow_the_browser_and_default_to_chinese,
    the_switch_is_remembered_in_a_cookie_and_on_the_account,
    logging_in_brings_back_the_account_language,
    registration_keeps_the_page_language,
    field_messages_come_in_both_languages,
    many_pages_at_once_all_render_whole,
    city_pages_are_titled_with_the_city_in_the_readers_language,
    empty_pages_say_what_to_do_next,
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

/// Panics raised by the application (not by a test's own assertions), e.g. in a task a
/// page spawned. leptos_i18n's context once kept such a task alive past the render; when
/// it ran after the page's owner was gone it panicked and the browser got an empty reply.
static APP_PANICS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn count_app_panics() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info.location().is_some_and(|l| !l.file().contains("tests/")) {
                APP_PANICS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            previous(info)
        }));
    });
}

async fn many_pages_at_once_all_render_whole(backend: Backend) {
    count_app_panics();
    let app = TestApp::spawn(backend).await;
    let fan = app.fan("busy@example.com", "深圳").await;
    let city = app.city_id("深圳").await;
    let event = common::published_event(&app.state.db, city, Some(10)).await;
    let pages = [
        "/".to_string(),
        "/meetups".into(),
        format!("/meetups/{event}"),
        "/my-meetups".into(),
        "/mailbox".into(),
        "/account".into(),
        "/where-next".into(),
        format!("/cities/{city}"),
        "/organize".into(),
        "/no-such-page".into(),
    ];
    let zh = app.browser_in("");
    let mut requests = tokio::task::JoinSet::new();
    for round in 0..8 {
        for page in &pages {
            let (who, lang) = if round % 2 == 0 { (&fan, "en") } else { (&zh, "zh-CN") };
            let (client, base, page) = (who.client.clone(), app.base.clone(), page.clone());
            requests.spawn(async move {
                let response = client
                    .get(format!("{base}{page}"))
                    .timeout(std::time::Duration::from_secs(20))
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{page}: {e}"));
                let status = response.status();
                let html = response.text().await.unwrap_or_else(|e| panic!("{page}: an unfinished reply: {e}"));
                (page, lang, status, html)
            });
        }
    }
    while let Some(done) = requests.join_next().await {
        let (page, lang, status, html) = done.expect("request task");
        assert!(status == StatusCode::OK || (status == StatusCode::NOT_FOUND && page == "/no-such-page"), "{page}: {status}");
        assert!(html.contains("</html>"), "{page}: the whole page arrives: …{}", &html[html.len().saturating_sub(300)..]);
        assert_eq!(html_lang(&html), lang, "{page}");
    }
    assert_eq!(APP_PANICS.load(std::sync::atomic::Ordering::SeqCst), 0, "no panic in the app while pages rendered");
}

/// The `<title>` of a page, as sent.
fn title(html: &str) -> &str {
    let start = html.find("<title>").map(|i| i + "<title>".len()).expect("a title");
    &html[start..start + html[start..].find("</title>").expect("end of title")]
}

async fn city_pages_are_titled_with_the_city_in_the_readers_language(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let city = app.city_id("深圳").await;
    let (_, zh) = app.browser_in("").page(&format!("/cities/{city}")).await;
    assert_eq!(title(&zh), "深圳的同城聚会 — 同城会");
    assert!(zh.contains("<h1>深圳的同城聚会<"), "the heading names the city");
    let (_, en) = app.browser().page(&format!("/cities/{city}")).await;
    assert_eq!(title(&en), "Meetups in Shenzhen — Tongcheng");
    assert!(!en.contains("深圳的"), "no Chinese sentence on the English page");
}

/// A page with nothing to show says so, and links to what a fan can do instead.
async fn empty_pages_say_what_to_do_next(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let city = app.city_id("深圳").await;
    let (_, html) = app.browser_in("").page(&format!("/cities/{city}")).await;
    assert!(html.contains("这里暂时还没有安排活动") && html.contains(&format!("<a href=\"/where-next?city={city}\">")), "empty city");
    let (_, html) = app.browser_in("").page("/meetups").await;
    assert!(html.contains("目前还没有公布的聚会") && html.contains("<a href=\"/where-next\">看看下一场官方聚会") && html.contains("<a href=\"/organize\">或者自己组织"), "no meetups");
    let fan = app.fan("new@example.com", "深圳").await;
    let (_, html) = fan.page("/my-meetups").await;
    assert!(html.contains("You have not signed up for a meetup yet.") && html.contains("href=\"/meetups\">See what"), "nothing signed up");
}

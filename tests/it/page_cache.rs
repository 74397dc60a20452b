//! A hot page's visitor copy (`server::page_cache`): in a refresh storm one render
//! serves a second of visitors, each with a nonce of their own; a fan, another
//! language, a page with a query or a page showing an error always gets its own render.
use crate::common;

use common::{published_event, Backend, Browser, TestApp};

on_both_databases!(
    a_hot_meetup_page_is_shared_by_visitors_but_never_by_fans,
    a_page_render_lends_its_reads_to_no_other_request,
);

/// The page and the nonce its policy names.
async fn visit(browser: &Browser, path: &str) -> (String, String) {
    let response = browser.client.get(format!("{}{path}", browser.base)).header("Accept", "text/html").send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    let policy = response.headers()["content-security-policy"].to_str().unwrap().to_string();
    let nonce = policy.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).unwrap().to_string();
    let html = response.text().await.unwrap();
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "the page's scripts carry the policy's nonce");
    (html, nonce)
}

async fn a_hot_meetup_page_is_shared_by_visitors_but_never_by_fans(backend: Backend) {
    // Hot after 3 views; a copy stands for a minute (so a slow machine cannot cool it).
    let app = TestApp::spawn_with(backend, &[("HOT_PAGE_VIEWS", "3"), ("HOT_PAGE_SECONDS", "60")]).await;
    let db = &app.state.db;
    let event = published_event(db, app.city_id("深圳").await, Some(10)).await;
    common::execute(db, "UPDATE events SET title = 'Before' WHERE id = $1", &[event]).await;
    let fan = app.fan("hot-page@example.com", "深圳").await;
    let path = format!("/meetups/{event}");
    let chinese = app.browser_in("zh-CN");
    let _ = visit(&chinese, &path).await;
    let mut nonces = Vec::new();
    for _ in 0..3 {
        let (page, nonce) = visit(&app.browser(), &path).await;
        assert!(page.contains("Before"));
        nonces.push(nonce);
    }
    common::execute(db, "UPDATE events SET title = 'Changed' WHERE id = $1", &[event]).await;
    let (fans_page, _) = visit(&fan, &path).await;
    assert!(fans_page.contains("Changed"), "a fan's page is always rendered for them");
    let (chinese_page, _) = visit(&chinese, &path).await;
    assert!(chinese_page.contains("Changed"), "the other language was not hot");
    let (with_query, _) = visit(&app.browser(), &format!("{path}?utm=x")).await;
    assert!(with_query.contains("Changed"), "an address with a query is rendered");
    for _ in 0..2 {
        let (visitors_page, nonce) = visit(&app.browser(), &path).await;
        assert!(visitors_page.contains("Before") && !visitors_page.contains("Changed"), "the hot page's copy");
        assert!(!visitors_page.contains("hot-page@example.com"), "nothing of a fan in a visitor's copy");
        assert!(!nonces.contains(&nonce), "a shared copy goes out with a fresh nonce");
        nonces.push(nonce);
    }

    // A page showing an error (a meetup not yet published) is never shared.
    let draft = published_event(db, app.city_id("深圳").await, Some(10)).await;
    common::execute(db, "UPDATE events SET status = 'draft', title = 'Draft' WHERE id = $1", &[draft]).await;
    let draft_path = format!("/meetups/{draft}");
    for _ in 0..4 {
        let (page, _) = visit(&app.browser(), &draft_path).await;
        assert!(!page.contains("Draft"));
    }
    common::execute(db, "UPDATE events SET status = 'published' WHERE id = $1", &[draft]).await;
    let (page, _) = visit(&app.browser(), &draft_path).await;
    assert!(page.contains("Draft"), "the error page was not kept");
}

/// A page reads the logged-in fan once per render (`infra::request::PageReads`). Leptos
/// may make a server function's owner a child of a page's that ran on the same thread
/// just before; the flash-sale benchmark caught presses answered as the fan whose page
/// was rendering meanwhile. Pages and calls from other fans and from a visitor at once:
/// each is always answered as who sent it.
async fn a_page_render_lends_its_reads_to_no_other_request(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let event = published_event(&app.state.db, app.city_id("深圳").await, Some(10)).await;
    let (reader, caller, visitor) = (app.fan("reader@example.com", "深圳").await, app.fan("caller@example.com", "深圳").await, app.browser());
    let path = format!("/meetups/{event}");
    for _ in 0..10 {
        let pages = futures::future::join_all((0..8).map(|_| reader.page(&path)));
        let calls = futures::future::join_all((0..8).map(|_| caller.current_user()));
        let visits = futures::future::join_all((0..8).map(|_| visitor.call::<Option<tongcheng::accounts::CurrentUser>>("get_current_user", &[])));
        let (pages, calls, visits) = tokio::join!(pages, calls, visits);
        assert!(pages.iter().all(|(status, _)| *status == 200));
        assert!(calls.iter().all(|user| user.as_ref().is_some_and(|u| u.email == "caller@example.com")), "{calls:?}");
        assert!(visits.iter().all(|user| matches!(user, Ok(None))), "a visitor is nobody: {visits:?}");
    }
}

//! Fans who bring fans (issue 28): a visitor who arrives through a fan's link, registers
//! within 30 days and confirms their email counts once for that fan — never for
//! themselves, an existing account, another alias of a counted inbox, or a registration
//! deleted within 7 days; badges at 1, 5 and 20 come once and the backfill reproduces
//! them; the club page names its top bringers this month.
use crate::common::{self, Backend, Browser, TestApp};

on_both_databases!(a_referral_counts_once_for_someone_else_after_confirming, codes_are_given_on_confirmation_so_pages_only_read_them, registrations_that_do_not_count, badges_for_bringing_fans_come_once_and_backfill_reproduces_them, behind_https_the_cookies_are_host_only);

async fn code_of(fan: &Browser) -> String {
    fan.call::<Option<String>>("load_referral_code", &[]).await.expect("a code").expect("logged in")
}

/// A visitor arriving through `code`'s link on a meetup page.
async fn arrive(app: &TestApp, code: &str) -> Browser {
    let visitor = app.browser();
    let (status, _) = visitor.page(&format!("/where-next?ref={code}")).await;
    assert!(status.is_success());
    visitor
}

async fn register(app: &TestApp, browser: &Browser, email: &str) {
    let _: String = browser.call("register", &[("email", email), ("display_name", "新米粉"), ("password", "password123"), ("city", "深圳")]).await.expect("register");
    let _ = app;
}

async fn confirm(app: &TestApp, browser: &Browser, email: &str) {
    let token = app.latest_token(email).await;
    let _: String = browser.call("verify_email", &[("token", &token)]).await.expect("verify");
}

async fn brought(app: &TestApp, email: &str) -> i64 {
    let id = common::moderation::user_id(app, email).await;
    app.scalar(&format!("SELECT COUNT(*) FROM referrals WHERE referrer_id = {id} AND counted_at IS NOT NULL")).await
}

async fn a_referral_counts_once_for_someone_else_after_confirming(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sharer = app.fan("sharer@example.com", "深圳").await;
    let code = code_of(&sharer).await;
    let visitor = arrive(&app, &code).await;
    register(&app, &visitor, "friend+moments@example.com").await;
    assert_eq!(brought(&app, "sharer@example.com").await, 0, "not before the new fan confirms");
    confirm(&app, &visitor, "friend+moments@example.com").await;
    assert_eq!(brought(&app, "sharer@example.com").await, 1);
    // The fan's page says so.
    let id = common::moderation::user_id(&app, "sharer@example.com").await;
    let (_, page) = sharer.page(&format!("/fans/{id}")).await;
    assert!(page.contains("Fans brought: 1"), "the fan page shows it");
    // Another alias of the same inbox, through another fan's link: not again.
    let other = app.fan("other@example.com", "深圳").await;
    let again = arrive(&app, &code_of(&other).await).await;
    register(&app, &again, "friend+weibo@example.com").await;
    confirm(&app, &again, "friend+weibo@example.com").await;
    assert_eq!(brought(&app, "other@example.com").await, 0, "one inbox counts once");
    // The browser that registered forgot the link: a second account from it does not count.
    let _: () = visitor.call("logout", &[]).await.unwrap();
    register(&app, &visitor, "second@example.com").await;
    confirm(&app, &visitor, "second@example.com").await;
    assert_eq!(brought(&app, "sharer@example.com").await, 1, "the arrival was used");
    // First touch: a later link does not replace the first.
    let first = arrive(&app, &code).await;
    let (_, _) = first.page(&format!("/where-next?ref={}", code_of(&other).await)).await;
    register(&app, &first, "third@example.com").await;
    confirm(&app, &first, "third@example.com").await;
    assert_eq!((brought(&app, "sharer@example.com").await, brought(&app, "other@example.com").await), (2, 0));
    // Deleted within 7 days: taken back, with the badge it alone earned; the inbox stays
    // brought. After 7 days: it keeps counting.
    let sharer_id = common::moderation::user_id(&app, "sharer@example.com").await;
    let badge = format!("SELECT COUNT(*) FROM badges WHERE user_id = {sharer_id} AND badge = 'brought_1'");
    let _: () = first.call("login", &[("email", "third@example.com"), ("password", "password123")]).await.unwrap();
    let _: () = first.call("delete_account", &[("password", "password123"), ("confirm", "on")]).await.unwrap();
    assert_eq!(brought(&app, "sharer@example.com").await, 1, "a registration deleted within 7 days never counted");
    assert_eq!(app.scalar(&badge).await, 1, "one fan still brought: the first badge stays");
    let again = arrive(&app, &code).await;
    register(&app, &again, "third+back@example.com").await;
    confirm(&app, &again, "third+back@example.com").await;
    assert_eq!(brought(&app, "sharer@example.com").await, 1, "a withdrawn inbox is not brought again");
    let _: () = visitor.call("logout", &[]).await.unwrap();
    let _: () = visitor.call("login", &[("email", "friend+moments@example.com"), ("password", "password123")]).await.unwrap();
    common::execute(&app.state.db, "UPDATE referrals SET registered_at = registered_at - $1", &[8 * 86_400]).await;
    let _: () = visitor.call("delete_account", &[("password", "password123"), ("confirm", "on")]).await.unwrap();
    assert_eq!(brought(&app, "sharer@example.com").await, 1, "a fan who stayed a week counts for good");
    // The only fan brought, deleted within the week: the badge goes with it, and its points.
    let late = arrive(&app, &code_of(&other).await).await;
    register(&app, &late, "fourth@example.com").await;
    confirm(&app, &late, "fourth@example.com").await;
    let other_id = common::moderation::user_id(&app, "other@example.com").await;
    assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM badges WHERE user_id = {other_id} AND badge = 'brought_1'")).await, 1);
    let _: () = late.call("login", &[("email", "fourth@example.com"), ("password", "password123")]).await.unwrap();
    let _: () = late.call("delete_account", &[("password", "password123"), ("confirm", "on")]).await.unwrap();
    assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM badges WHERE user_id = {other_id} AND badge = 'brought_1'")).await, 0, "taken back");
    assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM points_ledger WHERE source_key = 'badge:{other_id}:brought_1'")).await, 0);
    // What the sharer's data export says: their code and when fans came, never who.
    let export = sharer.client.get(format!("{}{}", sharer.base, tongcheng::privacy::EXPORT_PATH)).send().await.unwrap().text().await.unwrap();
    let export: serde_json::Value = serde_json::from_str(&export).expect("the export is JSON");
    assert_eq!(export["referral_code"][0]["code"], code.as_str());
    assert_eq!(export["fans_brought"].as_array().map(Vec::len), Some(2), "one counted, one withdrawn: {export}");
    assert!(!export.to_string().contains("friend"), "nobody else's address");
}

async fn registrations_that_do_not_count(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sharer = app.fan("li.lei@example.com", "深圳").await;
    let code = code_of(&sharer).await;
    // Oneself, by another alias.
    let me = arrive(&app, &code).await;
    register(&app, &me, "li.lei+alt@example.com").await;
    confirm(&app, &me, "li.lei+alt@example.com").await;
    // An existing account, logged in, registering another.
    let existing = app.fan("existing@example.com", "深圳").await;
    let _ = existing.page(&format!("/meetups?ref={code}")).await;
    register(&app, &existing, "existing2@example.com").await;
    confirm(&app, &existing, "existing2@example.com").await;
    // An address that has an account already: nothing is registered, nothing counts;
    // nor does an alias of it, though it is a new account.
    let taken = arrive(&app, &code).await;
    register(&app, &taken, "existing@example.com").await;
    let alias = arrive(&app, &code).await;
    register(&app, &alias, "existing+again@example.com").await;
    confirm(&app, &alias, "existing+again@example.com").await;
    // Nor a fan who has not confirmed their own email yet: their code brings nobody.
    let unverified = app.browser();
    let _: String = unverified.call("register", &[("email", "pending@example.com"), ("display_name", "P"), ("password", "password123"), ("city", "深圳")]).await.unwrap();
    unverified.login("pending@example.com", "password123").await;
    assert_eq!(unverified.call::<Option<String>>("load_referral_code", &[]).await.unwrap(), None, "no code before confirming");
    // Too late: arrived 31 days ago.
    let mut headers = reqwest::header::HeaderMap::new();
    let stale = tongcheng::infra::clock::now() - 31 * 86_400;
    headers.insert(reqwest::header::COOKIE, format!("tc_ref={code}.{stale}").parse().unwrap());
    let late = app.browser_with(headers);
    register(&app, &late, "late@example.com").await;
    confirm(&app, &late, "late@example.com").await;
    // An unknown code is ignored: the visitor gets no cookie.
    let stranger = app.browser();
    let response = stranger.client.get(format!("{}/where-next?ref=zzzzzzzzzz", stranger.base)).send().await.unwrap();
    assert!(response.headers().get_all("set-cookie").iter().all(|c| !c.to_str().unwrap_or("").starts_with("tc_ref=")), "no cookie for a code nobody has");
    let response = stranger.client.get(format!("{}/where-next?ref={code}", stranger.base)).send().await.unwrap();
    let cookie = response.headers().get_all("set-cookie").iter().filter_map(|c| c.to_str().ok()).find(|c| c.starts_with("tc_ref=")).map(str::to_string);
    assert!(cookie.is_some_and(|c| c.contains("HttpOnly") && c.contains("Max-Age=2592000")), "a known code is remembered 30 days");
    assert_eq!(brought(&app, "li.lei@example.com").await, 0, "none of these counts");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM referrals").await, 0);
}

async fn badges_for_bringing_fans_come_once_and_backfill_reproduces_them(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sharer = app.fan("bringer@example.com", "深圳").await;
    let _: bool = sharer.call("set_public_profile", &[("public", "on")]).await.unwrap();
    let code = code_of(&sharer).await;
    for n in 1..=5 {
        let visitor = arrive(&app, &code).await;
        let email = format!("friend{n}@example.com");
        register(&app, &visitor, &email).await;
        confirm(&app, &visitor, &email).await;
    }
    let id = common::moderation::user_id(&app, "bringer@example.com").await;
    let badges = |app: &TestApp| {
        let sql = format!("SELECT COUNT(*) FROM badges WHERE user_id = {id} AND badge IN ('brought_1', 'brought_5', 'brought_20')");
        let db = app.state.db.pool.clone();
        async move { sqlx::query_scalar::<_, i64>(&sql).fetch_one(&db).await.unwrap() }
    };
    assert_eq!(badges(&app).await, 2, "the badges at 1 and 5, once each");
    assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM points_ledger WHERE user_id = {id} AND source_key LIKE 'badge:%:brought_%'")).await, 2);
    let progress = indicatif::ProgressBar::hidden();
    let nothing = tongcheng::participation::backfill::run(&app.state.db, tongcheng::infra::clock::now(), "http://test", &progress).await.unwrap();
    assert!(nothing.nothing(), "a consistent record: the backfill finds nothing");
    common::execute(&app.state.db, "DELETE FROM badges WHERE user_id = $1", &[id]).await;
    let done = tongcheng::participation::backfill::run(&app.state.db, tongcheng::infra::clock::now(), "http://test", &progress).await.unwrap();
    assert!(done.settled.badges_awarded >= 2, "the backfill awards them again");
    assert_eq!(badges(&app).await, 2);
    // The club names its top bringer this month; the city page says what it needs.
    let city = app.city_id("深圳").await;
    let (_, club) = app.browser().page(&format!("/clubs/{city}")).await;
    let list = club.split("data-testid=\"top-bringers\"").nth(1).expect("the top bringers");
    assert!(list.contains(&format!("href=\"/fans/{id}\"")), "the bringer is named");
    let (_, page) = app.browser_in("zh-CN").page(&format!("/cities/{city}")).await;
    assert!(page.contains("data-testid=\"city-goal\""), "the city page says how far the threshold is");
    assert!(page.contains("data-testid=\"share-box\""), "with the invite action beside it");
}

/// A fan's code is given when their address is confirmed (and to fans seeded in bulk),
/// so the share box on every page only reads it: a page view that wrote would cost a
/// commit per fan during a refresh storm.
async fn codes_are_given_on_confirmation_so_pages_only_read_them(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fan = app.fan("early-code@example.com", "深圳").await;
    let id = common::moderation::user_id(&app, "early-code@example.com").await;
    let code: String = sqlx::query_scalar("SELECT code FROM referral_codes WHERE user_id = $1").bind(id).fetch_one(&app.state.db.pool).await.expect("a code on confirmation");
    assert_eq!(tongcheng::sharing::parse_code(&code).as_deref(), Some(code.as_str()));
    assert_eq!(code_of(&fan).await, code, "the share box shows the code given");
    let unconfirmed = app.browser();
    register(&app, &unconfirmed, "later@example.com").await;
    let later = common::moderation::user_id(&app, "later@example.com").await;
    assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM referral_codes WHERE user_id = {later}")).await, 0, "no code before confirming");

    // Fans seeded in bulk get theirs in one statement, each valid.
    tongcheng::server::seed::seed_demo(&app.state.db, 50, false).await.expect("seed");
    let codes: Vec<String> = sqlx::query_scalar("SELECT r.code FROM referral_codes r JOIN users u ON u.id = r.user_id WHERE u.email LIKE 'demo-fan-%'").fetch_all(&app.state.db.pool).await.expect("codes");
    assert_eq!(codes.len(), 50);
    assert!(codes.iter().all(|c| tongcheng::sharing::parse_code(c).as_deref() == Some(c.as_str())), "{codes:?}");
}

fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response.headers().get_all("set-cookie").iter().filter_map(|c| c.to_str().ok()).map(str::to_string).collect()
}

/// Served over HTTPS, the session and the arrival cookies carry the `__Host-` prefix
/// (browsers then insist on `Secure`, `Path=/` and no `Domain`), so a page on a sibling
/// subdomain cannot plant either; the app reads and clears them under that name. (Over
/// plain HTTP, as in the other tests, the names stay bare: the prefix needs `Secure`.)
async fn behind_https_the_cookies_are_host_only(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("PUBLIC_URL", "https://tongcheng.example")]).await;
    tongcheng::server::seed::seed_demo(&app.state.db, 1, false).await.expect("seed");
    let code: String = sqlx::query_scalar("SELECT code FROM referral_codes").fetch_one(&app.state.db.pool).await.expect("a code");
    let host_only = |cookie: &str| {
        let attributes: Vec<String> = cookie.split(';').skip(1).map(|a| a.trim().to_ascii_lowercase()).collect();
        attributes.iter().any(|a| a == "secure") && attributes.iter().any(|a| a == "path=/") && !attributes.iter().any(|a| a.starts_with("domain="))
    };
    let visitor = app.browser();
    let arrived = visitor.client.get(format!("{}/where-next?ref={code}", visitor.base)).send().await.unwrap();
    let cookies = set_cookies(&arrived);
    assert!(cookies.iter().any(|c| c.starts_with(&format!("__Host-tc_ref={code}.")) && host_only(c)), "{cookies:?}");
    assert!(!cookies.iter().any(|c| c.starts_with("tc_ref=")), "{cookies:?}");
    // The browser sends it back (a test client keeps no Secure cookie over plain HTTP):
    // registering reads it under that name and clears it the same way.
    let arrival = format!("__Host-tc_ref={code}.{}", tongcheng::infra::clock::now());
    let form = [("email", "https-friend@example.com"), ("display_name", "新米粉"), ("password", "password123"), ("city", "深圳")];
    let registered = visitor.client.post(format!("{}/api/register", visitor.base)).header(reqwest::header::COOKIE, arrival).form(&form).send().await.unwrap();
    assert!(registered.status().is_success(), "{}", registered.status());
    let cookies = set_cookies(&registered);
    assert!(cookies.iter().any(|c| c.starts_with("__Host-tc_ref=;") && c.contains("Max-Age=0") && host_only(c)), "cleared: {cookies:?}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM referrals").await, 1, "the arrival was read");
    let logged_in = visitor.client.post(format!("{}/api/login", visitor.base)).form(&[("email", "https-friend@example.com"), ("password", "password123")]).send().await.unwrap();
    assert!(logged_in.status().is_success(), "{}", logged_in.status());
    let cookies = set_cookies(&logged_in);
    let session = cookies.iter().find(|c| c.starts_with("__Host-tongcheng_session=") && c.contains("HttpOnly") && host_only(c)).expect("a host-only session cookie");
    let session = session.split(';').next().unwrap_or_default().to_string();
    // Logging out removes it the same way (a removal without Secure is ignored by browsers).
    let logged_out = visitor.client.post(format!("{}/api/logout", visitor.base)).header(reqwest::header::COOKIE, session).send().await.unwrap();
    assert!(logged_out.status().is_success(), "{}", logged_out.status());
    let cookies = set_cookies(&logged_out);
    assert!(cookies.iter().any(|c| c.starts_with("__Host-tongcheng_session=;") && c.contains("Max-Age=0") && host_only(c)), "removed: {cookies:?}");
    // A plain form post's answer (no WASM yet) rides the flash cookie, under the prefix too,
    // and the page that shows it removes it the same way.
    let form = [("email", "https-friend@example.com"), ("password", "wrong-password")];
    let posted = visitor.client.post(format!("{}/api/login", visitor.base)).header(reqwest::header::ACCEPT, "text/html").form(&form).send().await.unwrap();
    let cookies = set_cookies(&posted);
    let flash = cookies.iter().find(|c| c.starts_with("__Host-tongcheng_flash=") && host_only(c)).expect(&format!("a host-only flash: {cookies:?}"));
    let flash = flash.split(';').next().unwrap_or_default().to_string();
    let shown = visitor.client.get(format!("{}/login", visitor.base)).header(reqwest::header::COOKIE, flash).send().await.unwrap();
    let cookies = set_cookies(&shown);
    assert!(cookies.iter().any(|c| c.starts_with("__Host-tongcheng_flash=;") && c.contains("Max-Age=0") && host_only(c)), "flash removed: {cookies:?}");
    // Cookies under the bare names (from before the prefix) are removed once.
    let old = visitor.client.get(format!("{}/where-next", visitor.base)).header(reqwest::header::COOKIE, format!("tongcheng_session=old; tc_ref={code}.1; tongcheng_flash=x")).send().await.unwrap();
    let cookies = set_cookies(&old);
    for name in ["tongcheng_session", "tc_ref", "tongcheng_flash"] {
        assert!(cookies.iter().any(|c| c.starts_with(&format!("{name}=;")) && c.contains("Max-Age=0") && host_only(c)), "{name} removed: {cookies:?}");
    }
}

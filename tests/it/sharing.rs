//! Share cards (issue 28, first part): every public page carries Open Graph and Twitter
//! card tags with its own title and canonical address, in the reader's language, and
//! what users typed stays escaped there (`output_safety.rs` sends script payloads
//! through the same pages).
use crate::common;

use common::{Backend, TestApp};

on_both_databases!(public_pages_carry_their_share_card,);

mod posters;
mod referrals;

/// The `content` of the page's `<meta property|name="{key}">`.
fn meta(html: &str, key: &str) -> Option<String> {
    let at = html.find(&format!("=\"{key}\""))?;
    let start = html[..at].rfind("<meta")?;
    let tag = &html[start..start + html[start..].find('>')?];
    let content = tag.split("content=\"").nth(1)?;
    Some(content[..content.find('"')?].to_string())
}

async fn public_pages_carry_their_share_card(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let city = app.city_id("深圳").await;
    let event = common::published_event(&app.state.db, city, Some(5)).await;
    let title = app.text(&format!("SELECT title FROM events WHERE id = {event}")).await;
    let zh = app.browser_in("zh-CN");
    let en = app.browser_in("en");
    for (path, expected) in [(format!("/meetups/{event}"), Some(title.as_str())), (format!("/cities/{city}"), None), (format!("/clubs/{city}"), None), ("/where-next".to_string(), None)] {
        let (status, html) = zh.page(&path).await;
        assert!(status.is_success(), "{path}: {status}");
        let og_title = meta(&html, "og:title").unwrap_or_else(|| panic!("{path}: no og:title"));
        if let Some(expected) = expected {
            assert_eq!(og_title, expected, "{path}");
        }
        assert!(meta(&html, "og:url").is_some_and(|u| u.ends_with(&path) && u.starts_with("http")), "{path}: canonical address");
        assert_eq!(meta(&html, "og:locale").as_deref(), Some("zh_CN"), "{path}");
        // A page with a poster shows it as the card's picture.
        let poster = meta(&html, "og:image");
        let card = if poster.is_some() { "summary_large_image" } else { "summary" };
        assert_eq!(meta(&html, "twitter:card").as_deref(), Some(card), "{path}");
        assert_eq!(poster.is_some(), path.starts_with("/meetups/"), "{path}: a poster where there is one");
        assert!(poster.is_none_or(|p| p.starts_with("http") && p.ends_with(&format!("{path}/poster.png"))), "{path}");
        assert!(meta(&html, "og:description").is_some_and(|d| !d.is_empty()), "{path}: a description");
        let (_, english) = en.page(&path).await;
        assert_eq!(meta(&english, "og:locale").as_deref(), Some("en_US"), "{path} in English");
    }
    // A fan's page carries one only when it is public (a private page is no card).
    let fan = app.fan("fan@example.com", "深圳").await;
    let fan_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'fan@example.com'").fetch_one(&app.state.db.pool).await.unwrap();
    let (_, private) = app.browser().page(&format!("/fans/{fan_id}")).await;
    assert!(meta(&private, "og:title").is_none(), "a private fan page has no share card");
    let _: bool = fan.call("set_public_profile", &[("public", "on")]).await.unwrap();
    let (_, public) = app.browser().page(&format!("/fans/{fan_id}")).await;
    assert!(meta(&public, "og:url").is_some_and(|u| u.ends_with(&format!("/fans/{fan_id}"))));
}

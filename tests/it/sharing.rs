//! Share cards (issue 28, first part): every public page carries Open Graph and Twitter
//! card tags with its own title and canonical address, in the reader's language, and
//! what users typed stays escaped there (`output_safety.rs` sends script payloads
//! through the same pages).
use crate::common;

use common::{Backend, TestApp};

on_both_databases!(public_pages_carry_their_share_card, typed_markup_stays_escaped_in_share_cards);

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

/// What organizers and staff type reaches the cards of the festival, a gathering and a
/// fan's page as text: escaped in every tag, never markup.
async fn typed_markup_stays_escaped_in_share_cards(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let payload = "<script>alert(1)</script>\"'<img src=x>";
    let staff = common::staff_browser(&app).await;
    let day = chrono::DateTime::from_timestamp(tongcheng::infra::clock::now() + 30 * 86_400, 0).unwrap().format("%Y-%m-%d").to_string();
    let opens = chrono::DateTime::from_timestamp(tongcheng::infra::clock::now() + 3_600, 0).unwrap().with_timezone(&chrono_tz::Asia::Shanghai).format("%Y-%m-%d %H:%M").to_string();
    let festival: i64 = staff.call("save_festival", &[("id", ""), ("name", payload), ("description", payload), ("day", &day), ("opens", &opens)]).await.expect("festival");
    common::execute(&app.state.db, "UPDATE festivals SET invited_at = $1 WHERE id = $2", &[1, festival]).await;
    let city = app.city_id("深圳").await;
    let gathering = common::published_event(&app.state.db, city, Some(5)).await;
    let mut tx = app.state.db.begin_write().await.unwrap();
    sqlx::query("UPDATE events SET title = $1, venue = $1 WHERE id = $2").bind(payload).bind(gathering).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    let fan = app.fan("markup@example.com", "深圳").await;
    let fan_id = common::moderation::user_id(&app, "markup@example.com").await;
    common::execute(&app.state.db, "UPDATE events SET kind = 'gathering', organizer_id = $1 WHERE id = $2", &[fan_id, gathering]).await;
    let _: String = fan.call("update_display_name", &[("display_name", "<b>Fan</b>\"'")]).await.expect("name");
    let _: bool = fan.call("set_public_profile", &[("public", "on")]).await.unwrap();
    for path in [format!("/festival/{festival}"), format!("/meetups/{gathering}"), format!("/fans/{fan_id}")] {
        let (status, html) = app.browser_in("zh-CN").page(&path).await;
        assert!(status.is_success(), "{path}: {status}");
        let title = meta(&html, "og:title").unwrap_or_else(|| panic!("{path}: a card"));
        assert!(title.contains("&lt;") && !title.contains('<'), "{path}: the title is text: {title}");
        assert!(!html.contains("<script>alert(1)") && !html.contains("<img src=x>") && !html.contains("<b>Fan</b>"), "{path}: no markup got through");
        assert!(meta(&html, "og:image").is_some_and(|i| i.ends_with("/poster.png")), "{path}: its poster is the picture");
    }
}

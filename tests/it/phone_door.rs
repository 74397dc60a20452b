//! The door on a phone and the ticket in the fan's hand (issue 26), as the server sends
//! them: the door page (for those who run the event's door only) with its script, QR
//! reader and offline worker, each loaded by that page alone; the fan's ticket page;
//! which pages the offline worker may keep. The scanning itself runs in Chromium
//! (end2end/tests/door.spec.ts).
use crate::common;

use common::moderation::staff;
use common::{Backend, Browser, TestApp};
use reqwest::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use reqwest::StatusCode;
use tongcheng::participation::door_sync::DoorManifest;

on_both_databases!(the_door_page_is_for_door_runners_and_brings_its_own_files, a_fans_ticket_page_shows_their_qr_code_and_is_kept_offline,);

/// Status, whether the offline worker may keep it, and the body.
async fn get(browser: &Browser, path: &str) -> (StatusCode, bool, String) {
    let response = browser.client.get(format!("{}{path}", browser.base)).header("Accept", "text/html").send().await.expect("answered");
    let kept = response.headers().get("x-keep-offline").is_some_and(|v| v == "1");
    if kept {
        assert_eq!(response.headers()[CACHE_CONTROL], "private, no-store", "{path}: personal, kept by its own worker only");
    }
    (response.status(), kept, response.text().await.expect("body"))
}

async fn the_door_page_is_for_door_runners_and_brings_its_own_files(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (event, _, _) = crate::door_sync::meetup_with_fans(&app, 3).await;
    let door = staff(&app).await;
    let (status, kept, html) = get(&door, &format!("/doors/{event}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(kept, "the door page may be kept for offline use");
    for part in [&format!("data-event=\"{event}\""), "src=\"/door/door.js\"", "data-decoder=\"/door/qr-decoder.wasm\"", "id=\"door-camera\"", "name=\"code\"", "0 of 3 in"] {
        assert!(html.contains(part), "{part} missing from the door page");
    }
    // The script's texts: in the page's language, with the variables left for it.
    assert!(html.contains("Welcome, {name}!") && html.contains("Offline, {waiting} waiting to send"), "the door's texts");
    // Only the door page loads the door's files; a fan's page and the home page do not.
    let fan = app.fan("fan@example.com", "深圳").await;
    for page in ["/".to_string(), format!("/meetups/{event}")] {
        let (_, _, html) = get(&fan, &page).await;
        assert!(!html.contains("/door/"), "{page} loads a door file");
    }
    // Another fan, a visitor: refused, and nothing kept.
    let (status, kept, html) = get(&fan, &format!("/doors/{event}")).await;
    assert!(status.is_success() && !kept && !html.contains("door-app"), "a fan sees no door");
    let (_, kept, html) = get(&app.browser(), &format!("/doors/{event}")).await;
    assert!(!kept && !html.contains("door-app"), "a visitor sees no door");

    // The files: revalidated each time, "not modified" while the binary is the same.
    let file = |path: &str| door.client.get(format!("{}{path}", door.base));
    let script = file("/door/door.js").send().await.unwrap();
    assert_eq!(script.status(), StatusCode::OK);
    assert!(script.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/javascript"));
    assert_eq!(script.headers()[CACHE_CONTROL], "no-cache");
    let tag = script.headers()[ETAG].clone();
    assert!(script.text().await.unwrap().contains("sync_door"));
    let again = file("/door/door.js").header(IF_NONE_MATCH, tag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    let reader = file("/door/qr-decoder.wasm").send().await.unwrap();
    assert_eq!(reader.headers()[CONTENT_TYPE], "application/wasm");
    let bytes = reader.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\0asm") && bytes.len() < 300_000, "the QR reader is WebAssembly ({} bytes)", bytes.len());
    // The worker takes its policy from its own response: it may fetch this site only.
    let worker = file("/offline-sw.js").send().await.unwrap();
    assert_eq!(worker.headers()[CONTENT_SECURITY_POLICY], "default-src 'self'");
    let worker = worker.text().await.unwrap();
    assert!(worker.contains("\"/doors/\", \"/tickets/\"") && worker.contains("x-keep-offline"), "looks after doors and tickets only; keeps only pages that ask");
    assert_eq!(file("/door/other.js").send().await.unwrap().status(), StatusCode::NOT_FOUND);

    // The door knows when tickets check in, to say "not yet" or "over" offline.
    let manifest: DoorManifest = door.call("door_manifest", &[("event", &event.to_string())]).await.unwrap();
    let (starts, ends) = (app.scalar(&format!("SELECT starts_at FROM events WHERE id = {event}")).await, app.scalar(&format!("SELECT ends_at FROM events WHERE id = {event}")).await);
    assert!(manifest.opens_at <= starts && starts - manifest.opens_at < 86_400, "from the local midnight of its day");
    assert_eq!(manifest.closes_at, ends + i64::from(app.state.config.check_in_grace_minutes) * 60);
}

async fn a_fans_ticket_page_shows_their_qr_code_and_is_kept_offline(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let city = app.city_id("深圳").await;
    let event = common::published_event(&app.state.db, city, Some(1)).await;
    let fan = app.fan("fan@example.com", "深圳").await;
    let place: tongcheng::meetups::Place = fan.call("sign_up", &[("id", &event.to_string())]).await.unwrap();
    let code = place.ticket_code.expect("a seat");
    let (status, kept, html) = get(&fan, &format!("/tickets/{event}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(kept, "a ticket page may be kept for offline use");
    assert!(html.contains(&code) && html.contains("<svg") && html.contains("src=\"/door/offline.js\""), "the ticket's code and QR code");
    // The meetup page leads there.
    assert!(get(&fan, &format!("/meetups/{event}")).await.2.contains(&format!("href=\"/tickets/{event}\"")));
    // On the waiting list, or someone else: no ticket, nothing kept.
    let other = app.fan("other@example.com", "深圳").await;
    let _: tongcheng::meetups::Place = other.call("sign_up", &[("id", &event.to_string())]).await.unwrap();
    let (status, kept, html) = get(&other, &format!("/tickets/{event}")).await;
    assert!(status.is_success() && !kept && !html.contains(&code) && !html.contains("<svg"), "no one else's ticket");
    assert!(html.contains("You have no ticket for this event."));
    // Logging out clears what the browser kept for offline use (a shared phone).
    let out = fan.client.post(format!("{}/api/logout", fan.base)).send().await.unwrap();
    assert_eq!(out.headers()["clear-site-data"], "\"cache\", \"storage\"");
}

//! Destructive forms ask for a ticked box (`components::form::confirm_checkbox`):
//! posted without it, the server function changes nothing and says so beside the box,
//! in the reader's language, with or without JavaScript. The tests of each form check
//! that nothing changed, then post it ticked.
use super::{Browser, TestApp};
use reqwest::StatusCode;

/// The message beside an unticked box, per page language.
pub const UNTICKED: [(&str, &str); 2] = [("zh-CN", "请先勾选确认。"), ("en", "Tick the box to confirm.")];

/// Asserts that `form` (without `confirm`) posted to `endpoint` is refused as the page
/// shows it. From a script: 422 with the message beside `confirm` in both languages.
/// From `page` by a browser without JavaScript, in Chinese and then English: the page
/// comes back with the box `box_id` (named `confirm`, not `required`, so no browser
/// bubble) marked invalid and the message beside it in the page's language.
/// The browser reads English afterwards.
pub async fn assert_refused_unticked(app: &TestApp, browser: &Browser, page: &str, box_id: &str, endpoint: &str, form: &[(&str, &str)]) {
    let (status, error) = browser.call::<serde_json::Value>(endpoint, form).await.expect_err("refused without the box");
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{endpoint}: {error:?}");
    let said = error.field_text("confirm").unwrap_or_else(|| panic!("{endpoint}: no message beside the box: {error:?}"));
    assert_eq!((said.zh.as_str(), said.en.as_str()), (UNTICKED[0].1, UNTICKED[1].1), "{endpoint}");
    for (language, message) in UNTICKED {
        let switched = browser.client.get(format!("{}/lang?to={language}&next=/", app.base)).send().await.expect("switch language");
        assert!(switched.status().is_redirection(), "{language}: {}", switched.status());
        let posted = browser
            .client
            .post(format!("{}/api/{endpoint}", app.base))
            .header("Accept", "text/html")
            .header("Referer", format!("{}{page}", app.base))
            .form(form)
            .send()
            .await
            .expect("the server answers");
        assert!(posted.status().is_redirection(), "{endpoint} ({language}): {}", posted.status());
        let location = posted.headers()["location"].to_str().expect("location").trim_start_matches(&app.base).to_string();
        assert!(location.starts_with(page) && location.contains("__err="), "{endpoint} ({language}): back to {location}");
        let (status, html) = browser.page(&location).await;
        assert_eq!(status, StatusCode::OK, "{location}");
        assert!(html.contains(&format!("lang=\"{language}\"")), "{location}: not a {language} page");
        let at = html.find(&format!("id=\"{box_id}\"")).unwrap_or_else(|| panic!("{location}: no box {box_id}"));
        let start = html[..at].rfind("<input").expect("the box is an input");
        let tag = &html[start..start + html[start..].find('>').expect("its tag ends")];
        assert!(tag.contains("name=\"confirm\"") && !tag.contains("required"), "{box_id}: {tag}");
        assert!(tag.contains("aria-invalid=\"true\""), "{box_id} is marked: {tag}");
        let beside = html.split(&format!("id=\"{box_id}-error\"")).nth(1).and_then(|rest| rest.split("</p>").next()).unwrap_or_default();
        assert!(beside.contains(message), "{box_id} ({language}): beside the box: {beside:?}");
    }
    let back = browser.client.get(format!("{}/lang?to=en&next=/", app.base)).send().await.expect("switch language");
    assert!(back.status().is_redirection());
}

//! Date and time fields are plain text fields showing their format in the page's
//! language (native pickers show the browser's mm/dd/yyyy); the server reads what people
//! type, and what it cannot read it says beside the field, in both languages, keeping
//! what was typed — with JavaScript or without.
use crate::common;

use common::{Backend, TestApp};
use reqwest::StatusCode;
use tongcheng::festival::StaffFestival;
use tongcheng::gatherings::CityEvents;
use tongcheng::meetups::StaffMeetup;

on_both_databases!(dates_are_read_as_typed_and_what_cannot_be_read_is_said_beside_the_field);

/// The meetup form posted as a browser without JavaScript does, from the page at `from`.
async fn post_without_script(staff: &common::Browser, from: &str, form: &[(&str, &str)]) -> reqwest::Response {
    let request = staff.client.post(format!("{}/api/save_meetup", staff.base)).header("Accept", "text/html").header("Referer", format!("{}{from}", staff.base));
    request.form(form).send().await.expect("answer")
}

fn meetup_form<'a>(starts: &'a str, ends: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("id", ""),
        ("city", "深圳"),
        ("title", "Date fields"),
        ("description", ""),
        ("venue", "Hall 1"),
        ("address", ""),
        ("starts", starts),
        ("ends", ends),
        ("capacity", "10"),
        ("signup_opens", ""),
        ("signup_closes", ""),
    ]
}

async fn dates_are_read_as_typed_and_what_cannot_be_read_is_said_beside_the_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = common::staff_browser(&app).await;
    let city = app.city_id("深圳").await.to_string();

    // No native pickers; the format shows as an example in the field.
    let visitor = app.browser_in("");
    for (browser, path) in [(&staff, "/staff/meetups/new".to_string()), (&staff, "/staff/festival".into()), (&staff, "/staff/planner".into()), (&visitor, format!("/cities/{city}"))] {
        let (status, page) = browser.page(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        for native in ["type=\"date\"", "type=\"datetime-local\"", "type=\"time\""] {
            assert!(!page.contains(native), "{path}: {native}");
        }
        assert!(page.contains("placeholder=\"2026-12-06"), "{path}: the format as an example");
    }
    let (_, zh) = visitor.page(&format!("/cities/{city}")).await;
    assert!(zh.contains("年-月-日"), "the format in the page's language");

    // Written the ways people write it, a meetup starts at the same minute, and its
    // form shows it back in the one format.
    for (starts, ends) in [
        ("2099-05-02 14:00", "2099-05-02T17:00"),
        ("2099/5/2 14:00", "2099年5月2日 17:00"),
        ("2099年5月2日 周六 下午2点", "2099.05.02 5pm"),
    ] {
        let id: i64 = staff.call("save_meetup", &meetup_form(starts, ends)).await.unwrap_or_else(|e| panic!("{starts}: {e:?}"));
        let meetup: StaffMeetup = staff.call("load_staff_meetup", &[("id", &id.to_string())]).await.expect("meetup");
        assert_eq!(meetup.page.card.starts, "Sat 2 May 2099, 14:00", "{starts}");
        assert_eq!((meetup.form.starts.as_str(), meetup.form.ends.as_str()), ("2099-05-02 14:00", "2099-05-02 17:00"));
    }

    // Day and month in an order that is a guess: a 4xx, the message beside the field.
    let (status, error) = staff.call::<i64>("save_meetup", &meetup_form("05/02/2099 2:00 PM", "")).await.unwrap_err();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let said = error.field_text("starts").expect("beside the start");
    assert!(said.en.contains("2026-12-06 19:00") && said.zh.contains("无法识别") && said.zh.contains("2026-12-06 19:00"), "{said:?}");

    // No city typed: asked to fill it in, not told the city is unknown.
    let mut no_city = meetup_form("2099-05-02 14:00", "2099-05-02 16:00");
    no_city.retain(|(k, _)| *k != "city");
    no_city.push(("city", " "));
    let (_, error) = staff.call::<i64>("save_meetup", &no_city).await.unwrap_err();
    assert!(error.field_text("city").is_some_and(|t| t.zh.contains("请填写")), "{error:?}");

    // Without JavaScript: the form comes back with what was typed and the message.
    let posted = post_without_script(&staff, "/staff/meetups/new", &meetup_form("05/02/2099 2:00 PM", "tomorrow evening")).await;
    assert!(posted.status().is_redirection(), "{}", posted.status());
    let back = posted.headers()["location"].to_str().expect("location").trim_start_matches(&app.base).to_string();
    let (status, page) = staff.page(&back).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("value=\"05/02/2099 2:00 PM\"") && page.contains("value=\"tomorrow evening\""), "what was typed stays");
    let beside = |field: &str| page.split(&format!("id=\"field-{field}-error\"")).nth(1).and_then(|rest| rest.split("</p>").next()).map(str::to_string);
    for field in ["starts", "ends"] {
        assert!(beside(field).is_some_and(|m| m.contains("Could not read this date and time")), "{field}: {:?}", beside(field));
    }
    // Sent again from the page it came back to, with another mistake: that one shows,
    // not the first (the page's address held the first post's error).
    let again = post_without_script(&staff, &back, &meetup_form("2099-05-02 14:00", "tomorrow evening")).await;
    let back_again = again.headers()["location"].to_str().expect("location").trim_start_matches(&app.base).to_string();
    assert_eq!(back_again.matches("__err=").count(), 1, "only this post's error: {back_again}");
    let (_, page) = staff.page(&back_again).await;
    let beside = |field: &str| page.split(&format!("id=\"field-{field}-error\"")).nth(1).and_then(|rest| rest.split("</p>").next()).map(str::to_string);
    assert!(beside("ends").is_some_and(|m| m.contains("Could not read this date and time")), "{:?}", beside("ends"));
    assert!(!beside("starts").is_some_and(|m| m.contains("Could not read")), "the first post's message is gone: {:?}", beside("starts"));

    // Date-only fields likewise: the city's filter,
    let read: CityEvents = app.browser().call("city_events", &[("city", &city), ("from", "2099年5月1日"), ("to", "2099/5/3")]).await.expect("filter");
    assert!(read.filter_errors.is_empty(), "{:?}", read.filter_errors);
    let unread: CityEvents = app.browser().call("city_events", &[("city", &city), ("from", "5/1/2099"), ("to", "2099-05-03")]).await.expect("filter");
    assert!(unread.filter_errors.get("from").is_some() && unread.filter_errors.get("to").is_none() && unread.events.is_empty());
    let (status, page) = app.browser_in("").page(&format!("/cities/{city}?from=5%2F1%2F2099&to=")).await;
    assert_eq!(status, StatusCode::OK, "a mistake in the filter is no error page");
    assert!(page.contains("value=\"5/1/2099\"") && page.contains("无法识别这个日期"), "beside the field, in Chinese");

    // the festival's day, opening and session time,
    let festival = [("id", ""), ("name", "米粉节"), ("description", ""), ("day", "2099年4月6日"), ("opens", "2099/4/1 10:00")];
    let fid: i64 = staff.call("save_festival", &festival).await.expect("festival");
    let fid = fid.to_string();
    let session = [("festival_id", fid.as_str()), ("city", "深圳"), ("venue", "Hall"), ("address", ""), ("start_time", "下午2点"), ("capacity", "")];
    let _: i64 = staff.call("add_festival_session", &session).await.expect("session");
    let view: StaffFestival = staff.call("load_staff_festival", &[("id", &fid)]).await.expect("festival view");
    assert_eq!((view.day.as_str(), view.opens_input.as_str()), ("2099-04-06", "2099-04-01 10:00"));
    assert_eq!(view.sessions[0].starts, "Mon 6 Apr 2099, 14:00");
    let bad = [("id", ""), ("name", "米粉节"), ("description", ""), ("day", "4/6/2099"), ("opens", "")];
    let (status, error) = staff.call::<i64>("save_festival", &bad).await.unwrap_err();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.field_text("day").is_some_and(|t| t.zh.contains("无法识别")) && error.field_message("opens").is_some());

    // and the planner's day.
    let chosen: i64 = staff.call("choose_host_city", &[("date", "2099年6月6日"), ("city", "拉萨"), ("source", "manual")]).await.expect("planned");
    assert!(chosen > 0);
    let (_, error) = staff.call::<i64>("choose_host_city", &[("date", "6.6.2099"), ("city", "拉萨"), ("source", "manual")]).await.unwrap_err();
    assert!(error.field_message("date").is_some_and(|m| m.starts_with("Could not read this date")));
}

//! Output safety (issue 16): script and quote payloads typed into every text field a
//! user fills come back only escaped, on every page that shows them and in every email
//! they reach; CSV exports defuse spreadsheet formulas; line breaks in names, titles or
//! subjects cannot add mail headers (checked on the message the SMTP server received).
use crate::common;

use common::moderation::{moderate, organizer, staff};
use common::smtp::SmtpServer;
use common::{execute, Backend, Browser, TestApp};
use serde_json::Value;
use tongcheng::gatherings::ModerationQueue;
use tongcheng::meetups::Place;

on_both_databases!(typed_markup_comes_back_escaped_everywhere, club_text_comes_back_escaped, csv_exports_defuse_formulas, line_breaks_cannot_add_mail_headers);

/// What a fan types in field `tag`: markup, then quotes that would end an attribute.
fn payload(tag: &str) -> String {
    format!("<script>{tag}</script>\"'<img src=x>")
}

/// How the payload of `tag` reads once escaped for HTML.
fn escaped(tag: &str) -> String {
    format!("&lt;script&gt;{tag}&lt;/script&gt;")
}

/// Every field's tag: organizer and fan names, gathering title, description, venue,
/// address, question, report, application to organize, message subject and body,
/// staff's decline reason, official meetup title, description and draw question, the
/// fan's answer, feedback; a club officer's name, news title and body, appointment
/// reason, a news report's details, a message's subject and body.
const TAGS: [&str; 24] = ["N1", "N2", "T1", "D1", "V1", "A1", "Q1", "R1", "O1", "S1", "B1", "X1", "M1", "MD", "K1", "P1", "F1", "CN", "CT", "CB", "CR", "CD", "CS", "CM"];

/// `html` shows each of `shown` escaped, and no payload anywhere unescaped.
fn assert_safe(place: &str, html: &str, shown: &[&str]) {
    let around = |at: usize| html[html.floor_char_boundary(at.saturating_sub(120))..html.ceil_char_boundary((at + 80).min(html.len()))].to_string();
    for tag in TAGS {
        if let Some(at) = html.find(&format!("<script>{tag}")) {
            panic!("{place}: the {tag} payload is not escaped: …{}…", around(at));
        }
    }
    if let Some(at) = html.find("<img src=x>") {
        panic!("{place}: an image tag got through: …{}…", around(at));
    }
    for tag in shown {
        assert!(html.contains(&escaped(tag)), "{place}: {tag} should be shown (escaped)");
    }
}

async fn page_safe(browser: &Browser, path: &str, shown: &[&str]) {
    let (status, html) = browser.page(path).await;
    assert!(status.is_success(), "{path}: {status}");
    assert_safe(path, &html, shown);
}

fn form<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

async fn call<T: serde::de::DeserializeOwned>(browser: &Browser, endpoint: &str, pairs: &[(&'static str, String)]) -> T {
    browser.call(endpoint, &form(pairs)).await.unwrap_or_else(|e| panic!("{endpoint}: {e:?}"))
}

fn gathering(title: &str, description: &str, venue: &str, address: &str) -> Vec<(&'static str, String)> {
    [("id", ""), ("title", title), ("description", description), ("venue", venue), ("address", address), ("starts", "2099-03-07 19:00"), ("ends", ""), ("capacity", "10"), ("signup_closes", "")]
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect()
}

/// An organizer's approved gathering in 深圳, its fields as given; returns its id.
async fn listed_gathering(staff: &Browser, host: &Browser, fields: Vec<(&'static str, String)>) -> i64 {
    let id: i64 = call(host, "save_gathering", &fields).await;
    moderate(staff, "gathering", id, "approve", "").await;
    id
}

async fn body_html(app: &TestApp, kind: &str, to: &str) -> String {
    sqlx::query_scalar("SELECT body_html FROM outbox WHERE kind = $1 AND recipient = $2 ORDER BY id DESC LIMIT 1")
        .bind(kind)
        .bind(to)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap_or_else(|e| panic!("no {kind} mail to {to}: {e}"))
}

async fn typed_markup_comes_back_escaped_everywhere(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let host = organizer(&app, &staff, "host@example.com", "深圳").await;
    let _: String = call(&host, "update_display_name", &[("display_name", payload("N1"))]).await;
    let fan = app.fan("fan@example.com", "深圳").await;
    let _: String = call(&fan, "update_display_name", &[("display_name", payload("N2"))]).await;
    let _: bool = call(&fan, "set_public_profile", &[("public", "yes".into())]).await;
    let fan_id = common::moderation::user_id(&app, "fan@example.com").await;

    let g = listed_gathering(&staff, &host, gathering(&payload("T1"), &payload("D1"), &payload("V1"), &payload("A1"))).await;
    let gid = g.to_string();
    // An official meetup that selects by draw, with staff's question.
    let meetup: Vec<(&'static str, String)> = [
        ("id", ""), ("city", "深圳"), ("title", &payload("M1")), ("description", &payload("MD")), ("starts", "2099-05-02 14:00"),
        ("capacity", "2"), ("admission", "draw"), ("application_closes", "2099-05-01 10:00"), ("question", &payload("K1")),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .collect();
    let draw: i64 = call(&staff, "save_meetup", &meetup).await;
    let did = draw.to_string();
    let _: u64 = call(&staff, "publish_meetup", &[("id", did.clone()), ("radius_km", String::new())]).await;
    let _: () = call(&fan, "apply_for_seat", &[("id", did.clone()), ("answer", payload("P1"))]).await;

    let place: Place = call(&fan, "sign_up", &[("id", gid.clone())]).await;
    let _: i64 = call(&fan, "ask_question", &[("id", gid.clone()), ("body", payload("Q1"))]).await;
    let _: () = call(&fan, "report_gathering", &[("id", gid.clone()), ("category", "spam".into()), ("details", payload("R1"))]).await;
    let _: () = call(&fan, "apply_organizer", &[("reason", payload("O1"))]).await;
    let _: u64 = call(&host, "message_attendees", &[("id", gid.clone()), ("subject", payload("S1")), ("body", payload("B1"))]).await;

    let visitor = app.browser();
    page_safe(&visitor, &format!("/meetups/{g}"), &["T1", "D1", "V1", "A1", "N1"]).await;
    page_safe(&fan, &format!("/meetups/{g}"), &["T1", "Q1"]).await;
    page_safe(&visitor, &format!("/fans/{fan_id}"), &["N2"]).await;
    page_safe(&fan, &format!("/meetups/{draw}"), &["M1", "MD", "K1"]).await;
    // The posters of those pages draw the typed title as text, never as markup.
    for (browser, path) in [(&visitor, format!("/meetups/{g}/poster.png")), (&fan, format!("/meetups/{draw}/poster.png"))] {
        let response = browser.client.get(format!("{}{path}", app.base)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
        assert_eq!(response.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("image/png"), "{path}");
    }
    page_safe(&staff, &format!("/staff/meetups/{draw}"), &["M1", "P1"]).await;
    page_safe(&staff, "/staff/moderation", &["R1", "O1", "T1"]).await;
    page_safe(&fan, "/account", &["N2"]).await;
    page_safe(&fan, "/my-meetups", &["T1"]).await;
    page_safe(&fan, "/mailbox", &["S1"]).await;
    let message = app.scalar("SELECT MAX(id) FROM outbox WHERE kind = 'organizer_message' AND recipient = 'fan@example.com'").await;
    page_safe(&fan, &format!("/mailbox/{message}"), &["S1", "B1", "N1"]).await;

    // Staff decline the application to organize, with their reason.
    let queue: ModerationQueue = staff.call("moderation_queue", &[]).await.unwrap();
    let application = queue.applications.iter().find(|a| a.email == "fan@example.com").expect("in the queue").id;
    moderate(&staff, "application", application, "decline", &payload("X1")).await;

    // The gathering happens; the fan is checked in and rates it.
    let start = tongcheng::infra::clock::now() - 3600;
    execute(&app.state.db, "UPDATE events SET starts_at = $1, ends_at = $2 WHERE id = $3", &[start, start + 7200, g]).await;
    let _: String = call(&staff, "check_in", &[("code", place.ticket_code.expect("ticket")), ("event", gid.clone())]).await;
    let _: Value = call(&host, "close_door", &[("id", gid.clone()), ("confirm", "on".into())]).await;
    let _: () = call(&fan, "leave_feedback", &[("id", gid.clone()), ("rating", "4".into()), ("comment", payload("F1"))]).await;
    page_safe(&host, &format!("/organize/{g}"), &["T1", "Q1", "F1", "N2"]).await;
    page_safe(&host, &format!("/doors/{g}"), &["T1", "N2"]).await;
    // Live: a poll's question and options, and the lucky draw's winner (the fan).
    let poll: i64 = call(&host, "save_live_item", &[("event", gid.clone()), ("kind", "poll".into()), ("question", payload("L1")), ("options", format!("{}\nL3", payload("L2")))]).await;
    let _: () = call(&host, "switch_live_item", &[("item", poll.to_string()), ("action", "open".into())]).await;
    let _: Value = call(&host, "lucky_draw", &[("event", gid.clone())]).await;
    page_safe(&host, &format!("/events/{g}/live/run"), &["L1", "L2", "N2"]).await;
    page_safe(&host, &format!("/events/{g}/live"), &["L1", "L2"]).await;
    page_safe(&fan, &format!("/events/{g}/play"), &["L1", "L2"]).await;
    page_safe(&fan, &format!("/tickets/{g}"), &["T1", "V1"]).await;
    page_safe(&staff, &format!("/staff/meetups/{g}"), &["T1", "Q1", "F1"]).await;

    // The emails: every HTML part escapes, and these show the fields they carry.
    let all: Vec<(String, String)> = sqlx::query_as("SELECT kind, body_html FROM outbox").fetch_all(&app.state.db.pool).await.unwrap();
    for (kind, html) in &all {
        assert_safe(&format!("{kind} email"), html, &[]);
    }
    assert_safe("invitation", &body_html(&app, "invitation", "fan@example.com").await, &["M1"]);
    assert_safe("ticket", &body_html(&app, "seat_confirmed", "fan@example.com").await, &["T1", "N2", "V1"]);
    assert_safe("organizer's message", &body_html(&app, "organizer_message", "fan@example.com").await, &["T1", "B1", "N1"]);
    assert_safe("decision", &body_html(&app, "organizer_decision", "fan@example.com").await, &["X1", "N2"]);
}

/// The cells of a CSV line (every cell quoted, no commas inside these cells).
fn cells(line: &str) -> Vec<String> {
    line.trim_matches('"').split("\",\"").map(|c| c.replace("\"\"", "\"")).collect()
}

async fn csv_exports_defuse_formulas(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let host = organizer(&app, &staff, "host@example.com", "深圳").await;
    let g = listed_gathering(&staff, &host, gathering("Formulas", "", "Cafe", "Road 1")).await;
    let names = ["=HYPERLINK(\"http://evil.example\")", "+1+1", "-2+3", "@SUM(A1)", "＝1+1"];
    for (i, name) in names.iter().enumerate() {
        let fan = app.fan(&format!("csv{i}@example.com"), "深圳").await;
        let _: String = fan.call("update_display_name", &[("display_name", name)]).await.expect("name");
        let _: Place = fan.call("sign_up", &[("id", &g.to_string())]).await.expect("sign up");
    }
    let staff_csv = staff.client.get(format!("{}/staff/meetups/{g}/attendees.csv", app.base)).send().await.unwrap().text().await.unwrap();
    let own_csv = host.client.get(format!("{}/staff/meetups/{g}/attendees.csv", app.base)).send().await.unwrap().text().await.unwrap();
    assert_eq!(staff_csv, own_csv);
    let lines: Vec<&str> = own_csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 1 + names.len(), "{own_csv}");
    for name in names {
        let row = lines.iter().find(|l| l.contains(&name.replace('"', "\"\""))).unwrap_or_else(|| panic!("{name} not exported"));
        assert!(cells(row).contains(&format!("'{name}")), "{name} is defused in {row}");
    }
    for line in &lines[1..] {
        for cell in cells(line) {
            assert!(!cell.starts_with(['=', '+', '-', '@', '＝']), "a cell a spreadsheet would run: {cell} in {line}");
        }
    }
}

async fn line_breaks_cannot_add_mail_headers(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = TestApp::spawn_with(backend, &[("SMTP_URL", &smtp.url())]).await;
    let staff = staff(&app).await;
    let host = organizer(&app, &staff, "host@example.com", "深圳").await;
    let fan = app.fan("fan@example.com", "深圳").await;
    let injected = "Hi\r\nBcc: evil@example.com\r\nX-Injected: yes";

    // Forms refuse line breaks in names and subjects ...
    let name = fan.call::<String>("update_display_name", &[("display_name", injected)]).await.unwrap_err();
    assert!(name.1.field_message("display_name").is_some(), "{name:?}");
    let g = listed_gathering(&staff, &host, gathering("Safe title", "", "Cafe", "Road 1")).await;
    let _: Place = fan.call("sign_up", &[("id", &g.to_string())]).await.unwrap();
    let subject = host.call::<u64>("message_attendees", &[("id", &g.to_string()), ("subject", injected), ("body", "Hello")]).await.unwrap_err();
    assert!(subject.1.field_message("subject").is_some(), "{subject:?}");

    // ... and text that has them anyway (older data, an import) stays inside the
    // subject: here the gathering's title, which every message's subject carries.
    let mut tx = app.state.db.begin_write().await.unwrap();
    sqlx::query("UPDATE events SET title = $1 WHERE id = $2").bind(injected).bind(g).execute(&mut *tx).await.unwrap();
    sqlx::query("UPDATE users SET display_name = $1 WHERE email = 'host@example.com'").bind(injected).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    let _: u64 = host.call("message_attendees", &[("id", &g.to_string()), ("subject", "Bring a phone"), ("body", "See you")]).await.expect("send");
    let mail = smtp.wait_for_mail_to("fan@example.com", "Bring a phone").await;
    assert!(mail.header("X-Injected").is_none() && mail.header("Bcc").is_none(), "{:?}", mail.headers);
    assert!(mail.subject.contains("X-Injected: yes") && !mail.subject.contains('\n'), "the title stays in the subject: {:?}", mail.subject);
    let rcpt = mail.header("X-RcptTo").unwrap_or_default();
    assert!(!rcpt.contains("evil"), "{rcpt}");
    assert!(smtp.messages().iter().all(|m| !m.to.contains("evil") && m.header("X-RcptTo").is_none_or(|r| !r.contains("evil"))));
}

/// A club's text (issue 25): an officer's name, their news' title and body, and the
/// reasons in the club's log, on the club page, the desk and the officer's fan page.
async fn club_text_comes_back_escaped(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let officer = app.fan("officer@example.com", "深圳").await;
    let _: String = call(&officer, "update_display_name", &[("display_name", payload("CN"))]).await;
    let until = tongcheng::text::date_label(tongcheng::infra::clock::now() + 100 * 86_400);
    let city = "1795565";
    let _: i64 = call(&staff, "appoint_officer", &[("city", city.into()), ("email", "officer@example.com".into()), ("role", "president".into()), ("until", until), ("reason", payload("CR"))]).await;
    let news: i64 = call(&officer, "post_club_news", &[("city", city.into()), ("title", payload("CT")), ("body", payload("CB"))]).await;
    let _: u64 = call(&officer, "message_club_members", &[("city", city.into()), ("subject", payload("CS")), ("body", payload("CM"))]).await;
    let officer_id = common::moderation::user_id(&app, "officer@example.com").await;
    for browser in [app.browser(), officer.clone(), staff.clone()] {
        page_safe(&browser, &format!("/clubs/{city}"), &["CN", "CT", "CB"]).await;
    }
    page_safe(&officer, &format!("/clubs/{city}/desk"), &["CS", "CM", "CN"]).await;
    page_safe(&staff, &format!("/fans/{officer_id}"), &["CN"]).await;
    // A fan reports the post: staff read the report on the queue and the club's desk;
    // hidden, the post's title stays on the desk's list of what may be put back.
    let reader = app.fan("reader@example.com", "深圳").await;
    let _: () = call(&reader, "report_club_news", &[("id", news.to_string()), ("category", "spam".into()), ("details", payload("CD"))]).await;
    page_safe(&staff, "/staff/moderation", &["CT", "CD", "CN"]).await;
    page_safe(&staff, &format!("/clubs/{city}/desk"), &["CN", "CR", "CD", "CS", "CM"]).await;
    let report = app.scalar("SELECT id FROM club_news_reports").await;
    let _: () = call(&staff, "answer_news_report", &[("id", report.to_string()), ("action", "hide".into()), ("reason", "Spam".into())]).await;
    page_safe(&staff, &format!("/clubs/{city}/desk"), &["CT"]).await;
}


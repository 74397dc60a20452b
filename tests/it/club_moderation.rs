//! City clubs, second part (issue 25): reports about news (staff's to answer), officers
//! answering reports about their club's gatherings, staff putting back what was hidden,
//! and officers writing to their members — each power only in the officer's own club
//! and term, on both databases.
use crate::common;

use common::moderation::{gathering_form, staff, user_id};
use common::smtp::SmtpServer;
use common::{Backend, Browser, TestApp};
use std::time::{Duration, Instant};
use tongcheng::clubs::{ClubDesk, ClubPage, NewsReportView};
use tongcheng::error::AppError;
use tongcheng::infra::clock::now;

on_both_databases!(
    reports_about_news_go_to_staff_who_can_also_put_posts_back,
    officers_answer_reports_about_their_clubs_gatherings,
    officers_write_to_their_members_a_few_times_a_week,
);

const SHENZHEN: &str = "1795565";

async fn appoint(app: &TestApp, staff: &Browser, city: &str, email: &str) {
    let until = tongcheng::text::date_label(now() + 365 * 86_400);
    let _: i64 = staff
        .call("appoint_officer", &[("city", city), ("email", email), ("role", "organizer"), ("until", &until), ("reason", "Runs the chat")])
        .await
        .unwrap_or_else(|e| panic!("appoint {email} in {city}: {e:?} ({})", app.base));
}

async fn call(who: &Browser, endpoint: &str, args: &[(&str, &str)]) -> Result<(), AppError> {
    who.call::<()>(endpoint, args).await.map_err(|e| e.1)
}

async fn reports_about_news_go_to_staff_who_can_also_put_posts_back(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let officer = app.fan("officer@example.com", "深圳").await;
    let fan = app.fan("fan@example.com", "深圳").await;
    appoint(&app, &staff, SHENZHEN, "officer@example.com").await;
    let news: i64 = officer.call("post_club_news", &[("city", SHENZHEN), ("title", "Cheap phones here"), ("body", "DM me")]).await.unwrap();
    let id = news.to_string();
    let report = |who: Browser, category: &'static str| {
        let id = id.clone();
        async move { call(&who, "report_club_news", &[("id", &id), ("category", category), ("details", "Selling <b>phones</b>")]).await }
    };
    let bad = report(fan.clone(), "gossip").await.unwrap_err();
    assert!(bad.field_text("category").is_some(), "{bad:?}");
    report(fan.clone(), "spam").await.expect("reported");
    let twice = report(fan.clone(), "spam").await.unwrap_err();
    assert!(twice.field_text("details").is_some(), "once per fan and post: {twice:?}");
    assert_eq!(report(officer.clone(), "spam").await, Err(AppError::NotFound), "not one's own post");
    assert_eq!(report(app.browser(), "spam").await, Err(AppError::Unauthorized));
    // Staff see it; officers do not answer reports about news (officers write it).
    let reports: Vec<NewsReportView> = staff.call("load_news_reports", &[]).await.unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!((reports[0].news_id, reports[0].details.as_str()), (news, "Selling <b>phones</b>"));
    let report_id = reports[0].id.to_string();
    assert_eq!(officer.call::<Vec<NewsReportView>>("load_news_reports", &[]).await.unwrap_err().1, AppError::Forbidden);
    let answer = |who: Browser, action: &'static str, reason: &'static str| {
        let report_id = report_id.clone();
        async move { call(&who, "answer_news_report", &[("id", &report_id), ("action", action), ("reason", reason)]).await }
    };
    assert_eq!(answer(officer.clone(), "hide", "Spam").await, Err(AppError::Forbidden));
    let reasonless = answer(staff.clone(), "hide", "").await.unwrap_err();
    assert!(reasonless.field_text("reason").is_some(), "hiding needs a reason: {reasonless:?}");
    answer(staff.clone(), "hide", "Selling phones").await.expect("hidden");
    assert_eq!(answer(staff.clone(), "dismiss", "").await, Err(AppError::NotFound), "answered once");
    let page: ClubPage = fan.call("load_club", &[("city", SHENZHEN)]).await.unwrap();
    assert!(page.news.is_empty(), "the hidden post is gone from the club page");
    // Staff may put it back (an override, logged); officers and fans may not.
    let desk: ClubDesk = staff.call("load_club_desk", &[("city", SHENZHEN)]).await.unwrap();
    assert_eq!(desk.hidden.iter().map(|h| (h.subject.as_str(), h.id)).collect::<Vec<_>>(), [("news", news)]);
    let officer_desk: ClubDesk = officer.call("load_club_desk", &[("city", SHENZHEN)]).await.unwrap();
    assert!(officer_desk.hidden.is_empty() && officer_desk.news_reports.is_empty(), "staff's business");
    let restore = |who: Browser| {
        let id = news.to_string();
        async move { call(&who, "restore_club_news", &[("id", &id), ("reason", "A misunderstanding")]).await }
    };
    assert_eq!(restore(officer.clone()).await, Err(AppError::Forbidden));
    restore(staff.clone()).await.expect("put back");
    let again = restore(staff.clone()).await.unwrap_err();
    assert!(again.field_text("action").is_some(), "{again:?}");
    let page: ClubPage = fan.call("load_club", &[("city", SHENZHEN)]).await.unwrap();
    assert_eq!(page.news.len(), 1);
    let hide_again = call(&officer, "hide_club_news", &[("id", &news.to_string()), ("reason", "Again")]).await;
    assert_eq!(hide_again, Err(AppError::Forbidden), "officers do not undo staff");
    let outsider = call(&fan, "hide_club_news", &[("id", &news.to_string()), ("reason", "Mine now")]).await;
    assert_eq!(outsider, Err(AppError::NotFound), "a fan cannot tell it exists");
    let log = app.text(&format!("SELECT STRING_AGG(action || '/' || staff_name, ',' ORDER BY id) FROM moderation_log WHERE city_id = {SHENZHEN} AND subject = 'news'")).await;
    assert_eq!(log, "hide/Boss,restore/Boss");
}

async fn officers_answer_reports_about_their_clubs_gatherings(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let shanghai = app.city_id("上海").await.to_string();
    let officer = app.fan("officer@example.com", "深圳").await;
    let elsewhere = app.fan("elsewhere@example.com", "上海").await;
    let fellow = app.fan("fellow@example.com", "深圳").await;
    let host = app.fan("host@example.com", "深圳").await;
    let fan = app.fan("fan@example.com", "深圳").await;
    for (email, city) in [("officer@example.com", SHENZHEN), ("fellow@example.com", SHENZHEN), ("elsewhere@example.com", shanghai.as_str())] {
        appoint(&app, &staff, city, email).await;
    }
    for email in ["host@example.com", "fellow@example.com"] {
        common::execute(&app.state.db, "UPDATE users SET role = 'organizer', trusted_organizer = 1 WHERE id = $1", &[user_id(&app, email).await]).await;
    }
    let gathering: i64 = host.call("save_gathering", &gathering_form("", "Board games", "", "10")).await.unwrap();
    let fellows: i64 = fellow.call("save_gathering", &gathering_form("", "The fellow's", "", "10")).await.unwrap();
    for id in [gathering, fellows] {
        common::execute(&app.state.db, "UPDATE events SET status = 'published' WHERE id = $1", &[id]).await;
        call(&fan, "report_gathering", &[("id", &id.to_string()), ("category", "unsafe"), ("details", "Odd venue")]).await.unwrap();
    }
    let report = app.scalar(&format!("SELECT id FROM reports WHERE event_id = {gathering}")).await;
    let fellows_report = app.scalar(&format!("SELECT id FROM reports WHERE event_id = {fellows}")).await;
    // The officer sees the report about the host's gathering, not the fellow officer's.
    let desk: ClubDesk = officer.call("load_club_desk", &[("city", SHENZHEN)]).await.unwrap();
    assert_eq!(desk.reports.iter().map(|r| r.id).collect::<Vec<_>>(), [report]);
    let staff_desk: ClubDesk = staff.call("load_club_desk", &[("city", SHENZHEN)]).await.unwrap();
    assert_eq!(staff_desk.reports.len(), 2, "staff see every report of the club");
    let decide = |who: Browser, subject: &'static str, id: i64, action: &'static str| async move {
        call(&who, "moderate", &[("subject", subject), ("id", &id.to_string()), ("action", action), ("reason", "Checked the venue")]).await
    };
    assert_eq!(decide(elsewhere.clone(), "report", report, "hide").await, Err(AppError::Forbidden), "another club's officer");
    assert_eq!(decide(officer.clone(), "report", fellows_report, "hide").await, Err(AppError::Forbidden), "a fellow officer's: staff's");
    decide(officer.clone(), "report", report, "hide").await.expect("the club's officer hides it");
    assert_eq!(app.text(&format!("SELECT status FROM events WHERE id = {gathering}")).await, "hidden");
    // Staff override: the gathering goes back on the calendar; officers cannot do that.
    let officer_restores = decide(officer.clone(), "gathering", gathering, "restore").await.unwrap_err();
    assert!(officer_restores.field_text("action").is_some(), "{officer_restores:?}");
    decide(staff.clone(), "gathering", gathering, "restore").await.expect("staff put it back");
    assert_eq!(app.text(&format!("SELECT status FROM events WHERE id = {gathering}")).await, "published");
    assert_eq!(decide(officer.clone(), "gathering", gathering, "hide").await, Err(AppError::Forbidden), "staff's decision sticks");
    let published_again = decide(staff.clone(), "gathering", gathering, "restore").await.unwrap_err();
    assert!(published_again.field_text("action").is_some(), "only what is hidden or sent back");
    // A report about the officer's own question (on the host's gathering) is the asker's
    // business, not the organizer's: staff's.
    let _: tongcheng::meetups::Place = officer.call("sign_up", &[("id", &gathering.to_string())]).await.expect("sign up");
    let question: i64 = officer.call("ask_question", &[("id", &gathering.to_string()), ("body", "Is there parking?")]).await.expect("asked");
    call(&fan, "report_question", &[("id", &question.to_string()), ("category", "spam"), ("details", "Off topic")]).await.expect("reported");
    let about_question = app.scalar(&format!("SELECT id FROM reports WHERE question_id = {question}")).await;
    let desk: ClubDesk = officer.call("load_club_desk", &[("city", SHENZHEN)]).await.unwrap();
    assert!(desk.reports.iter().all(|r| r.id != about_question), "not on the asker's desk");
    assert_eq!(decide(officer.clone(), "report", about_question, "dismiss").await, Err(AppError::Forbidden), "nobody dismisses a report about themselves");
    // Expired: nothing.
    let officer_id = user_id(&app, "officer@example.com").await;
    common::execute(&app.state.db, "UPDATE club_officers SET starts_at = $1 - 86400, ends_at = $1 WHERE user_id = $2", &[now() - 1, officer_id]).await;
    assert_eq!(officer.call::<ClubDesk>("load_club_desk", &[("city", SHENZHEN)]).await.unwrap_err().1, AppError::Forbidden);
    let log = app.text(&format!("SELECT STRING_AGG(subject || ':' || action || '/' || staff_name, ',' ORDER BY id) FROM moderation_log WHERE city_id = {SHENZHEN} AND subject IN ('report', 'gathering')")).await;
    assert!(log.ends_with("gathering:hide/Fan,report:hide/Fan,gathering:restore/Boss"), "{log}");
}

async fn officers_write_to_their_members_a_few_times_a_week(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = TestApp::spawn_with(backend, &[("SMTP_URL", &smtp.url())]).await;
    let staff = staff(&app).await;
    let shanghai = app.city_id("上海").await.to_string();
    let officer = app.fan("officer@example.com", "深圳").await;
    let member = app.fan("member@example.com", "深圳").await;
    let follower = app.fan("follower@example.com", "上海").await;
    let _stranger = app.fan("stranger@example.com", "上海").await;
    let elsewhere = app.fan("elsewhere@example.com", "上海").await;
    appoint(&app, &staff, SHENZHEN, "officer@example.com").await;
    appoint(&app, &staff, &shanghai, "elsewhere@example.com").await;
    let _: bool = follower.call("follow_club", &[("city", SHENZHEN)]).await.unwrap();
    let quiet = user_id(&app, "member@example.com").await;
    let send = |who: Browser, city: String, subject: &'static str| async move {
        who.call::<u64>("message_club_members", &[("city", &city), ("subject", subject), ("body", "Bring {{unsubscribe_token}} snacks")]).await.map_err(|e| e.1)
    };
    assert_eq!(send(member.clone(), SHENZHEN.into(), "Hi").await, Err(AppError::Forbidden), "members do not write to everyone");
    assert_eq!(send(elsewhere.clone(), SHENZHEN.into(), "Hi").await, Err(AppError::Forbidden), "another club's officer");
    let empty = send(officer.clone(), SHENZHEN.into(), "").await.unwrap_err();
    assert!(empty.field_text("subject").is_some(), "{empty:?}");
    let reached = send(officer.clone(), SHENZHEN.into(), "Picnic <Sunday>").await.unwrap();
    assert_eq!(reached, 3, "the officer, the member and the follower");
    common::execute(&app.state.db, "UPDATE users SET wants_invitations = 0 WHERE id = $1", &[quiet]).await;
    assert_eq!(send(officer.clone(), SHENZHEN.into(), "Reminder").await.unwrap(), 2, "unsubscribed fans are not written to");
    let third = send(officer.clone(), SHENZHEN.into(), "Again").await.unwrap_err();
    assert!(third.field_text("body").is_some(), "two a week: {third:?}");
    let desk: ClubDesk = officer.call("load_club_desk", &[("city", SHENZHEN)]).await.unwrap();
    assert_eq!((desk.messages.len(), desk.messages_left), (2, 0));
    let deadline = Instant::now() + Duration::from_secs(30);
    let letters = loop {
        let got: Vec<_> = smtp.messages().into_iter().filter(|m| m.subject.contains("Picnic")).collect();
        if got.len() >= 3 {
            break got;
        }
        assert!(Instant::now() < deadline, "messages did not arrive");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut to: Vec<&str> = letters.iter().map(|m| m.to.as_str()).collect();
    to.sort();
    assert_eq!(to, ["follower@example.com", "member@example.com", "officer@example.com"]);
    for letter in &letters {
        assert!(letter.header("List-Unsubscribe").is_some(), "bulk mail");
        // The officer's text as written: what looks like a placeholder stays text, and the
        // reader's secret is only in their own unsubscribe link.
        let token = app.text(&format!("SELECT unsubscribe_token FROM users WHERE email = '{}'", letter.to)).await;
        assert!(letter.text.contains("Bring {{unsubscribe_token}} snacks"), "{}", letter.text);
        assert_eq!(letter.text.matches(token.as_str()).count(), 1, "an officer's text cannot take a reader's secret");
        assert!(!letter.html.contains("<Sunday>"), "escaped");
    }
    // An officer whose term ended writes no more.
    let officer_id = user_id(&app, "officer@example.com").await;
    common::execute(&app.state.db, "DELETE FROM club_messages", &[]).await;
    common::execute(&app.state.db, "UPDATE club_officers SET ended_at = $1 WHERE user_id = $2", &[now() - 1, officer_id]).await;
    assert_eq!(send(officer.clone(), SHENZHEN.into(), "Still me").await, Err(AppError::Forbidden));
}

//! City clubs (issue 25): officers' terms and their powers (the officers' authorization
//! matrix: their own club only, only in term), delegated moderation in one audit log,
//! following, news and the weekly digest, on both databases.
use crate::common;

use common::moderation::{gathering_form, staff, user_id};
use common::smtp::SmtpServer;
use common::{Backend, Browser, TestApp};
use reqwest::StatusCode;
use std::time::{Duration, Instant};
use tongcheng::clubs::ClubPage;
use tongcheng::error::AppError;
use tongcheng::infra::clock::now;

on_both_databases!(
    officers_hold_powers_only_in_their_club_and_their_term,
    officers_moderate_their_club_and_every_decision_is_logged,
    fans_follow_up_to_three_other_clubs,
    the_weekly_digest_reaches_members_and_followers_once,
);

const SHENZHEN: &str = "1795565";

async fn city(app: &TestApp, name: &str) -> String {
    app.city_id(name).await.to_string()
}

/// Staff appoint `email` to `role` in the club of `city` for a year; returns the term.
async fn appoint(staff: &Browser, city: &str, email: &str, role: &str) -> Result<i64, (StatusCode, AppError)> {
    let until = tongcheng::text::date_label(now() + 365 * 86_400);
    staff.call("appoint_officer", &[("city", city), ("email", email), ("role", role), ("until", &until), ("reason", "Runs the club chat")]).await
}

async fn post(officer: &Browser, city: &str, title: &str) -> Result<i64, AppError> {
    officer.call("post_club_news", &[("city", city), ("title", title), ("body", "Hotpot on **Friday**")]).await.map_err(|e| e.1)
}

async fn officers_hold_powers_only_in_their_club_and_their_term(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let shanghai = city(&app, "上海").await;
    let president = app.fan("president@example.com", "深圳").await;
    let vice = app.fan("vice@example.com", "深圳").await;
    let fan = app.fan("fan@example.com", "深圳").await;
    // Only staff appoint; a club has one president at a time.
    assert_eq!(appoint(&fan, SHENZHEN, "fan@example.com", "president").await.unwrap_err().1, AppError::Forbidden);
    let term = appoint(&staff, SHENZHEN, "president@example.com", "president").await.expect("appointed");
    let second = appoint(&staff, SHENZHEN, "vice@example.com", "president").await.unwrap_err();
    assert!(second.1.field_text("role").is_some(), "{second:?}");
    let vice_term = appoint(&staff, SHENZHEN, "vice@example.com", "vice_president").await.expect("a vice president");
    let _: String = app.browser().call("register", &[("email", "unconfirmed@example.com"), ("display_name", "U"), ("password", "password123"), ("city", "深圳")]).await.unwrap();
    let unconfirmed = appoint(&staff, SHENZHEN, "unconfirmed@example.com", "organizer").await.unwrap_err();
    assert!(unconfirmed.1.field_text("email").is_some(), "an address nobody confirmed gets no powers: {unconfirmed:?}");
    let page: ClubPage = fan.call("load_club", &[("city", SHENZHEN)]).await.unwrap();
    assert_eq!(page.officers.len(), 2);
    // A term typed to end on a date (midnight in the city) reads back as that date.
    let typed = tongcheng::text::date_label(now() + 365 * 86_400);
    assert!(page.officers.iter().all(|o| o.until == typed), "until {typed}: {:?}", page.officers.iter().map(|o| &o.until).collect::<Vec<_>>());

    // An officer posts in their own club only; a fan not at all.
    post(&president, SHENZHEN, "Hotpot night").await.expect("the president posts");
    assert_eq!(post(&president, &shanghai, "Elsewhere").await, Err(AppError::Forbidden), "another club's");
    assert_eq!(post(&fan, SHENZHEN, "Me too").await, Err(AppError::Forbidden));
    let desk = fan.call::<tongcheng::clubs::ClubDesk>("load_club_desk", &[("city", SHENZHEN)]).await;
    assert_eq!(desk.unwrap_err().1, AppError::Forbidden);
    let _: tongcheng::clubs::ClubDesk = vice.call("load_club_desk", &[("city", SHENZHEN)]).await.expect("an officer's desk");

    // Resigned: powers end at once. Removed by staff: the same. A term run out: the same.
    let _: () = president.call("end_officer_term", &[("term", &term.to_string()), ("reason", "Moving away")]).await.unwrap();
    assert_eq!(post(&president, SHENZHEN, "Still me?").await, Err(AppError::Forbidden));
    let other = president.call::<()>("end_officer_term", &[("term", &vice_term.to_string()), ("reason", "Coup")]).await;
    assert_eq!(other.unwrap_err().1, AppError::Forbidden, "only staff end someone else's term");
    post(&vice, SHENZHEN, "Vice here").await.expect("the vice president still serves");
    common::execute(&app.state.db, "UPDATE club_officers SET starts_at = $1 - 86400, ends_at = $1 WHERE id = $2", &[now() - 1, vice_term]).await;
    assert_eq!(post(&vice, SHENZHEN, "Expired").await, Err(AppError::Forbidden), "a term that ran out");
    let again = appoint(&staff, SHENZHEN, "vice@example.com", "organizer").await.unwrap();
    post(&vice, SHENZHEN, "Back").await.expect("a new term");
    let _: () = staff.call("end_officer_term", &[("term", &again.to_string()), ("reason", "Complaints")]).await.unwrap();
    assert_eq!(post(&vice, SHENZHEN, "Removed").await, Err(AppError::Forbidden));

    // Every appointment, resignation and removal is in the club's log, with who and why.
    let log = app.text(&format!("SELECT STRING_AGG(action || '/' || staff_name, ',' ORDER BY id) FROM moderation_log WHERE city_id = {SHENZHEN} AND subject = 'officer'")).await;
    assert!(log.starts_with("appoint president Fan/Boss,appoint vice_president Fan/Boss,resign/Fan,appoint organizer Fan/Boss,remove/Boss"), "{log}");
    // Each officer's record is on their fan page, terms ended included.
    let vice_id = user_id(&app, "vice@example.com").await.to_string();
    let record: tongcheng::participation::FanPage = staff.call("load_fan_page", &[("id", &vice_id)]).await.unwrap();
    assert_eq!(record.officer_terms.len(), 2, "{:?}", record.officer_terms);
    // The news is on the club page, escaped marks rendered.
    let page: ClubPage = app.browser().call("load_club", &[("city", SHENZHEN)]).await.unwrap();
    assert_eq!(page.news.len(), 3);
    assert!(page.news.iter().all(|n| n.body_html.contains("<strong>Friday</strong>")));
}

async fn officers_moderate_their_club_and_every_decision_is_logged(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let officer = app.fan("officer@example.com", "深圳").await;
    let elsewhere = app.fan("elsewhere@example.com", "上海").await;
    appoint(&staff, SHENZHEN, "officer@example.com", "organizer").await.unwrap();
    appoint(&staff, &city(&app, "上海").await, "elsewhere@example.com", "president").await.unwrap();
    let decide = |who: Browser, subject: &'static str, id: i64, action: &'static str| async move {
        who.call::<()>("moderate", &[("subject", subject), ("id", &id.to_string()), ("action", action), ("reason", "Because")]).await.map_err(|e| e.1)
    };
    // A fan of 深圳 applies to organize; the 深圳 officer decides, the 上海 one cannot.
    let host = app.fan("host@example.com", "深圳").await;
    let _: () = host.call("apply_organizer", &[("reason", "I run the local fan club chat.")]).await.unwrap();
    let desk: tongcheng::clubs::ClubDesk = officer.call("load_club_desk", &[("city", SHENZHEN)]).await.unwrap();
    assert_eq!(desk.applications.len(), 1);
    assert!(desk.applications[0].email.is_empty(), "applicants' addresses stay with staff");
    let application = desk.applications[0].id;
    assert_eq!(decide(elsewhere.clone(), "application", application, "approve").await, Err(AppError::Forbidden));
    decide(officer.clone(), "application", application, "approve").await.expect("the club's officer approves");
    // The new organizer's gathering: the officer publishes it; not the other club's.
    let gathering: i64 = host.call("save_gathering", &gathering_form("", "Board games", "", "10")).await.unwrap();
    assert_eq!(decide(elsewhere.clone(), "gathering", gathering, "approve").await, Err(AppError::Forbidden));
    decide(officer.clone(), "gathering", gathering, "approve").await.expect("published by the officer");
    assert_eq!(app.text(&format!("SELECT status FROM events WHERE id = {gathering}")).await, "published");
    // Never their own gathering, and never reports or roles: those are staff's.
    let officer_id = user_id(&app, "officer@example.com").await;
    common::execute(&app.state.db, "UPDATE users SET role = 'organizer' WHERE id = $1", &[officer_id]).await;
    let own: i64 = officer.call("save_gathering", &gathering_form("", "My own", "", "10")).await.unwrap();
    assert_eq!(decide(officer.clone(), "gathering", own, "approve").await, Err(AppError::Forbidden));
    assert_eq!(decide(officer.clone(), "organizer", user_id(&app, "host@example.com").await, "revoke").await, Err(AppError::Forbidden));
    // Nor a fellow officer's: two officers approving each other's is approving one's own.
    let fellow = app.fan("fellow@example.com", "深圳").await;
    appoint(&staff, SHENZHEN, "fellow@example.com", "organizer").await.unwrap();
    common::execute(&app.state.db, "UPDATE users SET role = 'organizer' WHERE id = $1", &[user_id(&app, "fellow@example.com").await]).await;
    let fellows: i64 = fellow.call("save_gathering", &gathering_form("", "The fellow's", "", "10")).await.unwrap();
    assert_eq!(decide(officer.clone(), "gathering", fellows, "approve").await, Err(AppError::Forbidden));
    // An officer whose term ran out decides nothing.
    common::execute(&app.state.db, "UPDATE club_officers SET starts_at = $1 - 86400, ends_at = $1 WHERE user_id = $2", &[now() - 1, officer_id]).await;
    let another: i64 = host.call("save_gathering", &gathering_form("", "Second", "", "10")).await.unwrap();
    assert_eq!(decide(officer.clone(), "gathering", another, "approve").await, Err(AppError::Forbidden));
    // Staff see every decision in the one log, the officers' with the club.
    let queue: tongcheng::gatherings::ModerationQueue = staff.call("moderation_queue", &[]).await.unwrap();
    assert!(queue.log.iter().filter(|l| l.staff == "Fan").count() >= 2, "{:?}", queue.log);
    assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM moderation_log WHERE city_id = {SHENZHEN} AND subject IN ('application', 'gathering')")).await, 2);
}

async fn fans_follow_up_to_three_other_clubs(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fan = app.fan("commuter@example.com", "深圳").await;
    let follow = |city: String| {
        let fan = fan.clone();
        async move { fan.call::<bool>("follow_club", &[("city", &city)]).await.map_err(|e| e.1) }
    };
    assert!(follow(SHENZHEN.into()).await.unwrap_err().field_text("follow").is_some(), "one's own club is one's already");
    for name in ["广州", "上海", "北京"] {
        assert_eq!(follow(city(&app, name).await).await, Ok(true));
    }
    assert_eq!(follow(city(&app, "广州").await).await, Ok(true), "following again changes nothing");
    let fourth = follow(city(&app, "成都").await).await.unwrap_err();
    assert!(fourth.field_text("follow").is_some_and(|t| t.en.contains("3 clubs")), "{fourth:?}");
    let _: bool = fan.call("unfollow_club", &[("city", &city(&app, "上海").await)]).await.unwrap();
    assert_eq!(follow(city(&app, "成都").await).await, Ok(true));
    let page: ClubPage = fan.call("load_club", &[("city", &city(&app, "成都").await)]).await.unwrap();
    let me = page.me.expect("logged in");
    assert!(me.following && !me.home && me.follows == 3);
    assert_eq!(page.followers, 1);
    // Without JavaScript the button is a form post that comes back to the club page.
    let response = fan
        .client
        .post(format!("{}/api/unfollow_club", app.base))
        .header("Accept", "text/html")
        .header("Referer", format!("{}/clubs/{}", app.base, city(&app, "成都").await))
        .form(&[("city", city(&app, "成都").await)])
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection());
    assert_eq!(app.scalar("SELECT COUNT(*) FROM club_follows").await, 2);
}

async fn the_weekly_digest_reaches_members_and_followers_once(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = TestApp::spawn_with(backend, &[("SMTP_URL", &smtp.url())]).await;
    let staff = staff(&app).await;
    let db = &app.state.db;
    let mut fans = Vec::new();
    for (email, home) in [("officer@example.com", "深圳"), ("member@example.com", "深圳"), ("quiet@example.com", "深圳"), ("follower@example.com", "上海"), ("stranger@example.com", "上海")] {
        let _: String = app
            .browser()
            .call("register", &[("email", email), ("display_name", "Fan"), ("password", "password123"), ("city", home)])
            .await
            .unwrap();
        let id = user_id(&app, email).await;
        common::execute(db, "UPDATE users SET email_verified_at = $1, locale = 'en' WHERE id = $2", &[now(), id]).await;
        let browser = app.browser();
        browser.login(email, "password123").await;
        fans.push(browser);
    }
    common::execute(db, "UPDATE users SET wants_invitations = 0 WHERE id = $1", &[user_id(&app, "quiet@example.com").await]).await;
    let _: bool = fans[3].call("follow_club", &[("city", SHENZHEN)]).await.unwrap();
    appoint(&staff, SHENZHEN, "officer@example.com", "president").await.unwrap();
    post(&fans[0], SHENZHEN, "Hotpot night <script>").await.unwrap();
    let shanghai = city(&app, "上海").await;
    appoint(&staff, &shanghai, "stranger@example.com", "president").await.unwrap();
    post(&fans[4], &shanghai, "Dumpling walk").await.unwrap();
    // Run twice (two processes, or the timer again): one digest each, whatever the clubs.
    // (The test app's own timer is off: `CLUB_DIGESTS=off`.)
    let base = &app.state.config.public_url;
    let first = tongcheng::clubs::digest::queue_week(db, base, now()).await.unwrap();
    let second = tongcheng::clubs::digest::queue_week(db, base, now()).await.unwrap();
    assert_eq!((first, second), (4, 0), "the officer, the member, the follower of both clubs and the other club's officer; once");
    let deadline = Instant::now() + Duration::from_secs(30);
    let digests = loop {
        let got: Vec<_> = smtp.messages().into_iter().filter(|m| m.subject.contains("This week")).collect();
        if got.len() >= 4 {
            break got;
        }
        assert!(Instant::now() < deadline, "digests did not arrive");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut to: Vec<String> = digests.iter().map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(to, ["follower@example.com", "member@example.com", "officer@example.com", "stranger@example.com"]);
    let both = digests.iter().find(|m| m.to == "follower@example.com").unwrap();
    assert!(both.subject.contains("2 fan clubs") && both.text.contains("Hotpot night") && both.text.contains("Dumpling walk"), "one letter, both clubs: {both:?}");
    let member = digests.iter().find(|m| m.to == "member@example.com").unwrap();
    assert!(member.text.contains("Hotpot night") && !member.text.contains("Dumpling walk"), "only their clubs' news");
    // A post after this week's digest goes out next week, alone: nothing old again.
    post(&fans[0], SHENZHEN, "Late news").await.unwrap();
    assert_eq!(tongcheng::clubs::digest::queue_week(db, base, now() + 86_400).await.unwrap(), 0, "not two within six days");
    let next_week = tongcheng::clubs::digest::queue_week(db, base, now() + 7 * 86_400).await.unwrap();
    assert_eq!(next_week, 3, "the 深圳 club's members and follower");
    let carried = app.text("SELECT STRING_AGG(title || '@' || COALESCE(digest_week, '-'), ',' ORDER BY id) FROM club_news").await;
    assert_eq!(carried.matches("@-").count(), 0, "every post carried once: {carried}");
    for digest in &digests {
        assert!(digest.header("List-Unsubscribe").is_some_and(|h| h.contains("/unsubscribe?token=")), "bulk mail honours unsubscribing");
        assert!(!digest.html.contains("<script>"), "the post as written, escaped");
        if digest.to != "stranger@example.com" {
            assert!(digest.html.contains("Hotpot night &lt;script&gt;"), "{}", digest.html);
        }
    }
}

//! Live at the meetup (issue 27), the server's side, on both databases: only checked-in
//! fans answer, once however often they press, and within the time; the lucky draw
//! re-runs from its seed; the quiz's places pay points and the badge once; the stream
//! is for those who may follow it, and two app processes deliver the same changes.
use crate::common;

use common::moderation::staff;
use common::{Backend, Browser, TestApp};
use std::time::Duration;
use tongcheng::error::AppError;
use tongcheng::live::{DrawView, ItemStatus, PhoneView, RunView, Standing};

on_both_databases!(
    only_checked_in_fans_answer_once_and_in_time,
    the_lucky_draw_reruns_from_its_seed_and_skips_earlier_winners,
    the_quizs_places_pay_points_and_the_badge_once,
    the_stream_is_for_those_who_may_follow_it,
    old_changes_are_forgotten_but_each_events_newest,
);

/// A meetup under way with `n` seated demo fans, the first `checked` of them checked in
/// by staff; the fans (logged in) and staff.
async fn under_way(app: &TestApp, n: u64, checked: usize) -> (i64, Vec<Browser>, Browser) {
    let (event, fans, codes) = crate::door_sync::meetup_with_fans(app, n).await;
    let staff = staff(app).await;
    for code in codes.iter().take(checked) {
        let _: String = staff.call("check_in", &[("code", code), ("event", &event.to_string())]).await.expect("checked in");
    }
    let mut browsers = Vec::new();
    for (_, email) in &fans {
        let fan = app.browser();
        fan.login(email, tongcheng::server::seed::DEMO_PASSWORD).await;
        browsers.push(fan);
    }
    (event, browsers, staff)
}

async fn item(staff: &Browser, event: i64, kind: &str, options: &str, correct: &str) -> i64 {
    let form = [("event", event.to_string()), ("kind", kind.into()), ("question", "小米的第一款手机是？".into()), ("options", options.into()), ("correct", correct.into()), ("seconds", "30".into())];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    staff.call("save_live_item", &form).await.expect("saved")
}

async fn switch(staff: &Browser, item: i64, action: &str) {
    let _: () = staff.call("switch_live_item", &[("item", &item.to_string()), ("action", action)]).await.expect("switched");
}

async fn answer(fan: &Browser, item: i64, choice: i64) -> Result<i64, AppError> {
    fan.call("answer_live", &[("item", &item.to_string()), ("choice", &choice.to_string())]).await.map_err(|e| e.1)
}

async fn only_checked_in_fans_answer_once_and_in_time(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (event, fans, staff) = under_way(&app, 3, 2).await;
    // A quiz question needs its right answer, beside the field.
    let bad = staff.call::<i64>("save_live_item", &[("event", &event.to_string()), ("kind", "quiz"), ("question", "Q?"), ("options", "a\nb"), ("correct", "5")]).await.unwrap_err();
    assert!(bad.1.field_text("correct").is_some_and(|t| t.zh.contains("正确选项")), "{bad:?}");
    let quiz = item(&staff, event, "quiz", "小米1\n小米2\n红米", "1").await;
    assert_eq!(answer(&fans[0], quiz, 0).await.unwrap_err().field_text("choice").map(|t| t.en.clone()), Some("This question has not started, or is over.".into()), "a draft takes no answers");
    switch(&staff, quiz, "open").await;
    // A double click, and a second phone: one answer, the first.
    let (a, b, c) = tokio::join!(answer(&fans[0], quiz, 0), answer(&fans[0], quiz, 0), answer(&fans[0], quiz, 2));
    let stood = [a.unwrap(), b.unwrap(), c.unwrap()];
    assert!(stood.iter().all(|s| *s == stood[0]), "every press hears the answer that stands: {stood:?}");
    assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM live_answers WHERE item_id = {quiz}")).await, 1);
    // Not checked in: refused beside the options; a choice that is no option too.
    let refused = answer(&fans[2], quiz, 0).await.unwrap_err();
    assert_eq!(refused.field_text("choice").map(|t| t.zh.clone()), Some("签到后才能参加现场互动。".into()));
    assert!(answer(&fans[1], quiz, 3).await.unwrap_err().field_text("choice").is_some());
    // The phone: the shared state without the right answer while it is open.
    let phone: PhoneView = fans[0].call("live_phone", &[("event", &event.to_string())]).await.unwrap();
    let current = phone.state.current.clone().expect("the open quiz");
    assert_eq!((current.id, current.status, current.correct, current.counts.is_empty()), (quiz, ItemStatus::Open, None, true));
    assert_eq!((phone.me.checked_in, phone.me.answered), (true, Some(stood[0] as usize)));
    let unseated = app.fan("nobody@example.com", "深圳").await;
    assert_eq!(unseated.call::<PhoneView>("live_phone", &[("event", &event.to_string())]).await.unwrap_err().1, AppError::Forbidden);
    // Its time ran out (moved back, not waited for): too late.
    common::execute(&app.state.db, "UPDATE live_items SET closes_at = opened_at - 60000 WHERE id = $1", &[quiz]).await;
    assert_eq!(answer(&fans[1], quiz, 0).await.unwrap_err().field_text("choice").map(|t| t.en.clone()), Some("Time is up: this answer came too late.".into()));
    switch(&staff, quiz, "close").await;
    let run: RunView = staff.call("live_run", &[("event", &event.to_string())]).await.unwrap();
    let mut counts = vec![0, 0, 0];
    counts[stood[0] as usize] = 1;
    assert_eq!(run.items[0].counts, counts, "one answer, the one that stood");
    assert_eq!(run.items[0].correct, Some(0));
    // The question bank: another event's staff see it and copy it, as a draft.
    let (other, _, _) = crate::door_sync::meetup_with_fans(&app, 1).await;
    let there: RunView = staff.call("live_run", &[("event", &other.to_string())]).await.unwrap();
    assert!(there.bank.iter().any(|b| b.id == quiz), "the bank offers the earlier question");
    let copy: i64 = staff.call("copy_live_item", &[("item", &quiz.to_string()), ("event", &other.to_string())]).await.unwrap();
    let there: RunView = staff.call("live_run", &[("event", &other.to_string())]).await.unwrap();
    assert_eq!((there.items.len(), there.items[0].id, there.items[0].status, there.items[0].correct), (1, copy, ItemStatus::Draft, Some(0)));
    assert_eq!(fans[0].call::<i64>("copy_live_item", &[("item", &quiz.to_string()), ("event", &other.to_string())]).await.unwrap_err().1, AppError::Forbidden);
    // A fan cannot run it.
    assert_eq!(fans[0].call::<()>("switch_live_item", &[("item", &quiz.to_string()), ("action", "open")]).await.unwrap_err().1, AppError::Forbidden);
    assert_eq!(fans[0].call::<RunView>("live_run", &[("event", &event.to_string())]).await.unwrap_err().1, AppError::Forbidden);
}

async fn the_lucky_draw_reruns_from_its_seed_and_skips_earlier_winners(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (event, _, staff) = under_way(&app, 4, 3).await;
    let mut winners = Vec::new();
    for _ in 0..3 {
        let draw: DrawView = staff.call("lucky_draw", &[("event", &event.to_string()), ("team", "exclude")]).await.unwrap();
        let (seed, eligible, winner): (String, String, i64) = sqlx::query_as("SELECT seed, eligible, winner_id FROM live_draws WHERE event_id = $1 AND round = $2")
            .bind(event)
            .bind(draw.round)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
        let eligible: Vec<i64> = serde_json::from_str(&eligible).unwrap();
        assert_eq!(draw.seed, seed, "the screen shows the seed the record keeps");
        assert_eq!(tongcheng::live::lucky::pick(&seed, &eligible), Some(winner), "anyone re-runs it");
        assert_eq!(eligible.len(), 3 - winners.len(), "checked-in fans who have not won yet");
        assert!(!winners.contains(&winner));
        winners.push(winner);
    }
    // Everyone checked in has won: nobody left, said beside the button.
    let none = staff.call::<DrawView>("lucky_draw", &[("event", &event.to_string())]).await.unwrap_err();
    assert!(none.1.field_text("draw").is_some(), "{none:?}");
    let state: RunView = staff.call("live_run", &[("event", &event.to_string())]).await.unwrap();
    assert_eq!(state.state.draws.iter().map(|d| d.round).collect::<Vec<_>>(), vec![3, 2, 1], "newest first");
}

async fn the_quizs_places_pay_points_and_the_badge_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (event, fans, staff) = under_way(&app, 6, 6).await;
    let decide = |staff: &Browser| {
        let staff = staff.clone();
        async move { staff.call::<Vec<Standing>>("decide_quiz", &[("event", &event.to_string())]).await.map_err(|e| e.1) }
    };
    for round in 0..2 {
        let quiz = item(&staff, event, "quiz", "a\nb", "2").await;
        switch(&staff, quiz, "open").await;
        if round == 0 {
            // Open, its time runs: pressing "open" again does not restart it.
            let again = staff.call::<()>("switch_live_item", &[("item", &quiz.to_string()), ("action", "open")]).await.unwrap_err();
            assert!(again.1.field_text("action").is_some(), "{again:?}");
            let early = decide(&staff).await.unwrap_err();
            assert_eq!(early.field_text("quiz").map(|t| t.en.clone()), Some("Close the open quiz question first.".into()));
            // Those running it do not play; they know the answers.
            assert!(answer(&staff, quiz, 1).await.unwrap_err().field_text("choice").is_some());
        }
        for (n, fan) in fans.iter().enumerate() {
            answer(fan, quiz, if n == 5 { 0 } else { 1 }).await.unwrap();
        }
        switch(&staff, quiz, "close").await;
        // Closed, its answer was shown: it never opens again.
        let reopened = staff.call::<()>("switch_live_item", &[("item", &quiz.to_string()), ("action", "open")]).await.unwrap_err();
        assert!(reopened.1.field_text("action").is_some(), "{reopened:?}");
    }
    // Decided twice, and twice at once: the places once, paid once.
    let first: Vec<Standing> = decide(&staff).await.unwrap();
    let id = event.to_string();
    let form = [("event", id.as_str())];
    let (a, b) = tokio::join!(staff.call::<Vec<Standing>>("decide_quiz", &form), staff.call::<Vec<Standing>>("decide_quiz", &form));
    assert_eq!((a.unwrap(), b.unwrap()), (first.clone(), first.clone()));
    assert_eq!(first.iter().map(|s| s.place).collect::<Vec<_>>(), vec![1, 2, 3], "three places; the wrong answers earn none");
    assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM quiz_winners WHERE event_id = {event}")).await, 3);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM points_ledger WHERE reason = 'quiz'").await, 3);
    assert_eq!(app.scalar("SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM points_ledger WHERE reason = 'quiz'").await, 60);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM badges WHERE badge = 'quiz_champion'").await, 1);
    // The backfill reproduces them from the record.
    common::execute(&app.state.db, "DELETE FROM points_ledger WHERE reason = 'quiz' OR source_key LIKE '%quiz_champion' OR $1 = 0", &[1]).await;
    common::execute(&app.state.db, "DELETE FROM badges WHERE badge = 'quiz_champion' OR $1 = 0", &[1]).await;
    let progress = indicatif::ProgressBar::hidden();
    tongcheng::participation::backfill::run(&app.state.db, tongcheng::infra::clock::now(), "http://test", &progress).await.unwrap();
    assert_eq!(app.scalar("SELECT COUNT(*) FROM points_ledger WHERE reason = 'quiz'").await, 3);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM badges WHERE badge = 'quiz_champion'").await, 1);
    let again = tongcheng::participation::backfill::run(&app.state.db, tongcheng::infra::clock::now(), "http://test", &progress).await.unwrap();
    assert!(again.nothing(), "a second backfill pays nothing: {again:?}");
}

/// Reads a stream's events until one has an id above `after`; its id and data.
async fn next_event(stream: &mut reqwest::Response, buffer: &mut String, after: i64) -> (i64, serde_json::Value) {
    loop {
        if let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let id = block.lines().find_map(|l| l.strip_prefix("id:")).and_then(|v| v.trim().parse::<i64>().ok());
            let data = block.lines().find_map(|l| l.strip_prefix("data:")).map(|d| d.trim().to_string());
            if let (Some(id), Some(data)) = (id, data) {
                if id > after {
                    return (id, serde_json::from_str(&data).expect("json"));
                }
            }
            continue;
        }
        let chunk = tokio::time::timeout(Duration::from_secs(20), stream.chunk()).await.expect("an event within 20 s").expect("stream").expect("open");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
    }
}

async fn open_stream(browser: &Browser, path: &str, last: Option<i64>) -> reqwest::Response {
    let mut request = browser.client.get(format!("{}{path}", browser.base)).header("Accept", "text/event-stream");
    if let Some(last) = last {
        request = request.header("Last-Event-ID", last.to_string());
    }
    request.send().await.expect("stream")
}

async fn the_stream_is_for_those_who_may_follow_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (event, fans, staff) = under_way(&app, 2, 1).await;
    let path = format!("/events/{event}/live/stream");
    assert_eq!(open_stream(&app.browser(), &path, None).await.status(), 401);
    let stranger = app.fan("stranger@example.com", "深圳").await;
    assert_eq!(open_stream(&stranger, &path, None).await.status(), 403);
    // A fan with a seat follows it; the first event is the state as it is.
    let mut stream = open_stream(&fans[0], &path, None).await;
    assert_eq!(stream.status(), 200);
    let mut buffer = String::new();
    let (first, state) = next_event(&mut stream, &mut buffer, 0).await;
    assert_eq!(state["checked_in"], 1);
    // A change reaches it, numbered higher.
    let poll = item(&staff, event, "poll", "红色\n黑色", "").await;
    switch(&staff, poll, "open").await;
    let (opened, state) = loop {
        let (id, state) = next_event(&mut stream, &mut buffer, first).await;
        if state["current"]["status"] == "open" {
            break (id, state);
        }
    };
    assert_eq!(state["current"]["options"], serde_json::json!(["红色", "黑色"]));
    // Reconnecting with the last id seen: nothing until something newer.
    let mut again = open_stream(&fans[0], &path, Some(opened)).await;
    answer(&fans[0], poll, 1).await.unwrap();
    let (newer, state) = next_event(&mut again, &mut String::new(), 0).await;
    assert!(newer > opened, "no repeat of what was seen");
    assert_eq!(state["current"]["counts"], serde_json::json!([0, 1]), "a poll's counts as they come");
    // A fifth stream of the same fan (a phone that changed networks left some behind):
    // it opens, and the oldest ends.
    let mut older = Vec::new();
    for _ in 0..3 {
        let mut extra = open_stream(&fans[0], &path, None).await;
        next_event(&mut extra, &mut String::new(), 0).await;
        older.push(extra);
    }
    let newest = open_stream(&fans[0], &path, None).await;
    assert_eq!(newest.status(), 200, "never refused");
    let mut ended = false;
    while let Ok(Ok(chunk)) = tokio::time::timeout(Duration::from_secs(20), stream.chunk()).await {
        if chunk.is_none() {
            ended = true;
            break;
        }
    }
    assert!(ended, "the fan's oldest stream ends");
    // The screen's link: its key opens the stream; a new link retires the old one.
    let link: String = staff.call("screen_link", &[("event", &event.to_string())]).await.unwrap();
    let key = link.split("key=").nth(1).expect("a key").to_string();
    let screen = app.browser();
    assert_eq!(open_stream(&screen, &format!("{path}?key={key}"), None).await.status(), 200);
    // Opened, the link goes on without its key, which the browser keeps for that screen
    // only: the page and the stream open with it, and the page never shows it.
    let page = format!("/events/{event}/live");
    let opened = screen.client.get(format!("{}{page}?key={key}", screen.base)).send().await.expect("link");
    assert_eq!((opened.status().as_u16(), opened.headers()["location"].to_str().unwrap()), (303, page.as_str()));
    assert!(opened.headers().get("set-cookie").is_some());
    // A key that opens nothing goes on too, but leaves no cookie (links from anywhere
    // cannot fill a browser's cookies or overwrite a projector's key).
    let wrong = app.browser().client.get(format!("{}{page}?key=AAAAAAAAAAAAAAAAAAAAAAAA", screen.base)).send().await.expect("link");
    assert_eq!(wrong.status().as_u16(), 303);
    assert!(wrong.headers().get("set-cookie").is_none(), "no cookie for a key that opens nothing");
    let (status, html) = screen.page(&page).await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"live-app\"") && !html.contains(&key), "the screen, without its key in the page");
    assert_eq!(open_stream(&screen, &path, None).await.status(), 200, "the stream, by the cookie");
    let (_, elsewhere) = app.browser().page(&page).await;
    assert!(!elsewhere.contains("id=\"live-app\""), "another browser without the cookie is not shown the screen");
    let _: String = staff.call("screen_link", &[("event", &event.to_string())]).await.unwrap();
    assert_eq!(open_stream(&screen, &format!("{path}?key={key}"), None).await.status(), 403);
    assert_eq!(open_stream(&screen, &format!("{path}?key=guess"), None).await.status(), 403);
    // A link opens until hours after the meetup ends, the stream and the screen's state alike.
    let link: String = staff.call("screen_link", &[("event", &event.to_string())]).await.unwrap();
    let key = link.split("key=").nth(1).expect("a key").to_string();
    let by_key = [("event", event.to_string()), ("key", key.clone())];
    let by_key: Vec<(&str, &str)> = by_key.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert!(screen.call::<serde_json::Value>("live_screen", &by_key).await.is_ok());
    common::execute(&app.state.db, "UPDATE events SET status = 'cancelled' WHERE id = $1 AND $1 > 0", &[event]).await;
    assert_eq!(open_stream(&screen, &format!("{path}?key={key}"), None).await.status(), 403, "not at a cancelled meetup");
    let refused = staff.call::<String>("screen_link", &[("event", &event.to_string())]).await.unwrap_err().1;
    assert!(matches!(&refused, AppError::Invalid(errors) if errors.get("screen").is_some()), "no new link at a cancelled meetup: {refused:?}");
    common::execute(&app.state.db, "UPDATE events SET status = 'published' WHERE id = $1 AND $1 > 0", &[event]).await;
    let ended = tongcheng::infra::clock::now() - tongcheng::live::SCREEN_LINK_AFTER_END_SECS;
    common::execute(&app.state.db, "UPDATE events SET starts_at = $1 - 7200, ends_at = $1 WHERE id = $2", &[ended, event]).await;
    assert_eq!(open_stream(&screen, &format!("{path}?key={key}"), None).await.status(), 403, "the link's time is over");
    assert_eq!(screen.call::<serde_json::Value>("live_screen", &by_key).await.unwrap_err().1, AppError::Unauthorized);
    let run: RunView = staff.call("live_run", &[("event", &event.to_string())]).await.unwrap();
    assert_eq!(run.state.event_id, event, "those running it still see it, logged in");
    assert_eq!(open_stream(&staff, &format!("{path}?key={key}"), None).await.status(), 200, "as themselves, with the old link");
    let late = staff.call::<String>("screen_link", &[("event", &event.to_string())]).await.unwrap_err().1;
    assert!(matches!(&late, AppError::Invalid(errors) if errors.get("screen").is_some()), "no new link once its time is over: {late:?}");
}

/// The numbered changes of a day ago go, hourly, but each event's newest: its number is
/// the version a stream compares with the last it saw, and stays.
async fn old_changes_are_forgotten_but_each_events_newest(backend: Backend) {
    use tongcheng::live::hub::forget_old_changes;
    let app = TestApp::spawn(backend).await;
    let city = app.city_id("深圳").await;
    let (busy, quiet) = (common::published_event(&app.state.db, city, Some(10)).await, common::published_event(&app.state.db, city, Some(10)).await);
    // The changes are an hour old and forgotten from ten minutes back: the app's own
    // hourly round (a day back, starting with the app) leaves them alone meanwhile.
    let now = tongcheng::infra::clock::now();
    let (old, cutoff) = (now - 3600, now - 600);
    for (event, at) in [(busy, old), (quiet, old), (busy, old), (quiet, old), (busy, old), (busy, now)] {
        common::execute(&app.state.db, "INSERT INTO live_changes (event_id, created_at) VALUES ($1, $2)", &[event, at]).await;
    }
    let version = |event: i64| {
        let pool = app.state.db.pool.clone();
        async move { tongcheng::live::repo::version(&pool, event).await.unwrap() }
    };
    let before = (version(busy).await, version(quiet).await);
    assert_eq!(forget_old_changes(&app.state.db, cutoff).await.unwrap(), 4, "three of the busy event's, one of the quiet one's");
    assert_eq!((version(busy).await, version(quiet).await), before, "the versions stay");
    let left = app.scalar(&format!("SELECT COUNT(*) FROM live_changes WHERE event_id IN ({busy}, {quiet})")).await;
    assert_eq!(left, 2, "each event's newest");
    assert_eq!(forget_old_changes(&app.state.db, cutoff).await.unwrap(), 0, "done once");
}

/// Two app processes on one PostgreSQL: a change made through one reaches a stream
/// served by the other (LISTEN/NOTIFY).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_app_processes_deliver_the_same_live_stream() {
    let first = TestApp::spawn(Backend::Postgres).await;
    let second = TestApp::spawn_on(first.database.clone(), &[]).await;
    let (event, fans, staff) = under_way(&first, 1, 1).await;
    let fan = second.browser();
    let email: String = sqlx::query_scalar("SELECT u.email FROM users u JOIN registrations r ON r.user_id = u.id WHERE r.event_id = $1").bind(event).fetch_one(&first.state.db.pool).await.unwrap();
    fan.login(&email, tongcheng::server::seed::DEMO_PASSWORD).await;
    drop(fans);
    let mut stream = open_stream(&fan, &format!("/events/{event}/live/stream"), None).await;
    let mut buffer = String::new();
    let (seen, _) = next_event(&mut stream, &mut buffer, 0).await;
    let draw: DrawView = staff.call("lucky_draw", &[("event", &event.to_string())]).await.unwrap();
    let (_, state) = next_event(&mut stream, &mut buffer, seen).await;
    assert_eq!(state["draws"][0]["seed"], serde_json::Value::String(draw.seed), "heard through the other process");
}

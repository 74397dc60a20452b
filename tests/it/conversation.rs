//! The meetup conversation: questions before (who may ask, one vote per fan per
//! question, ranking, answered, moderation) and feedback after (attendees only, once;
//! averages per meetup and per city), on both databases.
use crate::common;

use common::moderation::{moderate, organizer, staff};
use common::{execute, published_event, Backend, Browser, TestApp};
use reqwest::StatusCode;
use tongcheng::conversation::{AskRule, CityMonth, Conversation, EventConversation, FeedbackState, QUESTIONS_PER_FAN};
use tongcheng::error::AppError;
use tongcheng::gatherings::ModerationQueue;
use tongcheng::meetups::{Place, PlaceStatus};

on_both_databases!(
    only_fans_with_a_place_ask_within_the_limits,
    one_vote_per_fan_per_question_even_when_pressed_at_once,
    questions_rank_by_votes_and_staff_mark_them_answered,
    a_reported_question_hidden_by_staff_disappears_for_fans,
    only_attendees_leave_feedback_and_only_once,
    staff_see_averages_per_meetup_and_per_city,
    organizers_look_after_their_own_gatherings_conversation,
);

const HOUR: i64 = 3600;
type Answer<T> = Result<T, (StatusCode, AppError)>;

async fn sign_up(fan: &Browser, event: i64) -> Place {
    fan.call("sign_up", &[("id", &event.to_string())]).await.expect("sign up")
}

async fn ask(fan: &Browser, event: i64, body: &str) -> Answer<i64> {
    fan.call("ask_question", &[("id", &event.to_string()), ("body", body)]).await
}

async fn vote(fan: &Browser, question: i64) -> Answer<bool> {
    fan.call("vote_question", &[("id", &question.to_string())]).await
}

async fn conversation(viewer: &Browser, event: i64) -> Conversation {
    viewer.call("load_conversation", &[("id", &event.to_string())]).await.expect("conversation")
}

async fn looked_after(viewer: &Browser, event: i64) -> Answer<EventConversation> {
    viewer.call("event_conversation", &[("id", &event.to_string())]).await
}

async fn rate(fan: &Browser, event: i64, rating: &str, comment: &str) -> Answer<()> {
    fan.call("leave_feedback", &[("id", &event.to_string()), ("rating", rating), ("comment", comment)]).await
}

fn field(answer: Answer<impl std::fmt::Debug>, name: &str) -> String {
    answer.expect_err("refused").1.field_message(name).unwrap_or_else(|| panic!("no message for {name}"))
}

fn en(text: tongcheng::language::Text) -> String {
    text.en
}

/// Moves the event so that it started an hour ago and lasts two hours.
async fn happening(app: &TestApp, event: i64) {
    let start = tongcheng::infra::clock::now() - HOUR;
    execute(&app.state.db, "UPDATE events SET starts_at = $1, ends_at = $2 WHERE id = $3", &[start, start + 2 * HOUR, event]).await;
}

/// Checks in the tickets at `door` and closes it.
async fn door(door: &Browser, event: i64, codes: &[String]) {
    let event_text = event.to_string();
    for code in codes {
        let _: String = door.call("check_in", &[("code", code), ("event", &event_text)]).await.expect("check in");
    }
    let _: serde_json::Value = door.call("close_door", &[("id", &event_text), ("confirm", "on")]).await.expect("close the door");
}

async fn only_fans_with_a_place_ask_within_the_limits(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = published_event(&app.state.db, app.city_id("深圳").await, Some(1)).await;
    let seated = app.fan("seated@example.com", "深圳").await;
    let waiting = app.fan("waiting@example.com", "深圳").await;
    let outsider = app.fan("outsider@example.com", "深圳").await;
    assert_eq!(sign_up(&seated, id).await.status, PlaceStatus::Confirmed);
    assert_eq!(sign_up(&waiting, id).await.status, PlaceStatus::Waitlisted);

    assert_eq!(ask(&app.browser(), id, "What time do doors open?").await.unwrap_err().0, StatusCode::UNAUTHORIZED);
    assert_eq!(conversation(&app.browser(), id).await.ask, AskRule::LogIn);
    assert_eq!(field(ask(&outsider, id, "What time do doors open?").await, "body"), en(tongcheng::msg!(conversation.errors.need_place)));
    assert_eq!(conversation(&outsider, id).await.ask, AskRule::NeedPlace);

    ask(&seated, id, "What time do doors open?").await.expect("a seat holder asks");
    ask(&waiting, id, "Will the talk be recorded?").await.expect("so does the waiting list");
    assert_eq!(field(ask(&seated, id, "Hi?").await, "body"), "Please write at least 5 characters.");
    assert!(field(ask(&seated, id, &"长".repeat(281)).await, "body").contains("280"), "at most 280 characters");
    assert!(field(ask(&seated, id, "   ").await, "body").contains("Fill this in"), "required");

    // At most QUESTIONS_PER_FAN each, even when pressed at once.
    let presses: Vec<_> = (0..4)
        .map(|i| {
            let fan = waiting.clone();
            tokio::spawn(async move { ask(&fan, id, &format!("Question number {i}?")).await })
        })
        .collect();
    let mut asked = 0;
    for press in presses {
        match press.await.unwrap() {
            Ok(_) => asked += 1,
            Err(e) => assert_eq!(e.1.field_message("body"), Some(format!("You have already asked {QUESTIONS_PER_FAN} questions about this meetup."))),
        }
    }
    assert_eq!(asked, QUESTIONS_PER_FAN - 1, "one was asked before");
    assert_eq!(conversation(&waiting, id).await.questions_left, 0);
    assert_eq!(conversation(&seated, id).await.questions_left, QUESTIONS_PER_FAN - 1);

    // Cancelling gives up the right to ask.
    let _: () = seated.call("cancel_place", &[("id", &id.to_string()), ("confirm", "on")]).await.expect("cancel");
    assert_eq!(field(ask(&seated, id, "One more thing please").await, "body"), en(tongcheng::msg!(conversation.errors.need_place)));
    // So does the meetup being over.
    happening(&app, id).await;
    execute(&app.state.db, "UPDATE events SET ends_at = $1 WHERE id = $2", &[tongcheng::infra::clock::now() - 1, id]).await;
    assert_eq!(field(ask(&waiting, id, "Too late for this?").await, "body"), en(tongcheng::msg!(conversation.errors.closed)));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM questions").await, 1 + QUESTIONS_PER_FAN);
}

async fn one_vote_per_fan_per_question_even_when_pressed_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = published_event(&app.state.db, app.city_id("深圳").await, Some(10)).await;
    let mut fans = Vec::new();
    for i in 0..5 {
        let fan = app.fan(&format!("fan{i}@example.com"), "深圳").await;
        sign_up(&fan, id).await;
        fans.push(fan);
    }
    let outsider = app.fan("outsider@example.com", "深圳").await;
    let question = ask(&fans[0], id, "Can we see the new prototype?").await.unwrap();

    assert_eq!(vote(&fans[1], question).await, Ok(true));
    assert_eq!(vote(&fans[1], question).await, Ok(false), "voting twice is a no-op");
    assert_eq!(field(vote(&fans[0], question).await, "vote"), "You cannot up-vote your own question.");
    assert_eq!(field(vote(&outsider, question).await, "vote"), en(tongcheng::msg!(conversation.errors.need_place)));
    assert_eq!(vote(&app.browser(), question).await.unwrap_err().0, StatusCode::UNAUTHORIZED);
    assert_eq!(vote(&fans[1], 999_999).await.unwrap_err().1, AppError::NotFound);

    // One fan pressing five times at once counts once; three fans at once, once each.
    let mut presses = Vec::new();
    for _ in 0..5 {
        let fan = fans[2].clone();
        presses.push(tokio::spawn(async move { vote(&fan, question).await }));
    }
    for fan in &fans[3..] {
        for _ in 0..2 {
            let fan = fan.clone();
            presses.push(tokio::spawn(async move { vote(&fan, question).await }));
        }
    }
    let mut counted = 0;
    for press in presses {
        if press.await.unwrap().expect("every press gets an answer") {
            counted += 1;
        }
    }
    assert_eq!(counted, 3, "one vote per fan");
    let seen = conversation(&fans[3], id).await;
    assert_eq!((seen.questions[0].votes, seen.questions[0].voted), (4, true));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM question_votes").await, 4);
}

async fn questions_rank_by_votes_and_staff_mark_them_answered(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let id = published_event(&app.state.db, app.city_id("深圳").await, Some(10)).await;
    let mut fans = Vec::new();
    for i in 0..3 {
        let fan = app.fan(&format!("fan{i}@example.com"), "深圳").await;
        sign_up(&fan, id).await;
        fans.push(fan);
    }
    let first = ask(&fans[0], id, "First question, asked first").await.unwrap();
    let popular = ask(&fans[1], id, "The most popular question").await.unwrap();
    let second = ask(&fans[2], id, "The runner-up question").await.unwrap();
    vote(&fans[0], popular).await.unwrap();
    vote(&fans[2], popular).await.unwrap();
    vote(&fans[0], second).await.unwrap();

    let ranked = |c: &Conversation| c.questions.iter().map(|q| q.id).collect::<Vec<_>>();
    let seen = conversation(&app.browser(), id).await;
    assert_eq!(ranked(&seen), [popular, second, first], "most votes first");
    assert!(seen.questions.iter().all(|q| q.asker.is_none()), "fans see questions unsigned");
    let (_, html) = app.browser().page(&format!("/meetups/{id}")).await;
    let at = |text: &str| html.find(text).unwrap_or_else(|| panic!("{text} on the page"));
    assert!(at("The most popular question") < at("The runner-up question") && at("The runner-up question") < at("First question, asked first"));

    assert_eq!(mark(&fans[0], popular, true).await.unwrap_err().0, StatusCode::FORBIDDEN, "fans do not mark");
    mark(&staff, popular, true).await.expect("staff mark it answered");
    let seen = conversation(&fans[0], id).await;
    assert!(seen.questions[0].answered && !seen.questions[1].answered);
    let staff_view = looked_after(&staff, id).await.unwrap();
    assert_eq!(staff_view.questions.iter().map(|q| q.id).collect::<Vec<_>>(), [popular, second, first]);
    assert_eq!(staff_view.questions[0].asker.as_deref(), Some("Fan"), "staff see who asked");
    assert!(staff_view.questions[0].answered);
    let (_, staff_page) = staff.page(&format!("/staff/meetups/{id}")).await;
    assert!(staff_page.contains("The most popular question") && staff_page.contains("Answered"), "on the staff meetup page");
    mark(&staff, popular, false).await.expect("and back");
    assert!(!conversation(&fans[0], id).await.questions[0].answered);
    assert_eq!(looked_after(&fans[0], id).await.unwrap_err().0, StatusCode::FORBIDDEN);
}

async fn mark(who: &Browser, question: i64, answered: bool) -> Answer<()> {
    let id = question.to_string();
    let mut form = vec![("id", id.as_str())];
    if answered {
        form.push(("answered", "yes"));
    }
    who.call("mark_answered", &form).await
}

async fn a_reported_question_hidden_by_staff_disappears_for_fans(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let id = published_event(&app.state.db, app.city_id("深圳").await, Some(10)).await;
    let asker = app.fan("asker@example.com", "深圳").await;
    let reader = app.fan("reader@example.com", "深圳").await;
    sign_up(&asker, id).await;
    sign_up(&reader, id).await;
    let rude = ask(&asker, id, "Buy cheap watches at spam.example").await.unwrap();
    let fine = ask(&asker, id, "A perfectly fine question").await.unwrap();

    let _: () = reader.call("report_question", &[("id", &rude.to_string()), ("category", "spam"), ("details", "An advert")]).await.expect("report");
    let queue: ModerationQueue = staff.call("moderation_queue", &[]).await.unwrap();
    let report = queue.reports.iter().find(|r| r.question.is_some()).expect("in the same queue as gathering reports");
    assert_eq!(report.question, Some((rude, "Buy cheap watches at spam.example".to_string())));
    assert_eq!(report.event_id, id);
    let report_id = report.id.to_string();
    let no_reason: Answer<()> = staff.call("moderate", &[("subject", "report"), ("id", &report_id), ("action", "hide"), ("reason", "")]).await;
    assert!(no_reason.unwrap_err().1.field_message("reason").is_some(), "hiding needs a reason");
    moderate(&staff, "report", report.id, "hide", "Advertising").await;

    let seen = conversation(&reader, id).await;
    assert_eq!(seen.questions.iter().map(|q| q.id).collect::<Vec<_>>(), [fine], "hidden for fans");
    let (_, html) = app.browser().page(&format!("/meetups/{id}")).await;
    assert!(!html.contains("cheap watches") && html.contains("A perfectly fine question"));
    assert_eq!(vote(&reader, rude).await.unwrap_err().1, AppError::NotFound, "nor can it be voted for");
    let published: String = app.text(&format!("SELECT status FROM events WHERE id = {id}")).await;
    assert_eq!(published, "published", "the meetup itself stays");
    let staff_view = looked_after(&staff, id).await.unwrap();
    assert!(staff_view.questions.iter().any(|q| q.id == rude && q.hidden), "staff still see it, to restore it");
    assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM moderation_log WHERE subject = 'question' AND subject_id = {rude} AND action = 'hide'")).await, 1);

    moderate(&staff, "question", rude, "restore", "").await;
    assert_eq!(conversation(&reader, id).await.questions.len(), 2, "restored");
    moderate(&staff, "question", fine, "hide", "Off topic").await;
    assert_eq!(conversation(&reader, id).await.questions.iter().map(|q| q.id).collect::<Vec<_>>(), [rude], "staff also hide without a report");
    let fan_moderates: Answer<()> = asker.call("moderate", &[("subject", "question"), ("id", &rude.to_string()), ("action", "hide"), ("reason", "x")]).await;
    assert_eq!(fan_moderates.unwrap_err().0, StatusCode::FORBIDDEN);
}

async fn only_attendees_leave_feedback_and_only_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let id = published_event(&app.state.db, app.city_id("深圳").await, Some(10)).await;
    let came = app.fan("came@example.com", "深圳").await;
    let twice = app.fan("twice@example.com", "深圳").await;
    let absent = app.fan("absent@example.com", "深圳").await;
    let outsider = app.fan("outsider@example.com", "深圳").await;
    let mut codes = Vec::new();
    for fan in [&came, &twice, &absent] {
        codes.push(sign_up(fan, id).await.ticket_code.expect("a seat"));
    }
    assert_eq!(field(rate(&came, id, "5", "").await, "rating"), en(tongcheng::msg!(conversation.errors.not_yet)));
    assert_eq!(conversation(&came, id).await.feedback, FeedbackState::NotYet);

    happening(&app, id).await;
    door(&staff, id, &codes[..2]).await;
    assert_eq!(conversation(&came, id).await.feedback, FeedbackState::Open);
    assert_eq!(conversation(&absent, id).await.feedback, FeedbackState::NotAttendee);
    assert_eq!(field(rate(&absent, id, "1", "").await, "rating"), en(tongcheng::msg!(conversation.errors.only_attendees)), "no-shows do not rate");
    assert_eq!(field(rate(&outsider, id, "1", "").await, "rating"), en(tongcheng::msg!(conversation.errors.only_attendees)));
    assert_eq!(rate(&app.browser(), id, "1", "").await.unwrap_err().0, StatusCode::UNAUTHORIZED);
    for wrong in ["0", "6", "", "four"] {
        assert_eq!(field(rate(&came, id, wrong, "").await, "rating"), "Please choose a rating from 1 to 5.", "{wrong:?}");
    }
    assert!(field(rate(&came, id, "5", &"x".repeat(1001)).await, "comment").contains("1000"));

    rate(&came, id, "5", "Loved the Q&A").await.expect("an attendee rates");
    assert_eq!(field(rate(&came, id, "1", "changed my mind").await, "rating"), en(tongcheng::msg!(conversation.errors.already_rated)));
    assert_eq!(conversation(&came, id).await.feedback, FeedbackState::Given { rating: 5, comment: "Loved the Q&A".into() });

    // Two presses at once: one counts, the other hears it already did.
    let presses: Vec<_> = ["4", "2"]
        .into_iter()
        .map(|r| {
            let fan = twice.clone();
            tokio::spawn(async move { rate(&fan, id, r, "").await })
        })
        .collect();
    let mut stored = 0;
    for press in presses {
        match press.await.unwrap() {
            Ok(()) => stored += 1,
            Err(e) => assert_eq!(e.1.field_message("rating"), Some(en(tongcheng::msg!(conversation.errors.already_rated)))),
        }
    }
    assert_eq!(stored, 1);
    assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM feedback WHERE event_id = {id}")).await, 2);
    assert_eq!(field(ask(&came, id, "A question afterwards?").await, "body"), en(tongcheng::msg!(conversation.errors.closed)), "questions close with the door");
}

async fn staff_see_averages_per_meetup_and_per_city(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = staff(&app).await;
    let shenzhen = app.city_id("深圳").await;
    let beijing = app.city_id("北京").await;
    let first = published_event(&app.state.db, shenzhen, Some(10)).await;
    let second = published_event(&app.state.db, shenzhen, Some(10)).await;
    let elsewhere = published_event(&app.state.db, beijing, Some(10)).await;
    // (event, rating) per fan.
    let plan = [(first, "5"), (first, "4"), (second, "3"), (elsewhere, "2")];
    let mut fans = Vec::new();
    for (i, (event, _)) in plan.iter().enumerate() {
        let fan = app.fan(&format!("fan{i}@example.com"), "深圳").await;
        let code = sign_up(&fan, *event).await.ticket_code.expect("a seat");
        fans.push((fan, code));
    }
    for event in [first, second, elsewhere] {
        happening(&app, event).await;
        let codes: Vec<String> = plan.iter().zip(&fans).filter(|((e, _), _)| *e == event).map(|(_, (_, code))| code.clone()).collect();
        door(&staff, event, &codes).await;
    }
    for ((event, rating), (fan, _)) in plan.iter().zip(&fans) {
        rate(fan, *event, rating, &format!("Rated {rating}")).await.expect("rate");
    }
    let none = published_event(&app.state.db, shenzhen, Some(10)).await;
    assert_eq!(looked_after(&staff, none).await.unwrap().feedback.average, None);

    let summary = looked_after(&staff, first).await.unwrap().feedback;
    assert_eq!((summary.count, summary.average), (2, Some(4.5)));
    let mut comments: Vec<String> = summary.comments.iter().map(|(r, c)| format!("{r}:{c}")).collect();
    comments.sort();
    assert_eq!(comments, ["4:Rated 4", "5:Rated 5"]);
    let (_, page) = staff.page(&format!("/staff/meetups/{first}")).await;
    assert!(page.contains("Average 4.5 / 5 from 2 ratings"), "on the staff meetup page");

    let by_city: Vec<CityMonth> = staff.call("feedback_by_city", &[]).await.unwrap();
    let month = tongcheng::infra::clock::format_input(tongcheng::infra::clock::now() - HOUR, "Asia/Shanghai")[..7].to_string();
    let row = |city: i64| by_city.iter().find(|r| r.city_id == city).cloned().expect("a row per city");
    assert_eq!(by_city.len(), 2, "{by_city:?}");
    let sz = row(shenzhen);
    assert_eq!((sz.month.as_str(), sz.meetups, sz.count, sz.average), (month.as_str(), 2, 3, 4.0));
    let bj = row(beijing);
    assert_eq!((bj.city.as_str(), bj.count, bj.average), ("Beijing", 1, 2.0));
    let (_, page) = staff.page("/staff/feedback").await;
    assert!(page.contains("Shenzhen") && page.contains("4.0"), "the staff page shows the table");
    let fan_asks: Answer<Vec<CityMonth>> = fans[0].0.call("feedback_by_city", &[]).await;
    assert_eq!(fan_asks.unwrap_err().0, StatusCode::FORBIDDEN);
}

async fn organizers_look_after_their_own_gatherings_conversation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let boss = staff(&app).await;
    let host = organizer(&app, &boss, "host@example.com", "深圳").await;
    let other = organizer(&app, &boss, "other@example.com", "深圳").await;
    let form = common::moderation::gathering_form("", "Board games", "", "5");
    let gathering: i64 = host.call("save_gathering", &form).await.expect("list");
    moderate(&boss, "gathering", gathering, "approve", "").await;
    let fan = app.fan("fan@example.com", "深圳").await;
    let code = sign_up(&fan, gathering).await.ticket_code.expect("a seat");
    let question = ask(&fan, gathering, "Which games are we playing?").await.expect("ask the organizer");

    let seen = looked_after(&host, gathering).await.expect("the organizer sees the questions");
    assert_eq!(seen.questions.iter().map(|q| q.id).collect::<Vec<_>>(), [question]);
    assert!(!seen.staff, "organizers do not moderate");
    mark(&host, question, true).await.expect("the organizer marks it answered");
    assert!(conversation(&fan, gathering).await.questions[0].answered);
    assert_eq!(looked_after(&other, gathering).await.unwrap_err().0, StatusCode::FORBIDDEN, "not someone else's");
    assert_eq!(mark(&other, question, false).await.unwrap_err().0, StatusCode::FORBIDDEN);
    let (_, page) = host.page(&format!("/organize/{gathering}")).await;
    assert!(page.contains("Which games are we playing?"), "on the organizer's gathering page");

    happening(&app, gathering).await;
    door(&host, gathering, &[code]).await;
    rate(&fan, gathering, "4", "Fun evening").await.expect("rate the gathering");
    let seen = looked_after(&host, gathering).await.unwrap();
    assert_eq!((seen.feedback.count, seen.feedback.average), (1, Some(4.0)));
    assert_eq!(seen.feedback.comments, [(4, "Fun evening".to_string())]);
}

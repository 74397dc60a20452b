//! Applying: once per fan however often pressed, until the last second; staff choose
//! the draw on the meetup form, the invitation asks fans to apply, fans read the rules
//! before applying, and applicants ask questions like fans with a place.
use crate::common::moderation::{staff, user_id};
use crate::common::{demo_fans, execute, Backend, TestApp};
use crate::admission::{count, draw_event, draw_with, engine, field_message, DAY, SEED};
use tongcheng::admission::{DrawOutcome, StaffAdmission};
use tongcheng::conversation::{AskRule, Conversation};
use tongcheng::infra::clock::now;
use tongcheng::meetups::engine::Fan;

on_both_databases!(
    applying_twice_gives_one_application_and_the_last_second_counts,
    concurrent_applications_each_count_once,
    staff_choose_the_draw_and_fans_see_the_rules_before_applying,
    the_invitation_of_a_draw_meetup_asks_fans_to_apply,
    applicants_ask_and_vote_like_fans_with_a_place,
    withdrawing_needs_the_box_ticked,
);

async fn applying_twice_gives_one_application_and_the_last_second_counts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let db = &app.state.db;
    let fans = demo_fans(&app, 3).await;
    let event = draw_event(db, app.city_id("深圳").await, 10, DAY).await;
    let closes: i64 = count(db, "SELECT application_closes_at FROM events WHERE id = $1", event).await;
    let apply = |user: i64, answer: &'static str, at: i64| async move { tongcheng::admission::repo::apply(db, event, user, answer, at).await };
    let first = apply(fans[0].0, "How do you test?", now()).await.unwrap();
    let again = apply(fans[0].0, "Why Rust?", now()).await.unwrap();
    assert_eq!(first, again, "applying twice gives the one application");
    assert_eq!(count(db, "SELECT COUNT(*) FROM applications WHERE event_id = $1", event).await, 1);
    assert_eq!(app.text(&format!("SELECT answer FROM applications WHERE id = {first}")).await, "Why Rust?", "the latest answer");
    // The last second before the close counts; the close itself does not.
    apply(fans[1].0, "", closes - 1).await.expect("the last second");
    let late = apply(fans[2].0, "", closes).await;
    assert_eq!(field_message(late, "apply"), "Applications are closed.");
    // Sign-ups wait for the draw.
    let fan = Fan { id: fans[2].0, email: &fans[2].1, name: "Fan" };
    assert_eq!(field_message(engine(db).sign_up(event, &fan).await, "signup"), "Seats at this meetup are drawn among applicants: apply instead.");
    // Withdrawing, then applying again, is still the one application.
    tongcheng::admission::repo::withdraw_application(db, event, fans[0].0, now()).await.unwrap();
    assert_eq!(count(db, "SELECT COUNT(*) FROM applications WHERE event_id = $1 AND status = 'applied'", event).await, 1);
    assert_eq!(apply(fans[0].0, "", now()).await.unwrap(), first);
    // Through the server function: twice, one application.
    let browser = app.fan("applicant@example.com", "深圳").await;
    for _ in 0..2 {
        let _: () = browser.call("apply_for_seat", &[("id", &event.to_string()), ("answer", "Hi")]).await.expect("apply");
    }
    let me = user_id(&app, "applicant@example.com").await;
    assert_eq!(count(db, &format!("SELECT COUNT(*) FROM applications WHERE event_id = $1 AND user_id = {me}"), event).await, 1);
    // After the draw, applying is closed.
    draw_with(db, event, SEED).await;
    let after = browser.call::<()>("apply_for_seat", &[("id", &event.to_string())]).await.map_err(|(_, e)| e);
    assert_eq!(field_message(after, "apply"), "Applications are closed.");
}

async fn concurrent_applications_each_count_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let db = &app.state.db;
    let fans = demo_fans(&app, 40).await;
    let event = draw_event(db, app.city_id("深圳").await, 10, DAY).await;
    // Every fan presses "apply" three times at once.
    let tasks: Vec<_> = fans
        .iter()
        .flat_map(|f| std::iter::repeat_n(f.0, 3))
        .map(|user| {
            let db = db.clone();
            tokio::spawn(async move { tongcheng::admission::repo::apply(&db, event, user, "", now()).await })
        })
        .collect();
    let mut ids = std::collections::HashMap::new();
    for (task, fan) in tasks.into_iter().zip(fans.iter().flat_map(|f| std::iter::repeat_n(f.0, 3))) {
        let id = task.await.unwrap().expect("every press answers");
        assert_eq!(*ids.entry(fan).or_insert(id), id, "one application per fan");
    }
    assert_eq!(count(db, "SELECT COUNT(*) FROM applications WHERE event_id = $1", event).await, 40);
}

async fn staff_choose_the_draw_and_fans_see_the_rules_before_applying(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let db = &app.state.db;
    let staff = staff(&app).await;
    let mut form = vec![("id", ""), ("city", "深圳"), ("title", "Meet the engineers"), ("starts", "2099-05-02 14:00"), ("capacity", "2"), ("admission", "draw"), ("application_closes", "2099-05-03 10:00"), ("question", "What would you ask?")];
    let bad = staff.call::<i64>("save_meetup", &form).await.map_err(|(_, e)| e);
    assert_eq!(field_message(bad, "application_closes"), "Applications must close before the meetup starts.");
    form[6] = ("application_closes", "2099-05-01 10:00");
    let id: i64 = staff.call("save_meetup", &form).await.expect("create");
    assert_eq!(app.text(&format!("SELECT admission FROM events WHERE id = {id}")).await, "draw");
    let e = id.to_string();
    let _: u64 = staff.call("publish_meetup", &[("id", &e), ("radius_km", "")]).await.expect("publish");
    // A visitor sees the rules before applying.
    let (_, page) = app.browser().page(&format!("/meetups/{id}")).await;
    for text in ["Log in to apply", "fans who have never attended a meetup: 200% weight", "we ask you 48 hours before the meetup", "Cancelling more than 24 hours ahead never counts"] {
        assert!(page.contains(text), "{text} not on the page");
    }
    let fan = app.fan("fan@example.com", "深圳").await;
    let (_, page) = fan.page(&format!("/meetups/{id}")).await;
    assert!(page.contains("Staff ask:") && page.contains("What would you ask?"), "the question");
    let _: () = fan.call("apply_for_seat", &[("id", &e), ("answer", "How do you test?")]).await.expect("apply");
    let (_, page) = fan.page(&format!("/meetups/{id}")).await;
    assert!(page.contains("Your application is in."), "the status");
    // Once fans applied, the mode is fixed.
    let mut edit = form.clone();
    edit[0] = ("id", &e);
    edit[5] = ("admission", "first_come");
    let locked = staff.call::<i64>("save_meetup", &edit).await.map_err(|(_, e)| e);
    assert!(field_message(locked, "admission").starts_with("Fans already applied"));
    let view: StaffAdmission = staff.call("load_staff_admission", &[("id", &e)]).await.unwrap();
    assert_eq!((view.total, view.applicants[0].answer.as_str()), (1, "How do you test?"));
    let _: DrawOutcome = staff.call("draw_now", &[("id", &e), ("confirm", "on")]).await.expect("draw now");
    let (_, page) = fan.page(&format!("/meetups/{id}")).await;
    assert!(page.contains("data-testid=\"ticket-code\""), "the selected fan's ticket");
    assert_eq!(count(db, "SELECT COUNT(*) FROM outbox WHERE event_id = $1 AND kind = 'seat_confirmed'", id).await, 1);
}

async fn the_invitation_of_a_draw_meetup_asks_fans_to_apply(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let db = &app.state.db;
    let staff = staff(&app).await;
    app.fan("reader@example.com", "深圳").await;
    app.fan("duzhe@example.com", "深圳").await;
    execute(db, "UPDATE users SET locale = 'zh-CN' WHERE email = 'duzhe@example.com' AND id > $1", &[0]).await;
    let form = [("id", ""), ("city", "深圳"), ("title", "Meet the engineers"), ("starts", "2099-05-02 14:00"), ("capacity", "30"), ("admission", "draw"), ("application_closes", "2099-05-01 10:00"), ("question", "")];
    let id: i64 = staff.call("save_meetup", &form).await.expect("create");
    let _: u64 = staff.call("publish_meetup", &[("id", &id.to_string()), ("radius_km", "")]).await.expect("publish");
    let invitation = |to: &'static str| async move {
        let (subject, text, html): (String, String, String) = sqlx::query_as("SELECT subject, body_text, body_html FROM outbox WHERE kind = 'invitation' AND event_id = $1 AND recipient = $2")
            .bind(id)
            .bind(to)
            .fetch_one(&db.pool)
            .await
            .expect("an invitation");
        (subject, text, html)
    };
    let (subject, text, html) = invitation("reader@example.com").await;
    assert_eq!(subject, "Apply for a seat: Meet the engineers");
    for said in ["drawn among the fans who apply: apply by Fri 1 May 2099, 10:00", "every applicant hears from us by email", "There are 30 seats.", "Apply for a seat"] {
        assert!(text.contains(said), "{said} not in: {text}");
    }
    assert!(html.contains("apply by Fri 1 May 2099, 10:00"));
    assert!(!text.contains("first come") && !text.contains("Sign up"), "not a sign-up: {text}");
    let (subject, text, _) = invitation("duzhe@example.com").await;
    assert_eq!(subject, "申请参加：Meet the engineers");
    for said in ["在申请的粉丝中抽签产生：请在 2099年5月1日 周五 10:00 之前申请", "共 30 个名额。", "立即申请"] {
        assert!(text.contains(said), "{said} not in: {text}");
    }
    assert!(!text.contains("先到先得") && !text.contains("立即报名"), "not a sign-up: {text}");
}

async fn applicants_ask_and_vote_like_fans_with_a_place(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let db = &app.state.db;
    let event = draw_event(db, app.city_id("深圳").await, 1, DAY).await;
    let e = event.to_string();
    let asker = app.fan("asker@example.com", "深圳").await;
    let voter = app.fan("voter@example.com", "深圳").await;
    let outsider = app.fan("outsider@example.com", "深圳").await;
    for fan in [&asker, &voter] {
        let _: () = fan.call("apply_for_seat", &[("id", &e)]).await.expect("apply");
    }
    assert_eq!(fan_view(&asker, &e).await.ask, AskRule::Open, "an applicant may ask");
    assert_eq!(fan_view(&outsider, &e).await.ask, AskRule::NeedPlace);
    let question: i64 = asker.call("ask_question", &[("id", &e), ("body", "How do you test the phone?")]).await.expect("an applicant asks");
    let counted: bool = voter.call("vote_question", &[("id", &question.to_string())]).await.expect("an applicant votes");
    assert!(counted);
    let need = "Only fans with a seat, on the waiting list or who applied for a seat can ask and vote.";
    assert_eq!(field_message(ask(&outsider, &e).await, "body"), need, "without an application");
    // A withdrawn application no longer counts.
    let _: () = voter.call("withdraw_application", &[("id", &e), ("confirm", "on")]).await.expect("withdraw");
    assert_eq!(field_message(ask(&voter, &e).await, "body"), need, "withdrawn");
    // After the draw, the place decides: the one seat went to the one applicant left.
    draw_with(db, event, SEED).await;
    assert_eq!(fan_view(&asker, &e).await.ask, AskRule::Open, "with the seat");
    assert_eq!(fan_view(&voter, &e).await.ask, AskRule::NeedPlace);
    assert_eq!(fan_view(&asker, &e).await.questions.first().map(|q| q.votes), Some(1));
}

async fn ask(fan: &crate::common::Browser, event: &str) -> Result<i64, tongcheng::error::AppError> {
    fan.call("ask_question", &[("id", event), ("body", "May I ask too, please?")]).await.map_err(|(_, e)| e)
}

async fn fan_view(fan: &crate::common::Browser, event: &str) -> Conversation {
    fan.call("load_conversation", &[("id", event)]).await.expect("conversation")
}

async fn withdrawing_needs_the_box_ticked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let event = draw_event(&app.state.db, app.city_id("深圳").await, 5, DAY).await;
    let e = event.to_string();
    let fan = app.fan("keen@example.com", "深圳").await;
    let _: () = fan.call("apply_for_seat", &[("id", &e)]).await.expect("apply");
    crate::common::confirm::assert_refused_unticked(&app, &fan, &format!("/meetups/{e}"), "confirm-withdraw", "withdraw_application", &[("id", &e)]).await;
    let applied = "SELECT COUNT(*) FROM applications WHERE event_id = $1 AND status = 'applied'";
    assert_eq!(count(&app.state.db, applied, event).await, 1, "still applied");
    let _: () = fan.call("withdraw_application", &[("id", &e), ("confirm", "on")]).await.expect("withdraw");
    assert_eq!(count(&app.state.db, applied, event).await, 0);
}

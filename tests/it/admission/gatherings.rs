//! A gathering whose organizer turns the draw on: the same fields and rules as staff
//! have on official meetups, the same draw and timer; only its organizer changes it.
use crate::common::moderation::{gathering_form, moderate, organizer, staff};
use crate::common::{self, execute, Backend, TestApp};
use crate::admission::field_message;
use tongcheng::error::AppError;
use tongcheng::gatherings::OwnGathering;
use tongcheng::infra::clock::now;
use tongcheng::meetups::Place;

on_both_databases!(an_organizer_turns_the_draw_on_for_their_gathering);

/// The gathering form with the draw's fields (`admission`: "draw" or "first_come").
fn form<'a>(id: &'a str, capacity: &'a str, admission: &'a str) -> Vec<(&'static str, &'a str)> {
    let mut form = gathering_form(id, "Board games, seats drawn", "", capacity);
    form.extend([("admission", admission), ("application_closes", "2099年3月6日 19:00"), ("question", "Which game do you bring?")]);
    form
}

async fn an_organizer_turns_the_draw_on_for_their_gathering(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let db = &app.state.db;
    let staff = staff(&app).await;
    let host = organizer(&app, &staff, "host@example.com", "深圳").await;
    let no_limit = host.call::<i64>("save_gathering", &form("", "", "draw")).await.map_err(|(_, e)| e);
    assert_eq!(field_message(no_limit, "capacity"), "A draw needs a number of seats.");
    let id: i64 = host.call("save_gathering", &form("", "1", "draw")).await.expect("a gathering with a draw");
    let e = id.to_string();
    let own: OwnGathering = host.call("own_gathering", &[("id", &e)]).await.unwrap();
    assert_eq!((own.form.admission.as_str(), own.form.application_closes.as_str(), own.form.question.as_str()), ("draw", "2099-03-06 19:00", "Which game do you bring?"));
    // Only its organizer changes it: not another organizer, not a fan.
    let other = organizer(&app, &staff, "other@example.com", "深圳").await;
    let fan = app.fan("fan@example.com", "深圳").await;
    for stranger in [&other, &fan] {
        let refused = stranger.call::<i64>("save_gathering", &form(&e, "1", "first_come")).await.map_err(|(_, e)| e);
        assert_eq!(refused, Err(AppError::Forbidden));
    }
    assert_eq!(app.text(&format!("SELECT admission FROM events WHERE id = {id}")).await, "draw");
    // Reviewed like any gathering; then fans apply, and sign-ups wait for the draw.
    moderate(&staff, "gathering", id, "approve", "").await;
    let second = app.fan("second@example.com", "深圳").await;
    for applicant in [&fan, &second] {
        let _: () = applicant.call("apply_for_seat", &[("id", &e), ("answer", "Go")]).await.expect("apply");
    }
    let late = app.fan("late@example.com", "深圳").await;
    let signup = late.call::<Place>("sign_up", &[("id", &e)]).await.map_err(|(_, e)| e);
    assert_eq!(field_message(signup, "signup"), "Seats at this meetup are drawn among applicants: apply instead.");
    let own: OwnGathering = host.call("own_gathering", &[("id", &e)]).await.unwrap();
    assert_eq!(own.admission.as_ref().map(|a| (a.applicants, a.drawn)), Some((2, false)), "the organizer sees how many applied");
    // The timer draws it at the close, as it draws official meetups.
    execute(db, "UPDATE events SET application_closes_at = $1 WHERE id = $2", &[now() - 1, id]).await;
    assert_eq!(tongcheng::admission::run::draw_due(&app.state, &common::events(db)).await.expect("draws"), 1);
    let statuses = app.text(&format!("SELECT STRING_AGG(status, ',' ORDER BY status) FROM registrations WHERE event_id = {id}")).await;
    assert_eq!(statuses, "confirmed,waitlisted");
    let mails = app.scalar(&format!("SELECT COUNT(*) FROM outbox WHERE event_id = {id} AND kind IN ('seat_confirmed', 'draw_waitlisted')")).await;
    assert_eq!(mails, 2, "a ticket and a \"not this time\"");
    let own: OwnGathering = host.call("own_gathering", &[("id", &e)]).await.unwrap();
    assert!(own.admission.is_some_and(|a| a.drawn));
    assert_eq!(own.attendees.len(), 2);
    // Drawn, the way seats are given no longer changes.
    let locked = host.call::<i64>("save_gathering", &form(&e, "1", "first_come")).await.map_err(|(_, e)| e);
    assert!(field_message(locked, "admission").starts_with("Fans already applied"));
    common::assert_invariants(db).await;
}

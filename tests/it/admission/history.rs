//! Whose record weighs in draws, and who moves a draw (issue 24): only official meetups'
//! no-shows and draws count (a gathering's organizer runs its door and draws alone);
//! the close of applications never moves into the past once published, and every
//! change to it, every draw and every lapsed pick is in the admission log.
use crate::admission::{apply_all, count, draw_event, draw_with, engine, field_message, HOUR, SEED};
use crate::common::moderation::{gathering_form, moderate, organizer, staff, user_id};
use crate::common::{self, demo_fans, execute, Backend, TestApp};
use tongcheng::admission::NoShowRule;
use tongcheng::infra::clock::{now, Clock};
use tongcheng::meetups::engine::{Events, Fan};

on_both_databases!(
    a_gatherings_no_shows_weigh_nowhere_else,
    losing_a_gatherings_draw_buys_no_weight,
    the_close_of_applications_moves_only_forward_in_time_and_is_logged,
    one_inbox_enters_a_draw_once,
);

/// A gathering that ended an hour ago with `fans` confirmed and none checked in; its
/// organizer closes the door, which records them all as no-shows.
async fn gathering_nobody_came_to(app: &TestApp, city: i64, organizer: i64, fans: &[(i64, String)]) {
    let db = &app.state.db;
    let event = common::published_event(db, city, Some(10)).await;
    execute(db, "UPDATE events SET kind = 'gathering', organizer_id = $1 WHERE id = $2", &[organizer, event]).await;
    for (id, email) in fans {
        engine(db).sign_up(event, &Fan { id: *id, email, name: "Fan" }).await.unwrap();
    }
    let start = now() - 3 * HOUR;
    execute(db, "UPDATE events SET starts_at = $1, ends_at = $2 WHERE id = $3", &[start, start + 2 * HOUR, event]).await;
    let mut tx = db.begin_write().await.unwrap();
    tongcheng::participation::door::close(&mut tx, event, now(), "http://t").await.unwrap();
    tx.commit().await.unwrap();
}

/// The weights an official draw gave each fan, in `fans` order.
async fn official_weights(app: &TestApp, city: i64, fans: &[(i64, String)]) -> Vec<i64> {
    let db = &app.state.db;
    let event = draw_event(db, city, 1, HOUR).await;
    apply_all(db, event, fans).await;
    draw_with(db, event, SEED).await;
    let mut weights = Vec::new();
    for (id, _) in fans {
        weights.push(count(db, &format!("SELECT weight FROM draw_entries WHERE event_id = $1 AND user_id = {id}"), event).await);
    }
    weights
}

async fn a_gatherings_no_shows_weigh_nowhere_else(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let db = &app.state.db;
    let city = app.city_id("深圳").await;
    let fans = demo_fans(&app, 3).await;
    let (victims, host) = (&fans[..2], fans[2].0);
    // An organizer punishes two fans: two gatherings, doors closed, "no-shows".
    gathering_nobody_came_to(&app, city, host, victims).await;
    gathering_nobody_came_to(&app, city, host, victims).await;
    let no_shows = app.scalar(&format!("SELECT COUNT(*) FROM attendance WHERE user_id = {} AND outcome = 'no_show'", victims[0].0)).await;
    assert_eq!(no_shows, 2, "the gatherings' record is kept");
    // They weigh nothing at official meetups: no reconfirmation, no lower weight.
    let meetup = common::published_event(db, city, Some(4)).await;
    for (id, email) in victims {
        engine(db).sign_up(meetup, &Fan { id: *id, email, name: "Fan" }).await.unwrap();
    }
    let start = count(db, "SELECT starts_at FROM events WHERE id = $1", meetup).await;
    let at = Events::new(db.clone(), "http://t", Clock::Fixed(start - 47 * HOUR));
    assert_eq!(tongcheng::admission::reconfirm::run_due(&at, &NoShowRule::default()).await.unwrap(), (0, 0));
    assert_eq!(official_weights(&app, city, &fans).await, vec![200, 200, 200], "first-timers all, as if no gathering had been");
}

async fn losing_a_gatherings_draw_buys_no_weight(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let db = &app.state.db;
    let city = app.city_id("深圳").await;
    let fans = demo_fans(&app, 4).await;
    // Colluding fans apply to their friend's gathering of one seat: three "lose".
    let gathering = draw_event(db, city, 1, HOUR).await;
    execute(db, "UPDATE events SET kind = 'gathering', organizer_id = $1 WHERE id = $2", &[fans[3].0, gathering]).await;
    apply_all(db, gathering, &fans[..3]).await;
    draw_with(db, gathering, SEED).await;
    assert_eq!(count(db, "SELECT COUNT(*) FROM draw_entries WHERE event_id = $1 AND selected = 0", gathering).await, 2);
    assert_eq!(official_weights(&app, city, &fans[..3]).await, vec![200, 200, 200], "no \"passed over\" weight from a gathering");
    // An official draw they lose does count at the next official one.
    let weights = official_weights(&app, city, &fans[..3]).await;
    assert_eq!(weights.iter().filter(|w| **w == 300).count(), 2, "{weights:?}");
}

/// The gathering form with a draw whose applications close at `closes`.
fn draw_form<'a>(id: &'a str, closes: &'a str, question: &'a str) -> Vec<(&'static str, &'a str)> {
    let mut form = gathering_form(id, "Board games, seats drawn", "", "2");
    form.extend([("admission", "draw"), ("application_closes", closes), ("question", question)]);
    form
}

async fn the_close_of_applications_moves_only_forward_in_time_and_is_logged(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let db = &app.state.db;
    let staff = staff(&app).await;
    let host = organizer(&app, &staff, "host@example.com", "深圳").await;
    let id: i64 = host.call("save_gathering", &draw_form("", "2099-03-06 19:00", "Which game?")).await.unwrap();
    let e = id.to_string();
    // In review: moved and logged.
    let _: i64 = host.call("save_gathering", &draw_form(&e, "2099-03-05 19:00", "Which game?")).await.unwrap();
    assert_eq!(count(db, "SELECT COUNT(*) FROM admission_log WHERE event_id = $1 AND action = 'schedule'", id).await, 1);
    // Into the past is refused beside the field, in review (staff's approval would draw
    // it at once) and once published, and nothing changes.
    let past = host.call::<i64>("save_gathering", &draw_form(&e, "2020-01-01 10:00", "Which game?")).await.map_err(|(_, e)| e);
    assert!(field_message(past, "application_closes").contains("not in the past"));
    moderate(&staff, "gathering", id, "approve", "").await;
    let past = host.call::<i64>("save_gathering", &draw_form(&e, "2020-01-01 10:00", "Which game?")).await.map_err(|(_, e)| e);
    assert!(field_message(past, "application_closes").contains("not in the past"));
    assert_eq!(count(db, "SELECT application_closes_at FROM events WHERE id = $1", id).await, tongcheng::infra::clock::parse_input("2099-03-05T19:00", "Asia/Shanghai").unwrap());
    // Earlier but still ahead is allowed, and logged with who and what.
    let _: i64 = host.call("save_gathering", &draw_form(&e, "2099-03-04 19:00", "Which game?")).await.unwrap();
    let last = "SELECT {} FROM admission_log WHERE event_id = {} AND action = 'schedule' ORDER BY id DESC LIMIT 1";
    assert_eq!(app.text(&last.replacen("{}", "actor_name", 1).replacen("{}", &e, 1)).await, "Fan");
    let detail = app.text(&last.replacen("{}", "detail", 1).replacen("{}", &e, 1)).await;
    assert!(detail.ends_with(&tongcheng::infra::clock::parse_input("2099-03-04T19:00", "Asia/Shanghai").unwrap().to_string()), "{detail}");
    // A new question is new text for fans: back to review.
    let _: i64 = host.call("save_gathering", &draw_form(&e, "2099-03-04 19:00", "Which game? Bring snacks")).await.unwrap();
    assert_eq!(app.text(&format!("SELECT status FROM events WHERE id = {id}")).await, "pending_review");
    // The timer's draw is logged too.
    moderate(&staff, "gathering", id, "approve", "").await;
    execute(db, "UPDATE events SET application_closes_at = $1 WHERE id = $2", &[now() - 1, id]).await;
    tongcheng::admission::run::draw_due(&app.state, &common::events(db)).await.expect("draws");
    assert_eq!(count(db, "SELECT COUNT(*) FROM admission_log WHERE event_id = $1 AND action = 'draw' AND actor_id IS NULL", id).await, 1);
}

async fn one_inbox_enters_a_draw_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let db = &app.state.db;
    let city = app.city_id("深圳").await;
    let event = draw_event(db, city, 1, HOUR).await;
    let mut applicants = Vec::new();
    for email in ["li@example.com", "li+again@example.com", "wang@example.com"] {
        app.fan(email, "深圳").await;
        applicants.push((user_id(&app, email).await, email.to_string()));
    }
    apply_all(db, event, &applicants).await;
    // Staff pick one applicant, who then withdraws: the pick lapses, and the log says so.
    let pick = count(db, &format!("SELECT id FROM applications WHERE event_id = $1 AND user_id = {}", applicants[2].0), event).await;
    staff(&app).await;
    let boss = user_id(&app, "boss@example.com").await;
    tongcheng::admission::repo::pick(db, event, pick, (boss, "Boss"), true, now()).await.expect("pick");
    tongcheng::admission::repo::withdraw_application(db, event, applicants[2].0, now()).await.expect("withdraw");
    assert_eq!(count(db, "SELECT COUNT(*) FROM admission_log WHERE event_id = $1 AND action = 'withdraw'", event).await, 1);
    tongcheng::admission::repo::apply(db, event, applicants[2].0, "", now()).await.expect("apply again");
    draw_with(db, event, SEED).await;
    let second = applicants[1].0;
    let (weight, position) = (
        count(db, &format!("SELECT weight FROM draw_entries WHERE event_id = $1 AND user_id = {second}"), event).await,
        count(db, &format!("SELECT position FROM draw_entries WHERE event_id = $1 AND user_id = {second}"), event).await,
    );
    assert_eq!((weight, position), (0, 3), "the second account of one inbox draws nothing and comes last");
    assert_eq!(tongcheng::admission::run::rerun_matches(db, event).await.unwrap(), Some(true), "the draw still re-runs from its seed");
}

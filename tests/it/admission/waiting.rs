//! A long drawn waiting list: its head is written in the draw's transaction, the rest in
//! batches after it, in drawn order, by however many processes take part, each fan once.
use crate::common::{self, assert_invariants, demo_fans, Backend, TestApp};
use crate::admission::{apply_all, count, draw_event, engine, waiting_mail, DAY, SEED};
use tongcheng::admission::run::{draw_transaction, DrawnBy};
use tongcheng::admission::waiting::{finish_draw, finish_unfinished_draws, Batches};
use tongcheng::admission::{DrawOutcome, DrawWeights, NoShowRule};
use tongcheng::meetups::PlaceStatus;

on_both_databases!(a_long_waiting_list_is_written_after_the_draw_in_drawn_order);

/// Fans whose waiting number is not their drawn position minus the seats.
const OUT_OF_ORDER: &str = "SELECT COUNT(*) FROM registrations r JOIN draw_entries d ON d.event_id = r.event_id AND d.user_id = r.user_id \
     WHERE r.event_id = $1 AND r.status = 'waitlisted' AND r.waitlist_seq <> d.position - 5";

/// The draw's "not this time, you are number N" notices queued for `user`.
async fn draw_notices_of(db: &tongcheng::infra::db::Db, event: i64, user: i64) -> i64 {
    let sql = "SELECT COUNT(*) FROM outbox o JOIN users u ON u.email = o.recipient WHERE o.event_id = $1 AND o.kind = 'draw_waitlisted' AND u.id = $2";
    sqlx::query_scalar(sql).bind(event).bind(user).fetch_one(&db.pool).await.expect(sql)
}

async fn a_long_waiting_list_is_written_after_the_draw_in_drawn_order(backend: Backend) {
    // A mail server nobody answers on: the notices stay queued, as behind a long draw's.
    let smtp = format!("smtp://127.0.0.1:{}", common::smtp::free_port());
    let first = TestApp::spawn_with(backend, &[("SMTP_URL", &smtp)]).await;
    let second = TestApp::spawn_on(first.database.clone(), &[("SMTP_URL", &smtp)]).await;
    let db = &first.state.db;
    let fans = demo_fans(&first, 30).await;
    let event = draw_event(db, first.city_id("深圳").await, 5, DAY).await;
    apply_all(db, event, &fans).await;
    let batches = Batches { in_draw: 4, per_batch: 7 };
    let outcome = draw_transaction(&engine(db), event, DrawnBy::Timer, &DrawWeights::default(), &NoShowRule::default(), Some(SEED), batches).await.expect("draw");
    assert_eq!(outcome, DrawOutcome { selected: 5, waitlisted: 25, now: true });

    // Committed with the draw: the seats and the first four waiting, told their number.
    let waiting = "SELECT COUNT(*) FROM registrations WHERE event_id = $1 AND status = 'waitlisted'";
    assert_eq!(count(db, "SELECT confirmed_count FROM events WHERE id = $1", event).await, 5);
    assert_eq!(count(db, waiting, event).await, 4);
    assert_eq!(count(db, "SELECT COUNT(*) FROM outbox WHERE event_id = $1 AND kind = 'draw_waitlisted'", event).await, 4);
    assert_eq!(count(db, "SELECT draw_pending_from FROM events WHERE id = $1", event).await, 10);
    assert_eq!(count(db, OUT_OF_ORDER, event).await, 0);
    // Not yet sent (held: not due for an hour, taken by no worker).
    common::execute(db, "UPDATE outbox SET next_attempt_at = $1, locked_until = NULL WHERE event_id = $2", &[tongcheng::infra::clock::now() + 3600, event]).await;
    // A seat freed before the rest is written goes to number 1, who is then never told
    // "not this time".
    let waiting_as = |n: i64| format!("SELECT user_id FROM registrations WHERE event_id = $1 AND waitlist_seq = {n}");
    let (number_one, number_two) = (count(db, &waiting_as(1), event).await, count(db, &waiting_as(2), event).await);
    let leaving = count(db, "SELECT user_id FROM registrations WHERE event_id = $1 AND status = 'confirmed' ORDER BY id LIMIT 1", event).await;
    assert_eq!(draw_notices_of(db, event, number_one).await, 1);
    engine(db).cancel(event, leaving).await.unwrap();
    let place = tongcheng::meetups::places::place(db, event, number_one).await.unwrap().unwrap();
    assert_eq!(place.status, PlaceStatus::Confirmed);
    assert_eq!(draw_notices_of(db, event, number_one).await, 0, "told of the seat only");
    // Number 2 leaves the list before hearing of it: nothing goes out about it.
    engine(db).cancel(event, number_two).await.unwrap();
    assert_eq!(draw_notices_of(db, event, number_two).await, 0);

    // Two processes finish it at once (the timer of one, the draw's caller in the other).
    let (this_engine, other_engine) = (engine(db), engine(&second.state.db));
    let (here, there) = tokio::join!(finish_draw(&this_engine, event, 7), finish_unfinished_draws(&other_engine, 7));
    let (here, there) = (here.expect("finish"), there.expect("resume"));
    assert_eq!(here + there, 3, "three batches of seven cover positions 10–30, each written once");
    assert_eq!(count(db, "SELECT COUNT(*) FROM events WHERE id = $1 AND draw_pending_from IS NULL", event).await, 1);
    assert_eq!(count(db, waiting, event).await, 23, "everyone not seated waits, number 1 now has the seat, number 2 left");
    assert_eq!(count(db, OUT_OF_ORDER, event).await, 0, "numbers follow the drawn order");
    assert_eq!(count(db, "SELECT COUNT(*) FROM outbox WHERE event_id = $1 AND kind = 'draw_waitlisted'", event).await, 23, "one mail each of them");
    let last = waiting_mail(db, event, 30).await;
    assert!(last.contains("You are number 25 on the waiting list"), "{last}");
    assert_eq!(finish_unfinished_draws(&engine(db), 7).await.unwrap(), 0, "nothing left to finish");
    assert_invariants(db).await;
    // The meetup is called off: numbers 3 and 4, whose notices are still held, hear of
    // that, not of their number.
    let (three, four) = (count(db, &waiting_as(3), event).await, count(db, &waiting_as(4), event).await);
    assert_eq!(draw_notices_of(db, event, three).await + draw_notices_of(db, event, four).await, 2);
    engine(db).change_status(event, "cancelled", &|_| Ok(())).await.unwrap();
    assert_eq!(draw_notices_of(db, event, three).await + draw_notices_of(db, event, four).await, 0);
}

//! A long drawn waiting list: its head is written in the draw's transaction, the rest in
//! batches after it, in drawn order, by however many processes take part, each fan once.
use crate::common::{assert_invariants, demo_fans, Backend, TestApp};
use crate::admission::{apply_all, count, draw_event, engine, waiting_mail, DAY, SEED};
use tongcheng::admission::run::{draw_transaction, DrawnBy};
use tongcheng::admission::waiting::{finish_draw, finish_unfinished_draws, Batches};
use tongcheng::admission::{DrawOutcome, DrawWeights, NoShowRule};
use tongcheng::meetups::PlaceStatus;

on_both_databases!(a_long_waiting_list_is_written_after_the_draw_in_drawn_order);

/// Fans whose waiting number is not their drawn position minus the seats.
const OUT_OF_ORDER: &str = "SELECT COUNT(*) FROM registrations r JOIN draw_entries d ON d.event_id = r.event_id AND d.user_id = r.user_id \
     WHERE r.event_id = $1 AND r.status = 'waitlisted' AND r.waitlist_seq <> d.position - 5";

async fn a_long_waiting_list_is_written_after_the_draw_in_drawn_order(backend: Backend) {
    let first = TestApp::spawn(backend).await;
    let second = TestApp::spawn_on(first.database.clone(), &[]).await;
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
    // A seat freed before the rest is written goes to number 1.
    let number_one = count(db, "SELECT user_id FROM registrations WHERE event_id = $1 AND waitlist_seq = 1", event).await;
    let leaving = count(db, "SELECT user_id FROM registrations WHERE event_id = $1 AND status = 'confirmed' ORDER BY id LIMIT 1", event).await;
    engine(db).cancel(event, leaving).await.unwrap();
    let place = tongcheng::meetups::places::place(db, event, number_one).await.unwrap().unwrap();
    assert_eq!(place.status, PlaceStatus::Confirmed);

    // Two processes finish it at once (the timer of one, the draw's caller in the other).
    let (this_engine, other_engine) = (engine(db), engine(&second.state.db));
    let (here, there) = tokio::join!(finish_draw(&this_engine, event, 7), finish_unfinished_draws(&other_engine, 7));
    let (here, there) = (here.expect("finish"), there.expect("resume"));
    assert_eq!(here + there, 3, "three batches of seven cover positions 10–30, each written once");
    assert_eq!(count(db, "SELECT COUNT(*) FROM events WHERE id = $1 AND draw_pending_from IS NULL", event).await, 1);
    assert_eq!(count(db, waiting, event).await, 24, "everyone not seated waits, number 1 now has the seat");
    assert_eq!(count(db, OUT_OF_ORDER, event).await, 0, "numbers follow the drawn order");
    assert_eq!(count(db, "SELECT COUNT(*) FROM outbox WHERE event_id = $1 AND kind = 'draw_waitlisted'", event).await, 25, "one mail each");
    let last = waiting_mail(db, event, 30).await;
    assert!(last.contains("You are number 25 on the waiting list"), "{last}");
    assert_eq!(finish_unfinished_draws(&engine(db), 7).await.unwrap(), 0, "nothing left to finish");
    assert_invariants(db).await;
}

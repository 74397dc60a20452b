//! Benchmark: the draw of an apply-then-select meetup, 50 seats among 100,000 applicants.
//!
//!   cargo run --release --features ssr --example bench_admission -- [sqlite|postgres] [applicants] [seats]
//!
//! Seeds `applicants` verified fans (a third with a past meetup attended, one in twenty
//! with a recent no-show, a tenth passed over in an earlier draw) and their applications
//! (setup, not timed). Then times the draw (`admission::run::draw_transaction`: the
//! guarded claim, loading applicants with their history, the pure draw, storing its
//! inputs and result, the seats through the engine with their tickets, the first 1,000
//! of the waiting list with their "not this time" emails, commit), then the rest of the
//! waiting list written after it (`admission::waiting::finish_draw`, batches of 10,000),
//! and beside them the pure draw alone; the draw's own log line gives the time of each
//! part. Checks the seats, the waiting list (one distinct ticket code each), the emails
//! and the re-run.
//! PostgreSQL needs BENCH_POSTGRES_URL (a database `tongcheng_bench` is recreated).
#[path = "bench_common/mod.rs"]
mod bench_common;

use bench_common::database_url;
use std::time::Instant;
use tongcheng::admission::draw::{self, Entrant};
use tongcheng::admission::run::{draw_transaction, DrawnBy};
use tongcheng::admission::waiting::{finish_draw, Batches};
use tongcheng::admission::{DrawWeights, NoShowRule};
use tongcheng::infra::clock::{now, Clock};
use tongcheng::infra::config::Config;
use tongcheng::infra::db::Db;
use tongcheng::meetups::engine::Events;
use tongcheng::meetups::repo::{insert_event, NewEvent};
use tongcheng::meetups::{EventKind, EventStatus};

async fn event(db: &Db, title: &str, starts_at: i64, capacity: i64) -> i64 {
    let mut tx = db.begin_write().await.expect("tx");
    let new = NewEvent { kind: EventKind::Official, city_id: 1816670, title, starts_at, ends_at: starts_at + 3600, capacity: Some(capacity), status: EventStatus::Published, created_by: None, organizer_id: None };
    let id = insert_event(&mut tx, &new, now()).await.expect("event");
    tx.commit().await.expect("commit");
    id
}

async fn run(db: &Db, sql: &str) {
    let mut tx = db.begin_write().await.expect("tx");
    sqlx::query(sql).execute(&mut *tx).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    tx.commit().await.expect("commit");
}

async fn scalar(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&db.pool).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[tokio::main]
async fn main() {
    // The draw logs how long each of its parts took.
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::new("warn,tongcheng::admission::run=info")).with_target(false).with_ansi(false).without_time().init();
    let args: Vec<String> = std::env::args().collect();
    let backend = args.get(1).cloned().unwrap_or_else(|| "sqlite".into());
    let applicants: i64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let seats: i64 = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(50);
    let dir = tempfile::tempdir().expect("temp dir");
    let url = database_url(&backend, dir.path()).await;
    let vars = std::collections::HashMap::from([("DATABASE_URL".to_string(), url)]);
    let config = Config::from_vars(&vars).expect("config");
    let db = tongcheng::server::start::open_database(&config).await.expect("db");

    let setup = Instant::now();
    tongcheng::server::seed::seed_demo(&db, applicants as u64, false).await.expect("seed");
    let past = event(&db, "Past meetup", now() - 30 * 86_400, 100_000).await;
    let earlier = event(&db, "Earlier draw", now() - 60 * 86_400, 100_000).await;
    run(&db, &format!("INSERT INTO attendance (event_id, user_id, outcome, recorded_at) SELECT {past}, id, CASE WHEN id % 20 = 0 THEN 'no_show' ELSE 'attended' END, 0 FROM users WHERE id % 3 = 0 OR id % 20 = 0")).await;
    run(&db, &format!("INSERT INTO draw_entries (event_id, application_id, user_id, weight, position, picked, selected, drawn_at) SELECT {earlier}, id, id, 100, id, 0, 0, 1 FROM users WHERE id % 10 = 0")).await;
    let meetup = event(&db, "Meet the engineers", now() + 7 * 86_400, seats).await;
    run(&db, &format!("UPDATE events SET admission = 'draw', application_closes_at = {} WHERE id = {meetup}", now() + 86_400)).await;
    run(&db, &format!("INSERT INTO applications (event_id, user_id, status, answer, created_at, updated_at) SELECT {meetup}, id, 'applied', '', 0, 0 FROM users WHERE email LIKE 'demo-fan-%'")).await;
    if backend != "sqlite" {
        // The tables the draw reads (a bare ANALYZE would also visit, and warn about, the
        // shared catalogs that only a superuser may analyze).
        run(&db, "ANALYZE users, events, applications, attendance, draw_entries, registrations").await;
    }
    let applied = scalar(&db, &format!("SELECT COUNT(*) FROM applications WHERE event_id = {meetup}")).await;
    println!("== {backend}: {applied} applicants, {seats} seats (setup {:.1} s) ==", setup.elapsed().as_secs_f64());

    // The pure draw alone, over the same number of weighted entrants.
    let entrants: Vec<Entrant> = (1..=applied).map(|i| Entrant { application_id: i, weight: [100, 200, 150, 50][(i % 4) as usize] }).collect();
    let t = Instant::now();
    let order = draw::draw(&[9; 32], &entrants);
    let pure = t.elapsed();
    assert_eq!(order.len() as i64, applied);

    let events = Events::new(db.clone(), "http://bench", Clock::System);
    let batches = Batches::default();
    let t = Instant::now();
    let outcome = draw_transaction(&events, meetup, DrawnBy::Timer, &DrawWeights::default(), &NoShowRule::default(), None, batches).await.expect("draw");
    let drawn = t.elapsed();
    let t = Instant::now();
    let written = finish_draw(&events, meetup, batches.per_batch).await.expect("rest of the waiting list");
    let rest = t.elapsed();
    println!("| {backend} | the draw: order, seats, tickets, first {} waiting, committed | {:.2} s |", batches.in_draw, drawn.as_secs_f64());
    println!("| {backend} | the rest of the waiting list and its emails ({written} batches) | {:.2} s |", rest.as_secs_f64());
    println!("| {backend} | both | {:.2} s |", (drawn + rest).as_secs_f64());
    println!("| {backend} | pure draw alone (in memory) | {:.3} s |", pure.as_secs_f64());

    let confirmed = scalar(&db, &format!("SELECT confirmed_count FROM events WHERE id = {meetup}")).await;
    let waiting = scalar(&db, &format!("SELECT COUNT(*) FROM registrations WHERE event_id = {meetup} AND status = 'waitlisted'")).await;
    let mails = scalar(&db, &format!("SELECT COUNT(*) FROM outbox WHERE event_id = {meetup}")).await;
    let codes = scalar(&db, &format!("SELECT COUNT(DISTINCT ticket_code) FROM registrations WHERE event_id = {meetup}")).await;
    let rerun = tongcheng::admission::run::rerun_matches(&db, meetup).await.expect("rerun") == Some(true);
    let ok = outcome.now && confirmed == seats && waiting == applied - seats && mails == applied && codes == applied && rerun;
    println!("  check: {confirmed} seats, {waiting} waiting, {mails} emails queued, {codes} distinct ticket codes, re-run gives the same list: {}", if ok { "OK" } else { "FAILED" });
    assert!(ok);
    db.close().await;
}

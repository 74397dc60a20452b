//! Benchmark: a flash-sale burst of sign-ups for one 50-seat meetup.
//!
//!   cargo run --release --features ssr --example bench_signup -- [sqlite|postgres] [fans] [connections] [processes]
//!
//! Seeds `fans` verified fans and logs each in over HTTP (setup, not timed). Then:
//! 1. raw: the seat-taking transaction (`engine::sign_up`) run directly against the
//!    database by `connections` concurrent tasks, every fan once, on meetup A;
//! 2. http: every fan presses "sign up" on meetup B through the real HTTP endpoint,
//!    over `connections` concurrent connections, to `processes` (1 or 2) app processes
//!    on the same database (each is this program started again as a plain server; the
//!    program itself only sends the load), each request to the least busy process.
//! Reports throughput, median and p99 latency, and checks that exactly 50 seats are
//! confirmed and everyone else waits with positions 1..N-50.
//! PostgreSQL needs BENCH_POSTGRES_URL (a database `tongcheng_bench` is recreated).
#[path = "bench_common/mod.rs"]
mod bench_common;

use bench_common::{burst, database_url, summary};
use std::sync::Arc;
use tongcheng::meetups::engine::{self, Fan};
use tongcheng::meetups::repo::{insert_event, NewEvent};
use tongcheng::infra::clock::now;
use tongcheng::infra::db::Db;

const SEATS: i64 = 50;

async fn meetup(db: &Db) -> i64 {
    let mut tx = db.begin_write().await.expect("tx");
    let start = now() + 86_400 * 7;
    let event = NewEvent { kind: tongcheng::meetups::EventKind::Official, city_id: 1816670, title: "Burst", starts_at: start, ends_at: start + 3600, capacity: Some(SEATS), status: tongcheng::meetups::EventStatus::Published, created_by: None, organizer_id: None };
    let id = insert_event(&mut tx, &event, now()).await.expect("event");
    tx.commit().await.expect("commit");
    id
}

async fn check(db: &Db, event: i64, fans: usize) {
    let confirmed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM registrations WHERE event_id = $1 AND status = 'confirmed'")
        .bind(event)
        .fetch_one(&db.pool)
        .await
        .expect("count");
    let mut seqs: Vec<i64> = sqlx::query_scalar("SELECT waitlist_seq FROM registrations WHERE event_id = $1 AND status = 'waitlisted' ORDER BY waitlist_seq")
        .bind(event)
        .fetch_all(&db.pool)
        .await
        .expect("seqs");
    let waiting = seqs.len();
    seqs.dedup();
    let counted: i64 = sqlx::query_scalar("SELECT confirmed_count FROM events WHERE id = $1").bind(event).fetch_one(&db.pool).await.expect("count");
    let exact = confirmed == SEATS && counted == SEATS && waiting == fans - SEATS as usize && seqs.len() == waiting;
    println!("  check: {confirmed} confirmed, {waiting} waiting with distinct queue numbers (positions 1..{waiting}): {}", if exact { "OK" } else { "FAILED" });
    assert!(exact);
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("serve") {
        return bench_common::serve(&args[2], &args[3]).await;
    }
    let backend = args.get(1).cloned().unwrap_or_else(|| "sqlite".into());
    let fans: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(5000);
    let connections: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(64);
    let processes: usize = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(1).clamp(1, 2);
    // The app's database pool (its default unless BENCH_DB_CONNECTIONS says otherwise).
    let db_connections = std::env::var("BENCH_DB_CONNECTIONS")
        .unwrap_or_else(|_| tongcheng::infra::config::default_db_connections().to_string());
    let dir = tempfile::tempdir().expect("temp dir");
    let url = database_url(&backend, dir.path()).await;
    let config = bench_common::config(&url, "127.0.0.1:0");
    let db = tongcheng::server::start::open_database(&config).await.expect("db");
    tongcheng::server::seed::seed_demo(&db, fans as u64, false).await.expect("seed");
    let apps = bench_common::AppProcesses::start(&url, processes).await;
    let bases = apps.bases.clone();
    let client = reqwest::Client::builder().pool_max_idle_per_host(connections).build().expect("client");

    // Setup: log every fan in (argon2 makes this the slow part).
    let cookies = bench_common::log_in_all(&client, &bases[0], fans).await;
    let users: Arc<Vec<(i64, String)>> = Arc::new(
        sqlx::query_as("SELECT id, email FROM users WHERE email LIKE 'demo-fan-%' ORDER BY id").fetch_all(&db.pool).await.expect("users"),
    );

    println!(
        "backend: {backend} ({}); fans: {fans}; concurrent connections: {connections}; app processes: {processes}; \
         database pool: {db_connections} per process; seats: {SEATS}",
        bench_common::link(&url)
    );
    println!("| run | throughput | median | p99 | total |");
    println!("|---|---|---|---|---|");
    let raw_event = meetup(&db).await;
    let (d, u) = (db.clone(), users.clone());
    let (latencies, total) = burst(fans, connections, move |i| {
        let (db, users) = (d.clone(), u.clone());
        async move {
            let (id, email) = &users[i];
            engine::Events::new(db.clone(), "http://bench", tongcheng::infra::clock::Clock::System).sign_up(raw_event, &Fan { id: *id, email, name: "Fan" }).await.expect("raw sign-up");
        }
    })
    .await;
    let raw = summary("raw database (engine::sign_up, no HTTP)", latencies, total);
    check(&db, raw_event, fans).await;

    let http_event = meetup(&db).await;
    let (c, a, k) = (client.clone(), Arc::new(bench_common::LeastBusy::new(bases)), cookies.clone());
    let (latencies, total) = burst(fans, connections, move |i| {
        let (client, apps, cookies) = (c.clone(), a.clone(), k.clone());
        async move {
            let cookie = cookies[i].lock().expect("lock").clone();
            bench_common::press_sign_up(&client, &apps, cookie, http_event).await;
        }
    })
    .await;
    let label = format!("HTTP POST /api/sign_up, {processes} process{}", if processes == 2 { "es" } else { "" });
    let http = summary(&label, latencies, total);
    check(&db, http_event, fans).await;
    println!("HTTP throughput is {:.0}% of the raw database limit.", http / raw * 100.0);
}

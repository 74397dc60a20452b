//! Benchmark: the festival's flash sale (issue 14).
//!
//!   cargo run --release --features ssr --example bench_festival -- [sqlite|postgres] [fans] [connections] [processes]
//!
//! Seeds `fans` verified fans (default 20,000) and a festival of 20 sessions × 100
//! seats, logs every fan in over HTTP (setup, not timed), then measures two bursts, each
//! with every fan pressing once, at the opening, over `connections` (128) connections:
//! 1. raw: `engine::sign_up` called directly (no HTTP) on festival A;
//! 2. HTTP: `POST /api/sign_up` on festival B, to `processes` (1 or 2) app processes on
//!    the same database (each is this program started again as a plain server, `serve
//!    URL ADDR`; the program itself only sends the load), each request to the least
//!    busy process.
//! Fans choose a session unevenly (weight 1/rank: the first session draws ~28 % of the
//! presses, the last ~1.4 %). After each run it checks: every session exactly at
//! capacity or without a waiting list, no fan with two places in the festival, one
//! ticket email queued per confirmed fan, and every invariant of `tongcheng check`.
//! PostgreSQL needs BENCH_POSTGRES_URL (a database `tongcheng_bench` is recreated).
#[path = "bench_common/mod.rs"]
mod bench_common;

use bench_common::{burst, database_url, summary};
use std::sync::Arc;
use tongcheng::festival::repo::{self, FestivalFields, NewSession};
use tongcheng::infra::clock::now;
use tongcheng::infra::db::Db;
use tongcheng::meetups::engine::{Events, Fan};

const SESSIONS: usize = 20;
const SEATS: i64 = 100;

/// A festival with 20 published sessions of 100 seats in the 20 most populous cities,
/// opening at `opens_at`. Returns its sessions.
async fn festival(db: &Db, name: &str, opens_at: i64) -> Vec<i64> {
    let cities: Vec<(i64, String)> = sqlx::query_as("SELECT id, timezone FROM cities ORDER BY population DESC, id LIMIT 20").fetch_all(&db.pool).await.expect("cities");
    let staff: i64 = sqlx::query_scalar("SELECT MIN(id) FROM users").fetch_one(&db.pool).await.expect("a user");
    let mut tx = db.begin_write().await.expect("tx");
    let fields = FestivalFields { name, description: "", day: "2099-04-06", opens_at };
    let id = repo::insert(&mut tx, &fields, staff, now()).await.expect("festival");
    let festival = repo::get(&mut *tx, id).await.expect("read").expect("festival");
    let mut sessions = Vec::new();
    for (city_id, _) in &cities {
        let new = NewSession { festival: &festival, city_id: *city_id, venue: "Hall", address: "", starts_at: 4_079_000_000, capacity: SEATS, created_by: staff };
        sessions.push(repo::insert_session(&mut tx, &new, now()).await.expect("session"));
    }
    repo::mark_invited(&mut tx, id, now()).await.expect("publish");
    tx.commit().await.expect("commit");
    sessions
}

/// The session fan `i` presses: uneven demand, weight 1/(rank+1), from a fixed mix.
fn choice(i: usize, sessions: &[i64]) -> i64 {
    let weights: Vec<f64> = (0..sessions.len()).map(|r| 1.0 / (r as f64 + 1.0)).collect();
    let total: f64 = weights.iter().sum();
    // A multiplicative hash of the fan's number spreads choices evenly over 0..1.
    let u = ((i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11) as f64 / (1u64 << 53) as f64 * total;
    let mut acc = 0.0;
    for (r, w) in weights.iter().enumerate() {
        acc += w;
        if u < acc {
            return sessions[r];
        }
    }
    sessions[sessions.len() - 1]
}

async fn count(db: &Db, sql: &str, festival_event: i64) -> i64 {
    sqlx::query_scalar(sql).bind(festival_event).fetch_one(&db.pool).await.expect(sql)
}

/// The checks after a run, on the festival of `sessions`.
async fn check(db: &Db, sessions: &[i64], fans: usize) {
    let mut ok = true;
    let (mut confirmed, mut waiting) = (0, 0);
    for &s in sessions {
        let taken = count(db, "SELECT confirmed_count FROM events WHERE id = $1", s).await;
        let waits = count(db, "SELECT COUNT(*) FROM registrations WHERE event_id = $1 AND status = 'waitlisted'", s).await;
        ok &= taken == SEATS || waits == 0;
        confirmed += taken;
        waiting += waits;
    }
    let festival = count(db, "SELECT festival_id FROM events WHERE id = $1", sessions[0]).await;
    let two_places = count(
        db,
        "SELECT COUNT(*) FROM (SELECT r.user_id FROM registrations r JOIN events e ON e.id = r.event_id \
         WHERE e.festival_id = $1 AND r.status <> 'cancelled' GROUP BY r.user_id HAVING COUNT(*) > 1) x",
        festival,
    )
    .await;
    let places = count(db, "SELECT COUNT(*) FROM festival_places WHERE festival_id = $1", festival).await;
    let tickets_wrong = count(
        db,
        "SELECT COUNT(*) FROM registrations r JOIN events e ON e.id = r.event_id JOIN users u ON u.id = r.user_id \
         WHERE e.festival_id = $1 AND r.status = 'confirmed' AND (SELECT COUNT(*) FROM outbox o WHERE o.recipient = u.email \
         AND o.kind IN ('seat_confirmed', 'seat_promoted') AND o.event_id = r.event_id) <> 1",
        festival,
    )
    .await;
    let violations = tongcheng::meetups::invariants::violations(db, now()).await.expect("invariants");
    ok &= two_places == 0 && tickets_wrong == 0 && violations.is_empty() && places == confirmed + waiting && places == fans as i64;
    println!(
        "  check: {confirmed} confirmed ({} sessions × {SEATS}), {waiting} waiting; every session full or without a waiting list; \
         fans with two places: {two_places}; festival places {places} for {fans} fans; confirmed fans without exactly one ticket email: {tickets_wrong}; \
         invariant violations: {}: {}",
        sessions.len(),
        violations.len(),
        if ok { "OK" } else { "FAILED" }
    );
    for v in violations.iter().take(5) {
        println!("    {v}");
    }
    assert!(ok);
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("serve") {
        return bench_common::serve(&args[2], &args[3]).await;
    }
    let backend = args.get(1).cloned().unwrap_or_else(|| "sqlite".into());
    let fans: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let connections: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(128);
    let processes: usize = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(1).clamp(1, 2);
    let dir = tempfile::tempdir().expect("temp dir");
    let url = database_url(&backend, dir.path()).await;
    let config = bench_common::config(&url, "127.0.0.1:0");
    let pool = config.db_max_connections;
    let db = tongcheng::server::start::open_database(&config).await.expect("db");
    tongcheng::server::seed::seed_demo(&db, fans as u64, false).await.expect("seed");
    let apps = bench_common::AppProcesses::start(&url, processes).await;
    let bases = apps.bases.clone();
    let client = reqwest::Client::builder().pool_max_idle_per_host(connections).build().expect("client");
    let cookies = bench_common::log_in_all(&client, &bases[0], fans).await;
    let users: Arc<Vec<(i64, String)>> = Arc::new(
        sqlx::query_as("SELECT id, email FROM users WHERE email LIKE 'demo-fan-%' ORDER BY id").fetch_all(&db.pool).await.expect("users"),
    );
    println!(
        "backend: {backend} ({}); fans: {fans}; sessions: {SESSIONS} × {SEATS} seats; concurrent connections: {connections}; \
         app processes: {processes}; database pool: {pool} per process",
        bench_common::link(&url)
    );
    println!("| run | throughput | median | p99 | total |");
    println!("|---|---|---|---|---|");

    let raw = festival(&db, "Raw", now()).await;
    let (d, u, s) = (db.clone(), users.clone(), Arc::new(raw.clone()));
    let (latencies, total) = burst(fans, connections, move |i| {
        let (db, users, sessions) = (d.clone(), u.clone(), s.clone());
        async move {
            let (id, email) = &users[i];
            let events = Events::new(db, "http://bench", tongcheng::infra::clock::Clock::System);
            events.sign_up(choice(i, &sessions), &Fan { id: *id, email, name: "Fan" }).await.expect("raw sign-up");
        }
    })
    .await;
    let raw_rate = summary("raw database (engine::sign_up, no HTTP)", latencies, total);
    check(&db, &raw, fans).await;

    // The HTTP festival opens as its burst begins.
    let http = festival(&db, "HTTP", now()).await;
    let (c, k, s, a) = (client.clone(), cookies.clone(), Arc::new(http.clone()), Arc::new(bench_common::LeastBusy::new(bases.clone())));
    let (latencies, total) = burst(fans, connections, move |i| {
        let (client, cookies, sessions, apps) = (c.clone(), k.clone(), s.clone(), a.clone());
        async move {
            let cookie = cookies[i].lock().expect("lock").clone();
            bench_common::press_sign_up(&client, &apps, cookie, choice(i, &sessions)).await;
        }
    })
    .await;
    let label = format!("HTTP POST /api/sign_up, {processes} process{}", if processes == 2 { "es" } else { "" });
    let http_rate = summary(&label, latencies, total);
    check(&db, &http, fans).await;
    println!("HTTP throughput is {:.0}% of the raw database limit.", http_rate / raw_rate * 100.0);
    let demand: Vec<usize> = http.iter().map(|s| (0..fans).filter(|i| choice(*i, &http) == *s).count()).collect();
    println!("presses per session, most wanted first: {demand:?}");
}

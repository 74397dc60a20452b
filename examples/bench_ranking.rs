//! Benchmark: the ranking and planner pages with many demo fans.
//!
//!   cargo run --release --features ssr --example bench_ranking -- [sqlite|postgres] [fans] [requests]
//!
//! Seeds a fresh database (timing `seed-demo`), starts the real app on loopback, logs
//! in as staff and times the staff pages and their server functions. PostgreSQL needs
//! BENCH_POSTGRES_URL (an admin URL; a database `tongcheng_bench` is recreated).
#[path = "bench_common/mod.rs"]
mod bench_common;

use bench_common::{database_url, row};
use std::time::Instant;
use tongcheng::accounts::Role;
use tongcheng::infra::config::Config;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let backend = args.get(1).map(String::as_str).unwrap_or("sqlite").to_string();
    let fans: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let requests: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(100);
    let dir = tempfile::tempdir().expect("temp dir");
    let url = database_url(&backend, dir.path()).await;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let vars = [("DATABASE_URL", url.as_str()), ("SITE_ADDR", &addr.to_string()), ("AUTH_ATTEMPTS_PER_MINUTE", "1000")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let config = Config::from_vars(&vars).expect("config");
    let db = tongcheng::server::start::open_database(&config).await.expect("database");
    let started = Instant::now();
    tongcheng::server::seed::seed_demo(&db, fans, false).await.expect("seed");
    let seed_time = started.elapsed();
    tongcheng::server::seed::create_staff(&db, "bench@example.com", "Bench", Some("bench-password"), "北京", Role::Staff, tongcheng::i18n::Locale::en)
        .await
        .expect("staff");
    let app = tongcheng::server::start::start(config, listener).await.expect("start");
    let base = format!("http://{}", app.addr);
    let client = bench_common::logged_in(&base, "bench@example.com", "bench-password").await;

    // A published meetup in Beijing, for the fans' main pages.
    let beijing: i64 = sqlx::query_scalar("SELECT id FROM cities WHERE name_zh = '北京'").fetch_one(&db.pool).await.expect("city");
    let meetup = {
        use tongcheng::meetups::repo::{insert_event, NewEvent};
        let start = tongcheng::infra::clock::now() + 7 * 86_400;
        let new = NewEvent { kind: tongcheng::meetups::EventKind::Official, city_id: beijing, title: "Meet the engineers", starts_at: start, ends_at: start + 3 * 3600, capacity: Some(50), status: tongcheng::meetups::EventStatus::Published, created_by: None, organizer_id: None };
        let mut tx = db.begin_write().await.expect("tx");
        let id = insert_event(&mut tx, &new, tongcheng::infra::clock::now()).await.expect("meetup");
        tx.commit().await.expect("commit");
        id
    };
    let (meetup_page, city_page, staff_meetup) = (format!("/meetups/{meetup}"), format!("/cities/{beijing}"), format!("/staff/meetups/{meetup}"));
    let club_page = format!("/clubs/{beijing}");

    println!("backend: {backend}; demo fans: {fans}; seed-demo took {:.1} s", seed_time.as_secs_f64());
    println!("| request | median | p90 | p99 |");
    println!("|---|---|---|---|");
    for (label, method, path) in [
        ("GET / (home page)", "GET", "/"),
        ("GET /meetups (page)", "GET", "/meetups"),
        ("GET /meetups/{id} (page)", "GET", meetup_page.as_str()),
        ("GET /cities/{id} (page)", "GET", city_page.as_str()),
        ("GET /clubs/{id} (page)", "GET", club_page.as_str()),
        ("GET /staff/clubs (page: every club's figures)", "GET", "/staff/clubs"),
        ("GET /staff/meetups/{id} (page)", "GET", staff_meetup.as_str()),
        ("GET /staff/ranking (page)", "GET", "/staff/ranking"),
        ("GET /staff/planner (page)", "GET", "/staff/planner"),
        ("POST /api/city_ranking", "POST", "/api/city_ranking"),
        ("POST /api/host_plan", "POST", "/api/host_plan"),
    ] {
        let mut times = Vec::with_capacity(requests);
        for i in 0..requests + 5 {
            let request = match method {
                "GET" => client.get(format!("{base}{path}")).header("Accept", "text/html"),
                _ => client.post(format!("{base}{path}")).form(&[("x", "")]),
            };
            let start = Instant::now();
            let response = request.send().await.expect("request");
            let status = response.status();
            let body = response.bytes().await.expect("body");
            let elapsed = start.elapsed();
            assert!(status.is_success() && !body.is_empty(), "{path}: {status}");
            if i >= 5 {
                times.push(elapsed); // the first five warm caches up
            }
        }
        row(label, times);
    }
}

//! A city-wide invitation at full speed (issue 15): N verified fans in one city (100,000
//! by default), staff publish a meetup there over HTTP, and the app's outbox worker
//! delivers every invitation to an SMTP server on loopback.
//!
//! Reports: the time publishing takes (all invitations queued in its transaction), beside
//! the raw database floor (one `INSERT … SELECT` of the same rows into a scratch table);
//! then delivery throughput to the SMTP server, counted at the server, with none lost and
//! none duplicated (distinct Message-IDs and recipients).
//!
//! `cargo run --release --features ssr --example bench_invitations -- sqlite|postgres [fans]`
//! PostgreSQL needs BENCH_POSTGRES_URL (the database BENCH_DATABASE is recreated).
#[path = "bench_common/mod.rs"]
mod bench_common;

use bench_common::database_url;
use bench_common::smtp::smtp_sink;
use std::collections::HashSet;
use std::time::{Duration, Instant};
use tongcheng::infra::db::Db;

/// N verified demo fans, all living in `city` and wanting invitations.
async fn fans_in(db: &Db, fans: u64, city: i64) {
    tongcheng::server::seed::seed_demo(db, fans, true).await.expect("seed");
    let mut tx = db.begin_write().await.expect("tx");
    sqlx::query("UPDATE users SET home_city_id = $1, wants_invitations = 1 WHERE email LIKE 'demo-fan-%'").bind(city).execute(&mut *tx).await.expect("move");
    tx.commit().await.expect("commit");
}

/// The floor: the same rows copied by one statement into a scratch table.
async fn raw_copy(db: &Db, city: i64) -> Duration {
    let mut tx = db.begin_write().await.expect("tx");
    sqlx::query("CREATE TABLE scratch_invites (user_id BIGINT, email TEXT, body TEXT)").execute(&mut *tx).await.expect("scratch");
    let started = Instant::now();
    sqlx::query("INSERT INTO scratch_invites SELECT id, email, 'Hello ' || display_name FROM users WHERE home_city_id = $1 AND email_verified_at IS NOT NULL AND wants_invitations = 1")
        .bind(city)
        .execute(&mut *tx)
        .await
        .expect("copy");
    // Dropped, not committed: the copy is rolled back.
    started.elapsed()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let backend = args.get(1).cloned().unwrap_or_else(|| "sqlite".into());
    let fans: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let url = database_url(&backend, dir.path()).await;
    let (smtp_port, received) = smtp_sink().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let mut config = bench_common::config(&url, &addr.to_string());
    config.smtp_url = Some(format!("smtp://127.0.0.1:{smtp_port}"));
    let db = tongcheng::server::start::open_database(&config).await.expect("db");
    let city: i64 = sqlx::query_scalar("SELECT id FROM cities WHERE name_zh = '深圳'").fetch_one(&db.pool).await.expect("city");
    fans_in(&db, fans, city).await;
    tongcheng::server::seed::create_staff(&db, "bench-staff@example.com", "Bench", Some("bench-password"), "深圳", tongcheng::accounts::Role::Staff, tongcheng::i18n::Locale::en)
        .await
        .expect("staff");
    let raw = raw_copy(&db, city).await;

    let app = tongcheng::server::start::start(config, listener).await.expect("start");
    let base = format!("http://{}", app.addr);
    let staff = bench_common::logged_in(&base, "bench-staff@example.com", "bench-password").await;
    let post = |endpoint: &'static str, form: Vec<(&'static str, String)>| {
        let request = staff.post(format!("{base}/api/{endpoint}")).header("Accept", "application/json").form(&form);
        async move {
            let response = request.send().await.expect(endpoint);
            assert!(response.status().is_success(), "{}", response.status());
            response.text().await.expect("body")
        }
    };
    let starts = (chrono::Utc::now() + chrono::Duration::days(14)).with_timezone(&chrono_tz::Asia::Shanghai).format("%Y-%m-%dT19:00").to_string();
    let id = post("save_meetup", vec![("id", String::new()), ("city", "深圳".into()), ("title", "Meet the engineers".into()), ("starts", starts), ("capacity", "50".into())]).await;

    let publishing = Instant::now();
    let invited: u64 = post("publish_meetup", vec![("id", id.trim().to_string()), ("radius_km", String::new())]).await.trim().parse().expect("invited");
    let queued_in = publishing.elapsed();
    let delivering = Instant::now();
    let deadline = delivering + Duration::from_secs(1800);
    while (received.lock().expect("sink").len() as u64) < invited {
        assert!(Instant::now() < deadline, "not delivered within 30 minutes");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let delivered_in = delivering.elapsed();
    // A moment for a stray duplicate to show up before counting.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got = received.lock().expect("sink").clone();
    let ids: HashSet<&String> = got.iter().map(|(id, _)| id).collect();
    let recipients: HashSet<&String> = got.iter().map(|(_, to)| to).collect();
    let exact = got.len() as u64 == invited && ids.len() == got.len() && recipients.len() == got.len();

    println!("backend: {backend}; fans in the city: {fans}; invitations: {invited}");
    println!("| step | app | raw database |");
    println!("|---|---|---|");
    println!("| publish: all invitations queued | {:.2} s | {:.2} s (one INSERT … SELECT of the same rows) |", queued_in.as_secs_f64(), raw.as_secs_f64());
    println!("| delivered to SMTP on loopback | {:.1} s, {:.0} messages/s | — |", delivered_in.as_secs_f64(), invited as f64 / delivered_in.as_secs_f64());
    println!("  check: {} received, {} distinct Message-IDs, {} distinct recipients: {}", got.len(), ids.len(), recipients.len(), if exact { "OK" } else { "FAILED" });
    assert!(exact);

    // The weekly club digest to the same city's members (issue 25): queued in one
    // statement per language, like the invitations.
    let now = tongcheng::infra::clock::now();
    let mut tx = db.begin_write().await.expect("tx");
    tongcheng::clubs::repo::insert_news(&mut tx, city, (1, "Bench"), "Hotpot night", "Friday, **bring a friend**", now).await.expect("news");
    tx.commit().await.expect("commit");
    let digesting = Instant::now();
    let digests = tongcheng::clubs::digest::queue_week(&db, &base, now).await.expect("digest");
    println!("| club digest: one per member queued | {:.2} s ({digests} digests) | — |", digesting.elapsed().as_secs_f64());
}

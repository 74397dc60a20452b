//! Benchmark: live at the meetup (issue 27). A room of `fans` checked-in fans (default
//! 500) and `streams` connected live streams (default 1,000), on `processes` app
//! processes (1 or 2) sharing one database.
//!
//!   cargo run --release --features ssr --example bench_live -- [sqlite|postgres] [fans] [streams] [processes]
//!
//! 1. Answers, open loop: every fan answers one open quiz question once, at a fixed
//!    rate over 10 s and again (another question) all within 1 s; latency counted from
//!    each answer's scheduled time; each to the least busy process. Checks one answer
//!    per fan and question.
//! 2. Streams: `streams` phones follow the event (the fans' sessions, spread over the
//!    processes); one change is made; the time until the last stream has it (a change
//!    goes out 200 ms after it is heard, with whatever else changed meanwhile). Each
//!    process's memory before and after the streams connected.
//! PostgreSQL needs BENCH_POSTGRES_URL (a database `tongcheng_bench` is recreated).
#[path = "bench_common/mod.rs"]
mod bench_common;

use bench_common::{database_url, ms, percentile, LeastBusy};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tongcheng::infra::clock::now;

const STAFF: &str = "live@bench.local";

async fn post(client: &reqwest::Client, base: &str, cookie: Option<&str>, endpoint: &str, form: &[(&str, String)]) -> reqwest::Response {
    let mut request = client.post(format!("{base}/api/{endpoint}")).form(form);
    if let Some(cookie) = cookie {
        request = request.header("Cookie", cookie);
    }
    request.send().await.expect("answered")
}

/// A quiz question opened now; its id.
async fn open_question(staff: &reqwest::Client, base: &str, event: i64) -> i64 {
    let form = [("event", event.to_string()), ("kind", "quiz".into()), ("question", "小米的第一款手机？".into()), ("options", "小米1\n小米2\n红米".into()), ("correct", "1".into()), ("seconds", "60".into())];
    let item: i64 = post(staff, base, None, "save_live_item", &form).await.json().await.expect("item");
    assert!(post(staff, base, None, "switch_live_item", &[("item", item.to_string()), ("action", "open".into())]).await.status().is_success());
    item
}

/// Every fan answers `item` once, fan i at `i × window / fans` after the start.
async fn answers(client: &reqwest::Client, apps: &Arc<LeastBusy>, cookies: &Arc<Vec<std::sync::Mutex<String>>>, item: i64, fans: usize, window: Duration) -> (Vec<Duration>, Duration) {
    let start = Instant::now();
    let tasks: Vec<_> = (0..fans)
        .map(|i| {
            let (client, apps, cookies) = (client.clone(), apps.clone(), cookies.clone());
            let due = start + window.mul_f64(i as f64 / fans as f64);
            tokio::spawn(async move {
                tokio::time::sleep_until(due.into()).await;
                let cookie = cookies[i].lock().expect("lock").clone();
                apps.send(|base| async move {
                    let answered = post(&client, &base, Some(&cookie), "answer_live", &[("item", item.to_string()), ("choice", (i % 3).to_string())]).await;
                    assert!(answered.status().is_success(), "answer: {}", answered.status());
                })
                .await;
                due.elapsed()
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.push(task.await.expect("answer"));
    }
    (latencies, start.elapsed())
}

fn answer_row(label: &str, mut latencies: Vec<Duration>, total: Duration) {
    latencies.sort();
    println!("| {label} | {} | {:.1} s | {} | {} | {} |", latencies.len(), total.as_secs_f64(), ms(percentile(&latencies, 0.5)), ms(percentile(&latencies, 0.99)), ms(percentile(&latencies, 1.0)));
}

/// Opens a stream and reports its first event's id, then the time the first newer one
/// arrived (measured from `changed`, set by the main task).
async fn follow(client: reqwest::Client, url: String, cookie: String, ready: Arc<tokio::sync::Barrier>, changed: Arc<tokio::sync::OnceCell<Instant>>) -> Duration {
    let mut stream = client.get(url).header("Accept", "text/event-stream").header("Cookie", cookie).send().await.expect("stream");
    assert!(stream.status().is_success(), "stream answered {}", stream.status());
    let mut buffer = String::new();
    let mut first: Option<i64> = None;
    loop {
        let chunk = stream.chunk().await.expect("chunk").expect("open");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let Some(id) = block.lines().find_map(|l| l.strip_prefix("id:")).and_then(|v| v.trim().parse::<i64>().ok()) else { continue };
            match first {
                None => {
                    first = Some(id);
                    ready.wait().await;
                }
                Some(seen) if id > seen => return changed.get().map(Instant::elapsed).unwrap_or_default(),
                Some(_) => {}
            }
        }
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("serve") {
        return bench_common::serve(&args[2], &args[3]).await;
    }
    bench_common::raise_open_files();
    let backend = args.get(1).cloned().unwrap_or_else(|| "sqlite".into());
    let fans: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(500);
    let streams: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let processes: usize = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(1).clamp(1, 2);
    let dir = tempfile::tempdir().expect("temp dir");
    let url = database_url(&backend, dir.path()).await;
    let db = tongcheng::server::start::open_database(&bench_common::config(&url, "127.0.0.1:0")).await.expect("db");
    tongcheng::server::seed::seed_demo(&db, fans as u64, false).await.expect("seed");
    tongcheng::server::seed::create_staff(&db, STAFF, "Live", Some("bench-password"), "北京", tongcheng::accounts::Role::Staff, tongcheng::i18n::Locale::en).await.expect("staff");
    let ids: Vec<(i64, String)> = sqlx::query_as("SELECT id, email FROM users WHERE email LIKE 'demo-fan-%' ORDER BY id").fetch_all(&db.pool).await.expect("fans");
    let event = {
        let start = now() + 7 * 86_400;
        let new = tongcheng::meetups::repo::NewEvent { kind: tongcheng::meetups::EventKind::Official, city_id: 1816670, title: "Live", starts_at: start, ends_at: start + 3 * 3600, capacity: Some(fans as i64), status: tongcheng::meetups::EventStatus::Published, created_by: None, organizer_id: None };
        let mut tx = db.begin_write().await.expect("tx");
        let id = tongcheng::meetups::repo::insert_event(&mut tx, &new, now()).await.expect("event");
        tx.commit().await.expect("commit");
        let events = tongcheng::meetups::engine::Events::new(db.clone(), "http://bench", tongcheng::infra::clock::Clock::System);
        for (user, email) in &ids {
            events.sign_up(id, &tongcheng::meetups::engine::Fan { id: *user, email, name: "Fan" }).await.expect("seat");
        }
        let mut tx = db.begin_write().await.expect("tx");
        sqlx::query("UPDATE events SET starts_at = $1, ends_at = $2 WHERE id = $3").bind(now() - 600).bind(now() + 3 * 3600).bind(id).execute(&mut *tx).await.expect("start");
        sqlx::query("UPDATE registrations SET checked_in_at = $1 WHERE event_id = $2 AND status = 'confirmed'").bind(now() - 300).bind(id).execute(&mut *tx).await.expect("in");
        tx.commit().await.expect("commit");
        id
    };
    let apps = bench_common::AppProcesses::start(&url, processes).await;
    let client = reqwest::Client::builder().pool_max_idle_per_host(fans).build().expect("client");
    let cookies = bench_common::log_in_all(&client, &apps.bases[0], fans).await;
    let staff = bench_common::logged_in(&apps.bases[0], STAFF, "bench-password").await;
    let least_busy = Arc::new(LeastBusy::new(apps.bases.clone()));
    println!("backend: {backend} ({}); {fans} checked-in fans; {streams} streams; app processes: {processes}", bench_common::link(&url));
    println!("| answers, open loop | answers | took | median | p99 | slowest |");
    println!("|---|---|---|---|---|---|");
    let mut last = 0;
    for (label, window) in [("every fan within 10 s", Duration::from_secs(10)), ("every fan within 1 s", Duration::from_secs(1))] {
        let item = open_question(&staff, &apps.bases[0], event).await;
        last = item;
        let (latencies, total) = answers(&client, &least_busy, &cookies, item, fans, window).await;
        answer_row(label, latencies, total);
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(DISTINCT user_id) FROM live_answers WHERE item_id = $1").bind(item).fetch_one(&db.pool).await.expect("rows");
        let all: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM live_answers WHERE item_id = $1").bind(item).fetch_one(&db.pool).await.expect("rows");
        assert_eq!((rows, all), (fans as i64, fans as i64), "one answer per fan");
    }

    // Streams: the fans' phones (each fan's session, two streams a fan when there are
    // twice as many streams as fans), spread over the processes.
    let before = apps.rss_kb();
    let ready = Arc::new(tokio::sync::Barrier::new(streams + 1));
    let changed = Arc::new(tokio::sync::OnceCell::new());
    let stream_client = reqwest::Client::builder().pool_max_idle_per_host(streams).build().expect("client");
    let connecting = Instant::now();
    let followers: Vec<_> = (0..streams)
        .map(|i| {
            let url = format!("{}/events/{event}/live/stream", apps.bases[i % apps.bases.len()]);
            let cookie = cookies[i % fans].lock().expect("lock").clone();
            tokio::spawn(follow(stream_client.clone(), url, cookie, ready.clone(), changed.clone()))
        })
        .collect();
    ready.wait().await;
    let connected = connecting.elapsed();
    let after = apps.rss_kb();
    changed.set(Instant::now()).expect("once");
    assert!(post(&staff, &apps.bases[0], None, "switch_live_item", &[("item", last.to_string()), ("action", "close".into())]).await.status().is_success());
    let mut heard = Vec::new();
    for follower in followers {
        heard.push(follower.await.expect("stream"));
    }
    heard.sort();
    let per_stream: Vec<String> = before.iter().zip(&after).map(|(b, a)| format!("{:.1} kB", (a.saturating_sub(*b)) as f64 * apps.bases.len() as f64 / streams as f64)).collect();
    println!("\n| streams | all connected and sent the state | one change: median | p99 | last stream has it | memory per stream (each process) |");
    println!("|---|---|---|---|---|---|");
    println!("| {streams} | {} | {} | {} | {} | {} |", ms(connected), ms(percentile(&heard, 0.5)), ms(percentile(&heard, 0.99)), ms(percentile(&heard, 1.0)), per_stream.join(", "));
    println!("memory (RSS) before / after the streams: {before:?} / {after:?} kB");
}

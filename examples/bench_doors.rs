//! Benchmark: doors coming back online at once (issue 26). An event with `tickets`
//! seated fans (default 500) and 4 door phones that checked tickets in while offline
//! send what they scanned at the same moment, as the door page does (`sync_door`,
//! at most 400 scans a request, one request at a time per door).
//!
//!   cargo run --release --features ssr --example bench_doors -- [sqlite|postgres] [tickets] [processes]
//!
//! Runs: "split", each door scanned a quarter of the fans plus a tenth of its
//! neighbour's (the same fan at two doors while both were offline); "every door",
//! each door scanned every fan (4 × `tickets` scans, the worst case); and the same
//! worst case straight on the database (`door_repo::sync_scans`, no HTTP): the raw
//! limit. Checks each: every fan in once, every scan recorded once, the duplicates
//! refused, and a sync sent again answered the same without a new row.
//! PostgreSQL needs BENCH_POSTGRES_URL (a database `tongcheng_bench` is recreated).
#[path = "bench_common/mod.rs"]
mod bench_common;

use bench_common::{database_url, ms, percentile};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tongcheng::infra::clock::now;
use tongcheng::infra::db::Db;
use tongcheng::meetups::engine::{Events, Fan};
use tongcheng::meetups::repo::{insert_event, NewEvent};
use tongcheng::participation::door_sync::{DoorSync, OfflineScan, ScanOutcome, ScanVerdict, SCANS_PER_SYNC};

const DOORS: usize = 4;
const STAFF: &str = "door@bench.local";

/// An event that started ten minutes ago with every demo fan seated; its ticket codes.
async fn event_with_fans(db: &Db, title: &str, fans: &[(i64, String)]) -> (i64, Vec<String>) {
    let start = now() + 7 * 86_400;
    let new = NewEvent { kind: tongcheng::meetups::EventKind::Official, city_id: 1816670, title, starts_at: start, ends_at: start + 3 * 3600, capacity: Some(fans.len() as i64), status: tongcheng::meetups::EventStatus::Published, created_by: None, organizer_id: None };
    let mut tx = db.begin_write().await.expect("tx");
    let id = insert_event(&mut tx, &new, now()).await.expect("event");
    tx.commit().await.expect("commit");
    let events = Events::new(db.clone(), "http://bench", tongcheng::infra::clock::Clock::System);
    let mut codes = Vec::new();
    for (user, email) in fans {
        codes.push(events.sign_up(id, &Fan { id: *user, email, name: "Fan" }).await.expect("seat").ticket_code.expect("code"));
    }
    let started = now() - 600;
    let mut tx = db.begin_write().await.expect("tx");
    sqlx::query("UPDATE events SET starts_at = $1, ends_at = $2 WHERE id = $3").bind(started).bind(started + 3 * 3600).bind(id).execute(&mut *tx).await.expect("start");
    tx.commit().await.expect("commit");
    (id, codes)
}

/// What door `door` scanned offline: in a "split", its quarter and a tenth of the next
/// door's; otherwise every ticket, each door in its own order.
fn scanned(codes: &[String], door: usize, split: bool) -> Vec<OfflineScan> {
    let at = now() - 300;
    let mine = |i: usize| if split { i % DOORS == door || (i % DOORS == (door + 1) % DOORS && i % 40 < 4) } else { true };
    let mut picked: Vec<usize> = (0..codes.len()).filter(|&i| mine(i)).collect();
    let shift = door * picked.len() / DOORS;
    picked.rotate_left(shift);
    picked.iter().map(|&i| OfflineScan { scan_id: format!("door{door}-scan-{i:06}-bench"), code: codes[i].clone(), scanned_at: at + i as i64 }).collect()
}

async fn sync(client: &reqwest::Client, base: &str, event: i64, door: usize, scans: &[OfflineScan]) -> (DoorSync, Duration) {
    let started = Instant::now();
    let body = serde_json::to_string(scans).expect("json");
    let response = client.post(format!("{base}/api/sync_door")).form(&[("event", event.to_string()), ("door", format!("D{door}")), ("scans", body)]).send().await.expect("sync");
    assert!(response.status().is_success(), "sync answered {}", response.status());
    (response.json().await.expect("verdicts"), started.elapsed())
}

/// Every door sends all its scans, chunk after chunk, all doors at once; the verdicts
/// and each request's time.
async fn all_doors(doors: &[(reqwest::Client, String)], event: i64, codes: &[String], split: bool) -> (Vec<ScanVerdict>, Vec<Duration>, Duration) {
    let started = Instant::now();
    let tasks: Vec<_> = doors
        .iter()
        .enumerate()
        .map(|(door, (client, base))| {
            let (client, base, scans) = (client.clone(), base.clone(), scanned(codes, door, split));
            tokio::spawn(async move {
                let mut out = (Vec::new(), Vec::new());
                for chunk in scans.chunks(SCANS_PER_SYNC) {
                    let (answer, took) = sync(&client, &base, event, door, chunk).await;
                    out.0.extend(answer.verdicts);
                    out.1.push(took);
                }
                out
            })
        })
        .collect();
    let (mut verdicts, mut times) = (Vec::new(), Vec::new());
    for task in tasks {
        let (v, t) = task.await.expect("door");
        verdicts.extend(v);
        times.extend(t);
    }
    (verdicts, times, started.elapsed())
}

async fn count(db: &Db, sql: &str, event: i64) -> i64 {
    sqlx::query_scalar(sql).bind(event).fetch_one(&db.pool).await.expect("count")
}

/// Prints the run's row and checks it: every fan in once, every scan one row.
async fn report(db: &Db, label: &str, event: i64, tickets: usize, verdicts: &[ScanVerdict], mut times: Vec<Duration>, total: Duration) {
    times.sort();
    let of = |o: ScanOutcome| verdicts.iter().filter(|v| v.outcome == o).count();
    let (admitted, duplicates) = (of(ScanOutcome::CheckedIn), of(ScanOutcome::Duplicate));
    let checked_in = count(db, "SELECT COUNT(*) FROM registrations WHERE event_id = $1 AND checked_in_at IS NOT NULL", event).await;
    let rows = count(db, "SELECT COUNT(*) FROM door_scans WHERE event_id = $1", event).await;
    let ok = admitted == tickets && checked_in == tickets as i64 && rows == verdicts.len() as i64 && admitted + duplicates == verdicts.len();
    println!(
        "| {label} | {} | {admitted} | {duplicates} | {:.0} ms | {} | {} | {:.0} scans/s | {} |",
        verdicts.len(),
        total.as_secs_f64() * 1000.0,
        if times.is_empty() { "–".into() } else { ms(percentile(&times, 0.5)) },
        if times.is_empty() { "–".into() } else { ms(percentile(&times, 1.0)) },
        verdicts.len() as f64 / total.as_secs_f64(),
        if ok { "OK" } else { "FAILED" }
    );
    assert!(ok, "{label}: {admitted} admitted, {checked_in} checked in, {rows} rows for {} scans", verdicts.len());
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("serve") {
        return bench_common::serve(&args[2], &args[3]).await;
    }
    let backend = args.get(1).cloned().unwrap_or_else(|| "sqlite".into());
    let tickets: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(500);
    let processes: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(1).clamp(1, 2);
    let dir = tempfile::tempdir().expect("temp dir");
    let url = database_url(&backend, dir.path()).await;
    let config = bench_common::config(&url, "127.0.0.1:0");
    let db = tongcheng::server::start::open_database(&config).await.expect("db");
    tongcheng::server::seed::seed_demo(&db, tickets as u64, false).await.expect("seed");
    tongcheng::server::seed::create_staff(&db, STAFF, "Door", Some("bench-password"), "北京", tongcheng::accounts::Role::Staff, tongcheng::i18n::Locale::en).await.expect("staff");
    let fans: Vec<(i64, String)> = sqlx::query_as("SELECT id, email FROM users WHERE email LIKE 'demo-fan-%' ORDER BY id").fetch_all(&db.pool).await.expect("fans");
    let apps = bench_common::AppProcesses::start(&url, processes).await;
    let mut doors = Vec::new();
    for door in 0..DOORS {
        let base = apps.bases[door % apps.bases.len()].clone();
        doors.push((bench_common::logged_in(&base, STAFF, "bench-password").await, base));
    }
    println!("backend: {backend} ({}); {tickets} seated fans; {DOORS} doors syncing at once, at most {SCANS_PER_SYNC} scans a request; app processes: {processes}", bench_common::link(&url));
    println!("| run | scans | let in | duplicates refused | all doors synced | request median | slowest request | rate | check |");
    println!("|---|---|---|---|---|---|---|---|---|");

    let (split, codes) = event_with_fans(&db, "Split doors", &fans).await;
    let (verdicts, times, total) = all_doors(&doors, split, &codes, true).await;
    report(&db, "HTTP, split (¼ each + 10 % twice)", split, tickets, &verdicts, times, total).await;
    // The answer to the first door was lost: it sends the same scans again.
    let again = scanned(&codes, 0, true);
    let (answer, _) = sync(&doors[0].0, &doors[0].1, split, 0, &again[..again.len().min(SCANS_PER_SYNC)]).await;
    let first: Vec<&ScanVerdict> = answer.verdicts.iter().map(|v| verdicts.iter().find(|w| w.scan_id == v.scan_id).expect("decided before")).collect();
    assert!(answer.verdicts.iter().zip(first).all(|(a, b)| a == b), "a resent sync is answered as before");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM door_scans WHERE event_id = $1", split).await, verdicts.len() as i64, "no new row for a resent scan");

    let (every, codes) = event_with_fans(&db, "Every door", &fans).await;
    let (verdicts, times, total) = all_doors(&doors, every, &codes, false).await;
    report(&db, "HTTP, every door scanned every fan", every, tickets, &verdicts, times, total).await;

    // The raw limit: the same worst case straight on the database, 4 doors at once.
    let (raw, codes) = event_with_fans(&db, "Raw", &fans).await;
    let info = Arc::new(tongcheng::meetups::repo::event_info(&db.pool, raw).await.expect("event").expect("exists"));
    let version: i64 = sqlx::query_scalar("SELECT session_version FROM users WHERE email = $1").bind(STAFF).fetch_one(&db.pool).await.expect("version");
    let staff_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(STAFF).fetch_one(&db.pool).await.expect("staff id");
    let user = Arc::new(tongcheng::accounts::repo::load_current(&db, staff_id, version).await.expect("user").expect("staff"));
    let started = Instant::now();
    let tasks: Vec<_> = (0..DOORS)
        .map(|door| {
            let (db, info, user, scans) = (db.clone(), info.clone(), user.clone(), scanned(&codes, door, false));
            tokio::spawn(async move {
                let mut verdicts = Vec::new();
                for chunk in scans.chunks(SCANS_PER_SYNC) {
                    verdicts.extend(tongcheng::participation::door_repo::sync_scans(&db, &user, &info, &format!("D{door}"), chunk.to_vec(), now(), 3600, "http://bench").await.expect("raw sync"));
                }
                verdicts
            })
        })
        .collect();
    let mut verdicts = Vec::new();
    for task in tasks {
        verdicts.extend(task.await.expect("door"));
    }
    report(&db, "raw database (door_repo::sync_scans, no HTTP)", raw, tickets, &verdicts, Vec::new(), started.elapsed()).await;
    drop(apps);
}

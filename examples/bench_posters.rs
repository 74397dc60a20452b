//! Benchmark: posters (issue 28). Goals: drawn in under 50 ms warm, under 150 KB.
//!
//!   cargo run --release --features ssr --example bench_posters -- [sqlite|postgres] [posters]
//!
//! 1. Drawing: `posters` (default 200) different posters (SVG → PNG, text laid out with
//!    the embedded font subset): the first (the font loaded) and the rest, warm; sizes.
//! 2. Over HTTP, one app process: a meetup's poster for a fan (their referral in the
//!    QR code): drawn once, then served from the kept copy (cache hit, the whole PNG
//!    sent), and "not modified" for a browser that has it; beside them the raw
//!    database read each request makes (the event), as the floor.
//! PostgreSQL needs BENCH_POSTGRES_URL (a database `tongcheng_bench` is recreated).
#[path = "bench_common/mod.rs"]
mod bench_common;

use bench_common::{database_url, ms, percentile, row};
use std::time::{Duration, Instant};
use tongcheng::sharing::poster::{self, PosterText};

const FAN: &str = "poster@bench.local";

fn text(n: usize) -> PosterText {
    PosterText {
        community: "同城会".into(),
        kind: "官方见面会".into(),
        title: format!("小米 15 Ultra 影像交流会：北京米粉见面会（第 {n} 期）"),
        lines: vec!["2026年12月20日 周六 14:00".into(), "北京 · 小米科技园 A 座报告厅".into(), format!("剩余 {} 个名额", n % 50)],
        call: "长按识别二维码，一起来".into(),
        url: format!("https://tongcheng.example/meetups/{n}?ref=abcdefghjk"),
    }
}

fn drawing(posters: usize) {
    let started = Instant::now();
    let first = poster::render(&poster::svg(&text(0)), "0").expect("drawn");
    let cold = started.elapsed();
    let (mut times, mut sizes) = (Vec::new(), vec![first.len()]);
    for n in 1..=posters {
        let svg = poster::svg(&text(n));
        let started = Instant::now();
        let png = poster::render(&svg, "t").expect("drawn");
        times.push(started.elapsed());
        sizes.push(png.len());
    }
    times.sort();
    sizes.sort();
    println!("Drawing {posters} different posters ({}×{} px), in this process:", poster::WIDTH, poster::HEIGHT);
    println!("| first (font loaded) | warm median | warm p95 | warm slowest | PNG size (smallest–largest) |");
    println!("|---|---|---|---|---|");
    println!("| {} | {} | {} | {} | {:.0}–{:.0} KB |", ms(cold), ms(percentile(&times, 0.5)), ms(percentile(&times, 0.95)), ms(times[times.len() - 1]), sizes[0] as f64 / 1024.0, sizes[sizes.len() - 1] as f64 / 1024.0);
}

async fn timed(client: &reqwest::Client, url: &str, etag: Option<&str>, expect: u16) -> (Duration, Option<String>) {
    let started = Instant::now();
    let mut request = client.get(url);
    if let Some(etag) = etag {
        request = request.header("If-None-Match", etag);
    }
    let response = request.send().await.expect("answered");
    assert_eq!(response.status().as_u16(), expect, "{url}");
    let etag = response.headers().get("etag").and_then(|v| v.to_str().ok()).map(str::to_string);
    let _ = response.bytes().await.expect("body");
    (started.elapsed(), etag)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("serve") {
        return bench_common::serve(&args[2], &args[3]).await;
    }
    let backend = args.get(1).cloned().unwrap_or_else(|| "sqlite".into());
    let posters: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(200);
    if backend == "sqlite" {
        drawing(posters);
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let url = database_url(&backend, dir.path()).await;
    let config = bench_common::config(&url, "127.0.0.1:0");
    let db = tongcheng::server::start::open_database(&config).await.expect("db");
    tongcheng::server::seed::create_staff(&db, FAN, "米粉", Some("bench-password"), "北京", tongcheng::accounts::Role::Fan, tongcheng::i18n::Locale::zh_CN).await.expect("fan");
    let city: i64 = sqlx::query_scalar("SELECT id FROM cities WHERE name_zh = '北京'").fetch_one(&db.pool).await.expect("city");
    let mut tx = db.begin_write().await.expect("tx");
    let start = tongcheng::infra::clock::now() + 7 * 86_400;
    let new = tongcheng::meetups::repo::NewEvent {
        kind: tongcheng::meetups::EventKind::Official, city_id: city, title: "小米 15 Ultra 影像交流会：北京米粉见面会", starts_at: start, ends_at: start + 10_800,
        capacity: Some(50), status: tongcheng::meetups::EventStatus::Published, created_by: None, organizer_id: None,
    };
    let event = tongcheng::meetups::repo::insert_event(&mut tx, &new, tongcheng::infra::clock::now()).await.expect("event");
    tx.commit().await.expect("commit");
    let apps = bench_common::AppProcesses::start(&url, 1).await;
    let fan = bench_common::logged_in(&apps.bases[0], FAN, "bench-password").await;
    let poster_url = format!("{}/meetups/{event}/poster.png", apps.bases[0]);
    let (first, etag) = timed(&fan, &poster_url, None, 200).await;
    let requests = 300;
    let (mut hits, mut unchanged, mut raw) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..requests {
        hits.push(timed(&fan, &poster_url, None, 200).await.0);
        unchanged.push(timed(&fan, &poster_url, etag.as_deref(), 304).await.0);
        let started = Instant::now();
        tongcheng::meetups::repo::event_info(&db.pool, event).await.expect("read").expect("event");
        raw.push(started.elapsed());
    }
    println!("\nbackend: {backend} ({}); one app process; a logged-in fan's meetup poster, {requests} requests each, one at a time", bench_common::link(&url));
    println!("| request | median | p90 | p99 |");
    println!("|---|---|---|---|");
    println!("| first: drawn (HTTP) | {} | | |", ms(first));
    row("kept copy, whole PNG sent (HTTP)", hits);
    row("browser has it: 304 (HTTP)", unchanged);
    row("raw: the event read straight from the database", raw);
}

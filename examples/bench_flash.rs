//! Benchmark: the flash sale at full size (issue 29), open loop.
//!
//!   cargo run --release --features ssr --example bench_flash -- [sqlite|postgres] [processes] [fans] [rate] [knee rates] [runs]
//!
//! `fans` (100,000) verified fans, each with a session made straight in the database
//! (no 100,000 argon2 log-ins), on `processes` (1 or 2) app processes sharing the
//! database, tickets mailed to an SMTP sink on loopback. Then, in one run:
//! 1. Closed loop, for comparison and for the HTTP share: 20,000 sign-ups as fast as 64
//!    connections go, through the raw engine (the sign-up desk, no HTTP) and over HTTP,
//!    three rounds of both (the median share is the figure). With two processes HTTP
//!    has a desk in each: the raw engine runs with one desk, then with two, and the
//!    share is taken against two.
//! 2. The knee: 10 s of presses at each of `knee rates` (1000,1500,2000,2500,3000 a
//!    second), every fan once, 5 % twice within 200 ms; latency from each press's due
//!    time. The knee is the first rate whose p99 passes 100 ms.
//! 3. The refresh storm: for 60 s fans reload the meetup page (half logged in) at
//!    PAGE_RATE (400/s); sign-up opens after 30 s and `rate` presses a second arrive in
//!    the middle of that reloading. Page and sign-up latency, before and after opening.
//!    The storm and the moment are skipped where the knee's queue already grew past
//!    1 s at or below `rate` (SQLite): they would only queue longer.
//! 4. The moment, `runs` times (1; 3 for the headline): every fan presses once at
//!    `rate` (1,700/s, about a minute), 5 % twice within 200 ms. Every press answered,
//!    exactly the 500 seats confirmed, the waiting list numbered 1…N, the invariants
//!    clean, one ticket per confirmed fan at the SMTP sink; each process's peak memory.
//!    With FLASH_PROFILE=path, `perf record` samples the first app process during the
//!    first run (a flame graph is drawn from it by scripts/bench.sh).
//!
//! Presses go to the least busy app process, or all to the first with
//! FLASH_PRESSES_TO_ONE=1 (pages still to the least busy). FLASH_PHASES picks phases;
//! FLASH_VACUUM_BETWEEN=1 vacuums the grown tables between the moment's runs;
//! FLASH_DESK_WAITS=1 samples what the desks' connections wait for (`bench_flash/waits.rs`).
//!
//! PostgreSQL needs BENCH_POSTGRES_URL (a fresh database is made for the run).
#[path = "bench_common/mod.rs"]
mod bench_common;
#[path = "bench_flash/checks.rs"]
mod checks;
#[path = "bench_flash/stages.rs"]
mod stages;
#[path = "bench_flash/storm.rs"]
mod storm;
#[path = "bench_flash/waits.rs"]
mod waits;

use bench_common::open_loop::{self, Answer, Due};
use bench_common::{burst, database_url, summary};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tongcheng::infra::clock::now;
use tongcheng::infra::db::Db;
use tongcheng::meetups::repo::{insert_event, NewEvent};

const SEATS: i64 = 500;
/// What a phone's browser accepts (Chrome on Android; `zstd` left out: the app has no
/// such encoder, so the answer would be the same).
const PHONE_ENCODINGS: &str = "gzip, deflate, br";
const TWICE: f64 = 0.05;
const CLOSED_LOOP_FANS: usize = 20_000;
const KNEE_SECONDS: f64 = 10.0;
const P99_GOAL: Duration = Duration::from_millis(100);

/// A published meetup with `SEATS` seats whose sign-up opens `opens_in` seconds from now.
async fn meetup(db: &Db, title: &str, opens_in: i64) -> i64 {
    let mut tx = write(db).await;
    let start = now() + 86_400 * 7;
    let event = NewEvent {
        kind: tongcheng::meetups::EventKind::Official,
        city_id: 1816670,
        title,
        starts_at: start,
        ends_at: start + 3600,
        capacity: Some(SEATS),
        status: tongcheng::meetups::EventStatus::Published,
        created_by: None,
        organizer_id: None,
    };
    let id = insert_event(&mut tx, &event, now()).await.expect("event");
    sqlx::query("UPDATE events SET signup_opens_at = $1 WHERE id = $2").bind(now() + opens_in).bind(id).execute(&mut *tx).await.expect("opens");
    tx.commit().await.expect("commit");
    id
}

/// Sessions as of fans who were on the site a moment ago: an active session is saved
/// again every 5 minutes of use, and fans waiting for the opening have just been on the
/// page. (Made anew before each phase, so no phase pays for the renewals of the last.)
///
/// On PostgreSQL the database is then vacuumed: between two flash sales autovacuum has
/// long cleared the last one's dead rows (100,000 sessions replaced, registrations and
/// mail updated), but here phases follow within seconds and autovacuum would run in
/// the middle of the next one, on the same two cores. FLASH_NO_VACUUM=1 measures the
/// phases back to back instead.
async fn fresh_sessions(db: &Db, users: &[(i64, i64, String)]) -> Arc<Vec<String>> {
    let mut tx = write(db).await;
    sqlx::query("DELETE FROM sessions").execute(&mut *tx).await.expect("sessions");
    tx.commit().await.expect("commit");
    let cookies = Arc::new(open_loop::mint_sessions(db, &users.iter().map(|(id, v, _)| (*id, *v)).collect::<Vec<_>>()).await);
    if db.dialect == tongcheng::infra::dialect::Dialect::Postgres && std::env::var_os("FLASH_NO_VACUUM").is_none() {
        // The app's own tables (the whole database would fill the server log with
        // warnings about shared catalogs only a superuser may vacuum).
        let tables: String = sqlx::query_scalar("SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables WHERE schemaname = 'public'").fetch_one(&db.pool).await.expect("tables");
        sqlx::query(&format!("VACUUM (ANALYZE) {tables}")).execute(&db.pool).await.expect("vacuum");
    }
    cookies
}

/// A write transaction of the benchmark's own: on SQLite the app's writer may hold the
/// file for a moment, so a busy database is tried again.
async fn write(db: &Db) -> tongcheng::infra::db::Tx {
    for _ in 0..40 {
        if let Ok(tx) = db.begin_write().await {
            return tx;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    db.begin_write().await.expect("tx")
}

/// Waits until the outbox has delivered what earlier phases queued (at most 10
/// minutes): each phase is measured as its own moment, with its own mail.
async fn quiet(db: &Db) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(600) {
        // Mail the outbox put off (the sink refused it in an overload: it retries minutes
        // later) does not keep the next phase waiting.
        let soon = tongcheng::infra::clock::now() + 5;
        let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1")
            .bind(soon)
            .fetch_one(&db.pool)
            .await
            .expect("outbox");
        if pending == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// One table row of open-loop answers; whether p99 stayed within the goal.
fn row(label: &str, answers: &[Answer], sent_over: Duration) -> bool {
    let (p50, p99, p999, max) = open_loop::percentiles(answers);
    let failed = answers.iter().filter(|a| a.status != 200).count();
    let mut statuses: Vec<u16> = answers.iter().filter(|a| a.status != 200).map(|a| a.status).collect();
    statuses.sort_unstable();
    statuses.dedup();
    let failed = if failed == 0 { "0".to_string() } else { format!("{failed} ({statuses:?})") };
    let rate = answers.len() as f64 / sent_over.as_secs_f64().max(0.001);
    println!("| {label} | {} | {rate:.0}/s | {} | {} | {} | {} | {failed} |", answers.len(), ms(p50), ms(p99), ms(p999), ms(max));
    open_loop::save_timeline(label, answers);
    p99 <= P99_GOAL
}

fn header() {
    println!("| run | requests | sent at | p50 | p99 | p99.9 | max | not answered 200 |");
    println!("|---|---|---|---|---|---|---|---|");
}

/// Presses of "sign up" for `event`, open loop, each to the app process with the fewest
/// requests in flight (as README's proxy, `least_conn`).
async fn presses(client: &reqwest::Client, apps: &Arc<bench_common::LeastBusy>, cookies: &Arc<Vec<String>>, event: i64, due: &[Due]) -> Vec<Answer> {
    let start = Instant::now() + Duration::from_millis(20);
    // FLASH_PRESSES_TO_ONE=1: every press to the first process (one desk for the meetup,
    // as a proxy routing sign-ups to one upstream would), pages to the least busy.
    let to_one = std::env::var_os("FLASH_PRESSES_TO_ONE").is_some();
    open_loop::run(start, due, |fan| {
        let (base, in_flight) = if to_one { apps.pick_one(0) } else { apps.pick() };
        let press = open_loop::sent(client.post(format!("{base}/api/sign_up")).header("Cookie", &cookies[fan]).form(&[("id", event.to_string())]));
        async move {
            let status = press.await;
            drop(in_flight);
            status
        }
    })
    .await
}

/// `fans` press through `desks` sign-up desks in this process, 64 at a time: their rate,
/// and a note of the turns and CPU.
async fn raw_burst(db: &Db, users: &Arc<Vec<(i64, i64, String)>>, fans: usize, desks: usize, round: usize, app_pids: &[u32]) -> (f64, String) {
    let raw_event = meetup(db, "Raw", 0).await;
    // The engine as the server function uses it: through the sign-up desk.
    let open = || tongcheng::meetups::desk::SignUpDesk::open(tongcheng::meetups::engine::Events::new(db.clone(), "http://bench", tongcheng::infra::clock::Clock::System));
    let all: Arc<Vec<_>> = Arc::new((0..desks).map(|_| open()).collect());
    let (d, u) = (all.clone(), users.clone());
    let cpu = bench_common::cpu::CpuUse::start();
    let (latencies, total) = burst(fans, 64, move |i| {
        let (desks, users) = (d.clone(), u.clone());
        async move {
            let (id, _, email) = &users[i];
            let fan = tongcheng::meetups::desk::Presser { id: *id, email: email.clone(), name: "Fan".into(), locale: Default::default() };
            desks[i % desks.len()].sign_up(raw_event, fan).await.expect("raw sign-up");
        }
    })
    .await;
    let label = match desks {
        1 => format!("raw engine (no HTTP), round {round}"),
        n => format!("raw engine (no HTTP), {n} desks, round {round}"),
    };
    let rate = summary(&label, latencies, total);
    let turns: u64 = all.iter().map(|desk| desk.served().0).sum();
    let checked = checks::check(db, raw_event, fans).await;
    (rate, format!("{label} (in the load generator): {turns} turns; {}; check: {checked}.", cpu.finish(app_pids)))
}

/// Rounds of the closed loop: each the raw engine then HTTP, on fresh meetups, the mail
/// of each delivered before the next. Several rounds, because one pair of seconds-long
/// bursts on this machine moves by ±10 % with whatever else it does (a kernel worker
/// freeing the last run's memory took most of a core once), and the two-desk raw engine
/// moved by ±30 % (3,600–7,300 a second in one hour of 2026-12-07) while the app
/// processes delivered its waiting-list notices beside it, which HTTP sign-ups held for
/// after the rush; now any process's notices hold them (`email::rush::anywhere`), and it
/// moves by ±15 %: five, for the median.
const CLOSED_ROUNDS: usize = 5;

/// The HTTP rate as a share of the raw engine's: `fans` press through each, 64 at a time.
async fn closed_loop(db: &Db, apps: &bench_common::AppProcesses, client: &reqwest::Client, users: &[(i64, i64, String)], cookies: &Arc<Vec<String>>, fans: usize) {
    println!("\nClosed loop, {fans} fans, 64 connections (as fast as answers come back), {CLOSED_ROUNDS} rounds of the raw engine then HTTP:");
    println!("| run | throughput | median | p99 | total |");
    println!("|---|---|---|---|---|");
    let (mut shares, mut notes) = (Vec::new(), Vec::new());
    let users = Arc::new(users.to_vec());
    // Only HTTP presses reach the app processes' stages (the raw engine's desks are here).
    let stages_before = stages::read(client, &apps.bases).await;
    for round in 1..=CLOSED_ROUNDS {
        // The raw engine with one desk, and (with several processes) with a desk per
        // process as HTTP has, presses dealt between them as the processes get them:
        // the share is taken against the latter, so it measures HTTP, not the desks.
        let mut raws = Vec::new();
        for desks in [1, apps.bases.len()].into_iter().collect::<std::collections::BTreeSet<_>>() {
            let (rate, note) = raw_burst(db, &users, fans, desks, round, &apps.pids()).await;
            raws.push((desks, rate));
            notes.push(note);
            quiet(db).await;
        }
        // The last: a desk per process.
        let raw = raws.last().map_or(f64::NAN, |(_, rate)| *rate);

        let http_event = meetup(db, "Closed loop", 0).await;
        let turns_before = stages::read(client, &apps.bases).await;
        let cpu = bench_common::cpu::CpuUse::start();
        let (c, b, k) = (client.clone(), Arc::new(bench_common::LeastBusy::new(apps.bases.clone())), cookies.clone());
        let (latencies, total) = burst(fans, 64, move |i| {
            let (client, apps, cookies) = (c.clone(), b.clone(), k.clone());
            async move { bench_common::press_sign_up(&client, &apps, cookies[i].clone(), http_event).await }
        })
        .await;
        let http = summary(&format!("HTTP POST /api/sign_up, round {round}"), latencies, total);
        let turns = stages::read(client, &apps.bases).await.count_since(&turns_before, "signup_turn_presses");
        notes.push(format!("Round {round}, HTTP: {turns} turns of the desk; {}.", cpu.finish(&apps.pids())));
        let against: Vec<String> = raws.iter().map(|(desks, rate)| format!("{:.0}% of the raw engine with {desks} desk(s)", http / rate * 100.0)).collect();
        notes.push(format!("Round {round}: HTTP {}; check: {}.", against.join(", "), checks::check(db, http_event, fans).await));
        shares.push(http / raw * 100.0);
        quiet(db).await;
    }
    for note in notes {
        println!("{note}");
    }
    println!("Where the HTTP presses' time went, all rounds:\n{}", stages::read(client, &apps.bases).await.since(&stages_before));
    let mut sorted = shares.clone();
    sorted.sort_by(f64::total_cmp);
    let listed: Vec<String> = shares.iter().map(|s| format!("{s:.0}%")).collect();
    println!("HTTP throughput as a share of the raw engine's (a desk per app process, as HTTP has), round by round: {}; median {:.0}%.", listed.join(", "), sorted[sorted.len() / 2]);
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("serve") {
        return bench_common::serve(&args[2], &args[3]).await;
    }
    bench_common::raise_open_files();
    let backend = args.get(1).cloned().unwrap_or_else(|| "sqlite".into());
    let processes: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1).clamp(1, 2);
    let fans: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let rate: f64 = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(1_700.0);
    let knee: Vec<f64> = args.get(5).map_or("1000,1500,2000,2500,3000", String::as_str).split(',').filter_map(|r| r.parse().ok()).collect();
    let runs: usize = args.get(6).and_then(|a| a.parse().ok()).unwrap_or(1).max(1);
    let page_rate: f64 = std::env::var("PAGE_RATE").ok().and_then(|r| r.parse().ok()).unwrap_or(400.0);
    let storm_secs: u64 = std::env::var("STORM_SECONDS").ok().and_then(|r| r.parse().ok()).unwrap_or(60);
    // FLASH_PHASES picks some of them (e.g. "moment" to profile just that).
    let phases = std::env::var("FLASH_PHASES").unwrap_or_else(|_| "closed,knee,storm,moment".into());

    let (smtp_port, received) = bench_common::smtp::smtp_sink().await;
    // FLASH_NO_SMTP=1: no mail server (the outbox keeps mail in the site's mailbox), to
    // see what delivering the mail costs the burst.
    let smtp = std::env::var_os("FLASH_NO_SMTP").is_none();
    if smtp {
        std::env::set_var("BENCH_SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}"));
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let url = database_url(&backend, dir.path()).await;
    let config = bench_common::config(&url, "127.0.0.1:0");
    let db = tongcheng::server::start::open_database(&config).await.expect("db");
    let setup = Instant::now();
    tongcheng::server::seed::seed_demo(&db, fans as u64, false).await.expect("seed");
    let apps = bench_common::AppProcesses::start(&url, processes).await;
    let users: Vec<(i64, i64, String)> = sqlx::query_as("SELECT id, session_version, email FROM users WHERE email LIKE 'demo-fan-%' ORDER BY id").fetch_all(&db.pool).await.expect("fans");
    let mut cookies = fresh_sessions(&db, &users).await;
    // Every request says what a phone's browser says: compressed answers are welcome
    // (the app then compresses what is worth it, as it would for the fans).
    // (FLASH_NO_ACCEPT_ENCODING=1: as the runs before 2026-12-08, which asked for none.)
    let phone = match std::env::var_os("FLASH_NO_ACCEPT_ENCODING") {
        Some(_) => reqwest::header::HeaderMap::new(),
        None => reqwest::header::HeaderMap::from_iter([(reqwest::header::ACCEPT_ENCODING, reqwest::header::HeaderValue::from_static(PHONE_ENCODINGS))]),
    };
    let client = reqwest::Client::builder().pool_max_idle_per_host(4_096).default_headers(phone).build().expect("client");
    let busy = Arc::new(bench_common::LeastBusy::new(apps.bases.clone()));
    println!(
        "backend: {backend} ({}); app processes: {processes}; {fans} fans signed in (sessions made in the database); {SEATS} seats; set-up {:.0} s",
        bench_common::link(&url),
        setup.elapsed().as_secs_f64()
    );

    // 1. Closed loop: the HTTP rate as a share of the raw engine's, in this run.
    if phases.contains("closed") {
        closed_loop(&db, &apps, &client, &users, &cookies, CLOSED_LOOP_FANS.min(fans)).await;
    }

    // 2. The knee.
    let mut overflowed_at = None;
    if phases.contains("knee") {
        println!("\nThe knee: {KNEE_SECONDS:.0} s of presses at each rate, every fan once, 5 % twice within 200 ms; latency from each press's due time:");
        header();
        let mut knee_at = None;
        let mut first_fan = 0;
        for r in &knee {
            let n = ((r * KNEE_SECONDS) as usize).min(fans);
            let fans_here = (first_fan..first_fan + n).map(|f| f % fans).collect::<Vec<_>>();
            first_fan += n;
            cookies = fresh_sessions(&db, &users).await;
            let event = meetup(&db, "Knee", 0).await;
            let due: Vec<Due> = open_loop::schedule(0..n, *r, TWICE, Duration::ZERO).into_iter().map(|d| Due { fan: fans_here[d.fan], ..d }).collect();
            let answers = presses(&client, &busy, &cookies, event, &due).await;
            let within = row(&format!("{r:.0}/s"), &answers, due.last().map_or(Duration::ZERO, |d| d.at));
            println!("|  check | {} | | | | | | |", checks::check_presses(&db, event, n, &users, &due, &answers).await);
            quiet(&db).await;
            if !within && knee_at.is_none() {
                knee_at = Some(*r);
            }
            // Past the knee by far, the queue only grows: higher rates would say nothing new.
            if open_loop::percentiles(&answers).1 > Duration::from_secs(1) {
                overflowed_at = Some(*r);
                break;
            }
        }
        match knee_at {
            Some(r) => println!("p99 passed {} first at {r:.0} presses a second.", ms(P99_GOAL)),
            None => println!("p99 stayed within {} at every rate tried.", ms(P99_GOAL)),
        }
    }

    // Presses a second after which the queue only grew (p99 over 1 s) at or below the
    // moment's rate: the storm and the moment would only queue longer (SQLite's one
    // writer: 30–50 s and tens of thousands unanswered in every full run before).
    let overflows = overflowed_at.filter(|r| *r <= rate);
    if let Some(r) = overflows {
        println!("\nThe storm and the moment are not run: at {r:.0} presses a second, below the moment's {rate:.0}, p99 passed 1 s (the queue only grows).");
    }
    let phases = if overflows.is_some() { phases.replace("storm", "").replace("moment", "") } else { phases };

    // 3. The refresh storm, sign-up opening in the middle of it.
    if phases.contains("storm") {
        storm::run(&db, &apps, &client, &busy, &users, storm::Storm { rate, fans, page_rate, storm_secs }).await;
    }

    // 4. The moment, at full size.
    if phases.contains("moment") {
        println!("\nThe moment: {fans} fans at {rate:.0} presses a second (about {:.0} s), 5 % twice within 200 ms; latency from each press's due time:", fans as f64 / rate);
        header();
        let (mut memory, mut cpu_use, mut inside, mut waited) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for run in 1..=runs {
            quiet(&db).await;
            // FLASH_VACUUM_BETWEEN=1 (PostgreSQL): the tables the last run grew vacuumed
            // before the next, to see what autovacuum inside a run costs it.
            if run > 1 && db.dialect == tongcheng::infra::db::Dialect::Postgres && std::env::var_os("FLASH_VACUUM_BETWEEN").is_some() {
                for table in ["registrations", "outbox", "events"] {
                    sqlx::query(&format!("VACUUM (ANALYZE) {table}")).execute(&db.pool).await.expect("vacuum");
                }
            }
            cookies = fresh_sessions(&db, &users).await;
            let event = meetup(&db, "The moment", 0).await;
            let due = open_loop::schedule(0..fans, rate, TWICE, Duration::ZERO);
            let profile = (run == 1).then(|| std::env::var("FLASH_PROFILE").ok()).flatten().map(|path| {
                std::process::Command::new("perf")
                    .args(["record", "-F", "199", "--call-graph", "dwarf,16384", "-o", &path, "-p", &apps.pids()[0].to_string(), "--", "sleep", &format!("{:.0}", fans as f64 / rate * 0.8)])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .expect("perf")
            });
            let (cpu, waits) = (bench_common::cpu::CpuUse::start(), waits::start(&db));
            let marks = stages::marks(Instant::now(), "the first 2 s");
            let ((answers, peak), stages) = stages::around(&client, &apps.bases, marks, apps.peak_memory_during(presses(&client, &busy, &cookies, event, &due))).await;
            cpu_use.push(cpu.finish(&apps.pids()));
            if let Some(waits) = waits {
                waited.push(format!("Run {run}, {}.", waits.finish().await));
            }
            inside.push(stages);
            if let Some(mut perf) = profile {
                let _ = perf.wait();
            }
            row(&format!("run {run}"), &answers, due.last().map_or(Duration::ZERO, |d| d.at));
            let checked = checks::check_presses(&db, event, fans, &users, &due, &answers).await;
            let tickets = checks::tickets(&db, event, smtp.then_some(&received)).await;
            println!("|  check | {checked}; {tickets} | | | | | | |");
            memory.push(peak);
        }
        let peaks: Vec<String> = memory.iter().map(|p| p.iter().map(|kb| format!("{:.0} MB", *kb as f64 / 1024.0)).collect::<Vec<_>>().join(" + ")).collect();
        println!("Peak resident memory of the app process{} during each run: {}.", if processes == 2 { "es" } else { "" }, peaks.join("; "));
        for (run, cpu) in cpu_use.iter().enumerate() {
            println!("Run {}: {cpu}.", run + 1);
        }
        waited.iter().for_each(|line| println!("{line}"));
        for (run, stages) in inside.iter().enumerate() {
            println!("\nRun {}, inside the app processes, {stages}", run + 1);
        }
        if let Ok(path) = std::env::var("FLASH_PROFILE") {
            println!("Profile of the first app process during run 1: {path}.");
        }
    }
    let _ = std::fs::remove_dir_all(dir.path());
}

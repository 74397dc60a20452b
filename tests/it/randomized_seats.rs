//! The seat engine's safety net: thousands of random, interleaved operations from many
//! tasks over two database pools (two app processes, each with its sign-up desk), then
//! every invariant of DESIGN.md.
//! Two of the events are sessions of one festival, where a fan also switches between
//! sessions and may hold one place in the whole festival.
//!
//! Replay a failure with the seed it prints: `TONGCHENG_SEED=<seed> cargo test --features ssr
//! --test randomized_seats`. `TONGCHENG_OPS=<n>` changes the operations per task.
use crate::common;

use common::{assert_invariants, demo_fans, Backend, TestApp};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tongcheng::error::AppError;
use tongcheng::infra::clock::Clock;
use tongcheng::meetups::desk::{Presser, SignUpDesk};
use tongcheng::meetups::engine::{self, Events, Fan};
use tongcheng::meetups::repo::{self, EventChanges, NewEvent};
use tongcheng::meetups::PlaceStatus;
use tongcheng::infra::clock::now;
use tongcheng::infra::db::Db;

on_both_databases!(random_operations_keep_every_invariant);

const TASKS: u64 = 8;
const FANS: u64 = 30;
const BASE: &str = "http://t";

#[derive(Debug, Clone, Copy)]
enum Op {
    SignUp,
    DoubleSignUp,
    Cancel,
    ReSignUp,
    ChangeCapacity(i64),
    CheckIn,
    CancelEvent,
    Sweep,
    /// At a festival session: move the fan's festival place here.
    Switch,
}

fn pick(rng: &mut StdRng) -> Op {
    match rng.gen_range(0..1000) {
        0..200 => Op::SignUp,
        200..350 => Op::DoubleSignUp,
        350..600 => Op::Cancel,
        600..750 => Op::ReSignUp,
        750..810 => Op::ChangeCapacity(rng.gen_range(2..16)),
        810..910 => Op::CheckIn,
        910..960 => Op::Switch,
        960..995 => Op::Sweep,
        _ => Op::CancelEvent,
    }
}

fn seed() -> u64 {
    std::env::var("TONGCHENG_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| rand::thread_rng().gen())
}

async fn event(db: &Db, city_id: i64, capacity: i64) -> i64 {
    let mut tx = db.begin_write().await.unwrap();
    let start = now() + 7 * 24 * 3600;
    let new = NewEvent { kind: tongcheng::meetups::EventKind::Official, city_id, title: "Random", starts_at: start, ends_at: start + 3600, capacity: Some(capacity), status: tongcheng::meetups::EventStatus::Published, created_by: None, organizer_id: None };
    let id = repo::insert_event(&mut tx, &new, now()).await.unwrap();
    tx.commit().await.unwrap();
    id
}

fn engine(db: &Db) -> Events {
    Events::new(db.clone(), BASE, Clock::System)
}

/// Staff saving the meetup with another capacity, as `save_meetup` does.
async fn change_capacity(db: &Db, event: i64, capacity: i64) -> Result<(), AppError> {
    let info = repo::event_info(&db.pool, event).await?.ok_or(AppError::NotFound)?;
    let changes = EventChanges {
        city_id: info.city_id,
        title: &info.title,
        description: &info.description,
        venue: &info.venue,
        address: &info.address,
        starts_at: info.starts_at,
        ends_at: info.ends_at,
        capacity: Some(capacity),
        signup_opens_at: info.signup_opens_at,
        signup_closes_at: info.signup_closes_at,
    };
    let mut tx = engine(db).begin().await?;
    engine::save_changes(&mut tx, event, &changes).await?;
    tx.commit().await
}

async fn check_in(db: &Db, event: i64, user: i64) -> Result<(), AppError> {
    if let Some(place) = tongcheng::meetups::places::place(db, event, user).await? {
        let mut tx = db.begin_write().await?;
        // The door's own rules (which event, which day) are tested in tests/participation.rs;
        // here only the seat invariants matter.
        if let Some(ticket) = tongcheng::meetups::places::find_ticket(&mut tx, place.ticket_code.as_deref().unwrap_or("NONE")).await? {
            tongcheng::meetups::places::mark_checked_in(&mut tx, ticket.id, now(), None).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

/// Two app processes: each its database pool and its sign-up desk.
type Processes = [(Db, SignUpDesk); 2];

/// A sign-up through a process's desk, as the server function makes it.
async fn press(process: &(Db, SignUpDesk), event: i64, fan: &Fan<'_>) -> Result<tongcheng::meetups::Place, AppError> {
    let presser = Presser { id: fan.id, email: fan.email.to_string(), name: fan.name.to_string(), locale: Default::default() };
    process.1.sign_up(event, presser).await
}

/// A double click: two sign-ups by one fan at once, each through another process (one
/// by its desk, one by the engine directly, in either order).
async fn double_click(processes: &Processes, event: i64, fan: &Fan<'_>, desk_first: bool) -> Result<(), AppError> {
    let (by_desk, by_engine) = if desk_first { (&processes[0], &processes[1]) } else { (&processes[1], &processes[0]) };
    let engine = engine(&by_engine.0);
    let (a, b) = tokio::join!(press(by_desk, event, fan), engine.sign_up(event, fan));
    let (a, b) = (a?, b?);
    // Both see one registration (its status may move on between the answers).
    assert_eq!(a.registration_id, b.registration_id, "a double click holds one place");
    Ok(())
}

/// A festival over two of the events, open for sign-up.
async fn festival(db: &Db, sessions: [i64; 2], created_by: i64) -> i64 {
    let mut tx = db.begin_write().await.unwrap();
    let fields = tongcheng::festival::repo::FestivalFields { name: "Random festival", description: "", day: "2099-01-01", opens_at: now() - 60 };
    let id = tongcheng::festival::repo::insert(&mut tx, &fields, created_by, now()).await.unwrap();
    tx.commit().await.unwrap();
    for session in sessions {
        common::execute(db, "UPDATE events SET festival_id = $1 WHERE id = $2", &[id, session]).await;
    }
    id
}

async fn run(processes: &Processes, process: usize, op: Op, event: i64, fan: &Fan<'_>) -> Result<(), AppError> {
    let db = &processes[process].0;
    match op {
        Op::Switch => {
            let Some(festival) = repo::event_info(&db.pool, event).await?.and_then(|e| e.festival_id) else { return Ok(()) };
            tongcheng::festival::switch::switch(&engine(db), festival, event, fan).await.map(drop)
        }
        Op::SignUp => press(&processes[process], event, fan).await.map(drop),
        Op::DoubleSignUp => double_click(processes, event, fan, process == 0).await,
        Op::Cancel => engine(db).cancel(event, fan.id).await,
        Op::ReSignUp => {
            engine(db).cancel(event, fan.id).await.or_else(expected)?;
            double_click(processes, event, fan, process == 1).await
        }
        Op::ChangeCapacity(capacity) => change_capacity(db, event, capacity).await,
        Op::CheckIn => check_in(db, event, fan.id).await,
        Op::CancelEvent => engine(db).change_status(event, "cancelled", &|_| Ok(())).await,
        Op::Sweep => engine(db).sweep_free_seats().await.map(drop),
    }
}

/// User-level refusals (no place to cancel, sign-up closed, capacity too low) are part
/// of the game; anything else is a failure.
fn expected(error: AppError) -> Result<(), AppError> {
    match error {
        AppError::Invalid(_) => Ok(()),
        other => Err(other),
    }
}

async fn random_operations_keep_every_invariant(backend: Backend) {
    let seed = seed();
    let ops: u64 = std::env::var("TONGCHENG_OPS").ok().and_then(|s| s.parse().ok()).unwrap_or(600);
    eprintln!("randomized seat test on {backend:?}: TONGCHENG_SEED={seed} TONGCHENG_OPS={ops}");
    let app = TestApp::spawn(backend).await;
    let fans = demo_fans(&app, FANS).await;
    let city = app.city_id("深圳").await;
    // One main event every task works on; a second one that gets cancelled at some point;
    // two sessions of a festival (the second may be cancelled too).
    let events = [event(&app.state.db, city, 8).await, event(&app.state.db, city, 5).await, event(&app.state.db, city, 4).await, event(&app.state.db, city, 3).await];
    festival(&app.state.db, [events[2], events[3]], fans[0].0).await;
    let second_process = Db::connect(&app.database.url, 8).await.expect("second pool");
    let processes: Processes = [app.state.db.clone(), second_process].map(|db| (db.clone(), SignUpDesk::open(engine(&db))));

    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let (processes, fans) = (processes.clone(), fans.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(seed.wrapping_add(task));
            for step in 0..ops {
                let op = pick(&mut rng);
                let event = match (op, rng.gen_range(0..8)) {
                    (Op::CancelEvent, 0..6) => events[1],
                    (Op::CancelEvent, _) => events[3],
                    (Op::Switch, n) => events[2 + n % 2],
                    (_, 0..3) => events[0],
                    (_, 3..5) => events[1],
                    (_, n) => events[2 + n % 2],
                };
                let (id, email) = &fans[rng.gen_range(0..fans.len())];
                let process = rng.gen_range(0..2);
                if let Err(error) = run(&processes, process, op, event, &Fan { id: *id, email, name: "Fan" }).await.or_else(expected) {
                    panic!("TONGCHENG_SEED={seed}: task {task}, step {step}, {op:?} on event {event}: {error:?}");
                }
            }
        }));
    }
    for task in tasks {
        if let Err(panic) = task.await {
            panic!("TONGCHENG_SEED={seed}: {panic}");
        }
    }

    // After the sweeper, no fan waits while a seat is free.
    engine(&app.state.db).sweep_free_seats().await.unwrap();
    eprintln!("TONGCHENG_SEED={seed}: checking invariants");
    assert_invariants(&app.state.db).await;
    assert!(app.scalar("SELECT COUNT(*) FROM festival_places").await > 0, "TONGCHENG_SEED={seed}: fans hold festival places");
    for event in events {
        let mut positions = Vec::new();
        for (id, _) in &fans {
            if let Some(place) = tongcheng::meetups::places::place(&app.state.db, event, *id).await.unwrap() {
                if place.status == PlaceStatus::Waitlisted {
                    positions.push(place.position.expect("a waiting fan has a position"));
                }
            }
        }
        positions.sort();
        let expected: Vec<i64> = (1..=positions.len() as i64).collect();
        assert_eq!(positions, expected, "TONGCHENG_SEED={seed}: event {event}: waiting positions are 1..N without gaps");
    }
}

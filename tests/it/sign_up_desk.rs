//! The sign-up desk (`meetups::desk`): presses served together, one transaction per
//! turn, from two app processes at once; and what it leaves to the engine.
use crate::common;

use common::{assert_invariants, demo_fans, events, presser, published_event, sign_up_all, Backend, TestApp};
use tongcheng::error::AppError;
use tongcheng::infra::clock::now;
use tongcheng::infra::db::Db;
use tongcheng::meetups::desk::SignUpDesk;
use tongcheng::meetups::{Place, PlaceStatus};

on_both_databases!(
    a_burst_through_two_desks_seats_the_capacity_and_numbers_the_rest_once_each,
    the_desk_leaves_refusals_and_returning_fans_to_the_engine,
    places_on_a_long_waiting_list_are_ranked_without_counting_it_each_time,
    a_turn_waiting_at_one_event_holds_up_no_other,
    a_seat_freed_while_a_turn_waits_for_the_numbers_goes_to_the_fan_it_numbered,
    turns_are_taken_while_the_requests_runtime_is_busy,
    a_desk_opens_its_connections_ahead_and_closes_them_when_put_away,
    a_kept_connection_the_server_dropped_while_idle_is_replaced_before_use,
);

const FANS: usize = 120;
const SEATS: i64 = 30;

async fn count(db: &Db, sql: &str, event: i64) -> i64 {
    sqlx::query_scalar(sql).bind(event).fetch_one(&db.pool).await.unwrap()
}

async fn a_burst_through_two_desks_seats_the_capacity_and_numbers_the_rest_once_each(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fans = demo_fans(&app, FANS as u64).await;
    let db = &app.state.db;
    // One fan reads Chinese: their mail must be in Chinese, the others' in English.
    common::execute(db, "UPDATE users SET locale = 'zh-CN' WHERE id = $1", &[fans[7].0]).await;
    let event = published_event(db, app.city_id("深圳").await, Some(SEATS)).await;
    let other = Db::connect(&app.database.url, 4).await.unwrap();
    let desks = [(db.clone(), SignUpDesk::open(events(db))), (other.clone(), SignUpDesk::open(events(&other)))];
    // Every fan presses once through one process; every tenth presses again through the other.
    let mut presses = Vec::new();
    for (i, (id, email)) in fans.iter().enumerate() {
        for second in [false, true].into_iter().take(if i % 10 == 0 { 2 } else { 1 }) {
            let (db, desk) = desks[(i + second as usize) % 2].clone();
            let fan = presser(&db, *id, email).await;
            presses.push((i, tokio::spawn(async move { desk.sign_up(event, fan).await })));
        }
    }
    let mut answers: Vec<Vec<Place>> = vec![Vec::new(); FANS];
    for (i, press) in presses {
        answers[i].push(press.await.unwrap().expect("every press is answered with a place"));
    }

    assert_eq!(count(db, "SELECT confirmed_count FROM events WHERE id = $1", event).await, SEATS);
    assert_eq!(count(db, "SELECT COUNT(*) FROM registrations WHERE event_id = $1 AND status = 'confirmed'", event).await, SEATS, "not one seat oversold");
    assert_eq!(count(db, "SELECT COUNT(*) FROM registrations WHERE event_id = $1", event).await, FANS as i64, "one registration per fan");
    for (i, places) in answers.iter().enumerate() {
        assert!(places.iter().all(|p| p.registration_id == places[0].registration_id && p.status == places[0].status), "fan {i}: {places:?}");
    }
    let seated = answers.iter().filter(|p| p[0].status == PlaceStatus::Confirmed).count() as i64;
    assert_eq!(seated, SEATS, "the answers agree with the seats");
    let mut tickets: Vec<&str> = answers.iter().filter_map(|p| p[0].ticket_code.as_deref()).collect();
    tickets.sort();
    tickets.dedup();
    assert_eq!(tickets.len() as i64, SEATS, "a ticket each");
    // The waiting fans were told places 1…90, each once.
    let mut told: Vec<i64> = answers.iter().filter(|p| p[0].status == PlaceStatus::Waitlisted).map(|p| p[0].position.expect("a position")).collect();
    told.sort();
    assert_eq!(told, (1..=FANS as i64 - SEATS).collect::<Vec<_>>());
    // Each waits at the number they were told: the list's numbers went to the right fans.
    for (i, places) in answers.iter().enumerate().filter(|(_, p)| p[0].status == PlaceStatus::Waitlisted) {
        let kept = tongcheng::meetups::places::place(db, event, fans[i].0).await.unwrap().and_then(|p| p.position);
        assert_eq!(kept, places[0].position, "fan {i}");
    }
    // One email per fan: a ticket for each seat, a number for each fan waiting.
    let mails: Vec<(String, String, String, String, String)> =
        sqlx::query_as("SELECT kind, recipient, subject, body_text, body_html FROM outbox WHERE event_id = $1").bind(event).fetch_all(&db.pool).await.unwrap();
    let of_kind = |kind: &str| mails.iter().filter(|(k, ..)| k == kind).count() as i64;
    assert_eq!((of_kind("seat_confirmed"), of_kind("waitlisted"), mails.len() as i64), (SEATS, FANS as i64 - SEATS, FANS as i64), "{mails:?}");
    let chinese = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    for (_, to, subject, ..) in &mails {
        assert_eq!(chinese(subject), *to == fans[7].1, "{to}: {subject}");
    }
    // Each waiting fan's notice names the place they were told (the desk fills it in as
    // it takes the numbers), in their language, in the text and the HTML.
    for (i, places) in answers.iter().enumerate().filter(|(_, p)| p[0].status == PlaceStatus::Waitlisted) {
        let position = places[0].position.expect("a position");
        let (_, _, _, text, html) = mails.iter().find(|(kind, to, ..)| kind == "waitlisted" && *to == fans[i].1).expect("a notice");
        let named = if i == 7 { format!("候补第 {position} 位") } else { format!("number {position} on the waiting list") };
        assert!(text.contains(&named) && html.contains(&named), "fan {i}: {text}");
        assert!(!text.contains("{{") && !html.contains("{{"), "no placeholder left: {text}");
    }
    // The presses were served together: fewer turns than presses, all of them placed by turns.
    let (turns, placed) = [&desks[0].1, &desks[1].1].iter().map(|d| d.served()).fold((0, 0), |(t, p), (a, b)| (t + a, p + b));
    assert!(turns < FANS as u64, "{turns} turns for {FANS} fans");
    assert_eq!(placed, FANS as u64, "every fan placed by a desk's turn");
    assert_invariants(db).await;
}

async fn the_desk_leaves_refusals_and_returning_fans_to_the_engine(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fans = demo_fans(&app, 3).await;
    let db = &app.state.db;
    let desk = SignUpDesk::open(events(db));
    let press = |event: i64, i: usize| {
        let desk = desk.clone();
        let (id, email) = fans[i].clone();
        async move { desk.sign_up(event, presser(db, id, &email).await).await }
    };
    // Not open yet: the engine's message, with the opening time.
    let later = published_event(db, app.city_id("深圳").await, Some(1)).await;
    common::execute(db, "UPDATE events SET signup_opens_at = $1 WHERE id = $2", &[now() + 3600, later]).await;
    match press(later, 0).await {
        Err(AppError::Invalid(errors)) => assert!(format!("{errors:?}").contains("signup"), "{errors:?}"),
        other => panic!("not open yet: {other:?}"),
    }
    assert_eq!(count(db, "SELECT COUNT(*) FROM registrations WHERE event_id = $1", later).await, 0, "nothing kept");
    // A fan who cancelled gets a place again (through the engine: they had a registration).
    let event = published_event(db, app.city_id("深圳").await, Some(1)).await;
    assert_eq!(press(event, 0).await.unwrap().status, PlaceStatus::Confirmed);
    assert_eq!(press(event, 1).await.unwrap().position, Some(1));
    events(db).cancel(event, fans[0].0).await.unwrap();
    let again = press(event, 0).await.unwrap();
    assert_eq!((again.status, again.position), (PlaceStatus::Waitlisted, Some(1)), "the freed seat went to the fan waiting");
    assert_eq!(press(event, 1).await.unwrap().status, PlaceStatus::Confirmed, "pressing again shows the seat");
    // A cancelled meetup: the engine's refusal.
    events(db).change_status(event, "cancelled", &|_| Ok(())).await.unwrap();
    assert!(matches!(press(event, 2).await, Err(AppError::Invalid(_))));
    assert_eq!(desk.served().1, 2, "only the first two presses were placed by the desk itself");
    assert_invariants(db).await;
}

/// Past 2,000 waiting, places come from the list's numbers kept in the process
/// (`meetups::waiting_ranks`); they must agree with the database's count.
async fn places_on_a_long_waiting_list_are_ranked_without_counting_it_each_time(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fans = demo_fans(&app, 2_600).await;
    let db = &app.state.db;
    let event = published_event(db, app.city_id("深圳").await, Some(10)).await;
    let first = sign_up_all(&app, event, &fans[..2_590]).await;
    let waiting_fans: Vec<usize> = (0..first.len()).filter(|i| first[*i].status == PlaceStatus::Waitlisted).collect();
    let exact = |user: i64| {
        let db = db.clone();
        async move {
            let sql = "SELECT COUNT(*) FROM registrations w JOIN registrations me ON me.event_id = w.event_id AND me.user_id = $2 \
                       WHERE w.event_id = $1 AND w.status = 'waitlisted' AND w.waitlist_seq <= me.waitlist_seq";
            sqlx::query_scalar::<_, i64>(sql).bind(event).bind(user).fetch_one(&db.pool).await.unwrap()
        }
    };
    let place = |user: i64| async move { tongcheng::meetups::places::place(db, event, user).await.unwrap().unwrap().position.unwrap() };
    let waiting = || async { tongcheng::meetups::waiting_ranks::waiting(db, event).await.unwrap() };
    assert_eq!(waiting().await, 2_580);
    for i in [0, 1, 500, 1_999, 2_001, 2_579].map(|n| waiting_fans[n]) {
        let user = fans[i].0;
        assert_eq!(place(user).await, exact(user).await, "fan {i}");
    }
    // Fans who join after the list was read are counted on top of it, exactly.
    let late = sign_up_all(&app, event, &fans[2_590..]).await;
    assert_eq!(waiting().await, 2_590);
    for (i, answer) in late.iter().enumerate() {
        let user = fans[2_590 + i].0;
        assert_eq!(place(user).await, exact(user).await, "late fan {i}");
        assert_eq!(answer.position, Some(exact(user).await), "the answer to the press");
    }
    // Read again, the list adds only the numbers taken since: still exact.
    tongcheng::meetups::waiting_ranks::make_stale(db, event).await;
    for i in [2_590, 2_599] {
        assert_eq!(place(fans[i].0).await, exact(fans[i].0).await, "fan {i}, read again");
    }
    // A fan ahead who leaves is counted out at the latest when the list is read again
    // (within a second): until then a place may be one too many, never too few.
    let told = |position: i64| fans[waiting_fans.iter().copied().find(|i| first[*i].position == Some(position)).expect("told")].0;
    events(db).cancel(event, told(100)).await.unwrap();
    let user = told(2_000);
    let shown = place(user).await;
    assert!((exact(user).await..=exact(user).await + 1).contains(&shown), "{shown}");
    // The departure was counted: the next read takes the whole list again.
    tongcheng::meetups::waiting_ranks::make_stale(db, event).await;
    for user in [user, told(101), fans[2_599].0] {
        assert_eq!(place(user).await, exact(user).await, "after the departure");
    }
    assert_invariants(db).await;
}

/// Each event has its own lane: while a cancellation holds one meetup's row (and the
/// turn signing fans up there waits for it), fans of another meetup are answered.
/// PostgreSQL only: SQLite's one writer orders every write anyway.
async fn a_turn_waiting_at_one_event_holds_up_no_other(backend: Backend) {
    if backend == Backend::Sqlite {
        return;
    }
    let app = TestApp::spawn(backend).await;
    let fans = demo_fans(&app, 2).await;
    let db = &app.state.db;
    let city = app.city_id("深圳").await;
    let (held, free) = (published_event(db, city, Some(5)).await, published_event(db, city, Some(5)).await);
    let desk = SignUpDesk::open(events(db));
    // Another process starts cancelling the first meetup and holds its row.
    let hold = "SELECT id FROM events WHERE id = $1 FOR UPDATE";
    let (cancelling, waiting) = press_while_another_process_holds(&app, &desk, held, hold, &fans[0]).await;
    let answered = tokio::time::timeout(std::time::Duration::from_secs(30), desk.sign_up(free, presser(db, fans[1].0, &fans[1].1).await)).await;
    assert_eq!(answered.expect("answered while the other meetup is held").unwrap().status, PlaceStatus::Confirmed);
    assert!(!waiting.is_finished(), "the first press still waits");
    cancelling.commit().await.unwrap();
    assert_eq!(waiting.await.unwrap().unwrap().status, PlaceStatus::Confirmed);
    assert_invariants(db).await;
}

/// A turn that saw the meetup full and waits for its counters while another process
/// frees a seat (here: the capacity raised, committed without filling it, as if that
/// process's fill had looked before this fan was on the list) gives the seat once it
/// has numbered the fan. PostgreSQL only: SQLite's one writer never interleaves them.
async fn a_seat_freed_while_a_turn_waits_for_the_numbers_goes_to_the_fan_it_numbered(backend: Backend) {
    if backend == Backend::Sqlite {
        return;
    }
    let app = TestApp::spawn(backend).await;
    let fans = demo_fans(&app, 2).await;
    let db = &app.state.db;
    let event = published_event(db, app.city_id("深圳").await, Some(1)).await;
    let desk = SignUpDesk::open(events(db));
    assert_eq!(desk.sign_up(event, presser(db, fans[0].0, &fans[0].1).await).await.unwrap().status, PlaceStatus::Confirmed);
    // The turn reads the meetup full, then waits for the counters' row.
    let raise = "UPDATE events SET capacity = capacity + 1 WHERE id = $1";
    let (freeing, press) = press_while_another_process_holds(&app, &desk, event, raise, &fans[1]).await;
    freeing.commit().await.unwrap();
    let place = press.await.unwrap().unwrap();
    assert_eq!(place.status, PlaceStatus::Confirmed, "the freed seat went to the fan the turn put on the list: {place:?}");
    assert_eq!(count(db, "SELECT confirmed_count FROM events WHERE id = $1", event).await, 2);
    assert_invariants(db).await;
}

/// The desk takes its turns on a thread of its own: a press waiting at the desk is
/// served while the one thread of the runtime serving requests is busy (not awaiting).
async fn turns_are_taken_while_the_requests_runtime_is_busy(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fans = demo_fans(&app, 1).await;
    let db = &app.state.db;
    let event = published_event(db, app.city_id("深圳").await, Some(5)).await;
    let (engine, fan) = (events(db), presser(db, fans[0].0, &fans[0].1).await);
    let (turns, answer) = tokio::task::spawn_blocking(move || {
        let requests = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        requests.block_on(async move {
            let desk = SignUpDesk::open(engine);
            let (queued, waiting) = tokio::sync::oneshot::channel();
            let press = {
                let desk = desk.clone();
                tokio::spawn(async move { desk.sign_up_then(event, fan, move || { let _ = queued.send(()); }).await })
            };
            waiting.await.unwrap();
            // From here until the turn is taken this runtime's only thread never yields.
            let until = std::time::Instant::now() + std::time::Duration::from_secs(30);
            while desk.served().0 == 0 && std::time::Instant::now() < until {
                std::thread::yield_now();
            }
            (desk.served(), press.await.unwrap())
        })
    })
    .await
    .unwrap();
    assert_eq!(turns, (1, 1), "the turn was taken, and placed the fan, while the requests' runtime was busy");
    assert_eq!(answer.unwrap().status, PlaceStatus::Confirmed);
    assert_invariants(db).await;
}

/// A desk opens its own connections (PostgreSQL: named in `pg_stat_activity`) when it
/// opens, so a sale's first turns need not wait for them, and closes them when put
/// away: an app made and dropped many times (the tests) leaves none open.
async fn a_desk_opens_its_connections_ahead_and_closes_them_when_put_away(backend: Backend) {
    if backend == Backend::Sqlite {
        return;
    }
    let app = TestApp::spawn(backend).await;
    let fans = demo_fans(&app, 1).await;
    let db = &app.state.db;
    let event = published_event(db, app.city_id("深圳").await, Some(5)).await;
    // Warmed: idle again after planning the warm-up statement. (The app's own desk and
    // this test's have one name.)
    let (name, warmed) = (tongcheng::meetups::desk::DESK_CONNECTION_NAME, "AND state = 'idle' AND query LIKE 'SELECT 1 FROM events%'");
    assert_eq!(connections_named(db, name, warmed, 4).await, 4, "the app's desk opened its four at start");
    let desk = SignUpDesk::open(events(db));
    assert_eq!(connections_named(db, name, warmed, 8).await, 8, "and this one its four, before any press");
    assert_eq!(desk.sign_up(event, presser(db, fans[0].0, &fans[0].1).await).await.unwrap().status, PlaceStatus::Confirmed);
    drop(desk);
    assert_eq!(connections_named(db, name, "", 4).await, 4, "this desk's closed with it; the app's stay open");
}

/// A desk's connections are kept however long they idle, so one the server dropped
/// meanwhile (a restart, an administrator) must not fail the turn that draws it: idle
/// past its threshold, it is pinged first and replaced. Without the ping (a threshold
/// never reached) the same dead connection fails its statement — what the ping is for.
async fn a_kept_connection_the_server_dropped_while_idle_is_replaced_before_use(backend: Backend) {
    if backend == Backend::Sqlite {
        return;
    }
    let app = TestApp::spawn(backend).await;
    let db = &app.state.db;
    let name = "tongcheng kept connection test";
    let drop_them = "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1";
    for (ping_after_idle, replaced) in [(std::time::Duration::ZERO, true), (std::time::Duration::from_secs(3600), false)] {
        let kept = db.with_own_connections(1, name, ping_after_idle).unwrap();
        kept.open_all(&["events"]).await;
        assert_eq!(connections_named(db, name, "", 1).await, 1, "opened ahead");
        // Back in the pool (sqlx pings a connection as it returns, on a task of its own:
        // dropped before that, it would be replaced there, not by the ping under test).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while kept.pool.num_idle() != 1 && std::time::Instant::now() < deadline {
            tokio::task::yield_now().await;
        }
        assert_eq!(kept.pool.num_idle(), 1, "returned to the pool");
        assert_eq!(sqlx::query_scalar::<_, i64>(drop_them).bind(name).fetch_one(&db.pool).await.unwrap(), 1);
        assert_eq!(connections_named(db, name, "", 0).await, 0, "the server dropped it");
        let answer = sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(&kept.pool).await;
        assert_eq!(answer.is_ok(), replaced, "ping after {ping_after_idle:?} idle: {answer:?}");
        kept.pool.close().await;
    }
}

/// Connections named `name` in this test's database (and matching `also`), once there are
/// `count` of them (or after 30 s, whatever there are then).
async fn connections_named(db: &Db, name: &str, also: &str, count: i64) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 {also}");
    let now = || async { sqlx::query_scalar::<_, i64>(&sql).bind(name).fetch_one(&db.pool).await.unwrap() };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while now().await != count && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    now().await
}

/// Another process (a connection of its own) runs `hold` on `event` in a transaction it
/// keeps open; `fan` then presses sign-up at `desk`. Returns that transaction and the
/// press, once a statement waits for a lock the transaction holds (PostgreSQL).
async fn press_while_another_process_holds(
    app: &TestApp,
    desk: &SignUpDesk,
    event: i64,
    hold: &str,
    fan: &(i64, String),
) -> (tongcheng::infra::db::Tx, tokio::task::JoinHandle<Result<Place, AppError>>) {
    let db = &app.state.db;
    let other = Db::connect(&app.database.url, 1).await.unwrap();
    let mut holding = other.begin_write().await.unwrap();
    sqlx::query(hold).bind(event).execute(&mut *holding).await.unwrap();
    let (desk, presser) = (desk.clone(), presser(db, fan.0, &fan.1).await);
    let press = tokio::spawn(async move { desk.sign_up(event, presser).await });
    until_a_statement_waits_for_a_lock(db).await;
    (holding, press)
}

/// Returns once a statement in this test's database waits for a lock (PostgreSQL);
/// fails the test if none does within 30 s.
async fn until_a_statement_waits_for_a_lock(db: &Db) {
    let lock_waits = "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while sqlx::query_scalar::<_, i64>(lock_waits).fetch_one(&db.pool).await.unwrap() == 0 {
        assert!(std::time::Instant::now() < deadline, "no statement waited for the lock held");
        tokio::task::yield_now().await;
    }
}

//! Regression tests for the seat engine's races (issue 9), on both databases: each
//! sets up the interleaving that broke an invariant and checks every invariant after.
use crate::common;

use common::{events, assert_invariants, demo_fans, published_event, sign_up_all, Backend, TestApp};
use tongcheng::error::AppError;
use tongcheng::meetups::engine::Fan;
use tongcheng::meetups::{Place, PlaceStatus};
use tongcheng::infra::clock::now;
use tongcheng::infra::db::Db;

on_both_databases!(
    re_signing_up_after_cancelling_pressed_at_once_takes_one_place,
    cancelling_at_a_cancelled_or_finished_meetup_promotes_nobody,
    the_sweeper_fills_seats_left_free_even_from_two_processes,
    lowering_the_capacity_while_fans_sign_up_is_a_field_message,
    a_sign_up_racing_the_meetups_cancellation_is_refused_or_told,
    a_notice_of_the_waiting_list_not_yet_sent_is_withdrawn_when_the_fan_moves_up_or_leaves,
);

fn fan(fans: &[(i64, String)], i: usize) -> Fan<'_> {
    Fan { id: fans[i].0, email: &fans[i].1, name: "Fan" }
}

async fn status(db: &Db, event: i64, user: i64) -> PlaceStatus {
    tongcheng::meetups::places::place(db, event, user).await.unwrap().map_or(PlaceStatus::Cancelled, |p| p.status)
}

async fn count(db: &Db, sql: &str, event: i64) -> i64 {
    sqlx::query_scalar(sql).bind(event).fetch_one(&db.pool).await.unwrap()
}

async fn re_signing_up_after_cancelling_pressed_at_once_takes_one_place(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fans = demo_fans(&app, 20).await;
    let db = &app.state.db;
    for round in 0..3 {
        let event = published_event(db, app.city_id("深圳").await, Some(10)).await;
        sign_up_all(&app, event, &fans).await;
        for (id, _) in &fans {
            events(db).cancel(event, *id).await.unwrap();
        }
        assert_eq!(count(db, "SELECT confirmed_count FROM events WHERE id = $1", event).await, 0);
        // Each fan presses four times at once.
        let presses: Vec<(i64, String)> = fans.iter().flat_map(|f| std::iter::repeat_n(f.clone(), 4)).collect();
        let places = sign_up_all(&app, event, &presses).await;
        assert_eq!(count(db, "SELECT confirmed_count FROM events WHERE id = $1", event).await, 10, "round {round}");
        let confirmed = count(db, "SELECT COUNT(*) FROM registrations WHERE event_id = $1 AND status = 'confirmed'", event).await;
        assert_eq!(confirmed, 10, "round {round}: seats taken once each");
        // Every press of one fan got the same answer.
        for (i, chunk) in places.chunks(4).enumerate() {
            assert!(chunk.iter().all(|p| p.status == chunk[0].status), "round {round}, fan {i}: {chunk:?}");
        }
        // No waiting-list number wasted: the ten waiting fans are told places 1..10.
        let mut told: Vec<i64> = places.iter().filter(|p| p.status == PlaceStatus::Waitlisted).filter_map(|p| p.position).collect();
        told.sort();
        told.dedup();
        assert_eq!(told, (1..=10).collect::<Vec<i64>>(), "round {round}");
        assert_invariants(db).await;
    }
}

async fn cancelling_at_a_cancelled_or_finished_meetup_promotes_nobody(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fans = demo_fans(&app, 5).await;
    let db = &app.state.db;
    let city = app.city_id("广州").await;
    let cancelled = published_event(db, city, Some(1)).await;
    let finished = published_event(db, city, Some(1)).await;
    for event in [cancelled, finished] {
        let base = if event == cancelled { 0 } else { 2 };
        events(db).sign_up(event, &fan(&fans, base)).await.unwrap();
        events(db).sign_up(event, &fan(&fans, base + 1)).await.unwrap();
    }
    let mut tx = db.begin_write().await.unwrap();
    tongcheng::meetups::repo::set_status(&mut tx, cancelled, tongcheng::meetups::EventStatus::Cancelled, now()).await.unwrap();
    tx.commit().await.unwrap();
    common::execute(db, "UPDATE events SET starts_at = $1, ends_at = $2 WHERE id = $3", &[now() - 3 * 3600, now() - 3600, finished]).await;

    for event in [cancelled, finished] {
        let base = if event == cancelled { 0 } else { 2 };
        events(db).cancel(event, fans[base].0).await.unwrap();
        assert_eq!(status(db, event, fans[base + 1].0).await, PlaceStatus::Waitlisted, "nobody moves up");
        assert_eq!(count(db, "SELECT confirmed_count FROM events WHERE id = $1", event).await, 0);
        let told = count(db, "SELECT COUNT(*) FROM outbox WHERE event_id = $1 AND kind = 'seat_promoted'", event).await;
        assert_eq!(told, 0, "nobody is told \"you're in\"");
    }
    assert_eq!(events(db).sweep_free_seats().await.unwrap(), 0, "nor by the sweeper");
    assert_invariants(db).await;
}

async fn the_sweeper_fills_seats_left_free_even_from_two_processes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fans = demo_fans(&app, 12).await;
    let db = &app.state.db;
    let event = published_event(db, app.city_id("成都").await, Some(2)).await;
    for i in 0..12 {
        events(db).sign_up(event, &fan(&fans, i)).await.unwrap();
    }
    // Five seats come free and the process dies before giving them out.
    common::execute(db, "UPDATE events SET capacity = 7 WHERE id = $1", &[event]).await;
    let broken = tongcheng::meetups::invariants::violations(db, now()).await.unwrap();
    assert_eq!(broken.len(), 1, "the check sees the free seats: {broken:?}");
    assert!(broken[0].contains("free seats while fans wait"));
    let (code, output) = tongcheng_check(&app.database.url, Some("en_US.UTF-8"));
    assert_eq!((code, output.lines().count()), (Some(1), 1), "the operator's check: exit 1, a line per violation: {output}");
    assert!(output.contains(&format!("event {event}: 5 free seats while fans wait")), "{output}");
    // In the terminal's language: Chinese when it says so, and when nothing does.
    for lang in [Some("zh_CN.UTF-8"), None] {
        let (code, output) = tongcheng_check(&app.database.url, lang);
        assert_eq!(code, Some(1));
        assert_eq!(output.trim(), format!("有空位时仍有粉丝候补：活动 {event} 有 5 个空位，但仍有粉丝在候补"), "{lang:?}");
    }

    // Two processes sweep at once.
    let other = Db::connect(&app.database.url, 4).await.unwrap();
    let (first, second) = (events(db), events(&other));
    let (a, b) = tokio::join!(first.sweep_free_seats(), second.sweep_free_seats());
    assert_eq!(a.unwrap() + b.unwrap(), 5, "five fans moved up, once each");
    for (i, (id, _)) in fans.iter().enumerate() {
        let expected = if i < 7 { PlaceStatus::Confirmed } else { PlaceStatus::Waitlisted };
        assert_eq!(status(db, event, *id).await, expected, "fan {i}: in waiting-list order");
    }
    assert_eq!(count(db, "SELECT COUNT(*) FROM outbox WHERE event_id = $1 AND kind = 'seat_promoted'", event).await, 5);
    assert_invariants(db).await;
    assert_eq!(tongcheng_check(&app.database.url, Some("en_US.UTF-8")), (Some(0), "no violations\n".to_string()));
}

/// Runs `tongcheng check` on a database with the terminal's language `LC_ALL` (or no
/// language variable at all): (exit code, standard output).
fn tongcheng_check(database_url: &str, lang: Option<&str>) -> (Option<i32>, String) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_tongcheng"));
    command.env_remove("LC_ALL").env_remove("LC_MESSAGES").env_remove("LANG");
    if let Some(lang) = lang {
        command.env("LC_ALL", lang);
    }
    let output = command
        .arg("check")
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "error")
        .output()
        .expect("run tongcheng check");
    (output.status.code(), String::from_utf8_lossy(&output.stdout).into_owned())
}

async fn lowering_the_capacity_while_fans_sign_up_is_a_field_message(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fans = demo_fans(&app, 80).await;
    let staff = common::staff_browser(&app).await;
    let form = |capacity: &'static str| {
        vec![
            ("id", ""),
            ("city", "深圳"),
            ("title", "Capacity race"),
            ("description", ""),
            ("venue", "Hall"),
            ("address", ""),
            ("starts", "2099-05-02 14:00"),
            ("ends", "2099-05-02 17:00"),
            ("capacity", capacity),
            ("signup_opens", ""),
            ("signup_closes", ""),
        ]
    };
    let id: i64 = staff.call("save_meetup", &form("60")).await.expect("create");
    let id_text = id.to_string();
    let _: u64 = staff.call("publish_meetup", &[("id", id_text.as_str()), ("radius_km", "")]).await.expect("publish");
    let signing = {
        let (app_fans, db) = (fans.clone(), app.state.db.clone());
        tokio::spawn(async move {
            for chunk in app_fans.chunks(8) {
                for t in common::spawn_sign_ups(&db, id, chunk) {
                    t.await.unwrap().unwrap();
                }
            }
        })
    };
    let mut refused = 0;
    for capacity in ["40", "30", "45", "35", "50", "40", "60", "45", "50", "40"].iter().cycle().take(30) {
        let mut values = form(capacity);
        values[0] = ("id", &id_text);
        match staff.call::<i64>("save_meetup", &values).await {
            Ok(_) => {}
            Err((status, error)) => {
                assert!(status.is_client_error(), "a user mistake, not {status}: {error:?}");
                assert!(error.field_message("capacity").is_some(), "{error:?}");
                refused += 1;
            }
        }
    }
    signing.await.unwrap();
    eprintln!("{refused} of 30 saves refused for capacity");
    assert_invariants(&app.state.db).await;
}

async fn a_sign_up_racing_the_meetups_cancellation_is_refused_or_told(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fans = demo_fans(&app, 40).await;
    let staff = common::staff_browser(&app).await;
    let db = &app.state.db;
    for round in 0..3 {
        let event = published_event(db, app.city_id("杭州").await, Some(20)).await;
        let tasks = common::spawn_sign_ups(db, event, &fans);
        let event_text = event.to_string();
        let _: () = staff.call("change_meetup_status", &[("id", event_text.as_str()), ("status", "cancelled"), ("confirm", "on")]).await.expect("cancel");
        let mut answered = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(Place { .. }) => answered += 1,
                Err(AppError::Invalid(errors)) => assert!(errors.get("signup").is_some(), "{errors:?}"),
                Err(other) => panic!("round {round}: unexpected {other:?}"),
            }
        }
        let untold = count(
            db,
            "SELECT COUNT(*) FROM registrations r JOIN users u ON u.id = r.user_id WHERE r.event_id = $1 AND r.status <> 'cancelled' \
             AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.event_id = r.event_id AND o.recipient = u.email AND o.kind = 'meetup_cancelled')",
            event,
        )
        .await;
        assert_eq!(untold, 0, "round {round}: {answered} fans got a place; every one of them is told of the cancellation");
    }
    assert_invariants(db).await;
}

/// The "you are number N" notice waits while a rush is on (or the mail server is down);
/// a fan who moves up to a seat, or leaves the list, before it goes out never gets it.
async fn a_notice_of_the_waiting_list_not_yet_sent_is_withdrawn_when_the_fan_moves_up_or_leaves(backend: Backend) {
    // A mail server nobody answers on: every message stays queued, as held ones do.
    let smtp = format!("smtp://127.0.0.1:{}", common::smtp::free_port());
    let app = TestApp::spawn_with(backend, &[("SMTP_URL", &smtp)]).await;
    let fans = demo_fans(&app, 5).await;
    let db = &app.state.db;
    let event = published_event(db, app.city_id("深圳").await, Some(1)).await;
    let mut places = Vec::new();
    for fan in fans.chunks(1) {
        places.extend(sign_up_all(&app, event, fan).await);
    }
    assert_eq!(places.iter().map(|p| p.status).collect::<Vec<_>>(), [PlaceStatus::Confirmed, PlaceStatus::Waitlisted, PlaceStatus::Waitlisted, PlaceStatus::Waitlisted, PlaceStatus::Waitlisted]);
    let mail = |to: &str| {
        let to = to.to_string();
        async move {
            let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM outbox WHERE recipient = $1 AND event_id = $2 ORDER BY id").bind(to).bind(event).fetch_all(&db.pool).await.unwrap();
            kinds
        }
    };
    // Held as in a rush: not due for an hour, and taken by no worker (one that tried to
    // send meanwhile loses its lease; no worker takes it again).
    common::execute(db, "UPDATE outbox SET next_attempt_at = $1, locked_until = NULL WHERE event_id = $2", &[now() + 3600, event]).await;
    assert_eq!(mail(&fans[1].1).await, ["waitlisted"], "queued, not yet sent");
    assert_eq!(mail(&fans[2].1).await, ["waitlisted"]);

    // The seat frees: the first fan waiting moves up and is told of the seat only.
    events(db).cancel(event, fans[0].0).await.unwrap();
    assert_eq!(status(db, event, fans[1].0).await, PlaceStatus::Confirmed);
    assert_eq!(mail(&fans[1].1).await, ["seat_promoted"], "never told they wait after being given the seat");
    // The other leaves the list before hearing of it: nothing goes out about it.
    events(db).cancel(event, fans[2].0).await.unwrap();
    assert!(!mail(&fans[2].1).await.contains(&"waitlisted".to_string()), "{:?}", mail(&fans[2].1).await);
    // One the outbox worker has already taken to send is on its way: it stays recorded.
    common::execute(db, "UPDATE outbox SET locked_until = $1 WHERE kind = 'waitlisted' AND event_id = $2 AND recipient = (SELECT email FROM users WHERE id = $3)", &[now() + 400, event, fans[4].0]).await;
    events(db).cancel(event, fans[4].0).await.unwrap();
    assert_eq!(mail(&fans[4].1).await.first().map(String::as_str), Some("waitlisted"));
    assert_invariants(db).await;
    // The meetup is called off: the one still waiting hears of that, not of their number.
    assert_eq!(mail(&fans[3].1).await, ["waitlisted"]);
    events(db).change_status(event, "cancelled", &|_| Ok(())).await.unwrap();
    let told = mail(&fans[3].1).await;
    assert!(!told.contains(&"waitlisted".to_string()) && !told.is_empty(), "{told:?}");
}

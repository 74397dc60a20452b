//! Doors on phones (issue 26), the server's side: a door downloads the event's tickets
//! as keys, scans while offline, and syncs later; the first check-in of a ticket wins,
//! a second (another door, offline too) is a refused duplicate said to the door that
//! sent it; a scan sent again gets the same verdict; several doors at once, each ticket
//! in once; on both databases.
use crate::common;

use common::moderation::staff;
use common::{execute, Backend, Browser, TestApp};
use tongcheng::error::AppError;
use tongcheng::infra::clock::now;
use tongcheng::meetups::engine::Fan;
use tongcheng::meetups::repo::{insert_event, NewEvent};
use tongcheng::meetups::{EventKind, EventStatus};
use tongcheng::participation::door_sync::{DoorManifest, DoorSync, ScanOutcome};

on_both_databases!(
    the_first_check_in_wins_and_the_other_door_is_told,
    four_doors_syncing_at_once_let_each_ticket_in_once,
    only_the_events_door_runners_download_or_sync,
    an_old_meetups_scans_are_forgotten_and_its_check_ins_kept,
);

/// A published official meetup that started ten minutes ago, with `n` demo fans seated;
/// their ticket codes.
pub(crate) async fn meetup_with_fans(app: &TestApp, n: u64) -> (i64, Vec<(i64, String)>, Vec<String>) {
    let city_id = app.city_id("深圳").await;
    let start = now() + 7 * 86_400;
    let new = NewEvent { kind: EventKind::Official, city_id, title: "Door test", starts_at: start, ends_at: start + 3 * 3600, capacity: Some(600), status: EventStatus::Published, created_by: None, organizer_id: None };
    let mut tx = app.state.db.begin_write().await.unwrap();
    let event = insert_event(&mut tx, &new, now()).await.unwrap();
    tx.commit().await.unwrap();
    let fans = common::demo_fans(app, n).await;
    let mut codes = Vec::new();
    for (id, email) in &fans {
        let place = common::events(&app.state.db).sign_up(event, &Fan { id: *id, email, name: "Fan" }).await.expect("sign up");
        codes.push(place.ticket_code.expect("a seat"));
    }
    let started = now() - 600;
    execute(&app.state.db, "UPDATE events SET starts_at = $1, ends_at = $2 WHERE id = $3", &[started, started + 3 * 3600, event]).await;
    (event, fans, codes)
}

fn scans(codes: &[&str], prefix: &str, at: i64) -> String {
    let list: Vec<serde_json::Value> = codes.iter().enumerate().map(|(i, c)| serde_json::json!({ "scan_id": format!("{prefix}-{i}-0123456789abcdef"), "code": c, "scanned_at": at })).collect();
    serde_json::Value::Array(list).to_string()
}

async fn sync(door: &Browser, event: i64, name: &str, scans: &str) -> Result<DoorSync, AppError> {
    door.call("sync_door", &[("event", &event.to_string()), ("door", name), ("scans", scans)]).await.map_err(|e| e.1)
}

async fn the_first_check_in_wins_and_the_other_door_is_told(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (event, fans, codes) = meetup_with_fans(&app, 5).await;
    let door_a = staff(&app).await;
    let door_b = door_a.clone();
    // Both doors download what they need: keys, never the codes themselves.
    let manifest: DoorManifest = door_a.call("door_manifest", &[("event", &event.to_string())]).await.unwrap();
    assert_eq!((manifest.board.expected, manifest.board.checked_in, manifest.tickets.len()), (5, 0, 5));
    let serialized = serde_json::to_string(&manifest).unwrap();
    assert!(codes.iter().all(|c| !serialized.contains(c.as_str())), "no ticket code leaves for a door");
    let key = tongcheng::participation::door_sync::ticket_key(event, &codes[0].to_lowercase());
    assert!(manifest.tickets.iter().any(|t| t.key == key), "a scanned code (any case) finds its ticket");

    // Offline, both doors let fan 0 in; fan 1's seat is cancelled meanwhile.
    common::events(&app.state.db).cancel(event, fans[1].0).await.unwrap();
    let at = now() - 120;
    let a = scans(&[&codes[0], &codes[1], "NOT-A-TICKET"], "a", at);
    let b = scans(&[&codes[0], &codes[2]], "b", at + 30);
    let first = sync(&door_a, event, "A", &a).await.unwrap();
    // Scan ids are "{door}-{n}-…": the verdict of a door's n-th scan.
    let outcome = |s: &DoorSync, n: usize| s.verdicts.iter().find(|v| v.scan_id.split('-').nth(1) == Some(n.to_string().as_str())).map(|v| v.outcome);
    assert_eq!((outcome(&first, 0), outcome(&first, 1), outcome(&first, 2)), (Some(ScanOutcome::CheckedIn), Some(ScanOutcome::NotConfirmed), Some(ScanOutcome::Unknown)));
    let second = sync(&door_b, event, "B", &b).await.unwrap();
    assert_eq!((outcome(&second, 0), outcome(&second, 1)), (Some(ScanOutcome::Duplicate), Some(ScanOutcome::CheckedIn)));
    let told = second.verdicts.iter().find(|v| v.outcome == ScanOutcome::Duplicate).unwrap();
    assert!(told.message.contains("door A"), "the door that was second hears where it got in: {}", told.message);
    // The cancellation reaches the doors, and the count is shared.
    let cancelled = tongcheng::participation::door_sync::ticket_key(event, &codes[1]);
    assert_eq!(second.manifest.tickets.iter().find(|t| t.key == cancelled).map(|t| t.status.as_str()), Some("cancelled"));
    assert_eq!((second.manifest.board.expected, second.manifest.board.checked_in), (4, 2));
    assert_eq!(second.manifest.board.recent.first().and_then(|r| r.door.as_deref()), Some("B"));
    let board: tongcheng::participation::door_sync::DoorBoard = door_a.call("door_board", &[("event", &event.to_string())]).await.unwrap();
    assert_eq!(board, second.manifest.board, "a door's page shows what every door shares");
    // The answer was lost: door A sends the same scans again and hears the same.
    let again = sync(&door_a, event, "A", &a).await.unwrap();
    assert_eq!(again.verdicts, first.verdicts, "the same verdicts, word for word");
    let b_again = sync(&door_b, event, "B", &b).await.unwrap();
    assert_eq!(b_again.verdicts, second.verdicts);
    assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM door_scans WHERE event_id = {event}")).await, 5, "each scan once");
    // The check-in keeps the door's time and name; typed at the desk later, the same.
    let (at_db, door): (Option<i64>, Option<String>) = sqlx::query_as("SELECT checked_in_at, checked_in_door FROM registrations WHERE ticket_code = $1")
        .bind(&codes[0])
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!((at_db, door.as_deref()), (Some(at), Some("A")));
    let typed = door_a.call::<String>("check_in", &[("code", &codes[0]), ("event", &event.to_string())]).await.unwrap_err();
    assert!(typed.1.field_text("code").is_some_and(|t| t.en.contains("door A")), "{typed:?}");
    // A scan of a ticket of another event is refused as such.
    let (other, _, other_codes) = meetup_with_fans(&app, 1).await;
    assert_ne!(other, event);
    let wrong = sync(&door_a, event, "A", &scans(&[&other_codes[0]], "c", now())).await.unwrap();
    assert_eq!(wrong.verdicts[0].outcome, ScanOutcome::OtherEvent);
    let unreadable = sync(&door_a, event, "A", "not json").await.unwrap_err();
    assert!(unreadable.field_text("scans").is_some());
    let nameless = sync(&door_a, event, "", "[]").await.unwrap_err();
    assert!(nameless.field_text("door").is_some());
    let short_id = sync(&door_a, event, "A", &serde_json::json!([{ "scan_id": "1", "code": codes[3], "scanned_at": now() }]).to_string()).await.unwrap_err();
    assert!(short_id.field_text("scans").is_some(), "scan ids are random, not counters");
    // One unreadable code holds back none of the others; a code typed without dashes,
    // in lower case, is the ticket.
    let mixed = serde_json::json!([
        { "scan_id": "mixed-0-0123456789abcdef", "code": "A".repeat(300), "scanned_at": now() },
        { "scan_id": "mixed-1-0123456789abcdef", "code": codes[3].replace('-', "").to_lowercase(), "scanned_at": now() },
    ]);
    let mixed = sync(&door_a, event, "A", &mixed.to_string()).await.unwrap();
    assert_eq!((outcome(&mixed, 0), outcome(&mixed, 1)), (Some(ScanOutcome::Unknown), Some(ScanOutcome::CheckedIn)));
    // Names go to a door only for seats that get in.
    assert!(second.manifest.tickets.iter().find(|t| t.key == cancelled).is_some_and(|t| t.name.is_empty()));
    // Long after the end, a door's word on when it scanned is not taken: too late.
    execute(&app.state.db, "UPDATE events SET starts_at = $1, ends_at = $2 WHERE id = $3", &[now() - 30 * 3600, now() - 27 * 3600, event]).await;
    let backdated = sync(&door_a, event, "A", &scans(&[&codes[3]], "late", now() - 28 * 3600)).await.unwrap();
    assert_eq!(backdated.verdicts[0].outcome, ScanOutcome::Over);
    // A fan who deletes their account leaves no door verdict naming them.
    let name = app.text(&format!("SELECT display_name FROM users WHERE id = {}", fans[0].0)).await;
    assert!(app.scalar(&format!("SELECT COUNT(*) FROM door_scans WHERE message LIKE '%{name}%'")).await > 0);
    let fan = app.browser();
    fan.login(&fans[0].1, tongcheng::server::seed::DEMO_PASSWORD).await;
    let _: () = fan.call("delete_account", &[("password", tongcheng::server::seed::DEMO_PASSWORD), ("confirm", "on")]).await.unwrap();
    assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM door_scans WHERE message LIKE '%{name}%'")).await, 0);
}

async fn four_doors_syncing_at_once_let_each_ticket_in_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (event, _, codes) = meetup_with_fans(&app, 60).await;
    let staff = staff(&app).await;
    // Four doors, offline, each scanned an overlapping half of the fans.
    let at = now() - 60;
    let halves: Vec<String> = (0..4)
        .map(|d| {
            let mine: Vec<&str> = codes.iter().enumerate().filter(|(i, _)| (i + d * 15) % 60 < 30).map(|(_, c)| c.as_str()).collect();
            scans(&mine, &format!("d{d}"), at)
        })
        .collect();
    let doors = ["A", "B", "C", "D"];
    let results = futures::future::join_all(halves.iter().zip(doors).map(|(s, name)| sync(&staff, event, name, s))).await;
    let mut checked_in = 0;
    for result in results {
        let synced = result.expect("every door synced");
        checked_in += synced.verdicts.iter().filter(|v| v.outcome == ScanOutcome::CheckedIn).count();
        assert!(synced.verdicts.iter().all(|v| matches!(v.outcome, ScanOutcome::CheckedIn | ScanOutcome::Duplicate)));
    }
    assert_eq!(checked_in, 60, "each ticket in once, whichever door was first");
    assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM registrations WHERE event_id = {event} AND checked_in_at IS NOT NULL")).await, 60);
    assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM door_scans WHERE event_id = {event}")).await, 120);
}

async fn only_the_events_door_runners_download_or_sync(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (event, _, codes) = meetup_with_fans(&app, 1).await;
    let fan = app.fan("fan@example.com", "深圳").await;
    let refused = fan.call::<DoorManifest>("door_manifest", &[("event", &event.to_string())]).await.unwrap_err();
    assert_eq!(refused.1, AppError::Forbidden);
    assert_eq!(sync(&fan, event, "A", &scans(&[&codes[0]], "x", now())).await.unwrap_err(), AppError::Forbidden);
    assert_eq!(sync(&app.browser(), event, "A", "[]").await.unwrap_err(), AppError::Unauthorized);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM door_scans").await, 0);
    // A door syncs often, but not without end: 600 syncs in five minutes per account
    // and event, then a clear refusal; another event's doors are counted apart.
    let staff = staff(&app).await;
    for _ in 0..600 {
        sync(&staff, event, "A", "[]").await.expect("within the allowance");
    }
    // The allowance slides (the last window's hits count by how much of it is still
    // within five minutes): when the loop above crossed a window's edge, a few more pass.
    let mut limited = None;
    for _ in 0..600 {
        if let Err(refused) = staff.call::<DoorSync>("sync_door", &[("event", &event.to_string()), ("door", "A"), ("scans", "[]")]).await {
            limited = Some(refused);
            break;
        }
    }
    let limited = limited.expect("refused before twice the allowance");
    assert_eq!(limited.0, reqwest::StatusCode::TOO_MANY_REQUESTS, "{limited:?}");
    let (other, _, _) = meetup_with_fans(&app, 1).await;
    sync(&staff, other, "A", "[]").await.expect("another event's door");
}

/// Hourly housekeeping forgets the door scans of meetups that ended before a time
/// (`SCANS_KEPT_DAYS` back); who got in stays on their registration, and a newer
/// meetup's scans stay.
async fn an_old_meetups_scans_are_forgotten_and_its_check_ins_kept(backend: Backend) {
    use tongcheng::participation::door_repo::forget_old_scans;
    let app = TestApp::spawn(backend).await;
    let door = staff(&app).await;
    let (old, _, old_codes) = meetup_with_fans(&app, 2).await;
    let (recent, _, recent_codes) = meetup_with_fans(&app, 2).await;
    for (event, codes) in [(old, &old_codes), (recent, &recent_codes)] {
        let sent = sync(&door, event, "A", &scans(&[&codes[0], &codes[1]], "a", now() - 60)).await.unwrap();
        assert!(sent.verdicts.iter().all(|v| v.outcome == ScanOutcome::CheckedIn));
    }
    // Forgotten from an hour back (the app's own round, from 90 days back, leaves these
    // alone whenever it runs): the old meetup ended just before, the other just after.
    let cutoff = now() - 3600;
    execute(&app.state.db, "UPDATE events SET starts_at = $1 - 10800, ends_at = $1 - 1 WHERE id = $2", &[cutoff, old]).await;
    execute(&app.state.db, "UPDATE events SET starts_at = $1 - 10800, ends_at = $1 + 60 WHERE id = $2", &[cutoff, recent]).await;
    assert_eq!(forget_old_scans(&app.state.db, cutoff).await.unwrap(), 2, "the old meetup's two scans");
    assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM door_scans WHERE event_id = {old}")).await, 0);
    assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM door_scans WHERE event_id = {recent}")).await, 2, "ended within the time kept");
    assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM registrations WHERE event_id = {old} AND checked_in_at IS NOT NULL")).await, 2, "who got in is kept");
    assert_eq!(forget_old_scans(&app.state.db, cutoff).await.unwrap(), 0, "done once");
}


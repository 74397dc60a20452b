//! Plans of the statements a flash sale repeats, whatever the statistics say (issue 29).
//! The outbox worker's claims read their own partial indexes: a queue looks empty when
//! analysed idle, and with an index of all pending mail the planner claimed held notices
//! through it, walking every one queued during a sale (26 ms a claim at 14,000 held).
//! The look for a rush in another process reads one entry of that index at most.
//! The check for a free seat while fans wait, after every sign-up turn, finds the first
//! fan waiting through the list's index, not by scanning older meetups' rows.
use crate::common;

use common::{fresh_database, Backend};
use tongcheng::email::outbox;
use tongcheng::infra::clock::now;
use tongcheng::infra::db::Db;

on_both_databases!(
    claims_read_their_own_index_after_the_outbox_was_analysed_idle,
    the_free_seat_check_reads_the_waiting_list_by_its_index,
);

/// The indexes a plan (`EXPLAIN` text) reads.
fn indexes(plan: &str) -> Vec<String> {
    plan.split(" using ").skip(1).filter_map(|rest| rest.split_whitespace().next()).map(str::to_string).collect()
}

async fn claims_read_their_own_index_after_the_outbox_was_analysed_idle(backend: Backend) {
    if backend == Backend::Sqlite {
        // SQLite keeps no statistics unless asked (ANALYZE): its plans follow the indexes.
        return;
    }
    let database = fresh_database(backend).await;
    let db = Db::connect(&database.url, 2).await.unwrap();
    db.migrate().await.unwrap();
    let t = now();
    // A sale that is over: its mail delivered, then the table analysed while idle.
    let past = "INSERT INTO outbox (idempotency_key, kind, recipient, subject, body_text, body_html, attachments, next_attempt_at, created_at, status, sent_at) \
                SELECT 'old-' || n, CASE WHEN n % 100 = 0 THEN 'seat_confirmed' ELSE 'waitlisted' END, n || '@example.com', 's', 't', 'h', '[]', $1, $1, 'sent', $1 \
                FROM generate_series(1, 20000) n";
    sqlx::query(past).bind(t - 3_600).execute(&db.pool).await.unwrap();
    sqlx::query("ANALYZE outbox").execute(&db.pool).await.unwrap();
    // The next sale: thousands of notices held, none old enough to go out.
    let held = "INSERT INTO outbox (idempotency_key, kind, recipient, subject, body_text, body_html, attachments, next_attempt_at, created_at) \
                SELECT 'new-' || n, 'waitlisted', n || '@example.org', 's', 't', 'h', '[]', $1, $1 FROM generate_series(1, 15000) n";
    sqlx::query(held).bind(t).execute(&db.pool).await.unwrap();
    for (held, index) in [(false, "outbox_urgent"), (true, "outbox_held")] {
        let sql = format!("EXPLAIN {}", outbox::claim_sql(db.dialect, held));
        let mut query = sqlx::query_scalar::<_, String>(&sql).bind(t + 60).bind("token").bind(t).bind(100_i64);
        if held {
            query = query.bind(t - 60);
        }
        let plan = query.fetch_all(&db.pool).await.unwrap().join("\n");
        // The outer update finds the claimed rows by their key.
        assert_eq!(indexes(&plan).into_iter().filter(|i| i != "outbox_pkey").collect::<Vec<_>>(), [index], "{plan}");
    }
    // And the worker finds nothing to send yet, through those indexes.
    assert!(outbox::claim_due(&db, 100, t, true).await.unwrap().messages.is_empty());
    // Its look for a rush in another process reads the newest held notice only.
    let plan = sqlx::query_scalar::<_, String>(&format!("EXPLAIN {}", tongcheng::email::rush::recently_held_sql())).bind(t - 3).bind(t + 3).fetch_all(&db.pool).await.unwrap().join("\n");
    assert_eq!(indexes(&plan), ["outbox_held"], "{plan}");
    assert!(tongcheng::email::rush::anywhere(&db, t).await.unwrap(), "notices queued this second");
    assert!(!tongcheng::email::rush::anywhere(&db, t + 3).await.unwrap(), "none queued for three seconds");
}

async fn the_free_seat_check_reads_the_waiting_list_by_its_index(backend: Backend) {
    if backend == Backend::Sqlite {
        return;
    }
    let app = common::TestApp::spawn(backend).await;
    let db = &app.state.db;
    let city = app.city_id("深圳").await;
    let (old, new) = (common::published_event(db, city, Some(1)).await, common::published_event(db, city, Some(1)).await);
    // An earlier sale left 20,000 on its list; this one's list is short.
    common::demo_fans(&app, 20_000).await;
    let list = "INSERT INTO registrations (event_id, user_id, status, waitlist_seq, ticket_code, created_at, updated_at, generation) \
                SELECT $1, id, 'waitlisted', id, 'T' || id, 0, 0, 1 FROM users WHERE email LIKE 'demo-fan-%' AND id % $2 = 0";
    common::execute(db, list, &[old, 1]).await;
    common::execute(db, &list.replace("'T' ||", "'N' ||"), &[new, 100]).await;
    sqlx::query("ANALYZE registrations").execute(&db.pool).await.unwrap();
    // The plan kept for every event (after five runs PostgreSQL may keep a generic one).
    let mut connection = db.pool.acquire().await.unwrap();
    sqlx::query("SET plan_cache_mode = force_generic_plan").execute(&mut *connection).await.unwrap();
    let sql = format!("EXPLAIN {}", tongcheng::meetups::places::SEAT_FREE_WHILE_FANS_WAIT);
    let plan = sqlx::query_scalar::<_, String>(&sql).bind(new).fetch_all(&mut *connection).await.unwrap().join("\n");
    sqlx::query("RESET plan_cache_mode").execute(&mut *connection).await.unwrap();
    assert!(!plan.contains("Seq Scan on registrations"), "{plan}");
    assert!(indexes(&plan).contains(&"registrations_queue".to_string()), "{plan}");
    assert!(tongcheng::meetups::places::seat_free_while_fans_wait(db, new).await.unwrap(), "a seat is free and fans wait");
}

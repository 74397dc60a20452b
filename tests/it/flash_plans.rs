//! Plans of the statements a flash sale repeats, whatever the statistics say (issue 29).
//! The outbox worker's claims read their own partial indexes: a queue looks empty when
//! analysed idle, and with an index of all pending mail the planner claimed held notices
//! through it, walking every one queued during a sale (26 ms a claim at 14,000 held).
//! The look for a rush in another process reads one entry of that index at most.
//! The check for a free seat while fans wait, after every sign-up turn, finds the first
//! fan waiting through the list's index, not by scanning older meetups' rows.
//! A plan a connection made while a table was empty is made again once the table has
//! outgrown its statistics (`infra::statistics`), not after autovacuum's nap.
use crate::common;

use common::{fresh_database, Backend};
use tongcheng::email::outbox;
use tongcheng::infra::clock::now;
use tongcheng::infra::db::Db;

on_both_databases!(
    claims_read_their_own_index_after_the_outbox_was_analysed_idle,
    the_free_seat_check_reads_the_waiting_list_by_its_index,
    a_plan_made_while_a_table_was_empty_is_made_again_once_it_outgrew_its_statistics,
    a_running_app_analyses_a_table_that_outgrew_its_statistics,
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
    // Analysed as autovacuum does, and roughly, as `infra::statistics` does in a rush.
    for target in ["100", "10"] {
        claims_after_the_outbox_was_analysed_idle(backend, target).await;
    }
}

async fn claims_after_the_outbox_was_analysed_idle(backend: Backend, statistics_target: &str) {
    let database = fresh_database(backend).await;
    let db = Db::connect(&database.url, 2).await.unwrap();
    db.migrate().await.unwrap();
    let t = now();
    // A sale that is over: its mail delivered, then the table analysed while idle.
    let past = "INSERT INTO outbox (idempotency_key, kind, recipient, subject, body_text, body_html, attachments, next_attempt_at, created_at, status, sent_at) \
                SELECT 'old-' || n, CASE WHEN n % 100 = 0 THEN 'seat_confirmed' ELSE 'waitlisted' END, n || '@example.com', 's', 't', 'h', '[]', $1, $1, 'sent', $1 \
                FROM generate_series(1, 20000) n";
    sqlx::query(past).bind(t - 3_600).execute(&db.pool).await.unwrap();
    let mut analysing = db.pool.begin().await.unwrap();
    sqlx::query("SELECT set_config('default_statistics_target', $1, true)").bind(statistics_target).execute(&mut *analysing).await.unwrap();
    sqlx::query("ANALYZE outbox").execute(&mut *analysing).await.unwrap();
    analysing.commit().await.unwrap();
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

async fn a_plan_made_while_a_table_was_empty_is_made_again_once_it_outgrew_its_statistics(backend: Backend) {
    use tongcheng::infra::statistics::analyse_outgrown;
    let database = fresh_database(backend).await;
    let db = Db::connect(&database.url, 4).await.unwrap();
    db.migrate().await.unwrap();
    if backend == Backend::Sqlite {
        // No statistics, no plans kept on them: nothing to do.
        assert!(analysed(&db, 1).await.is_empty());
        return;
    }
    // A young site: the sessions table analysed empty, and a connection that has planned
    // its look-up of a session since (as every pooled connection has by its sixth).
    sqlx::query("ANALYZE sessions").execute(&db.pool).await.unwrap();
    let mut reader = db.pool.acquire().await.unwrap();
    sqlx::query("SET plan_cache_mode = force_generic_plan").execute(&mut *reader).await.unwrap();
    sqlx::query("PREPARE look (TEXT) AS SELECT data FROM sessions WHERE id = $1").execute(&mut *reader).await.unwrap();
    assert!(look_plan(&mut reader).await.starts_with("Seq Scan on sessions"));
    // Then the rush: thousands of rows before autovacuum wakes. The plan made on the empty
    // table stays.
    let mut writer = db.pool.acquire().await.unwrap();
    sqlx::query("INSERT INTO sessions (id, data, expires_at) SELECT 's-' || n, '{}', $1 FROM generate_series(1, 3000) n").bind(now() + 3_600).execute(&mut *writer).await.unwrap();
    sqlx::query("SELECT pg_stat_force_next_flush()").execute(&mut *writer).await.unwrap();
    drop(writer);
    assert!(look_plan(&mut reader).await.starts_with("Seq Scan on sessions"));
    until_counted(&db, "n_live_tup", 3_000).await;
    // Another process at it: this one leaves the table alone.
    let mut other = db.pool.begin().await.unwrap();
    sqlx::query("SELECT pg_advisory_xact_lock(72110433)").execute(&mut *other).await.unwrap();
    assert!(analysed(&db, 1_000).await.is_empty());
    other.rollback().await.unwrap();
    // Grown by fewer rows than asked for: left to autovacuum.
    assert!(analysed(&db, 5_000).await.is_empty());
    // A lock held on the table (a migration, say): no waiting behind it past the lock timeout (3 s).
    let mut migrating = db.pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE sessions IN SHARE UPDATE EXCLUSIVE MODE").execute(&mut *migrating).await.unwrap();
    let looked = analyse_outgrown(&db, 1_000).await;
    assert!(looked.analysed.is_empty());
    let error = looked.failed.expect("the lock waited for").to_string();
    assert!(error.contains("lock timeout"), "{error}");
    migrating.rollback().await.unwrap();
    assert_eq!(analysed(&db, 1_000).await, ["sessions"]);
    // Roughly: ten buckets, not a hundred.
    let buckets = "SELECT CAST(array_length(histogram_bounds, 1) AS BIGINT) FROM pg_stats WHERE tablename = 'sessions' AND attname = 'id'";
    assert_eq!(sqlx::query_scalar::<_, i64>(buckets).fetch_one(&db.pool).await.unwrap(), 11);
    // Every connection plans the look-up again, by the key.
    assert_eq!(indexes(&look_plan(&mut reader).await), ["sessions_pkey"]);
    // And once analysed, the table is left alone until it outgrows these statistics:
    // changes alone do not count (every row updated, twice).
    let mut writer = db.pool.acquire().await.unwrap();
    for _ in 0..2 {
        sqlx::query("UPDATE sessions SET data = '{\"a\":1}'").execute(&mut *writer).await.unwrap();
    }
    sqlx::query("SELECT pg_stat_force_next_flush()").execute(&mut *writer).await.unwrap();
    drop(writer);
    until_counted(&db, "n_mod_since_analyze", 6_000).await;
    assert!(analysed(&db, 1_000).await.is_empty());
}

/// The plan the connection keeps for the statement `look` (prepared with SQL).
async fn look_plan(reader: &mut sqlx::pool::PoolConnection<sqlx::Any>) -> String {
    sqlx::query_scalar::<_, String>("EXPLAIN EXECUTE look ('s-1')").fetch_all(&mut **reader).await.unwrap().join("\n")
}

/// Waits until the statistics views count `at_least` in `column` for the sessions table:
/// a backend sends its counts a moment after it goes idle.
async fn until_counted(db: &Db, column: &str, at_least: i64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let counted = format!("SELECT {column} FROM pg_stat_user_tables WHERE relname = 'sessions'");
    while sqlx::query_scalar::<_, i64>(&counted).fetch_one(&db.pool).await.unwrap() < at_least {
        assert!(std::time::Instant::now() < deadline, "the writes never reached the statistics views");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The tables one look analysed; it must not have failed.
async fn analysed(db: &Db, grown_by_at_least: i64) -> Vec<String> {
    let looked = tongcheng::infra::statistics::analyse_outgrown(db, grown_by_at_least).await;
    assert!(looked.failed.is_none(), "{:?}", looked.failed);
    looked.analysed
}

async fn a_running_app_analyses_a_table_that_outgrew_its_statistics(backend: Backend) {
    if backend == Backend::Sqlite {
        return;
    }
    let app = common::TestApp::spawn(backend).await;
    let db = &app.state.db;
    // Autovacuum kept out of it (it naps a minute, but may come by within the test).
    sqlx::query("CREATE TABLE grown (id BIGINT PRIMARY KEY) WITH (autovacuum_enabled = false)").execute(&db.pool).await.unwrap();
    sqlx::query("ANALYZE grown").execute(&db.pool).await.unwrap();
    let mut writer = db.pool.acquire().await.unwrap();
    sqlx::query("INSERT INTO grown SELECT n FROM generate_series(1, 3000) n").execute(&mut *writer).await.unwrap();
    sqlx::query("SELECT pg_stat_force_next_flush()").execute(&mut *writer).await.unwrap();
    drop(writer);
    // The app's own look (every 2 s) finds it once the counts have reached the views.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let counted = "SELECT CAST(reltuples AS BIGINT) FROM pg_class WHERE oid = to_regclass('grown')";
    while sqlx::query_scalar::<_, i64>(counted).fetch_one(&db.pool).await.unwrap() < 3_000 {
        assert!(std::time::Instant::now() < deadline, "the app never analysed the grown table");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // By its own connection, not one of the requests' pool.
    let own = "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'tongcheng statistics'";
    assert_eq!(sqlx::query_scalar::<_, i64>(own).fetch_one(&db.pool).await.unwrap(), 1);
}

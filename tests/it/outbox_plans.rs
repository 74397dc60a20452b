//! The outbox worker's claims read their own partial indexes however the table was last
//! analysed (issue 29). A queue looks empty when analysed idle; with an index of all
//! pending mail the planner then claimed held notices through it, walking every one
//! queued during a sale (26 ms a claim at 14,000 held, two claims per sign-up turn).
use crate::common;

use common::{fresh_database, Backend};
use tongcheng::email::outbox;
use tongcheng::infra::clock::now;
use tongcheng::infra::db::Db;

on_both_databases!(claims_read_their_own_index_after_the_outbox_was_analysed_idle);

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
}

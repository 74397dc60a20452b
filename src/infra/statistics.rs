//! Statistics taken afresh when a table outgrows them (PostgreSQL). Each connection plans
//! a prepared statement once and keeps the plan until the statistics of a table it reads
//! change. A plan made while a table was (nearly) empty reads the table whole — cheapest
//! then — and goes on doing so as the table grows. Autovacuum takes new statistics only
//! after its nap (a minute by default), and a sign-up moment on a young site fills
//! `registrations` with tens of thousands of rows within that minute: every meetup page
//! then looked for the fan's place by reading the whole table (2.4 ms a look, PostgreSQL's
//! core full and 20,000 presses told "busy", BENCHMARKS.md 2026-12-07). So every
//! `CHECK_EVERY` each process looks for a table that has grown to twice the rows its
//! statistics counted (and by at least `GROWN_BY_AT_LEAST` rows) and analyses it at once;
//! the new statistics make every connection plan its statements again. A table grows to
//! twice its size rarely once it is large, and one that only changes (the event's
//! counters, updated by every turn) is left to autovacuum: analysing it would make every
//! connection plan again every few seconds.
use super::db::{Db, Dialect};
use std::time::Duration;

/// How often each process looks (one read of the statistics views, under a millisecond).
pub const CHECK_EVERY: Duration = Duration::from_secs(2);
/// Rows a table must have gained since its statistics before it is analysed here.
pub const GROWN_BY_AT_LEAST: i64 = 1_000;
/// A rough look (a sample of 3,000 rows rather than the default 30,000): it is taken
/// in the middle of a rush, where a full one of the outbox cost PostgreSQL 250 ms of a
/// core, and a plan needs the table's size more than fine statistics; autovacuum takes
/// full ones after its nap. And no waiting behind a lock (a migration, someone's
/// `VACUUM FULL`): the next look tries again.
const ROUGHLY: &str = "SELECT set_config('default_statistics_target', '10', true), set_config('lock_timeout', '1s', true)";
/// Taken for the look and the analysis: one process does them at a time.
const ONE_AT_A_TIME: &str = "SELECT pg_try_advisory_xact_lock(72110433)";

/// The app's tables (those it may analyse: its own) with twice the rows their statistics
/// counted (none when never analysed), and at least `grown_by_at_least` more; quoted for
/// SQL.
const OUTGROWN: &str = "SELECT quote_ident(s.relname) FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid \
     WHERE s.schemaname = current_schema() AND pg_has_role(c.relowner, 'USAGE') \
       AND s.n_live_tup >= GREATEST(c.reltuples, 0) * 2 AND s.n_live_tup >= GREATEST(c.reltuples, 0) + $1 ORDER BY 1";

/// Analyses the tables that outgrew their statistics (see the module); returns their
/// names. Nothing on SQLite (it keeps no statistics unless asked), nor while another
/// process is at it.
pub async fn analyse_outgrown(db: &Db, grown_by_at_least: i64) -> Result<Vec<String>, sqlx::Error> {
    if db.dialect != Dialect::Postgres {
        return Ok(Vec::new());
    }
    let mut tx = db.pool.begin().await?;
    if !sqlx::query_scalar::<_, bool>(ONE_AT_A_TIME).fetch_one(&mut *tx).await? {
        return Ok(Vec::new());
    }
    let outgrown: Vec<String> = sqlx::query_scalar(OUTGROWN).bind(grown_by_at_least).fetch_all(&mut *tx).await?;
    if !outgrown.is_empty() {
        sqlx::query(ROUGHLY).execute(&mut *tx).await?;
    }
    for table in &outgrown {
        sqlx::query(&format!("ANALYZE {table}")).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(outgrown)
}

/// Runs `analyse_outgrown` every `CHECK_EVERY` (PostgreSQL only).
pub async fn analyse_outgrown_forever(db: Db) {
    if db.dialect != Dialect::Postgres {
        return;
    }
    loop {
        tokio::time::sleep(CHECK_EVERY).await;
        match analyse_outgrown(&db, GROWN_BY_AT_LEAST).await {
            Ok(tables) if tables.is_empty() => {}
            Ok(tables) => tracing::info!(?tables, "statistics taken afresh: the tables outgrew them"),
            Err(error) => tracing::warn!(%error, "looking for tables that outgrew their statistics"),
        }
    }
}

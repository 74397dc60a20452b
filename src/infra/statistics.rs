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

/// How often each process looks (one read of the statistics views, under a millisecond
/// of the server's time), while looking works; after failures, less and less often.
pub const CHECK_EVERY: Duration = Duration::from_secs(2);
/// Rows a table must have gained since its statistics before it is analysed here.
pub const GROWN_BY_AT_LEAST: i64 = 1_000;
/// Tables analysed in one look at most (after a restore every table has none).
const MOST_AT_ONCE: usize = 8;
/// A rough look (a sample of 3,000 rows rather than the default 30,000): it is taken
/// in the middle of a rush, where a full one of the outbox cost PostgreSQL 250 ms of a
/// core, and a plan needs the table's size more than fine statistics. These stand until
/// autovacuum's next analysis (after a tenth more changes). No waiting long behind a lock
/// (a migration, someone's `VACUUM FULL`): a later look tries again. Longer than the
/// wait after which autovacuum, if it holds the table, gives way (`deadlock_timeout`, 1 s).
const ANALYSIS_SETTINGS: &str = "SELECT set_config('default_statistics_target', '10', true), set_config('lock_timeout', '3s', true)";
/// Taken for each analysis: one process analyses at a time.
const ONE_AT_A_TIME: &str = "SELECT pg_try_advisory_xact_lock(72110433)";
/// The app's own tables: plain tables in the schema of its migrations.
const APP_TABLES: &str = "c.relkind = 'r' AND c.relnamespace = (SELECT m.relnamespace FROM pg_class m WHERE m.oid = to_regclass('_sqlx_migrations'))";

/// The app's tables it may analyse (its role owns them) with twice the rows their
/// statistics counted (none when never analysed), and at least `$1` more: each one's
/// id and its name, quoted for SQL. `one`: only the table whose id is `$2`.
fn outgrown_sql(one: bool) -> String {
    format!(
        "SELECT CAST(c.oid AS BIGINT), CAST(CAST(c.oid AS regclass) AS TEXT) FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid \
         WHERE {APP_TABLES} AND pg_has_role(c.relowner, 'USAGE') \
           AND s.n_live_tup >= GREATEST(c.reltuples, 0) * 2 AND s.n_live_tup >= GREATEST(c.reltuples, 0) + $1 {} ORDER BY 2",
        if one { "AND c.oid = CAST($2 AS oid)" } else { "" }
    )
}

/// What one look did.
#[derive(Debug, Default)]
pub struct Looked {
    /// The tables analysed (quoted names).
    pub analysed: Vec<String>,
    /// The first thing that failed; the tables not analysed are tried at the next look.
    pub failed: Option<sqlx::Error>,
}

/// Analyses the tables that outgrew their statistics (see the module), each in its own
/// transaction. Nothing on SQLite (it keeps no statistics unless asked); a table another
/// process is analysing is left to it.
pub async fn analyse_outgrown(db: &Db, grown_by_at_least: i64) -> Looked {
    let mut looked = Looked::default();
    if db.dialect != Dialect::Postgres {
        return looked;
    }
    let listed: Vec<(i64, String)> = match sqlx::query_as(&outgrown_sql(false)).bind(grown_by_at_least).fetch_all(&db.pool).await {
        Ok(listed) => listed,
        Err(error) => return Looked { failed: Some(error), ..looked },
    };
    for (table, name) in listed.into_iter().take(MOST_AT_ONCE) {
        match analyse(db, table, grown_by_at_least).await {
            Ok(true) => looked.analysed.push(name),
            Ok(false) => {}
            Err(error) => {
                looked.failed.get_or_insert(error);
            }
        }
    }
    looked
}

/// Analyses the table `table` if it is still outgrown (another process may have
/// analysed it since the list was read) and no other process is analysing; whether it did.
async fn analyse(db: &Db, table: i64, grown_by_at_least: i64) -> Result<bool, sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    if !sqlx::query_scalar::<_, bool>(ONE_AT_A_TIME).fetch_one(&mut *tx).await? {
        return Ok(false);
    }
    let still: Option<(i64, String)> = sqlx::query_as(&outgrown_sql(true)).bind(grown_by_at_least).bind(table).fetch_optional(&mut *tx).await?;
    let Some((_, name)) = still else { return Ok(false) };
    sqlx::query(ANALYSIS_SETTINGS).execute(&mut *tx).await?;
    // Not kept prepared: one statement per table, run a handful of times in a table's life.
    sqlx::query(&format!("ANALYZE {name}")).persistent(false).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(true)
}

/// The app's tables its role may not analyse (another role owns them): those are left to
/// autovacuum.
async fn not_analysable(db: &Db) -> Result<i64, sqlx::Error> {
    let sql = format!("SELECT COUNT(*) FROM pg_class c WHERE {APP_TABLES} AND NOT pg_has_role(c.relowner, 'USAGE')");
    sqlx::query_scalar(&sql).fetch_one(&db.pool).await
}

/// Runs `analyse_outgrown` every `CHECK_EVERY` (PostgreSQL only), on a connection of its
/// own: a look during a rush must not wait among the requests for the pool, nor hold one
/// of its connections through an analysis.
pub async fn analyse_outgrown_forever(db: Db) {
    let Some(own) = db.with_own_connections(1, "tongcheng statistics", Duration::from_secs(60)) else { return };
    match not_analysable(&own).await {
        Ok(0) => {}
        Ok(tables) => tracing::warn!(tables, "tables owned by another role: their statistics are left to autovacuum"),
        Err(error) => tracing::warn!(%error, "reading which tables this role may analyse"),
    }
    let mut failures: u32 = 0;
    loop {
        // After failures (the database away, a table locked for long), 4 s, 8 s, … 64 s.
        tokio::time::sleep(CHECK_EVERY * 2u32.pow(failures.min(5))).await;
        let looked = analyse_outgrown(&own, GROWN_BY_AT_LEAST).await;
        if !looked.analysed.is_empty() {
            tracing::info!(tables = ?looked.analysed, "statistics taken afresh: the tables outgrew them");
        }
        match looked.failed {
            None => failures = 0,
            Some(error) => {
                failures += 1;
                // The first of a run of failures, then one in sixteen (about every 17 minutes).
                if failures % 16 == 1 {
                    tracing::warn!(%error, failures, "looking for tables that outgrew their statistics");
                }
            }
        }
    }
}

//! The sign-up desk's statements (`desk`): places for many fans in one turn, each a
//! handful of statements whatever the turn's size.
use crate::infra::db::{Dialect, Tx};

/// A registration made by `register_many`.
#[derive(Debug, sqlx::FromRow)]
pub struct Registered {
    pub id: i64,
    pub user_id: i64,
    pub ticket_code: String,
}

/// Inserts a placeholder registration (as `claim` does, status `cancelled`, ticket code
/// made by the database) for each of `user_ids` that has none at the event, in the
/// order of the fans (two transactions registering the same fans take their keys in
/// one order, so neither waits for the other in a circle); returns those inserted. A
/// fan registered by a transaction still under way is waited for and left out.
pub async fn register_many(tx: &mut Tx, event_id: i64, user_ids: &[i64], now: i64) -> Result<Vec<Registered>, sqlx::Error> {
    let (per_row_random, code) = super::tickets::sql_codes(tx.dialect);
    let sql = format!(
        "INSERT INTO registrations (event_id, user_id, status, ticket_code, created_at, updated_at, generation) \
         SELECT $1, f.c0, 'cancelled', {code}, $3, $3, 0 FROM (SELECT j.c0, {per_row_random} AS r FROM {} j) f ORDER BY f.c0 \
         ON CONFLICT (event_id, user_id) DO NOTHING RETURNING id, user_id, ticket_code",
        tx.dialect.json_rows("$2", 1)
    );
    let fans = format!("[{}]", user_ids.iter().map(|id| format!("[{id}]")).collect::<Vec<_>>().join(","));
    sqlx::query_as(&sql).bind(event_id).bind(fans).bind(now).fetch_all(&mut **tx).await
}

/// Locks the event's seat count for this transaction (see `Dialect::lock_for_counters`):
/// its capacity and confirmed seats.
pub async fn lock_seat_count(tx: &mut Tx, event_id: i64) -> Result<(Option<i64>, i64), sqlx::Error> {
    let sql = format!("SELECT e.capacity, e.confirmed_count FROM events e WHERE e.id = $1 {}", tx.dialect.lock_for_counters());
    sqlx::query_as(&sql).bind(event_id).fetch_one(&mut **tx).await
}

/// Moves fresh placeholders (`register_many`) to a seat; how many moved.
pub async fn confirm_many(tx: &mut Tx, registration_ids: &[i64], now: i64) -> Result<u64, sqlx::Error> {
    if registration_ids.is_empty() {
        return Ok(0);
    }
    let sql = format!(
        "UPDATE registrations SET status = 'confirmed', generation = 1, updated_at = $2 \
         WHERE id {} AND status = 'cancelled' AND generation = 0",
        tx.dialect.in_id_list("$1")
    );
    let ids = tx.dialect.id_list(registration_ids);
    Ok(sqlx::query(&sql).bind(ids).bind(now).execute(&mut **tx).await?.rows_affected())
}

/// Moves fresh placeholders to the waiting list: `[registration, number]` each; how many
/// moved. Each registration is found by its key and given its number once: PostgreSQL,
/// handed a set of rows from JSON, may guess it small and scan the whole table for it, so
/// it gets arrays; SQLite joins the pairs (a lookup of each number by correlated
/// subqueries over the lists cost O(n³) a turn: 2 s for 256 presses, BENCHMARKS.md).
pub async fn waitlist_many(tx: &mut Tx, numbered: &[[i64; 2]], now: i64) -> Result<u64, sqlx::Error> {
    if numbered.is_empty() {
        return Ok(0);
    }
    let query = match tx.dialect {
        Dialect::Postgres => sqlx::query(
            "UPDATE registrations SET status = 'waitlisted', generation = 1, updated_at = $2, \
             waitlist_seq = (CAST($3 AS BIGINT[]))[array_position(CAST($1 AS BIGINT[]), id)] \
             WHERE id = ANY(CAST($1 AS BIGINT[])) AND status = 'cancelled' AND generation = 0",
        )
        .bind(Dialect::Postgres.id_list(&numbered.iter().map(|[id, _]| *id).collect::<Vec<_>>()))
        .bind(now)
        .bind(Dialect::Postgres.id_list(&numbered.iter().map(|[_, number]| *number).collect::<Vec<_>>())),
        Dialect::Sqlite => {
            let pairs = format!("[{}]", numbered.iter().map(|[id, number]| format!("[{id},{number}]")).collect::<Vec<_>>().join(","));
            sqlx::query(
                "UPDATE registrations SET status = 'waitlisted', generation = 1, updated_at = $2, waitlist_seq = p.number \
                 FROM (SELECT value ->> 0 AS id, value ->> 1 AS number FROM json_each($1)) AS p \
                 WHERE registrations.id = p.id AND registrations.status = 'cancelled' AND registrations.generation = 0",
            )
            .bind(pairs)
            .bind(now)
        }
    };
    Ok(query.execute(&mut **tx).await?.rows_affected())
}

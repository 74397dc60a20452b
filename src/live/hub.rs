//! How a change to an event's live state reaches every stream, in every app process:
//! the change is numbered in the writing transaction (`live_changes`); on commit this
//! process's streams hear of it (`Tx::announce`), and on PostgreSQL the others through
//! `NOTIFY` (sent on commit too), which `listen_forever` hears. A notification missed
//! while a listener reconnects is caught up by the streams' own check of the number.
use crate::infra::db::{Db, Dialect, Tx};

/// The PostgreSQL channel; the payload is the event's id.
const CHANNEL: &str = "tongcheng_live";

/// Records that `event`'s live state changes in this transaction.
pub async fn changed(tx: &mut Tx, event: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO live_changes (event_id, created_at) VALUES ($1, $2)").bind(event).bind(now).execute(&mut **tx).await?;
    if tx.dialect == Dialect::Postgres {
        sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(event.to_string()).execute(&mut **tx).await?;
    }
    tx.announce(event);
    Ok(())
}

/// A change made outside a live function (a question asked, a vote, a check-in): its
/// own short transaction.
pub async fn touch(db: &Db, event: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    changed(&mut tx, event, crate::infra::clock::now()).await?;
    tx.commit().await
}

/// How long the numbered changes are kept. A row per answer, vote and check-in adds up
/// to millions a year, and only each event's newest is ever read again (its number is
/// the version streams compare with the last they saw, `repo::version`).
pub const CHANGES_KEPT_SECS: i64 = 86_400;

/// Forgets the changes made before `before`, but each event's newest; how many went.
/// Run hourly with the other housekeeping.
pub async fn forget_old_changes(db: &Db, before: i64) -> Result<u64, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let done = sqlx::query(
        "DELETE FROM live_changes WHERE created_at < $1 \
         AND id < (SELECT MAX(newest.id) FROM live_changes newest WHERE newest.event_id = live_changes.event_id)",
    )
    .bind(before)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(done.rows_affected())
}

/// On PostgreSQL: hears other processes' changes and tells this one's streams, for as
/// long as the process runs (reconnecting after a lost connection).
pub async fn listen_forever(db: Db, database_url: String) {
    if db.dialect != Dialect::Postgres {
        return;
    }
    loop {
        match sqlx::postgres::PgListener::connect(&database_url).await {
            Ok(mut listener) => {
                if let Err(error) = listener.listen(CHANNEL).await {
                    tracing::warn!(%error, "listening for live changes");
                } else {
                    loop {
                        match listener.recv().await {
                            Ok(note) => {
                                if let Ok(event) = note.payload().parse::<i64>() {
                                    db.announce_elsewhere(event);
                                }
                            }
                            Err(error) => {
                                tracing::warn!(%error, "live changes: listener lost its connection");
                                break;
                            }
                        }
                    }
                }
            }
            Err(error) => tracing::warn!(%error, "live changes: cannot connect a listener"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

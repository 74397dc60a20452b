//! Server-side sessions in the `sessions` table, so they survive a restart and are
//! shared by every app process on the same database. Writes go through the single
//! writer like every other write (`Db::begin_write`).
use super::clock::now;
use super::db::Db;
use super::session_reads::SessionReads;
use async_trait::async_trait;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

#[derive(Clone)]
pub struct DbSessionStore {
    db: Db,
    /// Reads a session and its companion (`Companion`) in one statement, shared by the
    /// reads that arrive together.
    reads: SessionReads,
    companion: fn(&sqlx::any::AnyRow) -> Option<serde_json::Value>,
}

/// What the app reads with every session, in the same statement: the logged-in user (a
/// press of "sign up" costs one statement less). The row is put in the loaded record
/// under `COMPANION`, for this request only: it is never written back.
pub struct Companion {
    /// Select-list columns after `s.data`; `$2` is the current unix time.
    pub columns: &'static str,
    /// Joins from `sessions s` (which has `s.user_id`, the session's user).
    pub joins: &'static str,
    /// The companion's value from a loaded row; `None` when there is none (nobody
    /// logged in, the user gone).
    pub decode: fn(&sqlx::any::AnyRow) -> Option<serde_json::Value>,
}

/// The record key the companion is kept under while a request runs.
pub const COMPANION: &str = "_read_with_session";

impl DbSessionStore {
    /// A store that reads `companion` with each session.
    pub fn with_companion(db: Db, companion: Companion) -> Self {
        let (columns, joins) = (companion.columns, companion.joins);
        let reads = SessionReads::start(db.clone(), move |ids| {
            format!("SELECT s.id AS session_id, s.data, {columns} FROM sessions s {joins} WHERE s.id IN ({ids}) AND s.expires_at > $2")
        });
        DbSessionStore { db, reads, companion: companion.decode }
    }

    /// Statements that have read sessions so far (reads arriving together share one).
    pub fn statements_run(&self) -> u64 {
        self.reads.statements_run()
    }

    /// Removes expired sessions; run now and then by the background worker.
    pub async fn delete_expired(&self) -> Result<u64, sqlx::Error> {
        let mut tx = self.db.begin_write().await?;
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(now()).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    /// Runs one statement in a write transaction.
    async fn write<'q>(&self, query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>) -> Result<u64, sqlx::Error> {
        let mut tx = self.db.begin_write().await?;
        let done = query.execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }
}

impl std::fmt::Debug for DbSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbSessionStore")
    }
}

/// Marks a store error caused by an unreachable database (the session layer keeps only
/// the error's text), so the request is answered "try again" rather than "our fault".
pub const UNREACHABLE: &str = "database unreachable";

fn backend(error: impl std::borrow::Borrow<sqlx::Error>) -> session_store::Error {
    let error = error.borrow();
    if crate::infra::db::is_unreachable(error) {
        session_store::Error::Backend(format!("{UNREACHABLE}: {error}"))
    } else {
        session_store::Error::Backend(error.to_string())
    }
}

/// A record as stored: without its companion; and the user it is logged in as.
fn stored(record: &Record) -> session_store::Result<(String, Option<i64>)> {
    let user_id = record.data.get(super::request::USER_ID).and_then(serde_json::Value::as_i64);
    let data = if record.data.contains_key(COMPANION) {
        let mut bare = record.clone();
        bare.data.remove(COMPANION);
        serde_json::to_string(&bare)
    } else {
        serde_json::to_string(record)
    };
    Ok((data.map_err(|e| session_store::Error::Encode(e.to_string()))?, user_id))
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // Ids are 128 random bits; a collision is astronomically unlikely, but never
        // overwrite someone else's session if it happens.
        loop {
            let (data, user_id) = stored(record)?;
            let insert = sqlx::query("INSERT INTO sessions (id, data, expires_at, user_id) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING")
                .bind(record.id.to_string())
                .bind(data)
                .bind(record.expiry_date.unix_timestamp())
                .bind(user_id);
            if self.write(insert).await.map_err(backend)? == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    /// Updates a session that still exists, never makes one: a request under way when
    /// its session ended (logged out, the account erased, swept once expired) must not
    /// bring it back by saving what it loaded before. New sessions come through `create`.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let (data, user_id) = stored(record)?;
        let update = sqlx::query("UPDATE sessions SET data = $2, expires_at = $3, user_id = $4 WHERE id = $1")
            .bind(record.id.to_string())
            .bind(data)
            .bind(record.expiry_date.unix_timestamp())
            .bind(user_id);
        self.write(update).await.map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        use sqlx::Row;
        let row = self.reads.read(id.to_string()).await.map_err(backend)?;
        let Some(row) = row else { return Ok(None) };
        let data: String = row.try_get("data").map_err(backend)?;
        let mut record: Record = serde_json::from_str(&data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        // Never one the client could have stored: a stored record has none.
        record.data.remove(COMPANION);
        if let Some(value) = (self.companion)(&row) {
            record.data.insert(COMPANION.to_string(), value);
        }
        Ok(Some(record))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.write(sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id.to_string())).await.map_err(backend)?;
        Ok(())
    }
}

/// The secret that signs session cookies when no `SESSION_SECRET` is set: `candidate`
/// the first time, kept in the database so every process and restart uses the same.
pub async fn stored_secret(db: &Db, candidate: &str) -> Result<String, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    sqlx::query("INSERT INTO settings (key, value) VALUES ('session_secret', $1) ON CONFLICT (key) DO NOTHING").bind(candidate).execute(&mut *tx).await?;
    let secret: String = sqlx::query_scalar("SELECT value FROM settings WHERE key = 'session_secret'").fetch_one(&mut *tx).await?;
    tx.commit().await?;
    Ok(secret)
}

//! Server-side sessions in the `sessions` table, so they survive a restart and are
//! shared by every app process on the same database. Writes go through the single
//! writer like every other write (`Db::begin_write`).
use super::clock::now;
use super::db::Db;
use async_trait::async_trait;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

#[derive(Clone)]
pub struct DbSessionStore {
    db: Db,
}

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        DbSessionStore { db }
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

fn backend(error: sqlx::Error) -> session_store::Error {
    if crate::infra::db::is_unreachable(&error) {
        session_store::Error::Backend(format!("{UNREACHABLE}: {error}"))
    } else {
        session_store::Error::Backend(error.to_string())
    }
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // Ids are 128 random bits; a collision is astronomically unlikely, but never
        // overwrite someone else's session if it happens.
        loop {
            let data = serde_json::to_string(&record).map_err(|e| session_store::Error::Encode(e.to_string()))?;
            let insert = sqlx::query("INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING")
                .bind(record.id.to_string())
                .bind(data)
                .bind(record.expiry_date.unix_timestamp());
            if self.write(insert).await.map_err(backend)? == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record).map_err(|e| session_store::Error::Encode(e.to_string()))?;
        let upsert = sqlx::query(
            "INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
        )
        .bind(record.id.to_string())
        .bind(data)
        .bind(record.expiry_date.unix_timestamp());
        self.write(upsert).await.map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let data: Option<String> = sqlx::query_scalar("SELECT data FROM sessions WHERE id = $1 AND expires_at > $2")
            .bind(id.to_string())
            .bind(now())
            .fetch_optional(&self.db.pool)
            .await
            .map_err(backend)?;
        data.map(|d| serde_json::from_str(&d).map_err(|e| session_store::Error::Decode(e.to_string())))
            .transpose()
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

//! The database handle: one binary, SQLite or PostgreSQL chosen by `DATABASE_URL`.
//!
//! All SQL is portable (`$N` placeholders, `RETURNING`, `ON CONFLICT`); the few things
//! that differ between the backends (how a write transaction begins, row locking,
//! migrations) live here.
use sqlx::any::{install_default_drivers, AnyPoolOptions};
use sqlx::{Any, AnyPool, Executor, Transaction};
use std::path::Path;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend of an open connection or transaction.
    pub fn of(conn: &sqlx::AnyConnection) -> Backend {
        if conn.backend_name().eq_ignore_ascii_case("postgresql") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// Row-lock clause for queue-claiming subqueries: lets several app processes drain
    /// the same queue on PostgreSQL. SQLite has one writer, so it needs none.
    pub fn skip_locked(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        }
    }

    /// Locks the row of table alias `e` against status changes while the transaction
    /// runs, without blocking other holders of this lock nor updates of counters
    /// (PostgreSQL `FOR KEY SHARE`). SQLite's single writer orders everything anyway.
    pub fn lock_against_status_change(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => "FOR KEY SHARE OF e",
        }
    }

    /// Locks the row of table alias `e` exclusively: waits for every transaction
    /// holding `lock_against_status_change` and keeps new ones out until commit.
    pub fn lock_for_status_change(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => "FOR UPDATE OF e",
        }
    }

    pub fn from_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

#[derive(Clone)]
pub struct Db {
    /// Reads go here. On SQLite, WAL lets many readers run beside the writer, and these
    /// connections are read-only (`PRAGMA query_only`): every write takes `begin_write`.
    pub pool: AnyPool,
    /// Write transactions go here. On SQLite this pool has one connection, so writers
    /// queue in the process instead of spinning on the file lock.
    writer: AnyPool,
    pub backend: Backend,
}

pub type Tx = Transaction<'static, Any>;

impl Db {
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, String> {
        install_default_drivers();
        let backend = Backend::from_url(url)
            .ok_or_else(|| format!("DATABASE_URL must start with sqlite: or postgres:// (got {url:?})"))?;
        match backend {
            Backend::Sqlite => {
                let url = sqlite_url_creating_file(url)?;
                let pool = sqlite_pool(&url, max_connections, true).await?;
                let writer = sqlite_pool(&url, 1, false).await?;
                Ok(Db { pool, writer, backend })
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect(url)
                    .await
                    .map_err(|e| format!("cannot connect to PostgreSQL at DATABASE_URL: {e}"))?;
                Ok(Db { writer: pool.clone(), pool, backend })
            }
        }
    }

    fn migrator(&self) -> sqlx::migrate::Migrator {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("migrations/postgres"),
        }
    }

    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        self.migrator().run(&self.writer).await
    }

    /// Whether the database has every migration this binary knows (a process started
    /// before a newer one migrated, or against a database nobody migrated, has not).
    pub async fn is_migrated(&self) -> Result<bool, sqlx::Error> {
        let expected = self.migrator().iter().map(|m| m.version).max().unwrap_or(0);
        let applied: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations").fetch_one(&self.pool).await?;
        Ok(applied.unwrap_or(0) >= expected)
    }

    /// Connections of the read pool in use, and the pool's size.
    pub fn pool_in_use(&self) -> (u32, u32) {
        let size = self.pool.size();
        (size.saturating_sub(self.pool.num_idle() as u32), size)
    }

    /// Starts a write transaction. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so a read-then-write never fails half-way with SQLITE_BUSY.
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.writer.begin().await,
        }
    }

    pub fn skip_locked(&self) -> &'static str {
        self.backend.skip_locked()
    }

    /// Row-lock clause that serialises transactions on one row without blocking inserts
    /// that merely reference it. SQLite's single writer already serialises them.
    pub fn row_lock(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => "FOR NO KEY UPDATE",
        }
    }

    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }
}

/// Adds `mode=rwc` (create if missing) and makes the parent folder, so a new user's
/// default `sqlite://data/tongcheng.db` just works.
fn sqlite_url_creating_file(url: &str) -> Result<String, String> {
    let path = url
        .trim_start_matches("sqlite:")
        .trim_start_matches("//")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Err("DATABASE_URL: SQLite needs a file path, e.g. sqlite://data/tongcheng.db".into());
    }
    if let Some(parent) = Path::new(path).parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("DATABASE_URL: cannot create folder {}: {e}", parent.display()))?;
    }
    if url.contains("mode=") {
        Ok(url.to_string())
    } else if url.contains('?') {
        Ok(format!("{url}&mode=rwc"))
    } else {
        Ok(format!("{url}?mode=rwc"))
    }
}

/// A pool of SQLite connections; `read_only` ones refuse every write, so nothing can
/// bypass the single writer.
async fn sqlite_pool(url: &str, max_connections: u32, read_only: bool) -> Result<AnyPool, String> {
    AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                // WAL: readers never block the writer. NORMAL sync is crash-safe in WAL
                // mode (a power cut can lose the last commits, a process crash cannot).
                for pragma in [
                    "PRAGMA journal_mode = WAL",
                    "PRAGMA synchronous = NORMAL",
                    "PRAGMA foreign_keys = ON",
                    "PRAGMA busy_timeout = 10000",
                ] {
                    conn.execute(pragma).await?;
                }
                if read_only {
                    conn.execute("PRAGMA query_only = ON").await?;
                }
                Ok(())
            })
        })
        .connect(url)
        .await
        .map_err(|e| format!("cannot open SQLite database at DATABASE_URL: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_comes_from_the_url_scheme() {
        assert_eq!(Backend::from_url("sqlite://data/x.db"), Some(Backend::Sqlite));
        assert_eq!(Backend::from_url("postgres://u:p@h/db"), Some(Backend::Postgres));
        assert_eq!(Backend::from_url("postgresql://h/db"), Some(Backend::Postgres));
        assert_eq!(Backend::from_url("mysql://h/db"), None);
    }

    #[test]
    fn sqlite_url_gets_create_mode() {
        let dir = std::env::temp_dir().join("tongcheng-db-url-test");
        let url = format!("sqlite://{}/a.db", dir.display());
        assert_eq!(sqlite_url_creating_file(&url).unwrap(), format!("{url}?mode=rwc"));
        assert!(dir.is_dir());
        assert!(sqlite_url_creating_file("sqlite::memory:").is_err());
    }
}

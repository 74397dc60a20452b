//! The database handle: one binary, SQLite or PostgreSQL chosen by `DATABASE_URL`
//! (what differs between them is in `dialect`), and its write transaction, which wakes
//! the outbox worker when it commits mail.
pub use super::dialect::Dialect;
use sqlx::any::{install_default_drivers, AnyPoolOptions};
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor, Transaction};
use crate::i18n::td_string;
use crate::infra::locale::terminal;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Changes a slow live stream may fall behind by before it skips to the newest state.
const CHANGES_WAITING: usize = 1024;

#[derive(Clone)]
pub struct Db {
    /// Reads go here. On SQLite, WAL lets many readers run beside the writer, and these
    /// connections are read-only (`PRAGMA query_only`): every write takes `begin_write`.
    pub pool: AnyPool,
    /// Write transactions go here. On SQLite this pool has one connection, so writers
    /// queue in the process instead of spinning on the file lock.
    writer: AnyPool,
    pub dialect: Dialect,
    /// Wakes the outbox worker when a transaction that queued mail commits.
    mail_waiting: Arc<Notify>,
    /// Events whose live state changed (their ids), for this process's live streams:
    /// told on commit, and by other processes through the database (`live::hub`).
    changes: tokio::sync::broadcast::Sender<i64>,
    /// Tells this database handle from every other one opened in this process.
    identity: usize,
}

/// Numbers handed to database handles as they open (`Db::identity`).
static OPENED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A write transaction. Reads and writes go through it as through a connection
/// (`&mut *tx`); committing it wakes the outbox worker if it queued mail.
pub struct Tx {
    inner: Transaction<'static, Any>,
    pub dialect: Dialect,
    mail_waiting: Arc<Notify>,
    queued_mail: bool,
    changes: tokio::sync::broadcast::Sender<i64>,
    changed: Vec<i64>,
}

impl Tx {
    /// The live state of `event` changes in this transaction: its streams hear of it
    /// once it commits (`live::hub::changed` records it for other processes).
    pub fn announce(&mut self, event: i64) {
        if !self.changed.contains(&event) {
            self.changed.push(event);
        }
    }

    /// Called by the outbox when it queues a message in this transaction.
    pub fn queued_mail(&mut self) {
        self.queued_mail = true;
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.inner.commit().await?;
        if self.queued_mail {
            self.mail_waiting.notify_one();
        }
        for event in self.changed {
            // Nobody listening is no error.
            let _ = self.changes.send(event);
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.inner.rollback().await
    }
}

impl std::ops::Deref for Tx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.inner
    }
}

impl Db {
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, String> {
        install_default_drivers();
        let dialect = Dialect::from_url(url)
            .ok_or_else(|| format!("DATABASE_URL: {}", td_string!(terminal(), email.cli.setting.database_url, got = format!("{url:?}"))))?;
        let mail_waiting = Arc::new(Notify::new());
        let (changes, _) = tokio::sync::broadcast::channel(CHANGES_WAITING);
        let identity = OPENED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        match dialect {
            Dialect::Sqlite => {
                let url = sqlite_url_creating_file(url)?;
                let pool = sqlite_pool(&url, max_connections, true).await?;
                let writer = sqlite_pool(&url, 1, false).await?;
                Ok(Db { pool, writer, dialect, mail_waiting, changes, identity })
            }
            Dialect::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    // No ping before every use: it cost a round trip per statement's
                    // connection. A connection the server dropped fails its next query
                    // (503, `AppError::Unavailable`) and is replaced.
                    .test_before_acquire(false)
                    .connect(url)
                    .await
                    .map_err(|e| format!("DATABASE_URL: {}", td_string!(terminal(), email.cli.setting.connect_postgres, error = e)))?;
                Ok(Db { writer: pool.clone(), pool, dialect, mail_waiting, changes, identity })
            }
        }
    }

    /// The same database through `count` connections of its own (named `name` in
    /// `pg_stat_activity`), kept open however long they idle; call it inside the runtime
    /// that will use them, so that their sockets belong to it (the pool's housekeeping
    /// goes there too), and open them with `open_all`; one idle over `ping_after_idle` is
    /// pinged before use. `None` on SQLite, which keeps its one writer.
    pub fn with_own_connections(&self, count: u32, name: &str, ping_after_idle: Duration) -> Option<Db> {
        match self.dialect {
            Dialect::Sqlite => None,
            Dialect::Postgres => {
                let mut connect = (*self.pool.connect_options()).clone();
                let url = &mut connect.database_url;
                let kept: Vec<(String, String)> =
                    url.query_pairs().filter(|(key, _)| key != "application_name").map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
                url.query_pairs_mut().clear().extend_pairs(kept).append_pair("application_name", name);
                // Never closed for idling (opened ahead by `open_all`), so one idle for a
                // while is tried first: the server may have restarted meanwhile, and a
                // dead connection would fail the turn that drew it. Busy ones go untried.
                let pool = self
                    .pool
                    .options()
                    .clone()
                    .max_connections(count)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .before_acquire(move |connection, meta| {
                        Box::pin(async move {
                            if meta.idle_for > ping_after_idle {
                                sqlx::Connection::ping(connection).await?;
                            }
                            Ok(true)
                        })
                    })
                    .connect_lazy_with(connect);
                Some(Db { writer: pool.clone(), pool, ..self.clone() })
            }
        }
    }

    /// Opens every connection the pool may hold (`with_own_connections`) and has each plan
    /// a statement over `tables`, so the server has read their definitions into that
    /// connection's caches: the first real statements then need neither. What failed to
    /// open is logged; it opens when first used.
    pub async fn open_all(&self, tables: &[&str]) {
        let count = self.pool.options().get_max_connections() as usize;
        let warm = format!("SELECT 1 FROM {} WHERE false", tables.join(", "));
        let opened = futures::future::join_all((0..count).map(|_| self.pool.acquire())).await;
        for connection in opened {
            let warmed = match connection {
                Ok(mut connection) => sqlx::query(&warm).persistent(false).execute(&mut *connection).await.map(|_| ()),
                Err(error) => Err(error),
            };
            match warmed {
                // The app stopped meanwhile.
                Ok(()) | Err(sqlx::Error::PoolClosed) => {}
                Err(error) => tracing::warn!(%error, "a connection opened ahead of use failed"),
            }
        }
    }

    fn migrator(&self) -> sqlx::migrate::Migrator {
        match self.dialect {
            Dialect::Sqlite => sqlx::migrate!("migrations/sqlite"),
            Dialect::Postgres => sqlx::migrate!("migrations/postgres"),
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

    /// Starts a write transaction (see `Dialect::begin_write`).
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        let inner = self.writer.begin_with(self.dialect.begin_write()).await?;
        Ok(Tx { inner, dialect: self.dialect, mail_waiting: self.mail_waiting.clone(), queued_mail: false, changes: self.changes.clone(), changed: Vec::new() })
    }

    /// Hears of every event whose live state changes in this process (or, told by
    /// `announce_elsewhere`, in another).
    pub fn live_changes(&self) -> tokio::sync::broadcast::Receiver<i64> {
        self.changes.subscribe()
    }

    /// Another process changed `event`'s live state (heard through the database).
    pub fn announce_elsewhere(&self, event: i64) {
        let _ = self.changes.send(event);
    }

    /// Tells one database handle (and its process's streams and caches) from another in
    /// the same process; never reused, unlike an address.
    pub fn identity(&self) -> usize {
        self.identity
    }

    /// What the outbox worker waits on between rounds.
    pub fn mail_waiting(&self) -> Arc<Notify> {
        self.mail_waiting.clone()
    }

    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }
}

/// Copies a live SQLite database to `path` with `VACUUM INTO`: one read transaction, so
/// the copy is consistent, on its own connection, so the site's writer is not held up.
pub async fn backup_sqlite(database_url: &str, path: &Path) -> Result<(), String> {
    use sqlx::Connection;
    if Dialect::from_url(database_url) != Some(Dialect::Sqlite) {
        return Err(td_string!(terminal(), email.cli.setting.backup_postgres).into());
    }
    if path.exists() {
        return Err(format!("backup: {}", td_string!(terminal(), email.cli.setting.backup_exists, path = path.display())));
    }
    install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(database_url).await.map_err(|e| td_string!(terminal(), email.cli.setting.backup_open, error = e).to_string())?;
    sqlx::query("VACUUM INTO $1")
        .bind(path.to_string_lossy().into_owned())
        .execute(&mut conn)
        .await
        .map_err(|e| format!("backup: {}", td_string!(terminal(), email.cli.setting.backup_failed, path = path.display(), error = e)))?;
    conn.close().await.map_err(|e| e.to_string())
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
        return Err(format!("DATABASE_URL: {}", td_string!(terminal(), email.cli.setting.sqlite_path)));
    }
    if let Some(parent) = Path::new(path).parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("DATABASE_URL: {}", td_string!(terminal(), email.cli.setting.create_folder, path = parent.display(), error = e)))?;
    }
    if url.contains("mode=") {
        Ok(url.to_string())
    } else if url.contains('?') {
        Ok(format!("{url}&mode=rwc"))
    } else {
        Ok(format!("{url}?mode=rwc"))
    }
}

/// Whether a database error means the database is out of reach (connection lost or
/// refused, no connection free in time, an SQLite file still locked when its busy
/// timeout ran out) rather than a fault in what was asked: the user is asked to try
/// again, with 503, not told of an error of ours.
pub fn is_unreachable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_) => true,
        // SQLITE_BUSY and its extended codes (BUSY_RECOVERY, BUSY_SNAPSHOT, BUSY_TIMEOUT).
        sqlx::Error::Database(e) => e
            .try_downcast_ref::<sqlx::sqlite::SqliteError>()
            .and_then(|e| sqlx::error::DatabaseError::code(e))
            .and_then(|code| code.parse::<i32>().ok())
            .is_some_and(|code| code & 0xff == 5),
        _ => false,
    }
}

/// A pool of SQLite connections; `read_only` ones refuse every write, so nothing can
/// bypass the single writer.
async fn sqlite_pool(url: &str, max_connections: u32, read_only: bool) -> Result<AnyPool, String> {
    AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(30))
        // An in-process database does not drop connections: no ping before each use.
        .test_before_acquire(false)
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
        // A timer dropped at shutdown between sqlx's BEGIN and the `Transaction` it makes
        // leaves its connection inside a transaction nobody can end (the next BEGIN
        // fails); such a connection is closed, which rolls it back, never lent again.
        .after_release(|conn, _meta| {
            Box::pin(async move {
                if conn.is_in_transaction() {
                    // A dropped `Transaction` queued its rollback: let it run first.
                    conn.ping().await?;
                }
                let stuck = conn.is_in_transaction();
                if stuck {
                    tracing::warn!("a database connection came back inside a transaction; closed, which rolls it back");
                }
                Ok(!stuck)
            })
        })
        .connect(url)
        .await
        .map_err(|e| format!("DATABASE_URL: {}", td_string!(terminal(), email.cli.setting.open_sqlite, error = e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_url_gets_create_mode() {
        let dir = std::env::temp_dir().join("tongcheng-db-url-test");
        let url = format!("sqlite://{}/a.db", dir.display());
        assert_eq!(sqlite_url_creating_file(&url).unwrap(), format!("{url}?mode=rwc"));
        assert!(dir.is_dir());
        assert!(sqlite_url_creating_file("sqlite::memory:").is_err());
    }

    /// As when a timer is dropped at shutdown after BEGIN ran but before sqlx made the
    /// `Transaction` that would roll it back.
    #[tokio::test]
    async fn a_connection_left_inside_a_transaction_is_not_lent_again() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&format!("sqlite://{}/a.db", dir.path().display()), 2).await.unwrap();
        db.writer.execute("CREATE TABLE t (x INTEGER)").await.unwrap();
        let mut conn = db.writer.acquire().await.unwrap();
        let mut abandoned = conn.begin_with(db.dialect.begin_write()).await.unwrap();
        abandoned.execute("INSERT INTO t VALUES (1)").await.unwrap();
        std::mem::forget(abandoned);
        drop(conn);

        let mut tx = db.begin_write().await.expect("the next write begins");
        tx.execute("INSERT INTO t VALUES (2)").await.unwrap();
        tx.commit().await.unwrap();
        let rows: Vec<i64> = sqlx::query_scalar("SELECT x FROM t").fetch_all(&db.pool).await.unwrap();
        assert_eq!(rows, vec![2], "the abandoned write was rolled back");
    }

    /// A transaction dropped the usual way keeps its connection (the one writer is not
    /// reopened after every write that gave up).
    #[tokio::test]
    async fn a_dropped_transaction_keeps_its_connection() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&format!("sqlite://{}/a.db", dir.path().display()), 2).await.unwrap();
        // A temporary table lives only as long as its connection.
        db.writer.execute("CREATE TEMP TABLE only_here (x INTEGER)").await.unwrap();
        let mut given_up = db.begin_write().await.unwrap();
        given_up.execute("INSERT INTO only_here VALUES (1)").await.unwrap();
        drop(given_up);
        let mut tx = db.begin_write().await.unwrap();
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM temp.only_here").fetch_one(&mut *tx).await.expect("the same connection");
        assert_eq!(rows, 0, "rolled back");
    }
}

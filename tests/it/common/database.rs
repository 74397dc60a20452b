//! Each test's own database: a SQLite file in a temporary folder, or a PostgreSQL
//! database created for it and dropped after it.
use super::Backend;
use std::sync::atomic::{AtomicU32, Ordering};

/// A fresh, empty database; the SQLite folder lives as long as this does.
pub struct TestDatabase {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

/// A test's PostgreSQL database goes with the test: hundreds left behind slowed the
/// server for everything after (autovacuum visits each). Dropped on a thread of its own
/// so the test does not wait; a failed test's is kept to look into. What a run leaves
/// (its last drops, failures) the next run sweeps (`sweep_left_databases`).
impl Drop for TestDatabase {
    fn drop(&mut self) {
        // SQLite's file goes with its temporary directory.
        if self._dir.is_some() || std::thread::panicking() {
            return;
        }
        if let Some(name) = self.url.rsplit_once('/').map(|(_, n)| n.to_string()) {
            std::thread::spawn(move || drop_databases(&[name]));
        }
    }
}

/// Drops these test databases, saying why when it cannot (the run goes on).
fn drop_databases(names: &[String]) {
    use sqlx::Connection;
    let Ok(admin) = std::env::var("TEST_POSTGRES_URL") else { return };
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
    runtime.block_on(async {
        let mut conn = match sqlx::PgConnection::connect(&admin).await {
            Ok(conn) => conn,
            Err(e) => return eprintln!("test databases {names:?} not dropped: {e}"),
        };
        for name in names {
            if let Err(e) = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await {
                eprintln!("test database {name} not dropped: {e}");
            }
        }
    });
}

/// Once per test run: drops the test databases of runs whose process has ended
/// (`tongcheng_test_<pid>_<n>`), on a thread of its own.
fn sweep_left_databases() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::thread::spawn(|| {
            use sqlx::Connection;
            let Ok(admin) = std::env::var("TEST_POSTGRES_URL") else { return };
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            let names: Vec<String> = runtime.block_on(async {
                let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await else { return Vec::new() };
                sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'tongcheng\\_test\\_%'").fetch_all(&mut conn).await.unwrap_or_default()
            });
            let ended = |name: &&String| name.split('_').nth(2).and_then(|pid| pid.parse::<u32>().ok()).is_some_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists());
            let left: Vec<String> = names.iter().filter(ended).cloned().collect();
            drop(runtime);
            drop_databases(&left);
        });
    });
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub async fn fresh_database(backend: Backend) -> TestDatabase {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}/test.db", dir.path().display());
            TestDatabase { url, _dir: Some(dir) }
        }
        Backend::Postgres => {
            use sqlx::Connection;
            let admin = std::env::var("TEST_POSTGRES_URL").expect(
                "TEST_POSTGRES_URL is not set: run the README's test command (scripts/test.sh), \
                 which starts PostgreSQL and sets it",
            );
            sweep_left_databases();
            let name = format!("tongcheng_test_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
            let mut conn = sqlx::PgConnection::connect(&admin).await.expect("connect to TEST_POSTGRES_URL");
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create test database");
            let base = admin.rsplit_once('/').map(|(b, _)| b).expect("TEST_POSTGRES_URL has a database name");
            TestDatabase { url: format!("{base}/{name}"), _dir: None }
        }
    }
}

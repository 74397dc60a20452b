//! What the benchmark examples share: a fresh database on either backend.

/// A fresh database: a SQLite file in `dir`, or the PostgreSQL database `tongcheng_bench`
/// (or BENCH_DATABASE, so that two benchmarks can run side by side) recreated on
/// BENCH_POSTGRES_URL's server.
pub async fn database_url(backend: &str, dir: &std::path::Path) -> String {
    match backend {
        "sqlite" => format!("sqlite://{}/bench.db", dir.display()),
        _ => {
            use sqlx::Connection;
            let admin = std::env::var("BENCH_POSTGRES_URL").expect("BENCH_POSTGRES_URL");
            let name = std::env::var("BENCH_DATABASE").unwrap_or_else(|_| "tongcheng_bench".into());
            assert!(name.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "BENCH_DATABASE: lowercase letters and _ only");
            let mut conn = sqlx::PgConnection::connect(&admin).await.expect("connect");
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&mut conn).await.expect("drop");
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create");
            format!("{}/{name}", admin.rsplit_once('/').expect("db name").0)
        }
    }
}

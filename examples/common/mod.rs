//! What the benchmark examples share: a fresh database on either backend.

/// A fresh database: a SQLite file in `dir`, or the PostgreSQL database `tongcheng_bench`
/// recreated on BENCH_POSTGRES_URL's server.
pub async fn database_url(backend: &str, dir: &std::path::Path) -> String {
    match backend {
        "sqlite" => format!("sqlite://{}/bench.db", dir.display()),
        _ => {
            use sqlx::Connection;
            let admin = std::env::var("BENCH_POSTGRES_URL").expect("BENCH_POSTGRES_URL");
            let mut conn = sqlx::PgConnection::connect(&admin).await.expect("connect");
            sqlx::query("DROP DATABASE IF EXISTS tongcheng_bench").execute(&mut conn).await.expect("drop");
            sqlx::query("CREATE DATABASE tongcheng_bench").execute(&mut conn).await.expect("create");
            format!("{}/tongcheng_bench", admin.rsplit_once('/').expect("db name").0)
        }
    }
}

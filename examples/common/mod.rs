//! What the benchmark programs share: a fresh database and percentiles.
#![allow(dead_code)] // each benchmark uses its part
use std::time::Duration;

/// A fresh database for `backend`: a file in `dir` for SQLite; for PostgreSQL the
/// database BENCH_DATABASE (`tongcheng_bench` by default), recreated through
/// BENCH_POSTGRES_URL (an admin URL).
pub async fn database_url(backend: &str, dir: &std::path::Path) -> String {
    match backend {
        "sqlite" => format!("sqlite://{}/bench.db", dir.display()),
        "postgres" => {
            use sqlx::Connection;
            let admin = std::env::var("BENCH_POSTGRES_URL").expect("BENCH_POSTGRES_URL");
            let name = std::env::var("BENCH_DATABASE").unwrap_or_else(|_| "tongcheng_bench".into());
            assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "BENCH_DATABASE: letters, digits and _");
            let mut conn = sqlx::PgConnection::connect(&admin).await.expect("connect");
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&mut conn).await.expect("drop");
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create");
            format!("{}/{name}", admin.rsplit_once('/').expect("db name").0)
        }
        other => panic!("unknown backend {other}"),
    }
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// A table row: label, median, p90, p99.
pub fn row(label: &str, mut times: Vec<Duration>) {
    times.sort();
    println!("| {label} | {} | {} | {} |", ms(percentile(&times, 0.5)), ms(percentile(&times, 0.9)), ms(percentile(&times, 0.99)));
}

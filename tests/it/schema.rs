//! The two migration sets (migrations/sqlite, migrations/postgres) must build the same
//! schema: every table with the same columns, of matching types and nullability.
use crate::common;

use common::{fresh_database, Backend};
use std::collections::BTreeSet;
use tongcheng::infra::db::Db;

/// (table, column, type family, NOT NULL)
type Column = (String, String, &'static str, bool);

fn family(declared: &str) -> &'static str {
    match declared.to_ascii_lowercase().as_str() {
        "integer" | "bigint" | "int" | "int8" | "int4" | "smallint" => "integer",
        "text" | "character varying" | "varchar" => "text",
        "real" | "double precision" | "float8" => "real",
        "blob" | "bytea" => "bytes",
        "boolean" | "bool" => "boolean",
        _ => "other",
    }
}

async fn columns(backend: Backend) -> BTreeSet<Column> {
    let database = fresh_database(backend).await;
    let db = Db::connect(&database.url, 2).await.expect("connect");
    db.migrate().await.expect("migrate");
    let rows: Vec<(String, String, String, i64)> = match backend {
        Backend::Sqlite => sqlx::query_as(
            "SELECT m.name, p.name, p.type, CASE WHEN p.\"notnull\" = 1 OR p.pk > 0 THEN 1 ELSE 0 END \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
        ),
        Backend::Postgres => sqlx::query_as(
            "SELECT table_name::text, column_name::text, data_type::text, CASE WHEN is_nullable = 'NO' THEN 1 ELSE 0 END::bigint \
             FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'",
        ),
    }
    .fetch_all(&db.pool)
    .await
    .expect("list columns");
    db.close().await;
    rows.into_iter().map(|(table, column, declared, not_null)| (table, column, family(&declared), not_null == 1)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_migration_sets_build_the_same_schema() {
    let sqlite = columns(Backend::Sqlite).await;
    let postgres = columns(Backend::Postgres).await;
    assert!(sqlite.len() > 50, "the schema was read: {} columns", sqlite.len());
    let only_sqlite: Vec<&Column> = sqlite.difference(&postgres).collect();
    let only_postgres: Vec<&Column> = postgres.difference(&sqlite).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "the migration sets drifted apart\n only in SQLite: {only_sqlite:#?}\n only in PostgreSQL: {only_postgres:#?}"
    );
}

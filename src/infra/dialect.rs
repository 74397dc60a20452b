//! Everything that differs between SQLite and PostgreSQL, in one place. The rest of the
//! SQL is portable (`$N` placeholders, `RETURNING`, `ON CONFLICT`); domain code asks the
//! dialect of its transaction for these fragments and never names a backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    pub fn from_url(url: &str) -> Option<Dialect> {
        if url.starts_with("sqlite:") {
            Some(Dialect::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Dialect::Postgres)
        } else {
            None
        }
    }

    /// The dialect of an open connection.
    pub fn of(conn: &sqlx::AnyConnection) -> Dialect {
        if conn.backend_name().eq_ignore_ascii_case("postgresql") {
            Dialect::Postgres
        } else {
            Dialect::Sqlite
        }
    }

    /// How a write transaction begins. SQLite takes the write lock at once, so a
    /// read-then-write never fails half-way with SQLITE_BUSY.
    pub fn begin_write(self) -> &'static str {
        match self {
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::Postgres => "BEGIN",
        }
    }

    /// Row-lock clause for queue-claiming subqueries: lets several app processes drain
    /// the same queue on PostgreSQL. SQLite has one writer, so it needs none.
    pub fn skip_locked(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => "FOR UPDATE SKIP LOCKED",
        }
    }

    /// Serialises transactions on one row without blocking inserts that merely
    /// reference it.
    pub fn row_lock(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => "FOR NO KEY UPDATE",
        }
    }

    /// Locks the row of table alias `e` against status changes while the transaction
    /// runs, without blocking other holders of this lock nor updates of counters
    /// (PostgreSQL `FOR KEY SHARE`). SQLite's single writer orders everything anyway.
    pub fn lock_against_status_change(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => "FOR KEY SHARE OF e",
        }
    }

    /// Locks the row of table alias `e` exclusively: waits for every transaction
    /// holding `lock_against_status_change` and keeps new ones out until commit.
    pub fn lock_for_status_change(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => "FOR UPDATE OF e",
        }
    }

    /// Locks the row of table alias `e` against its update (`drawn_at` by the draw)
    /// without blocking other holders: an application waits for a draw under way, and
    /// the draw for applications under way (PostgreSQL `FOR SHARE`).
    pub fn lock_shared(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => "FOR SHARE OF e",
        }
    }

    /// Holds the rows a statement read until commit: a change to them (ending an
    /// officer's term) waits for the transaction that relied on them. SQLite's single
    /// writer already orders them.
    pub fn hold_rows(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => "FOR SHARE",
        }
    }

    /// A fresh random secret, as an SQL expression evaluated per row, in hex: 128 random
    /// bits (SQLite's `randomblob`), or a random UUID's 122 (PostgreSQL).
    pub fn random_token(self) -> &'static str {
        match self {
            Dialect::Sqlite => "lower(hex(randomblob(16)))",
            Dialect::Postgres => "replace(CAST(gen_random_uuid() AS TEXT), '-', '')",
        }
    }

    /// Turns off, for the rest of the transaction, PostgreSQL's compiling of queries it
    /// estimates as costly (one large read pays ~0.1 s of compilation to save less).
    pub fn without_jit(self) -> Option<&'static str> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some("SET LOCAL jit = off"),
        }
    }

    /// A JSON array of integer arrays bound as `param` (`[[7, 3], [9, 4]]`), as a table
    /// for `FROM`: column `n` numbers the rows from 1 in array order, `c0`, `c1`, … are
    /// the integers of each row. One bound text instead of a parameter per value (binding
    /// hundreds of thousands of values one by one costs seconds).
    pub fn json_rows(self, param: &str, columns: usize) -> String {
        let values: Vec<String> = (0..columns)
            .map(|c| match self {
                Dialect::Sqlite => format!("value ->> {c} AS c{c}"),
                Dialect::Postgres => format!("CAST(v ->> {c} AS BIGINT) AS c{c}"),
            })
            .collect();
        match self {
            Dialect::Sqlite => format!("(SELECT key + 1 AS n, {} FROM json_each({param}))", values.join(", ")),
            Dialect::Postgres => format!("(SELECT n, {} FROM json_array_elements(CAST({param} AS json)) WITH ORDINALITY AS t (v, n))", values.join(", ")),
        }
    }

    /// `ids` as one value to bind for `in_id_list`.
    pub fn id_list(self, ids: &[i64]) -> String {
        let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
        match self {
            Dialect::Postgres => format!("{{{}}}", ids.join(",")),
            Dialect::Sqlite => format!("[{}]", ids.join(",")),
        }
    }

    /// "is one of the list bound at `param`" (made by `id_list`), found by an index:
    /// PostgreSQL plans an array's members as index lookups, where a set of rows from
    /// JSON may be guessed small and joined by scanning the whole table.
    pub fn in_id_list(self, param: &str) -> String {
        match self {
            Dialect::Postgres => format!("= ANY(CAST({param} AS BIGINT[]))"),
            Dialect::Sqlite => format!("IN (SELECT value FROM json_each({param}))"),
        }
    }

    /// Locks the row of table alias `e` for an update of its counters: other such
    /// updates wait, holders of `lock_against_status_change` do not (PostgreSQL
    /// `FOR NO KEY UPDATE`, what the `UPDATE` itself would take).
    pub fn lock_for_counters(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => "FOR NO KEY UPDATE OF e",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialect_comes_from_the_url_scheme() {
        assert_eq!(Dialect::from_url("sqlite://data/x.db"), Some(Dialect::Sqlite));
        assert_eq!(Dialect::from_url("postgres://u:p@h/db"), Some(Dialect::Postgres));
        assert_eq!(Dialect::from_url("postgresql://h/db"), Some(Dialect::Postgres));
        assert_eq!(Dialect::from_url("mysql://h/db"), None);
    }
}

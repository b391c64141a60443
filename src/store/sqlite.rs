//! The embedded store: one SQLite file (`.promptctl/store.db` by default), created on first
//! use. A change set runs in one `BEGIN IMMEDIATE` transaction, so two applies never
//! interleave: the second waits for the first and then finds its preconditions changed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Connection, Sqlite, Transaction};

use super::sql::{self, AuditRow, CHUNK, SqlValue, WriteTx};
use super::{
    ApplyOutcome, AuditEntry, ChangeSet, LiveRow, Progress, Snapshot, Store, StoreError,
    export::Restore, new_id, now_ms,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

pub struct SqliteStore {
    pool: SqlitePool,
    path: PathBuf,
}

impl SqliteStore {
    /// Open (creating if needed) the store file at `path`.
    pub async fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let open_error = |message: String| StoreError::Open {
            url: format!("sqlite:{}", path.display()),
            message,
        };
        if let Some(parent) = path.parent()
            && !parent.as_os_str().is_empty()
        {
            fs_err::create_dir_all(parent).map_err(|e| open_error(e.to_string()))?;
        }
        let options = SqliteConnectOptions::from_str("sqlite:")
            .map_err(|e| open_error(e.to_string()))?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: an apply that said "complete" survives a power cut; it costs one fsync.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(60))
            // 64 MiB of page cache (used only as needed): a 10,000-row change set then stays in
            // memory until commit instead of spilling pages to the WAL and reading them back.
            .pragma("cache_size", "-65536");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|e| open_error(e.to_string()))?;
        MIGRATOR.run(&pool).await?;
        sqlx::query(
            "INSERT OR IGNORE INTO store_meta (id, store_id, revision, created_at) VALUES (1, $1, 0, $2)",
        )
        .bind(new_id())
        .bind(now_ms())
        .execute(&pool)
        .await?;
        Ok(SqliteStore {
            pool,
            path: path.to_path_buf(),
        })
    }
}

/// `$1, $2, …` → `?, ?, …`. The shared SQL numbers its placeholders in order of first and
/// only use; SQLite looks named and numbered parameters up in a list, which costs O(n) a
/// bind and made a 900-value statement quadratic, while plain `?` binds in O(1).
fn positional(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    let mut expected = 1u32;
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            let mut number = 0u32;
            while let Some(digit) = chars.peek().and_then(|d| d.to_digit(10)) {
                number = number * 10 + digit;
                chars.next();
            }
            debug_assert_eq!(
                number, expected,
                "placeholders must be numbered in order: {sql}"
            );
            expected += 1;
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

/// A write transaction on the store file.
struct SqliteTx<'c>(Transaction<'c, Sqlite>);

#[async_trait]
impl WriteTx for SqliteTx<'_> {
    async fn execute(&mut self, sql: &str, values: Vec<SqlValue>) -> Result<u64, sqlx::Error> {
        // Our SQL is built from constants and `$n` placeholders only; values are bound.
        let mut query = sqlx::query(AssertSqlSafe(positional(sql)));
        for value in values {
            query = match value {
                SqlValue::Text(v) => query.bind(v),
                SqlValue::Int(v) => query.bind(v),
                SqlValue::Real(v) => query.bind(v),
                SqlValue::Bool(v) => query.bind(v),
            };
        }
        Ok(query.execute(&mut *self.0).await?.rows_affected())
    }

    async fn rows_by_id(&mut self, ids: &[&str]) -> Result<HashMap<String, LiveRow>, sqlx::Error> {
        let mut rows = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(CHUNK) {
            let sql = positional(&sql::select_by_ids(chunk.len()));
            let mut query = sqlx::query_as::<_, LiveRow>(AssertSqlSafe(sql));
            for id in chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(&mut *self.0).await? {
                rows.insert(row.id.clone(), row);
            }
        }
        Ok(rows)
    }

    async fn production_versions(
        &mut self,
        names: &[&str],
    ) -> Result<Vec<(String, String)>, sqlx::Error> {
        let mut versions = Vec::new();
        for chunk in names.chunks(CHUNK) {
            let sql = positional(&sql::select_production_versions(chunk.len()));
            let mut query = sqlx::query_as::<_, (String, String)>(AssertSqlSafe(sql));
            for name in chunk {
                query = query.bind(*name);
            }
            versions.extend(query.fetch_all(&mut *self.0).await?);
        }
        Ok(versions)
    }

    async fn meta(&mut self) -> Result<(String, i64), sqlx::Error> {
        // BEGIN IMMEDIATE already holds the write lock.
        sqlx::query_as("SELECT store_id, revision FROM store_meta WHERE id = 1")
            .fetch_one(&mut *self.0)
            .await
    }

    async fn applied_outcome(&mut self, key: &str) -> Result<Option<String>, sqlx::Error> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT outcome FROM applied_changesets WHERE key = $1")
                .bind(key)
                .fetch_optional(&mut *self.0)
                .await?;
        Ok(row.map(|(outcome,)| outcome))
    }

    async fn count_rows(&mut self) -> Result<i64, sqlx::Error> {
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM ai_prompts")
            .fetch_one(&mut *self.0)
            .await?;
        Ok(count)
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn location(&self) -> String {
        format!("sqlite:{}", self.path.display())
    }

    async fn snapshot(&self) -> Result<Snapshot, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let mut tx = conn.begin().await?;
        let (store_id, revision) =
            sqlx::query_as("SELECT store_id, revision FROM store_meta WHERE id = 1")
                .fetch_one(&mut *tx)
                .await?;
        let rows = sqlx::query_as::<_, LiveRow>(AssertSqlSafe(sql::select_all()))
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Snapshot {
            store_id,
            revision,
            rows,
        })
    }

    async fn revision(&self) -> Result<i64, StoreError> {
        let (revision,): (i64,) = sqlx::query_as("SELECT revision FROM store_meta WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(revision)
    }

    async fn apply(
        &self,
        changes: &ChangeSet,
        progress: Progress<'_>,
    ) -> Result<ApplyOutcome, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let mut tx = SqliteTx(conn.begin_with("BEGIN IMMEDIATE").await?);
        let outcome = sql::apply_in(&mut tx, changes, progress).await?;
        tx.0.commit().await?;
        Ok(outcome)
    }

    async fn history(
        &self,
        prompt_name: Option<&str>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows: Vec<AuditRow> = match prompt_name {
            Some(name) => {
                sqlx::query_as(AssertSqlSafe(format!(
                    "{} WHERE prompt_name = $1 ORDER BY seq DESC LIMIT $2",
                    sql::AUDIT_SELECT
                )))
                .bind(name)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query_as(AssertSqlSafe(format!(
                    "{} ORDER BY seq DESC LIMIT $1",
                    sql::AUDIT_SELECT
                )))
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
        };
        Ok(rows.into_iter().map(AuditRow::into_entry).collect())
    }

    async fn restore(
        &self,
        restore: &Restore,
        actor: &str,
        force: bool,
    ) -> Result<i64, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let mut tx = SqliteTx(conn.begin_with("BEGIN IMMEDIATE").await?);
        let revision = sql::restore_in(&mut tx, restore, actor, force).await?;
        tx.0.commit().await?;
        Ok(revision)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_become_positional() {
        assert_eq!(
            super::positional("a = $1, b = $2 WHERE c IN ($3, $4)"),
            "a = ?, b = ? WHERE c IN (?, ?)"
        );
        assert_eq!(super::positional("cost $ 5"), "cost $ 5");
    }
}

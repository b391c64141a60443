//! The production store: PostgreSQL. A change set locks the store's one `store_meta` row
//! first, so change sets — from any number of processes or servers on the database — apply
//! one after another and every precondition is checked against the rows as they are.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{AssertSqlSafe, Postgres, Transaction};

use super::sql::{self, AuditRow, CHUNK, SqlValue, WriteTx};
use super::{
    ApplyOutcome, AuditEntry, ChangeSet, LiveRow, Progress, Snapshot, Store, StoreError,
    export::Restore, new_id, now_ms,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

pub struct PostgresStore {
    pool: PgPool,
    /// The URL without its password, for messages.
    location: String,
}

impl PostgresStore {
    /// Connect, create the tables if needed, and give a new store its id.
    pub async fn open(url: &str) -> Result<PostgresStore, StoreError> {
        let location = redact(url);
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(|e| StoreError::Open {
                url: location.clone(),
                message: e.to_string(),
            })?;
        MIGRATOR.run(&pool).await?;
        sqlx::query(
            "INSERT INTO store_meta (id, store_id, revision, created_at) VALUES (1, $1, 0, $2) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(new_id())
        .bind(now_ms())
        .execute(&pool)
        .await?;
        Ok(PostgresStore { pool, location })
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((credentials, host)) if credentials.contains(':') => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        _ => url.to_owned(),
    }
}

/// A write transaction on the database.
struct PgTx<'c>(Transaction<'c, Postgres>);

#[async_trait]
impl WriteTx for PgTx<'_> {
    async fn execute(&mut self, sql: &str, values: Vec<SqlValue>) -> Result<u64, sqlx::Error> {
        // Our SQL is built from constants and `$n` placeholders only; values are bound.
        let mut query = sqlx::query(AssertSqlSafe(sql.to_owned()));
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
            let sql = sql::select_by_ids(chunk.len());
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
            let sql = sql::select_production_versions(chunk.len());
            let mut query = sqlx::query_as::<_, (String, String)>(AssertSqlSafe(sql));
            for name in chunk {
                query = query.bind(*name);
            }
            versions.extend(query.fetch_all(&mut *self.0).await?);
        }
        Ok(versions)
    }

    async fn meta(&mut self) -> Result<(String, i64), sqlx::Error> {
        sqlx::query_as("SELECT store_id, revision FROM store_meta WHERE id = 1 FOR UPDATE")
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
impl Store for PostgresStore {
    fn location(&self) -> String {
        self.location.clone()
    }

    async fn snapshot(&self) -> Result<Snapshot, StoreError> {
        // REPEATABLE READ: the rows and the revision are of one moment.
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut *tx)
            .await?;
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
        let mut tx = PgTx(self.pool.begin().await?);
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
        let mut tx = PgTx(self.pool.begin().await?);
        let revision = sql::restore_in(&mut tx, restore, actor, force).await?;
        tx.0.commit().await?;
        Ok(revision)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact("postgres://u:pw@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact("postgres://h/db"), "postgres://h/db");
    }
}

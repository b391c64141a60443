//! The production store: PostgreSQL. A change set locks the store's one `store_meta` row
//! first, so change sets — from any number of processes or servers on the database — apply
//! one after another and every precondition is checked against the rows as they are.

use std::time::Duration;

use sqlx::Postgres;
use sqlx::postgres::PgPoolOptions;

use super::sql::store::{Dialect, SqlStore};
use super::{StoreError, new_id, now_ms};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A store in a PostgreSQL database.
pub type PostgresStore = SqlStore<Postgres>;

impl Dialect for Postgres {
    fn spell(sql: &str) -> String {
        sql.to_owned()
    }
    const BEGIN_WRITE: &'static str = "BEGIN";
    const LOCK_META: &'static str =
        "SELECT store_id, revision FROM store_meta WHERE id = 1 FOR UPDATE";
    // REPEATABLE READ: the rows and the revision are of one moment.
    const BEGIN_SNAPSHOT: &'static str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

    fn rows_affected(result: &Self::QueryResult) -> u64 {
        result.rows_affected()
    }
}

impl SqlStore<Postgres> {
    /// Connect, create the tables if needed, and give a new store its id.
    pub async fn open(url: &str) -> Result<PostgresStore, StoreError> {
        let location = super::redact(url);
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
        Ok(SqlStore { pool, location })
    }
}

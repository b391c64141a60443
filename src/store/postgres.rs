//! The production store: PostgreSQL. A change set locks the store's one `store_meta` row
//! first, so change sets — from any number of processes or servers on the database — apply
//! one after another and every precondition is checked against the rows as they are.

use std::time::Duration;

use sqlx::Postgres;
use sqlx::postgres::{PgListener, PgPoolOptions};

use super::sql::store::{Dialect, SqlStore};
use super::{RevisionFeed, StoreError, new_id, now_ms};

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

    /// LISTEN on the channel the migration's trigger notifies, on a connection of its own,
    /// for as long as the receiver lives. A lost connection is reconnected (after a second,
    /// if it fails again) and signalled, since notifications sent meanwhile are gone; the
    /// server's polling stays as the fallback for what this misses.
    fn revision_feed(pool: &sqlx::Pool<Postgres>) -> Option<RevisionFeed> {
        let (signal, feed) = tokio::sync::mpsc::channel(1);
        let pool = pool.clone();
        tokio::spawn(async move {
            while !signal.is_closed() {
                if let Err(error) = listen(&pool, &signal).await {
                    tracing::warn!(%error, "lost LISTEN {REVISION_CHANNEL}; polling until it is back");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        });
        Some(feed)
    }
}

/// The channel `0003_revision_notify.sql` notifies on each move of the revision.
const REVISION_CHANNEL: &str = "promptctl_revision";

/// Forward notifications to `signal` until the receiver is gone (`Ok`) or the connection
/// fails in a way the listener does not mend (`Err`).
async fn listen(
    pool: &sqlx::Pool<Postgres>,
    signal: &tokio::sync::mpsc::Sender<()>,
) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(REVISION_CHANNEL).await?;
    tracing::debug!("listening on {REVISION_CHANNEL}");
    loop {
        // (Re)connected or notified: either way the revision may have moved. A full channel
        // already holds a signal, which covers this one too.
        if let Err(tokio::sync::mpsc::error::TrySendError::Closed(())) = signal.try_send(()) {
            return Ok(());
        }
        if listener.try_recv().await?.is_none() {
            tracing::warn!("the LISTEN connection dropped; reconnecting");
        }
    }
}

impl SqlStore<Postgres> {
    /// Connect, create the tables if needed, and give a new store its id.
    pub async fn open(url: &str) -> Result<PostgresStore, StoreError> {
        let location = super::redact(url);
        let pool = PgPoolOptions::new()
            .max_connections(8)
            // Opened at start and kept: a connection opened on demand costs a replica's
            // refresh (or a request) tens of milliseconds at the worst moment.
            .min_connections(2)
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

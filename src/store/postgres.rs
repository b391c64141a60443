//! The production store: PostgreSQL. A change set locks the store's one `store_meta` row
//! first, so change sets — from any number of processes or servers on the database — apply
//! one after another and every precondition is checked against the rows as they are.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions, PgSslMode};
use sqlx::{Connection, PgConnection, Pool, Postgres};

use super::sql::store::{Dialect, SqlStore};
use super::{RevisionFeed, Store, StoreError, new_id, now_ms};

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
        let (pool, location) = connect(url).await?;
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

    /// Connect to a store that may not have been created: a database without promptctl's
    /// tables is an empty store, read as such and left as it is.
    pub async fn open_existing(url: &str) -> Result<Box<dyn Store>, StoreError> {
        let (pool, location) = connect(url).await?;
        let (created,): (bool,) = sqlx::query_as("SELECT to_regclass('store_meta') IS NOT NULL")
            .fetch_one(&pool)
            .await?;
        if !created {
            pool.close().await;
            return Ok(super::not_created(url));
        }
        MIGRATOR.run(&pool).await?;
        Ok(Box::new(SqlStore { pool, location }))
    }
}

/// A pool on `url`, after one connection has shown the server is there: a server that is down
/// or refuses is said at once, by host and port, rather than after the pool's wait.
async fn connect(url: &str) -> Result<(Pool<Postgres>, String), StoreError> {
    let location = super::redact(url);
    let open_error = |message: String| StoreError::Open {
        url: location.clone(),
        message,
    };
    let options = connect_options(url, std::env::var_os("PGSSLMODE").is_some())
        .map_err(|e| open_error(e.to_string()))?;
    let address = format!("{}:{}", options.get_host(), options.get_port());
    let first = tokio::time::timeout(
        Duration::from_secs(10),
        PgConnection::connect_with(&options),
    )
    .await
    .map_err(|_| open_error(format!("no answer from {address} within 10 s")))?;
    match first {
        Ok(connection) => {
            let _ = connection.close().await;
        }
        Err(sqlx::Error::Io(error)) => {
            return Err(open_error(format!("cannot connect to {address}: {error}")));
        }
        Err(error) => return Err(open_error(super::sql::message(&error))),
    }
    let pool = PgPoolOptions::new()
        .max_connections(8)
        // Opened at start and kept: a connection opened on demand costs a replica's refresh
        // (or a request) tens of milliseconds at the worst moment.
        .min_connections(2)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .map_err(|e| open_error(super::sql::message(&e)))?;
    Ok((pool, location))
}

/// The connection options of `url`. To a server on this machine, TLS is not negotiated unless
/// asked for (`sslmode` in the URL, or `PGSSLMODE`): it protects nothing on loopback, and
/// sqlx's TLS set-up costs each new connection some 90 ms, which a replica would otherwise
/// wait out whenever its pool opens one.
fn connect_options(url: &str, sslmode_in_env: bool) -> Result<PgConnectOptions, sqlx::Error> {
    let options = PgConnectOptions::from_str(url)?;
    let asked = sslmode_in_env
        || url
            .split_once('?')
            .is_some_and(|(_, query)| query.contains("sslmode=") || query.contains("ssl-mode="));
    Ok(if !asked && is_loopback(options.get_host()) {
        options.ssl_mode(PgSslMode::Disable)
    } else {
        options
    })
}

/// Whether `host` is this machine: `localhost`, a loopback address, or a socket folder.
fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.starts_with('/')
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(url: &str, env: bool) -> PgSslMode {
        connect_options(url, env).unwrap().get_ssl_mode()
    }

    #[test]
    fn loopback_servers_go_without_tls_unless_asked() {
        assert!(matches!(
            mode("postgres://u@127.0.0.1:5432/db", false),
            PgSslMode::Disable
        ));
        assert!(matches!(
            mode("postgres://u@localhost/db", false),
            PgSslMode::Disable
        ));
        assert!(matches!(
            mode("postgres://u@[::1]:5432/db", false),
            PgSslMode::Disable
        ));
        assert!(matches!(
            mode("postgres://u@127.0.0.1/db?sslmode=require", false),
            PgSslMode::Require
        ));
        assert!(matches!(
            mode("postgres://u@127.0.0.1/db", true),
            PgSslMode::Prefer
        ));
        assert!(matches!(
            mode("postgres://u@db.example.com/db", false),
            PgSslMode::Prefer
        ));
    }
}

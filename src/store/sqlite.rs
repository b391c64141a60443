//! The embedded store: one SQLite file (`.promptctl/store.db` by default), created on first
//! use. A change set runs in one `BEGIN IMMEDIATE` transaction, so two applies never
//! interleave: the second waits for the first and then finds its preconditions changed.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::Sqlite;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::sql::store::{Dialect, SqlStore};
use super::{StoreError, new_id, now_ms};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// A store in a SQLite file.
pub type SqliteStore = SqlStore<Sqlite>;

impl Dialect for Sqlite {
    fn spell(sql: &str) -> String {
        positional(sql)
    }
    // IMMEDIATE takes the file's write lock at once: BEGIN IMMEDIATE already holds it when the
    // store's row is read.
    const BEGIN_WRITE: &'static str = "BEGIN IMMEDIATE";
    const LOCK_META: &'static str = "SELECT store_id, revision FROM store_meta WHERE id = 1";
    // In WAL mode a deferred transaction reads one snapshot from its first read on.
    const BEGIN_SNAPSHOT: &'static str = "BEGIN";
    // A snapshot reads every page once: caching them would only grow the process by the
    // cache's 64 MiB. Writes get the large cache back.
    const AROUND_WHOLE_READ: Option<(&'static str, &'static str)> =
        Some(("PRAGMA cache_size = -4096", "PRAGMA cache_size = -65536"));
    // Everything committed goes into the main file before the process lets go of it: a copy
    // of `store.db` alone (a backup, a CI artifact) is then the whole store.
    const ON_CLOSE: Option<&'static str> = Some("PRAGMA wal_checkpoint(TRUNCATE)");
    // SQLite runs in this process: when COMMIT answers, it has committed or rolled back.
    const COMMIT_SETTLES: bool = true;

    fn rows_affected(result: &Self::QueryResult) -> u64 {
        result.rows_affected()
    }
}

impl SqlStore<Sqlite> {
    /// Open the store file at `path`, creating it (and its folders) if need be.
    pub async fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        Self::open_with(path, true).await
    }

    /// Open the store file at `path`, which must exist.
    pub async fn open_existing(path: &Path) -> Result<SqliteStore, StoreError> {
        Self::open_with(path, false).await
    }

    async fn open_with(path: &Path, create: bool) -> Result<SqliteStore, StoreError> {
        let location = format!("sqlite:{}", path.display());
        let open_error = |message: String| StoreError::Open {
            url: location.clone(),
            message,
        };
        let no_store = |why: &str| StoreError::NoStore {
            url: location.clone(),
            why: why.to_owned(),
        };
        match fs_err::metadata(path) {
            // An empty file is no store: a truncated one, or one made by hand. Taking it for a
            // new store would give it a new identity and hide what happened.
            Ok(meta) if meta.is_file() && meta.len() == 0 => {
                return Err(no_store(
                    "the file is empty (0 bytes), not a store; remove it to start a new store, or restore a backup into it",
                ));
            }
            Ok(meta) if !meta.is_file() => return Err(no_store("it is not a file")),
            Ok(_) => {}
            Err(_) if !create => return Err(no_store("the file does not exist")),
            Err(_) => {
                if let Some(parent) = path.parent()
                    && !parent.as_os_str().is_empty()
                {
                    fs_err::create_dir_all(parent).map_err(|e| open_error(e.to_string()))?;
                }
            }
        }
        let options = SqliteConnectOptions::from_str("sqlite:")
            .map_err(|e| open_error(e.to_string()))?
            .filename(path)
            .create_if_missing(create)
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
        Ok(SqlStore { pool, location })
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

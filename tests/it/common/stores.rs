//! Real stores for tests: a SQLite file in a temporary folder, and a fresh PostgreSQL
//! database per test (created from `PROMPTCTL_TEST_DATABASE_URL`, dropped afterwards).

use promptctl::store::Store;
use promptctl::store::postgres::PostgresStore;
use promptctl::store::sqlite::SqliteStore;
use sqlx::Connection;

/// The admin URL for PostgreSQL tests, or `None` (with the reason printed) to skip them.
/// Under CI a missing URL is a failure, never a skip.
pub fn postgres_url() -> Option<String> {
    match std::env::var("PROMPTCTL_TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but PROMPTCTL_TEST_DATABASE_URL is not set: PostgreSQL tests must run in CI"
            );
            eprintln!(
                "skipped: PROMPTCTL_TEST_DATABASE_URL is not set, so PostgreSQL tests do not run"
            );
            None
        }
    }
}

/// A database created for one test and dropped when this is dropped (even after a panic).
pub struct TestDatabase {
    admin_url: String,
    pub name: String,
    pub url: String,
}

impl TestDatabase {
    pub async fn create(admin_url: &str) -> TestDatabase {
        let name = format!("promptctl_test_{}", promptctl::store::new_id());
        let mut admin = sqlx::PgConnection::connect(admin_url)
            .await
            .expect("connect to PostgreSQL");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create a test database");
        let base = match admin_url.rsplit_once('/') {
            Some((base, _)) => base.to_owned(),
            None => admin_url.to_owned(),
        };
        TestDatabase {
            admin_url: admin_url.to_owned(),
            url: format!("{base}/{name}"),
            name,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop may run inside a runtime; a thread of its own can block on one.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut admin = sqlx::PgConnection::connect(&admin_url).await.ok()?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut admin)
                .await
                .ok()
            })
        })
        .join();
    }
}

/// Run `test` on a new SQLite store file.
pub async fn on_sqlite<F>(test: F)
where
    F: AsyncFnOnce(&dyn Store, &str),
{
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let store = SqliteStore::open(&path).await.unwrap();
    test(&store, &format!("sqlite:{}", path.display())).await;
}

/// Run `test` on a new PostgreSQL database, or skip without `PROMPTCTL_TEST_DATABASE_URL`.
pub async fn on_postgres<F>(test: F)
where
    F: AsyncFnOnce(&dyn Store, &str),
{
    let Some(admin) = postgres_url() else { return };
    let database = TestDatabase::create(&admin).await;
    let store = PostgresStore::open(&database.url).await.unwrap();
    test(&store, &database.url).await;
}

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

/// Run `sql` on the SQLite store file at `path` over a connection of its own, as another
/// writer (or an older promptctl) would.
pub async fn sqlite_exec(path: &std::path::Path, sql: &str) {
    let mut db = sqlx::SqliteConnection::connect(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&mut db)
        .await
        .unwrap();
    db.close().await.unwrap();
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

/// A real `serve` (in this process, on a loopback port) over `store`, without auth; the
/// server stops when the returned sender is dropped.
pub async fn start_server(
    store: Box<dyn Store>,
    tokens: Option<promptctl::server::Tokens>,
) -> (String, tokio::sync::oneshot::Sender<()>) {
    start_server_with(store, tokens, |_| {}).await
}

/// [`start_server`] with options changed by `adjust` (a short timeout, say).
pub async fn start_server_with(
    store: Box<dyn Store>,
    tokens: Option<promptctl::server::Tokens>,
    adjust: impl FnOnce(&mut promptctl::server::ServeOptions),
) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let mut options = promptctl::server::ServeOptions {
        listen: addr,
        tokens,
        default_model: "openai/gpt-5".to_owned(),
        fallback_model: "openai/gpt-4o-mini".to_owned(),
        refresh_interval: std::time::Duration::from_millis(100),
        max_body_bytes: 4 * 1024 * 1024,
        request_timeout: std::time::Duration::from_secs(30),
        limits: promptctl::server::ConnectionLimits::default(),
        webhooks: None,
    };
    adjust(&mut options);
    tokio::spawn(promptctl::server::serve_on(
        listener,
        std::sync::Arc::from(store),
        options,
        async {
            let _ = stopped.await;
        },
    ));
    (format!("http://{addr}"), stop)
}

/// Run `test` on an `HttpStore` talking to a real server over a new SQLite store.
pub async fn on_http_sqlite<F>(test: F)
where
    F: AsyncFnOnce(&dyn Store, &str),
{
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("store.db"))
        .await
        .unwrap();
    let (url, _stop) = start_server(Box::new(store), None).await;
    let client = promptctl::store::http::HttpStore::new(&url, None).unwrap();
    test(&client, &url).await;
}

/// Run `test` on an `HttpStore` talking to a real server over a new PostgreSQL database.
pub async fn on_http_postgres<F>(test: F)
where
    F: AsyncFnOnce(&dyn Store, &str),
{
    let Some(admin) = postgres_url() else { return };
    let database = TestDatabase::create(&admin).await;
    let store = PostgresStore::open(&database.url).await.unwrap();
    let (url, stop) = start_server(Box::new(store), None).await;
    let client = promptctl::store::http::HttpStore::new(&url, None).unwrap();
    test(&client, &url).await;
    drop(stop);
}

/// Run `test` on a fresh Convex deployment (promptctl.ts under convex-test, over the
/// deployment API), or skip where convex-test is not installed.
pub async fn on_convex<F>(test: F)
where
    F: AsyncFnOnce(&dyn Store, &str),
{
    let Some(deployment) = crate::common::convex::Deployment::start() else {
        return;
    };
    let store = deployment.store();
    test(&store, &deployment.url).await;
}

/// Run `test` on an empty Langfuse project (the stand-in of its public prompts API).
pub async fn on_langfuse<F>(test: F)
where
    F: AsyncFnOnce(&dyn Store, &str),
{
    let (store, url) = crate::langfuse::empty_project().await;
    test(&store, &url).await;
}

/// The store at `url` opened again, as another process would (a Convex deployment with the
/// test's deploy key).
pub async fn reopen(url: &str) -> Box<dyn Store> {
    if url.starts_with("convex+") {
        return Box::new(
            promptctl::store::convex::ConvexStore::new(url, &|name| {
                (name == "CONVEX_DEPLOY_KEY").then(|| crate::common::convex::DEPLOY_KEY.to_owned())
            })
            .unwrap(),
        );
    }
    promptctl::store::open(url, None, promptctl::store::Access::Create)
        .await
        .unwrap()
}

/// How tests restore: as `tester`, forced or not.
pub fn restoring(force: bool) -> promptctl::store::RestoreOptions {
    promptctl::store::RestoreOptions {
        actor: "tester".to_owned(),
        force,
        ..promptctl::store::RestoreOptions::default()
    }
}

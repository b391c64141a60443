//! Conflicts found while a large change set is being written (a writer outside promptctl got
//! in between the check and the write): every conflict names its row and why, whatever
//! statement chunk it falls in, and nothing is written.

use promptctl::store::Restore;
use promptctl::store::{Action, ChangeSet, LiveRow, Op, Patch, Scope, Store, StoreError};
use sqlx::{AssertSqlSafe, Connection};

use crate::common::stores::{TestDatabase, postgres_url};

/// More rows than one update statement takes (the store writes 434 a statement).
const ROWS: usize = 1000;
/// The row another writer refuses to let change: in the third statement.
const REFUSED: &str = "row-0900";

fn rows() -> Restore {
    Restore {
        store_id: None,
        revision: None,
        rows: (0..ROWS)
            .map(|i| LiveRow {
                id: format!("row-{i:04}"),
                row_version: 1,
                updated_at: 1,
                prompt_name: format!("p{i:04}"),
                prompt_version: "v1".to_owned(),
                prompt_template: "T".to_owned(),
                description: None,
                input_schema: None,
                output_schema: None,
                scope: Scope::Production,
                developer_session_id: None,
                parent_prompt_id: None,
                expires_at: None,
                workflow_step: None,
                subsystem: None,
                ai_model: None,
                max_tokens: None,
                temperature: None,
                canary_model: None,
                canary_percent: None,
                is_active: true,
                created_at: 1,
                created_by: None,
                replaced_at: None,
                replaced_by: None,
                template_sha256: None,
            })
            .collect(),
    }
}

/// Backfill every row, then check that the one row the database refused is the only
/// conflict, named, and that nothing changed.
async fn a_refused_row_in_a_later_chunk_is_the_one_conflict(store: &dyn Store) {
    let before = store.snapshot().await.unwrap();
    let set = ChangeSet {
        policy_overrides: Vec::new(),
        rules: None,
        store_id: before.store_id.clone(),
        actor: "tester".to_owned(),
        idempotency_key: None,
        request_sha256: None,
        ops: before
            .rows
            .iter()
            .map(|row| Op::Update {
                action: Action::Backfill,
                id: row.id.clone(),
                expected_row_version: row.row_version,
                patch: Patch {
                    ai_model: Some("openai/gpt-5".to_owned()),
                    ..Patch::default()
                },
            })
            .collect(),
    };
    let error = store.apply(&set, &|_, _| {}).await.unwrap_err();
    let StoreError::Conflict(conflicts) = error else {
        panic!("expected a conflict, got {error}");
    };
    assert_eq!(conflicts.len(), 1, "{conflicts:#?}");
    let conflict = &conflicts[0];
    assert_eq!(conflict.id.as_deref(), Some(REFUSED));
    assert_eq!(conflict.prompt_name, "p0900");
    assert!(conflict.reason.contains("was not updated"), "{conflict}");
    assert_eq!(
        store.snapshot().await.unwrap(),
        before,
        "nothing is written"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let store = promptctl::store::sqlite::SqliteStore::open(&path)
        .await
        .unwrap();
    store
        .restore(&rows(), &crate::common::stores::restoring(false))
        .await
        .unwrap();
    crate::common::stores::sqlite_exec(
        &path,
        &format!(
            "CREATE TRIGGER refuse BEFORE UPDATE ON ai_prompts WHEN OLD.id = '{REFUSED}' \
             BEGIN SELECT RAISE(IGNORE); END"
        ),
    )
    .await;
    a_refused_row_in_a_later_chunk_is_the_one_conflict(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    let Some(admin) = postgres_url() else { return };
    let database = TestDatabase::create(&admin).await;
    let store = promptctl::store::postgres::PostgresStore::open(&database.url)
        .await
        .unwrap();
    store
        .restore(&rows(), &crate::common::stores::restoring(false))
        .await
        .unwrap();
    let mut other = sqlx::PgConnection::connect(&database.url).await.unwrap();
    sqlx::raw_sql(AssertSqlSafe(format!(
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$; \
         CREATE TRIGGER refuse BEFORE UPDATE ON ai_prompts FOR EACH ROW \
         WHEN (OLD.id = '{REFUSED}') EXECUTE FUNCTION refuse();"
    )))
    .execute(&mut other)
    .await
    .unwrap();
    other.close().await.unwrap();
    a_refused_row_in_a_later_chunk_is_the_one_conflict(&store).await;
}

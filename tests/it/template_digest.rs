//! Template digests: a plan compares git's templates with the stored ones by digest, reads
//! the templates it shows (a replaced version's) whole, and treats rows written before
//! digests existed by their text.

use std::path::Path;

use promptctl::store::Store;
use promptctl::store::postgres::PostgresStore;
use promptctl::store::sqlite::SqliteStore;
use sqlx::Connection;

use crate::common::stores::{TestDatabase, postgres_url, restoring, sqlite_exec};
use crate::common::{copy_prompts, new_version, promptctl, run};

const MOCK_DATA: &str = "prompts/incidents/generate_mock_incident_data.yaml";

/// The repository's prompts, applied to a fresh SQLite store.
fn applied_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    let (code, _, stderr) = run(promptctl(dir.path()).args(["apply", "--auto-approve"]));
    assert_eq!(code, 0, "{stderr}");
    dir
}

fn store_file(dir: &Path) -> std::path::PathBuf {
    dir.join(".promptctl/store.db")
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

fn plan(dir: &Path) -> (i32, String, String) {
    run(promptctl(dir).arg("plan"))
}

#[test]
fn a_changed_template_under_the_same_version_is_found_with_or_without_digests() {
    let dir = applied_project();
    let file = dir.path().join(MOCK_DATA);
    let text = fs_err::read_to_string(&file).unwrap();
    fs_err::write(&file, text.replace("realistic", "plausible")).unwrap();
    let expected = "prompt_template changed but prompt_version is still";

    let (code, stdout, _) = plan(dir.path());
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains(expected), "{stdout}");

    // Rows written before the digest column existed have none: compared by their text.
    block_on(sqlite_exec(
        &store_file(dir.path()),
        "UPDATE ai_prompts SET template_sha256 = NULL",
    ));
    let (code, stdout, _) = plan(dir.path());
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains(expected), "{stdout}");

    fs_err::write(&file, text).unwrap();
    let (code, stdout, stderr) = plan(dir.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("No changes."), "{stdout}");
}

#[test]
fn a_new_version_shows_the_template_it_replaces() {
    let dir = applied_project();
    let file = dir.path().join(MOCK_DATA);
    let old_template = "realistic";
    assert!(
        fs_err::read_to_string(&file)
            .unwrap()
            .contains(old_template)
    );
    new_version(&file, "v2.0.0", "A brand new first line.");
    let (code, stdout, stderr) = plan(dir.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("1 to replace"), "{stdout}");
    // The replaced version's template was left out of the diff read and read whole for the
    // plan's template diff: its lines appear as context, the new line as an addition.
    assert!(stdout.contains("+A brand new first line."), "{stdout}");
    let context = stdout
        .lines()
        .filter(|line| line.contains(old_template) && !line.trim_start().starts_with('+'))
        .count();
    assert!(context > 0, "{stdout}");
}

#[test]
fn the_postgres_migration_gives_old_rows_the_digest_promptctl_computes() {
    let Some(admin) = postgres_url() else { return };
    block_on(async {
        let database = TestDatabase::create(&admin).await;
        let store = PostgresStore::open(&database.url).await.unwrap();
        let templates = [
            "Plain ASCII.",
            "Ünïcödé — ✓ 日本語\n  and {{ a_variable }}\n",
        ];
        let export = serde_json::json!(
            templates
                .iter()
                .enumerate()
                .map(|(i, template)| serde_json::json!({
                    "prompt_name": format!("p{i}"),
                    "prompt_version": "v1",
                    "prompt_template": template,
                    "ai_model": "openai/gpt-5",
                    "is_active": true,
                    "created_at": 1_729_600_000_000_i64,
                }))
                .collect::<Vec<_>>()
        );
        let restore =
            promptctl::formats::export_v1::read(&export.to_string(), 1_729_600_000_000).unwrap();
        store.restore(&restore, &restoring(false)).await.unwrap();

        let mut db = sqlx::PgConnection::connect(&database.url).await.unwrap();
        let digests = || async {
            sqlx::query_as::<_, (String, Option<String>)>(
                "SELECT c.prompt_template, p.template_sha256 FROM ai_prompts p \
                 JOIN ai_prompt_contents c ON c.id = p.id",
            )
        };
        let written = digests().await.fetch_all(&mut db).await.unwrap();
        assert_eq!(written.len(), templates.len());
        for (template, digest) in &written {
            assert_eq!(
                digest.as_deref(),
                Some(promptctl::store::template_sha256(template).as_str())
            );
        }

        // As rows written before the migration: no digest, then the migration's fill.
        sqlx::query("UPDATE ai_prompts SET template_sha256 = NULL")
            .execute(&mut db)
            .await
            .unwrap();
        let migration = fs_err::read_to_string(
            crate::common::repo_root().join("migrations/postgres/0005_template_digest.sql"),
        )
        .unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(migration))
            .execute(&mut db)
            .await
            .unwrap();
        let filled = digests().await.fetch_all(&mut db).await.unwrap();
        assert_eq!(filled, written);
        db.close().await.unwrap();
        drop(store);
    });
}

/// The same property for SQLite's diff read, without the CLI: rows restored by this
/// promptctl carry digests and come without templates; a row without one comes whole.
#[test]
fn the_diff_read_leaves_out_only_templates_it_has_digests_of() {
    block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.db");
        let store = SqliteStore::open(&path).await.unwrap();
        let export = serde_json::json!([
            {"prompt_name": "a", "prompt_version": "v1", "prompt_template": "Template a.",
             "ai_model": "openai/gpt-5", "is_active": true, "created_at": 1},
            {"prompt_name": "b", "prompt_version": "v1", "prompt_template": "Template b.",
             "ai_model": "openai/gpt-5", "is_active": true, "created_at": 1},
        ]);
        let restore =
            promptctl::formats::export_v1::read(&export.to_string(), 1_729_600_000_000).unwrap();
        store.restore(&restore, &restoring(false)).await.unwrap();
        sqlite_exec(
            &path,
            "UPDATE ai_prompts SET template_sha256 = NULL WHERE prompt_name = 'b'",
        )
        .await;

        let whole = store.snapshot().await.unwrap();
        let read = store.snapshot_for_diff().await.unwrap();
        assert_eq!(read.revision, whole.revision);
        let (a, b) = (&read.rows[0], &read.rows[1]);
        assert!(a.template_elided());
        assert_eq!(
            a.template_sha256.as_deref(),
            Some(promptctl::store::template_sha256("Template a.").as_str())
        );
        assert!(!b.template_elided());
        assert_eq!(b.prompt_template, "Template b.");
        assert!(whole.rows.iter().all(|r| r.template_sha256.is_none()));

        let (revision, rows) = store.rows_by_id(std::slice::from_ref(&a.id)).await.unwrap();
        assert_eq!(revision, whole.revision);
        assert_eq!(rows, vec![whole.rows[0].clone()]);
    });
}

/// The repository's prompts applied to `store`; then a template changed in the store behind
/// promptctl's back (`change_behind` runs the SQL): plan and list must see it.
fn a_template_changed_behind_the_back_is_seen(store: &str, change_behind: &dyn Fn(&str)) {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    let (code, _, stderr) =
        run(promptctl(dir.path()).args(["--store", store, "apply", "--auto-approve"]));
    assert_eq!(code, 0, "{stderr}");
    change_behind(
        "UPDATE ai_prompt_contents SET prompt_template = 'Something else entirely.' \
         WHERE id = (SELECT id FROM ai_prompts WHERE prompt_name = 'generate_mock_incident_data')",
    );
    let (code, stdout, _) = run(promptctl(dir.path()).args(["--store", store, "plan"]));
    assert_eq!(code, 1, "the plan sees the stored template: {stdout}");
    assert!(
        stdout.contains("generate_mock_incident_data v1.0.0: prompt_template changed")
            && stdout.contains("behind promptctl's back"),
        "{stdout}"
    );
    let listed = crate::common::listed_rows(dir.path(), store);
    let row = listed
        .iter()
        .find(|r| r["prompt_name"] == "generate_mock_incident_data")
        .unwrap();
    assert_eq!(row["status"], "drift", "{row}");
    assert_eq!(row["prompt_template"], "Something else entirely.");
}

#[test]
fn a_template_changed_behind_the_back_is_seen_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let store = format!("sqlite:{}", path.display());
    a_template_changed_behind_the_back_is_seen(&store, &|sql| block_on(sqlite_exec(&path, sql)));
}

#[test]
fn a_template_changed_behind_the_back_is_seen_on_postgres() {
    let Some(admin) = postgres_url() else { return };
    let database = block_on(TestDatabase::create(&admin));
    let url = database.url.clone();
    a_template_changed_behind_the_back_is_seen(&url, &|sql| {
        block_on(async {
            let mut db = sqlx::PgConnection::connect(&url).await.unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                .execute(&mut db)
                .await
                .unwrap();
        });
    });
}

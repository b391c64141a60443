//! Faults from outside, kept in the suite: `apply` killed at every statement it sends to
//! PostgreSQL (and at moments of a long SQLite apply), the connection cut right after COMMIT,
//! PostgreSQL going away under `serve` and coming back, a corrupt store file, and many writers
//! at once. After each, the store is as it was before the write or as it is after it, never
//! between, and every write is in the audit log.
//!
//! PostgreSQL is disturbed through a relay in front of it (`common::pg_proxy`), never by
//! stopping the shared server, so these run beside every other test.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use promptctl::store::postgres::PostgresStore;
use promptctl::store::sqlite::SqliteStore;
use promptctl::store::{Snapshot, Store};
use serde_json::{Value, json};

use crate::common::pg_proxy::{Act, PgProxy};
use crate::common::stores::{TestDatabase, postgres_url, start_server};
use crate::common::{copy_prompts, promptctl, run};
use crate::reconcile_cli::legacy_export;

/// A project holding the repository's prompts, and the story's legacy store at `url`.
fn story_project(url: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    fs_err::write(dir.path().join("legacy.json"), legacy_export().to_string()).unwrap();
    let (code, _, stderr) =
        run(promptctl(dir.path()).args(["--store", url, "store", "restore", "legacy.json"]));
    assert_eq!(code, 0, "{stderr}");
    dir
}

/// `apply --auto-approve` against `url`, started.
fn spawn_apply(dir: &std::path::Path, url: &str) -> Child {
    promptctl(dir)
        .args(["--store", url, "apply", "--auto-approve"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The store at `url` is as it was (`before`) or wholly applied (a plan finds nothing to do),
/// and the audit log holds exactly the writes of what landed.
async fn assert_before_or_after(
    store: &dyn Store,
    dir: &std::path::Path,
    url: &str,
    before: &Snapshot,
) {
    let now = store.snapshot().await.unwrap();
    let history = store.history(None, 10_000).await.unwrap();
    let logged_after = history
        .iter()
        .filter(|e| e.revision > before.revision)
        .count();
    if now.revision == before.revision {
        assert_eq!(now.rows, before.rows, "the revision stayed, the rows moved");
        assert_eq!(
            logged_after, 0,
            "audit entries for a write that did not land"
        );
    } else {
        assert_eq!(now.revision, before.revision + 1, "one apply, one revision");
        let (code, stdout, stderr) =
            run(promptctl(dir).args(["--store", url, "plan", "--detailed-exitcode"]));
        assert_eq!(
            code, 0,
            "a landed apply left work undone:\n{stdout}{stderr}"
        );
        assert!(
            history
                .iter()
                .filter(|e| e.revision > before.revision)
                .all(|e| e.revision == now.revision),
            "{history:?}"
        );
        assert!(
            logged_after > 0,
            "a write that landed is not in the audit log"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn apply_killed_at_every_statement_leaves_postgres_before_or_after() {
    let Some(admin) = postgres_url() else { return };
    // How many statements a whole apply sends.
    let counting = TestDatabase::create(&admin).await;
    let dir = story_project(&counting.url);
    let proxy = PgProxy::start(&counting.url, Act::Pass).await;
    let before = proxy.statements();
    let output = spawn_apply(dir.path(), &proxy.url(&counting.url))
        .wait_with_output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let total = proxy.statements() - before;
    assert!(total > 5, "the relay saw the apply's statements: {total}");
    eprintln!("the story's apply sends {total} statements");

    // Each statement in a run of its own, several runs at once.
    let mut runs = tokio::task::JoinSet::new();
    let mut killed = 0;
    for n in 1..=total {
        if runs.len() >= 8 {
            killed += usize::from(runs.join_next().await.unwrap().unwrap());
        }
        let admin = admin.clone();
        runs.spawn(async move { kill_at_statement(&admin, n).await });
    }
    while let Some(run) = runs.join_next().await {
        killed += usize::from(run.unwrap());
    }
    assert!(
        killed * 10 >= total * 9,
        "killed at {killed} of {total} statements"
    );
}

/// One run: the story's apply held at statement `n` and killed there; whether it got there.
async fn kill_at_statement(admin: &str, n: usize) -> bool {
    let database = TestDatabase::create(admin).await;
    let url = database.url.clone();
    let dir = tokio::task::spawn_blocking(move || story_project(&url))
        .await
        .unwrap();
    let store = PostgresStore::open(&database.url).await.unwrap();
    let before = store.snapshot().await.unwrap();
    let proxy = PgProxy::start(&database.url, Act::HoldAt(n)).await;
    let mut apply = spawn_apply(dir.path(), &proxy.url(&database.url));
    // The apply reaches statement n and waits there (or ends first, sending fewer this
    // time); it is killed as `kill -9` would.
    let ended = async {
        while apply.try_wait().ok().flatten().is_none() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let reached = tokio::select! {
        () = proxy.held() => true,
        () = ended => false,
        () = tokio::time::sleep(Duration::from_secs(30)) => false,
    };
    let _ = apply.kill();
    let _ = apply.wait();
    assert_before_or_after(&store, dir.path(), &database.url, &before).await;
    reached
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_cut_after_commit_is_an_unknown_outcome() {
    let Some(admin) = postgres_url() else { return };
    let database = TestDatabase::create(&admin).await;
    let dir = story_project(&database.url);
    let store = PostgresStore::open(&database.url).await.unwrap();
    let before = store.snapshot().await.unwrap();
    let proxy = PgProxy::start(&database.url, Act::CutAfterCommit).await;
    let output = spawn_apply(dir.path(), &proxy.url(&database.url))
        .wait_with_output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(proxy.cuts(), 1, "{stderr}");
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("outcome is unknown"), "{stderr}");
    assert_before_or_after(&store, dir.path(), &database.url, &before).await;
}

#[test]
fn apply_killed_during_a_long_sqlite_write_leaves_it_before_or_after() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for wait_ms in [5, 40, 120, 300] {
        let dir = tempfile::tempdir().unwrap();
        let prompts = dir.path().join("prompts");
        fs_err::create_dir_all(&prompts).unwrap();
        let template = "Summarise {{text}}. ".repeat(200);
        for i in 0..2000 {
            fs_err::write(
                prompts.join(format!("p{i}.yaml")),
                format!("prompt_name: p{i}\nprompt_version: v1\nai_model: openai/gpt-5\nprompt_template: |\n  {template}\n"),
            )
            .unwrap();
        }
        let url = format!("sqlite:{}", dir.path().join("store.db").display());
        // The store exists, empty, before the apply starts.
        fs_err::write(dir.path().join("empty.json"), "[]").unwrap();
        let (code, _, stderr) =
            run(promptctl(dir.path()).args(["--store", &url, "store", "restore", "empty.json"]));
        assert_eq!(code, 0, "{stderr}");
        let store = runtime
            .block_on(SqliteStore::open(&dir.path().join("store.db")))
            .unwrap();
        let before = runtime.block_on(store.snapshot()).unwrap();
        let mut apply = spawn_apply(dir.path(), &url);
        std::thread::sleep(Duration::from_millis(wait_ms));
        let _ = apply.kill();
        let _ = apply.wait();
        runtime.block_on(assert_before_or_after(&store, dir.path(), &url, &before));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn serve_recovers_when_postgres_goes_away_and_comes_back() {
    let Some(admin) = postgres_url() else { return };
    let database = TestDatabase::create(&admin).await;
    let proxy = PgProxy::start(&database.url, Act::Pass).await;
    let store = PostgresStore::open(&proxy.url(&database.url))
        .await
        .unwrap();
    let store_id = store.snapshot().await.unwrap().store_id;
    let (url, _stop) = start_server(Box::new(store), None).await;
    promptctl::store::http::ensure_tls_provider();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap();
    let insert = |name: &str| {
        json!({"store_id": store_id, "actor": "t", "ops": [{"op": "insert", "action": "create",
            "row": {"prompt_name": name, "prompt_version": "v1", "prompt_template": "T",
            "description": null, "input_schema": null, "output_schema": null,
            "workflow_step": null, "subsystem": null, "ai_model": "openai/gpt-5",
            "max_tokens": null, "temperature": null, "is_active": true}}]})
    };
    let post = |body: Value| {
        client
            .post(format!("{url}/v1/changesets"))
            .json(&body)
            .send()
    };
    assert_eq!(post(insert("before")).await.unwrap().status(), 200);

    // The database goes away: requests fail, and the server stays up.
    proxy.set_down(true);
    let during = post(insert("during")).await.unwrap();
    assert!(during.status().is_server_error(), "{}", during.status());
    let health = client.get(format!("{url}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200, "serve itself is still up");

    // It comes back: the same server writes and serves again, without a restart.
    proxy.set_down(false);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match post(insert("after")).await {
            Ok(response) if response.status() == 200 => break,
            other => {
                assert!(
                    Instant::now() < deadline,
                    "serve did not recover: {other:?}"
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
    // And hears another writer's change, made straight to the database.
    let direct = PostgresStore::open(&database.url).await.unwrap();
    let changes = promptctl::store::ChangeSet::try_from(
        serde_json::from_value::<promptctl::formats::http_v1::ChangeSetV1>(insert("elsewhere"))
            .unwrap(),
    )
    .unwrap();
    direct.apply(&changes, &|_, _| {}).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let listed: Value = client
            .get(format!("{url}/v1/prompts"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let names: Vec<&str> = listed["prompts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["prompt_name"].as_str().unwrap())
            .collect();
        if names.contains(&"elsewhere") {
            assert!(
                names.contains(&"before") && names.contains(&"after"),
                "{names:?}"
            );
            assert!(!names.contains(&"during"), "{names:?}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the other writer's change never showed: {names:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[test]
fn a_corrupt_store_file_is_a_clear_error_and_nothing_panics() {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    let (code, _, stderr) = run(promptctl(dir.path()).args(["apply", "--auto-approve"]));
    assert_eq!(code, 0, "{stderr}");
    let file = dir.path().join(".promptctl/store.db");
    let mut bytes = fs_err::read(&file).unwrap();
    assert!(bytes.len() > 8192, "{} bytes", bytes.len());
    // Past the header: the pages holding the tables' roots and rows.
    for byte in &mut bytes[4096..] {
        *byte = 0xA5;
    }
    fs_err::write(&file, &bytes).unwrap();
    for args in [
        &["list"][..],
        &["plan"],
        &["history"],
        &["store", "export"],
        &["apply", "--auto-approve"],
    ] {
        let (code, _, stderr) = run(promptctl(dir.path()).args(args));
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(
            stderr.contains("malformed") || stderr.contains("not a database"),
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.contains("store.db"),
            "the file is named: {args:?}: {stderr}"
        );
    }
}

/// 50 change sets at once through one server: 40 create a prompt each, 10 race to backfill
/// the same row. Each is applied whole or refused whole, and the audit log accounts for
/// exactly the ones applied.
async fn many_writers_are_accounted_for(store: Box<dyn Store>) {
    let legacy = promptctl::formats::export_v1::read(
        r#"[{"prompt_name":"b","prompt_version":"v1","prompt_template":"B1","ai_model":null,"id":"b-1","row_version":4}]"#,
        100,
    )
    .unwrap();
    store
        .restore(&legacy, &crate::common::stores::restoring(false))
        .await
        .unwrap();
    let store_id = store.snapshot().await.unwrap().store_id;
    let (url, _stop) = start_server(store, None).await;
    promptctl::store::http::ensure_tls_provider();
    let client = reqwest::Client::new();
    let mut sends = Vec::new();
    for i in 0..50 {
        let op = if i < 40 {
            json!({"op": "insert", "action": "create", "expect_new_name": true, "row": {
                "prompt_name": format!("p{i}"), "prompt_version": "v1", "prompt_template": "T",
                "description": null, "input_schema": null, "output_schema": null,
                "workflow_step": null, "subsystem": null, "ai_model": "openai/gpt-5",
                "max_tokens": null, "temperature": null, "is_active": true}})
        } else {
            json!({"op": "update", "action": "backfill", "id": "b-1", "expected_row_version": 4,
                "patch": {"ai_model": "openai/gpt-5"}})
        };
        let body = json!({"store_id": store_id, "actor": format!("writer-{i}"), "ops": [op]});
        let request = client
            .post(format!("{url}/v1/changesets"))
            .json(&body)
            .send();
        sends.push(tokio::spawn(async move {
            let response = request.await.unwrap();
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap(),
            )
        }));
    }
    let mut applied = Vec::new();
    let mut conflicts = 0;
    for (i, send) in sends.into_iter().enumerate() {
        let (status, body) = send.await.unwrap();
        match status {
            200 => applied.push((i, body["revision"].as_i64().unwrap())),
            409 => {
                assert!(i >= 40, "a create was refused: {body}");
                conflicts += 1;
            }
            other => panic!("writer {i}: {other} {body}"),
        }
    }
    assert_eq!(applied.len(), 41, "every create and one backfill");
    assert_eq!(conflicts, 9);
    let mut revisions: Vec<i64> = applied.iter().map(|(_, r)| *r).collect();
    revisions.sort_unstable();
    revisions.dedup();
    assert_eq!(
        revisions.len(),
        41,
        "each applied set has a revision of its own"
    );
    let history: Vec<Value> = client
        .get(format!("{url}/v1/history?limit=1000"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for (i, revision) in &applied {
        let logged: Vec<&Value> = history
            .iter()
            .filter(|e| e["revision"].as_i64() == Some(*revision))
            .collect();
        assert_eq!(logged.len(), 1, "writer {i}: {logged:?}");
        assert_eq!(logged[0]["actor"], format!("writer-{i}"));
    }
    let snapshot: Value = client
        .get(format!("{url}/v1/snapshot"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(snapshot["rows"].as_array().unwrap().len(), 41);
    assert_eq!(snapshot["revision"].as_i64(), revisions.last().copied());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_writers_at_once_are_accounted_for_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("store.db"))
        .await
        .unwrap();
    many_writers_are_accounted_for(Box::new(store)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_writers_at_once_are_accounted_for_on_postgres() {
    let Some(admin) = postgres_url() else { return };
    let database = TestDatabase::create(&admin).await;
    let store = PostgresStore::open(&database.url).await.unwrap();
    many_writers_are_accounted_for(Box::new(store)).await;
}

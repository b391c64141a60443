//! The network between a client and `promptctl serve` losing answers: a write is applied at
//! most once whatever is retried, a write whose answer never comes is reported as unknown
//! (never as "nothing changed"), and what follows a commit never turns it into a failure.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use promptctl::store::http::HttpStore;
use promptctl::store::sqlite::SqliteStore;
use promptctl::store::{Store, StoreError};
use serde_json::json;

use crate::common::proxy::{self, Fault};
use crate::common::stores::{restoring, start_server, start_server_with};
use crate::common::{copy_prompts, promptctl, run};

/// A server over a new SQLite store, and a proxy in front of it obeying `rule`.
async fn behind_proxy(
    rule: Box<proxy::Rule>,
) -> (
    HttpStore,
    String,
    tokio::sync::oneshot::Sender<()>,
    tempfile::TempDir,
) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("store.db"))
        .await
        .unwrap();
    let (url, stop) = start_server(Box::new(store), None).await;
    let proxied = proxy::start(url.trim_start_matches("http://").to_owned(), rule).await;
    (HttpStore::new(&proxied, None).unwrap(), proxied, stop, dir)
}

fn legacy() -> promptctl::store::Restore {
    promptctl::formats::export_v1::read_value(crate::reconcile_cli::legacy_export(), 0).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forced_restore_whose_answer_is_lost_is_applied_once() {
    // The first answer of the second restore (the forced one) is lost at the gateway.
    let restores = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&restores);
    let (store, _url, _stop, _dir) = behind_proxy(Box::new(move |method, path, _| {
        if (method, path) == ("POST", "/v1/restore") && counted.fetch_add(1, Ordering::SeqCst) == 1
        {
            Fault::LoseAnswer(502)
        } else {
            Fault::Pass
        }
    }))
    .await;
    store.restore(&legacy(), &restoring(false)).await.unwrap();
    let before = store.snapshot().await.unwrap();
    let mut smaller = legacy();
    smaller.rows.truncate(3);
    let outcome = store.restore(&smaller, &restoring(true)).await.unwrap();
    assert_eq!(
        restores.load(Ordering::SeqCst),
        3,
        "the lost answer was retried"
    );
    assert_eq!(outcome.revision, before.revision + 1, "applied once");
    let restores = store
        .history(None, 100)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.change == "restore")
        .count();
    assert_eq!(
        restores, 2,
        "the retry of the forced restore did not run it again"
    );
    let kept = store
        .backup(&outcome.backup.unwrap().id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        kept.rows, before.rows,
        "the backup holds the rows it replaced"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_that_never_gets_an_answer_is_unknown_not_failed() {
    let (store, _url, _stop, _dir) = behind_proxy(Box::new(|method, _, _| {
        if method == "POST" {
            Fault::LoseAnswer(502)
        } else {
            Fault::Pass
        }
    }))
    .await;
    let error = store
        .restore(&legacy(), &restoring(false))
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::Unknown(_)), "{error}");
    assert!(
        error
            .to_string()
            .contains("may or may not have been applied")
    );
    // It was applied, once: the first attempt reached the server, the retries found its key.
    let snapshot = store.snapshot().await.unwrap();
    assert_eq!((snapshot.revision, snapshot.rows.len()), (1, 21));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_that_never_reached_a_server_is_a_plain_failure() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let store = HttpStore::new(&format!("http://127.0.0.1:{port}"), None).unwrap();
    let error = store
        .restore(&legacy(), &restoring(false))
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::Remote(_)), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_write_on_the_server_says_its_outcome_is_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let store = SqliteStore::open(&path).await.unwrap();
    let store_id = store.snapshot().await.unwrap().store_id;
    let (url, _stop) = start_server_with(Box::new(store), None, |options| {
        options.request_timeout = std::time::Duration::from_secs(1);
    })
    .await;
    // Another writer holds the file's write lock, so the change set waits past the timeout.
    use sqlx::Connection;
    let mut other = sqlx::SqliteConnection::connect(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    sqlx::raw_sql("BEGIN IMMEDIATE")
        .execute(&mut other)
        .await
        .unwrap();
    let body = json!({"store_id": store_id, "actor": "t", "ops": [{"op": "insert", "action": "create",
        "row": {"prompt_name": "a", "prompt_version": "v1", "prompt_template": "T", "description": null,
        "input_schema": null, "output_schema": null, "workflow_step": null, "subsystem": null,
        "ai_model": "openai/gpt-5", "max_tokens": null, "temperature": null, "is_active": true}}]});
    promptctl::store::http::ensure_tls_provider();
    let response = reqwest::Client::new()
        .post(format!("{url}/v1/changesets"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    let answer: serde_json::Value = response.json().await.unwrap();
    assert_eq!(answer["error"]["code"], "outcome_unknown", "{answer}");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("may or may not have been applied"),
        "{message}"
    );
    assert!(!message.contains("nothing was changed"), "{message}");
    sqlx::raw_sql("ROLLBACK").execute(&mut other).await.unwrap();
}

/// The CLI against a server behind `rule`, in a project holding the story's legacy store and a
/// saved plan of its backfill.
async fn project_behind(
    rule: Box<proxy::Rule>,
) -> (tempfile::TempDir, String, tokio::sync::oneshot::Sender<()>) {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    let store = SqliteStore::open(&dir.path().join("served.db"))
        .await
        .unwrap();
    store.restore(&legacy(), &restoring(false)).await.unwrap();
    let (url, stop) = start_server(Box::new(store), None).await;
    let proxied = proxy::start(url.trim_start_matches("http://").to_owned(), rule).await;
    let (code, _, stderr) =
        run(promptctl(dir.path()).args(["--store", &proxied, "plan", "--out", "plan.json"]));
    assert_eq!(code, 0, "{stderr}");
    (dir, proxied, stop)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_read_after_the_commit_does_not_fail_the_apply() {
    let committed = Arc::new(AtomicBool::new(false));
    let seen = Arc::clone(&committed);
    let (dir, proxied, _stop) = project_behind(Box::new(move |method, path, _| {
        if method == "POST" {
            seen.store(true, Ordering::SeqCst);
            Fault::Pass
        } else if path == "/v1/snapshot" && seen.load(Ordering::SeqCst) {
            Fault::Fail(500)
        } else {
            Fault::Pass
        }
    }))
    .await;
    let (code, stdout, stderr) =
        run(promptctl(dir.path()).args(["--store", &proxied, "apply", "plan.json"]));
    assert!(committed.load(Ordering::SeqCst));
    assert_eq!(code, 0, "the change set was committed: {stderr}");
    assert!(stdout.contains("Apply complete!"), "{stdout}");
    assert!(stderr.contains("could not be read again"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_apply_whose_answers_are_all_lost_exits_unknown() {
    let posts = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&posts);
    let (dir, proxied, _stop) = project_behind(Box::new(move |method, _, _| {
        if method == "POST" {
            counted.fetch_add(1, Ordering::SeqCst);
            Fault::LoseAnswer(504)
        } else {
            Fault::Pass
        }
    }))
    .await;
    let (code, _, stderr) =
        run(promptctl(dir.path()).args(["--store", &proxied, "apply", "plan.json"]));
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("the outcome is unknown"), "{stderr}");
    assert!(posts.load(Ordering::SeqCst) > 1, "the write was retried");
    // It was applied exactly once; a plan now shows nothing to do.
    let (code, stdout, _) =
        run(promptctl(dir.path()).args(["--store", &proxied, "plan", "--detailed-exitcode"]));
    assert_eq!(code, 0, "{stdout}");
}

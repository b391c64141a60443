//! Langfuse as a store, read side, against a local stand-in of Langfuse's public prompts API
//! written from its API reference (`GET /api/public/v2/prompts` with `page`/`limit` and
//! `meta.totalPages`; `GET /api/public/v2/prompts/{name}?version=N`; basic auth with the
//! project's public and secret keys; 401, 404, 429 with `Retry-After`). It differs from
//! Langfuse: no chat prompts, no `label=` lookups, no filters on the list, no write routes.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::common::{promptctl, run};

const PUBLIC: &str = "pk-lf-test";
const SECRET: &str = "sk-lf-test";

/// One version: its number, text, config and labels.
type Version = (i64, String, Value, Vec<String>);

/// Prompts by name, each with its versions.
#[derive(Default)]
struct StandIn {
    prompts: Mutex<Vec<(String, Vec<Version>)>>,
    /// Requests answered 429 before the next one is served.
    throttle: AtomicUsize,
}

fn authorized(headers: &HeaderMap) -> bool {
    use base64_like::encode;
    let expected = format!("Basic {}", encode(&format!("{PUBLIC}:{SECRET}")));
    headers
        .get("authorization")
        .is_some_and(|v| v.as_bytes() == expected.as_bytes())
}

/// Base64 (standard alphabet, padded): enough for a basic-auth header.
mod base64_like {
    pub(super) fn encode(text: &str) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let bytes = text.as_bytes();
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = (u32::from(chunk[0]) << 16)
                | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
                | u32::from(*chunk.get(2).unwrap_or(&0));
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
                } else {
                    out.push('=');
                }
            }
        }
        out
    }
}

#[derive(Deserialize)]
struct ListQuery {
    page: Option<usize>,
    limit: Option<usize>,
}

async fn list(
    State(s): State<Arc<StandIn>>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Response {
    if !authorized(&headers) {
        return (StatusCode::UNAUTHORIZED, "{}").into_response();
    }
    if s.throttle.load(Ordering::SeqCst) > 0 {
        s.throttle.fetch_sub(1, Ordering::SeqCst);
        return (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "1")], "{}").into_response();
    }
    let (page, limit) = (q.page.unwrap_or(1).max(1), q.limit.unwrap_or(50).max(1));
    let prompts = s.prompts.lock().unwrap();
    let data: Vec<Value> = prompts
        .iter()
        .skip((page - 1) * limit)
        .take(limit)
        .map(|(name, versions)| {
            json!({"name": name, "versions": versions.iter().map(|v| v.0).collect::<Vec<_>>(),
                   "labels": versions.iter().flat_map(|v| v.3.clone()).collect::<Vec<_>>(), "tags": []})
        })
        .collect();
    let total_pages = prompts.len().div_ceil(limit);
    axum::Json(json!({"data": data, "meta": {"page": page, "limit": limit, "totalItems": prompts.len(), "totalPages": total_pages}})).into_response()
}

#[derive(Deserialize)]
struct VersionQuery {
    version: Option<i64>,
}

async fn one(
    State(s): State<Arc<StandIn>>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(q): Query<VersionQuery>,
) -> Response {
    if !authorized(&headers) {
        return (StatusCode::UNAUTHORIZED, "{}").into_response();
    }
    let prompts = s.prompts.lock().unwrap();
    let found = prompts
        .iter()
        .find(|(n, _)| *n == name)
        .and_then(|(_, versions)| versions.iter().find(|v| Some(v.0) == q.version));
    match found {
        Some((version, text, config, labels)) => axum::Json(json!({
            "name": name, "version": version, "type": "text", "prompt": text,
            "config": config, "labels": labels, "tags": []
        }))
        .into_response(),
        None => (StatusCode::NOT_FOUND, "{\"message\":\"Prompt not found\"}").into_response(),
    }
}

async fn start(stand_in: Arc<StandIn>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new()
        .route("/api/public/v2/prompts", axum::routing::get(list))
        .route("/api/public/v2/prompts/{name}", axum::routing::get(one))
        .with_state(stand_in);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("langfuse+http://{addr}")
}

fn project(prompts: usize) -> Arc<StandIn> {
    let stand_in = StandIn::default();
    let mut all = Vec::new();
    for i in 0..prompts {
        all.push((
            format!("prompt_{i:03}"),
            vec![
                (1, format!("Old text {i}."), json!({"model": "openai/gpt-4o-mini"}), vec![]),
                (
                    2,
                    format!("Summarise {{{{ticket}}}} ({i})."),
                    json!({"model": "openai/gpt-5.2", "max_tokens": 300, "prompt_version": "v2.0.0", "subsystem": "support",
                           "input_schema": {"type": "object", "properties": {"ticket": {"type": "string"}}}}),
                    vec!["production".to_owned(), "latest".to_owned()],
                ),
            ],
        ));
    }
    *stand_in.prompts.lock().unwrap() = all;
    Arc::new(stand_in)
}

fn cli(dir: &std::path::Path, store: &str, args: &[&str]) -> (i32, String, String) {
    run(promptctl(dir)
        .args(["--store", store])
        .args(args)
        .env("LANGFUSE_PUBLIC_KEY", PUBLIC)
        .env("LANGFUSE_SECRET_KEY", SECRET))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_bootstraps_git_and_plan_shows_drift_made_in_langfuse() {
    // 120 prompts: three pages of 50; the first list request is throttled (429, Retry-After).
    let stand_in = project(120);
    stand_in.throttle.store(1, Ordering::SeqCst);
    let store = start(Arc::clone(&stand_in)).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let url = store.clone();
    let (code, _, stderr) = tokio::task::spawn_blocking(move || cli(&path, &url, &["import"]))
        .await
        .unwrap();
    assert_eq!(code, 0, "{stderr}");
    let file = dir.path().join("prompts/support/prompt_007.yaml");
    let text = fs_err::read_to_string(&file).unwrap();
    assert!(text.contains("ai_model: \"openai/gpt-5.2\""), "{text}");
    assert!(text.contains("prompt_version: \"v2.0.0\""), "{text}");
    let count = walk(&dir.path().join("prompts"));
    assert_eq!(count, 120, "every production prompt, across pages");

    let path = dir.path().to_path_buf();
    let url = store.clone();
    let (code, plan, stderr) = tokio::task::spawn_blocking(move || cli(&path, &url, &["plan"]))
        .await
        .unwrap();
    assert_eq!(code, 0, "{stderr}");
    assert!(
        plan.contains("No changes"),
        "git and Langfuse agree: {plan}"
    );

    // Someone moves the production label to version 1 in Langfuse's UI.
    {
        let mut prompts = stand_in.prompts.lock().unwrap();
        let versions = &mut prompts[7].1;
        versions[1].3.clear();
        versions[0].3.push("production".to_owned());
    }
    let path = dir.path().to_path_buf();
    let url = store.clone();
    let (_, plan, stderr) = tokio::task::spawn_blocking(move || cli(&path, &url, &["plan"]))
        .await
        .unwrap();
    assert!(
        plan.contains("prompt_007"),
        "the drift is planned away: {plan}\n{stderr}"
    );

    let path = dir.path().to_path_buf();
    let url = store.clone();
    let (code, _, stderr) =
        tokio::task::spawn_blocking(move || cli(&path, &url, &["apply", "--auto-approve"]))
            .await
            .unwrap();
    assert_eq!(code, 1);
    assert!(
        stderr.contains("apply on Langfuse is not built yet"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_keys_are_named_and_never_printed() {
    let store = start(project(1)).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let (code, _, stderr) = tokio::task::spawn_blocking(move || {
        run(promptctl(&path)
            .args(["--store", &store, "list"])
            .env("LANGFUSE_PUBLIC_KEY", PUBLIC)
            .env("LANGFUSE_SECRET_KEY", "sk-wrong-secret"))
    })
    .await
    .unwrap();
    assert_eq!(code, 1);
    assert!(
        stderr.contains("Langfuse refused the keys (401)"),
        "{stderr}"
    );
    assert!(!stderr.contains("sk-wrong-secret"), "{stderr}");
}

fn walk(dir: &std::path::Path) -> usize {
    let mut count = 0;
    for entry in fs_err::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            count += walk(&path);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            count += 1;
        }
    }
    count
}

//! Langfuse as a store, against a local stand-in of Langfuse's public prompts API written from
//! its API reference: `GET /api/public/v2/prompts` (`page`, `limit`, `name`; `meta.totalPages`),
//! `GET /api/public/v2/prompts/{name}?version=N`, `POST /api/public/v2/prompts` (a new version,
//! numbered by the server; a label set on it leaves the other versions, `latest` follows the
//! newest), `PATCH /api/public/v2/prompts/{name}/versions/{version}` (`newLabels`); basic auth
//! with the project's keys; 401, 404, 429 with `Retry-After`. It differs from Langfuse: no chat
//! prompts, no `label=` lookups, no tags, no folders, no rate limits but the ones a test asks
//! for, and writes fail only when a test says so.

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
    /// Writes served before the next one fails, and how it fails.
    fail: Mutex<Option<(usize, Fail)>>,
}

#[derive(Clone, Copy)]
enum Fail {
    /// 422, nothing written.
    Refuse,
    /// Written, then answered 503: the answer is lost.
    LoseAnswer,
}

impl StandIn {
    /// A write is refused without the keys, or as a test asked (`Fail::Refuse`); `Ok(true)`
    /// when it is to be made and its answer lost (`Fail::LoseAnswer`).
    fn admit_write(&self, headers: &HeaderMap) -> Result<bool, StatusCode> {
        if !authorized(headers) {
            return Err(StatusCode::UNAUTHORIZED);
        }
        match self.failing() {
            Some(Fail::Refuse) => Err(StatusCode::UNPROCESSABLE_ENTITY),
            Some(Fail::LoseAnswer) => Ok(true),
            None => Ok(false),
        }
    }

    /// Whether this write fails, and how.
    fn failing(&self) -> Option<Fail> {
        let mut fail = self.fail.lock().unwrap();
        match fail.as_mut() {
            Some((0, how)) => {
                let how = *how;
                *fail = None;
                Some(how)
            }
            Some((left, _)) => {
                *left -= 1;
                None
            }
            None => None,
        }
    }

    /// Set `labels` on `version` of `name`, taking them off its other versions.
    fn label(versions: &mut [Version], version: i64, labels: &[String]) {
        for v in versions.iter_mut() {
            if v.0 == version {
                v.3 = labels.to_vec();
            } else {
                v.3.retain(|l| !labels.contains(l));
            }
        }
    }
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
    name: Option<String>,
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
    let all = s.prompts.lock().unwrap();
    let prompts: Vec<&(String, Vec<Version>)> = all
        .iter()
        .filter(|(name, _)| q.name.as_ref().is_none_or(|wanted| wanted == name))
        .collect();
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

#[derive(Deserialize)]
struct Create {
    name: String,
    prompt: String,
    #[serde(default)]
    config: Value,
    #[serde(default)]
    labels: Vec<String>,
}

async fn create(
    State(s): State<Arc<StandIn>>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Create>,
) -> Response {
    let lose_answer = match s.admit_write(&headers) {
        Ok(lose_answer) => lose_answer,
        Err(refused) => return (refused, "{}").into_response(),
    };
    let mut prompts = s.prompts.lock().unwrap();
    if !prompts.iter().any(|(n, _)| *n == body.name) {
        prompts.push((body.name.clone(), Vec::new()));
    }
    let versions = &mut prompts.iter_mut().find(|(n, _)| *n == body.name).unwrap().1;
    let version = versions.iter().map(|v| v.0).max().unwrap_or(0) + 1;
    versions.push((
        version,
        body.prompt.clone(),
        body.config.clone(),
        Vec::new(),
    ));
    let mut labels = body.labels.clone();
    labels.push("latest".to_owned());
    StandIn::label(versions, version, &labels);
    if lose_answer {
        return (StatusCode::SERVICE_UNAVAILABLE, "").into_response();
    }
    axum::Json(
        json!({"name": body.name, "version": version, "type": "text", "prompt": body.prompt,
                      "config": body.config, "labels": labels, "tags": []}),
    )
    .into_response()
}

#[derive(Deserialize)]
struct NewLabels {
    #[serde(rename = "newLabels")]
    new_labels: Vec<String>,
}

async fn relabel(
    State(s): State<Arc<StandIn>>,
    headers: HeaderMap,
    Path((name, version)): Path<(String, i64)>,
    axum::Json(body): axum::Json<NewLabels>,
) -> Response {
    let lose_answer = match s.admit_write(&headers) {
        Ok(lose_answer) => lose_answer,
        Err(refused) => return (refused, "{}").into_response(),
    };
    let mut prompts = s.prompts.lock().unwrap();
    let Some((_, versions)) = prompts.iter_mut().find(|(n, _)| *n == name) else {
        return (StatusCode::NOT_FOUND, "{}").into_response();
    };
    let mut labels = body.new_labels.clone();
    // `latest` is Langfuse's own: it stays where it is.
    if versions
        .iter()
        .any(|v| v.0 == version && v.3.iter().any(|l| l == "latest"))
    {
        labels.push("latest".to_owned());
    }
    StandIn::label(versions, version, &labels);
    if lose_answer {
        return (StatusCode::SERVICE_UNAVAILABLE, "").into_response();
    }
    axum::Json(json!({"name": name, "version": version, "labels": labels})).into_response()
}

/// A Langfuse project with no prompts, for the store suite: its store, and its URL.
pub async fn empty_project() -> (promptctl::store::langfuse::LangfuseStore, String) {
    let url = start(Arc::new(StandIn::default())).await;
    let store = promptctl::store::langfuse::LangfuseStore::new(&url, &|name| match name {
        "LANGFUSE_PUBLIC_KEY" => Some(PUBLIC.to_owned()),
        "LANGFUSE_SECRET_KEY" => Some(SECRET.to_owned()),
        _ => None,
    })
    .unwrap();
    (store, url)
}

async fn start(stand_in: Arc<StandIn>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new()
        .route(
            "/api/public/v2/prompts",
            axum::routing::get(list).post(create),
        )
        .route("/api/public/v2/prompts/{name}", axum::routing::get(one))
        .route(
            "/api/public/v2/prompts/{name}/versions/{version}",
            axum::routing::patch(relabel),
        )
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
    let (code, _, stderr) = cli_async(dir.path(), &store, &["import"]).await;
    assert_eq!(code, 0, "{stderr}");
    let file = dir.path().join("prompts/support/prompt_007.yaml");
    let text = fs_err::read_to_string(&file).unwrap();
    assert!(text.contains("ai_model: \"openai/gpt-5.2\""), "{text}");
    assert!(text.contains("prompt_version: \"v2.0.0\""), "{text}");
    let count = walk(&dir.path().join("prompts"));
    assert_eq!(count, 120, "every production prompt, across pages");

    let (code, plan, stderr) = cli_async(dir.path(), &store, &["plan"]).await;
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
    let (_, plan, stderr) = cli_async(dir.path(), &store, &["plan"]).await;
    assert!(
        plan.contains("prompt_007"),
        "the drift is planned away: {plan}\n{stderr}"
    );

    let (code, _, stderr) = cli_async(dir.path(), &store, &["apply", "--auto-approve"]).await;
    assert_eq!(code, 0, "{stderr}");
    {
        let prompts = stand_in.prompts.lock().unwrap();
        let versions = &prompts[7].1;
        assert!(
            versions[1].3.contains(&"production".to_owned()),
            "the label is back on v2"
        );
        assert!(!versions[0].3.contains(&"production".to_owned()));
    }
    let (code, plan, _) = cli_async(dir.path(), &store, &["plan"]).await;
    assert_eq!(code, 0);
    assert!(plan.contains("No changes"), "{plan}");
}

/// An imported project of `prompts` prompts, and its directory.
async fn imported(stand_in: &Arc<StandIn>) -> (String, tempfile::TempDir) {
    let store = start(Arc::clone(stand_in)).await;
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = cli_async(dir.path(), &store, &["import"]).await;
    assert_eq!(code, 0, "{stderr}");
    (store, dir)
}

/// Move prompts 0..n of the project from `from` to `model` in git.
fn move_models(dir: &std::path::Path, n: usize, from: &str, model: &str) {
    for i in 0..n {
        let file = dir.join(format!("prompts/support/prompt_{i:03}.yaml"));
        let text = fs_err::read_to_string(&file).unwrap();
        fs_err::write(&file, text.replace(from, model)).unwrap();
    }
}

async fn cli_async(dir: &std::path::Path, store: &str, args: &[&str]) -> (i32, String, String) {
    let (dir, store) = (dir.to_path_buf(), store.to_owned());
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        cli(&dir, &store, &args)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_change_is_a_new_version_with_the_label_moved_and_the_config_kept() {
    let stand_in = project(3);
    let (store, dir) = imported(&stand_in).await;
    move_models(dir.path(), 2, "openai/gpt-5.2", "openai/gpt-5-mini");
    let (code, stdout, stderr) = cli_async(dir.path(), &store, &["apply", "--auto-approve"]).await;
    assert_eq!(code, 0, "STDOUT {stdout} STDERR {stderr} END");
    {
        let prompts = stand_in.prompts.lock().unwrap();
        for (name, versions) in prompts.iter().take(2) {
            let (number, _, config, labels) = versions.last().unwrap();
            assert_eq!(*number, 3, "{name}: a new version");
            assert_eq!(config["model"], "openai/gpt-5-mini");
            assert_eq!(
                config["subsystem"], "support",
                "the rest of the config is kept"
            );
            assert_eq!(config["prompt_version"], "v2.0.0");
            assert!(config["input_schema"].is_object(), "{config}");
            assert!(labels.contains(&"production".to_owned()));
            assert!(!versions[1].3.contains(&"production".to_owned()));
        }
        assert_eq!(prompts[2].1.len(), 2, "an unchanged prompt gets no version");
    }
    let (code, plan, _) = cli_async(dir.path(), &store, &["plan"]).await;
    assert_eq!(code, 0);
    assert!(plan.contains("No changes"), "{plan}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_part_way_reports_what_landed_and_a_lost_answer_exits_3() {
    let stand_in = project(3);
    let (store, dir) = imported(&stand_in).await;
    move_models(dir.path(), 3, "openai/gpt-5.2", "openai/gpt-5-mini");
    *stand_in.fail.lock().unwrap() = Some((1, Fail::LoseAnswer));
    let (code, _, stderr) = cli_async(dir.path(), &store, &["apply", "--auto-approve"]).await;
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("landed (1)"), "{stderr}");
    assert!(stderr.contains("outcome unknown"), "{stderr}");
    assert!(stderr.contains("not attempted (1)"), "{stderr}");
    assert!(
        stderr.contains("prompt_000") && stderr.contains("prompt_002"),
        "{stderr}"
    );

    // The rest applies on the next run; a definite refusal part-way is exit 1.
    move_models(dir.path(), 3, "openai/gpt-5-mini", "openai/gpt-5-nano");
    *stand_in.fail.lock().unwrap() = Some((2, Fail::Refuse));
    let (code, _, stderr) = cli_async(dir.path(), &store, &["apply", "--auto-approve"]).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("landed (2)"), "{stderr}");
    assert!(stderr.contains("failed, not landed"), "{stderr}");
    let (code, _, stderr) = cli_async(dir.path(), &store, &["apply", "--auto-approve"]).await;
    assert_eq!(code, 0, "{stderr}");
    let (_, plan, _) = cli_async(dir.path(), &store, &["plan"]).await;
    assert!(plan.contains("No changes"), "{plan}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_in_langfuse_after_the_plan_makes_it_stale() {
    let stand_in = project(2);
    let (store, dir) = imported(&stand_in).await;
    move_models(dir.path(), 2, "openai/gpt-5.2", "openai/gpt-5-mini");
    let (code, _, stderr) = cli_async(dir.path(), &store, &["plan", "--out", "plan.json"]).await;
    assert_eq!(code, 0, "{stderr}");
    // Someone moves prompt_000's label in Langfuse's UI.
    {
        let mut prompts = stand_in.prompts.lock().unwrap();
        StandIn::label(&mut prompts[0].1, 1, &["production".to_owned()]);
    }
    let before: Vec<usize> = stand_in
        .prompts
        .lock()
        .unwrap()
        .iter()
        .map(|p| p.1.len())
        .collect();
    let (code, _, stderr) = cli_async(dir.path(), &store, &["apply", "plan.json"]).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("stale plan") && stderr.contains("prompt_000"),
        "{stderr}"
    );
    let after: Vec<usize> = stand_in
        .prompts
        .lock()
        .unwrap()
        .iter()
        .map(|p| p.1.len())
        .collect();
    assert_eq!(before, after, "nothing written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_environment_may_publish_under_another_label() {
    let stand_in = project(1);
    {
        let mut prompts = stand_in.prompts.lock().unwrap();
        prompts[0].1[0].3.push("staging".to_owned());
    }
    let store = start(Arc::clone(&stand_in)).await;
    let staging = format!("{store}?label=staging");
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) =
        cli_async(dir.path(), &staging, &["list", "--format", "json"]).await;
    assert_eq!(code, 0, "{stderr}");
    let rows: Value = serde_json::from_str(&stdout).unwrap();
    let active: Vec<&Value> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["is_active"] == true)
        .collect();
    assert_eq!(active.len(), 1, "{rows}");
    assert_eq!(
        active[0]["prompt_version"], "v1",
        "version 1 carries `staging`: {rows}"
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

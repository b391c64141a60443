//! `GET /v1/watch`: one Server-Sent Event per revision, naming the prompts it changed; a
//! client that reconnects with `Last-Event-ID` resumes after it; a replica on the same
//! PostgreSQL database hears another's writes.

use std::time::{Duration, Instant};

use crate::common::stores::{TestDatabase, postgres_url};
use crate::common::{copy_prompts, promptctl, run};
use crate::serve_process::{Server, tokens};
use crate::server_api::Contract;

/// A watch stream read as text.
struct Stream {
    response: reqwest::Response,
    text: String,
}

impl Stream {
    async fn open(url: &str, token: &str, last_event_id: Option<&str>) -> Stream {
        promptctl::store::http::ensure_tls_provider();
        let mut request = reqwest::Client::new()
            .get(format!("{url}/v1/watch"))
            .bearer_auth(token);
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        Stream {
            response,
            text: String::new(),
        }
    }

    /// Read until the event with id `revision` has arrived; its data line.
    async fn until(&mut self, revision: i64) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        let marker = format!("id: {revision}\n");
        loop {
            if let Some(at) = self.text.find(&marker) {
                let rest = &self.text[at..];
                if let Some(data) = rest.lines().find_map(|l| l.strip_prefix("data: ")) {
                    return data.to_owned();
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "no event {revision}; got:\n{}", self.text);
            if let Ok(Ok(Some(chunk))) = tokio::time::timeout(left, self.response.chunk()).await {
                self.text.push_str(&String::from_utf8_lossy(&chunk));
            }
        }
    }
}

fn apply(dir: &std::path::Path, store: &str, token: &str) {
    let (code, _, stderr) = run(promptctl(dir)
        .args(["--store", store, "apply", "--auto-approve"])
        .env("PROMPTCTL_TOKEN", token));
    assert_eq!(code, 0, "{stderr}");
}

/// Checks one event (its fields as OpenAPI models Server-Sent Events) and its JSON data
/// against what `schemas/openapi.json` says `GET /v1/watch` sends, as schemathesis does.
fn documented(event: &serde_json::Value) {
    let contract = Contract::load();
    let ok = &contract.document["paths"]["/v1/watch"]["get"]["responses"]["200"];
    let schema = &ok["content"]["text/event-stream"]["schema"];
    let data: serde_json::Value = serde_json::from_str(event["data"].as_str().unwrap()).unwrap();
    for (schema, value) in [
        (schema, event),
        (&schema["properties"]["data"]["contentSchema"], &data),
    ] {
        let problems = contract.problems(schema, value);
        assert!(
            problems.is_empty(),
            "{value} is not as documented: {problems:?}"
        );
    }
}

fn change_a_prompt(dir: &std::path::Path, model: &str) {
    let (code, _, stderr) = run(promptctl(dir).args([
        "set-model",
        model,
        "--prompt",
        "generate_mock_incident_data",
    ]));
    assert_eq!(code, 0, "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watcher_hears_each_revision_and_resumes_after_the_last_it_got() {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    let (admin, read) = tokens(dir.path());
    let server = Server::start(
        dir.path(),
        &["--database", "sqlite:served.db", "--tokens", "tokens"],
    );
    let path = dir.path().to_path_buf();
    let url = server.url.clone();
    let token = admin.clone();
    tokio::task::spawn_blocking(move || apply(&path, &url, &token))
        .await
        .unwrap();

    let mut stream = Stream::open(&server.url, &read, None).await;
    let path = dir.path().to_path_buf();
    let url = server.url.clone();
    let token = admin.clone();
    tokio::task::spawn_blocking(move || {
        change_a_prompt(&path, "openai/gpt-5-mini");
        apply(&path, &url, &token);
    })
    .await
    .unwrap();
    let data = stream.until(2).await;
    documented(&serde_json::json!({"event": "revision", "id": "2", "data": data}));
    let event: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert_eq!(event["revision"], 2);
    assert_eq!(
        event["names"],
        serde_json::json!(["generate_mock_incident_data"])
    );
    assert!(
        !stream.text.contains("id: 1\n"),
        "from now on, not from the start"
    );

    // A start the document does not allow is refused, not read as "from the start".
    for since in ["-1", "x", "1.5", "9007199254740992", "58369597802955358208"] {
        let answer = reqwest::Client::new()
            .get(format!("{}/v1/watch?since={since}", server.url))
            .bearer_auth(&read)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 400, "since={since}");
    }

    // Reconnecting after revision 0: both revisions, in order, without a new write.
    let mut resumed = Stream::open(&server.url, &read, Some("0")).await;
    let first = resumed.until(1).await;
    assert!(first.contains("\"revision\":1"), "{first}");
    resumed.until(2).await;
    let one = resumed.text.find("id: 1\n").unwrap();
    let two = resumed.text.find("id: 2\n").unwrap();
    assert!(one < two, "in revision order");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_hears_the_other_replicas_write() {
    let Some(admin_url) = postgres_url() else {
        return;
    };
    let database = TestDatabase::create(&admin_url).await;
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    let (admin, read) = tokens(dir.path());
    let args = [
        "--database",
        database.url.as_str(),
        "--tokens",
        "tokens",
        "--refresh-ms",
        "60000",
    ];
    let (one, two) = (
        Server::start(dir.path(), &args),
        Server::start(dir.path(), &args),
    );
    let mut stream = Stream::open(&two.url, &read, None).await;
    let path = dir.path().to_path_buf();
    let url = one.url.clone();
    tokio::task::spawn_blocking(move || apply(&path, &url, &admin))
        .await
        .unwrap();
    // The periodic refresh is a minute away: only the database's signal can bring it.
    let data = stream.until(1).await;
    assert!(data.contains("generate_mock_incident_data"), "{data}");
}

//! The HTTP API on a real listening socket: auth, limits, hostile requests, caching, and the
//! OpenAPI document against the live routes.

use std::io::{Read, Write};

use promptctl::server::Tokens;
use promptctl::server::auth::{digest_hex, new_token};
use promptctl::store::Store;
use promptctl::store::sqlite::SqliteStore;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::stores::start_server;

struct Api {
    url: String,
    admin: String,
    read: String,
    client: reqwest::Client,
    _stop: tokio::sync::oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

async fn api() -> Api {
    promptctl::store::http::ensure_tls_provider();
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("store.db"))
        .await
        .unwrap();
    let (admin, read) = (new_token().unwrap(), new_token().unwrap());
    let file = format!(
        "admin ci {}\nread app {}\n",
        digest_hex(&admin),
        digest_hex(&read)
    );
    let (url, stop) = start_server(
        Box::new(store),
        Some(Tokens::parse(&file, "tokens").unwrap()),
    )
    .await;
    Api {
        url,
        admin,
        read,
        client: reqwest::Client::new(),
        _stop: stop,
        _dir: dir,
    }
}

impl Api {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> (StatusCode, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let bytes = response.bytes().await.unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    async fn revision(&self) -> i64 {
        let (_, snapshot) = self
            .call(
                reqwest::Method::GET,
                "/v1/snapshot",
                Some(&self.admin),
                None,
            )
            .await;
        snapshot["revision"].as_i64().unwrap()
    }

    async fn store_id(&self) -> String {
        let (_, snapshot) = self
            .call(reqwest::Method::GET, "/v1/snapshot", Some(&self.read), None)
            .await;
        snapshot["store_id"].as_str().unwrap().to_owned()
    }
}

fn insert(store_id: &str, name: &str, model: &str) -> Vec<u8> {
    json!({
        "store_id": store_id,
        "actor": "test",
        "ops": [{"op": "insert", "action": "create", "expect_new_name": true, "row": {
            "prompt_name": name, "prompt_version": "v1", "prompt_template": "Hello {{who}}",
            "description": null, "input_schema": null, "output_schema": null, "workflow_step": null,
            "subsystem": "s", "ai_model": model, "max_tokens": 100, "temperature": null, "is_active": true
        }}]
    })
    .to_string()
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthorised_and_malformed_requests_get_4xx_and_change_nothing() {
    let api = api().await;
    let store_id = api.store_id().await;
    use reqwest::Method as M;
    type Case<'a> = (
        M,
        &'a str,
        Option<&'a str>,
        Option<Vec<u8>>,
        StatusCode,
        &'a str,
    );
    let cases: Vec<Case<'_>> = vec![
        (
            M::GET,
            "/v1/snapshot",
            None,
            None,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (
            M::GET,
            "/v1/snapshot",
            Some("pct_not-a-token"),
            None,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (
            M::POST,
            "/v1/changesets",
            Some(&api.read),
            Some(insert(&store_id, "a", "openai/gpt-5")),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            M::POST,
            "/v1/changesets",
            Some(&api.admin),
            Some(b"{\"store_id\": ".to_vec()),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            M::POST,
            "/v1/changesets",
            Some(&api.admin),
            Some(b"[1, 2]".to_vec()),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            M::POST,
            "/v1/changesets",
            Some(&api.admin),
            Some(insert(&store_id, "a", "openai/gpt-6")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unprocessable",
        ),
        (
            M::POST,
            "/v1/changesets",
            Some(&api.admin),
            Some(insert(&store_id, "a", "")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unprocessable",
        ),
        (
            M::POST,
            "/v1/changesets",
            Some(&api.admin),
            Some(insert("another-store", "a", "openai/gpt-5")),
            StatusCode::CONFLICT,
            "wrong_store",
        ),
        (
            M::POST,
            "/v1/restore",
            Some(&api.read),
            Some(b"{}".to_vec()),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            M::GET,
            "/v1/prompts/%27%3B%20DROP%20TABLE%20ai_prompts%3B--",
            Some(&api.read),
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            M::GET,
            "/v1/prompts/..%2F..%2Fetc%2Fpasswd",
            Some(&api.read),
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            M::GET,
            "/v1/prompts/a%2Fb",
            Some(&api.read),
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            M::GET,
            "/v1/history?limit=lots",
            Some(&api.read),
            None,
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            M::GET,
            "/v1/nothing-here",
            Some(&api.read),
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ];
    for (method, path, token, body, status, code) in cases {
        let (got, body) = api.call(method.clone(), path, token, body).await;
        assert_eq!(got, status, "{method} {path}: {body}");
        assert_eq!(body["error"]["code"], code, "{method} {path}: {body}");
        assert!(body["error"]["message"].is_string());
    }
    assert_eq!(api.revision().await, 0, "nothing was written");
    let (_, snapshot) = api
        .call(M::GET, "/v1/snapshot", Some(&api.read), None)
        .await;
    assert_eq!(snapshot["rows"], json!([]));
}

/// Send raw bytes and return what the server answers first.
fn raw(addr: &str, request: Vec<u8>) -> String {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    // The server may answer and close before all is sent: that is the point.
    let _ = stream.write_all(&request);
    let mut reply = vec![0u8; 4096];
    let read = stream.read(&mut reply).unwrap_or(0);
    String::from_utf8_lossy(&reply[..read]).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_are_refused_whether_declared_or_not() {
    let api = api().await;
    let addr = api.url.trim_start_matches("http://").to_owned();
    let head = |extra: &str| {
        format!(
            "POST /v1/changesets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\n{extra}\r\n",
            api.admin
        )
    };
    // A huge Content-Length is answered at once, before any body arrives.
    let declared = head("Content-Length: 99999999999\r\n").into_bytes();
    let reply = tokio::task::spawn_blocking({
        let addr = addr.clone();
        move || raw(&addr, [declared, b"{".to_vec()].concat())
    })
    .await
    .unwrap();
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
    assert!(reply.contains("payload_too_large"), "{reply}");
    // A chunked body that turns out too large is cut off by the reading limit.
    let mut chunked = head("Transfer-Encoding: chunked\r\n").into_bytes();
    let chunk = vec![b' '; 1024 * 1024];
    for _ in 0..5 {
        chunked.extend(format!("{:x}\r\n", chunk.len()).bytes());
        chunked.extend(&chunk);
        chunked.extend(b"\r\n");
    }
    chunked.extend(b"0\r\n\r\n");
    let reply = tokio::task::spawn_blocking(move || raw(&addr, chunked))
        .await
        .unwrap();
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
    assert!(reply.contains("payload_too_large"), "{reply}");
    assert_eq!(api.revision().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applications_read_the_active_prompt_with_etags() {
    let api = api().await;
    let store_id = api.store_id().await;
    let (status, outcome) = api
        .call(
            reqwest::Method::POST,
            "/v1/changesets",
            Some(&api.admin),
            Some(insert(&store_id, "greet", "openai/gpt-5-mini")),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    assert_eq!(outcome["revision"], 1);
    let url = format!("{}/v1/prompts/greet", api.url);
    let response = api
        .client
        .get(&url)
        .bearer_auth(&api.read)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let prompt: Value = response.json().await.unwrap();
    assert_eq!(prompt["ai_model"], "openai/gpt-5-mini");
    assert_eq!(prompt["fallback_model"], "openai/gpt-4o-mini");
    assert_eq!(prompt["prompt_template"], "Hello {{who}}");
    assert_eq!(prompt["revision"], 1);
    let again = api
        .client
        .get(&url)
        .bearer_auth(&api.read)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    let (_, list) = api
        .call(reqwest::Method::GET, "/v1/prompts", Some(&api.read), None)
        .await;
    assert_eq!(list["prompts"][0]["prompt_name"], "greet");
    let (_, history) = api
        .call(
            reqwest::Method::GET,
            "/v1/history?name=greet",
            Some(&api.read),
            None,
        )
        .await;
    assert_eq!(
        history[0]["actor"], "ci (test)",
        "the token's name is the actor"
    );
    let (_, models) = api
        .call(reqwest::Method::GET, "/v1/models", Some(&api.read), None)
        .await;
    assert!(
        models
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == "openai/gpt-5" && m["default"] == true)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_without_a_model_is_served_with_the_default_model() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("store.db"))
        .await
        .unwrap();
    let legacy = promptctl::store::export::read(
        r#"[{"prompt_name":"old","prompt_version":"v1","prompt_template":"t"}]"#,
        1,
    )
    .unwrap();
    store.restore(&legacy, "test", false).await.unwrap();
    promptctl::store::http::ensure_tls_provider();
    let (url, _stop) = start_server(Box::new(store), None).await;
    let prompt: Value = reqwest::get(format!("{url}/v1/prompts/old"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(prompt["ai_model"], "openai/gpt-5");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_operation_is_served() {
    let api = api().await;
    let document = promptctl::server::openapi::document();
    let committed: Value = serde_json::from_str(
        &fs_err::read_to_string(crate::common::repo_root().join("schemas/openapi.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        document, committed,
        "schemas/openapi.json is stale: run `promptctl schema`"
    );
    for (path, operations) in document["paths"].as_object().unwrap() {
        for method in operations.as_object().unwrap().keys() {
            let concrete = path.replace("{name}", "nothing");
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let body = (method == reqwest::Method::POST).then(|| b"{}".to_vec());
            let (status, body) = api
                .call(method.clone(), &concrete, Some(&api.admin), body)
                .await;
            assert!(
                status != StatusCode::METHOD_NOT_ALLOWED
                    && (status != StatusCode::NOT_FOUND || path.contains("{name}")),
                "{method} {path} is documented but not served: {status} {body}"
            );
        }
    }
}

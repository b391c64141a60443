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
            "description": null, "input_schema": "{\"properties\":{\"who\":{\"type\":\"string\"}},\"type\":\"object\"}",
            "output_schema": null, "workflow_step": null,
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
            "refused",
        ),
        (
            M::POST,
            "/v1/changesets",
            Some(&api.admin),
            Some(insert(&store_id, "a", "")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "refused",
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
    // Any whole number is a limit the server caps, as the document says: even one past u64.
    let (status, capped) = api
        .call(
            reqwest::Method::GET,
            "/v1/history?limit=29727452289189780210069798912",
            Some(&api.read),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{capped}");
    assert!(capped.as_array().unwrap().len() >= history.as_array().unwrap().len());
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
    let legacy = promptctl::formats::export_v1::read(
        r#"[{"prompt_name":"old","prompt_version":"v1","prompt_template":"t"}]"#,
        1,
    )
    .unwrap();
    store
        .restore(&legacy, &crate::common::stores::restoring(false))
        .await
        .unwrap();
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

/// Checks live answers against `schemas/openapi.json` with a JSON Schema 2020-12 validator:
/// every status must be documented for its operation, and every body must match its schema.
pub(crate) struct Contract {
    pub(crate) document: Value,
}

impl Contract {
    pub(crate) fn load() -> Contract {
        let document = promptctl::server::openapi::document();
        let committed: Value = serde_json::from_str(
            &fs_err::read_to_string(crate::common::repo_root().join("schemas/openapi.json"))
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            document, committed,
            "schemas/openapi.json is stale: run `promptctl schema --all`"
        );
        Contract { document }
    }

    /// The documented response of `template` (a path as documented) for `status`.
    fn check(&self, method: &reqwest::Method, template: &str, status: StatusCode, body: &Value) {
        let operation = &self.document["paths"][template][method.as_str().to_ascii_lowercase()];
        assert!(
            operation.is_object(),
            "{method} {template} is not documented"
        );
        let response = &operation["responses"][status.as_str()];
        assert!(
            response.is_object(),
            "{method} {template} answered {status}, which the document does not list: {body}"
        );
        let Some(schema) = response["content"]["application/json"]["schema"].as_object() else {
            assert!(body.is_null(), "{status} has no documented body: {body}");
            return;
        };
        let problems = self.problems(&Value::Object(schema.clone()), body);
        assert!(
            problems.is_empty(),
            "{method} {template} {status}: the body does not match the document:\n{}\n{body:#}",
            problems.join("\n")
        );
    }

    /// Where `value` breaks `schema`, a schema of the document (its `$ref`s resolved there).
    pub(crate) fn problems(&self, schema: &Value, value: &Value) -> Vec<String> {
        let mut root = schema.clone();
        root["components"] = self.document["components"].clone();
        let validator = jsonschema::draft202012::new(&root).unwrap();
        validator
            .iter_errors(value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_answers_match_the_openapi_document() {
    use reqwest::Method as M;
    let api = api().await;
    let contract = Contract::load();
    let store_id = api.store_id().await;
    let admin = Some(api.admin.as_str());
    let read = Some(api.read.as_str());
    let restore_of = |rows: Value, force: bool, allow_empty: bool| {
        json!({"restore": {"format_version": 1, "rows": rows}, "force": force, "allow_empty": allow_empty})
            .to_string()
            .into_bytes()
    };
    let stale = json!({"store_id": store_id, "actor": "t", "ops": [{"op": "update", "action": "update",
        "id": "nope", "expected_row_version": 1, "patch": {"temperature": null}}]});
    // (method, documented path, concrete path, token, body, expected status)
    type Call<'a> = (
        M,
        &'a str,
        String,
        Option<&'a str>,
        Option<Vec<u8>>,
        StatusCode,
    );
    let calls: Vec<Call<'_>> = vec![
        (
            M::GET,
            "/healthz",
            "/healthz".into(),
            None,
            None,
            StatusCode::OK,
        ),
        (
            M::GET,
            "/v1/snapshot",
            "/v1/snapshot".into(),
            read,
            None,
            StatusCode::OK,
        ),
        (
            M::GET,
            "/v1/snapshot",
            "/v1/snapshot".into(),
            None,
            None,
            StatusCode::UNAUTHORIZED,
        ),
        (
            M::POST,
            "/v1/changesets",
            "/v1/changesets".into(),
            admin,
            Some(insert(&store_id, "a", "openai/gpt-5")),
            StatusCode::OK,
        ),
        (
            M::POST,
            "/v1/changesets",
            "/v1/changesets".into(),
            admin,
            Some(insert(&store_id, "b", "openai/gpt-4o-mini")),
            StatusCode::OK,
        ),
        (
            M::POST,
            "/v1/changesets",
            "/v1/changesets".into(),
            read,
            Some(insert(&store_id, "c", "openai/gpt-5")),
            StatusCode::FORBIDDEN,
        ),
        (
            M::POST,
            "/v1/changesets",
            "/v1/changesets".into(),
            admin,
            Some(stale.to_string().into_bytes()),
            StatusCode::CONFLICT,
        ),
        (
            M::POST,
            "/v1/changesets",
            "/v1/changesets".into(),
            admin,
            Some(insert("other", "c", "openai/gpt-5")),
            StatusCode::CONFLICT,
        ),
        (
            M::POST,
            "/v1/changesets",
            "/v1/changesets".into(),
            admin,
            Some(insert(&store_id, "c", "openai/gpt-6")),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            M::POST,
            "/v1/changesets",
            "/v1/changesets".into(),
            admin,
            Some(b"{\"store_id\": ".to_vec()),
            StatusCode::BAD_REQUEST,
        ),
        (
            M::POST,
            "/v1/changesets",
            "/v1/changesets".into(),
            admin,
            Some(br#"{"store_id":"x","actor":"t","ops":[],"colour":1}"#.to_vec()),
            StatusCode::BAD_REQUEST,
        ),
        (
            M::GET,
            "/v1/snapshot",
            "/v1/snapshot".into(),
            read,
            None,
            StatusCode::OK,
        ),
        (
            M::GET,
            "/v1/prompts",
            "/v1/prompts".into(),
            read,
            None,
            StatusCode::OK,
        ),
        (
            M::GET,
            "/v1/prompts/{name}",
            "/v1/prompts/a".into(),
            read,
            None,
            StatusCode::OK,
        ),
        (
            M::GET,
            "/v1/prompts/{name}",
            "/v1/prompts/nothing".into(),
            read,
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            M::GET,
            "/v1/history",
            "/v1/history".into(),
            read,
            None,
            StatusCode::OK,
        ),
        (
            M::GET,
            "/v1/history",
            "/v1/history?name=a&limit=5".into(),
            read,
            None,
            StatusCode::OK,
        ),
        (
            M::GET,
            "/v1/history",
            "/v1/history?limit=abc".into(),
            read,
            None,
            StatusCode::BAD_REQUEST,
        ),
        (
            M::GET,
            "/v1/models",
            "/v1/models".into(),
            read,
            None,
            StatusCode::OK,
        ),
        (
            M::POST,
            "/v1/restore",
            "/v1/restore".into(),
            admin,
            Some(restore_of(json!([]), false, false)),
            StatusCode::CONFLICT,
        ),
        (
            M::POST,
            "/v1/restore",
            "/v1/restore".into(),
            admin,
            Some(restore_of(json!([]), true, false)),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            M::POST,
            "/v1/restore",
            "/v1/restore".into(),
            admin,
            Some(restore_of(
                json!([{"prompt_name": "x\u{7}", "prompt_version": "v1", "prompt_template": "t"}]),
                true,
                false,
            )),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            M::POST,
            "/v1/restore",
            "/v1/restore".into(),
            read,
            Some(restore_of(json!([]), true, true)),
            StatusCode::FORBIDDEN,
        ),
        (
            M::POST,
            "/v1/restore",
            "/v1/restore".into(),
            admin,
            Some(restore_of(
                json!([{"prompt_name": "x", "prompt_version": "v1", "prompt_template": "t"}]),
                true,
                false,
            )),
            StatusCode::OK,
        ),
        (
            M::GET,
            "/v1/backups/{id}",
            "/v1/backups/nothing".into(),
            read,
            None,
            StatusCode::NOT_FOUND,
        ),
    ];
    let mut backup = None;
    for (method, template, path, token, body, expected) in calls {
        let (status, answer) = api.call(method.clone(), &path, token, body).await;
        assert_eq!(status, expected, "{method} {path}: {answer}");
        contract.check(&method, template, status, &answer);
        if template == "/v1/restore" && status == StatusCode::OK {
            backup = answer["backup"]["id"].as_str().map(str::to_owned);
        }
    }
    // The backup the restore named, and ETags answered with 304 and no body.
    let backup = backup.expect("the forced restore names its backup");
    let (status, answer) = api
        .call(M::GET, &format!("/v1/backups/{backup}"), read, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    contract.check(&M::GET, "/v1/backups/{id}", status, &answer);
    assert_eq!(answer["rows"].as_array().unwrap().len(), 2);
    for (template, path) in [
        ("/v1/prompts", "/v1/prompts"),
        ("/v1/prompts/{name}", "/v1/prompts/x"),
    ] {
        let response = api
            .client
            .get(format!("{}{path}", api.url))
            .bearer_auth(&api.read)
            .send()
            .await
            .unwrap();
        let etag = response.headers()["etag"].to_str().unwrap().to_owned();
        let again = api
            .client
            .get(format!("{}{path}", api.url))
            .bearer_auth(&api.read)
            .header("if-none-match", etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        contract.check(&M::GET, template, again.status(), &Value::Null);
    }
    // A method a path does not have gets the same error shape.
    let (status, answer) = api.call(M::DELETE, "/v1/snapshot", admin, None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(answer["error"]["code"], "method_not_allowed");
}

#[test]
#[should_panic(expected = "does not match the document")]
fn the_contract_check_refuses_a_body_the_document_does_not_allow() {
    Contract::load().check(
        &reqwest::Method::GET,
        "/healthz",
        StatusCode::OK,
        &json!({"status": "ok", "revision": "seven"}),
    );
}

#[test]
#[should_panic(expected = "which the document does not list")]
fn the_contract_check_refuses_an_undocumented_status() {
    Contract::load().check(
        &reqwest::Method::GET,
        "/v1/models",
        StatusCode::NOT_FOUND,
        &json!({"error": {"code": "not_found", "message": "x"}}),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_through_the_api_checks_every_row_as_a_file_restore_does() {
    let api = api().await;
    let cases = [
        (
            "prompt_version",
            json!(""),
            "row 1, field `prompt_version`: is empty",
        ),
        (
            "row_version",
            json!(-1),
            "row 1, field `row_version`: must be 1 or more",
        ),
        ("updated_at", json!(-5), "row 1, field `updated_at`"),
        (
            "id",
            json!("a\nb"),
            "row 1, field `id`: holds the control character",
        ),
        ("colour", json!("red"), "row 1: unknown field `colour`"),
        ("ai_model", json!("acme/nope"), "row 1, field `ai_model`"),
    ];
    for (field, value, expected) in cases {
        let mut row = json!({"prompt_name": "a", "prompt_version": "v1", "prompt_template": "t"});
        row[field] = value.clone();
        let body = json!({"restore": [row], "force": true})
            .to_string()
            .into_bytes();
        let (status, answer) = api
            .call(
                reqwest::Method::POST,
                "/v1/restore",
                Some(&api.admin),
                Some(body),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {answer}"
        );
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{field}: {message}");
    }
    assert_eq!(api.revision().await, 0, "nothing was restored");
}

//! Peers that attack `serve`: connections that never finish their headers or sit idle, more
//! connections than the server keeps, cross-site requests without a JSON content type, a
//! rebinding page's Host, and an idempotency key reused for another request.

use std::time::{Duration, Instant};

use promptctl::server::auth::{digest_hex, new_token};
use promptctl::server::{ConnectionLimits, Tokens};
use promptctl::store::Store;
use promptctl::store::postgres::PostgresStore;
use promptctl::store::sqlite::SqliteStore;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::stores::{TestDatabase, postgres_url, start_server, start_server_with};

/// A server without auth over a new SQLite store, with `limits`.
async fn server(
    limits: ConnectionLimits,
) -> (String, tokio::sync::oneshot::Sender<()>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("store.db"))
        .await
        .unwrap();
    let (url, stop) = start_server_with(Box::new(store), None, |options| {
        options.limits = limits;
    })
    .await;
    (url.trim_start_matches("http://").to_owned(), stop, dir)
}

/// Everything the peer sends until it closes the connection, or `None` if it is still open
/// after `patience`.
async fn read_until_closed(stream: &mut TcpStream, patience: Duration) -> Option<String> {
    let mut received = Vec::new();
    let reading = async {
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    };
    tokio::time::timeout(patience, reading).await.ok()?;
    Some(String::from_utf8_lossy(&received).into_owned())
}

fn quick(header_timeout: Duration) -> ConnectionLimits {
    ConnectionLimits {
        header_timeout,
        ..ConnectionLimits::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_never_finishes_its_headers_is_closed() {
    let (addr, _stop, _dir) = server(quick(Duration::from_secs(1))).await;
    let mut slow = TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        .await
        .unwrap();
    let started = Instant::now();
    let closed = read_until_closed(&mut slow, Duration::from_secs(10)).await;
    assert!(
        closed.is_some(),
        "a partial request head kept its connection"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_kept_alive_connection_is_closed() {
    let (addr, _stop, _dir) = server(quick(Duration::from_secs(1))).await;
    let mut idle = TcpStream::connect(&addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let answered = read_until_closed(&mut idle, Duration::from_secs(10))
        .await
        .expect("the idle connection was never closed");
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_limit_are_turned_away_and_health_still_answers() {
    let limits = ConnectionLimits {
        header_timeout: Duration::from_secs(30),
        max_connections: 3,
    };
    let (addr, _stop, _dir) = server(limits).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(TcpStream::connect(&addr).await.unwrap());
    }
    // The held connections are accepted before the next one is.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut extra = TcpStream::connect(&addr).await.unwrap();
    let answer = read_until_closed(&mut extra, Duration::from_secs(5))
        .await
        .expect("a connection past the limit was kept waiting");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    let body: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "unavailable", "{body}");
    // Once the held connections go, the server answers again.
    drop(held);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut probe = TcpStream::connect(&addr).await.unwrap();
        probe
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let answer = read_until_closed(&mut probe, Duration::from_secs(5))
            .await
            .unwrap_or_default();
        if answer.starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(Instant::now() < deadline, "still turned away: {answer}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A restore of one row, as an API body.
fn restore_body(name: &str) -> String {
    json!({"restore": {"rows": [{"prompt_name": name, "prompt_version": "v1",
        "prompt_template": "T", "ai_model": "openai/gpt-5"}]}})
    .to_string()
}

async fn post(
    url: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: String,
) -> (reqwest::StatusCode, Value) {
    promptctl::store::http::ensure_tls_provider();
    let mut request = reqwest::Client::new()
        .post(format!("{url}{path}"))
        .body(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_writes_must_be_declared_json() {
    let (addr, _stop, dir) = server(ConnectionLimits::default()).await;
    let url = format!("http://{addr}");
    // What a web page can send anywhere without a preflight.
    for content_type in ["text/plain", "application/x-www-form-urlencoded", ""] {
        let headers: &[(&str, &str)] = if content_type.is_empty() {
            &[]
        } else {
            &[("content-type", content_type)]
        };
        let (status, answer) = post(&url, "/v1/restore", headers, restore_body("a")).await;
        assert_eq!(status, 415, "{content_type}: {answer}");
        assert_eq!(
            answer["error"]["code"], "unsupported_media_type",
            "{answer}"
        );
    }
    let store = SqliteStore::open(&dir.path().join("store.db"))
        .await
        .unwrap();
    assert_eq!(
        store.snapshot().await.unwrap().revision,
        0,
        "nothing was written"
    );
    let json_type = [("content-type", "application/json; charset=utf-8")];
    let (status, answer) = post(&url, "/v1/restore", &json_type, restore_body("a")).await;
    assert_eq!(status, 200, "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_auth_only_a_loopback_host_is_answered() {
    let (addr, _stop, _dir) = server(ConnectionLimits::default()).await;
    let port = addr.rsplit(':').next().unwrap();
    for (host, answered) in [
        (format!("evil.example:{port}"), false),
        (format!("127.0.0.1.nip.io:{port}"), false),
        (format!("localhost:{port}"), true),
        (format!("127.0.0.1:{port}"), true),
    ] {
        for path in ["/v1/snapshot", "/prompts"] {
            let mut stream = TcpStream::connect(&addr).await.unwrap();
            let request =
                format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
            stream.write_all(request.as_bytes()).await.unwrap();
            let answer = read_until_closed(&mut stream, Duration::from_secs(5))
                .await
                .unwrap();
            let status = if answered {
                "HTTP/1.1 200"
            } else {
                "HTTP/1.1 421"
            };
            assert!(answer.starts_with(status), "{host} {path}: {answer}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_auth_any_host_is_answered() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("store.db"))
        .await
        .unwrap();
    let read = new_token().unwrap();
    let tokens = Tokens::parse(&format!("read app {}\n", digest_hex(&read)), "t").unwrap();
    let (url, _stop) = start_server(Box::new(store), Some(tokens)).await;
    let addr = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "GET /v1/snapshot HTTP/1.1\r\nHost: prompts.example.com\r\nAuthorization: Bearer {read}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let answer = read_until_closed(&mut stream, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// The same idempotency key with another body is refused, and the other body not applied;
/// the same body again is the first outcome, applied once.
async fn a_reused_key_is_refused(store: Box<dyn Store>) {
    let (url, _stop) = start_server(store, None).await;
    let json_type = ("content-type", "application/json");
    let keyed = [json_type, ("idempotency-key", "key-1")];
    let (status, first) = post(&url, "/v1/restore", &keyed, restore_body("a")).await;
    assert_eq!(status, 200, "{first}");
    let (status, again) = post(&url, "/v1/restore", &keyed, restore_body("a")).await;
    assert_eq!((status, &again), (reqwest::StatusCode::OK, &first));
    let (status, other) = post(&url, "/v1/restore", &keyed, restore_body("b")).await;
    assert_eq!(status, 422, "{other}");
    let message = other["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("already used for a different request"),
        "{message}"
    );

    let snapshot: Value = reqwest::get(format!("{url}/v1/snapshot"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(snapshot["revision"], first["revision"], "{snapshot}");
    let store_id = snapshot["store_id"].as_str().unwrap();
    let change = |name: &str| {
        json!({"store_id": store_id, "actor": "t", "ops": [{"op": "insert", "action": "create",
            "row": {"prompt_name": name, "prompt_version": "v1", "prompt_template": "T",
            "description": null, "input_schema": null, "output_schema": null,
            "workflow_step": null, "subsystem": null, "ai_model": "openai/gpt-5",
            "max_tokens": null, "temperature": null, "is_active": true}}]})
        .to_string()
    };
    let keyed = [json_type, ("idempotency-key", "key-2")];
    let (status, first) = post(&url, "/v1/changesets", &keyed, change("c")).await;
    assert_eq!(status, 200, "{first}");
    let (status, other) = post(&url, "/v1/changesets", &keyed, change("d")).await;
    assert_eq!(status, 422, "{other}");
    let snapshot: Value = reqwest::get(format!("{url}/v1/snapshot"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = snapshot["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["prompt_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a", "c"], "{snapshot}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotency_key_reused_for_another_body_is_refused_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("store.db"))
        .await
        .unwrap();
    a_reused_key_is_refused(Box::new(store)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotency_key_reused_for_another_body_is_refused_on_postgres() {
    let Some(admin) = postgres_url() else { return };
    let database = TestDatabase::create(&admin).await;
    let store = PostgresStore::open(&database.url).await.unwrap();
    a_reused_key_is_refused(Box::new(store)).await;
}

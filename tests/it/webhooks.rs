//! Webhooks against a receiver in the test: every delivery's signature checked, revisions in
//! order; a receiver down for a while gets every event afterwards; kill -9 of serve between
//! commit and delivery loses nothing; two replicas deliver each event once.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;

use crate::common::stores::{TestDatabase, postgres_url};
use crate::common::{copy_prompts, promptctl, run};
use crate::serve_process::{Server, free_port, tokens};

const SECRET: &str = "test webhook secret";

/// What the receiver got: each delivery's revision, and whether its signature held.
#[derive(Default)]
struct Received {
    deliveries: Mutex<Vec<(i64, bool, String)>>,
    down: AtomicBool,
}

async fn receive(
    State(received): State<Arc<Received>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    if received.down.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let expected = format!(
        "sha256={}",
        promptctl::digest::hmac_sha256_hex(SECRET.as_bytes(), &body)
    );
    let signed = headers
        .get("x-promptctl-signature")
        .is_some_and(|v| v.as_bytes() == expected.as_bytes());
    let event: Value = serde_json::from_slice(&body).unwrap_or_default();
    let delivery = headers
        .get("x-promptctl-delivery")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    received.deliveries.lock().unwrap().push((
        event["revision"].as_i64().unwrap_or(-1),
        signed,
        delivery,
    ));
    StatusCode::OK
}

/// A receiver on `port` (0: any), answering 503 while `down`.
async fn receiver(port: u16, down: bool) -> (Arc<Received>, SocketAddr) {
    let received = Arc::new(Received::default());
    received.down.store(down, Ordering::SeqCst);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        // A redirect to the real hook: not an acknowledgement.
        .route(
            "/moved",
            axum::routing::post(|| async {
                (StatusCode::FOUND, [(axum::http::header::LOCATION, "/hook")])
            }),
        )
        .with_state(Arc::clone(&received));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (received, addr)
}

/// Up to 40 s: a killed server's delivery lease (15 s) must lapse first.
async fn wait_for(received: &Received, revisions: &[i64]) {
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let got: Vec<i64> = received
            .deliveries
            .lock()
            .unwrap()
            .iter()
            .map(|d| d.0)
            .collect();
        if revisions.iter().all(|r| got.contains(r)) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "waited for {revisions:?}, got {got:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Revisions through `server`: the story, then two model moves.
async fn three_revisions(dir: &std::path::Path, store: &str, token: &str) {
    let (dir, store, token) = (dir.to_path_buf(), store.to_owned(), token.to_owned());
    tokio::task::spawn_blocking(move || {
        let apply = || {
            let (code, _, stderr) = run(promptctl(&dir)
                .args(["--store", &store, "apply", "--auto-approve"])
                .env("PROMPTCTL_TOKEN", &token));
            assert_eq!(code, 0, "{stderr}");
        };
        apply();
        for model in ["openai/gpt-5-mini", "openai/gpt-5.2"] {
            let (code, _, stderr) = run(promptctl(&dir).args([
                "set-model",
                model,
                "--prompt",
                "generate_mock_incident_data",
            ]));
            assert_eq!(code, 0, "{stderr}");
            apply();
        }
    })
    .await
    .unwrap();
}

/// A folder with the story's prompts and a tokens file; the admin token.
fn project() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    let (admin, _) = tokens(dir.path());
    (dir, admin)
}

fn serve(dir: &std::path::Path, database: &str, hook: &str) -> Server {
    Server::start_with(
        dir,
        &[
            "--database",
            database,
            "--tokens",
            "tokens",
            "--webhook",
            hook,
        ],
        &[("PROMPTCTL_WEBHOOK_SECRET", SECRET)],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_revision_arrives_signed_and_in_order_after_the_receiver_was_down() {
    let (received, addr) = receiver(0, true).await;
    let (dir, admin) = project();
    let server = serve(
        dir.path(),
        "sqlite:served.db",
        &format!("http://{addr}/hook"),
    );
    three_revisions(dir.path(), &server.url, &admin).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let status: Value =
        reqwest_get(&format!("{}/v1/webhooks/deliveries", server.url), &admin).await;
    assert_eq!(status[0]["delivered_revision"], 0, "{status}");
    assert_eq!(status[0]["last_status"], "503", "{status}");
    assert!(
        status[0]["failed_attempts"].as_i64().unwrap() >= 1,
        "{status}"
    );
    received.down.store(false, Ordering::SeqCst);
    wait_for(&received, &[1, 2, 3]).await;
    let deliveries = received.deliveries.lock().unwrap().clone();
    let order: Vec<i64> = deliveries.iter().map(|d| d.0).collect();
    assert_eq!(order, [1, 2, 3], "once each, in order");
    assert!(
        deliveries.iter().all(|d| d.1),
        "every signature holds: {deliveries:?}"
    );
    let status: Value =
        reqwest_get(&format!("{}/v1/webhooks/deliveries", server.url), &admin).await;
    assert_eq!(status[0]["delivered_revision"], 3, "{status}");
    let shown = status[0]["url"].as_str().unwrap();
    assert!(
        shown.starts_with(&format!("http://{addr}/… (")),
        "no path, no query: {shown}"
    );
}

async fn reqwest_get(url: &str, token: &str) -> Value {
    promptctl::store::http::ensure_tls_provider();
    reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_before_delivering_delivers_after_it_restarts() {
    let port = free_port();
    let hook = format!("http://127.0.0.1:{port}/hook");
    let (dir, admin) = project();
    // Nothing listens on the hook's port: every delivery fails until the server is killed.
    let server = serve(dir.path(), "sqlite:served.db", &hook);
    three_revisions(dir.path(), &server.url, &admin).await;
    server.kill();
    let (received, _) = receiver(port, false).await;
    let _again = serve(dir.path(), "sqlite:served.db", &hook);
    wait_for(&received, &[1, 2, 3]).await;
    let order: Vec<i64> = received
        .deliveries
        .lock()
        .unwrap()
        .iter()
        .map(|d| d.0)
        .collect();
    assert_eq!(order, [1, 2, 3]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_deliver_each_revision_once() {
    let Some(admin_url) = postgres_url() else {
        return;
    };
    let database = TestDatabase::create(&admin_url).await;
    let (received, addr) = receiver(0, false).await;
    let hook = format!("http://{addr}/hook");
    let (dir, admin) = project();
    let (one, _two) = (
        serve(dir.path(), &database.url, &hook),
        serve(dir.path(), &database.url, &hook),
    );
    three_revisions(dir.path(), &one.url, &admin).await;
    wait_for(&received, &[1, 2, 3]).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let deliveries = received.deliveries.lock().unwrap().clone();
    let order: Vec<i64> = deliveries.iter().map(|d| d.0).collect();
    assert_eq!(order, [1, 2, 3], "each once, in order: {deliveries:?}");
}

#[test]
fn a_webhook_needs_its_secret_and_https_off_loopback() {
    let dir = tempfile::tempdir().unwrap();
    tokens(dir.path());
    let (code, _, stderr) = run(promptctl(dir.path()).args([
        "serve",
        "--database",
        "sqlite:x.db",
        "--tokens",
        "tokens",
        "--webhook",
        "http://127.0.0.1:9/hook",
    ]));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("--webhook needs PROMPTCTL_WEBHOOK_SECRET"),
        "{stderr}"
    );
    let (code, _, stderr) = run(promptctl(dir.path())
        .args([
            "serve",
            "--database",
            "sqlite:x.db",
            "--tokens",
            "tokens",
            "--webhook",
            "http://hooks.example.com/x?key=abc",
        ])
        .env("PROMPTCTL_WEBHOOK_SECRET", SECRET));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("http:// only on a loopback address"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("key=abc"),
        "the URL's secret is not printed: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_is_not_a_delivery() {
    let (received, addr) = receiver(0, false).await;
    let (dir, admin) = project();
    let server = serve(
        dir.path(),
        "sqlite:served.db",
        &format!("http://{addr}/moved"),
    );
    three_revisions(dir.path(), &server.url, &admin).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        received.deliveries.lock().unwrap().is_empty(),
        "the redirect was not followed"
    );
    let status: Value =
        reqwest_get(&format!("{}/v1/webhooks/deliveries", server.url), &admin).await;
    assert_eq!(status[0]["delivered_revision"], 0, "{status}");
    assert_eq!(status[0]["last_status"], "302", "{status}");
}
